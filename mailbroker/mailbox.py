"""IMAP edge: read the watched folder, move handled messages away, wait for new mail.

Every message in the watched folder is, by construction, not yet handled: the broker
moves each one to the processed or quarantine folder once its fate is committed, and
deletes nothing. So a rescan after a reconnect is simply "everything in the folder",
which makes restarts and UIDVALIDITY changes harmless. UIDs are used only within the
session that fetched them (fetch, then move), and a server that changes a selected
folder's UIDVALIDITY ends the session (RFC 3501 2.3.1.1; Dovecot does): the next
session fetches again, and a message already handled is recognised by its digest.

Methods block; the daemon runs them in a worker thread, one at a time.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from dataclasses import dataclass

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from .config import oauth2_token

log = logging.getLogger(__name__)

# Servers drop an IDLE after 30 minutes (RFC 2177 asks clients to re-issue it before 29).
IDLE_RENEWAL = 10 * 60
SCAN_BATCH = 500
# Messages are downloaded a few at a time, so memory stays bounded however full the folder.
FETCH_BATCH = 50
FETCH_BUDGET = 32_000_000  # bytes per download, unless one message alone is larger

# What a lost or broken connection can raise; the daemon reconnects on any of these.
CONNECTION_ERRORS = (IMAPClientError, OSError, socket.timeout, ssl.SSLError, EOFError)


@dataclass(frozen=True)
class Waiting:
    """A message seen in the watched folder, not downloaded yet."""

    uid: int
    size: int  # RFC822.SIZE, in bytes


@dataclass(frozen=True)
class Incoming:
    uid: int
    raw: bytes  # the whole message; only its header when too_large
    too_large: int | None = None  # the size of a message over the cap


def batches(waiting: list[Waiting], max_size: int, *, count: int = FETCH_BATCH,
            budget: int = FETCH_BUDGET) -> list[list[Waiting]]:
    """`waiting` cut into downloads of at most `count` messages and about `budget` bytes.
    A message over `max_size` weighs nothing: only its header will be fetched."""
    cut: list[list[Waiting]] = []
    batch: list[Waiting] = []
    weight = 0
    for message in waiting:
        size = message.size if message.size <= max_size else 0
        if batch and (len(batch) >= count or weight + size > budget):
            cut.append(batch)
            batch, weight = [], 0
        batch.append(message)
        weight += size
    if batch:
        cut.append(batch)
    return cut


class Mailbox:
    def __init__(self, settings):
        self.settings = settings
        self.client: IMAPClient | None = None
        self.idle_supported = False
        self.move_supported = False
        self._delimiter = "/"
        self._wake = threading.Event()
        self._scanned_up_to = 0  # the highest UID the last scan saw (see wait)

    # --- connection --------------------------------------------------------------------

    def connect(self) -> None:
        s = self.settings
        # Before connecting: a token helper may take seconds to refresh, and a server
        # closes a connection that sits there without logging in.
        token = oauth2_token(s) if s.auth == "xoauth2" else None
        context = ssl.create_default_context()
        if not s.verify_certificate:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        client = IMAPClient(s.host, port=s.port, ssl=s.security == "tls", ssl_context=context,
                            timeout=s.timeout.total_seconds())
        try:
            if s.security == "starttls":
                client.starttls(context)
            self._login(client, token)
            capabilities = client.capabilities()
            self.idle_supported = s.idle and b"IDLE" in capabilities
            self.move_supported = b"MOVE" in capabilities
            self._delimiter = self._server_delimiter(client)
            self.client = client
            for folder in (s.folders.processed, s.folders.quarantine):
                self._ensure_folder(folder)
            client.select_folder(self._name(s.folders.watch))
        except BaseException:
            self.client = None
            _close_quietly(client)
            raise
        log.info("connected to IMAP %s:%s as %s (IDLE %s)", s.host, s.port, s.username,
                 "on" if self.idle_supported else "off, polling")

    def _login(self, client: IMAPClient, token: str | None) -> None:
        s = self.settings
        if token is None:
            client.login(s.username, s.password.get_secret_value())
            return
        try:
            client.oauth2_login(s.username, token)
        except LoginError as error:
            # Still a LoginError, so the daemon handles it as a refused login; the
            # words say what to check, since there is no password here.
            raise LoginError(f"{error} (XOAUTH2: the access token from imap.oauth2_token_command was "
                             f"refused — is it current, for {s.username}, with the mail scope?)") from None

    def close(self) -> None:
        """Log out politely (bounded by the socket timeout) and forget the connection."""
        client, self.client = self.client, None
        if client is not None:
            _close_quietly(client)

    def abandon(self) -> None:
        """Drop a connection known to be broken, without a LOGOUT that could only wait
        for the timeout."""
        client, self.client = self.client, None
        if client is not None:
            try:
                client.shutdown()
            except Exception:  # noqa: BLE001 - the connection is being thrown away anyway
                pass

    def interrupt(self) -> None:
        """Wake a thread blocked in `wait` (used on shutdown) by shutting the socket."""
        self._wake.set()
        client = self.client
        if client is not None:
            try:
                client.socket().shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    @staticmethod
    def _server_delimiter(client: IMAPClient) -> str:
        folders = client.list_folders(directory="", pattern="")
        if folders and folders[0][1]:
            delimiter = folders[0][1]
            return delimiter.decode() if isinstance(delimiter, bytes) else delimiter
        return "/"

    def _name(self, folder: str) -> str:
        """Config folder names use '/' between levels; servers have their own delimiter."""
        return folder.replace("/", self._delimiter)

    def _ensure_folder(self, folder: str) -> None:
        name = self._name(folder)
        if not self.client.folder_exists(name):
            self.client.create_folder(name)
            self.client.subscribe_folder(name)
            log.info("created IMAP folder %s", name)

    # --- messages ----------------------------------------------------------------------

    def latest_headers(self, folder: str, field: str, count: int) -> list[bytes]:
        """The `field` headers of the last `count` messages of `folder`, read-only (for
        `check-config --connect`); [] when the folder does not exist."""
        name = self._name(folder)
        if not self.client.folder_exists(name):
            return []
        self.client.select_folder(name, readonly=True)
        uids = self.client.search("ALL")[-count:]
        item = f"BODY[HEADER.FIELDS ({field.upper()})]".encode()
        fetched = self.client.fetch(uids, [item.decode().replace("BODY[", "BODY.PEEK[")]) if uids else {}
        return [data.get(item, b"") for data in fetched.values()]

    def scan(self) -> list[Waiting]:
        """Every message in the watched folder, oldest first, with its size: only the
        sizes, so a huge message is known before anything of it is downloaded."""
        uids = sorted(self.client.search("ALL"))
        self._scanned_up_to = max(uids, default=0)
        waiting = []
        for start in range(0, len(uids), SCAN_BATCH):
            batch = uids[start:start + SCAN_BATCH]
            fetched = self.client.fetch(batch, ["RFC822.SIZE"])
            waiting.extend(Waiting(uid, fetched[uid][b"RFC822.SIZE"]) for uid in batch
                           if isinstance(fetched.get(uid, {}).get(b"RFC822.SIZE"), int))
        return waiting

    def fetch(self, batch: list[Waiting], max_size: int) -> list[Incoming]:
        """The messages of `batch` (one of `batches()`), whole, or only their header when
        over `max_size`. BODY.PEEK leaves the \\Seen flag alone."""
        whole = self._fetch([w.uid for w in batch if w.size <= max_size], "BODY.PEEK[]", b"BODY[]")
        headers = self._fetch([w.uid for w in batch if w.size > max_size], "BODY.PEEK[HEADER]", b"BODY[HEADER]")
        messages = []
        for waiting in batch:
            if waiting.uid in whole:
                messages.append(Incoming(waiting.uid, whole[waiting.uid]))
            elif waiting.uid in headers:
                messages.append(Incoming(waiting.uid, headers[waiting.uid], too_large=waiting.size))
            else:
                # Expunged or moved by another session since the SEARCH (Dovecot then
                # answers BODY[] NIL), e.g. by the MOVE a killed broker had just sent:
                # not ours to handle; if it is still there, the next scan gets it.
                log.info("message uid %s vanished before it could be read; skipped", waiting.uid)
        return messages

    def _fetch(self, uids: list[int], item: str, key: bytes) -> dict[int, bytes]:
        if not uids:
            return {}
        fetched = self.client.fetch(uids, [item])
        return {uid: data[key] for uid, data in fetched.items() if isinstance(data.get(key), bytes)}

    def move(self, uid: int, folder: str) -> None:
        name = self._name(folder)
        try:
            if self.move_supported:
                self.client.move([uid], name)
            else:
                # Without MOVE: copy, then flag and expunge only that message (UIDPLUS).
                self.client.copy([uid], name)
                self.client.delete_messages([uid])
                self.client.uid_expunge([uid])
        except IMAPClientAbortError:
            raise  # the connection, not the message
        except IMAPClientError:
            # The server said no. A broker sharing this mailbox moves the messages it
            # handled too: if it already moved this one (Dovecot answers NO
            # [EXPUNGEISSUED]), it is where it belongs, and there is nothing to do.
            if self.client.search(["UID", str(uid)]):
                raise
            log.info("message uid %s was already moved by another session (another broker "
                     "sharing this mailbox?); nothing to do", uid)

    def wait(self, timeout: float) -> None:
        """Block until new mail may have arrived or `timeout` seconds passed. Bounded
        either way: IDLE is watched with a poll() of `timeout`, and entering and leaving
        it are ordinary commands under the socket's timeout (imap.timeout), which is
        also how a connection that died silently during IDLE is found out."""
        timeout = max(0.0, min(timeout, IDLE_RENEWAL))
        if not self.idle_supported:
            # Polling: a NOOP keeps the connection honest, then sleep.
            self.client.noop()
            self._wake.wait(timeout)
            return
        if self._arrived_since_scan():
            return
        self.client.idle()
        try:
            self.client.idle_check(timeout=timeout)
        finally:
            self.client.idle_done()

    def _arrived_since_scan(self) -> bool:
        """Whether a message came in after the last scan. The server announces a new
        message once, in the answer to whatever command runs when it lands (a FETCH, a
        MOVE): one that landed while the broker was handling others is never announced
        again in IDLE, and would wait for the next timer. "N:*" always matches the last
        message, hence the comparison."""
        return any(uid > self._scanned_up_to for uid in self.client.search(["UID", f"{self._scanned_up_to + 1}:*"]))


def _close_quietly(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - the connection is being thrown away anyway
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001
            pass
