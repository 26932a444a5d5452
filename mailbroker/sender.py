"""SMTP edge: drain the outbox over one reused connection.

A message is marked sent only after the server accepted it, so a crash can at worst
send it twice (the window between the server's acceptance and our commit), never lose
it. Temporary failures (4xx, connection trouble) are retried with capped exponential
backoff; permanent ones (5xx) are recorded and not retried.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from datetime import datetime, timedelta

import aiosmtplib

from .store import OutboxItem, Store

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(minutes=2)


def retry_delay(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … capped at two minutes: quiet during an outage, yet back soon after it."""
    return min(FIRST_RETRY * (2 ** min(attempts, 20)), LONGEST_RETRY)


def smtp_client(settings) -> aiosmtplib.SMTP:
    context = ssl.create_default_context()
    if not settings.verify_certificate:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    password = settings.password.get_secret_value() if settings.password else None
    return aiosmtplib.SMTP(
        hostname=settings.host,
        port=settings.port,
        use_tls=settings.security == "tls",
        start_tls=True if settings.security == "starttls" else False,
        tls_context=context,
        username=settings.username or None,
        password=password,
        timeout=settings.timeout.total_seconds(),
    )


class Sender:
    def __init__(self, store: Store, settings, clock: Callable[[], datetime],
                 on_permanent_failure: Callable[[OutboxItem, str], object] | None = None):
        self.store = store
        self.settings = settings
        self.clock = clock
        # Told about each message that will never be delivered, so the referral can end
        # and the referrer learn why, instead of waiting for the expiry.
        self.on_permanent_failure = on_permanent_failure

    async def drain(self) -> int:
        """Send everything that is due; returns how many messages the server accepted."""
        items = self.store.outbox_ready(self.clock())
        if not items:
            return 0
        sent = 0
        client = smtp_client(self.settings)
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as error:
            self._postpone(items, f"cannot connect: {error}")
            return 0
        try:
            for index, item in enumerate(items):
                outcome = await self._send_one(client, item)
                if outcome == "sent":
                    sent += 1
                elif outcome == "disconnected":
                    self._postpone(items[index + 1:], "connection lost")
                    break
        finally:
            if client.is_connected:
                try:
                    await client.quit()
                except (aiosmtplib.SMTPException, OSError):
                    client.close()
        return sent

    async def _send_one(self, client: aiosmtplib.SMTP, item: OutboxItem) -> str:
        try:
            refused, _ = await client.sendmail(item.envelope_from, list(item.recipients), item.raw)
        except aiosmtplib.SMTPRecipientsRefused as error:
            return self._refused(item, error.recipients)
        except aiosmtplib.SMTPResponseException as error:
            return self._failed(item, f"{error.code} {error.message}", permanent=500 <= error.code < 600)
        except (aiosmtplib.SMTPException, OSError) as error:
            self._failed(item, str(error) or type(error).__name__, permanent=False)
            return "disconnected"
        with self.store.transaction():
            self.store.mark_sent(item.id, self.clock())
        if refused:
            log.warning("message %s: some recipients refused: %s", item.message_id, refused)
        log.info("sent %s for %s to %s", item.message_id, item.ref or "-", ", ".join(item.recipients))
        return "sent"

    def _refused(self, item: OutboxItem, recipients) -> str:
        detail = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in recipients)
        permanent = all(500 <= r.code < 600 for r in recipients)
        return self._failed(item, f"all recipients refused: {detail}", permanent=permanent)

    def _failed(self, item: OutboxItem, error: str, *, permanent: bool) -> str:
        now = self.clock()
        with self.store.transaction():
            if permanent:
                self.store.mark_failed(item.id, error, now)
            else:
                self.store.mark_retry(item.id, error, now + retry_delay(item.attempts))
        log.warning("message %s for %s %s: %s", item.message_id, item.ref or "-",
                    "failed permanently" if permanent else "will be retried", error)
        if permanent and self.on_permanent_failure:
            self.on_permanent_failure(item, error)
        return "failed"

    def _postpone(self, items: list[OutboxItem], error: str) -> None:
        now = self.clock()
        with self.store.transaction():
            for item in items:
                self.store.mark_retry(item.id, error, now + retry_delay(item.attempts))
        if items:
            log.warning("SMTP unavailable (%s): %d message(s) postponed", error, len(items))
