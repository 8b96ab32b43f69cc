"""Fixtures for the sharing tests: the packaged catalog, loaded once."""

from __future__ import annotations

import pytest

from gsomia.sharing import Catalog, load_catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()
