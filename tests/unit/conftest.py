"""Fixtures for the tests that run against both stores: SQLite (a file per test) and
PostgreSQL (a schema of its own per test, dropped afterwards, on the cluster of
``postgres_url``: see tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbroker import testing


@pytest.fixture
def postgres_schema(postgres_url):
    """A URL whose connections see only a fresh, empty schema."""
    with testing.fresh_schema(postgres_url) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def state_location(request, tmp_path) -> str | Path:
    """Where a store lives, once per kind of store: a SQLite file's path or a
    PostgreSQL URL."""
    if request.param == "sqlite":
        return tmp_path / "state" / "state.sqlite3"
    return request.getfixturevalue("postgres_schema")
