"""The end-to-end fixtures of tests/e2e, for the security tests that need the real mail system."""

from ...e2e.conftest import empty_mailboxes, mail_system, store  # noqa: F401 - fixtures
from ...e2e.harness import brokers  # noqa: F401 - a fixture
