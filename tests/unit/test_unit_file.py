"""The systemd unit: valid for systemd (`systemd-analyze verify`), sandboxed to an exposure
of 2.0 or lower (`systemd-analyze security --offline=yes`), and still able to do its job:
notify and watchdog, any mail server on the network, its state and its credentials.

None of this starts the unit (systemd need not be running); systemd-analyze reads the file.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[2] / "systemd" / "mailbroker.service"
INSTALLED_COMMAND = "/usr/local/bin/mailbroker"
MAX_EXPOSURE = 2.0

needs_systemd_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is missing: install Debian's systemd package (scripts/setup does)",
)


def directives() -> list[tuple[str, str]]:
    """(key, value) for every setting of the unit, in order; a key may repeat."""
    pairs = []
    for line in UNIT.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            pairs.append((key.strip(), value.strip()))
    return pairs


def values(key: str) -> list[str]:
    return [value for name, value in directives() if name == key]


@pytest.fixture
def unit_here(tmp_path) -> Path:
    """The unit with its command pointing at this checkout's `mailbroker`, since verify
    checks that the command exists and /usr/local/bin/mailbroker need not."""
    command = Path(sys.executable).parent / "mailbroker"
    assert command.exists(), command
    copy = tmp_path / UNIT.name
    copy.write_text(UNIT.read_text().replace(INSTALLED_COMMAND, str(command)))
    return copy


def analyze(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["systemd-analyze", *args], capture_output=True, text=True, timeout=60)


@needs_systemd_analyze
def test_systemd_analyze_verify_accepts_the_unit(unit_here):
    result = analyze("verify", str(unit_here))
    # An unknown or misspelt setting is only a warning (exit status 0): any line about
    # the unit is a failure.
    complaints = [line for line in result.stderr.splitlines() if unit_here.name in line]
    assert result.returncode == 0 and not complaints, result.stderr


@needs_systemd_analyze
def test_exposure_is_at_most_two(unit_here):
    result = analyze("security", "--offline=yes", "--no-pager", str(unit_here))
    assert result.returncode == 0, result.stderr
    match = re.search(r"Overall exposure level for mailbroker\.service: (\d+\.\d+)", result.stdout)
    assert match, result.stdout[-2000:]
    open_doors = "\n".join(line for line in result.stdout.splitlines() if line.startswith("✗"))
    assert float(match.group(1)) <= MAX_EXPOSURE, f"exposure {match.group(1)}; not set:\n{open_doors}"


def test_the_daemon_can_still_talk_to_systemd_and_keep_its_state():
    assert values("Type") == ["notify"] and values("NotifyAccess") == ["main"]
    assert values("WatchdogSec") and values("Restart") == ["on-failure"]
    assert values("DynamicUser") == ["yes"]
    assert values("StateDirectory") == ["mailbroker"] and values("ConfigurationDirectory") == ["mailbroker"]
    assert values("ProtectSystem") == ["strict"] and values("NoNewPrivileges") == ["yes"]
    assert values("PrivateTmp") == ["yes"]


def test_the_daemon_can_reach_any_mail_server():
    # AF_UNIX carries $NOTIFY_SOCKET; the mail servers may be anywhere, over IPv4 or IPv6.
    [families] = values("RestrictAddressFamilies")
    assert set(families.split()) == {"AF_UNIX", "AF_INET", "AF_INET6"}
    for key in ("IPAddressDeny", "IPAddressAllow", "PrivateNetwork", "RestrictNetworkInterfaces"):
        assert values(key) in ([], ["no"]), f"{key} would cut the broker off its mail servers"


def test_the_imap_password_comes_as_a_credential():
    assert "imap-password:/etc/mailbroker/imap-password" in values("LoadCredential")
    assert "password_credential: imap-password" in UNIT.read_text()


def test_system_calls_beyond_a_services_needs_are_refused():
    assert values("SystemCallFilter") == ["@system-service", "~@privileged @resources"]
    assert values("SystemCallErrorNumber") == ["EPERM"]
    assert values("CapabilityBoundingSet") == [""]
