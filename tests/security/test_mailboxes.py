"""Addresses compared as the mailboxes they deliver to (issue 12, finding on
plus-addressing): after bob@ says stop, bob+1@, BOB@ and b.o.b@ (at Gmail) are bob too,
for the stop list, the caps, duplicates and the pairs already introduced; mail still goes
to the address as written."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mailbroker import testing as mt
from mailbroker.compose import Identity
from mailbroker.engine import Engine
from mailbroker.model import mailbox_key
from mailbroker.store import Store
from mailbroker.workflow import Limits

from ..support import BOB, POLICY, T0, outbox, start


@pytest.fixture
def engine(state_location, clock):
    """On SQLite and PostgreSQL: the keys are compared by the database."""
    store = Store.open(state_location)
    yield Engine(store, Identity(mt.BROKER, "Introductions"), replace(POLICY, limits=Limits(
        requests_per_person_per_month=2, referrals_per_referrer_per_day=100, messages_per_address_per_day=100)),
        lambda a: a == mt.REFERRER, clock, unauthenticated_requests="accept")
    store.close()


@pytest.mark.parametrize("a, b", [
    ("Bob+news@Example.TEST", "bob@example.test"),
    ("bob@BÜCHER.example", "bob@xn--bcher-kva.example"),
    ("b.o.b+x@googlemail.com", "bob@gmail.com"),
    ("Bob.Stone@GMAIL.com.", "bobstone@gmail.com"),
])
def test_one_mailbox_many_spellings(a, b):
    assert mailbox_key(a) == mailbox_key(b)


@pytest.mark.parametrize("a, b", [
    ("bob.stone@example.test", "bobstone@example.test"),  # dots matter outside Gmail
    ("bob@example.test", "bob@example.test.example"),
    ("bob-news@example.test", "bob@example.test"),
])
def test_different_mailboxes_stay_different(a, b):
    assert mailbox_key(a) != mailbox_key(b)


def request_to(target: str, requester: str = "carol"):
    return mt.direct_request(f"Introduce: {requester.title()} <{mt.address(requester)}>\nTo: Bob <{target}>\n"
                             "Why: both run payments teams in Lyon.", subject=f"Intro {target}")


def test_after_a_stop_no_spelling_of_the_address_is_written_to(engine):
    _, _, to_bob = start(engine)
    engine.handle(bytes(mt.reply(to_bob, BOB, "Stop. Never contact me again.")))
    outbox(engine)
    for n, spelling in enumerate(("bob+1@example.test", "BOB@example.test", "Bob+intro@EXAMPLE.test")):
        fate = engine.handle(bytes(request_to(spelling, requester=("carol", "dave", "erin")[n])))
        assert "suppressed" in fate.reason, spelling
    assert all(recipients == (mt.REFERRER,) for recipients, _ in outbox(engine))


def test_the_monthly_cap_counts_every_spelling(engine):
    for n, spelling in enumerate(("bob@example.test", "bob+1@example.test", "bob+2@example.test")):
        fate = engine.handle(bytes(request_to(spelling, requester=("carol", "dave", "erin")[n])))
    assert "limit_requests_per_person" in fate.reason
    assert len(engine.store.referrals()) == 2


def test_a_duplicate_under_another_spelling_is_a_duplicate(engine):
    engine.handle(bytes(request_to("bob@example.test")))
    fate = engine.handle(bytes(request_to("Bob+again@example.test")))
    assert "duplicate" in fate.reason


def test_the_daily_cap_counts_every_spelling(tmp_path, clock):
    store = Store.open(tmp_path / "cap.sqlite3")
    with store.transaction():
        for n in range(3):
            store.enqueue(ref="", template="t", message_id=f"<m{n}@x>", reply_token="", envelope_from="intro@x",
                          recipients=[f"bob+{n}@example.test"], raw=b"raw", now=T0)
    assert store.messages_since("BOB@example.test", T0) == 3


def test_the_stop_list_is_rekeyed_when_upgraded(state_location):
    store = Store.open(state_location)
    with store.transaction():
        store.suppress("Bob+x@Example.test", "asked to stop", T0)
        store._db.execute("UPDATE suppression SET address_key = ''")  # as version 4 left it
        store._set_meta("schema_version", "4")
    store.close()
    store = Store.open(state_location)
    assert store.suppressed(["bob@example.test"]) == ("bob@example.test",)
    store.close()
