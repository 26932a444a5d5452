"""Latency at a steady rate and throughput on a backlog, for the broker and for the bare
loop, against the real mail system.

Latency: referrals are delivered into the broker's INBOX one by one at a steady rate;
each one's latency runs from its delivery (LMTP's 250) to the later of its two consent
requests landing in the parties' maildirs. Then each party answers yes, the first yes of
every referral first, then the last ones at the same rate; the second latency runs from
the last yes's delivery to the introduction landing in all three mailboxes.

Throughput: the referrals are delivered while nothing reads the mailbox; the clock starts
when the process is started and stops when the last consent request lands.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mailbroker import testing as mt

from . import mail

ROOT = Path(__file__).resolve().parent.parent


def deliver_requests(count: int, rate: float | None, pairs: list[tuple[str, str]]) -> dict[str, float]:
    """Deliver `count` requests into the broker's INBOX, `rate` per second (None: as fast
    as LMTP takes them); returns {Message-ID: delivery time}."""
    lmtp = mail.Lmtp()
    delivered: dict[str, float] = {}
    started = time.time()
    try:
        for k in range(count):
            if rate:
                _sleep_until(started + k / rate)
            message_id, raw = mail.request_bytes(k, pairs[k])
            delivered[message_id] = lmtp.deliver(raw, mt.REFERRER, mt.BROKER)
    finally:
        lmtp.close()
    return delivered


def _sleep_until(moment: float) -> None:
    delay = moment - time.time()
    if delay > 0:
        time.sleep(delay)


# --- who reads the broker's mailbox -----------------------------------------------------


class BrokerSubject:
    """The real daemon, with a fresh state."""

    name = "broker"

    def __init__(self, directory: Path):
        self.process = mail.broker(directory)

    def start(self) -> float:
        started = time.time()
        self.process.start()
        return started

    def wait_ready(self) -> None:
        mail.wait_connected(self.process)

    @property
    def pid(self) -> int:
        return self.process.process.pid

    def stop(self) -> None:
        self.process.stop()

    def check(self) -> None:
        process = self.process.process
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the broker died (exit {process.returncode}); its log ends:\n"
                               f"{self.process.log_text()[-3000:]}")

    def request_of(self) -> dict[str, str]:
        """{consent request's reply token: Message-ID of the request it came from}."""
        rows = self.process.query("SELECT p.token, r.request_message_id FROM parties p JOIN referrals r USING (ref)")
        return {token: message_id for token, message_id in rows}

    def origin(self, arrival: mail.Arrival, tokens: dict[str, str]) -> str | None:
        reply_to = str(arrival.headers.get("Reply-To", ""))
        token = reply_to.partition("intro+")[2].partition("@")[0]
        return tokens.get(token)


class BareSubject:
    """bench/bare.py: the same I/O, no broker logic."""

    name = "bare loop"

    def __init__(self, directory: Path, count: int):
        self.directory = directory
        self.count = count
        self.popen: subprocess.Popen | None = None
        self.output = directory / "bare.log"

    def start(self) -> float:
        started = time.time()
        with open(self.output, "wb") as out:
            self.popen = subprocess.Popen([sys.executable, "-m", "bench.bare", "--count", str(self.count),
                                           "--linger", "60"],
                                          cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        return started

    def wait_ready(self) -> None:
        # Ready once it watches the INBOX: its folder exists and it is in IDLE.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if _bare_idle():
                return
            if self.popen.poll() is not None:
                raise RuntimeError(f"the bare loop died: {self.output.read_text()}")
            time.sleep(0.1)
        raise RuntimeError("the bare loop did not start in 30 s")

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.terminate()
            self.popen.wait()

    def check(self) -> None:
        if self.popen is not None and self.popen.poll() is not None:
            raise RuntimeError(f"the bare loop died (exit {self.popen.returncode}): {self.output.read_text()[-3000:]}")

    def request_of(self) -> dict[str, str]:
        return {}

    def origin(self, arrival: mail.Arrival, tokens: dict[str, str]) -> str | None:
        return str(arrival.headers.get("X-Bench-Of", "")).strip() or None


def _bare_idle() -> bool:
    """The bare loop made its folder: it is logged in and about to IDLE."""
    return (mail.MAILDIRS / "intro" / "Maildir" / "bench-done").is_dir()


def cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- the measurements -------------------------------------------------------------------


def consent_latencies(subject, watcher: mail.Watcher, delivered: dict[str, float], timeout: float) -> list[float]:
    arrivals = watcher.wait_for(lambda a: a.is_consent_request and a.user != "referrer", 2 * len(delivered), timeout,
                                check=subject.check)
    tokens = subject.request_of()
    landed: dict[str, list[float]] = {}
    for arrival in arrivals:
        origin = subject.origin(arrival, tokens)
        if origin in delivered:
            landed.setdefault(origin, []).append(arrival.at)
    return [max(times) - delivered[origin] for origin, times in landed.items() if len(times) == 2]


def latency(subject, count: int, rate: float, *, answers: bool) -> dict:
    """Latency of one subject at a steady rate (see the module's docstring)."""
    pairs = mail.pairs(count)
    with mail.mail_system(), mail.Watcher(mail.watched_users()) as watcher:
        subject.start()
        try:
            subject.wait_ready()
            time.sleep(1.0)  # settled in IDLE
            delivered = deliver_requests(count, rate, pairs)
            consent = consent_latencies(subject, watcher, delivered, timeout=60 + count / rate)
            result = {"consent": mail.summary(consent), "rate": rate}
            if answers:
                result["introduction"] = mail.summary(introduction_latencies(subject, watcher, rate))
        finally:
            subject.stop()
    return result


def introduction_latencies(subject: BrokerSubject, watcher: mail.Watcher, rate: float) -> list[float]:
    """Both parties of every referral say yes: all the first yeses, then (once handled)
    the last ones at `rate`; from each last yes to its introduction in three mailboxes."""
    broker = subject.process
    asks: dict[str, list[mail.Arrival]] = {}
    rows = broker.query("SELECT p.token, p.ref FROM parties p")
    ref_of = dict(rows)
    for arrival in watcher.snapshot():
        if arrival.is_consent_request and arrival.user != "referrer":
            token = str(arrival.headers.get("Reply-To", "")).partition("intro+")[2].partition("@")[0]
            if token in ref_of:
                asks.setdefault(ref_of[token], []).append(arrival)
    refs = [ref for ref, both in asks.items() if len(both) == 2]
    firsts = [(ref, asks[ref][0]) for ref in refs]
    lasts = [(ref, asks[ref][1]) for ref in refs]
    _answer_yes(firsts, rate)
    _wait_until(lambda: broker.query("SELECT COUNT(*) FROM parties WHERE answer = 'yes'")[0][0] >= len(refs),
                timeout=60 + len(refs) / rate, what="the first yeses to be handled")
    said_yes = dict(_answer_yes(lasts, rate))
    _wait_until(lambda: broker.query("SELECT COUNT(*) FROM outbox WHERE template = 'introduction' "
                                     "AND sent_at IS NOT NULL")[0][0] >= len(refs),
                timeout=60 + len(refs) / rate, what="the introductions to be sent")
    introductions = dict(broker.query("SELECT message_id, ref FROM outbox WHERE template = 'introduction'"))
    landed: dict[str, list[float]] = {}

    def all_landed() -> bool:
        landed.clear()
        for arrival in watcher.snapshot():
            ref = introductions.get(arrival.message_id)
            if ref:
                landed.setdefault(ref, []).append(arrival.at)
        return sum(len(times) == 3 for times in landed.values()) >= len(refs)

    _wait_until(all_landed, timeout=60, what="the introductions to land in three mailboxes each")
    return [max(times) - said_yes[ref] for ref, times in landed.items() if ref in said_yes]


def _answer_yes(asks: list[tuple[str, mail.Arrival]], rate: float) -> list[tuple[str, float]]:
    lmtp = mail.Lmtp()
    answered = []
    started = time.time()
    try:
        for i, (ref, arrival) in enumerate(asks):
            _sleep_until(started + i / rate)
            party = mt.address(arrival.user)
            answer = mt.reply(arrival.parsed(), party, "Yes, happy to be introduced.")
            recipient = str(answer["To"])
            answered.append((ref, lmtp.deliver(bytes(answer), party, recipient)))
    finally:
        lmtp.close()
    return answered


def _wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def throughput(subject, count: int) -> dict:
    """The backlog: `count` referrals waiting, then the subject started."""
    pairs = mail.pairs(count)
    with mail.mail_system(), mail.Watcher(mail.watched_users()) as watcher:
        injected_at = time.monotonic()
        deliver_requests(count, None, pairs)
        injection = time.monotonic() - injected_at
        started = subject.start()
        try:
            arrivals = watcher.wait_for(lambda a: a.is_consent_request and a.user != "referrer", 2 * count,
                                        timeout=120 + count / 5, check=subject.check)
            last = max(a.at for a in arrivals)
            cpu = cpu_seconds(subject.pid)
            rss = peak_rss_mb(subject.pid)
        finally:
            subject.stop()
    elapsed = last - started
    return {"count": count, "seconds": elapsed, "per_second": count / elapsed, "cpu_seconds": cpu,
            "peak_rss_mb": rss, "injection_per_second": count / injection}


def work_directory(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"mailbroker-bench-{prefix}-"))
