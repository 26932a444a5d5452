"""Store scaling: the cost of routing a reply and of a reminder sweep, with 10^3, 10^5
and 10^6 referrals stored.

A store of that size is written directly in mailbroker.store's schema, in one
transaction with executemany (a million referrals take about a minute), and cached in
/var/tmp/mailbroker-bench/ under its size and the schema's hash. Its shape is that of a
broker which has run for years with the default retention: 1,000 referrals open, the
closed ones of the last 180 days (a tenth of the rest) whole, with their timeline and
the messages they sent, and the older ones purged to their consent record.

Each measurement works on a copy, with the real Engine:
- routing: `Engine.handle` of a party's yes (the bytes of a real reply, found by its
  token) to a pending referral: reading, matching, deciding, storing, queueing the answer;
- sweep: `Engine.tick` when 20 referrals are due for their reminder.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import sqlite3
import statistics
import time
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path

from mailbroker import store as store_module
from mailbroker import testing as mt
from mailbroker.compose import Identity
from mailbroker.engine import Engine
from mailbroker.store import Store, token_key
from mailbroker.workflow import Limits, Policy

CACHE = Path("/var/tmp/mailbroker-bench")
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
OPEN = 1_000
DUE_PER_SWEEP = 20
RUNS = 7
PEOPLE = 50_000  # distinct addresses the parties are drawn from
POLICY = Policy(reminder_after=timedelta(days=3), expire_after=timedelta(days=14),
                limits=Limits(10**6, 10**6, 10**6, 10**6))
IDENTITY = Identity(mt.BROKER, "Introductions")
RAW = b"Subject: Introduction?\r\n\r\n" + b"x" * 600  # a sent message, shortened


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def schema_hash() -> str:
    return hashlib.sha256(store_module.SCHEMA.encode()).hexdigest()[:12]


def token(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(26))


def cached_store(size: int) -> Path:
    path = CACHE / f"store-{size}-{schema_hash()}.sqlite3"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        build(partial, size)
        partial.rename(path)
    return path


def build(path: Path, size: int) -> None:
    Store.open(path).close()  # the schema, exactly as the broker makes it
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    rng = random.Random(size)
    db.execute("BEGIN")
    referrals, parties, timeline, outbox = [], [], [], []
    closed = size - min(OPEN, size)
    whole_from = closed - closed // 10  # the last tenth of the closed ones is not purged yet
    for i in range(size):
        ref = f"R{i:07d}"
        is_open = i >= closed
        whole = is_open or i >= whole_from
        age = timedelta(days=3 * 365) * (1 - i / size)
        created = NOW - age
        due = None
        if is_open:
            # Group g of the open ones is due a minute apart: sweep g finds exactly them.
            group = i - closed
            due = NOW + timedelta(seconds=60 * (group // DUE_PER_SWEEP)) if group < DUE_PER_SWEEP * RUNS \
                else NOW + timedelta(days=2)
            created = due - POLICY.reminder_after
        state = "pending" if is_open else rng.choice(("introduced", "declined", "expired"))
        referrer = f"referrer{i % 1000}@example.test" if whole else f"anon-{i % 1000:020d}"
        ref_token = token(rng)
        referrals.append((ref, state, "Rita Referrer" if whole else "", referrer,
                          "They ran the billing platform together at Acme." if whole else "",
                          "Introduction" if whole else "", "en", iso(created), None,
                          None if is_open else iso(created + timedelta(days=5)), f"<req{i}@client.example.test>",
                          "" if not whole else "Could you introduce me?", ref_token, token_key(ref_token), iso(due),
                          None if whole else iso(NOW)))
        for role in ("requester", "target"):
            person = f"person{rng.randrange(PEOPLE)}@example.test" if whole else f"anon-{rng.randrange(PEOPLE):020d}"
            party_token = token(rng)
            answer = None if is_open else "yes"
            parties.append((ref, role, "Party" if whole else "", person, party_token, token_key(party_token), "en",
                            answer, "", None if is_open else iso(created + timedelta(days=1)), 0,
                            f"<ask{i}{role}@example.test>", ""))
        if whole:
            for what in ("referral started", "queued consent_request", "queued consent_request",
                         "queued acknowledgement"):
                timeline.append((ref, iso(created), what))
            for n, template in enumerate(("consent_request", "consent_request", "acknowledgement")):
                outbox.append((ref, template, f"<out{i}.{n}@example.test>", "", "intro@example.test",
                               f'["person{i % PEOPLE}@example.test"]', RAW, iso(created), 1, iso(created),
                               iso(created), None, ""))
        if len(referrals) >= 20_000:
            _flush(db, referrals, parties, timeline, outbox)
    _flush(db, referrals, parties, timeline, outbox)
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def _flush(db, referrals, parties, timeline, outbox) -> None:
    db.executemany("""INSERT INTO referrals (ref, state, referrer_name, referrer_address, context, subject, lang,
                      created_at, reminded_at, closed_at, request_message_id, forwarded_text, referrer_token,
                      referrer_token_key, due_at, purged_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""", referrals)
    db.executemany("INSERT INTO parties VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", parties)
    db.executemany("INSERT INTO timeline (ref, at, what) VALUES (?,?,?)", timeline)
    db.executemany("""INSERT INTO outbox (ref, template, message_id, reply_token, envelope_from, recipients, raw,
                      created_at, attempts, next_attempt_at, sent_at, failed_at, last_error)
                      VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)""", outbox)
    for rows in (referrals, parties, timeline, outbox):
        rows.clear()


def yes_reply(db: sqlite3.Connection, ref: str) -> bytes:
    """A party's yes to a pending referral, as a mail client writes it."""
    address, party_token, asked = db.execute(
        "SELECT address, token, asked_message_id FROM parties WHERE ref = ? AND role = 'requester'", (ref,)).fetchone()
    msg = EmailMessage()
    msg["From"] = address
    msg["To"] = f"intro+{party_token}@example.test"
    msg["Subject"] = "Re: Introduction?"
    msg["Message-ID"] = f"<yes-{party_token}@client.example.test>"
    msg["In-Reply-To"] = asked
    msg.set_content("Yes, happy to be introduced.\n\nOn Thu, Nov 26, 2026 Introductions wrote:\n> Would you like...\n")
    return bytes(msg)


def measure(size: int) -> dict:
    source = cached_store(size)
    work = CACHE / f"work-{size}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, work)
    try:
        store = Store.open(work)
        clock = {"now": NOW}
        engine = Engine(store, IDENTITY, POLICY, lambda a: a.startswith("referrer"), lambda: clock["now"])
        closed = size - min(OPEN, size)
        # Referrals past the sweep groups, so that the two measurements do not meet.
        pending = [f"R{i:07d}" for i in range(closed + DUE_PER_SWEEP * RUNS, size)][:RUNS]
        routes = []
        for ref in pending:
            raw = yes_reply(store._db, ref)
            started = time.perf_counter()
            fate = engine.handle(raw)
            routes.append(time.perf_counter() - started)
            if fate.ref != ref:
                raise RuntimeError(f"the reply for {ref} was not routed to it: {fate}")
        sweeps = []
        for group in range(RUNS):
            clock["now"] = NOW + timedelta(seconds=60 * group + 30)
            started = time.perf_counter()
            moved = engine.tick()
            sweeps.append(time.perf_counter() - started)
            if moved != DUE_PER_SWEEP:
                raise RuntimeError(f"sweep {group} moved {moved} referrals, not {DUE_PER_SWEEP}")
        store.close()
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)
    return {"size": size, "route": statistics.median(routes), "sweep": statistics.median(sweeps),
            "bytes": source.stat().st_size}
