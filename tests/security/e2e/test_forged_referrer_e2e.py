"""A forged request on the real mail system, under the default configuration: the
broker writes to the referrer's own mailbox only, and the introduction starts only when
the referrer answers that message (issue 12, finding 1)."""

from __future__ import annotations

import pytest

from mailbroker import testing as mt
from mailbroker.testing import gmail_forward, reply
from mailbroker.testing import submit as send

pytestmark = pytest.mark.e2e

ALICE = mt.address("alice")


@pytest.fixture
def broker(brokers, tmp_path):
    b = brokers(tmp_path, unauthenticated_requests="confirm")  # the default, written out
    b.start()
    yield b
    code = b.stop()
    print(b.log_text()[-6000:])
    assert code == 0 and "Traceback" not in b.log_text()


def forged_request():
    """What anyone can send: the referrer's address in From, nothing signed."""
    return gmail_forward(
        "Please introduce Alice to Bob Stone <bob@example.test>: we built Acme's payments platform.",
        author=ALICE, author_name="Alice Martin", subject="Looking for a payments lead",
        body="Hi Rita, do you know a payments lead?")


def asks_for_confirmation(m):
    return "Did you send this" in str(m["Subject"]) and "intro+" in str(m["Reply-To"])


def is_consent_request(m):
    return "intro+" in str(m["Reply-To"]) and m["In-Reply-To"] is None


def nothing_for_the_parties():
    for user in ("alice", "bob"):
        with mt.Mailbox(user) as box:
            assert box.messages() == [], f"{user} heard from the broker"


def test_a_forged_request_reaches_only_the_referrer_until_they_confirm_it(broker):
    send(forged_request())
    with mt.Mailbox("referrer") as box:
        [ask] = box.wait_for(asks_for_confirmation)
    broker.settled()
    nothing_for_the_parties()
    assert "alice@example.test" in mt.text_of(ask) and "bob@example.test" in mt.text_of(ask)

    send(reply(ask, mt.REFERRER, "Yes"))
    for user in ("alice", "bob"):
        with mt.Mailbox(user) as box:
            box.wait_for(is_consent_request)


def test_a_request_the_referrer_disowns_goes_nowhere(broker):
    send(forged_request())
    with mt.Mailbox("referrer") as box:
        [ask] = box.wait_for(asks_for_confirmation)
    send(reply(ask, mt.REFERRER, "No, I did not send this."))
    with mt.Mailbox("referrer") as box:
        box.wait_for(lambda m: "not sent" in str(m["Subject"]))
    broker.settled()
    nothing_for_the_parties()
    assert "dropped, nobody contacted" in broker.log_text()


def test_the_daemon_warns_at_start_when_it_accepts_anyone_in_a_referrers_name(brokers, tmp_path):
    b = brokers(tmp_path, unauthenticated_requests="accept")
    b.start()
    b.wait_for_log("anyone who knows a referrer's address")
    b.wait_for_log("mailbroker started for")  # its signal handlers are in place: it stops cleanly
    assert b.stop() == 0
