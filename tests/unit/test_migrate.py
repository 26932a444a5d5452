"""`state.url` chooses PostgreSQL over SQLite, and `mailbroker migrate` prepares either
database: creates the tables, records the schema version, refuses a newer one."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from mailbroker.cli import main
from mailbroker.config import ConfigError, load_config
from mailbroker.store import SCHEMA_VERSION, Store, shown

from ..support import T0

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "mailbroker.example.yaml"


@pytest.fixture
def config_file(tmp_path, state_location):
    """The example configuration with its state at `state_location` (either store)."""
    if isinstance(state_location, Path):
        state = f"path: {state_location}"
    else:
        state = f'url: "{state_location}"'
    path = tmp_path / "mailbroker.yaml"
    path.write_text(EXAMPLE.read_text().replace("path: state.sqlite3", state))
    return path


def migrate(capsys, config_file) -> tuple[int, str, str]:
    code = main(["migrate", "--config", str(config_file)])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_configuration_chooses_the_store(config_file, state_location):
    assert load_config(config_file, resolve_secrets=False).state.location == state_location


def test_migrate_creates_then_finds_it_up_to_date(capsys, config_file, state_location):
    assert migrate(capsys, config_file) == (0, f"{shown(state_location)}: schema version {SCHEMA_VERSION} (created)\n",
                                            "")
    code, out, _ = migrate(capsys, config_file)
    assert code == 0 and out.endswith("(already up to date)\n")
    store = Store.open_readonly(state_location)
    assert store.schema_version() == SCHEMA_VERSION and store.referral_counts()["pending"] == 0
    store.close()


def test_migrate_refuses_a_newer_schema(capsys, config_file, state_location):
    store = Store.open(state_location)
    store._set_meta("schema_version", str(SCHEMA_VERSION + 1))
    store.close()
    code, out, err = migrate(capsys, config_file)
    assert code == 1 and out == ""
    assert f"schema version {SCHEMA_VERSION + 1}, newer than this mailbroker's" in err and "upgrade mailbroker" in err


def test_state_url_and_path_are_exclusive(tmp_path):
    path = tmp_path / "mailbroker.yaml"
    path.write_text(EXAMPLE.read_text().replace(
        "path: state.sqlite3", "path: state.sqlite3\n  url: postgresql://mailbroker@localhost/mailbroker"))
    with pytest.raises(ConfigError, match=r"state\.url.*together with state\.path"):
        load_config(path, resolve_secrets=False)


def test_state_url_must_be_postgresql(tmp_path):
    path = tmp_path / "mailbroker.yaml"
    path.write_text(EXAMPLE.read_text().replace("path: state.sqlite3", "url: mysql://localhost/mailbroker"))
    with pytest.raises(ConfigError, match="is not a PostgreSQL URL"):
        load_config(path, resolve_secrets=False)


def test_a_password_in_the_url_is_never_shown():
    assert shown("postgresql://mb:s3cret@db.example.test/mb") == "postgresql://mb:***@db.example.test/mb"
    assert shown("postgresql://mb@db.example.test/mb") == "postgresql://mb@db.example.test/mb"


def test_read_commands_say_when_the_database_has_no_tables(capsys, postgres_schema, tmp_path):
    path = tmp_path / "mailbroker.yaml"
    path.write_text(EXAMPLE.read_text().replace("path: state.sqlite3", f'url: "{postgres_schema}"'))
    assert main(["list", "--config", str(path)]) != 0
    assert "has no mailbroker tables yet: run `mailbroker migrate`" in capsys.readouterr().err


def test_migrate_versions_a_state_file_made_before_versions(capsys, tmp_path):
    state = tmp_path / "state.sqlite3"
    Store.open(state).close()
    with sqlite3.connect(state) as db:  # as mailbroker 0.1 left it: every table, no version
        db.execute("DELETE FROM meta WHERE key = 'schema_version'")
    path = tmp_path / "mailbroker.yaml"
    path.write_text(EXAMPLE.read_text().replace("path: state.sqlite3", f"path: {state}"))
    code, out, _ = migrate(capsys, path)
    assert code == 0 and out.endswith("(upgraded from a schema without a version)\n")


def test_status_names_the_database(capsys, config_file, state_location):
    migrate(capsys, config_file)
    main(["status", "--json", "--config", str(config_file)])
    assert json.loads(capsys.readouterr().out)["state_file"] == shown(state_location)


def test_migrate_upgrades_a_version_1_database_in_place(capsys, config_file, state_location):
    """Version 2 added the outbox's claim columns, version 3 the mailbox of referrals
    and outgoing messages: an existing database gets them, and keeps its rows, which
    then belong to the config's top-level mailbox and can be claimed."""
    store = Store.open(state_location)
    with store.transaction():
        store.enqueue(ref="R", template="t", message_id="<m1@x>", reply_token="", envelope_from="intro@x",
                      recipients=["a@x"], raw=b"raw", now=T0)
        for index in ("referrals_referrer_key", "parties_address_key", "deliveries_address_key",
                      "suppression_address_key"):
            store._db.execute(f"DROP INDEX {index}")
        for table, column in (("outbox", "claimed_by"), ("outbox", "claimed_until"), ("outbox", "mailbox"),
                              ("referrals", "mailbox"), ("referrals", "opened_at"), ("referrals", "reopenings"),
                              ("referrals", "referrer_key"), ("parties", "address_key"),
                              ("deliveries", "address_key"), ("suppression", "address_key")):
            store._db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")  # as version 1 made them
        store._set_meta("schema_version", "1")
    store.close()
    assert migrate(capsys, config_file) == (0, f"{shown(state_location)}: schema version {SCHEMA_VERSION} (upgraded from 1)\n", "")
    store = Store.open(state_location)
    assert store._has_column("outbox", "claimed_by") and store._has_column("outbox", "claimed_until")
    assert store._has_column("outbox", "mailbox") and store._has_column("referrals", "mailbox")
    assert store._has_column("referrals", "opened_at") and store._has_column("referrals", "reopenings")
    [item] = store.outbox_ready(T0)
    assert item.message_id == "<m1@x>" and item.recipients == ("a@x",)
    with store.transaction():
        assert store.claim(item.id, T0) == item
    store.close()
    assert Store.open(state_location, mailbox="other@example.test").outbox_ready(T0) == []


def test_migrate_to_version_4_remembers_the_introductions_already_made(capsys, config_file, state_location):
    """Version 4 keeps a keyed pseudonym of each pair introduced: the introductions made
    before the upgrade are recorded from the referrals that still hold their addresses."""
    from dataclasses import replace as with_

    from mailbroker.model import Answer, Answered, Role
    from mailbroker.workflow import decide

    from ..support import POLICY, started

    referral = decide(None, started(), T0, POLICY).referral
    for role in Role:
        referral = decide(referral, Answered(role, Answer.YES), T0, POLICY).referral
    store = Store.open(state_location)
    with store.transaction():
        store.save(with_(referral, closed_at=T0), None)
        store._db.execute("DELETE FROM introductions")
        for column in ("opened_at", "reopenings"):
            store._db.execute(f"ALTER TABLE referrals DROP COLUMN {column}")  # as version 3 made them
        store._set_meta("schema_version", "3")
    store.close()
    assert migrate(capsys, config_file)[1].endswith(f"schema version {SCHEMA_VERSION} (upgraded from 3)\n")
    store = Store.open(state_location)
    assert store.introduced("BOB@example.test", "alice+x@example.test") == T0
    assert store.load(referral.ref).opened_at == referral.created_at
    store.close()
