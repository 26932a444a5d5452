"""The stores of the unit tests (SQLite and PostgreSQL), for the security tests that
compare what the database compares."""

from ..unit.conftest import postgres_schema, state_location  # noqa: F401 - fixtures
