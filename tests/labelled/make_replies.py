"""Writes tests/labelled/replies/: parties' answers to the broker's consent request.

Run `python tests/labelled/make_replies.py` to regenerate; the .eml files and
labels.tsv are committed, so that every sample can be read and reviewed as mail.

Each sample is an answer (what the person typed, in English or French) written with one
mail client's habits: where the quote goes and how it is introduced ("On … wrote:",
"Le … a écrit :", Outlook's "From:/Sent:" or "De :/Envoyé :" block, "-----Original
Message-----", Yahoo's unmarked indented quote, Apple's `<blockquote type="cite">`),
which parts are sent (plain + HTML, HTML only), which charset and transfer encoding,
the phone footer, the signature. The quoted part is the broker's real consent request,
which itself contains the words yes/no/oui/non: a reader that does not strip the quote
right reads the question as the answer.

Labels (labels.tsv): file, answer (yes/no/stop/unclear), note (for yes: what the person
added besides the answer and courtesy, compared loosely), client, language.
"""

from __future__ import annotations

import datetime
import hashlib
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

from _mime import address, esc, header_text, html_divs, html_lines, leaf, message, multipart, quote_plain

OUT = Path(__file__).resolve().parent / "replies"
BROKER = "intro@example.test"
DOMAIN = "example.test"


# --- Who writes to whom -------------------------------------------------------------------------

PARTIES = [
    ("Alice Martin", "alice.martin@northwind.test"),
    ("Sophie Moreau", "sophie.moreau@cabinet-moreau.test"),
    ("Jean-Luc Bérard", "jl.berard@orange-mail.test"),
    ("Priya Natarajan", "priya@lumen.test"),
    ("Tom O'Brien", "tobrien@harbour.test"),
    ("Hélène Faure", "helene.faure@gmail.test"),
    ("Marcus Webb", "marcus.webb@yahoo.test"),
    ("Chloé Lambert", "c.lambert@lambert-avocats.test"),
    ("Daniel Kim", "dkim@fastmail.test"),
    ("Amélie Rousseau", "amelie.rousseau@free.test"),
    ("Grace Liu", "grace.liu@outlook.test"),
    ("François Nguyen", "francois.nguyen@laposte.test"),
]
OTHERS = ["Bob Stone", "Karim Haddad", "Léa Girard", "Nathan Cole", "Inès Dubois", "Oliver Grant"]
REFERRERS = ["Rita Referrer", "Claire Martin", "Paul Durand", "Émilie Petit"]
TOPICS_EN = ["Advice on fundraising", "Hiring a data team", "Looking for a lawyer", "Coffee?"]
TOPICS_FR = ["Conseil juridique", "Recherche d'un expert-comptable", "Levée de fonds", "Un café ?"]
CONTEXT_EN = [
    "I worked with {first} at Acme for five years; they are looking for advice on a seed round.",
    "{first} ran our data platform and is now hiring. You two should talk.",
    "",
]
CONTEXT_FR = [
    "Je connais {first} depuis l'école ; on cherche un avocat en droit social.",
    "Nous avons travaillé ensemble chez Acme pendant trois ans.",
    "",
]


@dataclass
class Ask:
    """The consent request being answered."""

    lang: str
    party: tuple[str, str]
    other: str
    referrer: str
    topic: str
    context: str
    ref: str
    token: str
    from_name: str  # how the broker's From shows: "Introductions" or "Rita (via Introductions)"
    message_id: str

    @property
    def reply_address(self) -> str:
        return f"intro+{self.token}@{DOMAIN}"

    @property
    def subject(self) -> str:
        if self.lang == "fr":
            return f"Mise en relation avec {self.other} ? [{self.ref}]"
        return f"Introduction to {self.other}? [{self.ref}]"

    @property
    def first_name(self) -> str:
        return self.party[0].split()[0]

    def text(self) -> str:
        """The consent request as the broker's templates write it."""
        ctx = ""
        if self.lang == "fr":
            if self.context:
                ctx = f"\nSelon {self.referrer} :\n\n> {self.context}\n"
            return (
                f"Bonjour {self.first_name},\n\n"
                f"{self.referrer} souhaite vous mettre en relation avec {self.other} "
                f"(au sujet de « {self.topic} »).\n{ctx}\n"
                "Souhaitez-vous cette mise en relation ? Il suffit de répondre à ce message :\n\n"
                f"  - « oui » : dès que {self.other} aura accepté aussi, je vous présenterai\n"
                f"    l'un à l'autre par e-mail, avec {self.referrer} en copie. Ce que vous\n"
                "    ajoutez après votre oui (un mot sur vous, une contrainte de calendrier)\n"
                "    figurera dans la présentation.\n"
                "  - « non » : les choses en restent là. Personne n'apprendra autre chose\n"
                "    que le fait qu'elle n'a pas lieu, et rien d'autre n'est attendu de vous.\n\n"
                "Votre adresse n'est communiquée à personne avant que vous ayez tous deux dit oui.\n\n"
                f"Introductions, de la part de {self.referrer}\n"
                f"Référence {self.ref}"
            )
        if self.context:
            ctx = f"\nIn {self.referrer}'s words:\n\n> {self.context}\n"
        return (
            f"Hello {self.first_name},\n\n"
            f"{self.referrer} would like to introduce you to {self.other} (about \"{self.topic}\").\n{ctx}\n"
            "Would you like this introduction? Simply reply to this message:\n\n"
            f"  - \"yes\": once {self.other} agrees too, I will introduce you to each other\n"
            f"    by email, with {self.referrer} in copy. Anything you add after your yes\n"
            "    (a line about yourself, a constraint on timing) goes into the introduction.\n"
            "  - \"no\": that is the end of it. Nobody is told more than that it is not\n"
            "    going ahead, and nothing else is expected of you.\n\n"
            "Your address is not shared with anyone before you both say yes.\n\n"
            f"Introductions, on behalf of {self.referrer}\n"
            f"Reference {self.ref}"
        )


@dataclass
class Sample:
    name: str  # a short slug for the file name
    lang: str
    fresh: str  # what the person typed ("" = nothing above the quote)
    answer: str
    note: str = ""
    subject: str | None = None  # a subject of the person's own (List-Unsubscribe "stop")


# --- The answers: what people type -----------------------------------------------------------------

Y, N, S, U = "yes", "no", "stop", "unclear"

EN = [
    # yes
    ("Yes", Y, ""), ("Yes!", Y, ""), ("yes please", Y, ""), ("Yes, please go ahead.", Y, ""),
    ("Yep, happy to.", Y, ""), ("Sure!", Y, ""), ("Sure, happy to connect.", Y, ""),
    ("Of course, happy to help.", Y, ""), ("Absolutely. I'd be glad to talk to him.", Y, ""),
    ("Happy to!", Y, ""), ("I'd be happy to meet him.", Y, ""), ("Count me in.", Y, ""),
    ("Sounds good, go ahead.", Y, ""), ("OK", Y, ""), ("Ok, works for me.", Y, ""),
    ("Definitely, thanks for thinking of me.", Y, ""), ("Yes 👍", Y, ""),
    # An emoji alone may only say "received": careful readers disagree on it, so it is unclear.
    ("👍", U, ""),
    ("With pleasure.", Y, ""), ("Please do!", Y, ""), ("Go ahead and introduce us.", Y, ""),
    ("Yes — I lead the litigation team at Hartley & Co.", Y, "I lead the litigation team at Hartley & Co."),
    ("Yes, happy to. I run the Paris office of Acme and know the market well.", Y,
     "I run the Paris office of Acme and know the market well."),
    ("Sure thing. For context: I'm the CTO at Lumen, we're hiring two data engineers.", Y,
     "For context: I'm the CTO at Lumen, we're hiring two data engineers."),
    ("Yes, but not before June.", Y, "not before June."),
    ("Yes, but only after the 15th, I'm travelling until then.", Y, "only after the 15th, I'm travelling until then."),
    ("Yes! When would suit him?", Y, "When would suit him?"),
    ("No problem, happy to!", Y, ""), ("No worries, go ahead.", Y, ""),
    ("Hi Rita,\n\nYes, I'd be happy to speak with him.\n\nBest,\nAlice", Y, ""),
    ("Thanks for thinking of me, yes, please introduce us.", Y, ""),
    ("Yes. I know his company well, we met at a conference in 2023.", Y,
     "I know his company well, we met at a conference in 2023."),
    ("Definitely! Looking forward to it.", Y, ""),
    ("Yes please. My mobile is +44 7700 900123 if he prefers to call.", Y,
     "My mobile is +44 7700 900123 if he prefers to call."),
    ("Sure, why not.", Y, ""), ("Yes, of course. We actually met briefly last year.", Y, "We actually met briefly last year."),
    ("Yes, I'm interested.", Y, ""),
    ("Yes please!\n\nAlice Martin\nHead of Legal | Northwind\n+33 6 12 34 56 78\nwww.northwind.test", Y, ""),
    ("Yes.\n\nThanks,\nDaniel\n\nThis email and any attachments are confidential and intended solely for the "
     "addressee. If you are not the intended recipient, please notify the sender and do not copy or "
     "distribute it.", Y, ""),
    ("Yeah, go for it.", Y, ""), ("Sounds great, thank you!", Y, ""), ("I'm in!", Y, ""),
    ("Great, please connect us.", Y, ""), ("Oh yes, definitely.", Y, ""), ("Yes, sure.", Y, ""),
    ("YES", Y, ""), ("Yes, happy to be introduced.", Y, ""),
    ("Hello,\n\nThat would be great, thank you. I have been meaning to talk to someone in his field.\n\nKind regards,\nGrace",
     Y, "I have been meaning to talk to someone in his field."),
    # no
    ("No", N), ("No thanks.", N), ("No, thank you.", N), ("Not interested, sorry.", N), ("I'd rather not.", N),
    ("I'll pass, thanks.", N), ("Not now, sorry, I'm swamped until the end of the year.", N),
    ("Thanks for thinking of me, but I'll pass.", N), ("Unfortunately I can't take this on right now.", N),
    ("👎", N), ("Nope.", N), ("Not at this time.", N), ("I'm not interested in being introduced, thanks.", N),
    ("Thanks but no thanks.", N), ("Not for me, sorry.", N), ("I'm afraid not.", N), ("Sorry, no.", N),
    ("I don't think so.", N), ("Not right now, maybe in a few months.", N),
    ("No, I don't know Rita well enough for this.", N), ("Please decline on my behalf.", N),
    ("I'm going to pass on this one.", N), ("I'd prefer not to.", N),
    ("Thanks, but I'm not looking to meet anyone at the moment.", N),
    ("No problem with the request itself, but I'd rather not.", N), ("Now is not a good time, sorry.", N),
    ("No. I don't do introductions with people I don't know.", N),
    # stop
    ("Stop", S), ("STOP", S), ("Unsubscribe", S), ("Please remove me from your list.", S),
    ("Please don't contact me again.", S), ("Never contact me again.", S), ("Take me off your mailing list.", S),
    ("Stop emailing me.", S), ("I never signed up for this. Remove me.", S), ("Opt me out, please.", S),
    ("No. And please don't contact me again.", S), ("Please stop sending me these emails.", S),
    # unclear
    ("Who is Bob?", U), ("What is this about?", U), ("Who are you?", U), ("Can you tell me more about him first?", U),
    ("How do you know Rita?", U), ("Is this a sales pitch?", U), ("yes no maybe", U), ("sure... not", U),
    ("Maybe later.", U), ("Let me think about it.", U), ("Not sure.", U), ("I'll get back to you next week.", U),
    ("Possibly. What does he do exactly?", U), ("Yes and no.", U), ("Yeah, right.", U), ("", U), ("Thanks!", U),
    ("Sure, but who is he exactly?", U), ("I'd love to but I'm too busy right now.", U), ("Yes if he pays for lunch.", U),
    ("Hmm, I'm not sure I'm the right person for this.", U), ("Sorry, who?", U), ("Do I know him?", U),
    ("Can we talk about it on the phone first?", U), ("Yes please remove me from this list", U),
    # a second batch, written after the readers were tuned on the first
    ("Yes, I'd be delighted.", Y, ""), ("Sure — send it over.", Y, ""), ("Happy to make time for him.", Y, ""),
    ("Absolutely, loop us in.", Y, ""), ("Yep, fine by me.", Y, ""), ("Of course! Any friend of Rita's.", Y, "Any friend of Rita's."),
    ("Yes. I'm in Paris next week if he wants coffee.", Y, "I'm in Paris next week if he wants coffee."),
    ("Thanks Rita — yes, I'd like that.", Y, ""), ("I'd be glad to help.", Y, ""), ("Please go ahead, thanks.", Y, ""),
    ("No, sorry.", N), ("I'll have to decline, sorry.", N), ("Not this time, thanks.", N),
    ("Thanks, but I'm not taking new intros right now.", N), ("Nah, I'm good.", N), ("No thanks, I'm fully booked.", N),
    ("Please unsubscribe me.", S), ("Remove me from these emails please.", S), ("Do not contact me again.", S),
    ("Who gave you my address?", U), ("What does he want?", U), ("Maybe, what's it about?", U),
    ("I'm not sure I'm the right person.", U), ("Yes?? who is this", U), ("Sure if he's not selling anything", U),
    ("Let me check my calendar and get back to you.", U),
]

FR = [
    # oui
    ("Oui", Y, ""), ("Oui !", Y, ""), ("oui merci", Y, ""), ("Oui, avec plaisir.", Y, ""), ("Avec plaisir !", Y, ""),
    ("Volontiers.", Y, ""), ("Très volontiers !", Y, ""), ("D'accord.", Y, ""), ("D’accord, allez-y.", Y, ""),
    ("OK pour moi.", Y, ""), ("Bien sûr, allez-y.", Y, ""), ("Ça marche !", Y, ""), ("Pas de souci, allez-y.", Y, ""),
    ("Non, pas de souci, allez-y", Y, ""), ("Oui, je veux bien.", Y, ""), ("Je suis partante !", Y, ""),
    ("Oui — je dirige le pôle contentieux chez Lambert Avocats.", Y, "je dirige le pôle contentieux chez Lambert Avocats."),
    ("Oui, mais pas avant juin.", Y, "pas avant juin."),
    ("Oui avec grand plaisir, je connais bien son secteur.", Y, "je connais bien son secteur."),
    ("Bonjour Rita,\n\nOui, avec plaisir.\n\nBien cordialement,\nAlice", Y, ""),
    ("C'est d'accord pour moi.", Y, ""), ("Aucun problème, avec plaisir.", Y, ""), ("Oui, ça m'intéresse.", Y, ""),
    ("Oui, pourquoi pas.", Y, ""), ("Oui, sans problème.", Y, ""), ("Carrément !", Y, ""),
    ("Oui bien sûr. Je travaille avec des fintechs depuis dix ans.", Y, "Je travaille avec des fintechs depuis dix ans."),
    ("Entendu, vous pouvez nous mettre en relation.", Y, ""), ("Avec joie !", Y, ""), ("OK 👍", Y, ""),
    ("Oui merci, je serais ravie d'échanger avec lui.", Y, ""),
    ("Oui. Je suis disponible à partir du 15 janvier.", Y, "Je suis disponible à partir du 15 janvier."),
    ("Oui, mais seulement après le 10 mars, je suis en déplacement d'ici là.", Y,
     "seulement après le 10 mars, je suis en déplacement d'ici là."),
    ("Absolument, merci de penser à moi.", Y, ""), ("Parfait, allez-y !", Y, ""),
    ("Oui, bien sûr !\n\nAlice Martin\nDirectrice juridique\nTél. : 01 23 45 67 89", Y, ""),
    ("Ravie de la rencontrer !", Y, ""), ("Je veux bien, merci !", Y, ""),
    ("Bonjour,\n\nAvec plaisir. Je connais bien ce domaine, j'y ai travaillé quinze ans.\n\nCordialement,\nFrançois Nguyen",
     Y, "Je connais bien ce domaine, j'y ai travaillé quinze ans."),
    # non
    ("Non", N), ("Non merci.", N), ("Non, merci.", N), ("Pas intéressé, merci.", N), ("Pas intéressée.", N),
    ("Pas pour le moment.", N), ("Pas pour l'instant, merci.", N), ("Je préfère ne pas donner suite.", N),
    ("Je ne souhaite pas être mis en relation.", N), ("Merci, mais je vais décliner.", N),
    ("Non merci, je ne prends plus de nouveaux clients.", N), ("Malheureusement non.", N),
    ("Ce n'est pas le bon moment.", N), ("Je passe mon tour.", N), ("Désolé, ce sera non.", N), ("👎", N),
    ("Non, je ne connais pas cette personne.", N), ("Je ne suis pas intéressé.", N), ("Pas maintenant, désolée.", N),
    ("Merci de votre message mais ça ne m'intéresse pas.", N), ("Non, pas pour moi.", N),
    ("Je ne suis pas disponible en ce moment, désolé.", N),
    # stop
    ("Stop", S), ("STOP", S), ("Merci de ne plus me contacter.", S), ("Désabonnez-moi.", S),
    ("Veuillez me retirer de votre liste.", S), ("Je ne veux plus recevoir ces messages.", S),
    ("Ne me contactez plus.", S), ("Supprimez mon adresse de vos fichiers.", S), ("Désinscription", S),
    ("Non. Et ne me recontactez plus.", S),
    # pas clair
    ("Qui est Bob ?", U), ("De quoi s'agit-il ?", U), ("C'est à quel sujet ?", U), ("Peut-être.", U),
    ("Je ne sais pas trop.", U), ("Je vais réfléchir.", U), ("Pouvez-vous m'en dire plus ?", U), ("Oui non peut-être", U),
    ("Je reviens vers vous.", U), ("Pourquoi moi ?", U), ("Oui... enfin non.", U), ("Euh, c'est qui ?", U),
    ("Merci !", U), ("Oui, mais qui est-ce exactement ?", U), ("Bof.", U), ("Ouais, c'est ça.", U),
    ("Oui si c'est rapide.", U), ("Je ne connais pas cette personne qui vous a donné mon adresse ?", U), ("", U),
    # a second batch, written after the readers were tuned on the first
    ("Oui, volontiers !", Y, ""), ("Avec plaisir, merci Rita.", Y, ""), ("D'accord pour moi, allez-y.", Y, ""),
    ("Bien sûr, avec plaisir.", Y, ""), ("Oui, je suis d'accord.", Y, ""), ("Ok ça marche, merci !", Y, ""),
    ("Oui, je serai ravi d'échanger avec lui.", Y, ""),
    ("Non merci, pas le temps en ce moment.", N), ("Je préfère décliner, merci.", N), ("Non, désolée.", N),
    ("Ça ne m'intéresse pas, merci.", N), ("Merci mais non merci.", N),
    ("Merci de me retirer de vos contacts.", S), ("Ne m'écrivez plus.", S), ("STOP merci", S),
    ("C'est qui ?", U), ("Je ne comprends pas, de quoi parlez-vous ?", U), ("Peut-être, je dois voir.", U),
    ("Oui mais c'est pour quoi exactement ?", U), ("Je vous redis.", U),
]


# --- Dates and attributions, as each client writes them ---------------------------------------------

EN_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
FR_DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
FR_MONTHS_SHORT = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
FR_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
             "novembre", "décembre"]
EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"]


@dataclass
class When:
    day: int  # 1..28
    month: int  # 1..12
    hour: int
    minute: int

    @property
    def weekday(self) -> int:
        return datetime.date(2026, self.month, self.day).weekday()

    def en_short(self):  # Tue, Nov 26, 2026 at 9:30 AM
        h = self.hour % 12 or 12
        ampm = "AM" if self.hour < 12 else "PM"
        return f"{EN_DAYS[self.weekday][:3]}, {EN_MONTHS[self.month - 1][:3]} {self.day}, 2026 at {h}:{self.minute:02d}\u202f{ampm}"

    def fr_gmail(self):  # mar. 26 nov. 2026 à 09:30
        return f"{FR_DAYS[self.weekday][:3]}. {self.day} {FR_MONTHS_SHORT[self.month - 1]} 2026 à {self.hour:02d}:{self.minute:02d}"

    def en_outlook(self):  # Tuesday, November 26, 2026 9:30 AM
        h = self.hour % 12 or 12
        ampm = "AM" if self.hour < 12 else "PM"
        return f"{EN_DAYS[self.weekday]}, {EN_MONTHS[self.month - 1]} {self.day}, 2026 {h}:{self.minute:02d} {ampm}"

    def fr_outlook(self):  # mardi 26 novembre 2026 09:30
        return f"{FR_DAYS[self.weekday]} {self.day} {FR_MONTHS[self.month - 1]} 2026 {self.hour:02d}:{self.minute:02d}"

    def numeric(self):  # 26/11/2026 09:30
        return f"{self.day:02d}/{self.month:02d}/2026 {self.hour:02d}:{self.minute:02d}"

    def rfc(self, plus_minutes=0):
        minute = self.minute + plus_minutes
        hour = self.hour + minute // 60
        return (f"{EN_DAYS[self.weekday][:3]}, {self.day} {EN_MONTHS[self.month - 1][:3]} 2026 "
                f"{hour:02d}:{minute % 60:02d}:17 +0100")


# --- The clients --------------------------------------------------------------------------------------


class Writer:
    """What every client needs: the request, the answer, the dates, a random source."""

    def __init__(self, sample: Sample, ask: Ask, when: When, rng: random.Random):
        self.s, self.a, self.w, self.rng = sample, ask, when, rng
        self.fresh = sample.fresh
        self.broker_from = address(ask.from_name, BROKER)  # as shown in a quote header

    @property
    def fr(self) -> bool:
        return self.s.lang == "fr"

    def headers(self, *, subject_prefix="Re: ", mid_domain="mail.example-client.test", extra=()):
        name, addr = self.a.party
        subject = self.s.subject if self.s.subject is not None else subject_prefix + self.a.subject
        mid = hashlib.sha1(f"{self.s.name}{addr}".encode()).hexdigest()[:20]
        heads = [
            ("Return-Path", f"<{addr}>"),
            ("Delivered-To", self.a.reply_address),
            ("MIME-Version", "1.0"),
            ("Date", self.w.rfc(plus_minutes=47)),
            ("Message-ID", f"<{mid}@{mid_domain}>"),
        ]
        if self.s.subject is None:
            heads += [("In-Reply-To", self.a.message_id), ("References", self.a.message_id)]
        heads += [
            ("Subject", header_text(subject)),
            ("From", address(name, addr)),
            ("To", address("Introductions", self.a.reply_address)),
        ]
        return heads + list(extra)


def gmail_attr_en(wr: Writer) -> str:
    return f"On {wr.w.en_short()} {wr.a.from_name} <{BROKER}> wrote:"


def gmail_attr_fr(wr: Writer) -> str:
    return f"Le {wr.w.fr_gmail()}, {wr.a.from_name} <{BROKER}> a écrit :"


def gmail_web(wr: Writer, *, wrap_attr=False, mobile=False, html_only=False) -> bytes:
    """Gmail (web or Android app): text/plain + text/html, the quote in `gmail_quote`."""
    if mobile:
        attr = (f"Le {wr.w.fr_gmail().replace(' à', ',')}, {wr.a.from_name} <{BROKER}> a écrit :" if wr.fr
                else f"On {EN_DAYS[wr.w.weekday][:3]}, {wr.w.day} {EN_MONTHS[wr.w.month - 1][:3]} 2026, "
                     f"{wr.w.hour:02d}:{wr.w.minute:02d} {wr.a.from_name}, <{BROKER}> wrote:")
    else:
        attr = gmail_attr_fr(wr) if wr.fr else gmail_attr_en(wr)
    plain_attr = attr
    if wrap_attr and len(attr) > 76:
        cut = attr.index("<") + 1
        plain_attr = attr[:cut] + "\n" + attr[cut:]
    request = wr.a.text()
    plain = (f"{wr.fresh}\n\n" if wr.fresh else "") + f"{plain_attr}\n\n{quote_plain(request)}\n"
    fresh_html = html_divs(wr.fresh) if wr.fresh else "<br>"
    html = (
        f'<div dir="ltr">{fresh_html}</div><br><div class="gmail_quote gmail_quote_container">'
        f'<div dir="ltr" class="gmail_attr">{esc(attr)}<br></div>'
        '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid '
        f'rgb(204,204,204);padding-left:1ex">{html_lines(request)}</blockquote></div>\n'
    )
    cte = "base64" if (wr.fr and wr.rng.random() < 0.3) else "quoted-printable"
    boundary = "0000000000" + hashlib.md5(wr.s.name.encode()).hexdigest()[:16]
    html_part = leaf("text/html", html, "UTF-8", cte)
    if html_only:
        body = html_part
    else:
        body = multipart("alternative", boundary, [leaf("text/plain", plain, "UTF-8", cte), html_part])
    mid = "mail.gmail.com"
    return message(wr.headers(mid_domain=mid), body)


def outlook_desktop(wr: Writer, *, legacy=False, html_only=False) -> bytes:
    """Outlook for Windows: "From:/Sent:" (or "De :/Envoyé :") block, no `>`, windows-1252."""
    name, addr = wr.a.party
    request = wr.a.text()
    if wr.fr:
        labels = ("De", "Envoyé", "À", "Objet")
        date = wr.w.fr_outlook()
        sep = "-----Message d'origine-----"
    else:
        labels = ("From", "Sent", "To", "Subject")
        date = wr.w.en_outlook()
        sep = "-----Original Message-----"
    colon = " :" if wr.fr else ":"
    sender = f"{wr.a.from_name} [mailto:{BROKER}]" if legacy else f"{wr.a.from_name} <{BROKER}>"
    to = name if legacy else f"{name} <{addr}>"
    block = [f"{labels[0]}{colon} {sender}", f"{labels[1]}{colon} {date}", f"{labels[2]}{colon} {to}",
             f"{labels[3]}{colon} {wr.a.subject}"]
    lead = [sep] if legacy else ["", ""]
    plain = (wr.fresh + "\n\n" if wr.fresh else "\n") + "\n".join(lead + block) + "\n\n" + request + "\n"
    paras = "".join(
        f'<p class="MsoNormal">{esc(line) if line else "<o:p>&nbsp;</o:p>"}<o:p></o:p></p>'
        for line in (wr.fresh.split("\n") if wr.fresh else [""])
    )
    head_html = "<br>\n".join(
        f"<b>{esc(label)}{'&nbsp;:' if wr.fr else ':'}</b> {esc(value.split(colon, 1)[1].strip())}"
        for label, value in zip(labels, block, strict=False)
    )
    html = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta http-equiv="Content-Type" '
        'content="text/html; charset=windows-1252"><style><!-- p.MsoNormal {margin:0cm;font-size:11.0pt;'
        'font-family:"Calibri",sans-serif;} --></style></head>'
        f'<body lang="{"FR" if wr.fr else "EN-US"}" link="#0563C1"><div class="WordSection1">{paras}'
        '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
        f'<p class="MsoNormal"><span lang="{"FR" if wr.fr else "EN-US"}">{head_html}</span></p></div>'
        f'<p class="MsoNormal"><o:p>&nbsp;</o:p></p><p class="MsoNormal">{html_lines(request, "<br>")}</p>'
        "</div></body></html>\n"
    )
    # Outlook writes windows-1252 and often labels it iso-8859-1; UTF-8 when it must.
    if (plain + html).isascii():
        charset, label = "us-ascii", "us-ascii"
    elif _latin(plain + html):
        charset, label = "cp1252", wr.rng.choice(["windows-1252", "iso-8859-1"])
    else:
        charset, label = "utf-8", "utf-8"
    boundary = "_000_" + hashlib.md5(wr.s.name.encode()).hexdigest()[:24].upper() + "_"
    html_part = leaf("text/html", html, charset, "quoted-printable", label=label)
    if html_only:
        body = html_part
    else:
        body = multipart("alternative", boundary,
                         [leaf("text/plain", plain, charset, "quoted-printable", label=label), html_part])
    extra = [("Thread-Topic", header_text(wr.a.subject)), ("Thread-Index", "AQHbP2x1c3RhbmRhcmQ="),
             ("Accept-Language", "fr-FR, en-US" if wr.fr else "en-US"), ("Content-Language", "fr-FR" if wr.fr else "en-US"),
             ("X-MS-Has-Attach", ""), ("X-MS-TNEF-Correlator", "")]
    return message(wr.headers(subject_prefix="RE: ", mid_domain="PAXPR01MB1234.eurprd01.prod.outlook.com", extra=extra), body)


def _latin(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return not text.isascii()


def new_outlook(wr: Writer, *, html_only=False, mobile=False) -> bytes:
    """New Outlook / Outlook on the web (and Outlook for iOS/Android): `divRplyFwdMsg` under a rule."""
    name, addr = wr.a.party
    request = wr.a.text()
    if wr.fr:
        labels, date = ("De", "Envoyé", "À", "Objet"), wr.w.fr_outlook()
    else:
        labels, date = ("From", "Sent", "To", "Subject"), wr.w.en_outlook().replace(" AM", "").replace(" PM", "")
    values = (f"{wr.a.from_name} <{BROKER}>", date, f"{name} <{addr}>", wr.a.subject)
    colon = " :" if wr.fr else ":"
    footer = ""
    if mobile:
        footer = ("Obtenir Outlook pour iOS<https://aka.ms/o0ukef>" if wr.fr else "Get Outlook for iOS<https://aka.ms/o0ukef>")
    fresh_plain = wr.fresh + ("\n\n" + footer if footer else "")
    plain = (fresh_plain + "\n" if fresh_plain else "") + "________________________________\n" + "\n".join(
        f"{label}{colon} {value}" for label, value in zip(labels, values, strict=False)) + "\n\n" + request + "\n"
    fresh_html = "".join(
        f'<div class="elementToProof" style="font-family: Aptos, Aptos_EmbeddedFont, Calibri, Helvetica, '
        f'sans-serif; font-size: 12pt; color: rgb(0, 0, 0);">{esc(line) if line else "<br>"}</div>'
        for line in (wr.fresh.split("\n") if wr.fresh else [""])
    )
    if footer:
        fresh_html += f'<div id="ms-outlook-mobile-signature"><div><br></div>{esc(footer.split("<")[0])}</div>'
    head = "<br>".join(f"<b>{esc(label)}{colon}</b> {esc(value)}" for label, value in zip(labels, values, strict=False))
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><style type="text/css" '
        'style="display:none;"> P {margin-top:0;margin-bottom:0;} </style></head><body dir="ltr">'
        f'{fresh_html}<div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1">'
        f'<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">'
        f'{head}</font><div>&nbsp;</div></div><div class="BodyFragment"><font size="2"><span style="font-size:11pt;">'
        f'<div class="PlainText">{html_lines(request)}</div></span></font></div></body></html>\n'
    )
    boundary = "_000_" + hashlib.md5((wr.s.name + "owa").encode()).hexdigest()[:24].upper() + "_"
    html_part = leaf("text/html", html, "utf-8", "quoted-printable" if wr.rng.random() < 0.7 else "base64")
    if html_only:
        body = html_part
    else:
        body = multipart("alternative", boundary, [leaf("text/plain", plain, "utf-8", "quoted-printable"), html_part])
    extra = [("Thread-Topic", header_text(wr.a.subject)), ("Thread-Index", "AQHbP3b4bmV3b3V0bG9vaw=="),
             ("x-ms-exchange-messagesentrepresentingtype", "1")]
    return message(wr.headers(subject_prefix="RE: ", mid_domain="DB9PR02MB5678.eurprd02.prod.outlook.com", extra=extra), body)


def apple_mail(wr: Writer, *, ios=False) -> bytes:
    """Apple Mail (macOS) and iOS Mail: `> On … wrote:` inside the quote, `<blockquote type="cite">`."""
    request = wr.a.text()
    if wr.fr:
        attr = f"Le {wr.w.day} {FR_MONTHS_SHORT[wr.w.month - 1]} 2026 à {wr.w.hour:02d}:{wr.w.minute:02d}, {wr.a.from_name} <{BROKER}> a écrit :"
        footer = "Envoyé de mon iPhone"
    else:
        attr = (f"On {EN_MONTHS[wr.w.month - 1][:3]} {wr.w.day}, 2026, at {wr.w.hour:02d}:{wr.w.minute:02d}, "
                f"{wr.a.from_name} <{BROKER}> wrote:")
        footer = "Sent from my iPhone"
    lead = "\ufeff" if ios else ""
    parts = []
    if wr.fresh:
        parts.append(wr.fresh)
    if ios:
        parts.append(footer)
    plain = "\n\n".join(parts) + ("\n\n" if parts else "") + quote_plain(f"{attr}\n\n{lead}{request}") + "\n"
    fresh_html = html_divs(wr.fresh) if wr.fresh else ""
    foot_html = f'<div dir="ltr">{esc(footer)}</div>' if ios else ""
    html = (
        '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>'
        '<body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;">'
        f'<div dir="ltr">{fresh_html}</div>{foot_html}<div dir="ltr"><br><blockquote type="cite">'
        f'<div>{esc(attr)}</div><br class="Apple-interchange-newline"><div dir="ltr">{html_lines(lead + request)}</div>'
        "</blockquote></div></body></html>\n"
    )
    boundary = "Apple-Mail-" + hashlib.md5(wr.s.name.encode()).hexdigest()[:8].upper() + "-1234-5678-9ABC"
    body = multipart("alternative", boundary, [
        leaf("text/plain", plain, "utf-8", "quoted-printable"),
        leaf("text/html", html, "utf-8", "quoted-printable"),
    ])
    extra = [("X-Mailer", "iPhone Mail (22B91)" if ios else "Apple Mail (2.3826.200.121)")]
    return message(wr.headers(mid_domain="icloud.test", extra=extra), body)


def thunderbird(wr: Writer, *, bottom=False, html=False) -> bytes:
    """Thunderbird: "On 26/11/2026 09:30, Name wrote:" (no address), format=flowed or HTML."""
    request = wr.a.text()
    if wr.fr:
        attr = f"Le {wr.w.numeric().replace(' ', ' à ')}, {wr.a.from_name} a écrit :"
    else:
        attr = f"On {wr.w.numeric()}, {wr.a.from_name} wrote:"
    quoted = quote_plain(request)
    if bottom:
        plain = f"{attr}\n{quoted}\n\n{wr.fresh}\n" if wr.fresh else f"{attr}\n{quoted}\n"
    else:
        plain = (f"{wr.fresh}\n\n" if wr.fresh else "") + f"{attr}\n{quoted}\n"
    extra = [("User-Agent", "Mozilla Thunderbird"), ("Content-Language", "fr" if wr.fr else "en-GB")]
    if not html:
        body = leaf("text/plain", plain, "UTF-8", "8bit", params="; format=flowed")
        return message(wr.headers(mid_domain="thunderbird.test", extra=extra), body)
    cite = (f'<div class="moz-cite-prefix">{esc(attr)}<br></div><blockquote type="cite" cite="mid:{wr.a.message_id[1:-1]}">'
            f"<pre class=\"moz-quote-pre\" wrap=\"\">{esc(request)}</pre></blockquote>")
    fresh_html = f"<p>{html_lines(wr.fresh)}</p>" if wr.fresh else "<p><br></p>"
    inner = (cite + fresh_html) if bottom else (fresh_html + cite)
    page = ('<!DOCTYPE html>\n<html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head>'
            f"<body>{inner}</body></html>\n")
    boundary = "------------" + hashlib.md5(wr.s.name.encode()).hexdigest()[:24]
    body = multipart("alternative", boundary, [
        leaf("text/plain", plain, "UTF-8", "8bit", params="; format=flowed"),
        leaf("text/html", page, "UTF-8", "8bit"),
    ])
    return message(wr.headers(mid_domain="thunderbird.test", extra=extra), body)


def yahoo(wr: Writer, *, html_only=False) -> bytes:
    """Yahoo Mail: the plain part quotes without `>`, indented; the HTML in `yahoo_quoted`."""
    request = wr.a.text()
    if wr.fr:
        attr = (f"Le {FR_DAYS[wr.w.weekday]} {wr.w.day} {FR_MONTHS[wr.w.month - 1]} 2026 à "
                f"{wr.w.hour:02d}:{wr.w.minute:02d}:12 UTC+1, {wr.a.from_name} <{BROKER}> a écrit :")
    else:
        attr = (f"On {EN_DAYS[wr.w.weekday]}, {EN_MONTHS[wr.w.month - 1]} {wr.w.day}, 2026 at "
                f"{wr.w.hour % 12 or 12:02d}:{wr.w.minute:02d}:12 {'AM' if wr.w.hour < 12 else 'PM'} GMT+1, "
                f"{wr.a.from_name} <{BROKER}> wrote:")
    body_lines = "\n".join(" " + line if line else " " for line in request.split("\n"))
    plain = (f"{wr.fresh}\n\n" if wr.fresh else "") + f"    {attr}  \n \n{body_lines}  \n"
    fresh_html = (f'<div class="ydp3f2c1a5byahoo-style-wrap" style="font-family:Helvetica Neue, Helvetica, Arial, '
                  f'sans-serif;font-size:13px;">{html_divs(wr.fresh) if wr.fresh else "<div><br></div>"}</div>')
    html = (
        f'<html><head></head><body>{fresh_html}<div id="yahoo_quoted_4517365132" class="yahoo_quoted">'
        '<div style="font-family:\'Helvetica Neue\', Helvetica, Arial, sans-serif;font-size:13px;color:#26282a;">'
        f"<div>{esc(attr)}</div><div><br></div><div><br></div>"
        f'<div><div dir="ltr">{html_lines(request)}</div></div></div></div></body></html>\n'
    )
    boundary = "----=_Part_" + str(int(hashlib.md5(wr.s.name.encode()).hexdigest()[:8], 16))
    html_part = leaf("text/html", html, "UTF-8", "quoted-printable")
    if html_only:
        body = html_part
    else:
        body = multipart("alternative", boundary, [leaf("text/plain", plain, "UTF-8", "quoted-printable"), html_part])
    extra = [("X-Mailer", "WebService/1.1.22876 YMailNorrin")]
    return message(wr.headers(mid_domain="mail.yahoo.test", extra=extra), body)


def mutt(wr: Writer, *, interleaved=False) -> bytes:
    """A plain-text client bottom-posting (mutt), or answering between the quoted lines."""
    request = wr.a.text()
    if wr.fr:
        attr = f"Le {FR_DAYS[wr.w.weekday]} {wr.w.day} {FR_MONTHS[wr.w.month - 1]} 2026 à {wr.w.hour:02d}:{wr.w.minute:02d}:17 +0100, {wr.a.from_name} a écrit :"
    else:
        attr = (f"On {EN_DAYS[wr.w.weekday][:3]}, {EN_MONTHS[wr.w.month - 1][:3]} {wr.w.day:02d}, 2026 at "
                f"{wr.w.hour:02d}:{wr.w.minute:02d}:17AM +0100, {wr.a.from_name} wrote:")
    name = wr.a.party[0].split()[0]
    sig = f"\n\n-- \n{name}\n"
    lines = request.split("\n")
    if interleaved:
        ask_at = next(i for i, line in enumerate(lines) if line.startswith(("Would you like", "Souhaitez-vous")))
        top = quote_plain("\n".join(lines[: ask_at + 1]))
        rest = quote_plain("\n".join(lines[ask_at + 1 : ask_at + 4]))
        text = f"{attr}\n{top}\n\n{wr.fresh}\n\n{rest}\n>\n[...]{sig}" if wr.fresh else f"{attr}\n{top}\n{rest}\n"
    else:
        text = f"{attr}\n{quote_plain(request)}\n\n{wr.fresh}{sig}" if wr.fresh else f"{attr}\n{quote_plain(request)}\n"
    cte = "8bit"
    charset = "utf-8"
    if wr.rng.random() < 0.5 and _latin(text):
        charset, cte = "cp1252", "quoted-printable"
    body = leaf("text/plain", text, charset, cte, extra=("Content-Disposition: inline",),
                label="iso-8859-1" if charset == "cp1252" else charset)
    return message(wr.headers(mid_domain="mutt.example.test", extra=[("User-Agent", "Mutt/2.2.12 (2023-09-09)")]), body)


def composed(wr: Writer) -> bytes:
    """A new message written to the reply address (the List-Unsubscribe mailto link)."""
    body = leaf("text/plain", wr.fresh + "\n" if wr.fresh else "\n", "UTF-8", "7bit" if wr.fresh.isascii() else "8bit")
    return message(wr.headers(mid_domain="mail.gmail.com"), body)


CLIENTS = {
    "gmail": gmail_web,
    "gmail_wrapped": lambda wr: gmail_web(wr, wrap_attr=True),
    "gmail_mobile": lambda wr: gmail_web(wr, mobile=True),
    "gmail_html_only": lambda wr: gmail_web(wr, html_only=True),
    "outlook": outlook_desktop,
    "outlook_legacy": lambda wr: outlook_desktop(wr, legacy=True),
    "outlook_html_only": lambda wr: outlook_desktop(wr, html_only=True),
    "new_outlook": new_outlook,
    "owa_html_only": lambda wr: new_outlook(wr, html_only=True),
    "outlook_ios": lambda wr: new_outlook(wr, mobile=True),
    "apple_mail": apple_mail,
    "ios_mail": lambda wr: apple_mail(wr, ios=True),
    "thunderbird": thunderbird,
    "thunderbird_html": lambda wr: thunderbird(wr, html=True),
    "thunderbird_bottom": lambda wr: thunderbird(wr, bottom=True),
    "yahoo": yahoo,
    "yahoo_html_only": lambda wr: yahoo(wr, html_only=True),
    "mutt_bottom": mutt,
    "interleaved": lambda wr: mutt(wr, interleaved=True),
}

# Answers with a signature or a courtesy block of their own are bottom-posted oddly; keep
# them with clients that top-post.
TOP_POSTING = ["gmail", "gmail_wrapped", "gmail_mobile", "outlook", "outlook_legacy", "new_outlook",
               "outlook_ios", "apple_mail", "ios_mail", "thunderbird", "thunderbird_html", "yahoo",
               "gmail_html_only", "outlook_html_only", "owa_html_only", "yahoo_html_only"]


def slug(text: str) -> str:
    import re
    import unicodedata

    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", folded)[:5]
    return "-".join(words) or "empty"


def samples() -> list[tuple[Sample, str]]:
    rng = random.Random(20261126)
    out: list[tuple[Sample, str]] = []
    clients = list(CLIENTS)
    for lang, bank in (("en", EN), ("fr", FR)):
        for i, entry in enumerate(bank):
            text, answer = entry[0], entry[1]
            note = entry[2] if len(entry) > 2 else ""
            multiline = "\n" in text
            pool = TOP_POSTING if multiline else clients
            first = pool[(i * 7 + (3 if lang == "fr" else 0)) % len(pool)]
            picks = [first]
            if i % 3 != 2 or not text:  # two clients for most answers
                second = pool[(i * 7 + 11 + (5 if lang == "fr" else 0)) % len(pool)]
                if second != first:
                    picks.append(second)
            for client in picks:
                out.append((Sample(f"{lang}-{slug(text)}", lang, text, answer, note), client))
    # The List-Unsubscribe link: a new message whose subject is the stop word, no body.
    for lang, subject in (("en", "stop"), ("en", "unsubscribe"), ("fr", "désabonner"), ("fr", "STOP"),
                          ("en", "Re: stop")):
        out.append((Sample(f"{lang}-subject-{slug(subject)}", lang, "", S, "", subject=subject), "composed"))
    rng.shuffle(out)
    return out


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    rng = random.Random(7)
    rows = ["file\tanswer\tnote\tclient\tlanguage"]
    seen: dict[str, int] = {}
    for number, (sample, client) in enumerate(samples(), 1):
        party = PARTIES[number % len(PARTIES)]
        other = OTHERS[number % len(OTHERS)]
        referrer = REFERRERS[number % len(REFERRERS)]
        fr = sample.lang == "fr"
        ask = Ask(
            lang=sample.lang,
            party=party,
            other=other,
            referrer=referrer,
            topic=(TOPICS_FR if fr else TOPICS_EN)[number % 4],
            context=(CONTEXT_FR if fr else CONTEXT_EN)[number % 3].format(first=other.split()[0]),
            ref=f"K{number % 10}Q-{number:03d}",
            token=hashlib.sha256(f"token{number}".encode()).hexdigest()[:16],
            from_name=(f"{referrer} (via Introductions)" if number % 3 == 0 else "Introductions"),
            message_id=f"<consent-{number:04d}@{DOMAIN}>",
        )
        when = When(day=1 + number % 28, month=1 + number % 12, hour=8 + number % 10,
                     minute=(number * 7) % 60)
        writer = Writer(sample, ask, when, rng)
        raw = composed(writer) if client == "composed" else CLIENTS[client](writer)
        base = f"{sample.name}--{client}"
        seen[base] = seen.get(base, 0) + 1
        name = f"{base}.eml" if seen[base] == 1 else f"{base}-{seen[base]}.eml"
        (OUT / name).write_bytes(raw)
        note = sample.note.replace("\t", " ").replace("\n", "\\n")
        rows.append(f"{name}\t{sample.answer}\t{note}\t{client}\t{sample.lang}")
    (OUT / "labels.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"{len(rows) - 1} replies written to {OUT}")


if __name__ == "__main__":
    main()
