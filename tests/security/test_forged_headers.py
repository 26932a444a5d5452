"""Forged Authentication-Results (issue 12, finding 2): only the topmost header with the
trusted server's id counts, and forged headers by the dozen cost nothing."""

from __future__ import annotations

from mailbroker import authentication

from ..support import MX, check, message


def test_a_forged_dkim_pass_right_under_the_servers_dmarc_none_is_ignored():
    """The layout of Gmail and of Postfix with OpenDKIM and OpenDMARC: the sender's own
    header, with the server's id, lands right below the server's real verdict."""
    msg = message(f"Authentication-Results: {MX}; dmarc=none (p=none dis=none) header.from=example.org",
                  f"Authentication-Results: {MX}; dkim=pass header.d=example.org header.s=evil")
    assert check(msg) == (False, "dmarc=none")


def test_only_the_trusted_header_is_parsed(monkeypatch):
    """Forged headers by the dozen cost nothing: only the authserv-id of the headers
    above the trusted one is read, and at most a few dozen headers are looked at."""
    parsed = []
    original = authentication._parse
    monkeypatch.setattr(authentication, "_parse", lambda value: parsed.append(value) or original(value))
    forged = [f"Authentication-Results: mx.evil.example; dkim=pass header.d=example.org ({'x' * 4000})"] * 50
    assert check(message(*forged, f"Authentication-Results: {MX}; dmarc=pass header.from=example.org")) == (
        False, f"no Authentication-Results from {MX}")  # below the cap of headers looked at
    assert parsed == []
    assert check(message(f"Authentication-Results: {MX}; dmarc=pass header.from=example.org", *forged)) == (
        True, "dmarc=pass")
    assert len(parsed) == 1
