"""The plain data the broker reasons about: people, referrals, answers, events, mail to send.

Nothing here does I/O. The workflow turns (referral, event, now) into a new referral and
a list of `Outgoing` messages; the shell composes, stores and sends them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    STOP = "stop"  # "never contact me again": a no, plus the suppression list
    UNCLEAR = "unclear"


class Role(StrEnum):
    REQUESTER = "requester"  # the person who asked to be introduced
    TARGET = "target"  # the person they want to meet

    @property
    def other(self) -> Role:
        return Role.TARGET if self is Role.REQUESTER else Role.REQUESTER


class State(StrEnum):
    AWAITING_CONTEXT = "awaiting_context"  # the referrer was asked why; nobody else contacted yet
    # The two were introduced before: the referrer was asked whether to do it again; nobody
    # else contacted yet.
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    PENDING = "pending"  # consent requests out, waiting for answers
    INTRODUCED = "introduced"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    UNDELIVERABLE = "undeliverable"  # a consent request could not be delivered

    @property
    def is_open(self) -> bool:
        return self in (State.AWAITING_CONTEXT, State.AWAITING_CONFIRMATION, State.PENDING)

    @property
    def awaits_referrer(self) -> bool:
        """Only the referrer has heard of the referral so far, and it waits for their word."""
        return self in (State.AWAITING_CONTEXT, State.AWAITING_CONFIRMATION)


@dataclass(frozen=True)
class Person:
    name: str
    address: str

    @property
    def label(self) -> str:
        """How the person is named in prose: their name, or their address if unnamed."""
        return self.name or self.address

    def same_address(self, other: str) -> bool:
        return same_address(self.address, other)


def same_address(a: str, b: str) -> bool:
    """Addresses compare case-insensitively: in practice no provider distinguishes case."""
    return a.strip().casefold() == b.strip().casefold()


# Domains whose provider documents that dots in the local part are ignored, and the
# domain they are one with (Gmail: "b.o.b@googlemail.com" is bob@gmail.com).
_DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def mailbox_key(address: str) -> str:
    """The mailbox an address delivers to, for telling people apart (the stop list, the
    caps, duplicates, pairs already introduced), never for sending: case and a +tag
    ignored ("Bob+news@Example.test" is bob@example.test), an international domain in
    its ASCII form (bücher.example is xn--bcher-kva.example), and the dots of a Gmail
    address ignored, as Gmail does."""
    local, at, domain = address.strip().casefold().rpartition("@")
    if not at:
        return address.strip().casefold()
    local = local.split("+", 1)[0]
    domain = _ascii_domain(domain.rstrip("."))
    if domain in _DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), _DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}"


def _ascii_domain(domain: str) -> str:
    if domain.isascii():
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:  # not a name IDNA can spell: compared as written
        return domain


@dataclass(frozen=True)
class ReferralRequest:
    """What intake read from a referrer's message: who to introduce to whom, and why."""

    referrer: Person
    requester: Person
    target: Person
    context: str  # the referrer's note: how they know the parties, why they should meet
    subject: str  # subject of the forwarded message (or of the request itself)
    forwarded_text: str = ""  # what the requester wrote, when the request is a forward
    lang: str | None = None  # language the referrer wrote in, when it could be told
    parties_lang: str | None = None  # the language a "Lang: fr" line asks to write to the parties in
    message_id: str = ""  # Message-ID of the referrer's message, to thread our replies
    # The referrer cannot vouch for the requester and asks the broker to decline for them
    # ("decline", "refuser"): a courteous no goes to the requester, nobody else is asked.
    decline: bool = False


@dataclass(frozen=True)
class IntakeError:
    """A request from an allowed referrer that cannot become a referral, and why.

    `code` is one of INTAKE_ERROR_CODES; `detail` names the offending value (an address,
    a name) so the reply can say exactly what is wrong.
    """

    code: str
    detail: str = ""
    lang: str | None = None


INTAKE_ERROR_CODES = (
    "no_target",  # the note names nobody to introduce the requester to
    "ambiguous_target",  # the note names several possible targets (detail: their addresses)
    "target_without_address",  # a target is named, but with no address
    "no_requester",  # nobody to introduce: not a forward and no explicit requester line
    "invalid_address",  # an address that email-validator rejects (detail: the address)
    "international_address",  # a valid address whose local part is not ASCII (detail: the address)
    "same_person",  # requester and target are the same address
    "broker_as_party",  # the broker's own address named as a party
    "referrer_as_party",  # the referrer named as a party
    "duplicate",  # a referral for the same two people is still open (detail: its ref)
    "suppressed",  # a party asked never to be contacted (detail: the address)
    "too_large",  # the message is over limits.max_message_size (detail: its size and the limit)
    "unclear_intent",  # the note is neither clearly a request nor clearly a decline ("your call", "FYI")
)


@dataclass(frozen=True)
class Party:
    role: Role
    person: Person
    token: str  # secret in the reply address: intro+TOKEN@domain
    lang: str
    answer: Answer | None = None  # the latest verified answer
    note: str = ""  # what the party wrote with their yes, for the introduction
    answered_at: datetime | None = None
    answer_message_id: str = ""  # the reply that gave the answer: the consent record's evidence
    clarifications: int = 0  # times we asked again after an unclear answer
    asked_message_id: str = ""  # Message-ID of the consent request, for threading


@dataclass(frozen=True)
class Referral:
    ref: str  # short reference shown to the referrer, e.g. "K7Q-3XF"
    referrer: Person
    requester: Party
    target: Party
    context: str
    subject: str
    lang: str  # language for the referrer
    created_at: datetime
    state: State = State.PENDING
    reminded_at: datetime | None = None
    closed_at: datetime | None = None
    request_message_id: str = ""
    forwarded_text: str = ""
    referrer_token: str = ""  # lets the referrer's reply (e.g. the missing context) find the referral
    # When the consent requests last went out (first asked, or asked again on reopening):
    # only a yes given since counts toward the introduction.
    opened_at: datetime | None = None
    reopenings: int = 0  # times a declined referral was reopened by a change of mind

    def party(self, role: Role) -> Party:
        return self.requester if role is Role.REQUESTER else self.target

    @property
    def parties(self) -> tuple[Party, Party]:
        return (self.requester, self.target)

    def with_party(self, party: Party) -> Referral:
        if party.role is Role.REQUESTER:
            return replace(self, requester=party)
        return replace(self, target=party)


# --- Events: what happened, as the core sees it ----------------------------------------


@dataclass(frozen=True)
class Started:
    """An allowed referrer's request was read; the shell chose the ref and the tokens."""

    request: ReferralRequest
    ref: str
    requester_token: str
    target_token: str
    requester_lang: str
    target_lang: str
    referrer_lang: str
    requester_message_id: str  # Message-IDs of the two consent requests, chosen up front
    target_message_id: str  # so that reminders and replies can thread to them
    referrer_token: str = ""
    needs_context: bool = False  # policy: ask the referrer how they know the parties first
    introduced_before: datetime | None = None  # the broker already introduced these two, then


@dataclass(frozen=True)
class Answered:
    """A verified reply (right token, right sender) was read as `answer`."""

    role: Role
    answer: Answer
    note: str = ""  # the fresh text the party wrote: the yes-note, or what was unclear
    message_id: str = ""
    lang: str | None = None  # the language the reply is written in, when it can be told


@dataclass(frozen=True)
class ReferrerReplied:
    """The referrer wrote back to a question of the broker's: how they know the parties
    (the whole `text` is the context), or whether to introduce two people again (their
    `answer`, read like a party's). `needs_context` is what the policy says of the
    referral's context as it stands, for when the answer lets it go ahead."""

    text: str
    message_id: str = ""
    answer: Answer = Answer.UNCLEAR
    needs_context: bool = False


@dataclass(frozen=True)
class Tick:
    """Time passed: reminders and expiry may be due."""


@dataclass(frozen=True)
class Cancelled:
    """An operator cancelled the referral."""


@dataclass(frozen=True)
class Undeliverable:
    """A message to a party failed permanently (refused by the server, or bounced)."""

    role: Role
    detail: str  # what the server said


Event = Started | Answered | ReferrerReplied | Tick | Cancelled | Undeliverable


# --- Outgoing mail, before composition ---------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """One message the broker must send, described by meaning, not by bytes.

    `template` names the template (compose renders templates/<lang>/<template>.txt);
    `reply_token` makes the reply address intro+TOKEN@domain; `facts` is what the
    template may show.
    """

    template: str
    to: tuple[Person, ...]
    lang: str
    cc: tuple[Person, ...] = ()
    ref: str = ""
    reply_token: str = ""
    in_reply_to: str = ""
    reply_to: tuple[Person, ...] = ()  # where answers go, when not to the broker
    from_name: str = ""  # display name, when not the broker's own (e.g. "Rita via Introductions")
    message_id: str = ""  # set when the core must know it in advance; else compose picks one
    facts: dict = field(default_factory=dict)
    # Sent even to a suppressed address: only the confirmation of the stop itself.
    ignores_suppression: bool = False
    # Carries a List-Unsubscribe header (RFC 2369) whose mailto answers "stop".
    unsubscribe: bool = False
    # Goes to all its recipients or to none: it names each of them to the others (the
    # introduction), so it is never sent with one of them left out.
    whole: bool = False
