"""The store, on SQLite and on PostgreSQL alike: what is saved comes back the same, and
transactions are all or nothing."""

import os
import stat
from datetime import timedelta

import pytest

from mailbroker.model import Answer, Role, State
from mailbroker.store import CLAIM_LEASE, SCHEMA_VERSION, AlreadyHandled, DatabaseUnavailable, Store, StoreError
from mailbroker.workflow import decide, next_due

from ..support import POLICY, T0, answer, started


@pytest.fixture
def store(state_location):
    s = Store.open(state_location)
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


def test_usage_counts_ignore_case(store):
    referral = decide(None, started(), T0, POLICY).referral
    save(store, referral)
    with store.transaction():
        store.enqueue(ref=referral.ref, template="t", message_id="<m1@x>", reply_token="", envelope_from="intro@x",
                      recipients=["Alice@Example.test"], raw=b"raw", now=T0)
    assert store.referrals_since("REFERRER@example.test", T0) == 1
    assert store.referrals_since("referrer@example.test", T0 + timedelta(seconds=1)) == 0
    assert store.open_count("Referrer@Example.test") == 1
    assert [r.ref for r in store.open_referrals_of("referrer@example.test")] == [referral.ref]
    assert store.asked_since("BOB@example.test", T0) == 1
    assert store.messages_since("alice@example.test", T0) == 1
    assert store.messages_since("ali%@example.test", T0) == 0  # a wildcard in an address is only a character
    assert store.referral_counts()["pending"] == 1
    assert [r.ref for r in store.referrals(State.PENDING)] == [referral.ref] == [r.ref for r in store.referrals()]


def test_messages_to_an_address_are_counted_from_their_own_record_kept_two_days(store):
    with store.transaction():
        for n, recipients in enumerate((["a@x.test", "b@x.test"], ["A@x.test"], ["c@x.test"])):
            store.enqueue(ref="R", template="t", message_id=f"<m{n}@x>", reply_token="", envelope_from="intro@x",
                          recipients=recipients, raw=b"raw", now=T0 + timedelta(hours=n))
    assert store.messages_since("a@x.test", T0) == 2 and store.messages_since("a@x.test", T0 + timedelta(hours=1)) == 1
    assert store.messages_since("b@x.test", T0) == 1 and store.messages_since("d@x.test", T0) == 0
    with store.transaction():
        store.purge(T0, T0 + timedelta(days=2, hours=1, minutes=30))  # a, b (T0) and A (T0+1h) go, c stays
    assert [tuple(row) for row in store._db.execute("SELECT address FROM deliveries")] == [("c@x.test",)]


def test_attempts_count_until_seen(store):
    assert store.count_attempt("d1") == 0
    assert store.count_attempt("d1") == 1
    with store.transaction():
        store.mark_seen("d1", "<x@y>", "processed", "first", "R", T0)
    assert store.count_attempt("d1") == 0
    with pytest.raises(AlreadyHandled), store.transaction():  # a second verdict is refused, the first stays
        store.mark_seen("d1", "<x@y>", "quarantine", "again", "R", T0)
    assert store.seen("d1") == "processed"
    assert [tuple(row) for row in store.received_messages("R")] == [("<x@y>", "processed", "first", T0.isoformat())]


def test_unsuppress_and_count(store):
    with store.transaction():
        store.suppress("bob@example.test", "stop", T0)
        store.suppress("BOB@example.test", "stop again", T0)  # already there: kept once
    assert store.suppressed_count() == 1
    assert store.unsuppress("Bob@example.test") and not store.unsuppress("bob@example.test")
    assert store.suppressed_count() == 0


def test_purge_keeps_a_pseudonymous_consent_record(store):
    referral = decide(None, started(), T0, POLICY).referral
    save(store, referral)
    closed = answer(referral, Role.TARGET, Answer.NO).referral
    with store.transaction():
        store.save(closed, None)
        store.log(referral.ref, "declined", T0)
        store.enqueue(ref=referral.ref, template="t", message_id="<m1@x>", reply_token="", envelope_from="intro@x",
                      recipients=["alice@example.test"], raw=b"raw", now=T0)
        store.mark_sent(1, T0)
    assert store.timeline(referral.ref) == [(T0, "declined")]
    assert [row["template"] for row in store.sent_messages(referral.ref)] == ["t"]
    with store.transaction():
        assert store.purge(T0 + timedelta(days=1), T0 + timedelta(days=1)) == [referral.ref]
    records = store.consent_records()
    assert [(r["role"], r["answer"]) for r in records] == [("target", "no"), ("requester", None)]
    assert records[0]["address"] == store.pseudonym("BOB@example.test") != "bob@example.test"
    assert records[0]["referrer_address"] == store.pseudonym("referrer@example.test")
    assert store.sent_messages(referral.ref) == []
    assert [what for _, what in store.timeline(referral.ref)] == ["personal data purged; the consent record remains"]


def test_heartbeat_is_kept_for_the_next_process(store, state_location):
    store.heartbeat(42, True, T0)
    assert store.last_heartbeat() == {"pid": 42, "at": T0.isoformat(), "imap_contact_at": T0.isoformat()}
    again = Store.open(state_location)
    again.heartbeat(43, False, T0 + timedelta(minutes=1))
    assert again.last_heartbeat() == {"pid": 43, "at": (T0 + timedelta(minutes=1)).isoformat(),
                                      "imap_contact_at": T0.isoformat()}
    again.close()


def test_schema_version_recorded_and_a_newer_one_refused(store, state_location):
    assert store.schema_version() == SCHEMA_VERSION
    Store.open(state_location).close()  # opening again changes nothing
    store._set_meta("schema_version", str(SCHEMA_VERSION + 1))
    with pytest.raises(StoreError, match="newer than this mailbroker"):
        Store.open(state_location)


def test_read_only_store_reads_but_cannot_write(store, state_location):
    with store.transaction():
        store.suppress("bob@example.test", "stop", T0)
    reader = Store.open_readonly(state_location)
    assert reader.suppressed(["bob@example.test"]) == ("bob@example.test",)
    with pytest.raises(Exception, match="(?i)read.?only"):
        with reader.transaction():
            reader.suppress("alice@example.test", "stop", T0)
    reader.close()


def test_postgresql_connection_lost_then_found_again(postgres_schema):
    """A server restart ends every connection: the statement that finds out raises
    DatabaseUnavailable (the daemon waits and tries again), the next one reconnects."""
    import psycopg

    store = Store.open(postgres_schema)
    pid = store._db.execute("SELECT pg_backend_pid() AS pid").fetchone()["pid"]
    with psycopg.connect(postgres_schema, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(DatabaseUnavailable):
        store.seen("d1")
    assert store.seen("d1") is None
    store.close()


def test_postgresql_unreachable_is_unavailable():
    with pytest.raises(DatabaseUnavailable, match="cannot connect"):
        Store.open("postgresql://mailbroker@127.0.0.1:9/mailbroker?connect_timeout=2")


def test_postgresql_connection_lost_in_a_transaction_rolls_it_all_back(postgres_schema):
    """A transaction whose connection ends is gone as a whole: what it would still do must
    not run on a new connection, outside any transaction."""
    import psycopg

    store = Store.open(postgres_schema)
    with pytest.raises(DatabaseUnavailable), store.transaction():
        store.suppress("alice@example.test", "stop", T0)
        pid = store._db.execute("SELECT pg_backend_pid()").fetchone()[0]
        with psycopg.connect(postgres_schema, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        try:
            store.suppress("bob@example.test", "stop", T0)
        except DatabaseUnavailable:
            pass  # a caller that carries on regardless
        store.suppress("carol@example.test", "stop", T0)
    assert store.suppressed_count() == 0
    store.close()


def enqueue_one(store, message_id="<m1@x>", recipients=("a@x", "b@x")):
    with store.transaction():
        store.enqueue(ref="R", template="t", message_id=message_id, reply_token="", envelope_from="intro@x",
                      recipients=list(recipients), raw=b"raw", now=T0)


def claim(store, item_id, now):
    with store.transaction():
        return store.claim(item_id, now)


@pytest.fixture
def two_senders(state_location):
    """Two brokers' stores on one database, each a sender of its own."""
    first, second = Store.open(state_location, sender="first"), Store.open(state_location, sender="second")
    yield first, second
    first.close()
    second.close()


def test_one_claim_wins_until_its_lease_runs_out(two_senders):
    first, second = two_senders
    enqueue_one(first)
    [item] = second.outbox_ready(T0)
    assert claim(first, item.id, T0) == item
    assert claim(second, item.id, T0) is None
    assert second.outbox_ready(T0) == [] and first.outbox_ready(T0) == [item]  # its own claim: still its to send
    assert second.next_outbox_attempt() == T0 + CLAIM_LEASE and first.next_outbox_attempt() == T0
    assert claim(second, item.id, T0 + CLAIM_LEASE - timedelta(seconds=1)) is None
    assert claim(second, item.id, T0 + CLAIM_LEASE) == item  # the first broker crashed: the lease ran out
    assert claim(first, item.id, T0 + CLAIM_LEASE) is None


def test_a_sent_message_is_never_claimed_again(two_senders):
    first, second = two_senders
    enqueue_one(first)
    [item] = first.outbox_ready(T0)
    assert claim(first, item.id, T0) is not None
    with first.transaction():
        first.mark_sent(item.id, T0)
    later = T0 + CLAIM_LEASE * 10
    assert claim(first, item.id, later) is None and claim(second, item.id, later) is None
    assert first.outbox_ready(later) == second.outbox_ready(later) == []


def test_a_message_retried_later_is_anybodys_claim_once_due(two_senders):
    first, second = two_senders
    enqueue_one(first)
    [item] = first.outbox_ready(T0)
    claim(first, item.id, T0)
    with first.transaction():  # a@x took it, b@x was deferred
        first.retry_recipients(item.id, ["b@x"], "b@x: 451 later", T0 + timedelta(seconds=5))
    assert claim(second, item.id, T0 + timedelta(seconds=4)) is None  # not due yet
    claimed = claim(second, item.id, T0 + timedelta(seconds=5))  # before the first's lease would have run out
    assert claimed.recipients == ("b@x",) and claimed.attempts == 1  # as it is now, not as it was listed
