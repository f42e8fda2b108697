"""The weekly chart: hours per day as bars, drawn with matplotlib's object API (Agg).

Labels are numbers and dates only, so no CJK font is needed. Drawing is CPU work: callers run
it off the event loop (`asyncio.to_thread`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def hours_per_day(days: Sequence[date], minutes: Sequence[int]) -> bytes:
    """A PNG bar chart of hours per day."""
    figure = Figure(figsize=(6, 3), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    hours = [m / 60 for m in minutes]
    axes.bar([d.strftime("%m-%d") for d in days], hours, color="#3b7dd8")
    axes.set_ylim(bottom=0)
    for x, value in enumerate(hours):
        if value:
            axes.annotate(f"{value:g}", (x, value), ha="center", va="bottom", fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
