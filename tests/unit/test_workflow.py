"""The state machine, example by example, then its invariants under random event sequences."""

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mailbroker import testing as mt
from mailbroker.compose import Identity, compose, render
from mailbroker.model import (
    INTAKE_ERROR_CODES,
    Answer,
    Answered,
    Cancelled,
    IntakeError,
    Outgoing,
    Person,
    ReferrerReplied,
    Role,
    State,
    Tick,
    Undeliverable,
)
from mailbroker.workflow import (
    ASK_AGAIN,
    DROP,
    GO_AHEAD,
    LAPSED,
    Limits,
    Sent,
    Usage,
    decide,
    decline_for_referrer,
    held_request_answered,
    next_due,
    over_cap,
    refuse_request,
    vet_request,
    without_suppressed,
)

from ..support import POLICY, T0, answer, started

IDENTITY = Identity("intro@example.test", "Introductions")
REFERRER = Person("Rita Referrer", "referrer@example.test")
ALICE = Person("Alice Martin", "alice@example.test")
BOB = Person("Bob Stone", "bob@example.test")


def start():
    return decide(None, started(), T0, POLICY)


def templates(decision):
    return [(o.template, tuple(p.address for p in o.to)) for o in decision.outgoing]


def test_start_asks_each_party_separately_and_acknowledges():
    d = start()
    assert d.referral.state is State.PENDING
    assert templates(d) == [
        ("consent_request", ("alice@example.test",)),
        ("consent_request", ("bob@example.test",)),
        ("acknowledgement", ("referrer@example.test",)),
    ]
    alice_request, bob_request, _ = d.outgoing
    assert alice_request.reply_token == "tok-requester" and bob_request.reply_token == "tok-target"
    assert alice_request.message_id == "<c1@x>"


def test_yes_then_yes_introduces_once_with_referrer_in_copy():
    d = answer(start().referral, Role.REQUESTER, Answer.YES, "Happy to help")
    assert templates(d) == [("yes_noted", ("alice@example.test",))]
    d = answer(d.referral, Role.TARGET, Answer.YES)
    assert d.referral.state is State.INTRODUCED
    [intro] = d.outgoing
    assert intro.template == "introduction"
    assert {p.address for p in intro.to} == {"alice@example.test", "bob@example.test"}
    assert intro.cc == (REFERRER,)
    assert intro.facts["requester_note"] == "Happy to help"


def test_no_tells_referrer_and_only_a_neutral_word_to_the_other():
    d = answer(start().referral, Role.REQUESTER, Answer.YES)
    d = answer(d.referral, Role.TARGET, Answer.NO)
    assert d.referral.state is State.DECLINED
    assert templates(d) == [
        ("no_noted", ("bob@example.test",)),
        ("declined", ("referrer@example.test",)),
        ("closed", ("alice@example.test",)),
    ]
    assert not d.suppress


def test_stop_suppresses_and_confirms_even_though_suppressed():
    d = answer(start().referral, Role.TARGET, Answer.STOP)
    assert d.suppress == ("bob@example.test",)
    confirm = d.outgoing[0]
    assert confirm.template == "stop_confirmed" and confirm.ignores_suppression


def test_unclear_asks_once_more_then_only_forwards_to_referrer():
    d = answer(start().referral, Role.TARGET, Answer.UNCLEAR, "Who is Alice exactly?")
    assert templates(d) == [("clarify", ("bob@example.test",)), ("unclear_referrer", ("referrer@example.test",))]
    assert d.outgoing[1].facts["text"] == "Who is Alice exactly?"
    d = answer(d.referral, Role.TARGET, Answer.UNCLEAR, "Hmm")
    assert templates(d) == [("unclear_referrer", ("referrer@example.test",))]
    assert d.referral.target.answer is None


def test_a_party_may_change_a_yes_into_a_no_before_the_introduction():
    d = answer(start().referral, Role.REQUESTER, Answer.YES)
    d = answer(d.referral, Role.REQUESTER, Answer.NO)
    assert d.referral.state is State.DECLINED


def test_one_reminder_then_expiry():
    referral = start().referral
    assert next_due(referral, POLICY) == T0 + timedelta(days=3)
    d = decide(referral, Tick(), T0 + timedelta(days=1), POLICY)
    assert d.outgoing == () and d.referral == referral
    referral = answer(referral, Role.REQUESTER, Answer.YES).referral
    d = decide(referral, Tick(), T0 + timedelta(days=3), POLICY)
    assert templates(d) == [("reminder", ("bob@example.test",))]
    assert d.outgoing[0].in_reply_to == "<c2@x>"
    d = decide(d.referral, Tick(), T0 + timedelta(days=4), POLICY)
    assert d.outgoing == ()
    assert next_due(d.referral, POLICY) == T0 + timedelta(days=7)
    d = decide(d.referral, Tick(), T0 + timedelta(days=7), POLICY)
    assert d.referral.state is State.EXPIRED
    assert templates(d) == [("expired", ("referrer@example.test",)), ("closed", ("alice@example.test",))]
    assert next_due(d.referral, POLICY) is None


def test_closed_referrals_write_to_nobody_but_still_record_a_partys_word():
    d = answer(start().referral, Role.REQUESTER, Answer.NO)
    for event in (Tick(), Cancelled(), Answered(Role.TARGET, Answer.UNCLEAR, "Who?")):
        later = decide(d.referral, event, T0 + timedelta(days=30), POLICY)
        assert later.outgoing == () and later.referral == d.referral
    later = decide(d.referral, Answered(Role.TARGET, Answer.YES), T0 + timedelta(days=30), POLICY)
    assert later.outgoing == () and later.referral.state is State.DECLINED
    assert later.referral.target.answer is Answer.YES and "recorded" in later.reason


def test_cancel_tells_referrer_and_both_parties():
    d = decide(start().referral, Cancelled(), T0, POLICY)
    assert d.referral.state is State.CANCELLED
    assert [o.template for o in d.outgoing] == ["cancelled", "closed", "closed"]


def test_an_unreachable_party_ends_the_referral_and_the_referrer_learns_why():
    d = decide(start().referral, Undeliverable(Role.TARGET, "550 5.1.1 no such user"), T0, POLICY)
    assert d.referral.state is State.UNDELIVERABLE
    assert templates(d) == [("undeliverable", ("referrer@example.test",)), ("closed", ("alice@example.test",))]
    assert d.outgoing[0].facts["address"] == "bob@example.test"


def test_missing_context_is_asked_of_the_referrer_before_anyone_else():
    d = decide(None, started(context="", needs_context=True), T0, POLICY)
    assert d.referral.state is State.AWAITING_CONTEXT
    assert templates(d) == [("context_needed", ("referrer@example.test",))]
    assert d.outgoing[0].reply_token == "tok-referrer"
    assert next_due(d.referral, POLICY) == T0 + POLICY.expire_after
    assert decide(d.referral, Answered(Role.TARGET, Answer.YES), T0, POLICY).outgoing == ()
    assert decide(d.referral, ReferrerReplied("  "), T0, POLICY).referral.state is State.AWAITING_CONTEXT
    later = T0 + timedelta(hours=5)
    d = decide(d.referral, ReferrerReplied("Bob and I built Acme's payment platform."), later, POLICY)
    assert d.referral.state is State.PENDING and d.referral.created_at == later
    assert [o.template for o in d.outgoing] == ["consent_request", "consent_request", "acknowledgement"]
    assert "Acme's payment platform" in d.outgoing[0].facts["context"]


def test_without_context_the_request_lapses_quietly():
    d = decide(None, started(context="", needs_context=True), T0, POLICY)
    d = decide(d.referral, Tick(), T0 + POLICY.expire_after, POLICY)
    assert d.referral.state is State.EXPIRED and d.outgoing == ()


def test_a_no_turned_yes_asks_again_whoever_had_said_yes_and_waits_for_their_new_yes():
    d = answer(start().referral, Role.TARGET, Answer.YES)
    d = answer(d.referral, Role.REQUESTER, Answer.NO)
    d = answer(d.referral, Role.REQUESTER, Answer.YES, "Sorry, I misread: yes!", at=T0 + timedelta(days=1))
    assert d.referral.state is State.PENDING and d.referral.opened_at == T0 + timedelta(days=1)
    assert templates(d) == [("yes_noted", ("alice@example.test",)), ("reconsidered", ("referrer@example.test",)),
                            ("reopened", ("bob@example.test",))]
    assert d.outgoing[2].facts["said_yes_before"] is True
    assert d.referral.target.answer is None  # the yes given before the close is void
    d = answer(d.referral, Role.TARGET, Answer.YES, at=T0 + timedelta(days=2))
    assert d.referral.state is State.INTRODUCED
    assert templates(d) == [("introduction", ("alice@example.test", "bob@example.test"))]


def test_a_yes_withdrawn_after_the_close_is_not_reused_on_reopening():
    """B says yes; A says no; B then says no (or stop); A changes their mind: no reopening,
    no introduction — B's latest word is no."""
    for withdrawal in (Answer.NO, Answer.STOP):
        d = answer(start().referral, Role.TARGET, Answer.YES)
        d = answer(d.referral, Role.REQUESTER, Answer.NO)
        d = answer(d.referral, Role.TARGET, withdrawal, at=T0 + timedelta(hours=1))
        assert d.referral.target.answer is withdrawal and d.referral.state is State.DECLINED
        d = answer(d.referral, Role.REQUESTER, Answer.YES, at=T0 + timedelta(hours=2))
        assert d.referral.state is State.DECLINED and d.outgoing == ()
        assert d.referral.requester.answer is Answer.YES


def test_a_suppressed_party_is_never_introduced():
    d = answer(start().referral, Role.TARGET, Answer.YES)
    d = decide(d.referral, Answered(Role.REQUESTER, Answer.YES), T0, POLICY,
               suppressed=frozenset({"bob@example.test"}))
    assert d.referral.state is State.DECLINED
    assert templates(d) == [("declined", ("referrer@example.test",)), ("closed", ("alice@example.test",))]
    assert d.outgoing[0].facts["decliner"] == "Bob Stone <bob@example.test>"


def test_a_party_who_flips_reopens_the_referral_at_most_twice():
    d = answer(start().referral, Role.TARGET, Answer.YES)
    reopened = referrer_told = 0
    at = T0
    for _ in range(10):
        for value in (Answer.NO, Answer.YES):
            at += timedelta(minutes=10)
            d = answer(d.referral, Role.REQUESTER, value, at=at)
            reopened += sum(o.template == "reopened" for o in d.outgoing)
            referrer_told += sum(o.to == (REFERRER,) for o in d.outgoing)
    assert reopened == 2 and d.referral.reopenings == 2
    assert referrer_told == 5  # declined, then reconsidered and declined twice
    assert d.referral.state is State.DECLINED


def test_a_repeated_yes_or_no_is_not_acknowledged_twice():
    d = answer(start().referral, Role.TARGET, Answer.YES)
    again = answer(d.referral, Role.TARGET, Answer.YES)
    assert again.outgoing == () and again.referral.state is State.PENDING
    d = answer(d.referral, Role.REQUESTER, Answer.NO)
    again = answer(d.referral, Role.REQUESTER, Answer.NO, at=T0 + timedelta(hours=1))
    assert again.outgoing == ()


def test_two_people_introduced_before_wait_for_the_referrers_confirmation():
    event = replace(started(), introduced_before=T0 - timedelta(days=40))
    d = decide(None, event, T0, POLICY)
    assert d.referral.state is State.AWAITING_CONFIRMATION
    assert templates(d) == [("already_introduced", ("referrer@example.test",))]
    assert d.outgoing[0].reply_token == "tok-referrer"
    assert d.outgoing[0].facts["introduced_on"] == (T0 - timedelta(days=40)).date().isoformat()
    assert decide(d.referral, Answered(Role.TARGET, Answer.YES), T0, POLICY).outgoing == ()
    unclear = decide(d.referral, ReferrerReplied("hmm", answer=Answer.UNCLEAR), T0, POLICY)
    assert unclear.outgoing == () and unclear.referral.state is State.AWAITING_CONFIRMATION
    no = decide(d.referral, ReferrerReplied("No, leave it", answer=Answer.NO), T0, POLICY)
    assert no.referral.state is State.CANCELLED and templates(no) == [("cancelled", ("referrer@example.test",))]
    yes = decide(d.referral, ReferrerReplied("Yes, again please", answer=Answer.YES), T0 + timedelta(hours=1), POLICY)
    assert yes.referral.state is State.PENDING
    assert [o.template for o in yes.outgoing] == ["consent_request", "consent_request", "acknowledgement"]
    asks = decide(d.referral, ReferrerReplied("Yes", answer=Answer.YES, needs_context=True), T0, POLICY)
    assert asks.referral.state is State.AWAITING_CONTEXT and templates(asks) == [("context_needed",
                                                                                 ("referrer@example.test",))]
    lapsed = decide(d.referral, Tick(), T0 + POLICY.expire_after, POLICY)
    assert lapsed.referral.state is State.EXPIRED and lapsed.outgoing == ()


def test_a_no_turned_yes_asks_the_other_party_again():
    d = answer(start().referral, Role.REQUESTER, Answer.NO)
    d = answer(d.referral, Role.REQUESTER, Answer.YES)
    assert d.referral.state is State.PENDING
    assert [o.template for o in d.outgoing] == ["yes_noted", "reconsidered", "reopened"]
    assert d.outgoing[2].to == (BOB,)


def test_no_change_of_mind_after_the_expiry_or_after_a_stop():
    d = answer(start().referral, Role.REQUESTER, Answer.NO)
    late = answer(d.referral, Role.REQUESTER, Answer.YES, at=T0 + POLICY.expire_after)
    assert late.referral.state is State.DECLINED and late.outgoing == ()
    d = answer(start().referral, Role.REQUESTER, Answer.STOP)
    assert answer(d.referral, Role.REQUESTER, Answer.YES).referral.state is State.DECLINED


def test_decline_on_behalf_of_the_referrer():
    request = started().request
    out = decline_for_referrer(request, POLICY)
    assert out.to == (ALICE,) and out.cc == (REFERRER,) and out.reply_to == (REFERRER,)
    message = compose(out, IDENTITY, T0)
    assert str(message["From"]) == '"Rita Referrer (via Introductions)" <intro@example.test>'
    assert "don't know your work well enough" in mt.text_of(message)
    assert BOB.address not in message.as_string()


def test_party_messages_offer_unsubscribe():
    consent = compose(start().outgoing[0], IDENTITY, T0)
    assert consent["List-Unsubscribe"] == "<mailto:intro+tok-requester@example.test?subject=stop>"
    ack = compose(start().outgoing[2], IDENTITY, T0)
    assert ack["List-Unsubscribe"] is None


def test_vet_request_refuses_duplicates_and_suppressed():
    request = started().request
    assert vet_request(request, open_duplicate=None, suppressed=()) is None
    assert vet_request(request, open_duplicate="ABCDEF", suppressed=()).code == "duplicate"
    assert vet_request(request, open_duplicate=None, suppressed=("bob@example.test",)).code == "suppressed"


def test_limits_refuse_with_a_precise_reason():
    request = started().request
    limits = Limits(referrals_per_referrer_per_day=2, open_referrals_per_referrer=3, requests_per_person_per_month=1)

    def vet(**usage):
        error = vet_request(request, open_duplicate=None, suppressed=(), usage=Usage(**usage), limits=limits)
        return error and (error.code, error.detail)

    assert vet(referrer_last_day=1, referrer_open=2, asked_last_month=(("bob@example.test", 0),)) is None
    assert vet(referrer_last_day=2) == ("limit_referrals_per_day", "2")
    assert vet(referrer_open=3) == ("limit_open_referrals", "3")
    assert vet(asked_last_month=(("bob@example.test", 1),)) == ("limit_requests_per_person", "bob@example.test")
    for code in ("limit_referrals_per_day", "limit_open_referrals", "limit_requests_per_person"):
        out = refuse_request(REFERRER, IntakeError(code, "2"), subject="Hi", message_id="", policy=POLICY)
        body = mt.text_of(compose(out, IDENTITY, T0))
        assert "could not start this introduction" in body and "Two ways" not in body


def test_refusal_goes_to_the_referrer_only():
    out = refuse_request(REFERRER, IntakeError("no_target"), subject="Hi", message_id="<m@x>", policy=POLICY)
    assert out.to == (REFERRER,) and out.cc == () and out.in_reply_to == "<m@x>"


def test_suppressed_recipients_are_removed():
    d = decide(start().referral, Cancelled(), T0, POLICY)
    closed_to_bob = d.outgoing[2]
    assert without_suppressed(closed_to_bob, frozenset({"bob@example.test"})) is None
    assert without_suppressed(closed_to_bob, frozenset()) == closed_to_bob


def test_an_introduction_goes_to_everyone_or_to_nobody():
    d = answer(start().referral, Role.TARGET, Answer.YES)
    [intro] = answer(d.referral, Role.REQUESTER, Answer.YES).outgoing
    assert without_suppressed(intro, frozenset()) == intro
    for address in ("bob@example.test", "referrer@example.test"):
        assert without_suppressed(intro, frozenset({address})) is None


def test_unnamed_party_is_never_shown_by_address():
    d = decide(None, started(requester=Person("", "anon@example.test")), T0, POLICY)
    to_bob = d.outgoing[1]
    body = mt.text_of(compose(to_bob, IDENTITY, T0))
    assert "anon@example.test" not in body
    assert "a contact of Rita Referrer" in body


# --- Invariants under random sequences ---------------------------------------------------

# Answers make most of the vocabulary: the interesting sequences are the ones where
# people change their minds around closes and reopenings.
events = st.sampled_from([
    *(Answered(role, value, "ok") for role in Role for value in Answer),
    Tick(), Cancelled(), Undeliverable(Role.TARGET, "550 no such user"),
    ReferrerReplied("We worked together.", answer=Answer.YES), ReferrerReplied(""),
])
WITHDRAWN_YES = [(Answered(Role.TARGET, Answer.YES), 1), (Answered(Role.REQUESTER, Answer.NO), 1),
                 (Answered(Role.TARGET, Answer.NO), 1), (Answered(Role.REQUESTER, Answer.YES), 1),
                 (Answered(Role.TARGET, Answer.YES), 1)]
STALE_YES = [(Answered(Role.TARGET, Answer.YES), 1), (Answered(Role.REQUESTER, Answer.NO), 1),
             (Answered(Role.REQUESTER, Answer.YES), 1), (Answered(Role.REQUESTER, Answer.YES), 1)]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(events, st.integers(0, 60)), max_size=16), st.sampled_from(["en", "fr"]),
       st.booleans(), st.sampled_from([frozenset(), frozenset({"bob@example.test"})]))
@example(WITHDRAWN_YES, "en", False, frozenset())
@example(STALE_YES, "en", False, frozenset())
def test_invariants_hold_for_any_sequence_of_events(steps, lang, needs_context, suppressed_elsewhere):
    """The model below knows nothing of the state machine's fields: it replays the events
    and keeps each party's latest word (any yes, no or stop once they were asked, open
    referral or not) and the moment the consent requests last went out."""
    d = decide(None, started(lang=lang, needs_context=needs_context), T0, POLICY, suppressed=suppressed_elsewhere)
    referral = d.referral
    suppressed = set(suppressed_elsewhere)
    latest = {Role.REQUESTER: (None, T0), Role.TARGET: (None, T0)}
    opened = T0 if any(o.template == "consent_request" for o in d.outgoing) else None
    counts = {"introduction": 0, "reopened": 0, "reconsidered": 0, "declined": 0}
    now = T0
    for event, hours in steps:
        now = now + timedelta(hours=hours)
        was_open = referral.state.is_open
        d = decide(referral, event, now, POLICY, suppressed=frozenset(suppressed))
        if isinstance(event, Answered) and opened is not None and event.answer is not Answer.UNCLEAR:
            latest[event.role] = (event.answer, now)
        reopens = not was_open and d.referral.state in (State.PENDING, State.INTRODUCED)
        if reopens or any(o.template == "consent_request" for o in d.outgoing):
            opened = now
        for out in d.outgoing:
            message = compose(out, IDENTITY, now)  # every template renders in every language
            counts[out.template] = counts.get(out.template, 0) + 1
            if out.template == "introduction":
                # Invariant 1: both parties' latest words are yes, given since the last opening.
                for word, when in latest.values():
                    assert word is Answer.YES and when >= opened
                assert not {p.address for p in out.to} & suppressed  # never names a suppressed person
                continue
            # Invariant 5: messages are individual and never reveal the other party's address.
            assert len(out.to) == 1 and not out.cc
            if out.to[0] in (ALICE, BOB):
                other = BOB if out.to[0] == ALICE else ALICE
                assert other.address not in message.as_string()
        if not was_open and d.referral.state is not State.PENDING:
            # After the end nothing is written to anyone, but the confirmation of a stop.
            assert all(o.template == "stop_confirmed" for o in d.outgoing)
            assert d.suppress == () or (isinstance(event, Answered) and event.answer is Answer.STOP)
        suppressed |= set(d.suppress)
        referral = d.referral
        assert len([o for o in d.outgoing if o.template == "reminder"]) <= 2
        if referral.state.awaits_referrer:  # nobody but the referrer hears of it yet
            assert all(o.to == (REFERRER,) for o in d.outgoing)
    assert counts["introduction"] <= 1
    assert (referral.state is State.INTRODUCED) == (counts["introduction"] == 1)
    # A party who flips is asked again at most twice; the referrer hears once per change.
    assert counts["reopened"] == counts["reconsidered"] == referral.reopenings <= POLICY.max_reopenings
    assert counts["declined"] <= 1 + referral.reopenings


LIMIT_CODES = ("limit_referrals_per_day", "limit_open_referrals", "limit_requests_per_person")


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("code", INTAKE_ERROR_CODES + LIMIT_CODES)
def test_every_refusal_has_its_own_wording_in_each_language(code, lang):
    """No referrer ever gets the catch-all "could not be read (code)"."""
    detail = "12.5;10" if code == "too_large" else "zoë@example.test"
    subject, body = render("intake_error", lang, {"code": code, "detail": detail, "subject": "Intro"},
                           IDENTITY)
    assert code not in body and "could not be read" not in body and "n'a pas pu être lue" not in body


# --- caps and held requests: the rules, without a store ---------------------------------


def test_every_message_counts_against_a_cap():
    limits = Limits(messages_per_person_per_referral=3, replies_per_referrer_per_day=2, messages_per_address_per_day=5)
    ask = Outgoing(template="reminder", to=(ALICE,), lang="en", ref="K7Q3XF")
    introduction = replace(ask, template="introduction")
    refusal = Outgoing(template="intake_error", to=(REFERRER,), lang="en")
    assert over_cap(ask, Sent(in_referral=3), referrer=False, limits=limits)
    assert not over_cap(introduction, Sent(in_referral=3), referrer=False, limits=limits)
    assert over_cap(ask, Sent(in_referral=3), referrer=True, limits=limits)  # the referrer too, within a referral
    assert not over_cap(ask, Sent(today=50), referrer=True, limits=limits)  # ...but no daily cap on them there
    assert over_cap(refusal, Sent(replies_today=2), referrer=True, limits=limits)
    assert not over_cap(refusal, Sent(replies_today=1), referrer=True, limits=limits)
    assert over_cap(ask, Sent(today=5), referrer=False, limits=limits)


def test_only_a_yes_in_time_lets_a_held_request_go_ahead():
    week = timedelta(days=7)
    assert held_request_answered(Answer.YES, timedelta(days=1), week) == GO_AHEAD
    assert held_request_answered(Answer.YES, timedelta(days=8), week) == LAPSED
    assert held_request_answered(Answer.NO, timedelta(0), week) == held_request_answered(Answer.STOP, timedelta(0), week)
    assert held_request_answered(Answer.NO, timedelta(0), week) == DROP
    assert held_request_answered(Answer.UNCLEAR, timedelta(0), week) == ASK_AGAIN
