"""Outgoing (what to say) -> EmailMessage (bytes on the wire), through Jinja2 templates.

Each template is `templates/<lang>/<name>.txt`: a first line `Subject: …`, a blank line,
then the body. Everything the broker sends is marked `Auto-Submitted: auto-generated`
(RFC 3834) so that well-behaved responders do not answer it, and carries the referral's
reference so a human can find it again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from jinja2 import Environment, PackageLoader, StrictUndefined

from .model import Outgoing, Person

LANGUAGES = ("en", "fr")

_environment = Environment(
    loader=PackageLoader("mailbroker", "templates"),
    undefined=StrictUndefined,  # a typo in a template fails the tests, not a user's mail
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
    autoescape=False,  # plain text: nothing to escape, control characters are stripped below
)
_environment.filters["quote"] = lambda text: "\n".join("> " + line for line in str(text).splitlines())

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Identity:
    """Who the broker is on the wire."""

    address: str
    name: str

    @property
    def local_part(self) -> str:
        return self.address.rsplit("@", 1)[0]

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]

    def reply_address(self, token: str) -> str:
        return f"{self.local_part}+{token}@{self.domain}" if token else self.address


def new_message_id(identity: Identity) -> str:
    return make_msgid(domain=identity.domain)


# How a party is named to the other when the referrer gave no name: never by address.
_UNNAMED = {
    "en": "a contact of {referrer}",
    "fr": "une relation de {referrer}",
}


def render(template: str, lang: str, facts: dict, identity: Identity) -> tuple[str, str]:
    """Render one template to (subject, body)."""
    lang = lang if lang in LANGUAGES else "en"
    facts = {**_clean(facts), "broker_name": identity.name, "broker_address": identity.address}
    if "other" in facts and not facts["other"]:
        facts["other"] = _UNNAMED[lang].format(referrer=facts.get("referrer", ""))
    text = _environment.get_template(f"{lang}/{template}.txt").render(**facts)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"template {lang}/{template}.txt must start with a 'Subject:' line")
    return first.removeprefix("Subject:").strip(), body.lstrip("\n")


def compose(out: Outgoing, identity: Identity, now: datetime) -> EmailMessage:
    subject, body = render(out.template, out.lang, out.facts, identity)
    msg = EmailMessage()
    # Always the broker's own address (never a forged From:), but it may write on behalf of someone.
    name = f"{out.from_name} (via {identity.name})" if out.from_name else identity.name
    msg["From"] = Address(_header_text(name), addr_spec=identity.address)
    msg["To"] = [_address(p) for p in out.to]
    if out.cc:
        msg["Cc"] = [_address(p) for p in out.cc]
    if out.reply_to:
        msg["Reply-To"] = [_address(p) for p in out.reply_to]
    elif out.reply_token:
        msg["Reply-To"] = Address(_header_text(identity.name), addr_spec=identity.reply_address(out.reply_token))
    msg["Subject"] = _header_text(subject)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = out.message_id or new_message_id(identity)
    if out.in_reply_to:
        msg["In-Reply-To"] = out.in_reply_to
        msg["References"] = out.in_reply_to
    msg["Auto-Submitted"] = "auto-generated"
    if out.unsubscribe and out.reply_token:
        # RFC 2369: clients show an "unsubscribe" button; its mail says "stop" with the token.
        msg["List-Unsubscribe"] = f"<mailto:{identity.reply_address(out.reply_token)}?subject=stop>"
    # Ask Exchange not to send out-of-office and other automatic answers to us.
    msg["X-Auto-Response-Suppress"] = "All"
    if out.ref:
        msg["X-Mailbroker-Ref"] = out.ref
    msg.set_content(body)
    return msg


def _address(person: Person) -> Address:
    return Address(_header_text(person.name), addr_spec=person.address)


def _header_text(text: str) -> str:
    """Header values never carry line breaks or control characters: a name or subject
    written by someone else must not be able to inject a header."""
    return " ".join(_CONTROL.sub(" ", str(text)).split())


def _clean(facts: dict) -> dict:
    """Strip control characters (but not line breaks or tabs) from text someone else wrote."""
    def clean(value):
        if isinstance(value, str):
            return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", value)
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        return value
    return {key: clean(value) for key, value in facts.items()}
