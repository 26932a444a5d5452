"""Every message the broker sends counts against a cap, and nothing the requester wrote
reaches anyone before consent except through the scrubbed note (issue 12, findings on
caps, the decline helper, flipping parties and the forwarded subject)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from mailbroker import testing as mt
from mailbroker.compose import Identity
from mailbroker.engine import Engine
from mailbroker.store import Store
from mailbroker.workflow import Limits

from ..support import ALICE, BOB, POLICY, outbox, start


def engine_with(tmp_path, clock, limits: Limits | None = None, **options) -> Engine:
    store = Store.open(tmp_path / "state.sqlite3")
    return Engine(store, Identity(mt.BROKER, "Introductions"), replace(POLICY, limits=limits or Limits()),
                  lambda a: a == mt.REFERRER, clock, **options)


def to(address, sent):
    return [m for recipients, m in sent if address in recipients]


def test_forged_requests_get_the_referrer_at_most_the_daily_replies(tmp_path, clock):
    engine = engine_with(tmp_path, clock, Limits(replies_per_referrer_per_day=5))
    for n in range(30):
        engine.handle(bytes(mt.direct_request(f"Introduce: Alice <{ALICE}>\nTo: P{n} <p{n}@example.test>\n"
                                              "Why: we built Acme together.", subject=f"Intro {n}")))
    sent = outbox(engine)
    assert len(sent) == 5 and all(recipients == (mt.REFERRER,) for recipients, _ in sent)
    clock.now += timedelta(days=1, minutes=1)
    engine.handle(bytes(mt.direct_request("status", subject="status")))
    assert len(outbox(engine)) == 1  # a new day: the referrer hears again


def test_junk_in_a_referrers_name_gets_at_most_the_daily_replies(tmp_path, clock):
    engine = engine_with(tmp_path, clock, Limits(replies_per_referrer_per_day=3), unauthenticated_requests="accept")
    for n in range(20):
        engine.handle(bytes(mt.direct_request(f"nothing to read here {n}", subject=f"junk {n}")))
    assert len(outbox(engine)) == 3


def test_declines_count_against_the_referrers_limit(tmp_path, clock):
    engine = engine_with(tmp_path, clock, Limits(referrals_per_referrer_per_day=2), unauthenticated_requests="accept")
    for n in range(12):
        engine.handle(bytes(mt.gmail_forward("Decline", author=f"asker{n}@example.test", author_name=f"Asker {n}",
                                             subject="Intro?", body="Could you introduce me?")))
    sent = outbox(engine)
    declines = [m for _, m in sent if m["Reply-To"] and mt.REFERRER in str(m["Reply-To"])]
    assert len(declines) == 2
    assert all(recipients == (mt.REFERRER,) for recipients, m in sent if m not in declines)  # "limit reached"


def test_a_decline_carries_fixed_wording_only(tmp_path, clock):
    engine = engine_with(tmp_path, clock, unauthenticated_requests="accept")
    engine.handle(bytes(mt.gmail_forward(
        "Decline", author=ALICE, author_name="Claim your prize at http://prize.example.com",
        subject="URGENT wire transfer https://pay.example.com +1 555 123 4567", body="Introduce me?")))
    [(recipients, decline)] = outbox(engine)
    assert recipients == (ALICE, mt.REFERRER)
    whole = decline.as_string()
    for written in ("prize", "example.com/", "555", "URGENT", "wire"):
        assert written not in whole, written
    assert str(decline["Subject"]) == "Your introduction request"


def test_a_party_changing_their_mind_cannot_flood_the_others(tmp_path, clock):
    engine = engine_with(tmp_path, clock, Limits(messages_per_person_per_referral=6, messages_per_address_per_day=1000),
                         unauthenticated_requests="accept")
    ref, to_alice, to_bob = start(engine)
    engine.handle(bytes(mt.reply(to_alice, ALICE, "Yes")))
    for n in range(40):
        engine.handle(bytes(mt.reply(to_bob, BOB, "No, sorry." if n % 2 == 0 else "Yes")))
    sent = outbox(engine)
    assert len(to(ALICE, sent)) <= 6 - 1 and len(to(mt.REFERRER, sent)) <= 6  # the consent request was the first
    assert len(to(BOB, sent)) <= 6 - 1


def test_the_forwarded_subject_reaches_the_other_party_scrubbed(tmp_path, clock):
    engine = engine_with(tmp_path, clock, unauthenticated_requests="accept")
    engine.handle(bytes(mt.gmail_forward(
        "Please introduce Alice to Bob Stone <bob@example.test>: we built Acme's payments platform together.",
        author=ALICE, author_name="Alice Martin", body="Could you introduce me?",
        subject="Payments lead: reach me at alice@example.test or +33 6 12 34 56 78, https://alice.example.com")))
    [to_bob] = to(BOB, outbox(engine))
    whole = to_bob.as_string()
    assert "Payments lead" in mt.text_of(to_bob)
    for written in (ALICE, "12 34 56", "alice.example.com"):
        assert written not in whole, written





def test_a_subject_is_shown_as_one_line_at_most():
    from mailbroker.intake import shown_subject

    assert shown_subject("payments " * 100, []).endswith("payments…") and len(shown_subject("payments " * 100, [])) < 210
    assert shown_subject("1" * 100_000 + " lead", []) == ""  # only digits within the line shown
