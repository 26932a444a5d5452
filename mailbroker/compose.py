"""Outgoing (what to say) -> EmailMessage (bytes on the wire), through Jinja2 templates.

Each template is `templates/<lang>/<name>.txt`: a first line `Subject: …`, a blank line,
then the body; the HTML alternative is made from that text (see wording.py). Everything the broker sends is marked `Auto-Submitted: auto-generated`
(RFC 3834) so that well-behaved responders do not answer it, and carries the referral's
reference so a human can find it again.
"""

from __future__ import annotations

import email
import functools
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.generator import BytesGenerator
from email.header import decode_header, make_header
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime
from io import BytesIO

from .model import Outgoing, Person
from .wording import LANGUAGES, Wording

BUILT_IN = Wording()


@dataclass(frozen=True)
class Identity:
    """Who the broker is on the wire."""

    address: str
    name: str

    @property
    def local_part(self) -> str:
        return self.address.rsplit("@", 1)[0]

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]

    def reply_address(self, token: str) -> str:
        return f"{self.local_part}+{token}@{self.domain}" if token else self.address


def new_message_id(identity: Identity) -> str:
    """A fresh Message-ID. From the secrets module, not `email.utils.make_msgid`: that one
    draws on the global `random` state, which anything in the process may seed (two
    messages then share an id), and it shows the host name and process id."""
    return f"<{secrets.token_hex(16)}@{identity.domain}>"


# How a party is named to the other when the referrer gave no name: never by address.
_UNNAMED = {
    "en": "a contact of {referrer}",
    "fr": "une relation de {referrer}",
}


def render(template: str, lang: str, facts: dict, identity: Identity,
           wording: Wording = BUILT_IN) -> tuple[str, str]:
    """Render one template to (subject, plain-text body)."""
    lang = lang if lang in LANGUAGES else "en"
    facts = {**_clean(facts), "broker_name": identity.name, "broker_address": identity.address}
    if "other" in facts and not facts["other"]:
        facts["other"] = _UNNAMED[lang].format(referrer=facts.get("referrer", ""))
    return wording.text(template, lang, facts)


class _FoldedOnce(BaseHeader):
    """The base of the broker's header classes: a header remembers how it was folded.
    Folding (writing a header out, wrapped at 78 characters) is half the cost of writing
    a message, and the headers every message carries (MIME-Version, Content-Type,
    Auto-Submitted, the broker's From…) are the same objects from one message to the
    next (`_RememberingHeaders`). A header is immutable, and its folded form depends on
    nothing of the policy but the line length, the line end and utf8 (the only policy
    attributes email._header_value_parser reads), so each is folded once per policy."""

    def fold(self, *, policy):
        key = (type(policy), policy.max_line_length, policy.linesep, policy.utf8)
        folds = self.__dict__.setdefault("_folds", {})
        if key not in folds:
            folds[key] = super().fold(policy=policy)
        return folds[key]


class _RememberingHeaders(HeaderRegistry):
    """policy.default's header registry, remembering the headers it parsed. The email
    package parses a header again each time it is read (the parser and the generator
    read Content-Type a dozen times a message), and composing a message, writing it
    out and reading it back (`_checked`) is most of the cost of handling a referral.
    Header objects are immutable, so sharing one for the same name and value changes
    nothing. Only the broker's own messages use it, and long values are not kept, so
    the memory it takes stays small. Address headers given as Address objects (From,
    To, Reply-To) are remembered by the addresses' parts: an address header made from
    objects depends on nothing else."""

    _KEPT_ADDRESSES = 256

    def __init__(self):
        super().__init__(base_class=_FoldedOnce)
        self._by_addresses: dict[tuple, BaseHeader] = {}

    def __call__(self, name: str, value):
        if isinstance(value, str):
            if len(value) > 1000:  # not kept
                return super().__call__(name, value)
            return self._remembered(name, value)
        key = _address_key(value)
        if key is None:  # groups, anything else: not kept
            return super().__call__(name, value)
        header = self._by_addresses.get((name, key))
        if header is None:
            header = super().__call__(name, value)
            if len(self._by_addresses) >= self._KEPT_ADDRESSES:
                self._by_addresses.clear()
            self._by_addresses[(name, key)] = header
        return header

    @functools.lru_cache(maxsize=256)  # noqa: B019 - one registry for the life of the process
    def _remembered(self, name: str, value: str):
        return super().__call__(name, value)

    @functools.lru_cache(maxsize=64)  # noqa: B019 - the stock registry makes a new class at each call
    def __getitem__(self, name: str):
        return super().__getitem__(name)


def _address_key(value) -> tuple | None:
    """What an address header made from Address objects depends on: each address's
    display name, user name and domain (Address objects are immutable and compare by
    these); None for anything else."""
    addresses = (value,) if isinstance(value, Address) else value
    if not isinstance(addresses, (list, tuple)) or not all(type(a) is Address for a in addresses):
        return None
    return tuple((a.display_name, a.username, a.domain) for a in addresses)


@functools.lru_cache(maxsize=256)
def _address_object(name: str, addr_spec: str) -> Address:
    """Address(name, addr_spec=…), remembered: Address parses (checks) its addr_spec,
    and the broker writes the same few addresses again and again (its own From, the
    referrer). Address objects are immutable; an error is raised each time."""
    return Address(name, addr_spec=addr_spec)


class _Writer(BytesGenerator):
    """BytesGenerator, choosing a multipart boundary exactly as the email package does
    (the same random draw, the same rule: no line of the parts is `--boundary` or
    `--boundary--`) without compiling a regular expression for each message's new
    boundary: that costs more than folding all its headers. The expression can only
    match where the boundary appears, so it is compiled only then."""

    @classmethod
    def _make_boundary(cls, text=None):
        boundary = super()._make_boundary()  # the email package's random boundary
        if text is None:
            return boundary
        chosen, counter = boundary, 0
        while cls._is_a_line(chosen, text):
            chosen = boundary + "." + str(counter)
            counter += 1
        return chosen

    @classmethod
    def _is_a_line(cls, boundary: str, text) -> bool:
        needle = "--" + boundary
        if (needle.encode("ascii") if isinstance(text, bytes) else needle) not in text:
            return False
        return cls._compile_re("^--" + re.escape(boundary) + "(--)?$", re.MULTILINE).search(text) is not None


#: policy.default, with the remembering registry: for composing and reading back.
_POLICY = policy.default.clone(header_factory=_RememberingHeaders())
#: policy.SMTP (policy.default with CRLF line ends), with the same registry: for writing.
#: The generator parses the Content-Type it gives a boundary with this policy's
#: registry, and reading the message back then finds that header already parsed.
_SMTP = _POLICY.clone(linesep="\r\n")


def _as_bytes(msg: EmailMessage) -> bytes:
    """msg.as_bytes(policy=SMTP), through `_Writer` and `_SMTP`: the same bytes."""
    out = BytesIO()
    _Writer(out, mangle_from_=False, policy=_SMTP).flatten(msg, unixfrom=False)
    return out.getvalue()


def compose(out: Outgoing, identity: Identity, now: datetime, wording: Wording = BUILT_IN, *,
            html: bool = True) -> EmailMessage:
    """The message to send, checked: see `_checked`. Everything someone else wrote
    (names, subjects) goes through `_header_text` before it reaches a header. With
    `html`, the plain text has an HTML alternative made from it (`Wording.html`)."""
    return composed(out, identity, now, wording, html=html)[0]


def composed(out: Outgoing, identity: Identity, now: datetime, wording: Wording = BUILT_IN, *,
             html: bool = True) -> tuple[EmailMessage, bytes]:
    """`compose`, with the message's bytes (policy SMTP) exactly as they were checked:
    writing a message out is a good part of the cost of composing it, once is enough."""
    msg = _compose(out, identity, now, wording, html=html, careful=False)
    raw = _checked(msg, out, html)
    if raw is not None:
        return msg, raw
    # A name or subject the email package wrote in an unexpected way: send the message
    # without any name or subject someone else wrote.
    msg = _compose(out, identity, now, wording, html=html, careful=True)
    raw = _checked(msg, out, html)
    if raw is not None:
        return msg, raw
    raise ValueError(f"could not compose {out.template} for {out.ref or 'no referral'} safely")


def _compose(out: Outgoing, identity: Identity, now: datetime, wording: Wording, *, html: bool,
             careful: bool) -> EmailMessage:
    facts = out.facts
    if careful:
        facts = {key: ("" if key in _NAME_FACTS else value) for key, value in facts.items()}
    subject, body = render(out.template, out.lang, facts, identity, wording)
    msg = EmailMessage(policy=_POLICY)
    # Always the broker's own address (never a forged From:), but it may write on behalf of someone.
    from_name = "" if careful else _header_text(out.from_name, _MAX_NAME)
    name = f"{from_name} (via {identity.name})" if from_name else identity.name
    msg["From"] = _address_object(_header_text(name), identity.address)
    msg["To"] = [_address(p, careful) for p in out.to]
    if out.cc:
        msg["Cc"] = [_address(p, careful) for p in out.cc]
    if out.reply_to:
        msg["Reply-To"] = [_address(p, careful) for p in out.reply_to]
    elif out.reply_token:
        msg["Reply-To"] = _address_object(_header_text(identity.name), identity.reply_address(out.reply_token))
    msg["Subject"] = _header_text(subject, _MAX_SUBJECT)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = _message_id(out.message_id) or new_message_id(identity)
    in_reply_to = _message_id(out.in_reply_to)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg["Auto-Submitted"] = "auto-generated"
    if out.unsubscribe and out.reply_token:
        # RFC 2369: clients show an "unsubscribe" button; its mail says "stop" with the token.
        msg["List-Unsubscribe"] = f"<mailto:{identity.reply_address(out.reply_token)}?subject=stop>"
    # Ask Exchange not to send out-of-office and other automatic answers to us.
    msg["X-Auto-Response-Suppress"] = "All"
    if out.ref:
        msg["X-Mailbroker-Ref"] = _header_text(out.ref, 40)
    msg.set_content(body)
    if html:
        msg.add_alternative(wording.html(body, subject=subject, lang=out.lang), subtype="html")
    return msg


# The facts that are people's names: left out of a message that could not be composed
# safely with them.
_NAME_FACTS = frozenset({"name", "other", "referrer", "requester", "target", "requester_full", "target_full",
                         "party", "decliner", "subject"})
# The headers the broker writes, and nothing else.
HEADERS = frozenset(h.lower() for h in (
    "From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
    "Auto-Submitted", "List-Unsubscribe", "X-Auto-Response-Suppress", "X-Mailbroker-Ref",
    "Content-Type", "Content-Transfer-Encoding", "MIME-Version",
))
_MAX_NAME = 100  # characters of a display name someone else wrote
_MAX_SUBJECT = 200  # characters of a subject


def _address(person: Person, careful: bool = False) -> Address:
    name = "" if careful else _header_text(person.name, _MAX_NAME)
    local, _, domain = person.address.strip().rpartition("@")
    if not local or not local.isascii():
        # The broker writes without SMTPUTF8: intake refuses such addresses, and
        # mailtext.sender takes no such author, so this is a bug, said plainly.
        raise ValueError(f"cannot write to {person.address!r} without SMTPUTF8")
    return _address_object(name, f"{local}@{_ascii_domain(domain)}")


def _ascii_domain(domain: str) -> str:
    if domain.isascii():
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise ValueError(f"cannot write the domain {domain!r}") from error


_MESSAGE_ID = re.compile(r"<[!-;=?-~]{1,250}>")  # printable ASCII but < and >, no space


def _message_id(value: str) -> str:
    """A Message-ID as `<id>`, or "" when `value` holds none: the ID of someone
    else's message is echoed in In-Reply-To and References, so it must be one."""
    match = _MESSAGE_ID.search(value or "")
    return match.group() if match else ""


# Characters that never belong in a header: control characters (C0, DEL, C1), the
# line and paragraph separators, the invisible ones and the bidirectional controls
# that make a name or subject show differently from what it is ("\u202e" reverses the
# text after it).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
# What the bodies keep of them: line ends and tabs, and the invisible characters that
# some scripts and emoji need (joiners, marks); never the bidirectional overrides.
_BODY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# An RFC 2047 encoded word ("=?utf-8?b?…?="). The email package decodes one found in a
# value it is given, so a name written "=?utf-8?b?QWxpY2UNCkJjYzo…?=" would become a
# line break and a Bcc header: such words are decoded here, then what is left is
# broken up so that it reads as text.
_ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[bBqQ]\?[^?\s]*\?=")
_ENCODED_START = re.compile(r"=\?(?=[^?\s]*\?[bBqQ]\?)")


def _header_text(text: str, limit: int = 0) -> str:
    """Text someone else wrote, fit for a header: encoded words decoded, no control
    character, line break or invisible character, spaces collapsed, at most `limit`
    characters. A name or subject must not be able to inject a header."""
    text = str(text)
    for _ in range(3):  # an encoded word may hide another one
        if not _ENCODED_WORD.search(text):
            break
        text = _decoded_words(text)
    text = " ".join(_CONTROL.sub(" ", text).split())
    text = _ENCODED_START.sub("= ?", text)
    if limit and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _decoded_words(text: str) -> str:
    try:
        return str(make_header(decode_header(text)))
    except Exception:  # noqa: BLE001 - a broken encoded word stays as written, broken up below
        return text


def _clean(facts: dict) -> dict:
    """Text someone else wrote, fit for a body: line ends as LF, no control character
    but tabs and line ends, no bidirectional override."""
    def clean(value):
        if isinstance(value, str):
            value = value.replace("\r\n", "\n").replace("\r", "\n")
            return _BODY_CONTROL.sub("", value)
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        if isinstance(value, dict):
            return {key: clean(v) for key, v in value.items()}
        return value
    return {key: clean(value) for key, value in facts.items()}


def _checked(msg: EmailMessage, out: Outgoing, html: bool) -> bytes | None:
    """The message's bytes if, written to bytes and read back, it is exactly what the
    broker means to send: one From, To and Subject, only the headers it writes, no line
    break inside a value, the parts it writes, and the recipients it was given, no
    other; else None."""
    try:
        raw = _as_bytes(msg)
        back = email.message_from_bytes(raw, policy=_POLICY)
        names = [name.lower() for name in back.keys()]
        if any(names.count(one) != 1 for one in ("from", "to", "subject", "date", "message-id")):
            return None
        if not set(names) <= HEADERS or len(names) != len(set(names)):
            return None
        head = raw.split(b"\r\n\r\n", 1)[0]
        if b"\n" in head.replace(b"\r\n", b"") or b"\r" in head.replace(b"\r\n", b""):
            return None
        for value in back.values():
            if any(ch in str(value) for ch in "\r\n\x00"):
                return None
        if _parts(back) != (["text/plain", "text/html"] if html else ["text/plain"]):
            return None
        if (_addresses(back, "To") == [_ascii_address(p.address) for p in out.to]
                and _addresses(back, "Cc") == [_ascii_address(p.address) for p in out.cc]):
            return raw
        return None
    except Exception:  # noqa: BLE001 - a message that cannot be written or read back is not sent
        return None


def _parts(msg: EmailMessage) -> list[str]:
    """The content types of a message: one text/plain part, or multipart/alternative
    with text/plain then text/html and nothing else."""
    if not msg.is_multipart():
        return [msg.get_content_type()]
    if msg.get_content_type() != "multipart/alternative":
        return [msg.get_content_type()]
    return [part.get_content_type() if not part.is_multipart() else "multipart" for part in msg.iter_parts()]


def _addresses(msg: EmailMessage, name: str) -> list[str]:
    header = msg[name]
    if header is None:
        return []
    return [a.addr_spec.lower() for a in header.addresses]


def _ascii_address(address: str) -> str:
    local, _, domain = address.strip().rpartition("@")
    return f"{local}@{_ascii_domain(domain)}".lower()
