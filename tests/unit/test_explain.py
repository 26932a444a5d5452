"""`mailbroker explain`: how one message is read, without any state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mailbroker import testing as mt
from mailbroker.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "mailbroker.example.yaml"


def explain(tmp_path, capsys, message, *args):
    path = tmp_path / "message.eml"
    path.write_bytes(bytes(message) if not isinstance(message, bytes) else message)
    assert main(["explain", str(path), "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def forward(**kwargs):
    return mt.gmail_forward("Please introduce Alice to Bob Stone <bob@example.test>: we built Acme's payments "
                            "platform together.", author=mt.address("alice"), author_name="Alice Martin",
                            subject="Intro?", body="Could you introduce me to a payments lead?", **kwargs)


def consent_request():
    msg = mt.direct_request("Would you like this introduction?", subject="Introduction to Bob Stone?")
    msg.replace_header("From", "Introductions <intro@example.test>")
    msg["Reply-To"] = "intro+abcdefghijklmnop@example.test"
    return msg


def test_a_referral_request(tmp_path, capsys):
    found = explain(tmp_path, capsys, forward())
    assert found["kind"] == "referral request"
    assert found["found"]["requester"] == "Alice Martin <alice@example.test>"
    assert found["found"]["target"] == "Bob Stone <bob@example.test>"
    assert "Acme" in found["found"]["context"]


def test_a_request_without_context_says_the_referrer_will_be_asked(tmp_path, capsys):
    found = explain(tmp_path, capsys, mt.direct_request("Introduce: Carol <carol@example.test>\nTo: Dave <dave@example.test>"))
    assert any("require_context" in why for why in found["why"])


def test_a_refused_request(tmp_path, capsys):
    found = explain(tmp_path, capsys, mt.direct_request("Could you help Alice? She is great."))
    assert found["kind"] == "referral request (refused)" and found["found"]["error"]


def test_a_consent_reply(tmp_path, capsys):
    found = explain(tmp_path, capsys, mt.reply(consent_request(), mt.address("bob"), "Yes — I lead the payments team."))
    assert found["kind"] == "consent reply"
    assert found["found"]["answer"] == "yes" and found["found"]["tokens"] == "abcdefghijklmnop"
    assert "payments team" in found["found"]["note"]


def test_an_out_of_office(tmp_path, capsys):
    ooo = mt.reply(consent_request(), mt.address("bob"), "I am away until Monday.")
    ooo["Auto-Submitted"] = "auto-replied"
    found = explain(tmp_path, capsys, ooo)
    assert found["kind"] == "automatic reply"


def test_a_bounce(tmp_path, capsys):
    bounce = (
        b"From: MAILER-DAEMON@mail.example.test\r\nTo: intro+abcdefghijklmnop@example.test\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be"
        b" delivered.\r\n\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mail.example.test"
        b"\r\n\r\nFinal-Recipient: rfc822; nobody@example.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.test>: User unknown\r\n\r\n--B--\r\n"
    )
    found = explain(tmp_path, capsys, bounce)
    assert found["kind"] == "bounce"
    assert "nobody@example.test (permanent, 5.1.1)" in found["found"]["failed"]


def test_with_a_config_a_stranger_is_not_read(tmp_path, capsys, monkeypatch):
    found = explain(tmp_path, capsys, forward(referrer=mt.address("stranger")), "--config", str(EXAMPLE))
    assert found["kind"] == "other" and "not an allowed referrer" in found["why"][0]


def test_with_the_default_config_an_unsigned_request_is_confirmed_first(tmp_path, capsys):
    found = explain(tmp_path, capsys, forward(), "--config", str(EXAMPLE))
    assert found["kind"] == "referral request" and "the referrer is first asked" in found["why"][0]
    config = tmp_path / "refuse.yaml"
    config.write_text(EXAMPLE.read_text().replace("unauthenticated_requests: confirm",
                                                  "unauthenticated_requests: refuse"))
    found = explain(tmp_path, capsys, forward(), "--config", str(config))
    assert found["kind"] == "other" and found["why"] == [found["why"][0]] and "quarantined" in found["why"][0]


def test_text_output_and_stdin(tmp_path, capsys, monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(bytes(forward()))))
    assert main(["explain", "-"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("kind:     referral request") and "requester: Alice Martin" in out


def test_unreadable_file(tmp_path, capsys):
    assert main(["explain", str(tmp_path / "missing.eml")]) == 1
    assert "cannot read" in capsys.readouterr().err


@pytest.mark.parametrize("junk", [b"", b"\x00\xff garbage", b"From: \r\n\r\n"])
def test_junk_never_crashes(tmp_path, capsys, junk):
    assert explain(tmp_path, capsys, junk)["kind"]
