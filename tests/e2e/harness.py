"""Run the real `mailbroker run` as a subprocess and write mail the way people do.

The broker under test is the installed console script, configured by a YAML file written
for the local mail system; the tests talk to it only through mail (and, to know when it
has settled, by reading its state file).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from mailbroker import testing as mt

BROKER = mt.BROKER
REFERRER = mt.REFERRER

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
smtp:
  host: 127.0.0.1
  port: {smtp_port}
  security: none
referrers:
  - {referrer}
  - "*@partners.example.test"
policy:
  reminder_after: {reminder_after}
  expire_after: {expire_after}
  language: en
state:
  path: state.sqlite3
log:
  level: debug
"""


class Broker:
    """One broker process with its own config and state directory."""

    def __init__(self, directory: Path, **settings):
        self.directory = directory
        self.config = directory / "mailbroker.yaml"
        self.log = directory / "mailbroker.log"
        settings = {"reminder_after": "1h", "expire_after": "2h", "poll_interval": "5s", "idle": "true",
                    "imap_port": mt.IMAP_PORT, "imap_security": "none", "verify_certificate": "true",
                    "smtp_port": mt.SMTP_PORT, **settings}
        self.config.write_text(CONFIG.format(broker=BROKER, referrer=REFERRER, **settings))
        self.process: subprocess.Popen | None = None

    @property
    def command(self) -> list[str]:
        return [str(Path(sys.executable).parent / "mailbroker")]

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*self.command, *args, "--config", str(self.config)], capture_output=True,
                              text=True, timeout=60, env=self._env())

    def start(self) -> Broker:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([*self.command, "run", "--config", str(self.config)],
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=self._env())
        return self

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
        return {**os.environ, "MAILBROKER_IMAP_PASSWORD": mt.PASSWORD}

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
        path = self.directory / "state.sqlite3"
        if not path.exists():
            return [(0,)]
        with sqlite3.connect(path, timeout=10) as db:
            return db.execute(sql, args).fetchall()
