"""Log lines an operator can follow: one line per record, carrying the ids of what it happened in — the request
(its request id and the signed-in person's id, core/requestid.py) or the background run (its run id and kind,
core/jobs.py) — so that one request's or one run's lines can be picked out of a busy log.

`ZHILI_LOG_FORMAT` chooses the shape (settings.LOGGING): `text` (the default, for a terminal) or `json` (one
object per line, for a log collector). Only the fields named in FIELDS are added from a record's extras, never
the rest (Django's own records carry the request object, whose body may hold a password), and the access line
carries the method, the path without its query string, the status and the duration — never what was typed.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import json
import logging
from collections.abc import Iterator
from typing import Any

# what a line may carry besides its time, level, logger and message, in this order
FIELDS = ("request_id", "user_id", "run_id", "job", "method", "path", "status", "duration_ms")

_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("zhili_log_context", default=None)


@contextlib.contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Every record logged inside this block (in this thread or task) carries these fields. `request` is the
    request itself: the signed-in person's id is read from it when a record is made (after sign-in, not before)."""
    token = _context.set({**(_context.get() or {}), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def current() -> dict[str, Any]:
    """The fields bound now, with the signed-in person's id if the request has already looked them up."""
    fields = dict(_context.get() or {})
    request = fields.pop("request", None)
    return {**of_request(request), **fields} if request is not None else fields


def of_request(request: Any) -> dict[str, Any]:
    """A request's id (core/requestid.py) and its signed-in person's id — only if the request already loaded
    its user: reading request.user here would query the session."""
    fields: dict[str, Any] = {}
    if request_id := getattr(request, "request_id", None):
        fields["request_id"] = request_id
    user = getattr(request, "_cached_user", None)
    if user is not None and user.is_authenticated:
        fields["user_id"] = user.pk
    return fields


class ContextFilter(logging.Filter):
    """Puts the bound fields on each record that passes the handler (settings.LOGGING's console handler). A
    record that names its request (Django's "Not Found" and error lines, written after the middleware returned)
    takes that request's ids."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = current()
        request = getattr(record, "request", None)
        if request is not None and not isinstance(request, str):
            fields = {**of_request(request), **fields}
        for name, value in fields.items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


def _time(record: logging.LogRecord) -> str:
    return datetime.datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {name: value for name in FIELDS if (value := getattr(record, name, None)) not in (None, "")}


class TextFormatter(logging.Formatter):
    """`2026-12-07T12:00:00.123+08:00 INFO zhili.access GET /cases/ 200 12ms request_id=… user_id=7`; a message's
    line breaks are written as \\n so a record stays one line (a traceback follows on lines of its own)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().replace("\r", "\\r").replace("\n", "\\n")
        extras = " ".join(f"{name}={_text(value)}" for name, value in _fields(record).items())
        line = f"{_time(record)} {record.levelname} {record.name} {message}" + (f" {extras}" if extras else "")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        elif record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return line


def _text(value: Any) -> str:
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if not text or any(c in text for c in ' "=\n\r\t') else text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the FIELDS the record has, and `exc` (the
    traceback) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
