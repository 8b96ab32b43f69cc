"""The stage stamps of envelopes (gsomia.node.stamps): the first stamp of a stage is kept,
the oldest envelopes are dropped past the limit, a bad stage or limit is named."""

from __future__ import annotations

import pytest

from gsomia.errors import InputError
from gsomia.node.stamps import STAGES, Stamps


def test_first_stamp_of_a_stage_is_kept_and_wires_are_read() -> None:
    st = Stamps()
    st.mark("e1", "sent", 1.0)
    st.mark("e1", "sent", 2.0)          # a retried send does not move it
    st.mark_wires([{"envelope_id": "e1"}, {"envelope_id": 7}, "junk", {}], "request", 3.0)
    assert st.get("e1") == {"sent": 1.0, "request": 3.0}
    assert st.get("e2") == {} and len(st) == 1


def test_oldest_envelopes_are_dropped_past_the_limit() -> None:
    st = Stamps(limit=2)
    for i, stage in enumerate(STAGES[:3]):
        st.mark(f"e{i}", stage, float(i))
    assert len(st) == 2 and st.get("e0") == {} and st.get("e2") == {"opened": 2.0}


@pytest.mark.parametrize(("call", "field"), [(lambda: Stamps(0), "limit"),
                                             (lambda: Stamps().mark("e", "nope"), "stage")])
def test_bad_input_is_named(call, field) -> None:
    with pytest.raises(InputError) as err:
        call()
    assert err.value.field == field
