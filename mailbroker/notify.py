"""systemd's notification protocol (sd_notify(3)) in a few lines of socket code.

Under a unit with `Type=notify`, systemd passes the path of a unix datagram socket in
$NOTIFY_SOCKET (a leading "@" means Linux's abstract namespace); each datagram is a few
"KEY=VALUE" lines. The daemon sends READY=1 once it is running, WATCHDOG=1 from its main
loop while `WatchdogSec=` is set (systemd passes the period as $WATCHDOG_USEC, and the
process it is meant for as $WATCHDOG_PID), STATUS=… for `systemctl status`, and
STOPPING=1 when it shuts down. Without $NOTIFY_SOCKET every call does nothing.

The pings must come from the loop that does the work, not from a thread of their own:
a loop stuck on a dead connection must stop pinging, so that systemd restarts it.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Mapping

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, environ: Mapping[str, str] | None = None, clock=time.monotonic):
        environ = os.environ if environ is None else environ
        self._name = environ.get("NOTIFY_SOCKET", "")
        self.address = _socket_address(self._name)
        self.watchdog_interval = _watchdog_interval(environ) if self.address else None
        self._clock = clock
        self._socket: socket.socket | None = None
        self._last_ping: float | None = None
        self._warned = False

    @property
    def enabled(self) -> bool:
        return self.address is not None

    @property
    def max_wait(self) -> float | None:
        """The longest the loop may block between two pings: a quarter of the watchdog
        period, which leaves the rest of the loop three quarters of slack within the
        half-period that sd_watchdog_enabled(3) recommends."""
        return self.watchdog_interval / 4 if self.watchdog_interval else None

    def send(self, *fields: str) -> bool:
        """Send one datagram of KEY=VALUE lines; False (and one warning) if it failed."""
        if self.address is None:
            return False
        try:
            if self._socket is None:
                self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._socket.sendto("\n".join(fields).encode("utf-8"), self.address)
            return True
        except OSError as error:
            if not self._warned:
                log.warning("cannot notify systemd on %s: %s", self._name, error)
                self._warned = True
            return False

    def ready(self, status: str = "") -> None:
        self.send("READY=1", *([f"STATUS={status}"] if status else []))

    def status(self, status: str) -> None:
        self.send(f"STATUS={status}")

    def watchdog(self) -> None:
        """Ping, at most ten times per watchdog period (it is called after every step)."""
        if not self.watchdog_interval:
            return
        now = self._clock()
        if self._last_ping is not None and now - self._last_ping < self.watchdog_interval / 10:
            return
        if self.send("WATCHDOG=1"):
            self._last_ping = now

    def stopping(self, status: str = "") -> None:
        self.send("STOPPING=1", *([f"STATUS={status}"] if status else []))

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


def _socket_address(value: str) -> str | None:
    if value.startswith("@"):
        return "\0" + value[1:]
    if value.startswith("/"):
        return value
    return None  # unset, or a vsock address, which this daemon does not need


def _watchdog_interval(environ: Mapping[str, str]) -> float | None:
    usec, pid = environ.get("WATCHDOG_USEC", ""), environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if pid and pid != str(os.getpid()):
        return None  # meant for another process (e.g. a wrapper that started us)
    return int(usec) / 1_000_000
