"""The office's documents: the ledger workbook (XLSX or CSV files) and, later, printed PDFs.

Storage reads the rows (storage.ledger); these modules put them on a page in a language.
"""
