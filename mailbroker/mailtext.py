"""From the bytes of a message to the text a person wrote, and the landmarks in it.

Two halves live here, both pure and forgiving:

- reading a message: `parse`, `body_text`, `header_addresses`, `sender`,
  `thread_ids`. Real mail is often malformed; a message the broker cannot read must
  still reach quarantine, so none of these raise on bad input.
- reading its text: the landmarks mail clients leave in a body (the quote marker `>`,
  the separator above a forwarded message, the "From:/Sent:/To:" block, the "On …
  wrote:" attribution, the "-- " signature, the phone footer). Intake uses them to find
  the forwarded message; replies uses them to find what the person just wrote. The
  words of these landmarks come from `lexicon`, in every language it knows.

Anyone can send the broker anything, so reading is bounded: `parse` reads at most the
first 512 KiB, 20,000 lines and 256 MIME parts of a message and 1,000 lines of its
header, and empties parts nested deeper than 16 levels; a header value is read up to
8 KiB; a text part up to 64 Ki characters and 1,000 lines (an HTML part up to 64 Ki
characters once its <head>, styles, scripts and comments are left out); at most 100
addresses are taken from one header or line. See MAX_* below: the words the broker
reads come first in every message it must understand, and with these caps no message
takes more than a few hundred milliseconds to read (tests/unit/test_injection.py).
What the readers return holds no control character but tab and line end, nor any
bidirectional override.
"""

from __future__ import annotations

import email
import itertools
import re
import unicodedata
import weakref
from dataclasses import dataclass
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import unquote

from . import lexicon
from .model import Person, same_address

# --- Parsing --------------------------------------------------------------------------------

# What the readers look at, at most. Mail from anyone reaches the broker, so reading one
# message must cost little whatever it holds: these caps keep the worst message under a
# few hundred milliseconds (tests/unit/test_injection.py measures it). Each is far above
# what a person's message needs: the words the broker reads (a referrer's note, the
# forwarded header, a party's answer, a server's notice) come first.
MAX_MESSAGE_BYTES = 512 * 1024  # of the raw message; attachments further down are not read
MAX_LINES = 20_000  # of the raw message (short lines cost the parser more than bytes)
MAX_HEADER_LINES = 1_000  # of the top header section, folded lines included
MAX_PARTS = 256  # MIME parts: lines that open one ("--boundary", "Content-Type:")
MAX_DEPTH = 16  # levels of nested parts (multipart, message/rfc822) the readers enter
MAX_HEADER_CHARS = 8 * 1024  # of one header value
MAX_TEXT_CHARS = 64 * 1024  # of the text of one part, decoded
MAX_TEXT_LINES = 1_000  # of the text of one part
MAX_HTML_CHARS = 64 * 1024  # of an HTML part (its hidden parts left out) turned into text


def parse(raw: bytes) -> EmailMessage:
    """Parse raw bytes into a message, whatever they contain.

    The modern policy gives decoded headers and `get_content`; when it chokes, the
    compat32 parser (which accepts nearly anything) is tried, and as a last resort the
    bytes become the plain-text body of an empty message, so there is always something
    to read, log and quarantine. Only the head of a huge message is read (see the caps
    above: `bounded`), and parts nested deeper than MAX_DEPTH are emptied (`_prune`).
    Line ends become LF, as every reader expects.
    """
    if not isinstance(raw, (bytes, bytearray)):
        raw = str(raw).encode("utf-8", "surrogateescape")
    raw = bounded(bytes(raw))
    for pol in (policy.default, policy.compat32):
        try:
            msg = email.message_from_bytes(raw, _class=EmailMessage, policy=pol)
            _prune(msg)
            _TEXTS[msg] = None
            return msg
        except Exception:  # noqa: BLE001 - any parser failure (RecursionError too): try the next, laxer one
            continue
    msg = EmailMessage()
    msg.set_content(raw[:MAX_TEXT_CHARS].decode("latin-1"))
    return msg


_PART_MARK = re.compile(rb"(?im)^(?:--|content-type[ \t]*:)")
_HEADER_END = re.compile(rb"\n\n")


def bounded(raw: bytes) -> bytes:
    """The head of a message that the readers look at: LF line ends, at most
    MAX_HEADER_LINES lines of top header section (the lines beyond are dropped, the
    body is kept), then at most MAX_MESSAGE_BYTES, MAX_LINES lines and MAX_PARTS parts."""
    raw = raw.replace(b"\r\n", b"\n")
    cut = _nth(raw, b"\n", MAX_HEADER_LINES)
    if cut >= 0 and not _HEADER_END.search(raw, 0, cut + 2) and not raw.startswith(b"\n"):
        end = _HEADER_END.search(raw, cut)
        raw = raw[: cut + 1] + (raw[end.start() + 1 :] if end else b"")
    raw = raw[:MAX_MESSAGE_BYTES]
    end = _nth(raw, b"\n", MAX_LINES)
    if end >= 0:
        raw = raw[: end + 1]
    for count, mark in enumerate(_PART_MARK.finditer(raw)):
        if count == MAX_PARTS:
            raw = raw[: mark.start()]
            break
    return raw


def _nth(data: bytes, needle: bytes, n: int) -> int:
    """Where the n-th `needle` is in `data`, or -1."""
    at = -1
    for _ in range(n):
        at = data.find(needle, at + 1)
        if at < 0:
            return -1
    return at


def _prune(msg: Message) -> None:
    """Empty the parts nested deeper than MAX_DEPTH: no reader goes further."""
    stack = [(msg, 0)]
    while stack:
        part, depth = stack.pop()
        payload = part.get_payload()
        if not isinstance(payload, list):
            continue
        if depth >= MAX_DEPTH:
            part.set_payload([])
            continue
        stack.extend((sub, depth + 1) for sub in payload if isinstance(sub, Message))


def header_values(msg: Message, name: str) -> list[str]:
    """All values of a header, decoded to text; never raises.

    The default policy parses a header when it is read, and a malformed one (an
    unbalanced quote in an address, a broken encoded word) can raise at that moment.
    Then the raw value is decoded by hand instead. A value longer than
    MAX_HEADER_CHARS is cut there first: the header parsers are slow on long values.
    """
    try:
        items = list(msg.raw_items()) if hasattr(msg, "raw_items") else list(msg.items())
    except Exception:  # noqa: BLE001
        return []
    wanted = name.lower()
    values = []
    for key, value in items:
        if key.lower() != wanted:
            continue
        value = value if isinstance(value, str) else str(value)
        value = value[:MAX_HEADER_CHARS]
        try:
            values.append(str(msg.policy.header_fetch_parse(key, value)))
        except Exception:  # noqa: BLE001 - decode by hand below
            values.append(_decode_raw_header(value))
    return values


def raw_header_values(msg: Message, name: str) -> list[str]:
    """All values of a header decoded by hand from the raw text, comments included."""
    try:
        items = list(msg.raw_items()) if hasattr(msg, "raw_items") else list(msg.items())
    except Exception:  # noqa: BLE001
        return []
    return [_decode_raw_header(str(value)[:MAX_HEADER_CHARS]) for key, value in items if key.lower() == name.lower()]


def header_text(msg: Message, name: str) -> str:
    """The first value of a header as one line of text, or ""."""
    values = header_values(msg, name)
    return re.sub(r"\s+", " ", values[0]).strip() if values else ""


def _decode_raw_header(value: str) -> str:
    # Undeclared 8-bit bytes arrive as surrogates: give them back as UTF-8.
    value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    try:
        return str(make_header(decode_header(value)))
    except Exception:  # noqa: BLE001 - a broken encoded word: keep it as written
        return value


# --- Addresses --------------------------------------------------------------------------------

# An address as people write it: no quote at the edges of the local part (so that
# "'jane@x.test'" gives jane@x.test), a dotted domain. Unicode letters are allowed.
# The lengths are bounded (a local part of at most 80 characters, labels of at most 63,
# at most 20 of them) so that a search costs a bounded amount at each position: with
# `*` a line of 8,000 "{" took 0.6 s, 32,000 took 9 s.
_LOCAL = r"[\w!#$%&*+/=?^`{|}~-](?:[\w.!#$%&'*+/=?^`{|}~-]{0,78}[\w!#$%&*+/=?^`{|}~-])?"
_LABEL = r"[\w](?:[\w-]{0,61}[\w])?"
_DOMAIN = rf"(?:{_LABEL}\.){{1,20}}{_LABEL}"
ADDRESS_RE = re.compile(rf"(?<![\w.+-]){_LOCAL}@{_DOMAIN}")

MAX_ADDRESSES = 100  # addresses read from one header value or one line of text
_ADDRESS_START = re.compile(r"(?<![\w.+-])[\w!#$%&*+/=?^`{|}~-]")
_LOCAL_RUN = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]*")


def find_addresses(text: str, limit: int = MAX_ADDRESSES) -> list[re.Match[str]]:
    """What `ADDRESS_RE.finditer(text)` finds (its first `limit` matches), looked for
    only around each "@": the regex tried at every position of a long run of characters
    allowed in a local part costs 80 steps each, this costs a few per "@". At most
    10 × `limit` "@" are looked at."""
    found: list[re.Match[str]] = []
    end = 0
    at = text.find("@")
    tries = 0
    while at >= 0 and len(found) < limit and tries < 10 * limit:
        tries += 1
        low = max(end, at - 80)
        run = _LOCAL_RUN.match(text[low:at][::-1]).end()
        start = _ADDRESS_START.search(text, at - run, at) if run else None
        match = ADDRESS_RE.match(text, start.start()) if start else None
        if match is not None and match.end() > at:
            found.append(match)
            end = match.end()
            at = text.find("@", end)
        else:
            at = text.find("@", at + 1)
    return found


_SEPARATORS_BETWEEN = re.compile(r"[,;]")
_NAME_JUNK = " \t\r\n\"'<>[](){}«»“”‘’`,;:*"
_TRAILING_NAME = re.compile(r"^\s*+[>\]]*+\s*+\(([^()@<>\n]{1,80})\)")  # possessive: no cost squared on blanks


def normalize_address(address: str) -> str:
    """The address with its domain lowercased: domains are case-insensitive."""
    local, _, domain = address.strip().rpartition("@")
    return f"{local}@{domain.lower()}" if local else address.strip()


def split_address(address: str) -> tuple[str, str]:
    local, _, domain = address.strip().rpartition("@")
    return local, domain


def people_in(text: str) -> list[Person]:
    """The people named in a header value or an address list, in order.

    Tolerant of the ways clients print addresses in a forwarded header:
    `Name <a@x>`, `"Doe, John" <a@x>`, `Doe, John <a@x>` (unquoted comma),
    `a@x (Name)`, `Name [mailto:a@x]`, `Name<mailto:a@x> <a@x<mailto:a@x>>`, bare `a@x`.
    The name of an address is the text between it and the previous address; the same
    address repeated in one entry (the `mailto:` copies) counts once.
    """
    people: list[Person] = []
    prev_end = 0
    for match in find_addresses(text):
        address = normalize_address(match.group())
        between = text[prev_end : match.start()]
        if _in_name(text, match, between):
            continue  # part of the display name of the address that follows
        prev_end = match.end()
        if people and people[-1].same_address(address) and not _SEPARATORS_BETWEEN.search(between):
            continue  # a mailto: copy of the same address
        name = clean_name(between)
        trailing = _TRAILING_NAME.match(text[match.end() :])
        if trailing:  # "a@x (Name)": the comment names the address, not the next one
            name = name or clean_name(trailing.group(1))
            prev_end = match.end() + trailing.end()
        people.append(Person(name=name, address=address))
    return people


_NEXT_BRACKETED = re.compile(r"[^,;<>@\n]{0,200}<\s*(?:mailto:)?\s*")


def _in_name(text: str, match: re.Match[str], between: str) -> bool:
    """Whether an address is written inside a display name: within its quotes
    (`"Alice alice@old.example" <alice@x>`), or before the bracketed address the name
    belongs to, in the same entry (`Bcc: eve@y X <alice@x>`). A name is anyone's to
    write: an address in it must not become a person."""
    if between.count('"') % 2:
        return True
    if text[max(0, match.start() - 1) : match.start()] in ("<", ":"):
        return False
    bracket = _NEXT_BRACKETED.match(text, match.end())
    if bracket is None:
        return False
    following = ADDRESS_RE.match(text, bracket.end())
    return following is not None and not same_address(following.group(), match.group())


def clean_name(text: str) -> str:
    """A display name without the quotes, brackets and separators around it."""
    text = re.sub(r"(?i)mailto:", "", text)
    text = text.strip(_NAME_JUNK)
    text = re.sub(r"^[\s,;>\])]+", "", text)  # the end of the previous entry
    text = re.sub(r"\s+", " ", text).strip(_NAME_JUNK)
    return text


def header_addresses(msg: Message, name: str) -> list[Person]:
    """The people in a header (From, To, Cc, Delivered-To…), encoded words decoded.

    Read from the raw value: the parsed one drops "(Name)" comments, which some
    clients still use for the display name.
    """
    values = raw_header_values(msg, name) or header_values(msg, name)
    return people_in(", ".join(re.sub(r"\s+", " ", value) for value in values))


def sender(msg: Message) -> Person | None:
    """The author of a message: the address of its From header, or None.

    None too when the author is ambiguous (two From headers, or one naming several
    addresses: which one wrote it is anyone's guess, and a forger would add the one the
    broker trusts), and when the broker could not write back to the address (a
    non-ASCII local part needs SMTPUTF8, which the broker does not use).
    """
    people = header_addresses(msg, "From")
    if not people or len({p.address.casefold() for p in people}) > 1:
        return None
    if not split_address(people[0].address)[0].isascii():
        return None
    return people[0]


_MESSAGE_ID_RE = re.compile(r"<[^<>\s]+>")


def thread_ids(msg: Message) -> list[str]:
    """The Message-IDs a message answers (In-Reply-To, then References), as `<id>`."""
    ids: list[str] = []
    for name in ("In-Reply-To", "References"):
        for value in header_values(msg, name):
            for mid in _MESSAGE_ID_RE.findall(value):
                if mid not in ids:
                    ids.append(mid)
    return ids


# --- Body text --------------------------------------------------------------------------------


# The text of each message `parse` returned, once read: every reader asks for it (the
# automatic-mail checks, the bounce reader, intake or replies), and turning a large
# HTML body into text is the costliest step of reading. Parsed messages are not changed
# by the readers; a message built otherwise is read afresh each time.
_TEXTS: weakref.WeakKeyDictionary[Message, str | None] = weakref.WeakKeyDictionary()


def body_text(msg: Message) -> str:
    """The message's own readable text, normalised.

    The first text/plain part that is not an attachment; failing that, the first
    text/html part turned into text. Attached messages (message/rfc822) are not
    entered: they are someone else's text. Line ends become LF, non-breaking and
    zero-width spaces are tidied, so that every landmark can be matched on plain text.
    Only the head of a long text is kept (`clip`).
    """
    try:
        cached = _TEXTS.get(msg)
    except TypeError:  # not weakly referable
        cached = None
    if cached is not None:
        return cached
    text = _body_text(msg)
    if msg in _TEXTS:
        _TEXTS[msg] = text
    return text


def _body_text(msg: Message) -> str:
    plain, html = _text_parts(msg)
    if plain is not None:
        return normalize(clip(plain))
    if html is not None:
        return html_to_text(_decoded(html))
    return ""


def shown_text(msg: Message) -> str | None:
    """The text an HTML mail client shows of a message that has both a plain and an
    HTML version of its body; None when it has only one. The two normally say the
    same; when they do not (a stale plain part, text hidden in the HTML), a reader
    that acts on what the person wrote must notice."""
    plain, html = _text_parts(msg)
    if plain is None or html is None:
        return None
    return html_to_text(_decoded(html))


# The text parts of each message `parse` returned, found in one walk of its parts.
_PARTS: weakref.WeakKeyDictionary[Message, tuple[str | None, Message | None]] = weakref.WeakKeyDictionary()


def _text_parts(msg: Message) -> tuple[str | None, Message | None]:
    """The first text/plain part with any text (decoded), and the first text/html part."""
    known = msg in _TEXTS
    if known and msg in _PARTS:
        return _PARTS[msg]
    plain = html = None
    for part in _own_parts(msg):
        ctype = content_type(part)
        if ctype == "text/plain" and plain is None:
            text = _decoded(part)
            plain = text if text.strip() else None
        elif ctype == "text/html" and html is None:
            html = part
        if plain is not None and html is not None:
            break
    if known:
        _PARTS[msg] = (plain, html)
    return plain, html


def clip(text: str, chars: int = MAX_TEXT_CHARS, lines: int = MAX_TEXT_LINES) -> str:
    """The head of a text: at most `chars` characters and `lines` lines."""
    text = text[:chars]
    at = -1
    for _ in range(lines):
        at = text.find("\n", at + 1)
        if at < 0:
            return text
    return text[:at]


def _own_parts(part: Message, depth: int = 0):
    """Leaf parts of a message's own body, in order, skipping attachments."""
    try:
        payload = part.get_payload()
    except Exception:  # noqa: BLE001
        return
    if part.is_multipart() and isinstance(payload, list):
        if depth >= MAX_DEPTH:
            return
        for sub in payload:
            if isinstance(sub, Message) and not _is_attachment(sub):
                yield from _own_parts(sub, depth + 1)
    elif not content_type(part).startswith("message/"):
        yield part


def _is_attachment(part: Message) -> bool:
    if content_type(part).startswith("message/"):
        return True
    try:
        if part.get_content_disposition() == "attachment":
            return True
        # A text part with a file name is a file, even shown inline.
        return not part.is_multipart() and bool(part.get_filename())
    except Exception:  # noqa: BLE001
        return False


def content_type(part: Message) -> str:
    """The part's content type, or text/plain when its header cannot be read."""
    try:
        return part.get_content_type()
    except Exception:  # noqa: BLE001
        return "text/plain"


def _decoded(part: Message) -> str:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        data = None
    if data is None:
        payload = part.get_payload()
        return payload if isinstance(payload, str) else ""
    try:
        charset = part.get_content_charset()
    except Exception:  # noqa: BLE001
        charset = None
    return decode_bytes(data, charset)


# Labels that browsers read as windows-1252: mail declared "iso-8859-1" often is.
_WINDOWS_1252_ALIASES = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii", "ascii"}


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset, else UTF-8, else windows-1252, else latin-1.

    Mislabelled mail is common ("us-ascii" that is really UTF-8), so a strict decode
    that fails moves on to the next guess; latin-1 never fails and ends the chain.
    """
    candidates = []
    if charset:
        charset = charset.strip().strip('"').lower()
        candidates.append(charset)
    candidates.append("utf-8")
    if not charset or charset in _WINDOWS_1252_ALIASES:
        candidates.append("cp1252")
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError, ValueError):
            continue
    return data.decode("latin-1")


# Spaces that look like nothing and break matching: zero-width, joiners, byte order mark.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# And the bidirectional controls, which make text show other than it reads ("\u202e"
# reverses what follows): never part of a word.
_INVISIBLE.update(dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), None))
# And the control characters but tab and line end (NUL, escape sequences that recolour
# a terminal, C1 codes): no person writes them, and what the readers return is logged
# and quoted to others.
_INVISIBLE.update(dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)], None))
_SPACES = dict.fromkeys(map(ord, "\u00a0\u202f\u2007\u3000"), " ")


def normalize(text: str) -> str:
    """Text with LF line ends, plain spaces, no invisible characters, NFC accents."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_INVISIBLE).translate(_SPACES)
    text = unicodedata.normalize("NFC", text)
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{4,}", "\n\n\n", "\n".join(lines)).strip("\n")


# --- HTML to text -------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    "address article aside blockquote center dd div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header li main nav ol p pre section table tbody "
    "thead tfoot tr ul".split()
)
_HIDDEN_TAGS = frozenset("script style head title template noscript xml".split())
_VOID_TAGS = frozenset("area base br col embed hr img input link meta param source track wbr".split())
# Styles that hide an element from the reader: text a sender hides ("Yes please" in a
# display:none div beside a visible "No thanks") is not what the person saw or wrote.
_HIDING_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|mso-hide\s*:\s*all|opacity\s*:\s*0(?:\.0*)?\s*(?:;|$)"
    r"|font-size\s*:\s*0(?:\.0*)?(?:px|pt|em|rem|%)?\s*(?:;|$)|max-height\s*:\s*0(?:px)?\s*(?:;|$)"
    r"|(?<![-\w])color\s*:\s*(?:#fff(?:fff)?|white|transparent|rgba\([^)]*,\s*0\s*\))\s*(?:;|$)",
    re.I,
)
_BLANKS = re.compile(r"[ \t\r\n\f]+")
_MAX_OPEN_LINKS = 64  # <a> tags open at once that are followed
_MAX_QUOTE_DEPTH = 32  # "> " marks written before a line, at most


class _TextWriter(HTMLParser):
    """Writes the text of an HTML body the way a mail client would show it as text.

    Blocks and `<br>` end lines, `<blockquote>` quotes its lines with "> " (so quoted
    mail looks the same in HTML and plain messages), scripts and styles vanish, and a
    `mailto:` link keeps its address next to its text ("Jane <jane@x>").
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.parts: list[str] = []
        self.depth = 0  # blockquote nesting
        self.line_depth = 0
        self.hidden = 0
        self.concealed: list[str] = []  # the open tags of an element its sender hid (and inside it)
        self.pre = 0
        self.links: list[tuple[str, int] | None] = []

    def handle_starttag(self, tag, attrs):
        if "@" in tag:  # an address written raw in the HTML: "Jane <jane@x> wrote:"
            self.write(f"<{tag}>")
            return
        if tag not in _VOID_TAGS and (self.concealed or _conceals(attrs)):
            self.concealed.append(tag)
        if tag in _HIDDEN_TAGS:
            self.hidden += 1
        elif tag == "br":
            self.end_line(hard=True)
        elif tag == "hr":
            self.end_line()
            self.write("_" * 32)
            self.end_line()
        elif tag == "blockquote":
            self.end_line()
            self.depth += 1
        elif tag in _BLOCK_TAGS:
            self.end_line()
        if tag == "pre":
            self.pre += 1
        elif tag in ("td", "th"):
            self.write(" ")
        elif tag == "a":
            href = (dict(attrs).get("href") or "").strip()
            if len(self.links) >= _MAX_OPEN_LINKS:  # unclosed links by the thousand: hostile
                return
            if href.lower().startswith("mailto:"):
                address = unquote(href[7:].split("?")[0]).strip()
                self.links.append((address, len(self.parts)))
            else:
                self.links.append(None)

    def handle_endtag(self, tag):
        if tag in self.concealed:
            while self.concealed.pop() != tag:
                pass  # tags left open inside the hidden element close with it
        if tag in _HIDDEN_TAGS:
            self.hidden = max(0, self.hidden - 1)
        elif tag == "blockquote":
            self.end_line()
            self.depth = max(0, self.depth - 1)
        elif tag in _BLOCK_TAGS:
            self.end_line()
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        elif tag == "a" and self.links:
            self.close_link(self.links.pop())

    def close_link(self, link):
        if not link:
            return
        address, start = link
        shown = "".join(self.parts[start:]) if start <= len(self.parts) else ""
        if address and address.casefold() not in shown.casefold():
            self.write(f" <{address}>" if shown.strip() else address)

    def handle_data(self, data):
        if self.hidden or self.concealed:
            return
        if self.pre:
            lines = data.split("\n")
            for i, line in enumerate(lines):
                if i:
                    self.end_line(hard=True)
                self.write(line)
        else:
            self.write(_BLANKS.sub(" ", data))

    def write(self, text):
        if not self.parts:
            if not text.strip(" "):
                return  # no spaces at the start of a line
            self.line_depth = self.depth
        self.parts.append(text)

    def end_line(self, hard=False):
        line = "".join(self.parts).strip(" \t")
        if line or hard:
            depth = self.line_depth if line else self.depth
            self.lines.append(("> " * min(depth, _MAX_QUOTE_DEPTH) + line).rstrip())
        self.parts = []
        # An open mailto: link continues on the new line: its text starts afresh.
        if any(self.links):
            self.links = [(link[0], 0) if link else None for link in self.links]

    def text(self) -> str:
        self.end_line()
        return "\n".join(self.lines)


def _conceals(attrs) -> bool:
    """Whether a tag's attributes hide it: `hidden`, `aria-hidden`, or a hiding style."""
    for name, value in attrs:
        if name == "hidden" or (name == "aria-hidden" and (value or "").strip().lower() == "true"):
            return True
        if name == "style" and value and _HIDING_STYLE.search(value):
            return True
    return False


_HIDDEN_START = re.compile(r"<(style|script|head|title|template|noscript)\b|<!--", re.I)
_STRAY_LT = re.compile(r"<(?![A-Za-z/!?])")


def _lean_html(html: str) -> str:
    """The HTML without what is never shown (comments, <head>, <style>, <script>…),
    and with every "<" that opens no tag written "&lt;": html.parser reads such a "<"
    on its own, one call per character. Linear, so that the cap on what is parsed
    (MAX_HTML_CHARS) keeps what a person wrote even below a large <style>."""
    kept, at = [], 0
    lowered = None
    while True:
        match = _HIDDEN_START.search(html, at)
        if match is None:
            kept.append(html[at:])
            break
        kept.append(html[at : match.start()])
        if lowered is None:
            lowered = html.lower()
        closing = "-->" if match.group(1) is None else f"</{match.group(1).lower()}"
        end = lowered.find(closing, match.end())
        if end < 0:
            break
        at = end + len(closing)
        if closing != "-->":
            at = html.find(">", at) + 1 or len(html)
    return _STRAY_LT.sub("&lt;", "".join(kept))


@lru_cache(maxsize=16)
def html_to_text(html: str) -> str:
    """The readable text of an HTML body (see `_TextWriter`), normalised; only its
    first MAX_HTML_CHARS characters are read. Remembered for the last few bodies: the
    same part is read by several readers."""
    writer = _TextWriter()
    try:
        writer.feed(_lean_html(html)[:MAX_HTML_CHARS])
        writer.close()
    except Exception:  # noqa: BLE001 - html.parser is lenient; keep what was read
        pass
    return normalize(clip(writer.text()))


# --- Folding, for matching words whatever their case and accents ------------------------------

_APOSTROPHES = "'’‘`´ʼ"


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in _APOSTROPHES:
        return "'"
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class _FoldTable(dict):
    """`_fold_char` for `str.translate`, filled as characters are met: the text is then
    folded at the speed of a table lookup per character."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Lowercase without accents, one kind of apostrophe: "Transféré" → "transfere"."""
    if text.isascii():
        return text.replace("`", "'").casefold()
    return text.translate(_FOLD_TABLE)


def fold_with_positions(text: str) -> tuple[str, list[int]]:
    """`fold(text)`, and for each folded character the index it came from in `text`."""
    if text.isascii():
        return fold(text), list(range(len(text)))
    out, positions = [], []
    for i, ch in enumerate(text):
        folded = _FOLD_TABLE[ord(ch)]
        out.append(folded)
        positions.extend([i] * len(folded))
    return "".join(out), positions


# --- Text landmarks ------------------------------------------------------------------------------


def _index(attribute: str) -> dict[str, set[str]]:
    """Folded lexicon entries → the codes of the languages that use them."""
    index: dict[str, set[str]] = {}
    for language in lexicon.LANGUAGES:
        for entry in getattr(language, attribute):
            index.setdefault(fold(entry).strip(), set()).add(language.code)
    return index


def _label_index() -> dict[str, str]:
    labels: dict[str, str] = {}
    for language in lexicon.LANGUAGES:
        for field_name, entries in language.header_labels.items():
            for entry in entries:
                labels.setdefault(_fold_label(entry), field_name)
    return labels


def _fold_label(label: str) -> str:
    return re.sub(r"\s+", " ", fold(label)).strip(" *_")


def _label_languages() -> dict[str, set[str]]:
    languages: dict[str, set[str]] = {}
    for language in lexicon.LANGUAGES:
        for entries in language.header_labels.values():
            for entry in entries:
                languages.setdefault(_fold_label(entry), set()).add(language.code)
    return languages


HEADER_LABELS = _label_index()  # folded label → field
LABEL_LANGUAGES = _label_languages()  # folded label → the languages that write it

_SEPARATORS = sorted(
    [(p, "forward", c) for p, c in _index("forward_separators").items()]
    + [(p, "original", c) for p, c in _index("original_separators").items()],
    key=lambda entry: -len(entry[0]),
)
_OPENERS = _index("quote_openers")
_VERBS = sorted(_index("quote_verbs"), key=len, reverse=True)
# Any of them as a whole word: one search instead of one per verb.
_VERB_INSIDE = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(verb) for verb in _VERBS) + r")(?!\w)")
_FOOTERS = tuple(_index("mobile_footers"))
FORWARD_PREFIXES = _index("forward_prefixes")
REPLY_PREFIXES = _index("reply_prefixes")

_QUOTE_RE = re.compile(r"^[ \t]*((?:>[ \t]?)+)")
_DECORATION = " \t-_=*~#•–—"


def unquote_line(line: str) -> tuple[int, str]:
    """A line's quote depth (how many `>`), and its text without the markers."""
    match = _QUOTE_RE.match(line)
    if not match:
        return 0, line
    return match.group(1).count(">"), line[match.end() :]


@dataclass(frozen=True)
class Separator:
    """A line that opens a forwarded ("forward") or original ("original") message."""

    kind: str
    languages: frozenset[str]
    rest: str  # header fields written on the same line (Yahoo), or ""


def separator(text: str) -> Separator | None:
    """The separator on this (unquoted) line, if it is one.

    Only decoration may surround the words: "---------- Forwarded message ---------",
    "Begin forwarded message:", "-----Original Message-----". Yahoo writes the
    forwarded header on the same line, after the dashes; that rest is kept.
    """
    if len(text) > 600:
        return None
    folded, positions = fold_with_positions(text)
    start = len(folded) - len(folded.lstrip(_DECORATION))
    for phrase, kind, codes in _SEPARATORS:
        if not folded.startswith(phrase, start):
            continue
        end = start + len(phrase)
        tail = re.match(rf"[{re.escape(_DECORATION)}]*:?[{re.escape(_DECORATION)}]*", folded[end:])
        decoration = tail.group()
        rest_at = end + tail.end()
        if rest_at >= len(folded) or not folded[rest_at:].strip():
            # Bare words are prose ("Original message" as a sentence); a separator is
            # drawn with dashes or ends with a colon.
            rule = folded[:start] + decoration
            drawn = ":" in decoration or sum(rule.count(c) for c in "-_=*") >= 2
            return Separator(kind, frozenset(codes), "") if drawn else None
        if (decoration.count("-") >= 2 or ":" in decoration) and decoration.strip(" \t"):
            rest = text[positions[rest_at] :]
            if header_field(rest):
                return Separator(kind, frozenset(codes), rest)
            also = separator(rest)  # "Preposlaná správa --- Forwarded Message"
            if also is not None:
                return Separator(kind, frozenset(codes) | also.languages, also.rest)
        return None
    return None


# Possessive (*+): tried on a line of blanks, the plain quantifiers cost its length squared.
_FIELD_RE = re.compile(r"^\s*+[*_]*+([^:：\n]{1,30}?)[*_\s]*+[:：][ \t*_]*(.*)$")


@dataclass(frozen=True)
class Field:
    name: str  # from, to, cc, date, subject, reply_to
    value: str
    label: str  # folded, as written


def header_field(text: str) -> Field | None:
    """The header field on this (unquoted) line: "From: …", "De : …", "*Objet :* …"."""
    match = _FIELD_RE.match(text)
    if not match:
        return None
    label = _fold_label(match.group(1))
    name = HEADER_LABELS.get(label)
    if name is None:
        return None
    return Field(name=name, value=match.group(2).strip(), label=label)


def split_inline_fields(text: str) -> list[str]:
    """Header fields written on one line ("From: a <a@x>To: b@x Subject: Hi"), one each."""
    starts = [m.start() for m in _INLINE_LABEL_RE.finditer(text)]
    if not starts or starts[0] != len(text) - len(text.lstrip()):
        return [text]
    bounds = starts + [len(text)]
    return [text[a:b].strip() for a, b in itertools.pairwise(bounds)]


def _inline_label_re() -> re.Pattern[str]:
    labels = {
        entry
        for language in lexicon.LANGUAGES
        for entries in language.header_labels.values()
        for entry in entries
    }
    alternatives = "|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True))
    # Yahoo glues each label to the previous value ("…GMT+1Subject: …", "…CETAsunto:"),
    # so no word boundary is required; labels are matched with their capitals, and this
    # is only used on the rest of a separator line.
    return re.compile(rf"(?:{alternatives})\s*[:：]")


_INLINE_LABEL_RE = _inline_label_re()


@dataclass(frozen=True)
class HeaderBlock:
    fields: dict[str, str]
    labels: tuple[str, ...]  # folded labels, to tell the client's language
    end: int  # index of the first line after the block


def header_block(texts: list[str], start: int, *, from_first: bool) -> HeaderBlock | None:
    """The forwarded/quoted header block that starts at `texts[start]`, if any.

    `texts` are unquoted lines. A block is consecutive "Label: value" lines, possibly
    with blank lines between them (some clients double-space), with wrapped values
    continued on the next line. With `from_first` the block must open with the author
    ("From:", "De :"), as Outlook's blocks without a separator line do.
    """
    fields: dict[str, str] = {}
    labels: list[str] = []
    i, last = start, None
    while i < len(texts):
        text = texts[i]
        found = header_field(text)
        if found:
            if found.name in fields or (from_first and not fields and found.name != "from"):
                break
            fields[found.name] = found.value
            labels.append(found.label)
            last = found.name
            i += 1
            continue
        if not text.strip():
            gap = i
            while gap < len(texts) and not texts[gap].strip() and gap - i < 3:
                gap += 1
            if fields and gap < len(texts) and header_field(texts[gap]):
                i = gap
                continue
            break
        if last and _continues(texts, i, last):
            fields[last] = f"{fields[last]} {text.strip()}"
            i += 1
            continue
        break
    if "from" not in fields:
        return None
    return HeaderBlock(fields=fields, labels=tuple(labels), end=i)


def _continues(texts: list[str], i: int, last: str) -> bool:
    """Whether line i continues the value of the previous field (a wrapped line)."""
    if texts[i][:1] in (" ", "\t") and last in ("to", "cc"):
        return True
    return i + 1 < len(texts) and header_field(texts[i + 1]) is not None


def attribution(texts: list[str], start: int) -> int:
    """How many lines (1–3) from `start` form an "On … wrote:" attribution, or 0.

    Clients wrap long attributions, so up to three lines are joined. A line counts when
    it ends with a verb of the lexicon and a colon, and carries a date or an address;
    a wrapped one must also start with an opener ("On", "Le") so that the last line of
    a reply is never swallowed. Gmail's dateless-verb form "2016-01-04 19:03 GMT+01:00
    Jane <jane@x>:" is recognised by its leading date and address.
    """
    if start >= len(texts) or not texts[start].strip():
        return 0
    for count in (1, 2, 3):
        chunk = texts[start : start + count]
        if len(chunk) < count or not chunk[-1].strip():
            return 0
        joined = " ".join(piece.strip() for piece in chunk)
        if len(joined) > 400:
            return 0
        if _is_attribution(joined, first=chunk[0] if count > 1 else None):
            return count
    return 0


_LEADING_DATE = re.compile(r"\d{1,4}[-/.]\s?\d{1,2}[-/.]\s?\d{1,4}|\d{1,2}\.?\s+\w+\.?\s+\d{4}")


def _is_attribution(line: str, *, first: str | None) -> bool:
    """Whether `line` is an attribution; `first` is its first line when it was wrapped."""
    folded = fold(line).strip()
    # Zoho draws it: "---- On Tue, 22 Dec 2015 … wrote ----" (no colon).
    drawn = folded.endswith("--")
    folded = folded.strip(_DECORATION)
    if not (folded.endswith((":", "：")) or drawn) or len(folded) > 300:
        return False
    body = folded.rstrip(":：").rstrip()
    first_word = body.split(" ", 1)[0].strip(",")
    opener = first_word in _OPENERS or any(body.startswith(o + " ") for o in _OPENERS if " " in o)
    dated = any(c.isdigit() for c in body)
    addressed = "@" in body
    verb_last = any(_ends_with_word(body, verb) for verb in _VERBS)
    # Many languages put the verb mid-line: "Am 28/10/2021 schrieb Jane <jane@x>:",
    # "Jane <jane@x> kirjoitti 28/10/2021 12.46:".
    verb_inside = verb_last or _VERB_INSIDE.search(body) is not None
    leading_date = bool(_LEADING_DATE.match(body))
    if first is not None:
        # The first line must open an attribution, so that the last line of a reply
        # is never taken for one: an opener, a date, or the author's address.
        starts = opener or leading_date or "@" in first
        if verb_inside:
            return starts and (dated or addressed)
        return leading_date and addressed  # Gmail: "2016-10-24 15:36 GMT+02:00 Jane <\njane@x>:"
    if verb_last or (opener and verb_inside):
        return dated or addressed
    if verb_inside:
        return dated and addressed
    # mutt: "* Jane Doe <jane@x> [2024-05-14 09:12 +0200]:"
    if line.lstrip().startswith("*") and _MUTT_ATTRIBUTION.match(body):
        return True
    return addressed and leading_date


_MUTT_ATTRIBUTION = re.compile(r"^[^\[]*@[^\[]*\[\d{2,4}[-/.]\d{1,2}[-/.]\d{1,4}[^\]]*\]$")


def _ends_with_word(text: str, word: str) -> bool:
    return text.endswith(word) and (len(text) == len(word) or not text[-len(word) - 1].isalnum())


def is_signature_marker(text: str) -> bool:
    """The "-- " line above a signature (also "--", as many clients trim the space)."""
    return text.rstrip("\n") in ("-- ", "--")


_DISCLAIMERS = tuple(_index("disclaimers"))


def is_disclaimer(text: str) -> bool:
    """The first line of a company's legal notice ("This email and any attachments are
    confidential…", "Ce message et toutes les pièces jointes…")."""
    folded = re.sub(r"\s+", " ", fold(text.strip(" \t*_-=")))
    return bool(folded) and any(folded.startswith(opener) for opener in _DISCLAIMERS)


_BANNERS = tuple(_index("external_banners"))


def without_external_banner(lines: list[str]) -> list[str]:
    """`lines` without the warning a mail server put above them ("CAUTION: This email
    originated from outside…"): the banner's paragraph, or a "[EXTERNAL]" tag alone."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return lines
    text = lines[first].strip()
    folded = re.sub(r"\s+", " ", fold(text))
    banner = next((b for b in _BANNERS if folded.startswith(b)), None)
    if banner is None:
        return lines
    if banner.startswith("["):
        return lines[:first] + [text[len(banner):].strip(" :-")] + lines[first + 1 :]
    end = first
    while end < len(lines) and lines[end].strip():
        end += 1
    return lines[end:]


def is_mobile_footer(text: str) -> bool:
    """A phone or webmail footer: "Sent from my iPhone", "Envoyé de mon iPhone"…"""
    stripped = text.strip()
    if not stripped or len(stripped) > 100:
        return False
    folded = fold(stripped)
    return any(folded.startswith(footer) for footer in _FOOTERS)


def _courtesy_sets() -> tuple[set[str], set[str]]:
    greetings, closings = set(), set()
    for language in lexicon.LANGUAGES:
        if language.answers:
            greetings |= {fold(g) for g in language.answers.greetings}
            closings |= {fold(c) for c in language.answers.closings}
    return greetings, closings


_GREETINGS, _CLOSINGS = _courtesy_sets()


def strip_courtesy(lines: list[str], says=None) -> list[str]:
    """Lines without an opening greeting line and a closing ("Thanks,\nJean").

    What a person writes to be quoted (a context, a yes-note) reads better without
    the "Hi," above it and the "Best,\nJane" below it, nor the signature and the
    legal notice under that. `says(line)`, when given, tells a line that must stay
    even where a signature would be (see `without_signature_block`).
    """
    lines = without_signature(list(lines), says)
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines and _is_courtesy(lines[0], _GREETINGS, opening=True):
        lines.pop(0)
    for i in range(len(lines) - 1, max(-1, len(lines) - 4), -1):
        if _is_courtesy(lines[i], _CLOSINGS, opening=False):
            lines = lines[:i]
            break
    while lines and not lines[-1].strip():
        lines.pop()
    lines = _without_name_block(lines, says)
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return lines


def without_signature(lines: list[str], says=None) -> list[str]:
    """Lines up to a closing that signs the message ("Best,\nJane", "Cordialement,\n
    Marie Dupont"): a closing line, after some text, followed by a name or nothing.
    What comes below it (title, phone, legal notice) is the signature. A line that
    `says` something is no name ("Thanks\nNot now")."""
    seen_text = False
    for i, line in enumerate(lines):
        if seen_text and _is_courtesy(line, _CLOSINGS, opening=False):
            following = next((other.strip() for other in lines[i + 1 :] if other.strip()), "")
            if not following or (is_name_line(following) and not (says and says(following))):
                return lines[:i]
        if line.strip():
            seen_text = True
    return lines


def without_signature_block(lines: list[str], says=None) -> list[str]:
    """Lines without the writer's signature: below a closing ("Best,\nRita"), or a last
    block of short name and contact lines (see `_without_name_block`). `says(line)`
    tells a line that says something ("Not now"): a block with one is no signature."""
    kept = without_signature(lines, says)
    while kept and not kept[-1].strip():
        kept = kept[:-1]
    return _without_name_block(kept, says)


def _without_name_block(lines: list[str], says=None) -> list[str]:
    """Lines without a signature written without "-- ": a last paragraph of at most
    six short lines that read like a name, a title, a company ("Sophie Moreau" /
    "Cabinet Moreau"), or contact details (a phone number, a web or mail address),
    not like sentences."""
    blanks = [i for i, line in enumerate(lines) if not line.strip()]
    if not blanks or not any(line.strip() for line in lines[: blanks[-1]]):
        return lines
    tail = [line.strip() for line in lines[blanks[-1] + 1 :]]
    if not 1 <= len(tail) <= 6:
        return lines
    if not all(is_name_line(line) or is_contact_line(line) for line in tail):
        return lines
    # A line that says something ("Not now") makes the block a message, unless the
    # block is a card: a name on top and contact details ("YES! Accelerator" is a company).
    card = len(tail) >= 2 and is_name_line(tail[0]) and any(is_contact_line(line) for line in tail)
    if says and not card and any(says(line) for line in tail):
        return lines
    return lines[: blanks[-1]]


def is_name_line(line: str) -> bool:
    """A short line that reads like a name, a title or a company, not a sentence."""
    line = line.strip()
    if not line or len(line.split()) > 6 or line.endswith((".", "!", "?", ":", ";", ",")):
        return False
    return line[:1].isupper() or line[:1].isdigit() or line[:1] in "+("


_URL_RE = re.compile(r"(?i)\b(?:https?://|www\.)\S+")


def is_contact_line(line: str) -> bool:
    """A signature line of contact details: a phone number, a web or mail address."""
    line = line.strip()
    if not line or len(line) > 80:
        return False
    if sum(c.isdigit() for c in line) >= 7 and len(line) <= 50:
        return True
    return bool(_URL_RE.search(line) or ADDRESS_RE.search(line)) and len(line.split()) <= 8


def _is_courtesy(line: str, phrases: set[str], *, opening: bool) -> bool:
    words = re.sub(r"[^\w' ]+", " ", fold(line)).split()
    if not words or len(words) > 4:
        return False
    text = " ".join(words)
    if text in phrases:
        return True
    # "Hi Jean," / "Bonjour Marie !": a greeting and a name, nothing else.
    return opening and words[0] in phrases and line.rstrip().endswith((",", "!", ":")) and len(words) <= 3


# --- Subjects --------------------------------------------------------------------------------------

_PREFIX_RE = re.compile(r"^\s*+(?:\[[^\]]{0,60}\]\s*+)*+([^\s:：\[\]]{1,12})\s*+(?:\[\d+\]|\(\d+\))?\s*+[:：]\s*")


def subject_prefixes(subject: str) -> list[str]:
    """The folded reply/forward prefixes at the start of a subject, outermost first."""
    found = []
    rest = subject
    while True:
        match = _PREFIX_RE.match(rest)
        if not match:
            return found
        prefix = fold(match.group(1))
        if prefix not in FORWARD_PREFIXES and prefix not in REPLY_PREFIXES:
            return found
        found.append(prefix)
        rest = rest[match.end() :]


def is_forward_subject(subject: str) -> bool:
    prefixes = subject_prefixes(subject)
    return bool(prefixes) and prefixes[0] in FORWARD_PREFIXES


def is_reply_subject(subject: str) -> bool:
    prefixes = subject_prefixes(subject)
    return bool(prefixes) and prefixes[0] in REPLY_PREFIXES and prefixes[0] not in FORWARD_PREFIXES


def strip_forward_prefixes(subject: str) -> str:
    """The subject without its leading forward prefixes ("Fwd: TR: Hi" → "Hi")."""
    rest = subject.strip()
    while True:
        match = _PREFIX_RE.match(rest)
        if not match or fold(match.group(1)) not in FORWARD_PREFIXES:
            return rest
        rest = rest[match.end() :].strip()


def strip_prefixes(subject: str) -> str:
    """The subject without its leading reply and forward prefixes ("Re: TR: stop" → "stop")."""
    rest = subject.strip()
    while True:
        match = _PREFIX_RE.match(rest)
        if not match or (fold(match.group(1)) not in FORWARD_PREFIXES and fold(match.group(1)) not in REPLY_PREFIXES):
            return rest
        rest = rest[match.end() :].strip()
