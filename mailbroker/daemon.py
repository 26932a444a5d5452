"""The daemon: one loop per broker mailbox (see watcher.py), and what they share.

The config's top level is a mailbox, and each entry of `mailboxes:` another; each gets
its own loop, IMAP connection and SMTP account, all in one process with one state
database. What is the daemon's rather than a mailbox's lives here: signals, the
metrics endpoint and its health check, the daily purge, and systemd's notifications.

Under systemd (`Type=notify`, see notify.py) the daemon says READY=1 once every
mailbox has tried IMAP, and pings the watchdog from the loops themselves — only once
each of them has turned since the last ping, at least every quarter of the watchdog
period: a loop that stops turning stops the pings, and systemd restarts the broker.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from datetime import datetime, timedelta

from .admin import stale_after
from .config import Config
from .engine import utcnow
from .metrics import Endpoint, Metrics
from .notify import Notifier
from .watcher import Watcher

log = logging.getLogger(__name__)

PURGE_INTERVAL = timedelta(days=1)
STATE_COUNT_EVERY = 15.0  # seconds between two counts of the referrals for the metrics

#: Test hook: with this environment variable set, reading a message whose bytes contain
#: its value kills the process (see mailbroker.testing.install_crash_hook). Never set
#: in production, where it does nothing.
CRASH_ENV = "MAILBROKER_TEST_CRASH_ON"


class Daemon:
    def __init__(self, config: Config, notifier: Notifier | None = None):
        self.config = config
        self.notifier = notifier or Notifier()
        self.metrics = Metrics()
        self.stopping = asyncio.Event()
        several = len(config.all_mailboxes) > 1
        self.watchers = [Watcher(self, settings, config.key_of(settings), several)
                         for settings in config.all_mailboxes]
        self.store = self.watchers[0].store  # for what the mailboxes share (heartbeat, purge, counts)
        self.endpoint: Endpoint | None = None
        self.ready = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._failure: BaseException | None = None  # of a sending thread (see crashed_in_thread)
        self._turned: set[int] = set()  # the loops that turned since the last watchdog ping
        self._next_count = 0.0
        self._next_purge: datetime | None = None
        if os.environ.get(CRASH_ENV):
            from .testing import install_crash_hook

            install_crash_hook(os.environ[CRASH_ENV].encode())
            log.warning("TEST HOOK %s is set: a message containing %r kills this process",
                        CRASH_ENV, os.environ[CRASH_ENV])

    def stop(self) -> None:
        if not self.stopping.is_set():
            log.info("stopping")
            self.stopping.set()
            self.notifier.stopping("stopping")
            for watcher in self.watchers:
                watcher.interrupt()

    async def run(self) -> None:
        loop = self._loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stop)
        for watcher in self.watchers:
            log.info("mailbroker started for %s", watcher.settings.broker.address)
        if self.notifier.watchdog_interval:
            log.info("systemd watchdog every %.1f s", self.notifier.watchdog_interval)
        self._warn_of_stranded_work()
        self._serve_metrics()
        try:
            loops = [asyncio.create_task(watcher.run()) for watcher in self.watchers]
            try:
                await asyncio.gather(*loops)
            finally:
                # One loop failing ends them all: the broker stops, and systemd restarts it.
                self.stop()
                await asyncio.gather(*loops, return_exceptions=True)
        finally:
            for watcher in self.watchers:
                await watcher.close()
            if self.endpoint:
                self.endpoint.stop()
            self.notifier.close()
            log.info("mailbroker stopped")
        if self._failure is not None:
            raise self._failure

    def crashed_in_thread(self, error: BaseException) -> None:
        """A sending thread failed (it logged why): the broker stops, and systemd starts
        it again, rather than go on reading mail that nothing would answer."""
        def fail() -> None:
            self._failure = self._failure or error
            self.stop()

        if self._loop is not None:
            self._loop.call_soon_threadsafe(fail)

    def _warn_of_stranded_work(self) -> None:
        """Referrals in progress or messages to send that belong to a mailbox the config no
        longer declares (its address changed, or it was removed) wait for it: say so."""
        known = {self.config.key_of(settings) for settings in self.config.all_mailboxes}
        for key, count in self.store.mailboxes_in_use().items():
            if key not in known:
                log.warning("%d referral(s) in progress or message(s) to send belong to the mailbox %s, which the "
                            "config no longer declares: they wait until it is declared again under mailboxes:",
                            count, key)

    def turned(self, watcher: Watcher) -> None:
        """A loop turned: tell `mailbroker status` and the health check, and systemd once
        every loop has."""
        self._turned.add(id(watcher))
        if len(self._turned) == len(self.watchers):
            self.notifier.watchdog()
            self._turned.clear()
        connected = all(w.mailbox.client is not None for w in self.watchers)
        self.store.heartbeat(os.getpid(), connected, utcnow())

    def shared_chores(self, watcher: Watcher) -> None:
        """What the mailboxes share is done in the first one's loop."""
        if watcher is self.watchers[0]:
            self._purge_when_due()
            self._count_state()

    def _count_state(self) -> None:
        """Referrals by state and the outbox's depth for the metrics, every little while:
        counting all referrals on every turn would cost more than it tells."""
        now = time.monotonic()
        if self.endpoint is not None and now >= self._next_count:
            self.metrics.state(self.store.referral_counts(), self.store.outbox_counts()["pending"])
            self._next_count = now + STATE_COUNT_EVERY

    def _purge_when_due(self) -> None:
        """Personal data past its retention goes once a day (and at start)."""
        now = utcnow()
        if self._next_purge is None or now >= self._next_purge:
            self.watchers[0].engine.purge(self.config.data.retention)
            self._next_purge = now + PURGE_INTERVAL

    def _serve_metrics(self) -> None:
        if self.config.metrics.listen is None:
            return
        host, port = self.config.metrics.listen
        try:
            self.endpoint = Endpoint(self.metrics, self.health, host, port,
                                     host_names=self.config.metrics.host_names).start()
        except OSError as error:
            # The broker's work matters more than its metrics: say so, and go on without them.
            log.error("cannot serve metrics on %s:%s (%s): check metrics.listen; running without them",
                      host, port, error)
            return
        log.info("metrics on http://%s:%s/metrics, health on /health", host, port)

    def health(self) -> str | None:
        """None when all is well, else what is wrong (read from the metrics thread)."""
        several = len(self.watchers) > 1
        for watcher in self.watchers:
            which = f" for {watcher.settings.broker.address}" if several else ""
            stalled = time.monotonic() - watcher.last_turn
            if stalled > stale_after(watcher.settings).total_seconds():
                return f"the main loop{which} has not turned for {stalled:.0f} s"
            if watcher.retry_state_at is not None:
                return "cannot write the state database"
            if watcher.mailbox.client is None:
                return f"not connected to the IMAP server{which}"
        return None

    def announce_ready(self) -> None:
        """READY=1 once every mailbox tried IMAP, whether it answered or not: a mail server
        that is down must not fail the unit (the broker waits for it by itself, and says
        so in STATUS=), and the watchdog covers a broker that hangs."""
        if self.ready or not all(w.tried_imap for w in self.watchers):
            return
        self.ready = True
        connected = [w for w in self.watchers if w.mailbox.client is not None]
        if len(self.watchers) > 1:
            status = f"watching {len(connected)} of {len(self.watchers)} mailboxes"
        else:
            status = self.watchers[0].watching if connected else "waiting for the IMAP server"
        self.notifier.ready(status)


def run(config: Config) -> None:
    asyncio.run(Daemon(config).run())
