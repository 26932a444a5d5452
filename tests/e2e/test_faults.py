"""Server faults, for real: Dovecot and Postfix stopped, restarted and hung under the
running daemon, a temporary SMTP failure, a folder whose UIDs are reset.

In each case: nothing lost, nothing handled or sent twice, back to work within seconds
of the server's return, no busy loop while the server is away (the broker's CPU time is
read from /proc), and no hang on a dead connection (every network call has a timeout).
Each test leaves the mail system as it found it, even when it fails.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter

import pytest
from imapclient.exceptions import IMAPClientError

from mailbroker import testing as mt

from .harness import REFERRER, brokers, mail_system_restored  # noqa: F401 - fixtures (the second autouse)

pytestmark = pytest.mark.e2e

OUTAGE = 10.0  # seconds a server stays away
# CPU the broker may use while a server is away for OUTAGE seconds: a busy loop would
# burn all of them; waking up every few seconds to probe costs milliseconds.
IDLE_CPU = 0.5
RESUME = 7.0  # seconds within which the broker is back at work after the server's return
LIMITS = """\
limits:
  referrals_per_referrer_per_day: 1000
  open_referrals_per_referrer: 1000
  messages_per_address_per_day: 1000
"""


def pair(k: int) -> tuple[str, str]:
    return mt.PARTIES[2 * k - 2], mt.PARTIES[2 * k - 1]


def request(k: int):
    a, b = pair(k)
    return mt.direct_request(f"Introduce: Party {a} <{mt.address(a)}>\nTo: Party {b} <{mt.address(b)}>\n"
                             f"Why: they ran the billing platform together at Acme (case {k}).",
                             subject=f"Introduction {k:03d}")


def is_consent_request(m) -> bool:
    return "intro+" in str(m["Reply-To"]) and m["In-Reply-To"] is None


def message_ids(user: str, folder: str = "INBOX") -> Counter:
    with mt.Mailbox(user) as box:
        if not box.client.folder_exists(folder):
            return Counter()
        return Counter(str(m["Message-ID"]) for m in box.messages(folder))


def assert_sent_once(broker, held: Counter, user: str) -> None:
    """Each message `user` holds was sent to them once by the broker. A second copy in
    the mailbox is allowed only when the broker's log shows it sent the message to them
    once: then the mail system delivered it twice (Dovecot stopped with "421 Shutting
    down" after taking it, and Postfix tried again), which no sender can prevent."""
    lines = broker.log_text().splitlines()
    address = mt.address(user)
    for message_id, copies in held.items():
        sends = sum(1 for line in lines if f"sent {message_id} for " in line and address in line.split(" to ", 1)[-1])
        assert sends == 1, f"{user} holds {message_id} {copies} time(s); the broker sent it {sends} time(s)"


def assert_each_referral_once(broker, ks, sent_ids):
    """Each request became exactly one referral whose parties got exactly one consent
    request each, the referrer one acknowledgement each; each message sent to the broker
    was handled once and is in the processed folder, and none is left in the INBOX."""
    broker.settled(timeout=40)
    for k in ks:
        for user in pair(k):
            with mt.Mailbox(user) as box:
                asks = box.wait_for(is_consent_request, timeout=20)
                held = Counter(str(m["Message-ID"]) for m in box.messages())
            assert len({str(m["Message-ID"]) for m in asks}) == 1, f"{user} got {len(asks)} consent requests"
            assert_sent_once(broker, held, user)
    assert_sent_once(broker, message_ids("referrer"), "referrer")
    assert broker.query("SELECT COUNT(*) FROM referrals")[0][0] == len(ks)
    assert broker.query("SELECT COUNT(*) FROM seen")[0][0] == len(sent_ids)  # each handled once
    processed = message_ids("intro", "mailbroker/processed")
    assert set(processed) == set(sent_ids)
    # A second copy in the processed folder can only come from a MOVE that the server
    # reported failed after copying (its index vanished mid-command): the message is then
    # found again in the INBOX, recognised ("already handled"), and filed again. Not
    # lost, not handled twice; the broker deletes nothing, so the copy stays.
    extra = sum(processed.values()) - len(sent_ids)
    assert extra <= broker.log_text().count("already handled"), processed
    with mt.Mailbox("intro") as box:
        assert box.count("INBOX") == 0


def cpu_over(broker, seconds: float) -> float:
    before = broker.cpu_seconds()
    time.sleep(seconds)
    return broker.cpu_seconds() - before


def log_offset(broker) -> int:
    return len(broker.log_text())


# --- IMAP server ---------------------------------------------------------------------------


def test_dovecot_restarted_mid_run(brokers):  # noqa: F811
    """Dovecot stops while the broker works through a burst of requests; mail keeps
    arriving meanwhile (Postfix holds it). Once Dovecot is back the broker reconnects
    within seconds and finishes, having lost nothing and handled nothing twice."""
    broker = brokers(imap_timeout="5s").start()
    broker.wait_for_log("connected to IMAP")
    sent = []
    for k in range(1, 11):
        msg = request(k)
        mt.submit(msg)
        sent.append(str(msg["Message-ID"]))
    broker.wait_for_log("started by referrer")  # it is at work: pull the server from under it
    mt.mailsystem("stop-dovecot")
    down = log_offset(broker)
    for k in range(11, 16):  # arrives while Dovecot is down: Postfix keeps it queued
        msg = request(k)
        mt.submit(msg)
        sent.append(str(msg["Message-ID"]))
    cpu = cpu_over(broker, OUTAGE)
    assert "IMAP unavailable" in broker.log_text()[down - 2000:]
    mt.mailsystem("start-dovecot")
    back = time.monotonic()
    reconnected = broker.wait_for_log("connected to IMAP", timeout=RESUME + 5, after=down)
    assert reconnected - back <= RESUME, f"reconnected {reconnected - back:.1f} s after Dovecot came back"
    assert cpu < IDLE_CPU, f"the broker used {cpu:.2f} s of CPU in {OUTAGE:g} s without IMAP"
    assert_each_referral_once(broker, range(1, 16), sent)
    assert broker.stop() == 0
    print(f"Dovecot down {OUTAGE:g} s: broker CPU {cpu:.3f} s, reconnected {reconnected - back:.1f} s after its return")


def test_hung_dovecot_times_out_and_recovers(brokers):  # noqa: F811
    """Dovecot frozen (SIGSTOP): its port still accepts connections and then nothing
    answers. The broker's IMAP calls time out (imap.timeout) instead of hanging, it
    keeps retrying without spinning, and goes on as soon as Dovecot answers again."""
    broker = brokers(imap_timeout="2s", poll_interval="1s").start()
    broker.wait_for_log("connected to IMAP")
    frozen = log_offset(broker)
    mt.mailsystem("pause-dovecot")
    try:
        broker.wait_for_log("IMAP unavailable", timeout=10, after=frozen)  # 1 s IDLE + 2 s timeout
        cpu = cpu_over(broker, OUTAGE)
    finally:
        mt.mailsystem("resume-dovecot")
    thawed = log_offset(broker)
    broker.wait_for_log("connected to IMAP", timeout=RESUME + 2, after=thawed)
    assert cpu < IDLE_CPU, f"the broker used {cpu:.2f} s of CPU in {OUTAGE:g} s with IMAP hung"
    assert "Timeout" in broker.log_text()[frozen:] or "timed out" in broker.log_text()[frozen:]
    msg = request(1)
    mt.submit(msg)
    assert_each_referral_once(broker, [1], [str(msg["Message-ID"])])
    assert broker.stop() == 0


def test_uidvalidity_change_loses_nothing_and_handles_nothing_twice(brokers):  # noqa: F811
    """The watched folder's UIDs are reset under a new UIDVALIDITY, twice, while requests
    arrive and the broker is handling them: Dovecot ends the broker's session, the broker
    reconnects and rescans, and every message is handled exactly once."""
    broker = brokers(extra_config=LIMITS).start()
    broker.wait_for_log("connected to IMAP")
    sent = []
    handled = 0
    for burst in (range(1, 26), range(26, 51)):
        messages = [request(k) for k in burst]
        append_all(messages)  # straight into the folder, so that they are there at once
        sent += [str(msg["Message-ID"]) for msg in messages]
        # Renumber while the broker is handling them: it has fetched them by their old UIDs.
        broker.wait_for_log("message uid", after=handled)
        mt.mailsystem("renumber", "intro")
        handled = log_offset(broker)
    assert_each_referral_once(broker, range(1, 51), sent)
    assert broker.log_text().count("connected to IMAP") >= 2  # the session was indeed ended
    assert broker.stop() == 0


def append_all(messages) -> None:
    """APPEND to the broker's INBOX; Dovecot may refuse while it rebuilds the folder
    ("Mailbox was deleted under us"): then again, in a new session."""
    todo = list(messages)
    for _ in range(20):
        try:
            with mt.Mailbox("intro") as box:
                while todo:
                    box.append("INBOX", bytes(todo[0]))
                    todo.pop(0)
            return
        except IMAPClientError:
            time.sleep(0.2)
    raise AssertionError("could not append to the INBOX")


# --- SMTP server ---------------------------------------------------------------------------


def append_request(k: int):
    """Put a request straight into the broker's INBOX over IMAP: no SMTP involved."""
    msg = request(k)
    with mt.Mailbox("intro") as box:
        box.append("INBOX", bytes(msg))
    return str(msg["Message-ID"])


def test_postfix_stopped_then_back(brokers):  # noqa: F811
    """Postfix stopped: connection refused. The broker keeps reading mail and queueing
    its answers, probes the server every few seconds without spinning, and sends
    everything within seconds of the server's return, nothing twice."""
    broker = brokers(poll_interval="2s").start()
    broker.wait_for_log("connected to IMAP")
    mt.mailsystem("stop-postfix")
    down = log_offset(broker)
    sent = [append_request(k) for k in range(1, 6)]
    broker.wait_for_log("SMTP unavailable", after=down)
    cpu = cpu_over(broker, OUTAGE)
    assert broker.outbox_pending() == 15  # an acknowledgement and two consent requests each
    probes = broker.log_text()[down:].count("SMTP still unavailable")
    mt.mailsystem("start-postfix")
    back = time.monotonic()
    deadline = back + RESUME + 5
    while broker.outbox_pending() and time.monotonic() < deadline:
        time.sleep(0.1)
    resumed = time.monotonic() - back
    assert broker.outbox_pending() == 0, broker.log_text()[down:][-3000:]
    assert resumed <= RESUME, f"the outbox was sent {resumed:.1f} s after Postfix came back"
    assert cpu < IDLE_CPU, f"the broker used {cpu:.2f} s of CPU in {OUTAGE:g} s without SMTP"
    assert 1 <= probes <= OUTAGE / 1 + 1, f"{probes} probes in {OUTAGE:g} s"
    assert_each_referral_once(broker, range(1, 6), sent)
    attempts = broker.query("SELECT MAX(attempts) FROM outbox")[0][0]
    assert attempts == 1, "an outage is not charged to the messages"
    assert broker.stop() == 0
    print(f"Postfix down {OUTAGE:g} s: broker CPU {cpu:.3f} s, {probes} probes, outbox sent {resumed:.1f} s "
          "after its return")


def test_hung_postfix_times_out_and_recovers(brokers):  # noqa: F811
    """Postfix frozen: the SMTP connection is accepted and then nothing answers. The
    broker gives up after smtp.timeout instead of hanging, still reads its mail, and
    sends as soon as Postfix answers again."""
    broker = brokers(smtp_timeout="2s", poll_interval="2s").start()
    broker.wait_for_log("connected to IMAP")
    frozen = log_offset(broker)
    mt.mailsystem("pause-postfix")
    try:
        sent = [append_request(1)]
        broker.wait_for_log("SMTP unavailable", timeout=10, after=frozen)
        assert broker.wait_for_log("started by referrer", after=frozen)  # IMAP work goes on
        cpu = cpu_over(broker, OUTAGE / 2)
    finally:
        mt.mailsystem("resume-postfix")
    assert cpu < IDLE_CPU, f"the broker used {cpu:.2f} s of CPU with SMTP hung"
    assert "Timeout" in broker.log_text()[frozen:]
    assert_each_referral_once(broker, [1], sent)
    assert broker.stop() == 0


def test_temporary_failure_is_retried_with_backoff_until_delivered(brokers):  # noqa: F811
    """450 at RCPT for one party (mailsystem tempfail on): that consent request is
    retried after 5 s, then 10 s …; the other party's goes out at once; when the
    condition lifts, the deferred one is delivered, once."""
    broker = brokers().start()
    tempfail = mt.address(mt.TEMPFAIL)
    mt.submit(mt.direct_request(f"Introduce: Alice Martin <{mt.address('alice')}>\nTo: Tess Fail <{tempfail}>\n"
                                "Why: they ran the billing platform together at Acme."))
    with mt.Mailbox("alice") as box:
        box.wait_for(is_consent_request)
    first = broker.wait_for_log("will be retried")
    second = broker.wait_for_log("will be retried", timeout=15,
                                 after=broker.log_text().index("will be retried") + 20)
    assert second - first >= 4, f"retried after {second - first:.1f} s: no backoff"
    assert "450" in broker.log_text()
    mt.mailsystem("tempfail", "off")
    with mt.Mailbox(mt.TEMPFAIL) as box:
        [ask] = box.wait_for(is_consent_request, timeout=15)  # the next retry, 10 s after the second
    broker.settled()
    assert sum(message_ids(mt.TEMPFAIL).values()) == 1
    assert sum(message_ids("alice").values()) == 1
    [(attempts, error)] = broker.query("SELECT attempts, last_error FROM outbox WHERE recipients LIKE ?",
                                       f'%{tempfail}%')
    assert attempts == 3 and "450" in error
    assert broker.stop() == 0


def test_a_recipient_deferred_among_several_still_gets_the_message(brokers):  # noqa: F811
    """The introduction goes to both parties with the referrer in copy; the server takes
    it for two of them and defers the third (450). Those two get it once, the third gets
    it when the condition lifts: a partial acceptance is not a success."""
    mt.mailsystem("tempfail", "off")
    broker = brokers().start()
    tempfail = mt.address(mt.TEMPFAIL)
    mt.submit(mt.direct_request(f"Introduce: Alice Martin <{mt.address('alice')}>\nTo: Tess Fail <{tempfail}>\n"
                                "Why: they ran the billing platform together at Acme."))
    with mt.Mailbox("alice") as a, mt.Mailbox(mt.TEMPFAIL) as t:
        [to_alice] = a.wait_for(is_consent_request)
        [to_tess] = t.wait_for(is_consent_request)
    mt.submit(mt.reply(to_tess, tempfail, "Yes, happy to."))
    with mt.Mailbox(mt.TEMPFAIL) as t:
        t.wait_for(lambda m: "Re: Introduction to" in str(m["Subject"]))
    mt.mailsystem("tempfail", "on")
    mt.submit(mt.reply(to_alice, mt.address("alice"), "Yes please."))
    with mt.Mailbox("alice") as a, mt.Mailbox("referrer") as r:
        [intro] = a.wait_for(lambda m: "Introduction: " in str(m["Subject"]))
        r.wait_for(lambda m: "Introduction: " in str(m["Subject"]))
    broker.wait_for_log("accepted for some recipients only")
    [(recipients,)] = broker.query("SELECT recipients FROM outbox WHERE template = 'introduction'")
    assert json.loads(recipients) == [tempfail]  # only the deferred one is left to do
    mt.mailsystem("tempfail", "off")
    with mt.Mailbox(mt.TEMPFAIL) as t:
        [got] = t.wait_for(lambda m: "Introduction: " in str(m["Subject"]), timeout=15)
    assert got["Message-ID"] == intro["Message-ID"]
    broker.settled()
    for user in ("alice", mt.TEMPFAIL, "referrer"):
        assert max(message_ids(user).values()) == 1, user
    assert broker.stop() == 0


# --- the database ---------------------------------------------------------------------------


@pytest.mark.stores("postgresql")
def test_the_database_stopped_then_back(brokers):  # noqa: F811
    """PostgreSQL goes away under the running daemon while requests keep coming: the
    broker says so, does not spin, loses nothing (the mail waits in the INBOX, the
    outbox in the database), and handles everything, once, when the database is back."""
    broker = brokers(extra_config=LIMITS).start()
    mt.submit(request(1))
    with mt.Mailbox(pair(1)[0]) as box:
        box.wait_for(is_consent_request)
    broker.settled()
    mt.postgres("stop")
    try:
        cpu = broker.cpu_seconds()
        for k in range(2, 5):
            mt.submit(request(k))
        broker.wait_for_log("cannot write the state database")
        time.sleep(OUTAGE)
        assert broker.cpu_seconds() - cpu < IDLE_CPU, "busy loop while the database was away"
    finally:
        mt.postgres("start")
    back = time.monotonic()
    for k in range(1, 5):
        for user in pair(k):
            with mt.Mailbox(user) as box:
                box.wait_for(is_consent_request, timeout=30)
    assert time.monotonic() - back < 3 * RESUME
    broker.wait_for_log("the state database is writable again")
    broker.settled()
    for k in range(1, 5):
        for user in pair(k):
            assert_sent_once(broker, message_ids(user), user)
    assert broker.stop() == 0
    assert "Traceback" not in broker.log_text()


# --- the disk ------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB file system of its own for the state database, so a test can fill it."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"a small file system is needed (mount as root): {mounted.stderr.strip()}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk) -> None:
    """Write until the file system says it is full. Unbuffered: a buffered file would
    try again to write what did not fit when it is closed, and fail there."""
    with open(disk / "filler", "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        except OSError:
            pass


def test_a_full_disk_loses_nothing_and_the_broker_resumes_when_space_returns(brokers, small_disk):  # noqa: F811
    """The state database cannot be written: the broker keeps running, says so in its
    log, touches nothing (the request stays in the INBOX), retries with backoff, and
    handles the request once space is back."""
    broker = brokers(state_path=str(small_disk / "state.sqlite3"), extra_config=LIMITS).start()
    broker.wait_for_log("connected to IMAP")
    fill(small_disk)
    full = log_offset(broker)
    msg = request(1)
    mt.submit(msg)
    broker.wait_for_log("cannot write the state database", after=full)
    cpu = cpu_over(broker, 3.0)
    assert broker.process.poll() is None, "the broker died of a full disk"
    with mt.Mailbox("intro") as box:
        assert box.count("INBOX") == 1  # not moved, not lost
    for user in pair(1):
        assert message_ids(user) == Counter(), f"{user} was written to while nothing could be recorded"
    (small_disk / "filler").unlink()
    assert_each_referral_once(broker, [1], [str(msg["Message-ID"])])
    assert "the state database is writable again" in broker.log_text()
    assert cpu < IDLE_CPU, f"the broker used {cpu:.2f} s of CPU in 3 s while the disk was full"
    assert broker.stop() == 0
