"""The daemon under a (stand-in) systemd: a real unix datagram socket as NOTIFY_SOCKET and
a watchdog period in WATCHDOG_USEC, as a unit with Type=notify and WatchdogSec= gives.

It must say READY=1, then WATCHDOG=1 at least every half period while it works, stop
pinging while it is stuck on a hung IMAP server (that is what lets systemd restart it),
and say STOPPING=1 when told to stop.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from pathlib import Path

import pytest

from mailbroker import testing as mt

from .harness import brokers  # noqa: F401 - fixture

pytestmark = pytest.mark.e2e

WATCHDOG = 2.0  # seconds (WATCHDOG_USEC=2000000)


class FakeSystemd(threading.Thread):
    """Receives the daemon's notifications, each with the time it came."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(str(path))
        self.socket.settimeout(0.2)
        self.received: list[tuple[float, list[str]]] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                data = self.socket.recv(4096)
            except TimeoutError:
                continue
            self.received.append((time.monotonic(), data.decode().split("\n")))

    def stop(self) -> None:
        self.done.set()
        self.join()
        self.socket.close()

    def pings(self, start: float = 0.0, end: float = float("inf")) -> list[float]:
        return [at for at, fields in self.received if "WATCHDOG=1" in fields and start <= at <= end]

    def first(self, field: str) -> float:
        return next(at for at, fields in self.received if field in fields)


def referral_goes_through() -> None:
    """A request to the broker, and Bob's consent request delivered."""
    mt.submit(mt.direct_request("Introduce: Alice <alice@example.test>\nTo: Bob <bob@example.test>\n"
                                "Why: they ran the billing platform together at Acme."))
    with mt.Mailbox("bob") as box:
        box.wait_for()


def largest_gap(moments: list[float]) -> float:
    return max(b - a for a, b in itertools.pairwise(moments))


def test_ready_then_watchdog_from_the_loop_then_stopping(brokers, tmp_path):  # noqa: F811
    systemd = FakeSystemd(tmp_path / "notify")
    systemd.start()
    broker = brokers(imap_timeout="3s", env={"NOTIFY_SOCKET": str(tmp_path / "notify"),
                                             "WATCHDOG_USEC": str(int(WATCHDOG * 1_000_000))})
    try:
        broker.start()
        broker.wait_for_log("connected to IMAP")
        referral_goes_through()  # at work while we listen
        time.sleep(3)
        working = (systemd.first("READY=1"), time.monotonic())

        # Stuck: Dovecot frozen, every IMAP call waits for its 3 s timeout.
        mt.mailsystem("pause-dovecot")
        try:
            time.sleep(6)
        finally:
            mt.mailsystem("resume-dovecot")
        stuck = (working[1], time.monotonic())
        broker.wait_for_log("connected to IMAP", after=broker.log_text().rindex("IMAP unavailable"), timeout=15)
        back = time.monotonic()
        time.sleep(2)
        recovered = (back, time.monotonic())
        assert broker.stop() == 0
    finally:
        systemd.stop()

    fields = [f for _, message in systemd.received for f in message]
    assert systemd.received[0][1][0] == "READY=1", systemd.received[:3]
    assert fields.count("READY=1") == 1
    assert "STOPPING=1" in systemd.received[-1][1]
    pings = systemd.pings(*working)
    assert len(pings) >= 3 / (WATCHDOG / 2)
    assert largest_gap([working[0], *pings, working[1]]) < WATCHDOG / 2, "pinged too seldom while working"
    assert largest_gap([stuck[0], *systemd.pings(*stuck), stuck[1]]) > WATCHDOG, \
        "still pinging while stuck on a hung server: systemd could not restart it"
    assert largest_gap([recovered[0], *systemd.pings(*recovered), recovered[1]]) < WATCHDOG / 2, \
        "pings did not resume"
    print(f"{len(systemd.pings())} pings; largest gap {largest_gap([working[0], *pings, working[1]]):.2f} s "
          f"while working, {largest_gap([stuck[0], *systemd.pings(*stuck), stuck[1]]):.2f} s while IMAP hung")


@pytest.mark.parametrize("source", ["password_credential", "password_command"])
def test_password_from_a_systemd_credential_or_a_command(brokers, tmp_path, source):  # noqa: F811
    """As under the unit's LoadCredential=imap-password:...: systemd gives the broker a
    private copy of the file in $CREDENTIALS_DIRECTORY; or a command prints the password."""
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "imap-password").write_text(mt.PASSWORD + "\n")
    written = {"password_credential": "password_credential: imap-password",
               "password_command": f'password_command: ["cat", "{credentials / "imap-password"}"]'}[source]
    broker = brokers(env={"CREDENTIALS_DIRECTORY": str(credentials), "MAILBROKER_IMAP_PASSWORD": "wrong"})
    text = broker.config.read_text()
    assert "password_env: MAILBROKER_IMAP_PASSWORD" in text
    broker.config.write_text(text.replace("password_env: MAILBROKER_IMAP_PASSWORD", written))
    check = broker.cli("check-config")
    assert check.returncode == 0, check.stderr
    broker.start()
    broker.wait_for_log("connected to IMAP")
    referral_goes_through()
    assert broker.stop() == 0
