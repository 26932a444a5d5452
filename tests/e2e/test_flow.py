"""The whole flow, end to end: the real daemon, real Postfix and Dovecot, real mail.

Each test sends mail as a referrer or a party would, then reads what every mailbox holds.
"""

from __future__ import annotations

import time

import pytest

from mailbroker import testing as mt
from mailbroker.testing import attached_forward, direct_request, gmail_forward, reply
from mailbroker.testing import submit as send

from .harness import REFERRER, STORES, Broker, consent_requests, everything, forward_from_alice_to_bob, subject_has

pytestmark = [pytest.mark.e2e, pytest.mark.stores(*STORES)]

ALICE, BOB, CAROL = mt.address("alice"), mt.address("bob"), mt.address("carol")


def test_yes_and_yes_make_one_introduction(broker):
    send(forward_from_alice_to_bob())
    with mt.Mailbox("referrer") as r:
        [ack] = r.wait_for(subject_has("Looking for a payments lead"))
    to_alice, to_bob = consent_requests()

    # Each party gets an individual message, with its own reply token, never the other's address.
    assert str(to_alice["To"]) == "Alice Martin <alice@example.test>"
    assert "Bob Stone" in str(to_alice["Subject"])
    assert BOB not in to_alice.as_string() and ALICE not in to_bob.as_string()
    assert to_alice["Reply-To"].addresses[0].addr_spec != to_bob["Reply-To"].addresses[0].addr_spec
    assert to_alice["Reply-To"].addresses[0].addr_spec.startswith("intro+")
    assert to_alice["Auto-Submitted"] == "auto-generated"
    assert "payments platform at Acme" in mt.text_of(to_bob)
    ref = str(to_alice["X-Mailbroker-Ref"])
    assert ref in str(ack["Subject"])

    send(reply(to_alice, ALICE, "Yes, happy to! I lead hiring for the payments team.", sender_name="Alice Martin"))
    with mt.Mailbox("alice") as a:
        a.wait_for(subject_has("Re: Introduction to"))
    send(reply(to_bob, BOB, "Oui, avec plaisir.", sender_name="Bob Stone"))

    for user in ("alice", "bob", "referrer"):
        with mt.Mailbox(user) as box:
            [intro] = box.wait_for(subject_has("Introduction: "))
        assert {a.addr_spec for a in intro["To"].addresses} == {ALICE, BOB}
        assert [a.addr_spec for a in intro["Cc"].addresses] == [REFERRER]
        assert "I lead hiring for the payments team." in mt.text_of(intro)
        assert "payments platform at Acme" in mt.text_of(intro)
    broker.settled()
    with mt.Mailbox("intro") as box:
        assert box.count("INBOX") == 0
        assert box.count("mailbroker/processed") == 3
        assert box.count("mailbroker/quarantine") == 0
    assert sum("Introduction: " in str(m["Subject"]) for m in everything("alice")) == 1
    shown = broker.cli("show", ref)
    assert shown.returncode == 0 and "introduced" in shown.stdout


def test_a_no_means_no_introduction_and_a_neutral_word(broker):
    send(forward_from_alice_to_bob())
    to_alice, to_bob = consent_requests()
    send(reply(to_alice, ALICE, "Yes please"))
    with mt.Mailbox("alice") as a:
        a.wait_for(subject_has("Re: Introduction to"))
    send(reply(to_bob, BOB, "No thanks, not at the moment."))
    with mt.Mailbox("referrer") as r:
        [declined] = r.wait_for(subject_has("not going ahead"))
    assert "Bob Stone" in mt.text_of(declined)
    with mt.Mailbox("alice") as a:
        [closed] = a.wait_for(subject_has("not going ahead"))
    assert "declin" not in mt.text_of(closed).lower() and BOB not in closed.as_string()
    broker.settled()
    for user in ("alice", "bob", "referrer"):
        assert not any("Introduction: " in str(m["Subject"]) for m in everything(user))


@pytest.mark.parametrize("broker", [{"reminder_after": "3s", "expire_after": "7s", "poll_interval": "1s"}],
                         indirect=True)
def test_silence_gets_one_reminder_then_expires(broker):
    send(forward_from_alice_to_bob())
    to_alice, _ = consent_requests()
    send(reply(to_alice, ALICE, "Yes"))
    with mt.Mailbox("bob") as b:
        [reminder] = b.wait_for(subject_has("Reminder"), timeout=15)
    with mt.Mailbox("referrer") as r:
        [expired] = r.wait_for(subject_has("expired"), timeout=20)
    assert "Bob Stone" in mt.text_of(expired)
    with mt.Mailbox("alice") as a:
        a.wait_for(subject_has("not going ahead"))
    broker.settled()
    assert not any("Reminder" in str(m["Subject"]) for m in everything("alice"))  # alice had answered
    assert sum("Reminder" in str(m["Subject"]) for m in everything("bob")) == 1
    assert reminder["In-Reply-To"] is not None


def test_request_without_target_gets_an_error_and_nothing_else(broker):
    send(gmail_forward("Could you help Alice? She is great.", author=ALICE, author_name="Alice Martin",
                       subject="Intro?", body="Hello Rita, can you introduce me to someone?"))
    with mt.Mailbox("referrer") as r:
        [error] = r.wait_for(subject_has("not sent"))
    assert "whom to introduce" in mt.text_of(error)
    assert "Introduce: " in mt.text_of(error)  # the accepted form is shown
    broker.settled()
    assert everything("alice") == [] and everything("bob") == []


def test_an_unknown_address_ends_the_referral_and_tells_the_referrer(broker):
    send(direct_request("Introduce: Alice Martin <alice@example.test>\nTo: Nobody <nobody@example.test>\n"
                        "Why: they studied law together in Lyon."))
    with mt.Mailbox("referrer") as r:
        [notice] = r.wait_for(subject_has("unreachable"))
    assert "nobody@example.test" in mt.text_of(notice) and "550" in mt.text_of(notice)
    with mt.Mailbox("alice") as a:
        a.wait_for(subject_has("not going ahead"))
    broker.settled()
    assert "undeliverable" in broker.cli("list").stdout


@pytest.mark.parametrize("broker", [{"smtp_port": mt.SUBMISSION_PORT}], indirect=True)
def test_a_bounce_ends_the_referral_and_tells_the_referrer(broker):
    """The server accepts the consent request, then bounces it: the DSN comes back to the
    party's token (VERP) and the referrer learns which address failed."""
    send(direct_request("Introduce: Alice Martin <alice@example.test>\nTo: Nobody <nobody@example.test>\n"
                        "Why: they studied law together in Lyon."))
    with mt.Mailbox("referrer") as r:
        [notice] = r.wait_for(subject_has("unreachable"))
    assert "nobody@example.test" in mt.text_of(notice)
    with mt.Mailbox("intro") as box:
        [dsn] = box.wait_for(lambda m: m.get_content_type() == "multipart/report", folder="mailbroker/processed")
    assert str(dsn["Delivered-To"]).startswith("intro+")
    broker.settled()
    assert "undeliverable" in broker.cli("list").stdout


def test_stranger_gets_nothing_at_all(broker):
    stranger_request = forward_from_alice_to_bob(referrer=mt.address("stranger"))
    send(stranger_request)
    with mt.Mailbox("intro") as box:
        box.wait_for(folder="mailbroker/quarantine")
    broker.settled()
    for user in ("stranger", "alice", "bob", "referrer"):
        assert everything(user) == [], user
    assert broker.query("SELECT COUNT(*) FROM outbox")[0][0] == 0
    assert "not an allowed referrer" in broker.log_text()


def test_reply_from_the_wrong_sender_does_not_count(broker):
    send(forward_from_alice_to_bob())
    to_alice, to_bob = consent_requests()
    send(reply(to_alice, ALICE, "Yes"))
    forged = reply(to_bob, CAROL, "Yes")  # carol got hold of bob's message and answers for him
    send(forged)
    with mt.Mailbox("intro") as box:
        box.wait_for(folder="mailbroker/quarantine")
    broker.settled()
    assert not any("Introduction: " in str(m["Subject"]) for m in everything("alice"))
    assert everything("carol") == []
    send(reply(to_bob, BOB, "Yes"))
    with mt.Mailbox("alice") as a:
        a.wait_for(subject_has("Introduction: "))


def test_a_restart_in_the_middle_completes_the_referral(broker):
    send(forward_from_alice_to_bob())
    to_alice, to_bob = consent_requests()
    broker.settled()
    assert broker.stop() == 0
    send(reply(to_alice, ALICE, "Sure, yes"))  # arrives while the broker is down
    send(reply(to_bob, BOB, "Yes"))
    time.sleep(1)
    broker.start()
    for user in ("alice", "bob", "referrer"):
        with mt.Mailbox(user) as box:
            box.wait_for(subject_has("Introduction: "))
    broker.settled()


def test_french_direct_request_gets_french_messages(broker):
    send(direct_request("Présenter : Alice Martin <alice@example.test>\nÀ : Bob Stone <bob@example.test>\n"
                        "Pourquoi : nous avons travaillé ensemble chez Acme.", subject="Mise en relation"))
    to_alice, to_bob = consent_requests()
    assert "Mise en relation avec Bob Stone" in str(to_alice["Subject"])
    assert "travaillé ensemble chez Acme" in mt.text_of(to_bob)


def test_forward_as_attachment(broker):
    original = direct_request("Hi Rita, could you introduce me to a payments lead?", subject="Intro?")
    original.replace_header("From", "Alice Martin <alice@example.test>")
    send(attached_forward("Please introduce Alice to Bob Stone <bob@example.test>, my former co-founder.",
                          original))
    to_alice, to_bob = consent_requests()
    assert "former co-founder" in mt.text_of(to_alice)


def test_missing_context_is_asked_for_and_the_answer_goes_on(broker):
    send(direct_request("Introduce: Alice Martin <alice@example.test>\nTo: Bob Stone <bob@example.test>"))
    with mt.Mailbox("referrer") as r:
        [question] = r.wait_for(subject_has("how do you know them"))
    broker.settled()
    assert everything("alice") == [] and everything("bob") == []
    send(reply(question, REFERRER, "Bob and I built Acme's payments platform; Alice is hiring a payments lead."))
    to_alice, to_bob = consent_requests()
    assert "Acme's payments platform" in mt.text_of(to_bob)


@pytest.mark.parametrize("broker", [{"extra_config": "limits:\n  max_message_size: 100KB\n"}], indirect=True)
def test_a_request_over_the_size_cap_is_set_aside_whole_and_the_referrer_told(broker):
    big = forward_from_alice_to_bob()
    big.add_attachment(bytes(range(256)) * 1200, maintype="application", subtype="pdf", filename="cv.pdf")
    send(big)
    with mt.Mailbox("referrer") as r:
        [refusal] = r.wait_for(subject_has("not sent"))
    assert "more than the 0.1 MB this service" in mt.text_of(refusal)
    with mt.Mailbox("intro") as box:
        [kept] = box.wait_for(folder="mailbroker/quarantine")
    assert kept.get_body(("plain",)) and any(p.get_filename() == "cv.pdf" for p in kept.iter_attachments())
    # A request under the cap still goes through.
    send(forward_from_alice_to_bob())
    consent_requests()
    assert "over limits.max_message_size" in broker.log_text()


def test_decline_on_behalf_of_the_referrer(broker):
    send(gmail_forward("Decline", author=ALICE, author_name="Alice Martin", subject="Intro to your investors?",
                       body="Hi Rita, could you introduce me to your investors?"))
    with mt.Mailbox("alice") as a:
        [decline] = a.wait_for(subject_has("Your introduction request"))
    assert "Rita Referrer" in str(decline["From"]) and REFERRER in str(decline["Reply-To"])
    assert REFERRER in str(decline["Cc"])
    broker.settled()
    assert everything("bob") == []


def test_check_config_names_the_bad_key(tmp_path):
    b = Broker(tmp_path)
    b.config.write_text(b.config.read_text().replace("security: none", "security: ssl", 1))
    result = b.cli("check-config")
    assert result.returncode != 0
    assert "imap.security" in result.stderr and "tls" in result.stderr


def test_a_referrer_asks_for_the_status_then_cancels_by_mail(broker):
    send(forward_from_alice_to_bob())
    consent_requests()
    with mt.Mailbox("referrer") as r:
        [ack] = r.wait_for(subject_has("Looking for a payments lead"))
    send(direct_request("status", subject="status"))
    with mt.Mailbox("referrer") as r:
        [status] = r.wait_for(subject_has("your introductions in progress"))
    assert "Alice Martin and Bob Stone" in mt.text_of(status) and "no answer yet" in mt.text_of(status)
    send(reply(ack, REFERRER, "Cancel"))
    with mt.Mailbox("referrer") as r:
        r.wait_for(subject_has("cancelled"))
    with mt.Mailbox("bob") as b:
        b.wait_for(subject_has("not going ahead"))
    broker.settled()
    assert "cancelled" in broker.cli("list").stdout
