"""The daemon: one loop that reads mail, runs timers and drains the outbox.

    loop:
        handle every message in the watched folder (commit, then move it)
        run the reminders and expiries that are due
        send what the outbox holds
        wait for new mail (IMAP IDLE, or a poll) until the next timer is due

One sequential loop keeps the order of events obvious: a message's consequences are
committed before the next message is read, and sent before the loop sleeps. Blocking
IMAP calls run in a worker thread so that signals and SMTP stay responsive.

Every network call is bounded (imap.timeout and smtp.timeout on the sockets, the IMAP
wait by the next timer), so the loop never hangs on a dead connection, and it never
spins: whatever is down, the loop sleeps until the next retry. Under systemd
(`Type=notify`, see notify.py) it says READY=1 once it has tried IMAP, and pings the
watchdog from the loop itself, at least every quarter of the watchdog period: a loop
that stops turning stops pinging, and systemd restarts the broker.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from datetime import datetime, timedelta

from imapclient.exceptions import LoginError

from .admin import stale_after
from .compose import Identity
from .config import Config
from .engine import Engine, utcnow
from .mailbox import CONNECTION_ERRORS, Mailbox, batches
from .metrics import Endpoint, Metrics
from .notify import Notifier
from .sender import Sender
from .store import UNAVAILABLE, Store, shown
from .wording import Wording
from .workflow import Limits, Policy

log = logging.getLogger(__name__)

# IMAP reconnection: 1 s, 2 s, 4 s, then every 5 s while the server is unreachable (one
# TCP connection each: back within seconds of the server's return); a refused login is
# not cured by insisting, so that backs off to a minute.
PURGE_INTERVAL = timedelta(days=1)
RECONNECT_FIRST = 1.0
RECONNECT_LONGEST = 5.0
LOGIN_RETRY_LONGEST = 60.0
STATE_RETRY_FIRST = 5.0
STATE_COUNT_EVERY = 15.0  # seconds between two counts of the referrals for the metrics
STATE_RETRY_LONGEST = 300.0

#: Test hook: with this environment variable set, reading a message whose bytes contain
#: its value kills the process (see mailbroker.testing.install_crash_hook). Never set
#: in production, where it does nothing.
CRASH_ENV = "MAILBROKER_TEST_CRASH_ON"


def policy_from(config: Config) -> Policy:
    p = config.policy
    return Policy(reminder_after=p.reminder_after, expire_after=p.expire_after, language=p.language,
                  require_context=p.require_context, limits=Limits(**config.limits.model_dump()))


def engine_from(config: Config, store: Store, clock=utcnow) -> Engine:
    identity = Identity(config.broker.address, config.broker.name)
    return Engine(store, identity, policy_from(config), config.is_allowed_referrer, clock,
                  trusted_servers=config.authentication.trusted_servers,
                  wording=Wording(config.templates.directory), html=config.templates.html)


class Daemon:
    def __init__(self, config: Config, notifier: Notifier | None = None):
        self.config = config
        self.notifier = notifier or Notifier()
        self.store = Store.open(config.state.location)
        self.engine = engine_from(config, self.store)
        self.sender = Sender(self.store, config.smtp, utcnow,
                             on_permanent_failure=lambda item, error: self.engine.undeliverable(item.reply_token, error),
                             on_progress=self.notifier.watchdog,
                             on_failure=lambda permanent: self.metrics.send_failures.labels(
                                 permanent=str(permanent).lower()).inc())
        self.mailbox = Mailbox(config.imap)
        self.metrics = Metrics()
        self.endpoint: Endpoint | None = None
        self._last_turn = time.monotonic()
        self._next_count = 0.0
        self._stopping = asyncio.Event()
        self._next_purge: datetime | None = None
        self._reconnect_delay = RECONNECT_FIRST
        self._retry_imap_at: datetime | None = None
        self._retry_state_at: datetime | None = None
        self._state_delay = STATE_RETRY_FIRST
        self._ready = False
        if os.environ.get(CRASH_ENV):
            from .testing import install_crash_hook

            install_crash_hook(os.environ[CRASH_ENV].encode())
            log.warning("TEST HOOK %s is set: a message containing %r kills this process",
                        CRASH_ENV, os.environ[CRASH_ENV])

    def stop(self) -> None:
        if not self._stopping.is_set():
            log.info("stopping")
            self._stopping.set()
            self.notifier.stopping("stopping")
            self.mailbox.interrupt()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stop)
        log.info("mailbroker started for %s", self.config.broker.address)
        if self.notifier.watchdog_interval:
            log.info("systemd watchdog every %.1f s", self.notifier.watchdog_interval)
        self._serve_metrics()
        try:
            while not self._stopping.is_set():
                if self._retry_state_at is None or utcnow() >= self._retry_state_at:
                    try:
                        await self._work()
                    except UNAVAILABLE as error:
                        self._state_unwritable(error)
                self._alive()
                await self._wait(self._seconds_until_next_timer())
        finally:
            await asyncio.to_thread(self.mailbox.close)
            await self.sender.close()
            if self.endpoint:
                self.endpoint.stop()
            self.store.close()
            self.notifier.close()
            log.info("mailbroker stopped")

    def _count_state(self) -> None:
        """Referrals by state and the outbox's depth for the metrics, every little while:
        counting all referrals on every turn would cost more than it tells."""
        now = time.monotonic()
        if self.endpoint is not None and now >= self._next_count:
            self.metrics.state(self.store.referral_counts(), self.store.outbox_counts()["pending"])
            self._next_count = now + STATE_COUNT_EVERY

    def _alive(self) -> None:
        """The loop turned: tell systemd, `mailbroker status` and the health check."""
        self.notifier.watchdog()
        self.store.heartbeat(os.getpid(), self.mailbox.client is not None, utcnow())
        self._last_turn = time.monotonic()

    def _serve_metrics(self) -> None:
        if self.config.metrics.listen is None:
            return
        host, port = self.config.metrics.listen
        try:
            self.endpoint = Endpoint(self.metrics, self.health, host, port).start()
        except OSError as error:
            # The broker's work matters more than its metrics: say so, and go on without them.
            log.error("cannot serve metrics on %s:%s (%s): check metrics.listen; running without them",
                      host, port, error)
            return
        log.info("metrics on http://%s:%s/metrics, health on /health", host, port)

    def health(self) -> str | None:
        """None when all is well, else what is wrong (read from the metrics thread)."""
        stalled = time.monotonic() - self._last_turn
        if stalled > stale_after(self.config).total_seconds():
            return f"the main loop has not turned for {stalled:.0f} s"
        if self._retry_state_at is not None:
            return "cannot write the state database"
        if self.mailbox.client is None:
            return "not connected to the IMAP server"
        return None

    async def _work(self) -> None:
        await self._read_mail()
        self.engine.tick()
        self._purge_when_due()
        self.metrics.sent.inc(await self.sender.drain())
        # One SMTP session per turn of the loop: a burst shares it; a retry, later, gets
        # a fresh one, which sees what the server changed meanwhile (Postfix's smtpd
        # reads its tables once per session).
        await self.sender.close()
        self._count_state()
        if self._retry_state_at is not None:
            log.info("the state database is writable again")
            self.notifier.status("watching " + self.config.imap.folders.watch)
        self._retry_state_at, self._state_delay = None, STATE_RETRY_FIRST

    def _state_unwritable(self, error: Exception) -> None:
        """A full disk or a broken state file: every change was rolled back and every
        message stays where it was, so waiting and trying again loses nothing."""
        delay = self._state_delay
        self._retry_state_at = utcnow() + timedelta(seconds=delay)
        self._state_delay = min(delay * 2, STATE_RETRY_LONGEST)
        log.error("cannot write the state database %s (%s): free disk space or check the file "
                  "(or the PostgreSQL server); nothing is lost, the mail waits in %s; retrying in %.0f s",
                  shown(self.config.state.location), error, self.config.imap.folders.watch, delay)
        self.notifier.status(f"cannot write the state database: {error}")

    def _announce_ready(self) -> None:
        """READY=1 once IMAP was tried, whether it answered or not: a mail server that is
        down must not fail the unit (the broker waits for it by itself, and says so in
        STATUS=), and the watchdog covers a broker that hangs."""
        if not self._ready:
            self._ready = True
            connected = self.mailbox.client is not None
            self.notifier.ready("watching " + self.config.imap.folders.watch if connected
                                else "waiting for the IMAP server")

    async def _read_mail(self) -> None:
        connected = self.mailbox.client is not None or await self._reconnect()
        self._announce_ready()
        self.notifier.watchdog()
        if not connected:
            return
        try:
            max_size = self.config.limits.max_message_size
            for batch in batches(await asyncio.to_thread(self.mailbox.scan), max_size):
                for message in await asyncio.to_thread(self.mailbox.fetch, batch, max_size):
                    if self._stopping.is_set():
                        return
                    started = time.perf_counter()
                    fate = self.engine.handle(message.raw, too_large=message.too_large)
                    self.metrics.handled(fate.kind, fate.folder, time.perf_counter() - started)
                    folder = getattr(self.config.imap.folders, fate.folder)
                    # Both follow the commit and neither needs the other: the message is
                    # moved (IMAP, in a worker thread) while what it caused goes out (SMTP,
                    # here) — now, not after the rest of the backlog, so the first
                    # referral of a burst waits for no other.
                    moved, sent = await asyncio.gather(asyncio.to_thread(self.mailbox.move, message.uid, folder),
                                                       self.sender.drain(), return_exceptions=True)
                    for outcome in (moved, sent):  # raised once both are over: no drain left running
                        if isinstance(outcome, BaseException):
                            raise outcome
                    self.metrics.sent.inc(sent)
                    log.info("message uid %s -> %s: %s", message.uid, folder, fate.reason,
                             extra={"event": "message", "uid": message.uid, "folder": folder, "kind": fate.kind,
                                    "ref": fate.ref, "message_id": fate.message_id})
                    self._alive()
        except CONNECTION_ERRORS as error:
            self._lost_connection(error)

    async def _reconnect(self) -> bool:
        now = utcnow()
        if self._retry_imap_at and now < self._retry_imap_at:
            return False
        try:
            await asyncio.to_thread(self.mailbox.connect)
        except CONNECTION_ERRORS as error:
            self._lost_connection(error)
            return False
        self._reconnect_delay = RECONNECT_FIRST
        self._retry_imap_at = None
        if self._ready:
            self.notifier.status("watching " + self.config.imap.folders.watch)
        return True

    def _lost_connection(self, error: BaseException) -> None:
        self.metrics.imap_reconnects.inc()
        # The connection is broken: drop it without a LOGOUT that could only time out.
        self.mailbox.abandon()
        longest = LOGIN_RETRY_LONGEST if isinstance(error, LoginError) else RECONNECT_LONGEST
        delay = min(self._reconnect_delay, longest)
        self._retry_imap_at = utcnow() + timedelta(seconds=delay)
        self._reconnect_delay = min(delay * 2, longest)
        if self._stopping.is_set():
            return
        if isinstance(error, LoginError):
            s = self.config.imap
            secret = "the access token (imap.oauth2_token_command)" if s.auth == "xoauth2" else "the password"
            log.error("IMAP login as %s on %s:%s refused (%s): check imap.username and %s; "
                      "retrying in %.0f s", s.username, s.host, s.port, error, secret, delay)
            self.notifier.status(f"IMAP login refused: {error}")
        else:
            log.warning("IMAP unavailable (%s: %s); retrying in %.0f s", type(error).__name__, error, delay)
            self.notifier.status(f"IMAP unavailable: {type(error).__name__}: {error}")

    def _purge_when_due(self) -> None:
        """Personal data past its retention goes once a day (and at start)."""
        now = utcnow()
        if self._next_purge is None or now >= self._next_purge:
            self.engine.purge(self.config.data.retention)
            self._next_purge = now + PURGE_INTERVAL

    def _seconds_until_next_timer(self) -> float:
        """Sleep until the earliest of: a poll, a referral's reminder or expiry, an outbox
        retry or SMTP probe, an IMAP reconnection attempt; and never longer than the
        watchdog allows."""
        now = utcnow()
        if self._retry_state_at is not None:
            candidates = [self._retry_state_at]  # nothing can be done before
        else:
            candidates = [now + self.config.imap.poll_interval]
        for moment in (self.store.next_due_at(), self.sender.next_attempt(), self._retry_imap_at):
            if moment is not None:
                candidates.append(moment)
        seconds = max(0.0, (min(candidates) - now).total_seconds())
        if self.notifier.max_wait is not None:
            seconds = min(seconds, self.notifier.max_wait)
        return seconds

    async def _wait(self, seconds: float) -> None:
        if self._stopping.is_set() or seconds <= 0:
            return
        if self.mailbox.client is None:
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
            except TimeoutError:
                pass
            return
        try:
            await asyncio.to_thread(self.mailbox.wait, seconds)
        except CONNECTION_ERRORS as error:
            self._lost_connection(error)


def run(config: Config) -> None:
    asyncio.run(Daemon(config).run())
