"""What a valid configuration can still get wrong, warned about by `check-config` and
at start (issue 12, finding "Operations"), and what `check-config --connect` suggests
for `trusted_servers`."""

from __future__ import annotations

import os
from types import SimpleNamespace

from mailbroker import testing as mt
from mailbroker.admin import verdict_advice
from mailbroker.authentication import suggested_servers
from mailbroker.hazards import hazards, is_loopback
from mailbroker.mailtext import parse
from mailbroker.metrics import Endpoint, Metrics, host_allowed
from mailbroker.store import Store

from ..support import load, minimal, write


def warnings_for(tmp_path, data, mode=0o600) -> str:
    path = write(tmp_path, data)
    os.chmod(path, mode)
    return "\n".join(hazards(load(tmp_path, data), path))


def test_a_safe_configuration_has_no_warning(tmp_path, monkeypatch):
    monkeypatch.setenv("MAILBROKER_IMAP_PASSWORD", "secret")
    data = minimal()
    data["imap"] = {key: value for key, value in data["imap"].items() if key != "password"}
    data["imap"]["password_env"] = "MAILBROKER_IMAP_PASSWORD"
    data["state"] = {"path": str(tmp_path / "state.sqlite3")}
    assert warnings_for(tmp_path, data, 0o644) == ""


def test_accepting_unauthenticated_requests_is_warned_about(tmp_path):
    data = {**minimal(), "authentication": {"unauthenticated_requests": "accept"}}
    assert "anyone who knows a referrer's address" in warnings_for(tmp_path, data)
    data["authentication"]["unauthenticated_requests"] = "refuse"
    assert "unauthenticated_requests" not in warnings_for(tmp_path, data)


def test_a_login_in_clear_toward_another_machine_is_warned_about(tmp_path):
    data = minimal()
    data["imap"] = {**data["imap"], "security": "none"}
    assert "imap.security is none toward imap.example.test" in warnings_for(tmp_path, data)
    data["imap"]["host"] = "::1"
    assert "security is none" not in warnings_for(tmp_path, data)


def test_an_inline_password_in_a_file_others_can_read_is_warned_about(tmp_path):
    text = warnings_for(tmp_path, minimal(), 0o644)
    assert "holds a password and others can read it" in text and "chmod 600" in text
    assert "holds a password" not in warnings_for(tmp_path, minimal(), 0o640)


def test_a_state_file_others_can_read_is_warned_about_and_made_private_on_open(tmp_path):
    state = tmp_path / "state.sqlite3"
    Store.open(state).close()
    os.chmod(state, 0o644)
    data = {**minimal(), "state": {"path": str(state)}}
    assert f"the state file {state} can be read by others" in warnings_for(tmp_path, data)
    Store.open(state).close()
    assert state.stat().st_mode & 0o777 == 0o600
    assert "state file" not in warnings_for(tmp_path, data)


def test_loopback_hosts():
    assert all(is_loopback(h) for h in ("127.0.0.1", "::1", "[::1]", "localhost", "127.1.2.3"))
    assert not any(is_loopback(h) for h in ("imap.example.test", "192.0.2.1", "::2"))


def test_check_config_suggests_the_id_that_heads_the_verdicts():
    def received(*ids):
        return parse(b"".join(f"Authentication-Results: {i}; dmarc=pass header.from=example.test\r\n".encode()
                              for i in ids) + b"\r\n")

    found = suggested_servers([received("mx.example.test", "attacker.test"), received("MX.example.test"),
                               received("other.test"), parse(b"Subject: none\r\n\r\n")])
    assert found == [("mx.example.test", 2), ("other.test", 1)]
    settings = SimpleNamespace(trusted_servers=(), unauthenticated_requests="confirm")
    assert 'add it: "trusted_servers: [mx.example.test]"' in verdict_advice(found, 4, settings)
    assert "is in trusted_servers" in verdict_advice(found, 4, replace_servers(settings, ("mx.example.test",)))
    assert "does not check DKIM/DMARC" in verdict_advice([], 3, settings)


def replace_servers(settings, servers):
    return SimpleNamespace(trusted_servers=servers, unauthenticated_requests=settings.unauthenticated_requests)




# --- the metrics endpoint ---------------------------------------------------------------


def test_the_endpoints_answer_only_to_their_own_host_names():
    endpoint = Endpoint(Metrics(), lambda: None, "127.0.0.1", 0, host_names=("metrics.example.test",)).start()
    base = f"http://127.0.0.1:{endpoint.port}"
    try:
        assert mt.http_get(base + "/health")[0] == 200
        for host in (f"localhost:{endpoint.port}", "127.0.0.1", "metrics.example.test", "LOCALHOST."):
            assert mt.http_get(base + "/health", host=host)[0] == 200, host
        for host in ("attacker.example.com", f"attacker.example.com:{endpoint.port}", "127.0.0.1.attacker.test"):
            status, body = mt.http_get(base + "/metrics", host=host)
            assert status == 421 and "mailbroker" not in body, host
    finally:
        endpoint.stop()


def test_the_endpoints_listen_on_ipv6_loopback():
    endpoint = Endpoint(Metrics(), lambda: None, "::1", 0).start()
    try:
        assert mt.http_get(f"http://[::1]:{endpoint.port}/health") == (200, "ok\n")
    finally:
        endpoint.stop()


def test_host_headers_are_read_as_rfc_9110_writes_them():
    allowed = frozenset(("localhost", "[::1]"))
    assert host_allowed(None, allowed) and host_allowed("[::1]:9464", allowed) and host_allowed("localhost", allowed)
    assert not host_allowed("[::2]:9464", allowed) and not host_allowed("", allowed)


def test_check_config_says_the_warnings(tmp_path, capsys):
    from mailbroker.cli import main

    data = {**minimal(), "authentication": {"unauthenticated_requests": "accept"},
            "state": {"path": str(tmp_path / "state.sqlite3")}}
    path = write(tmp_path, data)
    os.chmod(path, 0o600)
    assert main(["check-config", "--config", str(path)]) == 0
    assert "warning: authentication.unauthenticated_requests is accept" in capsys.readouterr().err


def test_the_choice_for_unproven_requests_is_read_without_case_and_a_wrong_one_named(tmp_path):
    from mailbroker.config import ConfigError

    data = {**minimal(), "authentication": {"unauthenticated_requests": "Refuse"}}
    assert load(tmp_path, data).authentication.unauthenticated_requests == "refuse"
    data["authentication"]["unauthenticated_requests"] = "maybe"
    try:
        load(tmp_path, data)
    except ConfigError as error:
        assert "'maybe' is not one of confirm, refuse, accept" in str(error)
    else:
        raise AssertionError("a wrong value was accepted")
