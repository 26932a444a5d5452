"""The engine on real message bytes and a real store (SQLite and PostgreSQL), without a
network: what each kind of incoming message leads to, in the store and in the outbox."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta

import pytest

from mailbroker import testing as mt
from mailbroker.compose import Identity
from mailbroker.engine import PROCESSED, QUARANTINE, Engine
from mailbroker.model import Answer, State
from mailbroker.store import Store
from mailbroker.workflow import Limits

from ..support import ALICE, BOB, CAROL, POLICY, T0, outbox, request, start


def test_a_request_asks_both_and_acknowledges(engine):
    fate = engine.handle(bytes(request()))
    assert fate.ref and "started" in fate.reason
    assert sorted(r for r, _ in outbox(engine)) == [(ALICE,), (BOB,), (mt.REFERRER,)]


def test_the_same_message_twice_is_handled_once(engine):
    raw = bytes(request())
    first = engine.handle(raw)
    outbox(engine)
    again = engine.handle(raw)
    assert again.folder == first.folder and again.reason == "already handled"
    assert outbox(engine) == []


def test_a_stranger_is_quarantined_without_any_mail(engine):
    fate = engine.handle(bytes(request(referrer=mt.address("stranger"))))
    assert fate.folder == QUARANTINE and "not an allowed referrer" in fate.reason
    assert outbox(engine) == []


def test_answers_by_token_lead_to_the_introduction(engine):
    ref, to_alice, to_bob = start(engine)
    assert engine.handle(bytes(mt.reply(to_alice, ALICE, "Yes, gladly"))).folder == PROCESSED
    assert engine.handle(bytes(mt.reply(to_bob, BOB, "yes"))).folder == PROCESSED
    assert engine.store.load(ref).state is State.INTRODUCED
    intro = [m for r, m in outbox(engine) if len(r) == 3]
    assert len(intro) == 1


def test_an_answer_from_the_wrong_sender_is_quarantined_and_not_counted(engine):
    ref, to_alice, to_bob = start(engine)
    fate = engine.handle(bytes(mt.reply(to_bob, CAROL, "yes")))
    assert fate.folder == QUARANTINE and "not counted" in fate.reason
    assert engine.store.load(ref).target.answer is None
    assert outbox(engine) == []


def test_automatic_replies_are_never_answers(engine):
    ref, to_alice, _ = start(engine)
    ooo = mt.reply(to_alice, ALICE, "I am out of the office until Monday. Yes, really.")
    ooo["Auto-Submitted"] = "auto-replied"
    fate = engine.handle(bytes(ooo))
    assert fate.folder == PROCESSED and "automatic" in fate.reason
    assert engine.store.load(ref).requester.answer is None
    assert outbox(engine) == []


def test_stop_suppresses_the_address_for_later_requests(engine):
    ref, _, to_bob = start(engine)
    engine.handle(bytes(mt.reply(to_bob, BOB, "Please stop, never contact me again.")))
    assert engine.store.load(ref).state is State.DECLINED
    assert engine.store.suppressed([BOB]) == (BOB,)
    outbox(engine)
    fate = engine.handle(bytes(mt.direct_request("Introduce: Carol <carol@example.test>\nTo: Bob <bob@example.test>")))
    assert "suppressed" in fate.reason
    [(recipients, refusal)] = outbox(engine)
    assert recipients == (mt.REFERRER,)


def test_a_duplicate_request_is_refused_while_the_first_is_open(engine):
    ref, _, _ = start(engine)
    fate = engine.handle(bytes(request()))
    assert "duplicate" in fate.reason
    [(recipients, refusal)] = outbox(engine)
    assert recipients == (mt.REFERRER,) and ref in mt.text_of(refusal)


def test_an_invalid_request_gets_a_precise_reply_and_nothing_else(engine):
    fate = engine.handle(bytes(mt.direct_request("Introduce: Alice <alice@example.test>\nTo: Bob <bob@@example>")))
    assert fate.folder == PROCESSED and "refused" in fate.reason
    [(recipients, refusal)] = outbox(engine)
    assert recipients == (mt.REFERRER,)
    assert "Introduce:" in mt.text_of(refusal)


def test_ticks_remind_then_expire(engine, clock):
    ref, _, _ = start(engine)
    clock.now = T0 + POLICY.reminder_after
    assert engine.tick() == 1
    assert sorted(r for r, _ in outbox(engine)) == [(ALICE,), (BOB,)]
    assert engine.tick() == 0
    clock.now = T0 + POLICY.expire_after
    engine.tick()
    assert engine.store.load(ref).state is State.EXPIRED
    assert [r for r, _ in outbox(engine)] == [(mt.REFERRER,)]


def test_cancel_tells_everyone_concerned(engine):
    ref, _, _ = start(engine)
    engine.cancel(ref)
    assert sorted(r for r, _ in outbox(engine)) == [(ALICE,), (BOB,), (mt.REFERRER,)]
    with pytest.raises(KeyError):
        engine.cancel("NOSUCH")


def test_an_unreadable_message_is_quarantined(engine, monkeypatch):
    from mailbroker import engine as engine_module

    def broken(msg):
        raise RuntimeError("bug")

    monkeypatch.setattr(engine_module.automatic, "automatic_reason", broken)
    fate = engine.handle(b"From: x@example.test\r\n\r\nhello")
    assert fate.folder == QUARANTINE and "RuntimeError" in fate.reason


def test_a_decision_that_cannot_be_stored_is_not_applied_and_the_message_is_set_aside(engine, monkeypatch):
    from mailbroker import engine as engine_module

    # Two consent requests with one Message-ID: the outbox's UNIQUE constraint refuses the second.
    monkeypatch.setattr(engine_module, "new_message_id", lambda identity: "<same@example.test>")
    raw = bytes(request())
    fate = engine.handle(raw)
    # sqlite3 calls it IntegrityError, psycopg UniqueViolation
    assert fate.folder == QUARANTINE and fate.reason.startswith("could not be handled")
    assert "unique" in fate.reason.lower()
    assert outbox(engine) == [] and engine.store.referrals() == []
    assert engine.handle(raw).reason == "already handled"


def test_message_ids_stay_unique_whatever_seeds_the_random_module():
    import random

    from mailbroker.compose import new_message_id

    identity = Identity(mt.BROKER, "Introductions")
    ids = set()
    for _ in range(50):
        random.seed(0)
        ids.add(new_message_id(identity))
    assert len(ids) == 50 and all(i.endswith("@example.test>") for i in ids)


def test_referrer_replying_to_an_acknowledgement_is_filed_quietly(engine):
    engine.handle(bytes(request()))
    ack = next(m for r, m in outbox(engine) if r == (mt.REFERRER,))
    fate = engine.handle(bytes(mt.reply(ack, mt.REFERRER, "Thanks!")))
    assert fate.folder == PROCESSED and outbox(engine) == []
    assert engine.store.load(fate.ref).requester.answer is None


def test_a_request_without_context_waits_for_the_referrers_answer(engine):
    fate = engine.handle(bytes(mt.direct_request("Introduce: Carol <carol@example.test>\nTo: Dave <dave@example.test>")))
    [(recipients, question)] = outbox(engine)
    assert recipients == (mt.REFERRER,) and "how do you know them" in str(question["Subject"])
    assert engine.store.load(fate.ref).state is State.AWAITING_CONTEXT
    stranger = mt.reply(question, CAROL, "I know them from the Lyon meetup.")
    assert engine.handle(bytes(stranger)).folder == QUARANTINE
    engine.handle(bytes(mt.reply(question, mt.REFERRER, "Carol and Dave both organise the Lyon Python meetup.")))
    referral = engine.store.load(fate.ref)
    assert referral.state is State.PENDING and "Lyon Python meetup" in referral.context
    assert sorted(r for r, _ in outbox(engine)) == [(CAROL,), (mt.address("dave"),), (mt.REFERRER,)]


def test_a_message_that_keeps_crashing_the_broker_is_set_aside(engine):
    raw = bytes(request())
    for _ in range(3):  # three crashes in the middle of handling: nothing was committed
        engine.store.count_attempt(hashlib.sha256(raw).hexdigest())
    fate = engine.handle(raw)
    assert fate.folder == QUARANTINE and "failed 3 times" in fate.reason
    assert outbox(engine) == []
    assert engine.handle(raw).reason == "already handled"


@pytest.mark.parametrize("note", ["Decline", "decline — we never worked together", "Refuser, merci",
                                  "Décliner"])
def test_decline_sends_a_courteous_no_to_the_requester_only(engine, note):
    msg = mt.gmail_forward(note, author=ALICE, author_name="Alice Martin", subject="Intro to your investors?",
                           body="Hi Rita, could you introduce me to your investors?")
    fate = engine.handle(bytes(msg))
    assert fate.folder == PROCESSED and "declined" in fate.reason
    [(recipients, decline)] = outbox(engine)
    assert recipients == (ALICE, mt.REFERRER)
    assert [a.addr_spec for a in decline["Reply-To"].addresses] == [mt.REFERRER]
    assert decline["Subject"] in ("Your introduction request", "Votre demande de mise en relation")
    assert engine.store.referrals() == []


def test_a_note_that_mentions_declining_later_is_a_request(engine):
    msg = mt.gmail_forward("Please introduce Alice to Bob Stone <bob@example.test>; he may decline, but we "
                           "built Acme's payments platform together.", author=ALICE, author_name="Alice Martin",
                           subject="Intro?", body="Hello")
    assert "started" in engine.handle(bytes(msg)).reason


def test_the_unsubscribe_button_stops(engine):
    ref, _, to_bob = start(engine)
    unsubscribe = to_bob["List-Unsubscribe"].strip("<>").removeprefix("mailto:")
    address, _, query = unsubscribe.partition("?")
    msg = mt.direct_request("", subject=query.removeprefix("subject="), referrer=BOB)
    msg.replace_header("To", address)
    engine.handle(bytes(msg))
    assert engine.store.suppressed([BOB]) == (BOB,)
    assert engine.store.load(ref).state is State.DECLINED


def test_a_person_is_asked_at_most_so_often(tmp_path, clock):
    store = Store.open(tmp_path / "limits.sqlite3")
    policy = replace(POLICY, limits=Limits(requests_per_person_per_month=2))
    engine = Engine(store, Identity(mt.BROKER, "Introductions"), policy, lambda a: a == mt.REFERRER, clock,
                    unauthenticated_requests="accept")
    for friend in ("carol", "dave", "erin"):
        fate = engine.handle(bytes(mt.direct_request(
            f"Introduce: {friend} <{mt.address(friend)}>\nTo: Bob <bob@example.test>\n"
            "Why: both run payments teams in Lyon.")))
    assert "limit_requests_per_person" in fate.reason
    assert len(store.referrals()) == 2


def test_no_address_gets_more_than_the_daily_cap(tmp_path, clock):
    store = Store.open(tmp_path / "cap.sqlite3")
    policy = replace(POLICY, limits=Limits(messages_per_address_per_day=2))
    engine = Engine(store, Identity(mt.BROKER, "Introductions"), policy, lambda a: a == mt.REFERRER, clock,
                    unauthenticated_requests="accept")
    ref, to_alice, _ = start(engine)  # alice: consent request (1)
    engine.handle(bytes(mt.reply(to_alice, ALICE, "yes")))  # yes_noted (2)
    engine.handle(bytes(mt.reply(to_alice, ALICE, "hmm, what?")))  # clarify: over the cap, not sent
    sent_to_alice = [m for r, m in outbox(engine) if ALICE in r]
    assert len(sent_to_alice) == 1 and "Thank you, your yes is noted" in mt.text_of(sent_to_alice[0])
    assert store.messages_since(ALICE, T0 - timedelta(hours=1)) == 2


def test_purge_keeps_only_an_anonymised_consent_record(engine, clock):
    ref, to_alice, to_bob = start(engine)
    engine.handle(bytes(mt.reply(to_alice, ALICE, "Yes, I run the payments team")))
    engine.handle(bytes(mt.reply(to_bob, BOB, "yes")))
    outbox(engine)
    assert engine.purge(timedelta(days=30)) == []  # finished just now: kept
    clock.now = T0 + timedelta(days=31)
    assert engine.purge(timedelta(days=30)) == [ref]
    referral = engine.store.load(ref)
    assert referral.context == "" and referral.requester.note == "" and referral.requester.person.name == ""
    assert referral.requester.person.address.startswith("anon-")
    assert referral.requester.person.address == engine.store.pseudonym(ALICE)  # stable, so checkable
    records = engine.store.consent_records()
    assert [(r["role"], r["answer"]) for r in records] == [("target", "yes"), ("requester", "yes")]
    assert all(r["answer_message_id"] for r in records)
    text = repr(records) + repr(engine.store.timeline(ref)) + repr(engine.store.sent_messages(ref))
    assert "alice" not in text and "bob" not in text and "payments" not in text
    assert engine.purge(timedelta(days=30)) == []


def test_an_answer_after_the_expiry_is_recorded_and_not_answered(engine, clock):
    ref, to_alice, _ = start(engine)
    clock.now = T0 + POLICY.expire_after
    engine.tick()
    outbox(engine)
    fate = engine.handle(bytes(mt.reply(to_alice, ALICE, "yes")))
    assert fate.folder == PROCESSED and "after the referral was expired: recorded" in fate.reason
    assert outbox(engine) == [] and engine.store.load(ref).requester.answer is Answer.YES
    fate = engine.handle(bytes(mt.reply(to_alice, ALICE, "Who is Bob, again?")))
    assert fate.folder == QUARANTINE and "no answer in it" in fate.reason  # a human may want to read it
    assert outbox(engine) == []


def test_with_trusted_servers_a_request_needs_dmarc(tmp_path, clock):
    store = Store.open(tmp_path / "auth.sqlite3")
    engine = Engine(store, Identity(mt.BROKER, "Introductions"), POLICY, lambda a: a == mt.REFERRER, clock,
                    trusted_servers=("mx.example.test",), unauthenticated_requests="refuse")
    forged = request()
    forged["Authentication-Results"] = "mx.example.test; dmarc=fail header.from=example.test"
    fate = engine.handle(bytes(forged))
    assert fate.folder == QUARANTINE and "not authenticated" in fate.reason
    assert outbox(engine) == []
    genuine = request()
    genuine["Authentication-Results"] = "mx.example.test; dkim=pass header.d=example.test; dmarc=pass header.from=example.test"
    assert "started" in engine.handle(bytes(genuine)).reason


# --- messages over limits.max_message_size: only their header was fetched ---------------

BIG = 40_000_000


def header_only(msg) -> bytes:
    raw = bytes(msg)
    return raw[:raw.index(b"\n\n") + 2] if b"\n\n" in raw else raw[:raw.index(b"\r\n\r\n") + 4]


def test_an_oversize_request_is_set_aside_and_the_referrer_told(engine):
    fate = engine.handle(header_only(request()), too_large=BIG)
    assert fate.folder == QUARANTINE and "over limits.max_message_size" in fate.reason
    [(to, refusal)] = outbox(engine)
    assert to == (mt.REFERRER,) and "not sent" in refusal["Subject"]
    assert "40 MB, more than the 25 MB" in mt.text_of(refusal)
    assert engine.store.referrals() == []


def test_an_oversize_french_request_is_refused_in_french(engine):
    raw = mt.direct_request("Présenter : Anne", subject="Tr: Présentation à Jeanne, merci de votre aide")
    engine.handle(header_only(raw), too_large=BIG)
    [(_, refusal)] = outbox(engine)
    assert "40 Mo, plus que les 25 Mo" in mt.text_of(refusal)


def test_oversize_mail_from_others_is_set_aside_without_a_word(engine):
    ref, to_alice, _ = start(engine)
    stranger = request(referrer=mt.address("stranger"))
    big_yes = mt.reply(to_alice, ALICE, "Yes, happy to. My CV is attached.")
    out_of_office = mt.direct_request("I am away.", subject="Out of office")
    out_of_office["Auto-Submitted"] = "auto-replied"
    for msg in (stranger, big_yes, out_of_office):
        fate = engine.handle(header_only(msg), too_large=BIG)
        assert fate.folder == QUARANTINE, fate
    assert outbox(engine) == []
    assert engine.store.load(ref).requester.answer is None


def test_the_same_oversize_message_is_answered_once(engine):
    raw = header_only(request())
    engine.handle(raw, too_large=BIG)
    assert engine.handle(raw, too_large=BIG).reason == "already handled"
    assert len(outbox(engine)) == 1


# --- Each party in their own language -------------------------------------------------------

def test_the_requester_is_asked_in_the_language_of_their_own_message(engine):
    french = mt.gmail_forward("Please introduce Alice to Bob Stone <bob@example.test>: we built Acme's payments "
                              "platform together.", author=ALICE, author_name="Alice Martin", subject="Intro ?",
                              body="Bonjour Rita, est-ce que tu pourrais me présenter à quelqu'un qui dirige "
                                   "une équipe paiements ? Merci beaucoup pour ton aide.")
    engine.handle(bytes(french))
    sent = {r: m for r, m in outbox(engine)}
    assert "Souhaitez-vous cette mise en relation" in mt.text_of(sent[(ALICE,)])
    assert "Would you like this introduction" in mt.text_of(sent[(BOB,)])
    assert mt.text_of(sent[(mt.REFERRER,)]).startswith("Hello")  # the referrer wrote in English


def test_a_lang_line_sets_the_language_of_both_parties(engine):
    engine.handle(bytes(mt.direct_request(
        "Introduce: Alice Martin <alice@example.test>\nTo: Bob Stone <bob@example.test>\n"
        "Why: we built Acme's payments platform together.\nLang: fr")))
    sent = {r: m for r, m in outbox(engine)}
    assert all("Souhaitez-vous" in mt.text_of(sent[(who,)]) for who in (ALICE, BOB))
    assert "Souhaitez-vous" not in mt.text_of(sent[(mt.REFERRER,)])


def test_a_party_who_writes_back_in_french_is_answered_in_french(engine):
    ref, to_alice, to_bob = start(engine)
    engine.handle(bytes(mt.reply(to_bob, BOB, "Je ne suis pas sûr, qui est-elle et que fait-elle exactement ?")))
    [(_, clarify)] = [(r, m) for r, m in outbox(engine) if r == (BOB,)]
    assert mt.text_of(clarify).startswith("Bonjour")
    assert engine.store.load(ref).target.lang == "fr" and engine.store.load(ref).requester.lang == "en"


def test_stop_after_the_end_still_suppresses_and_is_confirmed_once(engine):
    ref, to_alice, to_bob = start(engine)
    engine.handle(bytes(mt.reply(to_bob, BOB, "No thanks.")))
    outbox(engine)
    fate = engine.handle(bytes(mt.reply(to_alice, ALICE, "Stop. Please never contact me again.")))
    assert fate.folder == PROCESSED and "never to be contacted" in fate.reason
    [(to, confirmation)] = outbox(engine)
    assert to == (ALICE,) and engine.store.suppressed([ALICE]) == (ALICE,)
    assert engine.store.load(ref).requester.answer is Answer.STOP  # the party's latest word
    again = mt.reply(to_alice, ALICE, "STOP")
    assert engine.handle(bytes(again)).folder == PROCESSED
    assert outbox(engine) == []


# --- A referrer's commands by email ---------------------------------------------------------

def test_status_by_mail_lists_the_referrers_open_referrals(engine):
    ref, _, _ = start(engine)
    fate = engine.handle(bytes(mt.direct_request("status", subject="Status")))
    assert fate.folder == PROCESSED and fate.kind == "command" and "1 open referral" in fate.reason
    [(to, status)] = outbox(engine)
    assert to == (mt.REFERRER,) and "your introductions in progress" in str(status["Subject"])
    assert f"{ref}: Alice Martin and Bob Stone" in mt.text_of(status)
    assert engine.store.referrals() and len(engine.store.referrals()) == 1  # no referral started


def test_status_by_mail_from_a_stranger_gets_nothing(engine):
    fate = engine.handle(bytes(mt.direct_request("status", referrer=mt.address("stranger"))))
    assert fate.folder == QUARANTINE and outbox(engine) == []


def test_cancel_in_reply_to_the_acknowledgement_cancels(engine):
    engine.handle(bytes(request()))
    sent = {r: m for r, m in outbox(engine)}
    ack = sent[(mt.REFERRER,)]
    fate = engine.handle(bytes(mt.reply(ack, mt.REFERRER, "Cancel")))
    assert fate.folder == PROCESSED and "asked to cancel" in fate.reason
    referral = engine.store.load(fate.ref)
    assert referral.state is State.CANCELLED
    assert sorted(r for r, _ in outbox(engine)) == [(ALICE,), (BOB,), (mt.REFERRER,)]


def test_a_context_answer_that_mentions_cancelling_is_the_context(engine):
    engine.handle(bytes(mt.direct_request("Introduce: Alice Martin <alice@example.test>\n"
                                          "To: Bob Stone <bob@example.test>")))
    [(_, question)] = outbox(engine)
    fate = engine.handle(bytes(mt.reply(question, mt.REFERRER, "Bob cancelled his trip to Lyon, so he has time; "
                                                               "we built Acme's payments platform together.")))
    assert engine.store.load(fate.ref).state is State.PENDING


# --- Consent is the latest word ----------------------------------------------------------------


def declined_after_bobs_yes(engine):
    """A referral Bob said yes to and Alice then declined; the outbox emptied."""
    ref, to_alice, to_bob = start(engine)
    engine.handle(bytes(mt.reply(to_bob, BOB, "Yes, happy to.")))
    engine.handle(bytes(mt.reply(to_alice, ALICE, "No thanks.")))
    outbox(engine)
    return ref, to_alice, to_bob


def test_a_yes_withdrawn_after_the_close_is_never_reused(engine, clock):
    """Bob says yes; Alice says no; Bob then says no; Alice changes her mind: no
    introduction, nobody written to. Bob's no is his word, not a message "not counted"."""
    ref, to_alice, to_bob = declined_after_bobs_yes(engine)
    clock.now = T0 + timedelta(hours=1)
    fate = engine.handle(bytes(mt.reply(to_bob, BOB, "Actually, no.")))
    assert fate.folder == PROCESSED and "withdrew their yes" in fate.reason
    assert engine.store.load(ref).target.answer is Answer.NO
    clock.now = T0 + timedelta(hours=2)
    fate = engine.handle(bytes(mt.reply(to_alice, ALICE, "Actually, yes please, go ahead!")))
    assert fate.folder == PROCESSED and engine.store.load(ref).state is State.DECLINED
    assert outbox(engine) == []


def test_a_reopened_referral_asks_again_whoever_had_said_yes(engine, clock):
    ref, to_alice, to_bob = declined_after_bobs_yes(engine)
    clock.now = T0 + timedelta(hours=2)
    engine.handle(bytes(mt.reply(to_alice, ALICE, "Actually, yes please, go ahead!")))
    sent = outbox(engine)
    assert sorted(r for r, _ in sent) == [(ALICE,), (BOB,), (mt.REFERRER,)]  # nobody introduced yet
    [asked] = [m for r, m in sent if r == (BOB,)]
    assert "You said yes before it was called off" in mt.text_of(asked)
    engine.handle(bytes(mt.reply(asked, BOB, "Yes, still happy to.")))
    assert engine.store.load(ref).state is State.INTRODUCED


def test_a_party_suppressed_meanwhile_is_not_introduced(engine):
    ref, to_alice, to_bob = start(engine)
    engine.handle(bytes(mt.reply(to_bob, BOB, "Yes, happy to.")))
    with engine.store.transaction():
        engine.store.suppress(BOB, "operator", T0)
    outbox(engine)
    engine.handle(bytes(mt.reply(to_alice, ALICE, "Yes please")))
    assert engine.store.load(ref).state is State.DECLINED
    assert sorted(r for r, _ in outbox(engine)) == [(ALICE,), (mt.REFERRER,)]


def test_two_people_already_introduced_wait_for_the_referrer(engine, clock):
    ref, to_alice, to_bob = start(engine)
    engine.handle(bytes(mt.reply(to_alice, ALICE, "Yes please")))
    engine.handle(bytes(mt.reply(to_bob, BOB, "Yes, happy to.")))
    outbox(engine)
    clock.now = T0 + timedelta(days=40)
    with engine.store.transaction():
        engine.store.purge(clock.now - timedelta(days=1), clock.now)  # the memory survives the purge
    fate = engine.handle(bytes(mt.gmail_forward(
        "Please introduce Alice to Bob <BOB+work@Example.test>: they should talk about payments again.",
        author=ALICE, author_name="Alice Martin", subject="Intro again?", body="Could you introduce me to Bob?")))
    assert fate.folder == PROCESSED and "already introduced" in fate.reason
    [(to, question)] = outbox(engine)
    assert to == (mt.REFERRER,) and "already introduced" in str(question["Subject"])
    assert T0.date().isoformat() in mt.text_of(question)
    engine.handle(bytes(mt.reply(question, mt.REFERRER, "Yes, please do it again.")))
    assert sorted(r for r, _ in outbox(engine)) == [("BOB+work@example.test",), (ALICE,), (mt.REFERRER,)]
    assert engine.store.load(fate.ref).state is State.PENDING
