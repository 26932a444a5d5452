"""`mailbroker init`: write a first configuration file, and copy the message templates.

The file written is the documented example (mailbroker/example.yaml, the same text as
config/mailbroker.example.yaml: one source of truth for what every key means) with the
operator's values put in place of the example's. It is checked with load_config before
it replaces anything. Passwords are never written into it — the IMAP password comes from
an environment variable (MAILBROKER_IMAP_PASSWORD), a password file or a systemd
credential — so it is created 0644: the systemd unit runs the broker as a user systemd
makes up (DynamicUser=), who could not read a file only root may read.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from .config import ConfigError, load_config

IMAP_PASSWORD_ENV = "MAILBROKER_IMAP_PASSWORD"
SMTP_PASSWORD_ENV = "MAILBROKER_SMTP_PASSWORD"
DEFAULT_STATE = "/var/lib/mailbroker/state.sqlite3"  # the systemd unit's StateDirectory

HEADER = """\
# mailbroker configuration, written by `mailbroker init`.
# Review every value, then check it, servers included, with:
#   mailbroker check-config --connect --config {path}
"""


class InitError(Exception):
    """What stops `init`, said so that the operator knows what to do."""


@dataclass
class Settings:
    """The operator's answers. `username` defaults to the broker's address."""

    address: str
    imap_host: str
    smtp_host: str
    referrers: list[str]
    username: str = ""
    smtp_username: str = ""
    password_file: str = ""
    state: str = DEFAULT_STATE
    templates: str = ""  # a directory of customised templates


# What `init` asks for when it runs in a terminal: (attribute, option, question).
REQUIRED = (
    ("address", "--address", "The broker's own email address (people forward requests to it)"),
    ("imap_host", "--imap-host", "IMAP server host name"),
    ("smtp_host", "--smtp-host", "SMTP server host name"),
    ("referrers", "--referrer", "Who may ask for introductions (an address or \"*@domain\"; several: comma-separated)"),
)


def missing(values: dict) -> list[tuple[str, str, str]]:
    return [entry for entry in REQUIRED if not values.get(entry[0])]


def example_text() -> str:
    """The documented example configuration, shipped inside the package."""
    return resources.files("mailbroker").joinpath("example.yaml").read_text(encoding="utf-8")


# --- writing the configuration ---------------------------------------------------------


def render(settings: Settings, path: Path) -> str:
    """The example, with the operator's values in place of the example's."""
    lines = example_text().splitlines()
    lines = HEADER.format(path=path).splitlines() + lines[_first_paragraph_end(lines):]
    s = settings
    _set(lines, "broker", "address", s.address)
    for section, host, port in (("imap", s.imap_host, 993), ("smtp", s.smtp_host, 465)):
        _set(lines, section, "host", host)
        _set(lines, section, "security", "tls")  # the example's "none" is for a server on loopback only
        _set(lines, section, "verify_certificate", True)
        _set(lines, section, "port", port, commented=True)  # the usual port for tls
    _set(lines, "imap", "username", s.username or s.address)
    if s.password_file:
        _replace_key(lines, "imap", "password_env", "password_file", s.password_file)
        _replace_text(lines, f"read from the environment variable {IMAP_PASSWORD_ENV}",
                      f"read from the file {s.password_file}")
    if s.smtp_username:
        login = {"username": s.smtp_username}
        login.update({"password_file": s.password_file} if s.password_file else {"password_env": SMTP_PASSWORD_ENV})
        _insert_before(lines, "smtp", "timeout", [f"  {key}: {_scalar(value)}" for key, value in login.items()])
    _set_list(lines, "referrers", s.referrers)
    _set(lines, "state", "path", s.state)
    if s.templates:
        _set(lines, "templates", "directory", s.templates)
    return "\n".join(lines) + "\n"


def check_config_target(path: Path, *, force: bool) -> None:
    if path.is_dir():
        raise InitError(f"{path} is a directory: give the path of the file to write")
    if path.exists() and not force:
        raise InitError(f"{path} already exists: pass --force to replace it (or choose another --config path)")


def write_config(settings: Settings, path: Path, *, force: bool) -> None:
    """Write the file, mode 0644 (it holds no secret), after checking that it loads. Nothing is replaced
    when the file exists (unless `force`) or when the result would not load."""
    check_config_target(path, force=force)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = render(settings, path)
    handle, temporary = tempfile.mkstemp(prefix=".mailbroker-init-", suffix=".yaml", dir=path.parent)
    try:
        os.fchmod(handle, 0o644)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        try:
            load_config(temporary, resolve_secrets=False)
        except ConfigError as error:
            raise InitError(f"the values given do not make a valid configuration:\n{error}") from None
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- copying the templates -------------------------------------------------------------


def template_files() -> list[tuple[str, resources.abc.Traversable]]:
    """(relative path, file) for every template shipped with the package: the
    <lang>/<name>.txt files and whatever else the templates directory holds."""
    found = []

    def walk(folder, prefix: str) -> None:
        for item in folder.iterdir():
            if item.is_dir():
                if not item.name.startswith(("_", ".")):
                    walk(item, f"{prefix}{item.name}/")
            elif not item.name.startswith(".") and not item.name.endswith(".pyc"):
                found.append((prefix + item.name, item))

    walk(resources.files("mailbroker").joinpath("templates"), "")
    return sorted(found, key=lambda pair: pair[0])


def check_templates_target(directory: Path, *, force: bool) -> None:
    if directory.exists() and not directory.is_dir():
        raise InitError(f"{directory} is a file: give a directory for the templates")
    existing = [directory / name for name, _ in template_files() if (directory / name).exists()]
    if existing and not force:
        raise InitError(f"{directory} already holds templates (e.g. {existing[0]}): pass --force to replace them")


def copy_templates(directory: Path, *, force: bool) -> list[Path]:
    """Copy the built-in templates into `directory`, for customising. Nothing is written
    when any of them exists already (unless `force`)."""
    check_templates_target(directory, force=force)
    written = []
    for name, source in template_files():
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with source.open("rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        written.append(target)
    return written


# --- editing the example, line by line (so that every comment stays) -------------------


def _first_paragraph_end(lines: list[str]) -> int:
    """The example's opening lines say what it is an example for: up to the first
    empty comment line, they give way to `init`'s own header."""
    return next((i for i, line in enumerate(lines) if line.strip() == "#"), 0)


def _scalar(value) -> str:
    """`value` as YAML: plain when it reads back as the same string, else double-quoted
    (a JSON string is a valid YAML double-quoted scalar: no value can break the file)."""
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9/][A-Za-z0-9._@/+-]*", value) \
            and yaml.safe_load(value) == value:
        return value
    return json.dumps(value, ensure_ascii=False)


def _section(lines: list[str], section: str) -> range:
    start = lines.index(f"{section}:")
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"[a-z_]+:", lines[i])), len(lines))
    return range(start + 1, end)


def _key_line(lines: list[str], section: str, key: str) -> int:
    for i in _section(lines, section):
        if re.match(rf"  {key}:( |$)", lines[i]):
            return i
    raise KeyError(f"{section}.{key} is not in the example configuration")


def _set(lines: list[str], section: str, key: str, value, *, commented: bool = False) -> None:
    """Give `key` this value; `commented`: show it as a comment, the default applying."""
    lines[_key_line(lines, section, key)] = f"  {'# ' if commented else ''}{key}: {_scalar(value)}"


def _replace_key(lines: list[str], section: str, key: str, new_key: str, value) -> None:
    lines[_key_line(lines, section, key)] = f"  {new_key}: {_scalar(value)}"


def _insert_before(lines: list[str], section: str, key: str, new: list[str]) -> None:
    """Insert `new` before `key` and the comment lines that describe it."""
    i = _key_line(lines, section, key)
    while lines[i - 1].startswith("  #"):
        i -= 1
    lines[i:i] = new


def _set_list(lines: list[str], section: str, values: list[str]) -> None:
    items = [i for i in _section(lines, section) if lines[i].startswith("  - ")]
    lines[items[0]:items[-1] + 1] = [f"  - {_scalar(value)}" for value in values]


def _replace_text(lines: list[str], old: str, new: str) -> None:
    for i, line in enumerate(lines):
        if old in line:
            lines[i] = line.replace(old, new)
