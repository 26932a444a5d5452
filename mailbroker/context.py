"""Does the referrer's note say how they know the parties, or why they should meet?

A good referral is specific: "Bob and I built Acme's payments platform together; Alice
is hiring a payments lead" makes both want to say yes, "Please introduce Alice to Bob"
does not. The rule is deliberately simple and language-light: take the note, drop the
parties' names and the words any bare request is made of (greetings, "please",
"introduce", "thanks"…, listed in the lexicon), and see whether enough words remain to
say something. It errs on the side of asking: a referrer asked for context loses one
reply, a party asked without context may lose an introduction.
"""

from __future__ import annotations

import re

from .lexicon import LANGUAGES
from .mailtext import fold

# Fewer meaningful words than this and the note is only a request, not a reason.
MIN_WORDS = 3

_WORD = re.compile(r"[^\W\d_]+")


def _filler() -> frozenset[str]:
    return frozenset(fold(word) for language in LANGUAGES for word in language.request_filler)


FILLER = _filler()


def says_why(context: str, names: list[str]) -> bool:
    """True when `context` holds at least MIN_WORDS words beyond names and request filler."""
    named = {word for name in names for word in _WORD.findall(fold(name))}
    meaningful = [w for w in _WORD.findall(fold(context)) if len(w) > 1 and w not in named and w not in FILLER]
    return len(meaningful) >= MIN_WORDS
