"""The physical limit: the broker's I/O with none of its logic.

With the same libraries as the broker (imapclient, aiosmtplib), this loop waits in IDLE,
fetches what the INBOX holds in batches, and for each message sends as many messages as
the broker would (a consent request to each party, an acknowledgement to the referrer)
over one reused SMTP connection, then moves the batch to a folder. The parties' addresses
come from a regular expression; nothing is parsed, decided or stored.

    python -m bench.bare --count 1000      # stops once it has handled 1,000 messages
"""

from __future__ import annotations

import argparse
import asyncio
import re
import secrets
import time
from email.message import EmailMessage

import aiosmtplib
from imapclient import IMAPClient

from mailbroker import testing as mt

FOLDER = "bench-done"
FETCH_BATCH = 50
ADDRESS = re.compile(rb"<([a-z0-9.+-]+@example\.test)>")
# About the size of the broker's consent request (text and HTML alternatives).
FILLER = ("The referrer thinks you two should meet; reply yes or no. " * 60).strip()


def outgoing(to: str, request_id: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Introductions <{mt.BROKER}>"
    msg["To"] = to
    msg["Reply-To"] = f"intro+{secrets.token_hex(13)}@{mt.DOMAIN}"
    msg["Subject"] = "Introduction?"
    msg["Message-ID"] = f"<{secrets.token_hex(16)}@{mt.DOMAIN}>"
    msg["X-Bench-Of"] = request_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(FILLER)
    return bytes(msg)


def request_id(raw: bytes) -> str:
    found = re.search(rb"^Message-ID:\s*(<[^>]+>)", raw, re.IGNORECASE | re.MULTILINE)
    return found.group(1).decode() if found else ""


async def handle(smtp: aiosmtplib.SMTP, raw: bytes) -> None:
    head, _, body = raw.partition(b"\r\n\r\n")
    parties = ADDRESS.findall(body)[:2]
    rid = request_id(head)
    for party in parties:
        await smtp.sendmail(mt.BROKER, [party.decode()], outgoing(party.decode(), rid))
    await smtp.sendmail(mt.BROKER, [mt.REFERRER], outgoing(mt.REFERRER, rid))


async def run(count: int) -> None:
    imap = IMAPClient(mt.HOST, port=mt.IMAP_PORT, ssl=False, timeout=30)
    await asyncio.to_thread(imap.login, "intro", mt.PASSWORD)
    if not imap.folder_exists(FOLDER):
        imap.create_folder(FOLDER)
    imap.select_folder("INBOX")
    smtp = aiosmtplib.SMTP(hostname=mt.HOST, port=mt.SMTP_PORT, start_tls=False, timeout=30)
    await smtp.connect()
    handled = 0
    while handled < count:
        uids = sorted(await asyncio.to_thread(imap.search, "ALL"))
        if not uids:
            await asyncio.to_thread(wait, imap, 5.0)
            continue
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start:start + FETCH_BATCH]
            fetched = await asyncio.to_thread(imap.fetch, batch, ["BODY.PEEK[]"])
            for uid in batch:
                await handle(smtp, fetched[uid][b"BODY[]"])
            await asyncio.to_thread(imap.move, batch, FOLDER)
            handled += len(batch)
    await smtp.quit()
    imap.logout()
    print(f"handled {handled} messages", flush=True)


def wait(imap: IMAPClient, timeout: float) -> None:
    imap.idle()
    try:
        imap.idle_check(timeout=timeout)
    finally:
        imap.idle_done()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, required=True, help="stop after handling this many messages")
    parser.add_argument("--linger", type=float, default=0.0,
                        help="then stay alive this long (so that its CPU time can still be read)")
    args = parser.parse_args()
    asyncio.run(run(args.count))
    time.sleep(args.linger)


if __name__ == "__main__":
    main()
