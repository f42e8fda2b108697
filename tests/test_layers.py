"""The architecture's direction, checked: storage ← scheduler, commands ← bot (shell).

storage (model and rules) imports no other package; the scheduler only storage; commands may
use the shell's views and context; among the shell's modules only the ones that wire the
application together import command modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {
    "storage": {"storage"},
    "scheduler": {"storage", "scheduler"},
    "commands": {"storage", "scheduler", "commands", "bot"},
    "bot": {"storage", "scheduler", "bot"},
}
WIRING = {"bot/app.py"}  # builds the Application from the command handlers


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
    return found & set(ALLOWED)


def test_every_package_imports_only_in_the_allowed_direction() -> None:
    wrong = []
    for package, allowed in ALLOWED.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "migrations" in relative or relative in WIRING:
                continue
            extra = imported_packages(path) - allowed
            if extra:
                wrong.append(f"{relative} imports {sorted(extra)}")
    assert wrong == []
