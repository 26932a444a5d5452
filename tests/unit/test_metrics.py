"""The metrics endpoint and the structured logs, on a real loopback socket."""

from __future__ import annotations

import io
import json
import logging

import pytest

from mailbroker import testing as mt
from mailbroker.logs import JsonFormatter, configure
from mailbroker.metrics import Endpoint, Metrics


@pytest.fixture
def served():
    metrics, trouble = Metrics(), {"now": None}
    endpoint = Endpoint(metrics, lambda: trouble["now"], "127.0.0.1", 0).start()
    yield metrics, trouble, f"http://127.0.0.1:{endpoint.port}"
    endpoint.stop()


fetch = mt.http_get


def test_metrics_are_served_in_the_prometheus_format(served):
    metrics, _, base = served
    metrics.handled("request", "processed", 0.02)
    metrics.handled("stranger", "quarantine", 0.001)
    metrics.state({"pending": 3, "introduced": 5}, outbox=2)
    metrics.sent.inc(4)
    status, text = fetch(base + "/metrics")
    assert status == 200
    assert 'mailbroker_messages_total{folder="processed",kind="request"} 1.0' in text
    assert 'mailbroker_referrals{state="introduced"} 5.0' in text
    assert "mailbroker_outbox_messages 2.0" in text and "mailbroker_sent_messages_total 4.0" in text
    assert "mailbroker_message_processing_seconds_count 2.0" in text


def test_health_says_ok_or_what_is_wrong(served):
    _, trouble, base = served
    assert fetch(base + "/health") == (200, "ok\n")
    trouble["now"] = "IMAP unavailable since 09:12: connection refused"
    assert fetch(base + "/health") == (503, "IMAP unavailable since 09:12: connection refused\n")
    status, body = fetch(base + "/health?format=json")
    assert status == 503 and json.loads(body) == {"ok": False, "problem": trouble["now"]}
    assert fetch(base + "/nope")[0] == 404


def test_json_logs_carry_the_fields_of_the_event():
    record = logging.LogRecord("mailbroker.daemon", logging.INFO, __file__, 1, "message uid %s -> %s", (7, "processed"),
                               None)
    record.ref, record.message_id = "K7Q3XF", "<a@example.test>"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "message uid 7 -> processed" and line["level"] == "info"
    assert line["ref"] == "K7Q3XF" and line["message_id"] == "<a@example.test>" and "T" in line["time"]


@pytest.fixture
def root_logger():
    """configure() replaces the root logger's handlers: put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_text_logs_leave_the_time_to_journald(monkeypatch, root_logger):
    stream = io.StringIO()
    monkeypatch.setenv("JOURNAL_STREAM", "8:12345")
    configure("info", "text", stream)
    logging.getLogger("mailbroker.test").info("hello")
    assert stream.getvalue() == "INFO mailbroker.test: hello\n"
    monkeypatch.delenv("JOURNAL_STREAM")
    configure("info", "text", stream)
    logging.getLogger("mailbroker.test").info("again")
    assert stream.getvalue().splitlines()[1].endswith("INFO mailbroker.test: again")
    assert stream.getvalue().splitlines()[1][:4].isdigit()
