"""The outbox's own loop, in a thread of its own: mail goes out while mail comes in.

A mailbox's loop (watcher.py) commits what a message causes to the outbox and wakes
this thread, then goes on to the next message; this thread sends, through the Sender,
while the next message is read. Handling mail is mostly the broker's own work, sending
it mostly waiting for the SMTP server to queue each message: done one after the other
they add up; side by side they overlap.

    loop:
        send everything due (Sender.drain: one message at a time, each marked sent
            right after the server's 250)
        once the mailbox's loop has finished its turn, hang up the SMTP session
        wait to be woken (a message was queued) or until the next retry is due

One SMTP session per turn of the mailbox's loop: a backlog shares it; a retry, later,
gets a fresh one, which sees what the server changed meanwhile (Postfix's smtpd reads
its tables once per session).

The thread has its own connection to the state database and its own engine (for a
message the server refuses for good, which ends its referral): nothing in it is shared
with the mailbox's loop but the database, which serialises their writes.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import datetime

from .config import Config, MailboxSettings
from .engine import utcnow
from .metrics import Metrics
from .sender import Sender
from .store import UNAVAILABLE, Store

log = logging.getLogger(__name__)

LONGEST_SLEEP = 60.0  # the loop looks at the outbox at least this often
STATE_RETRY = 5.0  # seconds before trying again when the state database cannot be written


class SendingThread:
    def __init__(self, config: Config, settings: MailboxSettings, key: str, metrics: Metrics,
                 on_progress: Callable[[], object], on_crash: Callable[[BaseException], object],
                 clock: Callable[[], datetime] = utcnow):
        self._config, self._settings, self._key = config, settings, key
        self._metrics, self._on_progress, self._on_crash, self._clock = metrics, on_progress, on_crash, clock
        self._woken = threading.Event()
        self._turn_over = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"smtp-{settings.broker.address}", daemon=True)

    def start(self) -> SendingThread:
        self._thread.start()
        return self

    def wake(self) -> None:
        """Something was queued: send it now."""
        self._woken.set()

    def end_of_turn(self) -> None:
        """The mailbox's loop is about to wait: hang up once what is due is sent."""
        self._turn_over.set()
        self._woken.set()

    def stop(self, timeout: float) -> None:
        """Finish the message being sent (bounded by smtp.timeout), hang up, and end."""
        self._stopping.set()
        self._woken.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            asyncio.run(self._loop())
        except BaseException as error:  # noqa: BLE001 - told to the daemon, which stops
            log.exception("the sending thread for %s failed", self._settings.broker.address)
            self._on_crash(error)

    async def _loop(self) -> None:
        from .watcher import engine_from  # the engine's module imports this one's users

        store = Store.open(self._config.state.location, mailbox=self._key)
        engine = engine_from(self._settings, store, self._clock)
        sender = Sender(store, self._settings.smtp, self._clock,
                        on_permanent_failure=lambda item, error: engine.undeliverable(item.reply_token, error),
                        on_progress=self._on_progress,
                        on_failure=lambda permanent: self._metrics.send_failures.labels(
                            permanent=str(permanent).lower()).inc())
        try:
            while not self._stopping.is_set():
                self._woken.clear()
                turn_over = self._turn_over.is_set()
                self._turn_over.clear()
                pause = await self._send(sender)
                if turn_over and not self._woken.is_set():
                    await sender.close()
                if pause > 0:
                    self._woken.wait(pause)
        finally:
            await sender.close()
            store.close()

    async def _send(self, sender: Sender) -> float:
        """Send what is due; return how long to sleep before looking again."""
        try:
            self._metrics.sent.inc(await sender.drain())
            due = sender.next_attempt()
        except UNAVAILABLE as error:
            # The mailbox's loop says what to do about it; the messages wait in the outbox.
            log.warning("cannot read or update the outbox (%s); sending again in %.0f s", error, STATE_RETRY)
            await sender.close()
            return STATE_RETRY
        if due is None:
            return LONGEST_SLEEP
        return min(LONGEST_SLEEP, max(0.0, (due - self._clock()).total_seconds()))
