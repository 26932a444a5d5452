"""How the broker reads one message, without touching any state: `mailbroker explain`.

It answers "why did the broker do that?" by running the same readers the daemon runs,
in the same order, and saying what each found. It cannot know whether a token belongs
to a referral (that is in the state file), so it reports the tokens it sees.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage

from . import automatic, bounces, intake, mailtext, replies
from .context import says_why
from .model import IntakeError

REQUEST = "referral request"
DECLINE = "decline request"
REFUSED = "referral request (refused)"
REPLY = "consent reply"
AUTOMATIC = "automatic reply"
BOUNCE = "bounce"
OTHER = "other"


@dataclass
class Explanation:
    kind: str
    sender: str
    subject: str
    found: dict = field(default_factory=dict)
    why: list[str] = field(default_factory=list)

    def as_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)

    def as_text(self) -> str:
        lines = [f"kind:     {self.kind}", f"from:     {self.sender or '(none)'}",
                 f"subject:  {self.subject or '(none)'}"]
        for key, value in self.found.items():
            text = str(value).strip() if value not in (None, "") else "(none)"
            if "\n" in text:
                text = "\n" + "\n".join("    | " + line for line in text.splitlines())
            lines.append(f"{key + ':':<9} {text}")
        lines += ["why:"] + [f"  - {reason}" for reason in self.why]
        return "\n".join(lines)


def explain(msg: EmailMessage, broker_address: str, is_referrer=None, authentication=None) -> Explanation:
    """Read `msg` as the broker would. `is_referrer(address)` says whether the sender may
    start referrals; without it every sender is read as if allowed. `authentication` (the
    configuration's section) says what becomes of a request nothing proves."""
    sender = mailtext.sender(msg)
    result = Explanation(OTHER, sender.address if sender else "", mailtext.header_text(msg, "Subject"))
    bounce = bounces.read_bounce(msg)
    if bounce is not None:
        return _bounce(result, bounce)
    reason = automatic.automatic_reason(msg)
    if reason:
        result.kind = AUTOMATIC
        result.why.append(f"automatic: {reason}; never counted as an answer, never answered")
        return result
    tokens = replies.reply_tokens(msg, broker_address)
    threads = mailtext.thread_ids(msg)
    if tokens or threads:
        return _reply(result, msg, tokens, threads)
    if sender is None:
        result.why.append("no usable From address: the daemon quarantines it")
        return result
    if is_referrer is not None and not is_referrer(sender.address):
        result.why.append(f"{sender.address} is not an allowed referrer: quarantined, nobody is answered")
        return result
    if authentication is not None:
        unproven = _unproven(msg, authentication)
        if unproven:
            result.why.append(unproven)
            if authentication.unauthenticated_requests == "refuse":
                return result
    return _request(result, msg, broker_address)


def _unproven(msg: EmailMessage, authentication) -> str:
    """What the daemon does first with a request no trusted server vouched for; "" when
    one did."""
    from .authentication import referrer_authenticated

    ids = authentication.trusted_servers
    vouched, why = referrer_authenticated(msg, ids) if ids else (False, "no trusted server configured")
    if vouched:
        return ""
    return {
        "confirm": f"nothing proves the referrer sent it ({why}): the referrer is first asked, at their own "
                   "address only, whether they did; what follows happens only on their yes",
        "refuse": f"nothing proves the referrer sent it ({why}): quarantined, nobody is answered "
                  "(unauthenticated_requests: refuse)",
        "accept": f"nothing proves the referrer sent it ({why}), but it is read as theirs "
                  "(unauthenticated_requests: accept)",
    }[authentication.unauthenticated_requests]


def _bounce(result: Explanation, bounce) -> Explanation:
    result.kind = BOUNCE
    result.found["failed"] = ", ".join(
        f"{f.recipient} ({'permanent' if f.permanent else 'temporary'}{', ' + f.status if f.status else ''})"
        for f in bounce.failures) or "(no recipient found)"
    result.found["original"] = bounce.original_message_id
    result.why.append("a delivery failure report; a permanent failure of a consent request ends that referral "
                      "and the referrer is told")
    return result


def _reply(result: Explanation, msg: EmailMessage, tokens: list[str], threads: list[str]) -> Explanation:
    reply = replies.read_reply(msg)
    result.kind = REPLY
    result.found.update(tokens=", ".join(tokens), answer=reply.answer.value, note=reply.note,
                        fresh_text=reply.fresh_text)
    if tokens:
        result.why.append(f"addressed to a reply address with token {tokens[0]}")
    else:
        result.why.append(f"no token, but it replies to {threads[0]}: matched by thread if the broker sent that")
    result.why.append("counted only if it comes from the address the token was given to")
    result.why.append(f"the fresh text (quote and signature removed) reads as {reply.answer.value}")
    return result


def _request(result: Explanation, msg: EmailMessage, broker_address: str) -> Explanation:
    request = intake.read_request(msg, broker_address)
    if isinstance(request, IntakeError):
        result.kind = REFUSED
        result.found.update(error=request.code, detail=request.detail, language=request.lang)
        result.why.append("the referrer gets a reply saying what is wrong; nobody else is contacted")
        return result
    result.kind = DECLINE if request.decline else REQUEST
    result.found.update(
        requester=_person(request.requester),
        target=_person(request.target) if not request.decline else "",
        context=request.context,
        language=request.lang,
    )
    if request.decline:
        result.why.append("the referrer asks to decline: a courteous no goes to the requester, referrer in copy")
    elif not says_why(request.context, [request.requester.name, request.target.name]):
        result.why.append("the note does not say how the referrer knows them: the referrer is asked first "
                          "(policy.require_context)")
    else:
        result.why.append("both parties are asked separately for their consent")
    return result


def _person(person) -> str:
    return f"{person.name} <{person.address}>" if person.name else person.address
