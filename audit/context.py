"""The audit context: who acts, from where, under which permission and request id, in one context variable.

Set by audit.middleware.RequestContextMiddleware for a request (the permission and the grant behind it are added by
the page access rule and the API permission class through `permission_set`), by `task_actor` for background work
and Celery tasks. Services take the actor and read the rest from here, never from the HTTP request.

Nothing a client sends decides an audit identity or a security count: the request id is made here, always (a
client's `traceparent` header is not used), and the client IP comes from REMOTE_ADDR or the configured number of
trusted proxies (`client_ip`, which django-axes uses too: AXES_CLIENT_IP_CALLABLE).
"""
import contextlib
import contextvars
import ipaddress
import secrets

from django.conf import settings

_current = contextvars.ContextVar("audit_request_context", default=None)


def new_trace_id() -> str:
    return secrets.token_hex(16)


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or the address the configured number of trusted proxies saw. A client cannot forge it."""
    remote = request.META.get("REMOTE_ADDR")
    hops = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        # The right-most `hops` entries were added by our own proxies; the one before them is the client.
        if len(forwarded) >= hops:
            remote = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(remote)) if remote else None
    except ValueError:
        return None


def request_context(request) -> dict:
    """The audit context of an HTTP request, with a request id made by the server."""
    return {
        "request_id": new_trace_id(),
        "ip": client_ip(request),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:255],
        "path": request.path[:255],
        "permission": "",
        "user_id": None,
        "grant": None,
    }


def permission_set(*, user, permission: str, grant_lookup=None):
    """Record the permission the current request was let in with, and how to find the grant behind it (a callable
    returning the Authorisation reference, asked only when an event is written). Called by the access rules."""
    ctx = get_current()
    if ctx is None:
        return
    ctx["permission"] = permission or ""
    ctx["user_id"] = getattr(user, "pk", None)
    ctx["grant"] = grant_lookup


def current_permission() -> str:
    return (get_current() or {}).get("permission", "") or ""


def current_grant(actor):
    """The grant behind the current request's permission when `actor` is the request's user, else None."""
    ctx = get_current() or {}
    lookup = ctx.get("grant")
    if lookup is None or actor is None or ctx.get("user_id") != getattr(actor, "pk", None):
        return None
    return lookup()


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
