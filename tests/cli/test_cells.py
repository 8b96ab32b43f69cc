"""What the ``gsomia`` commands print of a partner's free text (a case's report, a
document's title) cannot drive the reader's terminal: no control or format character
(Unicode Cc, Cf) reaches it, and no Rich markup is taken from the data."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from gsomia.cli.cells import CELL_WIDTH, cell, printable


def _controls(text: str, keep: str = "") -> list[str]:
    return [c for c in text if c not in keep and unicodedata.category(c) in ("Cc", "Cf")]


def test_an_escape_sequence_is_shown_not_sent():
    assert cell("line1\nline2\x1b[31mred") == "line1 line2\\x1b[31mred"
    assert printable("T\x1b]0;pwned\x07end") == "T\\x1b]0;pwned\\x07end"
    assert printable("a\nb\tc\u202ed", keep="\n\t") == "a\nb\tc\\u202ed"


@given(st.text())
def test_no_control_or_format_character_is_ever_printed(text):
    assert _controls(cell(text)) == []
    assert _controls(printable(text)) == []
    assert _controls(printable(text, keep="\n\t"), keep="\n\t") == []


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Zs", "Zl", "Zp")),
               max_size=CELL_WIDTH))
def test_plain_short_text_is_kept_as_it_is(text):
    assert printable(text) == text
