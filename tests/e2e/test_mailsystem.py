"""The local mail system itself behaves as the end-to-end tests of the broker assume.

If one of these fails, a failing broker test says nothing about the broker.
Fixtures (start once, clear before each test) are in conftest.py.
"""

from __future__ import annotations

import secrets
import smtplib
import ssl
from email.message import EmailMessage

import pytest
from imapclient import IMAPClient

from mailbroker import testing as mt

pytestmark = pytest.mark.e2e


def make_message(sender: str, to: str, subject: str | None = None) -> EmailMessage:
    """A plain message with a subject unique to this test run."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject or f"test {secrets.token_hex(6)}"
    msg.set_content("Hello from the mail system tests.\n")
    return msg


def has_subject(subject: str):
    return lambda msg: msg["Subject"] == subject


def delivery_status(dsn: EmailMessage) -> list[dict[str, str]]:
    """Per-recipient fields of a DSN (RFC 3464), e.g. Action and Status."""
    [report] = [part for part in dsn.walk() if part.get_content_type() == "message/delivery-status"]
    _per_message, *per_recipient = report.get_payload()
    return [{key.lower(): str(value) for key, value in block.items()} for block in per_recipient]


def all_counts() -> dict[str, int]:
    """Messages in every user's INBOX."""
    counts = {}
    for user in mt.USERS:
        with mt.Mailbox(user) as box:
            counts[user] = box.count()
    return counts


def test_mail_to_a_user_arrives_in_her_inbox():
    msg = make_message(mt.address("bob"), mt.address("alice"))
    mt.send(msg, sender=mt.address("bob"), recipients=[mt.address("alice")])

    with mt.Mailbox("alice") as box:
        [got] = box.wait_for(has_subject(msg["Subject"]))
    assert got["From"] == mt.address("bob")
    assert got["Delivered-To"] == mt.address("alice")
    assert "Hello from the mail system tests." in got.get_content()


def test_plus_address_lands_in_intro_inbox_with_the_token_in_delivered_to():
    token = secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")
    msg = make_message(mt.address("alice"), mt.address(f"intro+{token}"))
    # A second local recipient in the same transaction must not drop Delivered-To.
    mt.send(msg, sender=mt.address("alice"), recipients=[mt.address(f"intro+{token}"), mt.address("bob")])

    with mt.Mailbox("intro") as box:
        [got] = box.wait_for(has_subject(msg["Subject"]))
        assert box.folders() == ["INBOX"]
    assert got["Delivered-To"] == mt.address(f"intro+{token}")


def test_unknown_user_is_refused_at_rcpt_on_the_smtp_port():
    msg = make_message(mt.address("referrer"), mt.address("nobody"))
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        mt.send(msg, sender=mt.address("referrer"), recipients=[mt.address("nobody")])

    code, text = refused.value.recipients[mt.address("nobody")]
    assert code == 550
    assert b"5.1.1" in text


def test_unknown_user_on_the_submission_port_bounces_with_a_dsn_to_the_envelope_sender():
    msg = make_message(mt.address("alice"), mt.address("nobody"))  # From: is not where bounces go
    refused = mt.send(
        msg, sender=mt.address("referrer"), recipients=[mt.address("nobody")], port=mt.SUBMISSION_PORT
    )
    assert refused == {}  # accepted now, bounced later

    with mt.Mailbox("referrer") as box:
        [dsn] = box.wait_for(lambda m: m.get_content_type() == "multipart/report")
    assert dsn.get_param("report-type") == "delivery-status"
    assert dsn["Auto-Submitted"] == "auto-replied"
    [status] = delivery_status(dsn)
    assert mt.address("nobody") in status["final-recipient"]
    assert status["action"] == "failed"
    assert status["status"] == "5.1.1"
    with mt.Mailbox("alice") as box:
        assert box.count() == 0


def test_mail_to_another_domain_is_never_delivered():
    outside = "someone@example.com"
    msg = make_message(mt.address("referrer"), outside)

    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        mt.send(msg, sender=mt.address("referrer"), recipients=[outside])
    assert refused.value.recipients[outside][0] == 554  # relay access denied

    mt.send(msg, sender=mt.address("referrer"), recipients=[outside], port=mt.SUBMISSION_PORT)
    with mt.Mailbox("referrer") as box:
        [dsn] = box.wait_for(lambda m: m.get_content_type() == "multipart/report")
    [status] = delivery_status(dsn)
    assert outside in status["final-recipient"]
    assert status["action"] == "failed"
    assert status["status"].startswith("5.")
    assert "remote-mta" not in status  # no other server was ever contacted
    assert all_counts() == {user: (1 if user == "referrer" else 0) for user in mt.USERS}


def test_submission_port_offers_optional_auth():
    msg = make_message(mt.address("bob"), mt.address("carol"))
    mt.send(msg, sender=mt.address("bob"), recipients=[mt.address("carol")],
            port=mt.SUBMISSION_PORT, login=("bob", mt.PASSWORD))
    with pytest.raises(smtplib.SMTPAuthenticationError):
        mt.send(msg, sender=mt.address("bob"), recipients=[mt.address("carol")],
                port=mt.SUBMISSION_PORT, login=("bob", "wrong password"))

    with mt.Mailbox("carol") as box:
        box.wait_for(has_subject(msg["Subject"]))


def test_imaps_works_without_certificate_verification():
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with mt.Mailbox("alice", ssl=True, ssl_context=context) as box:
        assert box.folders() == ["INBOX"]


def test_imaps_fails_verification_of_the_self_signed_certificate():
    with pytest.raises(ssl.SSLCertVerificationError):
        IMAPClient(mt.HOST, port=mt.IMAPS_PORT, ssl=True, ssl_context=ssl.create_default_context(), timeout=10)


def test_imaps_verifies_once_its_certificate_is_trusted():
    context = ssl.create_default_context(cafile=str(mt.CERT_FILE))  # also checks 127.0.0.1 in the SAN
    with mt.Mailbox("alice", ssl=True, ssl_context=context) as box:
        assert box.count() == 0


def test_flags_and_move_work():
    with mt.Mailbox("intro") as box:
        box.append("INBOX", b"From: alice@example.test\r\nSubject: move me\r\n\r\nbody\r\n")
        imap = box.client
        assert b"MOVE" in imap.capabilities()
        imap.select_folder("INBOX")
        [uid] = imap.search("ALL")
        imap.add_flags([uid], [b"\\Seen", b"\\Flagged"])
        imap.create_folder("Processed")
        imap.move([uid], "Processed")

        assert box.count("INBOX") == 0
        [moved] = box.messages("Processed")
        assert moved["Subject"] == "move me"
        imap.select_folder("Processed", readonly=True)
        [flags] = imap.get_flags(imap.search("ALL")).values()
        assert {b"\\Seen", b"\\Flagged"} <= set(flags)


def test_clear_empties_every_mailbox_and_removes_folders():
    with mt.Mailbox("bob") as box:
        box.append("INBOX", b"Subject: one\r\n\r\nx\r\n")
        box.append("Quarantine/Old", b"Subject: two\r\n\r\nx\r\n")
        assert set(box.folders()) == {"INBOX", "Quarantine", "Quarantine/Old"}

    mt.clear_all()

    with mt.Mailbox("bob") as box:
        assert box.folders() == ["INBOX"]
        assert box.count() == 0


def test_wait_for_shows_what_is_there_when_nothing_matches():
    with mt.Mailbox("dave") as box:
        box.append("INBOX", b"From: erin@example.test\r\nSubject: the wrong one\r\n\r\nx\r\n")
        with pytest.raises(AssertionError, match="the wrong one"):
            box.wait_for(has_subject("the right one"), timeout=0.3)


def test_wait_for_waits_for_a_folder_to_appear():
    with mt.Mailbox("erin") as box:
        with pytest.raises(AssertionError, match="does not exist"):
            box.wait_for(folder="Later", timeout=0.2)
        with mt.Mailbox("erin") as other:
            other.append("Later", b"Subject: filed\r\n\r\nx\r\n")
        [filed] = box.wait_for(folder="Later", timeout=5)
    assert filed["Subject"] == "filed"


def test_status_and_users():
    assert "running" in mt.mailsystem("status")
    assert mt.mailsystem("users").split() == [mt.address(user) for user in mt.USERS]
