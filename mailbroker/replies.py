"""A party's reply → yes, no, stop or unclear, and the note they wrote with it.

The broker asks each party one question: do you want this introduction? People answer
in a line above the quoted question ("Yes — happy to, I lead the litigation team at
Acme"), from a phone, in English or French, sometimes with a question of their own.
Reading the answer is three steps:

1. `fresh_text`: keep only what the person just wrote: cut at the quote ("On … wrote:",
   "Le … a écrit :", an Outlook header block, a forward separator), drop `>` lines,
   drop the signature and the phone footer;
2. `classify`: match the yes/no/stop phrases of `lexicon` in the first sentences;
3. `read_reply`: both, from a message.

A false yes is the worst mistake the broker can make: it would introduce someone who
did not agree. So anything short of a clear, unconditional yes is UNCLEAR, and a human
(the referrer) sees it: a hedge ("maybe", "not sure", "but…"), a question, a yes
mixed with a no, a yes buried in a long text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from email.message import Message

from . import lexicon
from .mailtext import (
    attribution,
    body_text,
    fold,
    fold_with_positions,
    header_addresses,
    header_block,
    is_mobile_footer,
    is_signature_marker,
    normalize,
    separator,
    split_address,
    strip_courtesy,
    unquote_line,
)
from .model import Answer


@dataclass(frozen=True)
class Reply:
    answer: Answer
    note: str  # what the party wrote besides the answer word, for the introduction
    fresh_text: str  # everything the party just wrote (quote and signature removed)


def read_reply(msg: Message) -> Reply:
    """Read a party's reply: its fresh text, and the answer in it."""
    fresh = fresh_text(body_text(msg))
    answer, note = classify(fresh)
    return Reply(answer=answer, note=note, fresh_text=fresh)


# --- Tokens ---------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{8,}")


def reply_tokens(msg: Message, broker_address: str) -> list[str]:
    """The tokens of the broker's reply addresses a message was sent to.

    Each consent request goes out with the reply address `intro+TOKEN@domain`; the
    reply carries it back in To or Cc, and the delivery agent records it in
    Delivered-To / X-Original-To even when the party's client dropped it (Bcc, a
    forwarding rule). Local part and domain compare without case; the token is kept
    as written.
    """
    local, domain = split_address(broker_address)
    local = local.split("+", 1)[0].casefold()
    tokens: list[str] = []
    for header in ("Delivered-To", "X-Original-To", "To", "Cc"):
        for person in header_addresses(msg, header):
            their_local, their_domain = split_address(person.address)
            base, plus, token = their_local.partition("+")
            if not plus or base.casefold() != local or their_domain.casefold() != domain.casefold():
                continue
            if _TOKEN_RE.fullmatch(token) and token not in tokens:
                tokens.append(token)
    return tokens


# --- Fresh text -----------------------------------------------------------------------------------


def fresh_text(text: str) -> str:
    """What the person just wrote, without the quoted message or their signature.

    The text is cut at the first landmark of older mail (an attribution "On … wrote:",
    possibly wrapped over lines; an Outlook "From:/Sent:" block; "-----Original
    Message-----"; a forward separator) and at the signature ("-- ", "Sent from my
    iPhone"); `>` lines are dropped. When nothing is written above the quote (a
    bottom-posted answer), the unquoted text below it is taken instead.
    """
    lines = normalize(text).split("\n")
    quoted = [unquote_line(line) for line in lines]
    texts = [t for _, t in quoted]
    cut = _first_landmark(quoted, texts, 0)
    top = _unquoted(quoted[:cut])
    if top or cut >= len(lines):
        return top
    return _bottom_post(quoted, texts, cut)


def _first_landmark(quoted, texts, start: int) -> int:
    for i in range(start, len(texts)):
        depth, text = quoted[i]
        if depth == 0 and (is_signature_marker(text) or is_mobile_footer(text)):
            return i
        if _opens_older_mail(texts, i):
            return i
    return len(texts)


def _opens_older_mail(texts: list[str], i: int) -> bool:
    text = texts[i]
    if not text.strip():
        return False
    if separator(text) is not None or attribution(texts, i):
        return True
    block = header_block(texts, i, from_first=True)
    return block is not None and len(block.fields) >= 2


def _unquoted(quoted) -> str:
    kept = [text for depth, text in quoted if depth == 0]
    while kept and not kept[-1].strip(" \t_-=*"):
        kept.pop()  # the rule Outlook draws above its header block
    return "\n".join(kept).strip()


def _bottom_post(quoted, texts, cut: int) -> str:
    """The unquoted text written below the quote that opens at line `cut`."""
    i = cut + max(1, attribution(texts, cut))
    while i < len(texts) and (quoted[i][0] > 0 or not texts[i].strip()):
        i += 1
    end = _first_landmark(quoted, texts, i) if i < len(texts) else i
    return _unquoted(quoted[i:end])


# --- Classification -------------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    """Words for matching: folded, apostrophes dropped ("d'accord" → "daccord"),
    hyphens and punctuation as spaces, each emoji a word of its own."""
    words, current = [], []
    for ch in fold(text):
        if ch.isalnum() or ch == "_":
            current.append(ch)
            continue
        if ch == "'":
            continue
        if current:
            words.append("".join(current))
            current = []
        if unicodedata.category(ch) == "So":
            words.append(ch)
    if current:
        words.append("".join(current))
    return words


def _phrases(kind: str) -> tuple[tuple[str, ...], ...]:
    found = set()
    for language in lexicon.LANGUAGES:
        if language.answers:
            for phrase in getattr(language.answers, kind):
                words = tuple(_tokens(phrase))
                if words:
                    found.add(words)
    return tuple(sorted(found, key=len, reverse=True))


_YES, _NO, _STOP, _STOP_ALONE = _phrases("yes"), _phrases("no"), _phrases("stop"), _phrases("stop_alone")
_FIGURES, _HEDGES, _GREETING_PHRASES = _phrases("figures"), _phrases("hedges"), _phrases("greetings")
_NEGATORS = {words[0] for words in _phrases("negators") if len(words) == 1}
_GREETING_WORDS = {words[0] for words in _GREETING_PHRASES}
# What may come before a one-word answer in its clause: "Hi Jean, yes", "Oh yes", "and no".
_LEAD_PHRASES = _GREETING_PHRASES + _phrases("interjections") + _phrases("conjunctions")

_MASK = "\x00"  # stands for a figure of speech, so that its words match nothing else


def _matches(words: list[str], phrases) -> list[tuple[int, int]]:
    spans = []
    for phrase in phrases:
        size = len(phrase)
        for start in range(len(words) - size + 1):
            if tuple(words[start : start + size]) == phrase:
                spans.append((start, start + size))
    return spans


def _overlaps(span, others) -> bool:
    return any(span[0] < end and start < span[1] for start, end in others)


@dataclass(frozen=True)
class _Sentence:
    """The signals found in one sentence of a reply."""

    yes: bool  # an unconditional, un-negated yes phrase
    no: bool
    stop: bool
    negated_yes: bool  # "not sure", "pas d'accord" turned around
    hedge: bool
    question: bool


def _clause_end_re() -> re.Pattern[str]:
    words = {c for language in lexicon.LANGUAGES if language.answers for c in language.answers.conjunctions}
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    # The conjunction stays with its clause (it may be a hedge: "but"), hence a lookahead.
    return re.compile(rf"[,;:—–()]|\s-\s|\s(?=(?:{alternatives})\s)", re.IGNORECASE)


_CLAUSE_END = _clause_end_re()


def _read_sentence(sentence: str) -> _Sentence:
    sentence = sentence[:_SENTENCE_HEAD]  # an answer is never deep inside one sentence
    words, starts = [], set()
    for clause in _CLAUSE_END.split(sentence):
        starts.add(len(words))
        words.extend(_tokens(clause))
    openings = _openings(words, starts)
    for start, end in _matches(words, _FIGURES):
        words[start:end] = [_MASK] * (end - start)
    stops = _matches(words, _STOP)
    all_nos = _matches(words, _NO)
    nos = [span for span in all_nos if _counts_as_answer(span, words, openings)]
    # A "no" that is not an answer ("there is no rush", "oui, enfin non") still casts a
    # doubt on a yes beside it: better ask again than introduce on a misreading.
    stray_no = len(all_nos) > len(nos)
    yeses = [
        span
        for span in _matches(words, _YES)
        if not _overlaps(span, nos + stops) and _counts_as_answer(span, words, openings)
    ]
    negated = [span for span in yeses if _NEGATORS & set(words[max(0, span[0] - 3) : span[0]])]
    return _Sentence(
        yes=len(negated) < len(yeses),
        no=bool(nos),
        stop=bool(stops),
        negated_yes=bool(negated),
        hedge=stray_no or bool(_matches(words, _HEDGES)),
        question="?" in sentence,
    )


def _openings(words: list[str], starts: set[int]) -> set[int]:
    """Where a clause's own words begin, after greetings and interjections."""
    openings = set()
    for start in starts:
        while True:
            lead = next((p for p in _LEAD_PHRASES if tuple(words[start : start + len(p)]) == p), None)
            if lead is None:
                break
            start += len(lead)
        openings.add(start)
    return openings


def _counts_as_answer(span: tuple[int, int], words: list[str], openings: set[int]) -> bool:
    """A one-word answer ("yes", "ok", "sure", "no") counts only where a clause opens:
    "Sure!", "Thanks Jean, yes", "Oh yes" are answers; "I'm sure she is great" and
    "there is no rush" are not. Phrases of several words, and emoji, count anywhere."""
    if span[1] - span[0] > 1 or not words[span[0]].isalpha():
        return True
    return span[0] in openings


_SENTENCE_HEAD = 1000  # characters
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
_WORD = re.compile(r"\w+")
_CONSIDERED = 3  # the answer is in the first sentences; what follows is the note
_SHORT = 40  # words: a short reply may ask a practical question after its yes
_LONG = 60  # words: beyond this, a yes that is not the first sentence is buried


def classify(fresh: str) -> tuple[Answer, str]:
    """The answer in a reply's fresh text, and the note that goes with it.

    The first sentences decide (greetings skipped). STOP when the person asks never to
    be contacted (unless they also said yes: then a human reads it). NO on a clear no.
    YES only on a clear yes with no no, no negation, no hedge, and no question (a short
    reply may add a practical question after an unconditional yes: "Yes! When?").
    Everything else is UNCLEAR. The note is the text without the answer words
    (see `_note`); for UNCLEAR, the whole fresh text.
    """
    fresh = fresh.strip()
    if not fresh:
        return Answer.UNCLEAR, ""
    considered = []
    for sentence in _SENTENCE_END.split(fresh):
        if sentence and sentence.strip():
            read = _read_sentence(sentence)
            if not _is_greeting(sentence, read):
                considered.append(read)
                if len(considered) == _CONSIDERED:
                    break
    if not considered:
        return Answer.UNCLEAR, fresh
    total_words = len(_WORD.findall(fresh))
    answer = _decide(considered, total_words, _alone(fresh, _STOP_ALONE))
    return answer, (_note(fresh, answer) if answer is not Answer.UNCLEAR else fresh)


def _decide(considered: list[_Sentence], total_words: int, stop_alone: bool) -> Answer:
    yes = any(s.yes for s in considered)
    if stop_alone or any(s.stop for s in considered):
        return Answer.UNCLEAR if yes else Answer.STOP
    if any(s.no for s in considered):
        return Answer.UNCLEAR if yes else Answer.NO
    if not yes or any(s.hedge or s.negated_yes for s in considered):
        return Answer.UNCLEAR
    first = considered[0]
    if any(s.question for s in considered):
        if not (first.yes and not first.question and total_words <= _SHORT):
            return Answer.UNCLEAR
    if not first.yes and total_words > _LONG:
        return Answer.UNCLEAR
    return Answer.YES


def _is_greeting(sentence: str, read: _Sentence) -> bool:
    """Courtesy alone ("Hi Jean," or "Thanks!"), not yet the answer."""
    words = _tokens(sentence)
    signals = read.yes or read.no or read.stop or read.negated_yes or read.hedge
    return bool(words) and len(words) <= 3 and words[0] in _GREETING_WORDS and not signals


def _alone(text: str, phrases) -> bool:
    if len(text) > 100:
        return False
    words = tuple(_tokens(text))
    return any(words == phrase for phrase in phrases)


# --- The note ----------------------------------------------------------------------------------------


def _answer_re(kinds: tuple[str, ...]) -> re.Pattern[str]:
    """Folded answer phrases at the start of a text, words separated by any spacing
    or commas ("yes, please" = "yes please")."""
    phrases = set()
    for language in lexicon.LANGUAGES:
        if language.answers:
            for kind in kinds:
                phrases |= {fold(p) for p in getattr(language.answers, kind)}
    parts = []
    for phrase in sorted(phrases, key=len, reverse=True):
        words = [re.escape(w) for w in re.split(r"[\s-]+", phrase) if w]
        parts.append(r"[\s,-]+".join(words))
    return re.compile(rf"(?:{'|'.join(parts)})(?!\w)")


_LEADING = {
    Answer.YES: _answer_re(("yes", "figures")),
    Answer.NO: _answer_re(("no", "figures")),
    Answer.STOP: _answer_re(("stop", "stop_alone", "no")),
}
_GREETING_RE = _answer_re(("greetings", "interjections"))
# After a greeting, up to two words (a name) and the punctuation that ends it.
_GREETED = re.compile(r"(?:[ \t]+[\w'-]+){0,2}[ \t]*(?:[,!.:\n]|$)")
_FILLER = re.compile(r"[\s,.;:!—–\-…]*")
_NOTE_HEAD = 2000


def _note(fresh: str, answer: Answer) -> str:
    """The fresh text less its courtesy and its leading answer words.

    "Yes — I lead the litigation team at Acme" → "I lead the litigation team at Acme";
    "Hi Jean, yes please!\\nBest,\\nMarie" → "".
    """
    text = "\n".join(strip_courtesy(fresh.split("\n"))).strip()
    folded, positions = fold_with_positions(text[:_NOTE_HEAD])  # the answer words lead
    pattern = _LEADING[answer]
    at = 0
    while at < len(folded):
        at = _FILLER.match(folded, at).end()
        greeting = _GREETING_RE.match(folded, at)
        named = _GREETED.match(folded, greeting.end()) if greeting else None
        match = named or pattern.match(folded, at)
        if not match:
            break
        at = match.end()
    if at < len(folded):
        return text[positions[at] :].strip()
    return text[_NOTE_HEAD:].strip()  # all answer words (or a text longer than the head)
