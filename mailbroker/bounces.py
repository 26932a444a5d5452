"""Bounces: which recipients a delivery failure report names, and whether for good.

A consent request that cannot be delivered comes back as a bounce. The broker must end
the referral when the failure is permanent (the address does not exist) and tell the
referrer which address failed, but keep waiting when delivery is only delayed. So a
bounce is read into one `Failure` per recipient: the address, permanent or not, the
status code and one line a person can read.

Mail servers write bounces in three ways, read here from the most to the least exact:

1. RFC 3464 delivery status notifications (`multipart/report`, `message/delivery-status`):
   per-recipient fields say who failed (`Original-Recipient`, `Final-Recipient`), what
   happened (`Action: failed | delayed | delivered …`) and why (`Status: 5.1.1`,
   `Diagnostic-Code`). Read with the standard library, field by field.
2. The formats of particular servers (Exim's `X-Failed-Recipients`, qmail, Exchange,
   Yahoo…): flufl.bounce knows them, and tells warnings from failures.
3. Anything else: the report's own text, read with general rules: an address next to a
   status code ("550 5.1.1"), a failure phrase ("user unknown", "Adresse introuvable")
   or in an SMTP transcript ("RCPT TO:<…>"), or listed just after an intro such as
   "could not be delivered to"; as a last resort the recipients of the returned
   message. The phrases live in `lexicon.BOUNCE_WORDING`.

Permanence comes from the status class when there is one (5.x.x permanent, 4.x.x
temporary; a DSN that says `Action: delayed` is always temporary), else from the SMTP
reply code (550, 452), else from the wording ("mailbox full" is temporary) or
flufl.bounce's verdict. A report that does not say is taken as permanent: the message
came back, so it was not delivered.

Not every report is a failure: read receipts (MDN), abuse reports (ARF), "delivered" or
"relayed" DSNs and out-of-office replies all give None; but a disposition notification
that says the message was deleted unread (Dovecot's over-quota rejection) is a failure. Nothing here raises: a message
that cannot be read is no bounce, and goes on to the broker's other checks.
"""

from __future__ import annotations

import email
import enum
import json
import logging
import re
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser
from email.policy import compat32
from email.utils import getaddresses
from functools import lru_cache

from . import lexicon
from .automatic import automatic_reason, is_bounce
from .mailtext import (
    ADDRESS_RE,
    clip,
    content_type,
    decode_bytes,
    find_addresses,
    fold,
    header_values,
    html_to_text,
    normalize,
    parse,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    recipient: str  # the failed address, domain lowercased, no angle brackets
    permanent: bool  # 5.x.x / hard failure → True; 4.x.x / delayed / soft → False
    status: str  # "5.1.1" when known, else ""
    diagnostic: str  # one line a person can read, or ""
    # The address the sender wrote to, when the report names it and it differs from
    # `recipient` (a forwarding alias, a list): what the referrer would recognise.
    original_recipient: str = ""


@dataclass(frozen=True)
class Bounce:
    failures: tuple[Failure, ...]
    original_message_id: str  # "<id@host>" of the message that bounced, or ""


def read_bounce(msg: Message) -> Bounce | None:
    """The failures a delivery failure report names, or None if `msg` is not one."""
    try:
        return _read_bounce(msg, depth=0)
    except Exception:  # noqa: BLE001 - a last guard: a bounce we cannot read is no bounce
        log.debug("unreadable bounce", exc_info=True)
        return None


def _read_bounce(msg: Message, depth: int) -> Bounce | None:
    msg = _without_leading_blank(_with_unix_newlines(msg))
    report = _report_type(msg)
    if report == "feedback-report":  # an abuse complaint (ARF)
        return None
    parts = _Parts.of(msg)
    if report == "disposition-notification":  # a read receipt, or a mailbox's rejection
        rejected = _rejection_failures(parts)
        return Bounce(rejected, _original_message_id(parts)) if rejected else None
    automatic = _is_automatic(msg)
    for structured in (_dsn_failures(_status_blocks(parts, automatic), parts), _json_failures(parts, automatic)):
        if structured is not None:  # a readable report is the whole truth, even "all delivered"
            return Bounce(structured, _original_message_id(parts)) if structured else None
    trust = _trust(msg, parts, automatic)
    if trust is _Trust.NONE and not automatic:
        return None
    senders = _senders(msg, parts)
    # flufl.bounce's detectors know formats whose wording the lexicon lacks (Chinese, a
    # site's own notice): an automatic message they recognise is a failure report.
    failures = _library_failures(msg, parts, senders)
    if trust is _Trust.NONE and not failures:
        return None
    trust = _Trust.BOUNCE if trust is _Trust.NONE else trust
    failures = failures or _text_failures(parts, senders, trust)
    if not failures and trust is _Trust.BOUNCE and depth < 2:
        nested = _nested_bounce(parts, depth)
        if nested is not None:
            return nested
    if not failures and trust is _Trust.BOUNCE:
        failures = _returned_recipients(parts, senders)
    if not failures:
        return None
    return Bounce(_with_notice_status(tuple(failures), parts.notice), _original_message_id(parts))


def _with_notice_status(failures: tuple[Failure, ...], notice: str) -> tuple[Failure, ...]:
    """A lone failure without a status takes the notice's, written further down.

    Gmail and Exchange name the address in one paragraph and quote the remote server's
    "550 5.1.1 …" in another. With several failures the codes cannot be told apart.
    """
    if len(failures) != 1 or failures[0].status:
        return failures
    match = _STATUS_RE.search(notice)
    if not match:
        return failures
    failure = failures[0]
    status = ".".join(match.groups())
    line = next((ln for ln in notice.split("\n") if _STATUS_RE.search(ln)), "")
    diagnostic = failure.diagnostic or _one_line(line)
    return (Failure(failure.recipient, status[0] == "5", status, diagnostic),)


def _with_unix_newlines(msg: Message) -> Message:
    """The message written back with LF line ends and parsed again, as mailtext parses.

    Mail saved on Windows or old Macs keeps its CRs inside bodies and folded fields,
    where every rule below would have to expect them.
    """
    if not _has_cr(msg):
        return msg  # `mailtext.parse` already gave LF line ends: writing back would only cost
    try:
        raw = msg.as_bytes(policy=compat32)
    except Exception:  # noqa: BLE001 - a message that cannot be written back is read as it is
        return msg
    return parse(raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n"))


def _has_cr(msg: Message) -> bool:
    """Whether a CR is left anywhere in the message's headers or text payloads."""
    try:
        for part in msg.walk():
            if any("\r" in str(value) for _, value in part.raw_items()):
                return True
            payload = part.get_payload()
            if isinstance(payload, str) and "\r" in payload:
                return True
    except Exception:  # noqa: BLE001 - unsure: write it back
        return True
    return False


def _without_leading_blank(msg: Message) -> Message:
    """A message saved with blank lines before its headers, parsed from its headers.

    The parser takes everything after the first blank line for the body, so such a
    message has no headers at all and its real headers are the start of its "body".
    """
    try:
        if list(msg.keys()) or msg.is_multipart():
            return msg
        body = msg.get_payload()
    except Exception:  # noqa: BLE001
        return msg
    if not isinstance(body, str) or not re.match(r"^\s*\n[A-Za-z][\w-]*:", body):
        return msg
    return parse(body.lstrip().encode("utf-8", "surrogateescape"))


def _report_type(msg: Message) -> str:
    try:
        if msg.getcontent_type() != "multipart/report":
            return ""
        return str(msg.get_param("report-type") or "").strip().lower()
    except Exception:  # noqa: BLE001
        return ""


# --- The parts of a report ------------------------------------------------------------------------


@dataclass
class _Parts:
    """A report split into what the mail server wrote and what it returned.

    `notice`: the server's own text, cut where it quotes the returned message inline;
    `status`: the text of each delivery-status part; `returned`: the returned message
    (attached, or its headers attached) as text; `inline`: the rest of the notice after
    the cut, which is the returned message when the server quotes it inline;
    `attached`: the returned message, parsed; `dispositions`: the text of each
    disposition-notification part (RFC 8098).
    """

    notice: str
    status: list[str]
    returned: list[str]
    inline: str
    attached: list[Message]
    dispositions: list[str]

    @classmethod
    def of(cls, msg: Message) -> _Parts:
        plain: list[str] = []
        html: list[str] = []
        status: list[str] = []
        returned: list[str] = []
        attached: list[Message] = []
        dispositions: list[str] = []
        for part, kind in _walk(msg):
            if kind == "status":
                status.append(_part_text(part))
            elif kind == "disposition":
                dispositions.append(_part_text(part))
            elif kind == "returned":
                returned.append(_part_text(part))
                attached.extend(_attached_message(part))
            elif kind == "text/html":
                html.append(html_to_text(_part_text(part)))
            else:
                plain.append(_part_text(part))
        text = "\n\n".join(plain) if any(t.strip() for t in plain) else "\n\n".join(html)
        text = normalize(clip(text, _MAX_TEXT, _MAX_LINES))
        notice, inline = _cut_returned(_wrapped(text))
        return cls(notice, status, returned, inline, attached, dispositions)

    def returned_headers(self) -> list[Message]:
        """The header blocks of the returned message, attached or quoted inline."""
        return [_parse_headers(text) for text in [*self.returned, self.inline] if text.strip()]


# A notice is read up to here: what a server says about the failure comes first, and
# the rules below are linear but not free. A longer line is wrapped (SMTP allows 998
# characters): every address found is weighed with the lines around it.
_MAX_TEXT = 100_000
_MAX_LINES = 3_000
_MAX_LINE = 1_000
# A report naming more failed recipients than this is cut there.
_MAX_FAILURES = 50
# Addresses of a notice weighed as failed recipients, from the top: each costs a look at
# the lines around it.
_MAX_EXAMINED = 4 * _MAX_FAILURES

_STATUS_TYPES = ("message/delivery-status", "message/global-delivery-status")
_RETURNED_TYPES = (
    "message/rfc822",
    "message/global",
    "message/partial",
    "text/rfc822-headers",
    "message/rfc822-headers",
    "message/global-headers",
)


def _wrapped(text: str) -> str:
    """The text with its lines longer than _MAX_LINE cut into lines of that length (a
    JSON notice on one line is read with its line ends removed)."""
    if all(len(line) <= _MAX_LINE for line in text.split("\n")):
        return text
    lines = []
    for line in text.split("\n"):
        lines.extend(line[i : i + _MAX_LINE] for i in range(0, max(len(line), 1), _MAX_LINE))
    return "\n".join(lines)


def _walk(part: Message, depth: int = 0):
    """(leaf part, kind) in order, without entering the returned message."""
    if depth > 20:
        return
    part = _repaired(part)
    ctype = content_type(part)
    if ctype in _STATUS_TYPES:
        yield part, "status"
        return
    if ctype in ("message/disposition-notification", "message/global-disposition-notification"):
        yield part, "disposition"
        return
    if ctype in _RETURNED_TYPES:
        yield part, "returned"
        return
    try:
        payload = part.get_payload()
    except Exception:  # noqa: BLE001
        return
    if part.is_multipart() and isinstance(payload, list):
        for sub in payload:
            if isinstance(sub, Message):
                yield from _walk(sub, depth + 1)
        return
    if ctype == "text/html":
        yield part, ctype
    elif ctype.startswith("text/") or ctype in ("application/octet-stream", "multipart/report"):
        # Some servers label the notice oddly (text/x-…, octet-stream, a broken multipart).
        yield part, "text/plain"


def _part_text(part: Message) -> str:
    """The decoded text of a part; for a parsed message/* part, its header blocks as text."""
    try:
        payload = part.get_payload()
    except Exception:  # noqa: BLE001
        return ""
    if isinstance(payload, list):
        blocks = [_headers_text(sub) for sub in payload if isinstance(sub, Message)]
        if content_type(part) in _STATUS_TYPES:
            return "\n\n".join(blocks)
        return blocks[0] if blocks else ""  # a returned message: its headers are enough
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        data = None
    if data is None:
        return payload if isinstance(payload, str) else ""
    try:
        charset = part.get_content_charset()
    except Exception:  # noqa: BLE001
        charset = None
    return decode_bytes(data, charset).replace("\r\n", "\n").replace("\r", "\n")


def _attached_message(part: Message) -> list[Message]:
    """The returned message of a message/rfc822 part, parsed, if it is there whole."""
    try:
        payload = part.get_payload()
    except Exception:  # noqa: BLE001
        return []
    if isinstance(payload, list):
        return [sub for sub in payload[:1] if isinstance(sub, Message)]
    return []


def _headers_text(block: Message) -> str:
    """A header block back to text, unparsed (parsing a field can raise)."""
    try:
        items = list(block.raw_items()) if hasattr(block, "raw_items") else list(block.items())
    except Exception:  # noqa: BLE001
        return ""
    return "\n".join(f"{name}: {value}" for name, value in items)


def _repaired(msg: Message) -> Message:
    """A multipart message whose declared boundary is not the one used, re-cut.

    Mail servers and hand-edited samples get the boundary wrong; the parser then sees
    one opaque body and the delivery-status part inside it is lost. The boundary that
    opens parts with headers is found in the body and the message is parsed again.
    """
    try:
        if not msg.get_content_maintype() == "multipart" or isinstance(msg.get_payload(), list):
            return msg
        body = msg.get_payload()
        if not isinstance(body, str):
            return msg
    except Exception:  # noqa: BLE001
        return msg
    found = re.findall(r"^--([^\s]{1,200}?)\s*\n(?=[ \t]*Content-)", body, re.M)
    if not found:
        return msg
    boundary = max(set(found), key=found.count)
    try:
        repaired = email.message_from_string(
            f'Content-Type: {content_type(msg)}; boundary="{boundary}"\n\n{body}', policy=compat32
        )
    except Exception:  # noqa: BLE001
        return msg
    return repaired if isinstance(repaired.get_payload(), list) else msg


def _cut_returned(text: str) -> tuple[str, str]:
    """Split a notice where it quotes the returned message inline, if it does."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if i and (_is_returned_marker(line) or _starts_header_block(lines, i)):
            return "\n".join(lines[:i]), "\n".join(lines[i:])
    return text, ""


def _is_returned_marker(line: str) -> bool:
    """A line that announces the returned message ("--- Below this line is a copy…")."""
    folded = fold(line).strip()
    if not folded or len(folded) > 120:
        return False
    framed = bool(re.match(r"^[-=*_#<>|\s]{3,}", folded)) or bool(re.search(r"[-=*_#|]{3,}\s*$", folded))
    announced = bool(re.search(r"\b(follows?|following|below|attached)\s*[.:]?\s*$", folded))
    return (framed or announced) and any(phrase in folded for phrase in _RETURNED_MARKERS)


# Header names that open the returned message when a server quotes it inline.
_MESSAGE_HEADERS = frozenset(
    "received return-path message-id date from to subject mime-version content-type "
    "reply-to sender x-mailer user-agent delivered-to dkim-signature cc".split()
)


def _starts_header_block(lines: list[str], i: int) -> bool:
    """Whether three header lines of a message start at line i (an inline original)."""
    names: list[str] = []
    for line in lines[i : i + 12]:
        if line[:1] in (" ", "\t") and names:
            continue
        match = re.match(r"^([A-Za-z][\w-]{1,40}):", line)
        if not match:
            break
        names.append(match.group(1).lower())
    known = [n for n in names if n in _MESSAGE_HEADERS]
    return len(known) >= 3 and names[0] in _MESSAGE_HEADERS


def _parse_headers(text: str) -> Message:
    try:
        return HeaderParser(policy=compat32).parsestr(_header_start(text), headersonly=True)
    except Exception:  # noqa: BLE001
        return Message()


def _header_start(text: str) -> str:
    """The text from its first header line on (an inline original starts after a marker)."""
    lines = (text or "").split("\n")
    for i, line in enumerate(lines):
        if re.match(r"^[A-Za-z][\w-]*:", line) and not re.match(r"^\w+://", line):
            return "\n".join(lines[i:])
    return ""


# --- RFC 3464 delivery status -------------------------------------------------------------------


def _status_blocks(parts: _Parts, automatic: bool) -> list[dict[str, str]]:
    """The per-recipient field blocks of every delivery-status part.

    Read from the text, not from the parsed blocks: a base64-encoded or oddly folded
    delivery-status part is not parsed by the email package, but its text still is.
    Some servers write the fields in the notice itself; they are read there when there
    is no delivery-status part.
    """
    in_notice = automatic and _has_dsn_fields(parts.notice)  # not fields a person pasted
    texts = parts.status or ([parts.notice] if in_notice else [])
    return [block for text in texts for block in _field_blocks(text) if _recipient_fields(block)]


_RECIPIENT_FIELDS = ("original-recipient", "final-recipient", "x-actual-recipient")


def _recipient_fields(block: dict[str, str]) -> bool:
    return any(name in block for name in _RECIPIENT_FIELDS)


def _has_dsn_fields(text: str) -> bool:
    return bool(
        re.search(r"^\s*Final-Recipient\s*:", text, re.I | re.M)
        and re.search(r"^\s*(Action|Status)\s*:", text, re.I | re.M)
    )


def _field_blocks(text: str) -> list[dict[str, str]]:
    """Blocks of "Name: value" fields separated by blank lines; continuations unfolded.

    A new Final-Recipient also starts a block: some servers forget the blank line.
    """
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last = ""
    for line in text.replace("\r", "").split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
            current, last = {}, ""
            continue
        if line[:1] in (" ", "\t") and last:
            current[last] += " " + line.strip()
            continue
        match = re.match(r"^\s*([A-Za-z][\w-]*)\s*:\s*(.*)$", line)
        if not match:
            if last:
                current[last] += " " + line.strip()
            continue
        last = match.group(1).lower()
        if last in current and last in _RECIPIENT_FIELDS and _recipient_fields(current):
            blocks.append(current)
            current = {}
        current.setdefault(last, match.group(2).strip())
    if current:
        blocks.append(current)
    return blocks


def _dsn_failures(blocks: list[dict[str, str]], parts: _Parts) -> tuple[Failure, ...] | None:
    """The failures of the DSN blocks: () when all were delivered, None if none is readable."""
    if not blocks:
        return None
    failures: list[Failure] = []
    readable = False
    for block in blocks[: _MAX_FAILURES * 2]:
        action = block.get("action", "").strip().lower()
        status = _status_code(block.get("status", ""))
        success = not status and bool(_SUCCESS_RE.search(block.get("status", "")))
        if action.startswith(_NOT_FAILED_ACTIONS) or (not action and success):
            readable = True
            continue
        recipient, original = _block_recipients(block)
        if not recipient:
            continue
        readable = True
        diagnostic = _clean_diagnostic(block.get("diagnostic-code", "")) or _lines_about(parts.notice, recipient)
        status = _refine_status(status, diagnostic)
        permanent = False if action.startswith("delayed") else _permanence(status, diagnostic, default=True)
        _add(failures, Failure(recipient, permanent, status, diagnostic, original))
    return tuple(failures) if readable else None


# Actions that report no failure ("deliverable": Postfix's answer to an address check).
_NOT_FAILED_ACTIONS = ("delivered", "relayed", "expanded", "deliverable")


def _block_recipients(block: dict[str, str]) -> tuple[str, str]:
    """(failed, original): the address that failed (Final-Recipient, as MTAs and bounce
    tools report it, else whichever field names one) and, when it differs, the address
    the sender wrote to (Original-Recipient)."""
    final = _field_address(block.get("final-recipient", "")) or _field_address(block.get("x-actual-recipient", ""))
    original = _field_address(block.get("original-recipient", ""))
    if not final:
        return original, ""
    return final, original if original and original != final else ""


def _field_address(value: str) -> str:
    """The address in "rfc822; <a@x>" (the type is often missing or odd in practice)."""
    kind, sep, rest = value.partition(";")
    if sep and kind.strip().lower() not in ("rfc822", "utf-8", "x-unknown", "unknown", ""):
        return ""
    rest = (rest if sep else value).strip()
    whole = re.fullmatch(r"<?\s*([^\s<>@]+@[^\s<>@]+?)\s*>?[.,;]?", rest)
    if whole:
        return _normal(whole.group(1))
    found = _addresses_in(rest, limit=1)
    return _normal(found[0].address) if found else ""


# --- JSON notifications ---------------------------------------------------------------------------


def _json_failures(parts: _Parts, automatic: bool) -> tuple[Failure, ...] | None:
    """The failures of a JSON notification (Amazon SES through SNS), the same fields as a DSN.

    None when the notice holds no such notification; () for a delivery or a complaint.
    """
    text = parts.notice if automatic else ""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start or not re.search(r"notificationType|eventType", text):
        return None
    try:
        data = json.loads(text[start : end + 1].replace("\n", ""))
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("Message"), str):  # the SNS envelope
        try:
            data = json.loads(data["Message"])
        except ValueError:
            return None
    if not isinstance(data, dict):
        return None
    kind = str(data.get("notificationType") or data.get("eventType") or "").lower()
    bounce = data.get("bounce")
    if kind != "bounce" or not isinstance(bounce, dict):
        return () if kind else None
    temporary = str(bounce.get("bounceType", "")).lower() == "transient"
    failures: list[Failure] = []
    for entry in bounce.get("bouncedRecipients") or []:
        if not isinstance(entry, dict) or not _is_address(str(entry.get("emailAddress", "")).strip()):
            continue
        diagnostic = _clean_diagnostic(str(entry.get("diagnosticCode", "")))
        status = _refine_status(_status_code(str(entry.get("status", ""))), diagnostic)
        permanent = False if temporary else _permanence(status, diagnostic, default=True)
        _add(failures, Failure(_normal(str(entry["emailAddress"])), permanent, status, diagnostic))
    return tuple(failures)


# --- Rejections sent as disposition notifications --------------------------------------------------


def _rejection_failures(parts: _Parts) -> tuple[Failure, ...]:
    """The recipient of a disposition notification that says the message was not delivered.

    A read receipt says "displayed"; Dovecot and Sieve send the same kind of report
    when a mailbox refuses a message ("deleted": over quota, rejected by a rule).
    """
    failures: list[Failure] = []
    for text in parts.dispositions:
        for block in _field_blocks(text):
            disposition = block.get("disposition", "").lower().rpartition(";")[2]
            if not re.search(r"\b(deleted|denied|failed|failure|rejected)\b", disposition):
                continue
            recipient = _field_address(block.get("final-recipient", "")) or _field_address(
                block.get("original-recipient", "")
            )
            if recipient:
                _add(failures, _failure_in_text(recipient, parts.notice, default=True, anywhere=True))
    return tuple(failures)


# --- Status codes and permanence ------------------------------------------------------------------

# An enhanced status code (RFC 3463), not part of an IP address or a version number.
_STATUS_RE = re.compile(r"(?<![\w.])([45])\.(\d{1,3})\.(\d{1,3})(?![\w]|\.\d)")
_SUCCESS_RE = re.compile(r"(?<![\w.])2\.\d{1,3}\.\d{1,3}(?![\w]|\.\d)")
# An SMTP reply code as a server writes it ("550 ", "550-", "#550", "said: 550").
_REPLY_RE = re.compile(r"(?<![\w./+-])(?<!\d:)([45])[0-5]\d(?=[ ,;-]|$)")


def _status_code(text: str) -> str:
    match = _STATUS_RE.search(text or "")
    return ".".join(match.groups()) if match else ""


def _refine_status(status: str, diagnostic: str) -> str:
    """The status, made precise by the remote server's own code of the same class.

    A reporting server sums up ("4.4.7 expired", "5.0.0") where the remote server's
    last answer, quoted in the diagnostic, says why ("421 4.4.2 Connection timed out").
    """
    codes = [".".join(m.groups()) for m in _STATUS_RE.finditer(diagnostic or "")]
    if not status:
        return codes[0] if codes else ""
    same_class = [code for code in codes if code[0] == status[0]]
    return same_class[-1] if same_class else status


def _reply_class(text: str) -> str:
    """The class of the first SMTP reply code in text ("5" for "550 …"), or ""."""
    match = _REPLY_RE.search(text or "")
    return match.group(1) if match else ""


def _permanence(status: str, text: str, default: bool) -> bool:
    """5 → permanent, 4 → temporary: from the status, else the reply code, else the wording."""
    for cls in (status[:1], _reply_class(text)):
        if cls == "5":
            return True
        if cls == "4":
            return False
    wording = _wording(text)
    return default if wording is None else wording


def _wording(text: str) -> bool | None:
    """True if the text says the failure is permanent, False temporary, None if neither.

    What the server declares ("permanent failure", "will be retried") beats the cause
    it names ("quota exceeded", "user unknown"): Gmail writes "Technical details of
    permanent failure: … quota exceeded".
    """
    for phrases, verdict in _WORDING_ORDER:
        if _says(text, phrases):
            return verdict
    return None


def _clean_diagnostic(value: str) -> str:
    """A Diagnostic-Code as one readable line: "smtp; 550 5.1.1 …" → "550 5.1.1 …"."""
    return _one_line(re.sub(r"^\s*[\w-]+\s*;\s*", "", value or ""))


def _one_line(text: str, limit: int = 400) -> str:
    text = re.sub(r"\s+", " ", text or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- Reports without DSN fields -------------------------------------------------------------------


class _Trust(enum.Enum):
    """How surely a report without DSN fields is a failure report, and so which clues count."""

    NONE = 0  # not a failure report: nothing is read
    PERSON = 1  # a person's message with a failure subject (a forwarded bounce): the surest clues
    AUTOMATIC = 2  # an automatic message that speaks of a failure: all but the weakest clues
    BOUNCE = 3  # from a mail server, about a failure: every clue, the returned message too


def _is_automatic(msg: Message) -> bool:
    return is_bounce(msg) or automatic_reason(msg) is not None


def _trust(msg: Message, parts: _Parts, automatic: bool) -> _Trust:
    """Whether a report without DSN fields is a delivery failure, not an auto-reply.

    A null sender or MAILER-DAEMON says "automatic", not "failure": an out-of-office
    reply has them too. So the subject or the text must also speak of a failure (or a
    bounce must give an SMTP error code), and an automatic reply's subject rules it out.
    A person's message is read only for the surest clues: people write "user unknown".
    """
    subject = " ".join(header_values(msg, "Subject"))
    if header_values(msg, "X-Failed-Recipients"):
        return _Trust.BOUNCE
    failure_subject = _says(subject, _FAILURE_SUBJECTS)
    if not automatic:
        return _Trust.PERSON if failure_subject else _Trust.NONE
    if failure_subject:
        return _Trust.BOUNCE
    if _says(subject, _AUTO_REPLY_SUBJECTS):
        return _Trust.NONE
    notice = parts.notice[:5000]
    if _says(notice, _FAILURE_PHRASES) or _says(notice, _PERMANENT):
        return _Trust.BOUNCE if is_bounce(msg) else _Trust.AUTOMATIC
    if is_bounce(msg) and (_STATUS_RE.search(notice) or _reply_class(notice)):
        return _Trust.BOUNCE
    return _Trust.NONE


@lru_cache(maxsize=4096)  # each address of a line asks about the same paragraph
def _says(text: str, phrases: tuple[str, ...]) -> bool:
    folded = re.sub(r"\s+", " ", fold(text or ""))
    return any(phrase in folded for phrase in phrases)


def _library_failures(msg: Message, parts: _Parts, senders: set[str]) -> list[Failure]:
    """The failures flufl.bounce's detectors find, with the status and diagnostic of the notice.

    Its generic detectors read the whole body, the returned message included, and can
    take a Message-ID or the sender for a recipient: an address is kept only when the
    notice (or an X-Failed-Recipients header) names it, or names its user alone on a
    line, and a sender only when it is all there is.
    """
    temporary, permanent = _flufl(msg)
    named = (parts.notice + "\n" + " ".join(header_values(msg, "X-Failed-Recipients"))).lower()
    found: list[tuple[str, bool]] = []
    for raw, is_permanent in [(a, False) for a in sorted(temporary)] + [(a, True) for a in sorted(permanent)]:
        address = _normal(raw.decode("ascii", "replace"))
        if _is_address(address) and _named(named, address) and not _named_as_id(named, address):
            found.append((address, is_permanent))
    kept = [(a, p) for a, p in found if a.lower() not in senders] or found
    failures: list[Failure] = []
    for address, is_permanent in kept:
        _add(failures, _failure_in_text(address, parts.notice, default=is_permanent))
    return failures


def _named(text: str, address: str) -> bool:
    """Whether the notice names the address, or its user alone ("screenname" at AOL)."""
    if address.lower() in text:
        return True
    local = re.escape(address.rpartition("@")[0].lower())
    return bool(re.search(rf"^[\s<\"']*{local}[\s>\"':]*$", text, re.M))


def _named_as_id(text: str, address: str) -> bool:
    return bool(re.search(rf"(message-?id|\bid)\s*+[:=]?\s*+<?\s*+{re.escape(address.lower())}", text))


def _flufl(msg: Message) -> tuple[frozenset[bytes], frozenset[bytes]]:
    """flufl.bounce's (temporary, permanent) addresses; a detector that raises is skipped.

    `all_failures` stops at the first detector that raises; running them one by one
    (in its own order, stopping at the first that finds something) keeps the others.
    """
    try:
        from flufl.bounce import all_failures
    except ImportError:  # pragma: no cover - a declared dependency; the rules below still work
        return frozenset(), frozenset()
    msg = _trimmed(msg)
    try:
        from flufl.bounce._scan import _DETECTORS as detectors
    except ImportError:  # pragma: no cover - another version: the public API, all or nothing
        try:
            return all_failures(msg)
        except Exception:  # noqa: BLE001
            return frozenset(), frozenset()
    for detector in detectors:
        try:
            temporary, permanent = detector().process(msg)
        except Exception:  # noqa: BLE001 - some detectors choke on malformed mail
            continue
        if temporary or permanent:
            return frozenset(temporary), frozenset(permanent)
    return frozenset(), frozenset()


def _trimmed(msg: Message) -> Message:
    """The message cut to its first 200 kB.

    The detectors read every line of every part, and a large attachment in the
    returned message holds no failure.
    """
    try:
        raw = msg.as_bytes(policy=compat32)
        if len(raw) <= _MAX_TEXT * 2:
            return msg
        return email.message_from_bytes(raw[: _MAX_TEXT * 2], policy=compat32)
    except Exception:  # noqa: BLE001
        return msg


# How surely an address in the notice is a failed recipient, surest first.
_CLUES = ("listed", "explained", "near", "labelled", "alone")


def _text_failures(parts: _Parts, senders: set[str], trust: _Trust) -> list[Failure]:
    """Addresses the notice names as failed, taken from the surest kind of clue found.

    - listed: in an SMTP transcript's "RCPT TO:<…>", or at the head of its line with the
      reason below or after it ("<a@x>: host … said: 550 …", "<a@x>: Command died"), or
      alone on its line just after a failure phrase ("The following address(es) failed:");
    - explained: a status or reply code, or a failure wording, in its paragraph (the
      address may be inside the server's answer, next to a helpdesk address);
    - near: a cause or a failure phrase in its paragraph, or a failure phrase a few lines
      before it;
    - labelled: after a label naming a recipient ("Invalid final delivery userid: a@x");
    - alone: alone on its line, anywhere in the notice.
    A person's message is read for the first two only, an automatic one that is not a
    bounce for the first three. A sender's address counts only when nothing else does
    (a message sent to oneself); an address mail came from ("expanded from <a@x>",
    "mail from a@x"), a Message-ID and the MAIL FROM of a transcript never do.
    """
    lines = parts.notice.split("\n")
    found: dict[str, list[str]] = {clue: [] for clue in _CLUES}
    never = _transcript_senders(parts.notice)
    intro = -100
    examined = 0
    for i, line in enumerate(lines):
        if examined >= _MAX_EXAMINED:
            break
        if _says(line, _FAILURE_PHRASES) or _wording(line) is not None:
            intro = i
        if _says(line, _CONTACT):
            continue  # "please contact postmaster@…": help, not a failure
        for match in _addresses_in(line):
            examined += 1
            address = _normal(match.address)
            previous = lines[i - 1] if i else ""
            if _is_message_id(line, match) or _is_source(line, match, previous) or address.lower() in never:
                continue
            clue = _clue(lines, i, match, near_intro=0 <= i - intro <= 4)
            if clue:
                found[clue].append(address)
    allowed = {_Trust.PERSON: 2, _Trust.AUTOMATIC: 3}.get(trust, len(_CLUES))
    chosen: list[str] = []
    for clue in _CLUES[:allowed]:
        chosen = _not_senders(found[clue], senders)
        if chosen:
            break
    chosen = chosen or found["listed"]
    failures: list[Failure] = []
    for address in chosen[:_MAX_FAILURES]:
        _add(failures, _failure_in_text(address, parts.notice, default=True))
    return failures


def _not_senders(addresses: list[str], senders: set[str]) -> list[str]:
    return [a for a in addresses if a.lower() not in senders]


def _transcript_senders(notice: str) -> set[str]:
    """The MAIL FROM addresses of an SMTP transcript: the sender, never a failure."""
    found = re.findall(r"MAIL\s++FROM\s*+:\s*+<?\s*+([^\s<>]+@[^\s<>]+?)\s*+>?(?:\s|$)", notice, re.I)
    return {_normal(a).lower() for a in found}


# What may stand before an address at the head of its line: a reply code, a status
# ("554 <a@x>... User unknown", "550 5.1.1 a@x"), quotes, brackets, a list mark.
_HEAD_RE = re.compile(r"[\s>]*+(?:[245]\d\d[ -]?)?+\s*+(?:#?[245]\.\d{1,3}\.\d{1,3}\s*+)?+[\s<\"'*(\[-]*+")


def _clue(lines: list[str], i: int, match: _Found, near_intro: bool) -> str:
    """The kind of clue (see `_CLUES`) that line i's address is a failed recipient, or ""."""
    line = lines[i]
    address = match.address
    if re.search(rf"RCPT\s++TO\s*+:\s*+<?\s*+{re.escape(address)}", line, re.I):
        return "listed"
    around = _paragraph(lines, i, back=3)
    coded = bool(_STATUS_RE.search(around) or _reply_class(around))
    bare = _is_bare(line, address)
    if bare:
        below = _next_lines(lines, i, 2)
        if near_intro or _explains(below):
            return "listed"
    at_head = bool(_HEAD_RE.fullmatch(line[: match.start]))
    labels_reason = bool(re.match(r">?\s*+:", line[match.end :]))  # "<a@x>: reason"
    if at_head and (coded or labels_reason or _wording(around) is not None):
        return "listed"
    if coded or _wording(line) is not None:
        return "explained"
    if _wording(around) is not None or near_intro or _says(_paragraph(lines, i), _FAILURE_PHRASES):
        return "near"
    if _is_labelled(line, match):
        return "labelled"
    return "alone" if bare else ""


def _is_source(line: str, match: _Found, previous: str = "") -> bool:
    """Whether the address is where mail came from, not where it failed to go.

    "(expanded from <a@x>)", "ultimately generated from a@x": the alias of the failed
    address; "your message from a@x", "not accepting mail from a@x": the sender.
    """
    head = line[: match.start]
    before = fold((previous + " " + head) if not head.strip(" \t<(") else head)[-40:]
    return bool(re.search(r"\bfrom\s*+:?\s*+<?\s*+$", before))


def _is_labelled(line: str, match: _Found) -> bool:
    """Whether the address follows a label that names a recipient ("Recipient: a@x")."""
    if match.start > 80:
        return False
    label = re.match(r"^\s*+([^:<>@]{1,60}?)\s*+:\s*+<?\s*+$", line[: match.start])
    if not label:
        return False
    words = set(re.findall(r"[a-z-]+", fold(label.group(1))))
    return bool(words & _RECIPIENT_LABELS) and not words & {"from", "sender", "reply-to", "cc", "bcc"}


def _paragraph(lines: list[str], i: int, back: int = 0) -> str:
    """Line i with the lines around it up to a blank line: `back` before, five after."""
    chunk = [lines[i]]
    for before in reversed(lines[max(0, i - back) : i]):
        if not before.strip():
            break
        chunk.insert(0, before)
    for follow in lines[i + 1 : i + 6]:
        if not follow.strip():
            break
        chunk.append(follow)
    return " ".join(chunk)


def _next_lines(lines: list[str], i: int, count: int) -> str:
    """The next `count` non-blank lines after line i (within six lines)."""
    return " ".join([ln for ln in lines[i + 1 : i + 7] if ln.strip()][:count])


def _is_bare(line: str, address: str) -> bool:
    """Whether the line is just the address, as in a list of failed recipients."""
    rest = line.lower().replace(address.lower(), "", 1)
    return not re.sub(r"[\s<>()\[\]\"'*:;,.-]", "", rest)


def _is_message_id(line: str, match: _Found) -> bool:
    """Whether the address-like text is a Message-ID ("Message-ID: <123.456@host>")."""
    before = line[max(0, match.start - 40) : match.start]
    return bool(re.search(r"(message-?id|msgid|\bid)\s*+[:=]?\s*+<?\s*+$", before, re.I))


def _returned_recipients(parts: _Parts, senders: set[str]) -> list[Failure]:
    """The recipients of the returned message (To, else Cc), for a report that names none."""
    failures: list[Failure] = []
    for headers in parts.returned_headers():
        for name in ("To", "Cc"):
            for address in _header_addresses([str(v) for v in headers.get_all(name) or []]):
                if address.lower() not in senders:
                    _add(failures, _failure_in_text(address, parts.notice, default=True, anywhere=True))
            if failures:
                return failures
    return failures


def _header_addresses(values: list[str]) -> list[str]:
    """The addresses of header values; in `x@a <y@b>`, the one in angle brackets."""
    found: list[str] = []
    for value in values:
        bracketed = re.findall(r"<\s*([^<>\s]+@[^<>\s]+)\s*>", value)
        pairs = bracketed or [address for _name, address in getaddresses([value])]
        found.extend(_normal(a) for a in pairs if _is_address(_normal(a)))
    return found


def _nested_bounce(parts: _Parts, depth: int) -> Bounce | None:
    """A bounce returned inside a report (a gateway's or a postmaster's copy), read as one."""
    inner: list[Message] = list(parts.attached)
    for text in [*parts.returned, parts.inline]:
        start = _header_start(text)
        if start:
            inner.append(parse(start.encode("utf-8", "surrogateescape")))
    for message in inner:
        bounce = _read_bounce(message, depth + 1)
        if bounce is not None and bounce.failures:
            return bounce
    return None


def _failure_in_text(address: str, notice: str, default: bool, anywhere: bool = False) -> Failure:
    """A failure for `address`, its status and diagnostic read from the lines about it.

    When those lines say nothing (`anywhere`: the address is not in the notice at all),
    the status and wording of the whole notice are used.
    """
    diagnostic = _lines_about(notice, address)
    status = _status_code(diagnostic)
    context = diagnostic
    if not status and not _reply_class(diagnostic) and (anywhere or not diagnostic):
        context = notice
        status = _status_code(notice)
        diagnostic = diagnostic or _reason_line(notice)
    return Failure(address, _permanence(status, context, default=default), status, diagnostic)


def _lines_about(notice: str, address: str) -> str:
    """The lines that name `address` and explain its failure, as one line."""
    lines = notice.split("\n")
    wanted = address.lower()
    for i, line in enumerate(lines):
        if wanted not in line.lower():
            continue
        text = _paragraph(lines, i)
        if not _explains(text):
            around = _paragraph(lines, i, back=3)
            below = _next_lines(lines, i, 2)
            text = around if _explains(around) else f"{text} {below}" if _explains(below) else text
        text = _one_line(_trim_transcript(text))
        return "" if _is_bare(text, address) else text
    return ""


def _explains(text: str) -> bool:
    return bool(_STATUS_RE.search(text) or _reply_class(text) or _wording(text) is not None)


def _trim_transcript(text: str) -> str:
    """A diagnostic cut after its first failure code (an SMTP transcript goes on and on)."""
    match = _STATUS_RE.search(text) or _REPLY_RE.search(text)
    if not match:
        return text
    end = re.search(r"(\n|$)", text[match.end() :])
    return text[: match.end() + (end.start() if end else 0)]


def _reason_line(notice: str) -> str:
    """The first line of the notice that gives a code or a cause, for a report without address."""
    for line in notice.split("\n"):
        if _STATUS_RE.search(line) or _reply_class(line) or _wording(line) is not None:
            return _one_line(line)
    return ""


# --- Addresses ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    """An address found in a line, where it starts and ends."""

    start: int
    end: int
    address: str


def _addresses_in(text: str, limit: int = 100) -> list[_Found]:
    """The addresses in text (`mailtext.find_addresses`: looked for around each "@", so
    that a long line costs its length), the X.400 prefix of "dda:SMTP=a@x" left out."""
    found: list[_Found] = []
    for match in find_addresses(text, limit):
        start, address = match.start(), match.group()
        prefix = re.match(r"(?i)(smtp|rfc822|internet)=", address)
        if prefix:
            start, address = start + prefix.end(), address[prefix.end() :]
        found.append(_Found(start, match.end(), address))
    return found


def _is_address(text: str) -> bool:
    return len(text) <= 320 and bool(ADDRESS_RE.fullmatch(text))


def _normal(address: str) -> str:
    local, _, domain = address.strip().strip("<>").rpartition("@")
    return f"{local}@{domain.lower()}" if local else address.strip().lower()


def _add(failures: list[Failure], failure: Failure) -> None:
    if all(f.recipient.lower() != failure.recipient.lower() for f in failures):
        failures.append(failure)


def _senders(msg: Message, parts: _Parts) -> set[str]:
    """Addresses that cannot have failed: the report's author and addressee, the returned
    message's sender (the broker itself), the MAIL FROM of a transcript."""
    values = [v for name in ("From", "To", "Cc", "Return-Path", "Sender") for v in header_values(msg, name)]
    for headers in parts.returned_headers():
        for name in ("From", "Return-Path", "Sender", "Reply-To"):
            values.extend(str(v) for v in headers.get_all(name) or [])
    values.extend(_transcript_senders(parts.notice))
    return {_normal(found.address).lower() for value in values for found in _addresses_in(value)}


# --- The returned message -------------------------------------------------------------------------

_MESSAGE_ID_RE = re.compile(r"^[ \t>]*Message-ID[ \t]*:[ \t]*(?:\n[ \t]+)?(<[^<>\s]+>)", re.I | re.M)


def _original_message_id(parts: _Parts) -> str:
    """The Message-ID of the returned message: attached, its headers attached, quoted, or
    named by a disposition notification."""
    for text in [*parts.returned, parts.inline, parts.notice]:
        match = _MESSAGE_ID_RE.search(text or "")
        if match:
            return match.group(1)
    for text in parts.dispositions:  # an MDN names it in its own field (RFC 8098)
        match = re.search(r"^Original-Message-ID[ \t]*:[ \t]*(<[^<>\s]+>)", text, re.I | re.M)
        if match:
            return match.group(1)
    return ""


# --- Wording, from lexicon ------------------------------------------------------------------------


def _folded(phrases) -> tuple[str, ...]:
    return tuple(sorted({re.sub(r"\s+", " ", fold(p)).strip() for p in phrases}, key=len, reverse=True))


def _wording_of(field: str) -> tuple[str, ...]:
    return _folded(p for wording in lexicon.BOUNCE_WORDING for p in getattr(wording, field))


_FAILURE_SUBJECTS = _wording_of("subjects")
_AUTO_REPLY_SUBJECTS = _wording_of("auto_reply_subjects")
_FAILURE_PHRASES = _wording_of("failure")
_PERMANENT = _wording_of("permanent")
_SAYS_PERMANENT = _wording_of("says_permanent")
_SAYS_TEMPORARY = _wording_of("says_temporary")
_TEMPORARY = _wording_of("temporary")
_CONTACT = _wording_of("contact")
_RETURNED_MARKERS = _wording_of("returned_markers")
_RECIPIENT_LABELS = frozenset(_wording_of("recipient_labels"))
_WORDING_ORDER = ((_SAYS_PERMANENT, True), (_SAYS_TEMPORARY, False), (_TEMPORARY, False), (_PERMANENT, True))
