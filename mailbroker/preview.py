"""Every message the broker can write, with sample people, for `mailbroker preview` and
for checking an operator's templates before the daemon uses them.

The samples are not a hand-written table of facts: a sample referral is taken through
the real state machine (`workflow.decide`), so each template is rendered with exactly
the facts the daemon would give it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from .compose import Identity, compose
from .model import (
    Answer,
    Answered,
    Cancelled,
    IntakeError,
    Outgoing,
    Person,
    ReferralRequest,
    Role,
    Started,
    Tick,
    Undeliverable,
)
from .wording import LANGUAGES, Wording, render_problem
from .workflow import (
    Policy,
    confirm_request,
    decide,
    decline_for_referrer,
    refuse_request,
    request_disowned,
    status_for_referrer,
)

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)
POLICY = Policy(reminder_after=timedelta(days=3), expire_after=timedelta(days=7))
IDENTITY = Identity("intro@example.com", "Introductions")
REFERRER = Person("Rita Referrer", "rita@example.com")
REQUEST = ReferralRequest(
    referrer=REFERRER,
    requester=Person("Alice Martin", "alice@example.com"),
    target=Person("Bob Stone", "bob@example.com"),
    context="Bob and I built the payments platform at Acme in 2021; Alice is hiring a payments lead "
            "and I think they would get on.",
    subject="Looking for a payments lead",
    message_id="<request@example.com>",
)


def samples(lang: str = "en") -> dict[str, Outgoing]:
    """One message of each template, in `lang`, as the state machine writes it."""
    found: dict[str, Outgoing] = {}

    def keep(decision):
        for out in decision.outgoing:
            found.setdefault(out.template, replace(out, lang=lang))
        return decision.referral

    later = lambda days: NOW + timedelta(days=days)  # noqa: E731
    start = Started(REQUEST, "K7Q3XF", "tokenrequester01", "tokentarget00001", lang, lang, lang,
                    "<ask-alice@example.com>", "<ask-bob@example.com>", referrer_token="tokenreferrer001")
    referral = keep(decide(None, start, NOW, POLICY))
    waiting = keep(decide(None, replace(start, ref="P4M2ZD", needs_context=True), NOW, POLICY))
    keep(decide(referral, Answered(Role.TARGET, Answer.UNCLEAR, "Who is she exactly?", "<q@example.com>"),
                later(1), POLICY))
    keep(decide(referral, Tick(), later(3), POLICY))
    keep(decide(referral, Tick(), later(8), POLICY))
    keep(decide(referral, Cancelled(), later(1), POLICY))
    keep(decide(referral, Undeliverable(Role.TARGET, "550 5.1.1 user unknown"), later(1), POLICY))
    keep(decide(referral, Answered(Role.TARGET, Answer.STOP, "", "<stop@example.com>"), later(1), POLICY))
    yes = keep(decide(referral, Answered(Role.REQUESTER, Answer.YES, "I lead hiring for the payments team.",
                                         "<yes1@example.com>"), later(1), POLICY))
    declined = keep(decide(yes, Answered(Role.TARGET, Answer.NO, "", "<no@example.com>"), later(1), POLICY))
    keep(decide(declined, Answered(Role.TARGET, Answer.YES, "", "<yes@example.com>"), later(2), POLICY))
    keep(decide(None, replace(start, ref="A8R2QT", introduced_before=later(-60)), NOW, POLICY))
    keep(decide(yes, Answered(Role.TARGET, Answer.YES, "Happy to, Tuesdays are best.", "<yes2@example.com>"),
                later(2), POLICY))
    refusal = refuse_request(REFERRER, IntakeError("no_target", "", lang), subject=REQUEST.subject,
                             message_id=REQUEST.message_id, policy=POLICY)
    found.setdefault("intake_error", replace(refusal, lang=lang))
    found.setdefault("decline", replace(decline_for_referrer(REQUEST, POLICY), lang=lang))
    found.setdefault("request_confirmation", replace(confirm_request(
        REQUEST, "tokenheld0000001", subject=REQUEST.subject, message_id=REQUEST.message_id, policy=POLICY),
        lang=lang))
    found.setdefault("request_disowned", request_disowned(REFERRER, subject="Re: Did you send this introduction "
                                                          "request?", message_id="<no@example.com>", lang=lang))
    found.setdefault("referrer_status", status_for_referrer(REFERRER, [referral, replace(yes, ref="H3T8VB"), waiting], subject="status",
                                                            message_id="<status@example.com>", lang=lang))
    return found


def names() -> list[str]:
    return sorted(samples())


def problems(wording: Wording, *, html: bool = True) -> list[str]:
    """What is wrong with the templates in use: each sample message composed in each
    language; an empty list when all of them can be written."""
    found = []
    for lang in LANGUAGES:
        for name, out in sorted(samples(lang).items()):
            try:
                compose(out, IDENTITY, NOW, wording, html=html)
            except Exception as error:  # noqa: BLE001 - every problem is reported, none stops the check
                found.append(f"{lang}/{name}.txt: {render_problem(error, wording)}")
    return found


def show(name: str, lang: str, wording: Wording, *, html: bool = False) -> str:
    """One sample message as a person would read it: its headers, then its text (or
    the HTML alternative)."""
    out = samples(lang).get(name)
    if out is None:
        raise KeyError(f"no message called {name!r}: choose one of {', '.join(names())}")
    msg = compose(out, IDENTITY, NOW, wording, html=True)
    head = "".join(f"{header}: {msg[header]}\n" for header in ("From", "To", "Cc", "Reply-To", "Subject")
                   if msg[header] is not None)
    part = msg.get_body(("html",) if html else ("plain",))
    return f"{head}\n{part.get_content()}"
