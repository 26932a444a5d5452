"""The daemon's shared duties with several mailboxes, without a mail server: one loop
per mailbox, a watchdog ping only once every loop has turned, health per mailbox, a
warning for work filed under a mailbox the config no longer declares."""

from __future__ import annotations

import logging

import pytest

from mailbroker.config import load_config
from mailbroker.daemon import Daemon

from ..support import T0, minimal, write


class CountingNotifier:
    """Stands for systemd: counts the watchdog pings."""

    watchdog_interval = None
    max_wait = None

    def __init__(self):
        self.pings = 0

    def watchdog(self) -> None:
        self.pings += 1


@pytest.fixture
def config(tmp_path):
    data = {**minimal(), "state": {"path": str(tmp_path / "state.sqlite3")},
            "mailboxes": [{"broker": {"address": "mises@example.test"}, "imap": {"username": "mises@example.test"}}]}
    return load_config(write(tmp_path, data))


@pytest.fixture
def daemon(config):
    daemon = Daemon(config, notifier=CountingNotifier())
    yield daemon
    for watcher in daemon.watchers:
        watcher.store.close()


def test_one_loop_per_mailbox_each_filed_under_its_own_key(daemon):
    assert [w.settings.broker.address for w in daemon.watchers] == ["intro@example.test", "mises@example.test"]
    assert [w.store.mailbox for w in daemon.watchers] == ["", "mises@example.test"]


def test_the_watchdog_is_pinged_once_every_loop_has_turned(daemon):
    first, second = daemon.watchers
    daemon.turned(first)
    daemon.turned(first)
    assert daemon.notifier.pings == 0  # the second loop may be stuck
    daemon.turned(second)
    assert daemon.notifier.pings == 1
    daemon.turned(second)
    assert daemon.notifier.pings == 1


def test_health_names_the_mailbox_that_is_not_connected(daemon):
    assert daemon.health() == "not connected to the IMAP server for intro@example.test"


def test_work_under_a_mailbox_the_config_no_longer_declares_is_reported(daemon, caplog):
    store = daemon.watchers[0].store
    with store.transaction():
        store.mailbox = "old@example.test"
        store.enqueue(ref="R", template="t", message_id="<m@x>", reply_token="", envelope_from="old@example.test",
                      recipients=["a@example.test"], raw=b"raw", now=T0)
        store.mailbox = ""
    with caplog.at_level(logging.WARNING):
        daemon._warn_of_stranded_work()
    assert "belong to the mailbox old@example.test, which the config no longer declares" in caplog.text
