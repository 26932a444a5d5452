"""The IMAP edge against the real Dovecot: lost connections, polling, TLS."""

from __future__ import annotations

import time

import pytest

from mailbroker import testing as mt
from mailbroker.testing import direct_request
from mailbroker.testing import submit as send

from .harness import STORES, Broker, consent_requests, forward_from_alice_to_bob

pytestmark = [pytest.mark.e2e, pytest.mark.stores(*STORES)]


def test_reconnects_after_the_server_drops_the_connection(broker):  # noqa: F811
    send(forward_from_alice_to_bob())
    consent_requests()
    broker.settled()
    mt.mailsystem("kick", "intro")
    time.sleep(0.5)
    send(direct_request("Introduce: Carol <carol@example.test>\nTo: Dave <dave@example.test>\n"
                        "Why: they both organise the Lyon meetup."))
    with mt.Mailbox("dave") as box:
        box.wait_for()  # handled after the reconnection
    assert "IMAP unavailable" in broker.log_text()
    assert broker.log_text().count("connected to IMAP") >= 2


@pytest.mark.parametrize("broker", [{"idle": "false", "poll_interval": "1s"}], indirect=True)
def test_polls_when_idle_is_off(broker):  # noqa: F811
    send(forward_from_alice_to_bob())
    consent_requests()
    assert "IDLE off, polling" in broker.log_text()


@pytest.mark.parametrize("broker", [{"imap_port": mt.IMAPS_PORT, "imap_security": "tls",
                                     "verify_certificate": "false"}], indirect=True)
def test_imaps_without_verification_for_a_self_signed_server(broker):  # noqa: F811
    send(forward_from_alice_to_bob())
    consent_requests()


def test_imaps_verifies_certificates_by_default(tmp_path):
    b = Broker(tmp_path, imap_port=mt.IMAPS_PORT, imap_security="tls")
    b.start()
    try:
        deadline = time.monotonic() + 15
        while "CERTIFICATE_VERIFY_FAILED" not in b.log_text() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        assert b.stop() == 0
    assert "CERTIFICATE_VERIFY_FAILED" in b.log_text()


@pytest.mark.parametrize("broker", [{"poll_interval": "10m"}], indirect=True)
def test_mail_that_lands_while_the_broker_works_is_not_left_for_the_next_poll(broker):  # noqa: F811
    """Dovecot announces a message that arrives during a FETCH or MOVE in that command's
    reply, not again in the IDLE that follows: the broker must look for it before idling,
    or it waits for the next poll (here ten minutes). A burst delivered straight into the
    mailbox keeps landing while the first messages are handled."""
    lmtp = mt.Lmtp()
    try:
        for k in range(1, 21):
            a, b = mt.PARTIES[2 * k - 2], mt.PARTIES[2 * k - 1]
            msg = direct_request(f"Introduce: Party {a} <{mt.address(a)}>\nTo: Party {b} <{mt.address(b)}>\n"
                                 f"Why: they ran the billing platform together at Acme (case {k}).",
                                 subject=f"Burst {k:02d}")
            lmtp.deliver(bytes(msg), mt.REFERRER, mt.BROKER)
            time.sleep(0.03)
    finally:
        lmtp.close()
    with mt.Mailbox("referrer") as r:
        r.wait_for(lambda m: "Burst" in str(m["Subject"]), count=20, timeout=30)
