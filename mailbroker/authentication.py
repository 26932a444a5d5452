"""Did the referrer's own mail system vouch for this message? Authentication-Results.

Anyone can write `From: referrer@example.com`. What tells a real message from a forged
one is the verdict of the receiving mail server, which checked DKIM, SPF and DMARC when
the message arrived and wrote it in an `Authentication-Results` header (RFC 8601):

    Authentication-Results: mx.example.net; dkim=pass header.d=example.com …;
        dmarc=pass (p=REJECT) header.from=example.com

Only the broker's own receiving server is believed. The header starts with the
identifier of the server that wrote it (its authserv-id), and anyone can write a
header with any identifier, so:

- only headers whose authserv-id is one of the configured `server_ids` count (compared
  without case); every other one is ignored;
- of those, only the topmost one is read (RFC 8601 §5): a receiving server adds its
  header above the ones the message arrived with, so a header with its id further down
  may be the sender's own forgery, written to look like the server's — in the layouts
  of Gmail and of Postfix with OpenDKIM and OpenDMARC, a forged "dkim=pass" lands right
  below the server's real "dmarc=none". With two milters, the topmost header is the
  last one's (OpenDMARC's verdict); the server should still remove incoming headers
  that carry its id;
- a message passes when DMARC passed for its From domain, or when a DKIM signature
  passed whose domain (d=, or the domain of i= when d= is not shown, as Gmail does) is
  aligned with the From domain: the same domain or a parent of it ("mail.example.com"
  is aligned with d=example.com) — an approximation of DMARC's relaxed alignment by
  organisational domain. An explicit dmarc=fail in the trusted headers always wins.
  SPF alone never counts: it vouches for the envelope sender, not for From;
- a message whose From header names no address, or several (two From headers, a list),
  does not pass: there is no single author to vouch for.

Microsoft 365 (Exchange Online) writes its header without an authserv-id
("Authentication-Results: spf=pass (sender IP is …) smtp.mailfrom=…; dkim=pass …;
dmarc=pass action=none header.from=…") and renames the headers a message arrives with
to Authentication-Results-Original. Such headers are attributed to the id
`MICROSOFT_365` ("microsoft-365"): list it in `server_ids` for a mailbox hosted there,
and only then.

The headers are parsed with the `authres` library; a header it cannot parse whole (as
Microsoft's) is read clause by clause, each clause with `authres`, and the clauses it
cannot read are skipped. Nothing here raises: a message without a usable verdict is
simply not authenticated, with a reason for the log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

import authres

from .mailtext import header_addresses, header_values, split_address

MICROSOFT_365 = "microsoft-365"  # the id given to headers written without an authserv-id

HEADER = "Authentication-Results"
_MAX_HEADERS = 20  # Authentication-Results headers looked at, from the top: the cost is capped
_MAX_VALUE = 4096  # characters of one header value: authres is slow on long ones
_FEATURES = authres.all_features()


@dataclass(frozen=True)
class _Result:
    method: str  # "dkim", "dmarc", … lowercased
    result: str  # "pass", "fail", … lowercased
    properties: dict[str, str]  # "header.d" → "example.com", first value of each, lowercased keys


def referrer_authenticated(msg: Message, server_ids: tuple[str, ...]) -> tuple[bool, str]:
    """Whether the trusted server vouched for the author of `msg` (see the module
    docstring), and why, in a few words for the log: "dmarc=pass", "dkim=pass
    (d=example.com)", "no Authentication-Results from mx.example.com", "dkim=fail"…"""
    try:
        return _authenticated(msg, server_ids)
    except Exception as error:  # noqa: BLE001 - never let a header stop the broker
        return False, f"Authentication-Results unreadable ({type(error).__name__})"


def dmarc_failed(msg: Message, server_ids: tuple[str, ...]) -> bool:
    """Whether the trusted server's topmost verdict says DMARC failed for the From
    domain: the sender's domain publishes a policy and this message does not meet it."""
    return referrer_authenticated(msg, server_ids) == (False, "dmarc=fail")


def topmost_server(msg: Message) -> str:
    """The authserv-id of a message's topmost Authentication-Results header, "" when it
    has none: on mail that reached the broker's mailbox, the receiving server's own id,
    which is what `trusted_servers` should list (see `suggested_servers`)."""
    values = _header_values(msg)
    return _authserv_id(values[0]) if values else ""


def suggested_servers(messages: list[Message]) -> list[tuple[str, int]]:
    """The ids heading the Authentication-Results of `messages`, most frequent first."""
    counts: dict[str, int] = {}
    for msg in messages:
        server = topmost_server(msg)
        if server:
            counts[server] = counts.get(server, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _authenticated(msg: Message, server_ids: tuple[str, ...]) -> tuple[bool, str]:
    trusted = tuple(dict.fromkeys(_normal_id(i) for i in server_ids if i and i.strip()))
    if not trusted:
        return False, "no trusted authserv-id configured"
    from_domain, problem = _from_domain(msg)
    if problem:
        return False, problem
    server, results = _topmost(msg, trusted)
    if server is None:
        return False, f"no Authentication-Results from {', '.join(trusted)}"
    return _verdict(results, from_domain, server)


# --- The author ---------------------------------------------------------------------------------


def _from_domain(msg: Message) -> tuple[str, str]:
    """The domain of the one address of From, or ("", why there is none)."""
    values = header_values(msg, "From")
    if not values:
        return "", "no From header"
    if len(values) > 1:
        return "", f"{len(values)} From headers"
    people = header_addresses(msg, "From")
    addresses = {p.address.casefold() for p in people}
    if len(addresses) != 1:
        return "", "no address in From" if not addresses else f"{len(addresses)} addresses in From"
    domain = _normal_domain(split_address(people[0].address)[1])
    if not domain:
        return "", "no domain in the From address"
    return domain, ""


def _normal_domain(domain: str) -> str:
    """A domain lowercased, without a final dot, international names as A-labels."""
    domain = domain.strip().strip("<>").rstrip(".").lower()
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            pass
    return domain


def _normal_id(server_id: str) -> str:
    return server_id.strip().rstrip(".").lower()


# --- Finding the trusted headers ----------------------------------------------------------------------


def _topmost(msg: Message, trusted: tuple[str, ...]) -> tuple[str | None, list[_Result]]:
    """The authserv-id and the results of the topmost header with a trusted id. Only
    the id of the headers above it is read, so forged headers cost nothing."""
    for value in _header_values(msg)[:_MAX_HEADERS]:
        if _authserv_id(value) in trusted:
            server_id, results = _parse(value)
            return server_id, results
    return None, []


def _header_values(msg: Message) -> list[str]:
    """The Authentication-Results values of a message, topmost first, as written."""
    try:
        items = list(msg.raw_items()) if hasattr(msg, "raw_items") else list(msg.items())
    except Exception:  # noqa: BLE001 - headers the parser cannot give back: no verdict at all
        return []
    return [str(value) for name, value in items if name.strip().lower() == HEADER.lower()]


def _authserv_id(value: str) -> str:
    """The authserv-id a header value starts with (MICROSOFT_365 when it starts with a
    result instead), read without parsing the results."""
    first = _without_comments(value[:_MAX_VALUE].split(";", 1)[0]).strip()
    if "=" in first:
        return MICROSOFT_365
    words = first.split()
    return _normal_id(words[0]) if words else ""


def _parse(value: str) -> tuple[str | None, list[_Result]]:
    """(authserv-id, results) of one header value; (None, []) when it names no server.

    The whole value is parsed with authres; when that fails, clause by clause."""
    value = re.sub(r"[\r\n]+[ \t]*", " ", value[:_MAX_VALUE]).strip()
    if not value:
        return None, []
    try:
        header = _FEATURES.parse_value(value)
        return _normal_id(header.authserv_id or ""), [_result(r) for r in header.results]
    except Exception:  # noqa: BLE001 - read it clause by clause below
        pass
    clauses = _clauses(value)
    if not clauses:
        return None, []
    first = clauses[0]
    if "=" in _without_comments(first):  # no authserv-id: Microsoft's way
        server_id, rest = MICROSOFT_365, clauses
    else:
        words = _without_comments(first).split()
        if not words:
            return None, []
        server_id, rest = _normal_id(words[0]), clauses[1:]
    results = []
    for clause in rest:
        if "=" not in _without_comments(clause):
            continue  # Microsoft repeats the recipient's domain as a clause of its own
        try:
            parsed = _FEATURES.parse_value(f"{MICROSOFT_365}; {clause}")
        except Exception:  # noqa: BLE001 - an unreadable clause is skipped
            continue
        results.extend(_result(r) for r in parsed.results)
    return server_id, results


def _clauses(value: str) -> list[str]:
    """The value split at the semicolons outside comments and quoted strings."""
    clauses, current, depth, quoted, escaped = [], [], 0, False, False
    for ch in value:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif quoted:
            quoted = ch != '"'
        elif ch == '"':
            quoted = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == ";" and depth == 0:
            clauses.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    clauses.append("".join(current).strip())
    return [clause for clause in clauses if clause]


def _without_comments(text: str) -> str:
    out, depth = [], 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(ch)
    return "".join(out)


def _result(result) -> _Result:
    properties: dict[str, str] = {}
    for prop in getattr(result, "properties", None) or []:
        key = f"{prop.type}.{prop.name}".lower()
        properties.setdefault(key, str(prop.value or "").strip())
    return _Result(str(getattr(result, "method", "") or "").lower(),
                   str(getattr(result, "result", "") or "").lower(), properties)


# --- The verdict --------------------------------------------------------------------------------------


def _verdict(results: list[_Result], from_domain: str, server: str) -> tuple[bool, str]:
    dmarc = [r for r in results if r.method == "dmarc"]
    mine = [r for r in dmarc if _dmarc_domain(r) in ("", from_domain)]
    failed = next((r for r in mine if r.result == "fail"), None)
    if failed is not None:
        return False, "dmarc=fail"
    if any(r.result == "pass" for r in mine):
        return True, "dmarc=pass"
    dkim = [r for r in results if r.method == "dkim"]
    signers = [(r, _signing_domain(r)) for r in dkim if r.result == "pass"]
    for _, domain in signers:
        if _aligned(from_domain, domain):
            return True, f"dkim=pass (d={domain})"
    if signers:
        domains = ", ".join(sorted({d or "?" for _, d in signers}))
        return False, f"dkim=pass for {domains}, not aligned with {from_domain}"
    others = [r for r in dmarc if r not in mine]
    if mine:
        return False, f"dmarc={mine[0].result}"
    if others:
        return False, f"dmarc={others[0].result} for {_dmarc_domain(others[0])}, not {from_domain}"
    if dkim:
        return False, f"dkim={dkim[0].result}"
    return False, f"no dkim or dmarc result from {server}"


def _dmarc_domain(result: _Result) -> str:
    """The domain DMARC was evaluated for (header.from; a few write an address)."""
    return _normal_domain(result.properties.get("header.from", "").rpartition("@")[2])


def _signing_domain(result: _Result) -> str:
    """The d= of a DKIM result, else the domain of its i= ("@example.com")."""
    domain = result.properties.get("header.d", "")
    if not domain:
        domain = result.properties.get("header.i", "").rpartition("@")[2]
    return _normal_domain(domain)


def _aligned(from_domain: str, signer: str) -> bool:
    """The From domain is the signing domain or below it; a signing domain has a dot."""
    if not signer or "." not in signer.strip("."):
        return False
    return from_domain == signer or from_domain.endswith("." + signer)
