"""A referrer's commands by email: "status" and "cancel".

Busy referrers live in their mail client, not in a terminal. Two things they may ask
the broker by mail:

- **status**: a new message to the broker whose whole text is "status" (or "statut",
  "my introductions" …, in the subject or the body) gets a reply listing their open
  referrals and where each stands;
- **cancel**: a reply to any of the broker's messages about a referral (the
  acknowledgement, typically) whose whole text is "cancel" ("annuler" …) calls that
  referral off; whoever was asked is told it is not going ahead.

A command must be the whole of what the referrer wrote (quotes and signature aside):
"Please cancel my 3 pm, Jane is ill — but do go ahead with the introduction" is not a
cancellation, and a note that merely mentions the status of something is a request. The
words are in lexicon.py, per language.
"""

from __future__ import annotations

import re

from . import lexicon
from .mailtext import fold

_MAX_WORDS = 10  # more than this is a message, not a command


def _phrases(attribute: str) -> frozenset[str]:
    return frozenset(_normal(phrase) for language in lexicon.LANGUAGES for phrase in getattr(language, attribute))


def _normal(text: str) -> str:
    """Folded, punctuation and extra spaces gone: "Cancel, please!" → "cancel please"."""
    return " ".join(re.sub(r"[^\w'-]+", " ", fold(text)).split()).strip("'-")


_STATUS = _phrases("status_words")
_CANCEL = _phrases("cancel_words")


def _is_one_of(text: str, phrases: frozenset[str]) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or len(" ".join(lines).split()) > _MAX_WORDS:
        return False
    # The command, alone, possibly followed by a greeting or the writer's name ("Thanks, Rita").
    return _normal(lines[0]) in phrases and len(lines) <= 3


def asks_to_cancel(fresh_text: str) -> bool:
    """A referrer's reply that calls the referral off."""
    return _is_one_of(fresh_text, _CANCEL)


def asks_for_status(subject: str, own_text: str) -> bool:
    """A referrer's new message asking how their referrals stand: the command in the
    body, or in the subject with a body that says nothing else."""
    if own_text.strip():
        return _is_one_of(own_text, _STATUS)
    return _normal(subject) in _STATUS
