"""Writes tests/labelled/referrals/: referrers' messages to the broker, as clients send them.

Run `python tests/labelled/make_referrals.py` to regenerate; the .eml files and
labels.tsv are committed so that every sample can be read and reviewed as mail.

A referrer forwards the requester's message to intro@example.test with a note naming the
person to meet, or writes an explicit request. Each client forwards its own way: Gmail's
"---------- Forwarded message ---------" (also on Android, "De :" in French), Outlook's
rule and "From:/Sent:" or "De :/Envoyé :" block (with "[mailto:…]" in older versions,
`divRplyFwdMsg` in OWA and the new Outlook), Apple Mail's "Begin forwarded message:" /
"Début du message réexpédié :" (quoted, on iOS under "Sent from my iPhone"),
Thunderbird's "-------- Forwarded Message --------" / "Message transféré" (plain, or
HTML with its header table), Yahoo's one-line header; or the message attached whole
(message/rfc822). Also HTML-only messages, nested forwards, names with commas, quotes,
accents and encoded words, the target written `Name <addr>`, bare, `addr (Name)`, as a
mailto: link or alone on its line; the error cases; a note without address whose
forwarded message names the one person to meet; a forwarded post whose author is the
person to meet, the note naming the requester.

Labels (labels.tsv): file, kind (request/error), requester, target, error (code),
client, language.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from _mime import address, esc, header_text, html_divs, html_lines, leaf, message, multipart, quote_plain

OUT = Path(__file__).resolve().parent / "referrals"
BROKER = "intro@example.test"


@dataclass(frozen=True)
class P:
    name: str
    addr: str

    def show(self) -> str:
        return f"{self.name} <{self.addr}>" if self.name else self.addr


# Referrers (allowed senders), requesters (authors of forwarded mail), targets.
RITA = P("Rita Referrer", "rita@referrer.test")
CLAIRE = P("Martin, Claire", "Claire.Martin@Referrer.TEST")
EMILIE = P("Émilie Petit", "emilie.petit@referrer.test")
PAUL_R = P("Paul Girard", "paul.girard@referrer.test")

JOHN = P("John Smith", "john.smith@acme.test")
JANE = P("Doe, Jane", "jane.doe@initech.test")
HELENE = P("Hélène Faure", "helene.faure@gmail.test")
TOM = P("Tom O'Brien", "tobrien@harbour.test")
MARCUS = P("Dr. Marcus Webb", "marcus.webb@yahoo.test")
LUCIE = P("Lucie Bernard", "lucie.bernard@etu.test")
JEANLUC = P("Jean-Luc Bérard", "jl.berard@orange-mail.test")
PRIYA = P("Priya Natarajan", "priya@lumen.test")
BOB = P("Bob Stone", "bob@stone.test")

ANA = P("Ana Lima", "ana@studio.test")
PAULD = P("Paul Durand", "paul.durand@globex.test")
SOPHIE = P("Sophie Moreau", "sophie.moreau@cabinet-moreau.test")
FRANCOIS = P("Nguyen, François", "francois.nguyen@laposte.test")
KARIM = P("Karim Haddad", "karim@haddad-conseil.test")
GRACE = P("Grace Liu", "grace.liu@outlook.test")
CAROL = P("Carol Price", "carol.price@brightside.test")
NEWSLETTER = P("Maya Chen", "maya@maya-writes.test")


@dataclass
class Fwd:
    """The message the referrer forwards."""

    author: P
    subject: str
    body: str
    to: P
    lang: str = "en"
    inner: Fwd | None = None  # an older message the author forwarded in turn
    ui: str = ""  # the language of the referrer's client, which writes the forward header

    @property
    def lang_ui(self) -> str:
        return self.ui or self.lang


@dataclass
class Case:
    slug: str
    client: str
    lang: str
    referrer: P
    note: str
    fwd: Fwd | None
    kind: str  # request / error
    requester: str = ""
    target: str = ""
    error: str = ""
    note_html: str | None = None  # the note as HTML, when it differs from the plain text (mailto links)
    subject: str | None = None
    cc: P | None = None  # a person the referrer copies on the forward


# --- Forwarded messages ---------------------------------------------------------------------------

def _first_name(person: P) -> str:
    """ "Doe, Jane" → Jane; "Dr. Marcus Webb" → Marcus."""
    words = [w for w in person.name.split(",")[-1].split() if not w.endswith(".")]
    return words[0] if words else ""


def ask_en(author: P, to: P, subject: str, text: str) -> Fwd:
    first = _first_name(to) or "there"
    sign = _first_name(author)
    return Fwd(author, subject, f"Hi {first},\n\n{text}\n\nThanks,\n{sign}", to)


def ask_fr(author: P, to: P, subject: str, text: str) -> Fwd:
    first = _first_name(to)
    sign = _first_name(author)
    return Fwd(author, subject, f"Bonjour {first},\n\n{text}\n\nMerci d'avance,\n{sign}", to, lang="fr")


# --- How each client writes the forwarded part ----------------------------------------------------

DATE_EN = "Mon, Apr 1, 2024 at 6:12\u202fPM"
DATE_FR = "lun. 1 avr. 2024 à 18:12"


def fwd_header_lines(client: str, fwd: Fwd) -> tuple[list[str], str]:
    """The separator/header lines a client writes above a forwarded message, and the
    blank lines it leaves before the body."""
    a, fr = fwd.author, fwd.lang_ui == "fr"
    if client.startswith("gmail"):
        lines = ["---------- Forwarded message ---------",
                 f"{'De :' if fr else 'From:'} {a.show()}",
                 f"Date: {DATE_FR if fr else DATE_EN}",
                 f"Subject: {fwd.subject}",
                 f"To: {fwd.to.show()}"]
        return lines, "\n\n"
    if client in ("outlook", "outlook_html_only"):
        if fr:
            lines = ["________________________________", f"De : {a.show()}",
                     "Envoyé : lundi 1 avril 2024 18:12", f"À : {fwd.to.show()}", f"Objet : {fwd.subject}"]
        else:
            lines = ["________________________________", f"From: {a.show()}", "Sent: Monday, April 1, 2024 6:12 PM",
                     f"To: {fwd.to.show()}", f"Subject: {fwd.subject}"]
        return lines, "\n"
    if client == "outlook_legacy":
        if fr:
            lines = ["-----Message d'origine-----", f"De : {a.name} [mailto:{a.addr}]",
                     "Envoyé : lundi 1 avril 2024 18:12", f"À : {fwd.to.name}", f"Objet : {fwd.subject}"]
        else:
            lines = ["-----Original Message-----", f"From: {a.name} [mailto:{a.addr}]",
                     "Sent: Monday, April 01, 2024 6:12 PM", f"To: {fwd.to.name}", f"Subject: {fwd.subject}"]
        return lines, "\n"
    if client in ("new_outlook", "owa_html_only"):
        if fr:
            lines = ["________________________________", f"De : {a.show()}",
                     "Envoyé : lundi 1 avril 2024 18:12", f"À : {fwd.to.show()}", f"Objet : {fwd.subject}"]
        else:
            lines = ["________________________________", f"From: {a.show()}", "Sent: Monday, April 1, 2024 18:12",
                     f"To: {fwd.to.show()}", f"Subject: {fwd.subject}"]
        return lines, "\n"
    if client in ("apple_mail", "ios_mail"):
        if fr:
            lines = ["Début du message réexpédié :", "", f"De: {a.show()}", f"Objet: {fwd.subject}",
                     "Date: 1 avril 2024 à 18:12:11 UTC+2", f"À: {fwd.to.show()}"]
        else:
            lines = ["Begin forwarded message:", "", f"From: {a.show()}", f"Subject: {fwd.subject}",
                     "Date: 1 April 2024 at 18:12:11 CEST", f"To: {fwd.to.show()}"]
        return lines, "\n"
    if client.startswith("thunderbird"):
        if fr:
            lines = ["-------- Message transféré --------", f"Sujet : \t{fwd.subject}",
                     "Date : \tMon, 1 Apr 2024 18:12:11 +0200", f"De : \t{a.show()}", f"Pour : \t{fwd.to.show()}"]
        else:
            lines = ["-------- Forwarded Message --------", f"Subject: \t{fwd.subject}",
                     "Date: \tMon, 1 Apr 2024 18:12:11 +0200", f"From: \t{a.show()}", f"To: \t{fwd.to.show()}"]
        return lines, "\n\n\n\n"
    if client.startswith("yahoo"):
        if fr:
            line = (f"   ----- Message transmis ----- De : {a.show()}À : {fwd.to.show()}"
                    f"Envoyé : lundi 1 avril 2024, 18:12:50 UTC+2Objet : {fwd.subject}")
        else:
            line = (f"   ----- Forwarded Message ----- From: {a.show()}To: {fwd.to.show()}"
                    f"Sent: Monday, April 1, 2024, 06:12:50 PM GMT+2Subject: {fwd.subject}")
        return [line], "\n "
    raise ValueError(client)


def inner_text(fwd: Fwd) -> str:
    """The forwarded message's text, with its own older forward (Gmail style) below."""
    if fwd.inner is None:
        return fwd.body
    inner = fwd.inner
    block = ("---------- Forwarded message ---------\n"
             f"From: {inner.author.show()}\nDate: Fri, Mar 29, 2024 at 9:00\u202fAM\n"
             f"Subject: {inner.subject}\nTo: {inner.to.show()}\n\n\n{inner.body}")
    return f"{fwd.body}\n\n{block}"


def plain_forward(client: str, fwd: Fwd) -> str:
    lines, gap = fwd_header_lines(client, fwd)
    body = inner_text(fwd)
    if client in ("apple_mail", "ios_mail"):
        # Apple quotes the header and the body; the separator line stays unquoted.
        return lines[0] + "\n\n" + quote_plain("\n".join(lines[2:]) + "\n\n" + body)
    return "\n".join(lines) + gap + body


def html_forward(client: str, fwd: Fwd) -> str:
    lines, _ = fwd_header_lines(client, fwd)
    body = inner_text(fwd)
    if client.startswith("gmail"):
        head = "<br>".join(esc(line) for line in lines)
        return (f'<div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">{head}<br></div>'
                f'<br><br>{html_divs(body)}</div>')
    if client in ("outlook", "outlook_html_only", "outlook_legacy"):
        fields = "<br>\n".join(
            f"<b>{esc(line.split(':', 1)[0])}:</b>{esc(line.split(':', 1)[1])}" for line in lines[1:]
        )
        return ('<div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
                f'<p class="MsoNormal"><span lang="FR">{fields}</span></p></div></div>'
                f'<p class="MsoNormal"><o:p>&nbsp;</o:p></p><p class="MsoNormal">{html_lines(body)}</p>')
    if client in ("new_outlook", "owa_html_only"):
        fields = "<br>".join(
            f"<b>{esc(line.split(':', 1)[0])}:</b>{esc(line.split(':', 1)[1])}" for line in lines[1:]
        )
        return ('<div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1">'
                f'<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" '
                f'color="#000000">{fields}</font><div>&nbsp;</div></div><div>{html_divs(body)}</div>')
    if client in ("apple_mail", "ios_mail"):
        fields = "".join(
            f'<div style="margin-top: 0px; margin-right: 0px; margin-bottom: 0px; margin-left: 0px;">'
            f'<span style="font-family: -webkit-system-font, Helvetica Neue, Helvetica, sans-serif;"><b>'
            f'{esc(line.split(":", 1)[0])}: </b></span><span style="font-family: -webkit-system-font, '
            f'Helvetica Neue, Helvetica, sans-serif;">{esc(line.split(":", 1)[1].strip())}<br></span></div>'
            for line in lines[2:]
        )
        return (f'<div dir="ltr"><br><blockquote type="cite">{esc(lines[0])}<br><br>{fields}<br>'
                f'<div dir="ltr">{html_divs(body)}</div></blockquote></div>')
    if client.startswith("thunderbird"):
        rows = "".join(
            f'<tr><th valign="BASELINE" nowrap="nowrap" align="RIGHT">{esc(line.split(":", 1)[0])}: </th>'
            f"<td>{esc(line.split(':', 1)[1].strip())}</td></tr>"
            for line in lines[1:]
        )
        return (f'<div class="moz-forward-container"><br><br>{esc(lines[0])}<table class="moz-email-headers-table" '
                f'cellspacing="0" cellpadding="0" border="0"><tbody>{rows}</tbody></table><br><br>'
                f'<div dir="ltr">{html_divs(body)}</div></div>')
    if client.startswith("yahoo"):
        return (f'<div id="yahoo_quoted_8826376544" class="yahoo_quoted"><div style="font-family:\'Helvetica Neue\', '
                f'Helvetica, Arial, sans-serif;font-size:13px;color:#26282a;"><div>{esc(lines[0].strip())}</div>'
                f'<div><br></div><div><div dir="ltr">{html_divs(body)}</div></div></div></div>')
    raise ValueError(client)


# --- Whole messages --------------------------------------------------------------------------------


def outer_headers(case: Case, subject: str, *, mid_domain: str) -> list[tuple[str, str]]:
    mid = hashlib.sha1(case.slug.encode()).hexdigest()[:18]
    return [
        ("Return-Path", f"<{case.referrer.addr.lower()}>"),
        ("Delivered-To", BROKER),
        ("MIME-Version", "1.0"),
        ("Date", "Tue, 2 Apr 2024 10:31:04 +0200"),
        ("Message-ID", f"<{mid}@{mid_domain}>"),
        ("Subject", header_text(subject)),
        ("From", address(case.referrer.name, case.referrer.addr)),
        ("To", address("Introductions", BROKER)),
    ] + ([("Cc", address(case.cc.name, case.cc.addr))] if case.cc else [])


def forward_subject(case: Case) -> str:
    if case.subject is not None:
        return case.subject
    subject = case.fwd.subject if case.fwd else "Introduction"
    if case.client.startswith(("outlook", "new_outlook", "owa")):
        return ("TR: " if case.lang == "fr" else "FW: ") + subject
    return "Fwd: " + subject


def note_html(case: Case) -> str:
    return case.note_html if case.note_html is not None else html_divs(case.note)


def inline(case: Case) -> bytes:
    """The forwarded message written inline under the note, the client's way."""
    client, fwd = case.client, case.fwd
    note = case.note
    if client == "ios_mail":
        note = note + ("\n\nEnvoyé de mon iPhone" if case.lang == "fr" else "\n\nSent from my iPhone")
    plain = f"{note}\n\n{plain_forward(client, fwd)}\n"
    html = f'<html><head></head><body><div dir="ltr">{note_html(case)}</div>'
    if client == "ios_mail":
        html += f'<div dir="ltr">{"Envoyé de mon iPhone" if case.lang == "fr" else "Sent from my iPhone"}</div>'
    html += f"<br>{html_forward(client, fwd)}</body></html>\n"
    boundary = "b1_" + hashlib.md5(case.slug.encode()).hexdigest()[:20]
    html_only = client.endswith("html_only")
    if client.startswith("outlook"):
        charset = "cp1252" if _cp1252(plain + html) else "utf-8"
        label = "iso-8859-1" if charset == "cp1252" else "utf-8"
        parts = [leaf("text/html", html, charset, "quoted-printable", label=label)]
        if not html_only:
            parts.insert(0, leaf("text/plain", plain, charset, "quoted-printable", label=label))
        mid = "PAXPR01MB1234.eurprd01.prod.outlook.com"
    elif client.startswith("thunderbird") and not client.endswith("html"):
        parts = [leaf("text/plain", plain, "UTF-8", "8bit", params="; format=flowed")]
        mid = "referrer.test"
    else:
        cte = "base64" if client in ("yahoo", "gmail_mobile") else "quoted-printable"
        parts = [leaf("text/html", html, "UTF-8", cte)]
        if not html_only:
            parts.insert(0, leaf("text/plain", plain, "UTF-8", cte))
        mid = "mail.gmail.com" if client.startswith("gmail") else "referrer.test"
    body = parts[0] if len(parts) == 1 else multipart("alternative", boundary, parts)
    return message(outer_headers(case, forward_subject(case), mid_domain=mid), body)


def _cp1252(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def attached(case: Case) -> bytes:
    """The forwarded message attached whole (message/rfc822), the note as the body."""
    fwd = case.fwd
    inner_headers = [
        ("MIME-Version", "1.0"),
        ("Date", "Mon, 1 Apr 2024 18:12:11 +0200"),
        ("Message-ID", f"<{hashlib.sha1(fwd.author.addr.encode()).hexdigest()[:16]}@{fwd.author.addr.split('@')[1]}>"),
        ("Subject", header_text(fwd.subject)),
        ("From", address(fwd.author.name, fwd.author.addr)),
        ("To", address(fwd.to.name, fwd.to.addr)),
    ]
    inner_body = leaf("text/plain", inner_text(fwd) + "\n", "utf-8", "quoted-printable")
    inner = "\n".join(f"{k}: {v}" for k, v in inner_headers) + "\n" + inner_body
    client = case.client.replace("_attached", "")
    note = case.note
    if client == "ios_mail":
        note += "\n\nSent from my iPhone"
    filename = header_text(f"{fwd.subject}.eml")
    if client == "outlook":
        disposition = f'Content-Disposition: attachment; filename="{filename}"'
    elif client == "thunderbird":
        disposition = f'Content-Disposition: attachment; filename="{filename}"'
    elif client == "apple_mail":
        disposition = "Content-Disposition: attachment"
    else:
        disposition = f'Content-Disposition: attachment; filename="{filename}"'
    rfc822 = f"Content-Type: message/rfc822\n{disposition}\n\n{inner}"
    boundary = "mixed_" + hashlib.md5(case.slug.encode()).hexdigest()[:16]
    if client in ("gmail", "outlook", "yahoo"):
        alt = multipart("alternative", "alt_" + boundary, [
            leaf("text/plain", note + "\n", "UTF-8", "quoted-printable"),
            leaf("text/html", f'<div dir="ltr">{note_html(case)}</div>\n', "UTF-8", "quoted-printable"),
        ])
        first = alt
    else:
        first = leaf("text/plain", note + "\n", "UTF-8", "8bit" if client == "thunderbird" else "quoted-printable")
    body = multipart("mixed", boundary, [first, rfc822])
    return message(outer_headers(case, forward_subject(case), mid_domain="referrer.test"), body)


def explicit(case: Case) -> bytes:
    """A request written directly to the broker: no forward."""
    boundary = "alt_" + hashlib.md5(case.slug.encode()).hexdigest()[:16]
    if case.client == "outlook":
        charset = "cp1252" if _cp1252(case.note) else "utf-8"
        body = leaf("text/plain", case.note + "\n", charset, "quoted-printable",
                    label="windows-1252" if charset == "cp1252" else None)
    elif case.client == "thunderbird":
        body = leaf("text/plain", case.note + "\n", "UTF-8", "8bit", params="; format=flowed")
    else:
        body = multipart("alternative", boundary, [
            leaf("text/plain", case.note + "\n", "UTF-8", "quoted-printable"),
            leaf("text/html", f'<div dir="ltr">{note_html(case)}</div>\n', "UTF-8", "quoted-printable"),
        ])
    return message(outer_headers(case, case.subject or "Introduction", mid_domain="referrer.test"), body)


def ui(fwd: Fwd, lang: str) -> Fwd:
    """The forwarded message as the referrer's client, in `lang`, shows it."""
    return replace(fwd, ui=lang)


# --- The cases -------------------------------------------------------------------------------------

def cases() -> list[Case]:
    out: list[Case] = []

    def add(slug, client, lang, referrer, note, fwd, kind, requester="", target="", error="", **extra):
        if fwd is not None:
            fwd = ui(fwd, lang)
        out.append(Case(slug, client, lang, referrer, note, fwd, kind, requester, target, error, **extra))

    john_designer = ask_en(JOHN, RITA, "Looking for a designer",
                           "I'm rebuilding our booking app and need a product designer who freelances.\n"
                           "Do you know someone good?")
    jane_lawyer = ask_en(JANE, RITA, "Employment lawyer?",
                         "We have a dispute with a former employee. Could you recommend an employment lawyer?")
    tom_data = ask_en(TOM, CLAIRE, "Hiring a data team", "I'm about to hire our first two data engineers and "
                      "would love to talk to someone who has done it before.")
    marcus_funds = ask_en(MARCUS, RITA, "Seed round advice", "We're raising a seed round in the autumn. "
                          "Who should I talk to first?")
    priya_intro = ask_en(PRIYA, PAUL_R, "Quick question", "Do you know anyone in logistics in Lyon? I'm "
                         "exploring a partnership there.")
    helene_compta = ask_fr(HELENE, EMILIE, "Recherche d'un expert-comptable",
                           "Je crée ma société et je cherche un expert-comptable de confiance. Aurais-tu un nom ?")
    lucie_stage = ask_fr(LUCIE, CLAIRE, "Question stage",
                         "Je cherche un stage de fin d'études en analyse de données. "
                         "Connaîtrais-tu quelqu'un qui recrute ?")
    jeanluc_avocat = ask_fr(JEANLUC, EMILIE, "Conseil juridique",
                            "J'ai besoin d'un avocat en droit social, tu aurais quelqu'un à me recommander ?")

    # Gmail web, English and French, each form of the target.
    add("gmail-en-name-addr", "gmail", "en", RITA,
        "Could you introduce John to Ana Lima <ana@studio.test>? She redesigned our app in 2022 and is "
        "freelancing again.", john_designer, "request", JOHN.addr, ANA.addr)
    add("gmail-en-bare", "gmail", "en", RITA,
        "Ana can help him: ana@studio.test\nI worked with her for three years at Acme.",
        john_designer, "request", JOHN.addr, ANA.addr)
    add("gmail-en-addr-paren", "gmail", "en", RITA,
        "Please connect her with karim@haddad-conseil.test (Karim Haddad), best employment lawyer I know.",
        jane_lawyer, "request", JANE.addr, KARIM.addr)
    add("gmail-en-own-line", "gmail", "en", RITA,
        "This is who he should talk to:\n\nana@studio.test\n\nShe ran design at Acme for five years.",
        john_designer, "request", JOHN.addr, ANA.addr)
    add("gmail-en-mailto", "gmail_html_only", "en", RITA,
        "Please introduce Jane to Karim Haddad, he handled our own dispute last year.", jane_lawyer,
        "request", JANE.addr, KARIM.addr,
        note_html='<div>Please introduce Jane to <a href="mailto:karim@haddad-conseil.test">Karim Haddad</a>, '
                  "he handled our own dispute last year.</div>")
    add("gmail-fr-name-addr", "gmail", "fr", EMILIE,
        "Pourrais-tu la mettre en relation avec Sophie Moreau <sophie.moreau@cabinet-moreau.test> ? "
        "Elle tient notre comptabilité depuis 2015.", helene_compta, "request", HELENE.addr, SOPHIE.addr)
    add("gmail-fr-bare", "gmail", "fr", EMILIE,
        "Bonjour,\n\nJe te propose de la présenter à sophie.moreau@cabinet-moreau.test, qui connaît bien le "
        "sujet.\n\nMerci !\nÉmilie", helene_compta, "request", HELENE.addr, SOPHIE.addr)
    add("gmail-fr-mailto", "gmail_html_only", "fr", EMILIE,
        "Peux-tu le présenter à François Nguyen ? On a monté une boîte ensemble.", jeanluc_avocat,
        "request", JEANLUC.addr, FRANCOIS.addr,
        note_html='<div>Peux-tu le présenter à <a href="mailto:francois.nguyen@laposte.test">François Nguyen</a>'
                  " ? On a monté une boîte ensemble.</div>")
    add("gmail-mobile-en", "gmail_mobile", "en", PAUL_R,
        "Grace Liu <grace.liu@outlook.test> runs logistics for Transalp in Lyon, they should talk.",
        priya_intro, "request", PRIYA.addr, GRACE.addr)
    add("gmail-mobile-fr", "gmail_mobile", "fr", CLAIRE,
        "Paul Durand <paul.durand@globex.test> recrute des stagiaires data, tu peux les mettre en contact ?",
        lucie_stage, "request", LUCIE.addr, PAULD.addr)

    # Outlook desktop (rule + block, or the older "Original Message" with [mailto:]).
    add("outlook-en-name-addr", "outlook", "en", RITA,
        "Hi,\n\nPlease introduce Marcus to Paul Durand <paul.durand@globex.test>. Paul led two seed rounds "
        "last year.\n\nRegards,\nRita", marcus_funds, "request", MARCUS.addr, PAULD.addr)
    add("outlook-en-comma-name", "outlook", "en", CLAIRE,
        "Tom should meet Paul Durand <paul.durand@globex.test>, who built the data team at Globex.",
        tom_data, "request", TOM.addr, PAULD.addr)
    add("outlook-fr-name-addr", "outlook", "fr", EMILIE,
        "Bonjour,\n\nMerci de le mettre en relation avec Nguyen, François <francois.nguyen@laposte.test>, "
        "avocat en droit social.\n\nCordialement,\nÉmilie Petit", jeanluc_avocat, "request", JEANLUC.addr, FRANCOIS.addr)
    add("outlook-legacy-en", "outlook_legacy", "en", RITA,
        "Jane should talk to Karim Haddad [mailto:karim@haddad-conseil.test] about this.",
        jane_lawyer, "request", JANE.addr, KARIM.addr)
    add("outlook-legacy-fr", "outlook_legacy", "fr", EMILIE,
        "Sophie Moreau <sophie.moreau@cabinet-moreau.test> : je la connais depuis la fac, elle sera parfaite.",
        helene_compta, "request", HELENE.addr, SOPHIE.addr)
    add("outlook-html-only-en", "outlook_html_only", "en", RITA,
        "Could you put John in touch with Ana Lima<mailto:ana@studio.test>? She designed our booking flow.",
        john_designer, "request", JOHN.addr, ANA.addr,
        note_html='<p class="MsoNormal">Could you put John in touch with <a href="mailto:ana@studio.test">Ana Lima'
                  "</a>? She designed our booking flow.</p>")
    add("outlook-html-only-fr", "outlook_html_only", "fr", CLAIRE,
        "Présente-la à Paul Durand <paul.durand@globex.test>, il recrute.", lucie_stage,
        "request", LUCIE.addr, PAULD.addr)

    # New Outlook / OWA.
    add("new-outlook-en", "new_outlook", "en", PAUL_R,
        "Priya, meet Grace Liu (grace.liu@outlook.test)? Grace ran the Lyon depot for years.",
        priya_intro, "request", PRIYA.addr, GRACE.addr)
    add("new-outlook-fr", "new_outlook", "fr", EMILIE,
        "Peux-tu le présenter à Karim Haddad <karim@haddad-conseil.test> ? Il est avocat en droit social.",
        jeanluc_avocat, "request", JEANLUC.addr, KARIM.addr)
    add("owa-html-only-en", "owa_html_only", "en", RITA,
        "Marcus, meet Carol Price <carol.price@brightside.test>: she invests at seed stage.",
        marcus_funds, "request", MARCUS.addr, CAROL.addr)
    add("owa-html-only-fr", "owa_html_only", "fr", EMILIE,
        "À mettre en relation avec sophie.moreau@cabinet-moreau.test (Sophie Moreau), experte-comptable.",
        helene_compta, "request", HELENE.addr, SOPHIE.addr)

    # Apple Mail and iOS.
    add("apple-en", "apple_mail", "en", RITA,
        "Meet Ana Lima <ana@studio.test>: she freelances and she is great.", john_designer,
        "request", JOHN.addr, ANA.addr)
    add("apple-fr", "apple_mail", "fr", CLAIRE,
        "Paul Durand <paul.durand@globex.test> pourrait l'aider, il recrute en data.", lucie_stage,
        "request", LUCIE.addr, PAULD.addr)
    add("ios-en", "ios_mail", "en", RITA,
        "Karim <karim@haddad-conseil.test> is the lawyer she needs", jane_lawyer, "request", JANE.addr, KARIM.addr)
    add("ios-fr", "ios_mail", "fr", EMILIE,
        "Sophie <sophie.moreau@cabinet-moreau.test> pour la compta", helene_compta, "request", HELENE.addr, SOPHIE.addr)

    # Thunderbird: plain text and HTML with its header table.
    add("thunderbird-en", "thunderbird", "en", CLAIRE,
        "Tom, meet Grace Liu <grace.liu@outlook.test>; she hired a data team at Transalp last year.",
        tom_data, "request", TOM.addr, GRACE.addr)
    add("thunderbird-fr", "thunderbird", "fr", EMILIE,
        "Présente-le à Maître Nguyen <francois.nguyen@laposte.test> : je le connais depuis la fac.",
        jeanluc_avocat, "request", JEANLUC.addr, FRANCOIS.addr)
    add("thunderbird-html-en", "thunderbird_html", "en", RITA,
        "Introduce him to Carol Price <carol.price@brightside.test>, she backed two companies like his.",
        marcus_funds, "request", MARCUS.addr, CAROL.addr)
    add("thunderbird-html-fr", "thunderbird_html", "fr", CLAIRE,
        "Lucie devrait rencontrer Paul Durand <paul.durand@globex.test>.", lucie_stage,
        "request", LUCIE.addr, PAULD.addr)

    # Yahoo.
    add("yahoo-en", "yahoo", "en", PAUL_R,
        "Grace Liu <grace.liu@outlook.test> - Lyon logistics, knows everyone.", priya_intro,
        "request", PRIYA.addr, GRACE.addr)
    add("yahoo-fr", "yahoo", "fr", EMILIE,
        "Sophie Moreau <sophie.moreau@cabinet-moreau.test>, c'est elle qu'il te faut.", helene_compta,
        "request", HELENE.addr, SOPHIE.addr)
    add("yahoo-html-only-en", "yahoo_html_only", "en", RITA,
        "Please connect Jane with Karim Haddad <karim@haddad-conseil.test>.", jane_lawyer,
        "request", JANE.addr, KARIM.addr)

    # Forwards as attachments, from each client.
    for client, lang, referrer, note, fwd, requester, target in [
        ("gmail", "en", RITA, "Please introduce John to Ana Lima <ana@studio.test>, the best designer I worked with.",
         john_designer, JOHN, ANA),
        ("outlook", "en", CLAIRE, "Tom -> Paul Durand <paul.durand@globex.test>, they should compare notes on hiring.",
         tom_data, TOM, PAULD),
        ("outlook", "fr", EMILIE, "Merci de la présenter à Sophie Moreau <sophie.moreau@cabinet-moreau.test>.",
         helene_compta, HELENE, SOPHIE),
        ("apple_mail", "en", RITA, "Jane, meet Karim Haddad <karim@haddad-conseil.test>.", jane_lawyer, JANE, KARIM),
        ("ios_mail", "en", RITA, "Carol Price <carol.price@brightside.test>, seed investor", marcus_funds, MARCUS, CAROL),
        ("thunderbird", "fr", CLAIRE, "Présente-la à Paul Durand <paul.durand@globex.test>, il recrute des stagiaires.",
         lucie_stage, LUCIE, PAULD),
        ("yahoo", "en", PAUL_R, "grace.liu@outlook.test (Grace Liu) knows the Lyon market.", priya_intro, PRIYA, GRACE),
        ("gmail", "fr", EMILIE, "Pour Jean-Luc : francois.nguyen@laposte.test\nAvocat en droit social, très bon.",
         jeanluc_avocat, JEANLUC, FRANCOIS),
    ]:
        add(f"attached-{client}-{lang}", f"{client}_attached", lang, referrer, note, fwd, "request",
            requester.addr, target.addr)

    # Nested forwards: the requester forwarded an older message to the referrer.
    nested = Fwd(JOHN, "Fwd: Pitch deck", "Rita, see below: Bob told me to ask you for an investor intro.\n\nJohn",
                 RITA, inner=Fwd(BOB, "Pitch deck", "John, ask Rita, she knows every seed investor in town.\n\nBob", JOHN))
    nested_fr = Fwd(HELENE, "TR: Devis comptable",
                    "Émilie, regarde ci-dessous : Bob me conseille de te demander un contact.\n\nHélène",
                    EMILIE, lang="fr",
                    inner=Fwd(BOB, "Devis comptable", "Hélène, demande à Émilie, elle connaît tout le monde.\n\nBob",
                              HELENE, lang="fr"))
    add("nested-gmail-en", "gmail", "en", RITA,
        "John wants to meet Carol Price <carol.price@brightside.test>, who invested in two companies like his.",
        nested, "request", JOHN.addr, CAROL.addr)
    add("nested-outlook-en", "outlook", "en", RITA,
        "Carol Price <carol.price@brightside.test> is the investor for this.", nested, "request", JOHN.addr, CAROL.addr)
    add("nested-apple-fr", "apple_mail", "fr", EMILIE,
        "Sophie Moreau <sophie.moreau@cabinet-moreau.test> pourra l'aider.", nested_fr, "request",
        HELENE.addr, SOPHIE.addr)
    add("nested-attached-en", "gmail_attached", "en", RITA,
        "Please introduce John to Carol Price <carol.price@brightside.test>.", nested, "request", JOHN.addr, CAROL.addr)

    # Names with quotes, accents and encoded words (the referrer's own name is encoded too).
    quoted_author = ask_en(P('"Tom" O\'Brien (Harbour)', TOM.addr), RITA, "Intro?", "Know any good CFO?")
    add("quoted-author-gmail", "gmail", "en", RITA,
        "Please introduce Tom to Grace Liu <grace.liu@outlook.test>, she was our CFO.", quoted_author,
        "request", TOM.addr, GRACE.addr)
    add("accents-outlook-fr", "outlook", "fr", EMILIE,
        "Je te présente François « Nguyen » <francois.nguyen@laposte.test>, voir ci-dessous.",
        jeanluc_avocat, "request", JEANLUC.addr, FRANCOIS.addr)
    add("encoded-attached-fr", "thunderbird_attached", "fr", EMILIE,
        "Hélène devrait rencontrer Nguyen, François <francois.nguyen@laposte.test>.", helene_compta,
        "request", HELENE.addr, FRANCOIS.addr)

    # Explicit requests, no forward.
    add("explicit-labels-en", "gmail", "en", RITA,
        "Introduce: John Smith <john.smith@acme.test>\nTo: Ana Lima <ana@studio.test>\n"
        "Why: John needs a product designer; Ana freelances and I worked with both.", None,
        "request", JOHN.addr, ANA.addr, subject="Intro request")
    add("explicit-labels-fr", "outlook", "fr", EMILIE,
        "Présenter : Hélène Faure <helene.faure@gmail.test>\nÀ : Sophie Moreau <sophie.moreau@cabinet-moreau.test>\n"
        "Pourquoi : Hélène crée sa société, Sophie tient notre comptabilité depuis 2015.", None,
        "request", HELENE.addr, SOPHIE.addr, subject="Demande de mise en relation")
    add("explicit-one-line-en", "thunderbird", "en", RITA,
        "Introduce Marcus Webb <marcus.webb@yahoo.test> to Carol Price <carol.price@brightside.test>\n"
        "Why: Marcus is raising a seed round, Carol invests at seed.", None,
        "request", MARCUS.addr, CAROL.addr, subject="intro")
    add("explicit-one-line-fr", "gmail", "fr", CLAIRE,
        "Présenter Lucie Bernard <lucie.bernard@etu.test> à Paul Durand <paul.durand@globex.test>\n"
        "Pourquoi : Lucie cherche un stage en data, Paul recrute.", None,
        "request", LUCIE.addr, PAULD.addr, subject="Mise en relation")
    add("explicit-prose-en", "gmail", "en", RITA,
        "Hi,\n\nCould you introduce Tom O'Brien <tobrien@harbour.test> to Grace Liu <grace.liu@outlook.test>? "
        "Tom is hiring a CFO and Grace was ours for six years.\n\nThanks,\nRita", None,
        "request", TOM.addr, GRACE.addr, subject="Intro: Tom and Grace")
    add("explicit-prose-fr", "outlook", "fr", EMILIE,
        "Bonjour,\n\nPeux-tu mettre en relation Jean-Luc Bérard <jl.berard@orange-mail.test> avec "
        "Karim Haddad <karim@haddad-conseil.test> ? Jean-Luc a besoin d'un avocat.\n\nMerci,\nÉmilie", None,
        "request", JEANLUC.addr, KARIM.addr, subject="Mise en relation")

    # (a) The note names no address; the forwarded message names the one person to meet.
    wants_jane = ask_en(JOHN, RITA, "Intro to Paul?",
                        "Could you introduce me to Paul Durand (paul.durand@globex.test)? I saw you worked "
                        "together at Globex.")
    add("target-in-forward-en", "gmail", "en", RITA, "Happy to help here, Paul and I go back years.", wants_jane,
        "request", JOHN.addr, PAULD.addr)
    add("target-in-forward-outlook", "outlook", "en", CLAIRE, "See below, can you set this up? I know Paul well.",
        wants_jane, "request", JOHN.addr, PAULD.addr)
    wants_sophie = ask_fr(HELENE, EMILIE, "Mise en relation",
                          "Pourrais-tu me présenter à Sophie Moreau <sophie.moreau@cabinet-moreau.test> ? "
                          "Elle a l'air de connaître le secteur.")
    add("target-in-forward-fr", "apple_mail", "fr", EMILIE, "Voir ci-dessous, je connais bien Sophie.",
        wants_sophie, "request", HELENE.addr, SOPHIE.addr)
    add("target-in-forward-attached", "gmail_attached", "en", RITA, "Can you help John with this? Paul is a friend.",
        wants_jane, "request", JOHN.addr, PAULD.addr)

    # (b) A forwarded post whose author is the person to meet; the note names the requester.
    post = Fwd(NEWSLETTER, "Why small teams ship faster",
               "This week: what I learned running a four-person product team for six years.\n\n"
               "Small teams ship faster because ...\n\nMaya", RITA)
    post_fr = Fwd(NEWSLETTER, "Pourquoi les petites équipes livrent plus vite",
                  "Cette semaine : ce que j'ai appris en dirigeant une équipe produit de quatre personnes.\n\nMaya",
                  EMILIE, lang="fr")
    add("post-author-en", "gmail", "en", RITA,
        "Could you introduce Carol Price <carol.price@brightside.test> to the author of this post? "
        "Carol runs a four-person team too.", post, "request", CAROL.addr, NEWSLETTER.addr)
    add("post-author-label", "outlook", "en", RITA,
        "Introduce: Carol Price <carol.price@brightside.test>\nWhy: Carol would love to compare notes with Maya.",
        post, "request", CAROL.addr, NEWSLETTER.addr)
    add("post-author-fr", "gmail", "fr", EMILIE,
        "Peux-tu présenter Hélène Faure <helene.faure@gmail.test> à l'autrice de cette lettre ? "
        "Elle monte une petite équipe.", post_fr, "request", HELENE.addr, NEWSLETTER.addr)
    add("post-author-attached", "apple_mail_attached", "en", RITA,
        "Introduce: Tom O'Brien <tobrien@harbour.test>", post, "request", TOM.addr, NEWSLETTER.addr)

    # The person to meet copied on the forward, named in the note without an address.
    add("copied-target-gmail-en", "gmail", "en", RITA, "Ana, meet John; John, meet Ana. You two should talk design.",
        john_designer, "request", JOHN.addr, ANA.addr, cc=ANA)
    add("copied-target-outlook-fr", "outlook", "fr", EMILIE,
        "Bonjour Sophie,\n\nJe te transfère le message d'Hélène, qui cherche un expert-comptable.\n\nBien à vous,\nÉmilie",
        helene_compta, "request", HELENE.addr, SOPHIE.addr, cc=SOPHIE)

    # A second batch of notes, written after the readers were tuned on the first.
    oliver = ask_en(P("Oliver Grant", "oliver@grant-ventures.test"), RITA, "Question",
                    "Any idea who could advise me on hiring engineers in Berlin?")
    ines = ask_fr(P("Inès Dubois", "ines.dubois@sfr.test"), EMILIE, "Besoin d'aide",
                  "Tu connais quelqu'un dans l'édition à Lyon ?")
    nina = "nina@berg.test"
    for slug, client, lang, note, kind in [
        ("meet-name-en", "yahoo_attached", "en",
         "Oliver, meet Nina Berg <nina@berg.test>, who built the Berlin office of Zalando.", "request"),
        ("bare-first-line-en", "owa_html_only", "en", "nina@berg.test\n\nShe'll know.", "request"),
        ("paren-signature-en", "thunderbird_html", "en",
         "Hi!\n\nI think Nina (nina@berg.test) is your best bet. She hired 40 engineers in Berlin.\n\nCheers,\nRita\n"
         "+44 7700 900000", "request"),
        ("connecting-en", "ios_mail", "en", "Connecting you two: Nina Berg <nina@berg.test>", "request"),
        ("dashes-en", "outlook_legacy", "en", "Nina Berg - nina@berg.test - ex Zalando", "request"),
        ("conseille-fr", "gmail_mobile", "fr",
         "Je te conseille Nina Berg <nina@berg.test>, elle connaît tout le monde dans l'édition.", "request"),
        ("de-ma-part-fr", "outlook_attached", "fr", "Contacte de ma part nina@berg.test (Nina Berg).\n\nBises,\nÉmilie",
         "request"),
        ("name-above-fr", "yahoo", "fr", "Voici la personne qu'il te faut :\nNina Berg\nnina@berg.test", "request"),
        ("nobody-en", "new_outlook", "en", "Sorry, I don't know anyone there.", "no_target"),
        ("voir-avec-fr", "thunderbird", "fr", "Tu devrais voir avec Nina Berg, elle saura.", "target_without_address"),
    ]:
        fwd = ines if lang == "fr" else oliver
        referrer = EMILIE if lang == "fr" else RITA
        if kind == "request":
            add(f"batch2-{slug}", client, lang, referrer, note, fwd, "request", fwd.author.addr, nina)
        else:
            add(f"batch2-{slug}", client, lang, referrer, note, fwd, "error", error=kind)

    # Errors.
    add("error-no-target-en", "gmail", "en", RITA, "FYI, can you help John? I've known him since school.",
        john_designer, "error", error="no_target")
    add("error-no-target-fr", "outlook", "fr", EMILIE, "Tu peux aider Hélène ? Je la connais depuis le lycée.",
        helene_compta, "error", error="no_target")
    add("error-name-only-en", "apple_mail", "en", RITA, "Could you introduce him to Ana Lima? She's great.",
        john_designer, "error", error="target_without_address")
    add("error-name-only-fr", "gmail", "fr", CLAIRE, "Peux-tu la présenter à Paul Durand ? Il recrute.",
        lucie_stage, "error", error="target_without_address")
    add("error-ambiguous-en", "outlook", "en", RITA,
        "Either Ana Lima <ana@studio.test> or Grace Liu <grace.liu@outlook.test> could help.",
        john_designer, "error", error="ambiguous_target")
    add("error-ambiguous-fr", "thunderbird", "fr", EMILIE,
        "Sophie Moreau <sophie.moreau@cabinet-moreau.test> ou Karim Haddad <karim@haddad-conseil.test>, au choix.",
        helene_compta, "error", error="ambiguous_target")
    add("error-invalid-en", "gmail", "en", RITA, "Please introduce John to Ana Lima <ana..lima@studio.test>.",
        john_designer, "error", error="invalid_address")
    add("error-invalid-fr", "new_outlook", "fr", EMILIE,
        "Présente-la à Sophie <sophie.moreau@cabinet_moreau.test>.", helene_compta, "error", error="invalid_address")
    add("error-referrer-explicit", "gmail", "en", RITA,
        "Introduce: John Smith <john.smith@acme.test>\nTo: Rita Referrer <rita@referrer.test>", None,
        "error", error="referrer_as_party", subject="intro")
    own = Fwd(RITA, "My notes", "A note I wrote to myself about Ana.", P("Someone", "someone@elsewhere.test"))
    add("error-referrer-own-forward", "gmail", "en", RITA,
        "Introduce me to Ana Lima <ana@studio.test> please.", own, "error", error="referrer_as_party")
    add("error-explicit-no-address", "outlook", "en", RITA,
        "Introduce: John Smith\nTo: Ana Lima <ana@studio.test>", None, "error", error="no_requester",
        subject="intro")
    add("error-not-a-request-fr", "gmail", "fr", EMILIE,
        "Bonjour, je voudrais vous présenter un ami, comment faire ?\n\nMerci\nÉmilie", None,
        "error", error="no_requester", subject="Question")
    return out


def render(case: Case) -> bytes:
    if case.fwd is None:
        return explicit(case)
    if case.client.endswith("_attached"):
        return attached(case)
    return inline(case)


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    rows = ["file\tkind\trequester\ttarget\terror\tclient\tlanguage"]
    for case in cases():
        name = f"{case.slug}.eml"
        (OUT / name).write_bytes(render(case))
        rows.append(f"{name}\t{case.kind}\t{case.requester}\t{case.target}\t{case.error}\t{case.client}\t{case.lang}")
    (OUT / "labels.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"{len(rows) - 1} referrals written to {OUT}")


if __name__ == "__main__":
    main()
