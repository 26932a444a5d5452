"""What the broker sends, checked: the helpers of the tests that throw hostile mail at
it (test_injection, test_fuzz) and of those that check its HTML (test_wording).

`make_engine` builds an engine on a real store with the limits lifted; `read_everything`
puts one message through every reader; `assert_safe_outbox` reads back every message the
broker queued and checks that nothing of what it read reached a header."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import re
from datetime import timedelta
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

from mailbroker import automatic, bounces, intake, mailtext, replies
from mailbroker import testing as mt
from mailbroker.authentication import referrer_authenticated
from mailbroker.compose import HEADERS, Identity
from mailbroker.engine import PROCESSED, QUARANTINE, Engine
from mailbroker.store import Store

from .support import POLICY, T0

BROKER = mt.BROKER
IDENTITY = Identity(BROKER, "Introductions")
ALICE, BOB = mt.address("alice"), mt.address("bob")
EVIL = "evil@example.test"




def make_engine(directory: Path, **options) -> Engine:
    """An engine on a real store; the limits against misuse lifted: these tests start
    many referrals between the same people on the same day. `options` go to Engine
    (trusted_servers=…)."""
    store = Store.open(Path(directory) / "state.sqlite3")
    return Engine(store, IDENTITY, _unlimited(POLICY), lambda address: address == mt.REFERRER, lambda: T0,
                  **{"unauthenticated_requests": "accept", **options})


def _unlimited(policy):
    limits = getattr(policy, "limits", None)
    if limits is None or not dataclasses.is_dataclass(limits):
        return policy
    lifted = {f.name: 10**9 for f in dataclasses.fields(limits) if isinstance(getattr(limits, f.name), int)}
    return dataclasses.replace(policy, limits=dataclasses.replace(limits, **lifted))


def start_referral(engine: Engine) -> dict[str, EmailMessage]:
    """A referral between Alice and Bob, consent requested: the messages sent, by recipient."""
    note = "Please introduce Alice to Bob Stone <bob@example.test>: we built Acme's payments platform together."
    msg = mt.gmail_forward(note, author=ALICE, author_name="Alice Martin", subject="Intro?",
                           body="Could you introduce me to a payments lead?")
    fate = engine.handle(bytes(msg))
    assert fate.folder == PROCESSED and fate.ref, fate
    return {str(m["To"].addresses[0].addr_spec): m for m in assert_safe_outbox(engine)}


def read_everything(raw: bytes) -> None:
    """Every reader on the message: none may raise."""
    msg = mailtext.parse(raw)
    mailtext.body_text(msg)
    mailtext.sender(msg)
    mailtext.thread_ids(msg)
    for name in ("From", "To", "Subject", "Message-ID", "Date"):
        mailtext.header_values(msg, name)
        mailtext.header_text(msg, name)
        mailtext.header_addresses(msg, name)
    intake.read_request(msg, BROKER)
    replies.read_reply(msg)
    replies.reply_tokens(msg, BROKER)
    automatic.automatic_reason(msg)
    automatic.is_bounce(msg)
    bounces.read_bounce(msg)
    referrer_authenticated(msg, ("mx.example.test",))


def handle(engine: Engine, raw: bytes):
    fate = engine.handle(raw)
    assert fate.folder in (PROCESSED, QUARANTINE), fate
    assert fate.reason
    return fate


def assert_safe_outbox(engine: Engine) -> list[EmailMessage]:
    """Every message queued since the last call, read back and checked, then marked sent:

    exactly one From, To, Subject, Date and Message-ID; no header the broker does not
    write (no Bcc); no line break or control character inside a header value, even once
    its encoded words are decoded; From is the broker; the envelope recipients are the
    To and Cc addresses; one text/plain part, and no bidirectional override in it."""
    items = engine.store.outbox_ready(T0 + timedelta(days=3650))
    sent = []
    for item in items:
        raw = item.raw
        head = raw.split(b"\r\n\r\n", 1)[0]
        for line in head.split(b"\r\n"):
            assert b"\n" not in line and b"\r" not in line and b"\x00" not in line, line
            assert line[:1] in (b" ", b"\t") or b":" in line, line  # a field or its folded continuation
            assert line.isascii(), line
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        names = [name.lower() for name in msg.keys()]
        for one in ("from", "to", "subject", "date", "message-id"):
            assert names.count(one) == 1, (one, names)
        assert set(names) <= HEADERS, set(names) - HEADERS
        assert len(names) == len(set(names)), names
        for name, value in msg.items():
            text = str(value)
            assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in text), (name, text)
            assert not any(c in text for c in "\u2028\u2029\u202a\u202b\u202c\u202d\u202e"), (name, text)
        assert [a.addr_spec for a in msg["From"].addresses] == [BROKER]
        recipients = [a.addr_spec.lower() for h in ("To", "Cc") if msg[h] for a in msg[h].addresses]
        assert recipients == [r.lower() for r in item.recipients]
        assert msg.get_content_type() == "multipart/alternative"
        plain, html = msg.iter_parts()
        assert plain.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
        body = plain.get_content()
        assert not any(c in body for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\x00")
        assert_markup_is_the_brokers(html.get_content(), body)
        sent.append(msg)
        with engine.store.transaction():
            engine.store.mark_sent(item.id, T0)
    return sent


class _Markup(HTMLParser):
    """Collects the tags, attributes and text of an HTML document."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.text = [], set(), []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.update(name for name, _ in attrs)

    def handle_data(self, data):
        self.text.append(data)


# The markup of the broker's layout (templates/layout.html), and nothing else: no link,
# no image, no script, no event handler, whatever the text it was made from says.
LAYOUT_TAGS = {"html", "head", "meta", "title", "body", "div", "p", "br", "blockquote", "ul", "li"}
LAYOUT_ATTRIBUTES = {"lang", "charset", "name", "content", "style"}


def assert_markup_is_the_brokers(html: str, plain: str) -> None:
    """The HTML alternative holds the broker's markup only, and says what the text says."""
    markup = _Markup()
    markup.feed(html)
    assert set(markup.tags) <= LAYOUT_TAGS, set(markup.tags) - LAYOUT_TAGS
    assert markup.attributes <= LAYOUT_ATTRIBUTES, markup.attributes - LAYOUT_ATTRIBUTES
    words = lambda text: re.sub(r"[\s>\-]+", " ", text).split()  # noqa: E731 - quoting and list marks aside
    shown = "".join(markup.text)
    assert words(shown)[-len(words(plain)):] == words(plain) or words(plain) == [], (shown[:500], plain[:500])


