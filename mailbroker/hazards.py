"""What in a valid configuration still puts people at risk.

Each of these has a legitimate use, so none is refused: `check-config` prints them as
warnings and the daemon logs them when it starts, so that the operator chooses them
knowingly. Pure functions of the configuration and of the files it names."""

from __future__ import annotations

import stat
from pathlib import Path

from .config import Config, MailboxSettings, is_loopback


def hazards(config: Config, config_path: str | Path) -> list[str]:
    """Every warning for this configuration, each once."""
    found: list[str] = []
    for mailbox in config.all_mailboxes:
        found += _sending_anyones_requests(mailbox)
        found += _passwords_in_clear(mailbox)
    found += _readable_secrets(config, Path(config_path))
    return list(dict.fromkeys(found))


def _sending_anyones_requests(mailbox: MailboxSettings) -> list[str]:
    if mailbox.authentication.unauthenticated_requests != "accept":
        return []
    return [f"authentication.unauthenticated_requests is accept for {mailbox.broker.address}: anyone who knows a "
            "referrer's address can make the broker write to any two people in your name. Use confirm (the "
            "default: the referrer confirms by mail) unless a trusted server checks every request"]


def _passwords_in_clear(mailbox: MailboxSettings) -> list[str]:
    found = []
    for name, server in (("imap", mailbox.imap), ("smtp", mailbox.smtp)):
        logs_in = server.username is not None
        if server.security == "none" and logs_in and not is_loopback(server.host):
            found.append(f"{name}.security is none toward {server.host}: the login crosses the network "
                         f"unencrypted. Use tls or starttls")
    return found


def _readable_secrets(config: Config, config_path: Path) -> list[str]:
    found = []
    inline = any("password" in server.model_fields_set
                 for mailbox in config.all_mailboxes for server in (mailbox.imap, mailbox.smtp))
    if inline and _mode(config_path) & stat.S_IROTH:  # a group of the operator's choosing may read it
        found.append(f"{config_path} holds a password and others can read it: chmod 600 {config_path}, or "
                     "move the password to password_file, password_env or password_credential")
    path = config.state.path if config.state.url is None else None
    if path is not None and _mode(path) & (stat.S_IRGRP | stat.S_IROTH):
        found.append(f"the state file {path} can be read by others (it holds people's addresses and secret "
                     f"reply tokens): the daemon makes it private when it starts; chmod 600 {path}")
    return found


def _mode(path: Path) -> int:
    try:
        return path.stat().st_mode
    except OSError:
        return 0
