"""Request context for Celery tasks.

A task queued while a request (or another task) is handled carries that request id and actor in its message
headers; the worker runs the task inside `audit.context.task_actor(actor, request_id=...)`, so its changes are
attributed to the person who caused them and its access events share the request id. Tasks queued by beat carry
nothing and run as the system with a fresh id. In eager mode (no broker) the task runs inside the request and
simply keeps the request's context.
"""
from celery.signals import before_task_publish, task_postrun, task_prerun

from .context import current_actor, current_request_id, task_actor

HEADER_REQUEST_ID = "vp_request_id"
HEADER_ACTOR_ID = "vp_actor_id"
_open = {}


@before_task_publish.connect(dispatch_uid="audit_task_publish")
def add_context_headers(headers=None, **kwargs):
    if headers is None:
        return
    request_id = current_request_id()
    actor = current_actor()
    if request_id:
        headers.setdefault(HEADER_REQUEST_ID, request_id)
    if actor is not None:
        headers.setdefault(HEADER_ACTOR_ID, actor.pk)


def _header(task, name):
    request = getattr(task, "request", None)
    if request is None:
        return None
    value = getattr(request, name, None)
    if value is None:
        value = (getattr(request, "headers", None) or {}).get(name)
    return value


@task_prerun.connect(dispatch_uid="audit_task_prerun")
def enter_task_context(task_id=None, task=None, **kwargs):
    if task is None or getattr(task.request, "is_eager", False):
        return  # eager: already inside the caller's context
    # auditlog writes LogEntry.content_type from ContentType's per-process cache; a long-running worker must not
    # hand out ids of rows that were since recreated (a flushed test database, a restored backup).
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    manager = task_actor(
        _header(task, HEADER_ACTOR_ID), request_id=_header(task, HEADER_REQUEST_ID), task_name=task.name
    )
    manager.__enter__()
    _open[task_id] = manager


@task_postrun.connect(dispatch_uid="audit_task_postrun")
def leave_task_context(task_id=None, **kwargs):
    manager = _open.pop(task_id, None)
    if manager is not None:
        manager.__exit__(None, None, None)
