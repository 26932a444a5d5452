"""Consent you can trust, end to end: the real daemon, real Postfix and Dovecot, real mail.

Only a party's latest, clear word counts; a yes taken back is never used again; a reply
that merely sounds like a yes is asked about; a referrer's "let him down gently" reaches
the requester alone; two people already introduced are not asked again unless the
referrer says so.
"""

from __future__ import annotations

import pytest

from mailbroker import testing as mt
from mailbroker.testing import gmail_forward, reply
from mailbroker.testing import submit as send

from .harness import REFERRER, STORES, consent_requests, everything, forward_from_alice_to_bob, subject_has

pytestmark = [pytest.mark.e2e, pytest.mark.stores(*STORES)]

ALICE, BOB = mt.address("alice"), mt.address("bob")


def introductions(user: str) -> list:
    return [m for m in everything(user) if str(m["Subject"]).startswith("Introduction: ")]


def answered(user: str, subject: str) -> None:
    """Wait until `user` got the broker's word on their answer (a message with `subject`)."""
    with mt.Mailbox(user) as box:
        box.wait_for(subject_has(subject))


def declined_after_bobs_yes():
    """Bob says yes, then Alice says no: the referral is closed and Bob told so."""
    send(forward_from_alice_to_bob())
    to_alice, to_bob = consent_requests()
    send(reply(to_bob, BOB, "Yes, happy to."))
    answered("bob", "Re: Introduction to")
    send(reply(to_alice, ALICE, "No thanks."))
    with mt.Mailbox("bob") as b:
        b.wait_for(subject_has("not going ahead"))
    return to_alice, to_bob


def test_a_yes_taken_back_after_the_close_is_never_used(broker):
    """Bob says yes; Alice says no and the referral closes; Bob then says no; Alice
    changes her mind: nobody is introduced, and Bob is not asked again."""
    to_alice, to_bob = declined_after_bobs_yes()
    with mt.Mailbox("referrer") as r:
        r.wait_for(subject_has("not going ahead"))
    send(reply(to_bob, BOB, "Actually, no. Please leave it."))
    broker.wait_for_log("withdrew their yes")
    send(reply(to_alice, ALICE, "Actually, yes please, go ahead!"))
    broker.wait_for_log("said yes after the referral was declined: recorded")
    broker.settled()
    ref = str(to_alice["X-Mailbroker-Ref"])
    assert broker.query("SELECT answer FROM parties WHERE ref = ? ORDER BY role", ref) == [("yes",), ("no",)]
    for user in ("alice", "bob", "referrer"):
        assert introductions(user) == [], user
    assert not any("possible after all" in str(m["Subject"]) for m in everything("bob"))
    with mt.Mailbox("intro") as box:
        assert box.count("mailbroker/quarantine") == 0  # both late answers counted as the parties' word


def test_a_reopened_referral_asks_again_the_one_who_had_said_yes(broker):
    to_alice, to_bob = declined_after_bobs_yes()
    send(reply(to_alice, ALICE, "Actually, yes please, go ahead!"))
    with mt.Mailbox("bob") as b:
        [asked] = b.wait_for(subject_has("possible after all"))
    assert "You said yes before it was called off" in mt.text_of(asked)
    broker.settled()
    assert introductions("alice") == []  # Bob's old yes is not enough
    send(reply(asked, BOB, "Yes, still happy to."))
    for user in ("alice", "bob", "referrer"):
        with mt.Mailbox(user) as box:
            box.wait_for(subject_has("Introduction: "))
    broker.settled()
    assert len(introductions("alice")) == 1


def test_a_sarcastic_yes_is_asked_about_and_shown_to_the_referrer(broker):
    send(forward_from_alice_to_bob())
    to_alice, to_bob = consent_requests()
    send(reply(to_alice, ALICE, "Yes please"))
    answered("alice", "Re: Introduction to")
    sarcasm = "Oh great, another introduction. Just what my week needed 🙄"
    send(reply(to_bob, BOB, sarcasm))
    with mt.Mailbox("bob") as b:
        [again] = b.wait_for(lambda m: "could not tell" in mt.text_of(m))
    assert 'reply with just "yes"' in mt.text_of(again)
    with mt.Mailbox("referrer") as r:
        [shown] = r.wait_for(lambda m: "Just what my week needed" in mt.text_of(m))
    assert "Bob Stone" in mt.text_of(shown)
    broker.settled()
    for user in ("alice", "bob", "referrer"):
        assert introductions(user) == [], user
    ref = str(to_alice["X-Mailbroker-Ref"])
    assert broker.query("SELECT answer FROM parties WHERE ref = ? AND role = 'target'", ref) == [(None,)]


def test_a_natural_decline_note_reaches_the_requester_alone(broker):
    """The forwarded message names the person it wants to meet, with an address: the
    referrer's "turn this one down gently" must not write to that person."""
    send(gmail_forward(
        "I don't really know him. Could you turn this one down gently for me?",
        author=ALICE, author_name="Alice Martin", subject="Intro to Bob?",
        body="Hi Rita,\n\nCould you introduce me to Bob Stone (bob@example.test)? I'd love to pitch him.\n\nAlice"))
    with mt.Mailbox("alice") as a:
        [decline] = a.wait_for(subject_has("Your introduction request"))
    assert "Rita Referrer" in str(decline["From"]) and REFERRER in str(decline["Cc"])
    broker.settled()
    assert everything("bob") == []
    assert broker.query("SELECT COUNT(*) FROM referrals")[0][0] == 0


def test_two_people_already_introduced_are_not_asked_again_unless_the_referrer_says_so(broker):
    send(forward_from_alice_to_bob())
    to_alice, to_bob = consent_requests()
    send(reply(to_alice, ALICE, "Yes please"))
    send(reply(to_bob, BOB, "Yes, happy to."))
    with mt.Mailbox("referrer") as r:
        r.wait_for(subject_has("Introduction: "))
    broker.settled()
    mt.clear_all()
    send(forward_from_alice_to_bob())
    with mt.Mailbox("referrer") as r:
        [question] = r.wait_for(subject_has("already introduced"))
    assert "Alice Martin" in mt.text_of(question) and "Bob Stone" in mt.text_of(question)
    broker.settled()
    assert everything("alice") == [] and everything("bob") == []
    send(reply(question, REFERRER, "Yes, please introduce them again."))
    to_alice, to_bob = consent_requests()
    assert "Bob Stone" in str(to_alice["Subject"])
