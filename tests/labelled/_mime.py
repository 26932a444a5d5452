"""Small helpers to write MIME messages byte by byte, the way real clients lay them out.

The labelled sets are committed as .eml files; these helpers only make the generators
(make_replies.py, make_referrals.py) readable. They write the structure by hand rather
than through `email.message.EmailMessage`, so that each client's own habits (boundary
names, charset labels, quoted-printable or base64, format=flowed, header order) show.
"""

from __future__ import annotations

import base64
import html
import quopri
from email.header import Header
from email.utils import formataddr


def encode_body(text: str, charset: str, cte: str) -> str:
    """`text` encoded for a part body: 7bit, 8bit, quoted-printable or base64."""
    text = text.replace("\r\n", "\n")
    data = text.replace("\n", "\r\n").encode(charset, errors="strict")
    if cte == "quoted-printable":
        return quopri.encodestring(data).decode("ascii").replace("\r\n", "\n")
    if cte == "base64":
        raw = base64.b64encode(data).decode("ascii")
        return "\n".join(raw[i : i + 76] for i in range(0, len(raw), 76)) + "\n"
    if cte in ("7bit", "8bit"):
        return text if text.endswith("\n") else text + "\n"
    raise ValueError(cte)


def leaf(ctype: str, text: str, charset: str = "utf-8", cte: str = "quoted-printable", params: str = "",
         extra: tuple[str, ...] = (), label: str | None = None) -> str:
    """One text part, headers and encoded body, as a string (8bit bodies stay text).

    `label` is the charset the part declares, when it differs from the one used to
    encode it (Outlook's windows-1252 bytes labelled "iso-8859-1").
    """
    head = [f'Content-Type: {ctype}; charset="{label or charset}"{params}', f"Content-Transfer-Encoding: {cte}", *extra]
    return "\n".join(head) + "\n\n" + encode_body(text, charset, cte)


def multipart(subtype: str, boundary: str, parts: list[str], params: str = "") -> str:
    out = [f'Content-Type: multipart/{subtype}; boundary="{boundary}"{params}', "", ""]
    for part in parts:
        out.append(f"--{boundary}")
        out.append(part.rstrip("\n"))
        out.append("")
    out.append(f"--{boundary}--")
    return "\n".join(out) + "\n"


def address(name: str, addr: str, charset: str = "utf-8") -> str:
    """A header address: RFC 2047 for non-ASCII names, quotes where needed."""
    if not name:
        return addr
    return formataddr((name, addr), charset=charset)


def header_text(value: str, charset: str = "utf-8") -> str:
    """A header value, encoded words if it is not ASCII."""
    try:
        value.encode("ascii")
        return value
    except UnicodeEncodeError:
        return Header(value, charset).encode()


def message(headers: list[tuple[str, str]], body: str, charset_for_8bit: str = "utf-8") -> bytes:
    """Headers (already encoded) and a MIME body (headers of the top part included)."""
    lines = [f"{name}: {value}" for name, value in headers]
    text = "\n".join(lines) + "\n" + body
    return text.replace("\n", "\r\n").encode(charset_for_8bit)


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def html_lines(text: str, sep: str = "<br>") -> str:
    """Plain lines as HTML joined by `sep` (blank lines stay visible)."""
    return sep.join(esc(line) if line else "" for line in text.split("\n"))


def html_divs(text: str) -> str:
    """Plain lines as Gmail/Apple write them: one <div> a line, <div><br></div> when blank."""
    return "".join(f"<div>{esc(line)}</div>" if line.strip() else "<div><br></div>" for line in text.split("\n"))


def quote_plain(text: str, prefix: str = "> ") -> str:
    """Plain text quoted the usual way: "> " before each line, ">" alone on blank ones."""
    out = []
    for line in text.split("\n"):
        if not line:
            out.append(prefix.rstrip())
        elif line.startswith(">"):
            out.append(prefix.rstrip() + line)
        else:
            out.append(prefix + line)
    return "\n".join(out)
