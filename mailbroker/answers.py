"""The answer in what a party wrote: yes, no, stop or unclear — precision first.

The broker asked one question: do you want this introduction? A false yes introduces
someone who did not agree, the one mistake users never forgive; an unclear costs one
more short message ("Reply YES to be introduced, NO to decline"). So the reader is
built backwards from the yes: a reply is YES only when

1. a sentence agrees, and to this introduction: every word of it belongs to a yes
   ("Yes please, happy to!", "Oui, avec plaisir"), or it speaks of the introduction
   itself ("Yes, a short call would be best", "happy to share what I learned");
   "Yes, the invoice went out yesterday" agrees to something else;
2. nothing anywhere in the reply — every sentence, not a window — points elsewhere:
   a negation that bears on the introduction ("I can't", "we don't meet until…"; not
   "I'm not in London any more"), a hedge or a condition, a contrast that does not just
   set a time or a form ("Yes, but not before June" is fine; "Yes. That said, I'm not
   meeting anyone" is not), a question of doubt, redirection, deferral, reported
   speech, sarcasm, a reason it cannot happen, another matter (an invoice, the kids, a
   time of day: an appointment), the words of an acknowledgement ("noted");
3. and the reply is not so long that a yes is buried in it.

Two turns of thought are read for what they are. A concession turned to a yes in the
same sentence ("Can't do mornings, but yes", "No, I don't know Bob, but sure") is a
yes. A person who thinks aloud before deciding ("I usually ignore these. Most are
pitches. But Rachel never sent me a dud. So yes, let's talk.") has decided: negations,
contrasts, regrets and other matters are forgiven before a last sentence that decides,
with a resolution ("So yes", "Bref, c'est oui") or after a turn ("But …") — hedges
and questions of doubt never are.

NO needs a clear no and no yes; STOP a request never to be written to again (a stop
with a yes is unclear). Everything else is UNCLEAR. All the words come from `lexicon`
(the `Answers` of each language); this module only knows what each kind of word does.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from . import lexicon
from .mailtext import fold, fold_with_positions, strip_courtesy, without_signature_block
from .model import Answer

# --- Words ------------------------------------------------------------------------------------------

_ELONGATED = re.compile(r"([^\W\d_])\1{2,}")  # "yesss", "ouiii", "nooo"


def tokens(text: str) -> list[str]:
    """Words for matching: folded, apostrophes dropped ("d'accord" → "daccord"),
    hyphens and punctuation as spaces, each emoji a word of its own, a letter typed
    three times or more once ("Yesss!" → "yes": no word of either language has one)."""
    return [word for word, _ in _cased_tokens(text)]


def _cased_tokens(text: str) -> list[tuple[str, bool]]:
    """`tokens`, each with whether it was written with a capital (a name, perhaps)."""
    words: list[tuple[str, bool]] = []
    current: list[str] = []
    capital = False
    for ch in _ELONGATED.sub(r"\1", text):
        folded = fold(ch)
        if ch.isalnum() or ch == "_":
            if not current:
                capital = ch.isupper()
            current.append(folded)
            continue
        if ch in "'’`":
            continue
        if current:
            words.append(("".join(current), capital))
            current = []
        if unicodedata.category(ch) == "So":
            words.append((ch, False))
    if current:
        words.append(("".join(current), capital))
    return words


def _phrases(kind: str) -> tuple[tuple[str, ...], ...]:
    found = set()
    for language in lexicon.LANGUAGES:
        if language.answers:
            for phrase in getattr(language.answers, kind):
                words = tuple(tokens(phrase))
                if words:
                    found.add(words)
    return tuple(sorted(found, key=len, reverse=True))


def _words_of(kind: str) -> frozenset[str]:
    return frozenset(words[0] for words in _phrases(kind) if len(words) == 1)


_YES, _NO, _STOP, _STOP_ALONE = _phrases("yes"), _phrases("no"), _phrases("stop"), _phrases("stop_alone")
_FIGURES, _HEDGES, _GREETING_PHRASES = _phrases("figures"), _phrases("hedges"), _phrases("greetings")
_CONSTRAINTS, _RHETORICAL, _CONTRASTS = _phrases("constraints"), _phrases("rhetorical"), _phrases("contrasts")
_REGRETS, _RESOLUTIONS, _ELSEWHERE = _phrases("regrets"), _phrases("resolutions"), _phrases("elsewhere")
_CONDITIONS = set(_phrases("conditions"))
_YES_ALONE = set(_phrases("yes_alone"))
_CONTRASTS_ALONE = set(_phrases("contrasts_alone"))
_NEGATORS, _DOUBT_QUESTIONS = _words_of("negators"), _words_of("doubt_questions")
_NEGATOR_PHRASES = tuple(p for p in _phrases("negators") if len(p) > 1)  # "no longer"
_CONJUNCTIONS, _ANCHORS = _words_of("conjunctions"), _words_of("anchors")
_WILLING, _TIME_PREPOSITIONS = _words_of("willing"), _words_of("time_prepositions")
_TIME_LIMITS = _words_of("time_limits")
_NAME_LEADS = _words_of("name_leads")
_UNAVAILABLE = _phrases("unavailable")
_ADVERBS = frozenset(_phrases("adverbs"))
# Phrases that make a yes one to this introduction: its own words of several words
# ("make time"), and a line about oneself ("I lead the litigation team").
_ANCHOR_PHRASES = tuple(p for p in _phrases("anchors") if len(p) > 1) + _phrases("credentials")
_NOTE_MARKERS = _phrases("note_markers")
_GREETING_WORDS = frozenset(words[0] for words in _GREETING_PHRASES)
# Words that may stand beside a yes: plain words, courtesy, little words before an answer.
_PLAIN = (_words_of("plain") | _GREETING_WORDS | _words_of("interjections") | _words_of("thanks")
          | _words_of("closings") | _words_of("resolutions") | _words_of("yes"))
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


def _covered(spans) -> set[int]:
    return {i for start, end in spans for i in range(start, end)}


def _outermost(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans not inside a longer one: in "I don't see why not", the yes is the whole
    phrase, not the "why not" in it that the "don't" before it would turn around."""
    return [
        span for span in spans
        if not any(other != span and other[0] <= span[0] and span[1] <= other[1] for other in spans)
    ]


# --- One sentence -----------------------------------------------------------------------------------

# Why a sentence stands against a yes. Thinking aloud (a negation, a contrast, a regret,
# another matter) is forgiven before a last sentence that decides (see `_decide`); a
# hedge, a condition, a question of doubt or a stray no never is.
NEGATION, CONTRAST, REGRET = "negation", "contrast", "regret"
HEDGE, CONDITION, ELSEWHERE, YES_ELSEWHERE = "hedge", "condition", "elsewhere", "yes to something else"
DOUBTING_QUESTION, STRAY_NO = "question of doubt", "stray no"
_FORGIVEN_BEFORE_A_DECISION = frozenset({NEGATION, CONTRAST, REGRET, ELSEWHERE, YES_ELSEWHERE})


@dataclass(frozen=True)
class _Sentence:
    """What one sentence of a reply says."""

    yes: bool  # a yes phrase answering in it, not turned around
    consent: bool  # it agrees to the introduction and says nothing else that matters
    no: bool
    stop: bool
    doubts: frozenset[str]  # why it stands against a yes (see the constants above)
    question: bool  # it asks something
    resolving: bool  # it holds a resolution ("So yes", "Bref", "C'est donc oui")
    # It opens with a contrast ("Actually, yes"): harmless in a reply's first sentence,
    # a turn against what came before in any other.
    leading_contrast: bool
    words: int
    # A condition inside the sentence, not at its start ("… call me if he prefers"):
    # logistics, once a yes came before it.
    inner_condition: bool = False

    @property
    def courtesy(self) -> bool:
        return not (self.yes or self.no or self.stop or self.doubts or self.question or self.leading_contrast)


def _clause_end_re() -> re.Pattern[str]:
    words = {c for language in lexicon.LANGUAGES if language.answers for c in language.answers.conjunctions}
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    # The conjunction stays with its clause (it may be a contrast: "but"), hence a lookahead.
    return re.compile(rf"[,;:—–()]|\s-\s|\s(?=(?:{alternatives})\s)", re.IGNORECASE)


_CLAUSE_END = _clause_end_re()
_SENTENCE_HEAD = 1000  # characters: an answer is never deep inside one sentence


@dataclass
class _Clauses:
    """A sentence's words, where each clause starts, and which words were capitalised."""

    words: list[str]
    capital: list[bool]
    starts: list[int]
    whole_yes: list[tuple[int, int]]  # clauses that are a yes only as a whole ("I'm in!")
    whole_turns: list[tuple[int, int]]  # clauses that are a contrast only as a whole ("Wait —")
    only_negators: bool  # a clause of nothing but "not" ("sure... not")

    @classmethod
    def of(cls, sentence: str) -> _Clauses:
        words, capital, starts, whole_yes, whole_turns, only_negators = [], [], [], [], [], False
        for clause in _CLAUSE_END.split(sentence):
            cased = _cased_tokens(clause)
            if not cased:
                continue
            starts.append(len(words))
            clause_words = [w for w, _ in cased]
            only_negators = only_negators or set(clause_words) <= _NEGATORS
            if tuple(clause_words) in _YES_ALONE:
                whole_yes.append((len(words), len(words) + len(clause_words)))
            if tuple(clause_words) in _CONTRASTS_ALONE:
                whole_turns.append((len(words), len(words) + len(clause_words)))
            words.extend(clause_words)
            capital.extend(c for _, c in cased)
        return cls(words, capital, starts, whole_yes, whole_turns, only_negators)

    def clause_of(self, position: int) -> tuple[int, int]:
        start = max(s for s in self.starts if s <= position)
        later = [s for s in self.starts if s > position]
        return start, (later[0] if later else len(self.words))

    def clauses(self) -> list[tuple[int, int]]:
        bounds = self.starts + [len(self.words)]
        return [(bounds[i], bounds[i + 1]) for i in range(len(self.starts)) if bounds[i] < bounds[i + 1]]


@dataclass
class _Spans:
    """The phrases found in one sentence, by kind, as spans of its words."""

    c: _Clauses
    openings: set[int]  # where each clause's own words begin
    yeses: list[tuple[int, int]]  # yes phrases that answer
    nos: list[tuple[int, int]]  # no phrases that answer
    stray_no: bool  # a no that is no answer ("there is no rush")
    stops: list[tuple[int, int]]
    constrained: set[int]  # words of a constraint of timing or form ("not before June")
    anchored: set[int]  # words of the introduction itself, or of a line about oneself
    noted: bool  # it announces a note about the introduction ("heads up", "pour info")
    phrased: set[int]  # words that say what they say inside a phrase ("don't" in "I don't mind")
    # Words before this one concede something the sentence then turns from, to a yes:
    # "No, I don't know Bob personally, but sure, go ahead" (0: no concession).
    conceded: int = 0
    negator_phrases: set[int] = field(default_factory=set)  # where a negation of several words starts

    @property
    def words(self) -> list[str]:
        return self.c.words

    @classmethod
    def of(cls, sentence: str) -> _Spans:
        c = _Clauses.of(sentence)
        words = c.words
        openings = _openings(words, c.starts)
        _mask_figures(words)
        stops = _matches(words, _STOP)
        constraints = _matches(words, _CONSTRAINTS)
        constrained = _covered(constraints)
        candidates = [span for span in _matches(words, _YES) + c.whole_yes
                      if _counts_as_answer(span, words, openings)]
        conceded = _concession(c, candidates)
        # "no" inside a longer yes ("I've no issue with that") is that yes; inside "no
        # longer", a negation.
        negating = _matches(words, _NEGATOR_PHRASES)
        no_spans = [span for span in _matches(words, _NO) if not _overlaps(span, negating)
                    and not any(a <= span[0] and span[1] <= b and b - a > span[1] - span[0] for a, b in candidates)]
        # A no that only concedes, or says when one is not available ("pas disponible le
        # mercredi"), is no answer.
        unavailable = _matches(words, _UNAVAILABLE)
        all_nos = [span for span in no_spans if span[0] >= conceded and not (
            _overlaps(span, unavailable) and _in_constrained_clause(span, c, constrained))]
        nos = [span for span in all_nos if _counts_as_answer(span, words, openings)]
        yeses = _outermost([span for span in candidates if not _overlaps(span, nos + stops)])
        anchored = {i for i, w in enumerate(words) if _known(w, _ANCHORS)} | _covered(_matches(words, _ANCHOR_PHRASES))
        noted = bool(_matches(words, _NOTE_MARKERS))
        phrased = _covered(yeses + no_spans + stops + constraints) | {i for i, w in enumerate(words) if w == _MASK}
        return cls(c, openings, yeses, nos, len(all_nos) > len(nos), stops, constrained, anchored, noted, phrased,
                   conceded, {start for start, _ in negating})


def _concession(c: _Clauses, yeses) -> int:
    """Where a concession ends: the first contrast that opens a clause turning to a yes
    ("Can't do mornings, but yes", "Pas dispo le matin, mais oui"); 0 when none does."""
    for start, end in _matches(c.words, _CONTRASTS):
        if start in c.starts and start > 0:
            clause_end = c.clause_of(start)[1]
            following = c.clause_of(clause_end)[1] if clause_end < len(c.words) else clause_end
            if any(end <= a < following for a, _ in yeses):
                return start
    return 0


def _in_constrained_clause(span: tuple[int, int], c: _Clauses, constrained: set[int]) -> bool:
    start, end = c.clause_of(span[0])
    return any(i in constrained for i in range(start, end))


def _mask_figures(words: list[str]) -> None:
    """Figures of speech ("no problem", "pas de souci") stand for nothing else: their
    words are masked, unless they open a longer yes ("aucun inconvénient à ce que…")."""
    longer = [span for span in _matches(words, _YES) if span[1] - span[0] > 1]
    for start, end in _matches(words, _FIGURES):
        if not any(a <= start and end <= b and b - a > end - start for a, b in longer):
            words[start:end] = [_MASK] * (end - start)


def read_sentence(sentence: str) -> _Sentence:
    """The signals of one sentence (see the module docstring)."""
    sentence = sentence[:_SENTENCE_HEAD]
    s = _Spans.of(sentence)
    question = _asks(sentence)
    conditions, hedged = _hedges(s)
    caveats, contrasts = _contrasts(s)
    doubts = {kind for kind, found in (
        (NEGATION, s.c.only_negators or _negation_bears(s)),
        (STRAY_NO, s.stray_no),  # "oui, enfin non": better ask again
        (HEDGE, hedged),
        (CONDITION, bool(conditions)),
        (CONTRAST, any(start > 0 for start, _ in contrasts)),
        (REGRET, any(start >= s.conceded for start, _ in _matches(s.words, _REGRETS))),
        (ELSEWHERE, bool(_matches(s.words, _ELSEWHERE)) or _appointment(s.words)),
        (DOUBTING_QUESTION, question and bool(_DOUBT_QUESTIONS & set(s.words))),
    ) if found}
    negated = [span for span in s.yeses if _negator_before(span, s.words, s.c)]
    says_yes = len(negated) < len(s.yeses)
    consent = says_yes and _agrees(s, caveats)
    if says_yes and not consent:
        doubts.add(YES_ELSEWHERE)
    return _Sentence(
        yes=says_yes,
        consent=consent and not doubts,
        no=bool(s.nos),
        stop=bool(s.stops),
        doubts=frozenset(doubts),
        question=question,
        resolving=bool(_matches(s.words, _RESOLUTIONS)),
        leading_contrast=any(start == 0 for start, _ in contrasts),
        words=len(s.words),
        inner_condition=bool(conditions) and all(span[0] not in s.openings for span in conditions),
    )


def _hedges(s: _Spans) -> tuple[list[tuple[int, int]], bool]:
    """The conditions ("if", "si") of a sentence, and whether it holds another hedge. A
    doubt word inside a constraint or a yes phrase ("si possible", "ça me dit") is that
    constraint or that yes; one in a concession turned to a yes ("I'm swamped, but since
    it's Anjali asking, yes") is conceded."""
    inside = s.constrained | _covered(s.yeses)
    hedges = [span for span in _matches(s.words, _HEDGES)
              if not set(range(*span)) <= inside and span[0] >= s.conceded]  # "swamped, but yes"
    conditions = [span for span in hedges if tuple(s.words[span[0] : span[1]]) in _CONDITIONS]
    return conditions, len(conditions) < len(hedges)


def _contrasts(s: _Spans) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The contrasts of a sentence that are caveats of a yes, and those that turn it."""
    harmless = s.constrained | _covered(s.yeses) | s.anchored | {i for i, w in enumerate(s.words) if w == _MASK}
    found = _matches(s.words, _CONTRASTS) + s.c.whole_turns
    caveats = [span for span in found if _caveat(span, s.c, harmless)]
    turns = [span for span in found if span not in caveats and _turns(span, s.c, s.openings)]
    return caveats, turns


def _negation_bears(s: _Spans) -> bool:
    """Whether a negation bears on the introduction: it opens a clause ("Not
    happening"), or sits in a clause that speaks of will, ability, availability or the
    introduction itself ("I can't", "I'm not available") — unless that clause sets a
    constraint of time or form ("I won't be free before the 14th", "not in person"). A
    negation about something else ("I'm not in London any more", "je ne suis pas du
    matin") is a note."""
    words = s.words
    bearing = _covered(s.yeses) | s.anchored | {i for i, w in enumerate(words) if _known(w, _WILLING)}
    for start, end in s.c.clauses():
        if start < s.conceded:
            continue
        clause = range(start, end)
        negators = [i for i in clause if (words[i] in _NEGATORS or i in s.negator_phrases) and i not in s.phrased]
        if not negators:
            continue
        if any(i in s.constrained for i in clause):
            continue  # "Not free this week", "I'm not doing in-person coffees these days"
        if any(i in s.openings or i == start for i in negators):
            return True
        if any(i in bearing for i in clause):
            return True
    return False


# "at 3", "à 14h", "3pm", "14h30": a yes that names a time confirms an appointment —
# perhaps another one. A time after "from", "before", "après" is a constraint.
_CLOCK = re.compile(r"^(?:\d{1,2}(?:h\d{0,2}|am|pm)|\d{1,2}h?)$")


def _appointment(words: list[str]) -> bool:
    for i, word in enumerate(words):
        if not _CLOCK.match(word) or (i and words[i - 1] in _TIME_LIMITS):
            continue
        if (word[-1].isalpha() and len(word) > 1) or (i and words[i - 1] in _TIME_PREPOSITIONS):
            return True
    return False


def _negator_before(span: tuple[int, int], words: list[str], c: _Clauses) -> bool:
    """A yes turned around by a negator just before it, in its own clause ("not sure")."""
    clause_start = c.clause_of(span[0])[0]
    return bool(_NEGATORS & set(words[max(span[0] - 3, clause_start) : span[0]]))


def _agrees(s: _Spans, caveats) -> bool:
    """Whether the sentence's yes is a yes to this introduction: the sentence speaks of
    the introduction itself (an anchor: meeting, a call, a coffee; or a line about
    oneself), or every clause is plain — yes words, courtesy, names, a constraint of
    timing or form. A yes beside anything else ("Yes, my number is still the same") may
    answer another question. What follows a caveat or a constraint ("Yes, though I'm
    travelling next week, so expect a slow reply") explains it: the yes cannot be about
    it."""
    if s.anchored or s.noted:
        return True
    explained = min((start for start, _ in caveats), default=len(s.words))
    for start, end in s.c.clauses():
        if start >= explained:
            break
        if start < s.conceded:
            continue  # "I'm sure we've met before, but either way, yes"
        clause = range(start, end)
        if any(i in s.constrained for i in clause):
            explained = start  # what follows a constraint explains it ("…, from October: I'm on leave")
            continue
        if not all(_plain(i, s.words, s.c, s.phrased) for i in clause):
            return False
    return True


def _plain(i: int, words: list[str], c: _Clauses, phrased: set[int]) -> bool:
    word = words[i]
    if i in phrased or _known(word, _PLAIN | _ANCHORS) or word.isdigit() or not word[0].isalnum():
        return True
    # A name where a name of the introduction goes: after a word of the introduction or
    # one that leads to a person ("glad to meet Alice", "introduced to Ms Okafor"), after
    # the answer or a greeting ("Yes Rita, happy to"), or after another name ("Ms
    # Okafor"). "Yes, I'm still at Barclays" speaks of something else.
    if not c.capital[i] or i == 0:
        return False
    if i in c.starts:
        return True  # a name opening a clause is what it speaks of: "Yes please, John sounds great"
    before = words[i - 1]
    return (_known(before, _ANCHORS | _NAME_LEADS | _GREETING_WORDS | _words_of("yes") | _words_of("thanks"))
            or (c.capital[i - 1] and i > 1))


_ELISIONS = tuple(sorted(_words_of("elisions"), key=len, reverse=True))


def _known(word: str, vocabulary: frozenset[str]) -> bool:
    """`word` is in `vocabulary`, or is one of its words after an elided article or
    pronoun: the apostrophe is dropped when matching, so "d'échanger" reads
    "dechanger", which is "échanger"."""
    if word in vocabulary:
        return True
    return any(word.startswith(e) and word[len(e):] in vocabulary for e in _ELISIONS if len(word) > len(e) + 1)


def _turns(span: tuple[int, int], c: _Clauses, openings: set[int]) -> bool:
    """A contrast word turns a clause when it opens it ("Actually, no", "…, but I'm
    away") or closes it ("I'm busy though"); inside one it is an adverb ("We actually
    met last year")."""
    start, end = span
    clause_start, clause_end = c.clause_of(start)
    return start in openings or start == clause_start or end == clause_end


def _caveat(span: tuple[int, int], c: _Clauses, harmless: set[int]) -> bool:
    """A "but" that opens a clause of timing or form ("…, but not before June", "mais
    plutôt en visio") or that turns back to the introduction ("My schedule is tight,
    but a short call is doable"): a caveat of a yes, not a doubt about it. Any other
    doubt in the clause is still read as one. A "though" that closes a clause ("I don't
    live in Berlin any more though, so it'll have to be a call") is a caveat when its
    clause or the next one sets the constraint or turns back."""
    start, end = c.clause_of(span[0])
    following = c.clause_of(end)[1] if end < len(c.words) else end
    if span[0] in c.starts:  # "…, but I've hired for three startups and I'm glad to share"
        return any(i in harmless for i in range(span[1], following))
    if span[1] != end:
        return False
    return any(i in harmless for i in range(start, following))


def _asks(sentence: str) -> bool:
    """Whether the sentence asks something: a "?" not just after a rhetorical "why not",
    nor closing a question that opens rhetorically ("Why would I ever say no to Rita?")."""
    for at in [i for i, ch in enumerate(sentence) if ch == "?"]:
        before = tuple(tokens(sentence[:at]))
        if any(before[len(before) - len(p) :] == p for p in _RHETORICAL if len(before) >= len(p)):
            continue
        if any(before[: len(p)] == p for p in _RHETORICAL if len(p) >= 3):
            continue
        return True
    return False


def _openings(words: list[str], starts: list[int]) -> set[int]:
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
    "there is no rush" are not. So does a yes that is also an adverb ("tout à fait").
    Other phrases of several words, and emoji, count anywhere."""
    if tuple(words[span[0] : span[1]]) in _ADVERBS:
        return span[0] in openings
    if span[1] - span[0] > 1 or not words[span[0]].isalpha():
        return True
    return span[0] in openings


# --- The whole reply --------------------------------------------------------------------------------

# A dash before a question starts a sentence of its own: "Yes please - is it OK if I
# bring my co-founder?" is a yes, then a practical question.
_SENTENCE_END = re.compile(r"(?<=[.!?;…])\s+|\n+|\s[-–—]\s(?=[^.!?\n]*\?)")
_WORD = re.compile(r"\w+")
_SHORT = 40  # words: a short reply may ask a practical question after its yes
_LONG = 150  # words: beyond this, a yes is buried
_BURIED = 3  # sentences before the first yes: more, and it must open with a resolution ("So yes")
_THOUGHT = 2  # sentences of thinking aloud, at least, before a decision that forgives them
_TURN = 3  # words, at least, of a sentence that turns the doubts around ("But Rita never asks")


def classify(fresh: str) -> tuple[Answer, str]:
    """The answer in a reply's fresh text, and the note that goes with it.

    The note is the text without its courtesy and its leading answer words (see
    `_note`); for UNCLEAR, the whole fresh text (the referrer reads it).
    """
    fresh = fresh.strip()
    if not fresh:
        return Answer.UNCLEAR, ""
    signed = _unsigned(fresh)
    sentences = [read_sentence(s) for s in _SENTENCE_END.split(signed) if s and s.strip()]
    sentences = [s for s in sentences if not (s.courtesy and _is_greeting(s))]
    total_words = len(_WORD.findall(signed))
    answer = _decide(sentences, total_words, alone(signed, _STOP_ALONE))
    return answer, (_note(fresh, answer) if answer is not Answer.UNCLEAR else fresh)


def says_yes(fresh: str) -> bool:
    """Whether any sentence of the text has a yes in it (even one that is no consent)."""
    return any(read_sentence(sentence).yes for sentence in _SENTENCE_END.split(fresh) if sentence.strip())


def _unsigned(fresh: str) -> str:
    """The fresh text without its signature (a closing and a name, a block of name and
    contact lines), unless what would be cut says something ("Yes\n\nNot now")."""
    kept = without_signature_block(fresh.split("\n"), says=says_something)
    return "\n".join(kept).strip() or fresh


def says_something(line: str) -> bool:
    """A short line that answers, doubts, asks or sets a constraint: never a signature."""
    read = read_sentence(line)
    if read.yes or read.no or read.stop or read.question or (read.doubts - {YES_ELSEWHERE}):
        return True
    words = tuple(tokens(line))
    return any(words[: len(phrase)] == phrase for phrase in _CONSTRAINTS)


def _decide(sentences: list[_Sentence], total_words: int, stop_alone: bool) -> Answer:
    said_yes = any(s.yes for s in sentences)
    if stop_alone or any(s.stop for s in sentences):
        return Answer.UNCLEAR if said_yes else Answer.STOP
    consenting = [i for i, s in enumerate(sentences) if s.consent]
    first, last = (consenting[0], consenting[-1]) if consenting else (0, 0)
    # A decision after thinking aloud: it holds a resolution ("So yes", "C'est donc oui"),
    # or comes after a sentence that turned the doubts around ("…But Rita never asks.
    # OK, let's do it.").
    turned = any(s.leading_contrast and s.words >= _TURN for s in sentences[1:last])
    decided_last = last >= _THOUGHT and (sentences[last].resolving or turned)
    nos = [i for i, s in enumerate(sentences) if s.no]
    if nos and not (decided_last and max(nos) < last):  # "Most of the time I decline. … So yes."
        return Answer.UNCLEAR if said_yes else Answer.NO
    if not consenting or total_words > _LONG:
        return Answer.UNCLEAR
    if first >= _BURIED and not decided_last:
        return Answer.UNCLEAR  # a yes after a long preamble, and no word that it decides anything
    for i, s in enumerate(sentences):
        doubts = s.doubts | ({CONTRAST} if s.leading_contrast and i > 0 else set())
        if decided_last and i < last:
            doubts = doubts - _FORGIVEN_BEFORE_A_DECISION
        if i > first and s.inner_condition:
            doubts = doubts - {CONDITION}  # "Yes. Call me if he prefers."
        if doubts:
            return Answer.UNCLEAR
        if s.question and (i <= first or total_words > _SHORT):
            return Answer.UNCLEAR  # only a short yes may ask a practical question after it
    return Answer.YES


def _is_greeting(read: _Sentence) -> bool:
    """Courtesy alone ("Hi Jean," or "Thanks!"), not yet the answer."""
    return read.words <= 3


def alone(text: str, phrases) -> bool:
    """Whether the whole text is one of `phrases` ("Stop.")."""
    if len(text) > 100:
        return False
    words = tuple(tokens(text))
    return any(words == phrase for phrase in phrases)


def is_stop_word(text: str) -> bool:
    return alone(text, _STOP_ALONE + _STOP)


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
    text = "\n".join(strip_courtesy(fresh.split("\n"), says=says_something)).strip()
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
