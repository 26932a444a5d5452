"""End-to-end fixtures: every test here runs against the real local mail system.

The session starts it once (``scripts/mailsystem start`` is idempotent and
leaves it running for the next run); each test then begins with empty
mailboxes and an empty Postfix queue.

The brokers a test starts keep their state in SQLite, the default store. A module or
test marked ``@pytest.mark.stores("sqlite", "postgresql")`` runs once per store named;
on PostgreSQL (the private cluster of ``scripts/postgres``, started once per session
and left running) each broker gets a fresh schema, dropped after the test.
"""

from __future__ import annotations

import pytest

from mailbroker import testing

from .harness import STORES, brokers  # noqa: F401 - brokers: a fixture for every module here


def pytest_configure(config):
    config.addinivalue_line("markers", "stores(*names): run the test's brokers on each of these state stores "
                                       "(sqlite, postgresql); sqlite only when not marked")


def pytest_generate_tests(metafunc):
    """One run per store named by the closest `stores` marker (a test's own overrides
    its module's); tests without the marker keep their ids and run on SQLite."""
    marker = metafunc.definition.get_closest_marker("stores")
    if marker is None or "store" not in metafunc.fixturenames:
        return
    unknown = set(marker.args) - set(STORES)
    assert marker.args and not unknown, f"stores({', '.join(marker.args)}): name one or more of {STORES}"
    metafunc.parametrize("store", marker.args, indirect=True)


@pytest.fixture
def store(request) -> str:
    """The state store of this test's brokers: "sqlite" or "postgresql"."""
    return getattr(request, "param", "sqlite")


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


@pytest.fixture
def broker(brokers, tmp_path, request):  # noqa: F811 - the fixture brokers, as a parameter
    """One broker started for the test (settings from `indirect` parametrisation), stopped
    after it: it must exit cleanly, without a traceback in its log."""
    b = brokers(tmp_path, **getattr(request, "param", {}))
    b.start()
    yield b
    code = b.stop()
    print(b.log_text()[-6000:])  # shown by pytest only when the test failed
    assert code == 0, f"broker exited with {code}:\n{b.log_text()[-4000:]}"
    assert "Traceback" not in b.log_text(), b.log_text()
