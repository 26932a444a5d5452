"""Bounces: who failed, for good or not, from real reports of many mail servers.

The fixtures in tests/fixtures/bounces are real reports (Postfix from the project's own
test mail system, the others from public corpora, licence beside them); the corpus
tests read the shared corpus where it lies and hold the measured figures as floors.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbroker import bounces, mailtext
from mailbroker.bounces import Bounce, Failure, read_bounce

from . import bounce_corpus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bounces"
SISIMAI = FIXTURES / "sisimai+set-of-emails"


def load(path: Path) -> Bounce | None:
    return read_bounce(mailtext.parse(path.read_bytes()))


def parse(text: str) -> EmailMessage:
    return mailtext.parse(text.encode("utf-8"))


def summary(bounce: Bounce | None) -> list[tuple[str, bool, str]] | None:
    return None if bounce is None else [(f.recipient, f.permanent, f.status) for f in bounce.failures]


# --- Real reports ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, failures, message_id",
    [
        pytest.param(
            FIXTURES / "postfix-local-user-unknown.eml",
            [("nobody@example.test", True, "5.1.1")],
            "<bounce-fixture-ca67fcf6fdbd@example.test>",
            id="postfix-dsn-own-mail-system",
        ),
        pytest.param(
            # Final-Recipient r@… is the address that failed; Original-Recipient kijitora@…
            # (the address the sender wrote to) is kept beside it.
            SISIMAI / "lhost-postfix-01.eml",
            [("r@p351355.pool.example.ne.jp", True, "5.1.1")],
            "",
            id="postfix-dsn-alias",
        ),
        pytest.param(
            SISIMAI / "lhost-exim-01.eml",
            [("kijitora@example.ed.jp", True, "5.7.0")],
            "<E1P1ce6-000Egt-GZ@e1.example.org>",
            id="exim-x-failed-recipients",
        ),
        pytest.param(
            SISIMAI / "lhost-qmail-01.eml",
            [("kijitora@example.ne.jp", True, "5.5.0")],
            "<000000000.9999999999999.JavaMail.postmaster@mailhub>",
            id="qmail-inline-copy",
        ),
        pytest.param(
            SISIMAI / "lhost-office365-01.eml",
            [("kijitora@example.com", True, "5.1.10")],
            "<FFFFFFFF.EEEEEEEE@example.ed.jp>",
            id="office365",
        ),
        pytest.param(
            SISIMAI / "lhost-exchange2003-03.eml",
            [("kijitora@example.jp", True, "")],
            "<00000000000.ffffffffffff.ff@example.net>",
            id="exchange2003-text-only",
        ),
        pytest.param(
            SISIMAI / "lhost-exchange2007-06.eml",
            [("transports@agglo-saumur.fr", True, "5.1.1")],
            "<1513177790.ha3dsljxgizc2mjrgq2dkobx@mb.newsletter-autos.fr>",
            id="exchange2007-french",
        ),
        pytest.param(
            SISIMAI / "rhost-franceptt-01.eml",
            [("pseudo-local-part-kijitora-nyaaan@orange.fr", True, "5.1.1")],
            "<20FA40A8-4F88-4453-953D-B7038769D040@example.co.jp>",
            id="orange-fr-sendmail",
        ),
        pytest.param(
            # The address in one paragraph, the remote server's "550 5.1.1" in another.
            SISIMAI / "lhost-gmail-01.eml",
            [("userunknown@example.jp", True, "5.1.1")],
            "<D992C2C3-F175-4C4D-97E2-53A90E4E5BF5@gmail.com>",
            id="gmail-text-only",
        ),
        pytest.param(
            SISIMAI / "lhost-x2-02.eml",
            [
                ("kijitora@example.com", True, ""),
                ("mikeneko@example.com", True, ""),
                ("sabineko@example.com", True, ""),
            ],
            "<00000000000000000000000000000000@example.jp>",
            id="three-recipients-text-only",
        ),
        pytest.param(
            SISIMAI / "rfc3464-07.eml",
            [("kijitora@example.net", False, "4.4.0")],
            "<000000000000000@list.example.jp>",
            id="delayed-dsn",
        ),
        pytest.param(
            SISIMAI / "lhost-amazonses-10.eml",
            [("bounce@simulator.amazonses.com", True, "5.1.1")],
            "",
            id="amazon-ses-json",
        ),
    ],
)
def test_real_bounces(path, failures, message_id):
    bounce = load(path)
    assert summary(bounce) == failures
    assert bounce.original_message_id == message_id


def test_the_original_recipient_is_kept_beside_the_failed_one():
    bounce = load(SISIMAI / "lhost-postfix-01.eml")
    assert bounce.failures[0].original_recipient == "kijitora@example.org"


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(SISIMAI / "arf-01.eml", id="arf-abuse-report"),
        pytest.param(FIXTURES / "mailgun+flanker" / "disposition-notification.eml", id="read-receipt-mdn"),
        pytest.param(SISIMAI / "rfc3834-01.eml", id="out-of-office"),
        pytest.param(SISIMAI / "rfc3464-28.eml", id="dsn-deliverable"),
    ],
)
def test_reports_that_are_no_failure(path):
    assert load(path) is None


def test_diagnostic_is_one_readable_line():
    failure = load(FIXTURES / "postfix-local-user-unknown.eml").failures[0]
    assert failure.diagnostic == "550 5.1.1 <nobody@example.test> User doesn't exist: nobody@example.test"


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"], ids=["dos", "mac"])
def test_line_ends_do_not_matter(newline):
    for path in sorted(SISIMAI.glob("*.eml")):
        raw = path.read_bytes().replace(b"\r\n", b"\n")
        assert read_bounce(mailtext.parse(raw.replace(b"\n", newline))) == load(path), path.name


def test_blank_lines_before_the_headers():
    raw = (FIXTURES / "postfix-local-user-unknown.eml").read_bytes()
    assert summary(read_bounce(mailtext.parse(b"\n   \n" + raw))) == [("nobody@example.test", True, "5.1.1")]


# --- Written reports: the general rules ----------------------------------------------------------

DSN = """\
From: Mail Delivery System <MAILER-DAEMON@mx.example.test>
To: intro@broker.test
Subject: Delivery Status Notification
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Report.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.test

{blocks}
--B
Content-Type: text/rfc822-headers

From: intro@broker.test
To: bob@example.test
Message-ID: <consent-1@broker.test>
Subject: Introduction

--B--
"""


def dsn(*blocks: str) -> EmailMessage:
    return parse(DSN.format(blocks="\n".join(blocks)))


def test_dsn_reports_only_the_failed_and_delayed_recipients():
    bounce = read_bounce(
        dsn(
            "Final-Recipient: rfc822; ok@example.test\nAction: delivered\nStatus: 2.0.0\n",
            "Final-Recipient: rfc822; Bob@Example.TEST\nAction: failed\nStatus: 5.1.1\n"
            "Diagnostic-Code: smtp; 550 5.1.1 <bob@example.test>:\n    Recipient address rejected\n",
            "Final-Recipient: rfc822; <slow@example.test>\nAction: delayed (will retry)\nStatus: 4.4.1\n",
        )
    )
    assert bounce == Bounce(
        (
            Failure("Bob@example.test", True, "5.1.1", "550 5.1.1 <bob@example.test>: Recipient address rejected"),
            Failure("slow@example.test", False, "4.4.1", ""),
        ),
        "<consent-1@broker.test>",
    )


def test_dsn_with_only_deliveries_is_no_bounce():
    blocks = ("Final-Recipient: rfc822; a@example.test\nAction: relayed\nStatus: 2.0.0\n",)
    assert read_bounce(dsn(*blocks)) is None


def test_status_class_decides_permanence_and_reply_code_when_no_status():
    bounce = read_bounce(
        dsn(
            "Final-Recipient: rfc822; full@example.test\nAction: failed\nStatus: 4.2.2\n",
            "Final-Recipient: rfc822; gone@example.test\nAction: failed\nDiagnostic-Code: smtp; 550 No such user\n",
            "Final-Recipient: rfc822; busy@example.test\nAction: failed\nDiagnostic-Code: smtp; 452 Try later\n",
        )
    )
    assert summary(bounce) == [
        ("full@example.test", False, "4.2.2"),
        ("gone@example.test", True, ""),
        ("busy@example.test", False, ""),
    ]


def test_generic_status_made_precise_by_the_remote_answer():
    block = "Final-Recipient: rfc822; a@example.test\nAction: failed\nStatus: 4.4.7\n"
    block += "Diagnostic-Code: smtp; 554 4.4.7 Message expired <421 4.4.2 Connection timed out>\n"
    assert summary(read_bounce(dsn(block))) == [("a@example.test", False, "4.4.2")]


FRENCH = """\
From: MAILER-DAEMON@mail.exemple.fr
To: intro@broker.test
Subject: Non remis : Demande de présentation
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Votre message n'a pas pu être remis aux destinataires suivants :

    jean.dupont@exemple.fr
    {cause}

---------- Message d'origine ----------
From: intro@broker.test
To: jean.dupont@exemple.fr
Message-ID: <consent-2@broker.test>
Subject: Demande de présentation

Bonjour Jean,
"""


@pytest.mark.parametrize("cause, permanent", [("Adresse introuvable", True), ("Boîte aux lettres pleine", False)])
def test_french_report_without_codes(cause, permanent):
    bounce = read_bounce(parse(FRENCH.format(cause=cause)))
    assert summary(bounce) == [("jean.dupont@exemple.fr", permanent, "")]
    assert bounce.failures[0].diagnostic == f"jean.dupont@exemple.fr {cause}"
    assert bounce.original_message_id == "<consent-2@broker.test>"


def test_report_naming_no_address_gives_the_returned_recipient():
    text = FRENCH.replace("    jean.dupont@exemple.fr\n    {cause}\n", "550 5.1.1 Utilisateur inconnu\n")
    assert summary(read_bounce(parse(text))) == [("jean.dupont@exemple.fr", True, "5.1.1")]


def test_helpdesk_and_sender_addresses_are_not_failures():
    text = """\
From: Mail Delivery System <MAILER-DAEMON@mx.example.test>
To: intro@broker.test
Subject: Undelivered Mail Returned to Sender

Your message from intro@broker.test could not be delivered.
For assistance, please contact helpdesk@mx.example.test.

<bob@example.test>: host mx.example.test said: 550 5.1.1 User unknown
"""
    assert summary(read_bounce(parse(text))) == [("bob@example.test", True, "5.1.1")]


def test_smtp_transcript():
    text = """\
From: MAILER-DAEMON@mx.example.test
To: postmaster@mx.example.test
Subject: Postfix SMTP server: errors from relay.example.test

Transcript of session follows.

 In:  MAIL FROM:<intro@broker.test>
 Out: 250 2.1.0 Ok
 In:  RCPT TO:<carol@example.test>
 Out: 250 2.1.5 Ok
 In:  DATA
 Out: 451 4.3.0 Error: queue file write error
"""
    assert summary(read_bounce(parse(text))) == [("carol@example.test", False, "4.3.0")]


def test_mailbox_rejection_sent_as_disposition_notification():
    """Dovecot refuses an over-quota message with an MDN that says "deleted", not a DSN."""
    text = """\
From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.test>
To: intro@broker.test
Subject: Automatically rejected mail
Auto-Submitted: auto-replied (rejected)
MIME-Version: 1.0
Content-Type: multipart/report; report-type=disposition-notification; boundary="B"

--B
Content-Type: text/plain

Your message to <dora@example.test> was automatically rejected:
Quota exceeded (mailbox for user is full)

--B
Content-Type: message/disposition-notification

Reporting-UA: mx.example.test; Dovecot Mail Delivery Agent
Final-Recipient: rfc822; dora@example.test
Original-Message-ID: <consent-3@broker.test>
Disposition: automatic-action/MDN-sent-automatically; deleted

--B--
"""
    bounce = read_bounce(parse(text))
    assert summary(bounce) == [("dora@example.test", False, "")]
    assert bounce.original_message_id == "<consent-3@broker.test>"


# --- Mail that is no failure report --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "From: Jane <jane@acme.test>\nTo: intro+tok@broker.test\nSubject: Automatic reply: Introduction\n"
            "Auto-Submitted: auto-replied\n\nI no longer work at Acme.\nPlease write to\nbob@acme.test\n",
            id="auto-reply-naming-a-colleague",
        ),
        pytest.param(
            "Return-Path: <>\nFrom: Jane <jane@acme.test>\nTo: intro+tok@broker.test\nSubject: Out of Office\n"
            "Auto-Submitted: auto-replied\n\nI am away. Mail to jane@acme.test is undelivered until Monday.\n",
            id="out-of-office-with-null-sender",
        ),
        pytest.param(
            "From: Bob <bob@example.test>\nTo: intro+tok@broker.test\nSubject: Re: Introduction\n\n"
            "Yes, happy to! My old address bob@old.test gave a user unknown error, use this one.\n",
            id="person-writing-user-unknown",
        ),
        pytest.param(
            "From: Bob <bob@example.test>\nTo: intro+tok@broker.test\nSubject: Re: Delivery status of the project\n\n"
            "Yes.\n\n--\nBob\nbob@example.test\n",
            id="person-with-a-failure-subject",
        ),
        pytest.param(
            "From: Bob <bob@example.test>\nTo: intro+tok@broker.test\nSubject: Re: Introduction\n\n"
            "I got this:\nFinal-Recipient: rfc822; x@example.test\nAction: failed\nStatus: 5.1.1\n",
            id="person-pasting-dsn-fields",
        ),
    ],
)
def test_no_bounce(text):
    assert read_bounce(parse(text)) is None


# --- Never raises ---------------------------------------------------------------------------------

RFC_STATUS = re.compile(r"[45]\.\d{1,3}\.\d{1,3}")


def check_invariants(bounce: Bounce | None) -> None:
    if bounce is None:
        return
    assert isinstance(bounce.original_message_id, str)
    for failure in bounce.failures:
        local, _, domain = failure.recipient.rpartition("@")
        assert local and domain == domain.lower() and "<" not in failure.recipient
        assert failure.status == "" or RFC_STATUS.fullmatch(failure.status)
        assert "\n" not in failure.diagnostic


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_any_bytes(raw):
    check_invariants(read_bounce(mailtext.parse(raw)))


SEEDS = sorted(p for p in FIXTURES.rglob("*.eml"))
NOISE = [b"\n", b"\r", b"--", b":", b"<", b">", b"@", b"\xff", b";", b'"', b"=?utf-8?b?", b"Action: failed\n",
         b"Final-Recipient: rfc822; ", b"Status: 5.1.1\n", b"{", b"}", b"Content-Type: multipart/report\n"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SEEDS),
    st.lists(st.tuples(st.floats(0, 1), st.integers(0, 300), st.sampled_from(NOISE)), max_size=20),
)
def test_damaged_reports(seed, damage):
    """Real reports cut and spliced: the rules themselves must not raise, not only the guard."""
    raw = bytearray(seed.read_bytes())
    for where, length, noise in damage:
        at = int(where * len(raw))
        if length % 2:
            del raw[at : at + length]
        else:
            raw[at:at] = noise
    msg = mailtext.parse(bytes(raw))
    check_invariants(bounces._read_bounce(msg, depth=0))


ADDRESSES = st.from_regex(r"[a-z][a-z0-9.]{0,10}[a-z0-9]@[a-z]{1,8}\.(test|fr|com)", fullmatch=True)
ACTIONS = {"failed": "5.1.1", "delayed": "4.4.1", "delivered": "2.0.0", "relayed": "2.0.0", "expanded": "2.0.0"}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(ADDRESSES, st.sampled_from(sorted(ACTIONS))), min_size=1, max_size=6, unique_by=lambda t: t[0]))
def test_dsn_property(recipients):
    """Every failed or delayed recipient is reported, in order, with the permanence of its action."""
    blocks = [f"Final-Recipient: rfc822; {a}\nAction: {action}\nStatus: {ACTIONS[action]}\n" for a, action in recipients]
    expected = [(a, action == "failed", ACTIONS[action]) for a, action in recipients if action in ("failed", "delayed")]
    assert summary(read_bounce(dsn(*blocks))) == (expected or None)


# --- The corpus: measured figures as floors ------------------------------------------------------

corpus = pytest.mark.skipif(not bounce_corpus.available(), reason=f"no corpus at {bounce_corpus.CORPUS}")


@corpus
def test_labelled_sisimai_bounces():
    figures = bounce_corpus.measure_labelled()
    assert figures.files == 531
    assert figures.right >= 529, figures.misses  # 99.6 %: all but the two fml mailing-list notices
    assert figures.permanence_right >= 539, figures.misses  # of 557 recipients with a verdict
    assert figures.hard_right >= 173  # of 175 hard bounces
    assert figures.status_right >= 413  # of 419 recipients with a status found in the mail


@corpus
def test_held_out_bounces():
    figures = bounce_corpus.measure_held_out()
    assert figures.right >= 113, figures.misses  # of 113
    assert figures.status_right >= 49  # of 50


@corpus
def test_no_false_bounces_in_the_corpus():
    assert len(bounce_corpus.non_bounces()) >= 600
    assert bounce_corpus.false_bounces() == []
