"""Tests of the configuration layer: loading, defaults, error messages, helpers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from mailbroker.config import (
    Config,
    ConfigError,
    OAuth2TokenError,
    format_duration,
    load_config,
    oauth2_token,
    parse_duration,
)

from ..support import SECRET, load, minimal, write

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "mailbroker.example.yaml"
def problems(tmp_path: Path, data: dict | str) -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, data)
    assert str(info.value) == "\n".join(info.value.problems)
    return str(info.value)


def with_(section: str, **changes) -> dict:
    data = minimal()
    data[section] = {**data[section], **changes}
    return data


def without(section: str, key: str) -> dict:
    data = minimal()
    del data[section][key]
    return data


# --- the example file ------------------------------------------------------------------

def test_example_loads(monkeypatch):
    monkeypatch.setenv("MAILBROKER_IMAP_PASSWORD", SECRET)
    config = load_config(EXAMPLE)
    assert config.broker.address == "intro@example.test"
    assert (config.imap.host, config.imap.port, config.imap.security) == ("127.0.0.1", 10143, "none")
    assert (config.smtp.host, config.smtp.port, config.smtp.security) == ("127.0.0.1", 10025, "none")
    assert config.imap.password.get_secret_value() == SECRET
    assert config.smtp.username is None and config.smtp.password is None
    assert config.referrers == ("referrer@example.test", "referrer2@example.test")
    assert config.state.path == EXAMPLE.parent / "state.sqlite3"


def test_example_documents_every_key():
    # Every key line is preceded by a comment line (the brief: a comment above EVERY key).
    lines = EXAMPLE.read_text().splitlines()
    for number, line in enumerate(lines):
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "-")):
            assert lines[number - 1].strip().startswith("#"), f"no comment above: {line!r}"


def test_example_without_password_env_says_how_to_set_it(monkeypatch):
    monkeypatch.delenv("MAILBROKER_IMAP_PASSWORD", raising=False)
    with pytest.raises(ConfigError) as info:
        load_config(EXAMPLE)
    message = str(info.value)
    assert "imap.password_env" in message and "MAILBROKER_IMAP_PASSWORD is not set" in message
    assert "export MAILBROKER_IMAP_PASSWORD" in message


# --- defaults --------------------------------------------------------------------------

def test_commands_that_need_no_server_need_no_password(monkeypatch):
    monkeypatch.delenv("MAILBROKER_IMAP_PASSWORD", raising=False)
    config = load_config(EXAMPLE, resolve_secrets=False)
    assert config.imap.password is None
    assert config.broker.address == "intro@example.test"


def test_defaults(tmp_path):
    config = load(tmp_path, minimal())
    assert config.broker.name == "mailbroker"
    imap = config.imap
    assert (imap.port, imap.security, imap.verify_certificate, imap.idle) == (993, "tls", True, True)
    assert imap.timeout == timedelta(seconds=30) and imap.poll_interval == timedelta(seconds=60)
    assert (imap.folders.watch, imap.folders.processed, imap.folders.quarantine) == (
        "INBOX", "mailbroker/processed", "mailbroker/quarantine")
    smtp = config.smtp
    assert (smtp.port, smtp.security, smtp.verify_certificate) == (465, "tls", True)
    assert smtp.timeout == timedelta(seconds=30)
    assert smtp.username is None and smtp.password is None
    assert config.policy.reminder_after == timedelta(days=3)
    assert config.policy.expire_after == timedelta(days=7)
    assert config.policy.language == "en"
    assert config.state.path == Path("/var/lib/mailbroker/state.sqlite3")
    assert config.log.level == "info"


@pytest.mark.parametrize(("section", "security", "port"), [
    ("imap", "tls", 993), ("imap", "starttls", 143), ("imap", "none", 143),
    ("smtp", "tls", 465), ("smtp", "starttls", 587), ("smtp", "none", 25),
])
def test_default_port_follows_security(tmp_path, section, security, port):
    config = load(tmp_path, with_(section, security=security))
    assert getattr(config, section).port == port


def test_explicit_port_wins(tmp_path):
    assert load(tmp_path, with_("imap", security="starttls", port=1143)).imap.port == 1143


def test_choices_are_case_insensitive(tmp_path):
    data = with_("imap", security="TLS")
    data["log"] = {"level": "DEBUG"}
    config = load(tmp_path, data)
    assert config.imap.security == "tls" and config.log.level == "debug"


def test_config_is_frozen(tmp_path):
    config = load(tmp_path, minimal())
    with pytest.raises(ValidationError):
        config.imap.port = 1
    with pytest.raises(ValidationError):
        config.log = None


def test_broker_local_part_and_domain(tmp_path):
    config = load(tmp_path, with_("broker", address="Intro@Example.TEST"))
    assert config.broker.local_part == "Intro"
    assert config.broker.domain == "example.test"


# --- file-level errors -----------------------------------------------------------------

def test_missing_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.yaml")
    assert "nope.yaml" in str(info.value) and "does not exist" in str(info.value)
    assert "mailbroker.example.yaml" in str(info.value)


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path)


def deny_reading(monkeypatch, denied: Path) -> None:
    """Simulate a permission problem (chmod does not stop root, who may run the tests)."""
    real = Path.read_text

    def read_text(self, *args, **kwargs):
        if self == denied:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", read_text)


def test_unreadable_file(tmp_path, monkeypatch):
    path = write(tmp_path, minimal())
    deny_reading(monkeypatch, path)
    with pytest.raises(ConfigError, match="config file cannot be read .permission denied. — make it readable"):
        load_config(path)


def test_not_utf8(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_bytes(b"broker: \xff\xfe\n")
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(path)


def test_yaml_syntax_error_names_line_and_column(tmp_path):
    text = "broker:\n  address: intro@example.test\nimap: host: x\n"
    message = problems(tmp_path, text)
    assert "YAML syntax error at line 3, column" in message
    assert "fix the syntax" in message


def test_yaml_error_does_not_quote_the_line(tmp_path):
    # PyYAML's own message shows the offending line, which may hold a password.
    text = f"imap:\n  password: {SECRET}: oops\n"
    message = problems(tmp_path, text)
    assert "line 2" in message and SECRET not in message


def test_unquoted_star_pattern_gets_a_specific_hint(tmp_path):
    message = problems(tmp_path, "referrers:\n  - *@example.org\n")
    assert "line 2" in message and 'must be quoted, e.g. - "*@example.org"' in message


def test_duplicate_key_is_an_error(tmp_path):
    message = problems(tmp_path, "log:\n  level: info\n  level: debug\n")
    assert "line 3" in message and "'level' appears twice (first on line 2)" in message


def test_empty_file(tmp_path):
    assert "the file is empty" in problems(tmp_path, "")


def test_top_level_not_a_mapping(tmp_path):
    message = problems(tmp_path, "- a\n- b\n")
    assert "top level is a list, not a mapping" in message and "broker:" in message


# --- validation errors: key path, what is wrong, how to fix ------------------------------

def test_missing_required_key(tmp_path):
    message = problems(tmp_path, without("imap", "host"))
    assert 'imap.host: required key is missing — add it, e.g. "host: imap.example.com"' in message


def test_missing_section(tmp_path):
    data = minimal()
    del data["smtp"]
    assert "smtp: required section is missing — add 'smtp:'" in problems(tmp_path, data)


def test_missing_referrers(tmp_path):
    data = minimal()
    del data["referrers"]
    assert "referrers: required key is missing — add it, e.g. \"referrers: [" in problems(tmp_path, data)


def test_all_problems_reported_at_once(tmp_path):
    data = minimal()
    del data["broker"]
    data["imap"]["security"] = "ssl"
    data["log"] = {"level": "loud"}
    lines = problems(tmp_path, data).splitlines()
    assert len(lines) == 3
    assert [line.split(":")[0] for line in lines] == ["broker", "imap.security", "log.level"]


def test_literal_error(tmp_path):
    message = problems(tmp_path, with_("imap", security="ssl"))
    assert message == "imap.security: 'ssl' is not one of tls, starttls, none — write one of them, e.g. \"security: tls\""


def test_language_and_log_level_choices(tmp_path):
    data = minimal()
    data["policy"] = {"language": "de"}
    data["log"] = {"level": "verbose"}
    message = problems(tmp_path, data)
    assert "policy.language: 'de' is not one of en, fr" in message
    assert 'log.level: \'verbose\' is not one of debug, info, warning, error — write one of them, e.g. "level: debug"' in message


def test_unknown_key_with_suggestion(tmp_path):
    data = with_("imap", pasword=SECRET)
    message = problems(tmp_path, data)
    assert "imap.pasword: unknown key — did you mean 'password'?" in message
    assert SECRET not in message


def test_unknown_nested_key_with_suggestion(tmp_path):
    data = with_("imap", folders={"proccessed": "x"})
    assert "imap.folders.proccessed: unknown key — did you mean 'processed'?" in problems(tmp_path, data)


def test_unknown_section_with_suggestion(tmp_path):
    data = minimal()
    data["polcy"] = {}
    assert "polcy: unknown key — did you mean 'policy'?" in problems(tmp_path, data)


def test_unknown_key_without_close_match_lists_allowed(tmp_path):
    data = {**minimal(), "log": {"zzz": 1}}
    message = problems(tmp_path, data)
    assert "log.zzz: unknown key — remove it; the keys allowed here are: level" in message


def test_not_a_whole_number(tmp_path):
    message = problems(tmp_path, with_("imap", port="imap"))
    assert "imap.port: 'imap' is not a whole number — write digits only, e.g. \"port: 993\"" in message


def test_port_out_of_range(tmp_path):
    message = problems(tmp_path, with_("smtp", port=70000))
    assert "smtp.port: 70000 is out of range — write a number from 1 to 65535" in message


def test_not_a_bool(tmp_path):
    message = problems(tmp_path, with_("imap", idle="sometimes"))
    assert "imap.idle: 'sometimes' is not true or false — write true or false, e.g. \"idle: true\"" in message


def test_empty_value_for_defaulted_key(tmp_path):
    message = problems(tmp_path, with_("imap", idle=None))
    assert 'imap.idle: has no value — write one, e.g. "idle: true", or delete the line to use the default' in message


def test_empty_port_means_default(tmp_path):
    assert load(tmp_path, with_("smtp", port=None, security="starttls")).smtp.port == 587


def test_not_text(tmp_path):
    message = problems(tmp_path, with_("imap", host=["a", "b"]))
    assert "imap.host: ['a', 'b'] is not text — put it in quotes" in message


def test_empty_text(tmp_path):
    assert "smtp.host: is empty — write a value" in problems(tmp_path, with_("smtp", host=""))


def test_section_that_is_not_a_mapping(tmp_path):
    data = minimal()
    data["policy"] = "3d"
    assert "policy: is text, not a section — indent its keys below 'policy:'" in problems(tmp_path, data)


def test_empty_section(tmp_path):
    data = minimal()
    data["imap"] = None
    assert "imap: has no value" in problems(tmp_path, data)


def test_referrers_not_a_list(tmp_path):
    data = minimal()
    data["referrers"] = {"a": 1}
    assert "referrers: is a mapping, not a list — write one entry per line after" in problems(tmp_path, data)


def test_referrers_empty(tmp_path):
    data = minimal()
    data["referrers"] = []
    assert "referrers: the list is empty — add at least one entry" in problems(tmp_path, data)


def test_bad_referrer_entry_names_its_index(tmp_path):
    data = minimal()
    data["referrers"] = ["ok@example.test", "bob", "*@nodot"]
    message = problems(tmp_path, data)
    assert "referrers[1]: 'bob' is neither an address nor a *@domain pattern" in message
    assert "referrers[2]: '*@nodot' is not a valid *@domain pattern" in message
    assert 'write e.g. alice@example.com or "*@example.org"' in message


def test_broker_address_invalid(tmp_path):
    message = problems(tmp_path, with_("broker", address="not an address"))
    assert "broker.address: 'not an address' is not a valid email address" in message
    assert 'e.g. "address: intro@example.com"' in message


def test_broker_address_with_plus(tmp_path):
    message = problems(tmp_path, with_("broker", address="intro+x@example.test"))
    assert "broker.address: 'intro+x@example.test' contains '+' before the @" in message


def test_broker_address_on_test_domains_and_ordinary_ones(tmp_path):
    for address in ("intro@example.test", "intro@mail.example.test", "intro@example.com"):
        assert load(tmp_path, with_("broker", address=address)).broker.address == address


def test_test_domains_accepted_without_touching_email_validator_globals(tmp_path):
    import email_validator

    before = (email_validator.TEST_ENVIRONMENT, list(email_validator.SPECIAL_USE_DOMAIN_NAMES))
    load(tmp_path, minimal())
    assert (email_validator.TEST_ENVIRONMENT, list(email_validator.SPECIAL_USE_DOMAIN_NAMES)) == before


def test_broker_name_must_be_one_line(tmp_path):
    assert "broker.name: contains a line break" in problems(tmp_path, with_("broker", name="a\nBcc: x@y.z"))


def test_expire_after_must_exceed_reminder_after(tmp_path):
    data = minimal()
    data["policy"] = {"reminder_after": "5d", "expire_after": "2d"}
    message = problems(tmp_path, data)
    assert "policy.expire_after: 2d is not longer than policy.reminder_after (5d)" in message
    assert "make expire_after longer" in message


def test_expire_after_equal_to_reminder_after_is_an_error(tmp_path):
    data = minimal()
    data["policy"] = {"reminder_after": "3d"}
    data["policy"]["expire_after"] = "72h"
    assert "policy.expire_after" in problems(tmp_path, data)


def test_bad_duration_in_config(tmp_path):
    data = minimal()
    data["policy"] = {"reminder_after": "3 days"}
    message = problems(tmp_path, data)
    assert message.startswith(
        "policy.reminder_after: '3 days' is not a duration — write a number and a unit: 20s, 30m, 12h, 3d")


def test_folders_must_differ_from_watch(tmp_path):
    message = problems(tmp_path, with_("imap", folders={"processed": "INBOX"}))
    assert "imap.folders.processed: is the same folder as watch (INBOX) — choose another, e.g. \"processed: mailbroker/processed\"" in message


def test_no_raw_pydantic_messages(tmp_path):
    data = minimal()
    data["imap"].update(port="x", idle="x", security="x", host=None, typo=1)
    data["policy"] = {"reminder_after": "x"}
    message = problems(tmp_path, data)
    for raw in ("Input should", "Field required", "Extra inputs", "Value error", "errors.pydantic.dev"):
        assert raw not in message


# --- durations -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("20s", timedelta(seconds=20)), ("30m", timedelta(minutes=30)), ("12h", timedelta(hours=12)),
    ("3d", timedelta(days=3)), ("1w", timedelta(weeks=1)), ("1d12h", timedelta(days=1, hours=12)),
    ("1h 30m", timedelta(hours=1, minutes=30)), ("2H", timedelta(hours=2)),
    (45, timedelta(seconds=45)), ("45", timedelta(seconds=45)),
    (timedelta(minutes=1), timedelta(minutes=1)),
])
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "  ", "0s", "0", 0, -5, "-5m", "3 days", "3x", "d", "1.5h", 1.5, True, None, "1d-2h"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError, match="write a number and a unit: 20s, 30m, 12h, 3d"):
        parse_duration(text)


def test_parse_duration_rejects_absurdly_long():
    with pytest.raises(ValueError, match="too long"):
        parse_duration("99999999999w")


UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@given(st.integers(min_value=1, max_value=100_000), st.sampled_from(sorted(UNITS)))
def test_parse_duration_property(number, unit):
    assert parse_duration(f"{number}{unit}") == timedelta(**{UNITS[unit]: number})


@given(st.integers(min_value=1, max_value=10**9))
def test_format_duration_round_trips(seconds):
    value = timedelta(seconds=seconds)
    assert parse_duration(format_duration(value)) == value


def test_durations_in_config(tmp_path):
    data = with_("imap", timeout=10, poll_interval="2m")
    data["policy"] = {"reminder_after": "1d12h", "expire_after": "1w"}
    config = load(tmp_path, data)
    assert config.imap.timeout == timedelta(seconds=10)
    assert config.imap.poll_interval == timedelta(minutes=2)
    assert config.policy.reminder_after == timedelta(days=1, hours=12)
    assert config.policy.expire_after == timedelta(weeks=1)


# --- referrers -------------------------------------------------------------------------

def referrer_config(tmp_path, *entries) -> Config:
    data = minimal()
    data["referrers"] = list(entries)
    return load(tmp_path, data)


def test_referrer_exact_address_case_insensitive(tmp_path):
    config = referrer_config(tmp_path, "Alice@Example.COM")
    assert config.is_allowed_referrer("alice@example.com")
    assert config.is_allowed_referrer("  ALICE@example.com ")
    assert not config.is_allowed_referrer("bob@example.com")
    assert not config.is_allowed_referrer("alice+x@example.com")


def test_referrer_domain_pattern_matches_that_domain_only(tmp_path):
    config = referrer_config(tmp_path, "*@Example.org")
    assert config.is_allowed_referrer("anyone@example.org")
    assert config.is_allowed_referrer("Anyone@EXAMPLE.ORG")
    assert not config.is_allowed_referrer("x@sub.example.org")
    assert not config.is_allowed_referrer("x@badexample.org")
    assert not config.is_allowed_referrer("x@example.org.evil.test")


def test_referrer_subdomain_pattern(tmp_path):
    config = referrer_config(tmp_path, "*@*.example.org")
    assert config.is_allowed_referrer("x@sub.example.org")
    assert config.is_allowed_referrer("x@a.b.example.org")
    assert not config.is_allowed_referrer("x@example.org")
    assert not config.is_allowed_referrer("x@badexample.org")


@pytest.mark.parametrize("address", ["", "no-at-sign", "@example.org", "example.org"])
def test_referrer_rejects_non_addresses(tmp_path, address):
    assert not referrer_config(tmp_path, "*@example.org").is_allowed_referrer(address)


# --- password sources ------------------------------------------------------------------

def imap_with(**password_keys) -> dict:
    data = minimal()
    del data["imap"]["password"]
    data["imap"].update(password_keys)
    return data


def test_password_inline(tmp_path):
    assert load(tmp_path, minimal()).imap.password.get_secret_value() == SECRET


def test_password_from_env(tmp_path, monkeypatch):
    monkeypatch.setenv("MB_TEST_PW", SECRET)
    config = load(tmp_path, imap_with(password_env="MB_TEST_PW"))
    assert config.imap.password.get_secret_value() == SECRET


def test_password_env_not_set(tmp_path, monkeypatch):
    monkeypatch.delenv("MB_TEST_PW", raising=False)
    message = problems(tmp_path, imap_with(password_env="MB_TEST_PW"))
    assert "imap.password_env: environment variable MB_TEST_PW is not set" in message
    assert "export MB_TEST_PW=" in message and "Environment=" in message


def test_password_env_empty(tmp_path, monkeypatch):
    monkeypatch.setenv("MB_TEST_PW", "")
    assert "imap.password_env: environment variable MB_TEST_PW is set but empty" in problems(
        tmp_path, imap_with(password_env="MB_TEST_PW"))


def test_password_env_holding_a_password_is_not_echoed(tmp_path):
    message = problems(tmp_path, imap_with(password_env="p@ss word!"))
    assert "imap.password_env: is not an environment variable name" in message
    assert "p@ss word!" not in message


def write_secret(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o600)


def test_a_password_file_every_user_can_read_is_refused(tmp_path):
    (tmp_path / "pw").write_text(SECRET)
    (tmp_path / "pw").chmod(0o644)
    message = problems(tmp_path, imap_with(password_file="pw"))
    assert f"imap.password_file: {tmp_path / 'pw'} can be read by every user of this machine" in message
    assert f"chmod 600 {tmp_path / 'pw'}" in message and SECRET not in message


def test_a_password_file_shared_with_a_group_is_accepted(tmp_path):
    (tmp_path / "pw").write_text(SECRET)
    (tmp_path / "pw").chmod(0o640)
    assert load(tmp_path, imap_with(password_file="pw")).imap.password.get_secret_value() == SECRET


def test_password_from_file_first_line(tmp_path):
    write_secret(tmp_path / "pw", f"{SECRET}\nsecond line\n")
    config = load(tmp_path, imap_with(password_file=str(tmp_path / "pw")))
    assert config.imap.password.get_secret_value() == SECRET


def test_password_file_relative_to_config_dir(tmp_path, monkeypatch):
    write_secret(tmp_path / "pw", f"{SECRET}\r\n")
    monkeypatch.chdir("/")
    config = load(tmp_path, imap_with(password_file="pw"))
    assert config.imap.password.get_secret_value() == SECRET
    assert config.imap.password_file == tmp_path / "pw"


def test_password_file_missing(tmp_path):
    message = problems(tmp_path, imap_with(password_file=str(tmp_path / "nope")))
    assert f"imap.password_file: {tmp_path / 'nope'} does not exist — create it" in message


def test_password_file_empty(tmp_path):
    write_secret(tmp_path / "pw", "")
    assert "imap.password_file:" in (message := problems(tmp_path, imap_with(password_file="pw")))
    assert "is empty — put the password on its first line" in message


def test_password_file_is_directory(tmp_path):
    assert "is a directory" in problems(tmp_path, imap_with(password_file=str(tmp_path)))


def test_password_file_unreadable(tmp_path, monkeypatch):
    (tmp_path / "pw").write_text(SECRET)
    deny_reading(monkeypatch, tmp_path / "pw")
    message = problems(tmp_path, imap_with(password_file="pw"))
    assert "imap.password_file:" in message and "cannot be read (permission denied)" in message


def test_password_none_given(tmp_path):
    message = problems(tmp_path, imap_with())
    assert ("imap.password: no password given — add exactly one of password, password_file, password_env, "
            "password_command or password_credential") in message


def test_password_two_given(tmp_path, monkeypatch):
    monkeypatch.setenv("MB_TEST_PW", SECRET)
    message = problems(tmp_path, imap_with(password=SECRET, password_env="MB_TEST_PW"))
    assert "imap.password_env: cannot be used together with password — keep exactly one" in message
    assert SECRET not in message


def test_password_inline_empty(tmp_path):
    assert "imap.password: is empty" in problems(tmp_path, imap_with(password=""))


def test_password_inline_number_is_not_echoed(tmp_path):
    message = problems(tmp_path, imap_with(password=123456789))
    assert "imap.password: the value is not text — put it in quotes, e.g. \"password: '...'\"" in message
    assert "123456789" not in message


def test_smtp_without_username_has_no_auth(tmp_path):
    assert load(tmp_path, minimal()).smtp.password is None


def test_smtp_password_without_username(tmp_path):
    message = problems(tmp_path, with_("smtp", password=SECRET))
    assert "smtp.password: is set but username is not — add username" in message
    assert SECRET not in message


def test_smtp_username_requires_password(tmp_path):
    message = problems(tmp_path, with_("smtp", username="intro@example.test"))
    assert "smtp.password: no password given" in message and "MAILBROKER_SMTP_PASSWORD" in message


def test_smtp_username_with_password_file(tmp_path):
    write_secret(tmp_path / "smtp.pw", "smtp-secret\n")
    config = load(tmp_path, with_("smtp", username="u", password_file="smtp.pw"))
    assert config.smtp.password.get_secret_value() == "smtp-secret"


def test_secret_not_leaked_in_repr_or_str(tmp_path, monkeypatch):
    monkeypatch.setenv("MB_SMTP_PW", SECRET + "-smtp")
    data = with_("smtp", username="u", password_env="MB_SMTP_PW")
    config = load(tmp_path, data)
    for text in (repr(config), str(config), repr(config.imap), str(config.smtp), config.model_dump_json()):
        assert SECRET not in text


def test_pydantic_error_not_chained(tmp_path):
    # pydantic's own message echoes inputs; it must not ride along as __cause__/__context__.
    with pytest.raises(ConfigError) as info:
        load(tmp_path, imap_with(password=123456789))
    assert info.value.__cause__ is None and info.value.__suppress_context__


# --- paths -----------------------------------------------------------------------------

def test_relative_state_path_resolves_against_config_dir(tmp_path, monkeypatch):
    monkeypatch.chdir("/")
    data = minimal()
    data["state"] = {"path": "data/state.sqlite3"}
    assert load(tmp_path, data).state.path == tmp_path / "data" / "state.sqlite3"


def test_absolute_state_path_kept(tmp_path):
    data = minimal()
    data["state"] = {"path": "/srv/mb/state.sqlite3"}
    assert load(tmp_path, data).state.path == Path("/srv/mb/state.sqlite3")


def test_config_error_problems_and_str():
    error = ConfigError(["a: one", "b: two"])
    assert error.problems == ["a: one", "b: two"] and str(error) == "a: one\nb: two"
    assert ConfigError("single").problems == ["single"]


@pytest.mark.parametrize("written, size", [("25MB", 25_000_000), ("10 MiB", 10 * 2**20), ("512kb", 512_000),
                                           (30_000_000, 30_000_000)])
def test_message_size_cap_in_usual_units(tmp_path, written, size):
    data = minimal()
    data["limits"] = {"max_message_size": written}
    assert load(tmp_path, data).limits.max_message_size == size


def test_message_size_cap_defaults_to_what_providers_accept(tmp_path):
    assert load(tmp_path, minimal()).limits.max_message_size == 25_000_000


@pytest.mark.parametrize("written, says", [("big", "is not a size — write a size such as \"25MB\""),
                                          (True, "is not a size"), ("1KB", "is too small")])
def test_bad_message_size_cap_says_how_to_write_one(tmp_path, written, says):
    data = minimal()
    data["limits"] = {"max_message_size": written}
    message = problems(tmp_path, data)
    assert message.startswith("limits.max_message_size: ") and says in message


# --- password sources: a command, a systemd credential ----------------------------------

def test_example_documents_every_password_source():
    text = EXAMPLE.read_text()
    for key in ("password:", "password_file:", "password_env:", "password_command:", "password_credential:"):
        assert key in text, key


def test_password_command_as_a_list_gives_its_first_line(tmp_path):
    config = load(tmp_path, imap_with(password_command=["sh", "-c", f"echo {SECRET}; echo second line"]))
    assert config.imap.password.get_secret_value() == SECRET


def test_password_command_as_one_line_is_split_like_a_shell_would(tmp_path):
    config = load(tmp_path, imap_with(password_command="sh -c 'printf \"%s\\n\" \"  two words \"'"))
    assert config.imap.password.get_secret_value() == "  two words "


def test_password_command_runs_without_a_shell(tmp_path):
    config = load(tmp_path, imap_with(password_command=f"echo {SECRET} | tr a-z A-Z"))
    assert config.imap.password.get_secret_value() == f"{SECRET} | tr a-z A-Z"


def test_password_command_for_smtp(tmp_path):
    config = load(tmp_path, with_("smtp", username="u", password_command=["echo", "smtp-secret"]))
    assert config.smtp.password.get_secret_value() == "smtp-secret"


def script(tmp_path: Path, body: str) -> str:
    """An executable shell script, so that what it prints is not also in its command line."""
    path = tmp_path / "getpw"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o700)
    return str(path)


def test_password_command_that_fails_says_which_its_status_and_first_error_line(tmp_path):
    getpw = script(tmp_path, f"echo {SECRET}\necho 'gpg: decryption failed: No secret key' >&2\n"
                             "echo second error line >&2\nexit 2")
    message = problems(tmp_path, imap_with(password_command=[getpw, "mail/intro"]))
    assert message.startswith(f"imap.password_command: `{getpw} mail/intro` failed (exit status 2: "
                              "gpg: decryption failed: No secret key) — run it by hand")
    assert "second" not in message and "exit with 0" in message and SECRET not in message


def test_password_command_false(tmp_path):
    message = problems(tmp_path, imap_with(password_command=["false"]))
    assert "imap.password_command: `false` failed (exit status 1: no error message)" in message


def test_password_command_killed_by_a_signal(tmp_path):
    message = problems(tmp_path, imap_with(password_command=["sh", "-c", "kill -TERM $$"]))
    assert "failed (killed by SIGTERM: no error message)" in message


def test_password_command_printing_nothing(tmp_path):
    message = problems(tmp_path, imap_with(password_command=[script(tmp_path, f"echo; echo {SECRET}")]))
    assert "printed nothing on its first line — make it print the password on its first line" in message
    assert SECRET not in message


def test_password_command_not_found(tmp_path):
    message = problems(tmp_path, imap_with(password_command=[str(tmp_path / "getpw"), "imap"]))
    assert f"imap.password_command: {tmp_path / 'getpw'} not found — install it, or write its full path" in message


def test_password_command_not_executable(tmp_path):
    write_secret(tmp_path / "getpw", f"#!/bin/sh\necho {SECRET}\n")
    message = problems(tmp_path, imap_with(password_command=[str(tmp_path / "getpw")]))
    assert "cannot be run (permission denied) — make it executable" in message


def test_password_command_is_stopped_after_its_timeout_with_its_children(tmp_path, monkeypatch):
    import time

    from mailbroker import config as config_module

    monkeypatch.setattr(config_module, "PASSWORD_COMMAND_TIMEOUT", 0.5)
    child = tmp_path / "child.pid"
    started = time.monotonic()
    message = problems(tmp_path, imap_with(password_command=["sh", "-c", f"sleep 30 & echo $! > {child}; wait"]))
    assert time.monotonic() - started < 5
    assert "did not finish within 0.5 s and was stopped" in message and "gpg-agent" in message
    time.sleep(0.2)
    status = Path(f"/proc/{child.read_text().strip()}/stat")
    assert not status.exists() or status.read_text().split(") ")[1].startswith("Z"), "sleep still runs"


@pytest.mark.parametrize("command, says", [
    ("pass show 'mail", "cannot be split into arguments (No closing quotation) — close the quotes"),
    ([], "is empty — write the command that prints the password"),
    ("", "is empty — write the command that prints the password"),
    (["pass", 3], "is not a command — write a list of arguments in quotes"),
    ({"pass": "show"}, "is not a command"),
])
def test_password_command_badly_written(tmp_path, command, says):
    assert f"imap.password_command: {says}" in problems(tmp_path, imap_with(password_command=command))


def test_password_command_is_not_run_by_commands_that_need_no_server(tmp_path):
    marker = tmp_path / "ran"
    config = load_config(write(tmp_path, imap_with(password_command=["touch", str(marker)])),
                         resolve_secrets=False)
    assert config.imap.password is None and not marker.exists()


def test_password_command_with_another_source(tmp_path):
    message = problems(tmp_path, imap_with(password=SECRET, password_command=["echo", SECRET]))
    assert "imap.password_command: cannot be used together with password — keep exactly one of" in message


def credentials(monkeypatch, directory: Path, **files: str) -> None:
    directory.mkdir()
    for name, text in files.items():
        (directory / name).write_text(text)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(directory))


def test_password_credential(tmp_path, monkeypatch):
    credentials(monkeypatch, tmp_path / "creds", **{"imap-password": f"{SECRET}\n"})
    config = load(tmp_path, imap_with(password_credential="imap-password"))
    assert config.imap.password.get_secret_value() == SECRET


def test_password_credential_outside_systemd(tmp_path, monkeypatch):
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    message = problems(tmp_path, imap_with(password_credential="imap-password"))
    assert "imap.password_credential: there is no systemd credential imap-password here " \
           "($CREDENTIALS_DIRECTORY is not set) — run under systemd with LoadCredential=imap-password:/path, " \
           "or use password_file" in message


def test_password_credential_not_loaded(tmp_path, monkeypatch):
    credentials(monkeypatch, tmp_path / "creds", **{"smtp-password": SECRET})
    message = problems(tmp_path, imap_with(password_credential="imap-password"))
    assert "imap.password_credential: the service has no credential imap-password" in message
    assert "it has: smtp-password) — add LoadCredential=imap-password:/path to the unit" in message
    assert SECRET not in message


def test_password_credential_empty(tmp_path, monkeypatch):
    credentials(monkeypatch, tmp_path / "creds", **{"imap-password": ""})
    message = problems(tmp_path, imap_with(password_credential="imap-password"))
    assert "imap.password_credential: credential imap-password is empty" in message


@pytest.mark.parametrize("name", ["p@ss word!", "../imap-password", "..", "a:b"])
def test_password_credential_name_that_is_not_one_is_not_echoed(tmp_path, monkeypatch, name):
    credentials(monkeypatch, tmp_path / "creds")
    message = problems(tmp_path, imap_with(password_credential=name))
    assert "imap.password_credential: is not a credential name" in message and name not in message


# --- OAuth2 sign-in (auth: xoauth2) ----------------------------------------------------

def xoauth2(section: str = "imap", **changes) -> dict:
    data = minimal()
    if section == "imap":
        del data["imap"]["password"]
    data[section] = {**data[section], "auth": "xoauth2", "oauth2_token_command": ["oama", "access", "intro"],
                     **changes}
    return data


def test_xoauth2_takes_a_token_command_and_no_password(tmp_path):
    config = load(tmp_path, xoauth2())
    assert config.imap.auth == "xoauth2" and config.imap.password is None
    assert config.imap.oauth2_token_command == ("oama", "access", "intro")
    assert config.smtp.auth == "password"  # each section on its own


def test_xoauth2_token_command_as_one_line(tmp_path):
    config = load(tmp_path, xoauth2(oauth2_token_command="mutt_oauth2.py '/etc/mb/token file'"))
    assert config.imap.oauth2_token_command == ("mutt_oauth2.py", "/etc/mb/token file")


def test_xoauth2_is_case_insensitive_and_other_methods_are_refused(tmp_path):
    assert load(tmp_path, xoauth2(auth="XOAUTH2")).imap.auth == "xoauth2"
    message = problems(tmp_path, xoauth2(auth="oauth"))
    assert "imap.auth: 'oauth' is not one of password, xoauth2" in message


def test_xoauth2_with_a_password_names_the_key_to_remove(tmp_path):
    message = problems(tmp_path, xoauth2(password=SECRET))
    assert "imap.password: cannot be used with auth: xoauth2" in message
    assert "remove it, or write \"auth: password\"" in message and SECRET not in message


def test_xoauth2_without_a_token_command(tmp_path):
    data = xoauth2()
    del data["imap"]["oauth2_token_command"]
    message = problems(tmp_path, data)
    assert "imap.oauth2_token_command: is required with auth: xoauth2" in message
    assert 'e.g. "oauth2_token_command: ["oama", "access", "intro@example.com"]"' in message


def test_a_token_command_without_xoauth2(tmp_path):
    message = problems(tmp_path, with_("imap", oauth2_token_command=["oama", "access", "intro"]))
    assert ("imap.oauth2_token_command: is only used with auth: xoauth2 — add \"auth: xoauth2\" "
            "(and remove password), or remove oauth2_token_command") in message


def test_an_empty_token_command(tmp_path):
    message = problems(tmp_path, xoauth2(oauth2_token_command=[]))
    assert "imap.oauth2_token_command: is empty — write the command that prints an access token" in message


def test_smtp_xoauth2_needs_the_username(tmp_path):
    message = problems(tmp_path, xoauth2("smtp"))
    assert "smtp.username: is required with auth: xoauth2" in message
    config = load(tmp_path, xoauth2("smtp", username="intro@example.test"))
    assert config.smtp.auth == "xoauth2" and config.smtp.password is None


def test_the_token_command_is_not_run_when_loading(tmp_path):
    marker = tmp_path / "ran"
    load(tmp_path, xoauth2(oauth2_token_command=["/bin/sh", "-c", f"touch {marker}"]))
    assert not marker.exists()


def test_a_fresh_token_at_each_call(tmp_path):
    counter = tmp_path / "count"
    script = f"echo x >> {counter}; wc -l < {counter}"
    settings = load(tmp_path, xoauth2(oauth2_token_command=["/bin/sh", "-c", script])).imap
    assert [oauth2_token(settings), oauth2_token(settings)] == ["1", "2"]


def test_a_failing_token_command_says_which_key_and_what(tmp_path):
    command = ["/bin/sh", "-c", "echo 'refresh token expired' >&2; exit 3"]
    settings = load(tmp_path, xoauth2(oauth2_token_command=command)).imap
    with pytest.raises(OAuth2TokenError) as info:
        oauth2_token(settings)
    message = str(info.value)
    assert message.startswith("imap.oauth2_token_command: `/bin/sh -c")
    assert "failed (exit status 3: refresh token expired)" in message
    assert "it must print an access token on its first line" in message
    assert isinstance(info.value, OSError)  # the daemon retries it like a server it cannot reach


def test_a_missing_token_helper(tmp_path):
    settings = load(tmp_path, xoauth2(oauth2_token_command=["no-such-token-helper"])).imap
    with pytest.raises(OAuth2TokenError, match="no-such-token-helper not found — install it"):
        oauth2_token(settings)


# --- several mailboxes -----------------------------------------------------------------

def with_mailboxes(*entries: dict, **top) -> dict:
    return {**minimal(), **top, "mailboxes": list(entries)}


FRENCH = {"broker": {"address": "mises@example.test", "name": "Mises en relation"},
          "imap": {"username": "mises@example.test"}, "policy": {"language": "fr"}}


def test_one_mailbox_by_default(tmp_path):
    config = load(tmp_path, minimal())
    assert config.mailboxes == () and config.all_mailboxes == (config,)
    assert config.key_of(config) == "" and config.mailbox_by_key("") is config


def test_a_mailbox_takes_what_it_leaves_out_from_the_top_level(tmp_path):
    config = load(tmp_path, with_mailboxes(FRENCH, policy={"reminder_after": "2d"}))
    [french] = config.mailboxes
    assert french.broker.address == "mises@example.test" and french.broker.name == "Mises en relation"
    assert french.imap.username == "mises@example.test"
    assert french.imap.host == "imap.example.test" and french.imap.password.get_secret_value() == SECRET
    assert french.policy.language == "fr" and french.policy.reminder_after == timedelta(days=2)
    assert french.referrers == config.referrers and french.smtp == config.smtp
    assert config.policy.language == "en"  # the top level keeps its own
    assert config.key_of(french) == "mises@example.test" and config.mailbox_by_key("mises@example.test") is french


def test_a_mailbox_with_its_own_referrers_replaces_the_list(tmp_path):
    config = load(tmp_path, with_mailboxes({**FRENCH, "referrers": ["*@example.fr"]}))
    [french] = config.mailboxes
    assert french.referrers == ("*@example.fr",)
    assert french.is_allowed_referrer("anne@example.fr") and not french.is_allowed_referrer("referrer@example.test")
    assert config.is_allowed_referrer("referrer@example.test") and not config.is_allowed_referrer("anne@example.fr")


def test_a_password_source_of_a_mailbox_replaces_the_top_levels(tmp_path, monkeypatch):
    monkeypatch.setenv("MISES_PASSWORD", "other-secret")
    entry = {**FRENCH, "imap": {"username": "mises@example.test", "password_env": "MISES_PASSWORD"}}
    [french] = load(tmp_path, with_mailboxes(entry)).mailboxes
    assert french.imap.password.get_secret_value() == "other-secret" and french.imap.password_env == "MISES_PASSWORD"


def test_two_mailboxes_with_one_address_are_refused(tmp_path):
    entry = {**FRENCH, "broker": {"address": "INTRO@example.test"}}
    assert problems(tmp_path, with_mailboxes(entry)) == (
        "mailboxes[0].broker.address: INTRO@example.test is already the address of the top level — give each "
        "mailbox an address of its own")


def test_a_mailbox_without_an_address_of_its_own_is_refused(tmp_path):
    assert "mailboxes[0].broker.address: intro@example.test is already the address of the top level" in problems(
        tmp_path, with_mailboxes({"imap": {"username": "other@example.test"}}))


def test_two_mailboxes_reading_one_folder_are_refused(tmp_path):
    entry = {"broker": {"address": "mises@example.test"}}
    assert problems(tmp_path, with_mailboxes(entry)) == (
        "mailboxes[0].imap: watches the same folder as the top level (intro@example.test on imap.example.test, "
        "INBOX) — two mailboxes must not read one folder; give this one its own imap.username or imap.folders.watch")
    other_folder = {**entry, "imap": {"folders": {"watch": "Mises"}}}
    assert load(tmp_path, with_mailboxes(other_folder)).mailboxes[0].imap.folders.watch == "Mises"


def test_a_mistake_in_a_mailbox_names_the_mailbox(tmp_path):
    entry = {**FRENCH, "policy": {"langage": "fr"}}
    assert problems(tmp_path, with_mailboxes(entry)) == "mailboxes[0].policy.langage: unknown key — did you mean 'language'?"
    assert "mailboxes[0].state: unknown key" in problems(tmp_path, with_mailboxes({**FRENCH, "state": {}}))


def test_a_mistake_a_mailbox_inherits_is_said_once_at_the_top_level(tmp_path):
    data = with_mailboxes(FRENCH)
    data["imap"]["port"] = 99999
    assert problems(tmp_path, data) == "imap.port: 99999 is out of range — write a number from 1 to 65535"


def test_mailboxes_must_be_a_list_of_sections(tmp_path):
    assert "mailboxes[0]: is text, not a section" in problems(tmp_path, with_mailboxes("mises@example.test"))
