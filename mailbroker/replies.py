"""A party's reply → yes, no, stop or unclear, and the note they wrote with it.

The broker asks each party one question: do you want this introduction? People answer
above the quoted question ("Yes — happy to, I lead the litigation team at Acme"),
below it, or between its lines, from a phone, in English or French, sometimes with a
question of their own. Reading the answer is three steps:

1. `fresh_text`: keep only what the person just wrote: cut at the quote ("On … wrote:",
   "Le … a écrit :", an Outlook header block, a forward separator, a line of the
   broker's own request copied without any mark), drop `>` lines, drop the signature,
   the phone footer and the company's legal notice; find where the answer is (above
   the quote, below it, or under the broker's question inside it — a line under
   another quoted line answers that line);
2. `answers.classify`: read the answer there, precision first (see `answers`);
3. `read_reply`: both, from a message: the plain and HTML versions must agree, and a
   message with no answer in its text may carry one in its subject ("stop", the
   broker's List-Unsubscribe link; "Re: … [K7Q-3XF] - yes").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from .answers import classify, is_stop_word, says_yes
from .mailtext import (
    attribution,
    body_text,
    fold,
    header_addresses,
    header_block,
    header_text,
    header_values,
    is_disclaimer,
    is_mobile_footer,
    is_signature_marker,
    normalize,
    people_in,
    separator,
    shown_text,
    split_address,
    strip_prefixes,
    unquote_line,
    without_external_banner,
)
from .model import Answer


@dataclass(frozen=True)
class Reply:
    answer: Answer
    note: str  # what the party wrote besides the answer word, for the introduction
    fresh_text: str  # everything the party just wrote (quote and signature removed)


def read_reply(msg: Message) -> Reply:
    """Read a party's reply: its fresh text, and the answer in it.

    The answer is where a person puts it: above the quote, below it, or written just
    under the broker's question inside the quote (an interleaved reply). A line
    answering another quoted line ("> Do you still advise founders?" / "Yes, we do")
    answers that line, not the introduction. When the message's plain and HTML
    versions say different things, it is unclear which the person meant. When the text
    holds no answer, the subject may: the broker's List-Unsubscribe link sends
    "stop", some people answer in the subject line ("Re: … [K7Q-3XF] - yes").
    """
    fresh = _read_fresh(body_text(msg))
    answer, note = classify(fresh.answer) if fresh.answer else (Answer.UNCLEAR, fresh.text)
    shown = shown_text(msg) if answer is not Answer.UNCLEAR else None
    if shown is not None:
        other = _read_fresh(shown)
        if (classify(other.answer)[0] if other.answer else Answer.UNCLEAR) is not answer:
            return Reply(answer=Answer.UNCLEAR, note=fresh.text, fresh_text=fresh.text)
    if answer is Answer.UNCLEAR and not says_yes(fresh.text):
        said = _answer_in_subject(header_text(msg, "Subject"), fresh.text)
        if said is not None:
            return Reply(answer=said, note="", fresh_text=fresh.text)
    if answer is Answer.UNCLEAR:
        note = fresh.text
    return Reply(answer=answer, note=note, fresh_text=fresh.text)


_REF_IN_SUBJECT = re.compile(r"\[[A-Z0-9]{3}-?[A-Z0-9]{3}\]")
_REPLY_PREFIX = re.compile(r"\b(?:re|aw|sv|ré[fp]|tr|fwd?)\s*:", re.IGNORECASE)


def _answer_in_subject(subject: str, fresh: str) -> Answer | None:
    """A stop word alone as the subject (the List-Unsubscribe link), or, when nothing
    was written in the body, an answer added to the broker's subject after its
    reference ("Re: Introduction to Bob? [K7Q-3XF] - yes")."""
    # "UNSUBSCRIBE Re: Introduction to …": a stop word written before the reply prefix
    written_before = _REPLY_PREFIX.split(subject, 1)[0]
    subject = strip_prefixes(subject)
    if is_stop_word(subject) or (written_before.strip() and is_stop_word(written_before)):
        return Answer.STOP
    ref = _REF_IN_SUBJECT.search(subject)
    if fresh or ref is None:
        return None
    added = subject[ref.end():].strip(" -–—:|/,.")
    said = classify(added)[0] if added else Answer.UNCLEAR
    return None if said is Answer.UNCLEAR else said


# --- Tokens ---------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{8,}")


def reply_tokens(msg: Message, broker_address: str) -> list[str]:
    """The tokens of the broker's reply addresses a message was sent to.

    Each consent request goes out with the reply address `intro+TOKEN@domain`; the
    reply carries it back in To, and the receiving server records the envelope
    recipient in Delivered-To / X-Original-To, above the headers the message arrived
    with. Only those count: the topmost Delivered-To and X-Original-To (one lower down
    may be the sender's own), and To — not Cc, nor the thread headers. Local part and
    domain compare without case; the token is kept as written.
    """
    local, domain = split_address(broker_address)
    local = local.split("+", 1)[0].casefold()
    tokens: list[str] = []
    for header in ("Delivered-To", "X-Original-To", "To"):
        people = header_addresses(msg, header)
        if header != "To":
            people = _topmost_value(msg, header)
        for person in people:
            their_local, their_domain = split_address(person.address)
            base, plus, token = their_local.partition("+")
            if not plus or base.casefold() != local or their_domain.casefold() != domain.casefold():
                continue
            if _TOKEN_RE.fullmatch(token) and token not in tokens:
                tokens.append(token)
    return tokens


def _topmost_value(msg: Message, header: str) -> list:
    """The addresses of the first `header` of a message only."""
    values = header_values(msg, header)
    return people_in(values[0]) if values else []


# --- Fresh text -----------------------------------------------------------------------------------


def fresh_text(text: str) -> str:
    """What the person just wrote, without the quoted message or their signature.

    The text is cut at the first landmark of older mail (an attribution "On … wrote:",
    possibly wrapped over lines; an Outlook "From:/Sent:" block; "-----Original
    Message-----"; a forward separator) and at the signature ("-- ", "Sent from my
    iPhone"); `>` lines are dropped. When nothing is written above the quote (a
    bottom-posted answer), the unquoted text below it is taken instead.
    """
    return _read_fresh(text).text


@dataclass(frozen=True)
class _Fresh:
    text: str  # what the person just wrote
    answer: str  # the part of it that answers the broker's question ("" when none does)


def _read_fresh(text: str) -> _Fresh:
    lines = without_external_banner(normalize(text).split("\n"))
    quoted = [unquote_line(line) for line in lines]
    texts = [t for _, t in quoted]
    cut = _first_landmark(quoted, texts, 0)
    top = _unquoted(quoted[:cut])
    under_question = _under_the_question(quoted, texts, cut)
    if top:
        # "My answers are in the body, in blue": the top says nothing itself.
        says_nothing = under_question and "?" not in top and not says_yes(top) and classify(top)[0] is Answer.UNCLEAR
        return _Fresh(top, under_question if says_nothing else top)
    if cut >= len(lines):
        return _Fresh("", "")
    below, between_quoted_lines = _bottom_post(quoted, texts, cut)
    if under_question:
        return _Fresh(below or under_question, under_question)
    # Written between quoted lines, none of them the broker's question: it answers them.
    return _Fresh(below, "" if between_quoted_lines else below)


def _first_landmark(quoted, texts, start: int) -> int:
    for i in range(start, len(texts)):
        depth, text = quoted[i]
        if depth == 0 and (is_signature_marker(text) or is_mobile_footer(text) or is_disclaimer(text)):
            return i
        if _opens_older_mail(texts, i):
            return i
    return len(texts)


def _opens_older_mail(texts: list[str], i: int) -> bool:
    return bool(texts[i].strip()) and (_broker_line(texts[i]) or _older_mail_header(texts, i))


def _older_mail_header(texts: list[str], i: int) -> bool:
    """A separator, an attribution or a header block: the start of another message."""
    text = texts[i]
    if not text.strip():
        return False
    if separator(text) is not None or attribution(texts, i):
        return True
    block = header_block(texts, i, from_first=True)
    if block is not None and len(block.fields) >= 2:
        return True
    # Some clients put the date first ("Gesendet:/Von:", "Date:/From:").
    block = header_block(texts, i, from_first=False)
    return block is not None and len(block.fields) >= 3


def _line_key(text: str) -> str:
    return " ".join(re.findall(r"\w+", fold(text)))


def _broker_lines(asking: bool = False) -> tuple[re.Pattern[str], ...]:
    """The lines of the broker's own messages (its templates), as patterns: a client
    that quotes without any mark ("Yes" and the whole request under it) still shows
    where the broker's words start. Only the messages that ask a party something are
    read; optional parts and placeholders match anything; a line needs six fixed words
    to count, so that no sentence a person writes is taken for one. `asking`: only the
    lines that ask the question ("Would you like this introduction? …")."""
    patterns = []
    for path in sorted(p for name in _ASKING for p in TEMPLATES.glob(f"*/{name}.txt")):
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:  # not the Subject
            if asking and "?" not in line:
                continue
            line = re.sub(r"{%\s*if\b.*?%}.*?{%\s*endif\s*%}", " ", line)
            line = re.sub(r"{%.*?%}", " ", line)
            chunks = [_line_key(chunk) for chunk in re.split(r"{{.*?}}", line)]
            chunks = [chunk for chunk in chunks if chunk]
            if sum(len(chunk.split()) for chunk in chunks) >= _FIXED_WORDS:
                patterns.append(re.compile(r"(?<!\w)" + r"(?!\w).*?(?<!\w)".join(map(re.escape, chunks)) + r"(?!\w)"))
    return tuple(patterns)


TEMPLATES = Path(__file__).resolve().parent / "templates"
_ASKING = ("consent_request", "reminder", "clarify")  # the messages a party answers
_FIXED_WORDS = 6
_BROKER_LINES = _broker_lines()
_QUESTION_LINES = _broker_lines(asking=True)


def _broker_line(text: str, patterns: tuple[re.Pattern[str], ...] = _BROKER_LINES) -> bool:
    if len(text) > 300:
        return False
    key = _line_key(text)
    return bool(key) and any(pattern.search(key) for pattern in patterns)


def _under_the_question(quoted, texts, cut: int) -> str:
    """What the person wrote just under the broker's question, inside the quote: the
    lines less quoted than the question that follow it ("> Would you like this
    introduction?" / "Yes please"), or, in a message quoted without marks (Outlook's
    answers "in the body"), the lines after it that are not the broker's."""
    for i in range(cut, len(texts)):
        if not _broker_line(texts[i], _QUESTION_LINES):
            continue
        depth = quoted[i][0]
        kept: list[str] = []
        for line_depth, text in quoted[i + 1 :]:
            if not text.strip():
                if kept and depth == 0:
                    break
                continue
            if line_depth > depth or (line_depth == depth and depth > 0) or _broker_line(text):
                break
            if line_depth < depth or depth == 0:
                kept.append(_INITIALS.sub("", text))
        return "\n".join(kept).strip()
    return ""


_INITIALS = re.compile(r"^\s*\[[A-Z]{1,4}\]\s*")  # "[JLP] Oui": answers in the body marked with initials


def _unquoted(quoted) -> str:
    kept = [text for depth, text in quoted if depth == 0]
    while kept and not kept[-1].strip(" \t_-=*"):
        kept.pop()  # the rule Outlook draws above its header block
    return "\n".join(kept).strip()


def _bottom_post(quoted, texts, cut: int) -> tuple[str, bool]:
    """The unquoted text written below the quote that opens at line `cut`, and whether
    the quote goes on after it (the text was written between quoted lines)."""
    i = cut + max(1, attribution(texts, cut))
    seen_quote = False
    while i < len(texts) and (quoted[i][0] > 0 or not texts[i].strip()):
        seen_quote = seen_quote or quoted[i][0] > 0
        i += 1
    if not seen_quote:
        return "", False  # the older mail is not quoted (Outlook): nothing can be written below it
    end = _first_landmark(quoted, texts, i) if i < len(texts) else i
    # Quoted lines after it continue the quote, unless they open older mail of their own
    # (the text was written above the client's quote, under a line the person quoted).
    continues = end < len(texts) and not _older_mail_header(texts, end) and any(d > 0 for d, _ in quoted[end:])
    return _unquoted(quoted[i:end]), continues
