"""The SMTP edge's waiting rules, without a mail server: a refused connection (nothing
listens on the port) is a server outage, probed every few seconds and never charged to
the messages; a 4xx for a message backs off from 5 s to 2 minutes."""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta
from types import SimpleNamespace

import pytest

from mailbroker.sender import PROBE_LONGEST, Sender, retry_delay
from mailbroker.store import Store

from ..support import T0


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def store(tmp_path):
    store = Store.open(tmp_path / "state.sqlite3")
    with store.transaction():
        for n in range(3):
            store.enqueue(ref="REF", template="t", message_id=f"<{n}@x>", reply_token="", envelope_from="intro@x",
                          recipients=["a@x"], raw=b"Subject: x\r\n\r\nx\r\n", now=T0)
    yield store
    store.close()


def test_message_backoff_doubles_up_to_two_minutes():
    assert [retry_delay(n).total_seconds() for n in range(7)] == [5, 10, 20, 40, 80, 120, 120]


def test_an_outage_is_probed_every_few_seconds_and_not_charged_to_the_messages(store):
    now = [T0]
    settings = SimpleNamespace(host="127.0.0.1", port=closed_port(), security="none", verify_certificate=True,
                               username=None, password=None, auth="password", timeout=timedelta(seconds=5))
    sender = Sender(store, settings, lambda: now[0])
    assert sender.next_attempt() == T0
    probes = []
    for _ in range(6):
        now[0] = sender.next_attempt()
        assert asyncio.run(sender.drain()) == 0
        probes.append((sender.next_attempt() - now[0]).total_seconds())
    assert probes == [1, 2, 4, 5, 5, 5]
    assert sender.unavailable_since == T0
    # Before the next probe, drain does not even try.
    now[0] += PROBE_LONGEST / 2
    assert asyncio.run(sender.drain()) == 0
    assert [item.attempts for item in store.outbox_ready(now[0] + timedelta(days=1))] == [0, 0, 0]
