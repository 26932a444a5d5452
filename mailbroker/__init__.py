"""mailbroker: double opt-in introductions by email."""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def _find_version() -> str:
    """The installed distribution's version; from a source tree that is not installed, the
    version in its pyproject.toml, which stays the single place where it is written."""
    try:
        return version("mailbroker")
    except PackageNotFoundError:
        pass
    try:
        return tomllib.loads(_PYPROJECT.read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, ValueError, KeyError):
        return "0+unknown"


__version__ = _find_version()
