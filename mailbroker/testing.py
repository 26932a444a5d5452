"""Helpers to drive the real local mail system in tests and benchmarks.

``scripts/mailsystem`` runs a private Postfix + Dovecot on 127.0.0.1 with the
domain ``example.test`` and a few users. This module knows its ports and users,
sends mail into it over SMTP and reads mailboxes over IMAP, so an end-to-end
test reads like what a person would do: send a message, wait for the answer
in someone's INBOX.

It uses only the standard library and imapclient (a dependency of mailbroker
anyway), so importing it never drags pytest into the package.

Typical use::

    from mailbroker import testing as mt

    mt.mailsystem("start")
    mt.clear_all()
    mt.send(msg, sender=mt.address("referrer"), recipients=[mt.address("intro")])
    with mt.Mailbox("intro") as box:
        [got] = box.wait_for(lambda m: m["Subject"] == "Hello")

The ports can be moved with the same environment variables as the script
(``MAILSYSTEM_SMTP_PORT`` etc.), e.g. to run two test sessions side by side.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import smtplib
import subprocess
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr
from pathlib import Path
from ssl import SSLContext
from urllib.parse import quote

from imapclient import IMAPClient

__all__ = [
    "CERT_FILE",
    "DOMAIN",
    "HOST",
    "IMAPS_PORT",
    "IMAP_PORT",
    "MAILSYSTEM_DIR",
    "MAILSYSTEM_SCRIPT",
    "PASSWORD",
    "SMTP_PORT",
    "SUBMISSION_PORT",
    "USERS",
    "PARTIES",
    "TEMPFAIL",
    "install_crash_hook",
    "Mailbox",
    "MailSystemError",
    "address",
    "clear_all",
    "installed",
    "mailsystem",
    "send",
    "submit",
    "gmail_forward",
    "direct_request",
    "attached_forward",
    "reply",
    "BROKER",
    "REFERRER",
]

HOST = "127.0.0.1"
DOMAIN = "example.test"
PASSWORD = "password"
#: Users of the test domain; ``intro`` is the broker's own mailbox, ``mises`` a second
#: broker mailbox (for a daemon watching several).
USERS = (
    "intro", "mises", "demo", "referrer", "referrer2", "alice", "bob", "carol", "dave",
    "erin", "frank", "stranger", "postmaster", "tempfail",
)
#: Numbered users p001 … p200 for load and crash tests (``mailsystem users --all``).
PARTIES = tuple(f"p{i:03d}" for i in range(1, 201))
#: The SMTP server answers 450 at RCPT for this user while ``mailsystem tempfail on``
#: (the state after start and clear); ``tempfail off`` delivers it normally.
TEMPFAIL = "tempfail"
#: Rejects unknown recipients at RCPT time (550 5.1.1) and any relaying.
SMTP_PORT = int(os.environ.get("MAILSYSTEM_SMTP_PORT", "10025"))
#: Accepts any recipient, then bounces unknown ones with a DSN; optional AUTH.
SUBMISSION_PORT = int(os.environ.get("MAILSYSTEM_SUBMISSION_PORT", "10587"))
IMAP_PORT = int(os.environ.get("MAILSYSTEM_IMAP_PORT", "10143"))
IMAPS_PORT = int(os.environ.get("MAILSYSTEM_IMAPS_PORT", "10993"))

MAILSYSTEM_DIR = Path(os.environ.get("MAILSYSTEM_DIR", "/var/tmp/mailbroker-mailsystem"))
#: The self-signed certificate IMAPS presents (CN mail.example.test, SAN
#: localhost and 127.0.0.1): trust it to test certificate verification.
CERT_FILE = MAILSYSTEM_DIR / "ssl" / "cert.pem"
#: The script lives in the source tree, next to the package.
MAILSYSTEM_SCRIPT = Path(
    os.environ.get("MAILSYSTEM_SCRIPT", Path(__file__).resolve().parent.parent / "scripts" / "mailsystem")
)

_REQUIRED_PROGRAMS = ("/usr/sbin/postfix", "/usr/sbin/dovecot", "/usr/bin/doveadm")


class MailSystemError(RuntimeError):
    """A ``scripts/mailsystem`` command failed; the message carries its output."""


def address(user: str) -> str:
    """``"alice"`` -> ``"alice@example.test"``; ``"intro+tok"`` works too."""
    return f"{user}@{DOMAIN}"


#: The broker's mailbox and the allowed referrer in the sample configuration.
BROKER = f"intro@{DOMAIN}"
REFERRER = f"referrer@{DOMAIN}"


def installed() -> bool:
    """Whether Postfix and Dovecot are installed (else: ``scripts/mailsystem install``)."""
    return all(os.access(p, os.X_OK) for p in _REQUIRED_PROGRAMS)


#: scripts/postgres: a private PostgreSQL cluster on 127.0.0.1:15432, for the tests of
#: the PostgreSQL store.
POSTGRES_SCRIPT = Path(
    os.environ.get("POSTGRES_SCRIPT", Path(__file__).resolve().parent.parent / "scripts" / "postgres")
)


def postgres(command: str, timeout: float = 120.0) -> str:
    """Run ``scripts/postgres COMMAND`` (start, stop, url…) and return what it printed
    on standard output; MailSystemError, with all it said, when it fails."""
    proc = subprocess.run([str(POSTGRES_SCRIPT), command], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        raise MailSystemError(f"scripts/postgres {command} failed (exit {proc.returncode}): "
                              f"{(proc.stdout + proc.stderr).strip()}\n"
                              "(PostgreSQL missing? run `scripts/postgres install` as root)")
    return proc.stdout.strip()


@contextlib.contextmanager
def fresh_schema(database_url: str, prefix: str = "test") -> Iterator[str]:
    """A URL whose connections see only a new, empty schema of the database (libpq's
    ``options``), dropped afterwards with everything in it: each test starts from
    nothing, and tests never see each other's rows."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex}"
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {name}")
    try:
        yield f"{database_url}?options={quote(f'-csearch_path={name}')}"
    finally:
        with psycopg.connect(database_url, autocommit=True) as admin:
            # A broker killed a moment ago may hold a lock until its server process
            # notices: wait a little for it, never forever.
            admin.execute("SET lock_timeout = '20s'")
            admin.execute(f"DROP SCHEMA {name} CASCADE")


def mailsystem(command: str, *args: str, timeout: float = 120.0) -> str:
    """Run ``scripts/mailsystem COMMAND`` and return what it printed.

    Raises MailSystemError with the full output, so a failing fixture says
    why (missing packages, a port in use, ...) instead of a bare exit code.
    The script sends the daemons' own output to log files, so capturing
    here cannot hang on a daemon holding our pipe.
    """
    proc = subprocess.run(
        [str(MAILSYSTEM_SCRIPT), command, *args],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout,
    )
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0:
        raise MailSystemError(f"scripts/mailsystem {command} failed (exit {proc.returncode}):\n{output}")
    return output


def clear_all() -> None:
    """Empty every mailbox and the Postfix queue, so each test starts clean."""
    mailsystem("clear")


def send(
    message: EmailMessage | bytes,
    *,
    sender: str,
    recipients: Iterable[str],
    port: int = SMTP_PORT,
    login: tuple[str, str] | None = None,
) -> dict[str, tuple[int, bytes]]:
    """Send one message over SMTP to 127.0.0.1 with an explicit envelope.

    The envelope is explicit because tests care about it (bounces go to the
    envelope sender, not to From:). Returns the recipients refused while
    others were accepted; raises smtplib.SMTPRecipientsRefused when all were.
    ``login=(user, password)`` authenticates first (submission port).
    """
    recipients = list(recipients)
    with smtplib.SMTP(HOST, port, timeout=30) as smtp:
        if login is not None:
            smtp.login(*login)
        if isinstance(message, bytes):
            return smtp.sendmail(sender, recipients, message)
        return smtp.send_message(message, from_addr=sender, to_addrs=recipients)


def _describe(msg: EmailMessage) -> str:
    """One line per message for timeout dumps: enough to see what went wrong."""
    return (
        f"From: {msg['From']!s} | To: {msg['To']!s} | Subject: {msg['Subject']!s}"
        f" | Content-Type: {msg.get_content_type()} | Delivered-To: {msg['Delivered-To']!s}"
    )


class Mailbox:
    """An IMAP session logged in as one test user; use it as a context manager.

    Reads are read-only (EXAMINE, BODY.PEEK) so looking at a mailbox never
    changes the \\Seen flags the broker may depend on. The underlying
    imapclient.IMAPClient is ``.client`` for anything not wrapped here.
    """

    def __init__(
        self,
        user: str,
        password: str = PASSWORD,
        *,
        port: int | None = None,
        ssl: bool = False,
        ssl_context: SSLContext | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.user = user
        self._password = password
        self._port = port if port is not None else (IMAPS_PORT if ssl else IMAP_PORT)
        self._ssl = ssl
        self._ssl_context = ssl_context
        self._timeout = timeout
        self.client: IMAPClient | None = None

    def __enter__(self) -> Mailbox:
        self.client = IMAPClient(
            HOST, port=self._port, ssl=self._ssl, ssl_context=self._ssl_context, timeout=self._timeout
        )
        try:
            self.client.login(self.user, self._password)
        except BaseException:
            self.client.shutdown()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        client, self.client = self.client, None
        if client is not None:
            try:
                client.logout()
            except Exception:  # noqa: BLE001 - the server may already be gone; nothing to save
                client.shutdown()

    def _imap(self) -> IMAPClient:
        if self.client is None:
            raise RuntimeError("Mailbox is not open: use it as `with Mailbox(user) as box:`")
        return self.client

    def folders(self) -> list[str]:
        """Every folder name of this user, INBOX included."""
        return [name for _flags, _delimiter, name in self._imap().list_folders()]

    def count(self, folder: str = "INBOX") -> int:
        """Number of messages in a folder, without selecting it."""
        return self._imap().folder_status(folder, [b"MESSAGES"])[b"MESSAGES"]

    def messages(self, folder: str = "INBOX") -> list[EmailMessage]:
        """All messages of a folder in UID order, parsed with email.policy.default."""
        imap = self._imap()
        imap.select_folder(folder, readonly=True)
        uids = imap.search("ALL")
        if not uids:
            return []
        fetched = imap.fetch(uids, [b"BODY.PEEK[]"])
        return [
            email.message_from_bytes(fetched[uid][b"BODY[]"], policy=email.policy.default)
            for uid in sorted(fetched)
        ]

    def wait_for(
        self,
        predicate: Callable[[EmailMessage], bool] | None = None,
        folder: str = "INBOX",
        timeout: float = 20.0,
        count: int = 1,
    ) -> list[EmailMessage]:
        """Poll every 0.1 s until ``count`` messages match; return the matches.

        Delivery is asynchronous (SMTP queue, then LMTP), so tests wait for a
        result rather than sleep. A folder that does not exist yet counts as
        empty: the broker may create it when it files the first message. On
        timeout the AssertionError lists what IS in the folder, which is
        usually the whole diagnosis.
        """
        predicate = predicate or (lambda _msg: True)
        deadline = time.monotonic() + timeout
        while True:
            exists = self._imap().folder_exists(folder)
            found = self.messages(folder) if exists else []
            matching = [msg for msg in found if predicate(msg)]
            if len(matching) >= count:
                return matching
            if time.monotonic() >= deadline:
                dump = "\n".join(f"  {_describe(msg)}" for msg in found) or "  (empty)"
                holds = f"the folder holds {len(found)}" if exists else "the folder does not exist"
                raise AssertionError(
                    f"{self.user}/{folder}: {len(matching)} of {count} expected messages matched "
                    f"after {timeout:g}s; {holds}:\n{dump}"
                )
            time.sleep(0.1)

    def append(self, folder: str, raw: bytes, flags: Iterable[bytes | str] = ()) -> None:
        """Put a raw message straight into a folder (created if missing), no SMTP."""
        imap = self._imap()
        if not imap.folder_exists(folder):
            imap.create_folder(folder)
        imap.append(folder, raw, flags=tuple(flags))


# --- Writing mail as people do ------------------------------------------------------------


def _message(sender: str, to: str, subject: str, body: str, sender_name: str = "") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"{sender_name} <{sender}>" if sender_name else sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now(timezone.utc))
    msg["Message-ID"] = make_msgid(domain="client.example.test")
    msg.set_content(body)
    return msg


def gmail_forward(note: str, *, author: str, author_name: str, subject: str, body: str,
                  referrer: str = REFERRER, french: bool = False) -> EmailMessage:
    """An inline forward as Gmail writes it, with the referrer's note above it."""
    if french:
        header = (f"---------- Message transféré ---------\nDe : {author_name} <{author}>\n"
                  f"Date : jeu. 26 nov. 2026 à 09:12\nSubject: {subject}\nTo: Rita <{referrer}>\n")
    else:
        header = (f"---------- Forwarded message ---------\nFrom: {author_name} <{author}>\n"
                  f"Date: Thu, Nov 26, 2026 at 9:12 AM\nSubject: {subject}\nTo: Rita <{referrer}>\n")
    text = f"{note}\n\n{header}\n\n{body}\n"
    return _message(referrer, BROKER, "Fwd: " + subject, text, "Rita Referrer")


def direct_request(text: str, *, subject: str = "Introduction", referrer: str = REFERRER) -> EmailMessage:
    return _message(referrer, BROKER, subject, text, "Rita Referrer")


def attached_forward(note: str, original: EmailMessage, referrer: str = REFERRER) -> EmailMessage:
    msg = _message(referrer, BROKER, "Fwd: " + str(original["Subject"]), note, "Rita Referrer")
    msg.add_attachment(original)
    return msg


class Lmtp:
    """One LMTP session to the local Dovecot: delivers a message straight into a mailbox,
    as Postfix does, and returns once it is there — much faster than SMTP, for bursts."""

    def __init__(self) -> None:
        self.session = smtplib.LMTP(str(MAILSYSTEM_DIR / "dovecot-run" / "lmtp"))

    def deliver(self, raw: bytes, sender: str, recipient: str) -> float:
        """Deliver; return the wall-clock time (time.time()) at which it was in the mailbox."""
        refused = self.session.sendmail(sender, [recipient], raw)
        if refused:
            raise RuntimeError(f"LMTP refused {recipient}: {refused}")
        return time.time()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.session.quit()


def http_get(url: str, host: str | None = None) -> tuple[int, str]:
    """(status, body) of a GET on a loopback URL, an HTTP error included; `host` is
    the Host header to send instead of the URL's."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def text_of(msg: EmailMessage) -> str:
    """The plain-text body of a message, as a reader of the plain text sees it (the
    broker's messages are multipart/alternative: text, then HTML)."""
    body = msg.get_body(("plain",))
    return body.get_content() if body is not None else ""


def reply(to_message: EmailMessage, sender: str, text: str, *, sender_name: str = "") -> EmailMessage:
    """A reply as a mail client writes it: to the Reply-To, threaded, the original quoted."""
    target = str(to_message["Reply-To"] or to_message["From"])
    quoted = "\n".join("> " + line for line in text_of(to_message).splitlines())
    body = f"{text}\n\nOn Thu, Nov 26, 2026 at 9:30 AM Introductions <{BROKER}> wrote:\n{quoted}\n"
    msg = _message(sender, target, "Re: " + str(to_message["Subject"]), body, sender_name)
    msg["In-Reply-To"] = to_message["Message-ID"]
    msg["References"] = to_message["Message-ID"]
    return msg


def submit(msg: EmailMessage) -> None:
    """Send as the message's author's client would: envelope from From, to To and Cc."""
    recipients = [a for _, a in getaddresses([str(v) for v in msg.get_all("To", []) + msg.get_all("Cc", [])])]
    send(msg, sender=parseaddr(str(msg["From"]))[1], recipients=recipients)


# --- Test hook for the daemon -----------------------------------------------------------


def install_crash_hook(marker: bytes) -> None:
    """Make reading any message whose raw bytes contain ``marker`` kill this process
    with SIGKILL, as a parser bug that crashes or exhausts memory would.

    Only for the end-to-end tests: ``mailbroker run`` installs it when the environment
    variable ``MAILBROKER_TEST_CRASH_ON`` (mailbroker.daemon.CRASH_ENV) is set, and
    logs a warning saying so; without that variable nothing here is ever called. The
    process dies inside the engine's reading of the message, after the engine counted
    the attempt and before it committed anything, which is how a real crash would
    behave. After a few such attempts the engine sets the message aside in quarantine
    without reading it, and this hook, which sits in the reading, no longer fires.
    """
    import signal

    from . import mailtext

    original = mailtext.parse

    def parse(raw: bytes) -> EmailMessage:
        if isinstance(raw, (bytes, bytearray)) and marker in raw:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(raw)

    mailtext.parse = parse
