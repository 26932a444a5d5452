"""The administration commands, on a real state file."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
import os
import socket
import sqlite3
import ssl
import stat
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiosmtplib
import pytest
from imapclient.exceptions import LoginError

from mailbroker import initconfig
from mailbroker import testing as mt
from mailbroker.admin import plain_reason, stale_after
from mailbroker.cli import main
from mailbroker.config import load_config
from mailbroker.store import HEARTBEAT_EVERY, Store
from mailbroker.watcher import engine_from

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "mailbroker.example.yaml"


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "mailbroker.yaml"
    # The requests written here are not signed: read as the referrer's without confirming them.
    path.write_text(EXAMPLE.read_text().replace("path: state.sqlite3", f"path: {tmp_path / 'state.sqlite3'}")
                    .replace("unauthenticated_requests: confirm", "unauthenticated_requests: accept"))
    return path


@pytest.fixture
def ref(config_file):
    config = load_config(config_file, resolve_secrets=False)
    store = Store.open(config.state.path)
    fate = engine_from(config, store).handle(bytes(mt.gmail_forward(
        "Please introduce Alice to Bob Stone <bob@example.test>: we built Acme's payments platform together.",
        author=mt.address("alice"), author_name="Alice Martin", subject="Intro?", body="Hello")))
    store.close()
    return fate.ref


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_show_cancel(config_file, ref, capsys):
    code, out, _ = run(capsys, "list", "--config", str(config_file))
    assert code == 0 and ref in out and "pending" in out
    code, out, _ = run(capsys, "show", ref.lower(), "--config", str(config_file))
    assert code == 0 and "Alice Martin" in out and "queued consent_request" in out
    code, out, _ = run(capsys, "cancel", ref, "--config", str(config_file))
    assert code == 0 and "cancelled" in out
    code, _, err = run(capsys, "show", "NOPE42", "--config", str(config_file))
    assert code == 1 and "no referral NOPE42" in err


def test_export_json_and_csv(config_file, ref, capsys, tmp_path):
    code, out, _ = run(capsys, "export", "--config", str(config_file))
    records = json.loads(out)
    assert {r["role"] for r in records} == {"requester", "target"} and records[0]["ref"] == ref
    target = tmp_path / "records.csv"
    assert run(capsys, "export", "--format", "csv", "-o", str(target), "--config", str(config_file))[0] == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert len(rows) == 2 and rows[0]["state"] == "pending"


def test_purge_command(config_file, ref, capsys):
    code, out, _ = run(capsys, "purge", "--config", str(config_file))
    assert code == 0 and out.startswith("purged 0")  # still open: nothing to purge


def test_a_bad_config_names_the_key(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("reminder_after: 3d", "reminder_aftr: 3d"))
    code, _, err = run(capsys, "check-config", "--config", str(bad))
    assert code == 2 and "policy.reminder_aftr" in err and "reminder_after" in err


# --- helpers for the administration commands ---------------------------------------------

ALICE, BOB = mt.address("alice"), mt.address("bob")


def queued(config_file) -> list:
    """Everything in the outbox, oldest first: (recipients, parsed message)."""
    store = Store.open(load_config(config_file, resolve_secrets=False).state.path)
    try:
        items = store.outbox_ready(datetime.now(timezone.utc) + timedelta(days=365), limit=1000)
    finally:
        store.close()
    return [(item.recipients, email.message_from_bytes(item.raw, policy=email.policy.default)) for item in items]


def consent_request_to(config_file, address):
    return next(m for r, m in queued(config_file) if r == (address,) and m["In-Reply-To"] is None)


def handle(config_file, msg):
    config = load_config(config_file, resolve_secrets=False)
    store = Store.open(config.state.path)
    try:
        return engine_from(config, store).handle(bytes(msg))
    finally:
        store.close()


def with_store(config_file, action):
    store = Store.open(load_config(config_file, resolve_secrets=False).state.path)
    try:
        with store.transaction():
            return action(store)
    finally:
        store.close()


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


# --- status ----------------------------------------------------------------------------


def test_status_before_the_daemon_ever_ran(config_file, ref, capsys):
    code, out, _ = run(capsys, "status", "--config", str(config_file))
    assert code == 3 and "never started" in out and "3 waiting, 0 failed" in out and "pending 1" in out


def test_status_without_a_state_file(config_file, capsys):
    code, _, err = run(capsys, "status", "--config", str(config_file))
    assert code == 3 and "no state file" in err and "mailbroker run" in err


def test_status_of_a_running_daemon_as_json(config_file, ref, capsys):
    now = datetime.now(timezone.utc)
    with_store(config_file, lambda s: (s.heartbeat(os.getpid(), True, now - timedelta(seconds=3)),
                                       s.suppress("carol@example.test", "asked to stop", now)))
    code, out, _ = run(capsys, "status", "--json", "--config", str(config_file))
    report = json.loads(out)
    assert code == 0 and report["daemon"]["state"] == "running" and report["daemon"]["pid"] == os.getpid()
    assert report["imap"]["last_contact_at"] and 2 <= report["imap"]["last_contact_age_seconds"] < 60
    assert report["outbox"] == {"waiting": 3, "failed": 0, "sent": 0}
    assert report["referrals"]["pending"] == 1 and report["referrals"]["introduced"] == 0
    assert report["suppressed"] == 1 and report["held_requests"] == 0
    code, out, _ = run(capsys, "status", "--config", str(config_file))
    assert code == 0 and out.startswith("daemon        running (pid") and "1 address(es)" in out
    assert "0 request(s) waiting for their referrer's confirmation" in out


def test_status_of_a_stuck_or_dead_daemon(config_file, ref, capsys):
    config = load_config(config_file, resolve_secrets=False)
    long_ago = datetime.now(timezone.utc) - 2 * stale_after(config)
    with_store(config_file, lambda s: s.heartbeat(os.getpid(), False, long_ago))
    code, out, _ = run(capsys, "status", "--config", str(config_file))
    assert code == 3 and "not responding" in out and "IMAP contact  never" in out
    with_store(config_file, lambda s: s.heartbeat(dead_pid(), True, datetime.now(timezone.utc)))
    code, out, _ = run(capsys, "status", "--json", "--config", str(config_file))
    assert code == 3 and json.loads(out)["daemon"]["state"] == "not running"


def test_the_heartbeat_is_written_at_most_every_few_seconds(tmp_path):
    store = Store.open(tmp_path / "state.sqlite3")
    t0 = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
    store.heartbeat(42, True, t0)
    store.heartbeat(42, True, t0 + HEARTBEAT_EVERY / 2)
    assert store.last_heartbeat() == {"pid": 42, "at": t0.isoformat(), "imap_contact_at": t0.isoformat()}
    lost = t0 + HEARTBEAT_EVERY * 0.75
    store.heartbeat(42, False, lost)  # the connection went: written at once, contact kept
    assert store.last_heartbeat() == {"pid": 42, "at": lost.isoformat(), "imap_contact_at": t0.isoformat()}
    later = lost + HEARTBEAT_EVERY
    store.heartbeat(42, False, later)
    assert store.last_heartbeat()["at"] == later.isoformat()
    store.close()
    restarted = Store.open(tmp_path / "state.sqlite3")  # a new process remembers the last contact
    restarted.heartbeat(43, False, later + HEARTBEAT_EVERY)
    assert restarted.last_heartbeat()["imap_contact_at"] == t0.isoformat()
    restarted.close()


def test_a_heartbeat_that_cannot_be_written_does_not_stop_the_daemon(tmp_path):
    Store.open(tmp_path / "state.sqlite3").close()
    reader = Store.open_readonly(tmp_path / "state.sqlite3")
    reader.heartbeat(42, True, datetime.now(timezone.utc))  # a failed write, swallowed
    assert reader.last_heartbeat() is None


# --- list and show, as text and JSON -----------------------------------------------------


def test_list_as_json(config_file, ref, capsys):
    code, out, _ = run(capsys, "list", "--json", "--config", str(config_file))
    [row] = json.loads(out)
    assert code == 0 and row["ref"] == ref and row["state"] == "pending"
    assert [(p["role"], p["address"], p["answer"]) for p in row["parties"]] == [
        ("requester", ALICE, None), ("target", BOB, None)]
    assert json.loads(run(capsys, "list", "--json", "--state", "introduced", "--config", str(config_file))[1]) == []


def test_show_gives_every_message_in_and_out_with_its_message_id(config_file, ref, capsys):
    to_alice = consent_request_to(config_file, ALICE)
    answer = mt.reply(to_alice, ALICE, "Yes, gladly")
    handle(config_file, answer)
    code, out, _ = run(capsys, "show", ref, "--json", "--config", str(config_file))
    detail = json.loads(out)
    assert code == 0 and detail["ref"] == ref and detail["subject"]
    alice = detail["parties"][0]
    assert alice["answer"] == "yes" and alice["answer_message_id"] == answer["Message-ID"]
    assert alice["asked_message_id"] == to_alice["Message-ID"] and "token" not in json.dumps(detail)
    assert [m["fate"] for m in detail["received"]] == ["processed", "processed"]
    assert detail["received"][1]["message_id"] == answer["Message-ID"]
    assert "requester answered yes" in detail["received"][1]["reason"]
    templates = [(m["template"], m["recipients"]) for m in detail["sent"]]
    assert templates == [("consent_request", [ALICE]), ("consent_request", [BOB]),
                         ("acknowledgement", [mt.REFERRER]), ("yes_noted", [ALICE])]
    assert detail["sent"][0]["message_id"] == to_alice["Message-ID"]
    assert any("said yes" in t["what"] for t in detail["timeline"])
    code, out, _ = run(capsys, "show", ref, "--config", str(config_file))
    assert code == 0 and "received:" in out and "sent:" in out
    assert answer["Message-ID"] in out and f"{to_alice['Message-ID']}  consent_request to {ALICE}: waiting" in out


def test_read_commands_never_write(config_file, ref, capsys, monkeypatch):
    """They read through a read-only connection, and are not held up by the daemon in
    the middle of a transaction."""
    path = load_config(config_file, resolve_secrets=False).state.path
    daemon = sqlite3.connect(path, isolation_level=None)
    daemon.execute("BEGIN IMMEDIATE")
    daemon.execute("INSERT INTO meta VALUES ('uncommitted', 'x')")
    monkeypatch.setattr(Store, "open", lambda *a: pytest.fail("a read command opened the state for writing"))
    try:
        for command in (["list"], ["list", "--json"], ["show", ref], ["show", ref, "--json"], ["export"],
                        ["status", "--json"]):
            code, out, err = run(capsys, *command, "--config", str(config_file))
            if command[0] == "status":
                assert code == 3 and json.loads(out)["referrals"]["pending"] == 1, err
            else:
                assert code == 0 and ref in out, (command, err)
    finally:
        daemon.execute("ROLLBACK")
        daemon.close()


# --- resend ----------------------------------------------------------------------------


def test_resend_asks_again_once_those_who_did_not_answer(config_file, ref, capsys):
    first = {address: consent_request_to(config_file, address) for address in (ALICE, BOB)}
    handle(config_file, mt.reply(first[ALICE], ALICE, "Yes, gladly"))
    before = len(queued(config_file))
    code, out, _ = run(capsys, "resend", ref, "--config", str(config_file))
    assert code == 0 and "resent to target" in out and BOB in out and ALICE not in out
    [(recipients, again)] = queued(config_file)[before:]
    assert recipients == (BOB,) and again["In-Reply-To"] == first[BOB]["Message-ID"]
    assert again["Message-ID"] != first[BOB]["Message-ID"] and again["Reply-To"] == first[BOB]["Reply-To"]
    # Bob answers the second request: it counts like an answer to the first.
    assert "both agreed" in handle(config_file, mt.reply(again, BOB, "yes")).reason
    code, out, _ = run(capsys, "show", ref, "--config", str(config_file))
    assert "consent request resent to target by an operator" in out


def test_resend_only_once(config_file, ref, capsys):
    assert run(capsys, "resend", ref.lower(), "--config", str(config_file))[0] == 0
    count = len(queued(config_file))
    code, _, err = run(capsys, "resend", ref, "--config", str(config_file))
    assert code == 1 and "already resent once" in err and len(queued(config_file)) == count


def test_resend_refuses_a_closed_or_unknown_referral(config_file, ref, capsys):
    run(capsys, "cancel", ref, "--config", str(config_file))
    count = len(queued(config_file))
    code, _, err = run(capsys, "resend", ref, "--config", str(config_file))
    assert code == 1 and f"{ref} is cancelled" in err and len(queued(config_file)) == count
    code, _, err = run(capsys, "resend", "NOPE42", "--config", str(config_file))
    assert code == 1 and "no referral NOPE42" in err


def test_resend_respects_the_suppression_list(config_file, ref, capsys):
    now = datetime.now(timezone.utc)
    with_store(config_file, lambda s: s.suppress(BOB, "asked to stop", now))
    code, out, _ = run(capsys, "resend", ref, "--config", str(config_file))
    assert code == 0 and ALICE in out and BOB not in out
    assert not [r for r, m in queued(config_file)[3:] if BOB in r]


def test_resend_with_nobody_left_to_ask(config_file, ref, capsys):
    now = datetime.now(timezone.utc)
    with_store(config_file, lambda s: [s.suppress(a, "asked to stop", now) for a in (ALICE, BOB)])
    code, _, err = run(capsys, "resend", ref, "--config", str(config_file))
    assert code == 1 and "nobody to resend to" in err and len(queued(config_file)) == 3


# --- check-config --connect --------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # free, and nothing listens once closed


def test_check_config_connect_says_which_server_is_unreachable(tmp_path, capsys, monkeypatch):
    port = closed_port()
    path = tmp_path / "mailbroker.yaml"
    path.write_text(EXAMPLE.read_text().replace("port: 10143", f"port: {port}").replace("port: 10025", f"port: {port}")
                    .replace("timeout: 30s", "timeout: 5s"))
    monkeypatch.setenv("MAILBROKER_IMAP_PASSWORD", "password")
    code, out, _ = run(capsys, "check-config", "--connect", "--config", str(path))
    assert code == 1
    assert f"IMAP 127.0.0.1:{port} (none): FAILED — connection refused: nothing answers on 127.0.0.1:{port}" in out
    assert f"SMTP 127.0.0.1:{port} (none): FAILED — connection refused" in out
    code, out, _ = run(capsys, "check-config", "--config", str(path))  # without --connect: no server contacted
    assert code == 0 and "FAILED" not in out


@pytest.mark.parametrize("error, words", [
    (LoginError("b'[AUTHENTICATIONFAILED] Authentication failed.'"),
     "login refused for intro@example.test: [AUTHENTICATIONFAILED] Authentication failed."),
    (aiosmtplib.SMTPAuthenticationError(535, "5.7.8 Error: authentication failed"), "login refused for"),
    (ssl.SSLCertVerificationError(1, "certificate verify failed: self-signed certificate"),
     "TLS certificate not accepted: "),
    (ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"), "check that security (none) matches"),
    (TimeoutError(), "timeout: no answer from 127.0.0.1:10143 within 30 s"),
    (aiosmtplib.SMTPConnectTimeoutError("Timed out connecting"), "timeout: "),
    (socket.gaierror(-2, "Name or service not known"), "host name 127.0.0.1 not found"),
])
def test_connection_failures_in_plain_words(error, words):
    settings = load_config(EXAMPLE, resolve_secrets=False).imap
    assert words in plain_reason(error, settings)


def test_a_wrapped_cause_is_found():
    settings = load_config(EXAMPLE, resolve_secrets=False).smtp
    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError as cause:
            raise aiosmtplib.SMTPConnectError("Error connecting to 127.0.0.1 on port 10025") from cause
    except aiosmtplib.SMTPConnectError as error:
        assert plain_reason(error, settings).startswith("connection refused: nothing answers on 127.0.0.1:10025")


# --- init ------------------------------------------------------------------------------

INIT = ["--address", "intro@example.com", "--imap-host", "imap.example.com", "--smtp-host", "smtp.example.com",
        "--referrer", "rita@example.com", "--referrer", "*@partners.example.org"]


def test_the_documented_example_is_the_packaged_one():
    """One file, two places: config/mailbroker.example.yaml (what people read) is a link
    to mailbroker/example.yaml (what `mailbroker init` starts from), so they cannot differ."""
    documented = Path(__file__).resolve().parents[2] / "config" / "mailbroker.example.yaml"
    packaged = Path(__file__).resolve().parents[2] / "mailbroker" / "example.yaml"
    assert documented.is_symlink() and documented.resolve() == packaged.resolve()


def test_init_writes_a_commented_configuration_that_loads(tmp_path, capsys, monkeypatch):
    path = tmp_path / "etc" / "mailbroker.yaml"
    code, out, _ = run(capsys, "init", "--config", str(path), *INIT, "--username", "intro-login")
    assert code == 0 and str(path) in out and "MAILBROKER_IMAP_PASSWORD" in out and "check-config --connect" in out
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # no secret in it; the service's user reads it
    text = path.read_text()
    assert "# Who may ask the broker for an introduction." in text
    assert "host: 127.0.0.1" not in text and "security: none" not in text
    monkeypatch.setenv("MAILBROKER_IMAP_PASSWORD", "secret")
    config = load_config(path)
    assert config.broker.address == "intro@example.com" and config.imap.username == "intro-login"
    assert (config.imap.host, config.imap.port, config.imap.security) == ("imap.example.com", 993, "tls")
    assert (config.smtp.host, config.smtp.port, config.smtp.security) == ("smtp.example.com", 465, "tls")
    assert config.smtp.username is None and config.imap.password_env == "MAILBROKER_IMAP_PASSWORD"
    assert config.referrers == ("rita@example.com", "*@partners.example.org")
    assert str(config.state.path) == "/var/lib/mailbroker/state.sqlite3"
    assert "secret" not in path.read_text()


def test_init_with_a_password_file_and_an_smtp_login(tmp_path, capsys):
    path = tmp_path / "mailbroker.yaml"
    secret = tmp_path / "password"
    code, out, _ = run(capsys, "init", "--config", str(path), *INIT, "--password-file", str(secret),
                       "--smtp-username", "intro@example.com", "--state", str(tmp_path / "state.sqlite3"))
    assert code == 0 and f"put the IMAP password in {secret}" in out
    config = load_config(path, resolve_secrets=False)
    assert config.imap.password_file == secret and config.imap.password_env is None
    assert config.smtp.username == "intro@example.com" and config.smtp.password_file == secret
    assert config.state.path == tmp_path / "state.sqlite3" and config.imap.username == "intro@example.com"


def test_init_refuses_to_overwrite_without_force(tmp_path, capsys):
    path = tmp_path / "mailbroker.yaml"
    path.write_text("mine\n")
    code, _, err = run(capsys, "init", "--config", str(path), *INIT)
    assert code == 1 and "already exists: pass --force" in err and path.read_text() == "mine\n"
    assert run(capsys, "init", "--config", str(path), *INIT, "--force")[0] == 0
    assert load_config(path, resolve_secrets=False).broker.address == "intro@example.com"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # no secret in it; the service's user reads it


def test_init_without_a_terminal_names_the_missing_options(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    path = tmp_path / "mailbroker.yaml"
    code, _, err = run(capsys, "init", "--config", str(path), "--address", "intro@example.com")
    assert code == 2 and "missing --imap-host, --smtp-host, --referrer" in err and not path.exists()


def test_init_asks_in_a_terminal(tmp_path, capsys, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdin", Terminal())
    answers = iter(["", "imap.example.com", "smtp.example.com", "rita@example.com, *@example.org"])
    asked = []
    monkeypatch.setattr("builtins.input", lambda question: asked.append(question) or next(answers))
    path = tmp_path / "mailbroker.yaml"
    assert run(capsys, "init", "--config", str(path), "--address", "intro@example.com")[0] == 0
    assert len(asked) == 4 and "IMAP" in asked[0] and asked[0] == asked[1]  # an empty answer is asked again
    config = load_config(path, resolve_secrets=False)
    assert config.imap.host == "imap.example.com" and config.referrers == ("rita@example.com", "*@example.org")


def test_init_refuses_values_that_make_no_valid_configuration(tmp_path, capsys):
    path = tmp_path / "mailbroker.yaml"
    args = [a if a != "intro@example.com" else "intro+x@example.com" for a in INIT]
    code, _, err = run(capsys, "init", "--config", str(path), *args)
    assert code == 1 and "broker.address" in err and not path.exists() and list(tmp_path.iterdir()) == []


def test_init_copies_the_templates(tmp_path, capsys):
    path, templates = tmp_path / "mailbroker.yaml", tmp_path / "templates"
    code, out, _ = run(capsys, "init", "--config", str(path), *INIT, "--templates", str(templates))
    assert code == 0 and f"into {templates}" in out
    for lang in ("en", "fr"):
        assert (templates / lang / "consent_request.txt").read_text() == \
            (Path(initconfig.__file__).parent / "templates" / lang / "consent_request.txt").read_text()
    assert load_config(path, resolve_secrets=False).templates.directory == templates
    (templates / "en" / "consent_request.txt").write_text("Subject: mine\n\nmine\n")
    code, _, err = run(capsys, "init", "--config", str(tmp_path / "other.yaml"), *INIT, "--templates", str(templates))
    assert code == 1 and "already holds templates" in err and "mine" in (templates / "en" / "consent_request.txt").read_text()
    assert not (tmp_path / "other.yaml").exists()


def test_suppress_and_unsuppress_by_hand(config_file, capsys):
    config = str(config_file)
    code, out, _ = run(capsys, "suppress", "Jane@Example.test", "--reason", "asked by phone", "--config", config)
    assert code == 0 and "jane@example.test: added to the suppression list" in out.lower()
    assert "already on" in run(capsys, "suppress", "jane@example.test", "--config", config)[1]
    store = Store.open(load_config(config_file, resolve_secrets=False).state.path)
    fate = engine_from(load_config(config_file, resolve_secrets=False), store).handle(bytes(mt.direct_request(
        "Introduce: Alice Martin <alice@example.test>\nTo: Jane <jane@example.test>\nWhy: we built Acme together.")))
    store.close()
    assert "suppressed" in fate.reason
    assert run(capsys, "unsuppress", "JANE@example.test", "--config", config)[0] == 0
    code, _, err = run(capsys, "unsuppress", "jane@example.test", "--config", config)
    assert code == 1 and "is not on the suppression list" in err
    code, _, err = run(capsys, "suppress", "not an address", "--config", config)
    assert code == 2 and "is not an email address" in err
