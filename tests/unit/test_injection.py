"""Hostile mail: it never crashes the broker, never takes long, and nothing in it reaches
a header of a message the broker sends.

Each message of tests/fixtures/hostile (see its README) and each generated monster (10 MB
bodies, 100,000 header lines, 500 levels of nesting, lines of 64,000 characters made to
hurt a regular expression) goes through `mailtext.parse`, every reader and
`Engine.handle` on a real SQLite store; then every message queued in the outbox is read
back and checked (`assert_safe_outbox`). The helpers are in tests/safety.py, shared with test_fuzz.
"""

from __future__ import annotations

import base64
import email
import email.policy
import re
import tempfile
import time
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailbroker import intake, mailtext
from mailbroker import testing as mt
from mailbroker.compose import HEADERS, _header_text, _message_id, compose
from mailbroker.engine import PROCESSED, QUARANTINE
from mailbroker.model import Outgoing, Person, State

from ..safety import (
    ALICE,
    BOB,
    BROKER,
    EVIL,
    IDENTITY,
    assert_safe_outbox,
    handle,
    make_engine,
    read_everything,
    start_referral,
)

HOSTILE = Path(__file__).resolve().parent.parent / "fixtures" / "hostile"
# Reading one message must cost well under a second; this leaves room for a busy machine.
BUDGET = 1.0  # seconds


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(tmp_path)
    yield engine
    engine.store.close()


# --- The hostile fixtures -----------------------------------------------------------------------------

FIXTURES = sorted(HOSTILE.glob("*.eml"))


def test_there_are_hostile_fixtures():
    assert len(FIXTURES) >= 40


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_hostile_message_is_read_without_error(path):
    read_everything(path.read_bytes())


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_hostile_message_is_handled_and_nothing_leaks_into_headers(engine, path):
    handle(engine, path.read_bytes())
    for msg in assert_safe_outbox(engine):
        if path.stem in AMBIGUOUS:
            continue
        # The address the hostile names and subjects try to slip in may show as text (a
        # display name, a subject), never as an address anything is sent or answered to.
        for name in ("From", "To", "Cc", "Reply-To"):
            if msg[name] is not None:
                assert EVIL not in [a.addr_spec for a in msg[name].addresses], (name, str(msg[name]))


# A forwarded "From: Eve "x" <evil@example.test>, bob@example.test <alice@example.test>"
# reads exactly like a message by two authors, Eve and Alice: the broker takes the first,
# as for any forward. Nothing is injected (every header is checked above); the referrer
# sees the address in the acknowledgement before anyone answers.
AMBIGUOUS = {"name_with_address_and_quotes"}


def test_the_referrer_sees_whom_an_ambiguous_forward_was_read_as(engine):
    handle(engine, (HOSTILE / "name_with_address_and_quotes.eml").read_bytes())
    [ack] = [m for m in assert_safe_outbox(engine) if m["To"].addresses[0].addr_spec == mt.REFERRER]
    assert EVIL in mt.text_of(ack)


# What some of them must lead to, beyond "processed or quarantined, nothing leaks".
EXPECTED = {
    "two_from": (QUARANTINE, "no usable From address"),
    "from_two_addresses": (QUARANTINE, "no usable From address"),
    "no_from": (QUARANTINE, "no usable From address"),
    "group_from": (QUARANTINE, "no usable From address"),
    "from_non_ascii_local_part": (QUARANTINE, "no usable From address"),
    "target_non_ascii_local_part": (PROCESSED, "international_address"),
    "name_encoded_word_crlf": (PROCESSED, "started"),
    "subject_encoded_crlf": (PROCESSED, "started"),
    "message_id_injection": (PROCESSED, "started"),
    "charset_iso2022jp": (PROCESSED, "started"),
    "charset_unknown": (PROCESSED, "started"),
    "html_only_with_script": (PROCESSED, "started"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_message_fate(engine, name):
    folder, words = EXPECTED[name]
    fate = handle(engine, (HOSTILE / f"{name}.eml").read_bytes())
    assert fate.folder == folder and words in fate.reason, fate


def test_encoded_word_names_reach_the_parties_as_plain_text(engine):
    handle(engine, (HOSTILE / "name_encoded_word_crlf.eml").read_bytes())
    sent = assert_safe_outbox(engine)
    to_bob = next(m for m in sent if m["To"].addresses[0].addr_spec == BOB)
    assert str(to_bob["Subject"]).startswith("Introduction to Alice Bcc: evil@example.test")
    assert all(m["Bcc"] is None for m in sent)


def test_a_requesters_address_is_written_as_the_mail_system_writes_it(engine):
    fate = handle(engine, (HOSTILE / "target_international_domain.eml").read_bytes())
    assert "started" in fate.reason
    referral = engine.store.load(fate.ref)
    assert referral.target.person.address == "anne@xn--exmple-cua.test"
    assert_safe_outbox(engine)


def test_the_context_keeps_no_control_character_nor_override(engine):
    handle(engine, (HOSTILE / "context_html_and_controls.eml").read_bytes())
    sent = assert_safe_outbox(engine)
    request = next(m for m in sent if m["To"].addresses[0].addr_spec == ALICE)
    body = mt.text_of(request)
    assert "payments platform" in body and "\x1b" not in body and "\x07" not in body
    assert "<script>" in body  # shown as the text it is, in the text part
    html = request.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html  # and escaped in the HTML part


# --- Hostile replies: what a party writes is echoed to the others ---------------------------------------

HOSTILE_TEXTS = [
    "Alice\r\nBcc: evil@example.test",
    "=?utf-8?b?" + base64.b64encode(b"x\r\nBcc: evil@example.test").decode() + "?=",
    "<html><script>alert(1)</script></html>",
    "\u202eevil\u202c \u2066x\u2069 \u200b\ufeff",
    "\x00\x01\x1b[2J\x7f\x85\x9b",
    "\r\n.\r\nRCPT TO:<evil@example.test>\r\n",
    "x" * 20000,
]


@pytest.mark.parametrize("text", HOSTILE_TEXTS, ids=range(len(HOSTILE_TEXTS)))
def test_hostile_yes_notes_and_unclear_answers_stay_in_bodies(engine, text):
    sent = start_referral(engine)
    yes = mt.reply(sent[ALICE], ALICE, "Yes, happy to. " + text.replace("\r\n", " "), sender_name="Alice")
    handle(engine, bytes(yes))
    assert_safe_outbox(engine)
    unclear = _raw_reply(sent[BOB], BOB, "Bob " + text, "Maybe? " + text)
    handle(engine, unclear)
    assert_safe_outbox(engine)
    again = _raw_reply(sent[BOB], BOB, text, "Yes! " + text)
    handle(engine, again)
    for msg in assert_safe_outbox(engine):
        assert msg["Bcc"] is None


def test_an_introduction_with_hostile_names_and_notes_is_safe(engine):
    raw = (HOSTILE / "name_encoded_word_q_crlf.eml").read_bytes()
    fate = handle(engine, raw)
    sent = {m["To"].addresses[0].addr_spec: m for m in assert_safe_outbox(engine)}
    handle(engine, _raw_reply(sent[ALICE], ALICE, "=?utf-8?q?A=0D=0ABcc:_evil@example.test?=",
                              "Yes, happy to. \u202e" + HOSTILE_TEXTS[1]))
    handle(engine, _raw_reply(sent[BOB], BOB, "Bob", "yes"))
    assert engine.store.load(fate.ref).state is State.INTRODUCED
    [intro] = [m for m in assert_safe_outbox(engine) if m["Cc"] is not None]
    assert sorted(a.addr_spec for a in intro["To"].addresses) == [ALICE, BOB]


def _raw_reply(to: EmailMessage, sender: str, name: str, text: str) -> bytes:
    """A reply written byte by byte, so that its name and text can hold anything."""
    name = name.replace("\r", " ").replace("\n", " ")
    head = (f"From: {name} <{sender}>\r\nTo: {to['Reply-To']}\r\nSubject: Re: {to['Subject']}\r\n"
            f"In-Reply-To: {to['Message-ID']}\r\nMessage-ID: <{abs(hash((sender, text)))}@client.example.test>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
    return head.encode("utf-8", "surrogateescape") + text.encode("utf-8", "surrogateescape")


# --- compose on its own ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("Alice\r\nBcc: evil@example.test", "Alice Bcc: evil@example.test"),
    ("=?utf-8?b?" + base64.b64encode(b"Alice\r\nBcc: e@x").decode() + "?=", "Alice Bcc: e@x"),
    ("=?utf-8?q?Jos=C3=A9?= Dupont", "José Dupont"),
    ("\u202eecilA\u202c", "ecilA"),
    ("A\u2028B\u2029C\x85D\x0bE\x0cF", "A B C D E F"),
    ("a\x00b\x1bc\x7fd\x9be", "a b c d e"),
    ("=?x-unknown?q?abc?=", "= ?x-unknown?q?abc?="),
    ("Is 2+2=? Yes", "Is 2+2=? Yes"),
])
def test_header_text_is_one_clean_line(value, expected):
    assert _header_text(value) == expected


def test_header_text_is_capped():
    assert len(_header_text("x" * 5000, 100)) == 100


@pytest.mark.parametrize("value, expected", [
    ("<a@b.example>", "<a@b.example>"),
    ("<a@b>\x00 Bcc: evil@example.test", "<a@b>"),
    ("no id here", ""),
    ("<a b@c>", ""),
    ("<" + "x" * 600 + "@y>", ""),
])
def test_only_a_clean_message_id_is_echoed(value, expected):
    assert _message_id(value) == expected


NAMES = ["Alice\r\nBcc: evil@example.test", HOSTILE_TEXTS[1], 'Eve "x" <evil@example.test>, bob@example.test',
         "=?utf-8?q?A=0D=0ACc:_evil@example.test?= B", "\\\"\\", "(((((", "<>", "A" * 3000, "", "\u202eX\u202c"]


@pytest.mark.parametrize("name", NAMES, ids=range(len(NAMES)))
def test_composed_messages_carry_only_the_broker_headers(name):
    facts = {"ref": "K7Q3XF", "referrer": name, "context": name, "subject": name, "name": name, "other": name,
             "role": "requester", "requester": name, "target": name, "requester_full": name, "target_full": name,
             "requester_note": name, "target_note": name, "party": name, "text": name, "decliner": name,
             "code": "no_target", "detail": name, "asked": True, "silent": [name], "address": ALICE}
    people = (Person(name, ALICE), Person(name, BOB))
    for template in ("consent_request", "introduction", "decline", "intake_error", "unclear_referrer", "expired"):
        out = Outgoing(template=template, to=people, cc=(Person(name, mt.REFERRER),), reply_to=people, lang="en",
                       ref="K7Q3XF", reply_token="abcdefgh12345678", in_reply_to=name + "<x@y>", from_name=name,
                       facts=facts, unsubscribe=True)
        msg = compose(out, IDENTITY, datetime(2026, 11, 26, tzinfo=timezone.utc))
        back = email.message_from_bytes(msg.as_bytes(policy=email.policy.SMTP), policy=email.policy.default)
        assert set(k.lower() for k in back.keys()) <= HEADERS
        assert [a.addr_spec for a in back["To"].addresses] == [ALICE, BOB]
        assert [a.addr_spec for a in back["Cc"].addresses] == [mt.REFERRER]
        assert back["Bcc"] is None and re.fullmatch(r"<[!-;=?-~]+>", str(back["In-Reply-To"]))
        assert all("\n" not in str(v) and "\r" not in str(v) for v in back.values())


def test_an_address_the_broker_cannot_write_is_refused_plainly():
    out = Outgoing(template="closed", to=(Person("J", "jöhn@example.test"),), lang="en",
                   facts={"ref": "K", "referrer": "R", "context": "", "subject": "", "name": "", "other": "",
                          "role": "target"})
    with pytest.raises(ValueError, match="SMTPUTF8"):
        compose(out, IDENTITY, datetime(2026, 11, 26, tzinfo=timezone.utc))


# --- Monsters: the cost of reading is bounded -------------------------------------------------------------


def _message(body: bytes | str, *, headers: str = "", ctype: str = "text/plain; charset=utf-8",
             sender: str = f"Rita <{mt.REFERRER}>") -> bytes:
    head = (f"From: {sender}\r\nTo: {BROKER}\r\nSubject: Fwd: monster\r\nMessage-ID: <m@x>\r\n{headers}"
            f"Content-Type: {ctype}\r\n\r\n")
    return head.encode() + (body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body)


def _forward(extra: str = "") -> str:
    return ("Please introduce Alice to Bob Stone <bob@example.test>: we built Acme's payments platform.\r\n\r\n"
            "---------- Forwarded message ---------\r\nFrom: Alice <alice@example.test>\r\n"
            "Subject: Intro\r\nTo: Rita <referrer@example.test>\r\n\r\nCould you introduce me?\r\n" + extra)


def _nested_multipart(depth: int, same_boundary: bool) -> bytes:
    parts = []
    for i in range(depth):
        boundary = "b" if same_boundary else f"b{i + 1}"
        parts.append(f"--{'b' if same_boundary else f'b{i}'}\r\nContent-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n")
    body = "".join(parts) + f"--{'b' if same_boundary else f'b{depth}'}\r\nContent-Type: text/plain\r\n\r\n" + _forward()
    return _message(body, ctype='multipart/mixed; boundary="' + ("b" if same_boundary else "b0") + '"')


def _nested_rfc822(depth: int) -> bytes:
    inner = f"From: Alice <{ALICE}>\r\nSubject: deep\r\n\r\nCould you introduce me?\r\n"
    for i in range(depth):
        inner = f"Subject: level {i}\r\nContent-Type: message/rfc822\r\n\r\n" + inner
    return _message(inner, ctype="message/rfc822")


MONSTERS = {
    "body_10mb": lambda: _message(_forward(("blah " * 20 + "\r\n") * 100_000)),
    "line_2mb": lambda: _message(_forward("x" * 2_000_000)),
    "headers_100k_lines": lambda: _message(_forward(), headers="".join(f"X-H{i}: v\r\n" for i in range(100_000))),
    "header_folded_100k_lines": lambda: _message(_forward(), headers="X-Long: " + "\r\n ".join(["a"] * 100_000) + "\r\n"),
    "from_header_64k": lambda: _message(_forward(), sender="{" * 64_000 + f" Rita <{mt.REFERRER}>"),
    "multipart_500_deep": lambda: _nested_multipart(500, same_boundary=False),
    "multipart_500_deep_one_boundary": lambda: _nested_multipart(500, same_boundary=True),
    "multipart_200k_parts": lambda: _message("--x\r\n\r\n" * 200_000, ctype='multipart/mixed; boundary="x"'),
    "rfc822_500_deep": lambda: _nested_rfc822(500),
    "rfc822_5000_deep": lambda: _nested_rfc822(5000),
    "html_100k_tags": lambda: _message("<div>" * 100_000 + "x", ctype="text/html"),
    "html_50k_blockquotes": lambda: _message("<blockquote>x" * 50_000, ctype="text/html"),
    "html_80k_stray_lt": lambda: _message("<p>" + "<" * 80_000, ctype="text/html"),
    "html_unclosed_links": lambda: _message('<a href="mailto:a@b.co">x' * 20_000, ctype="text/html"),
    "addresses_20k": lambda: _message("Introduce: " + ", ".join(f"a{i}@example.test" for i in range(20_000))
                                      + "\r\nTo: bob@example.test"),
    "lbrace_storm": lambda: _message("{" * 200_000 + "@" + "a." * 100_000),
    "spaces_storm": lambda: _message((" " * 60_000 + "@x\r\n") * 3),
    "colons_lines": lambda: _message("\r\n".join(":" * 60 for _ in range(5_000))),
    "from_lines": lambda: _message("From: x\r\n" * 200_000),
    "quote_storm": lambda: _message(("> " * 5_000 + "x\r\n") * 200),
    "attribution_storm": lambda: _message(("On " + "1 " * 100 + "wrote:\r\n") * 2_000),
    "curly_quotes_addresses": lambda: _message("\r\n".join(("“a" * 30 + "<a@b.co>") for _ in range(2_000))),
    "bounce_addresses": lambda: _message("\r\n".join("Jane Doe <jane@x.test> " * 8 for _ in range(2_000)),
                                         sender="MAILER-DAEMON@example.test"),
    "bounce_at_storm": lambda: _message("\r\n".join("a@" * 100 for _ in range(2_000)), sender="MAILER-DAEMON@example.test"),
    "binary_junk": lambda: bytes(range(256)) * 20_000,
}


def _time_handling(raw: bytes, directory: Path) -> tuple[float, object]:
    engine = make_engine(directory)
    try:
        start = time.perf_counter()
        fate = handle(engine, raw)
        elapsed = time.perf_counter() - start
        assert_safe_outbox(engine)
        return elapsed, fate
    finally:
        engine.store.close()


@pytest.mark.parametrize("name", sorted(MONSTERS))
def test_a_monster_is_read_in_well_under_a_second(name):
    raw = MONSTERS[name]()
    read_everything(raw)
    # The best of two runs, each on a fresh store: a busy machine may slow one down.
    timings = []
    for _ in range(2):
        with tempfile.TemporaryDirectory() as directory:
            elapsed, fate = _time_handling(raw, Path(directory))
            timings.append(elapsed)
        if elapsed < BUDGET / 2:
            break
    assert min(timings) < BUDGET, (name, timings, fate)


def test_parse_caps_what_it_reads():
    msg = mailtext.parse(MONSTERS["headers_100k_lines"]())
    assert len(msg.keys()) <= mailtext.MAX_HEADER_LINES
    assert "introduce Alice" in mailtext.body_text(msg)  # the body after the dropped header lines is kept
    deep = mailtext.parse(_nested_multipart(40, same_boundary=False))
    depth, part = 0, deep
    while isinstance(part.get_payload(), list) and part.get_payload():
        part, depth = part.get_payload()[0], depth + 1
    assert depth <= mailtext.MAX_DEPTH
    text = mailtext.body_text(mailtext.parse(MONSTERS["body_10mb"]()))
    assert len(text) <= mailtext.MAX_TEXT_CHARS and text.count("\n") < mailtext.MAX_TEXT_LINES


def test_a_message_cut_by_the_caps_keeps_its_head():
    raw = _message(_forward("\r\n".join(f"line {i}" for i in range(50_000))))
    request = intake.read_request(mailtext.parse(raw), BROKER)
    assert request.requester.address == ALICE and request.target.address == BOB


@pytest.mark.parametrize("name", ["Dupont, Jean-Étienne", "山田 太郎", "Seán O'Brien", "Anne-Marie (Acme)",
                                  "Zoë \"Z\" Martin", "A" * 90, "Ahmed \u200fعلي\u200f"])
def test_ordinary_names_are_kept_in_headers(name):
    facts = {"ref": "K7Q3XF", "referrer": "Rita", "context": "", "subject": "Hello", "name": name, "other": name,
             "role": "requester"}
    out = Outgoing(template="consent_request", to=(Person(name, ALICE),), lang="en", ref="K7Q3XF",
                   reply_token="abcdefgh12345678", facts=facts)
    msg = compose(out, IDENTITY, datetime(2026, 11, 26, tzinfo=timezone.utc))
    back = email.message_from_bytes(msg.as_bytes(policy=email.policy.SMTP), policy=email.policy.default)
    shown = _header_text(name, 100)
    assert back["To"].addresses[0].display_name == shown
    assert shown in str(back["Subject"])
