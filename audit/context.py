"""The current request's audit context (request id, IP, user agent), available to services called without a request."""
import contextvars
import re
import secrets

_current = contextvars.ContextVar("audit_request_context", default=None)

TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")


def new_trace_id() -> str:
    return secrets.token_hex(16)


def trace_id_from_header(value: str | None) -> str | None:
    """The trace id of a valid W3C traceparent header, or None."""
    if not value:
        return None
    match = TRACEPARENT.match(value.strip().lower())
    if not match or match.group(1) == "0" * 32:
        return None
    return match.group(1)


def set_current(ctx):
    return _current.set(ctx)


def reset_current(token):
    _current.reset(token)


def get_current():
    return _current.get()
