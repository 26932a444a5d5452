"""XOAUTH2 sign-in (imap.auth and smtp.auth: xoauth2) against the real local mail system:
Dovecot checks the access tokens itself (JWTs signed with a key made by
`scripts/mailsystem start`), and Postfix's submission port offers XOAUTH2 through
Dovecot's SASL. The token command is `scripts/mailsystem token intro`, as an operator
would use `oama access ...` or `mutt_oauth2.py`.
"""

from __future__ import annotations

import json
import re

import pytest

from mailbroker import testing as mt

from .harness import (
    brokers,  # noqa: F401 - fixture
    consent_requests,
    forward_from_alice_to_bob,
)

pytestmark = pytest.mark.e2e

TOKEN = [str(mt.MAILSYSTEM_SCRIPT), "token", "intro"]
EXPIRED = [*TOKEN, "--expired"]
BROKEN = [str(mt.MAILSYSTEM_SCRIPT), "token"]  # no user: it exits with a usage error
IMAP = f"IMAP 127.0.0.1:{mt.IMAP_PORT} (none)"
SMTP = f"SMTP 127.0.0.1:{mt.SUBMISSION_PORT} (none)"
# A token must never reach the broker's log: not as itself (every JWT starts with the
# base64 of '{"'), nor inside the XOAUTH2 string ("user=...auth=Bearer ...", base64'd).
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{10,}|Bearer |dXNlcj")


def xoauth2_broker(brokers, imap_command=TOKEN, smtp_command=TOKEN):  # noqa: F811
    """A broker that signs in to IMAP and to the submission port with access tokens only:
    the harness's password line is replaced, and the password it sets is a wrong one."""
    broker = brokers(smtp_port=mt.SUBMISSION_PORT, env={"MAILBROKER_IMAP_PASSWORD": "wrong"})
    text = broker.config.read_text()
    imap = f"  auth: xoauth2\n  oauth2_token_command: {json.dumps(imap_command)}\n"
    text = text.replace("  password_env: MAILBROKER_IMAP_PASSWORD\n", imap)
    smtp = f"  username: intro\n  auth: xoauth2\n  oauth2_token_command: {json.dumps(smtp_command)}\n"
    text = text.replace(f"  port: {mt.SUBMISSION_PORT}\n", f"  port: {mt.SUBMISSION_PORT}\n{smtp}")
    assert text.count("auth: xoauth2") == 2 and "password" not in text
    broker.config.write_text(text)
    return broker


def mail_log(name: str) -> str:
    return (mt.MAILSYSTEM_DIR / "log" / name).read_text(errors="replace")


def test_a_request_goes_through_with_access_tokens(brokers):  # noqa: F811
    dovecot_before, postfix_before = len(mail_log("dovecot.log")), len(mail_log("postfix.log"))
    broker = xoauth2_broker(brokers).start()
    mt.submit(forward_from_alice_to_bob())
    consent_requests()
    broker.settled()
    assert "user=<intro>, method=XOAUTH2" in mail_log("dovecot.log")[dovecot_before:]
    assert "sasl_method=XOAUTH2, sasl_username=intro" in mail_log("postfix.log")[postfix_before:]
    assert not JWT.search(broker.log_text())
    check = broker.cli("check-config", "--connect")
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"{IMAP}: OK — logged in as intro" in check.stdout and f"{SMTP}: OK — logged in as intro" in check.stdout


def test_an_expired_token_is_a_refused_login(brokers):  # noqa: F811
    broker = xoauth2_broker(brokers, imap_command=EXPIRED, smtp_command=EXPIRED)
    check = broker.cli("check-config", "--connect")
    assert check.returncode == 1
    assert f"{IMAP}: FAILED — login refused for intro" in check.stdout
    assert f"{SMTP}: FAILED — login refused for intro" in check.stdout
    assert "check the username and the access token" in check.stdout
    broker.start()
    broker.wait_for_log(f"IMAP login as intro on 127.0.0.1:{mt.IMAP_PORT} refused")
    assert "the access token from imap.oauth2_token_command was refused" in broker.log_text()
    assert "check imap.username and the access token (imap.oauth2_token_command)" in broker.log_text()
    assert not JWT.search(broker.log_text() + check.stdout)


def test_a_refused_smtp_token_keeps_the_mail_waiting(brokers):  # noqa: F811
    broker = xoauth2_broker(brokers, smtp_command=EXPIRED).start()
    mt.submit(forward_from_alice_to_bob())
    broker.wait_for_log("SMTP unavailable (login refused: 535")
    assert broker.outbox_pending() > 0
    with mt.Mailbox("alice") as alice:
        assert alice.count("INBOX") == 0


def test_a_failing_token_command_is_said_in_words(brokers):  # noqa: F811
    broker = xoauth2_broker(brokers, imap_command=BROKEN, smtp_command=BROKEN)
    check = broker.cli("check-config", "--connect")
    assert check.returncode == 1
    for step, section in ((IMAP, "imap"), (SMTP, "smtp")):
        assert (f"{step}: FAILED — no access token to log in with: {section}.oauth2_token_command: "
                f"`{mt.MAILSYSTEM_SCRIPT} token` failed (exit status 1: mailsystem: usage:") in check.stdout
    assert "it must print an access token on its first line" in check.stdout
    broker.start()
    broker.wait_for_log("IMAP unavailable (OAuth2TokenError: imap.oauth2_token_command: ")
    assert broker.process.poll() is None  # logged and retried, not a crash


def test_a_server_without_xoauth2_is_said_in_words(brokers):  # noqa: F811
    broker = xoauth2_broker(brokers)
    broker.config.write_text(broker.config.read_text().replace(f"port: {mt.SUBMISSION_PORT}", f"port: {mt.SMTP_PORT}"))
    check = broker.cli("check-config", "--connect")
    assert check.returncode == 1
    assert f"{IMAP}: OK" in check.stdout
    assert (f"SMTP 127.0.0.1:{mt.SMTP_PORT} (none): FAILED — the server does not offer XOAUTH2 login"
            in check.stdout)
    broker.start()
    mt.submit(forward_from_alice_to_bob())
    broker.wait_for_log("SMTP unavailable (the server does not offer XOAUTH2 sign-in: use its submission port")
