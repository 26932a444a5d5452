"""A forged From: naming an allowed referrer (issue 12, finding 1).

Anyone can write any From. Under the default configuration — no trusted server, and
`authentication.unauthenticated_requests: confirm` — such a request makes the broker
write to one address only: the referrer's own, asking whether they sent it. Only their
answer to that message, carrying its token, lets the request go ahead."""

from __future__ import annotations

from datetime import timedelta

from mailbroker import testing as mt
from mailbroker.compose import Identity
from mailbroker.engine import HELD_FOR, PROCESSED, QUARANTINE, Engine
from mailbroker.store import Store

from ..support import ALICE, BOB, POLICY, outbox, request

ATTACKER = "mallory@attacker.example.com"


def engine_with(tmp_path, clock, **options) -> Engine:
    """The engine as the default configuration builds it, unless `options` say otherwise."""
    store = Store.open(tmp_path / "state.sqlite3")
    return Engine(store, Identity(mt.BROKER, "Introductions"), POLICY, lambda a: a == mt.REFERRER, clock, **options)


def confirmation_of(engine, forged) -> object:
    """Handle a forged request; the one message it may cause, to the referrer only."""
    fate = engine.handle(bytes(forged))
    assert fate.folder == PROCESSED and "held" in fate.reason
    sent = outbox(engine)
    assert [recipients for recipients, _ in sent] == [(mt.REFERRER,)]
    return sent[0][1]


def test_a_forged_request_writes_only_to_the_referrer_asking_whether_they_sent_it(tmp_path, clock):
    engine = engine_with(tmp_path, clock)
    ask = confirmation_of(engine, request())
    assert "Did you send this introduction request?" in str(ask["Subject"])
    text = mt.text_of(ask)
    assert ALICE in text and BOB in text
    assert "+" in str(ask["Reply-To"])  # the token only the referrer's mailbox receives
    assert engine.store.referrals() == []


def test_the_referrers_yes_to_the_confirmation_starts_the_referral(tmp_path, clock):
    engine = engine_with(tmp_path, clock)
    ask = confirmation_of(engine, request())
    fate = engine.handle(bytes(mt.reply(ask, mt.REFERRER, "Yes.")))
    assert fate.folder == PROCESSED and "confirmed by the referrer" in fate.reason and fate.ref
    assert sorted(r for r, _ in outbox(engine)) == [(ALICE,), (BOB,), (mt.REFERRER,)]
    # Confirmed once: the same token does not start a second referral.
    again = mt.reply(ask, mt.REFERRER, "Yes!")
    engine.handle(bytes(again))
    assert len(engine.store.referrals()) == 1


def test_a_yes_without_the_token_in_its_address_starts_nothing(tmp_path, clock):
    engine = engine_with(tmp_path, clock)
    ask = confirmation_of(engine, request())
    forged_yes = mt.reply(ask, mt.REFERRER, "Yes")
    forged_yes.replace_header("To", mt.BROKER)
    forged_yes["Cc"] = str(ask["Reply-To"])  # the token in Cc only, as an attacker who saw it might
    engine.handle(bytes(forged_yes))
    assert all(recipients == (mt.REFERRER,) for recipients, _ in outbox(engine))
    assert engine.store.referrals() == []


def test_a_confirmation_from_anyone_but_the_referrer_is_not_counted(tmp_path, clock):
    engine = engine_with(tmp_path, clock)
    ask = confirmation_of(engine, request())
    fate = engine.handle(bytes(mt.reply(ask, ATTACKER, "Yes")))
    assert fate.folder == QUARANTINE and f"not {mt.REFERRER}" in fate.reason
    assert outbox(engine) == [] and engine.store.referrals() == []
    # The referrer's own yes still counts afterwards.
    assert "confirmed" in engine.handle(bytes(mt.reply(ask, mt.REFERRER, "yes"))).reason


def test_the_referrers_no_drops_the_request_and_says_so(tmp_path, clock):
    engine = engine_with(tmp_path, clock)
    ask = confirmation_of(engine, request())
    fate = engine.handle(bytes(mt.reply(ask, mt.REFERRER, "No, I never sent that.")))
    assert fate.folder == PROCESSED and "dropped" in fate.reason
    sent = outbox(engine)
    assert [r for r, _ in sent] == [(mt.REFERRER,)] and "not sent" in str(sent[0][1]["Subject"])
    engine.handle(bytes(mt.reply(ask, mt.REFERRER, "yes")))  # too late: the request is gone
    assert engine.store.referrals() == []
    assert all(recipients == (mt.REFERRER,) for recipients, _ in outbox(engine))


def test_an_unclear_reply_leaves_the_request_held_and_the_question_is_asked_again(tmp_path, clock):
    engine = engine_with(tmp_path, clock)
    ask = confirmation_of(engine, request())
    fate = engine.handle(bytes(mt.reply(ask, mt.REFERRER, "Which request is this about?")))
    assert fate.folder == QUARANTINE and "still held" in fate.reason
    sent = outbox(engine)
    assert [r for r, _ in sent] == [(mt.REFERRER,)]
    assert "could not tell yes or no" in mt.text_of(sent[0][1]) and sent[0][1]["Reply-To"] == ask["Reply-To"]
    assert engine.store.referrals() == []
    assert "confirmed" in engine.handle(bytes(mt.reply(ask, mt.REFERRER, "Yes, go ahead"))).reason


def test_a_held_request_lapses(tmp_path, clock):
    engine = engine_with(tmp_path, clock)
    ask = confirmation_of(engine, request())
    clock.now += HELD_FOR + timedelta(minutes=1)
    engine.tick()
    engine.handle(bytes(mt.reply(ask, mt.REFERRER, "yes")))
    assert engine.store.referrals() == []
    assert all(recipients == (mt.REFERRER,) for recipients, _ in outbox(engine))


def test_a_decline_in_a_referrers_name_is_confirmed_first(tmp_path, clock):
    engine = engine_with(tmp_path, clock)
    ask = confirmation_of(engine, request_to_decline())
    assert "decline" in mt.text_of(ask)
    engine.handle(bytes(mt.reply(ask, mt.REFERRER, "yes")))
    assert [r for r, _ in outbox(engine)] == [(ALICE, mt.REFERRER)]


def request_to_decline():
    return mt.gmail_forward("Decline", author=ALICE, author_name="Alice Martin", subject="Intro?",
                            body="Could you introduce me to a payments lead?")


def test_refuse_sets_it_aside_and_writes_to_nobody(tmp_path, clock):
    engine = engine_with(tmp_path, clock, unauthenticated_requests="refuse")
    fate = engine.handle(bytes(request()))
    assert fate.folder == QUARANTINE and "not authenticated" in fate.reason
    assert outbox(engine) == []


def test_accept_reads_it_as_the_referrers(tmp_path, clock):
    engine = engine_with(tmp_path, clock, unauthenticated_requests="accept")
    assert "started" in engine.handle(bytes(request())).reason


def test_a_request_a_trusted_server_vouched_for_needs_no_confirmation(tmp_path, clock):
    engine = engine_with(tmp_path, clock, trusted_servers=("mx.example.test",))
    signed = request()
    signed["Authentication-Results"] = "mx.example.test; dmarc=pass header.from=example.test"
    assert "started" in engine.handle(bytes(signed)).reason
    outbox(engine)
    forged = request()
    forged["Authentication-Results"] = "mx.example.test; dmarc=none header.from=example.test"
    confirmation_of(engine, forged)


def test_forged_requests_rotating_through_a_domain_are_capped(tmp_path, clock):
    """`*@partners.example.test` allows any address there: rotating them must not make the
    broker write without end, whatever the cap per address."""
    store = Store.open(tmp_path / "rotate.sqlite3")
    engine = Engine(store, Identity(mt.BROKER, "Introductions"), POLICY,
                    lambda a: a.endswith("@partners.example.test"), clock)
    for n in range(30):
        forged = mt.direct_request(f"Introduce: Alice <{ALICE}>\nTo: Bob <{BOB}>\nWhy: we built Acme together.",
                                   referrer=f"r{n}@partners.example.test")
        engine.handle(bytes(forged))
    assert len(outbox(engine)) == POLICY.limits.replies_per_referrer_per_day
