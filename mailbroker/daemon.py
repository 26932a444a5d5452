"""The daemon: one loop that reads mail, runs timers and drains the outbox.

    loop:
        handle every message in the watched folder (commit, then move it)
        run the reminders and expiries that are due
        send what the outbox holds
        wait for new mail (IMAP IDLE, or a poll) until the next timer is due

One sequential loop keeps the order of events obvious: a message's consequences are
committed before the next message is read, and sent before the loop sleeps. Blocking
IMAP calls run in a worker thread so that signals and SMTP stay responsive.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import datetime, timedelta

from imapclient.exceptions import LoginError

from .compose import Identity
from .config import Config
from .engine import Engine, utcnow
from .mailbox import CONNECTION_ERRORS, Mailbox
from .sender import Sender
from .store import Store
from .workflow import Limits, Policy

log = logging.getLogger(__name__)

RECONNECT_FIRST = 1.0
RECONNECT_LONGEST = 60.0


def policy_from(config: Config) -> Policy:
    p = config.policy
    return Policy(reminder_after=p.reminder_after, expire_after=p.expire_after, language=p.language,
                  require_context=p.require_context, limits=Limits(**config.limits.model_dump()))


def engine_from(config: Config, store: Store, clock=utcnow) -> Engine:
    identity = Identity(config.broker.address, config.broker.name)
    return Engine(store, identity, policy_from(config), config.is_allowed_referrer, clock)


class Daemon:
    def __init__(self, config: Config):
        self.config = config
        self.store = Store.open(config.state.path)
        self.engine = engine_from(config, self.store)
        self.sender = Sender(self.store, config.smtp, utcnow,
                             on_permanent_failure=lambda item, error: self.engine.undeliverable(item.reply_token, error))
        self.mailbox = Mailbox(config.imap)
        self._stopping = asyncio.Event()
        self._reconnect_delay = RECONNECT_FIRST
        self._retry_imap_at: datetime | None = None

    def stop(self) -> None:
        if not self._stopping.is_set():
            log.info("stopping")
            self._stopping.set()
            self.mailbox.interrupt()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stop)
        log.info("mailbroker started for %s", self.config.broker.address)
        try:
            while not self._stopping.is_set():
                await self._read_mail()
                self.engine.tick()
                await self.sender.drain()
                await self._wait(self._seconds_until_next_timer())
        finally:
            await asyncio.to_thread(self.mailbox.close)
            self.store.close()
            log.info("mailbroker stopped")

    async def _read_mail(self) -> None:
        if self.mailbox.client is None and not await self._reconnect():
            return
        try:
            for uid, raw in await asyncio.to_thread(self.mailbox.fetch_new):
                if self._stopping.is_set():
                    return
                fate = self.engine.handle(raw)
                folder = getattr(self.config.imap.folders, fate.folder)
                await asyncio.to_thread(self.mailbox.move, uid, folder)
                log.info("message uid %s -> %s: %s", uid, folder, fate.reason)
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
        return True

    def _lost_connection(self, error: BaseException) -> None:
        self.mailbox.close()
        delay = self._reconnect_delay
        self._retry_imap_at = utcnow() + timedelta(seconds=delay)
        self._reconnect_delay = min(delay * 2, RECONNECT_LONGEST)
        if self._stopping.is_set():
            return
        if isinstance(error, LoginError):
            s = self.config.imap
            log.error("IMAP login as %s on %s:%s refused (%s): check imap.username and the password; "
                      "retrying in %.0f s", s.username, s.host, s.port, error, delay)
        else:
            log.warning("IMAP unavailable (%s: %s); retrying in %.0f s", type(error).__name__, error, delay)

    def _seconds_until_next_timer(self) -> float:
        """Sleep until the earliest of: a poll, a referral's reminder or expiry, an outbox
        retry, an IMAP reconnection attempt."""
        now = utcnow()
        candidates = [now + self.config.imap.poll_interval]
        for moment in (self.store.next_due_at(), self.store.next_outbox_attempt(), self._retry_imap_at):
            if moment is not None:
                candidates.append(moment)
        return max(0.0, (min(candidates) - now).total_seconds())

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
