"""Fixtures for the tests that run against both stores: SQLite (a file per test) and
PostgreSQL (the private cluster of ``scripts/postgres``, started once per session and
left running; a schema of its own per test, dropped afterwards)."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

POSTGRES_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "postgres"


def _postgres(command: str) -> str:
    proc = subprocess.run([str(POSTGRES_SCRIPT), command], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=120)
    if proc.returncode != 0:
        pytest.fail(f"scripts/postgres {command} failed (exit {proc.returncode}): "
                    f"{(proc.stdout + proc.stderr).strip()}\n"
                    "(PostgreSQL missing? run `scripts/postgres install` as root)", pytrace=False)
    return proc.stdout.strip()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test database's URL, once the cluster runs; fails (never skips) without it."""
    _postgres("start")
    return _postgres("url")


@pytest.fixture
def postgres_schema(postgres_url):
    """A URL whose connections see only a fresh, empty schema: each test starts from
    nothing, and tests never see each other's rows."""
    import psycopg

    name = f"test_{uuid.uuid4().hex}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {name}")
    yield f"{postgres_url}?options={quote(f'-csearch_path={name}')}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f"DROP SCHEMA {name} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def state_location(request, tmp_path) -> str | Path:
    """Where a store lives, once per kind of store: a SQLite file's path or a
    PostgreSQL URL."""
    if request.param == "sqlite":
        return tmp_path / "state" / "state.sqlite3"
    return request.getfixturevalue("postgres_schema")
