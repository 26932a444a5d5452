"""What the broker writes: its templates, rendered to a subject, a plain-text body and
the HTML alternative of that body.

Every message comes from a Jinja2 template `<lang>/<name>.txt`, English and French,
whose first line is `Subject: …`. The templates ship with the package; an operator can
override any of them, and the HTML layout, from a directory (`templates.directory`):
a file found there wins, anything missing falls back to the package's.

The HTML part is made from the plain text, not from a second set of templates: the two
can never say different things, and a customised text template needs no HTML twin. The
text is cut into paragraphs and quoted blocks and handed to `layout.html`, which Jinja2
renders with autoescaping on, so whatever someone else wrote (a note, a name, a
subject) reaches the HTML as text, never as markup. Control characters are stripped
from such text before either rendering (compose's `_clean`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
)

LANGUAGES = ("en", "fr")
LAYOUT = "layout.html"


def _quote(text: object) -> str:
    return "\n".join("> " + line for line in str(text).splitlines())


@dataclass(frozen=True)
class Block:
    """One block of a message's text: a paragraph, or a quoted or indented passage."""

    kind: str  # "paragraph", "quote" or "list"
    lines: tuple[str, ...]


class Wording:
    """The broker's templates, from the package or from an operator's directory first."""

    def __init__(self, directory: Path | None = None):
        self.directory = directory
        loaders = [PackageLoader("mailbroker", "templates")]
        if directory is not None:
            loaders.insert(0, FileSystemLoader(str(directory)))
        common = dict(loader=ChoiceLoader(loaders), undefined=StrictUndefined,  # a typo fails loudly
                      keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
        # Plain text: nothing to escape (control characters are stripped beforehand).
        self._text = Environment(autoescape=False, **common)
        self._text.filters["quote"] = _quote
        self._html = Environment(autoescape=True, **common)

    def text(self, template: str, lang: str, facts: dict) -> tuple[str, str]:
        """Render `<lang>/<template>.txt` to (subject, body)."""
        lang = lang if lang in LANGUAGES else "en"
        name = f"{lang}/{template}.txt"
        rendered = self._text.get_template(name).render(**facts)
        first, _, body = rendered.partition("\n")
        if not first.startswith("Subject:"):
            raise ValueError(f"template {self._where(name)} must start with a 'Subject:' line")
        return first.removeprefix("Subject:").strip(), body.lstrip("\n")

    def html(self, body: str, *, subject: str, lang: str) -> str:
        """The HTML alternative of a plain-text body, through the escaping layout."""
        return self._html.get_template(LAYOUT).render(blocks=blocks(body), subject=subject,
                                                      lang=lang if lang in LANGUAGES else "en")

    def _where(self, name: str) -> str:
        if self.directory is not None and (self.directory / name).is_file():
            return str(self.directory / name)
        return f"{name} (built in)"

    def overrides(self) -> list[str]:
        """The template files the operator's directory overrides, relative to it."""
        if self.directory is None:
            return []
        known = set(PackageLoader("mailbroker", "templates").list_templates())
        return sorted(name for name in FileSystemLoader(str(self.directory)).list_templates() if name in known)

    def strays(self) -> list[str]:
        """Files in the operator's directory that override nothing (a misspelt name)."""
        if self.directory is None:
            return []
        known = set(PackageLoader("mailbroker", "templates").list_templates())
        return sorted(name for name in FileSystemLoader(str(self.directory)).list_templates()
                      if name not in known and not Path(name).name.startswith("."))


_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_QUOTE_MARK = re.compile(r"^> ?")


def blocks(body: str) -> list[Block]:
    """Paragraphs are separated by blank lines; a block whose lines all start with ">"
    or with spaces is a quotation (a note in someone's words, an example)."""
    found = []
    for chunk in _BLANK_LINE.split(body.strip("\n")):
        lines = chunk.split("\n")
        if all(line.startswith(">") for line in lines):
            found.append(Block("quote", tuple(_QUOTE_MARK.sub("", line) for line in lines)))
        elif all(line.startswith((" ", "\t")) for line in lines):
            found.append(_indented(_dedent(lines)))
        else:
            found.append(Block("paragraph", tuple(_unwrapped(lines))))
    return found


WRAPPED = 60  # a line of the templates at least this long was broken only to fit the width


def _unwrapped(lines: list[str]) -> list[str]:
    """The lines of a paragraph with the templates' hard wrapping undone, for HTML to
    flow; a short line ("Hello,", a signature) keeps its line break."""
    joined: list[str] = []
    previous = ""
    for line in lines:
        if joined and len(previous) >= WRAPPED:
            joined[-1] += " " + line.strip()
        else:
            joined.append(line)
        previous = line
    return joined


def _indented(lines: list[str]) -> Block:
    """An indented passage: a list when it starts with "- " (each item one line of the
    block, its continuation lines joined to it), else a quotation."""
    if not lines[0].startswith("- "):
        return Block("quote", tuple(lines))
    items: list[str] = []
    for line in lines:
        if line.startswith("- "):
            items.append(line[2:].strip())
        else:
            items[-1] += " " + line.strip()
    return Block("list", tuple(items))


def _dedent(lines: list[str]) -> list[str]:
    indent = min(len(line) - len(line.lstrip()) for line in lines)
    return [line[indent:] for line in lines]


def render_problem(error: Exception, wording: Wording) -> str:
    """What went wrong in a template, in the words an operator can act on."""
    if isinstance(error, TemplateNotFound):
        return f"template {error.name} is missing"
    if isinstance(error, TemplateError):
        where = getattr(error, "filename", None) or getattr(error, "name", None) or "a template"
        line = getattr(error, "lineno", None)
        return f"{where}{f', line {line}' if line else ''}: {error.message or error}"
    return f"{type(error).__name__}: {error}"
