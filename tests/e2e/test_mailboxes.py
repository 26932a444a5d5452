"""One daemon, two broker mailboxes: intro@ (English, the config's top level) and
mises@ (French, under `mailboxes:`), each with its own referrers and policy, both on
the real Dovecot and Postfix. Each referral is answered from the mailbox it came to,
in that mailbox's language, and only that mailbox's timers run on it."""

from __future__ import annotations

import time

import pytest

from mailbroker import testing as mt
from mailbroker.testing import direct_request, reply
from mailbroker.testing import submit as send

from .harness import STORES

pytestmark = [pytest.mark.e2e, pytest.mark.stores(*STORES)]

MISES = mt.address("mises")
REFERRER2 = mt.address("referrer2")

# The second mailbox changes only what differs: the rest (servers, password) comes from
# the top level. Its reminders come after 4 s; the top level's after an hour.
SECOND_MAILBOX = f"""
mailboxes:
  - broker:
      address: {MISES}
      name: Mises en relation
    imap:
      username: mises
    referrers:
      - {REFERRER2}
    policy:
      language: fr
      reminder_after: 4s
      expire_after: 1h
"""


def request_to(broker_address: str, referrer: str, a: str, b: str, why: str, french: bool = False):
    labels = ("Présenter :", "À :", "Pourquoi :") if french else ("Introduce:", "To:", "Why:")
    text = "\n".join(f"{label} {value}" for label, value in
                     zip(labels, (f"{a.title()} <{mt.address(a)}>", f"{b.title()} <{mt.address(b)}>", why), strict=True))
    msg = direct_request(text, subject=f"Intro {a} {b}", referrer=referrer)
    msg.replace_header("To", broker_address)
    return msg


def asks(broker_address: str):
    local = broker_address.partition("@")[0]
    return lambda m: f"{local}+" in str(m["Reply-To"]) and m["In-Reply-To"] is None


@pytest.fixture
def daemon(brokers, tmp_path):
    b = brokers(tmp_path, extra_config=SECOND_MAILBOX)
    b.start()
    yield b
    code = b.stop()
    assert code == 0, f"broker exited with {code}:\n{b.log_text()[-4000:]}"
    assert "Traceback" not in b.log_text(), b.log_text()


def test_each_mailbox_answers_its_own_referrals_from_its_own_address(daemon):
    send(request_to(mt.BROKER, mt.REFERRER, "alice", "bob", "they both run payments teams in Lyon."))
    send(request_to(MISES, REFERRER2, "carol", "dave", "elles organisent toutes deux le meetup de Lyon.",
                    french=True))
    with mt.Mailbox("alice") as a, mt.Mailbox("bob") as b:
        [to_alice] = a.wait_for(asks(mt.BROKER))
        b.wait_for(asks(mt.BROKER))
    with mt.Mailbox("carol") as c, mt.Mailbox("dave") as d:
        [to_carol] = c.wait_for(asks(MISES))
        [to_dave] = d.wait_for(asks(MISES))
    assert to_alice["From"].addresses[0].addr_spec == mt.BROKER
    assert str(to_carol["From"]) == f"Mises en relation <{MISES}>"
    assert "Bonjour" in mt.text_of(to_carol) and "Bonjour" not in mt.text_of(to_alice)

    # Yes and yes at mises@: the introduction comes from mises@, in French.
    send(reply(to_carol, mt.address("carol"), "Oui, avec plaisir"))
    send(reply(to_dave, mt.address("dave"), "oui"))
    with mt.Mailbox("carol") as c:
        [intro] = c.wait_for(lambda m: "dave@example.test" in str(m["To"]) + str(m["Cc"]))
    assert intro["From"].addresses[0].addr_spec == MISES

    # The second mailbox's timers only: after its 4 s, Alice and Bob (top level, 1 h)
    # get no reminder; nobody at mises@ is left to remind, as both said yes.
    time.sleep(6)
    for user in ("alice", "bob"):
        with mt.Mailbox(user) as box:
            assert len(box.messages()) == 1, f"{user} got more than the consent request"
    log = daemon.log_text()
    assert f"mailbroker started for {MISES}" in log and f"[{MISES}] message uid" in log
    assert f"[{mt.BROKER}] message uid" in log


def test_a_referrer_of_one_mailbox_is_a_stranger_to_the_other(daemon):
    send(request_to(MISES, mt.REFERRER, "erin", "frank", "they both run payments teams in Lyon."))
    daemon.wait_for_log(f"[{MISES}] message uid")
    assert "not an allowed referrer" in daemon.log_text()
    for user in ("erin", "frank"):
        with mt.Mailbox(user) as box:
            assert box.messages() == []


def test_reminders_come_from_the_mailbox_and_with_the_policy_of_the_referral(daemon):
    send(request_to(MISES, REFERRER2, "carol", "dave", "elles organisent toutes deux le meetup de Lyon.",
                    french=True))
    send(request_to(mt.BROKER, mt.REFERRER, "alice", "bob", "they both run payments teams in Lyon."))
    with mt.Mailbox("carol") as c:
        c.wait_for(asks(MISES))
        # Silent for 4 s: the reminder, from mises@, in French.
        [reminder] = c.wait_for(lambda m: m["In-Reply-To"] is not None, timeout=30)
    assert reminder["From"].addresses[0].addr_spec == MISES
    with mt.Mailbox("alice") as a:
        assert len(a.wait_for(asks(mt.BROKER))) == 1
        assert len(a.messages()) == 1  # the top level reminds after an hour
