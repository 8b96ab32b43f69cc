"""Cells of the text the ``gsomia`` commands print: one line, of bounded width, with no
Rich markup taken from the data (a report's free text is a partner's or a user's words),
and no control or format character (Unicode categories Cc, Cf: an ESC sequence in a
partner's text would otherwise drive the reader's terminal): each is shown as its escape,
e.g. ``\\x1b``.

A node may hold long free text (a case's ``what`` up to
:data:`~gsomia.schemas.custody.MAX_CASE_TEXT` characters, a document's title); a table or
line shows its start, and ``--json`` the whole of it.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from rich.markup import escape

__all__ = ["CELL_WIDTH", "cell", "printable"]

#: Widest cell printed [characters]; longer text ends in "…".
CELL_WIDTH = 60


def cell(value: Any, width: int = CELL_WIDTH) -> str:
    """``value`` as one line of at most ``width`` characters (whitespace runs, line breaks
    included, become one space; cut text ends in "…"), Rich markup escaped; None → ""."""
    if value is None:
        return ""
    text = printable(" ".join(str(value)[: width * 4].split()))
    if len(text) > width or len(str(value)) > width * 4:
        text = text[: width - 1].rstrip() + "…"
    return escape(text)


def printable(value: Any, keep: str = "") -> str:
    """``str(value)`` with every control or format character (Unicode Cc, Cf) but those in
    ``keep`` (e.g. ``"\\n\\t"`` for a document's body) shown as its Python escape
    (``\\x1b``, ``\\u202e``), so that text from a partner cannot drive the terminal."""
    return "".join(
        ch if ch in keep or unicodedata.category(ch) not in ("Cc", "Cf")
        else ascii(ch)[1:-1] for ch in str(value))
