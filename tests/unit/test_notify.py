"""sd_notify over a real unix datagram socket: what the daemon tells systemd."""

from __future__ import annotations

import os
import socket

import pytest

from mailbroker.notify import Notifier


@pytest.fixture
def systemd(tmp_path):
    """A socket standing in for systemd's: returns (path, receive)."""
    path = str(tmp_path / "notify")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(path)
    server.settimeout(2)

    def receive() -> list[str]:
        return server.recv(4096).decode().split("\n")

    yield path, receive
    server.close()


def test_nothing_without_notify_socket():
    notifier = Notifier({})
    assert not notifier.enabled and notifier.watchdog_interval is None and notifier.max_wait is None
    assert notifier.send("READY=1") is False
    notifier.ready()
    notifier.watchdog()
    notifier.stopping()


def test_ready_watchdog_stopping(systemd):
    path, receive = systemd
    clock = [100.0]
    notifier = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "4000000"}, clock=lambda: clock[0])
    assert notifier.watchdog_interval == 4.0 and notifier.max_wait == 1.0
    notifier.ready("watching INBOX")
    assert receive() == ["READY=1", "STATUS=watching INBOX"]
    notifier.watchdog()
    assert receive() == ["WATCHDOG=1"]
    clock[0] += 0.1  # pinged 0.1 s ago: the next one is not sent yet
    notifier.watchdog()
    clock[0] += 0.4
    notifier.watchdog()
    assert receive() == ["WATCHDOG=1"]
    notifier.status("IMAP unavailable")
    assert receive() == ["STATUS=IMAP unavailable"]
    notifier.stopping("stopping")
    assert receive() == ["STOPPING=1", "STATUS=stopping"]
    notifier.close()


def test_abstract_socket_address():
    name = f"mailbroker-test-{os.getpid()}"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind("\0" + name)
    server.settimeout(2)
    try:
        notifier = Notifier({"NOTIFY_SOCKET": "@" + name})
        notifier.ready()
        assert server.recv(100) == b"READY=1"
    finally:
        server.close()


def test_watchdog_meant_for_another_process_is_ignored(systemd):
    path, _ = systemd
    other = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "4000000", "WATCHDOG_PID": str(os.getpid() + 1)})
    assert other.watchdog_interval is None
    mine = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "4000000", "WATCHDOG_PID": str(os.getpid())})
    assert mine.watchdog_interval == 4.0
    assert Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "0"}).watchdog_interval is None


def test_a_vanished_socket_is_not_fatal(tmp_path, caplog):
    notifier = Notifier({"NOTIFY_SOCKET": str(tmp_path / "gone")})
    assert notifier.send("READY=1") is False
    assert notifier.send("WATCHDOG=1") is False
    assert caplog.text.count("cannot notify systemd") == 1
