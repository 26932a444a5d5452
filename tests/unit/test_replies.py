"""Replies: tokens, the fresh text of a reply, and the answer in it.

The property that matters most: no reply that is not a clear consent is read as yes.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbroker import mailtext
from mailbroker.model import Answer
from mailbroker.replies import Reply, classify, fresh_text, read_reply, reply_tokens

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "replies"
CORPUS = Path(os.environ.get("MAILBROKER_CORPUS", Path(__file__).resolve().parents[3] / "shared" / "corpus"))
BROKER = "intro@broker.test"

YES, NO, STOP, UNCLEAR = Answer.YES, Answer.NO, Answer.STOP, Answer.UNCLEAR


def load(name: str):
    return mailtext.parse((FIXTURES / name).read_bytes())


# --- Whole replies ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, answer, note",
    [
        ("gmail_en_yes_with_note.eml", YES, "I lead the litigation team at Globex, happy to talk."),
        ("gmail_fr_oui.eml", YES, ""),
        ("iphone_sure.eml", YES, ""),
        ("no_problem_happy_to.eml", YES, ""),
        ("signature_yes_please.eml", YES, "John sounds great."),
        ("outlook_html_oui.eml", YES, "Je connais bien le secteur de Jean."),
        ("no_thanks.eml", NO, "I'm not taking on mentees right now."),
        ("non_merci_outlook_fr.eml", NO, "je ne prends plus de nouveaux clients cette année."),
        ("not_interested_outlook_en.eml", NO, "sorry."),
        ("stop_fr.eml", STOP, "Merci de ne plus me contacter."),
    ],
)
def test_read_reply_fixtures(name, answer, note):
    reply = read_reply(load(name))
    assert isinstance(reply, Reply)
    assert (reply.answer, reply.note) == (answer, note)
    assert ">" not in reply.fresh_text
    assert "wrote" not in reply.fresh_text and "écrit" not in reply.fresh_text


def test_unclear_reply_keeps_the_whole_fresh_text_as_note():
    reply = read_reply(load("question_unclear.eml"))
    assert reply.answer is UNCLEAR
    assert reply.note == reply.fresh_text
    assert "who is John exactly?" in reply.note
    assert "Reply yes or no" not in reply.fresh_text


def test_signature_and_phone_footer_are_not_fresh_text():
    assert read_reply(load("signature_yes_please.eml")).fresh_text == "Yes please, John sounds great."
    assert read_reply(load("iphone_sure.eml")).fresh_text == "Sure!"
    assert read_reply(load("stop_fr.eml")).fresh_text == "Merci de ne plus me contacter."


# --- Tokens -------------------------------------------------------------------------------------------


def _headers(**headers) -> mailtext.EmailMessage:
    raw = "".join(f"{k.replace('_', '-')}: {v}\n" for k, v in headers.items()) + "\nhi\n"
    return mailtext.parse(raw.encode())


def test_token_from_delivered_to():
    msg = _headers(Delivered_To="intro+Kq3vT9xWmZp2@broker.test", To="Someone <someone@else.test>")
    assert reply_tokens(msg, BROKER) == ["Kq3vT9xWmZp2"]


def test_tokens_from_the_envelope_and_to_once_in_order_never_from_cc():
    msg = _headers(
        Delivered_To="intro+AAAAbbbb1111@broker.test",
        X_Original_To="intro+AAAAbbbb1111@broker.test",
        To='"Intro" <INTRO+CCCCdddd2222@Broker.TEST>',
        Cc="other <intro+EEEE_ffff-33@broker.test>, x@y.test",
    )
    assert reply_tokens(msg, BROKER) == ["AAAAbbbb1111", "CCCCdddd2222"]


def test_only_the_topmost_delivered_to_counts():
    raw = (b"Delivered-To: intro@broker.test\nDelivered-To: intro+ZZZZzzzz9999@broker.test\n"
           b"To: intro@broker.test\n\nhi\n")
    assert reply_tokens(mailtext.parse(raw), BROKER) == []


@pytest.mark.parametrize(
    "address",
    [
        "intro+short@broker.test",  # fewer than 8 characters
        "intro+bad$token99@broker.test",  # characters outside [A-Za-z0-9_-]
        "intro+Kq3vT9xWmZp2@other.test",  # another domain
        "introx+Kq3vT9xWmZp2@broker.test",  # another local part
        "intro@broker.test",  # no token
    ],
)
def test_tokens_ignored(address):
    assert reply_tokens(_headers(To=address), BROKER) == []


def test_token_with_a_tagged_broker_address():
    assert reply_tokens(_headers(To="intro+Kq3vT9xWmZp2@broker.test"), "intro+ignored@broker.test") == ["Kq3vT9xWmZp2"]


# --- Fresh text ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, fresh",
    [
        ("Yes please\n\nOn Tue, Apr 2, 2024 at 10:31 AM Intro <intro@b.test> wrote:\n> question", "Yes please"),
        # wrapped over two and three lines
        ("Yes\n\nOn Tue, Apr 2, 2024 at 10:31 AM Intro Broker <intro@b.test>\nwrote:\n\n> question", "Yes"),
        ('Oui\n\nLe 4 janv. 2016 19:03, "Intro Broker"\n<intro@b.test>\na écrit :\n\n> question', "Oui"),
        ("Oui avec plaisir\n\nLe mar. 2 avr. 2024 à 10:31, Intro <intro@b.test> a écrit :\n> q", "Oui avec plaisir"),
        ("Sounds good.\nOn Tue, 3 May 2022, Jane <j@x.test> wrote:\n> q", "Sounds good."),
        ("Ja\n\nAm 28.10.2021 um 12:46 schrieb Intro <intro@b.test>:\n> q", "Ja"),
        ("Yes\n\n---- On Tue, 22 Dec 2015 14:17:36 +0530 Intro <intro@b.test> wrote ----\nq", "Yes"),
        # Outlook blocks, English and French, with and without the rule above them
        ("No thanks\n\nFrom: Intro <intro@b.test>\nSent: Tuesday, April 2, 2024 10:31 AM\nTo: x\nSubject: q\n\nq", "No thanks"),
        ("Non\n\n________________________________\nDe : Intro <intro@b.test>\nEnvoyé : mardi 2 avril\nÀ : x\nObjet : q\n\nq", "Non"),
        ("Non\n\nDe : Intro<mailto:intro@b.test>\nEnvoyé le :jeudi 15 décembre 2016 09:35\nÀ : x\n\nq", "Non"),
        ("OK\n\n-----Original Message-----\nFrom: Intro\nq", "OK"),
        ("D'accord\n\n-------- Message d'origine --------\nDe : A B C <abc@abc.org>\nq", "D'accord"),
        ("Sure\n\n---------- Forwarded message ---------\nFrom: x <x@x.test>\nq", "Sure"),
        ("Sure\n\nBegin forwarded message:\n\n> From: x <x@x.test>", "Sure"),
        # quotes, signatures, footers
        ("> quoted first\nYes from me\n> more quote", "Yes from me"),
        ("Yes please\n-- \nJane Doe\nCEO", "Yes please"),
        ("Yes please\n--\nJane Doe", "Yes please"),
        ("Sure!\n\nSent from my iPhone", "Sure!"),
        ("Avec plaisir\n\nEnvoyé de mon iPhone", "Avec plaisir"),
        ("Oui\n\nEnvoyé à partir de Outlook pour iOS<https://aka.ms/o0ukef>\n____\nFrom: x", "Oui"),
        ("Yes\r\n\r\nGet Outlook for Android", "Yes"),
        # a dash in a sentence is not a signature
        ("Yes -- absolutely, go ahead.", "Yes -- absolutely, go ahead."),
        # bottom-posted: nothing above the quote
        ("On Tue, Apr 2, 2024 at 10:31 AM Intro <intro@b.test> wrote:\n> Would you?\n\nYes, happy to.\n\n-- \nJane", "Yes, happy to."),
        ("", ""),
        ("   \n\n", ""),
    ],
)
def test_fresh_text(text, fresh):
    assert fresh_text(text) == fresh


# --- Classification: the labelled table ----------------------------------------------------------------

LABELLED = [
    # English yes
    ("yes", YES), ("Yes!", YES), ("Yes please", YES), ("yes, please", YES), ("YES", YES), ("Yep", YES),
    ("Sure", YES), ("Sure thing!", YES), ("Of course", YES), ("Happy to!", YES), ("Happy to help", YES),
    ("ok", YES), ("Okay", YES), ("OK, sounds good", YES), ("Absolutely!", YES), ("Definitely", YES),
    ("I'd be happy to meet him.", YES), ("I would love to", YES), ("Go ahead", YES), ("Please do", YES),
    ("Count me in", YES), ("👍", UNCLEAR), ("Hi Claire,\n\nYes, happy to.\n\nBest,\nJane", YES),
    ("Thanks for thinking of me, yes!", YES), ("Oh yes!", YES), ("No problem, happy to!", YES),
    ("No worries, go ahead", YES), ("Yes — I lead the litigation team at X", YES),
    ("Yes! When should we meet?", YES),
    # French yes
    ("Oui", YES), ("oui !", YES), ("Oui avec plaisir", YES), ("Oui, avec plaisir !", YES), ("D'accord", YES),
    ("D’accord, volontiers.", YES), ("Avec plaisir", YES), ("Volontiers", YES), ("OK pour moi", YES),
    ("Bien sûr !", YES), ("Je veux bien", YES), ("Ça marche", YES), ("Allez-y", YES),
    ("Non, pas de souci, allez-y", YES), ("Bonjour, oui volontiers", YES), ("Pas de problème, avec plaisir", YES),
    ("Oui merci, je connais bien son travail.", YES), ("Parfait, merci !", UNCLEAR), ("Super !", UNCLEAR),
    ("Great, thanks!", UNCLEAR), ("I'd like that.", YES),
    # a yes with a constraint on timing or form is a yes; the constraint is its note
    ("Yes but not before May", YES), ("Yes, but only after the 15th.", YES), ("Sure, but by email please.", YES),
    ("Oui, mais pas avant juin.", YES), ("Oui mais plutôt la semaine prochaine", YES), ("Sure, why not?", YES),
    ("Très volontiers !", YES), ("Yeah, go for it.", YES),
    # English no
    ("no", NO), ("No.", NO), ("No thanks", NO), ("No, thank you", NO), ("Nope", NO), ("not interested", NO),
    ("Not interested, sorry.", NO), ("I'd rather not", NO), ("Not now", NO), ("Not right now, maybe later", NO),
    ("I'll pass", NO), ("Thanks, but no.", NO), ("Definitely not", NO), ("Of course not", NO),
    ("Unfortunately not, I'm swamped.", NO), ("I don't want to be introduced.", NO), ("👎", NO),
    ("Well, no.", NO), ("Not a good time, sorry", NO), ("Not really", NO), ("Pass.", NO), ("Pas vraiment", NO),
    # French no
    ("Non", NO), ("Non merci", NO), ("non, merci", NO), ("Pas intéressé", NO), ("Pas intéressée, désolée", NO),
    ("Pas pour le moment", NO), ("Pas maintenant", NO), ("Je préfère ne pas", NO), ("Je ne veux pas", NO),
    ("Pas d'accord", NO), ("Bien sûr que non", NO), ("Malheureusement non", NO), ("Ce n'est pas le bon moment", NO),
    ("Merci mais non", NO), ("I'm afraid not.", NO), ("I'd prefer not to.", NO), ("Please decline on my behalf.", NO),
    ("Désolé, ce sera non.", NO), ("Merci, mais je vais décliner.", NO), ("I don't think so.", NO),
    # stop
    ("Stop", STOP), ("STOP.", STOP), ("unsubscribe", STOP), ("Please remove me from your list", STOP),
    ("Never contact me again.", STOP), ("Don't contact me again", STOP), ("Ne plus me contacter", STOP),
    ("Merci de ne plus me contacter.", STOP), ("Désabonnez-moi", STOP), ("Me désinscrire svp", STOP),
    ("No. Stop emailing me.", STOP), ("Arrêtez", STOP), ("Veuillez me retirer de votre liste.", STOP),
    ("Je ne veux plus recevoir ces messages.", STOP), ("Désinscription", STOP), ("Non. Et ne me recontactez plus.", STOP),
    # unclear: doubt, conditions, questions, mixed, nothing; praise alone ("Great, thanks!")
    # acknowledges as much as it agrees
    ("", UNCLEAR), ("Hi Claire,", UNCLEAR), ("Thanks!", UNCLEAR), ("Merci", UNCLEAR), ("Maybe", UNCLEAR),
    ("Maybe later", UNCLEAR), ("I'm not sure", UNCLEAR), ("Not sure yet", UNCLEAR), ("Let me think about it", UNCLEAR),
    ("Who is this?", UNCLEAR), ("Yes?", UNCLEAR), ("Sure, who is she?", UNCLEAR), ("Sure, but who is John exactly?", UNCLEAR),
    ("Can you tell me more about him?", UNCLEAR), ("Yes if he pays for lunch", UNCLEAR),
    ("I'd love to but I'm too busy right now", UNCLEAR), ("Yes. Stop sending me these though", UNCLEAR),
    ("Yes and no", UNCLEAR), ("No problem", YES), ("I'm sure it'll be fine", UNCLEAR),
    ("I can stop by next week", UNCLEAR), ("Peut-être", UNCLEAR), ("Je ne suis pas sûr", UNCLEAR),
    ("Oui mais qui est-ce ?", UNCLEAR), ("Je vais réfléchir", UNCLEAR), ("Ça dépend de ce qu'il cherche", UNCLEAR),
    ("Pourquoi pas, mais de quoi s'agit-il ?", UNCLEAR), ("Oui, si ça peut l'aider", UNCLEAR),
    ("Je reviens vers vous la semaine prochaine", UNCLEAR), ("Who are you and how did you get my address?", UNCLEAR),
    ("I am out of the office until Monday.", UNCLEAR), ("I don't know him.", UNCLEAR),
    ("Ok but what is this about?", UNCLEAR), ("Non... enfin, peut-être, avec plaisir ?", UNCLEAR),
    ("I'm happy to pass", UNCLEAR), ("There is no rush, happy to help", YES), ("Yes, no rush", YES), ("Thanks, I'm good", UNCLEAR), ("I'm fine, thanks", UNCLEAR),
    ("Sure, I'd rather not though", UNCLEAR), ("OK mais pas maintenant", UNCLEAR), ("Oui, enfin non", UNCLEAR),
    ("Great question, who is he?", UNCLEAR), ("Happy to help if I can", UNCLEAR),
    # a "but" that is not a constraint is still a doubt; sarcasm and a dangling "not" are no yes
    ("Yes, but not now", UNCLEAR), ("Yes, but after I hear more about him", UNCLEAR), ("Yes, but only if he pays", UNCLEAR),
    ("sure... not", UNCLEAR), ("Yes. NOT.", UNCLEAR), ("Yeah, right.", UNCLEAR), ("Ouais, c'est ça.", UNCLEAR),
    ("Oui, mais pas maintenant", UNCLEAR), ("Sure, why me?", UNCLEAR), ("Oui... enfin non.", UNCLEAR),
    ("Okay... who?", UNCLEAR), ("Sure... or not.", UNCLEAR), ("Avec plaisir... ou pas.", UNCLEAR),
    ("YES!!! (just kidding)", UNCLEAR), ("Sure, as long as it's quick", UNCLEAR), ("Yes please don't", UNCLEAR),
    ("Oui, sous réserve de mon agenda", UNCLEAR), ("Yes. I wonder if he's the right person.", UNCLEAR),
    ("I'm in Paris next week.", UNCLEAR), ("I'm in, who is he?", UNCLEAR),
    # a condition: unclear in the sentence of the yes or opening a sentence of its own
    ("Yes. If he pays for lunch.", UNCLEAR), ("Oui. Si c'est rapide.", UNCLEAR), ("Sure. Unless he's a recruiter.", UNCLEAR),
    ("Maybe. Call me if needed.", UNCLEAR),
    # …but inside a later sentence, after the yes, it is about logistics
    ("Yes. Let me know if he wants my number.", YES), ("Oui. Appelez-moi si besoin.", YES),
    ("Yes please. My mobile is +44 7700 900123 if he prefers to call.", YES),
    ("Yes. I'm in Paris next week if he wants coffee.", YES), ("I'm in!", YES), ("I don't mind, go ahead", YES),
    ("Let's do it!", YES), ("Pas question.", NO), ("Not a chance.", NO), ("I guess not", NO), ("Please don't.", NO),
    ("I'll have to decline, sorry.", NO), ("Thanks, but I'm not taking new intros right now.", NO),
    ("Je préfère décliner, merci.", NO), ("Do not email me again.", STOP),
    (
        "Thanks for your message. I have been thinking about what you wrote and about the "
        "project in general, and I wonder whether this is the right moment for me, given "
        "everything that is going on at work and at home. I would like to know more about "
        "what John is looking for first. Could you tell me? If it is what I think, then yes.",
        UNCLEAR,
    ),
]


@pytest.mark.parametrize("text, answer", LABELLED)
def test_labelled_replies(text, answer):
    assert classify(text)[0] is answer


def test_labelled_table_is_large_and_has_zero_false_yes():
    assert len(LABELLED) >= 60
    false_yes = [text for text, answer in LABELLED if answer is not YES and classify(text)[0] is YES]
    assert false_yes == []
    languages = {"en": 0, "fr": 0}
    for text, _ in LABELLED:
        languages["fr" if re.search(r"[éèàçù]|\b(oui|non|pas|merci)\b", text, re.I) else "en"] += 1
    assert min(languages.values()) >= 25


@pytest.mark.parametrize(
    "text, note",
    [
        ("Yes — I lead the litigation team at X", "I lead the litigation team at X"),
        ("yes", ""),
        ("Yes, happy to. I run the Paris office.", "I run the Paris office."),
        ("Hi Jean, yes please! I know his work.", "I know his work."),
        ("Bonjour Marie,\nOui, avec plaisir ! Je dirige l'équipe data chez Acme.\nCordialement,\nPaul",
         "Je dirige l'équipe data chez Acme."),
        ("No problem, happy to!", ""),
        ("No thanks. I am happy at Acme.", "I am happy at Acme."),
        ("Yes please\n\nJane Doe\nHead of Data", ""),
        ("Yes, but not before June.", "not before June."),
        ("Oui, mais pas avant juin.", "pas avant juin."),
        ("Sure, happy to connect.", ""),
        ("Absolutely. I'd be glad to talk to him.", ""),
        ("Thanks for thinking of me, yes, please introduce us.", ""),
        ("Yes.\n\nThanks,\nDaniel\n\nThis email is confidential. If you are not the addressee, do not read it.", ""),
        ("Oui, bien sûr !\n\nAlice Martin\nDirectrice juridique\nTél. : 01 23 45 67 89\nwww.northwind.test", ""),
    ],
)
def test_note_is_the_text_without_the_answer(text, note):
    assert classify(text)[1] == note


def test_every_sentence_counts_not_only_the_first():
    text = "Yes, happy to. " + "I lead a team of twelve. " * 10 + "No, really, it is fine."
    assert classify(text)[0] is UNCLEAR
    assert classify("Yes, happy to. " + "I lead a team of twelve. " * 10)[0] is YES


def test_a_yes_buried_in_a_long_text_is_unclear():
    text = "I read your message. " * 20 + "Yes."
    assert classify(text)[0] is UNCLEAR


# --- Properties ---------------------------------------------------------------------------------------

_words = st.sampled_from([
    "yes", "no", "not", "oui", "non", "pas", "sure", "maybe", "stop", "happy to", "d'accord", "problem",
    "?", "!", ",", ".", "\n", "> ", "-- \n", "On Mon, 1 Jan 2024, A <a@b.test> wrote:\n", "Le 1 janv. 2024, A a écrit :\n",
    "From: A <a@b.test>\nSent: x\n", "Sent from my iPhone\n", "👍", "👎", " ", "but", "mais", "never contact me",
])


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_classify_and_fresh_text_never_raise(text):
    fresh = fresh_text(text)
    assert isinstance(fresh, str)
    answer, note = classify(text)
    assert answer in Answer and isinstance(note, str)
    assert classify(fresh)[0] in Answer


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_words, st.text(max_size=8)), max_size=30))
def test_classify_never_raises_on_reply_like_text(pieces):
    text = " ".join(pieces)
    answer, note = classify(fresh_text(text))
    assert answer in Answer


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_words, st.text(max_size=8)), max_size=30), st.sampled_from(["Maybe.", "Not sure.", "Peut-être.", "Who is he?"]))
def test_a_doubt_first_is_never_a_yes(pieces, doubt):
    assert classify(doubt + " " + " ".join(pieces))[0] is not YES


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_read_reply_never_raises_on_arbitrary_bytes(raw):
    msg = mailtext.parse(raw)
    assert read_reply(msg).answer in Answer
    assert isinstance(reply_tokens(msg, BROKER), list)


# --- Public corpora -----------------------------------------------------------------------------------

CRISP_REPLIES = CORPUS / "crisp-oss+email-reply-parser" / "test" / "fixtures"
COMMON_FIRST_FRAGMENT = "Fusce bibendum, quam hendrerit sagittis tempor"


@pytest.mark.skipif(not CRISP_REPLIES.exists(), reason="public corpus not present")
@pytest.mark.parametrize(
    "name",
    ["email_fr_multiline", "email_french_2", "email_french_dash_separator", "email_ios_outlook_fr",
     "email_10", "email_11", "email_tricky_5_mixed_languages"],
)
def test_french_corpus_replies_keep_only_the_first_fragment(name):
    fresh = fresh_text((CRISP_REPLIES / f"{name}.txt").read_text())
    assert fresh.startswith(COMMON_FIRST_FRAGMENT)
    assert fresh.endswith("Fusce sed odio id arcu varius aliquet nec nec nibh.")


TRIMMER = CORPUS / "discourse+email_reply_trimmer" / "test"


@pytest.mark.skipif(not TRIMMER.exists(), reason="public corpus not present")
def test_discourse_trimmer_corpus():
    """discourse's trimmed outputs; it keeps interleaved quotes, which we drop, so a
    handful of its cases differ by design."""
    def norm(text):
        return re.sub(r"\s+", " ", text).strip()

    total = ok = 0
    for email in sorted((TRIMMER / "emails").iterdir()):
        expected = TRIMMER / "trimmed" / email.name
        if expected.exists():
            total += 1
            ok += norm(fresh_text(email.read_text())) == norm(expected.read_text())
    assert ok / total >= 0.8, f"{ok}/{total}"


GITHUB = CORPUS / "github+email_reply_parser"


@pytest.mark.skipif(not GITHUB.exists(), reason="public corpus not present")
@pytest.mark.parametrize(
    "name, fresh",
    [
        ("email_iPhone.txt", "Here is another email"),
        ("email_BlackBerry.txt", "Here is another email"),
        ("email_multi_word_sent_from_my_mobile_device.txt", "Here is another email"),
        ("email_2_1.txt", "Outlook with a reply"),
        ("email_1_4.txt", "Awesome! I haven't had another problem with it."),
        ("correct_sig.txt", "this is an email with a correct -- signature."),
    ],
)
def test_github_reply_corpus(name, fresh):
    assert fresh_text((GITHUB / "test" / "emails" / name).read_text()) == fresh


def test_expected_json_is_readable_when_present():
    path = GITHUB / "EXPECTED_from_tests.json"
    if path.exists():
        assert json.loads(path.read_text())


# --- The List-Unsubscribe link: a subject that is a stop word ------------------------------------------


def _reply(subject: str, body: str):
    msg = mailtext.EmailMessage()
    msg["From"] = "Alice Martin <alice.martin@northwind.test>"
    msg["To"] = "intro+Kq3vT9xWmZp2@broker.test"
    msg["Subject"] = subject
    msg.set_content(body)
    return mailtext.parse(msg.as_bytes())


def test_unsubscribe_link_fixture_is_a_stop():
    reply = read_reply(load("unsubscribe_link_stop.eml"))
    assert (reply.answer, reply.fresh_text) == (STOP, "")


@pytest.mark.parametrize("subject", ["stop", "STOP", "Re: stop", "RE: Stop", "TR: unsubscribe", "désabonner", "Unsubscribe"])
def test_a_stop_subject_without_text_is_a_stop(subject):
    assert read_reply(_reply(subject, "\n")).answer is STOP


@pytest.mark.parametrize(
    "subject, body, answer",
    [
        ("stop", "Yes, happy to.", YES),  # the text says something: it decides
        ("stop", "Who is Bob?", STOP),  # no yes in it: the subject stands
        ("stop", "Yes, but who is Bob?", UNCLEAR),  # a yes in doubt is never made a stop
        ("Re: Introduction to Bob Stone? [K7Q-3XF]", "\n", UNCLEAR),
        ("Re: stop by next week?", "\n", UNCLEAR),
        ("Stopping by", "\n", UNCLEAR),
    ],
)
def test_the_subject_only_speaks_when_the_text_does_not(subject, body, answer):
    assert read_reply(_reply(subject, body)).answer is answer


# --- Quotes without marks: the broker's own lines ------------------------------------------------------


def test_a_request_copied_without_any_quote_mark_is_cut_at_the_brokers_own_lines():
    request = (
        "Hello Alice,\n\nRita Referrer would like to introduce you to Bob Stone (about \"Coffee?\").\n\n"
        "Would you like this introduction? Simply reply to this message:\n\n"
        "  - \"yes\": once Bob Stone agrees too, I will introduce you to each other\n"
    )
    assert fresh_text("Who is he?\n\n" + request) == "Who is he?\n\nHello Alice,"
    assert classify(fresh_text("Who is he?\n\n" + request))[0] is UNCLEAR


@pytest.mark.parametrize(
    "text",
    ["Yes, thank you for your time.", "Oui, de la part de toute l'équipe, merci.", "Yes! Would you like me to call him?"],
)
def test_a_persons_own_sentences_are_never_taken_for_the_brokers(text):
    assert fresh_text(text) == text


# --- Signatures and legal notices -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, fresh",
    [
        ("Yes, happy to.\n\nThis email and any attachments are confidential. If you are not the intended "
         "recipient, do not read it.", "Yes, happy to."),
        ("Oui\n\nCe message et toutes les pièces jointes sont confidentiels. Si vous n'êtes pas destinataire, "
         "merci de ne pas le lire.", "Oui"),
        ("Sure\n\nGesendet: Dienstag, 26. November 2026 um 09:30 Uhr\nVon: Intro <intro@b.test>\nAn: x\n"
         "Betreff: q\n\nq", "Sure"),
        ("No thanks\n\nDate: Tue, 26 Nov 2026 09:30:00 +0100\nFrom: intro@b.test\nTo: x@y.test\nSubject: q\n\nq",
         "No thanks"),
        ("Oui avec plaisir\n\n----- Mail original -----\nDe: \"Intro\" <intro@b.test>\nÀ: x\nObjet: q\n\nq",
         "Oui avec plaisir"),
    ],
)
def test_more_landmarks(text, fresh):
    assert fresh_text(text) == fresh


@pytest.mark.parametrize(
    "text, answer",
    [
        ("Yes\n\nJane Doe\nMob. No.: +44 7700 900123", YES),  # a "No" in the signature is no answer
        ("Yes.\n\nThanks,\nDaniel\n\nIf you are not the intended recipient, do not read this.", YES),
        ("Yes\n\nNot now", UNCLEAR),  # what would be cut as a signature says something: kept
        ("Yes\n\nNot before June", YES),  # kept too: a constraint, the note
    ],
)
def test_signatures_do_not_answer(text, answer):
    assert classify(text)[0] is answer


def test_a_constraint_on_its_own_line_is_the_note_not_a_signature():
    assert classify("Yes\n\nNot before June")[1] == "Not before June"


def test_labelled_set_is_measured_elsewhere():
    """The whole-message labelled set (tests/labelled/replies) is scored by
    mailbroker.accuracy and asserted in test_accuracy.py."""
    assert (Path(__file__).resolve().parents[1] / "labelled" / "replies" / "labels.tsv").exists()


# --- Families of phrasings found by the held-out set (tests/labelled/holdout) ------------------------

HELD_OUT_FAMILIES = [
    # "why not" answers; a negated idiom that consents is one phrase, not a negated yes
    ("Why not!", YES), ("Pourquoi pas !", YES), ("I don't see why not.", YES), ("Why not ask Bob instead?", UNCLEAR),
    # having no objection consents, and so does "no problem" alone, in answer to a yes-or-no question
    ("No objection from me.", YES), ("Aucune objection de ma part.", YES), ("Je n'y vois pas d'inconvénient.", YES),
    ("No objection, but who is he?", UNCLEAR), ("Pas de problème.", YES),
    # asking to be introduced, in so many words
    ("Please introduce us, I'd like that very much.", YES), ("Aucun souci, vous pouvez nous présenter.", YES),
    ("D'acc !", YES), ("Yes, I'm happy to be introduced.", YES),
    # a typed-out elongation, an emoji before the answer
    ("Yesss!", YES), ("Ouiii", YES), ("Nooo", NO), ("🙏 yes", YES), ("❌", NO),
    # "though" joins a constraint like "but"; a free date after a "but" is one too
    ("Yes, though not before the 3rd of March.", YES), ("Yes, though I'm not sure he's the right person", UNCLEAR),
    ("Yes, go ahead. I'm travelling next week but free after the 20th.", YES),
    ("Oui, toutefois pas avant juin.", YES),
    # conditions and hedges in other words: never a yes
    ("Yes, depending on what he wants to discuss.", UNCLEAR), ("Oui, selon ce qu'il cherche.", UNCLEAR),
    ("Yes, on the condition that Rita joins", UNCLEAR), ("Yes pending my manager's approval", UNCLEAR),
    ("Yes, I think so", UNCLEAR), ("Pourquoi pas, je vais voir", UNCLEAR), ("Oui, en fonction de son sujet", UNCLEAR),
    # an out-of-office typed without its headers: its courtesy is no yes
    ("Thank you for your email. I am out of the office and will be happy to respond when I return.", UNCLEAR),
    ("Je suis absente du bureau, je vous répondrai avec plaisir à mon retour.", UNCLEAR),
    # declining in other words
    ("I'll have to say no this time.", NO), ("I'd prefer to skip this one.", NO), ("I'm going to sit this one out.", NO),
    ("Sorry, I can't", NO), ("Too busy right now", NO), ("I respectfully decline", NO), ("I'll give it a miss", NO),
    ("I'm not the right person, sorry", NO), ("Je préfère m'abstenir.", NO), ("Pas le temps, désolé.", NO),
    ("Je ne donnerai pas suite, merci.", NO), ("Merci mais ce ne sera pas possible.", NO),
    ("Je vais passer mon tour cette fois.", NO), ("Je dois refuser", NO), ("Ce n'est pas le moment", NO),
    ("lol no", NO),
    # never again, in other words
    ("Don't ever email me again.", STOP), ("Stop spamming me", STOP), ("Delete my data", STOP), ("remove", STOP),
    ("Je ne veux plus être contacté", STOP), ("Retirez mon adresse", STOP), ("C'est du spam", STOP),
]


@pytest.mark.parametrize("text, answer", HELD_OUT_FAMILIES)
def test_held_out_families(text, answer):
    assert classify(text)[0] is answer


@pytest.mark.parametrize(
    "text, note",
    [
        ("Hello,\n\nYes, I'm happy to be introduced. I spent ten years in logistics.\n\nKind regards,\nGrace",
         "I spent ten years in logistics."),
        ("Not a problem at all, happy to.", ""),
        ("Please introduce us, I'd like that very much.", ""),
        ("Yes, though not before March.", "not before March."),
    ],
)
def test_held_out_notes(text, note):
    assert classify(text) == (YES, note)


@pytest.mark.parametrize(
    "banner",
    [
        "CAUTION: This email originated from outside of the organization. Do not click links or open\n"
        "attachments unless you recognize the sender.",
        "ATTENTION : Ce courriel provient d'un expéditeur externe. Ne cliquez pas sur les liens.",
    ],
)
def test_an_external_sender_banner_is_not_fresh_text(banner):
    text = f"{banner}\n\nYes, happy to.\n\nOn Tue, Nov 24, 2026 at 9:30 AM Introductions <intro@example.test> wrote:\n> Hello"
    assert fresh_text(text) == "Yes, happy to."
    assert fresh_text("[EXTERNAL] Yes please\n\n> Hello") == "Yes please"


def test_a_disclaimer_that_may_contain_is_cut():
    text = "Yes please.\n\nThis message may contain confidential information. If you are not the addressee, delete it."
    assert fresh_text(text) == "Yes please."
