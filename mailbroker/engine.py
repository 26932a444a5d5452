"""The engine applies the core's decisions to the store, one transaction per message.

It is the seam between the pure parts (reading mail, deciding) and the edges (IMAP,
SMTP): `handle(raw)` takes the bytes of one incoming message and returns its fate —
which folder it goes to and why — after committing, in a single transaction, the new
state, the messages to send and the fact that this message was handled. The mailbox
edge moves the message only after that commit, so a crash in between is harmless: on
restart the message is found again, recognised by its digest, and simply moved.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

from . import authentication, automatic, bounces, commands, intake, mailtext, replies
from .compose import BUILT_IN, Identity, composed, new_message_id
from .context import says_why
from .model import (
    Answer,
    Answered,
    Cancelled,
    Event,
    IntakeError,
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
    same_address,
)
from .store import UNAVAILABLE, AlreadyHandled, Store, same_token
from .wording import Wording
from .workflow import (
    ASK_AGAIN,
    DROP,
    GO_AHEAD,
    LAPSED,
    Decision,
    Policy,
    Sent,
    Usage,
    confirm_request,
    consent_requests_again,
    decide,
    decline_for_referrer,
    held_request_answered,
    next_due,
    over_cap,
    party_language,
    refuse_request,
    request_disowned,
    status_for_referrer,
    vet_request,
    without_suppressed,
)

log = logging.getLogger(__name__)

PROCESSED = "processed"
QUARANTINE = "quarantine"
REFERRER = "referrer"  # who wrote a reply, when it is not a party
RESENT = "consent request resent"  # timeline entry of `resend`: at most one per referral
MAX_ATTEMPTS = 3  # a message that crashed the broker this often is quarantined unread
DAY = timedelta(days=1)
MONTH = timedelta(days=30)
# A message another broker handled this long ago and is still in the watched folder was
# left there by a broker that stopped between its commit and its MOVE: whoever finds it
# moves it. (A MOVE takes milliseconds, at most imap.timeout.)
LEFT_BEHIND_AFTER = timedelta(minutes=2)
HANDLED_HERE_REMEMBERED = 1000  # the last messages this engine recorded (see _already_handled)
# How long a request held for its referrer's confirmation waits for it (see _hold).
HELD_FOR = timedelta(days=7)
# What `authentication.unauthenticated_requests` may say of a referrer's request whose
# sender no trusted server vouched for.
CONFIRM, REFUSE, ACCEPT = "confirm", "refuse", "accept"

# Crockford's base32 without look-alikes: easy to read aloud and to type.
_REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_ref() -> str:
    return "".join(secrets.choice(_REF_ALPHABET) for _ in range(6))


def new_token() -> str:
    """128 bits from the system's CSPRNG, in lowercase base32: some mail systems fold the
    case of local parts, so the token must survive that."""
    return base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=").lower()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Fate:
    folder: str  # PROCESSED or QUARANTINE
    reason: str
    ref: str | None = None
    # request, reply, bounce, automatic, stranger, too_large or unreadable: for the
    # metrics and the logs
    kind: str = "unreadable"
    message_id: str = ""  # the message's own Message-ID, for the logs
    # A duplicate that another broker sharing the database handled moments ago: moving
    # it is that broker's job (two MOVEs of one message at the same instant can leave
    # two copies in the folder).
    handled_elsewhere: bool = False


def _as(kind: str, routed: tuple[Decision | None, Fate]) -> tuple[Decision | None, Fate]:
    decision, fate = routed
    return decision, replace(fate, kind=kind)


class Engine:
    def __init__(self, store: Store, identity: Identity, policy: Policy,
                 is_allowed_referrer: Callable[[str], bool], clock: Callable[[], datetime] = utcnow,
                 trusted_servers: tuple[str, ...] = (), wording: Wording = BUILT_IN, html: bool = True,
                 unauthenticated_requests: str = CONFIRM):
        self.store = store
        self.unauthenticated_requests = unauthenticated_requests
        self.wording = wording
        self.html = html
        self.trusted_servers = trusted_servers
        self.identity = identity
        self.policy = policy
        self.is_allowed_referrer = is_allowed_referrer
        self.clock = clock
        self._since = clock()  # when this engine started (see _already_handled)
        self._handled_here: dict[str, None] = {}  # digests, oldest first

    # --- incoming mail -----------------------------------------------------------------

    def handle(self, raw: bytes, *, too_large: int | None = None) -> Fate:
        """File one incoming message: apply what it means and say where it goes.

        `too_large` is the size of a message over `limits.max_message_size`, of which
        only the header was fetched (`raw`): never read as an answer or a request, but
        a referrer still hears that their request was not read, and why."""
        digest = hashlib.sha256(raw if too_large is None else b"%d bytes, header only\n" % too_large + raw).hexdigest()
        if self.store.seen(digest):
            return self._already_handled(digest)
        if self.store.count_attempt(digest) >= MAX_ATTEMPTS:
            # Handling it crashed the whole process that many times: set it aside unread.
            msg = mailtext.parse(b"")
            fate = Fate(QUARANTINE, f"handling failed {MAX_ATTEMPTS} times: set aside unread")
        else:
            msg = mailtext.parse(raw)
            try:
                fate = self._decide_and_record(digest, msg, raw, too_large)
            except AlreadyHandled:  # by another broker sharing the database, while this one was deciding
                return self._already_handled(digest)
            except UNAVAILABLE:
                raise  # the disk or the database, not this message: the daemon retries it later
            except Exception as error:  # noqa: BLE001 - one unreadable message must not stop the broker
                # Rolled back whole: a decision that could not be made or stored is not applied at all.
                log.exception("could not handle message %s", mailtext.header_text(msg, "Message-ID"))
                fate = Fate(QUARANTINE, f"could not be handled: {type(error).__name__}: {error}")
            else:
                return replace(fate, message_id=mailtext.header_text(msg, "Message-ID"))
        try:
            self._record(digest, msg, None, fate)
        except AlreadyHandled:
            return self._already_handled(digest)
        return replace(fate, message_id=mailtext.header_text(msg, "Message-ID"))

    def _already_handled(self, digest: str) -> Fate:
        """A message found again: after a crash between commit and MOVE, a MOVE that
        failed, or in the same instant as another broker sharing the database, which
        handled it and moves it."""
        folder, at = self.store.seen_at(digest)
        elsewhere = digest not in self._handled_here and at > self._since and self.clock() - at < LEFT_BEHIND_AFTER
        return Fate(folder, "already handled", kind="duplicate", handled_elsewhere=elsewhere)

    def _remember_handled(self, digest: str) -> None:
        self._handled_here[digest] = None
        if len(self._handled_here) > HANDLED_HERE_REMEMBERED:
            del self._handled_here[next(iter(self._handled_here))]

    def _decide_and_record(self, digest: str, msg: EmailMessage, raw: bytes, too_large: int | None) -> Fate:
        """Read, decide and record in one transaction. Brokers sharing a database may
        handle two answers of one referral at the same moment: the referral is read
        locked (Store.load), so the second decides from what the first committed, never
        from the state both started with (which would lose the first answer)."""
        with self.store.transaction():
            decision, fate = self._route(msg, raw, too_large)
            self._apply_and_mark(digest, msg, decision, fate)
        self._remember_handled(digest)
        return fate

    def _record(self, digest: str, msg: EmailMessage, decision: Decision | None, fate: Fate) -> None:
        """The decision and the message's fate in one transaction: both or neither."""
        with self.store.transaction():
            self._apply_and_mark(digest, msg, decision, fate)
        self._remember_handled(digest)

    def _apply_and_mark(self, digest: str, msg: EmailMessage, decision: Decision | None, fate: Fate) -> None:
        if decision is not None:
            self._apply(decision)
        self.store.mark_seen(digest, mailtext.header_text(msg, "Message-ID"), fate.folder, fate.reason, fate.ref,
                             self.clock())

    def _route(self, msg: EmailMessage, raw: bytes, too_large: int | None = None) -> tuple[Decision | None, Fate]:
        """Which kind of message this is decides who reads it. Automatic mail is never
        answered, whatever else it looks like, so it is recognised first."""
        thread = self._thread(msg)
        if too_large is not None:
            return _as("too_large", self._too_large(msg, too_large, thread))
        bounce = bounces.read_bounce(msg)
        if bounce is not None:
            return _as("bounce", self._bounce(bounce, thread))
        reason = automatic.automatic_reason(msg)
        if reason:
            if thread:
                return None, Fate(PROCESSED, f"automatic message ignored ({reason})", thread[0], "automatic")
            return None, Fate(QUARANTINE, f"automatic message ({reason})", kind="automatic")
        held = self._held(msg)
        if held:
            return _as("reply", self._held_reply(msg, held))
        if thread:
            return _as("reply", self._reply(msg, *thread))
        referrer, refused = self._referrer(msg)
        if referrer is None:
            return None, replace(refused, kind="stranger")
        own_text = "\n".join(intake.note_lines(mailtext.body_text(msg)))
        if commands.asks_for_status(mailtext.header_text(msg, "Subject"), own_text):
            return _as("command", self._status(msg, referrer, own_text))
        vouched, why = self._vouched_for(msg)
        if vouched or self.unauthenticated_requests == ACCEPT:
            return _as("request", self._request(msg, referrer))
        return _as("request", self._unauthenticated(msg, raw, referrer, why))

    @staticmethod
    def _referrer_cancels(msg: EmailMessage, referral: Referral) -> bool:
        """The referrer answering "cancel" to a message that asks nothing (the
        acknowledgement, a note about an answer): the one thing such a reply may do."""
        sender = mailtext.sender(msg)
        return (sender is not None and referral.referrer.same_address(sender.address)
                and commands.asks_to_cancel(replies.read_reply(msg).fresh_text))

    def _status(self, msg: EmailMessage, referrer: Person, own_text: str) -> tuple[Decision, Fate]:
        subject = mailtext.header_text(msg, "Subject")
        lang = intake.written_language(f"{subject}\n{own_text}") or self.policy.language
        referrals = self.store.open_referrals_of(referrer.address)
        out = status_for_referrer(referrer, referrals, subject=subject,
                                  message_id=mailtext.header_text(msg, "Message-ID"), lang=lang)
        return Decision(None, (out,), reason="status sent"), \
            Fate(PROCESSED, f"{referrer.address} asked for the status of their {len(referrals)} open referral(s)")

    def _referrer(self, msg: EmailMessage) -> tuple[Person | None, Fate | None]:
        """The allowed referrer `msg` says it is from, or why nobody is. Whether it really
        is from them is `_vouched_for`'s question: anyone can write any From."""
        sender = mailtext.sender(msg)
        if sender is None:
            return None, Fate(QUARANTINE, "no usable From address")
        if not self.is_allowed_referrer(sender.address):
            return None, Fate(QUARANTINE, f"sender {sender.address} is not an allowed referrer")
        return sender, None

    def _vouched_for(self, msg: EmailMessage) -> tuple[bool, str]:
        """Whether a trusted server's verdict shows the From domain's own signature (DMARC,
        or DKIM aligned with it), and what it showed."""
        if not self.trusted_servers:
            return False, "no trusted server configured (authentication.trusted_servers)"
        return authentication.referrer_authenticated(msg, self.trusted_servers)

    # --- requests nobody vouched for -----------------------------------------------------

    def _unauthenticated(self, msg: EmailMessage, raw: bytes, referrer: Person,
                         why: str) -> tuple[Decision | None, Fate]:
        """A request in an allowed referrer's name that nothing proves they sent: set aside
        (`refuse`), or held while the referrer, at their own address, is asked whether they
        sent it (`confirm`). Either way nobody else hears of it."""
        if self.unauthenticated_requests == REFUSE:
            return None, Fate(QUARANTINE, f"request from {referrer.address} not authenticated ({why}): refused")
        domain = referrer.address.rpartition("@")[2]
        if self.store.held_since(domain, self.clock() - DAY) >= self.policy.limits.replies_per_referrer_per_day:
            # Forged mail rotating through the addresses a "*@domain" pattern allows.
            return None, Fate(QUARANTINE, f"request from {referrer.address} not authenticated ({why}): set aside "
                                          f"unanswered, too many requests in the name of @{domain} wait for "
                                          "confirmation since yesterday")
        request = intake.read_request(msg, self.identity.address)
        if isinstance(request, IntakeError):
            return self._refused(msg, referrer, request)
        token = new_token()
        # Written here, in the transaction that records this message: both or neither.
        self.store.hold(token, referrer.address, raw, self.clock())
        out = confirm_request(request, token, subject=mailtext.header_text(msg, "Subject"),
                              message_id=mailtext.header_text(msg, "Message-ID"), policy=self.policy)
        return Decision(None, (out,), reason="held for the referrer's confirmation"), \
            Fate(PROCESSED, f"request from {referrer.address} not authenticated ({why}): held, "
                            "the referrer asked to confirm it")

    def _held(self, msg: EmailMessage):
        """The held request this message answers: its token must be in the address the
        message was sent to (To, or the envelope the receiving server recorded)."""
        for token in replies.reply_tokens(msg, self.identity.address):
            held = self.store.held(token)
            if held:
                return held
        return None

    def _held_reply(self, msg: EmailMessage, held) -> tuple[Decision | None, Fate]:
        """The referrer's answer to "did you send this?": yes reads the held request as if
        it had just arrived; no drops it, and says so; anything else leaves it waiting."""
        sender = mailtext.sender(msg)
        if sender is None or not same_address(sender.address, held.referrer):
            return None, Fate(QUARANTINE, f"confirmation of a held request came from "
                                          f"{sender.address if sender else 'nobody'}, not {held.referrer}: not counted")
        if self.trusted_servers and authentication.dmarc_failed(msg, self.trusted_servers):
            return None, Fate(QUARANTINE, "confirmation of a held request failed DMARC at the receiving server: "
                                          "not counted")
        reply = replies.read_reply(msg)
        what = held_request_answered(reply.answer, self.clock() - held.held_at, HELD_FOR)
        if what != ASK_AGAIN:
            self.store.release(held.token)  # confirmed, disowned or lapsed: never read again
        if what == LAPSED:
            return None, Fate(QUARANTINE, f"confirmation from {held.referrer} came after the request lapsed")
        if what == GO_AHEAD:
            decision, fate = self._request(mailtext.parse(held.raw), sender)
            return decision, replace(fate, reason=f"confirmed by the referrer; {fate.reason}")
        if what == DROP:
            out = request_disowned(sender, subject=mailtext.header_text(msg, "Subject"),
                                   message_id=mailtext.header_text(msg, "Message-ID"),
                                   lang=intake.written_language(reply.fresh_text) or self.policy.language)
            return Decision(None, (out,), reason="the referrer did not send it"), \
                Fate(PROCESSED, f"{held.referrer} did not send the held request: dropped, nobody contacted")
        again = self._confirmation_again(msg, held)
        return (Decision(None, (again,), reason="asked again") if again else None), \
            Fate(QUARANTINE, f"{held.referrer}'s reply to a held request is no clear yes or no: still held, "
                             "asked again")

    def _confirmation_again(self, msg: EmailMessage, held):
        request = intake.read_request(mailtext.parse(held.raw), self.identity.address)
        if isinstance(request, IntakeError):
            return None
        return confirm_request(request, held.token, subject=mailtext.header_text(msg, "Subject"),
                               message_id=mailtext.header_text(msg, "Message-ID"), policy=self.policy, again=True)

    def _too_large(self, msg: EmailMessage, size: int, thread) -> tuple[Decision | None, Fate]:
        """Set aside unread. Only an allowed referrer's new request is answered (it would
        otherwise be lost without a word); automatic mail and replies are not."""
        limit = self.policy.limits.max_message_size
        fate = Fate(QUARANTINE, f"{size} bytes, over limits.max_message_size ({limit}): set aside unread",
                    thread[0] if thread else None)
        if thread or bounces.read_bounce(msg) is not None or automatic.automatic_reason(msg):
            return None, fate
        referrer, refused = self._referrer(msg)
        if referrer is None:
            return None, refused
        if self.unauthenticated_requests == REFUSE and not self._vouched_for(msg)[0]:
            return None, fate
        error = IntakeError("too_large", f"{_megabytes(size)};{_megabytes(limit)}",
                            intake.written_language(mailtext.header_text(msg, "Subject")))
        out = refuse_request(referrer, error, subject=mailtext.header_text(msg, "Subject"),
                             message_id=mailtext.header_text(msg, "Message-ID"), policy=self.policy)
        return Decision(None, (out,), reason="request too large to read"), \
            Fate(QUARANTINE, f"request from {referrer.address} refused: {fate.reason}")

    def _bounce(self, bounce: bounces.Bounce, thread) -> tuple[Decision | None, Fate]:
        """A delivery failure: matched to the party it was for by the token of the
        envelope sender (VERP) or by the Message-ID of the message that bounced. A
        permanent failure ends the referral; a temporary one only waits."""
        if thread is None and bounce.original_message_id:
            thread = self._by_sent_message(bounce.original_message_id)
        failed = ", ".join(f.recipient for f in bounce.failures)
        if thread is None:
            return None, Fate(QUARANTINE, f"bounce for a message the broker does not know ({failed})")
        ref, who = thread
        permanent = [f for f in bounce.failures if f.permanent]
        if who in (Role.REQUESTER, Role.TARGET) and permanent:
            detail = permanent[0].diagnostic or permanent[0].status or "permanent delivery failure"
            decision = decide(self.store.load(ref), Undeliverable(who, detail), self.clock(), self.policy)
            return decision, Fate(PROCESSED, f"bounce: {who} unreachable ({failed}): {decision.reason}", ref)
        kind = "permanent" if permanent else "temporary"
        return None, Fate(PROCESSED, f"bounce ({kind}) of a message to {who or 'someone'} of {ref}: {failed}", ref)

    def _thread(self, msg: EmailMessage) -> tuple[str, Role | str | None] | None:
        """The referral this message belongs to and who should have written it (a party's
        role, REFERRER, or None for a thread that asks nothing): by the token in its
        address first, by its thread headers (a reply to something the broker sent) as a
        fallback."""
        for token in replies.reply_tokens(msg, self.identity.address):
            found = self._by_token(token)
            if found:
                return found
        for message_id in mailtext.thread_ids(msg):
            found = self._by_sent_message(message_id)
            if found:
                return found
        return None

    def _by_sent_message(self, message_id: str) -> tuple[str, Role | str | None] | None:
        """The referral of a message the broker sent, and whom its reply address was for."""
        found = self.store.by_sent_message(message_id)
        if found is None:
            return None
        ref, token = found
        return self._by_token(token) or (ref, None)

    def _by_token(self, token: str) -> tuple[str, Role | str] | None:
        if not token:
            return None
        found = self.store.by_token(token)
        if found:
            return found
        ref = self.store.by_referrer_token(token)
        return (ref, REFERRER) if ref else None

    def _reply(self, msg: EmailMessage, ref: str, who: Role | str | None) -> tuple[Decision | None, Fate]:
        referral = self.store.load(ref)
        if who is None and not self._referrer_cancels(msg, referral):
            return None, Fate(PROCESSED, "reply in the thread of a message that asks nothing", ref)
        who = who or REFERRER
        expected = referral.referrer if who == REFERRER else referral.party(who).person
        sender = mailtext.sender(msg)
        if sender is None or not expected.same_address(sender.address):
            return None, Fate(QUARANTINE, f"reply for the {who} of {ref} came from "
                                          f"{sender.address if sender else 'nobody'}, not {expected.address}: "
                                          "not counted", ref)
        refused = self._unverified_answer(msg, referral, who)
        if refused:
            return None, Fate(QUARANTINE, f"reply for the {who} of {ref} {refused}: not counted", ref)
        reply = replies.read_reply(msg)
        message_id = mailtext.header_text(msg, "Message-ID")
        if who == REFERRER and commands.asks_to_cancel(reply.fresh_text):
            event = Cancelled()
        elif who == REFERRER:
            names = [referral.requester.person.name, referral.target.person.name]
            needs_context = self._needs_context(referral.context, names)
            event = ReferrerReplied(reply.fresh_text, message_id, reply.answer, needs_context)
        else:
            note = reply.note if reply.answer is Answer.YES else reply.fresh_text
            event = Answered(who, reply.answer, note, message_id, lang=intake.written_language(reply.fresh_text))
        decision = decide(referral, event, self.clock(), self.policy, suppressed=self._suppressed_parties(referral))
        what = ("asked to cancel" if isinstance(event, Cancelled) else "wrote back") if who == REFERRER \
            else f"answered {reply.answer}"
        if not referral.state.is_open:
            if decision.suppress and self.store.suppressed(list(decision.suppress)):
                decision = replace(decision, outgoing=())  # "stop" after the end: confirmed only once
            if decision.referral == referral and not decision.suppress:
                # Nothing in it counts (no answer, or the referrer writing after the end): a human may
                # want to read it.
                return None, Fate(QUARANTINE, f"{who} {what} after {ref} was {referral.state}: {decision.reason}", ref)
        return decision, Fate(PROCESSED, f"{who} {what}: {decision.reason}", ref)

    def _unverified_answer(self, msg: EmailMessage, referral: Referral, who: Role | str) -> str:
        """Why an answer cannot count, or "": it must be addressed to the reply address of
        whoever was asked (a token only in Cc, or only in the thread headers, is someone
        else's message), and, where a trusted server checked it, not fail DMARC. The
        referrer answers a question only while one is open (context, a second
        introduction); any other word of theirs only ever cancels."""
        if who == REFERRER:
            if not referral.state.awaits_referrer:
                return ""
            token = referral.referrer_token
        else:
            token = referral.party(who).token
        if not any(same_token(token, found) for found in replies.reply_tokens(msg, self.identity.address)):
            return "is not addressed to the reply address given to them"
        if self.trusted_servers and authentication.dmarc_failed(msg, self.trusted_servers):
            return "failed DMARC at the receiving server"
        return ""

    def _suppressed_parties(self, referral: Referral) -> frozenset[str]:
        found = self.store.suppressed([p.person.address for p in referral.parties])
        return frozenset(mailbox_key(address) for address in found)

    def _needs_context(self, context: str, names: list[str]) -> bool:
        """The policy asks the referrer how they know the parties, and the note does not say."""
        return self.policy.require_context and not says_why(context, names)

    def _request(self, msg: EmailMessage, referrer: Person) -> tuple[Decision | None, Fate]:
        request = intake.read_request(msg, self.identity.address)
        if not isinstance(request, IntakeError):
            request = self._vet(request)
        if isinstance(request, IntakeError):
            return self._refused(msg, referrer, request)
        if request.decline:
            out = decline_for_referrer(request, self.policy)
            return Decision(None, (out,), reason="declined on the referrer's behalf"), \
                Fate(PROCESSED, f"{referrer.address} declined {request.requester.address}'s request")
        event = self._started(request)
        decision = decide(None, event, self.clock(), self.policy)
        return decision, Fate(PROCESSED, f"referral {event.ref} started by {referrer.address}: {decision.reason}",
                              event.ref)

    def _refused(self, msg: EmailMessage, referrer: Person, error: IntakeError) -> tuple[Decision, Fate]:
        out = refuse_request(referrer, error, subject=mailtext.header_text(msg, "Subject"),
                             message_id=mailtext.header_text(msg, "Message-ID"), policy=self.policy)
        return Decision(None, (out,), reason=f"request refused: {error.code}"), \
            Fate(PROCESSED, f"request from {referrer.address} refused: {error.code} {error.detail}".strip())

    def _vet(self, request: ReferralRequest) -> ReferralRequest | IntakeError:
        now = self.clock()
        referrer = request.referrer.address
        # A decline sent in the referrer's name counts as one of their requests of the day.
        last_day = self.store.referrals_since(referrer, now - DAY) + self.store.replies_since(referrer, now - DAY,
                                                                                                "decline")
        if request.decline:  # only the requester is written to, and only if they allow it
            return vet_request(request, open_duplicate=None,
                               suppressed=self.store.suppressed([request.requester.address]),
                               usage=Usage(referrer_last_day=last_day), limits=self.policy.limits) or request
        parties = [request.requester.address, request.target.address]
        usage = Usage(
            referrer_last_day=last_day,
            referrer_open=self.store.open_count(request.referrer.address),
            asked_last_month=tuple((a, self.store.asked_since(a, now - MONTH)) for a in parties),
        )
        return vet_request(request, open_duplicate=self.store.open_between(*parties),
                           suppressed=self.store.suppressed(parties), usage=usage,
                           limits=self.policy.limits) or request

    def _started(self, request: ReferralRequest) -> Started:
        ref = new_ref()
        while self.store.ref_exists(ref):
            ref = new_ref()
        lang = party_language(request, self.policy)
        # The requester wrote the forwarded message: their language is known from it. The
        # target has written nothing yet: the referrer's language is the best guess, until
        # their reply tells (Answered.lang). A "Lang:" line in the request wins for both.
        requester_lang = request.parties_lang or intake.written_language(request.forwarded_text) or lang
        target_lang = request.parties_lang or lang
        names = [request.requester.name, request.target.name]
        return Started(request, ref, new_token(), new_token(), requester_lang, target_lang, lang,
                       new_message_id(self.identity), new_message_id(self.identity),
                       referrer_token=new_token(),
                       needs_context=self._needs_context(request.context, names),
                       introduced_before=self.store.introduced(request.requester.address, request.target.address))

    # --- time and operators ------------------------------------------------------------

    def tick(self) -> int:
        """Run the reminders and expiries that are due; returns how many referrals moved."""
        now = self.clock()
        with self.store.transaction():
            lapsed = self.store.release_held_before(now - HELD_FOR)
        if lapsed:
            log.info("%d request(s) held for their referrer's confirmation lapsed unconfirmed", lapsed)
        moved = 0
        for ref in self.store.due(now):
            with self.store.transaction():
                if not self.store.claim_due(ref, now):
                    continue  # another broker sharing the database ran this timer meanwhile
                referral = self.store.load(ref)
                decision = decide(referral, Tick(), now, self.policy)
                self._apply(decision)
            if decision.reason:
                log.info("referral %s: %s", ref, decision.reason, extra={"event": "timer", "ref": ref})
            moved += 1
        return moved

    def cancel(self, ref: str) -> Decision:
        return self._event(ref, Cancelled())

    def resend(self, ref: str) -> Decision:
        """An operator's second try: the consent request again, under a new Message-ID
        threaded to the first, to each party of a pending referral who has not answered.
        Once per referral, and through the same outbox rules as everything else (the
        suppression list and the daily cap win). Raises KeyError for an unknown ref and
        ResendRefused, saying why, when there is nothing to resend."""
        now = self.clock()
        with self.store.transaction():
            referral = self.store.load(ref)
            if referral is None:
                raise KeyError(ref)
            if referral.state is not State.PENDING:
                raise ResendRefused(f"{ref} is {referral.state}: only a pending referral's request can be resent")
            if any(what.startswith(RESENT) for _, what in self.store.timeline(ref)):
                raise ResendRefused(f"{ref}: the consent request was already resent once (see `mailbroker show {ref}`)")
            again = consent_requests_again(referral)
            addresses = [out.to[0].address for out in again]
            capped = [a for out in again for a in self._over_cap(out, [out.to[0].address], now)]
            blocked = {a.casefold() for a in self.store.suppressed(addresses) + tuple(capped)}
            outgoing = tuple(out for out in again if out.to[0].address.casefold() not in blocked)
            if not outgoing:
                raise ResendRefused(f"{ref}: nobody to resend to: " + (
                    "every silent party is suppressed or over the daily cap" if again else "both parties answered"))
            decision = Decision(referral, outgoing, reason=f"{RESENT} to {', '.join(out.facts['role'] for out in outgoing)} "
                                                           "by an operator")
            self.store.log(ref, decision.reason, now)
            for out in outgoing:
                self._enqueue(out, now)
        return decision

    def purge(self, retention: timedelta) -> list[str]:
        """Purge the personal data of referrals closed longer than `retention` ago."""
        now = self.clock()
        with self.store.transaction():
            refs = self.store.purge(now - retention, now)
        if refs:
            log.info("purged the personal data of %d finished referral(s)", len(refs))
        return refs

    def undeliverable(self, reply_token: str, detail: str) -> Decision | None:
        """A message to a party failed for good: the referral cannot go ahead."""
        found = self.store.by_token(reply_token) if reply_token else None
        if found is None:
            return None
        ref, role = found
        return self._event(ref, Undeliverable(role, detail))

    def _event(self, ref: str, event: Event) -> Decision:
        with self.store.transaction():
            referral = self.store.load(ref)
            if referral is None:
                raise KeyError(ref)
            decision = decide(referral, event, self.clock(), self.policy)
            self._apply(decision)
        return decision

    # --- applying a decision -----------------------------------------------------------

    def _apply(self, decision: Decision) -> None:
        """Write a decision: the state, the suppressions, the timeline and the outbox. The
        caller holds the transaction."""
        now = self.clock()
        referral: Referral | None = decision.referral
        ref = referral.ref if referral else ""
        if referral is not None:
            self.store.save(referral, next_due(referral, self.policy))
            if any(out.template == "introduction" for out in decision.outgoing):
                self.store.record_introduction(referral.requester.person.address, referral.target.person.address,
                                               referral.ref, now)
        for address in decision.suppress:
            self.store.suppress(address, f"asked to stop ({ref})", now)
        if decision.reason and ref:
            self.store.log(ref, decision.reason, now)
        for out in decision.outgoing:
            self._enqueue(out, now)

    def _over_cap(self, out, addresses: list[str], now: datetime) -> tuple[str, ...]:
        """The addresses `out` must not go to (`workflow.over_cap` decides, on what the
        store counted)."""
        return tuple(a for a in addresses if over_cap(out, self._sent_to(out, a, now),
                                                      referrer=self.is_allowed_referrer(a), limits=self.policy.limits))

    def _sent_to(self, out, address: str, now: datetime) -> Sent:
        return Sent(in_referral=self.store.messages_in_referral(out.ref, address) if out.ref else 0,
                    replies_today=self.store.replies_since(address, now - DAY) if not out.ref else 0,
                    today=self.store.messages_since(address, now - DAY))

    def _enqueue(self, out, now: datetime) -> None:
        addresses = [p.address for p in out.to + out.cc]
        capped = self._over_cap(out, addresses, now)
        if capped:
            log.warning("not sending %s for %s to %s: over a cap of limits", out.template, out.ref or "-",
                        ", ".join(capped))
        silenced = frozenset(a.casefold() for a in self.store.suppressed(addresses) + capped)
        kept = without_suppressed(out, silenced)
        if kept is None:
            log.warning("not sending %s for %s: every recipient is on the suppression list or over a cap",
                        out.template, out.ref or "-")
            return
        out = kept
        try:
            message, raw = composed(out, self.identity, now, self.wording, html=self.html)
        except ValueError as error:  # an address no mail server would take: skip, don't retry forever
            log.error("cannot write %s for %s: %s", out.template, out.ref or "-", error)
            return
        recipients = [p.address for p in out.to + out.cc]
        # VERP: a bounce of a message to a party comes back to that party's token.
        self.store.enqueue(ref=out.ref, template=out.template, message_id=message["Message-ID"],
                           reply_token=out.reply_token, envelope_from=self.identity.reply_address(out.reply_token),
                           recipients=recipients, raw=raw, now=now)
        if out.ref:
            self.store.log(out.ref, f"queued {out.template} to {', '.join(recipients)}", now)


class ResendRefused(Exception):
    """`Engine.resend` has nothing to do; the message says why."""


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f}".rstrip("0").rstrip(".")
