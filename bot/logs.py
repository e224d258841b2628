"""Logging set-up: one line per event, text or JSON, never message text by default.

Message text may name minors (AVG): the bot's own log calls never include it, and this
module keeps library loggers (matrix-nio logs whole events at DEBUG) at WARNING unless the
operator sets ``logging.debug_message_text`` explicitly.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import TextIO

from bot.config import LoggingConfig

# Third-party loggers that can print message bodies or tokens at DEBUG/INFO level
# (markdown_it traces every block of every reply it renders).
_CHATTY_LIBRARIES = ("nio", "aiohttp.access", "peewee", "urllib3", "markdown_it")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


def configure_logging(config: LoggingConfig, stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    if config.format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(config.level.upper())
    library_level = logging.DEBUG if config.debug_message_text else logging.WARNING
    for name in _CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(max(library_level, root.level))
