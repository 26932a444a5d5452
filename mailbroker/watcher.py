"""One broker mailbox's loop: read its mail, run its timers, hand what they cause to
its sending thread.

    loop:
        handle every message in the watched folder (commit, wake the sender, move it)
        run the reminders and expiries that are due
        wait for new mail (IMAP IDLE, or a poll) until the next timer is due

One sequential loop keeps the order of events obvious: a message's consequences are
committed before it is moved and before the next message is read. They are sent by
the mailbox's sending thread (sending.py), which works while this loop reads on. The
daemon runs one such loop per mailbox of the config (see daemon.py), side by side:
each has its own IMAP connection, waited on in a thread of its own so that one
mailbox's IDLE never holds up another, and its own SMTP account, timers and outbox.

Every network call is bounded (imap.timeout and smtp.timeout on the sockets, the IMAP
wait by the next timer), so the loop never hangs on a dead connection, and it never
spins: whatever is down, the loop sleeps until the next retry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from imapclient.exceptions import LoginError

from .compose import Identity
from .config import MailboxSettings
from .engine import Engine, utcnow
from .mailbox import CONNECTION_ERRORS, Mailbox, batches
from .sending import SendingThread
from .store import UNAVAILABLE, Store, is_database_url, shown
from .wording import Wording
from .workflow import Limits, Policy

if TYPE_CHECKING:
    from .daemon import Daemon

log = logging.getLogger("mailbroker.daemon")

# IMAP reconnection: 1 s, 2 s, 4 s, then every 5 s while the server is unreachable (one
# TCP connection each: back within seconds of the server's return); a refused login is
# not cured by insisting, so that backs off to a minute.
RECONNECT_FIRST = 1.0
RECONNECT_LONGEST = 5.0
LOGIN_RETRY_LONGEST = 60.0
STATE_RETRY_FIRST = 5.0
STATE_RETRY_LONGEST = 300.0


def policy_from(settings: MailboxSettings) -> Policy:
    p = settings.policy
    return Policy(reminder_after=p.reminder_after, expire_after=p.expire_after, language=p.language,
                  require_context=p.require_context, limits=Limits(**settings.limits.model_dump()))


def engine_from(settings: MailboxSettings, store: Store, clock: Callable[[], datetime] = utcnow) -> Engine:
    identity = Identity(settings.broker.address, settings.broker.name)
    return Engine(store, identity, policy_from(settings), settings.is_allowed_referrer, clock,
                  trusted_servers=settings.authentication.trusted_servers,
                  unauthenticated_requests=settings.authentication.unauthenticated_requests,
                  wording=Wording(settings.templates.directory), html=settings.templates.html)


class _MailboxLog(logging.LoggerAdapter):
    """The daemon's log lines about one mailbox: with its address in front when the
    daemon watches several, and as the `mailbox` field in JSON."""

    def __init__(self, address: str, several: bool):
        super().__init__(log, {"mailbox": address})
        self.prefix = f"[{address}] " if several else ""

    def process(self, msg, kwargs):
        kwargs["extra"] = {**self.extra, **kwargs.get("extra", {})}
        return self.prefix + msg, kwargs


class Watcher:
    """The loop of one mailbox. `key` files its referrals and messages in the shared
    state ("" for the config's top level, else its address; see Store.mailbox)."""

    def __init__(self, daemon: Daemon, settings: MailboxSettings, key: str, several: bool):
        self.daemon = daemon
        self.settings = settings
        self.log = _MailboxLog(settings.broker.address, several)
        self.store = Store.open(daemon.config.state.location, mailbox=key)
        self.engine = engine_from(settings, self.store)
        self.sending = SendingThread(daemon.config, settings, key, daemon.metrics,
                                     on_progress=daemon.notifier.watchdog, on_crash=daemon.crashed_in_thread)
        self.mailbox = Mailbox(settings.imap)
        # IMAP calls block: they run in a thread of this mailbox's own, one at a time.
        self._imap_thread = ThreadPoolExecutor(1, thread_name_prefix=f"imap-{settings.broker.address}")
        self.last_turn = time.monotonic()
        self.tried_imap = False
        self._reconnect_delay = RECONNECT_FIRST
        self._retry_imap_at: datetime | None = None
        self.retry_state_at: datetime | None = None
        self._state_delay = STATE_RETRY_FIRST

    @property
    def watching(self) -> str:
        return "watching " + self.settings.imap.folders.watch

    async def run(self) -> None:
        stopping = self.daemon.stopping
        self.sending.start()
        while not stopping.is_set():
            if self.retry_state_at is None or utcnow() >= self.retry_state_at:
                try:
                    await self._work()
                except UNAVAILABLE as error:
                    self._state_unwritable(error)
            self._turned()
            await self._wait(self._seconds_until_next_timer())

    async def close(self) -> None:
        await self._imap(self.mailbox.close)
        self._imap_thread.shutdown()
        # What is being sent, bounded by smtp.timeout; the rest waits in the outbox.
        await asyncio.to_thread(self.sending.stop, self.settings.smtp.timeout.total_seconds() + 5)
        self.store.close()

    def interrupt(self) -> None:
        self.mailbox.interrupt()

    def _turned(self) -> None:
        """The loop made progress: for the health check, the heartbeat and the watchdog."""
        self.last_turn = time.monotonic()
        self.daemon.turned(self)

    async def _imap(self, call, *args):
        return await asyncio.get_running_loop().run_in_executor(self._imap_thread, call, *args)

    async def _work(self) -> None:
        await self._read_mail()
        self.engine.tick()
        self.daemon.shared_chores(self)
        self.sending.end_of_turn()  # sends what the timers caused, then hangs up
        if self.retry_state_at is not None:
            self.log.info("the state database is writable again")
            self.daemon.notifier.status(self.watching)
        self.retry_state_at, self._state_delay = None, STATE_RETRY_FIRST

    def _state_unwritable(self, error: Exception) -> None:
        """A full disk or a broken state file: every change was rolled back and every
        message stays where it was, so waiting and trying again loses nothing."""
        delay = self._state_delay
        self.retry_state_at = utcnow() + timedelta(seconds=delay)
        self._state_delay = min(delay * 2, STATE_RETRY_LONGEST)
        location = self.daemon.config.state.location
        fix = "check that the PostgreSQL server runs and can be reached" if is_database_url(location) \
            else "free disk space or check the file"
        self.log.error("cannot write the state database %s (%s): %s; nothing is lost, the mail waits in %s; "
                       "retrying in %.0f s", shown(location), error, fix, self.settings.imap.folders.watch, delay)
        self.daemon.notifier.status(f"cannot write the state database: {error}")

    async def _read_mail(self) -> None:
        connected = self.mailbox.client is not None or await self._reconnect()
        self.tried_imap = True
        self.daemon.announce_ready()
        self.daemon.notifier.watchdog()
        if not connected:
            return
        try:
            max_size = self.settings.limits.max_message_size
            for batch in batches(await self._imap(self.mailbox.scan), max_size):
                await self._file_all(await self._imap(self.mailbox.fetch, batch, max_size))
                if self.daemon.stopping.is_set():
                    return
        except CONNECTION_ERRORS as error:
            self._lost_connection(error)

    async def _file_all(self, messages: list) -> None:
        """Handle each message, and move each once handled. The MOVEs queue up in the
        IMAP thread and run while the next messages are handled: all are over before the
        next batch is fetched. (A message whose MOVE never happens, after a crash or a
        lost connection, is found again and recognised as already handled.)"""
        moves = []
        try:
            for message in messages:
                if self.daemon.stopping.is_set():
                    break
                move = self._file(message)
                if move is not None:
                    moves.append(move)
                await asyncio.sleep(0)  # handling is synchronous: let signals and the rest in between
        finally:
            outcomes = await asyncio.gather(*moves, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    def _file(self, message) -> asyncio.Future | None:
        """Handle one message; its MOVE, queued in the IMAP thread (None if it is another
        broker's to move)."""
        started = time.perf_counter()
        fate = self.engine.handle(message.raw, too_large=message.too_large)
        self.daemon.metrics.handled(fate.kind, fate.folder, time.perf_counter() - started)
        folder = getattr(self.settings.imap.folders, fate.folder)
        if fate.handled_elsewhere:
            self.log.info("message uid %s: already handled by another broker sharing the database, which moves "
                          "it", message.uid, extra={"event": "message", "uid": message.uid, "kind": fate.kind})
            return None
        # What the message caused goes out now (sending.py), while it is moved and the
        # next one is read: not after the rest of the backlog, so the first referral of
        # a burst waits for no other.
        self.sending.wake()
        move = asyncio.get_running_loop().run_in_executor(self._imap_thread, self.mailbox.move, message.uid, folder)
        self.log.info("message uid %s -> %s: %s", message.uid, folder, fate.reason,
                      extra={"event": "message", "uid": message.uid, "folder": folder, "kind": fate.kind,
                             "ref": fate.ref, "message_id": fate.message_id})
        self._turned()
        return move

    async def _reconnect(self) -> bool:
        now = utcnow()
        if self._retry_imap_at and now < self._retry_imap_at:
            return False
        try:
            await self._imap(self.mailbox.connect)
        except CONNECTION_ERRORS as error:
            self._lost_connection(error)
            return False
        self._reconnect_delay = RECONNECT_FIRST
        self._retry_imap_at = None
        if self.daemon.ready:
            self.daemon.notifier.status(self.watching)
        return True

    def _lost_connection(self, error: BaseException) -> None:
        self.daemon.metrics.imap_reconnects.inc()
        # The connection is broken: drop it without a LOGOUT that could only time out.
        self.mailbox.abandon()
        longest = LOGIN_RETRY_LONGEST if isinstance(error, LoginError) else RECONNECT_LONGEST
        delay = min(self._reconnect_delay, longest)
        self._retry_imap_at = utcnow() + timedelta(seconds=delay)
        self._reconnect_delay = min(delay * 2, longest)
        if self.daemon.stopping.is_set():
            return
        if isinstance(error, LoginError):
            s = self.settings.imap
            secret = "the access token (imap.oauth2_token_command)" if s.auth == "xoauth2" else "the password"
            self.log.error("IMAP login as %s on %s:%s refused (%s): check imap.username and %s; "
                           "retrying in %.0f s", s.username, s.host, s.port, error, secret, delay)
            self.daemon.notifier.status(f"IMAP login refused: {error}")
        else:
            self.log.warning("IMAP unavailable (%s: %s); retrying in %.0f s", type(error).__name__, error, delay)
            self.daemon.notifier.status(f"IMAP unavailable: {type(error).__name__}: {error}")

    def _seconds_until_next_timer(self) -> float:
        """Sleep until the earliest of: a poll, a referral's reminder or expiry, an IMAP
        reconnection attempt; and never longer than the watchdog allows. (The outbox's
        retries are the sending thread's.)"""
        now = utcnow()
        if self.retry_state_at is not None:
            candidates = [self.retry_state_at]  # nothing can be done before
        else:
            candidates = [now + self.settings.imap.poll_interval, self._retry_imap_at]
            try:
                candidates.append(self.store.next_due_at())
            except UNAVAILABLE as error:  # gone since the turn began: wait for it as for a full disk
                self._state_unwritable(error)
                candidates = [self.retry_state_at]
        candidates = [moment for moment in candidates if moment is not None]
        seconds = max(0.0, (min(candidates) - now).total_seconds())
        if self.daemon.notifier.max_wait is not None:
            seconds = min(seconds, self.daemon.notifier.max_wait)
        return seconds

    async def _wait(self, seconds: float) -> None:
        stopping = self.daemon.stopping
        if stopping.is_set() or seconds <= 0:
            return
        if self.mailbox.client is None:
            try:
                await asyncio.wait_for(stopping.wait(), timeout=seconds)
            except TimeoutError:
                pass
            return
        try:
            await self._imap(self.mailbox.wait, seconds)
        except CONNECTION_ERRORS as error:
            self._lost_connection(error)
