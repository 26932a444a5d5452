"""The administration commands against the real mail system and a real running daemon:
`check-config --connect` and `status`."""

from __future__ import annotations

import json
import time

import pytest

from mailbroker import testing as mt

from .harness import STORES, brokers, closed_port, consent_requests, forward_from_alice_to_bob  # noqa: F401 - fixture

pytestmark = [pytest.mark.e2e, pytest.mark.stores(*STORES)]


def test_check_config_connect_logs_in_to_both_servers(brokers):  # noqa: F811
    result = brokers().cli("check-config", "--connect")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"IMAP 127.0.0.1:{mt.IMAP_PORT} (none): OK — logged in as intro, folder INBOX selected" in result.stdout
    assert f"SMTP 127.0.0.1:{mt.SMTP_PORT} (none): OK" in result.stdout


def test_check_config_connect_with_a_wrong_password(brokers):  # noqa: F811
    result = brokers(env={"MAILBROKER_IMAP_PASSWORD": "wrong"}).cli("check-config", "--connect")
    assert result.returncode == 1
    assert "IMAP 127.0.0.1" in result.stdout and "FAILED — login refused for intro" in result.stdout
    assert "check the username and the password" in result.stdout
    assert f"SMTP 127.0.0.1:{mt.SMTP_PORT} (none): OK" in result.stdout  # each step on its own


def test_check_config_connect_to_a_closed_port(brokers):  # noqa: F811
    port = closed_port()
    result = brokers(imap_port=port, smtp_port=port).cli("check-config", "--connect")
    assert result.returncode == 1
    assert f"IMAP 127.0.0.1:{port} (none): FAILED — connection refused" in result.stdout
    assert f"SMTP 127.0.0.1:{port} (none): FAILED — connection refused" in result.stdout


def test_check_config_connect_to_a_self_signed_server(brokers):  # noqa: F811
    result = brokers(imap_port=mt.IMAPS_PORT, imap_security="tls").cli("check-config", "--connect")
    assert result.returncode == 1
    assert "FAILED — TLS certificate not accepted" in result.stdout and "verify_certificate" in result.stdout


def status(broker) -> tuple[int, dict]:
    """Exit status and report of `status --json`; an empty report before the daemon
    created its state (a SQLite file, PostgreSQL tables)."""
    result = broker.cli("status", "--json")
    assert result.returncode in (0, 3), result.stderr
    if not result.stdout:
        assert "no state file" in result.stderr or "no mailbroker tables yet" in result.stderr, result.stderr
        return result.returncode, {}
    return result.returncode, json.loads(result.stdout)


def wait_for_status(broker, condition, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        code, report = status(broker)
        if condition(code, report):
            return report
        assert time.monotonic() < deadline, f"status never matched: {report}\nlog:\n{broker.log_text()[-3000:]}"
        time.sleep(0.3)


def test_status_of_a_running_daemon(brokers):  # noqa: F811
    broker = brokers().start()
    report = wait_for_status(broker, lambda code, r: code == 0)
    assert report["daemon"]["state"] == "running" and report["daemon"]["pid"] == broker.process.pid
    assert report["imap"]["last_contact_at"] is not None
    mt.submit(forward_from_alice_to_bob())
    consent_requests()
    broker.settled()
    report = wait_for_status(broker, lambda code, r: r and r["outbox"]["sent"] == 3)
    assert report["referrals"]["pending"] == 1 and report["outbox"]["waiting"] == 0
    assert report["outbox"]["failed"] == 0 and report["suppressed"] == 0
    text = broker.cli("status")
    assert text.returncode == 0 and "running (pid" in text.stdout and "pending 1" in text.stdout
    assert broker.stop() == 0
    code, report = status(broker)
    assert code == 3 and report["daemon"]["state"] == "not running"
