"""Writes tests/labelled/holdout/: a held-out set, written before the readers were tuned on it.

Run `python tests/labelled/make_holdout.py` to regenerate; the .eml files and the two
labels.tsv are committed, so that every sample can be read and reviewed as mail.

The texts here are new: none is copied from make_replies.py or make_referrals.py. The
client layouts of those generators are reused, and a few more are added that they do
not write: Outlook for Mac ("From:/Date:" without a rule), Samsung Email and other
Android clients ("-------- Original message --------"), Proton Mail, Zimbra ("-----
Mail original -----", common in French companies and at Free), the Orange webmail
("> Message du … > De : …"), and replies whose quote is a long history (the broker's
clarification, quoting the party's earlier reply, quoting the request).

holdout/replies/labels.tsv: file, answer (yes/no/stop/unclear), note, client, language —
as tests/labelled/replies. holdout/referrals/labels.tsv: file, kind, requester, target,
error, client, language — as tests/labelled/referrals.
"""

from __future__ import annotations

import hashlib
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import make_referrals as mref
import make_replies as mrep
from _mime import esc, html_divs, html_lines, leaf, message, multipart, quote_plain

OUT = Path(__file__).resolve().parent / "holdout"
BROKER = mrep.BROKER
Y, N, S, U = "yes", "no", "stop", "unclear"

# --- Consent replies: what people type ---------------------------------------------------------

SIG_TOM = ("Tom O'Neill\nPartner | Harbour Capital\nM: +44 7700 900456 | T: +44 20 7946 0321\nwww.harbour-capital.test\n\n"
           "CONFIDENTIALITY NOTICE: The information in this email is confidential and may be legally privileged. "
           "It is intended solely for the addressee. If you have received it in error, please delete it and "
           "notify the sender. Any other use is prohibited.")
SIG_SOPHIE = ("Sophie Lemaire\nExpert-comptable associée\nCabinet Lemaire & Associés\n12 rue de la Paix, 75002 Paris\n"
              "Tél. : +33 1 23 45 67 89 | Port. : 06 11 22 33 44\n\n"
              "Ce message et toutes les pièces jointes sont confidentiels et établis à l'intention exclusive de ses "
              "destinataires. Toute utilisation non conforme à sa destination est interdite. Si vous avez reçu ce "
              "message par erreur, merci de le détruire et d'en avertir l'expéditeur.")

EN = [
    # yes, short and curt
    ("Yes, go ahead.", Y, ""), ("yes pls", Y, ""), ("Yea sure", Y, ""), ("Sure why not", Y, ""),
    ("Sounds good!", Y, ""), ("Sounds good to me 👍", Y, ""), ("YES PLEASE", Y, ""), ("Yess, happy to!", Y, ""),
    ("yes ofc", Y, ""), ("ok sure", Y, ""), ("Definately, go ahead.", Y, ""), ("That works for me.", Y, ""),
    ("Fine by me, go ahead.", Y, ""), ("Sure thing!", Y, ""), ("Go for it.", Y, ""), ("ok", Y, ""),
    ("Okay, go ahead.", Y, ""), ("Count me in 🙂", Y, ""), ("✅", U, ""), ("👍🏻", U, ""), ("Happy to connect.", Y, ""),
    ("sure, send the intro", Y, ""), ("Yes, definitely interested.", Y, ""), ("Why not!", Y, ""),
    ("No objection from me, go ahead.", Y, ""), ("I don't see why not.", Y, ""), ("Not a problem at all, happy to.", Y, ""),
    # yes, polite and longer
    ("Yes, happy to chat with her.", Y, ""), ("Absolutely — please make the intro.", Y, ""),
    ("I'd be glad to be introduced, thank you Rita.", Y, ""), ("Yes, I'd love to meet her!", Y, ""),
    ("Yes — and thanks for setting this up.", Y, ""), ("Please introduce us, I'd like that very much.", Y, ""),
    ("Yes please, sounds like a great fit.", Y, ""),
    # yes with a note
    ("Yes, but only after June.", Y, "only after June."),
    ("Yes, though not before the 3rd of March, I'm on leave until then.", Y,
     "not before the 3rd of March, I'm on leave until then."),
    ("Yes. Best to reach me on +1 415 555 0134 after 5pm.", Y, "Best to reach me on +1 415 555 0134 after 5pm."),
    ("Yes, happy to. I'm the founder of Brightside, we make accounting software for clinics.", Y,
     "I'm the founder of Brightside, we make accounting software for clinics."),
    ("Of course! I've heard great things about his work.", Y, "I've heard great things about his work."),
    ("Yes, with pleasure. I only take calls on Tuesdays and Thursdays.", Y,
     "I only take calls on Tuesdays and Thursdays."),
    ("Yes!!! Been hoping to meet someone from that team.", Y, "Been hoping to meet someone from that team."),
    ("Hi Rita,\n\nThanks for thinking of me. Yes, please go ahead and connect us. I'm travelling next week but "
     "free after the 20th.\n\nBest regards,\n" + SIG_TOM, Y, "I'm travelling next week but free after the 20th."),
    ("Yes please.\n\n--\nPriya Raman\nVP Engineering, Lumen Labs\n+1 (415) 555-0199", Y, ""),
    ("Sure, go ahead!\n\nCheers,\nDan\n\nSent from my iPhone", Y, ""),
    ("Hello,\n\nYes, I'm happy to be introduced. I spent ten years in logistics before moving to venture.\n\n"
     "Kind regards,\nGrace", Y, "I spent ten years in logistics before moving to venture."),
    # conditional: not a yes yet
    ("Yes if he's not a recruiter.", U), ("Sure, as long as it's not a sales call.", U),
    ("Yes, provided she isn't selling anything.", U), ("Only if Rita vouches for him.", U),
    ("Yes, depending on what he wants to discuss.", U), ("Happy to, assuming he's based in Europe?", U),
    # no
    ("No, thanks.", N), ("not interested", N), ("Not interested, thank you.", N), ("I'd rather not, sorry.", N),
    ("I'll have to say no this time.", N), ("Thanks Rita, but I'm going to decline.", N),
    ("No thank you, I'm not taking on new projects.", N), ("NO", N), ("Not at the moment, sorry.", N),
    ("Thanks, not for me.", N), ("Nope, sorry", N), ("I'd prefer to skip this one.", N),
    ("I'm going to sit this one out.", N), ("❌", N), ("No — I don't take intros from people I haven't met.", N),
    ("Unfortunately I'll have to decline, my plate is full.", N), ("Not interested. Thanks.", N),
    ("I don't want to be introduced.", N), ("I'll pass on this.", N), ("no thx", N),
    ("Hi,\n\nThanks for reaching out, but I'm not interested at this time.\n\nRegards,\n" + SIG_TOM, N),
    ("Not right now, thanks.\n\nSent from my iPhone", N),
    # stop
    ("Please stop emailing me.", S), ("unsubscribe me", S), ("Remove me from your mailing list.", S),
    ("Don't ever email me again.", S), ("Please take me off this list and stop contacting me.", S),
    # unclear: questions, delegation, hesitation
    ("Who is this person?", U), ("What's this regarding?", U), ("Can you send me his LinkedIn first?", U),
    ("Please contact my assistant, Maria, at maria@lumen.test to arrange.", U),
    ("Looping in my assistant, who handles my calendar.", U), ("Maybe next quarter?", U),
    ("Let me ask my manager.", U), ("Thanks for the note, I'll think about it.", U), ("🤔", U),
    ("Yes... wait, who is Bob again?", U), ("Not sure yet, can we chat first?", U), ("Why would I want to meet him?", U),
    ("Is he the one from the conference in Lisbon?", U),
    ("Happy to, but I'm not sure I'm the right person. Is he after legal or tax advice?", U),
    ("I would, but I'm on parental leave until spring.", U), ("Yes, but first tell me what he wants.", U),
    ("Can you call me? +44 7700 900777", U), ("Forwarding to my colleague Sam, who is better placed.", U),
]

FR = [
    # oui
    ("Oui, allez-y.", Y, ""), ("oui volontiers", Y, ""), ("Ok pour moi, merci.", Y, ""), ("Avec plaisir", Y, ""),
    ("Avec grand plaisir !", Y, ""), ("Bien sûr !", Y, ""), ("Pas de problème.", Y, ""),
    ("Aucun souci, vous pouvez nous présenter.", Y, ""), ("Oui, je suis intéressée.", Y, ""), ("OUI", Y, ""),
    ("ouais, carrément", Y, ""), ("Je veux bien, merci Émilie.", Y, ""), ("Ça me va.", Y, ""), ("Ca marche, allez-y", Y, ""),
    ("D'acc !", Y, ""), ("Volontiers, ça me fera plaisir d'échanger.", Y, ""), ("Entendu !", Y, ""),
    ("C'est avec plaisir.", Y, ""), ("Oui oui, allez-y.", Y, ""), ("Parfait, je suis partant.", Y, ""),
    ("Oui, merci de nous mettre en contact.", Y, ""), ("Je suis d'accord.", Y, ""), ("Aucune objection de ma part.", Y, ""),
    ("Pourquoi pas !", Y, ""), ("Je n'y vois pas d'inconvénient.", Y, ""), ("Oui, pas de souci", Y, ""), ("👍", U, ""),
    # oui, avec une note
    ("Oui, mais seulement après juin.", Y, "seulement après juin."),
    ("Oui, mais pas avant la rentrée : je suis en congé tout l'été.", Y, "pas avant la rentrée : je suis en congé tout l'été."),
    ("Oui, sans souci. Je suis joignable au 06 98 76 54 32.", Y, "Je suis joignable au 06 98 76 54 32."),
    ("Oui bien sûr, je dirige une agence de design à Nantes.", Y, "je dirige une agence de design à Nantes."),
    ("Bonjour Émilie,\n\nOui, avec plaisir, je connais bien ce secteur.\n\nBien à vous,\n" + SIG_SOPHIE, Y,
     "je connais bien ce secteur."),
    ("Oui merci !\n\nEnvoyé de mon iPhone", Y, ""),
    ("Bonjour,\n\nC'est d'accord. Je suis plutôt disponible le matin.\n\nCordialement,\nMarc Giraud\n06 45 67 89 01", Y,
     "Je suis plutôt disponible le matin."),
    # conditionnel : pas encore un oui
    ("Oui si ce n'est pas un commercial.", U), ("Oui, à condition que ce soit en visio.", U),
    ("Pourquoi pas, mais c'est à quel sujet ?", U),
    # non
    ("Non merci", N), ("Je préfère m'abstenir.", N), ("pas pour le moment", N), ("Pas le temps, désolé.", N),
    ("Non, je ne suis pas intéressée.", N), ("Je ne donnerai pas suite, merci.", N), ("Je décline, merci.", N),
    ("Merci mais ce ne sera pas possible.", N), ("Non, ça ne m'intéresse pas.", N), ("Sans façon, merci.", N),
    ("Je vais passer mon tour cette fois.", N), ("Pas intéressé pour l'instant.", N), ("NON MERCI", N),
    ("Ce ne sera pas possible pour moi, désolée.", N), ("Très peu pour moi.", N), ("Non désolé", N),
    ("Bonjour,\n\nMerci, mais je ne souhaite pas donner suite.\n\nBien cordialement,\n" + SIG_SOPHIE, N),
    ("Non merci.\n\nEnvoyé de mon iPhone", N),
    # stop
    ("Arrêtez de m'écrire.", S), ("Merci de me désinscrire.", S),
    ("Je ne souhaite plus recevoir de messages de votre part.", S), ("Retirez-moi de cette liste s'il vous plaît.", S),
    # pas clair
    ("C'est qui, Bob ?", U), ("Vous pouvez m'en dire plus sur lui ?", U),
    ("Merci de contacter mon assistante, Julie, au 01 23 45 67 89.", U),
    ("Je transmets à ma collègue qui s'occupe de ces sujets.", U), ("Je dois réfléchir.", U), ("Peut-être plus tard.", U),
    ("Je ne sais pas qui est Émilie.", U), ("À voir.", U), ("Pouvez-vous m'appeler ?", U),
    ("Je suis en congé jusqu'au 5, je vous redis à mon retour.", U), ("🤔", U),
    ("Euh... pourquoi pas, mais pour quoi faire ?", U), ("J'aimerais bien mais je suis débordée en ce moment.", U),
    ("Oui, mais d'abord dites-moi ce qu'il veut.", U), ("Non mais c'est qui ce type ?", U),
]


# --- Client layouts the other generators do not write -----------------------------------------------


def _names(wr: mrep.Writer) -> tuple[str, str, str]:
    name, addr = wr.a.party
    return name, addr, f"{wr.a.from_name} <{BROKER}>"


def _alternative(wr: mrep.Writer, plain: str, html: str, tag: str, *, html_only=False, cte="quoted-printable") -> str:
    html_part = leaf("text/html", html, "utf-8", cte)
    if html_only:
        return html_part
    boundary = f"{tag}_" + hashlib.md5((wr.s.name + tag).encode()).hexdigest()[:20]
    return multipart("alternative", boundary, [leaf("text/plain", plain, "utf-8", cte), html_part])


def outlook_mac(wr: mrep.Writer) -> bytes:
    """Outlook for Mac: a "From:/Date:/To:/Subject:" block under a thin border, no rule line."""
    name, addr, broker = _names(wr)
    w = wr.w
    if wr.fr:
        fields = [("De", broker), ("Date", f"{mrep.FR_DAYS[w.weekday]} {w.day} {mrep.FR_MONTHS[w.month - 1]} 2026 à "
                                         f"{w.hour:02d}:{w.minute:02d}"), ("À", f"{name} <{addr}>"), ("Objet", wr.a.subject)]
        colon = " :"
    else:
        fields = [("From", broker), ("Date", f"{mrep.EN_DAYS[w.weekday]}, {w.day} {mrep.EN_MONTHS[w.month - 1]} 2026 at "
                                           f"{w.hour:02d}:{w.minute:02d}"), ("To", f"{name} <{addr}>"), ("Subject", wr.a.subject)]
        colon = ":"
    request = wr.a.text()
    block = "\n".join(f"{label}{colon} {value}" for label, value in fields)
    plain = (wr.fresh + "\n\n" if wr.fresh else "") + block + "\n\n" + request + "\n"
    head = "<br>".join(f"<b>{esc(label)}{colon} </b>{esc(value)}" for label, value in fields)
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>'
        f'<div class="WordSection1"><p class="MsoNormal">{html_lines(wr.fresh) if wr.fresh else "&nbsp;"}</p>'
        '<p class="MsoNormal">&nbsp;</p><div id="mail-editor-reference-message-container">'
        '<div style="border:none;border-top:solid #B5C4DF 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
        f'<p class="MsoNormal" style="margin-bottom:12.0pt"><span style="font-size:12.0pt;color:black">{head}</span></p>'
        f'</div><p class="MsoNormal">{html_lines(request)}</p></div></div></body></html>\n'
    )
    extra = [("X-Mailer", "Microsoft Outlook for Mac 16.91"), ("Thread-Topic", wr.a.subject)]
    return message(wr.headers(mid_domain="PR3P192MB0765.EURP192.PROD.OUTLOOK.COM", extra=extra),
                   _alternative(wr, plain, html, "outlookmac"))


def samsung(wr: mrep.Writer, *, html_only=False) -> bytes:
    """Samsung Email (and most Android clients): the phone footer, then "-------- Original message --------"."""
    name, addr, broker = _names(wr)
    w = wr.w
    date = f"{w.day:02d}/{w.month:02d}/2026 {w.hour:02d}:{w.minute:02d} (GMT+01:00)"
    if wr.fr:
        footer, sep = "Envoyé depuis mon appareil Galaxy", "-------- Message d'origine --------"
        fields = [("De", broker), ("Date", date), ("À", f"{name} <{addr}>"), ("Objet", "Re: " + wr.a.subject)]
        colon = " :"
    else:
        footer, sep = "Sent from my Galaxy", "-------- Original message --------"
        fields = [("From", broker), ("Date", date), ("To", f"{name} <{addr}>"), ("Subject", "Re: " + wr.a.subject)]
        colon = ":"
    request = wr.a.text()
    plain = ((wr.fresh + "\n\n\n\n") if wr.fresh else "\n\n") + footer + "\n\n\n" + sep + "\n" + "\n".join(
        f"{label}{colon} {value} " for label, value in fields) + "\n\n" + request + "\n"
    html = (
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\"></head><body dir=\"auto\">"
        + "".join(f'<div dir="auto">{esc(line) if line else "<br>"}</div>' for line in wr.fresh.split("\n"))
        + f'<div dir="auto"><br></div><div id="composer_signature" dir="auto"><div style="font-size:85%;color:#575757" '
        f'dir="auto">{esc(footer)}</div></div><div dir="auto"><br></div><div dir="auto"><br></div>'
        f'<div align="left" dir="auto" style="font-size:100%;color:#000000"><div>{esc(sep)}</div>'
        + "".join(f"<div>{esc(label)}{colon} {esc(value)} </div>" for label, value in fields)
        + f'<div><br></div></div>{html_divs(request)}</body></html>\n'
    )
    return message(wr.headers(mid_domain="email.android.com"),
                   _alternative(wr, plain, html, "samsung", html_only=html_only, cte="base64"))


def protonmail(wr: mrep.Writer) -> bytes:
    """Proton Mail: its signature line, then "On Tuesday, November 26th, 2026 at 9:30 AM, … wrote:"."""
    w = wr.w
    if wr.fr:
        sig = "Envoyé avec la messagerie sécurisée Proton Mail."
        attr = (f"Le {mrep.FR_DAYS[w.weekday]} {w.day} {mrep.FR_MONTHS[w.month - 1]} 2026 à {w.hour:02d}:{w.minute:02d}, "
                f"{wr.a.from_name} <{BROKER}> a écrit :")
    else:
        sig = "Sent with Proton Mail secure email."
        suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd"}.get(w.day, "th")
        attr = (f"On {mrep.EN_DAYS[w.weekday]}, {mrep.EN_MONTHS[w.month - 1]} {w.day}{suffix}, 2026 at "
                f"{w.hour % 12 or 12}:{w.minute:02d} {'AM' if w.hour < 12 else 'PM'}, {wr.a.from_name} <{BROKER}> wrote:")
    request = wr.a.text()
    plain = (wr.fresh + "\n\n" if wr.fresh else "") + sig + "\n\n" + attr + "\n\n" + quote_plain(request) + "\n"
    html = (
        f'<div style="font-family: Arial, sans-serif; font-size: 14px;">{html_lines(wr.fresh)}</div>'
        '<div style="font-family: Arial, sans-serif; font-size: 14px;"><br></div>'
        f'<div class="protonmail_signature_block" style="font-family: Arial, sans-serif; font-size: 14px;">'
        f'<div class="protonmail_signature_block-proton">{esc(sig)}</div></div><div style="font-family: Arial, '
        f'sans-serif; font-size: 14px;"><br></div><div class="protonmail_quote">{esc(attr)}<br><br>'
        f'<blockquote class="protonmail_quote" type="cite">{html_lines(request)}</blockquote><br></div>\n'
    )
    return message(wr.headers(mid_domain="protonmail.test"), _alternative(wr, plain, html, "proton", cte="base64"))


def zimbra(wr: mrep.Writer) -> bytes:
    """Zimbra webmail (Free, many French companies): "----- Mail original -----", the request not quoted."""
    name, addr, _ = _names(wr)
    w = wr.w
    if wr.fr:
        sep = "----- Mail original -----"
        fields = [("De", f'"{wr.a.from_name}" <{BROKER}>'), ("À", f'"{name}" <{addr}>'),
                  ("Envoyé", f"{mrep.FR_DAYS[w.weekday].capitalize()} {w.day} {mrep.FR_MONTHS[w.month - 1].capitalize()} "
                             f"2026 {w.hour:02d}:{w.minute:02d}:00"), ("Objet", wr.a.subject)]
    else:
        sep = "----- Original Message -----"
        fields = [("From", f'"{wr.a.from_name}" <{BROKER}>'), ("To", f'"{name}" <{addr}>'),
                  ("Sent", f"{mrep.EN_DAYS[w.weekday]}, {mrep.EN_MONTHS[w.month - 1]} {w.day}, 2026 "
                           f"{w.hour % 12 or 12}:{w.minute:02d}:00 {'AM' if w.hour < 12 else 'PM'}"),
                  ("Subject", wr.a.subject)]
    request = wr.a.text()
    plain = (wr.fresh + "\n\n" if wr.fresh else "") + sep + "\n" + "\n".join(
        f"{label}: {value}" for label, value in fields) + "\n\n" + request + "\n"
    head = "<br>".join(f"<b>{esc(label)}: </b>{esc(value)}" for label, value in fields)
    html = (
        '<html><body><div style="font-family: arial, helvetica, sans-serif; font-size: 12pt; color: #000000">'
        f"<div>{html_lines(wr.fresh)}</div><div><br></div><hr id=\"zwchr\"><div style=\"color:#000;font-weight:normal;"
        f'font-style:normal;text-decoration:none;font-family:Helvetica,Arial,sans-serif;font-size:12pt;">{head}<br></div>'
        f'<br><div data-marker="__QUOTED_TEXT__">{html_lines(request)}</div></div></body></html>\n'
    )
    extra = [("X-Mailer", "Zimbra 9.0.0_GA_4583 (ZimbraWebClient - FF120 (Linux)/9.0.0_GA_4583)")]
    return message(wr.headers(mid_domain="zimbra.free.test", extra=extra), _alternative(wr, plain, html, "zimbra"))


def orange(wr: mrep.Writer) -> bytes:
    """The Orange webmail: "> Message du 26/11/26 09:30" and a "> De : / > A :" block, quoted."""
    name, addr, _ = _names(wr)
    w = wr.w
    block = (f"Message du {w.day:02d}/{w.month:02d}/26 {w.hour:02d}:{w.minute:02d}\nDe : \"{wr.a.from_name}\" <{BROKER}>\n"
             f"A : \"{name}\" <{addr}>\nCopie à : \nObjet : {wr.a.subject}\n\n")
    request = wr.a.text()
    plain = (wr.fresh + "\n\n" if wr.fresh else "") + quote_plain(block + request) + "\n"
    html = (
        f'<html><head></head><body><p>{html_lines(wr.fresh)}</p><br><br><blockquote style="border-left: 2px solid '
        f'#ff6600; padding-left: 5px; margin-left: 5px;">{html_lines(block + request)}</blockquote></body></html>\n'
    )
    return message(wr.headers(mid_domain="wwinf1f22.orange.test"), _alternative(wr, plain, html, "orange"))


NEW_CLIENTS = {
    "outlook_mac": outlook_mac,
    "samsung": samsung,
    "samsung_html_only": lambda wr: samsung(wr, html_only=True),
    "protonmail": protonmail,
    "zimbra": zimbra,
    "orange": orange,
}
CLIENTS = {**mrep.CLIENTS, **NEW_CLIENTS}
TOP_POSTING = mrep.TOP_POSTING + list(NEW_CLIENTS)


# --- A long quoted history: the broker's clarification, quoting the earlier reply and the request --------------


@dataclass
class HistoryAsk(mrep.Ask):
    """A second round: the party first answered `earlier`, the broker asked again, and the
    party now answers that; clients quote all three messages, one inside the other."""

    earlier: str = ""

    def text(self) -> str:
        request = super().text()
        name, addr = self.party
        if self.lang == "fr":
            clarify = (
                f"Bonjour {self.first_name},\n\nMerci pour votre réponse. Je n'ai pas su dire s'il s'agissait d'un oui ou\n"
                f"d'un non ; je l'ai donc transmise à {self.referrer}, qui pourra vous répondre\ndirectement.\n\n"
                f"Pour accepter la mise en relation avec {self.other}, répondez simplement « oui ».\n"
                "Pour la décliner, répondez simplement « non ».\n\n"
                f"Introductions\nRéférence {self.ref}"
            )
            said = f"Le lun. 23 nov. 2026 à 18:02, {name} <{addr}> a écrit :"
            asked = f"Le lun. 23 nov. 2026 à 09:14, Introductions <{BROKER}> a écrit :"
        else:
            clarify = (
                f"Hello {self.first_name},\n\nThank you for your reply. I could not tell whether it was a yes or a no, so\n"
                f"I have passed it on to {self.referrer}, who may answer you directly.\n\n"
                f"To go ahead with the introduction to {self.other}, reply with just \"yes\".\n"
                "To decline, reply with just \"no\".\n\n"
                f"Introductions\nReference {self.ref}"
            )
            said = f"On Mon, Nov 23, 2026 at 6:02\u202fPM {name} <{addr}> wrote:"
            asked = f"On Mon, Nov 23, 2026 at 9:14\u202fAM Introductions <{BROKER}> wrote:"
        earlier = f"{self.earlier}\n\n{asked}\n\n{quote_plain(request)}"
        return f"{clarify}\n\n{said}\n\n{quote_plain(earlier)}"

    @property
    def subject(self) -> str:
        return "Re: " + super().subject


# --- Rendering the replies -------------------------------------------------------------------------

PARTIES = [
    ("Tom O'Neill", "tom.oneill@harbour-capital.test"),
    ("Sophie Lemaire", "s.lemaire@cabinet-lemaire.test"),
    ("Priya Raman", "priya.raman@lumenlabs.test"),
    ("Marc Giraud", "marc.giraud@sfr-mail.test"),
    ("Grace Okoye", "grace.okoye@gmail.test"),
    ("Dan Whitfield", "dan@whitfield.test"),
    ("Élodie Chevalier", "elodie.chevalier@free.test"),
    ("Kenji Mori", "kenji.mori@yahoo.test"),
    ("Anne-Sophie Perrin", "as.perrin@orange.test"),
    ("Liam Byrne", "liam.byrne@protonmail.test"),
]
OTHERS = ["Bob Carter", "Nadia Haddad", "Julien Roche", "Hannah Weiss", "Omar Diallo", "Clara Vidal"]
REFERRERS = ["Rita Referrer", "Émilie Petit", "Paul Girard", "Claire Martin"]
TOPICS_EN = ["Scaling a sales team", "Advice on a lease", "Coffee next week?", "Data hiring"]
TOPICS_FR = ["Statuts de société", "Recrutement d'alternants", "Un café la semaine prochaine ?", "Conseil fiscal"]
CONTEXT_EN = ["{first} is opening an office in Lisbon and asked me who knows the market; you came to mind first.", ""]
CONTEXT_FR = ["{first} reprend une PME familiale et cherche quelqu'un qui est passé par là. Oui, je pense à toi !", ""]
EARLIER_EN = ["Who is {first}?", "What does {first} do exactly?"]
EARLIER_FR = ["C'est qui, {first} ?", "Il fait quoi exactement, {first} ?"]


def reply_samples() -> list[tuple[mrep.Sample, str, bool]]:
    """(sample, client, long history) for each answer: one client each, a second for every third."""
    out = []
    clients = list(CLIENTS)
    for lang, bank in (("en", EN), ("fr", FR)):
        for i, entry in enumerate(bank):
            text, answer = entry[0], entry[1]
            note = entry[2] if len(entry) > 2 else ""
            pool = TOP_POSTING if "\n" in text else clients
            picks = [pool[(i * 7 + (2 if lang == "fr" else 0)) % len(pool)]]
            if i % 3 == 0:
                second = pool[(i * 7 + 11 + (4 if lang == "fr" else 0)) % len(pool)]
                if second != picks[0]:
                    picks.append(second)
            for n, client in enumerate(picks):
                history = (i + n) % 5 == 1 and client not in ("interleaved", "mutt_bottom", "thunderbird_bottom")
                out.append((mrep.Sample(f"{lang}-{mrep.slug(text)}", lang, text, answer, note), client, history))
    return out


def write_replies(folder: Path) -> int:
    folder.mkdir(parents=True)
    rng = random.Random(1126)
    rows = ["file\tanswer\tnote\tclient\tlanguage"]
    seen: dict[str, int] = {}
    for number, (sample, client, history) in enumerate(reply_samples(), 1):
        fr = sample.lang == "fr"
        other = OTHERS[number % len(OTHERS)]
        referrer = REFERRERS[number % len(REFERRERS)]
        fields = dict(
            lang=sample.lang, party=PARTIES[number % len(PARTIES)], other=other, referrer=referrer,
            topic=(TOPICS_FR if fr else TOPICS_EN)[number % 4],
            context=(CONTEXT_FR if fr else CONTEXT_EN)[number % 2].format(first=other.split()[0]),
            ref=f"H{number % 10}X-{number:03d}", token=hashlib.sha256(f"holdout{number}".encode()).hexdigest()[:16],
            from_name=(f"{referrer} (via Introductions)" if number % 4 == 0 else "Introductions"),
            message_id=f"<holdout-{number:04d}@{mrep.DOMAIN}>",
        )
        if history:
            earlier = (EARLIER_FR if fr else EARLIER_EN)[number % 2].format(first=other.split()[0])
            ask = HistoryAsk(**fields, earlier=earlier)
        else:
            ask = mrep.Ask(**fields)
        when = mrep.When(day=1 + (number * 3) % 28, month=1 + (number * 5) % 12, hour=7 + number % 12,
                         minute=(number * 11) % 60)
        raw = CLIENTS[client](mrep.Writer(sample, ask, when, rng))
        base = f"{sample.name}--{client}" + ("-history" if history else "")
        seen[base] = seen.get(base, 0) + 1
        name = f"{base}.eml" if seen[base] == 1 else f"{base}-{seen[base]}.eml"
        (folder / name).write_bytes(raw)
        note = sample.note.replace("\t", " ").replace("\n", "\\n")
        rows.append(f"{name}\t{sample.answer}\t{note}\t{client}{'+history' if history else ''}\t{sample.lang}")
    (folder / "labels.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return len(rows) - 1


# --- Referrals ---------------------------------------------------------------------------------------

P, Case = mref.P, mref.Case
RITA, CLAIRE, EMILIE, PAUL_R = mref.RITA, mref.CLAIRE, mref.EMILIE, mref.PAUL_R

LEA = P("Léa Fontaine", "lea.fontaine@atelier.test")
SAM = P("Samuel Okafor", "sam.okafor@kitepay.test")
YUKI = P("Yuki Tanaka", "yuki@tanaka-design.test")
BENOIT = P("Benoît Leclerc", "b.leclerc@wanadoo.test")
FIONA = P("O'Connor, Fiona", "fiona.oconnor@brightwave.test")
MATHILDE = P("Mathilde Roux", "mathilde.roux@univ-lyon.test")

HUGO = P("Hugo Marchand", "hugo@marchand-avocats.test")
RACHEL = P("Rachel Adeyemi", "rachel.adeyemi@seedfund.test")
INGRID = P("Dr. Ingrid Svensson", "ingrid.svensson@karolinska.test")
CAMILLE = P("Camille Dupont-Laurent", "camille.dl@studio-cdl.test")
VICTOR = P("Victor Hale", "victor.hale@halepartners.test")
AICHA = P("Aïcha Benali", "aicha.benali@benali-rh.test")


def mailto(text: str, name: str, addr: str) -> str:
    """The note as HTML, `name` written as a mailto: link (how rich editors insert a contact)."""
    return "<div>" + esc(text).replace(esc(name), f'<a href="mailto:{addr}">{esc(name)}</a>', 1) + "</div>"


def referral_cases() -> list[Case]:
    out: list[Case] = []

    def add(slug, client, lang, referrer, note, fwd, kind, requester=None, target=None, error="", **extra):
        if fwd is not None:
            fwd = mref.ui(fwd, lang)
        out.append(Case(slug, client, lang, referrer, note, fwd, kind, requester.addr if requester else "",
                        target.addr if target else "", error, **extra))

    sam = mref.ask_en(SAM, RITA, "Payments team", "We just closed our pre-seed and I need to talk to someone who "
                      "has scaled a payments team. Any names come to mind?")
    yuki = mref.ask_en(YUKI, CLAIRE, "Stockholm", "I'm moving to Stockholm in May and would love to talk to "
                       "someone in medtech research there.")
    fiona = mref.ask_en(FIONA, PAUL_R, "Lease question", "Quick one: who do you know who has negotiated a "
                        "commercial lease in London recently?")
    lea = mref.ask_fr(LEA, EMILIE, "Statuts de l'atelier", "Je lance mon atelier de céramique et je cherche un avocat "
                      "pour rédiger les statuts. Tu connaîtrais quelqu'un ?")
    benoit = mref.ask_fr(BENOIT, EMILIE, "Alternance RH", "Mon fils cherche une alternance en ressources humaines "
                         "pour la rentrée. Tu aurais un contact ?")
    mathilde = mref.ask_fr(MATHILDE, CLAIRE, "Après la thèse", "Je termine ma thèse et j'aimerais parler à quelqu'un "
                           "qui a rejoint un fonds d'investissement après un doctorat.")

    # English forwards, the person to meet in the note, every client.
    add("en-meet-gmail", "gmail", "en", RITA, "Sam, meet Rachel Adeyemi <rachel.adeyemi@seedfund.test>. She scaled "
        "the payments team at Paylane before joining Seedfund.", sam, "request", SAM, RACHEL)
    add("en-connect-gmail-mobile", "gmail_mobile", "en", RITA,
        "Could you connect Sam with rachel.adeyemi@seedfund.test? She's perfect for this.", sam, "request", SAM, RACHEL)
    add("en-setup-outlook-signature", "outlook", "en", CLAIRE,
        "Hi team,\n\nPlease set up an intro between Yuki and Dr. Ingrid Svensson <ingrid.svensson@karolinska.test>. "
        "Ingrid runs a medtech lab in Stockholm.\n\nThanks,\nClaire\n\nClaire Martin | Partner\n+33 6 00 00 00 00",
        yuki, "request", YUKI, INGRID)
    add("en-did-this-outlook-legacy", "outlook_legacy", "en", PAUL_R,
        "Victor Hale [mailto:victor.hale@halepartners.test] did exactly this last year - please introduce Fiona to him.",
        fiona, "request", FIONA, VICTOR)
    add("en-suggest-new-outlook", "new_outlook", "en", PAUL_R,
        "I'd suggest Victor Hale (victor.hale@halepartners.test). Can you make the intro?", fiona, "request", FIONA, VICTOR)
    add("en-arrow-owa", "owa_html_only", "en", PAUL_R,
        "Intro please: Fiona O'Connor ↔ Victor Hale <victor.hale@halepartners.test>", fiona, "request", FIONA, VICTOR)
    add("en-dash-apple", "apple_mail", "en", CLAIRE,
        "Yuki should really talk to Ingrid — ingrid.svensson@karolinska.test", yuki, "request", YUKI, INGRID)
    add("en-label-ios", "ios_mail", "en", RITA, "Rachel: rachel.adeyemi@seedfund.test", sam, "request", SAM, RACHEL)
    add("en-best-person-thunderbird", "thunderbird", "en", RITA,
        "Hello,\n\nThe best person I know for this is Rachel Adeyemi, rachel.adeyemi@seedfund.test. "
        "Would you introduce them?\n\nRita", sam, "request", SAM, RACHEL)
    add("en-his-address-thunderbird-html", "thunderbird_html", "en", PAUL_R,
        "Can you introduce Fiona to my old colleague Victor Hale? His address is victor.hale@halepartners.test.",
        fiona, "request", FIONA, VICTOR)
    add("en-lowercase-yahoo", "yahoo", "en", RITA,
        "please put sam in touch with rachel adeyemi <rachel.adeyemi@seedfund.test> thx", sam, "request", SAM, RACHEL)
    add("en-great-contact-yahoo-html", "yahoo_html_only", "en", CLAIRE,
        "Ingrid Svensson <ingrid.svensson@karolinska.test> would be a great contact for Yuki.", yuki,
        "request", YUKI, INGRID)
    text = "Would you introduce Sam to Rachel Adeyemi? She'll know what to do."
    add("en-mailto-gmail-html", "gmail_html_only", "en", RITA, text, sam, "request", SAM, RACHEL,
        note_html=mailto(text, "Rachel Adeyemi", RACHEL.addr))
    text = "Please introduce Yuki to Ingrid Svensson, she runs the lab I told you about."
    add("en-mailto-outlook-html", "outlook_html_only", "en", CLAIRE,
        "Please introduce Yuki to Ingrid Svensson<mailto:ingrid.svensson@karolinska.test>, she runs the lab I told "
        "you about.", yuki, "request", YUKI, INGRID, note_html=mailto(text, "Ingrid Svensson", INGRID.addr))

    # English forwards attached whole.
    for client, referrer, note, fwd, requester, target in [
        ("gmail", RITA, "See attached. Rachel Adeyemi <rachel.adeyemi@seedfund.test> is the one to talk to.", sam, SAM,
         RACHEL),
        ("outlook", PAUL_R, "Forwarding Fiona's email. Victor Hale <victor.hale@halepartners.test> should be able to "
         "help her.", fiona, FIONA, VICTOR),
        ("apple_mail", CLAIRE, "Yuki → Ingrid Svensson <ingrid.svensson@karolinska.test>", yuki, YUKI, INGRID),
        ("thunderbird", PAUL_R, "Please introduce the sender of the attached message to victor.hale@halepartners.test.",
         fiona, FIONA, VICTOR),
        ("ios_mail", RITA, "Rachel <rachel.adeyemi@seedfund.test> for Sam pls", sam, SAM, RACHEL),
        ("yahoo", CLAIRE, "Can you connect them? Ingrid Svensson, ingrid.svensson@karolinska.test", yuki, YUKI, INGRID),
    ]:
        add(f"en-attached-{client}", f"{client}_attached", "en", referrer, note, fwd, "request", requester, target)

    # The person to meet named in the forwarded message, or copied; the note has no address.
    wants_victor = mref.ask_en(FIONA, PAUL_R, "Intro to Victor?", "Could you introduce me to Victor Hale "
                               "(victor.hale@halepartners.test)? I hear he negotiated the Soho lease.")
    add("en-target-in-forward", "gmail", "en", PAUL_R, "Please help Fiona with this, I know Victor from school.",
        wants_victor, "request", FIONA, VICTOR)
    wants_hugo = mref.ask_fr(LEA, EMILIE, "Mise en relation", "Pourrais-tu me présenter à Hugo Marchand "
                             "<hugo@marchand-avocats.test> ? Il a l'air de connaître les statuts d'artisans.")
    add("fr-target-in-forward", "new_outlook", "fr", EMILIE, "Tu peux t'en occuper ? Je connais bien Hugo.",
        wants_hugo, "request", LEA, HUGO)
    add("en-copied-target", "gmail", "en", RITA, "Rachel, meet Sam. Sam, Rachel. I'll let you two take it from here.",
        sam, "request", SAM, RACHEL, cc=RACHEL)

    # French forwards.
    add("fr-mettre-en-contact-gmail", "gmail", "fr", EMILIE, "Peux-tu mettre Léa en contact avec Hugo Marchand "
        "<hugo@marchand-avocats.test> ? Il a fait les statuts de ma boîte.", lea, "request", LEA, HUGO)
    add("fr-parfait-gmail-mobile", "gmail_mobile", "fr", EMILIE,
        "Hugo Marchand (hugo@marchand-avocats.test), avocat d'affaires, parfait pour elle.", lea, "request", LEA, HUGO)
    add("fr-transfere-outlook-signature", "outlook", "fr", EMILIE,
        "Bonjour,\n\nJe vous transfère la demande de Benoît. Pourriez-vous le mettre en relation avec Aïcha Benali "
        "<aicha.benali@benali-rh.test>, qui dirige un cabinet RH ?\n\nBien cordialement,\nÉmilie Petit\n"
        "Tél. : 06 12 34 56 78", benoit, "request", BENOIT, AICHA)
    add("fr-a-presenter-outlook-legacy", "outlook_legacy", "fr", EMILIE,
        "Aïcha Benali [mailto:aicha.benali@benali-rh.test] recrute des alternants, à présenter.", benoit,
        "request", BENOIT, AICHA)
    add("fr-je-pense-a-new-outlook", "new_outlook", "fr", CLAIRE,
        "Je pense à Camille Dupont-Laurent <camille.dl@studio-cdl.test>, passée d'un doctorat à un fonds. "
        "Tu peux les présenter ?", mathilde, "request", MATHILDE, CAMILLE)
    add("fr-svp-owa", "owa_html_only", "fr", CLAIRE,
        "Mise en relation avec camille.dl@studio-cdl.test (Camille Dupont-Laurent) svp.", mathilde,
        "request", MATHILDE, CAMILLE)
    add("fr-parcours-apple", "apple_mail", "fr", CLAIRE,
        "Mathilde devrait parler à Camille <camille.dl@studio-cdl.test>, elle a fait exactement ce parcours.",
        mathilde, "request", MATHILDE, CAMILLE)
    add("fr-label-ios", "ios_mail", "fr", EMILIE, "Hugo : hugo@marchand-avocats.test", lea, "request", LEA, HUGO)
    add("fr-bonne-personne-thunderbird", "thunderbird", "fr", EMILIE,
        "Bonjour,\n\nLa bonne personne, c'est Aïcha Benali : aicha.benali@benali-rh.test\n\nMerci !", benoit,
        "request", BENOIT, AICHA)
    add("fr-orienter-thunderbird-html", "thunderbird_html", "fr", EMILIE,
        "Tu peux présenter Benoît à Aïcha Benali <aicha.benali@benali-rh.test> ? Elle saura l'orienter.", benoit,
        "request", BENOIT, AICHA)
    add("fr-fleche-yahoo", "yahoo", "fr", EMILIE, "pour léa -> hugo@marchand-avocats.test (Hugo Marchand)", lea,
        "request", LEA, HUGO)
    text = "Présente-la à Camille Dupont-Laurent, de ma part."
    add("fr-mailto-gmail-html", "gmail_html_only", "fr", CLAIRE, text, mathilde, "request", MATHILDE, CAMILLE,
        note_html=mailto(text, "Camille Dupont-Laurent", CAMILLE.addr))

    # French forwards attached whole.
    for client, referrer, note, fwd, requester, target in [
        ("outlook", EMILIE, "Ci-joint le message de Léa. Peux-tu la présenter à Hugo Marchand "
         "<hugo@marchand-avocats.test> ?", lea, LEA, HUGO),
        ("gmail", EMILIE, "Pour Benoît : aicha.benali@benali-rh.test, cabinet RH à Lyon.", benoit, BENOIT, AICHA),
        ("thunderbird", CLAIRE, "Camille Dupont-Laurent <camille.dl@studio-cdl.test> pour Mathilde, merci !",
         mathilde, MATHILDE, CAMILLE),
        ("apple_mail", EMILIE, "Voir pièce jointe. À présenter à Hugo Marchand <hugo@marchand-avocats.test>.", lea,
         LEA, HUGO),
    ]:
        add(f"fr-attached-{client}", f"{client}_attached", "fr", referrer, note, fwd, "request", requester, target)

    # The referrer's client in one language, the forwarded message in the other.
    add("mixed-fr-ui-en-message", "gmail", "fr", RITA,
        "Tu peux le présenter à Rachel Adeyemi <rachel.adeyemi@seedfund.test> ?", sam, "request", SAM, RACHEL)
    add("mixed-en-ui-fr-message", "outlook", "en", EMILIE,
        "Please introduce Léa to Hugo Marchand <hugo@marchand-avocats.test>, he did our company's statutes.", lea,
        "request", LEA, HUGO)

    # Explicit requests: no forward, both people in the prose.
    add("explicit-like-to-introduce-en", "gmail", "en", RITA,
        "Hi,\n\nI'd like to introduce Samuel Okafor <sam.okafor@kitepay.test> to Rachel Adeyemi "
        "<rachel.adeyemi@seedfund.test>. Sam is scaling a payments team; Rachel has done it twice.\n\nThanks!\nRita",
        None, "request", SAM, RACHEL, subject="Intro: Sam <> Rachel")
    add("explicit-connect-parens-en", "outlook", "en", PAUL_R,
        "Please connect Fiona O'Connor (fiona.oconnor@brightwave.test) with Victor Hale (victor.hale@halepartners.test)"
        " - both work in London commercial property.", None, "request", FIONA, VICTOR, subject="Connection")
    add("explicit-between-en", "thunderbird", "en", CLAIRE,
        "Could you make an introduction between Yuki Tanaka <yuki@tanaka-design.test> and Ingrid Svensson "
        "<ingrid.svensson@karolinska.test>?\nYuki is moving to Stockholm.", None, "request", YUKI, INGRID,
        subject="Introduction request")
    add("explicit-presenter-a-fr", "gmail", "fr", EMILIE,
        "Bonjour,\n\nPourriez-vous présenter Benoît Leclerc <b.leclerc@wanadoo.test> à Aïcha Benali "
        "<aicha.benali@benali-rh.test> ? Son fils cherche une alternance en RH.\n\nMerci,\nÉmilie", None,
        "request", BENOIT, AICHA, subject="Mise en relation")
    add("explicit-mettre-en-relation-et-fr", "outlook", "fr", CLAIRE,
        "Merci de mettre en relation Mathilde Roux <mathilde.roux@univ-lyon.test> et Camille Dupont-Laurent "
        "<camille.dl@studio-cdl.test>.", None, "request", MATHILDE, CAMILLE, subject="Présentation")
    add("explicit-labels-why-en", "gmail", "en", CLAIRE,
        "Introduce: Yuki Tanaka <yuki@tanaka-design.test>\nTo: Dr. Ingrid Svensson <ingrid.svensson@karolinska.test>\n"
        "Why: medtech research in Stockholm", None, "request", YUKI, INGRID, subject="intro")
    add("explicit-labels-pourquoi-fr", "thunderbird", "fr", EMILIE,
        "Présenter : Léa Fontaine <lea.fontaine@atelier.test>\nÀ : Hugo Marchand <hugo@marchand-avocats.test>\n"
        "Pourquoi : les statuts de son atelier.", None, "request", LEA, HUGO, subject="Demande")

    # Errors.
    add("error-no-target-en", "gmail", "en", RITA, "Any idea who could help Sam? I'm drawing a blank.", sam,
        "error", error="no_target")
    add("error-no-target-fr", "gmail", "fr", EMILIE, "Je ne connais personne dans ce domaine, désolée.", lea,
        "error", error="no_target")
    add("error-name-only-fr", "outlook", "fr", EMILIE, "Tu pourrais la présenter à Hugo Marchand ? Il est très bien.",
        lea, "error", error="target_without_address")
    add("error-ambiguous-en", "apple_mail", "en", RITA, "Rachel Adeyemi <rachel.adeyemi@seedfund.test> or Victor Hale "
        "<victor.hale@halepartners.test>, whichever is free.", sam, "error", error="ambiguous_target")
    add("error-invalid-en", "new_outlook", "en", RITA, "Please introduce Sam to Rachel <rachel.adeyemi@seed_fund.test>.",
        sam, "error", error="invalid_address")
    add("error-no-requester-en", "gmail", "en", RITA, "Hi, how does this work? I'd like to introduce two friends.",
        None, "error", error="no_requester", subject="Question")
    return out


def write_referrals(folder: Path) -> int:
    folder.mkdir(parents=True)
    rows = ["file\tkind\trequester\ttarget\terror\tclient\tlanguage"]
    for case in referral_cases():
        name = f"{case.slug}.eml"
        (folder / name).write_bytes(mref.render(case))
        rows.append(f"{name}\t{case.kind}\t{case.requester}\t{case.target}\t{case.error}\t{case.client}\t{case.lang}")
    (folder / "labels.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return len(rows) - 1


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    replies = write_replies(OUT / "replies")
    referrals = write_referrals(OUT / "referrals")
    print(f"{replies} replies and {referrals} referrals written to {OUT}")


if __name__ == "__main__":
    main()
