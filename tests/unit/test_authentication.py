"""Authentication-Results: only the broker's own receiving server is believed.

The headers below are written as Gmail, Microsoft 365, Fastmail, Postfix with OpenDKIM
and OpenDMARC, and Rspamd write them (values as seen on real mail, addresses and
signatures replaced), then forged, broken and missing.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbroker.authentication import MICROSOFT_365

from ..support import FROM, MX, check, message

# --- Realistic headers -------------------------------------------------------------------------------------

GMAIL = """ARC-Seal: i=1; a=rsa-sha256; t=1764150000; cv=none; d=google.com; s=arc-20240605; b=Zm9v
ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=google.com; s=arc-20240605; h=to:subject; bh=YmFy; b=YmF6
ARC-Authentication-Results: i=1; mx.google.com;
       dkim=pass header.i=@example.org header.s=20230601 header.b=AbCdEf12;
       spf=pass (google.com: domain of rita@example.org designates 209.85.220.41 as permitted sender) smtp.mailfrom=rita@example.org;
       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.org
Return-Path: <rita@example.org>
Received: from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41])
        by mx.google.com with SMTPS id a640c23a62f3a-b7;
        Thu, 26 Nov 2026 09:12:01 -0800 (PST)
Received-SPF: pass (google.com: domain of rita@example.org designates 209.85.220.41 as permitted sender) client-ip=209.85.220.41;
Authentication-Results: mx.google.com;
       dkim=pass header.i=@example.org header.s=20230601 header.b=AbCdEf12;
       spf=pass (google.com: domain of rita@example.org designates 209.85.220.41 as permitted sender) smtp.mailfrom=rita@example.org;
       dmarc={dmarc} (p=REJECT sp=REJECT dis=NONE) header.from=example.org
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=20230601; h=to:subject:from; bh=Zm9v; b=YmFy"""


def gmail(dmarc="pass"):
    return message(*GMAIL.format(dmarc=dmarc).replace("\n ", "\r\n ").split("\n"))


def test_gmail_dmarc_pass():
    assert check(gmail(), ("mx.google.com",)) == (True, "dmarc=pass")


def test_gmail_dmarc_fail_wins_over_a_passing_signature():
    assert check(gmail("fail"), ("mx.google.com",)) == (False, "dmarc=fail")


def test_gmail_without_dmarc_verdict_reads_the_signature_domain_of_i():
    ok, reason = check(gmail("none"), ("mx.google.com",))
    assert ok and reason == "dkim=pass (d=example.org)"


def test_the_arc_copy_of_the_results_is_not_read():
    msg = message("ARC-Authentication-Results: i=1; mx.google.com; dmarc=pass header.from=example.org")
    assert check(msg, ("mx.google.com",)) == (False, "no Authentication-Results from mx.google.com")


M365 = ("Authentication-Results: spf=pass (sender IP is 40.107.22.52)\r\n smtp.mailfrom=example.org; dkim=pass "
        "(signature was verified)\r\n header.d=example.org;dmarc={dmarc} action=none\r\n header.from=example.org;"
        "compauth=pass reason=100")


def test_microsoft_365_headers_have_no_authserv_id_and_are_trusted_only_when_listed():
    msg = message("X-MS-Exchange-Organization-AuthSource: AM0PR01.eurprd01.prod.exchangelabs.com",
                  M365.format(dmarc="pass"), "Authentication-Results-Original: mx.evil.example; dmarc=pass")
    assert check(msg, (MICROSOFT_365,)) == (True, "dmarc=pass")
    assert check(msg, (MX,)) == (False, f"no Authentication-Results from {MX}")


def test_microsoft_365_best_guess_is_no_pass_but_an_aligned_signature_is():
    assert check(message(M365.format(dmarc="bestguesspass")), (MICROSOFT_365,)) == (True, "dkim=pass (d=example.org)")
    unsigned = ("Authentication-Results: spf=pass (sender IP is 1.1.1.1) smtp.mailfrom=example.org; contoso.com; "
                "dkim=none (message not signed) header.d=none;contoso.com; dmarc=bestguesspass action=none "
                "header.from=example.org;")
    assert check(message(unsigned), (MICROSOFT_365,)) == (False, "dmarc=bestguesspass")


def test_fastmail():
    msg = message(
        "Authentication-Results: mx6.messagingengine.com;\r\n    dkim=pass (2048-bit rsa key sha256) "
        "header.d=example.org header.i=@example.org header.b=XyZ header.a=rsa-sha256 header.s=fm1 x-bits=2048;\r\n"
        "    dmarc=pass policy.published-domain-policy=reject policy.applied-disposition=none "
        "policy.evaluated-disposition=none (p=reject,d=none,d.eval=none) policy.policy-from=p header.from=example.org;\r\n"
        "    iprev=pass smtp.remote-ip=66.111.4.25 (out1-smtp.messagingengine.com);\r\n"
        "    spf=pass smtp.mailfrom=rita@example.org smtp.helo=out1-smtp.messagingengine.com;\r\n"
        "    x-aligned-from=pass (Address match);\r\n    x-me-sender=none")
    assert check(msg, ("mx6.messagingengine.com",)) == (True, "dmarc=pass")


def postfix(dmarc="pass", dkim="pass"):
    """Postfix with OpenDMARC and OpenDKIM: two headers with the same id, the one the
    milter that ran last added on top."""
    return message(
        "Return-Path: <rita@example.org>",
        "Delivered-To: intro@example.test",
        f"Received: from mail.example.org (mail.example.org [192.0.2.7]) by {MX} (Postfix) with ESMTPS id 4Q; "
        "Thu, 26 Nov 2026 09:12:01 +0100",
        f"Authentication-Results: {MX}; dmarc={dmarc} (p=reject dis=none) header.from=example.org",
        f"Authentication-Results: {MX};\r\n\tdkim={dkim} (2048-bit key; unprotected) header.d=example.org "
        "header.i=@example.org header.a=rsa-sha256 header.s=mail header.b=AbCd1234;\r\n\tdkim-atps=neutral",
    )


def test_postfix_opendkim_opendmarc():
    """Only the topmost header counts, OpenDMARC's: a DKIM pass below it may be forged."""
    assert check(postfix()) == (True, "dmarc=pass")
    assert check(postfix(dmarc="none")) == (False, "dmarc=none")
    assert check(postfix(dmarc="fail")) == (False, "dmarc=fail")
    assert check(postfix(dmarc="none", dkim="fail")) == (False, "dmarc=none")


def test_rspamd_one_header_with_everything():
    msg = message(f"Authentication-Results: {MX};\r\n\tdkim=pass header.d=example.org header.s=dkim header.b=abc;\r\n"
                  "\tdmarc=pass (policy=reject) header.from=example.org;\r\n\tspf=pass "
                  f"({MX}: domain of rita@example.org designates 192.0.2.7 as permitted sender) "
                  "smtp.mailfrom=rita@example.org")
    assert check(msg) == (True, "dmarc=pass")


def test_a_versioned_header_and_ids_compared_without_case():
    msg = message(f"Authentication-Results: {MX.upper()} 1; dkim=pass header.d=example.org")
    assert check(msg, ("Mx.Example.Net.",)) == (True, "dkim=pass (d=example.org)")


# --- Forgeries ----------------------------------------------------------------------------------------


def test_headers_from_other_servers_are_ignored():
    msg = message("Authentication-Results: mx.evil.example; dmarc=pass header.from=example.org",
                  "Authentication-Results: example.org; dkim=pass header.d=example.org")
    assert check(msg) == (False, f"no Authentication-Results from {MX}")


def test_a_forged_header_with_the_trusted_id_below_the_servers_own_is_ignored():
    msg = message(f"Authentication-Results: {MX}; spf=pass smtp.mailfrom=example.org",
                  f"Received: from evil.example by {MX}",
                  f"Authentication-Results: {MX}; dmarc=pass header.from=example.org")
    assert check(msg) == (False, f"no dkim or dmarc result from {MX}")


def test_a_forged_pass_right_below_the_servers_fail_does_not_win():
    msg = message(f"Authentication-Results: {MX}; dmarc=fail header.from=example.org",
                  f"Authentication-Results: {MX}; dmarc=pass header.from=example.org")
    assert check(msg) == (False, "dmarc=fail")


def test_only_the_topmost_trusted_server_counts():
    msg = message("Authentication-Results: mx.other.example; dmarc=fail header.from=example.org",
                  f"Authentication-Results: {MX}; dmarc=pass header.from=example.org")
    assert check(msg, ("mx.other.example", MX)) == (False, "dmarc=fail")


def test_spf_alone_is_not_enough():
    msg = message(f"Authentication-Results: {MX}; spf=pass smtp.mailfrom=rita@example.org")
    assert check(msg) == (False, f"no dkim or dmarc result from {MX}")


# --- Alignment ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("sender, signer, expected", [
    ("rita@example.org", "example.org", True),
    ("rita@mail.example.org", "example.org", True),
    ("rita@EXAMPLE.ORG", "Example.Org", True),
    ("rita@example.org", "mail.example.org", False),
    ("rita@example.org", "evil.example", False),
    ("rita@notexample.org", "example.org", False),
    ("rita@example.org", "org", False),
    ("rita@exämple.org", "xn--exmple-cua.org", True),
])
def test_dkim_alignment(sender, signer, expected):
    msg = message(f"Authentication-Results: {MX}; dkim=pass header.d={signer}", sender=f"Rita <{sender}>")
    ok, reason = check(msg)
    assert ok is expected, reason
    if not expected:
        assert "not aligned" in reason


def test_a_dmarc_pass_for_another_domain_does_not_count():
    msg = message(f"Authentication-Results: {MX}; dmarc=pass header.from=evil.example")
    assert check(msg) == (False, "dmarc=pass for evil.example, not example.org")


def test_dkim_fail_is_said():
    assert check(message(f"Authentication-Results: {MX}; dkim=fail header.d=example.org")) == (False, "dkim=fail")


# --- The author must be one --------------------------------------------------------------------------------


PASS = f"Authentication-Results: {MX}; dmarc=pass header.from=example.org"


@pytest.mark.parametrize("sender, extra, reason", [
    (None, "", "no From header"),
    (FROM, "From: Eve <eve@evil.example>\r\n", "2 From headers"),
    ("Rita <rita@example.org>, Eve <eve@evil.example>", "", "2 addresses in From"),
    ("undisclosed-recipients:;", "", "no address in From"),
])
def test_a_message_without_a_single_author_is_not_authenticated(sender, extra, reason):
    assert check(message(PASS, sender=sender, extra=extra)) == (False, reason)


def test_nothing_is_trusted_without_configured_ids():
    assert check(message(PASS), ()) == (False, "no trusted authserv-id configured")
    assert check(message(PASS), ("", "  ")) == (False, "no trusted authserv-id configured")


# --- Malformed headers: never raises --------------------------------------------------------------------

MALFORMED = [
    "", ";", ";;;", "(((((", f"{MX}", f"{MX};", f"{MX}; dmarc", f"{MX}; dmarc=", f"{MX}; =pass",
    f"{MX}; dmarc=pass header.from", f"{MX}; dkim=pass header.d=", f"{MX}; dkim=pass (unclosed comment",
    f"{MX} (comment; dmarc=pass header.from=example.org", f'{MX}; dmarc=pass header.from="unclosed',
    f"{MX}; none", f"{MX} 2; dmarc=pass header.from=example.org", f"{MX}; dmarc=pass\x00 header.from=example.org",
    "=?utf-8?b?bXguZXhhbXBsZS5uZXQ7IGRtYXJjPXBhc3M=?=", f"{MX}; " + "dkim=pass header.d=example.org; " * 2000,
    f"{MX}; dkim=pass header.d=" + "a." * 5000 + "org", "\udcff\udcfe", f"{MX}; dmärc=päss header.from=exämple.org",
]


@pytest.mark.parametrize("value", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_headers_never_raise(value):
    ok, reason = check(message(f"Authentication-Results: {value}"))
    assert isinstance(ok, bool) and reason


def test_a_parsable_clause_after_a_broken_one_is_still_read():
    msg = message(f"Authentication-Results: {MX}; foo bar; dmarc=pass header.from=example.org")
    assert check(msg) == (True, "dmarc=pass")


def test_a_broken_clause_cannot_make_a_pass():
    msg = message(f"Authentication-Results: {MX}; dmarc=pass (header.from=example.org; dkim=pass")
    assert check(msg) == (False, f"no dkim or dmarc result from {MX}")  # an unclosed comment runs to the end


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.one_of(st.text(max_size=200),
                                 st.lists(st.sampled_from([MX, ";", " ", "dkim", "dmarc", "=", "pass", "fail",
                                                           "header.d", "header.from", "example.org", "(", ")",
                                                           '"', "\\", "\r\n ", "1"]), max_size=30).map("".join)),
                       max_size=4))
def test_any_header_values_give_a_verdict(values):
    headers = [f"Authentication-Results: {v.replace(chr(13), ' ').replace(chr(10), ' ')}" for v in values]
    ok, reason = check(message(*headers))
    assert isinstance(ok, bool) and isinstance(reason, str) and reason
