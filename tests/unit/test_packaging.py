"""Packaging: the version has one source (pyproject.toml) and the wheel holds every file the
package reads at run time (templates, the example configuration)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

import mailbroker

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "mailbroker"
PYPROJECT_VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_version_option_prints_the_installed_distributions_version():
    script = Path(sys.executable).parent / "mailbroker"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=30, check=True)
    assert result.stdout.strip() == f"mailbroker {metadata.version('mailbroker')}"
    assert metadata.version("mailbroker") == PYPROJECT_VERSION, "reinstall: pip install -e '.[test]'"


def test_version_of_a_source_tree_that_is_not_installed_comes_from_pyproject(monkeypatch):
    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(mailbroker, "version", not_installed)
    assert mailbroker._find_version() == PYPROJECT_VERSION
    monkeypatch.setattr(mailbroker, "_PYPROJECT", ROOT / "no-such-pyproject.toml")
    assert mailbroker._find_version() == "0+unknown"


def data_files() -> set[str]:
    """Every file of the package that is not Python code, as a path inside the wheel."""
    return {str(path.relative_to(ROOT)) for path in PACKAGE.rglob("*")
            if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts}


@pytest.mark.slow
def test_wheel_holds_every_data_file_and_the_command(tmp_path):
    # Built from a copy, so that the build leaves nothing in the working tree.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    shutil.copytree(PACKAGE, source / "mailbroker", ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q",
                             "--disable-pip-version-check", "-w", str(tmp_path / "dist")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    [wheel] = (tmp_path / "dist").glob("mailbroker-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"mailbroker/templates/en/consent_request.txt", "mailbroker/templates/fr/introduction.txt"} <= names
    assert data_files() - names == set(), "package data missing from the wheel: fix package-data in pyproject.toml"
    assert wheel.name.startswith(f"mailbroker-{PYPROJECT_VERSION}-")
    entry_points = zipfile.ZipFile(wheel).read(f"mailbroker-{PYPROJECT_VERSION}.dist-info/entry_points.txt")
    assert b"mailbroker = mailbroker.cli:main" in entry_points
