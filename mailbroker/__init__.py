"""mailbroker: double opt-in introductions by email."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mailbroker")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
