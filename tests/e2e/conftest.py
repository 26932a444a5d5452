"""End-to-end fixtures: every test here runs against the real local mail system.

The session starts it once (``scripts/mailsystem start`` is idempotent and
leaves it running for the next run); each test then begins with empty
mailboxes and an empty Postfix queue.
"""

from __future__ import annotations

import pytest

from mailbroker import testing


@pytest.fixture(scope="session", autouse=True)
def mail_system():
    """Start Postfix + Dovecot; fail (never skip) when they are not installed."""
    if not testing.installed():
        pytest.fail(
            "Postfix/Dovecot are not installed: run `scripts/mailsystem install` (as root), "
            "then run the end-to-end tests again.",
            pytrace=False,
        )
    try:
        testing.mailsystem("start")
    except testing.MailSystemError as error:
        pytest.fail(str(error), pytrace=False)
    return testing


@pytest.fixture(autouse=True)
def empty_mailboxes(mail_system):
    """Each test starts from empty mailboxes, whatever the previous one left."""
    testing.clear_all()
