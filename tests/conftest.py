"""Shared test fixtures: where the public data lie (beside the repository, never copied in),
and scenario files made from one base (``scenario_support.py``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scenario_support import write_scenario

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``<repo>/../shared/data``; skip the test when it is not there."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"public data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def scenario_file(tmp_path: Path) -> Callable[..., Path]:
    """Writer of variations of the base test scenario under ``tmp_path``.

    ``scenario_file("s.toml", seed=3, launches=[launch_entry(bearing_deg=80.0)])`` writes
    :func:`scenario_support.scenario_text` of the keyword arguments (the differences from
    the base, documented in ``tests/scenario_support.py``) to ``tmp_path / "s.toml"`` and
    returns that path.
    """

    def write(filename: str = "scenario.toml", **differences: Any) -> Path:
        return write_scenario(tmp_path / filename, **differences)

    return write
