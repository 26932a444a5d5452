"""Composing is made cheaper by remembering (parsed headers, folded headers, Address
objects) and by a generator that finds a boundary without a regular expression: none
of it may change a byte. Each is held here against the email package on its own."""

from __future__ import annotations

import email.policy
import random
from dataclasses import replace
from email.generator import BytesGenerator
from email.headerregistry import Address, Group, HeaderRegistry

import pytest

from mailbroker import compose as compose_module
from mailbroker import preview
from mailbroker.compose import _POLICY, _Writer, composed
from mailbroker.model import Person
from mailbroker.wording import LANGUAGES

HOSTILE_NAMES = ["Zoë Müller-Lüdenscheidt", "Alice\r\nBcc: evil@example.test", '"Quoted, Name" (x)',
                 "=?utf-8?q?A=0D=0ACc:_evil@example.test?= B", "Jean-Émile " * 12, "\u202eX\u202c", ""]


def _samples():
    for lang in LANGUAGES:
        for name, out in sorted(preview.samples(lang).items()):
            yield f"{lang}-{name}", out
    out = preview.samples("en")["consent_request"]
    for i, name in enumerate(HOSTILE_NAMES):
        people = tuple(Person(name, p.address) for p in out.to)
        yield f"hostile-{i}", replace(out, to=people, from_name=name,
                                      facts={**out.facts, "other": name, "name": name, "subject": name * 3})
    yield "idn", replace(out, to=(Person("Ann", "ann@bücher.example"),))


SAMPLES = dict(_samples())


def _stock_bytes(out, monkeypatch, html: bool) -> bytes:
    """The message composed and checked by the email package alone: policy.default's
    own header registry (nothing remembered), fresh Address objects, BytesGenerator and
    policy.SMTP (msg.as_bytes(policy=SMTP))."""
    with monkeypatch.context() as patch:
        patch.setattr(compose_module, "_POLICY", email.policy.default)
        patch.setattr(compose_module, "_SMTP", email.policy.SMTP)
        patch.setattr(compose_module, "_Writer", BytesGenerator)
        patch.setattr(compose_module, "_address_object", lambda name, spec: Address(name, addr_spec=spec))
        return composed(out, preview.IDENTITY, preview.NOW, html=html)[1]


@pytest.mark.parametrize("html", [True, False], ids=["html", "text"])
@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_composing_writes_the_bytes_the_email_package_writes(key, html, monkeypatch):
    out = replace(SAMPLES[key], message_id="<fixed@example.com>")
    for _ in range(2):  # the second time, the headers come from what was remembered
        random.seed(7)  # the multipart boundary is drawn from the random module
        ours = composed(out, preview.IDENTITY, preview.NOW, html=html)[1]
    random.seed(7)
    assert ours == _stock_bytes(out, monkeypatch, html)


def _boundary_and_next_draw(generator, text: bytes, seed: int) -> tuple[str, float]:
    random.seed(seed)
    return generator._make_boundary(text), random.random()


@pytest.mark.parametrize("shape", [
    b"--%s\r\n", b"text\n--%s--\n", b"--%s", b"text\n--%s\r\nmore", b"x--%s\n", b"--%s-- \n", b"--%s---\n",
    b"--%s\n--%s.0\n", b"--%s\n--%s.0--\n--%s.1\n", b"no boundary here\n",
])
def test_a_boundary_is_chosen_as_the_email_package_chooses_it(shape):
    """Even when the parts hold the boundary drawn (it cannot happen by chance): the
    same boundary, and the same draws from the random module."""
    random.seed(11)
    text = shape.replace(b"%s", BytesGenerator._make_boundary().encode())
    assert _boundary_and_next_draw(_Writer, text, 11) == _boundary_and_next_draw(BytesGenerator, text, 11)


HEADERS = [
    ("Subject", "Présentation à Jean-Émile Dupont, qui dirige l'équipe paiements chez Acme, à propos de " * 2),
    ("To", "=?utf-8?q?Jean-=C3=89mile?= Dupont <p083@example.test>, \"Long, Name\" <a@example.test>"),
    ("Content-Type", 'multipart/alternative; boundary="===============1720652294771803829=="'),
    ("Content-Type", 'text/plain; charset="utf-8"; name="' + "ü" * 60 + '.txt"'),
    ("Message-ID", "<" + "x" * 90 + "@example.test>"),
    ("X-Mailbroker-Ref", "K7Q3XF"),
]
POLICIES = [email.policy.SMTP, email.policy.default, email.policy.default.clone(max_line_length=40),
            email.policy.SMTP.clone(utf8=True), email.policy.SMTP]


@pytest.mark.parametrize("name, value", HEADERS, ids=[h[0] for h in HEADERS])
def test_a_remembered_header_folds_as_a_fresh_one_under_every_policy(name, value):
    remembered = _POLICY.header_factory(name, value)
    assert _POLICY.header_factory(name, value) is remembered
    for policy in POLICIES + POLICIES[::-1]:  # each policy's fold, in any order
        assert remembered.fold(policy=policy) == HeaderRegistry()(name, value).fold(policy=policy)


def test_address_headers_are_remembered_by_every_part_of_the_addresses():
    registry = _POLICY.header_factory
    one = registry("To", [Address("Ann", addr_spec="ann@example.test")])
    assert registry("To", Address("Ann", addr_spec="ann@example.test")) is one
    for other in (Address("Anne", addr_spec="ann@example.test"), Address("Ann", addr_spec="Ann@example.test"),
                  Address("Ann", addr_spec="ann@example.org")):
        assert str(registry("To", [other])) == str(HeaderRegistry()("To", [other])) != str(one)
    group = Group("friends", [Address("Ann", addr_spec="ann@example.test")])
    assert str(registry("To", [group])) == str(HeaderRegistry()("To", [group]))
    assert registry("Cc", [Address("Ann", addr_spec="ann@example.test")]).name == "Cc"
