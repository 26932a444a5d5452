"""Run the real `mailbroker run` as a subprocess and write mail the way people do.

The broker under test is the installed console script, configured by a YAML file written
for the local mail system; the tests talk to it only through mail (and, to know when it
has settled, by reading its state: a SQLite file, or a PostgreSQL schema of the test's own).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mailbroker import testing as mt

BROKER = mt.BROKER
REFERRER = mt.REFERRER
#: The state stores, for `@pytest.mark.stores(*STORES)` (see conftest.py).
STORES = ("sqlite", "postgresql")

CONFIG = """\
broker:
  address: {broker}
  name: Introductions
imap:
  host: 127.0.0.1
  port: {imap_port}
  security: {imap_security}
  verify_certificate: {verify_certificate}
  username: intro
  password_env: MAILBROKER_IMAP_PASSWORD
  idle: {idle}
  poll_interval: {poll_interval}
  timeout: {imap_timeout}
smtp:
  host: 127.0.0.1
  port: {smtp_port}
  security: none
  timeout: {smtp_timeout}
referrers:
  - {referrer}
  - "*@partners.example.test"
authentication:
  unauthenticated_requests: {unauthenticated_requests}
policy:
  reminder_after: {reminder_after}
  expire_after: {expire_after}
  language: en
state:
  {state}
log:
  level: debug
  format: {log_format}
"""


#: Written into the broker's log by the harness, so that a test can tell the lives of
#: the process apart: "START n" before each start, "KILLED pid P" after a SIGKILL.
MARK = "=== harness: "


class Broker:
    """One broker process with its own config and state directory.

    `env` adds environment variables for the process (e.g. NOTIFY_SOCKET, or the
    daemon's test hook mailbroker.daemon.CRASH_ENV); `extra_config` is YAML appended to
    the configuration (e.g. a `limits:` section). The state is the SQLite file
    `state_path` in the directory, or, given `state_url`, that PostgreSQL database
    (which several brokers may share)."""

    def __init__(self, directory: Path, env: dict | None = None, extra_config: str = "",
                 state_url: str | None = None, **settings):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.config = directory / "mailbroker.yaml"
        self.log = directory / "mailbroker.log"
        settings = {"reminder_after": "1h", "expire_after": "2h", "poll_interval": "5s", "idle": "true",
                    "imap_port": mt.IMAP_PORT, "imap_security": "none", "verify_certificate": "true",
                    "smtp_port": mt.SMTP_PORT, "imap_timeout": "30s", "smtp_timeout": "30s",
                    "state_path": "state.sqlite3", "log_format": "text",
                    # The tests' requests are not DKIM-signed; those of the default (confirm)
                    # say so (tests/security).
                    "unauthenticated_requests": "accept", **settings}
        self.state_url = state_url
        self.state = None if state_url else directory / settings["state_path"]
        state = f'url: "{state_url}"' if state_url else f"path: {settings['state_path']}"
        self.config.write_text(CONFIG.format(broker=BROKER, referrer=REFERRER, state=state, **settings) + extra_config)
        self.extra_env = dict(env or {})
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.kills = 0

    @property
    def command(self) -> list[str]:
        return [str(Path(sys.executable).parent / "mailbroker")]

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*self.command, *args, "--config", str(self.config)], capture_output=True,
                              text=True, timeout=60, env=self._env())

    def start(self) -> Broker:
        self.starts += 1
        self.mark(f"START {self.starts}")
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([*self.command, "run", "--config", str(self.config)],
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=self._env())
        return self

    def mark(self, text: str) -> None:
        with open(self.log, "a") as log:
            log.write(f"{MARK}{text}\n")

    def kill(self) -> int:
        """SIGKILL, as the OOM killer or a power cut would: no cleanup of any kind."""
        assert self.process is not None
        pid = self.process.pid
        self.process.kill()
        code = self.process.wait()
        self.process = None
        self.kills += 1
        self.mark(f"KILLED pid {pid}")
        return code

    def wait_exit(self, timeout: float) -> int | None:
        """Wait for the process to end by itself; its exit code, or None if it still runs."""
        assert self.process is not None
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        self.mark(f"EXITED pid {self.process.pid} code {code}")
        self.process = None
        return code

    def cpu_seconds(self) -> float:
        """User + system CPU time the running broker has used so far (/proc/PID/stat)."""
        assert self.process is not None
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()
        # Fields 14 and 15 of stat(5) (utime, stime), counted from 1 with pid and comm first.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def wait_for_log(self, text: str, timeout: float = 20.0, after: int = 0) -> float:
        """Wait until `text` appears in the log past offset `after`; return when (monotonic)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log_text()[after:]:
                return time.monotonic()
            assert self.process is None or self.process.poll() is None, "broker died:\n" + self.log_text()[-4000:]
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not in the broker's log after {timeout}s:\n{self.log_text()[after:][-4000:]}")

    def stop(self) -> int:
        if self.process is None:
            return 0
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.process = None
        return code

    def _env(self) -> dict:
        # Whatever systemd gave the test runner is not for the broker under test.
        inherited = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")}
        return {**inherited, "MAILBROKER_IMAP_PASSWORD": mt.PASSWORD, **self.extra_env}

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def settled(self, timeout: float = 20.0) -> None:
        """Wait until the broker's INBOX is empty and its outbox fully sent (or failed),
        so that whatever it was going to send has been sent."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is None or self.process.poll() is None, "broker died:\n" + self.log_text()
            with mt.Mailbox("intro") as box:
                inbox = box.count("INBOX")
            if inbox == 0 and self.outbox_pending() == 0:
                time.sleep(0.5)  # let Postfix finish the deliveries it accepted
                return
            time.sleep(0.1)
        raise AssertionError(f"broker did not settle in {timeout}s; log:\n{self.log_text()[-4000:]}")

    def outbox_pending(self) -> int:
        return self.query("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL")[0][0]

    def query(self, sql: str, *args) -> list[tuple]:
        """Rows of `sql`, written for SQLite (`?` placeholders), from either store;
        [(0,)] while the broker has not created its state yet."""
        if self.state_url:
            return postgres_query(self.state_url, sql, args)
        if not self.state.exists():
            return [(0,)]
        with sqlite3.connect(self.state, timeout=10) as db:
            return db.execute(sql, args).fetchall()


def postgres_query(url: str, sql: str, args: tuple = ()) -> list[tuple]:
    """SQLite's `?` become psycopg's `%s` (and a literal `%` is doubled), as the store's
    own PostgreSQL connection does."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        try:
            return db.execute(sql.replace("%", "%%").replace("?", "%s"), args).fetchall()
        except psycopg.errors.UndefinedTable:
            return [(0,)]


@pytest.fixture
def brokers(tmp_path, store, request):
    """Make Broker objects (`brokers(**settings)`) on the test's store (see conftest.py),
    and make sure that whatever a test leaves running is gone after it: a stray broker
    would read the next test's mail. On PostgreSQL each broker gets a fresh schema of its
    own, as it gets a file of its own on SQLite, unless given another's `state_url`."""
    made: list[Broker] = []
    database_url = request.getfixturevalue("postgres_url") if store == "postgresql" else None
    with contextlib.ExitStack() as schemas:

        def make(directory: Path | None = None, **settings) -> Broker:
            if database_url and "state_url" not in settings:
                settings["state_url"] = schemas.enter_context(mt.fresh_schema(database_url, prefix="e2e"))
            broker = Broker(directory or tmp_path / f"broker{len(made) + 1}", **settings)
            made.append(broker)
            return broker

        yield make
        for broker in made:
            if broker.process is not None and broker.process.poll() is None:
                broker.process.kill()
                broker.process.wait()
            print(f"--- log of {broker.directory} (end) ---\n{broker.log_text()[-6000:]}")


# --- what the tests send and look for ---------------------------------------------------

ALICE, BOB = mt.address("alice"), mt.address("bob")


def subject_has(text):
    return lambda m: text in str(m["Subject"])


def forward_from_alice_to_bob(**kwargs):
    return mt.gmail_forward(
        "Hi, could you introduce Alice to Bob Stone <bob@example.test>? Bob and I built the "
        "payments platform at Acme together in 2021; Alice is hiring a payments lead.",
        author=ALICE, author_name="Alice Martin", subject="Looking for a payments lead",
        body="Hi Rita,\n\nDo you know anyone who has run a payments team? I'd love an intro.\n\nAlice",
        **kwargs)


def is_consent_request(m):
    """The first message a party gets: it asks (a reply address with a token) and
    replies to nothing."""
    return "intro+" in str(m["Reply-To"]) and m["In-Reply-To"] is None


def consent_requests():
    with mt.Mailbox("alice") as a, mt.Mailbox("bob") as b:
        [to_alice] = a.wait_for(is_consent_request)
        [to_bob] = b.wait_for(is_consent_request)
    return to_alice, to_bob


def everything(user):
    with mt.Mailbox(user) as box:
        return box.messages()


def closed_port() -> int:
    """A loopback port nothing listens on once this returns."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def mail_system_restored():
    """Whatever a test stopped, paused or switched, put back afterwards (autouse in the
    modules that import it)."""
    yield
    for command in ("resume-dovecot", "resume-postfix", "start"):
        mt.mailsystem(command)
    mt.mailsystem("tempfail", "on")
