"""YAML file -> validated, typed, immutable settings.

`load_config(path)` returns a frozen `Config` or raises `ConfigError`, whose problems each
name the key path, what is wrong and how to fix it. Every model forbids unknown keys, so
a typo is an error with a suggestion rather than a silently ignored setting.

Password sources (inline, file, environment variable, command, systemd credential) are
resolved at load time into a `SecretStr`, so the rest of the program never touches them
and never prints them.
"""

from __future__ import annotations

import contextlib
import difflib
import ipaddress
import os
import re
import shlex
import signal
import stat
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, get_args, get_origin

import yaml
from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ByteSize,
    ConfigDict,
    Field,
    PositiveInt,
    SecretStr,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic.fields import FieldInfo

__all__ = [
    "BrokerSettings",
    "Config",
    "ConfigError",
    "FoldersSettings",
    "ImapSettings",
    "OAuth2TokenError",
    "LogSettings",
    "MailboxSettings",
    "PolicySettings",
    "SmtpSettings",
    "StateSettings",
    "format_duration",
    "load_config",
    "oauth2_token",
    "parse_duration",
]

EXAMPLE_FILE = "config/mailbroker.example.yaml"


class ConfigError(Exception):
    """The configuration cannot be used; `problems` lists every reason, one per line."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class _KeyedError(ValueError):
    """A ValueError raised by a section-level check that belongs to one key of the section.

    Pydantic reports model-level errors at the section's path; `key` lets the translator
    point at the offending key instead.
    """

    def __init__(self, key: str | tuple, message: str) -> None:
        super().__init__(message)
        self.key = key if isinstance(key, tuple) else (key,)


# --- durations -------------------------------------------------------------------------

_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_DURATION_HINT = "write a number and a unit: 20s, 30m, 12h, 3d (or 1w, or combined: 1d12h)"


def parse_duration(text: str | int | timedelta) -> timedelta:
    """Parse "20s", "30m", "12h", "3d", "1w" or combinations like "1d12h"; an int is seconds."""
    if isinstance(text, timedelta):
        return _positive(text, text)
    if isinstance(text, bool) or not isinstance(text, (int, str)):
        raise ValueError(f"{text!r} is not a duration — {_DURATION_HINT}")
    if isinstance(text, int):
        return _positive(timedelta(seconds=text), text)
    compact = re.sub(r"\s+", "", text).lower()
    if compact.isdigit():  # a quoted number of seconds, same as a bare int
        return _positive(timedelta(seconds=int(compact)), text)
    if not compact or not re.fullmatch(r"(?:\d+[wdhms])+", compact):
        raise ValueError(f"{text!r} is not a duration — {_DURATION_HINT}")
    parts = {}
    for number, unit in re.findall(r"(\d+)([wdhms])", compact):
        parts[_UNITS[unit]] = parts.get(_UNITS[unit], 0) + int(number)
    try:
        return _positive(timedelta(**parts), text)
    except OverflowError:
        raise ValueError(f"{text!r} is too long a duration — {_DURATION_HINT}") from None


def _positive(value: timedelta, text: object) -> timedelta:
    if value <= timedelta(0):
        raise ValueError(f"{text!r} is not a positive duration — {_DURATION_HINT}")
    return value


def format_duration(value: timedelta) -> str:
    """The inverse of parse_duration, for messages: timedelta(days=1, hours=12) -> "1d12h"."""
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]

_SIZE_HINT = 'write a size such as "25MB", "512KB" or "10MiB", or a number of bytes'
_SIZES = TypeAdapter(ByteSize)


def parse_size(value: object) -> int:
    """Parse "25MB", "10 MiB", "512kb" or a number of bytes (pydantic's ByteSize)."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a size — {_SIZE_HINT}")
    try:
        size = int(_SIZES.validate_python(value))
    except ValidationError:
        raise ValueError(f"{value!r} is not a size — {_SIZE_HINT}") from None
    if size < 10_000:
        raise ValueError(f"{value!r} is too small: ordinary mail is larger — write at least 10KB")
    return size


MessageSize = Annotated[int, BeforeValidator(parse_size)]


# --- small field types -----------------------------------------------------------------

def _lower(value: Any) -> Any:
    # Choices are written by hand; "TLS" or "INFO" should not be an error.
    return value.lower() if isinstance(value, str) else value


Security = Annotated[Literal["tls", "starttls", "none"], BeforeValidator(_lower)]
Language = Annotated[Literal["en", "fr"], BeforeValidator(_lower)]
LogLevel = Annotated[Literal["debug", "info", "warning", "error"], BeforeValidator(_lower)]


def _resolve_path(value: Path, info: ValidationInfo) -> Path:
    # Relative paths follow the config file, not the daemon's working directory,
    # which under systemd is "/" and would surprise everyone.
    value = value.expanduser()
    base = (info.context or {}).get("config_dir", Path.cwd())
    return value if value.is_absolute() else Path(base) / value


ConfigPath = Annotated[Path, AfterValidator(_resolve_path)]


def _email(address: str) -> str:
    """Validate and normalise an address; RFC 2606 ".test" domains are accepted.

    `test_environment=True` is passed per call rather than setting the module-wide
    `email_validator.TEST_ENVIRONMENT`, so no global state is changed for other users
    of the library. It only lifts the ban on *.test; deliverability is never checked
    (no DNS at load time).
    """
    try:
        return validate_email(address, check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError as exc:
        raise ValueError(str(exc).rstrip(".")) from None


def _broker_address(value: str) -> str:
    try:
        address = _email(value)
    except ValueError as exc:
        raise ValueError(
            f"{value!r} is not a valid email address ({exc}) — "
            'write a plain address, e.g. "address: intro@example.com"'
        ) from None
    if "+" in address.rpartition("@")[0]:
        raise ValueError(
            f"{value!r} contains '+' before the @ — the broker adds +TOKEN to its address "
            'itself; write the plain address, e.g. "address: intro@example.com"'
        )
    return address


def _referrer(value: str) -> str:
    """An address, "*@domain" (that domain only) or "*@*.domain" (its subdomains)."""
    entry = value.strip().lower()
    if entry.startswith("*@"):
        domain = entry[4:] if entry.startswith("*@*.") else entry[2:]
        try:
            _email(f"x@{domain}")
        except ValueError as exc:
            raise ValueError(
                f"{value!r} is not a valid *@domain pattern ({exc}) — write e.g. "
                '"*@example.org" (that domain) or "*@*.example.org" (its subdomains)'
            ) from None
        return entry
    try:
        return _email(entry)
    except ValueError as exc:
        raise ValueError(
            f"{value!r} is neither an address nor a *@domain pattern ({exc}) — "
            'write e.g. alice@example.com or "*@example.org" (quoted)'
        ) from None


Referrer = Annotated[str, AfterValidator(_referrer)]


def _header_safe(value: str) -> str:
    # The display name goes into From: headers; a newline would inject headers.
    if any(ord(ch) < 32 for ch in value):
        raise ValueError("contains a line break or control character — write it on one line")
    return value


# --- password sources ------------------------------------------------------------------

_PASSWORD_KEYS = ("password", "password_file", "password_env", "password_command", "password_credential")
_PASSWORD_CHOICES = "password, password_file, password_env, password_command or password_credential"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# systemd accepts more, but every sensible name fits, and a pasted password rarely does.
_CREDENTIAL_NAME = re.compile(r"[A-Za-z0-9_.@+-]+")
# A command that waits for a passphrase on a terminal nobody watches must not hang the start.
PASSWORD_COMMAND_TIMEOUT = 10.0  # seconds
_COMMAND_EXAMPLE = '["pass", "show", "mail/intro"]'


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


_FILE_ERRORS = {  # exception -> what to tell the operator about the password file
    FileNotFoundError: "does not exist — create it with the password on its first line, or fix the path",
    IsADirectoryError: "is a directory — point to the file holding the password",
    PermissionError: "cannot be read (permission denied) — make it readable by the user "
    "mailbroker runs as (and by no one else: chmod 600)",
}


def _password_from_file(path: Path) -> str:
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fallback = f"cannot be read ({type(exc).__name__}) — check it is a UTF-8 text file"
        raise _KeyedError("password_file", f"{path} {_FILE_ERRORS.get(type(exc), fallback)}") from None
    if mode & stat.S_IROTH:
        # As ssh does with a private key: a password every local user can read is refused.
        raise _KeyedError("password_file", f"{path} can be read by every user of this machine — "
                          f"make it readable by the broker's user only: chmod 600 {path}")
    first_line = _first_line(text)
    if not first_line:
        raise _KeyedError("password_file", f"{path} is empty — put the password on its first line")
    return first_line


def _password_from_env(name: str) -> str:
    if not _ENV_NAME.fullmatch(name):
        # Don't echo it: a password pasted here by mistake must not end up in a log.
        raise _KeyedError(
            "password_env",
            "is not an environment variable name — write a name such as "
            "MAILBROKER_IMAP_PASSWORD, not the password itself",
        )
    value = os.environ.get(name)
    if value is None:
        raise _KeyedError(
            "password_env",
            f"environment variable {name} is not set — set it before starting mailbroker: "
            f"export {name}='...' in a shell, or Environment={name}=... (or EnvironmentFile=) "
            "in the systemd unit",
        )
    if not value:
        raise _KeyedError("password_env", f"environment variable {name} is set but empty — give it the password")
    return value


def _command(value: Any, info: ValidationInfo) -> tuple[str, ...]:
    """password_command or oauth2_token_command as written: a list of arguments, or one line
    split as a shell would split it — but no shell runs it, so pipes, variables and globs
    mean nothing."""
    if info.field_name == "oauth2_token_command":
        example, line, prints = _TOKEN_COMMAND_EXAMPLE, "oama access intro@example.com", "an access token"
    else:
        example, line, prints = _COMMAND_EXAMPLE, "pass show mail/intro", "the password"
    if isinstance(value, str):
        try:
            value = shlex.split(value)
        except ValueError as exc:  # unbalanced quotes; the text itself is not echoed
            raise ValueError(f"cannot be split into arguments ({exc}) — close the quotes, "
                             f"or write a list: {example}") from None
    if not isinstance(value, (list, tuple)) or not all(isinstance(arg, str) for arg in value):
        raise ValueError(f"is not a command — write a list of arguments in quotes, e.g. {example}, "
                         f'or one line, e.g. "{line}"')
    if not value or not value[0]:
        raise ValueError(f"is empty — write the command that prints {prints}, e.g. {example}")
    return tuple(value)


Command = Annotated[tuple[str, ...], BeforeValidator(_command)]


def _password_from_command(command: tuple[str, ...]) -> str:
    """The first line the command prints, like isync's PassCmd or msmtp's passwordeval."""
    return _first_line_of_command(
        command, "password_command", "the password",
        stuck_hint="unlock its agent (e.g. gpg-agent) beforehand, or use password_file or password_credential",
    )


def _first_line_of_command(command: tuple[str, ...], key: str, wanted: str, stuck_hint: str) -> str:
    """What `command` prints on its first line (`wanted`: "the password", "an access token"),
    or a _KeyedError for `key` saying what went wrong and how to fix it."""
    shown = f"`{shlex.join(command)}`"
    try:
        returncode, output, errors = _run_password_command(command)
    except FileNotFoundError:
        raise _KeyedError(key, f"{command[0]} not found — install it, or write its full "
                          "path (the command is looked up in mailbroker's PATH)") from None
    except PermissionError:
        raise _KeyedError(key, f"{command[0]} cannot be run (permission denied) — "
                          f"make it executable by the broker's user (chmod +x {command[0]})") from None
    except OSError as exc:
        raise _KeyedError(key, f"{shown} cannot be started ({exc.strerror or exc}) — "
                          "check the command") from None
    except subprocess.TimeoutExpired:
        raise _KeyedError(
            key,
            f"{shown} did not finish within {PASSWORD_COMMAND_TIMEOUT:g} s and was stopped — run it by hand as "
            f"the broker's user; a command that asks for a passphrase cannot get one here: {stuck_hint}",
        ) from None
    if returncode != 0:
        status = f"exit status {returncode}" if returncode > 0 else f"killed by {_signal_name(-returncode)}"
        said = _first_line(errors.decode("utf-8", "replace").strip())[:200] or "no error message"
        raise _KeyedError(key, f"{shown} failed ({status}: {said}) — run it by hand as the "
                          f"broker's user and fix it: it must print {wanted} on its first line and exit with 0")
    try:
        first_line = _first_line(output.decode("utf-8"))
    except UnicodeDecodeError:
        raise _KeyedError(key, f"{shown} printed something that is not UTF-8 text — "
                          f"make it print {wanted} on its first line") from None
    if not first_line:
        raise _KeyedError(key, f"{shown} printed nothing on its first line — "
                          f"make it print {wanted} on its first line")
    return first_line


def _run_password_command(command: tuple[str, ...]) -> tuple[int, bytes, bytes]:
    """(exit status, standard output, standard error), without a shell and without a terminal.

    The command runs in a session of its own, so that on timeout the whole group is killed,
    not only its first process (`sh -c 'sleep 60'` would otherwise leave `sleep` behind).
    """
    with subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, start_new_session=True) as process:
        try:
            output, errors = process.communicate(timeout=PASSWORD_COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            raise
    return process.returncode, output, errors


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _password_from_credential(name: str) -> str:
    """A systemd credential (LoadCredential=, SetCredential=, LoadCredentialEncrypted=):
    systemd hands the service a private copy in $CREDENTIALS_DIRECTORY/NAME."""
    if not _CREDENTIAL_NAME.fullmatch(name) or name in (".", ".."):
        # Don't echo it, as for password_env: it may be a password written in the wrong key.
        raise _KeyedError("password_credential", "is not a credential name — write the NAME of the unit's "
                          "LoadCredential=NAME:/path (letters, digits, - _ . @ +), e.g. imap-password")
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    if not directory:
        raise _KeyedError(
            "password_credential",
            f"there is no systemd credential {name} here ($CREDENTIALS_DIRECTORY is not set) — "
            f"run under systemd with LoadCredential={name}:/path, or use password_file",
        )
    path = Path(directory) / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        present = ", ".join(sorted(_listing(Path(directory)))) or "none"
        raise _KeyedError(
            "password_credential",
            f"the service has no credential {name} ({path} does not exist; it has: {present}) — "
            f"add LoadCredential={name}:/path to the unit, or fix the name",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _KeyedError("password_credential", f"credential {name} ({path}) cannot be read "
                          f"({type(exc).__name__}) — check that the file it was loaded from is UTF-8 text") from None
    first_line = _first_line(text)
    if not first_line:
        raise _KeyedError("password_credential", f"credential {name} is empty — put the password on the "
                          "first line of the file its LoadCredential= names")
    return first_line


def _listing(directory: Path) -> list[str]:
    try:
        return [entry.name for entry in directory.iterdir()]
    except OSError:
        return []


_PASSWORD_READERS = {  # key -> how to read the password it names
    "password_file": _password_from_file,
    "password_env": _password_from_env,
    "password_command": _password_from_command,
    "password_credential": _password_from_credential,
}


def _resolving(info: ValidationInfo) -> bool:
    return (info.context or {}).get("resolve_secrets", True)


def _resolve_password(section: _Authenticated, required: bool, resolve: bool = True) -> SecretStr | None:
    """Exactly one source when `required`; the resolved secret, or None when none is given.
    Without `resolve` (commands that only read the state) the source is checked, not read
    (a password_command is not run)."""
    given = [key for key in _PASSWORD_KEYS if getattr(section, key) is not None]
    if len(given) > 1:
        raise _KeyedError(
            given[1],
            f"cannot be used together with {given[0]} — keep exactly one of {_PASSWORD_CHOICES}",
        )
    if not given:
        if required:
            raise _KeyedError(
                "password",
                f"no password given — add exactly one of {_PASSWORD_CHOICES}, "
                f'e.g. "password_env: MAILBROKER_{section.SECTION.upper()}_PASSWORD"',
            )
        return None
    if not resolve:
        return None
    source = given[0]
    if source != "password":
        return SecretStr(_PASSWORD_READERS[source](getattr(section, source)))
    if not section.password.get_secret_value():
        raise _KeyedError("password", "is empty — write the password in quotes, or use another source: "
                          "password_file, password_env, password_command or password_credential")
    return section.password


# --- OAuth2 access tokens (XOAUTH2) ----------------------------------------------------

AuthMethod = Annotated[Literal["password", "xoauth2"], BeforeValidator(_lower)]
_TOKEN_COMMAND_EXAMPLE = '["oama", "access", "intro@example.com"]'


class OAuth2TokenError(OSError):
    """oauth2_token_command gave no access token. An OSError, so that the daemon treats it
    like a server it cannot reach: logged in words and retried, never a crash."""


def oauth2_token(section: _Authenticated) -> str:
    """A fresh access token from the section's oauth2_token_command, asked for at each
    login: tokens expire within the hour, and refreshing them is the command's job."""
    try:
        return _first_line_of_command(
            section.oauth2_token_command, "oauth2_token_command", "an access token",
            stuck_hint="sign in once by hand with the token helper, so that it holds a refresh token",
        )
    except _KeyedError as exc:
        raise OAuth2TokenError(f"{section.SECTION}.oauth2_token_command: {exc}") from None


def _check_auth(section: _Authenticated) -> bool:
    """Whether the section logs in with XOAUTH2; then exactly oauth2_token_command, and no
    password source, may be given."""
    given = [key for key in _PASSWORD_KEYS if getattr(section, key) is not None]
    if section.auth != "xoauth2":
        if section.oauth2_token_command is not None:
            raise _KeyedError("oauth2_token_command", "is only used with auth: xoauth2 — add \"auth: xoauth2\" "
                              f"(and remove {given[0] if given else 'the password'}), or remove oauth2_token_command")
        return False
    if given:
        raise _KeyedError(given[0], "cannot be used with auth: xoauth2, which logs in with an access token "
                          "from oauth2_token_command — remove it, or write \"auth: password\"")
    if section.oauth2_token_command is None:
        raise _KeyedError("oauth2_token_command", "is required with auth: xoauth2 — write the command that "
                          f"prints a current access token, e.g. \"oauth2_token_command: {_TOKEN_COMMAND_EXAMPLE}\"")
    return True


# --- the settings ----------------------------------------------------------------------

class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BrokerSettings(_Section):
    address: Annotated[str, AfterValidator(_broker_address)] = Field(examples=["intro@example.com"])
    name: Annotated[str, AfterValidator(_header_safe)] = "mailbroker"

    @property
    def local_part(self) -> str:
        return self.address.rpartition("@")[0]

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


class _Server(_Section):
    """What IMAP and SMTP share: where to connect and how."""

    _DEFAULT_PORTS: ClassVar[dict[str, int]] = {}

    host: str = Field(min_length=1, examples=["mail.example.com"])
    port: int = Field(ge=1, le=65535, examples=[993])
    security: Security = "tls"
    verify_certificate: bool = True
    timeout: Duration = timedelta(seconds=30)

    @model_validator(mode="before")
    @classmethod
    def _default_port(cls, data: Any) -> Any:
        # The usual port depends on the security mode, so it cannot be a static default.
        # An empty "port:" means the same as leaving the line out.
        if isinstance(data, dict) and data.get("port") is None:
            security = _lower(data.get("security", "tls"))
            data = {**data, "port": cls._DEFAULT_PORTS.get(security, cls._DEFAULT_PORTS["tls"])}
        return data


class _Authenticated(_Server):
    SECTION: ClassVar[str] = ""  # for examples in messages

    username: str | None = Field(default=None, min_length=1, examples=["intro@example.com"])
    # Input: an inline password. Output: the resolved password, whatever its source.
    password: SecretStr | None = Field(default=None, examples=["'...'"])
    password_file: ConfigPath | None = Field(default=None, examples=["/etc/mailbroker/password"])
    password_env: str | None = Field(default=None, examples=["MAILBROKER_IMAP_PASSWORD"])
    password_command: Command | None = Field(default=None, examples=[["pass", "show", "mail/intro"]])
    password_credential: str | None = Field(default=None, examples=["imap-password"])
    # "xoauth2": log in with an OAuth2 access token printed by oauth2_token_command
    # (fetched afresh at each login), instead of a password.
    auth: AuthMethod = "password"
    oauth2_token_command: Command | None = Field(default=None, examples=[["oama", "access", "intro@example.com"]])

    def _set_password(self, secret: SecretStr | None) -> None:
        # The model is frozen; this is the one sanctioned write, during validation.
        object.__setattr__(self, "password", secret)


class FoldersSettings(_Section):
    watch: str = Field(default="INBOX", min_length=1)
    processed: str = Field(default="mailbroker/processed", min_length=1)
    quarantine: str = Field(default="mailbroker/quarantine", min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> FoldersSettings:
        # A message moved into the watched folder would be read again, forever.
        for key in ("processed", "quarantine"):
            if getattr(self, key) == self.watch:
                raise _KeyedError(
                    key, f'is the same folder as watch ({self.watch}) — choose another, e.g. "{key}: mailbroker/{key}"'
                )
        if self.processed == self.quarantine:
            raise _KeyedError(
                "quarantine", 'is the same folder as processed — choose another, e.g. "quarantine: mailbroker/quarantine"'
            )
        return self


class ImapSettings(_Authenticated):
    SECTION: ClassVar[str] = "imap"
    _DEFAULT_PORTS: ClassVar[dict[str, int]] = {"tls": 993, "starttls": 143, "none": 143}

    host: str = Field(min_length=1, examples=["imap.example.com"])
    username: str = Field(min_length=1, examples=["intro@example.com"])
    idle: bool = True
    poll_interval: Duration = timedelta(seconds=60)
    folders: FoldersSettings = Field(default_factory=FoldersSettings)

    @model_validator(mode="after")
    def _password(self, info: ValidationInfo) -> ImapSettings:
        if not _check_auth(self):
            self._set_password(_resolve_password(self, required=True, resolve=_resolving(info)))
        return self


class SmtpSettings(_Authenticated):
    SECTION: ClassVar[str] = "smtp"
    _DEFAULT_PORTS: ClassVar[dict[str, int]] = {"tls": 465, "starttls": 587, "none": 25}

    host: str = Field(min_length=1, examples=["smtp.example.com"])

    @model_validator(mode="after")
    def _password(self, info: ValidationInfo) -> SmtpSettings:
        if self.username is None and self.auth == "xoauth2":
            raise _KeyedError("username", 'is required with auth: xoauth2 — add the account the access token '
                              'is for, e.g. "username: intro@example.com"')
        if _check_auth(self):
            return self
        if self.username is None:
            given = next((key for key in _PASSWORD_KEYS if getattr(self, key) is not None), None)
            if given:
                raise _KeyedError(
                    given,
                    'is set but username is not — add username (e.g. "username: intro@example.com"), '
                    f"or remove {given} to send without authentication",
                )
        self._set_password(_resolve_password(self, required=self.username is not None,
                                             resolve=_resolving(info)))
        return self


class PolicySettings(_Section):
    reminder_after: Duration = timedelta(days=3)
    expire_after: Duration = timedelta(days=7)
    require_context: bool = True
    language: Language = "en"

    @model_validator(mode="after")
    def _expiry_after_reminder(self) -> PolicySettings:
        if self.expire_after <= self.reminder_after:
            raise _KeyedError(
                "expire_after",
                f"{format_duration(self.expire_after)} is not longer than policy.reminder_after "
                f"({format_duration(self.reminder_after)}) — the reminder must come before expiry; "
                "make expire_after longer or reminder_after shorter, e.g. reminder_after: 3d, expire_after: 7d",
            )
        return self


def _database_url(value: str) -> str:
    if not value.startswith(("postgresql://", "postgres://")):
        raise ValueError(f"{value!r} is not a PostgreSQL URL — write postgresql://USER@HOST[:PORT]/DATABASE, "
                         "e.g. postgresql://mailbroker@localhost/mailbroker")
    return value


class StateSettings(_Section):
    # SQLite (the default) keeps the state in this file...
    path: ConfigPath = Path("/var/lib/mailbroker/state.sqlite3")
    # ...or PostgreSQL, in the database of this URL (then `path` must not be given).
    url: Annotated[str, AfterValidator(_database_url)] | None = None

    @model_validator(mode="after")
    def _one_store(self) -> StateSettings:
        if self.url is not None and "path" in self.model_fields_set:
            raise _KeyedError("url", "is given together with state.path — keep one: path for a SQLite file, "
                                     "url for a PostgreSQL database")
        return self

    @property
    def location(self) -> str | Path:
        """What Store.open takes: the PostgreSQL URL if there is one, else the SQLite path."""
        return self.url if self.url is not None else self.path


LogFormat = Annotated[Literal["text", "json"], BeforeValidator(_lower)]


class LogSettings(_Section):
    level: LogLevel = "info"
    # "text" for people; "json" for log pipelines (one object per line, with the
    # referral's ref and the message's id as fields).
    format: LogFormat = "text"


_LISTEN_HINT = 'write a loopback address and a port, e.g. "127.0.0.1:9464" or "[::1]:9464"'


def is_loopback(host: str) -> bool:
    """Whether traffic to `host` (a name, an IP address, "[::1]") never leaves the machine."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host.lower().rstrip(".") in ("localhost", "localhost.localdomain")


def parse_listen(value: object) -> tuple[str, int]:
    """ "127.0.0.1:9464" → ("127.0.0.1", 9464); only loopback addresses are accepted."""
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not an address — {_LISTEN_HINT}")
    match = re.fullmatch(r"\[?([^\[\]]+?)\]?:(\d{1,5})", value.strip())
    if not match or not 0 < int(match.group(2)) < 65536:
        raise ValueError(f"{value!r} is not an address and a port — {_LISTEN_HINT}")
    host, port = match.group(1), int(match.group(2))
    if host != "localhost":
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise ValueError(f"{host!r} is not an IP address — {_LISTEN_HINT}") from None
        if not is_loopback(host):
            raise ValueError(f"{host} is not a loopback address: the metrics are for this machine only "
                             f"(put a reverse proxy or an SSH tunnel in front to reach them) — {_LISTEN_HINT}")
    return host, port


class MetricsSettings(_Section):
    # Where to serve Prometheus metrics (/metrics) and a health check (/health):
    # a loopback address and port. Not served when empty.
    listen: Annotated[tuple[str, int], BeforeValidator(parse_listen)] | None = None
    # Host names requests may carry besides the loopback ones (localhost, 127.0.0.1,
    # [::1]): those a reverse proxy in front passes on. Any other Host is refused.
    host_names: tuple[str, ...] = ()


class LimitsSettings(_Section):
    """Caps that keep anyone, an allowed referrer included, from using the broker to spam."""

    referrals_per_referrer_per_day: PositiveInt = 20
    open_referrals_per_referrer: PositiveInt = 50
    requests_per_person_per_month: PositiveInt = 3
    messages_per_address_per_day: PositiveInt = 20
    # Messages to one referrer outside their referrals (refusals, status, "did you send
    # this?", declines sent in their name) per day; after that the broker stays silent.
    replies_per_referrer_per_day: PositiveInt = 20
    # Messages of one referral to one person over its whole life (the introduction
    # itself aside): a party changing their mind over and over cannot flood the others.
    messages_per_person_per_referral: PositiveInt = 12
    # Incoming mail larger than this is set aside in quarantine without being fetched;
    # a referrer's request that large gets a reply saying so.
    max_message_size: MessageSize = 25_000_000


class AuthenticationSettings(_Section):
    # Authentication-Results headers are trusted only from these servers (their
    # authserv-id): a referrer's request is vouched for by a DMARC pass, or a DKIM pass
    # aligned with its From domain, in the topmost header of one of them.
    trusted_servers: tuple[str, ...] = ()
    # What becomes of a request in a referrer's name that no trusted server vouched for:
    # "confirm" asks the referrer, at their own address, whether they sent it; "refuse"
    # sets it aside unanswered; "accept" reads it as theirs (anyone can then write in a
    # referrer's name).
    unauthenticated_requests: Annotated[Literal["confirm", "refuse", "accept"], BeforeValidator(_lower)] = "confirm"


def _template_directory(value: Path) -> Path:
    if not value.is_dir():
        state = "is not a directory" if value.exists() else "does not exist"
        raise ValueError(f"{value} {state} — create it with the templates to override "
                         f"(`mailbroker init --templates {value}` copies the built-in ones there)")
    return value


class TemplatesSettings(_Section):
    # A directory whose templates override the built-in ones, file by file
    # (en/consent_request.txt, fr/introduction.txt, layout.html …); anything missing
    # there is taken from the built-in set.
    directory: Annotated[ConfigPath, AfterValidator(_template_directory)] | None = None
    # Send an HTML alternative (made from the text) along with the plain text.
    html: bool = True


class DataSettings(_Section):
    # Personal data of a finished referral is kept this long, then purged down to an
    # anonymised consent record.
    retention: Duration = timedelta(days=180)


class MailboxSettings(_Section):
    """One broker mailbox: its address, its servers, who may refer through it and how it
    treats their requests. The top level of the config is the first mailbox; each entry
    of `mailboxes:` adds another (see Config)."""

    broker: BrokerSettings
    imap: ImapSettings
    smtp: SmtpSettings
    referrers: tuple[Referrer, ...] = Field(min_length=1, examples=[["alice@example.com", "*@example.org"]])
    policy: PolicySettings = Field(default_factory=PolicySettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    authentication: AuthenticationSettings = Field(default_factory=AuthenticationSettings)
    templates: TemplatesSettings = Field(default_factory=TemplatesSettings)

    def is_allowed_referrer(self, address: str) -> bool:
        """Case-insensitive; "*@d" matches domain d only, "*@*.d" its subdomains only."""
        address = address.strip().lower()
        local, _, domain = address.rpartition("@")
        if not local or not domain:
            return False
        return any(_matches(entry, address, domain) for entry in self.referrers)


#: What a server section may hold to sign in; a mailbox giving any of these replaces all
#: of the top level's, rather than adding a second source to them.
_SIGN_IN_KEYS = ("password", "password_file", "password_env", "password_command", "password_credential",
                 "auth", "oauth2_token_command")


class Config(MailboxSettings):
    """The whole configuration, as returned by load_config(): the first mailbox, the
    others under `mailboxes:`, and what they share (the state, the logs, the metrics,
    the retention of personal data).

    A mailbox under `mailboxes:` takes every setting it leaves out from the top level,
    key by key (so a second mailbox on the same server needs only its address, its
    username and its password), except its address, which is its own."""

    data: DataSettings = Field(default_factory=DataSettings)
    state: StateSettings = Field(default_factory=StateSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    mailboxes: tuple[MailboxSettings, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _inherit(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("mailboxes"), list):
            return data
        shared = {key: data[key] for key in MailboxSettings.model_fields if key in data}
        entries = [_inheriting(shared, entry) if isinstance(entry, dict) else entry for entry in data["mailboxes"]]
        return {**data, "mailboxes": entries}

    @model_validator(mode="after")
    def _distinct_mailboxes(self) -> Config:
        addresses: dict[str, str] = {}
        folders: dict[tuple, str] = {}
        for n, (where, mailbox) in enumerate(self.named_mailboxes()):
            at = () if n == 0 else ("mailboxes", n - 1)
            address = mailbox.broker.address.lower()
            if address in addresses:
                raise _KeyedError((*at, "broker", "address"), f"{mailbox.broker.address} is already the address of "
                                  f"{addresses[address]} — give each mailbox an address of its own")
            addresses[address] = where
            i = mailbox.imap
            folder = (i.host.lower(), i.port, i.username.lower(), i.folders.watch)
            if folder in folders:
                raise _KeyedError((*at, "imap"), f"watches the same folder as {folders[folder]} ({i.username} on "
                                  f"{i.host}, {i.folders.watch}) — two mailboxes must not read one folder; give "
                                  "this one its own imap.username or imap.folders.watch")
            folders[folder] = where
        return self

    def named_mailboxes(self) -> list[tuple[str, MailboxSettings]]:
        """Every mailbox with where the config declares it: "the top level", "mailboxes[0]"..."""
        return [("the top level", self)] + [(f"mailboxes[{n}]", m) for n, m in enumerate(self.mailboxes)]

    @property
    def all_mailboxes(self) -> tuple[MailboxSettings, ...]:
        return (self, *self.mailboxes)

    def key_of(self, mailbox: MailboxSettings) -> str:
        """What a mailbox's referrals and messages are filed under in the state: nothing
        for the top level (so its address may change), the address for one of `mailboxes:`."""
        return "" if mailbox is self else mailbox.broker.address.lower()

    def mailbox_by_key(self, key: str) -> MailboxSettings | None:
        return next((m for m in self.all_mailboxes if self.key_of(m) == key), None)


def _inheriting(shared: dict, entry: dict) -> dict:
    """`entry` completed from the top level's `shared` sections, key by key; a list (the
    referrers) is replaced, not extended."""
    merged = dict(shared)
    for key, value in entry.items():
        base = shared.get(key)
        if isinstance(base, dict) and isinstance(value, dict):
            if key in ("imap", "smtp") and any(k in value for k in _SIGN_IN_KEYS):
                base = {k: v for k, v in base.items() if k not in _SIGN_IN_KEYS}
            value = _inheriting(base, value)
        merged[key] = value
    return merged


def _matches(entry: str, address: str, domain: str) -> bool:
    if entry.startswith("*@*."):
        return domain.endswith(entry[3:])  # entry[3:] is ".example.org"
    if entry.startswith("*@"):
        return domain == entry[2:]
    return entry == address


# --- loading ---------------------------------------------------------------------------

def load_config(path: str | Path, *, resolve_secrets: bool = True) -> Config:
    """Read, parse and validate the config file; raise ConfigError listing every problem.
    `resolve_secrets=False` leaves passwords unread, for commands that need no server."""
    path = Path(path).expanduser()
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(_not_a_mapping(path, data))
    try:
        return Config.model_validate(data, context={"config_dir": path.absolute().parent,
                                                         "resolve_secrets": resolve_secrets})
    except ValidationError as exc:
        # `from None`: pydantic's own message echoes input values, passwords included.
        raise ConfigError([_problem(error) for error in _once(exc.errors())]) from None


def _once(errors: list[dict]) -> list[dict]:
    """Without the errors a mailbox only inherited: a wrong top-level key is said once,
    at the top level, not again for every mailbox that takes it from there."""
    at_top = {(tuple(e["loc"]), e["type"]) for e in errors if e["loc"][:1] != ("mailboxes",)}
    return [e for e in errors if not (e["loc"][:1] == ("mailboxes",) and (tuple(e["loc"][2:]), e["type"]) in at_top)]


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: config file does not exist — create it (start from {EXAMPLE_FILE}) or pass the right path"
        ) from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory — pass the path of the YAML config file") from None
    except PermissionError:
        raise ConfigError(
            f"{path}: config file cannot be read (permission denied) — make it readable by the user mailbroker runs as"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path}: config file cannot be read ({type(exc).__name__}: {exc}) — check it is a UTF-8 text file"
        ) from None
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        raise ConfigError(_yaml_problem(path, exc)) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc}) — fix the syntax") from None


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys: PyYAML silently keeps the last one."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)  # expand "<<" merges first; merged keys may be overridden
    first_line: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, (str, int, float, bool)) and key in first_line:
            raise yaml.constructor.ConstructorError(
                None, None, f"key '{key}' appears twice (first on line {first_line[key]})", key_node.start_mark
            )
        first_line.setdefault(key, key_node.start_mark.line + 1)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _yaml_problem(path: Path, exc: yaml.MarkedYAMLError) -> str:
    # Built from line/column and the problem only: PyYAML's own message quotes the
    # offending line, which may be a password.
    mark = exc.problem_mark or exc.context_mark
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
    if exc.context == "while scanning an alias":
        hint = 'a value starting with * must be quoted, e.g. - "*@example.org"'
    elif "appears twice" in (exc.problem or ""):
        hint = "remove the duplicate"
    else:
        hint = (
            "fix the syntax there: indent with spaces (not tabs), put a space after ':', "
            "and quote values containing ': ' or starting with * & ! @ ` [ {"
        )
    return f"{path}: YAML syntax error at {where}: {exc.problem or 'syntax error'} — {hint}"


def _not_a_mapping(path: Path, data: Any) -> str:
    if data is None:
        return f"{path}: the file is empty — write the sections broker:, imap:, smtp:, referrers:, see {EXAMPLE_FILE}"
    return (
        f"{path}: the top level is {_kind(data)}, not a mapping of sections — write broker:, imap:, "
        f"smtp:, referrers: ... at the start of lines, see {EXAMPLE_FILE}"
    )


# --- translating pydantic errors -------------------------------------------------------

def _problem(error: dict) -> str:
    loc = tuple(error["loc"])
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, _KeyedError):
        loc += cause.key
    return f"{_format_loc(loc) or '(top level)'}: {_describe(error, loc, cause)}"


def _describe(error: dict, loc: tuple, cause: Any) -> str:
    kind, value = error["type"], error.get("input")
    parent, field = _walk(loc)
    if kind == "extra_forbidden":
        return _unknown_key(str(loc[-1]), parent)
    if isinstance(cause, ValueError):  # our own messages, already in the house style
        return str(cause)
    if kind == "missing":
        return _missing(loc, field)
    if value is None and kind.endswith(("_type", "_parsing")):
        default = "" if field is None or field.is_required() else ", or delete the line to use the default"
        return f"has no value — write one, {_example(loc, field)}{default}"
    shown = _show(loc, value)
    if kind in ("literal_error", "enum"):
        choices = _choices(field) or [error.get("ctx", {}).get("expected", "")]
        return f"{shown} is not one of {', '.join(choices)} — write one of them, e.g. \"{_key(loc)}: {choices[0]}\""
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{shown} is not a whole number — write digits only, {_example(loc, field)}"
    if kind in ("bool_parsing", "bool_type"):
        return f"{shown} is not true or false — write true or false, e.g. \"{_key(loc)}: true\""
    if kind == "string_type":
        return f"{shown} is not text — put it in quotes, {_example(loc, field)}"
    if kind == "string_too_short":
        return f"is empty — write a value, {_example(loc, field)}"
    if kind == "too_short":
        return f"the list is empty — add at least one entry, {_example(loc, field)}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"{shown} is out of range — write a number {_range(field)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"is {_kind(value)}, not a section — indent its keys below '{_key(loc)}:', see {EXAMPLE_FILE}"
    if kind in ("list_type", "tuple_type"):
        return f"is {_kind(value)}, not a list — write one entry per line after '- ', {_example(loc, field)}"
    return f"{shown} is not accepted ({error['msg']}) — see {EXAMPLE_FILE} for the expected form"


def _walk(loc: tuple) -> tuple[type[BaseModel] | None, FieldInfo | None]:
    """The model that holds the last key of `loc`, and that key's field (None if unknown)."""
    model: type[BaseModel] | None = Config
    parent, field = None, None
    for part in loc:
        if isinstance(part, int):
            continue
        parent, field = model, (model.model_fields.get(part) if model else None)
        annotation = field.annotation if field else None
        if get_origin(annotation) is tuple:  # a list of sections (mailboxes:)
            annotation = get_args(annotation)[0]
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return parent, field


def _unknown_key(key: str, parent: type[BaseModel] | None) -> str:
    allowed = list(parent.model_fields) if parent else []
    close = difflib.get_close_matches(key, allowed, n=1)
    if close:
        return f"unknown key — did you mean '{close[0]}'?"
    return f"unknown key — remove it; the keys allowed here are: {', '.join(allowed)}"


def _missing(loc: tuple, field: FieldInfo | None) -> str:
    annotation = field.annotation if field else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"required section is missing — add '{_key(loc)}:' with its keys indented below, see {EXAMPLE_FILE}"
    return f"required key is missing — add it, {_example(loc, field)}"


def _choices(field: FieldInfo | None) -> list[str]:
    annotation = field.annotation if field else None
    return [str(choice) for choice in get_args(annotation)] if get_origin(annotation) is Literal else []


def _example(loc: tuple, field: FieldInfo | None) -> str:
    """'e.g. "port: 993"' from the field's example or default; a list item gets '- x'."""
    value = None
    if field is not None:
        if field.examples:
            value = field.examples[0]
        elif not field.is_required() and field.default is not None:
            value = field.default
    if value is None:
        return f"see {EXAMPLE_FILE}"
    if isinstance(value, list) and isinstance(loc[-1], int):
        return f'e.g. "- {_yaml_scalar(value[0])}"'
    return f'e.g. "{_key(loc)}: {_yaml_scalar(value)}"'


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_scalar(item) for item in value) + "]"
    text = str(value)
    return f"'{text}'" if text.startswith("*") else text


def _range(field: FieldInfo | None) -> str:
    metadata = field.metadata if field else []
    low = next((m.ge for m in metadata if hasattr(m, "ge")), None)
    high = next((m.le for m in metadata if hasattr(m, "le")), None)
    if low is not None and high is not None:
        return f"from {low} to {high}"
    return f"of at least {low}" if low is not None else f"of at most {high}"


def _format_loc(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _key(loc: tuple) -> str:
    return next((str(part) for part in reversed(loc) if isinstance(part, str)), "key")


def _show(loc: tuple, value: Any) -> str:
    if _key(loc) == "password":
        return "the value"  # never echo a password, even a malformed one
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: Any) -> str:
    names = {list: "a list", dict: "a mapping", str: "text", int: "a number", float: "a number", bool: "true or false"}
    return names.get(type(value), type(value).__name__) if value is not None else "empty"
