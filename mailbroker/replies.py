"""A party's reply → yes, no, stop or unclear, and the note they wrote with it.

The broker asks each party one question: do you want this introduction? People answer
in a line above the quoted question ("Yes — happy to, I lead the litigation team at
Acme"), from a phone, in English or French, sometimes with a question of their own.
Reading the answer is three steps:

1. `fresh_text`: keep only what the person just wrote: cut at the quote ("On … wrote:",
   "Le … a écrit :", an Outlook header block, a forward separator, a line of the
   broker's own request copied without any mark), drop `>` lines, drop the signature,
   the phone footer and the company's legal notice;
2. `classify`: match the yes/no/stop phrases of `lexicon` in the first sentences;
3. `read_reply`: both, from a message; a message with no answer in its text whose
   subject is a stop word ("stop", the broker's List-Unsubscribe link) is a stop.

A false yes is the worst mistake the broker can make: it would introduce someone who
did not agree. So anything short of a clear yes is UNCLEAR, and a human (the
referrer) sees it: a hedge ("maybe", "not sure", "but…", "if…"), a question about the
request ("who is he?"), a yes mixed with a no, a dangling "not" ("sure... not"), a yes
buried in a long text. A yes may carry a constraint of timing or form ("Yes, but not
before June"): it stays a yes, and the constraint is its note; so does a practical
question or a logistics sentence after it ("Yes! When suits him?", "Yes. Call me if
he prefers.").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from . import lexicon
from .mailtext import (
    attribution,
    body_text,
    fold,
    fold_with_positions,
    header_addresses,
    header_block,
    header_text,
    is_disclaimer,
    is_mobile_footer,
    is_signature_marker,
    normalize,
    separator,
    split_address,
    strip_courtesy,
    strip_prefixes,
    unquote_line,
    without_external_banner,
    without_signature_block,
)
from .model import Answer


@dataclass(frozen=True)
class Reply:
    answer: Answer
    note: str  # what the party wrote besides the answer word, for the introduction
    fresh_text: str  # everything the party just wrote (quote and signature removed)


def read_reply(msg: Message) -> Reply:
    """Read a party's reply: its fresh text, and the answer in it.

    The broker's List-Unsubscribe link opens a message with the subject "stop" and no
    text: a subject that is a stop word alone is a stop, unless the text says yes.
    """
    fresh = fresh_text(body_text(msg))
    answer, note = classify(fresh)
    if answer is Answer.UNCLEAR and not _says_yes(fresh):
        subject = strip_prefixes(header_text(msg, "Subject"))
        if _alone(subject, _STOP_ALONE + _STOP):
            return Reply(answer=Answer.STOP, note="", fresh_text=fresh)
    return Reply(answer=answer, note=note, fresh_text=fresh)


def _says_yes(fresh: str) -> bool:
    return any(_read_sentence(sentence).yes for sentence in _SENTENCE_END.split(fresh) if sentence.strip())


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
    lines = without_external_banner(normalize(text).split("\n"))
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
        if depth == 0 and (is_signature_marker(text) or is_mobile_footer(text) or is_disclaimer(text)):
            return i
        if _opens_older_mail(texts, i):
            return i
    return len(texts)


def _opens_older_mail(texts: list[str], i: int) -> bool:
    text = texts[i]
    if not text.strip():
        return False
    if separator(text) is not None or attribution(texts, i) or _broker_line(text):
        return True
    block = header_block(texts, i, from_first=True)
    if block is not None and len(block.fields) >= 2:
        return True
    # Some clients put the date first ("Gesendet:/Von:", "Date:/From:").
    block = header_block(texts, i, from_first=False)
    return block is not None and len(block.fields) >= 3


def _line_key(text: str) -> str:
    return " ".join(re.findall(r"\w+", fold(text)))


def _broker_lines() -> tuple[re.Pattern[str], ...]:
    """The lines of the broker's own messages (its templates), as patterns: a client
    that quotes without any mark ("Yes" and the whole request under it) still shows
    where the broker's words start. Only the messages that ask a party something are
    read; optional parts and placeholders match anything; a line needs six fixed words
    to count, so that no sentence a person writes is taken for one."""
    patterns = []
    for path in sorted(p for name in _ASKING for p in TEMPLATES.glob(f"*/{name}.txt")):
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:  # not the Subject
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


def _broker_line(text: str) -> bool:
    if len(text) > 300:
        return False
    key = _line_key(text)
    return bool(key) and any(pattern.search(key) for pattern in _BROKER_LINES)


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


_ELONGATED = re.compile(r"([^\W\d_])\1{2,}")  # "yesss", "ouiii", "nooo"


def _tokens(text: str) -> list[str]:
    """Words for matching: folded, apostrophes dropped ("d'accord" → "daccord"),
    hyphens and punctuation as spaces, each emoji a word of its own, a letter typed
    three times or more once ("Yesss!" → "yes": no word of either language has one)."""
    words, current = [], []
    for ch in _ELONGATED.sub(r"\1", fold(text)):
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
_CONSTRAINTS, _RHETORICAL = _phrases("constraints"), _phrases("rhetorical")
_DOUBT_QUESTIONS = {words[0] for words in _phrases("doubt_questions") if len(words) == 1}
_CONDITIONS = set(_phrases("conditions"))
_YES_ALONE = set(_phrases("yes_alone"))
_CONJUNCTIONS = {words[0] for words in _phrases("conjunctions") if len(words) == 1}
_GREETING_WORDS = {words[0] for words in _GREETING_PHRASES}
# What may come before a one-word answer in its clause: "Hi Jean, yes", "Oh yes", "and no".
_LEAD_PHRASES = _GREETING_PHRASES + _phrases("interjections") + _phrases("conjunctions")

_MASK = "\x00"  # stands for a figure of speech, so that its words match nothing else


def _matches(words: list[str], phrases) -> list[tuple[int, int]]:
    """The spans of `words` that are one of `phrases`, phrase by phrase in their order
    (longest first), each from left to right. Only the phrases whose first word is at
    a position are tried there: a long sentence costs its length, not its length times
    the size of the lexicon."""
    by_first = _first_words(phrases)
    found = []
    for start, word in enumerate(words):
        for order, phrase in by_first.get(word, ()):
            if tuple(words[start : start + len(phrase)]) == phrase:
                found.append((order, start, start + len(phrase)))
    found.sort()
    return [(start, end) for _, start, end in found]


_FIRST_WORDS: dict[int, tuple[object, dict[str, list[tuple[int, tuple[str, ...]]]]]] = {}


def _first_words(phrases) -> dict[str, list[tuple[int, tuple[str, ...]]]]:
    """The phrases by their first word, with their rank; built once per table."""
    known = _FIRST_WORDS.get(id(phrases))
    if known is None or known[0] is not phrases:
        index: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        for order, phrase in enumerate(phrases):
            if phrase:
                index.setdefault(phrase[0], []).append((order, phrase))
        known = (phrases, index)
        _FIRST_WORDS[id(phrases)] = known
    return known[1]


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
    # The only hedge is a condition inside the sentence ("… if he prefers to call"):
    # no doubt on a yes said in an earlier sentence.
    inner_condition: bool = False


def _clause_end_re() -> re.Pattern[str]:
    words = {c for language in lexicon.LANGUAGES if language.answers for c in language.answers.conjunctions}
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    # The conjunction stays with its clause (it may be a hedge: "but"), hence a lookahead.
    return re.compile(rf"[,;:—–()]|\s-\s|\s(?=(?:{alternatives})\s)", re.IGNORECASE)


_CLAUSE_END = _clause_end_re()


def _read_sentence(sentence: str) -> _Sentence:
    sentence = sentence[:_SENTENCE_HEAD]  # an answer is never deep inside one sentence
    words, starts = [], set()
    # A clause of nothing but "not" turns around what came before it ("sure... not").
    dangling_not = False
    whole_yes = []  # clauses that are a yes only as a whole ("I'm in!")
    for clause in _CLAUSE_END.split(sentence):
        starts.add(len(words))
        clause_words = _tokens(clause)
        dangling_not = dangling_not or bool(clause_words) and set(clause_words) <= _NEGATORS
        if tuple(clause_words) in _YES_ALONE:
            whole_yes.append((len(words), len(words) + len(clause_words)))
        words.extend(clause_words)
    openings = _openings(words, starts)
    for start, end in _matches(words, _FIGURES):
        words[start:end] = [_MASK] * (end - start)
    stops = _matches(words, _STOP)
    all_nos = _matches(words, _NO)
    nos = [span for span in all_nos if _counts_as_answer(span, words, openings)]
    # A "no" that is not an answer ("there is no rush", "oui, enfin non") still casts a
    # doubt on a yes beside it: better ask again than introduce on a misreading.
    stray_no = len(all_nos) > len(nos)
    yeses = _outermost([
        span
        for span in _matches(words, _YES) + whole_yes
        if not _overlaps(span, nos + stops) and _counts_as_answer(span, words, openings)
    ])
    # A yes is turned around by a negator just before it, in its own clause ("not
    # sure", "I don't mind, go ahead" is two clauses).
    negated = [
        span
        for span in yeses
        if _NEGATORS & set(words[max(span[0] - 3, *(s for s in starts if s <= span[0])) : span[0]])
    ]
    hedges = [span for span in _matches(words, _HEDGES) if not _opens_constraint(span, words, starts)]
    question = _asks(sentence)
    doubting = question and bool(_DOUBT_QUESTIONS & set(words))  # "Ok... who?"
    hedge = stray_no or dangling_not or doubting or bool(hedges)
    inner_condition = (
        bool(hedges)
        and not (stray_no or dangling_not or doubting or yeses)
        and all(tuple(words[a:b]) in _CONDITIONS and a not in openings for a, b in hedges)
    )
    return _Sentence(
        yes=len(negated) < len(yeses),
        no=bool(nos),
        stop=bool(stops),
        negated_yes=bool(negated),
        hedge=hedge,
        question=question,
        inner_condition=inner_condition,
    )


def _outermost(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans not inside a longer one: in "I don't see why not", the yes is the whole
    phrase, not the "why not" in it that the "don't" before it would turn around."""
    return [
        span for span in spans
        if not any(other != span and other[0] <= span[0] and span[1] <= other[1] for other in spans)
    ]


def _opens_constraint(span: tuple[int, int], words: list[str], starts: set[int]) -> bool:
    """A "but" that opens a clause of timing or form ("…, but not before June"): the
    constraint of a yes, not a doubt about it."""
    start, end = span
    if end - start != 1 or start not in starts or words[start] not in _CONJUNCTIONS:
        return False
    return any(tuple(words[end : end + len(phrase)]) == phrase for phrase in _CONSTRAINTS)


def _asks(sentence: str) -> bool:
    """Whether the sentence asks something: a "?" not just after a rhetorical "why not"."""
    for at in [i for i, ch in enumerate(sentence) if ch == "?"]:
        before = tuple(_tokens(sentence[:at]))
        if not any(before[len(before) - len(p) :] == p for p in _RHETORICAL if len(before) >= len(p)):
            return True
    return False


def _openings(words: list[str], starts: set[int]) -> set[int]:
    """Where a clause's own words begin, after greetings and interjections."""
    openings = set()
    by_first = _first_words(_LEAD_PHRASES)
    for start in starts:
        while True:
            if start < len(words) and words[start] not in by_first and not words[start][0].isalnum():
                start += 1  # an emoji before the answer ("🙏 yes")
                continue
            candidates = by_first.get(words[start], ()) if start < len(words) else ()
            lead = next((p for _, p in candidates if tuple(words[start : start + len(p)]) == p), None)
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
    signed = _unsigned(fresh)
    considered = []
    for sentence in _SENTENCE_END.split(signed):
        if sentence and sentence.strip():
            read = _read_sentence(sentence)
            if not _is_greeting(sentence, read):
                considered.append(read)
                if len(considered) == _CONSIDERED:
                    break
    if not considered:
        return Answer.UNCLEAR, fresh
    total_words = len(_WORD.findall(signed))
    answer = _decide(considered, total_words, _alone(signed, _STOP_ALONE))
    return answer, (_note(fresh, answer) if answer is not Answer.UNCLEAR else fresh)


def _unsigned(fresh: str) -> str:
    """The fresh text without its signature (a closing and a name, a block of name and
    contact lines), unless what would be cut says something ("Yes\n\nNot now")."""
    kept = without_signature_block(fresh.split("\n"), says=_says_something)
    return "\n".join(kept).strip() or fresh


def _says_something(line: str) -> bool:
    """A short line that answers, doubts, asks or sets a constraint: never a signature."""
    read = _read_sentence(line)
    if read.yes or read.no or read.stop or read.hedge or read.negated_yes or read.question:
        return True
    words = tuple(_tokens(line))
    return any(words[: len(phrase)] == phrase for phrase in _CONSTRAINTS)


def _decide(considered: list[_Sentence], total_words: int, stop_alone: bool) -> Answer:
    yes = any(s.yes for s in considered)
    if stop_alone or any(s.stop for s in considered):
        return Answer.UNCLEAR if yes else Answer.STOP
    if any(s.no for s in considered):
        return Answer.UNCLEAR if yes else Answer.NO
    # A condition inside a later sentence is about logistics, once a yes came before it.
    said_yes = [any(s.yes for s in considered[: i + 1]) for i in range(len(considered))]
    doubts = [
        s.hedge and not (s.inner_condition and i > 0 and said_yes[i - 1])
        for i, s in enumerate(considered)
    ]
    if not yes or any(doubts) or any(s.negated_yes for s in considered):
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
_THANKS_RE = _answer_re(("thanks",))
_CONJUNCTION_RE = _answer_re(("conjunctions",))
# After a greeting, up to two words (a name) and the punctuation that ends it.
_GREETED = re.compile(r"(?:[ \t]+[\w'-]+){0,2}[ \t]*(?:[,!.:\n]|$)")
# After thanks, the rest of a short clause: "thanks for thinking of me,".
_THANKED = re.compile(r"(?:[ \t]+[\w'’-]+){0,6}[ \t]*(?=[,;!.:—–\n]|$)")
# Right after the answer words, the rest of a short sentence that only continues them:
# "happy to| connect.", "I'd be glad| to talk to him.", "ravie| de la rencontrer !".
_CONTINUED = re.compile(r"(?:[ \t]+[\w'’-]+){1,4}[ \t]*(?=[.!?\n]|$)")
_FILLER = re.compile(r"[\s,.;:!—–\-…]*")
_NOTE_HEAD = 2000


def _note(fresh: str, answer: Answer) -> str:
    """The fresh text less its courtesy and its leading answer words.

    "Yes — I lead the litigation team at Acme" → "I lead the litigation team at Acme";
    "Hi Jean, yes please!\\nBest,\\nMarie" → "".
    """
    text = "\n".join(strip_courtesy(fresh.split("\n"), says=_says_something)).strip()
    folded, positions = fold_with_positions(text[:_NOTE_HEAD])  # the answer words lead
    pattern = _LEADING[answer]
    at = 0
    while at < len(folded):
        at = _FILLER.match(folded, at).end()
        thanks = _THANKS_RE.match(folded, at) if answer is Answer.YES else None
        greeting = _GREETING_RE.match(folded, at)
        courtesy = _THANKED.match(folded, thanks.end()) if thanks else None
        courtesy = courtesy or (_GREETED.match(folded, greeting.end()) if greeting else None)
        if courtesy:
            at = courtesy.end()
            continue
        match = pattern.match(folded, at)
        if not match:
            break
        at = match.end()
        continued = _CONTINUED.match(folded, at)
        if continued:
            at = continued.end()
    # "Yes, but not before June": the note is the constraint, without its "but".
    joined = _CONJUNCTION_RE.match(folded, at)
    if joined and at:
        at = _FILLER.match(folded, joined.end()).end()
    if at < len(folded):
        return text[positions[at] :].strip()
    return text[_NOTE_HEAD:].strip()  # all answer words (or a text longer than the head)
