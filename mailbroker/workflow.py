"""The state machine of a referral: pure decisions, no I/O.

`decide(referral, event, now, policy)` takes what is known and what just happened and
returns a `Decision`: the referral's new state, the messages to send because of it, the
addresses to put on the suppression list, and a one-line reason for the timeline. The
shell (daemon) stores all of it in one transaction, then sends.

The etiquette lives here. Each party is asked separately and never sees the other's
address before both said yes. A "no" is private: the referrer learns who declined, the
other party only hears, neutrally, that the introduction is not going ahead. One
reminder, then expiry: no nagging.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from .model import (
    Answer,
    Answered,
    Cancelled,
    Event,
    IntakeError,
    Outgoing,
    Party,
    Person,
    Referral,
    ReferralRequest,
    ReferrerReplied,
    Role,
    Started,
    State,
    Tick,
    Undeliverable,
    mailbox_key,
)


@dataclass(frozen=True)
class Limits:
    """Caps against misuse, from the `limits` section of the configuration."""

    referrals_per_referrer_per_day: int = 20
    open_referrals_per_referrer: int = 50
    requests_per_person_per_month: int = 3
    messages_per_address_per_day: int = 20
    replies_per_referrer_per_day: int = 20  # refusals, status, confirmations, declines: outside referrals
    messages_per_person_per_referral: int = 12  # over a referral's whole life, the introduction aside
    max_message_size: int = 25_000_000  # bytes; larger incoming mail is set aside unread


@dataclass(frozen=True)
class Usage:
    """What the store counted for one new request, to hold against the limits."""

    referrer_last_day: int = 0
    referrer_open: int = 0
    asked_last_month: tuple[tuple[str, int], ...] = ()  # (party address, consent requests in 30 days)


@dataclass(frozen=True)
class Sent:
    """What the store counted of the messages already sent to one address, to hold one
    more message against the caps (`over_cap`)."""

    in_referral: int = 0  # of the message's referral, over its whole life
    replies_today: int = 0  # outside any referral, in the last 24 hours
    today: int = 0  # all of them, in the last 24 hours


# Messages of a referral that its cap per person never holds back: the introduction
# (what both said yes to) and the confirmation of a stop.
UNCAPPED_IN_REFERRAL = frozenset({"introduction", "stop_confirmed"})


def over_cap(out: Outgoing, sent: Sent, *, referrer: bool, limits: Limits) -> bool:
    """Whether one more message `out` to an address that was already `sent` so much is
    one too many: every message the broker sends counts against a cap, a safety net
    against loops and against anyone making the broker write over and over. Within a
    referral, each person gets at most `messages_per_person_per_referral` (the
    introduction and the confirmation of a stop always go); outside referrals, a referrer
    at most `replies_per_referrer_per_day`; anyone but a referrer at most
    `messages_per_address_per_day`."""
    capped_here = out.ref and out.template not in UNCAPPED_IN_REFERRAL
    if capped_here and sent.in_referral >= limits.messages_per_person_per_referral:
        return True
    if referrer:
        return not out.ref and sent.replies_today >= limits.replies_per_referrer_per_day
    return sent.today >= limits.messages_per_address_per_day


# What the referrer's reply to "did you send this?" does to the request held for it.
GO_AHEAD, DROP, ASK_AGAIN, LAPSED = "go ahead", "drop", "ask again", "lapsed"


def held_request_answered(answer: Answer, waited: timedelta, hold_for: timedelta) -> str:
    """Only a clear yes, in time, lets a request nobody vouched for go ahead; a no (or a
    stop) drops it; anything else asks again."""
    if waited > hold_for:
        return LAPSED
    if answer is Answer.YES:
        return GO_AHEAD
    if answer in (Answer.NO, Answer.STOP):
        return DROP
    return ASK_AGAIN


@dataclass(frozen=True)
class Policy:
    reminder_after: timedelta
    expire_after: timedelta
    language: str = "en"
    # Asking again after an unclear answer is polite once; more would be nagging.
    max_clarifications: int = 1
    # The referrer sees a party's unclear replies, up to this many per party: a person who
    # keeps writing must not turn the broker into a relay.
    max_unclear_forwards: int = 3
    # A declined referral reopens when the one who said no says yes after all, this many
    # times at most: the other party is asked again at most twice, however often a
    # person flips.
    max_reopenings: int = 2
    # The referrer's note must say how they know the parties or why they should meet.
    require_context: bool = True
    limits: Limits = Limits()


@dataclass(frozen=True)
class Decision:
    referral: Referral | None
    outgoing: tuple[Outgoing, ...] = ()
    suppress: tuple[str, ...] = ()
    reason: str = ""


def decide(referral: Referral | None, event: Event, now: datetime, policy: Policy, *,
           suppressed: frozenset[str] = frozenset()) -> Decision:
    """The single entry point of the core: what happens to `referral` after `event`.

    `suppressed` holds the mailbox keys (`model.mailbox_key`) of the parties on the
    suppression list: the shell looks them up; nobody on it is introduced."""
    if isinstance(event, Started):
        return _start(event, now)
    if referral is None:
        raise ValueError(f"{type(event).__name__} needs an existing referral")
    if not referral.state.is_open:
        if isinstance(event, Answered):
            return _after_the_end(referral, event, now, policy, suppressed)
        return Decision(referral, reason=f"ignored {type(event).__name__}: referral is {referral.state}")
    if isinstance(event, ReferrerReplied):
        return _referrer_replied(referral, event, now)
    if isinstance(event, Answered):
        if referral.state.awaits_referrer:
            return Decision(referral, reason="ignored an answer: consent not asked yet")
        return _answer(referral, event, now, policy, suppressed)
    if isinstance(event, Tick):
        return _tick(referral, now, policy)
    if isinstance(event, Cancelled):
        return _cancel(referral, now)
    if isinstance(event, Undeliverable):
        return _undeliverable(referral, event, now)
    raise TypeError(f"unknown event {event!r}")


def consents(referral: Referral, party: Party) -> bool:
    """Invariant 1, for one party: their latest word is a yes given since the referral
    last (re)opened. A yes from before a close is void."""
    opened = referral.opened_at or referral.created_at
    return party.answer is Answer.YES and party.answered_at is not None and party.answered_at >= opened


def next_due(referral: Referral, policy: Policy) -> datetime | None:
    """When a Tick next matters for this referral (reminder or expiry); None once closed.
    Stored beside the referral so the timer finds due referrals with an index, not a scan."""
    if not referral.state.is_open:
        return None
    if referral.reminded_at is None and referral.state is State.PENDING:
        return referral.created_at + policy.reminder_after
    return referral.created_at + policy.expire_after


def without_suppressed(out: Outgoing, suppressed: frozenset[str]) -> Outgoing | None:
    """Invariant 4: nobody on the suppression list is written to, except to confirm the
    stop itself. Returns the message with those recipients removed, or None if none is left.
    The shell also passes the addresses over their daily cap of messages: a safety net
    against any loop. A message that names its recipients to each other (`whole`) goes
    to all or to none: an introduction never names someone who asked never to be
    contacted."""
    if out.ignores_suppression:
        return out
    keep = lambda people: tuple(p for p in people if p.address.casefold() not in suppressed)  # noqa: E731
    to, cc = keep(out.to), keep(out.cc)
    if not to or (out.whole and (len(to), len(cc)) != (len(out.to), len(out.cc))):
        return None
    return replace(out, to=to, cc=cc)


# --- Intake decisions ------------------------------------------------------------------


def vet_request(
    request: ReferralRequest,
    *,
    open_duplicate: str | None,
    suppressed: tuple[str, ...],
    usage: Usage = Usage(),
    limits: Limits = Limits(),
) -> IntakeError | None:
    """Refuse a well-formed request that must still not start: a party who asked never to
    be contacted, a duplicate, or a request over one of the limits. The shell looks the
    facts up; this decides."""
    if suppressed:
        return IntakeError("suppressed", suppressed[0], request.lang)
    if open_duplicate:
        return IntakeError("duplicate", open_duplicate, request.lang)
    if usage.referrer_last_day >= limits.referrals_per_referrer_per_day:
        return IntakeError("limit_referrals_per_day", str(limits.referrals_per_referrer_per_day), request.lang)
    if usage.referrer_open >= limits.open_referrals_per_referrer:
        return IntakeError("limit_open_referrals", str(limits.open_referrals_per_referrer), request.lang)
    for address, asked in usage.asked_last_month:
        if asked >= limits.requests_per_person_per_month:
            return IntakeError("limit_requests_per_person", address, request.lang)
    return None


def refuse_request(referrer: Person, error: IntakeError, *, subject: str, message_id: str, policy: Policy) -> Outgoing:
    """The reply that tells an allowed referrer exactly what is wrong with a request."""
    return Outgoing(
        template="intake_error",
        to=(referrer,),
        lang=error.lang or policy.language,
        in_reply_to=message_id,
        facts={"code": error.code, "detail": error.detail, "subject": subject},
    )


def confirm_request(request: ReferralRequest, token: str, *, subject: str, message_id: str,
                    policy: Policy, again: bool = False) -> Outgoing:
    """"Did you send this?", to the referrer's own address only, for a request in their
    name that no trusted server vouched for (`again`: their reply said neither yes nor
    no). Only addresses are shown: the names and the subject are the sender's words, and
    the sender may be anyone."""
    return Outgoing(
        template="request_confirmation",
        to=(Person("", request.referrer.address),),
        lang=request.lang or policy.language,
        reply_token=token,
        in_reply_to=message_id,
        facts={"requester": request.requester.address,
               "target": "" if request.decline else request.target.address,
               "decline": request.decline, "again": again},
    )


def request_disowned(referrer: Person, *, subject: str, message_id: str, lang: str) -> Outgoing:
    """The referrer did not send a request made in their name: nothing was sent to anyone."""
    return Outgoing(template="request_disowned", to=(referrer,), lang=lang, in_reply_to=message_id,
                    facts={"subject": subject})


def status_for_referrer(referrer: Person, referrals: list[Referral], *, subject: str, message_id: str,
                        lang: str) -> Outgoing:
    """The answer to a referrer's "status": each open referral, who was asked, who answered."""
    rows = [{
        "ref": r.ref,
        "requester": r.requester.person.label,
        "target": r.target.person.label,
        "waiting_for_context": r.state is State.AWAITING_CONTEXT,
        "requester_answer": r.requester.answer.value if r.requester.answer else "",
        "target_answer": r.target.answer.value if r.target.answer else "",
        "since": r.created_at.date().isoformat() if r.created_at else "",
    } for r in referrals]
    return Outgoing(template="referrer_status", to=(referrer,), lang=lang, in_reply_to=message_id,
                    facts={"referrer": referrer.label, "subject": subject, "referrals": rows})


def decline_for_referrer(request: ReferralRequest, policy: Policy) -> Outgoing:
    """The referrer cannot vouch for the requester: a courteous no in the referrer's name,
    the referrer in copy and as the reply address, so the conversation stays theirs.
    Nobody else is contacted. The wording is fixed: of what the requester wrote, only a
    name that is plainly a name is shown (their subject and display name could carry a
    link or anything else, sent in the referrer's name)."""
    return Outgoing(
        template="decline",
        to=(Person(plain_name(request.requester.name), request.requester.address),),
        cc=(request.referrer,),
        reply_to=(request.referrer,),
        from_name=request.referrer.label,
        lang=party_language(request, policy),
        facts={"name": plain_name(request.requester.name), "referrer": request.referrer.label},
    )


# A person's name as people write them: up to four words of letters, joined by a space,
# a hyphen, an apostrophe or a period ("Jean-Luc O'Neil", "J. Smith").
_PLAIN_NAME = re.compile(r"[^\W\d_]+\.?(?:[ '’.-]{1,2}[^\W\d_]+\.?){0,3}")


def plain_name(name: str) -> str:
    """`name` when it is plainly a person's name, else "" (then nobody is named)."""
    name = " ".join(name.split())
    return name if len(name) <= 40 and _PLAIN_NAME.fullmatch(name) else ""


def party_language(request: ReferralRequest, policy: Policy) -> str:
    """Until a party's own language is known, the referrer's is the best guess."""
    return request.lang or policy.language


# --- Transitions -----------------------------------------------------------------------


def _start(event: Started, now: datetime) -> Decision:
    request = event.request
    referral = Referral(
        ref=event.ref,
        referrer=request.referrer,
        requester=Party(Role.REQUESTER, request.requester, event.requester_token, event.requester_lang,
                        asked_message_id=event.requester_message_id),
        target=Party(Role.TARGET, request.target, event.target_token, event.target_lang,
                     asked_message_id=event.target_message_id),
        context=request.context,
        subject=request.subject,
        lang=event.referrer_lang,
        created_at=now,
        request_message_id=request.message_id,
        forwarded_text=request.forwarded_text,
        referrer_token=event.referrer_token,
    )
    if event.introduced_before is not None:
        referral = replace(referral, state=State.AWAITING_CONFIRMATION)
        ask = _to_referrer(referral, "already_introduced", reply_token=referral.referrer_token,
                           facts={"introduced_on": event.introduced_before.date().isoformat()})
        return Decision(referral, (ask,), reason="already introduced on "
                        f"{event.introduced_before.date().isoformat()}: asking the referrer whether to do it again")
    if event.needs_context:
        return _ask_context(referral)
    return _ask_both(referral, now, "referral started: consent requested from both parties")


def _ask_context(referral: Referral) -> Decision:
    referral = replace(referral, state=State.AWAITING_CONTEXT)
    ask = _to_referrer(referral, "context_needed", reply_token=referral.referrer_token)
    return Decision(referral, (ask,), reason="waiting for the referrer to say how they know them")


def _ask_both(referral: Referral, now: datetime, reason: str) -> Decision:
    referral = replace(referral, state=State.PENDING, opened_at=now)
    outgoing = (
        _consent_request(referral, Role.REQUESTER),
        _consent_request(referral, Role.TARGET),
        _to_referrer(referral, "acknowledgement"),
    )
    return Decision(referral, outgoing, reason=reason)


def _referrer_replied(referral: Referral, event: ReferrerReplied, now: datetime) -> Decision:
    if referral.state is State.AWAITING_CONTEXT:
        return _context_given(referral, event, now)
    if referral.state is State.AWAITING_CONFIRMATION:
        return _confirmation(referral, event, now)
    return Decision(referral, reason="ignored a message from the referrer: nothing was asked of them")


def _context_given(referral: Referral, event: ReferrerReplied, now: datetime) -> Decision:
    """The referrer's answer becomes the context; the clock of reminders starts now."""
    if not event.text.strip():
        return Decision(referral, reason="the referrer's reply said nothing: still waiting for the context")
    context = f"{referral.context}\n\n{event.text}".strip() if referral.context else event.text.strip()
    referral = replace(referral, context=context, created_at=now)
    return _ask_both(referral, now, "context given: consent requested from both parties")


def _confirmation(referral: Referral, event: ReferrerReplied, now: datetime) -> Decision:
    """The referrer, told the two were introduced before, says whether to do it again:
    only a clear yes goes ahead; a no calls it off; anything else waits (and lapses)."""
    if event.answer is Answer.YES:
        referral = replace(referral, created_at=now)
        if event.needs_context:
            return _ask_context(referral)
        return _ask_both(referral, now, "the referrer confirmed a second introduction: consent requested from both")
    if event.answer in (Answer.NO, Answer.STOP):
        return _cancel(referral, now)
    return Decision(referral, reason="the referrer's reply was no clear yes or no: still waiting for it")


def _answer(referral: Referral, event: Answered, now: datetime, policy: Policy, suppressed: frozenset[str]) -> Decision:
    party = _speaking(referral.party(event.role), event)
    referral = referral.with_party(party)
    if event.answer is Answer.UNCLEAR:
        return _unclear(referral, party, event, policy)
    if event.answer is Answer.YES and consents(referral, party):
        return Decision(referral, reason=f"{party.role} said yes again")
    party = _recorded(party, event, now)
    referral = referral.with_party(party)
    if event.answer is Answer.YES:
        return _yes(referral, party, event, now, suppressed)
    return _no(referral, party, event, now)


def _recorded(party: Party, event: Answered, now: datetime) -> Party:
    """The party's latest word about the referral, and the message that carried it."""
    return replace(party, answer=event.answer, answered_at=now, answer_message_id=event.message_id,
                   note=event.note if event.answer is Answer.YES else "")


def _yes(referral: Referral, party: Party, event: Answered, now: datetime, suppressed: frozenset[str]) -> Decision:
    other = referral.party(party.role.other)
    if consents(referral, other):
        barred = _suppressed_party(referral, suppressed)
        if barred is not None:
            return _barred(referral, barred, now)
        referral = replace(referral, state=State.INTRODUCED, closed_at=now)
        return Decision(referral, (_introduction(referral),), reason=f"{party.role} said yes; both agreed: introduced")
    noted = _to_party(referral, party, "yes_noted", in_reply_to=event.message_id)
    return Decision(referral, (noted,), reason=f"{party.role} said yes; waiting for {other.role}")


def _suppressed_party(referral: Referral, suppressed: frozenset[str]) -> Party | None:
    return next((p for p in referral.parties if mailbox_key(p.person.address) in suppressed), None)


def _barred(referral: Referral, barred: Party, now: datetime) -> Decision:
    """Both said yes, but one of them is on the suppression list (a stop given elsewhere,
    or an operator's): the list wins. Nobody is introduced to a person who asked never
    to be contacted; the referrer learns who, the other party hears it is not going ahead."""
    referral = replace(referral, state=State.DECLINED, closed_at=now)
    other = referral.party(barred.role.other)
    outgoing = (
        _to_referrer(referral, "declined", facts={"decliner": _named(barred.person)}),
        _to_party(referral, other, "closed"),
    )
    return Decision(referral, outgoing, reason=f"{barred.role} is on the suppression list: no introduction")


def _no(referral: Referral, party: Party, event: Answered, now: datetime) -> Decision:
    """A no (or a stop) closes the referral. The referrer is told who declined; the other
    party is told only that the introduction is not going ahead."""
    referral = replace(referral, state=State.DECLINED, closed_at=now)
    other = referral.party(party.role.other)
    stop = event.answer is Answer.STOP
    outgoing = [
        _to_party(referral, party, "stop_confirmed" if stop else "no_noted", in_reply_to=event.message_id,
                  ignores_suppression=stop),
        _to_referrer(referral, "declined", facts={"decliner": _named(party.person)}),
        _to_party(referral, other, "closed"),
    ]
    suppress = (party.person.address,) if stop else ()
    verb = "asked never to be contacted" if stop else "declined"
    return Decision(referral, tuple(outgoing), suppress, reason=f"{party.role} {verb}: no introduction")


def _after_the_end(referral: Referral, event: Answered, now: datetime, policy: Policy,
                   suppressed: frozenset[str]) -> Decision:
    """An answer once the referral is over. It is still the party's word: a no or a stop
    withdraws whatever they said before (recorded, so that a reopening never counts a yes
    they took back); a yes from the one who declined may reopen the referral. Nothing
    else is written to anyone: the referral is over, and a person who keeps writing must
    not make the broker write back each time."""
    party = referral.party(event.role)
    if event.answer is Answer.UNCLEAR:
        return Decision(referral, reason=f"{party.role} wrote after the referral was {referral.state}: no answer in it")
    if _reconsiders(referral, party, event, now, policy, suppressed):
        return _reopen(referral, event, now)
    if event.answer is Answer.STOP:
        return _stop_after_the_end(referral, party, event, now)
    recorded = _recorded(_speaking(party, event), event, now)
    verb = "withdrew their yes" if event.answer is Answer.NO and party.answer is Answer.YES else f"said {event.answer}"
    return Decision(referral.with_party(recorded),
                    reason=f"{party.role} {verb} after the referral was {referral.state}: recorded")


def _stop_after_the_end(referral: Referral, party: Party, event: Answered, now: datetime) -> Decision:
    """"Stop" always counts, even once the referral is over: the address goes on the
    suppression list, and the person is told so once (not again if they already were)."""
    recorded = referral.with_party(_recorded(party, event, now))
    if party.answer is Answer.STOP:
        return Decision(recorded, (), (party.person.address,),
                        reason=f"{party.role} asked again never to be contacted")
    confirmed = _to_party(referral, party, "stop_confirmed", in_reply_to=event.message_id, ignores_suppression=True)
    return Decision(recorded, (confirmed,), (party.person.address,),
                    reason=f"{party.role} asked never to be contacted, after the referral was {referral.state}")


def _reconsiders(referral: Referral, party: Party, event: Answered, now: datetime, policy: Policy,
                 suppressed: frozenset[str]) -> bool:
    """A party who said no may still say yes until the referral would have expired: a
    person changing their mind is no reason to lose an introduction both want. Not when
    the other party has since said no themselves, is on the suppression list, or after
    `max_reopenings` changes of mind."""
    other = referral.party(party.role.other)
    return (referral.state is State.DECLINED
            and event.answer is Answer.YES
            and party.answer is Answer.NO
            and other.answer not in (Answer.NO, Answer.STOP)
            and _suppressed_party(referral, suppressed) is None
            and referral.reopenings < policy.max_reopenings
            and now < referral.created_at + policy.expire_after)


def _speaking(party: Party, event: Answered) -> Party:
    """A party who wrote back in a language the broker writes is answered in it from then on."""
    return replace(party, lang=event.lang) if event.lang else party


def _reopen(referral: Referral, event: Answered, now: datetime) -> Decision:
    """The referral is open again from now. The other party's yes, if they gave one, was
    given before the close and is void: they are asked again, plainly, and the
    introduction waits for their new yes."""
    party = _recorded(_speaking(referral.party(event.role), event), event, now)
    other = referral.party(event.role.other)
    said_yes_before = other.answer is Answer.YES
    other = replace(other, answer=None, answered_at=None, answer_message_id="", note="", clarifications=0)
    referral = replace(referral.with_party(party).with_party(other), state=State.PENDING, closed_at=None,
                       opened_at=now, reopenings=referral.reopenings + 1)
    outgoing = (
        _to_party(referral, party, "yes_noted", in_reply_to=event.message_id),
        _to_referrer(referral, "reconsidered", facts={"party": _named(party.person)}),
        _to_party(referral, other, "reopened", unsubscribe=True, facts={"said_yes_before": said_yes_before}),
    )
    return Decision(referral, outgoing, reason=f"{event.role} changed their mind to yes: asking {other.role} again")


def _unclear(referral: Referral, party: Party, event: Answered, policy: Policy) -> Decision:
    """Not a clear yes or no: the party is asked once more, plainly, and the referrer sees
    what they wrote so a human can answer a question. Never counted as an answer."""
    outgoing = []
    if party.clarifications < policy.max_clarifications:
        outgoing.append(_to_party(referral, party, "clarify", in_reply_to=event.message_id, unsubscribe=True))
    if party.clarifications < policy.max_unclear_forwards:
        outgoing.append(_to_referrer(referral, "unclear_referrer", facts={"party": _named(party.person),
                                                                         "text": event.note}))
    referral = referral.with_party(replace(party, clarifications=party.clarifications + 1))
    return Decision(referral, tuple(outgoing), reason=f"{party.role}'s reply was unclear")


def _tick(referral: Referral, now: datetime, policy: Policy) -> Decision:
    if referral.state.awaits_referrer:
        if now >= referral.created_at + policy.expire_after:
            referral = replace(referral, state=State.EXPIRED, closed_at=now)
            return Decision(referral, reason="expired: the referrer never answered")
        return Decision(referral)
    if now >= referral.created_at + policy.expire_after:
        return _expire(referral, now)
    if referral.reminded_at is None and now >= referral.created_at + policy.reminder_after:
        return _remind(referral, now)
    return Decision(referral)


def _remind(referral: Referral, now: datetime) -> Decision:
    silent = [p for p in referral.parties if p.answer is None]
    outgoing = tuple(_to_party(referral, p, "reminder", unsubscribe=True) for p in silent)
    referral = replace(referral, reminded_at=now)
    return Decision(referral, outgoing, reason="reminder sent to " + (", ".join(p.role for p in silent) or "nobody"))


def _expire(referral: Referral, now: datetime) -> Decision:
    referral = replace(referral, state=State.EXPIRED, closed_at=now)
    silent = [_named(p.person) for p in referral.parties if p.answer is not Answer.YES]
    outgoing = [_to_referrer(referral, "expired", facts={"silent": silent})]
    outgoing += [_to_party(referral, p, "closed") for p in referral.parties if p.answer is Answer.YES]
    return Decision(referral, tuple(outgoing), reason="expired without both answers")


def _cancel(referral: Referral, now: datetime) -> Decision:
    asked = not referral.state.awaits_referrer
    referral = replace(referral, state=State.CANCELLED, closed_at=now)
    outgoing = [_to_referrer(referral, "cancelled", facts={"asked": asked})]
    outgoing += [_to_party(referral, p, "closed") for p in referral.parties if asked]
    return Decision(referral, tuple(outgoing), reason="cancelled")


def _undeliverable(referral: Referral, event: Undeliverable, now: datetime) -> Decision:
    """A party cannot be reached: waiting would only end in expiry. The referrer learns
    which address failed and why; the other party hears it is not going ahead."""
    party = referral.party(event.role)
    referral = replace(referral, state=State.UNDELIVERABLE, closed_at=now)
    outgoing = (
        _to_referrer(referral, "undeliverable", facts={"address": party.person.address, "detail": event.detail}),
        _to_party(referral, referral.party(event.role.other), "closed"),
    )
    return Decision(referral, outgoing, reason=f"{event.role} unreachable at {party.person.address}: {event.detail}")


# --- Messages --------------------------------------------------------------------------


def _public(person: Person) -> str:
    """How one party is named to the other before both consented: by name only. An
    unnamed party is left blank here and described by compose, never shown by address."""
    return person.name


def _common_facts(referral: Referral) -> dict:
    return {
        "ref": referral.ref,
        "referrer": referral.referrer.label,
        "context": referral.context,
        "subject": referral.subject,
    }


def _consent_request(referral: Referral, role: Role) -> Outgoing:
    party = referral.party(role)
    return _to_party(referral, party, "consent_request", message_id=party.asked_message_id, in_reply_to="",
                     unsubscribe=True)


def consent_requests_again(referral: Referral) -> tuple[Outgoing, ...]:
    """The consent request once more, for an operator's `resend`: to each party who has
    not answered, under a new Message-ID threaded to the first request, with the same
    reply token (so an answer to either counts)."""
    return tuple(replace(_consent_request(referral, p.role), message_id="", in_reply_to=p.asked_message_id)
                 for p in referral.parties if p.answer is None)


def _to_party(referral: Referral, party: Party, template: str, *, in_reply_to: str | None = None,
              message_id: str = "", ignores_suppression: bool = False, unsubscribe: bool = False,
              facts: dict | None = None) -> Outgoing:
    """A message to one party alone, answerable with their own token. The other party is
    named, never shown by address."""
    other = referral.party(party.role.other)
    return Outgoing(
        template=template,
        to=(party.person,),
        lang=party.lang,
        ref=referral.ref,
        reply_token=party.token,
        in_reply_to=party.asked_message_id if in_reply_to is None else in_reply_to,
        message_id=message_id,
        facts={**_common_facts(referral), "name": party.person.name, "other": _public(other.person),
               "role": party.role.value, **(facts or {})},
        ignores_suppression=ignores_suppression,
        unsubscribe=unsubscribe,
    )


def _to_referrer(referral: Referral, template: str, *, reply_token: str = "", facts: dict | None = None) -> Outgoing:
    return Outgoing(
        template=template,
        to=(referral.referrer,),
        lang=referral.lang,
        ref=referral.ref,
        reply_token=reply_token,
        in_reply_to=referral.request_message_id,
        facts={**_common_facts(referral), **_both(referral), **(facts or {})},
    )


def _introduction(referral: Referral) -> Outgoing:
    requester, target = referral.requester, referral.target
    lang = requester.lang if requester.lang == target.lang else referral.lang
    return Outgoing(
        template="introduction",
        to=(requester.person, target.person),
        cc=(referral.referrer,),
        reply_to=(requester.person, target.person),
        lang=lang,
        ref=referral.ref,
        facts={**_common_facts(referral),
               **_both(referral), "requester_note": requester.note, "target_note": target.note},
        whole=True,
    )


def _both(referral: Referral) -> dict:
    """Both parties by name and address, for those who may know both: the referrer, and
    the parties themselves once both said yes."""
    requester, target = referral.requester.person, referral.target.person
    return {"requester": requester.label, "requester_full": _named(requester),
            "target": target.label, "target_full": _named(target)}


def _named(person: Person) -> str:
    return f"{person.name} <{person.address}>" if person.name else person.address
