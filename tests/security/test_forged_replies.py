"""Answers authenticated by more than their token (issue 12, finding on replies): the
token must be in the address the reply was sent to, and a reply a trusted server found
failing DMARC does not count."""

from __future__ import annotations

from mailbroker import testing as mt
from mailbroker.compose import Identity
from mailbroker.engine import QUARANTINE, Engine
from mailbroker.model import Answer
from mailbroker.store import Store

from ..support import ALICE, POLICY, outbox, request, start


def test_an_answer_counts_only_addressed_to_the_partys_reply_address(engine):
    """The thread headers find the referral, but anyone can write them, and a Cc or a
    Delivered-To below the receiving server's own is the sender's to write too: only
    the party's own reply address, in To or the topmost Delivered-To, makes it theirs."""
    ref, to_alice, _ = start(engine)
    token_address = str(to_alice["Reply-To"].addresses[0].addr_spec)
    dropped = mt.reply(to_alice, ALICE, "Yes please")
    dropped.replace_header("To", mt.BROKER)  # only In-Reply-To/References point to the request
    copied = mt.reply(to_alice, ALICE, "Yes please")
    copied.replace_header("To", mt.BROKER)
    copied["Cc"] = token_address
    forged = mt.reply(to_alice, ALICE, "Yes please")
    forged.replace_header("To", mt.BROKER)
    del forged["Delivered-To"]
    forged["Delivered-To"] = mt.BROKER  # what the receiving server wrote, on top
    forged["Delivered-To"] = token_address  # what the sender wrote, below
    for msg in (dropped, copied, forged):
        fate = engine.handle(bytes(msg))
        assert fate.folder == QUARANTINE and "not addressed to the reply address given to them" in fate.reason
    assert engine.store.load(ref).requester.answer is None and outbox(engine) == []
    engine.handle(bytes(mt.reply(to_alice, ALICE, "Yes please")))
    assert engine.store.load(ref).requester.answer is Answer.YES


def test_an_answer_that_fails_dmarc_at_a_trusted_server_does_not_count(tmp_path, clock):
    store = Store.open(tmp_path / "dmarc.sqlite3")
    engine = Engine(store, Identity(mt.BROKER, "Introductions"), POLICY, lambda a: a == mt.REFERRER, clock,
                    trusted_servers=("mx.example.test",))
    genuine = request()
    genuine["Authentication-Results"] = "mx.example.test; dmarc=pass header.from=example.test"
    engine.handle(bytes(genuine))
    to_alice = next(m for r, m in outbox(engine) if r == (ALICE,))
    spoofed = mt.reply(to_alice, ALICE, "Yes please")
    spoofed["Authentication-Results"] = "mx.example.test; dmarc=fail (p=reject) header.from=example.test"
    fate = engine.handle(bytes(spoofed))
    assert fate.folder == QUARANTINE and "failed DMARC" in fate.reason
    ref = str(to_alice["X-Mailbroker-Ref"])
    assert store.load(ref).requester.answer is None
    store.close()


def test_the_referrers_answer_to_a_question_needs_their_reply_address_too(engine):
    """"How do you know them?" waits for the referrer: a message that only threads to it
    (an attacker who learnt its Message-ID) does not answer it."""
    fate = engine.handle(bytes(mt.direct_request(f"Introduce: Alice <{ALICE}>\nTo: Bob <bob@example.test>")))
    [(_, question)] = outbox(engine)
    threaded_only = mt.reply(question, mt.REFERRER, "We built Acme's payments platform together.")
    threaded_only.replace_header("To", mt.BROKER)
    quarantined = engine.handle(bytes(threaded_only))
    assert quarantined.folder == QUARANTINE and "not addressed to the reply address" in quarantined.reason
    assert outbox(engine) == []
    engine.handle(bytes(mt.reply(question, mt.REFERRER, "We built Acme's payments platform together.")))
    assert sorted(r for r, _ in outbox(engine))[:2] == [(ALICE,), ("bob@example.test",)]
    assert fate.ref
