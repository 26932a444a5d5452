"""The SQLite store: what is saved comes back the same, and transactions are all or nothing."""

import os
import stat
from datetime import timedelta

import pytest

from mailbroker.model import Answer, Role, State
from mailbroker.store import Store
from mailbroker.workflow import decide, next_due

from .test_workflow import POLICY, T0, answer, started


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "state" / "state.sqlite3")
    yield s
    s.close()


def save(store, referral):
    with store.transaction():
        store.save(referral, next_due(referral, POLICY))


def test_state_file_is_private(tmp_path):
    Store.open(tmp_path / "s.sqlite3").close()
    assert stat.S_IMODE(os.stat(tmp_path / "s.sqlite3").st_mode) == 0o600


def test_referral_round_trip(store):
    referral = decide(None, started(), T0, POLICY).referral
    referral = answer(referral, Role.REQUESTER, Answer.YES, "a note").referral
    save(store, referral)
    assert store.load(referral.ref) == referral
    assert store.by_token("tok-target") == (referral.ref, Role.TARGET)
    assert store.by_token("nope") is None
    assert store.by_token("TOK-TARGET") == (referral.ref, Role.TARGET)  # some servers change the case
    assert store.by_referrer_token("") is None


def test_due_referrals_and_open_duplicates(store):
    referral = decide(None, started(), T0, POLICY).referral
    save(store, referral)
    assert store.due(T0) == []
    assert store.due(T0 + timedelta(days=3)) == [referral.ref]
    assert store.next_due_at() == T0 + timedelta(days=3)
    assert store.open_between("ALICE@example.test", "bob@example.test") == referral.ref
    assert store.open_between("bob@example.test", "alice@example.test") == referral.ref
    closed = answer(referral, Role.TARGET, Answer.NO).referral
    save(store, closed)
    assert store.open_between("alice@example.test", "bob@example.test") is None
    assert store.due(T0 + timedelta(days=30)) == []
    assert store.load(referral.ref).state is State.DECLINED


def test_transaction_rolls_back_everything(store):
    referral = decide(None, started(), T0, POLICY).referral
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.save(referral, None)
            store.suppress("bob@example.test", "test", T0)
            raise RuntimeError("crash")
    assert store.load(referral.ref) is None
    assert store.suppressed(["bob@example.test"]) == ()


def test_outbox_lifecycle(store):
    with store.transaction():
        store.enqueue(ref="R", template="t", message_id="<m1@x>", reply_token="tok", envelope_from="intro@x",
                      recipients=["a@x", "b@x"], raw=b"raw", now=T0)
    [item] = store.outbox_ready(T0)
    assert item.recipients == ("a@x", "b@x") and item.raw == b"raw"
    assert store.by_sent_message("<m1@x>") == ("R", "tok")
    with store.transaction():
        store.mark_retry(item.id, "421 busy", T0 + timedelta(seconds=5))
    assert store.outbox_ready(T0) == []
    assert store.next_outbox_attempt() == T0 + timedelta(seconds=5)
    with store.transaction():
        store.mark_sent(item.id, T0)
    assert store.outbox_ready(T0 + timedelta(days=1)) == []
    assert store.outbox_counts() == {"pending": 0, "sent": 1, "failed": 0}


def test_seen_and_suppression_ignore_case(store):
    with store.transaction():
        store.mark_seen("d1", "<x@y>", "processed", "why", None, T0)
        store.suppress("Bob@Example.test", "stop", T0)
    assert store.seen("d1") == "processed" and store.seen("d2") is None
    assert store.suppressed(["bob@example.test", "alice@example.test"]) == ("bob@example.test",)
