"""SMTP edge: drain the outbox over one reused connection.

A message is marked sent only after the server accepted it, so a crash can at worst
send it twice, never lose it. The window for that duplicate is kept as small as it can
be: the server's 250 after DATA is followed at once by one tiny transaction that marks
the message sent, before anything else (even logging) happens.

Two kinds of trouble, two kinds of waiting:

- **The server is unreachable** (connection refused or cut, timeout, "421 closing"): a
  property of the server, not of the messages. Nothing is charged to the messages;
  the sender probes the server again after 1 s, 2 s, 4 s, then every 5 s for as long
  as messages wait (`PROBE_LONGEST`). A probe is one TCP connection, so this costs
  nothing worth saving, and mail goes out within seconds of the server's return
  instead of after the tail of a two-minute backoff. Login refused (bad credentials)
  is not cured by insisting: that probe backs off to `AUTH_RETRY_LONGEST`.
- **The server answers 4xx for a message** (greylisting, mailbox full, rate limit):
  that message, or only the recipients that were deferred, is retried with capped
  exponential backoff (5 s, 10 s, 20 s … 2 min), which is what greylisting expects.

Permanent failures (5xx) are recorded and not retried; for a consent request the
referral is ended and the referrer told (`on_permanent_failure`).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import aiosmtplib

from .config import oauth2_token
from .store import OutboxItem, Store

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(minutes=2)

PROBE_FIRST = timedelta(seconds=1)
PROBE_LONGEST = timedelta(seconds=5)
AUTH_RETRY_LONGEST = timedelta(minutes=5)

# "421 Service not available, closing transmission channel": the server, not the message.
SERVICE_UNAVAILABLE = 421

# A connection is kept from one drain to the next (the daemon hangs it up at the end of
# each turn of its loop, with `close`) for this long at most (seconds), well under the
# idle timeout of servers (Postfix: 300 s).
KEEP_FOR = 30.0


def retry_delay(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … capped at two minutes: for what the server said about a message."""
    return min(FIRST_RETRY * (2 ** min(attempts, 20)), LONGEST_RETRY)


def smtp_client(settings) -> aiosmtplib.SMTP:
    context = ssl.create_default_context()
    if not settings.verify_certificate:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    password = settings.password.get_secret_value() if settings.password else None
    token_source = None
    if settings.auth == "xoauth2":
        # aiosmtplib logs in with XOAUTH2 after EHLO (and STARTTLS), with a token asked
        # for at each connection: tokens expire within the hour.
        async def token_source() -> str:
            return await asyncio.to_thread(oauth2_token, settings)
    return aiosmtplib.SMTP(
        hostname=settings.host,
        port=settings.port,
        use_tls=settings.security == "tls",
        start_tls=True if settings.security == "starttls" else False,
        tls_context=context,
        username=settings.username or None,
        password=password,
        oauth_token_generator=token_source,
        # Every network step (connect, each command, the whole DATA) is bounded by it.
        timeout=settings.timeout.total_seconds(),
    )


class ServerUnavailable(Exception):
    """The connection is gone or unusable: stop this drain, probe the server later."""


class Sender:
    def __init__(self, store: Store, settings, clock: Callable[[], datetime],
                 on_permanent_failure: Callable[[OutboxItem, str], object] | None = None,
                 on_progress: Callable[[], object] | None = None,
                 on_failure: Callable[[bool], object] | None = None):
        self.store = store
        self.settings = settings
        self.clock = clock
        # Told about each message that will never be delivered, so the referral can end
        # and the referrer learn why, instead of waiting for the expiry.
        self.on_permanent_failure = on_permanent_failure
        # Called after each message, so a long drain still shows the daemon is alive.
        self.on_progress = on_progress
        # Told of each failed attempt, permanent or not (for the metrics).
        self.on_failure = on_failure
        # The server-level outage, kept in memory: a restart simply probes at once.
        self.unavailable_since: datetime | None = None
        self._probe_at: datetime | None = None
        self._probe_delay = PROBE_FIRST
        # The connection kept between drains: (client, its event loop, when last used).
        self._kept: tuple[aiosmtplib.SMTP, asyncio.AbstractEventLoop, float] | None = None

    # --- when ---------------------------------------------------------------------------

    def next_attempt(self) -> datetime | None:
        """When `drain` has something to do: the earliest message due, but not before the
        next probe of a server that was unavailable."""
        due = self.store.next_outbox_attempt()
        if due is None:
            return None
        if self._probe_at is not None and due < self._probe_at:
            return self._probe_at
        return due

    # --- sending ------------------------------------------------------------------------

    async def drain(self) -> int:
        """Send everything that is due; returns how many messages the server accepted."""
        now = self.clock()
        if self._probe_at is not None and now < self._probe_at:
            return 0
        items = self.store.outbox_ready(now)
        if not items:
            await self._release_when_idle()
            return 0
        client = await self._reused()
        if client is not None:
            return await self._send_all(client, items)
        client = smtp_client(self.settings)
        try:
            await client.connect()
        except aiosmtplib.SMTPAuthenticationError as error:
            self._server_unavailable(f"login refused: {error.code} {error.message}", len(items),
                                     longest=AUTH_RETRY_LONGEST)
            client.close()
            return 0
        except (aiosmtplib.SMTPException, OSError) as error:
            if self.settings.auth == "xoauth2" and "XOAUTH2" in str(error):
                self._server_unavailable("the server does not offer XOAUTH2 sign-in: use its submission port "
                                         "(587 or 465), or smtp.auth: password", len(items),
                                         longest=AUTH_RETRY_LONGEST)
            else:
                self._server_unavailable(f"cannot connect: {_describe(error)}", len(items))
            client.close()
            return 0
        self._server_available()
        return await self._send_all(client, items)

    async def _send_all(self, client: aiosmtplib.SMTP, items: list[OutboxItem]) -> int:
        sent = 0
        healthy = False
        try:
            for item in items:
                try:
                    if await self._send_one(client, item):
                        sent += 1
                except ServerUnavailable as error:
                    self._server_unavailable(str(error), len(items) - sent)
                    break
                if self.on_progress:
                    self.on_progress()
            else:
                healthy = True
        finally:
            if healthy and client.is_connected:
                self._kept = (client, asyncio.get_running_loop(), time.monotonic())
            else:
                await _quit(client)
        return sent

    # --- one connection, reused ---------------------------------------------------------

    async def _reused(self) -> aiosmtplib.SMTP | None:
        """The connection of the last drain, if it is recent and still up: a busy broker
        sends message after message without reconnecting. A NOOP first (one round trip)
        makes sure the server has not closed it meanwhile: a server that went away is
        then found by the fresh connection, as an outage, and charged to no message."""
        kept, self._kept = self._kept, None
        if kept is None:
            return None
        client, loop, used = kept
        if loop is not asyncio.get_running_loop():  # made by another event loop: unusable here
            client.close()
            return None
        if not client.is_connected or time.monotonic() - used > KEEP_FOR:
            await _quit(client)
            return None
        try:
            await client.noop()
        except (aiosmtplib.SMTPException, OSError):
            client.close()
            return None
        return client

    async def _release_when_idle(self) -> None:
        """Nothing to send: hang up a connection that has been quiet for KEEP_FOR."""
        if self._kept is not None and time.monotonic() - self._kept[2] > KEEP_FOR:
            await self.close()

    async def close(self) -> None:
        """Hang up the connection kept for the next drain, if any: the daemon does at the
        end of each turn of its loop, and at shutdown."""
        kept, self._kept = self._kept, None
        if kept is not None:
            if kept[1] is asyncio.get_running_loop():
                await _quit(kept[0])
            else:
                kept[0].close()

    async def _send_one(self, client: aiosmtplib.SMTP, item: OutboxItem) -> bool:
        """Send one message; True when the server accepted it for every recipient it
        still had. Raises ServerUnavailable when the connection cannot go on."""
        # Claimed first, in a transaction of its own: another broker sharing the
        # database may have sent it, or be sending it, since it was listed.
        with self.store.transaction():
            claimed = self.store.claim(item.id, self.clock())
        if claimed is None:
            log.debug("%s: sent, rescheduled or claimed by another broker meanwhile; skipped", item.message_id)
            return False
        item = claimed
        log.debug("sending %s for %s to %s", item.message_id, item.ref or "-", ", ".join(item.recipients))
        try:
            refused, _ = await client.sendmail(item.envelope_from, list(item.recipients), item.raw)
        except aiosmtplib.SMTPRecipientsRefused as error:
            if any(r.code == SERVICE_UNAVAILABLE for r in error.recipients):
                raise ServerUnavailable(_refusals(error.recipients)) from error
            self._refused(item, error.recipients)
            return False
        except aiosmtplib.SMTPResponseException as error:
            if error.code == SERVICE_UNAVAILABLE:
                raise ServerUnavailable(f"{error.code} {error.message}") from error
            self._failed(item, f"{error.code} {error.message}", permanent=500 <= error.code < 600)
            return False
        except aiosmtplib.SMTPNotSupported as error:  # e.g. an address needs SMTPUTF8
            self._failed(item, str(error), permanent=True)
            return False
        except (aiosmtplib.SMTPException, OSError) as error:
            # The connection broke mid-transaction: the server may or may not have taken
            # this message. It is retried with its own backoff (so that a message which
            # itself breaks connections cannot monopolise them); the rest waits for the
            # next probe.
            self._failed(item, _describe(error), permanent=False)
            raise ServerUnavailable(f"connection lost: {_describe(error)}") from error
        # Accepted (250 after DATA). Mark it sent now, before anything else: a crash
        # from here to the commit is the only way a message can go out twice.
        deferred = [r for r, response in refused.items() if 400 <= response.code < 500]
        with self.store.transaction():
            if deferred:
                self.store.retry_recipients(item.id, deferred, _refusals_of(refused),
                                            self.clock() + retry_delay(item.attempts))
            else:
                self.store.mark_sent(item.id, self.clock())
        if refused:
            log.warning("message %s for %s: accepted for some recipients only; %s; %s", item.message_id,
                        item.ref or "-", _refusals_of(refused),
                        f"will be retried for {', '.join(deferred)}" if deferred else "not retried (permanent)")
        log.info("sent %s for %s to %s", item.message_id, item.ref or "-",
                 ", ".join(r for r in item.recipients if r not in refused),
                 extra={"event": "sent", "ref": item.ref, "message_id": item.message_id})
        return not deferred

    def _refused(self, item: OutboxItem, recipients) -> None:
        permanent = all(500 <= r.code < 600 for r in recipients)
        self._failed(item, f"all recipients refused: {_refusals(recipients)}", permanent=permanent)

    def _failed(self, item: OutboxItem, error: str, *, permanent: bool) -> None:
        now = self.clock()
        if self.on_failure:
            self.on_failure(permanent)
        log.warning("message %s for %s %s: %s", item.message_id, item.ref or "-",
                    "failed permanently" if permanent else "will be retried", error,
                    extra={"event": "send_failed", "ref": item.ref, "message_id": item.message_id,
                           "permanent": permanent})
        if permanent:
            # The referral's consequences first, then the outbox: a crash in between
            # only means the failure is met again after the restart, and the state
            # machine ignores a second Undeliverable for a referral already closed.
            if self.on_permanent_failure:
                self.on_permanent_failure(item, error)
            with self.store.transaction():
                self.store.mark_failed(item.id, error, now)
        else:
            with self.store.transaction():
                self.store.mark_retry(item.id, error, now + retry_delay(item.attempts))

    # --- the server's availability -----------------------------------------------------

    def _server_unavailable(self, error: str, waiting: int, longest: timedelta = PROBE_LONGEST) -> None:
        now = self.clock()
        delay = min(self._probe_delay, longest)
        self._probe_at = now + delay
        self._probe_delay = min(delay * 2, longest)
        if self.unavailable_since is None:
            self.unavailable_since = now
            log.warning("SMTP unavailable (%s): %d message(s) wait; probing again in %.0f s, then at most "
                        "every %.0f s", error, waiting, delay.total_seconds(), longest.total_seconds())
        else:
            log.debug("SMTP still unavailable (%s); next probe in %.0f s", error, delay.total_seconds())

    def _server_available(self) -> None:
        if self.unavailable_since is not None:
            log.info("SMTP available again after %.0f s", (self.clock() - self.unavailable_since).total_seconds())
        self.unavailable_since = None
        self._probe_at = None
        self._probe_delay = PROBE_FIRST


async def _quit(client: aiosmtplib.SMTP) -> None:
    if client.is_connected:
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError):
            client.close()


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _refusals(recipients) -> str:
    return "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in recipients)


def _refusals_of(refused: dict) -> str:
    return "; ".join(f"{recipient}: {response.code} {response.message}" for recipient, response in refused.items())
