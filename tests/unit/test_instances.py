"""Two brokers sharing one database (and one mailbox): an incoming message is handled by
one of them only, and an outgoing one sent by one of them only, however their work
interleaves. On SQLite (two connections to one file) and on PostgreSQL (two connections
to one database)."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from mailbroker import testing as mt
from mailbroker.compose import Identity
from mailbroker.engine import Engine
from mailbroker.sender import Sender
from mailbroker.store import AlreadyHandled, Store

from .test_engine import Clock, request
from .test_workflow import POLICY, T0


def engine_on(store: Store, clock: Clock) -> Engine:
    return Engine(store, Identity(mt.BROKER, "Introductions"), POLICY, lambda address: address == mt.REFERRER, clock)


def test_a_message_recorded_by_one_store_is_refused_to_the_other(state_location):
    first = Store.open(state_location)
    opened, go = threading.Event(), threading.Event()

    def second() -> None:
        store = Store.open(state_location)  # a connection of its own thread (sqlite3 wants that)
        opened.set()
        go.wait(10)
        try:
            with store.transaction():  # waits for the first one's transaction to end
                store.mark_seen("d1", "<x@y>", "quarantine", "second", None, T0)
        finally:
            store.close()

    with ThreadPoolExecutor(1) as pool:
        outcome = pool.submit(second)
        assert opened.wait(10)
        with first.transaction():
            first.mark_seen("d1", "<x@y>", "processed", "first", None, T0)
            go.set()
            time.sleep(0.2)  # the second is now waiting for this transaction to end
        with pytest.raises(AlreadyHandled):
            outcome.result(30)
    assert first.seen("d1") == "processed"
    first.close()


def test_two_engines_deciding_on_one_message_apply_one_decision(state_location):
    """Both read the message as new and decide on it; only the first to record its
    decision applies it, the other finds it already handled and changes nothing."""
    Store.open(state_location).close()  # the schema, before two instances race for it
    raw = bytes(request())
    both_decided = threading.Barrier(2, timeout=10)

    def instance():
        store = Store.open(state_location)
        engine = engine_on(store, Clock())
        route = engine._route

        def route_then_wait(*args):
            decided = route(*args)
            both_decided.wait()  # neither records before both have decided
            return decided

        engine._route = route_then_wait
        try:
            return engine.handle(raw)
        finally:
            store.close()

    with ThreadPoolExecutor(2) as pool:
        fates = [future.result(60) for future in [pool.submit(instance), pool.submit(instance)]]
    store = Store.open(state_location)
    assert sorted(fate.reason == "already handled" for fate in fates) == [False, True]
    [referral] = store.referrals()
    [handled] = [fate for fate in fates if fate.reason != "already handled"]
    assert handled.ref == referral.ref
    assert len(store.outbox_ready(T0)) == len(store.sent_messages(referral.ref)) == store.outbox_counts()["pending"]
    assert {row["ref"] for row in store._db.execute("SELECT ref FROM outbox")} == {referral.ref}
    store.close()


def test_a_due_timer_runs_on_one_engine_only(state_location):
    """Both list the referral as due for its reminder; one sends the reminders, the other
    finds the timer already run."""
    store = Store.open(state_location)
    ref = engine_on(store, Clock()).handle(bytes(request())).ref
    queued = store.outbox_counts()["pending"]
    store.close()
    both_listed = threading.Barrier(2, timeout=10)

    def instance() -> int:
        store = Store.open(state_location)
        clock = Clock()
        clock.now = T0 + POLICY.reminder_after + timedelta(seconds=1)
        due = store.due

        def due_then_wait(now):
            refs = due(now)
            both_listed.wait()  # neither runs a timer before both have listed it
            return refs

        store.due = due_then_wait
        try:
            return engine_on(store, clock).tick()
        finally:
            store.close()

    with ThreadPoolExecutor(2) as pool:
        moves = [future.result(60) for future in [pool.submit(instance), pool.submit(instance)]]
    assert sorted(moves) == [0, 1]
    store = Store.open(state_location)
    reminders = store.outbox_counts()["pending"] - queued
    assert reminders == 2  # one to each silent party, once
    assert store.load(ref).reminded_at is not None
    store.close()


class RecordingServer:
    """Stands for an SMTP connection: accepts every message and remembers it."""

    is_connected = False  # nothing to keep between drains

    def __init__(self, accepted: list[str]):
        self.accepted = accepted

    async def sendmail(self, sender, recipients, raw):
        self.accepted.append(raw.decode())
        return {}, "250 OK"


def test_each_outbox_message_is_sent_by_one_broker_only(state_location):
    """Both list the same due messages; each message goes out once, whichever broker
    claims it first, even though both try every one of them."""
    setup = Store.open(state_location)
    with setup.transaction():
        for n in range(20):
            setup.enqueue(ref="R", template="t", message_id=f"<{n}@x>", reply_token="", envelope_from="intro@x",
                          recipients=["a@x"], raw=f"message {n}".encode(), now=T0)
    setup.close()
    accepted: list[str] = []
    both_listed = threading.Barrier(2, timeout=10)

    def instance(name: str) -> int:
        store = Store.open(state_location, sender=name)
        try:
            items = store.outbox_ready(T0)
            both_listed.wait()  # neither claims before both have listed every message
            return asyncio.run(Sender(store, None, lambda: T0)._send_all(RecordingServer(accepted), items))
        finally:
            store.close()

    with ThreadPoolExecutor(2) as pool:
        sent = [future.result(60) for future in [pool.submit(instance, "first"), pool.submit(instance, "second")]]
    assert sum(sent) == 20
    assert sorted(accepted) == sorted(f"message {n}" for n in range(20))  # each once
    store = Store.open(state_location)
    assert store.outbox_counts() == {"pending": 0, "sent": 20, "failed": 0}
    store.close()
