"""What the administration commands show: the daemon's health, referrals as data, and a
check of the two mail servers. cli.py parses the arguments and prints; this gathers.

Everything here reads the state through `Store.open_readonly`, so it is safe while the
daemon runs: a read-only connection never takes the write lock.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta

from .config import Config
from .mailbox import IDLE_RENEWAL
from .model import Referral
from .store import Store, shown

# --- status ----------------------------------------------------------------------------

RUNNING = "running"
NOT_RESPONDING = "not responding"  # the process exists, its loop has not turned for too long
NOT_RUNNING = "not running"
NEVER_STARTED = "never started"


def stale_after(config: Config) -> timedelta:
    """How long the daemon's loop may go without turning while it is healthy (for
    `status` and the daemon's /health). The loop turns at least every poll_interval
    (IDLE is renewed sooner); one turn may also wait for each server up to its timeout;
    twice that leaves room for a long batch of mail without calling a slow daemon dead."""
    wait = min(config.imap.poll_interval, timedelta(seconds=IDLE_RENEWAL))
    return 2 * (wait + config.imap.timeout + config.smtp.timeout)


def pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user (e.g. the service's)
        return True
    return True


def daemon_state(heartbeat: dict | None, now: datetime, stale: timedelta) -> str:
    if heartbeat is None:
        return NEVER_STARTED
    if not pid_exists(int(heartbeat["pid"])):
        return NOT_RUNNING
    age = now - datetime.fromisoformat(heartbeat["at"])
    return RUNNING if age <= stale else NOT_RESPONDING


def status(config: Config, store: Store, now: datetime) -> dict:
    heartbeat = store.last_heartbeat()
    stale = stale_after(config)
    outbox = store.outbox_counts()

    def age(moment: str | None) -> float | None:
        return round((now - datetime.fromisoformat(moment)).total_seconds(), 1) if moment else None

    return {
        "daemon": {
            "state": daemon_state(heartbeat, now, stale),
            "pid": heartbeat["pid"] if heartbeat else None,
            "heartbeat_at": heartbeat["at"] if heartbeat else None,
            "heartbeat_age_seconds": age(heartbeat["at"]) if heartbeat else None,
            "stale_after_seconds": stale.total_seconds(),
        },
        "imap": {
            "last_contact_at": heartbeat.get("imap_contact_at") if heartbeat else None,
            "last_contact_age_seconds": age(heartbeat.get("imap_contact_at")) if heartbeat else None,
        },
        "outbox": {"waiting": outbox["pending"], "failed": outbox["failed"], "sent": outbox["sent"]},
        "referrals": store.referral_counts(),
        "suppressed": store.suppressed_count(),
        "held_requests": store.held_count(),  # waiting for their referrer's "did you send this?"
        "state_file": shown(config.state.location),  # a URL's password left out
    }


def status_text(s: dict) -> str:
    d, imap = s["daemon"], s["imap"]
    daemon = d["state"]
    if d["pid"] is not None:
        daemon += f" (pid {d['pid']}, last heartbeat {_ago(d['heartbeat_age_seconds'])})"
    if d["state"] == NOT_RESPONDING:
        daemon += f": no heartbeat for over {_duration(d['stale_after_seconds'])}; see its log"
    contact = _ago(imap["last_contact_age_seconds"]) if imap["last_contact_at"] else "never"
    referrals = ", ".join(f"{state} {n}" for state, n in s["referrals"].items())
    rows = [
        ("daemon", daemon),
        ("IMAP contact", contact),
        ("outbox", f"{s['outbox']['waiting']} waiting, {s['outbox']['failed']} failed, {s['outbox']['sent']} sent"),
        ("referrals", referrals),
        ("suppressed", f"{s['suppressed']} address(es)"),
        ("held", f"{s['held_requests']} request(s) waiting for their referrer's confirmation"),
        ("state file", s["state_file"]),
    ]
    return "\n".join(f"{label:<13} {value}" for label, value in rows)


def _ago(seconds: float | None) -> str:
    return "unknown" if seconds is None else f"{_duration(seconds)} ago"


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= 2 * size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


# --- referrals as data -----------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def referral_summary(r: Referral) -> dict:
    """One line of `list`, as data. Tokens are secrets: never shown."""
    return {
        "ref": r.ref,
        "state": r.state.value,
        "created_at": _iso(r.created_at),
        "closed_at": _iso(r.closed_at),
        "referrer": {"name": r.referrer.name, "address": r.referrer.address},
        "parties": [{"role": p.role.value, "name": p.person.name, "address": p.person.address,
                     "answer": p.answer.value if p.answer else None} for p in r.parties],
    }


def referral_detail(store: Store, r: Referral) -> dict:
    """Everything `show` knows: the referral, its parties, every decision and why, and
    every message in and out with its Message-ID."""
    detail = referral_summary(r)
    detail["parties"] = [
        {**summary, "lang": p.lang, "note": p.note, "answered_at": _iso(p.answered_at),
         "answer_message_id": p.answer_message_id, "asked_message_id": p.asked_message_id,
         "clarifications": p.clarifications}
        for summary, p in zip(detail["parties"], r.parties, strict=True)
    ]
    detail.update({
        "subject": r.subject,
        "context": r.context,
        "lang": r.lang,
        "reminded_at": _iso(r.reminded_at),
        "request_message_id": r.request_message_id,
        "timeline": [{"at": _iso(at), "what": what} for at, what in store.timeline(r.ref)],
        "received": [dict(row) for row in store.received_messages(r.ref)],
        "sent": [{**dict(row), "recipients": json.loads(row["recipients"])} for row in store.sent_messages(r.ref)],
    })
    return detail


def detail_text(d: dict) -> str:
    lines = [f"referral {d['ref']}: {d['state']}",
             f"  referrer   {d['referrer']['name'] or d['referrer']['address']} <{d['referrer']['address']}>"]
    for p in d["parties"]:
        lines.append(f"  {p['role']:<10} {p['name'] or p['address']} <{p['address']}>  answer: {p['answer'] or '-'}"
                     + (f"  note: {p['note']!r}" if p["note"] else ""))
    lines += [f"  subject    {d['subject']}",
              f"  created    {_short(d['created_at'])} UTC",
              "timeline:"]
    lines += [f"  {_short(t['at'])}  {t['what']}" for t in d["timeline"]]
    lines.append("received:")
    lines += [f"  {_short(m['at'])}  {m['message_id'] or '(no Message-ID)'}  {m['fate']}: {m['reason']}"
              for m in d["received"]] or ["  -"]
    lines.append("sent:")
    lines += [f"  {_short(m['created_at'])}  {m['message_id']}  {m['template']} to {', '.join(m['recipients'])}: "
              + _delivery(m) for m in d["sent"]] or ["  -"]
    return "\n".join(lines)


def _delivery(m: dict) -> str:
    if m["sent_at"]:
        return f"sent {_short(m['sent_at'])}"
    if m["failed_at"]:
        return f"failed {_short(m['failed_at'])}: {m['last_error']}"
    return "waiting" + (f" (last error: {m['last_error']})" if m["last_error"] else "")


def _short(moment: str | None) -> str:
    """'2026-11-26 12:00:00' from an ISO time (all times are stored in UTC)."""
    return datetime.fromisoformat(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


# --- check-config --connect ------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    name: str  # e.g. "IMAP 127.0.0.1:10143 (tls)"
    ok: bool
    detail: str


def check_imap(settings) -> Step:
    """Log in and select the watched folder, as the daemon does at start (which also
    creates the processed and quarantine folders when missing)."""
    from .mailbox import Mailbox

    name = f"IMAP {settings.host}:{settings.port} ({settings.security})"
    mailbox = Mailbox(settings)
    try:
        mailbox.connect()
    except Exception as error:  # noqa: BLE001 - every failure is reported, in words
        return Step(name, False, plain_reason(error, settings))
    idle = "IDLE supported" if mailbox.idle_supported else "no IDLE: the broker will poll"
    mailbox.close()
    return Step(name, True, f"logged in as {settings.username}, folder {settings.folders.watch} selected ({idle})")


def check_verdicts(settings, authentication, recent: int = 20) -> Step:
    """Which server wrote the Authentication-Results of the latest messages in the
    watched, processed and quarantine folders: the value `trusted_servers` wants."""
    from . import mailtext
    from .authentication import suggested_servers
    from .mailbox import Mailbox

    mailbox = Mailbox(settings)
    try:
        mailbox.connect()
        headers = []
        for folder in dict.fromkeys((settings.folders.watch, settings.folders.processed, settings.folders.quarantine)):
            headers += mailbox.latest_headers(folder, "Authentication-Results", recent)
    except Exception as error:  # noqa: BLE001 - every failure is reported, in words
        return Step("Authentication-Results", False, plain_reason(error, settings))
    finally:
        mailbox.close()
    found = suggested_servers([mailtext.parse(raw) for raw in headers])
    return Step("Authentication-Results", True, verdict_advice(found, len(headers), authentication))


def verdict_advice(found: list[tuple[str, int]], looked_at: int, authentication) -> str:
    """What the ids found say about `trusted_servers`, in words."""
    listed = {server.lower() for server in authentication.trusted_servers}
    if not found:
        return (f"none of the {looked_at} latest message(s) carries an Authentication-Results header: this "
                "mailbox's server does not check DKIM/DMARC, so requests are handled as "
                f"unauthenticated_requests says ({authentication.unauthenticated_requests})")
    seen = ", ".join(f"{server} ({count} of {looked_at})" for server, count in found)
    top = found[0][0]
    if top in listed:
        return f"the latest messages were checked by {seen}; {top} is in trusted_servers"
    return (f"the latest messages were checked by {seen}: if {top} is your own receiving server, "
            f'add it: "trusted_servers: [{top}]"')


async def check_smtp(settings) -> Step:
    """Connect (and log in, when a username is set) the way the sender does, then quit."""
    import aiosmtplib

    from .sender import smtp_client

    name = f"SMTP {settings.host}:{settings.port} ({settings.security})"
    client = smtp_client(settings)
    try:
        await client.connect()
    except Exception as error:  # noqa: BLE001 - every failure is reported, in words
        client.close()
        return Step(name, False, plain_reason(error, settings))
    try:
        await client.quit()
    except (aiosmtplib.SMTPException, OSError):
        client.close()
    login = f"logged in as {settings.username}" if settings.username else "connected (no login configured)"
    return Step(name, True, login)


def plain_reason(error: BaseException, settings) -> str:
    """What went wrong, in words an operator can act on."""
    import aiosmtplib
    from imapclient.exceptions import LoginError

    from .config import OAuth2TokenError

    where = f"{settings.host}:{settings.port}"
    seconds = f"{settings.timeout.total_seconds():g} s"
    causes = _chain(error)

    def seen(*types) -> BaseException | None:
        return next((e for e in causes if isinstance(e, types)), None)

    xoauth2 = settings.auth == "xoauth2"
    if seen(OAuth2TokenError):
        return f"no access token to log in with: {_message(seen(OAuth2TokenError))}"
    if seen(LoginError, aiosmtplib.SMTPAuthenticationError):
        what = "the access token" if xoauth2 else "the password"
        return (f"login refused for {settings.username}: {_message(seen(LoginError, aiosmtplib.SMTPAuthenticationError))}"
                f" — check the username and {what}")
    if xoauth2 and "does not support XOAUTH2" in str(error):
        return ("the server does not offer XOAUTH2 login — check host and port (e.g. submission, 587), "
                "or log in with a password (auth: password)")
    if seen(ConnectionRefusedError) or "connection refused" in str(error).lower():
        return f"connection refused: nothing answers on {where} — check host, port and that the server runs"
    if seen(ssl.SSLCertVerificationError):
        return (f"TLS certificate not accepted: {_message(seen(ssl.SSLCertVerificationError))} — fix the server's "
                "certificate, or set verify_certificate: false for a test server only")
    if seen(ssl.SSLError):
        return (f"TLS error: {_message(seen(ssl.SSLError))} — check that security ({settings.security}) "
                "matches what the port expects (tls, starttls or none)")
    if seen(socket.gaierror):
        return f"host name {settings.host} not found: {_message(seen(socket.gaierror))} — check the host"
    if seen(TimeoutError, socket.timeout, aiosmtplib.SMTPTimeoutError):
        return f"timeout: no answer from {where} within {seconds} — check host, port and any firewall"
    if seen(aiosmtplib.SMTPServerDisconnected, ConnectionResetError, EOFError, BrokenPipeError):
        return f"the server closed the connection: {_message(error)} — check port and security"
    return f"{type(error).__name__}: {_message(error)}"


def _chain(error: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    while error is not None and error not in found:
        found.append(error)
        error = error.__cause__ or error.__context__
    return found


def _message(error: BaseException | None) -> str:
    if error is None:
        return ""
    text = str(error)
    if text[:2] in ("b'", 'b"'):  # imapclient passes the server's bytes along
        text = text[2:-1]
    return text or type(error).__name__
