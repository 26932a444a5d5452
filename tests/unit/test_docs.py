"""The documentation in docs/ must not fall behind the code.

- every configuration key (walked from the pydantic models of mailbroker.config) is
  documented in docs/configuration.md, written as `key`;
- every relative link between the documentation files points to a file that exists,
  and every #anchor to a heading that exists;
- every complete configuration shown in a guide (a ```yaml block with a `broker:` key)
  loads with mailbroker.config.load_config, so a guide never shows a broken config.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from mailbroker.config import Config, ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
REFERENCE = DOCS / "configuration.md"
GUIDES = sorted((DOCS / "providers").glob("*.md"))
PAGES = sorted(DOCS.rglob("*.md"))

_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_YAML_BLOCK = re.compile(r"^```ya?ml[ \t]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


# --- configuration keys ---------------------------------------------------------------

def config_keys(model: type[BaseModel] = Config, prefix: str = "") -> list[str]:
    """Every key of the configuration as a dotted path ("imap.folders.watch"), sections
    included, by walking the models the way load_config validates them."""
    keys = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        keys.append(path)
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys += config_keys(annotation, path + ".")
    return keys


def test_the_walk_finds_nested_keys():
    keys = config_keys()
    assert {"broker.address", "imap.folders.watch", "smtp.password_env", "limits.max_message_size",
            "authentication.trusted_servers", "log.level"} <= set(keys)


@pytest.mark.parametrize("path", config_keys())
def test_every_config_key_is_documented(path):
    text = REFERENCE.read_text(encoding="utf-8")
    key = path.rpartition(".")[2]
    assert f"`{key}`" in text, f"{path}: document `{key}` in {REFERENCE.relative_to(ROOT)}"


# --- links ----------------------------------------------------------------------------

def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower()
    text = "".join(ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in "LN")
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.MULTILINE):
        slug, n = _slug(heading), 0
        while (candidate := slug if n == 0 else f"{slug}-{n}") in found:
            n += 1
        found.add(candidate)
    return found


def relative_links(path: Path) -> list[str]:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    text = re.sub(r"`[^`\n]*`", "", text)  # code spans are not links
    return [target for target in _LINK.findall(text)
            if not re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE)]  # http:, mailto: …


def test_slug_matches_github():
    assert _slug("Password sources: `password`, `password_env`") == "password-sources-password-password_env"
    assert _slug("Why didn't X get a message?") == "why-didnt-x-get-a-message"


def test_the_docs_exist():
    names = {p.relative_to(DOCS).as_posix() for p in PAGES}
    assert {"README.md", "configuration.md", "requests.md", "lifecycle.md", "operations.md", "faq.md",
            "providers/gmail.md", "providers/fastmail.md", "providers/microsoft-365.md",
            "providers/self-hosted.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_relative_links_point_to_existing_files(page):
    broken = []
    for target in relative_links(page):
        file_part, _, anchor = target.partition("#")
        destination = (page.parent / file_part).resolve() if file_part else page
        if not destination.exists():
            broken.append(f"{target}: no file {destination}")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target}: no heading #{anchor} in {destination.name}")
    assert not broken, f"{page.relative_to(ROOT)}: broken links:\n" + "\n".join(broken)


def test_the_link_checker_sees_a_broken_link(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n\nSee [there](missing.md), [here](#title), [web](https://example.com).\n")
    assert relative_links(page) == ["missing.md", "#title"]
    assert anchors(page) == {"title"}


# --- configuration examples -----------------------------------------------------------

def whole_configs(path: Path) -> list[str]:
    """The ```yaml blocks of `path` that are a whole configuration (have a broker: key)."""
    configs = []
    for block in _YAML_BLOCK.findall(path.read_text(encoding="utf-8")):
        data = yaml.safe_load(block)
        if isinstance(data, dict) and "broker" in data:
            configs.append(block)
    return configs


CONFIG_PAGES = [REFERENCE, *GUIDES]
EXAMPLES = [(page, n, block) for page in CONFIG_PAGES for n, block in enumerate(whole_configs(page), 1)]


def test_every_guide_shows_a_whole_configuration():
    assert GUIDES, "no provider guides found in docs/providers"
    for page in CONFIG_PAGES:
        assert whole_configs(page), f"{page.relative_to(ROOT)} shows no whole configuration (```yaml with broker:)"


@pytest.mark.parametrize(("page", "number", "block"), EXAMPLES,
                         ids=[f"{p.relative_to(DOCS).as_posix()}#{n}" for p, n, _ in EXAMPLES])
def test_every_configuration_example_loads(page, number, block, tmp_path):
    path = tmp_path / "mailbroker.yaml"
    path.write_text(block, encoding="utf-8")
    config = load_config(path, resolve_secrets=False)
    assert config.broker.address and config.referrers


def test_a_broken_example_is_caught(tmp_path):
    path = tmp_path / "mailbroker.yaml"
    path.write_text("broker:\n  address: intro@example.com\n  nmae: typo\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config(path, resolve_secrets=False)
