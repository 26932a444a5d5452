"""What an operator watches, from a real daemon: the Prometheus metrics, the health check
and the JSON log lines."""

from __future__ import annotations

import json
import time

import pytest

from mailbroker import testing as mt

from .harness import (  # noqa: F401 - fixture
    STORES,
    brokers,
    closed_port,
    consent_requests,
    forward_from_alice_to_bob,
    mail_system_restored,  # noqa: F401 - autouse fixture: the mail system back after the test
)

pytestmark = [pytest.mark.e2e, pytest.mark.stores(*STORES)]


fetch = mt.http_get


def wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_metrics_and_health_follow_the_daemon(brokers):  # noqa: F811
    port = closed_port()
    base = f"http://127.0.0.1:{port}"
    broker = brokers(log_format="json", extra_config=f'metrics:\n  listen: "127.0.0.1:{port}"\n').start()
    broker.wait_for_log("metrics on http://127.0.0.1")
    wait_for(lambda: fetch(base + "/health") == (200, "ok\n"))
    mt.submit(forward_from_alice_to_bob())
    consent_requests()
    mt.submit(mt.direct_request("Hello", referrer=mt.address("stranger")))
    broker.settled()
    status, text = fetch(base + "/metrics")
    assert status == 200
    assert 'mailbroker_messages_total{folder="processed",kind="request"} 1.0' in text
    assert 'mailbroker_messages_total{folder="quarantine",kind="stranger"} 1.0' in text
    assert "mailbroker_sent_messages_total 3.0" in text  # two consent requests, one acknowledgement
    assert "mailbroker_message_processing_seconds_count 2.0" in text
    wait_for(lambda: 'mailbroker_referrals{state="pending"} 1.0' in fetch(base + "/metrics")[1], timeout=40)

    mt.mailsystem("stop-dovecot")
    status, why = wait_for(lambda: (lambda r: r if r[0] == 503 else None)(fetch(base + "/health")))
    assert why == "not connected to the IMAP server\n"
    mt.mailsystem("start-dovecot")
    wait_for(lambda: fetch(base + "/health")[0] == 200, timeout=30)
    assert "mailbroker_imap_reconnects_total 1.0" in fetch(base + "/metrics")[1]
    assert broker.stop() == 0

    # One JSON object per line, the message lines with the message's fields.
    lines = [json.loads(line) for line in broker.log_text().splitlines() if line.startswith("{")]
    handled = [line for line in lines if line.get("event") == "message"]
    assert {line["kind"] for line in handled} == {"request", "stranger"}
    request = next(line for line in handled if line["kind"] == "request")
    assert request["ref"] and request["message_id"].startswith("<") and request["folder"] == "mailbroker/processed"
