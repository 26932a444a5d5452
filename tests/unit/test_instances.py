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
from mailbroker.engine import LEFT_BEHIND_AFTER, PROCESSED, Engine
from mailbroker.model import State
from mailbroker.sender import Sender
from mailbroker.store import AlreadyHandled, Store

from ..support import ALICE, BOB, POLICY, T0, Clock, request, start


def engine_on(store: Store, clock: Clock) -> Engine:
    return Engine(store, Identity(mt.BROKER, "Introductions"), POLICY, lambda address: address == mt.REFERRER, clock,
                  unauthenticated_requests="accept")


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


def test_a_message_handled_meanwhile_by_another_engine_is_not_applied_twice(state_location):
    """The second engine found the message new (its `seen` check ran before the first
    committed), decides on it, and finds it handled when it records: it changes nothing."""
    raw = bytes(request())
    first = Store.open(state_location)
    handled = engine_on(first, Clock()).handle(raw)
    second = Store.open(state_location)
    checks = []

    def seen_too_early(digest):  # the first check ran before the first engine committed
        checks.append(digest)
        return None if len(checks) == 1 else Store.seen(second, digest)

    second.seen = seen_too_early
    again = engine_on(second, Clock()).handle(raw)
    assert again.reason == "already handled" and again.folder == handled.folder
    [referral] = first.referrals()
    assert referral.ref == handled.ref
    assert {row["ref"] for row in first._db.execute("SELECT ref FROM outbox")} == {referral.ref}
    assert first.outbox_counts()["pending"] == 3  # two consent requests and the acknowledgement, once
    first.close()
    second.close()


def test_two_answers_of_one_referral_handled_at_once_are_both_counted(state_location):
    """Alice's yes is being handled by one engine while Bob's reaches another: the second
    waits for the first to commit and decides from Alice's yes too, so the introduction
    goes out. (Deciding from the state both started with would lose Alice's answer.)"""
    setup = Store.open(state_location)
    ref, to_alice, to_bob = start(engine_on(setup, Clock()))
    setup.close()
    alice_decided, bob_started, go = threading.Event(), threading.Event(), threading.Event()

    def handle(raw: bytes, hold: bool):
        store = Store.open(state_location)  # a connection of its own thread (sqlite3 wants that)
        engine = engine_on(store, Clock())
        route = engine._route

        def route_and_hold(*args):
            decided = route(*args)
            alice_decided.set()
            go.wait(10)  # Bob's answer arrives while this transaction is still open
            return decided

        if hold:
            engine._route = route_and_hold
        else:
            bob_started.set()
        try:
            return engine.handle(raw)
        finally:
            store.close()

    with ThreadPoolExecutor(2) as pool:
        alice = pool.submit(handle, bytes(mt.reply(to_alice, ALICE, "Yes, gladly")), True)
        assert alice_decided.wait(10)
        bob = pool.submit(handle, bytes(mt.reply(to_bob, BOB, "yes")), False)
        assert bob_started.wait(10)
        time.sleep(0.3)  # Bob's engine is now waiting for Alice's transaction
        go.set()
        fates = [alice.result(60), bob.result(60)]
    assert [fate.folder for fate in fates] == [PROCESSED, PROCESSED]
    store = Store.open(state_location)
    assert store.load(ref).state is State.INTRODUCED
    introductions = store._db.execute("SELECT COUNT(*) AS n FROM outbox WHERE template = 'introduction'").fetchone()
    assert introductions["n"] == 1
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


def test_a_message_another_engine_just_handled_is_left_for_it_to_move(state_location):
    """Two brokers on one mailbox both read a message; the one that did not record it
    leaves the MOVE to the other (two MOVEs at once can file two copies), unless the
    other handled it before this one started, or long ago: then it was left behind by
    a broker that stopped before moving it, and whoever finds it moves it."""
    raw = bytes(request())
    clock = Clock()
    here = engine_on(Store.open(state_location), clock)  # started before the message came
    clock.now += timedelta(seconds=1)
    elsewhere = engine_on(Store.open(state_location), clock)
    assert not elsewhere.handle(raw).handled_elsewhere
    again = here.handle(raw)
    assert again.kind == "duplicate" and again.handled_elsewhere
    assert not elsewhere.handle(raw).handled_elsewhere  # its own, found again: it moves it
    assert not engine_on(Store.open(state_location), clock).handle(raw).handled_elsewhere  # started after
    clock.now += LEFT_BEHIND_AFTER + timedelta(seconds=1)
    assert not here.handle(raw).handled_elsewhere  # left behind
