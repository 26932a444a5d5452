"""Automatic mail: recognised, never answered, never counted as a party's answer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbroker import mailtext
from mailbroker.automatic import automatic_reason, is_bounce

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "automatic"
CORPUS = Path(os.environ.get("MAILBROKER_CORPUS", Path(__file__).resolve().parents[3] / "shared" / "corpus"))


def load(name: str):
    return mailtext.parse((FIXTURES / name).read_bytes())


def headers(*lines: str, body: str = "Yes, happy to.") -> mailtext.EmailMessage:
    base = ["From: Jane Doe <jane@globex.test>", "To: intro+Kq3vT9xWmZp2@broker.test", "Subject: Re: Hello"]
    names = {line.split(":", 1)[0].lower() for line in lines}
    kept = [line for line in base if line.split(":", 1)[0].lower() not in names]
    return mailtext.parse(("\n".join(kept + list(lines)) + "\n\n" + body + "\n").encode())


@pytest.mark.parametrize(
    "name, reason, bounce",
    [
        ("ooo_fr_exchange.eml", "auto-submitted: auto-generated", False),
        ("ooo_en_subject_only.eml", "subject: out of office", False),
        ("absent_fr_subject_only.eml", "subject: absent du bureau", False),
        ("dsn_bounce.eml", "auto-submitted: auto-replied", True),
        ("mailing_list.eml", "precedence: list", False),
        ("human_outlook_suppress.eml", None, False),
    ],
)
def test_fixtures(name, reason, bounce):
    msg = load(name)
    assert automatic_reason(msg) == reason
    assert is_bounce(msg) is bounce


@pytest.mark.parametrize(
    "line, reason",
    [
        ("Auto-Submitted: auto-replied", "auto-submitted: auto-replied"),
        ("Auto-Submitted: auto-generated", "auto-submitted: auto-generated"),
        ("Auto-Submitted: Auto-Replied; owner-email=jane@globex.test", "auto-submitted: auto-replied"),
        ("X-Autoreply: yes", "header: X-Autoreply"),
        ("X-Autorespond: x", "header: X-Autorespond"),
        ("X-Auto-Response: x", "header: X-Auto-Response"),
        ("X-MS-Exchange-Inbox-Rules-Loop: jane@globex.test", "header: X-MS-Exchange-Inbox-Rules-Loop"),
        ("X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent", "header: X-MS-Exchange-Generated-Message-Source"),
        ("X-Failed-Recipients: nobody@globex.test", "header: X-Failed-Recipients"),
        ("Precedence: bulk", "precedence: bulk"),
        ("Precedence: junk", "precedence: junk"),
        ("Precedence: list", "precedence: list"),
        ("Precedence: auto_reply", "precedence: auto_reply"),
        ("X-Apple-Action: vacation", "x-apple-action: vacation"),
        ("Return-Path: <>", "null return-path"),
        ("From: MAILER-DAEMON@globex.test (Mail Delivery System)", "from: mailer-daemon"),
        ("From: postmaster@globex.test", "from: postmaster"),
        ("From: <noreply@globex.test>", "from: noreply"),
        ("From: <>", "empty from"),
        ("List-Id: Climbers <climbers.lists.test>", "mailing list: List-Id"),
        ("List-Unsubscribe: <mailto:leave@lists.test>", "mailing list: List-Unsubscribe"),
        ("Content-Type: multipart/report; report-type=disposition-notification; boundary=x", "report: disposition-notification"),
        ("Content-Type: multipart/report; report-type=feedback-report; boundary=x", "report: feedback-report"),
    ],
)
def test_markers(line, reason):
    assert automatic_reason(headers(line)) == reason


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Hello", "Out of office", "Automatic reply: Hello", "Auto reply: Nyaan", "Auto: Hello",
        "AutoReply: Hello", "Undeliverable: Hello", "Delivery Status Notification (Failure)",
        "Mail delivery failed: returning message to sender", "Undelivered Mail Returned to Sender",
        "Réponse automatique : Bonjour", "Réponse automatique: Bonjour", "Absent du bureau : Bonjour",
        "Non remis : Bonjour", "Message d'absence", "[EXT] Automatic reply: Hello", "RÉPONSE AUTOMATIQUE : x",
    ],
)
def test_automatic_subjects(subject):
    assert automatic_reason(headers(f"Subject: {subject}")).startswith("subject: ")


@pytest.mark.parametrize(
    "lines",
    [
        (),
        ("Subject: Re: Out of office policy",),
        ("Subject: Re: Automatic replies are annoying",),
        ("Subject: Autonomous cars",),
        ("Subject: Re: Absence de réponse",),
        ("X-Auto-Response-Suppress: All",),  # Outlook sets it on ordinary mail
        ("Auto-Submitted: no",),
        ("Precedence: first-class",),
        ("Return-Path: <jane@globex.test>",),
    ],
)
def test_human_mail_is_not_automatic(lines):
    assert automatic_reason(headers(*lines)) is None


def test_bounce_versus_auto_reply_with_null_sender():
    assert is_bounce(headers("Return-Path: <>"))
    assert not is_bounce(headers("Return-Path: <>", "Auto-Submitted: auto-replied"))
    assert not is_bounce(headers("Return-Path: <>", "Subject: Automatic reply: Hello"))
    assert is_bounce(headers("From: MAILER-DAEMON@globex.test"))
    assert is_bounce(headers("Content-Type: multipart/report; report-type=delivery-status; boundary=x"))
    assert not is_bounce(headers("Content-Type: multipart/report; report-type=disposition-notification; boundary=x"))
    assert not is_bounce(headers())


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_never_raises(raw):
    msg = mailtext.parse(raw)
    reason = automatic_reason(msg)
    assert reason is None or isinstance(reason, str)
    assert isinstance(is_bounce(msg), bool)


# --- Public corpora -----------------------------------------------------------------------------------

SISIMAI = CORPUS / "sisimai+set-of-emails" / "maildir" / "bsd"


@pytest.mark.skipif(not SISIMAI.exists(), reason="public corpus not present")
def test_rfc3834_auto_replies_are_automatic():
    files = sorted(SISIMAI.glob("rfc3834-*.eml"))
    assert files
    for path in files:
        assert automatic_reason(mailtext.parse(path.read_bytes())), path.name


@pytest.mark.skipif(not SISIMAI.exists(), reason="public corpus not present")
def test_bounces_are_automatic():
    files = sorted(SISIMAI.glob("lhost-*.eml"))
    found = sum(automatic_reason(mailtext.parse(p.read_bytes())) is not None for p in files)
    bounces = sum(is_bounce(mailtext.parse(p.read_bytes())) for p in files)
    assert found / len(files) >= 0.98, f"{found}/{len(files)}"
    assert bounces / len(files) >= 0.9, f"{bounces}/{len(files)}"


@pytest.mark.skipif(not (CORPUS / "gitlabhq+gitlabhq").exists(), reason="public corpus not present")
def test_gitlab_auto_reply():
    path = CORPUS / "gitlabhq+gitlabhq" / "spec" / "fixtures" / "emails" / "auto_reply.eml"
    assert automatic_reason(mailtext.parse(path.read_bytes())) == "header: X-Autoreply"


TALON = CORPUS / "mailgun+talon" / "tests" / "fixtures" / "standard_replies"


@pytest.mark.skipif(not TALON.exists(), reason="public corpus not present")
def test_ordinary_replies_are_not_automatic():
    files = sorted(TALON.glob("*.eml"))
    assert len(files) >= 10
    for path in files:
        msg = mailtext.parse(path.read_bytes())
        assert automatic_reason(msg) is None, path.name
        assert not is_bounce(msg)


GITHUB = CORPUS / "github+email_reply_parser" / "test" / "emails"


@pytest.mark.skipif(not GITHUB.exists(), reason="public corpus not present")
@pytest.mark.parametrize("name", ["email_1_3.txt", "email_1_4.txt", "email_2_1.txt", "email_iPhone.txt", "greedy_on.txt"])
def test_github_reply_bodies_sent_by_a_person_are_not_automatic(name):
    body = (GITHUB / name).read_text()
    assert automatic_reason(headers("Subject: Re: Riak question", body=body)) is None


# --- Challenge-response filters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, reason",
    [
        ("challenge_boxtrapper.eml", "header: X-Boxtrapper"),
        ("challenge_spamarrest.eml", "challenge-response: confirm you are human"),
        ("challenge_fr_antispam.eml", "subject: verification anti-spam"),
    ],
)
def test_challenge_response_fixtures(name, reason):
    msg = load(name)
    assert automatic_reason(msg) == reason
    assert not is_bounce(msg)


@pytest.mark.parametrize(
    "line",
    ["X-Boxtrapper: 5c2f0d8e", "X-ChallengeResponse: yes", "X-Challenge-Response: pending",
     "Subject: Please confirm your message", "Subject: Vérification anti-spam : Mise en relation ?"],
)
def test_challenge_response_markers(line):
    assert automatic_reason(headers(line)) is not None


@pytest.mark.parametrize(
    "body",
    [
        "Hello, I'm protected by SpamArrest. Please verify that you are human by clicking below.",
        "Hi,\nplease confirm your message by replying to this email\nso that it reaches me.",
        "Bonjour, votre message est en attente de validation. Merci de confirmer que vous\nn'êtes pas un robot.",
        "Je suis protégé par un anti-spam : cliquez sur le lien pour que votre message me parvienne.",
    ],
)
def test_challenge_response_bodies(body):
    assert automatic_reason(headers(body=body)).startswith("challenge-response: ")


@pytest.mark.parametrize(
    "body",
    [
        "Yes, happy to. Can you confirm the time with Bob?",
        "Oui, je confirme, avec plaisir. Je suis protégée des spams par mon fournisseur.",
        "I'm a human being, not a robot: yes please!",
    ],
)
def test_a_person_mentioning_confirmation_is_not_a_challenge(body):
    assert automatic_reason(headers(body=body)) is None


# --- Exchange automatic replies in any language (Thread-Topic) ----------------------------------------


@pytest.mark.parametrize(
    "subject, topic",
    [
        ("Arpus biroja atrasanas automatiska atbilde: Hello", "Hello"),
        ("Automatische Antwort: Introduction to Bob Stone? [K7Q-3XF]", "Introduction to Bob Stone? [K7Q-3XF]"),
        ("Réponse automatique : Mise en relation ?", "Mise en relation ?"),
        ("Automaattinen vastaus: Intro", "Intro"),
    ],
)
def test_exchange_auto_reply_subject_over_the_thread_topic(subject, topic):
    reason = automatic_reason(headers(f"Subject: {subject}", f"Thread-Topic: {topic}"))
    assert reason is not None and reason.startswith("subject: ")


@pytest.mark.parametrize(
    "subject, topic",
    [
        ("RE: Introduction to Bob Stone? [K7Q-3XF]", "Introduction to Bob Stone? [K7Q-3XF]"),
        ("AW: Intro", "Intro"),
        ("Accepted: Intro call", "Intro call"),  # one word: a meeting answer, not ours to judge here
        ("Intro", "Intro"),
        ("Quick question: Intro", "Quick question: Intro"),
        ("RE: RE: Intro", "Intro"),
    ],
)
def test_a_persons_outlook_reply_is_not_automatic(subject, topic):
    assert automatic_reason(headers(f"Subject: {subject}", f"Thread-Topic: {topic}")) is None


@pytest.mark.skipif(not (CORPUS / "ronbeltran+bounce_email").exists(), reason="public corpus not present")
def test_latvian_exchange_out_of_office_from_the_corpus():
    path = CORPUS / "ronbeltran+bounce_email" / "tests" / "non_bounces" / "tt_1234210666.txt"
    assert automatic_reason(mailtext.parse(path.read_bytes())).startswith("subject: ")
