"""Cells of the text the ``gsomia`` commands print: one line, of bounded width, with no
Rich markup taken from the data (a report's free text is a partner's or a user's words).

A node may hold long free text (a case's ``what`` up to
:data:`~gsomia.schemas.custody.MAX_CASE_TEXT` characters, a document's title); a table or
line shows its start, and ``--json`` the whole of it.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape

__all__ = ["CELL_WIDTH", "cell"]

#: Widest cell printed [characters]; longer text ends in "…".
CELL_WIDTH = 60


def cell(value: Any, width: int = CELL_WIDTH) -> str:
    """``value`` as one line of at most ``width`` characters (whitespace runs, line breaks
    included, become one space; cut text ends in "…"), Rich markup escaped; None → ""."""
    if value is None:
        return ""
    text = " ".join(str(value)[: width * 4].split())
    if len(text) > width or len(str(value)) > width * 4:
        text = text[: width - 1].rstrip() + "…"
    return escape(text)
