"""Two brokers at once on one mailbox and one PostgreSQL database, as an operator would run
a second instance for availability: each incoming message is handled by one of them, each
message goes out once, every referral reaches its end and every timer fires once.

The instances differ only in their directory (configuration, log); they watch the same
IMAP account and keep their state in the same schema. Both run before the mail arrives,
so both wake for it and race for every message.
"""

from __future__ import annotations

import json
import smtplib
import time
from collections import Counter, defaultdict

import pytest

from mailbroker import testing as mt

from .harness import REFERRER, Broker

pytestmark = [pytest.mark.e2e, pytest.mark.stores("postgresql")]

REFERRALS = 30
# One referrer asks for all of them: lift the caps meant for spammers.
LIMITS = """\
limits:
  referrals_per_referrer_per_day: 1000
  open_referrals_per_referrer: 1000
  messages_per_address_per_day: 1000
"""
YES = "Yes, happy to. Looking forward to it."
# What each referral whose two parties say yes sends, whoever handles what.
YES_YES = Counter({"acknowledgement": 1, "consent_request": 2, "yes_noted": 1, "introduction": 1})


def pair(k: int) -> tuple[str, str]:
    """Referral k introduces p(2k-1) to p(2k)."""
    return mt.address(mt.PARTIES[2 * k - 2]), mt.address(mt.PARTIES[2 * k - 1])


def request(k: int):
    a, b = pair(k)
    return mt.direct_request(f"Introduce: Party {2 * k - 1:03d} <{a}>\nTo: Party {2 * k:03d} <{b}>\n"
                             f"Why: they built the billing platform together at Acme in 2021 (case {k}).",
                             subject=f"Introduction {k:03d}")


def two_instances(brokers, **settings) -> tuple[Broker, Broker]:
    """Two brokers on one schema, both started and logged in before any mail comes."""
    first = brokers(log_format="json", extra_config=LIMITS, **settings)
    second = brokers(state_url=first.state_url, log_format="json", extra_config=LIMITS, **settings)
    for broker in (first, second):
        broker.start()
    for broker in (first, second):
        broker.wait_for_log("connected to IMAP")
    return first, second


def send_all(messages, sender_of) -> list[str]:
    """Send over one SMTP session, each message to its To; their Message-IDs."""
    with smtplib.SMTP(mt.HOST, mt.SMTP_PORT, timeout=30) as smtp:
        for msg in messages:
            smtp.send_message(msg, from_addr=sender_of(msg), to_addrs=[msg["To"].addresses[0].addr_spec])
    return [str(msg["Message-ID"]) for msg in messages]


def is_consent_request(m) -> bool:
    return "intro+" in str(m["Reply-To"]) and m["In-Reply-To"] is None


def consent_request_of(address: str, timeout: float = 60.0):
    with mt.Mailbox(address.split("@")[0]) as box:
        [asked] = box.wait_for(is_consent_request, timeout=timeout)
    return asked


def lines_of(broker: Broker) -> list[dict]:
    return [json.loads(line) for line in broker.log_text().splitlines() if line.startswith("{")]


def handled(broker: Broker) -> list[dict]:
    """The broker's line per incoming message it handled, "already handled" ones left out."""
    return [line for line in lines_of(broker) if line.get("event") == "message" and line.get("kind") != "duplicate"]


def wait_until(condition, timeout: float, what: str, evidence=lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while (result := condition()) is not True:
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} after {timeout:g}s: {result}\n{evidence()}")
        time.sleep(0.3)


def settle(*instances: Broker) -> None:
    for broker in instances:
        broker.settled(timeout=60)


def stop(*instances: Broker) -> None:
    for broker in instances:
        assert broker.stop() == 0, broker.log_text()[-4000:]
    for broker in instances:
        log = broker.log_text()
        assert "Traceback" not in log, log[log.index("Traceback") - 2000:][:6000]
        errors = [line for line in lines_of(broker) if line["level"] in ("error", "critical")]
        assert not errors, errors


def stuck(first: Broker, second: Broker) -> str:
    """Evidence for the first referral that did not end: its rows, and what each instance
    logged of it."""
    rows = first.query("SELECT ref, state FROM referrals WHERE state <> 'introduced' ORDER BY ref")
    if not rows:
        return ""
    ref = rows[0][0]
    parties = first.query("SELECT role, answer, answered_at, answer_message_id FROM parties WHERE ref = ? "
                          "ORDER BY role", ref)
    outbox = first.query("SELECT template, message_id, sent_at FROM outbox WHERE ref = ? ORDER BY id", ref)
    seen = first.query("SELECT message_id, fate, reason, at FROM seen WHERE ref = ? ORDER BY at", ref)
    logged = "".join(f"  {b.directory.name}: {[line['message'] for line in lines_of(b) if line.get('ref') == ref]}\n"
                     for b in (first, second))
    return (f"{len(rows)} referrals not introduced: {rows}\nthe first, {ref}:\n  parties {parties}\n"
            f"  outbox {outbox}\n  seen {seen}\n{logged}")


def test_two_instances_share_the_work_and_do_each_thing_once(brokers):
    first, second = two_instances(brokers)
    referrals = range(1, REFERRALS + 1)
    sent_to_broker = send_all([request(k) for k in referrals], lambda msg: REFERRER)
    asked = {address: consent_request_of(address) for k in referrals for address in pair(k)}
    # Both parties of a referral answer at once, one right after the other: their answers
    # lie side by side in the INBOX. Both instances go through it oldest first, and the one
    # that loses a message to the other goes on to the next while the winner files it and
    # sends what it caused: the two answers of a referral are often handled one by each
    # instance, the second reading what the first recorded.
    answers = [mt.reply(asked[address], address, YES) for k in referrals for address in pair(k)]
    sent_to_broker += send_all(answers, lambda msg: msg["From"].addresses[0].addr_spec)

    def all_introduced():
        states = Counter(state for _, state in first.query("SELECT ref, state FROM referrals"))
        return True if states == {"introduced": REFERRALS} else dict(states)

    wait_until(all_introduced, 90, "referrals not all introduced", lambda: stuck(first, second))
    settle(first, second)
    stop(first, second)

    # 1. Each incoming message was handled by exactly one of the two, and both worked.
    by_first, by_second = handled(first), handled(second)
    uids = Counter(line["uid"] for line in by_first + by_second)
    assert [uid for uid, n in uids.items() if n > 1] == [], "handled by both instances (uids)"
    assert Counter(line["message_id"] for line in by_first + by_second) == Counter(sent_to_broker)
    assert by_first and by_second, f"one instance did all the work: {len(by_first)} and {len(by_second)}"
    duplicates = sum(line.get("kind") == "duplicate" for b in (first, second) for line in lines_of(b)
                     if line.get("event") == "message")
    split = split_referrals(by_first, by_second)
    print(f"{len(by_first)} messages handled by the first instance, {len(by_second)} by the second; "
          f"{duplicates} 'already handled'; {split} referrals had their two answers handled by different instances")
    assert split, "no referral had one answer handled by each instance: the hand-over this test is for never ran"

    # 2. Every referral ended introduced, on two yeses, having sent what such a referral sends.
    parties = first.query("SELECT ref, role, answer FROM parties")
    assert all(answer == "yes" for _, _, answer in parties) and len(parties) == 2 * REFERRALS, parties
    outbox = first.query("SELECT ref, template, message_id, recipients, sent_at FROM outbox")
    templates = defaultdict(Counter)
    for ref, template, *_ in outbox:
        templates[ref][template] += 1
    wrong = {ref: dict(sent) for ref, sent in templates.items() if sent != YES_YES}
    assert len(templates) == REFERRALS and not wrong, f"expected {dict(YES_YES)} each: {wrong}"
    assert all(sent_at for *_, sent_at in outbox)

    # 3. Every mailbox holds each message meant for it exactly once, and nothing else: one
    #    consent request and one introduction for each party.
    held = read_mailboxes(2 * REFERRALS)
    expected = Counter()
    for _, _, message_id, recipients, _ in outbox:
        for recipient in json.loads(recipients):
            expected[(recipient.split("@")[0], message_id)] += 1
    got = Counter((user, str(m["Message-ID"])) for user, messages in held.items() for m in messages)
    assert got == expected, f"missing {expected - got}; extra or twice {got - expected}"
    for user, messages in held.items():
        if user == "referrer":
            continue
        assert sum(map(is_consent_request, messages)) == 1, user
        assert sum(str(m["Subject"]).startswith("Introduction: ") for m in messages) == 1, user

    # 4. Each incoming message was filed once: moved by both instances, it would be in
    #    the processed folder twice.
    with mt.Mailbox("intro") as box:
        assert box.count("INBOX") == 0
        processed = Counter(str(m["Message-ID"]) for m in box.messages("mailbroker/processed"))
        assert "mailbroker/quarantine" not in box.folders() or box.count("mailbroker/quarantine") == 0
    twice = {message_id: n for message_id, n in processed.items() if n > 1}
    assert not twice, f"{len(twice)} messages filed more than once: {moved_by_both(twice, first, second)}"
    assert processed == Counter(sent_to_broker)


def moved_by_both(twice: dict, first: Broker, second: Broker) -> str:
    """What both instances logged of the first message filed twice."""
    message_id = next(iter(twice))
    uid = next(line["uid"] for b in (first, second) for line in lines_of(b)
               if line.get("event") == "message" and line.get("message_id") == message_id)
    return f"e.g. {message_id}, uid {uid}:\n" + "".join(
        f"  {b.directory.name}: {line['time']} {line['message']}\n" for b in (first, second) for line in lines_of(b)
        if line.get("uid") == uid or f"uid {uid} " in line["message"])


def split_referrals(by_first: list[dict], by_second: list[dict]) -> int:
    """Referrals one of whose answers one instance handled, and the other the other."""
    answered_by = defaultdict(set)
    for instance, lines in enumerate((by_first, by_second)):
        for line in lines:
            if line["kind"] == "reply":
                answered_by[line["ref"]].add(instance)
    return sum(len(instances) == 2 for instances in answered_by.values())


def read_mailboxes(parties: int) -> dict[str, list]:
    held = {}
    for user in ("referrer", *mt.PARTIES[:parties]):
        with mt.Mailbox(user) as box:
            held[user] = box.messages()
    return held


def test_two_instances_send_each_reminder_once(brokers):
    """Both instances' timers fall due at the same moment for the same referrals: each
    silent party is reminded once."""
    quiet = 4
    first, second = two_instances(brokers, reminder_after="4s", poll_interval="1s")
    send_all([request(k) for k in range(1, quiet + 1)], lambda msg: REFERRER)

    def all_reminded():
        rows = first.query("SELECT ref FROM referrals WHERE reminded_at IS NOT NULL")
        return True if len(rows) == quiet else f"{len(rows)} of {quiet} reminded"

    wait_until(all_reminded, 30, "reminders not sent")
    time.sleep(3)  # several turns of both loops past the moment they fell due
    settle(first, second)
    stop(first, second)
    reminders = first.query("SELECT ref, message_id, recipients FROM outbox WHERE template = 'reminder'")
    assert len(reminders) == 2 * quiet, reminders  # to both silent parties of each referral, once
    held = read_mailboxes(2 * quiet)
    for user, messages in held.items():
        if user == "referrer":
            continue
        subjects = [str(m["Subject"]) for m in messages]
        assert sum("Reminder" in subject for subject in subjects) == 1, (user, subjects)
    reminded_by = Counter(b.directory.name for b in (first, second) for line in lines_of(b)
                          if "reminder sent" in line["message"])
    print(f"reminders sent by: {dict(reminded_by)}")
