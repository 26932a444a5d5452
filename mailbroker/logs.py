"""How the daemon logs: one line per event, as text or as JSON, to standard error.

Text is for a person at a terminal; under systemd (which sets $JOURNAL_STREAM) the
timestamp is left to journald, which records its own. JSON (`log.format: json`) is one
object per line for a log pipeline: the time, level, logger and message, plus the
fields a line carries with `extra=` — `ref`, `message_id`, `uid`, `folder`, `kind` —
so that everything about one referral or one message can be found with a filter.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import datetime, timezone

# The attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({key: value for key, value in vars(record).items()
                     if key not in _STANDARD and not key.startswith("_")})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def text_format(under_journald: bool) -> str:
    return "%(levelname)s %(name)s: %(message)s" if under_journald else \
        "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(level: str, form: str = "text", stream=None) -> None:
    """Send the broker's log to `stream` (standard error) at `level`, as `form`."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if form == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(text_format(bool(os.environ.get("JOURNAL_STREAM")))))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # imapclient's debug output is the whole protocol dialogue, passwords aside: too much
    # for the broker's own debug level.
    logging.getLogger("imapclient").setLevel(logging.WARNING)
