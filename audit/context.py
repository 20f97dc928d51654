"""The current request's audit context (request id, IP, user agent), available to services called without a request."""
import contextlib
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


def current_request_id() -> str:
    """The id of the request (or task) being handled, for LogEntry.cid and for queuing Celery tasks."""
    ctx = get_current()
    return (ctx or {}).get("request_id", "") or ""


_actor = contextvars.ContextVar("audit_actor", default=None)


def current_actor():
    """The user changes are attributed to right now (set by the middleware or task_actor), or None."""
    return _actor.get()


@contextlib.contextmanager
def acting_as(user, *, remote_addr=None):
    """Attribute auditlog changes made inside to `user` (None: the system), and restore the outer actor after.

    auditlog's own set_actor leaves its context variable behind and does not restore an outer one; this does.
    """
    from auditlog.context import auditlog_value, set_extra_data

    try:
        previous = auditlog_value.get()
    except LookupError:
        previous = None
    token = _actor.set(user)
    try:
        with set_extra_data(context_data={"actor": user, "remote_addr": remote_addr, "remote_port": None}):
            yield
    finally:
        _actor.reset(token)
        if previous is not None:
            auditlog_value.set(previous)


@contextlib.contextmanager
def task_actor(user_or_id=None, *, request_id: str | None = None, task_name: str = ""):
    """Run background work on behalf of a person (or of the system when None).

    Changes made inside are attributed to that user by auditlog, and access events and LogEntries carry
    `request_id` (pass the id of the request that queued the task, e.g. from `current_request_id()` at queue time;
    a new id is made otherwise). Celery tasks get this automatically (audit.tasks_context), but a task that
    acts for a different person, or a management command, uses it directly:

        from audit.context import task_actor

        @shared_task
        def expire_signals(request_id=None):
            with task_actor(None, request_id=request_id, task_name="signals.expire"):
                signal_expire_due()
    """
    user = user_or_id
    if user is not None and not hasattr(user, "pk"):
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(pk=user_or_id).first()
    ctx = {
        "request_id": request_id or new_trace_id(),
        "ip": None,
        "user_agent": "",
        "path": f"task:{task_name}"[:255] if task_name else "task",
    }
    token = set_current(ctx)
    try:
        with acting_as(user):
            yield ctx
    finally:
        reset_current(token)
