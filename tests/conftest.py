"""Fixtures shared by the unit and the end-to-end tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbroker import testing

from .support import POLICY, Clock


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test database's URL (the private cluster of ``scripts/postgres``, started once
    per session and left running); fails, never skips, without it."""
    try:
        testing.postgres("start")
        return testing.postgres("url")
    except testing.MailSystemError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture
def postgres_schema(postgres_url):
    """A URL whose connections see only a fresh, empty schema."""
    with testing.fresh_schema(postgres_url) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def state_location(request, tmp_path) -> str | Path:
    """Where a store lives, once per kind of store: a SQLite file's path or a
    PostgreSQL URL: the tests that take it run on both."""
    if request.param == "sqlite":
        return tmp_path / "state" / "state.sqlite3"
    return request.getfixturevalue("postgres_schema")


@pytest.fixture
def clock():
    """A clock at T0 that the test moves; give it to the engine."""
    return Clock()


@pytest.fixture
def engine(state_location, clock):
    """An engine on each store (SQLite, PostgreSQL): the same messages, the same
    decisions. Its requests need no signature (`unauthenticated_requests: accept`):
    tests/security says what the default does with them."""
    from mailbroker.compose import Identity
    from mailbroker.engine import Engine
    from mailbroker.store import Store

    store = Store.open(state_location)
    yield Engine(store, Identity(testing.BROKER, "Introductions"), POLICY,
                 lambda address: address == testing.REFERRER, clock, unauthenticated_requests="accept")
    store.close()
