"""Fuzzing the intake and reply paths: whatever arrives, the broker files it and sends
nothing unsafe.

Properties, checked with hypothesis over arbitrary bytes and over structured-random
emails (headers drawn from a pool of ordinary and hostile values, random MIME trees with
random charsets and transfer encodings, bodies built from corpus fragments and hostile
strings), sent as a referrer's request, a party's reply, a bounce or a stranger's mail:

- `mailtext.parse`, every reader and `Engine.handle` never raise;
- every message gets a fate (processed or quarantined), quickly;
- every message the broker queues is safe (`test_injection.assert_safe_outbox`: one
  From/To/Subject, only its own headers, no line break in a value, text/plain).

Then every file of the public corpus (../shared/corpus, or $MAILBROKER_CORPUS; skipped
when absent) goes through `Engine.handle`. The runs are bounded (`max_examples`), not
derandomized: each run tries new cases. The whole file stays under a minute.
"""

from __future__ import annotations

import base64
import os
import quopri
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from mailbroker import mailtext
from mailbroker import testing as mt
from mailbroker.compose import _header_text
from mailbroker.engine import PROCESSED, QUARANTINE
from mailbroker.model import State

from ..safety import BROKER, assert_safe_outbox, make_engine, read_everything, start_referral

CORPUS = Path(os.environ.get("MAILBROKER_CORPUS") or Path(__file__).resolve().parents[3] / "shared" / "corpus")
SLOW = 2.0  # seconds: no fuzzed message may take longer (the measured worst is far below)
FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck),
               phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink])


# --- What the messages are made of ---------------------------------------------------------------------

ENCODED_CRLF = "=?utf-8?b?" + base64.b64encode(b"Alice\r\nBcc: evil@example.test").decode() + "?="
HOSTILE = [
    "Alice\r\nBcc: evil@example.test", "Alice\nBcc: evil@example.test", "Alice\rCc: evil@example.test",
    ENCODED_CRLF, "=?utf-8?q?A=0D=0ABcc:_evil@example.test?=", "=?x-unknown?q?=FF=FE?=", "=?utf-8?b?////?=",
    "\x00\x01\x02\x1b[31m\x7f", "\u202eevil\u202c", "\u2066x\u2069\u200b\ufeff", "\u2028\u2029\x85",
    '"""<<<@@@>>>,,,;;;\\', "undisclosed-recipients:;", "(" * 300, "\\" * 50, "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>", "\r\n.\r\nMAIL FROM:<evil@example.test>\r\n", "x" * 3000, "{" * 2000 + "@",
    "a@" * 300, "> " * 300 + "x", "👍" * 50, "山田 太郎", "Ré: Transféré", "\udcff\udcfe",
]
ADDRESSES = [
    f"Rita Referrer <{mt.REFERRER}>", mt.REFERRER, f"Alice Martin <{mt.address('alice')}>", mt.address("bob"),
    "Eve <evil@example.test>", "MAILER-DAEMON@example.test", "<>", BROKER, "Bob Stone <bob@example.test>",
    f'"Alice\\r\\nBcc: evil@example.test" <{mt.address("alice")}>', f"{ENCODED_CRLF} <{mt.address('alice')}>",
    "rïta@example.test", "a@exämple.test", "jane.doe+tag@mail.example.co.uk",
]
BUILT_IN_FRAGMENTS = [
    "Please introduce Alice to Bob Stone <bob@example.test>: we built Acme's payments platform together.",
    "---------- Forwarded message ---------\nFrom: Alice Martin <alice@example.test>\n"
    "Date: Thu, Nov 26, 2026 at 9:12 AM\nSubject: Intro?\nTo: Rita <referrer@example.test>",
    "Introduce: Ann Smith <ann@example.test>\nTo: Jane Doe <jane@example.test>\nWhy: Jane ran the platform team.",
    "Présenter : Anne Martin <anne@example.test>\nÀ : Jeanne Dupont <jeanne@example.test>\nPourquoi : équipe.",
    "On Thu, Nov 26, 2026 at 9:30 AM Introductions <intro@example.test> wrote:\n> Would you like this introduction?",
    "Le jeu. 26 nov. 2026 à 09:30, Introductions <intro@example.test> a écrit :",
    "-----Original Message-----\nFrom: Introductions\nSent: Thursday\nTo: Alice\nSubject: Introduction to Bob?",
    "Yes, happy to — I lead the payments team.", "Oui avec plaisir", "No thanks", "Non merci", "stop",
    "maybe, who is he?", "decline", "-- \nAlice Martin\n+33 6 12 34 56 78", "Sent from my iPhone",
    "Final-Recipient: rfc822; bob@example.test\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 unknown",
    "This is the mail system at host mx.example.test.\nI'm sorry to have to inform you that your message could not be "
    "delivered to one or more recipients.\n<bob@example.test>: host said: 550 5.1.1 User unknown",
    "I am out of the office until Monday.", "Réponse automatique : absent",
]


def _corpus_fragments() -> list[str]:
    """Paragraphs of a sample of the corpus's replies, forwards and bounces."""
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    paths = []
    for row in manifest.read_text(encoding="utf-8", errors="replace").splitlines()[1:]:
        fields = row.split("\t")
        if len(fields) >= 3 and fields[2] in ("reply", "forward", "bounce", "auto-reply"):
            paths.append(CORPUS / fields[0] / fields[1])
    fragments = []
    for path in paths[::7]:
        try:
            text = path.read_bytes()[:4000].decode("utf-8", "replace")
        except OSError:
            continue
        fragments.extend(p.strip("\n") for p in re.split(r"\n\s*\n", text) if p.strip())
    return [f[:1500] for f in fragments[:400]]


FRAGMENTS = BUILT_IN_FRAGMENTS + _corpus_fragments()
CHARSETS = ["utf-8", "us-ascii", "iso-8859-1", "windows-1252", "iso-2022-jp", "utf-16", "utf-7", "x-unknown",
            "", 'utf-8"; x="', "koi8-r", "gb2312", "big5", "utf-8*"]
ENCODINGS = ["7bit", "8bit", "binary", "base64", "quoted-printable", "base64-broken", "x-unknown", ""]
HEADER_NAMES = ["Subject", "To", "Cc", "Reply-To", "Date", "Message-ID", "In-Reply-To", "References",
                "Auto-Submitted", "Precedence", "List-Id", "Return-Path", "Delivered-To", "X-Original-To",
                "Authentication-Results", "Thread-Topic", "X-Failed-Recipients", "Content-Disposition",
                "MIME-Version", "X-Mailer", "Sender", "From", "Bcc", "Content-Type"]

texts = st.text(max_size=120)
header_values = st.one_of(st.sampled_from(HOSTILE + ADDRESSES + FRAGMENTS[:40]), texts,
                          st.lists(st.sampled_from(HOSTILE + ADDRESSES), min_size=1, max_size=3).map(" ".join))
header_names = st.one_of(st.sampled_from(HEADER_NAMES), st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,20}", fullmatch=True))
bodies = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.sampled_from(HOSTILE), texts), max_size=6).map("\n".join)


@dataclass(frozen=True)
class Leaf:
    ctype: str
    charset: str
    encoding: str
    body: str
    extra: bytes  # raw bytes appended after encoding: junk, truncation, NULs
    filename: str


@dataclass(frozen=True)
class Multipart:
    subtype: str
    boundary: str
    parts: tuple
    epilogue: str


@dataclass(frozen=True)
class Attached:
    headers: tuple
    inner: object


leaves = st.builds(
    Leaf,
    ctype=st.sampled_from(["text/plain", "text/plain", "text/html", "application/octet-stream",
                           "message/delivery-status", "text/rfc822-headers", "image/png", "text/x-weird", ""]),
    charset=st.sampled_from(CHARSETS),
    encoding=st.sampled_from(ENCODINGS),
    body=bodies,
    extra=st.one_of(st.just(b""), st.binary(max_size=40)),
    filename=st.sampled_from(["", "", "forward.eml", "a.txt", ENCODED_CRLF]),
)


def _trees(children):
    multipart = st.builds(
        Multipart,
        subtype=st.sampled_from(["mixed", "alternative", "related", "report; report-type=delivery-status",
                                 "signed", "x-weird"]),
        boundary=st.sampled_from(["b1", "b2", "=_part", "", "b1", '"x"', "a" * 80]),
        parts=st.lists(children, max_size=4).map(tuple),
        epilogue=st.sampled_from(["", "--", "junk"]),
    )
    attached = st.builds(Attached, headers=st.lists(st.tuples(header_names, header_values), max_size=4).map(tuple),
                         inner=children)
    return st.one_of(multipart, attached)


trees = st.recursive(leaves, _trees, max_leaves=8)


def _encode(leaf: Leaf) -> tuple[str, bytes]:
    """(Content-Transfer-Encoding value, body bytes) of a leaf."""
    charset = leaf.charset.split('"')[0].rstrip("*") or "utf-8"
    try:
        data = leaf.body.encode(charset, "replace")
    except (LookupError, UnicodeError):
        data = leaf.body.encode("utf-8", "surrogateescape")
    if leaf.encoding == "base64":
        return "base64", base64.encodebytes(data) + leaf.extra
    if leaf.encoding == "base64-broken":
        return "base64", base64.encodebytes(data)[3:] + b"!!%%" + leaf.extra
    if leaf.encoding == "quoted-printable":
        return "quoted-printable", quopri.encodestring(data) + leaf.extra
    return leaf.encoding, data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + leaf.extra


def render(node, headers: tuple = ()) -> bytes:
    """The bytes of a part (its headers first), or of a whole message with `headers`."""
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    if isinstance(node, Leaf):
        encoding, data = _encode(node)
        if node.ctype:
            charset = f'; charset="{node.charset}"' if node.charset else ""
            head += f"Content-Type: {node.ctype}{charset}\r\n"
        if encoding:
            head += f"Content-Transfer-Encoding: {encoding}\r\n"
        if node.filename:
            head += f'Content-Disposition: attachment; filename="{node.filename}"\r\n'
        return _bytes(head) + b"\r\n" + data
    if isinstance(node, Attached):
        return _bytes(head + "Content-Type: message/rfc822\r\n\r\n") + render(node.inner, node.headers)
    boundary = node.boundary.strip('"')
    head += f"Content-Type: multipart/{node.subtype}; boundary={node.boundary}\r\n\r\n"
    body = b"".join(b"--" + _bytes(boundary) + b"\r\n" + render(part) + b"\r\n" for part in node.parts)
    return _bytes(head) + body + b"--" + _bytes(boundary) + _bytes(node.epilogue) + b"\r\n"


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


# --- The engine the fuzzed mail is sent to --------------------------------------------------------------


class Broker:
    """One engine on a real store for a whole test, with a referral always open, so that
    a fuzzed reply can carry a live token and reach the reply path."""

    def __init__(self, directory: Path):
        self.engine = make_engine(directory)
        self.cases = 0
        self.slowest = 0.0
        self._open()

    def _open(self) -> None:
        # Earlier cases may have left what refuses a new Alice–Bob referral: a fuzzed
        # "stop" (suppression), a fuzzed request between the same two people, or their
        # introduction (a second one waits for the referrer's word).
        store, alice, bob = self.engine.store, mt.address("alice"), mt.address("bob")
        with store.transaction():
            store._db.execute("DELETE FROM suppression")
            store._db.execute("DELETE FROM introductions")
        while duplicate := store.open_between(alice, bob):
            self.engine.cancel(duplicate)
        assert_safe_outbox(self.engine)
        sent = start_referral(self.engine)
        self.to_alice = sent[mt.address("alice")]
        self.to_bob = sent[mt.address("bob")]
        self.ref = str(self.to_alice["X-Mailbroker-Ref"])

    def handle(self, raw: bytes):
        start = time.perf_counter()
        fate = self.engine.handle(raw)
        elapsed = time.perf_counter() - start
        self.cases += 1
        self.slowest = max(self.slowest, elapsed)
        assert fate.folder in (PROCESSED, QUARANTINE) and fate.reason, fate
        assert elapsed < SLOW, (elapsed, raw[:300])
        assert_safe_outbox(self.engine)
        if not self.engine.store.load(self.ref).state.is_open:
            self._open()
        return fate


@pytest.fixture(scope="module")
def broker():
    with tempfile.TemporaryDirectory() as directory:
        broker = Broker(Path(directory))
        yield broker
        broker.engine.store.close()


ROUTES = ["request", "reply", "reply", "bounce", "stranger", "referrer_thread"]


def _envelope(route: str, broker: Broker, sender_value: str, which: int) -> tuple:
    """The headers that send a fuzzed message down one path of the engine."""
    asked = broker.to_alice if which % 2 else broker.to_bob
    party = mt.address("alice") if which % 2 else mt.address("bob")
    if route == "request":
        return (("From", f"Rita Referrer <{mt.REFERRER}>"), ("To", BROKER))
    if route == "reply":
        return (("From", party if which % 3 else sender_value), ("To", str(asked["Reply-To"])),
                ("In-Reply-To", str(asked["Message-ID"])))
    if route == "bounce":
        return (("From", "MAILER-DAEMON@example.test"), ("To", str(asked["Reply-To"])),
                ("Return-Path", "<>"))
    if route == "referrer_thread":
        return (("From", mt.REFERRER), ("To", BROKER), ("References", str(asked["Message-ID"])))
    return (("From", sender_value), ("To", BROKER))


emails = st.tuples(st.sampled_from(ROUTES), st.sampled_from(ADDRESSES + HOSTILE), st.integers(0, 5),
                   st.lists(st.tuples(header_names, header_values), max_size=8).map(tuple), trees)


# --- Properties ------------------------------------------------------------------------------------------


@FUZZ
@given(raw=st.one_of(st.binary(max_size=3000), bodies.map(_bytes),
                     st.lists(st.sampled_from([b"\r\n", b"\n", b"From: ", b"--b1", b": ", b"=?utf-8?b?", b"\x00",
                                               b"Content-Type: multipart/mixed; boundary=b1", b"@", b"<", b">"]),
                              max_size=60).map(b"".join)))
def test_arbitrary_bytes_are_filed(broker, raw):
    read_everything(raw)
    broker.handle(raw)


@settings(FUZZ, max_examples=400)
@given(email=emails)
def test_structured_emails_are_filed_and_answered_safely(broker, email):
    route, sender_value, which, headers, tree = email
    raw = render(tree, _envelope(route, broker, sender_value, which) + headers)
    broker.handle(raw)


@FUZZ
@given(email=emails)
def test_each_reader_takes_any_structured_email(broker, email):
    route, sender_value, which, headers, tree = email
    read_everything(render(tree, _envelope(route, broker, sender_value, which) + headers))


@settings(FUZZ, max_examples=200)
@given(name=st.one_of(st.sampled_from(HOSTILE + ADDRESSES), texts), body=bodies, route=st.sampled_from(["yes", "any"]))
def test_what_a_party_writes_is_echoed_only_in_bodies(broker, name, body, route):
    """A reply from the right party, its name and text hostile: the yes-notes, unclear
    texts and names end up in the messages to the others, never in a header."""
    asked, party = broker.to_alice, mt.address("alice")
    text = ("Yes, happy to. " + body) if route == "yes" else body
    name = name.replace("\r", " ").replace("\n", " ")
    raw = _bytes(f"From: {name} <{party}>\r\nTo: {asked['Reply-To']}\r\nSubject: Re: {asked['Subject']}\r\n"
                 f"In-Reply-To: {asked['Message-ID']}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}")
    broker.handle(raw)


AUTH_RESULTS = [
    "mx.example.test; dmarc=pass header.from=example.test", "mx.example.test; dkim=pass header.d=example.test",
    "mx.example.test; dmarc=fail header.from=example.test", "mx.evil.example; dmarc=pass header.from=example.test",
    "spf=pass (sender IP is 1.2.3.4) smtp.mailfrom=example.test; dkim=pass header.d=example.test;dmarc=pass "
    "action=none header.from=example.test;compauth=pass reason=100", "mx.example.test; (((", "mx.example.test;",
]


@pytest.fixture(scope="module")
def authenticating():
    with tempfile.TemporaryDirectory() as directory:
        engine = make_engine(Path(directory), trusted_servers=("mx.example.test", "microsoft-365"))
        yield engine
        engine.store.close()


@settings(FUZZ, max_examples=150)
@given(results=st.lists(st.one_of(st.sampled_from(AUTH_RESULTS), header_values), max_size=3),
       sender=st.sampled_from([f"Rita Referrer <{mt.REFERRER}>"] + ADDRESSES), tree=trees)
def test_requests_to_an_engine_that_checks_authentication(authenticating, results, sender, tree):
    """With trusted servers configured, a referrer's request passes only with their
    verdict; whatever the headers say, the message is filed and nothing unsafe is sent."""
    headers = tuple(("Authentication-Results", r) for r in results) + (("From", sender), ("To", BROKER))
    raw = render(tree, headers)
    fate = authenticating.handle(raw)
    assert fate.folder in (PROCESSED, QUARANTINE) and fate.reason
    if fate.folder == PROCESSED and "started" in fate.reason:
        assert any(r in AUTH_RESULTS[:2] + AUTH_RESULTS[4:5] for r in results), (results, fate)
    assert_safe_outbox(authenticating)


@settings(FUZZ, max_examples=300)
@given(text=st.lists(st.one_of(st.sampled_from(["@", ".", "{", "a", "'", " ", "<", ">", "-", "+", "é", "_", "\n"]),
                               st.sampled_from(["jane@x.test", "a.b@c.d.example", "@x.y", "x@", ".com"])),
                     max_size=80).map("".join))
def test_find_addresses_finds_what_the_address_pattern_finds(text):
    assert [m.span() for m in mailtext.find_addresses(text, 1000)] == [m.span() for m in mailtext.ADDRESS_RE.finditer(text)]


@settings(FUZZ, max_examples=300)
@given(value=st.one_of(texts, st.sampled_from(HOSTILE + ADDRESSES),
                       st.lists(st.sampled_from(HOSTILE + ["=?utf-8?q?", "?=", "=0D=0A", "\r\n", " "]),
                                max_size=6).map("".join)))
def test_header_text_is_always_one_clean_line(value):
    text = _header_text(value, 200)
    assert len(text) <= 200
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in text)
    assert not re.search(r"=\?[^?\s]*\?[bBqQ]\?", text)  # nothing the email package would decode again


# --- The public corpus -----------------------------------------------------------------------------------


def _corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(path for path in CORPUS.rglob("*") if path.is_file())


def test_every_corpus_file_is_filed(tmp_path):
    files = _corpus_files()
    if not files:
        pytest.skip(f"no corpus at {CORPUS}")
    engine = make_engine(tmp_path)
    fates = {}
    for path in files:
        fate = engine.handle(path.read_bytes())
        assert fate.folder in (PROCESSED, QUARANTINE) and fate.reason, (path, fate)
        fates[path] = fate.folder
    assert_safe_outbox(engine)  # strangers and robots: nothing to send, nothing unsafe
    assert len(fates) == len(files) > 1000
    engine.store.close()


def test_the_broker_stays_usable_after_the_fuzzing(broker):
    """The last check of the module: the engine that took all the fuzzed mail still
    starts and completes a referral."""
    assert broker.cases > 0
    if broker.engine.store.load(broker.ref).state.is_open:
        broker.engine.cancel(broker.ref)
        assert_safe_outbox(broker.engine)
    sent = start_referral(broker.engine)
    ref = str(sent[mt.address("alice")]["X-Mailbroker-Ref"])
    for who, asked in ((mt.address("alice"), sent[mt.address("alice")]), (mt.address("bob"), sent[mt.address("bob")])):
        broker.engine.handle(bytes(mt.reply(asked, who, "Yes, gladly")))
    assert broker.engine.store.load(ref).state is State.INTRODUCED
    assert_safe_outbox(broker.engine)
