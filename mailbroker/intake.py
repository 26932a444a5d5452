"""A referrer's message → a referral request, or the precise reason it is not one.

A referrer asks for an introduction in one of three ways:

1. an inline forward: they forward the requester's message and write, above it, to
   whom the requester should be introduced ("Jane Doe <jane@x> — we worked together at
   Acme"). Every client marks the forwarded part its own way, in the user's language;
   `find_forward` reads the landmarks of all of them (see `mailtext`, `lexicon`);
2. a forward as attachment: the requester's message travels whole, as a
   message/rfc822 part, and the referrer's text is the body;
3. an explicit request, written directly: "Introduce: John <john@x>", "To: Jane
   <jane@x>", "Why: …" (or in French "Présenter :", "À :", "Pourquoi :"), or the
   one-line "Introduce John <john@x> to Jane <jane@x>".

In the first two the requester is the author of the forwarded message and the target
is the one address in the referrer's note that belongs to nobody else (addresses in the
referrer's own signature aside). When the note names no address, the target may be the
one person the referrer copied on the forward and names in the note ("Ana, meet John"),
or the one person the forwarded message itself asks to meet ("Could you introduce me to
Jane Doe (jane@x)?"). When the note names the requester instead ("Introduce: Carol
<carol@x>", "introduce Carol <carol@x> to the author of this post"), the forwarded
message's author is the target: a post, a newsletter. An explicit request may also be
prose with two addresses ("Could you put John <john@x> in touch with Jane <jane@x>?").

Above a forward, the note is first read for what it asks (`read_note`, `note_intent`):
a request; a decline ("please say no for me", "je ne peux pas le recommander, dis-lui
non"), anywhere in the note, which names only the forwarded author, whoever else the
note or the message names; or neither ("your call", "FYI", "not sure… maybe Dana?"),
the error "unclear_intent", which asks the referrer which they meant. Precision first:
a note that is not clearly one or the other is never guessed into writing to someone.

Whether the referrer is allowed, duplicates and the suppression list are decided
elsewhere: this module only reads, so that every mistake it finds can be explained to
the referrer.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field, replace
from email.message import Message

from email_validator import EmailNotValidError, validate_email

from . import lexicon
from .mailtext import (
    ADDRESS_RE,
    LABEL_LANGUAGES,
    attribution,
    body_text,
    clean_name,
    find_addresses,
    fold,
    header_addresses,
    header_block,
    header_field,
    header_text,
    is_forward_subject,
    is_mobile_footer,
    is_reply_subject,
    is_signature_marker,
    normalize_address,
    parse,
    people_in,
    sender,
    separator,
    split_address,
    split_inline_fields,
    strip_courtesy,
    strip_forward_prefixes,
    unquote_line,
    without_signature_block,
)
from .model import IntakeError, Person, ReferralRequest

# Languages the broker can write in: those whose answers it can read.
SUPPORTED = tuple(language.code for language in lexicon.LANGUAGES if language.answers)


# --- Entry point -------------------------------------------------------------------------------


def read_request(msg: Message, broker_address: str) -> ReferralRequest | IntakeError:
    """Read a referrer's message as a referral request (see the module docstring)."""
    try:
        request = _read(msg, broker_address)
    except RecursionError:  # absurdly nested MIME: nothing a referrer meant to send
        return IntakeError("no_requester")
    if isinstance(request, IntakeError):
        return request
    return replace(request, subject=shown_subject(request.subject, [request.requester, request.target]))


# A telephone number: 7 digits or more, with the separators people write between them.
_PHONE_RE = re.compile(r"(?<![\w+])\+?\(?\d[\d ()./-]{5,}\d(?!\w)")
_URL_RE = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
_SUBJECT_SHOWN = 200


def _unless_a_date(match: re.Match) -> str:
    return match.group() if re.fullmatch(r"\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}", match.group()) else ""


def shown_subject(subject: str, parties: list[Person]) -> str:
    """The subject as the parties may see it before both agreed: without addresses (as the
    note), telephone numbers or links — the requester wrote it, and the other party must
    not learn how to reach them yet, nor be sent a link in the referrer's name. Nothing
    when no word is left. A subject is a line: beyond `_SUBJECT_SHOWN` characters it is
    cut at a word (which also bounds what the patterns below cost)."""
    if len(subject) > _SUBJECT_SHOWN:
        subject = subject[:_SUBJECT_SHOWN].rsplit(" ", 1)[0] + "…"
    text = scrub_addresses(subject, parties)
    text = _URL_RE.sub("", _PHONE_RE.sub(_unless_a_date, text))
    text = re.sub(r"\s{2,}", " ", re.sub(r"[\s:;,(\[-]+$", "", text)).strip()
    return text if re.search(r"[^\W\d_]{2,}", text) else ""


def _read(msg: Message, broker_address: str) -> ReferralRequest | IntakeError:
    referrer = sender(msg)
    text = body_text(msg)
    subject = header_text(msg, "Subject")
    if referrer is None:
        return IntakeError("invalid_address", detail=header_text(msg, "From"), lang=language_of(text))
    letter = Letter(
        referrer=referrer,
        broker=broker_address,
        subject=subject,
        message_id=header_text(msg, "Message-ID"),
        copied=tuple(header_addresses(msg, "To") + header_addresses(msg, "Cc")),
    )
    forward = attached_forward(msg, text) or find_forward(text, subject, skip_author=referrer.address)
    if forward is not None:
        return _from_forward(letter, forward)
    return _from_explicit(letter, text)


@dataclass(frozen=True)
class Letter:
    """The facts of the referrer's message that every form of request needs."""

    referrer: Person
    broker: str
    subject: str
    message_id: str
    copied: tuple[Person, ...] = ()  # the other recipients of the referrer's message (To, Cc)


# --- Forwards ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forward:
    """A forwarded message found in a referrer's message."""

    author: Person | None  # None when the forwarded header shows no address
    author_name: str  # the name shown, even without an address
    subject: str
    body: str  # the forwarded message's own text
    note: str  # what the referrer wrote around it
    languages: tuple[frozenset[str], ...] = ()  # languages of the landmarks seen


def attached_forward(msg: Message, note: str) -> Forward | None:
    """The message attached whole (message/rfc822, or an .eml file), if any."""
    inner = _attached_message(msg)
    if inner is None:
        return None
    author = sender(inner)
    return Forward(
        author=author,
        author_name=author.name if author else header_text(inner, "From"),
        subject=header_text(inner, "Subject"),
        body=own_text(body_text(inner)),
        note=note,
    )


def _attached_message(msg: Message) -> Message | None:
    try:
        parts = list(msg.walk())
    except Exception:  # noqa: BLE001 - a broken structure: no attachment to read
        return None
    for part in parts[1:]:
        try:
            ctype = part.get_content_type()
            if ctype == "message/rfc822":
                payload = part.get_payload()
                inner = payload[0] if isinstance(payload, list) and payload else payload
                if isinstance(inner, Message):
                    return inner
            filename = (part.get_filename() or "").lower()
            if filename.endswith(".eml") and not part.is_multipart():
                data = part.get_payload(decode=True)
                if data:
                    return parse(data)
        except Exception:  # noqa: BLE001 - skip an unreadable part, look at the next
            continue
    return None


def find_forward(text: str, subject: str = "", *, skip_author: str = "") -> Forward | None:
    """The outermost message forwarded inline in `text`, or None.

    The first landmark from the top decides: a separator line ("---------- Forwarded
    message ---------", "Début du message réexpédié :"), an Outlook header block
    ("From: … Sent: … To: … Subject: …" without separator), or an attribution ("On …
    wrote:"). An attribution, or an Outlook block in a "Re:" message, opens a quote
    rather than a forward; like the clients themselves, the subject tells them apart
    ("Fwd:"/"TR:" forwards, "Re:" replies).

    Forwarding a thread forwards its last message, which may be the referrer's own
    reply ("Let me find you someone") above the requester's: a message by
    `skip_author` is then passed over for the older one it quotes.
    """
    body = _Body.of(text, subject)
    first = None
    for i in range(len(body.lines)):
        header = _header_at(body, i, inside=first is not None)
        if header is _QUOTE:
            return None  # a reply: what follows is quoted, not forwarded
        if header is None:
            continue
        first = first or header
        author = _header_author(header)[0]
        if skip_author and author is not None and author.same_address(skip_author):
            continue
        return _forward(body, header, note_end=first.top)
    return _forward(body, first) if first is not None else None


@dataclass(frozen=True)
class _Body:
    """A referrer's text as lines, with each line's quote depth and unquoted text."""

    lines: list[str]
    depths: list[int]
    texts: list[str]
    subject: str

    @classmethod
    def of(cls, text: str, subject: str) -> _Body:
        lines = text.split("\n")
        quoted = [unquote_line(line) for line in lines]
        return cls(lines, [d for d, _ in quoted], [t for _, t in quoted], subject)


@dataclass(frozen=True)
class _Header:
    """Where a forwarded message starts and what its header says."""

    top: int  # first line of the landmark (separator, header block, attribution)
    body_start: int  # first line after the header
    depth: int  # quote depth of the forwarded message
    fields: dict[str, str]
    labels: tuple[str, ...] = ()  # folded labels, for the language
    languages: tuple[frozenset[str], ...] = ()
    author: Person | None = None  # read from an attribution line, which has no fields
    author_name: str = ""


_QUOTE = object()  # the landmark at this line opens a quote, not a forward


def _header_at(body: _Body, i: int, *, inside: bool = False):
    """The forwarded header at line i; _QUOTE if the landmark there opens a quote.

    `inside` a forwarded message every landmark opens an older message: the subject
    no longer tells a quote from a forward.
    """
    texts = body.texts
    forward_subject = inside or is_forward_subject(body.subject)
    reply_subject = not inside and is_reply_subject(body.subject)
    mark = separator(texts[i])
    if mark is not None:
        if mark.kind == "original" and reply_subject:
            return _QUOTE
        return _header_after_separator(body, i, mark)
    if texts[i][:1].strip() and header_field(texts[i]) is not None:
        block = header_block(texts, i, from_first=True)
        if block is not None and len(block.fields) >= 3:
            if reply_subject:
                return _QUOTE
            return _Header(i, block.end, body.depths[i], block.fields, block.labels)
    size = attribution(texts, i)
    if size:
        if not forward_subject:
            return _QUOTE
        author, name = attribution_author(" ".join(t.strip() for t in texts[i : i + size]))
        return _Header(i, i + size, body.depths[i], {}, author=author, author_name=name)
    return None


def _header_after_separator(body: _Body, i: int, mark):
    languages = (mark.languages,)
    if mark.rest:  # Yahoo: the header fields follow on the separator's own line
        block = header_block(split_inline_fields(mark.rest) + [""], 0, from_first=False)
        fields, labels = (block.fields, block.labels) if block else ({}, ())
        return _Header(i, i + 1, body.depths[i], fields, labels, languages)
    start = i + 1
    while start < len(body.texts) and not body.texts[start].strip() and start - i <= 3:
        start += 1
    block = header_block(body.texts, start, from_first=False) if start < len(body.texts) else None
    if block is None:
        if mark.kind == "original":
            return None  # an "Original Message" line with no header: read on
        return _Header(i, i + 1, body.depths[i], {}, languages=languages)
    return _Header(i, block.end, body.depths[start], block.fields, block.labels, languages)


def _header_author(header: _Header) -> tuple[Person | None, str]:
    """The author a header names, and the name shown (even without an address)."""
    if header.author is not None or not header.fields.get("from"):
        return header.author, header.author_name
    people = people_in(header.fields["from"])
    author = people[0] if people else None
    return author, author.name if author else clean_name(header.fields["from"])


def _forward(body: _Body, header: _Header, note_end: int | None = None) -> Forward:
    """The forwarded message under `header`, and the referrer's note around it (the
    note ends where the first forwarded header starts: `note_end`)."""
    author, name = _header_author(header)
    end = len(body.lines)
    if header.depth:  # a quoted forward ends with its last quoted line; text below is note
        end = header.body_start
        for j in range(header.body_start, len(body.lines)):
            if body.depths[j] >= header.depth:
                end = j + 1
    text = "\n".join(_strip_quote_levels(line, header.depth) for line in body.lines[header.body_start : end])
    top = header.top if note_end is None else note_end
    note = "\n".join(body.lines[:top] + [""] + body.lines[end:])
    label_marks = tuple(frozenset(LABEL_LANGUAGES.get(label, ())) for label in header.labels)
    return Forward(
        author=author,
        author_name=name,
        subject=(header.fields.get("subject") or strip_forward_prefixes(body.subject)).strip(),
        body=own_text(text),
        note=note.strip("\n"),
        languages=header.languages + label_marks,
    )


def _strip_quote_levels(line: str, depth: int) -> str:
    for _ in range(depth):
        match = re.match(r"^[ \t]*>[ \t]?", line)
        if not match:
            break
        line = line[match.end() :]
    return line


def own_text(body: str) -> str:
    """A forwarded body up to the older message it quotes or forwards, if any.

    What the requester wrote is what matters to the target; the thread below it (an
    earlier forward, an "On … wrote:" quote) is cut. Indentation some clients add to
    the whole body (Outlook's "On … wrote:" quoting) is removed.
    """
    lines = body.strip("\n").split("\n")
    texts = [unquote_line(line)[1] for line in lines]
    end = len(lines)
    for i, text in enumerate(texts):
        if i and (
            separator(text)
            or attribution(texts, i)
            or (header_field(text) and _outlook_block(texts, i))
        ):
            end = i
            break
    kept = lines[:end]
    while kept and not kept[-1].strip(" \t_-=*>"):
        kept.pop()
    if kept and all(unquote_line(line)[0] for line in kept if line.strip()):
        kept = [_strip_quote_levels(line, 1) for line in kept]  # quoted whole (Missive)
    return textwrap.dedent("\n".join(kept)).strip()


def _outlook_block(texts: list[str], i: int) -> bool:
    block = header_block(texts, i, from_first=True)
    return block is not None and len(block.fields) >= 3


def attribution_author(line: str) -> tuple[Person | None, str]:
    """The author named in an attribution line, and the name shown.

    "On Wed, Oct 27, 2021 at 9:31 AM John Doe <john@x> wrote:" → John Doe. The name is
    what is quoted just before the address, or else the words after the last comma,
    less the date and time words around it.
    """
    people = people_in(line)
    found = find_addresses(line, 1)
    before = line[: found[0].start()] if found else _before_verb(line)
    name = _attribution_name(before)
    if people:
        return Person(name=name, address=people[0].address), name
    return None, name


def _before_verb(line: str) -> str:
    folded = fold(line)
    for language in lexicon.LANGUAGES:
        for verb in language.quote_verbs:
            at = folded.rfind(" " + fold(verb))
            if at > 0:
                return line[:at]
    return line


_ATTRIBUTION_WORDS = {fold(w) for language in lexicon.LANGUAGES for w in language.attribution_words}
_OPENER_WORDS = {fold(w) for language in lexicon.LANGUAGES for w in language.quote_openers}


def _attribution_name(before: str) -> str:
    before = re.sub(r"(?i)(mailto:|[<\[(\s])+$", "", before.rstrip())
    quoted = re.search(r"[\"“«„']\s*([^\"“”«»„']+?)\s*[\"“”»']\s*$", before)
    if quoted:
        return clean_name(quoted.group(1))
    words = before.split(",")[-1].split()
    skipped = _ATTRIBUTION_WORDS | _OPENER_WORDS
    while words and (any(c.isdigit() for c in words[0]) or fold(words[0]) in skipped):
        words.pop(0)
    return clean_name(" ".join(words))


def _from_forward(letter: Letter, forward: Forward) -> ReferralRequest | IntakeError:
    note = note_lines(forward.note)
    lang = language_of("\n".join(note), forward.languages + _label_languages(note))
    labelled = _labelled_lines(note)
    reading = read_note(note, letter, forward.author)
    intent = note_intent(reading, labelled)
    if intent == "unclear":
        return IntakeError("unclear_intent", lang=labelled.lang or lang)
    if intent == "decline":
        # Only the forwarded author hears the courteous no, whoever else is named.
        if forward.author is None:
            return IntakeError("no_requester", detail=forward.author_name, lang=lang)
        return _decline(letter, forward.author, subject=forward.subject or letter.subject, lang=labelled.lang or lang)
    # An explicit "Introduce:" line says who the requester is, even above a forward;
    # so does a note asking to introduce someone "to the author" of what it forwards.
    named = people_in(labelled.introduce or "")
    wanting = named[0] if named else _wants_the_author(reading, forward)
    requester = wanting or forward.author
    if requester is None:
        return IntakeError("no_requester", detail=forward.author_name, lang=lang)
    target = _forward_target(note, labelled, reading, letter, forward, requester, meets_author=wanting is not None)
    if isinstance(target, IntakeError):
        return IntakeError(target.code, target.detail, labelled.lang or lang if target.code == "unclear_intent" else lang)
    context = _context(note, labelled, [requester, target])
    return _assemble(
        letter,
        requester=requester,
        target=target,
        context=context,
        subject=forward.subject or letter.subject,
        forwarded_text=forward.body,
        lang=labelled.lang or lang,
        parties_lang=labelled.lang,
    )


def _forward_target(note: list[str], labelled: _Labelled, reading: NoteReading, letter: Letter, forward: Forward,
                    requester: Person, *, meets_author: bool) -> Person | IntakeError:
    """The person to ask for the requester of a forward, or why there is none: named in
    the note, else the author (when the note named the requester), else the one copied
    and named, else the one the forwarded message asks for. A choice the note leaves to
    the broker is "unclear_intent", never a guess."""
    unclear = IntakeError("unclear_intent")
    target = _target(note, labelled, letter, requester)
    in_note = not isinstance(target, IntakeError)
    if isinstance(target, IntakeError) and target.code in ("no_target", "target_without_address"):
        if meets_author and target.code == "no_target" and forward.author is not None:
            # The person named wants to meet the author: a post, a newsletter.
            target = forward.author
        elif target.code == "no_target" and reading.asks and reading.indefinite:
            return unclear  # "Introduce her to someone on the finance side": whom is the referrer's call
        else:
            # The person is copied on the forward, and named in the note; or the
            # forwarded message itself names the one person to meet.
            named_only = target.detail if target.code == "target_without_address" else ""
            copied = _target_copied(note, letter, requester, named_only)
            asked = None if copied else _target_in_forward(forward, letter, requester, named_only)
            if asked is not None and not (reading.asks or reading.approves or reading.points
                                          or _names(reading, asked)):
                return unclear  # "Can you deal with this one?": the note does not say to write to them
            target = copied or asked or target
    if reading.spares and (isinstance(target, IntakeError) or _is_spared(reading, target)):
        return unclear  # "Don't bother Priya with this", and Priya is the one to write to, or nobody is
    if in_note and not meets_author and _roles_unclear(reading, labelled, forward):
        return unclear
    return target


def _decline(letter: Letter, requester: Person, *, subject: str, lang: str | None) -> ReferralRequest | IntakeError:
    """A decline names only the requester: the one person the courteous no goes to."""
    if not is_valid_address(requester.address):
        return address_error(requester.address, lang)
    requester = _ascii(requester)
    if same_mailbox(requester.address, letter.broker) or requester.same_address(letter.referrer.address):
        return IntakeError("referrer_as_party", detail=requester.address, lang=lang)
    return ReferralRequest(referrer=letter.referrer, requester=requester, target=Person("", ""), context="",
                           subject=subject, lang=lang, message_id=letter.message_id, decline=True)


def _phrase_re(attribute: str) -> re.Pattern[str]:
    """Folded lexicon phrases of `attribute`, as whole words, any spacing between them."""
    phrases = {fold(p).strip() for language in lexicon.LANGUAGES for p in getattr(language, attribute)}
    alternatives = "|".join(
        r"\s+".join(re.escape(word) for word in phrase.split())
        for phrase in sorted(phrases, key=len, reverse=True)
        if phrase
    )
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if alternatives else re.compile(r"(?!x)x")


_MEET_RE = _phrase_re("meet_verbs")
_CONNECTOR_RE = _phrase_re("target_connectors")


# --- What the note asks: a request, a decline, or neither --------------------------------------
#
# A note is read sentence by sentence and clause by clause (a clause ends at a comma, a
# semicolon, a colon, a dash or a joining word: "but", "mais"). The phrases are the
# lexicon's; here they are matched on the note's words alone: folded, apostrophes and
# hyphens as spaces, other punctuation dropped, each address replaced by a mark "@n@"
# that no phrase contains.


def note_words(text: str) -> str:
    """`text` as note phrases are matched: "Dis-lui NON, s'il te plaît !" → "dis lui non s il te plait"."""
    text = re.sub(r"['\-]", " ", fold(text))
    return " ".join(re.sub(r"[^\w@…\s]", " ", text).split())


def _note_phrases(*attributes: str, but: str = "") -> re.Pattern[str]:
    """The lexicon phrases of `attributes` (`but` those of another) as one pattern of
    whole words; "…" in an entry stands for up to three words ("let … down")."""
    alternatives = set()
    left_out = _note_set(but) if but else frozenset()
    for language in lexicon.LANGUAGES:
        for attribute in attributes:
            for phrase in getattr(language, attribute):
                parts = [note_words(part) for part in phrase.split("…")]
                if all(parts) and note_words(phrase) not in left_out:
                    gap = r"\s+(?:[\w@]+\s+){0,3}?"
                    alternatives.add(gap.join(r"\s+".join(map(re.escape, part.split())) for part in parts))
    if not alternatives:
        return re.compile(r"(?!x)x")
    ordered = sorted(alternatives, key=len, reverse=True)
    return re.compile(rf"(?<![\w@])(?:{'|'.join(ordered)})(?![\w@])")


def _note_set(attribute: str) -> frozenset[str]:
    return frozenset(note_words(p) for language in lexicon.LANGUAGES for p in getattr(language, attribute))


_DECLINES = _note_phrases("decline_phrases", "decline_words")
_DECLINE_ALONE = _note_set("decline_alone")
_DELEGATIONS = _note_phrases("delegations")
_DOUBTS = _note_phrases("doubts")
_UNCLEAR_ALONE = _note_set("unclear_alone")
_COURTESY = _note_phrases("note_courtesy")
_NEGATORS = _note_phrases("note_negators")
_FIGURES = _note_phrases("note_figures")
_JOINERS = _note_set("clause_joiners")
_DECLINE_SUBJECTS = _note_phrases("decline_subjects")
_REQUESTS = _note_phrases("request_verbs")
_SPARES = _note_phrases("request_verbs", "spare_verbs")
_INDEFINITE = _note_phrases("indefinite_persons")
_COPULAS = _note_set("copulas")
_REQUESTER_MARKERS = _note_phrases("requester_markers")
_OWN_ADDRESS = _note_phrases("own_address_cues")
_SPARE_PHRASES = _note_phrases("spare_phrases")
_APPROVALS = _note_phrases("approvals")
_POINTERS = _note_set("forward_pointers")
_AUTHOR_REFERENCES = _note_phrases("author_references")
# What leads to the person to be met: "to", "avec", "meet", "in touch with" (not "introduce",
# whose object is the one introduced: "introduce the author to Carol").
_TOWARDS = _note_phrases("target_connectors", "meet_verbs", but="introduce_verbs")
_CONNECTORS = _note_phrases("target_connectors")
_SENTENCE_RE = re.compile(r"[^.!?…\n]+[.!?…]*")
_CLAUSE_RE = re.compile(r"[,;:—–]+|\s-+\s|-+>|→")
_MARK_RE = re.compile(r"@(\d+)@")
_WRAPPED = re.compile(r"(?<=[^\s.!?…:;])\n(?=[^\W\d_A-ZÀ-Ý])")


@dataclass(frozen=True)
class _Clause:
    text: str  # as written, addresses replaced by their marks
    words: str  # `note_words`, set phrases blanked
    question: bool


@dataclass
class NoteReading:
    """What a referrer's note says about its intent (see `note_intent`)."""

    sentences: list[list[_Clause]] = field(default_factory=list)
    words: str = ""  # the whole note as `note_words`, one line
    people: list[Person] = field(default_factory=list)  # by mark: everyone the note names with an address
    others: set[int] = field(default_factory=set)  # the marks of third parties (not referrer, broker, author)
    declines: bool = False  # a clause asks to decline, or a sentence is a bare "No."
    asks: bool = False  # a request verb, not negated
    spares: set[int] = field(default_factory=set)  # the sentences that spare someone ("don't bother Priya")
    spared: set[int] = field(default_factory=set)  # the marks of the people spared
    delegates: bool = False  # leaves the choice to the broker ("your call")
    doubts: bool = False
    says_nothing: bool = False  # "FYI", "Thoughts?"
    approves: bool = False  # "happy to help", "vas-y"
    points: bool = False  # nothing but "See below." (or nothing at all)
    indefinite: bool = False  # "someone", "quelqu'un"


def read_note(note: list[str], letter: Letter, author: Person | None) -> NoteReading:
    """The note's sentences and clauses, with what each asks (see `note_intent`)."""
    reading = NoteReading()
    marks: dict[str, int] = {}
    # The referrer's own addresses: given as such, or in the signature under the note.
    own = _own_addresses(note)
    unsigned = {normalize_address(m.group()).casefold() for line in without_signature_block(note)
                for m in find_addresses(line)}
    own |= {normalize_address(m.group()).casefold() for line in note for m in find_addresses(line)} - unsigned
    lines = []
    for line in note:
        names = {p.address.casefold(): p for p in prose_people(line)}

        def mark(match: re.Match) -> str:
            address = normalize_address(match.group())
            key = address.casefold()
            if key not in marks:
                marks[key] = len(reading.people)
                person = names.get(key) or Person("", address)  # noqa: B023 - called within this iteration only
                reading.people.append(person)
                if not (_excluded(person, letter, author) or key in own):
                    reading.others.add(marks[key])
            return f" @{marks[key]}@ "

        lines.append(_replace_addresses(line, mark))
    # A sentence wrapped over lines is one sentence: a line that does not end one, above
    # a line that starts in lower case, goes on.
    text = _WRAPPED.sub(" ", "\n".join(lines))
    reading.words = note_words(text)
    for number, sentence in enumerate(_SENTENCE_RE.findall(text)):
        clauses = [_Clause(piece, _FIGURES.sub(" ", note_words(piece)), sentence.rstrip().endswith("?"))
                   for part in _CLAUSE_RE.split(sentence) for piece in _joined_clauses(part)]
        clauses = [clause for clause in clauses if clause.words.strip()]
        reading.sentences.append(clauses)
        _read_sentence(reading, number, clauses)
    reading.delegates = bool(_DELEGATIONS.search(reading.words))
    reading.doubts = bool(_DOUBTS.search(reading.words))
    reading.indefinite = bool(_INDEFINITE.search(reading.words))
    reading.says_nothing = _says_nothing(reading)
    reading.approves = any(_APPROVALS.search(clause.words) for clauses in reading.sentences for clause in clauses
                           if not clause.question)  # "Happy to help", not "Yes or no?"
    reading.points = not reading.says_nothing and all(_bare(c) in _POINTERS | {""} for c in reading.sentences)
    return reading


def _bare(clauses: list[_Clause]) -> str:
    """A sentence's words without courtesy ("Thanks!", "Merci d'avance")."""
    return " ".join(" ".join(_COURTESY.sub(" ", clause.words) for clause in clauses).split())


def _replace_addresses(line: str, mark) -> str:
    out, end = [], 0
    for match in find_addresses(line):
        out.append(line[end : match.start()])
        out.append(mark(match))
        end = match.end()
    out.append(line[end:])
    return "".join(out)


def _joined_clauses(part: str) -> list[str]:
    """A clause split at its joining words ("I never met him but say no nicely")."""
    pieces, current = [], []
    for word in part.split():
        if note_words(word) in _JOINERS:
            if current:
                pieces.append(" ".join(current))
            current = []
        else:
            current.append(word)
    pieces.append(" ".join(current))
    return pieces


def _read_sentence(reading: NoteReading, number: int, clauses: list[_Clause]) -> None:
    bare = [" ".join(_COURTESY.sub(" ", clause.words).split()) for clause in clauses]
    question = bool(clauses) and clauses[0].question
    if any(bare) and all(not words or words in _DECLINE_ALONE for words in bare):
        reading.declines = True  # "No.", "Nah, pass.", "Bof, non."
    elif not question and any(words in _DECLINE_ALONE for words in bare):
        reading.declines = True  # "I don't know her, so no."
    for clause in clauses:
        words = clause.words
        negations = [m for m in _NEGATORS.finditer(words)]
        # A question opening on a negation asks ("Couldn't you introduce her to Paul?",
        # "Tu ne pourrais pas la présenter à Paul ?"); deeper in, it negates.
        polite = clause.question and bool(negations) and len(words[: negations[0].start()].split()) < 3

        def negated(at: int) -> bool:
            return not polite and any(m.end() <= at for m in negations)  # noqa: B023 - used within this iteration

        requests = list(_REQUESTS.finditer(words))
        for match in requests:
            if not negated(match.start()):
                reading.asks = True
        for match in _SPARES.finditer(words):
            if negated(match.start()) and _names_someone(clause):
                reading.spares.add(number)
        if _SPARE_PHRASES.search(words) and _names_someone(clause):
            reading.spares.add(number)  # "keep Jane out of it"
        if negations and not polite:
            reading.spared |= {int(m) for m in _MARK_RE.findall(clause.text)}  # "Jane <j@x> isn't taking intros"
        for match in _DECLINES.finditer(words):
            if polite and any(r.start() >= match.start() and r.end() <= match.end() for r in requests):
                continue  # "Tu ne pourrais pas la présenter à Paul ?" asks, it does not refuse
            if not _NEGATORS.search(match.group()) and negated(match.start()):
                continue  # "don't decline this one"
            if _DECLINE_SUBJECTS.search(words[: match.start()]) or _DOUBTS.search(words):
                continue  # "he may decline", "maybe decline?"
            reading.declines = True
    if number in reading.spares:
        for clause in clauses:
            reading.spared |= {int(m) for m in _MARK_RE.findall(clause.text)}


def _names_someone(clause: _Clause) -> bool:
    """A clause that names a person: an address, or a capitalised word past its first."""
    if _MARK_RE.search(clause.text):
        return True
    words = re.findall(r"[\w'’-]+", clause.text)[1:]
    return any(w[:1].isupper() and w != "I" and fold(w) not in _NAME_STOPWORDS for w in words)


def _says_nothing(reading: NoteReading) -> bool:
    """Every sentence of the note is empty or asks nothing ("FYI.", "Thoughts?")."""
    found = False
    for clauses in reading.sentences:
        bare = _bare(clauses)
        if bare in _UNCLEAR_ALONE or _raw(clauses) in _UNCLEAR_ALONE:  # "Hmm.", "Bof…"
            found = True
        elif bare:
            return False
    return found


def _raw(clauses: list[_Clause]) -> str:
    return " ".join(clause.words for clause in clauses)


def _is_spared(reading: NoteReading, person: Person) -> bool:
    """Whether a sentence that spares someone names `person` (by address or name)."""
    spared = " ".join(" ".join(c.words for c in reading.sentences[n]) for n in sorted(reading.spares))
    marks = {i for i, p in enumerate(reading.people) if p.same_address(person.address)}
    return bool(marks & reading.spared) or any(len(w) > 1 and w in spared.split() for w in note_words(person.name).split())


def _names(reading: NoteReading, person: Person) -> bool:
    """Whether the note names `person` (a word of their name: "I know Paul well")."""
    words = set(reading.words.split())
    return any(len(w) > 1 and w in words for w in note_words(person.name).split())


def _own_addresses(note: list[str]) -> set[str]:
    """Addresses the referrer gives as their own ("my personal address is …")."""
    own = set()
    for line in note:
        for match in find_addresses(line):
            before = re.split(r"[.!?]\s", line[: match.start()])[-1]
            if _OWN_ADDRESS.search(note_words(before)):
                own.add(normalize_address(match.group()).casefold())
    return own


def note_intent(reading: NoteReading, labelled: _Labelled) -> str:
    """"decline", "unclear" or "request": what a referrer's note asks of the broker.

    Precision first: a note is a decline only when a clause asks for one and nothing
    asks to introduce anyone; a request only when nothing declines, doubts or spares;
    a note that leaves the choice to the broker, or says nothing, is unclear. An
    unclear note costs the referrer one more short message; a misread one contacts
    someone the referrer wanted to spare.
    """
    asks = reading.asks or labelled.introduce is not None or labelled.target is not None
    if reading.delegates or reading.says_nothing:
        return "unclear"
    if reading.declines:
        unspared = reading.others - reading.spared
        return "unclear" if asks or unspared else "decline"
    if reading.doubts:
        return "unclear"
    return "request"


def _roles_unclear(reading: NoteReading, labelled: _Labelled, forward: Forward) -> bool:
    """A note that only names a person for the author ("Amara <a@x> would be a good
    match for the sender"), above a message that asks for nothing: who wants to meet
    whom is not said."""
    if reading.asks or labelled.introduce is not None or labelled.target is not None:
        return False
    refers = any(not _described(reading.words, m) for m in _AUTHOR_REFERENCES.finditer(reading.words))
    return refers and not _forward_asks(forward)


def _described(words: str, reference: re.Match) -> bool:
    """ "Carol is the author of a great book": a description of Carol, not the author."""
    before = words[: reference.start()].split()
    return bool(before) and before[-1] in _COPULAS


def _forward_asks(forward: Forward) -> bool:
    """Whether the forwarded message asks to meet someone: in so many words ("I'd love
    an intro"), or a question about someone ("Anyone come to mind?"). A question alone
    ("Coffee one of these days?") asks nothing of the kind."""
    if _MEET_RE.search(fold(forward.body)):
        return True
    return "?" in forward.body and bool(_INDEFINITE.search(note_words(forward.body)))


def _wants_the_author(reading: NoteReading, forward: Forward) -> Person | None:
    """The person a note asks to introduce to the forwarded message's author: "Could you
    introduce Carol <carol@x> to the author of this post?", "To the sender below, please
    introduce Carol <carol@x>", "an intro on behalf of Carol <carol@x>" → Carol. Only when
    the note names nobody else."""
    if forward.author is None or len(reading.others) != 1:
        return None
    (index,) = reading.others
    person = reading.people[index]
    mark = f"@{index}@"
    words = reading.words
    at = words.find(mark)
    references = list(_AUTHOR_REFERENCES.finditer(words))
    sentences = [" ".join(clause.words for clause in clauses) for clauses in reading.sentences]
    for ref in references:
        before = words[: ref.start()]
        if not _ends_with(before, _TOWARDS):
            continue
        if 0 <= at < ref.start():
            # "introduce Carol <c@x> to the author": in one sentence, or the author's
            # sentence going on from the person's ("Carol\nc@x\n…to the one who sent").
            own = next((s for s in sentences if ref.group() in s), "")
            if mark in own or _TOWARDS.match(own):
                return person
        else:
            # "To the sender of the message below, please introduce Carol <c@x>".
            for sentence in sentences:
                start = sentence.find(ref.group())
                if start > 0 and mark in sentence[start:] and _CONNECTORS.fullmatch(sentence[:start].strip()):
                    if _REQUESTS.search(sentence[start : sentence.find(mark)]):
                        return person
    if references and at >= 0:
        marker = _REQUESTER_MARKERS.search(words[:at])
        if marker and len(words[marker.end() : at].split()) <= 4:
            return person  # "Pour l'auteure : une intro de la part de Yannick <y@x>"
    return None


def _ends_with(text: str, pattern: re.Pattern[str]) -> bool:
    """Whether `text` ends with a phrase of `pattern` ("… in touch with")."""
    text = text.rstrip()
    return any(m.end() == len(text) for m in pattern.finditer(text))


def _target_copied(note: list[str], letter: Letter, requester: Person, named: str) -> Person | None:
    """The one person the referrer copied on the forward (To or Cc besides the broker),
    when the note names them ("Ana, meet John"): referrers often copy the person they
    introduce. A copied address the note does not name (an assistant) is no target."""
    copied = [p for p in letter.copied if not _excluded(p, letter, requester)]
    if len(copied) != 1:
        return None
    person = copied[0]
    name = person.name or name_from_address(person.address)
    words = [w for w in re.findall(r"\w+", fold(name)) if len(w) > 1]
    text = " ".join(re.findall(r"\w+", fold("\n".join(note))))
    if not words or not any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text) for w in words):
        return None
    if named and not _names_agree(named, name):
        return None
    return Person(name=person.name or name, address=person.address)


def _names_agree(one: str, other: str) -> bool:
    a, b = fold(one).strip(), fold(other).strip()
    return bool(a and b) and (a in b or b in a)


def _target_in_forward(forward: Forward, letter: Letter, requester: Person, named: str) -> Person | None:
    """The one person the forwarded message asks to meet, with an address ("Could you
    introduce me to Jane Doe (jane@x)?"), when the note names no address. A paragraph
    counts when it asks to meet someone; the requester's own addresses never do. When
    the note named someone without an address (`named`), the names must agree."""
    candidates: list[Person] = []
    seen: set[str] = set()
    for paragraph in re.split(r"\n\s*\n", forward.body):
        text = " ".join(line.strip() for line in paragraph.split("\n"))
        if not _MEET_RE.search(fold(text)):
            continue
        for person in prose_people(text):
            if _excluded(person, letter, requester) or (forward.author and person.same_address(forward.author.address)):
                continue
            if person.address.casefold() not in seen:
                seen.add(person.address.casefold())
                candidates.append(person)
    if len(candidates) != 1:
        return None
    found = candidates[0]
    if requester.name and found.name and fold(found.name) == fold(requester.name):
        return None  # the requester's other address
    if named and found.name and not _names_agree(named, found.name):
        return None
    return found


# --- The referrer's note -----------------------------------------------------------------------


def note_lines(note: str) -> list[str]:
    """The lines the referrer wrote: no quoted lines, nothing from the signature down."""
    kept = []
    for line in note.split("\n"):
        depth, text = unquote_line(line)
        if is_signature_marker(text) or is_mobile_footer(text):
            break
        if depth == 0:
            kept.append(line.rstrip())
    while kept and not kept[-1].strip(" \t_-=*"):
        kept.pop()  # the rule Outlook draws above a forwarded header
    while kept and not kept[0].strip():
        kept.pop(0)
    return kept


def _request_label_index() -> tuple[dict[str, str], dict[str, set[str]]]:
    """Folded request labels → their kind, and → the languages that use them."""
    kinds: dict[str, str] = {}
    languages: dict[str, set[str]] = {}
    for language in lexicon.LANGUAGES:
        for kind in ("introduce", "target", "context", "lang"):
            for label in getattr(language, f"{kind}_labels"):
                kinds.setdefault(fold(label), kind)
                languages.setdefault(fold(label), set()).add(language.code)
    return kinds, languages


_REQUEST_LABELS, _REQUEST_LABEL_LANGUAGES = _request_label_index()

# Possessive (*+): tried on a line of blanks, the plain quantifiers cost its length squared.
_LABEL_RE = re.compile(r"^\s*+[*_]*+([^:：\n]{1,25}?)[*_\s]*+[:：]\s*(.*)$")


def _request_label(line: str) -> tuple[str, str, str] | None:
    """("target", "Jane <jane@x>", "to") for the line "To: Jane <jane@x>"; else None."""
    match = _LABEL_RE.match(line)
    if not match:
        return None
    label = re.sub(r"\s+", " ", fold(match.group(1))).strip(" *_")
    kind = _REQUEST_LABELS.get(label)
    return (kind, match.group(2).strip(), label) if kind else None


@dataclass
class _Labelled:
    """What the explicit request lines of a note say."""

    introduce: str | None = None
    target: str | None = None
    context: list[str] = field(default_factory=list)
    lang: str | None = None
    rows: set[int] = field(default_factory=set)  # the lines they take, context included


def _labelled_lines(lines: list[str]) -> _Labelled:
    """The values of the explicit request lines; the context may run on below its label."""
    found = _Labelled()
    current = None
    for row, line in enumerate(lines):
        labelled = _request_label(line)
        if labelled:
            kind, value, _ = labelled
            found.rows.add(row)
            current = kind
            if not value and kind in ("introduce", "target") and _value_below(lines, row):
                value = lines[row + 1].strip()  # "Introduce:" alone, the person on the next line
                found.rows.add(row + 1)
            if kind == "context":
                found.context.append(value)
            elif kind == "lang":
                found.lang = _language_named(value)
            elif getattr(found, kind) is None:
                setattr(found, kind, value)
        elif current == "context":
            found.context.append(line.strip())
            found.rows.add(row)
    return found


def _value_below(lines: list[str], row: int) -> bool:
    """Whether the line under an empty label is its value: written, and no label itself."""
    return row + 1 < len(lines) and bool(lines[row + 1].strip()) and _request_label(lines[row + 1]) is None


def _label_languages(lines: list[str]) -> tuple[frozenset[str], ...]:
    marks = []
    for line in lines:
        labelled = _request_label(line)
        if labelled:
            marks.append(frozenset(_REQUEST_LABEL_LANGUAGES.get(labelled[2], ())))
    return tuple(marks)


def _language_named(value: str) -> str | None:
    word = fold(value).strip(" .")
    for language in lexicon.LANGUAGES:
        if language.answers and word in {fold(n) for n in language.names}:
            return language.code
    return None


# --- The target ----------------------------------------------------------------------------------


def _target(lines: list[str], labelled: _Labelled, letter: Letter, requester: Person) -> Person | IntakeError:
    """The person the referrer names in the note, or why none can be chosen.

    When several addresses are named and all but one are in the referrer's signature
    (a closing and a name, or a last block of name and contact lines), the one left
    is the target.
    """
    if labelled.target is not None:
        return _named_target(labelled.target)
    candidates = _candidates(lines, letter, requester)
    if len(candidates) > 1:
        unsigned = _candidates(without_signature_block(lines), letter, requester)
        candidates = unsigned if len(unsigned) == 1 else candidates
    if len(candidates) == 1:
        found = candidates[0]
        if not found.name:
            name = _name_on_line_above(lines, found) or named_without_address(lines, requester)
            found = Person(name=name, address=found.address) if name else found
        return found
    if candidates:
        return IntakeError("ambiguous_target", detail=", ".join(c.address for c in candidates))
    name = named_without_address(lines, requester)
    if name:
        return IntakeError("target_without_address", detail=name)
    return IntakeError("no_target")


def _candidates(lines: list[str], letter: Letter, requester: Person) -> list[Person]:
    """The people named with an address in `lines`, once each, but the parties of the
    letter itself (referrer, broker, requester)."""
    candidates: dict[str, Person] = {}  # by folded address, in the order first named
    own = _own_addresses(lines)  # "my personal address is …"
    for line in lines:
        for person in prose_people(line):
            if _excluded(person, letter, requester) or person.address.casefold() in own:
                continue
            known = candidates.get(person.address.casefold())
            if known is None or (not known.name and person.name):
                candidates[person.address.casefold()] = person
    return list(candidates.values())


def _name_on_line_above(lines: list[str], person: Person) -> str:
    """ "Ana Lima\nana@x": the name written alone on the line above an address that is
    alone on its own."""
    for i, line in enumerate(lines):
        if line.strip().strip("<>[]()").casefold() != person.address.casefold():
            continue
        above = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        words = above.split()
        if 1 <= len(words) <= 4 and all(w[:1].isupper() for w in words if fold(w) not in _PARTICLES):
            if not above.endswith((":", ".", "?", "!", ",")) and fold(words[0]) not in _NAME_STOPWORDS:
                return above
    return ""


def _named_target(value: str) -> Person | IntakeError:
    people = people_in(value)
    if people:
        return people[0]
    name = clean_name(value)
    return IntakeError("target_without_address", detail=name) if name else IntakeError("no_target")


def _excluded(person: Person, letter: Letter, requester: Person | None) -> bool:
    return (
        person.same_address(letter.referrer.address)
        or same_mailbox(person.address, letter.broker)
        or (requester is not None and person.same_address(requester.address))
    )


def same_mailbox(address: str, other: str) -> bool:
    """Same mailbox, ignoring a +tag: intro+ABC@x.test is the broker intro@x.test."""
    (local_a, domain_a), (local_b, domain_b) = split_address(address), split_address(other)
    return (
        bool(local_a)
        and domain_a.casefold() == domain_b.casefold()
        and local_a.split("+", 1)[0].casefold() == local_b.split("+", 1)[0].casefold()
    )


_PARTICLES = {fold(p) for language in lexicon.LANGUAGES for p in language.name_particles}
_NAME_STOPWORDS = {fold(w) for language in lexicon.LANGUAGES for w in language.name_stopwords}


def prose_people(line: str) -> list[Person]:
    """The people a sentence names with an address, with the name written next to it.

    "Please introduce him to Jane Doe <jane@x>" → Jane Doe; "jane@x (Jane Doe)" and
    "Jane Doe [mailto:jane@x]" → Jane Doe; a bare "jane@x" or "mailto:jane@x" → no name.
    """
    people = []
    for match in find_addresses(line):
        address = normalize_address(match.group())
        if people and people[-1].same_address(address):
            continue  # "Jane <jane@x<mailto:jane@x>>"
        # A name is a few words: the 200 characters before the address are enough.
        before = re.sub(r"(?i)mailto:\s*$", "", line[max(0, match.start() - 200) : match.start()]).rstrip()
        name = ""
        if before.endswith(("<", "[", "(")):
            name = name_before(before[:-1])
        if not name:
            after = re.match(r"^[>\]\s]*\(([^()@<>]{1,80})\)", line[match.end() :])
            name = clean_name(after.group(1)) if after else ""
        people.append(Person(name=name, address=address))
    return people


def name_before(text: str) -> str:
    """The name written at the end of `text`: a quoted string, or capitalised words."""
    text = text.rstrip()
    quoted = re.search(r"[\"“«]\s*([^\"”»]+?)\s*[\"”»]\s*$", text)
    if quoted:
        return clean_name(quoted.group(1))
    words: list[str] = []
    for word in reversed(text.split()):
        bare = word.strip("\"'“”«»()*_")
        if not bare or word.endswith((":", ",", ";", ".", "!", "?")) and words:
            break
        particle = bare[:1].islower() and fold(bare) in _PARTICLES  # "de", "van"…
        if not particle and (fold(bare) in _NAME_STOPWORDS or not bare[:1].isupper()):
            break
        words.insert(0, bare.rstrip(":,;"))
        if len(words) == 5:
            break
    while words and fold(words[0]) in _PARTICLES:
        words.pop(0)
    return " ".join(words)


def _target_cue_re() -> re.Pattern[str]:
    verbs = {v for language in lexicon.LANGUAGES for v in language.introduce_verbs + language.meet_verbs}
    connectors = {c for language in lexicon.LANGUAGES for c in language.target_connectors}
    verb_alt = "|".join(re.escape(v) for v in sorted(verbs, key=len, reverse=True))
    connector_alt = "|".join(re.escape(c) for c in sorted(connectors, key=len, reverse=True))
    name = r"([A-ZÀ-Ý][\w'’-]+(?:\s+(?:[a-z]{1,3}\s+)?[A-ZÀ-Ý][\w'’-]+){0,3})"
    return re.compile(
        rf"(?i:\b(?:{verb_alt}))\w*\b(?:[^.!?\n@]{{0,40}}?\s(?i:{connector_alt}))?\s+{name}"
    )


_TARGET_CUE_RE = _target_cue_re()


def named_without_address(lines: list[str], requester: Person | None) -> str:
    """A person the note asks to meet by name only ("introduce him to Jane Doe")."""
    for line in lines:
        if "@" in line:
            continue
        for match in _TARGET_CUE_RE.finditer(line):
            name = match.group(1)
            words = [w for w in name.split() if fold(w) not in _NAME_STOPWORDS]
            name = " ".join(words)
            if name and not (requester and requester.name and fold(name) in fold(requester.name)):
                return name
    return ""


# --- Context -------------------------------------------------------------------------------------


def _context(lines: list[str], labelled: _Labelled, parties: list[Person]) -> str:
    """What the referrer says about the parties, ready to be quoted to them.

    An explicit "Why:" wins; otherwise the note's prose, without the request lines and
    without the lines that only name a party. Addresses are taken out everywhere: the
    context is shown to each party before both agreed, and neither may see the
    other's address yet.
    """
    if labelled.context:
        kept = labelled.context
    else:
        kept = [
            line
            for row, line in enumerate(lines)
            if row not in labelled.rows and not _only_names(line)
        ]
    kept = strip_courtesy(kept)
    scrubbed = [scrub_addresses(line, parties) for line in kept]
    text = "\n".join(scrubbed).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


def _only_names(line: str) -> bool:
    """A line that carries an address and hardly anything else ("Jane <jane@x>")."""
    if not find_addresses(line, 1):
        return False
    words = re.findall(r"\w+", scrub_addresses(line, []))
    return len(words) <= 3


def scrub_addresses(text: str, parties: list[Person]) -> str:
    """`text` with every address removed, keeping the names written next to them.

    "Jane Doe <jane@x>" → "Jane Doe"; "jane@x (Jane Doe)" → "Jane Doe"; a bare address
    becomes the name of the party it belongs to, or a name read from a first.last
    address, or nothing.
    """
    names = {p.address.casefold(): p.name for p in parties if p.name}
    addr = ADDRESS_RE.pattern
    if find_addresses(text, 1):  # else none of the patterns below can match: skip their cost
        text = _scrub_found(text, names, addr)
    # What the patterns could not take whole (two addresses run together, a half-typed
    # one) may still show part of one: no word with an "@" is kept.
    text = re.sub(r"[^\s@]*@\S*", "", text)
    text = re.sub(r"\(\s*\)", "", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _scrub_found(text: str, names: dict[str, str], addr: str) -> str:
    # The leading blanks are matched from the start of their run only ((?<!\s)): tried
    # at every blank of a long run, they cost the square of its length.

    def bare(match: re.Match) -> str:
        address = match.group(2)
        name = names.get(address.casefold()) or name_from_address(address)
        return f"{match.group(1)}{name}" if name else ""

    text = re.sub(rf"(?<![ \t])[ \t]*[<\[]\s*+(?:mailto:)?\s*+{addr}\s*+[>\]]", "", text, flags=re.I)
    text = re.sub(rf"(?:mailto:)?{addr}\s*+\(([^()]*)\)", r"\1", text, flags=re.I)
    return re.sub(rf"(?<!\s)(\s*)(?:mailto:)?({addr})", bare, text, flags=re.I)


def name_from_address(address: str) -> str:
    """ "marie.dupont@x" → "Marie Dupont": only for the first.last pattern."""
    parts = re.split(r"[._-]", split_address(address)[0])
    if 2 <= len(parts) <= 3 and all(p.isalpha() and len(p) > 1 for p in parts):
        return " ".join(p.capitalize() for p in parts)
    return ""


# --- Explicit requests ---------------------------------------------------------------------------


def _from_explicit(letter: Letter, text: str) -> ReferralRequest | IntakeError:
    lines = note_lines(text)
    labelled = _labelled_lines(lines)
    lang = labelled.lang or language_of("\n".join(lines), _label_languages(lines))
    requester, target = None, None
    one_line = None
    if labelled.introduce is not None:
        people = people_in(labelled.introduce)
        if not people:
            name = clean_name(labelled.introduce)
            return IntakeError("no_requester", detail=name, lang=lang)
        requester = people[0]
    else:
        one_line = _one_line_request(lines)
        if one_line is None:
            return IntakeError("no_requester", lang=lang)
        requester, target = one_line[0], one_line[1]
        labelled.rows.add(one_line[2])
    if target is None:
        found = _target(lines, labelled, letter, requester)
        if isinstance(found, IntakeError):
            return IntakeError(found.code, found.detail, lang)
        target = found
    return _assemble(
        letter,
        requester=requester,
        target=target,
        context=_context(lines, labelled, [requester, target]),
        subject=letter.subject,
        forwarded_text="",
        lang=lang,
        parties_lang=labelled.lang,
    )


_VERBS = {fold(v) for language in lexicon.LANGUAGES for v in language.introduce_verbs}


def _one_line_request(lines: list[str]) -> tuple[Person, Person, int] | None:
    """ "Introduce John <john@x> to Jane <jane@x>" → (John, Jane, row); also in prose:
    "Could you put John <john@x> in touch with Jane <jane@x>?"."""
    for row, line in enumerate(lines):
        first = fold(line.strip().split(" ", 1)[0]).strip(":,")
        if first not in _VERBS and not _MEET_RE.search(fold(line)):
            continue
        people = prose_people(line)
        distinct: dict[str, Person] = {}
        for person in people:
            distinct.setdefault(person.address.casefold(), person)
        distinct = list(distinct.values())
        if len(distinct) >= 2:
            return distinct[0], distinct[1], row
    return None


# --- Validation and language ---------------------------------------------------------------------


def _assemble(letter: Letter, *, requester, target, context, subject, forwarded_text, lang, parties_lang=None):
    for person in (requester, target):
        if not is_valid_address(person.address):
            return address_error(person.address, lang)
    requester, target = _ascii(requester), _ascii(target)
    if requester.same_address(target.address):
        return IntakeError("same_person", detail=target.address, lang=lang)
    for person in (requester, target):
        if same_mailbox(person.address, letter.broker):
            return IntakeError("broker_as_party", detail=person.address, lang=lang)
    for person in (requester, target):
        if person.same_address(letter.referrer.address):
            return IntakeError("referrer_as_party", detail=person.address, lang=lang)
    return ReferralRequest(
        referrer=letter.referrer,
        requester=requester,
        target=target,
        context=context,
        subject=subject,
        forwarded_text=forwarded_text,
        lang=lang,
        parties_lang=parties_lang,
        message_id=letter.message_id,
    )


def is_valid_address(address: str) -> bool:
    """Whether email-validator accepts the address (syntax only, no DNS).

    `test_environment=True` admits the reserved `.test` domain that test suites and
    staging setups use, without touching the library's module-wide settings.
    `allow_smtputf8=False` refuses a local part that is not ASCII ("jöhn@…"): the
    broker writes without SMTPUTF8, so it could not write to that address.
    """
    try:
        validate_email(address, check_deliverability=False, test_environment=True, allow_smtputf8=False)
    except (EmailNotValidError, ValueError, TypeError):
        return False
    return True


def address_error(address: str, lang: str | None) -> IntakeError:
    """Why `address` cannot be written to. An address with a non-ASCII local part
    ("zoë@…") is valid, but only a server speaking SMTPUTF8 end to end can deliver
    it, which the broker cannot promise: the referrer is told so, not that it is a typo."""
    local = split_address(address)[0]
    if not local.isascii():
        try:
            validate_email(address, check_deliverability=False, test_environment=True, allow_smtputf8=True)
        except (EmailNotValidError, ValueError, TypeError):
            pass
        else:
            return IntakeError("international_address", detail=address, lang=lang)
    return IntakeError("invalid_address", detail=address, lang=lang)


def _ascii(person: Person) -> Person:
    """The person with an international domain written as the mail system writes it
    ("anne@exämple.fr" → "anne@xn--exmple-cua.fr"): the form headers and envelopes take."""
    if person.address.isascii():
        return person
    try:
        info = validate_email(person.address, check_deliverability=False, test_environment=True,
                              allow_smtputf8=False)
    except (EmailNotValidError, ValueError, TypeError):
        return person
    local = split_address(person.address)[0]
    return Person(name=person.name, address=f"{local}@{info.ascii_domain}")


def _common_words() -> dict[str, set[str]]:
    return {
        language.code: {fold(w) for w in language.common_words}
        for language in lexicon.LANGUAGES
        if language.code in SUPPORTED
    }


_COMMON_WORDS = _common_words()


def written_language(text: str) -> str | None:
    """The language `text` is written in, if it is one the broker writes in."""
    lang = language_of(text)
    return lang if lang in SUPPORTED else None


def language_of(text: str, marks: tuple[frozenset[str], ...] = ()) -> str | None:
    """The language a note is written in, if it can be told; None otherwise.

    Frequent words of each language are counted. When they tell clearly (twice as
    many of one language), they decide: the landmarks are the client's, and Gmail
    writes "Forwarded message" and "Subject:" in every language. Otherwise each
    landmark that belongs to a single supported language (a French "Message
    transféré", an "Objet :" label) weighs as three words. A tie tells nothing.
    """
    words = re.findall(r"\w+", fold(text))
    scores = {code: sum(w in common for w in words) for code, common in _COMMON_WORDS.items()}
    ranked = sorted(scores.values(), reverse=True)
    if ranked and ranked[0] >= 2 and (len(ranked) == 1 or ranked[0] >= 2 * ranked[1]):
        return max(scores, key=scores.get)
    for mark in marks:
        codes = set(mark) & set(SUPPORTED)
        if len(codes) == 1:
            scores[codes.pop()] += 3
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    if not ranked or ranked[0][1] == 0 or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]
