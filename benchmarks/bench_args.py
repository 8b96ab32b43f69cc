"""argparse types shared by the benchmark scripts: numbers with a lower bound, so that a bad
value exits 2 with argparse's message naming the argument and the value
(``error: argument --repeat: must be ≥ 1, got 0``) instead of a traceback minutes later."""

from __future__ import annotations

import argparse
import functools
import math
from collections.abc import Callable


def _bounded(kind: type, low: float, strict: bool, text: str):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not {'an integer' if kind is int else 'a number'}: {text!r}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be finite, got {text}")
    if value < low or (strict and value == low):
        raise argparse.ArgumentTypeError(f"must be {'>' if strict else '≥'} {low:g}, got {text}")
    return value


def int_at_least(low: int) -> Callable[[str], int]:
    """argparse type: an integer ≥ ``low``."""
    return functools.partial(_bounded, int, low, False)


def float_above(low: float) -> Callable[[str], float]:
    """argparse type: a finite float > ``low``."""
    return functools.partial(_bounded, float, low, True)
