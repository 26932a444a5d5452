"""The state: referrals, parties and their tokens, seen messages, the outbox, the
suppression list and a timeline of decisions — in SQLite (the default) or PostgreSQL.

SQLite: one file in WAL mode, so the administration commands can read while the daemon
writes. PostgreSQL: a database named by the configuration's `state.url`. Both run the
same queries, written once in SQLite's spelling (`?` placeholders, `COLLATE NOCASE`);
`_Postgres` below adapts the few places where the two differ.

Every state change and the messages it causes are written in one transaction
(`with store.transaction():`), which is what makes a crash safe: after a restart the
outbox still holds whatever was decided and not yet sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .model import Answer, Party, Person, Referral, Role, State, mailbox_key

# {serial_key}, {blob} and {time} are spelt per database (see SQLITE_TYPES, _Postgres.TYPES).
# Times are ISO 8601 text in UTC, compared and sorted as text: byte by byte.
SCHEMA = """
CREATE TABLE IF NOT EXISTS referrals (
    ref TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    referrer_name TEXT NOT NULL,
    referrer_address TEXT NOT NULL,
    context TEXT NOT NULL,
    subject TEXT NOT NULL,
    lang TEXT NOT NULL,
    created_at {time} NOT NULL,
    reminded_at {time},
    closed_at {time},
    request_message_id TEXT NOT NULL,
    forwarded_text TEXT NOT NULL,
    referrer_token TEXT NOT NULL,
    referrer_token_key TEXT NOT NULL,
    due_at {time},
    purged_at {time},
    mailbox TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS referrals_referrer_token ON referrals(referrer_token_key);
CREATE INDEX IF NOT EXISTS referrals_referrer ON referrals(referrer_address COLLATE NOCASE, created_at);
CREATE INDEX IF NOT EXISTS referrals_due ON referrals(due_at) WHERE due_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS referrals_state ON referrals(state, created_at);

CREATE TABLE IF NOT EXISTS parties (
    ref TEXT NOT NULL REFERENCES referrals(ref),
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    token TEXT NOT NULL,
    token_key TEXT NOT NULL UNIQUE,
    lang TEXT NOT NULL,
    answer TEXT,
    note TEXT NOT NULL,
    answered_at {time},
    clarifications INTEGER NOT NULL,
    asked_message_id TEXT NOT NULL,
    answer_message_id TEXT NOT NULL,
    PRIMARY KEY (ref, role)
);
CREATE INDEX IF NOT EXISTS parties_address ON parties(address COLLATE NOCASE);

CREATE TABLE IF NOT EXISTS seen (
    digest TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    fate TEXT NOT NULL,
    reason TEXT NOT NULL,
    ref TEXT,
    at {time} NOT NULL
);

-- Incoming messages whose handling started: a message that keeps crashing the broker
-- is quarantined after a few attempts instead of blocking the mailbox forever.
CREATE TABLE IF NOT EXISTS attempts (
    digest TEXT PRIMARY KEY,
    count INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS outbox (
    id {serial_key},
    ref TEXT NOT NULL,
    template TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    reply_token TEXT NOT NULL,
    envelope_from TEXT NOT NULL,
    recipients TEXT NOT NULL,
    raw {blob} NOT NULL,
    created_at {time} NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at {time} NOT NULL,
    sent_at {time},
    failed_at {time},
    last_error TEXT NOT NULL DEFAULT '',
    claimed_by TEXT,
    claimed_until {time},
    mailbox TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_created ON outbox(created_at);

-- One row per recipient of each queued message, for the daily cap per address
-- (Store.messages_since): counted by index, however much mail went out that day.
CREATE TABLE IF NOT EXISTS deliveries (
    address TEXT NOT NULL,
    at {time} NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_address ON deliveries(address COLLATE NOCASE, at);

CREATE TABLE IF NOT EXISTS suppression (
    address TEXT COLLATE NOCASE PRIMARY KEY,
    at {time} NOT NULL,
    reason TEXT NOT NULL
);

-- Settings of this installation, e.g. the key that turns addresses into pseudonyms.
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Every introduction made, by a keyed pseudonym of the pair (Store.pair_key): kept
-- through `purge`, so that a second request for two people already introduced is noticed
-- long after their names and addresses are gone.
CREATE TABLE IF NOT EXISTS introductions (
    pair TEXT NOT NULL,
    ref TEXT NOT NULL,
    at {time} NOT NULL
);
CREATE INDEX IF NOT EXISTS introductions_pair ON introductions(pair, at);

-- Requests whose sender could not be authenticated, kept whole until the referrer
-- confirms them by answering a message sent to their own address (Engine._hold), for
-- at most HELD_FOR; looked up by the digest of that message's token.
CREATE TABLE IF NOT EXISTS held_requests (
    token_key TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    referrer TEXT NOT NULL,
    raw {blob} NOT NULL,
    held_at {time} NOT NULL,
    mailbox TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS held_requests_at ON held_requests(held_at);

CREATE TABLE IF NOT EXISTS timeline (
    id {serial_key},
    ref TEXT NOT NULL,
    at {time} NOT NULL,
    what TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS timeline_ref ON timeline(ref, id);
"""
SQLITE_TYPES = {"serial_key": "INTEGER PRIMARY KEY", "blob": "BLOB", "time": "TEXT"}

# The schema this code writes, kept in meta as 'schema_version' (see `mailbroker migrate`).
SCHEMA_VERSION = 5

# The columns each version added to tables of the version before (table, column, type),
# which SCHEMA's CREATE TABLE IF NOT EXISTS cannot add to an existing table.
# Version 2: the outbox's sending claims (Store.claim). Version 3: the mailbox each
# referral and each outgoing message belongs to (see Store.mailbox); and the table
# deliveries, which SCHEMA creates (a cap counted from it starts from zero the day of
# the upgrade). Version 4: when each referral last opened and how often it reopened
# (Referral.opened_at, reopenings); and the table introductions, which SCHEMA creates
# (introductions made before the upgrade are recorded by `_upgrade` from the referrals
# still holding their addresses). Version 5: the table held_requests, which SCHEMA
# creates; and the mailbox key (model.mailbox_key) next to each address the limits,
# the stop list and duplicates compare, computed by `_upgrade` for the rows already there.
UPGRADES = {
    2: [("outbox", "claimed_by", "TEXT"), ("outbox", "claimed_until", "{time}")],
    3: [("referrals", "mailbox", "TEXT NOT NULL DEFAULT ''"), ("outbox", "mailbox", "TEXT NOT NULL DEFAULT ''")],
    4: [("referrals", "opened_at", "{time}"), ("referrals", "reopenings", "INTEGER NOT NULL DEFAULT 0")],
    5: [("referrals", "referrer_key", "TEXT NOT NULL DEFAULT ''"), ("parties", "address_key", "TEXT NOT NULL DEFAULT ''"),
        ("deliveries", "address_key", "TEXT NOT NULL DEFAULT ''"),
        ("suppression", "address_key", "TEXT NOT NULL DEFAULT ''")],
}

# (table, address column, its mailbox key column) of version 5, and the indexes on them.
KEYED = (("referrals", "referrer_address", "referrer_key"), ("parties", "address", "address_key"),
         ("deliveries", "address", "address_key"), ("suppression", "address", "address_key"))
KEY_INDEXES = (
    "CREATE INDEX IF NOT EXISTS referrals_referrer_key ON referrals(referrer_key, created_at)",
    "CREATE INDEX IF NOT EXISTS parties_address_key ON parties(address_key)",
    "CREATE INDEX IF NOT EXISTS deliveries_address_key ON deliveries(address_key, at)",
    "CREATE INDEX IF NOT EXISTS suppression_address_key ON suppression(address_key)",
)

# How long a claimed outbox message stays reserved for the broker that claimed it: far
# longer than a send takes (each SMTP step is bounded by smtp.timeout, 30 s by default),
# and as long as the messages of a broker that crashed while sending wait for another.
CLAIM_LEASE = timedelta(seconds=60)

# How long the record of who was sent a message is kept: the daily cap needs one day.
DELIVERIES_KEPT = timedelta(days=2)

# Who claims on SQLite: one process owns the file, so every process opening it is the
# same sender, and a restarted broker takes over what it claimed before a crash at once.
SQLITE_SENDER = "sqlite"


class StoreError(Exception):
    """The state database cannot be used as it is; the message says why and what to do."""


class DatabaseUnavailable(StoreError):
    """The PostgreSQL server cannot be reached or gave up on the connection: nothing was
    written, and trying again later may work."""


class AlreadyHandled(Exception):
    """Another broker sharing the database recorded this incoming message first."""


# The errors after which the daemon waits and tries again, losing nothing: the SQLite
# file is locked, full or broken, or the PostgreSQL server is away.
UNAVAILABLE = (sqlite3.OperationalError, DatabaseUnavailable)


@dataclass(frozen=True)
class OutboxItem:
    id: int
    ref: str
    message_id: str
    envelope_from: str
    recipients: tuple[str, ...]
    raw: bytes
    attempts: int
    reply_token: str = ""


@dataclass(frozen=True)
class HeldRequest:
    token: str
    referrer: str
    raw: bytes
    held_at: datetime


# The daemon's heartbeat is written at most this often (see Store.heartbeat).
HEARTBEAT_EVERY = timedelta(seconds=5)


def token_key(token: str) -> str:
    """Tokens are looked up by a digest, never by their own value, and then compared in
    constant time: how long a lookup takes says nothing about how close a guess was."""
    return hashlib.sha256(token.strip().lower().encode()).hexdigest() if token else ""


def same_token(stored: str, given: str) -> bool:
    return hmac.compare_digest(stored.encode(), given.strip().lower().encode())


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).isoformat() if moment else None


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def is_database_url(location: str | Path) -> bool:
    """A PostgreSQL URL (state.url) rather than a SQLite file's path (state.path)."""
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def shown(location: str | Path) -> str:
    """The location as it may be printed or logged: a URL's password replaced by ***."""
    if not is_database_url(location):
        return str(location)
    url = urlsplit(str(location))
    if url.password is None:
        return str(location)
    return urlunsplit(url._replace(netloc=url.netloc.replace(f":{url.password}@", ":***@", 1)))


_WRITERS: dict[Path, threading.Lock] = {}
_WRITERS_GUARD = threading.Lock()


def _writers_of(path: Path) -> threading.Lock:
    """One lock per SQLite file for the transactions of this process's threads (a
    mailbox's loop and its sending thread each have a connection). SQLite makes a
    transaction that finds the file locked sleep and try again, a few milliseconds
    at a time, so two threads taking turns would spend much of their time asleep; on
    this lock the next one starts the moment the other commits. (Other processes, the
    administration commands, still wait in SQLite's way.)"""
    with _WRITERS_GUARD:
        return _WRITERS.setdefault(path.resolve(), threading.Lock())


def _this_process() -> str:
    """A PostgreSQL sender's name in its claims: unique to this process, so brokers
    sharing the database never take one another's claims for their own."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Store:
    def __init__(self, connection: sqlite3.Connection | _Postgres, begin: str = "BEGIN IMMEDIATE",
                 sender: str | None = None, mailbox: str = ""):
        self._db = connection
        # The broker mailbox this store works for, when one daemon watches several: its
        # timers and its outbox are its own (referrals and messages are filed under it);
        # everything else (suppressions, limits, duplicates) is shared by all.
        self.mailbox = mailbox
        self._begin = begin  # SQLite: take the write lock at once, not at the first write
        writable_postgres = isinstance(connection, _Postgres) and not connection.readonly
        self._lock_row = " FOR UPDATE" if writable_postgres else ""  # see load()
        # The name this store's claims on outbox messages carry (see claim()).
        self.sender = sender or (_this_process() if isinstance(connection, _Postgres) else SQLITE_SENDER)
        self._beat: tuple[datetime | None, bool, str | None] | None = None  # see heartbeat()
        self.migrated_from: int | None = None  # the schema version found when opening (see _migrate)
        self._writers: AbstractContextManager = nullcontext()  # see _writers_of

    @classmethod
    def open(cls, location: str | Path, sender: str | None = None, mailbox: str = "") -> Store:
        """The state at `location` — a SQLite file's path or a postgresql:// URL — with
        its schema created or brought up to date (see `migrate`). `sender` names this
        broker in its claims on outbox messages (by default: one name per process on
        PostgreSQL, the same for all on SQLite); `mailbox` is the key of the broker
        mailbox it works for ("" for the config's top level, see MailboxSettings)."""
        if is_database_url(location):
            return cls._open_postgres(str(location), sender, mailbox)
        path = Path(location)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            # The state holds people's addresses and tokens: readable by the broker only.
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        _make_private(path)
        db = sqlite3.connect(path, isolation_level=None, timeout=30)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA synchronous=FULL")
        store = cls(db, sender=sender, mailbox=mailbox)
        store._writers = _writers_of(path)
        # Statement by statement, as each IF NOT EXISTS takes the write lock only if it
        # creates; an upgrade takes it for all its steps (see _upgrade).
        store._migrate(SQLITE_TYPES, upgrading=store.transaction)
        return store

    @classmethod
    def _open_postgres(cls, url: str, sender: str | None = None, mailbox: str = "") -> Store:
        store = cls(_Postgres(url), begin="BEGIN", sender=sender, mailbox=mailbox)
        with store.transaction():
            # Instances starting together must not race to create the same table.
            store._db.execute("SELECT pg_advisory_xact_lock(?)", (_Postgres.SCHEMA_LOCK,))
            store._db.execute(_Postgres.PREAMBLE)
            store._migrate(_Postgres.TYPES, upgrading=nullcontext)  # already in a transaction
        return store

    def _migrate(self, types: dict[str, str], upgrading) -> None:
        """Create what is missing (every statement is IF NOT EXISTS), bring the tables of
        an older version up to date (UPGRADES) and record the schema version; refuse a
        database written by a newer mailbroker. Tables made before versions were
        recorded count as version 0, which has the tables of version 1."""
        existed = self._has_table("meta")
        for statement in _statements(SCHEMA.format(**types)):
            self._db.execute(statement)
        found = self.schema_version()
        self.migrated_from = 0 if found is None and existed else found
        if found is not None and found > SCHEMA_VERSION:
            raise StoreError(
                f"the state database has schema version {found}, newer than this mailbroker's "
                f"({SCHEMA_VERSION}): a newer mailbroker wrote it; upgrade mailbroker to use this database")
        if found != SCHEMA_VERSION:
            with upgrading():
                self._upgrade(types)

    def _upgrade(self, types: dict[str, str]) -> None:
        """Add the columns of the versions after the recorded one, in one transaction
        with the new version number: a crash leaves the old version, whole. A column
        already there is left alone (a new table has them all, and another process may
        have upgraded meanwhile)."""
        found = self.schema_version() or 0
        for version in range(found + 1, SCHEMA_VERSION + 1):
            for table, column, kind in UPGRADES.get(version, []):
                if not self._has_column(table, column):
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind.format(**types)}")
        if found < 4:
            self._record_past_introductions()
        if found < 5:
            self._key_addresses()
        for statement in KEY_INDEXES:
            self._db.execute(statement)
        self._set_meta("schema_version", str(SCHEMA_VERSION))

    def _key_addresses(self) -> None:
        """The mailbox keys of the addresses stored before version 5."""
        for table, column, key in KEYED:
            for (address,) in self._db.execute(f"SELECT DISTINCT {column} FROM {table} WHERE {key} = ''").fetchall():
                self._db.execute(f"UPDATE {table} SET {key} = ? WHERE {column} = ?", (mailbox_key(address), address))

    def _record_past_introductions(self) -> None:
        """The introductions made before version 4, from the referrals whose addresses
        are still there (a purged referral's are pseudonyms: its pair is unknown)."""
        rows = self._db.execute(
            """SELECT r.ref, r.closed_at, q.address AS requester, t.address AS target FROM referrals r
               JOIN parties q ON q.ref = r.ref AND q.role = 'requester'
               JOIN parties t ON t.ref = r.ref AND t.role = 'target'
               WHERE r.state = 'introduced' AND r.purged_at IS NULL""").fetchall()
        for row in rows:
            if not self._db.execute("SELECT 1 FROM introductions WHERE ref = ?", (row["ref"],)).fetchone():
                self._db.execute("INSERT INTO introductions VALUES (?,?,?)",
                                 (self.pair_key(row["requester"], row["target"]), row["ref"], row["closed_at"]))

    def schema_version(self) -> int | None:
        """The schema version recorded in the database; None before the first `migrate`."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row["value"]) if row else None

    def _has_table(self, name: str) -> bool:
        if isinstance(self._db, _Postgres):
            return self._db.execute("SELECT to_regclass(?) AS found", (name,)).fetchone()["found"] is not None
        return self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                (name,)).fetchone() is not None

    def _has_column(self, table: str, column: str) -> bool:
        if isinstance(self._db, _Postgres):
            query = ("SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
                     "AND table_name = ? AND column_name = ?")
        else:
            query = "SELECT 1 FROM pragma_table_info(?) WHERE name = ?"
        return self._db.execute(query, (table, column)).fetchone() is not None

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                         (key, value))

    @classmethod
    def open_readonly(cls, location: str | Path) -> Store:
        """For the administration commands, while the daemon may be writing: a read-only
        connection (it can never take the write lock); WAL lets it read a consistent
        snapshot without blocking the daemon. Raises FileNotFoundError when there is no
        state file yet (StoreError when a PostgreSQL database has no tables yet)."""
        if is_database_url(location):
            store = cls(_Postgres(str(location), readonly=True), begin="BEGIN")
            if not store._has_table("meta"):
                store.close()
                raise StoreError("the state database has no mailbroker tables yet: run `mailbroker migrate` "
                                 "or start the broker once")
            return store
        path = Path(location).absolute()
        if not path.is_file():
            raise FileNotFoundError(path)
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, isolation_level=None, timeout=10)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA busy_timeout=10000")
        db.execute("PRAGMA query_only=ON")
        return cls(db)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._writers:
            self._db.execute(self._begin)
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # --- referrals ---------------------------------------------------------------------

    def save(self, referral: Referral, due_at: datetime | None) -> None:
        r = referral
        self._db.execute(
            """INSERT INTO referrals (ref, state, referrer_name, referrer_address, context, subject, lang,
               created_at, reminded_at, closed_at, request_message_id, forwarded_text, referrer_token,
               referrer_token_key, due_at, mailbox, opened_at, reopenings, referrer_key)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
               ON CONFLICT(ref) DO UPDATE SET state=excluded.state, context=excluded.context,
               created_at=excluded.created_at, reminded_at=excluded.reminded_at,
               closed_at=excluded.closed_at, due_at=excluded.due_at, opened_at=excluded.opened_at,
               reopenings=excluded.reopenings""",
            (r.ref, r.state.value, r.referrer.name, r.referrer.address, r.context, r.subject, r.lang,
             _iso(r.created_at), _iso(r.reminded_at), _iso(r.closed_at), r.request_message_id,
             r.forwarded_text, r.referrer_token, token_key(r.referrer_token), _iso(due_at), self.mailbox,
             _iso(r.opened_at), r.reopenings, mailbox_key(r.referrer.address)),
        )
        for p in r.parties:
            self._db.execute(
                """INSERT INTO parties (ref, role, name, address, token, token_key, lang, answer, note,
                   answered_at, clarifications, asked_message_id, answer_message_id, address_key)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                   ON CONFLICT(ref, role) DO UPDATE SET answer=excluded.answer, note=excluded.note,
                   answered_at=excluded.answered_at, clarifications=excluded.clarifications,
                   answer_message_id=excluded.answer_message_id,
                   lang=excluded.lang""",
                (r.ref, p.role.value, p.person.name, p.person.address, p.token, token_key(p.token), p.lang,
                 p.answer.value if p.answer else None, p.note, _iso(p.answered_at), p.clarifications,
                 p.asked_message_id, p.answer_message_id, mailbox_key(p.person.address)),
            )

    def load(self, ref: str) -> Referral | None:
        """The referral `ref`. On PostgreSQL, in a transaction, its row stays locked until
        the transaction ends: a broker sharing the database that loads it meanwhile waits,
        then reads what this one committed. (SQLite's write lock, taken by BEGIN
        IMMEDIATE, already lets only one transaction at a time read to write.)"""
        row = self._db.execute("SELECT * FROM referrals WHERE ref = ?" + self._lock_row, (ref,)).fetchone()
        if row is None:
            return None
        parties = {p["role"]: _party(p) for p in self._db.execute("SELECT * FROM parties WHERE ref = ?", (ref,))}
        return Referral(
            ref=row["ref"],
            referrer=Person(row["referrer_name"], row["referrer_address"]),
            requester=parties[Role.REQUESTER.value],
            target=parties[Role.TARGET.value],
            context=row["context"],
            subject=row["subject"],
            lang=row["lang"],
            created_at=_time(row["created_at"]),
            state=State(row["state"]),
            reminded_at=_time(row["reminded_at"]),
            closed_at=_time(row["closed_at"]),
            request_message_id=row["request_message_id"],
            forwarded_text=row["forwarded_text"],
            referrer_token=row["referrer_token"],
            # A referral of schema version 3 or older opened when its clock last started.
            opened_at=_time(row["opened_at"]) or (_time(row["created_at"]) if row["state"] != "awaiting_context" else None),
            reopenings=row["reopenings"],
        )

    def ref_exists(self, ref: str) -> bool:
        return self._db.execute("SELECT 1 FROM referrals WHERE ref = ?", (ref,)).fetchone() is not None

    def by_token(self, token: str) -> tuple[str, Role] | None:
        row = self._db.execute("SELECT ref, role, token FROM parties WHERE token_key = ?",
                               (token_key(token),)).fetchone()
        return (row["ref"], Role(row["role"])) if row and same_token(row["token"], token) else None

    def by_referrer_token(self, token: str) -> str | None:
        if not token:
            return None
        row = self._db.execute("SELECT ref, referrer_token FROM referrals WHERE referrer_token_key = ?",
                               (token_key(token),)).fetchone()
        return row["ref"] if row and same_token(row["referrer_token"], token) else None

    def by_sent_message(self, message_id: str) -> tuple[str, str] | None:
        """(ref, reply token) of a message the broker sent, for replies that lost their
        token but kept their thread headers."""
        row = self._db.execute("SELECT ref, reply_token FROM outbox WHERE message_id = ?", (message_id,)).fetchone()
        return (row["ref"], row["reply_token"]) if row else None

    def open_between(self, a: str, b: str) -> str | None:
        """The ref of an open referral between these two addresses, in either role."""
        row = self._db.execute(
            """SELECT r.ref FROM referrals r
               JOIN parties p1 ON p1.ref = r.ref JOIN parties p2 ON p2.ref = r.ref AND p2.role <> p1.role
               WHERE r.state IN ('pending', 'awaiting_context') AND p1.address_key = ? AND p2.address_key = ?
               LIMIT 1""",
            (mailbox_key(a), mailbox_key(b)),
        ).fetchone()
        return row["ref"] if row else None

    # --- usage, for the limits --------------------------------------------------------

    def referrals_since(self, referrer: str, since: datetime) -> int:
        return self._db.execute(
            "SELECT COUNT(*) FROM referrals WHERE referrer_key = ? AND created_at >= ?",
            (mailbox_key(referrer), _iso(since))).fetchone()[0]

    def open_count(self, referrer: str) -> int:
        return self._db.execute(
            "SELECT COUNT(*) FROM referrals WHERE referrer_key = ? "
            "AND state IN ('pending', 'awaiting_context')", (mailbox_key(referrer),)).fetchone()[0]

    def open_referrals_of(self, referrer: str, limit: int = 200) -> list[Referral]:
        """A referrer's open referrals, oldest first (for the "status" command)."""
        rows = self._db.execute(
            "SELECT ref FROM referrals WHERE referrer_key = ? "
            "AND state IN ('pending', 'awaiting_context') ORDER BY created_at LIMIT ?", (mailbox_key(referrer), limit))
        return [self.load(row["ref"]) for row in rows.fetchall()]

    def asked_since(self, address: str, since: datetime) -> int:
        """Consent requests sent to `address` since then, whoever the referrer."""
        return self._db.execute(
            """SELECT COUNT(*) FROM parties p JOIN referrals r ON r.ref = p.ref
               WHERE p.address_key = ? AND r.created_at >= ? AND r.state <> 'awaiting_context'""",
            (mailbox_key(address), _iso(since))).fetchone()[0]

    def messages_since(self, address: str, since: datetime) -> int:
        """Messages queued to `address` since then."""
        return self._db.execute("SELECT COUNT(*) FROM deliveries WHERE address_key = ? AND at >= ?",
                                (mailbox_key(address), _iso(since))).fetchone()[0]

    def messages_in_referral(self, ref: str, address: str) -> int:
        """Messages of referral `ref` queued to `address`, over its whole life."""
        return self._db.execute(
            "SELECT COUNT(*) FROM outbox WHERE ref = ? AND lower(recipients) LIKE ? ESCAPE '\\'",
            (ref, _recipient_pattern(address))).fetchone()[0]

    def replies_since(self, address: str, since: datetime, template: str | None = None) -> int:
        """Messages outside any referral (answers to a referrer: refusals, status,
        confirmations, declines in their name) queued to `address` since then; only of
        `template` when given."""
        query = ("SELECT COUNT(*) FROM outbox WHERE ref = '' AND created_at >= ? "
                 "AND lower(recipients) LIKE ? ESCAPE '\\'")
        params: tuple = (_iso(since), _recipient_pattern(address))
        if template is not None:
            query, params = query + " AND template = ?", (*params, template)
        return self._db.execute(query, params).fetchone()[0]

    def due(self, now: datetime, limit: int = 500) -> list[str]:
        rows = self._db.execute(
            "SELECT ref FROM referrals WHERE due_at IS NOT NULL AND due_at <= ? AND mailbox = ? "
            "ORDER BY due_at LIMIT ?", (_iso(now), self.mailbox, limit),
        )
        return [row["ref"] for row in rows]

    def claim_due(self, ref: str, now: datetime) -> bool:
        """Take a due referral's timer for the transaction that runs it, before loading the
        referral: False when it is no longer due, because another broker sharing the
        database ran it meanwhile. (On PostgreSQL this no-op UPDATE locks the row, waits
        for the other's transaction and then sees its new due_at; on SQLite one
        transaction writes at a time.)"""
        return self._db.execute("UPDATE referrals SET due_at = due_at WHERE ref = ? AND due_at IS NOT NULL "
                                "AND due_at <= ?", (ref, _iso(now))).rowcount == 1

    def next_due_at(self) -> datetime | None:
        row = self._db.execute("SELECT MIN(due_at) AS at FROM referrals WHERE due_at IS NOT NULL AND mailbox = ?",
                               (self.mailbox,)).fetchone()
        return _time(row["at"])

    def referrals(self, state: State | None = None, limit: int = 1000) -> list[Referral]:
        if state:
            rows = self._db.execute("SELECT ref FROM referrals WHERE state = ? ORDER BY created_at DESC LIMIT ?",
                                    (state.value, limit))
        else:
            rows = self._db.execute("SELECT ref FROM referrals ORDER BY created_at DESC LIMIT ?", (limit,))
        return [self.load(row["ref"]) for row in rows.fetchall()]

    # --- suppression -------------------------------------------------------------------

    def suppress(self, address: str, reason: str, now: datetime) -> None:
        self._db.execute("INSERT INTO suppression (address, at, reason, address_key) VALUES (?,?,?,?) "
                         "ON CONFLICT DO NOTHING", (address, _iso(now), reason, mailbox_key(address)))

    def unsuppress(self, address: str) -> bool:
        """Take an address off the list, in every spelling of its mailbox; False when it was
        not on it."""
        return self._db.execute("DELETE FROM suppression WHERE address_key = ?",
                                (mailbox_key(address),)).rowcount > 0

    def suppressed(self, addresses: list[str]) -> tuple[str, ...]:
        found = []
        for address in addresses:
            if self._db.execute("SELECT 1 FROM suppression WHERE address_key = ?", (mailbox_key(address),)).fetchone():
                found.append(address)
        return tuple(found)

    # --- seen messages -----------------------------------------------------------------

    def seen(self, digest: str) -> str | None:
        row = self._db.execute("SELECT fate FROM seen WHERE digest = ?", (digest,)).fetchone()
        return row["fate"] if row else None

    def seen_at(self, digest: str) -> tuple[str, datetime] | None:
        """A handled message's fate and when it was handled."""
        row = self._db.execute("SELECT fate, at FROM seen WHERE digest = ?", (digest,)).fetchone()
        return (row["fate"], _time(row["at"])) if row else None

    def count_attempt(self, digest: str) -> int:
        """Record, in its own transaction, that handling `digest` starts; return how many
        times it had started before."""
        with self.transaction():
            row = self._db.execute("SELECT count FROM attempts WHERE digest = ?", (digest,)).fetchone()
            self._db.execute("INSERT INTO attempts VALUES (?, 1) "
                             "ON CONFLICT(digest) DO UPDATE SET count = attempts.count + 1", (digest,))
        return row["count"] if row else 0

    def mark_seen(self, digest: str, message_id: str, fate: str, reason: str, ref: str | None, now: datetime) -> None:
        """Record a message's fate, in the transaction that applies its decision. Raises
        AlreadyHandled when the message has a fate already: another broker sharing this
        database handled it meanwhile, and rolling back keeps its decision, not ours.
        (PostgreSQL makes this insert wait for the other's transaction to end; SQLite's
        write lock lets only one transaction write at a time.)"""
        claimed = self._db.execute("INSERT INTO seen VALUES (?,?,?,?,?,?) ON CONFLICT(digest) DO NOTHING",
                                   (digest, message_id, fate, reason, ref, _iso(now))).rowcount
        if not claimed:
            raise AlreadyHandled(digest)
        self._db.execute("DELETE FROM attempts WHERE digest = ?", (digest,))

    # --- outbox ------------------------------------------------------------------------

    def enqueue(self, *, ref: str, template: str, message_id: str, reply_token: str, envelope_from: str,
                recipients: list[str], raw: bytes, now: datetime) -> None:
        self._db.execute(
            """INSERT INTO outbox (ref, template, message_id, reply_token, envelope_from, recipients, raw,
               created_at, next_attempt_at, mailbox) VALUES (?,?,?,?,?,?,?,?,?,?)""",
            (ref, template, message_id, reply_token, envelope_from, json.dumps(recipients), raw,
             _iso(now), _iso(now), self.mailbox),
        )
        for address in recipients:
            self._db.execute("INSERT INTO deliveries (address, at, address_key) VALUES (?, ?, ?)",
                             (address, _iso(now), mailbox_key(address)))

    # A message this store may send at `now`: its mailbox's, pending, due, and claimed
    # by no other sender (or that claim has run out). Parameters: see _sendable().
    _SENDABLE = """mailbox = ? AND sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?
                   AND (claimed_until IS NULL OR claimed_until <= ? OR claimed_by = ?)"""

    def _sendable(self, now: datetime) -> tuple:
        return self.mailbox, _iso(now), _iso(now), self.sender

    def outbox_ready(self, now: datetime, limit: int = 100) -> list[OutboxItem]:
        """The messages due, except those another broker sharing the database claimed."""
        rows = self._db.execute(f"SELECT * FROM outbox WHERE {self._SENDABLE} ORDER BY id LIMIT ?",
                                (*self._sendable(now), limit))
        return [_outbox_item(r) for r in rows]

    def claim(self, item_id: int, now: datetime) -> OutboxItem | None:
        """Reserve a message for this store's sender until now + CLAIM_LEASE, just before
        sending it; returns it as it is now (its recipients may have changed since it was
        listed), or None when it is no longer this sender's to send: sent, failed or
        rescheduled meanwhile, or claimed by another broker sharing the database. One
        statement: the database lets one claimant at a time update the row, and the
        second then finds it claimed. A broker that crashes holding a claim leaves the
        message to the others once the lease runs out; on PostgreSQL a restarted broker
        is another sender, so it waits for its old claims to run out too (CLAIM_LEASE)."""
        row = self._db.execute(
            f"UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id = ? AND {self._SENDABLE} RETURNING *",
            (self.sender, _iso(now + CLAIM_LEASE), item_id, *self._sendable(now))).fetchall()
        return _outbox_item(row[0]) if row else None

    def next_outbox_attempt(self) -> datetime | None:
        """When the next message is due, or the claim of another sender on it runs out."""
        row = self._db.execute(
            """SELECT MIN(CASE WHEN claimed_by <> ? AND claimed_until > next_attempt_at THEN claimed_until
                           ELSE next_attempt_at END) AS at
               FROM outbox WHERE mailbox = ? AND sent_at IS NULL AND failed_at IS NULL""", (self.sender, self.mailbox)
        ).fetchone()
        return _time(row["at"])

    def mark_sent(self, item_id: int, now: datetime) -> None:
        self._db.execute("UPDATE outbox SET sent_at = ?, attempts = attempts + 1 WHERE id = ?", (_iso(now), item_id))

    def mark_retry(self, item_id: int, error: str, next_attempt: datetime) -> None:
        self._db.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, "
                         f"{_UNCLAIMED} WHERE id = ?", (error, _iso(next_attempt), item_id))

    def retry_recipients(self, item_id: int, recipients: list[str], error: str, next_attempt: datetime) -> None:
        """The server took the message for some recipients and deferred the others (4xx):
        keep only those for the next attempt."""
        self._db.execute("UPDATE outbox SET recipients = ?, attempts = attempts + 1, last_error = ?, "
                         f"next_attempt_at = ?, {_UNCLAIMED} WHERE id = ?",
                         (json.dumps(recipients), error, _iso(next_attempt), item_id))

    def mark_failed(self, item_id: int, error: str, now: datetime) -> None:
        self._db.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ?, failed_at = ? WHERE id = ?",
                         (error, _iso(now), item_id))

    def outbox_counts(self) -> dict[str, int]:
        row = self._db.execute(
            """SELECT SUM(CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END) AS pending,
               SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END) AS sent,
               SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END) AS failed FROM outbox"""
        ).fetchone()
        return {key: row[key] or 0 for key in ("pending", "sent", "failed")}

    # --- personal data --------------------------------------------------------------

    def pseudonym(self, address: str) -> str:
        """A stable stand-in for an address once its referral is purged: keyed, so nobody
        without the state file can tell whose it is, yet the same person keeps the same
        pseudonym (hmac of the address under a key made at installation)."""
        return "anon-" + self._keyed(address.strip().lower())[:20]

    def pair_key(self, a: str, b: str) -> str:
        """The pseudonym of two people together, whichever is named first, each known by
        their mailbox (case and +tag aside)."""
        return self._keyed("\n".join(sorted((mailbox_key(a), mailbox_key(b)))))

    def _keyed(self, text: str) -> str:
        """hmac-sha256 of `text` under the installation's key, made on first use."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'pseudonym_key'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('pseudonym_key', ?) ON CONFLICT DO NOTHING",
                             (secrets.token_hex(32),))
            row = self._db.execute("SELECT value FROM meta WHERE key = 'pseudonym_key'").fetchone()
        return hmac.new(bytes.fromhex(row["value"]), text.encode(), hashlib.sha256).hexdigest()

    # --- introductions made --------------------------------------------------------

    def record_introduction(self, a: str, b: str, ref: str, now: datetime) -> None:
        self._db.execute("INSERT INTO introductions VALUES (?,?,?)", (self.pair_key(a, b), ref, _iso(now)))

    def introduced(self, a: str, b: str) -> datetime | None:
        """When the broker last introduced these two people, if it ever did."""
        row = self._db.execute("SELECT MAX(at) FROM introductions WHERE pair = ?", (self.pair_key(a, b),)).fetchone()
        return _time(row[0]) if row else None

    # --- requests held for the referrer's confirmation -----------------------------------

    def hold(self, token: str, referrer: str, raw: bytes, now: datetime) -> None:
        self._db.execute("INSERT INTO held_requests VALUES (?,?,?,?,?,?)",
                         (token_key(token), token, referrer, raw, _iso(now), self.mailbox))

    def held(self, token: str) -> HeldRequest | None:
        if not token:
            return None
        row = self._db.execute("SELECT token, referrer, raw, held_at FROM held_requests WHERE token_key = ?",
                               (token_key(token),)).fetchone()
        if row is None or not same_token(row["token"], token):
            return None
        return HeldRequest(row["token"], row["referrer"], bytes(row["raw"]), _time(row["held_at"]))

    def release(self, token: str) -> None:
        """Forget a held request: confirmed, disowned or lapsed, it is never read again."""
        self._db.execute("DELETE FROM held_requests WHERE token_key = ?", (token_key(token),))

    def held_since(self, domain: str, since: datetime) -> int:
        """Requests still held, received since then, in the name of anyone at `domain`."""
        pattern = "%@" + domain.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return self._db.execute("SELECT COUNT(*) FROM held_requests WHERE held_at >= ? "
                                "AND lower(referrer) LIKE ? ESCAPE '\\'", (_iso(since), pattern)).fetchone()[0]

    def held_count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM held_requests").fetchone()[0]

    def release_held_before(self, cutoff: datetime) -> int:
        return self._db.execute("DELETE FROM held_requests WHERE held_at < ?", (_iso(cutoff),)).rowcount

    def purge(self, closed_before: datetime, now: datetime) -> list[str]:
        """Reduce every referral closed before `closed_before` to its consent record: who
        (a pseudonym), which role, what answer, when, from which message. Names, addresses,
        notes, texts, sent messages and the timeline's details go. Returns the refs purged."""
        refs = [row["ref"] for row in self._db.execute(
            "SELECT ref FROM referrals WHERE closed_at IS NOT NULL AND closed_at < ? AND purged_at IS NULL",
            (_iso(closed_before),))]
        for ref in refs:
            referrer = self._db.execute("SELECT referrer_address FROM referrals WHERE ref = ?", (ref,)).fetchone()[0]
            self._db.execute(
                "UPDATE referrals SET referrer_name = '', referrer_address = ?, referrer_key = ?, context = '', "
                "subject = '', forwarded_text = '', purged_at = ? WHERE ref = ?",
                (self.pseudonym(referrer), self.pseudonym(referrer), _iso(now), ref))
            for party in self._db.execute("SELECT role, address FROM parties WHERE ref = ?", (ref,)).fetchall():
                pseudonym = self.pseudonym(party["address"])
                self._db.execute("UPDATE parties SET name = '', address = ?, address_key = ?, note = '' "
                                 "WHERE ref = ? AND role = ?", (pseudonym, pseudonym, ref, party["role"]))
            self._db.execute("DELETE FROM outbox WHERE ref = ? AND (sent_at IS NOT NULL OR failed_at IS NOT NULL)",
                             (ref,))
            self._db.execute("DELETE FROM timeline WHERE ref = ?", (ref,))
            self.log(ref, "personal data purged; the consent record remains", now)
        # Handled-message records only serve to recognise a message seen minutes ago, and
        # deliveries to count a day's messages.
        self._db.execute("DELETE FROM seen WHERE at < ?", (_iso(closed_before),))
        self._db.execute("DELETE FROM deliveries WHERE at < ?", (_iso(now - DELIVERIES_KEPT),))
        return refs

    def consent_records(self) -> list[dict]:
        """One record per party of every referral: the anonymised consent record once the
        referral is purged, the full one before."""
        rows = self._db.execute(
            """SELECT r.ref, r.state, r.created_at, r.closed_at, r.purged_at, r.referrer_address,
                      p.role, p.address, p.answer, p.answered_at, p.asked_message_id, p.answer_message_id
               FROM referrals r JOIN parties p ON p.ref = r.ref ORDER BY r.created_at, r.ref, p.role DESC""")
        return [dict(row) for row in rows]

    # --- timeline ----------------------------------------------------------------------

    def log(self, ref: str, what: str, now: datetime) -> None:
        self._db.execute("INSERT INTO timeline (ref, at, what) VALUES (?,?,?)", (ref, _iso(now), what))

    def timeline(self, ref: str) -> list[tuple[datetime, str]]:
        rows = self._db.execute("SELECT at, what FROM timeline WHERE ref = ? ORDER BY id", (ref,))
        return [(_time(r["at"]), r["what"]) for r in rows]

    def sent_messages(self, ref: str) -> list[sqlite3.Row]:
        return self._db.execute(
            "SELECT template, message_id, recipients, created_at, sent_at, failed_at, last_error FROM outbox "
            "WHERE ref = ? ORDER BY id", (ref,)).fetchall()

    # --- administration: the daemon's heartbeat and read-only summaries ----------------

    def heartbeat(self, pid: int, imap_connected: bool, now: datetime) -> None:
        """The daemon says it is alive, once per loop turn: its pid, the time, and when it
        last had the IMAP server on the line. Written at most every HEARTBEAT_EVERY (and
        when the IMAP connection comes or goes), so an idle loop causes no write churn.
        Never raises: a state file that cannot be written must not stop the loop, which
        already knows how to wait for it."""
        if self._beat is None:  # first beat of this process: keep the last known IMAP contact
            self._beat = (None, False, (self.last_heartbeat() or {}).get("imap_contact_at"))
        written, was_connected, contact = self._beat
        contact = _iso(now) if imap_connected else contact
        if written and now - written < HEARTBEAT_EVERY and was_connected == imap_connected:
            return
        value = json.dumps({"pid": pid, "at": _iso(now), "imap_contact_at": contact})
        try:
            self._set_meta("heartbeat", value)
        except self._db.Error:
            return
        self._beat = (now, imap_connected, contact)

    def last_heartbeat(self) -> dict | None:
        """{"pid", "at", "imap_contact_at"} as the daemon last wrote them, or None."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'heartbeat'").fetchone()
        return json.loads(row["value"]) if row else None

    def mailboxes_in_use(self) -> dict[str, int]:
        """The mailboxes that have referrals in progress or messages to send, with how
        many of both: a mailbox the config no longer declares leaves them stranded."""
        rows = self._db.execute(
            """SELECT mailbox, COUNT(*) AS n FROM (
                   SELECT mailbox FROM referrals WHERE due_at IS NOT NULL
                   UNION ALL SELECT mailbox FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL) AS work
               GROUP BY mailbox""")
        return {row["mailbox"]: row["n"] for row in rows}

    def mailbox_of(self, ref: str) -> str | None:
        row = self._db.execute("SELECT mailbox FROM referrals WHERE ref = ?", (ref,)).fetchone()
        return row["mailbox"] if row else None

    def referral_counts(self) -> dict[str, int]:
        """How many referrals are in each state, every state listed."""
        counts = {state.value: 0 for state in State}
        for row in self._db.execute("SELECT state, COUNT(*) AS n FROM referrals GROUP BY state"):
            counts[row["state"]] = row["n"]
        return counts

    def suppressed_count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM suppression").fetchone()[0]

    def received_messages(self, ref: str) -> list[sqlite3.Row]:
        """The incoming messages filed under this referral: Message-ID, folder, why, when."""
        return self._db.execute("SELECT message_id, fate, reason, at FROM seen WHERE ref = ? ORDER BY at",
                                (ref,)).fetchall()


# A message retried later is anybody's again, once due: the claim is released.
_UNCLAIMED = "claimed_by = NULL, claimed_until = NULL"


def _outbox_item(row) -> OutboxItem:
    return OutboxItem(row["id"], row["ref"], row["message_id"], row["envelope_from"],
                      tuple(json.loads(row["recipients"])), row["raw"], row["attempts"], row["reply_token"])


def _party(row: sqlite3.Row) -> Party:
    return Party(
        role=Role(row["role"]),
        person=Person(row["name"], row["address"]),
        token=row["token"],
        lang=row["lang"],
        answer=Answer(row["answer"]) if row["answer"] else None,
        note=row["note"],
        answered_at=_time(row["answered_at"]),
        clarifications=row["clarifications"],
        asked_message_id=row["asked_message_id"],
        answer_message_id=row["answer_message_id"],
    )


def _recipient_pattern(address: str) -> str:
    """A LIKE pattern finding `address` in an outbox row's recipients (a JSON list),
    without case."""
    quoted = json.dumps(address.strip().lower())
    return "%" + quoted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _make_private(path: Path) -> None:
    """A state file others could read (made by hand, or by an older version) is made the
    owner's only, with its WAL files, when the owner opens it."""
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if file.stat().st_uid == os.geteuid() and file.stat().st_mode & 0o077:
                file.chmod(0o600)
        except FileNotFoundError:
            pass


def _statements(script: str) -> list[str]:
    """The schema's statements one by one (none contains a semicolon of its own), so
    both databases run them through the same execute()."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    return [statement.strip() for statement in "\n".join(lines).split(";") if statement.strip()]


class _Row:
    """A PostgreSQL row read like sqlite3.Row: by column name, by position, or as a dict."""

    __slots__ = ("_values", "_columns")

    def __init__(self, values: tuple, columns: dict[str, int]):
        self._values, self._columns = values, columns

    def __getitem__(self, key: str | int):
        return self._values[self._columns[key] if isinstance(key, str) else key]

    def __iter__(self) -> Iterator:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> list[str]:
        return list(self._columns)


def _rows(cursor):
    """psycopg row factory making _Row objects."""
    columns = {column.name: i for i, column in enumerate(cursor.description or ())}
    return lambda values: _Row(values, columns)


class _Postgres:
    """A psycopg 3 connection used like the sqlite3 one: execute() takes SQLite's `?`
    placeholders, rows read like sqlite3.Row, `.Error` catches whatever it raises.
    Autocommit, with transactions opened by Store.transaction(). A lost connection
    raises DatabaseUnavailable (the server rolls back what was open); the next
    statement connects again."""

    # Times compare byte by byte ("C"), as in SQLite, whatever the database's locale.
    TYPES = {"serial_key": "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "blob": "BYTEA",
             "time": 'TEXT COLLATE "C"'}
    # SQLite's NOCASE as a collation of this database (case-insensitive, accents kept),
    # so the schema and the queries say `COLLATE NOCASE` for both.
    PREAMBLE = ("CREATE COLLATION IF NOT EXISTS nocase "
                "(provider = icu, locale = 'und-u-ks-level2', deterministic = false)")
    SCHEMA_LOCK = 0x6D61696C  # any constant shared by every instance: the advisory lock's key

    def __init__(self, url: str, readonly: bool = False):
        import psycopg  # here, not at the top: SQLite users need not pay for loading it

        self.Error = (psycopg.Error, DatabaseUnavailable)
        self._psycopg, self._url, self.readonly = psycopg, url, readonly
        self._in_transaction = False  # between Store.transaction()'s BEGIN and its COMMIT or ROLLBACK
        self._connection = self._connect()

    def _connect(self):
        try:
            connection = self._psycopg.connect(self._url, autocommit=True, row_factory=_rows, connect_timeout=10)
            if self.readonly:
                connection.execute("SET default_transaction_read_only = on")
        except self._psycopg.OperationalError as error:
            raise DatabaseUnavailable(f"cannot connect to the PostgreSQL state database: {error}") from error
        return connection

    def execute(self, query: str, params: tuple | list = ()):
        if self._connection.closed:
            self._reconnect(query)
            if query == "ROLLBACK":
                return None  # the server rolled back when the connection ended
        if query.startswith("BEGIN"):
            self._in_transaction = True
        elif query in ("COMMIT", "ROLLBACK"):
            self._in_transaction = False
        if params:
            query = query.replace("%", "%%").replace("?", "%s")
        try:
            return self._connection.execute(query, params or None)
        except self._psycopg.OperationalError as error:
            raise DatabaseUnavailable(f"the PostgreSQL state database failed: {error}") from error

    def _reconnect(self, query: str) -> None:
        """A new connection, except in the middle of a transaction: the server rolled its
        first half back with the old connection, so its second half must not run alone."""
        if self._in_transaction:
            if query in ("COMMIT", "ROLLBACK"):
                self._in_transaction = False
            if query != "ROLLBACK":
                raise DatabaseUnavailable("the connection to the PostgreSQL state database was lost "
                                          "during a transaction, which was rolled back")
            return
        self._connection = self._connect()

    def close(self) -> None:
        self._connection.close()
