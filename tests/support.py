"""What the tests share, in one place: the moment they start at, the policy they run
under, a clock they move by hand, and the in-process engine with its outbox.

A scenario on the engine reads like the product: `start_referral(engine)` sends a
referrer's forward and returns what each party got; `outbox(engine)` is everything the
broker queued since the last look. (The end-to-end tests drive the real daemon and mail
system through tests/e2e/harness.py instead.)"""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

from mailbroker import mailtext
from mailbroker import testing as mt
from mailbroker.authentication import referrer_authenticated
from mailbroker.config import Config, load_config
from mailbroker.engine import PROCESSED
from mailbroker.model import Answered, Person, ReferralRequest, Started
from mailbroker.workflow import Policy, decide

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
POLICY = Policy(reminder_after=timedelta(days=3), expire_after=timedelta(days=7))

# Addresses of the local mail system's users, as the engine's tests write to them.
ALICE, BOB, CAROL = mt.address("alice"), mt.address("bob"), mt.address("carol")


class Clock:
    """The engine's clock, moved by the test: `clock.now += timedelta(days=3)`."""

    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now


# --- the state machine alone ------------------------------------------------------------

_REFERRER = Person("Rita Referrer", "referrer@example.test")
_ALICE = Person("Alice Martin", "alice@example.test")
_BOB = Person("Bob Stone", "bob@example.test")


def started(requester=_ALICE, target=_BOB, context="We worked together at Acme in 2021.", lang="en",
            needs_context=False) -> Started:
    """The event of a new referral, as the engine would make it from a request."""
    request = ReferralRequest(_REFERRER, requester, target, context, "Looking for a CTO", message_id="<req@x>")
    return Started(request, "K7Q3XF", "tok-requester", "tok-target", lang, lang, lang, "<c1@x>", "<c2@x>",
                   referrer_token="tok-referrer", needs_context=needs_context)


def answer(referral, role, value, note="", at=T0):
    return decide(referral, Answered(role, value, note, "<reply@x>"), at, POLICY)


# --- the engine and its outbox ----------------------------------------------------------


def outbox(engine):
    """Everything queued so far, parsed, and then marked sent so the next call sees only new mail."""
    items = engine.store.outbox_ready(T0 + timedelta(days=365))
    with engine.store.transaction():
        for item in items:
            engine.store.mark_sent(item.id, T0)
    return [(item.recipients, email.message_from_bytes(item.raw, policy=email.policy.default)) for item in items]


def request(**kwargs):
    """A referrer's Gmail forward asking to introduce Alice to Bob, with a note that says why."""
    return mt.gmail_forward("Please introduce Alice to Bob Stone <bob@example.test>: we built Acme's "
                            "payments platform together.", author=ALICE, author_name="Alice Martin",
                            subject="Intro?", body="Could you introduce me to a payments lead?", **kwargs)


def start(engine):
    """Send `request()`: (ref, the consent request to Alice, the one to Bob)."""
    fate = engine.handle(bytes(request()))
    assert fate.folder == PROCESSED
    sent = outbox(engine)
    to_alice = next(m for r, m in sent if r == (ALICE,))
    to_bob = next(m for r, m in sent if r == (BOB,))
    return fate.ref, to_alice, to_bob


# --- configuration files ----------------------------------------------------------------

SECRET = "hunter2-very-secret"


def minimal() -> dict:
    """The smallest valid config, as the dict YAML would produce."""
    return {
        "broker": {"address": "intro@example.test"},
        "imap": {"host": "imap.example.test", "username": "intro@example.test", "password": SECRET},
        "smtp": {"host": "smtp.example.test"},
        "referrers": ["referrer@example.test"],
    }


def write(tmp_path: Path, data: dict | str) -> Path:
    path = tmp_path / "mailbroker.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def load(tmp_path: Path, data: dict | str) -> Config:
    return load_config(write(tmp_path, data))


# --- Authentication-Results ---------------------------------------------------------------

MX = "mx.example.net"
FROM = "Rita Referrer <rita@example.org>"


def message(*headers: str, sender: str | None = FROM, extra: str = "") -> object:
    """A message whose header section starts with `headers` (topmost first), as
    "Name: value" strings, then the author's own headers."""
    lines = list(headers)
    if sender is not None:
        lines.append(f"From: {sender}")
    lines += ["To: intro@example.test", "Subject: Fwd: intro", "Message-ID: <m@example.org>"]
    return mailtext.parse(("\r\n".join(lines) + "\r\n" + extra + "\r\nHello\r\n").encode("utf-8", "surrogateescape"))


def check(msg, ids=(MX,)) -> tuple[bool, str]:
    return referrer_authenticated(msg, ids)
