"""What a rule returns: the reasons it evaluated, the obligations it adds, the agreements
it rests on (:class:`Evidence`), built of :class:`Reason` and :class:`Obligation`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Evidence", "Obligation", "Reason"]


@dataclass(frozen=True, slots=True)
class Reason:
    """One evaluated rule: its id, its source, whether it passed, and why."""

    rule: str
    source: str
    passed: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "rule": self.rule,
            "passed": self.passed,
            "detail": self.detail,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Obligation:
    """Something the parties must do if (or before) the item is released."""

    kind: str
    detail: str
    source: str
    data: dict[str, Any] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"kind": self.kind, "detail": self.detail, "source": self.source, **self.data}


@dataclass(frozen=True, slots=True)
class Evidence:
    """The outcome of one rule function.

    Attributes:
        reasons: the checks it made, in order.
        obligations: what it obliges, in order.
        agreements: names of the agreements it rests on, in order.
    """

    reasons: tuple[Reason, ...] = ()
    obligations: tuple[Obligation, ...] = ()
    agreements: tuple[str, ...] = ()
