"""What every mail-system measurement shares: the lock, clean mailboxes, fast delivery
into the broker's mailbox, a watcher of the parties' mailboxes, the broker process.

Delivery goes straight to Dovecot's LMTP socket (the way Postfix itself delivers), so the
moment LMTP answers 250 after DATA is the moment the message is in the broker's INBOX:
that is "delivered" for the latency figures. It takes about 3 ms a message, so a backlog
of 1,000 is injected in a few seconds instead of passing through the SMTP queue.

Arrivals are seen in the maildirs on disk (Dovecot stores each user's mail in
$MAILSYSTEM_DIR/mail/USER/Maildir): a file appears in new/ when LMTP renames it there,
and its ctime is that instant, whatever the polling interval of the watcher.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import fcntl
import itertools
import math
import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path

from mailbroker import testing as mt

LOCK = Path("/tmp/mailbroker-e2e.lock")
MAILDIRS = mt.MAILSYSTEM_DIR / "mail"
#: The broker may use the mail system for this long at most in one go; others need it.
LOCK_WAIT = 1800.0

# Every limit out of the way: the benchmark sends far more than one referrer and one
# person ever would in a day.
LIMITS = """\
limits:
  referrals_per_referrer_per_day: 1000000
  open_referrals_per_referrer: 1000000
  requests_per_person_per_month: 1000000
  messages_per_address_per_day: 1000000
"""


@contextlib.contextmanager
def mail_system() -> Iterator[None]:
    """Hold the shared mail system's lock (the one the end-to-end tests take) for one
    measurement, and start it from empty mailboxes."""
    LOCK.touch(exist_ok=True)
    with open(LOCK, "a") as lock:
        deadline = time.monotonic() + LOCK_WAIT
        waited = False
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waited:
                    print(f"bench: waiting for the mail system's lock {LOCK} (a test run holds it)",
                          file=sys.stderr, flush=True)
                    waited = True
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the mail system stayed locked ({LOCK}) for {LOCK_WAIT:.0f} s") from None
                time.sleep(0.2)
        try:
            mt.mailsystem("start")
            mt.clear_all()
            yield
        finally:
            with contextlib.suppress(Exception):
                mt.clear_all()
            fcntl.flock(lock, fcntl.LOCK_UN)


# --- referrals ----------------------------------------------------------------------------


def pairs(count: int) -> list[tuple[str, str]]:
    """`count` distinct pairs of parties (p001 … p200 give 19,900), spread so that each
    party is asked about equally often: an open referral between the same two people
    would refuse a second one."""
    every = list(itertools.combinations(mt.PARTIES, 2))
    if count > len(every):
        raise ValueError(f"at most {len(every)} distinct pairs of parties")
    # Pairs (i, i+d) for growing distance d: every party appears once per sweep.
    n = len(mt.PARTIES)
    chosen: list[tuple[str, str]] = []
    for distance in range(1, n):
        for i in range(n - distance):
            chosen.append((mt.PARTIES[i], mt.PARTIES[i + distance]))
            if len(chosen) == count:
                return chosen
    return chosen


def request_bytes(k: int, pair: tuple[str, str]) -> tuple[str, bytes]:
    """A referrer's explicit request for referral `k`: (its Message-ID, its bytes)."""
    a, b = pair
    msg = mt.direct_request(f"Introduce: Party {a} <{mt.address(a)}>\nTo: Party {b} <{mt.address(b)}>\n"
                            f"Why: they ran the billing platform together at Acme (case {k}).",
                            subject=f"Introduction {k:04d}")
    return str(msg["Message-ID"]), msg.as_bytes(policy=email.policy.SMTP)


Lmtp = mt.Lmtp  # one LMTP session to Dovecot (shipped with the test helpers)


# --- the parties' mailboxes ---------------------------------------------------------------


@dataclass
class Arrival:
    user: str
    path: Path
    at: float  # wall clock, from the file's ctime: the rename into new/
    headers: email.message.Message

    @property
    def message_id(self) -> str:
        return str(self.headers.get("Message-ID", "")).strip()

    @property
    def is_consent_request(self) -> bool:
        return "intro+" in str(self.headers.get("Reply-To", "")) and self.headers.get("In-Reply-To") is None

    def parsed(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.path.read_bytes(), policy=email.policy.default)


@dataclass
class Watcher:
    """Polls the new/ directories of some users' maildirs in a thread, and records every
    message that lands there (which the parties never read, so it stays in new/)."""

    users: tuple[str, ...]
    interval: float = 0.01
    arrivals: list[Arrival] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._known: set[str] = set()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._parser = BytesHeaderParser()

    def __enter__(self) -> Watcher:
        self._scan(record=False)  # whatever is there already is not news
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._scan(record=True)
            self._stop.wait(self.interval)

    def _scan(self, record: bool) -> None:
        for user in self.users:
            directory = MAILDIRS / user / "Maildir" / "new"
            try:
                names = os.listdir(directory)
            except FileNotFoundError:
                continue
            for name in names:
                key = f"{user}/{name}"
                if key in self._known:
                    continue
                self._known.add(key)
                if record:
                    self._record(user, directory / name)

    def _record(self, user: str, path: Path) -> None:
        try:
            at = path.stat().st_ctime_ns / 1e9
            with open(path, "rb") as file:
                headers = self._parser.parse(file)
        except FileNotFoundError:
            return
        with self._lock:
            self.arrivals.append(Arrival(user, path, at, headers))

    def snapshot(self) -> list[Arrival]:
        with self._lock:
            return list(self.arrivals)

    def count(self, predicate) -> int:
        return sum(1 for a in self.snapshot() if predicate(a))

    def wait_for(self, predicate, count: int, timeout: float, check=None) -> list[Arrival]:
        """Wait until `count` arrivals match; `check()` is called meanwhile and may raise
        (e.g. when the process under test died)."""
        deadline = time.monotonic() + timeout
        while True:
            if check is not None:
                check()
            matching = [a for a in self.snapshot() if predicate(a)]
            if len(matching) >= count:
                return matching
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(matching)} of {count} expected messages arrived in {timeout:.0f} s")
            time.sleep(0.05)


def watched_users() -> tuple[str, ...]:
    return (*mt.PARTIES, "referrer")


# --- the broker --------------------------------------------------------------------------


def broker(directory: Path, poll_interval: str = "60s"):
    """The real daemon (tests/e2e/harness.py's Broker), configured as in production:
    IDLE on, info-level logs, every limit raised."""
    from tests.e2e.harness import Broker

    made = Broker(directory, extra_config=LIMITS, poll_interval=poll_interval)
    made.config.write_text(made.config.read_text().replace("level: debug", "level: info"))
    return made


def wait_connected(process_log, timeout: float = 30.0) -> None:
    process_log.wait_for_log("connected to IMAP", timeout=timeout)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95),
            "p99": percentile(values, 99), "max": max(values)}
