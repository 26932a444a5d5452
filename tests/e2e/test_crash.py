"""Crash safety, proven against the real mail system: the real daemon is killed with
SIGKILL at random moments, many times, while a hundred referrals go through it.

What must hold at the end (ARCHITECTURE.md, invariants 1 to 3):

- every referral reached its right outcome (state file and mailboxes agree);
- no incoming message was lost: each one the test sent to the broker is in the
  processed (or quarantine) folder exactly once, and none is left in the INBOX;
- no introduction went out without two yeses, in any mailbox;
- every outgoing message reached every one of its recipients (sent at least once);
- a message delivered twice (same Message-ID) happened only because the process was
  killed between the SMTP server's acceptance and the commit that marks it sent: the
  broker's log shows that life of the process ending on "sending <id>" with no "sent
  <id>" after it.

The randomness (who answers what, when each kill falls) comes from one seed, printed
and set with MAILBROKER_TEST_SEED=… to replay a failure. The seed fixes the scenario
and the kill delays; the exact interleaving with the servers still varies a little.
"""

from __future__ import annotations

import json
import os
import random
import re
import smtplib
import threading
import time
from collections import Counter, defaultdict
from email.message import EmailMessage

import pytest

from mailbroker import testing as mt
from mailbroker.daemon import CRASH_ENV
from mailbroker.engine import MAX_ATTEMPTS

from .harness import MARK, REFERRER, STORES, Broker, brokers  # noqa: F401 - fixture

pytestmark = pytest.mark.e2e

REFERRALS = 100
MIN_KILLS = 25
KILL_AFTER = (0.2, 2.5)  # seconds of life given to each broker process, uniformly drawn
# One referrer asks for all of them, and gets an acknowledgement for each: lift the caps.
LIMITS = """\
limits:
  referrals_per_referrer_per_day: 1000
  open_referrals_per_referrer: 1000
  messages_per_address_per_day: 1000
"""
YES, NO = "Yes, happy to. Looking forward to it.", "No thanks, not at the moment."
EXPECTED = {"yes-yes": "introduced", "yes-no": "declined", "silent": "pending", "one-yes": "pending"}


def seed() -> int:
    value = int(os.environ.get("MAILBROKER_TEST_SEED") or random.SystemRandom().randrange(2**32))
    print(f"\nMAILBROKER_TEST_SEED={value}")
    return value


def party(n: int) -> str:
    return mt.address(mt.PARTIES[n - 1])


class Scenario:
    """Referral k introduces p(2k-1) to p(2k); what each of them answers."""

    def __init__(self, rng: random.Random):
        kinds = ["yes-yes"] * 70 + ["yes-no"] * 15 + ["silent"] * 8 + ["one-yes"] * 7
        assert len(kinds) == REFERRALS
        rng.shuffle(kinds)
        self.kind = dict(enumerate(kinds, start=1))
        self.answers: dict[str, str] = {}  # address -> answer text, for those who answer
        for k, kind in self.kind.items():
            a, b = party(2 * k - 1), party(2 * k)
            if kind == "yes-yes":
                self.answers[a] = self.answers[b] = YES
            elif kind == "yes-no":
                no = rng.choice((a, b))
                self.answers[a] = self.answers[b] = YES
                self.answers[no] = NO
            elif kind == "one-yes":
                self.answers[rng.choice((a, b))] = YES

    def pair(self, k: int) -> tuple[str, str]:
        return party(2 * k - 1), party(2 * k)

    def request(self, k: int) -> EmailMessage:
        a, b = self.pair(k)
        return mt.direct_request(f"Introduce: Party {2 * k - 1:03d} <{a}>\nTo: Party {2 * k:03d} <{b}>\n"
                                 f"Why: they built the billing platform together at Acme in 2021 (case {k}).",
                                 subject=f"Introduction {k:03d}")


class Killer(threading.Thread):
    """Kills the broker with SIGKILL after a random time, restarts it at once, again and
    again until told to stop and at least `minimum` kills were made."""

    def __init__(self, broker: Broker, rng: random.Random, minimum: int):
        super().__init__(daemon=True)
        self.broker, self.rng, self.minimum = broker, rng, minimum
        self.done = threading.Event()
        self.abort = threading.Event()
        self.error: BaseException | None = None
        self.exit_codes: Counter = Counter()

    def run(self) -> None:
        try:
            while not (self.done.is_set() and self.broker.kills >= self.minimum):
                if self.abort.wait(self.rng.uniform(*KILL_AFTER)):
                    return
                code = self.broker.process.poll()
                assert code is None, f"the broker died by itself (exit {code}):\n{self.broker.log_text()[-4000:]}"
                self.exit_codes[self.broker.kill()] += 1
                self.broker.start()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.error = error


def answer_consent_requests(scenario: Scenario, sent_to_broker: list[str], replies: dict, deadline: float,
                            killer: Killer) -> None:
    """Each party who answers waits for their consent request, then replies to it, as a
    person would; parties are visited in random order, again and again."""
    waiting = dict(scenario.answers)
    rng = random.Random(len(waiting))
    with smtplib.SMTP(mt.HOST, mt.SMTP_PORT, timeout=30) as smtp:
        while waiting:
            assert time.monotonic() < deadline, f"{len(waiting)} parties never got their consent request"
            assert killer.error is None, killer.error
            for address in rng.sample(sorted(waiting), len(waiting)):
                with mt.Mailbox(address.split("@")[0]) as box:
                    asks = [m for m in box.messages() if "intro+" in str(m["Reply-To"]) and m["In-Reply-To"] is None]
                if not asks:
                    continue
                text = waiting.pop(address)
                answer = mt.reply(asks[0], address, text)
                smtp.send_message(answer, from_addr=address, to_addrs=[str(asks[0]["Reply-To"].addresses[0].addr_spec)])
                sent_to_broker.append(str(answer["Message-ID"]))
                replies[str(answer["Message-ID"])] = ((mt.PARTIES.index(address.split("@")[0]) + 2) // 2, text)
            time.sleep(0.3)


def wait_until(condition, timeout: float, what: str, interval: float = 0.3):
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result is True:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} after {timeout:g}s: {result}")
        time.sleep(interval)


def lives(log: str) -> list[str]:
    """The broker's log cut into the lives of the process, each ending with how it ended."""
    return [part for part in log.split(f"{MARK}START ")[1:]]


@pytest.mark.stores(*STORES)  # a seed on each store per run: SQLite's file, PostgreSQL's transactions
def test_sigkill_at_random_moments_loses_nothing(brokers):  # noqa: F811
    value = seed()
    rng = random.Random(value)
    scenario = Scenario(rng)
    broker = brokers(extra_config=LIMITS)
    sent_to_broker: list[str] = []  # Message-IDs of everything sent to the broker
    replies: dict[str, tuple[int, str]] = {}  # Message-ID of a reply -> (referral number, text)
    started = time.monotonic()

    broker.start()
    killer = Killer(broker, random.Random(rng.random()), MIN_KILLS)
    killer.start()
    try:
        with smtplib.SMTP(mt.HOST, mt.SMTP_PORT, timeout=30) as smtp:
            for k in range(1, REFERRALS + 1):
                request = scenario.request(k)
                smtp.send_message(request, from_addr=REFERRER, to_addrs=[mt.BROKER])
                sent_to_broker.append(str(request["Message-ID"]))
        # On PostgreSQL a message a killed broker had claimed waits for its 60 s lease, and
        # the killing goes on meanwhile: on a busy two-core machine this takes minutes.
        answer_consent_requests(scenario, sent_to_broker, replies, time.monotonic() + 240, killer)
    except BaseException:
        killer.abort.set()
        raise
    finally:
        killer.done.set()
        killer.join(timeout=60)
    assert killer.error is None, f"seed {value}: {killer.error}"
    assert not killer.is_alive()
    killing_time = time.monotonic() - started

    # The last life of the broker finishes the work in peace.
    def states():
        rows = broker.query("SELECT p.address, r.state FROM referrals r JOIN parties p ON p.ref = r.ref "
                            "AND p.role = 'requester'")
        by_requester = dict(rows)
        wrong = {k: (by_requester.get(scenario.pair(k)[0]), EXPECTED[kind]) for k, kind in scenario.kind.items()
                 if by_requester.get(scenario.pair(k)[0]) != EXPECTED[kind]}
        return True if not wrong else f"{len(wrong)} referrals not in their expected state, e.g. {list(wrong.items())[:5]}"

    wait_until(states, 60, f"seed {value}: referrals unsettled")
    broker.settled(timeout=60)
    outbox = broker.query("SELECT message_id, template, ref, recipients, sent_at, failed_at FROM outbox")

    def delivered():
        mailboxes = read_mailboxes()
        missing = [(mid, r) for mid, _, _, recipients, _, _ in outbox for r in recipients_of(recipients)
                   if mid not in mailboxes[r.split("@")[0]]]
        return True if not missing else f"{len(missing)} (message, recipient) not delivered, e.g. {missing[:3]}"

    wait_until(delivered, 30, f"seed {value}: messages not delivered", interval=1.0)
    assert broker.stop() == 0, broker.log_text()[-4000:]
    log = broker.log_text()
    print(f"{broker.kills} kills in {killing_time:.0f} s, {broker.starts} starts")

    # 1. Every referral: exactly one per pair, in its expected state (checked above).
    referrals = broker.query("SELECT ref, state FROM referrals")
    assert len(referrals) == REFERRALS, f"seed {value}: {len(referrals)} referrals"
    state_of = dict(referrals)

    # 2. Every incoming message: moved exactly once, none left in the INBOX. Quarantine
    #    holds only what belongs there: a yes that came after the other party's no.
    with mt.Mailbox("intro") as box:
        assert box.count("INBOX") == 0, f"seed {value}: messages left in the INBOX"
        processed = Counter(str(m["Message-ID"]) for m in box.messages("mailbroker/processed"))
        quarantined = Counter(str(m["Message-ID"]) for m in box.messages("mailbroker/quarantine")) \
            if "mailbroker/quarantine" in box.folders() else Counter()
    assert processed + quarantined == Counter(sent_to_broker), f"seed {value}: the folders differ from what was sent"
    late_yes = {mid for mid, (k, text) in replies.items() if scenario.kind[k] == "yes-no" and text == YES}
    assert set(quarantined) <= late_yes, f"seed {value}: quarantined {set(quarantined) - late_yes}"
    print(f"{len(sent_to_broker)} messages sent to the broker: {sum(processed.values())} processed, "
          f"{sum(quarantined.values())} quarantined (a yes after the other's no), 0 left in the INBOX")

    # 3. Every mailbox: what it holds was queued by the broker for it; no introduction
    #    without two yeses; each message of the outbox reached each of its recipients.
    by_id = {mid: (template, ref, recipients_of(recipients), sent_at, failed_at)
             for mid, template, ref, recipients, sent_at, failed_at in outbox}
    assert all(sent_at and not failed_at for _, _, _, sent_at, failed_at in by_id.values()), f"seed {value}"
    mailboxes = read_mailboxes()
    duplicates: set[str] = set()
    introductions: dict[str, set[str]] = defaultdict(set)
    for user, held in mailboxes.items():
        for mid, count in held.items():
            assert mid in by_id, f"seed {value}: {user} got {mid}, which the broker never queued"
            template, ref, recipients, _, _ = by_id[mid]
            assert mt.address(user) in recipients, f"seed {value}: {user} got {mid} meant for {recipients}"
            if count > 1:
                duplicates.add(mid)
            if template == "introduction":
                introductions[ref].add(user)
    answers = dict(broker.query("SELECT ref || ':' || role, answer FROM parties"))
    for ref in introductions:
        assert state_of[ref] == "introduced", f"seed {value}: introduction for {ref} in state {state_of[ref]}"
        assert answers[f"{ref}:requester"] == answers[f"{ref}:target"] == "yes", f"seed {value}: {ref}"
    yes_yes = sum(kind == "yes-yes" for kind in scenario.kind.values())
    assert len(introductions) == yes_yes, f"seed {value}: {len(introductions)} introductions for {yes_yes} yes-yes"
    for ref, users in introductions.items():
        assert len(users) == 3, f"seed {value}: introduction {ref} reached only {users}"
    for mid, (_, _, recipients, _, _) in by_id.items():
        for r in recipients:
            assert mid in mailboxes[r.split("@")[0]], f"seed {value}: {mid} never reached {r}"

    # 4. What each referral sent fits its outcome: acknowledgement and two consent
    #    requests for all; the introduction after two yeses; the referrer told of a no.
    templates = defaultdict(Counter)
    for template, ref, *_ in by_id.values():
        templates[ref][template] += 1
    ref_of = dict(broker.query("SELECT p.address, r.ref FROM referrals r JOIN parties p ON p.ref = r.ref "
                               "AND p.role = 'requester'"))
    for k, kind in scenario.kind.items():
        sent = templates[ref_of[scenario.pair(k)[0]]]
        assert sent["acknowledgement"] == 1 and sent["consent_request"] == 2, f"seed {value}: {k} {kind} {sent}"
        assert sent["introduction"] == (kind == "yes-yes"), f"seed {value}: {k} {kind} {sent}"
        assert sent["declined"] == (kind == "yes-no"), f"seed {value}: {k} {kind} {sent}"

    # 5. Each duplicate is explained by a kill between the server's 250 and the commit.
    unexplained = [mid for mid in duplicates if not killed_while_sending(log, mid)]
    assert not unexplained, f"seed {value}: duplicates not explained by a kill: {unexplained}"
    print(f"{len(by_id)} messages sent by the broker; {len(duplicates)} delivered twice, each after a kill "
          f"between the server's acceptance and the commit: {sorted(duplicates)}")


def recipients_of(json_text: str) -> list[str]:
    return json.loads(json_text)


def read_mailboxes() -> dict[str, Counter]:
    """Message-IDs in the INBOX of the referrer and of every numbered party, counted."""
    held = {}
    for user in ("referrer", *mt.PARTIES):
        with mt.Mailbox(user) as box:
            held[user] = Counter(str(m["Message-ID"]) for m in box.messages())
    return held


#: The loggers of the sending thread (sending.py), which sends one message at a time.
SENDING_THREAD = (" mailbroker.sender: ", " mailbroker.sending: ")


def killed_while_sending(log: str, message_id: str) -> bool:
    """Some life of the broker logged "sending <id>", then neither "sent <id>" nor any
    other line of the sending thread: it was SIGKILLed in the window between handing
    the message to the server and committing that it was sent. (The mailbox's loop
    logs on meanwhile, in its own thread.)"""
    for life in lives(log):
        lines = [line for line in life.splitlines()[1:] if not line.startswith(MARK)]
        if not lines or f"{MARK}KILLED" not in life:
            continue
        sending = [i for i, line in enumerate(lines) if re.search(rf"sending {re.escape(message_id)} ", line)]
        if sending and not any(logger in line for line in lines[sending[-1] + 1:] for logger in SENDING_THREAD):
            return True
    return False


# --- a message that crashes the broker ----------------------------------------------------


def test_a_message_that_keeps_crashing_the_broker_is_quarantined(brokers):  # noqa: F811
    """Reading this message kills the process (the test hook CRASH_ENV stands for a
    parser bug that segfaults or eats all memory). Restarted each time, as systemd
    would, the broker tries it MAX_ATTEMPTS times, then sets it aside in quarantine
    unread, and the mail behind it goes on."""
    broker = brokers(env={CRASH_ENV: "X-Crash-Me: please"})
    poison = mt.direct_request("Introduce: Alice <alice@example.test>\nTo: Bob <bob@example.test>\n"
                               "Why: they built the billing platform together at Acme.", subject="Poison")
    poison["X-Crash-Me"] = "please"
    mt.submit(poison)
    mt.submit(mt.direct_request("Introduce: Carol <carol@example.test>\nTo: Dave <dave@example.test>\n"
                                "Why: they both organise the Lyon meetup.", subject="Healthy"))
    with mt.Mailbox("intro") as box:
        box.wait_for(count=2)
    crashes = 0
    broker.start()
    deadline = time.monotonic() + 60
    with mt.Mailbox("intro") as box:
        while box.count("INBOX") > 0:  # restarted after each crash, as systemd would
            assert time.monotonic() < deadline, broker.log_text()[-3000:]
            code = broker.wait_exit(timeout=0.2)
            if code is not None:
                assert code == -9, f"the broker died of something else (exit {code}):\n{broker.log_text()[-3000:]}"
                crashes += 1
                assert crashes <= MAX_ATTEMPTS, broker.log_text()[-3000:]
                broker.start()
        [set_aside] = box.wait_for(folder="mailbroker/quarantine")
        [healthy] = box.wait_for(folder="mailbroker/processed")
    assert crashes == MAX_ATTEMPTS
    assert set_aside["Message-ID"] == poison["Message-ID"]
    assert healthy["Subject"] == "Healthy"
    with mt.Mailbox("dave") as box:
        box.wait_for()  # the healthy request went on
    broker.settled()
    assert broker.stop() == 0
    assert f"handling failed {MAX_ATTEMPTS} times" in broker.log_text()
    for user in ("alice", "bob"):  # nothing was sent for the poison
        with mt.Mailbox(user) as box:
            assert box.messages() == []
