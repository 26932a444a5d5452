"""Fixtures shared by the unit and the end-to-end tests."""

from __future__ import annotations

import pytest

from mailbroker import testing


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test database's URL (the private cluster of ``scripts/postgres``, started once
    per session and left running); fails, never skips, without it."""
    try:
        testing.postgres("start")
        return testing.postgres("url")
    except testing.MailSystemError as error:
        pytest.fail(str(error), pytrace=False)
