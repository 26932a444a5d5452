"""The administration commands, on a real state file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from mailbroker import testing as mt
from mailbroker.cli import main
from mailbroker.config import load_config
from mailbroker.daemon import engine_from
from mailbroker.store import Store

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "mailbroker.example.yaml"


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "mailbroker.yaml"
    path.write_text(EXAMPLE.read_text().replace("path: state.sqlite3", f"path: {tmp_path / 'state.sqlite3'}"))
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
