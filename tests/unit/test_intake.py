"""Intake: a referrer's message → a referral request or a precise error.

Also covers the message reading it relies on (mailtext): parsing, body text, addresses.
Fixtures are real .eml files under tests/fixtures/intake; the public forward corpus in
../shared/corpus is used when present.
"""

from __future__ import annotations

import json
import os
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbroker import mailtext
from mailbroker.intake import find_forward, is_valid_address, language_of, note_lines, read_request
from mailbroker.model import INTAKE_ERROR_CODES, IntakeError, Person, ReferralRequest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "intake"
CORPUS = Path(os.environ.get("MAILBROKER_CORPUS", Path(__file__).resolve().parents[3] / "shared" / "corpus"))
BROKER = "intro@broker.test"
REFERRER = "Claire Martin <claire@referrer.test>"


def load(name: str):
    return mailtext.parse((FIXTURES / name).read_bytes())


def request(name: str) -> ReferralRequest:
    result = read_request(load(name), BROKER)
    assert isinstance(result, ReferralRequest), result
    return result


def message(body: str, *, subject: str = "Fwd: Hello", sender: str = REFERRER, html: str | None = None):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = BROKER
    msg["Subject"] = subject
    msg["Message-ID"] = "<test-1@referrer.test>"
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return mailtext.parse(msg.as_bytes())


FORWARD = """
---------- Forwarded message ---------
From: John Smith <john.smith@acme.test>
Date: Mon, Apr 1, 2024 at 6:12 PM
Subject: Hello
To: Claire Martin <claire@referrer.test>

Hi Claire, could you introduce me to someone?
"""


# --- The three forms, on realistic messages ------------------------------------------------------

CASES = [
    # file, requester, target (name, address), subject, lang
    ("gmail_en_name_addr.eml", "john.smith@acme.test", ("Jane Doe", "jane@globex.test"),
     "Looking for someone in data engineering", "en"),
    ("gmail_fr_bare_address.eml", "jean.lefebvre@acme.test", ("", "marie.dupont@globex.test"),
     "Mise en relation ?", "fr"),
    ("gmail_fr_objet.eml", "lucie.bernard@etu.test", ("Paul Durand", "paul.durand@globex.test"),
     "Question stage", "fr"),
    ("gmail_en_parenthesised.eml", "john.smith@acme.test", ("Jane Doe", "jane@globex.test"),
     "Advice on fundraising", "en"),
    ("gmail_html_only_mailto.eml", "john.smith@acme.test", ("Jane Doe", "jane@globex.test"), "Hello", "en"),
    ("outlook_fr_tr.eml", "jean.lefebvre@acme.test", ("Sophie Moreau", "sophie.moreau@cabinet.test"),
     "Recherche d'un expert-comptable", "fr"),
    ("apple_en_begin_forwarded.eml", "john.smith@acme.test", ("Jane Doe", "jane@globex.test"), "Coffee?", "en"),
    ("thunderbird_fr.eml", "jean.lefebvre@acme.test", ("Maître Anne Petit", "anne.petit@avocats.test"),
     "Conseil juridique", "fr"),
    ("nested_forward.eml", "john.smith@acme.test", ("Jane Doe", "jane@globex.test"), "Fwd: Pitch deck", "en"),
    ("gmail_en_thread_own_reply.eml", "john.smith@acme.test", ("Ana Lima", "ana@studio.test"),
     "Looking for a designer", "en"),
    ("attached_forward.eml", "john.smith@acme.test", ("Ana Lima", "ana@studio.test"), "Intro to a designer?", "en"),
    ("explicit_en.eml", "john.smith@acme.test", ("Jane Doe", "jane@globex.test"), "Intro request", "en"),
    ("explicit_fr.eml", "jean.lefebvre@acme.test", ("Marie Dupont", "marie.dupont@globex.test"),
     "Demande de mise en relation", "fr"),
    ("explicit_one_line.eml", "john.smith@acme.test", ("Jane Doe", "jane@globex.test"), "intro", "en"),
]


@pytest.mark.parametrize("name, requester, target, subject, lang", CASES, ids=[c[0] for c in CASES])
def test_reads_each_form_of_request(name, requester, target, subject, lang):
    result = request(name)
    assert result.referrer.address.casefold() == "claire@referrer.test"
    assert result.requester.address == requester
    assert (result.target.name, result.target.address) == target
    assert result.subject == subject
    assert result.lang == lang
    assert result.message_id.startswith("<") and result.message_id.endswith(">")


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_context_never_reveals_an_address(name):
    # The context is shown to each party before both agreed (invariant 5).
    result = request(name)
    assert result.context
    assert "@" not in result.context


def test_context_keeps_the_referrers_sentences():
    result = request("gmail_en_name_addr.eml")
    assert result.context.startswith("Could you introduce John to Jane Doe?")
    assert "he built our whole pipeline" in result.context
    assert "Forwarded message" not in result.context


def test_context_of_a_bare_address_reads_the_name_from_it():
    assert "présenter Jean à Marie Dupont ?" in request("gmail_fr_bare_address.eml").context


def test_context_drops_greeting_and_sign_off():
    context = request("gmail_fr_bare_address.eml").context
    assert not context.startswith("Bonjour")
    assert "Claire" not in context.splitlines()[-1]


def test_forwarded_text_is_the_requesters_own_message():
    result = request("gmail_en_name_addr.eml")
    assert result.forwarded_text.startswith("Hi Claire,")
    assert "I'd love to talk to someone who runs a data" in result.forwarded_text
    assert "Forwarded message" not in result.forwarded_text


def test_nested_forward_takes_the_outer_author_and_cuts_the_older_message():
    result = request("nested_forward.eml")
    assert result.requester == Person("John Smith", "john.smith@acme.test")
    assert "Bob" in result.forwarded_text  # John's own words mention him…
    assert "seed investor" not in result.forwarded_text  # …Bob's message is cut


def test_a_forwarded_thread_ending_with_the_referrers_reply_gives_the_requester_below():
    result = request("gmail_en_thread_own_reply.eml")
    assert result.requester == Person("John Smith", "john.smith@acme.test")
    assert result.forwarded_text == "Hi Claire, do you know a product designer who freelances?\n\nJohn"
    assert result.context == "Ana Lima — she redesigned our app in 2022."


def test_explicit_introduce_line_overrides_the_forwarded_author():
    note = "Introduce: Mary <mary@acme.test>\nTo: Jane <jane@globex.test>\n"
    result = read_request(message(note + FORWARD), BROKER)
    assert (result.requester.address, result.target.address) == ("mary@acme.test", "jane@globex.test")


def test_apple_quoted_forward_is_unquoted():
    assert request("apple_en_begin_forwarded.eml").forwarded_text.startswith("Claire, who should I talk to")


def test_outlook_unquoted_display_name_with_comma():
    result = request("outlook_fr_tr.eml")
    assert result.referrer == Person("Martin, Claire", "Claire@referrer.test")


def test_explicit_context_runs_on_following_lines():
    context = request("explicit_en.eml").context
    assert context == (
        "John and I worked together at Acme for five years.\n"
        "Jane is hiring data engineers and John is the best I know."
    )


def test_forward_as_attachment_built_with_email_message():
    inner = EmailMessage()
    inner["From"] = "John Smith <john.smith@acme.test>"
    inner["To"] = REFERRER
    inner["Subject"] = "Could you help?"
    inner.set_content("Hi Claire,\n\nI am looking for a lawyer.\n\nJohn\n")
    outer = EmailMessage()
    outer["From"] = REFERRER
    outer["To"] = BROKER
    outer["Subject"] = "Fwd: Could you help?"
    outer.set_content("Please introduce John to Anne Petit <anne.petit@avocats.test>, a great employment lawyer.\n")
    outer.add_attachment(inner)
    result = read_request(mailtext.parse(outer.as_bytes()), BROKER)
    assert isinstance(result, ReferralRequest), result
    assert result.requester == Person("John Smith", "john.smith@acme.test")
    assert result.target == Person("Anne Petit", "anne.petit@avocats.test")
    assert result.subject == "Could you help?"
    assert result.forwarded_text == "Hi Claire,\n\nI am looking for a lawyer.\n\nJohn"
    assert result.context == "Please introduce John to Anne Petit, a great employment lawyer."


@pytest.mark.parametrize(
    "note, target",
    [
        ("Jane Doe <jane@globex.test> — they should talk.", Person("Jane Doe", "jane@globex.test")),
        ('Please meet "Doe, Jane" <jane@globex.test>.', Person("Doe, Jane", "jane@globex.test")),
        ("jane@globex.test", Person("", "jane@globex.test")),
        ("Intro to jane@globex.test (Jane Doe) please.", Person("Jane Doe", "jane@globex.test")),
        ("Intro to mailto:jane@globex.test please.", Person("", "jane@globex.test")),
        ("Intro to Jane Doe [mailto:jane@globex.test] please.", Person("Jane Doe", "jane@globex.test")),
        ("Présente-le à Jean de la Fontaine <jean@fables.test>.", Person("Jean de la Fontaine", "jean@fables.test")),
        # the referrer's own address, the broker's (+tag) and the requester's are not candidates
        ("Jane <jane@globex.test>, cc claire@referrer.test, intro+x1@broker.test, john.smith@acme.test",
         Person("Jane", "jane@globex.test")),
        # the same address twice is one candidate
        ("Jane <jane@globex.test> (jane@globex.test) — great fit.", Person("Jane", "jane@globex.test")),
    ],
)
def test_target_forms_in_the_note(note, target):
    result = read_request(message(note + "\n" + FORWARD), BROKER)
    assert isinstance(result, ReferralRequest), result
    assert result.target == target


def test_target_from_a_to_line_in_a_forward_note():
    result = read_request(message("To: Jane Doe <jane@globex.test>\nWhy: same climbing club.\n" + FORWARD), BROKER)
    assert result.target == Person("Jane Doe", "jane@globex.test")
    assert result.context == "same climbing club."


def test_signature_addresses_are_not_candidates():
    note = "Jane Doe <jane@globex.test> is the one.\n\n-- \nClaire Martin\nclaire.perso@home.test\n"
    result = read_request(message(note + FORWARD), BROKER)
    assert result.target.address == "jane@globex.test"


# --- Explicit requests: forgiving syntax --------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "Introduce: John <john@acme.test>\nTo: Jane <jane@globex.test>\nWhy: old friends",
        "INTRODUCE : John <john@acme.test>\nWITH : Jane <jane@globex.test>\nContext : old friends",
        "intro:John <john@acme.test>\nwith:Jane <jane@globex.test>\nreason: old friends",
        "Présenter : John <john@acme.test>\nÀ : Jane <jane@globex.test>\nPourquoi : old friends",
        "Présente : John <john@acme.test>\nA : Jane <jane@globex.test>\nContexte : old friends",
        "Presenter: John <john@acme.test>\nAvec : Jane <jane@globex.test>\nPourquoi: old friends",
        "Introduce John <john@acme.test> to Jane <jane@globex.test>\nWhy: old friends",
        "Présenter John <john@acme.test> à Jane <jane@globex.test>\nPourquoi : old friends",
        "Introduce john@acme.test with jane@globex.test\nWhy: old friends",
    ],
)
def test_explicit_request_syntax(body):
    result = read_request(message(body, subject="intro"), BROKER)
    assert isinstance(result, ReferralRequest), result
    assert result.requester.address == "john@acme.test"
    assert result.target.address == "jane@globex.test"
    assert result.context == "old friends"
    assert result.forwarded_text == ""


@pytest.mark.parametrize(
    "body",
    [
        # Phrasings of the held-out set (tests/labelled/holdout) and their families.
        "Could you make an introduction between John <john@acme.test> and Jane <jane@globex.test>?",
        "Can you make the intro between John <john@acme.test> and Jane <jane@globex.test>?",
        "Merci de mettre John <john@acme.test> en relation avec Jane <jane@globex.test>.",
        "Peux-tu mettre John <john@acme.test> en contact avec Jane <jane@globex.test> ?",
        "Introduce:\nJohn <john@acme.test>\nTo:\nJane <jane@globex.test>",
    ],
)
def test_explicit_request_in_other_words(body):
    result = read_request(message(body, subject="intro"), BROKER)
    assert isinstance(result, ReferralRequest), result
    assert (result.requester.address, result.target.address) == ("john@acme.test", "jane@globex.test")


@pytest.mark.parametrize("line, lang", [("Lang: fr", "fr"), ("Langue : français", "fr"), ("Language: English", "en")])
def test_explicit_language_line(line, lang):
    body = f"Introduce: John <john@acme.test>\nTo: Jane <jane@globex.test>\n{line}\n"
    assert read_request(message(body, subject="x"), BROKER).lang == lang


# --- Errors: one per code -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, code, detail",
    [
        ("error_no_target.eml", "no_target", ""),
        ("error_target_without_address.eml", "target_without_address", "Jane Doe"),
        ("error_ambiguous_target.eml", "ambiguous_target", "jane@globex.test, paul@initech.test"),
        ("error_referrer_as_party.eml", "referrer_as_party", "claire@referrer.test"),
        ("error_no_requester.eml", "no_requester", ""),
        # a reply to the requester that copies the broker is a quote, not a forward
        ("error_reply_not_forward.eml", "no_requester", ""),
    ],
)
def test_error_fixtures(name, code, detail):
    result = read_request(load(name), BROKER)
    assert result == IntakeError(code, detail, "en")


@pytest.mark.parametrize(
    "body, code, detail",
    [
        ("Introduce: John <john@acme.test>\nTo: Jane <jane..doe@globex.test>", "invalid_address", "jane..doe@globex.test"),
        ("Introduce: John <john@acme.test>\nTo: Zoë <zoë@globex.test>", "international_address", "zoë@globex.test"),
        ("Introduce: John <john@acme.test>\nTo: Zoë <zoë..x@globex.test>", "invalid_address", "zoë..x@globex.test"),
        ("Introduce: John <john@acme.test>\nTo: John again <John@ACME.test>", "same_person", "John@acme.test"),
        ("Introduce: John <john@acme.test>\nTo: Broker <Intro+abc@Broker.test>", "broker_as_party", "Intro+abc@broker.test"),
        ("Introduce: John <john@acme.test>\nTo: me <claire@referrer.test>", "referrer_as_party", "claire@referrer.test"),
        ("Introduce: John <john@acme.test>\nTo: Jane Doe", "target_without_address", "Jane Doe"),
        ("Introduce: John <john@acme.test>\nWhy: he needs a lawyer", "no_target", ""),
        ("Introduce: John Smith\nTo: Jane <jane@globex.test>", "no_requester", "John Smith"),
        ("To: Jane <jane@globex.test>\nWhy: she is great", "no_requester", ""),
        ("", "no_requester", ""),
    ],
)
def test_explicit_errors(body, code, detail):
    result = read_request(message(body, subject="intro"), BROKER)
    assert isinstance(result, IntakeError), result
    assert (result.code, result.detail) == (code, detail)
    assert result.code in INTAKE_ERROR_CODES


def test_forwarded_header_without_address_is_no_requester():
    forward = "-----Original Message-----\nFrom: John Doe\nSent: 23 July 2022 07:53\nTo: Claire\nSubject: Hi\n\nHello\n"
    result = read_request(message("Jane <jane@globex.test>\n\n" + forward), BROKER)
    assert result == IntakeError("no_requester", "John Doe", "en")


def test_french_error_carries_the_language():
    body = "Bonjour, je voudrais vous présenter un ami, comment faire ?\n\nMerci\nClaire"
    result = read_request(message(body, subject="Question"), BROKER)
    assert result == IntakeError("no_requester", "", "fr")


def test_every_code_returned_is_declared_in_the_model():
    assert {"ambiguous_target", "no_target", "target_without_address", "no_requester", "invalid_address",
            "international_address", "same_person", "broker_as_party", "referrer_as_party"} <= set(INTAKE_ERROR_CODES)


# --- Language and validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, marks, lang",
    [
        ("Could you introduce him to Jane? I know him from school.", (), "en"),
        ("Peux-tu le présenter à Marie ? Je le connais depuis le lycée.", (), "fr"),
        ("", (frozenset({"fr"}),), "fr"),
        ("", (frozenset({"en"}), frozenset({"en", "fr"})), "en"),
        ("12345", (), None),
        ("", (frozenset({"de"}),), None),
    ],
)
def test_language_of(text, marks, lang):
    assert language_of(text, marks) == lang


@pytest.mark.parametrize(
    "address, valid",
    [
        ("jane@example.test", True),
        ("jane.doe+tag@globex.test", True),
        ("jane@example.com", True),
        ("jane..doe@example.test", False),
        ("jane@", False),
        ("jane@localhost", False),
    ],
)
def test_address_validation_accepts_test_domains(address, valid):
    assert is_valid_address(address) is valid


# --- Reading messages (mailtext) ----------------------------------------------------------------


def test_parse_never_raises_on_garbage():
    for raw in (b"", b"\x00\xff\xfe", b"From: <<<>>>@@\nTo: ,,,\"\n\nbody", b"Content-Type: multipart/mixed\n\n--x"):
        msg = mailtext.parse(raw)
        mailtext.body_text(msg)
        mailtext.sender(msg)
        mailtext.thread_ids(msg)


def test_header_addresses_decode_words_quotes_and_commas():
    raw = (
        b"From: =?utf-8?q?Doe=2C_Ren=C3=A9?= <Rene@EXAMPLE.Test>\n"
        b'To: "Smith, Ann" <ann@x.test>, Bob <bob@X.TEST>, carol@x.test (Carol C)\n'
        b"Cc: Dupont, Marie <marie@x.test>\n\nhi\n"
    )
    msg = mailtext.parse(raw)
    assert mailtext.sender(msg) == Person("Doe, René", "Rene@example.test")
    assert mailtext.header_addresses(msg, "To") == [
        Person("Smith, Ann", "ann@x.test"),
        Person("Bob", "bob@x.test"),
        Person("Carol C", "carol@x.test"),
    ]
    assert mailtext.header_addresses(msg, "Cc") == [Person("Dupont, Marie", "marie@x.test")]


def test_raw_utf8_header_is_read():
    msg = mailtext.parse("From: René Lévesque <rene@x.test>\nSubject: café\n\nhi".encode())
    assert mailtext.sender(msg) == Person("René Lévesque", "rene@x.test")


def test_thread_ids():
    msg = mailtext.parse(b"In-Reply-To: <a@x.test>\nReferences: <z@x.test>\n <a@x.test> <b@x.test>\n\nhi")
    assert mailtext.thread_ids(msg) == ["<a@x.test>", "<z@x.test>", "<b@x.test>"]


def test_body_text_prefers_plain_and_normalises():
    msg = mailtext.parse(b"Content-Type: text/plain; charset=utf-8\n\nHello\xc2\xa0world\r\nbye\xe2\x80\x8b\r\n")
    assert mailtext.body_text(msg) == "Hello world\nbye"


def test_body_text_falls_back_when_the_charset_lies():
    msg = mailtext.parse(b"Content-Type: text/plain; charset=us-ascii\n\nd\xc3\xa9j\xc3\xa0")
    assert mailtext.body_text(msg) == "déjà"
    msg = mailtext.parse(b"Content-Type: text/plain\n\nd\xe9j\xe0")
    assert mailtext.body_text(msg) == "déjà"
    msg = mailtext.parse(b"Content-Type: text/plain; charset=x-unknown\n\nd\xc3\xa9j\xc3\xa0")
    assert mailtext.body_text(msg) == "déjà"


def test_html_to_text():
    html = (
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
        "<div>Hi&nbsp;&amp; welcome</div><p>Line one<br>Line two</p>"
        '<p>Write to <a href="mailto:jane@x.test">Jane</a> or <a href="mailto:bob@x.test">bob@x.test</a></p>'
        "<blockquote>quoted<blockquote>deeper</blockquote></blockquote><p>after</p></body></html>"
    )
    assert mailtext.html_to_text(html) == (
        "Hi & welcome\nLine one\nLine two\nWrite to Jane <jane@x.test> or bob@x.test\n"
        "> quoted\n> > deeper\nafter"
    )


def test_attached_message_is_not_the_body():
    inner = EmailMessage()
    inner["From"] = "a@x.test"
    inner.set_content("inner text")
    outer = EmailMessage()
    outer["From"] = "b@x.test"
    outer.set_content("outer text")
    outer.add_attachment(inner)
    assert mailtext.body_text(mailtext.parse(outer.as_bytes())) == "outer text"


# --- Properties ---------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_read_request_never_raises_on_arbitrary_bytes(raw):
    result = read_request(mailtext.parse(raw), BROKER)
    assert isinstance(result, (ReferralRequest, IntakeError))


_pieces = st.sampled_from([
    "---------- Forwarded message ---------\n", "From: John <john@acme.test>\n", "De : Jean <j@x.test>\n",
    "Subject: Hi\n", "Objet : Salut\n", "To: Jane <jane@globex.test>\n", "> ", "\n", "On Mon, Jan 1, 2024 John wrote:\n",
    "Introduce: ", "À : ", "Why: ", "-- \n", "jane@globex.test", "<", ">", "(", ")", "mailto:", ", ", "Sent: x\n",
    "Begin forwarded message:\n", "-----Original Message-----\n", "intro+tok@broker.test", "\t", "«", "»",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_pieces, st.text(max_size=20)), max_size=40), st.sampled_from(["Fwd: x", "Re: x", "", "TR: y"]))
def test_read_request_never_raises_on_mail_like_text(pieces, subject):
    result = read_request(message("".join(pieces), subject=subject), BROKER)
    assert isinstance(result, (ReferralRequest, IntakeError))
    if isinstance(result, ReferralRequest):
        assert "@" not in result.context


# --- The public forward corpus ------------------------------------------------------------------

CRISP = CORPUS / "crisp-oss+email-forward-parser"


def _crisp_cases():
    if not (CRISP / "EXPECTED_from_tests.json").exists():
        return []
    return json.loads((CRISP / "EXPECTED_from_tests.json").read_text())["cases"]


def _crisp_message(case) -> tuple[str, str]:
    body = (CRISP / case["body_file"]).read_bytes().decode("utf-8")
    subject = (CRISP / case["subject_file"]).read_text().strip() if case["subject_file"] else ""
    return mailtext.normalize(body), subject


def _crisp_ok(case) -> bool:
    text, subject = _crisp_message(case)
    found = find_forward(text, subject)
    expected = case["expected"]
    if not expected["forwarded"]:
        return found is None
    if found is None or (found.author and found.author.address) != (expected.get("from") or {}).get("address"):
        return False
    if "subject" in expected and found.subject != expected["subject"]:
        return False
    if expected.get("message") and "\n".join(note_lines(found.note)).strip() != expected["message"].strip():
        return False
    return True


EN_FR = [c for c in _crisp_cases() if c["lang"] in ("en", "fr")]


@pytest.mark.skipif(not CRISP.exists(), reason="public corpus not present")
@pytest.mark.parametrize("case", EN_FR, ids=[f"{c['body_file'].rsplit('/', 1)[-1]}-{c['subject_file'] or ''}" for c in EN_FR])
def test_crisp_forward_corpus_en_fr(case):
    """Every English and French sample: right original author, subject and note;
    the non-forwards (replies) are not taken for forwards."""
    assert _crisp_ok(case)


@pytest.mark.skipif(not CRISP.exists(), reason="public corpus not present")
def test_crisp_forward_corpus_all_languages():
    cases = _crisp_cases()
    ok = sum(_crisp_ok(case) for case in cases)
    assert ok / len(cases) >= 0.98, f"{ok}/{len(cases)}"


@pytest.mark.skipif(not CRISP.exists(), reason="public corpus not present")
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_crisp_forwards_become_requests(lang):
    """Whole messages: a note naming a target above each corpus forward gives a request
    whose requester is the forwarded message's author."""
    for case in _crisp_cases():
        if case["lang"] != lang or not case["expected"]["forwarded"] or not (case["expected"].get("from") or {}).get("address"):
            continue
        text, subject = _crisp_message(case)
        note = "Please introduce them to Ann Target <ann@target.test>.\n\n"
        result = read_request(message(note + text, subject=subject or "Fwd: x"), BROKER)
        assert isinstance(result, ReferralRequest), (case["body_file"], result)
        assert result.requester.address == case["expected"]["from"]["address"]
        assert result.target.address == "ann@target.test"


QUOTEQUAIL = CORPUS / "closeio+quotequail" / "EXPECTED_inline_cases.json"


@pytest.mark.skipif(not QUOTEQUAIL.exists(), reason="public corpus not present")
def test_quotequail_forwards():
    cases = json.loads(QUOTEQUAIL.read_text())["cases"]
    checked = 0
    for case in cases:
        expected = case["expected"]
        if case["test"] != "test_unwrap" or not expected or expected.get("type") != "forward":
            continue
        found = find_forward(mailtext.normalize(case["text"]), "Fwd: x")
        assert found is not None, case["text"]
        if expected.get("from"):
            assert found.author.address == mailtext.people_in(expected["from"])[0].address
        if expected.get("subject"):
            assert found.subject == expected["subject"]
        checked += 1
    assert checked >= 10


# --- The target named in the forwarded message (a), the author as the target (b) ---------------


ASKS_FOR_JANE = """
---------- Forwarded message ---------
From: John Smith <john.smith@acme.test>
Date: Mon, Apr 1, 2024 at 6:12 PM
Subject: Intro?
To: Claire Martin <claire@referrer.test>

Hi Claire,

Could you introduce me to Jane Doe (jane@globex.test)? I saw you worked
together at Globex.

John
john.smith@acme.test | +44 20 7946 0000
"""


@pytest.mark.parametrize(
    "note",
    ["Happy to help, Jane is a friend.", "See below.", "", "Could you introduce him to Jane? She'll like him."],
)
def test_a_note_without_address_takes_the_one_person_the_forwarded_message_asks_for(note):
    result = read_request(message(note + "\n" + ASKS_FOR_JANE), BROKER)
    assert isinstance(result, ReferralRequest), result
    assert (result.requester.address, result.target) == ("john.smith@acme.test", Person("Jane Doe", "jane@globex.test"))
    assert "@" not in result.context


@pytest.mark.parametrize(
    "forwarded, code",
    [
        # two people to meet: the referrer must choose
        (ASKS_FOR_JANE.replace("(jane@globex.test)?", "(jane@globex.test) or Paul (paul@initech.test)?"), "no_target"),
        # an address that is not asked for (no wish to meet anyone) is no target
        (ASKS_FOR_JANE.replace("Could you introduce me to Jane Doe (jane@globex.test)?",
                               "My assistant is Mary (mary@acme.test)."), "no_target"),
    ],
)
def test_the_forwarded_message_gives_a_target_only_when_it_asks_for_exactly_one(forwarded, code):
    result = read_request(message("See below.\n" + forwarded), BROKER)
    assert isinstance(result, IntakeError) and result.code == code


def test_a_name_in_the_note_must_agree_with_the_person_asked_for():
    result = read_request(message("Could you introduce him to Paul Martin?\n" + ASKS_FOR_JANE), BROKER)
    assert result == IntakeError("target_without_address", "Paul Martin", "en")


POST = """
---------- Forwarded message ---------
From: Maya Chen <maya@maya-writes.test>
Date: Mon, Apr 1, 2024 at 6:12 PM
Subject: Why small teams ship faster
To: Claire Martin <claire@referrer.test>

This week: what I learned running a four-person product team.
"""


@pytest.mark.parametrize(
    "note",
    [
        "Could you introduce Carol Price <carol@brightside.test> to the author of this post?",
        "Carol Price <carol@brightside.test> would love to meet the writer of this newsletter.",
        "Introduce: Carol Price <carol@brightside.test>",
        "Introduce: Carol Price <carol@brightside.test>\nWhy: Carol runs a small team too.",
        "Peux-tu présenter Carol Price <carol@brightside.test> à l'autrice de cette lettre ?",
    ],
)
def test_a_note_naming_the_requester_makes_the_forwarded_author_the_target(note):
    result = read_request(message(note + "\n" + POST), BROKER)
    assert isinstance(result, ReferralRequest), result
    assert (result.requester, result.target) == (Person("Carol Price", "carol@brightside.test"),
                                                 Person("Maya Chen", "maya@maya-writes.test"))


def test_a_person_described_as_an_author_is_still_the_target():
    note = "Carol Price <carol@brightside.test> is the author of a great book on small teams."
    result = read_request(message(note + "\n" + POST), BROKER)
    assert (result.requester.address, result.target.address) == ("maya@maya-writes.test", "carol@brightside.test")


def test_the_author_mentioned_before_the_person_named_is_the_requester_as_usual():
    note = "The author of this post should meet Carol Price <carol@brightside.test>."
    result = read_request(message(note + "\n" + POST), BROKER)
    assert (result.requester.address, result.target.address) == ("maya@maya-writes.test", "carol@brightside.test")


# --- Explicit requests in prose, signatures, names --------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "Hi,\n\nCould you introduce John <john@acme.test> to Jane <jane@globex.test>? Old friends.\n\nThanks,\nClaire",
        "Peux-tu mettre en relation John <john@acme.test> avec Jane <jane@globex.test> ? Ils se connaissent.",
        "Please put John <john@acme.test> in touch with Jane <jane@globex.test>.",
    ],
)
def test_explicit_request_in_prose(body):
    result = read_request(message(body, subject="intro"), BROKER)
    assert isinstance(result, ReferralRequest), result
    assert (result.requester.address, result.target.address) == ("john@acme.test", "jane@globex.test")


@pytest.mark.parametrize(
    "note",
    [
        "Please introduce him to Jane <jane@globex.test>.\n\nClaire Martin\nCEO | Referrer Inc\nclaire.perso@home.test\n"
        "+33 6 12 34 56 78",
        "Please introduce him to Jane <jane@globex.test>.\n\nBest,\nClaire\nclaire.perso@home.test",
    ],
)
def test_an_address_in_the_referrers_signature_is_no_candidate(note):
    result = read_request(message(note + "\n" + FORWARD), BROKER)
    assert result.target == Person("Jane", "jane@globex.test")


def test_two_addresses_outside_the_signature_stay_ambiguous():
    note = "Jane <jane@globex.test> or Paul <paul@initech.test>\n\nClaire\nclaire.perso@home.test"
    assert read_request(message(note + "\n" + FORWARD), BROKER).code == "ambiguous_target"


@pytest.mark.parametrize(
    "note", ["Please connect him with:\n\nJane Doe\njane@globex.test", "Jane Doe\njane@globex.test\nGreat engineer."]
)
def test_the_name_on_the_line_above_a_lone_address(note):
    assert read_request(message(note + "\n" + FORWARD), BROKER).target == Person("Jane Doe", "jane@globex.test")


def _copied(note: str, cc: str):
    msg = EmailMessage()
    msg["From"] = REFERRER
    msg["To"] = BROKER
    msg["Cc"] = cc
    msg["Subject"] = "Fwd: Hello"
    msg.set_content(note + "\n" + FORWARD)
    return mailtext.parse(msg.as_bytes())


@pytest.mark.parametrize(
    "note, cc, target",
    [
        ("Jane, meet John. John, meet Jane.", "Jane Doe <jane@globex.test>", Person("Jane Doe", "jane@globex.test")),
        ("Je te présente Marie Dupont.", "marie.dupont@globex.test", Person("Marie Dupont", "marie.dupont@globex.test")),
        ("See below.", "Jane Doe <jane@globex.test>", IntakeError("no_target", "", "en")),  # not named: an assistant?
        ("Jane, meet John.", "Jane <jane@globex.test>, Paul <paul@initech.test>", IntakeError("no_target", "", "en")),
        ("Could you introduce him to Paul?", "Jane Doe <jane@globex.test>", IntakeError("target_without_address", "Paul", "en")),
    ],
)
def test_the_person_copied_on_the_forward_and_named_in_the_note(note, cc, target):
    result = read_request(_copied(note, cc), BROKER)
    assert (result.target if isinstance(result, ReferralRequest) else result) == target


def test_no_part_of_an_address_is_left_in_the_context():
    """Two addresses run together defeat the address patterns; no fragment may remain."""
    note = ("jane@globex.testjane@globex.test---------- Forwarded message ---------\n"
            "---------- Forwarded message ---------\nFrom: John <john@acme.test>\n")
    result = read_request(message(note, subject="Fwd: x"), BROKER)
    assert "@" not in getattr(result, "context", "")


# --- What the note asks: a request, a decline, or a question back to the referrer -------------
# The forwarded message names someone with an address (Jane): a decline must never write
# to her, and neither must a note that is not clearly a request.

JOHN = "john.smith@acme.test"


def _read(note: str, forwarded: str = ASKS_FOR_JANE):
    return read_request(message(note + "\n" + forwarded), BROKER)


def _declined(result) -> bool:
    return isinstance(result, ReferralRequest) and result.decline and result.requester.address == JOHN \
        and result.target == Person("", "")


@pytest.mark.parametrize(
    "note",
    [
        "Could you let him down gently? I only know him from one dinner.",
        "I'm going to have to say no to this one. Be kind, please.",
        "Honestly I can't vouch for John. A friendly no from me, please.",
        "Sorry, I'd rather pass on this. Please reply to him for me.",
        "Nope. Nicely though.",
        "Thanks, but it's a no. He'll understand.",
        "Please turn this request down on my behalf — no reason needed.",
        "Hi, I barely know him, so please decline politely. Thanks, Claire",
        "Je ne peux pas me porter garant de lui : dis-lui non gentiment, s'il te plaît.",
        "Merci de lui répondre non de ma part, avec tact.",
        "Bof, non. Je ne le connais pas assez pour le recommander.",
        "Je vais passer mon tour sur celle-ci ; un refus courtois suffira.",
        "Pourriez-vous décliner en mon nom ? Je ne fais pas d'introductions pour les levées de fonds.",
        "Non merci pour celle-là.",
        "I've never worked with him, so no.",
        "Je ne la connais pas, donc non. Avec mes regrets.",
        "No can do this time, sorry.",
        "Pas chaud pour celui-là, refuse gentiment.",
    ],
)
def test_a_natural_decline_anywhere_in_the_note_declines_and_contacts_nobody_else(note):
    assert _declined(_read(note))


@pytest.mark.parametrize(
    "note",
    [
        "Please don't write to Jane (jane@globex.test) about this; send John a courteous no instead.",
        "Decline, and leave Paul <paul@initech.test> out of it: he asked for a quiet month.",
        "Refuse poliment, et surtout ne contacte pas Paul <paul@initech.test>, il est en congé.",
        "Je ne veux pas déranger Paul (paul@initech.test) avec ça. Un petit non gentil stp.",
        "Please decline: Paul <paul@initech.test> isn't taking intros this month.",
    ],
)
def test_a_decline_that_spares_someone_named_with_an_address_still_declines(note):
    assert _declined(_read(note))


@pytest.mark.parametrize(
    "note",
    [
        "Don't decline this one: introduce him to Paul <paul@initech.test>, I know Paul from Acme.",
        "Je ne refuse pas, au contraire : présente-le à Paul <paul@initech.test>.",
        "Please put John in touch with Paul <paul@initech.test>; he might say no, but it's worth asking.",
        "Tu ne pourrais pas le présenter à Paul <paul@initech.test> ? Ils ont fait la même école.",
        "Don't hesitate to introduce John to Paul <paul@initech.test>, no rush.",
        "Paul <paul@initech.test> turned down two founders last week, but he'll like John. Please connect them.",
    ],
)
def test_a_negated_decline_or_someone_elses_is_no_decline(note):
    result = _read(note)
    assert isinstance(result, ReferralRequest) and not result.decline, result
    assert (result.requester.address, result.target.address) == (JOHN, "paul@initech.test")


@pytest.mark.parametrize(
    "note, lang",
    [
        # the choice left to the broker
        ("Your call on this one.", "en"),
        ("I'll leave it with you, whatever you think is best.", "en"),
        ("Either connect him with Paul <paul@initech.test> or let him down easy.", "en"),
        ("À toi de voir pour celui-là.", "fr"),
        ("Comme tu le sens, je n'ai pas d'avis.", "fr"),
        # doubt
        ("Not sure I'd vouch for John... perhaps Paul <paul@initech.test> could meet him?", "en"),
        ("Pas sûr de pouvoir le recommander. Peut-être Paul <paul@initech.test> ?", "fr"),
        # nothing said
        ("FYI", None),
        ("Thoughts?", None),
        ("Can you deal with this one?", "en"),
        ("Pour info.", None),
        ("Hmm.", None),
        ("Yes or no?", None),
        # a decline, and someone else suggested
        ("I can't help him, but Paul <paul@initech.test> might.", "en"),
        # a decline and a request at once
        ("Please decline the calendar invite and connect John with Paul <paul@initech.test> instead.", "en"),
        # someone spared, nobody else named
        ("Don't bother Jane with this.", "en"),
        ("Ne transmets pas à Jane, elle est débordée.", "fr"),
        # whom to meet left to the broker
        ("Introduce him to someone in marketing.", "en"),
        ("Présente-le à quelqu'un de l'équipe juridique.", "fr"),
    ],
)
def test_a_note_neither_clearly_a_request_nor_clearly_a_decline_asks_the_referrer(note, lang):
    result = _read(note)
    assert isinstance(result, IntakeError) and result.code == "unclear_intent", result
    if lang:
        assert result.lang == lang


def test_unclear_intent_is_a_declared_code():
    assert "unclear_intent" in INTAKE_ERROR_CODES


@pytest.mark.parametrize(
    "note",
    [
        "Could you introduce Carol Price <carol@brightside.test> to whoever wrote this? They'd get on.",
        "Please connect Carol (carol@brightside.test) with the writer below; Carol asked me.",
        "carol@brightside.test would love to meet the sender. Can you set it up?",
        "To the author of the newsletter below: please introduce Carol Price <carol@brightside.test>.",
        "Introduce this person:\nCarol Price\ncarol@brightside.test\n...to the one who sent the post underneath.",
        "Merci de mettre Carol <carol@brightside.test> en contact avec la personne ci-dessous.",
        "Présente Carol Price (carol@brightside.test) à celle qui m'a écrit, c'est Carol qui demande.",
        "Pour l'autrice ci-dessous : une intro de la part de Carol Price <carol@brightside.test>.",
        "Carol <carol@brightside.test> asked me for an intro to whoever this is.",
        "Merci de faire le lien entre Carol <carol@brightside.test> et la rédactrice de cette lettre.",
    ],
)
def test_an_inverted_note_makes_the_person_named_the_requester_and_the_author_the_target(note):
    result = _read(note, POST)
    assert isinstance(result, ReferralRequest) and not result.decline, result
    assert (result.requester.address, result.target.address) == ("carol@brightside.test", "maya@maya-writes.test")


@pytest.mark.parametrize(
    "note",
    [
        "The sender should be introduced to Carol Price <carol@brightside.test>.",
        "Carol Price <carol@brightside.test> would be a great match for the sender.",
        "L'expéditeur souhaite rencontrer Carol Price <carol@brightside.test>.",
        "Mets l'expéditeur en contact avec Carol Price <carol@brightside.test>.",
        "Please introduce this person to Carol Price <carol@brightside.test>.",
    ],
)
def test_the_author_as_the_one_who_asks_keeps_the_usual_order(note):
    result = _read(note)
    assert (result.requester.address, result.target.address) == (JOHN, "carol@brightside.test")


def test_a_person_named_for_an_author_who_asked_nothing_asks_the_referrer():
    """Who wants to meet whom is not said: the post asks for nothing."""
    result = _read("Carol Price <carol@brightside.test> would be a great match for the sender.", POST)
    assert isinstance(result, IntakeError) and result.code == "unclear_intent"


@pytest.mark.parametrize(
    "note",
    [
        "Please connect him with Paul <paul@initech.test>. (If it bounces, my personal address is claire.m@home.test.)",
        "Présente-le à Paul <paul@initech.test>. Je change d'adresse bientôt, la nouvelle : claire.m@home.test",
    ],
)
def test_the_referrers_own_other_address_is_no_target(note):
    result = _read(note)
    assert (result.requester.address, result.target.address) == (JOHN, "paul@initech.test")
