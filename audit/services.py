"""The one place that writes audit records.

- `access_event_record(...)`: one AccessEvent (reads, searches, exports, logins, denials, grants). Call it inside
  the transaction of the action it describes: if it fails, the action fails. No lock: the row is inserted with its
  own HMAC and sealed into the hash chain later by one sealer (audit.chain.seal_all).
- `access_event_record_many(...)`: the events of a bulk operation (a bulk check) in one set-based INSERT.
- `import_run_record(...)`: an import run is one audit record (source, file, hash, counts), not one per row.
- `bulk_change_record(...)`: the trace of a bulk write (QuerySet.update, bulk_create, bulk_update, delete) that
  auditlog cannot see. Models using audit.models.AuditedQuerySet call it for you via `audited_update()` etc.
"""
import re

from django.db import transaction
from django.utils import timezone

from .chain import ACCESS_FIELDS, access_event_hash
from .context import current_grant, get_current
from .models import AccessEvent

# C0 controls (newlines and tabs included), DEL, C1 controls and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escape(match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"


def clean_text(value, limit=255) -> str:
    """Logged values cannot forge log lines: control characters and newlines become visible escapes."""
    if value is None:
        return ""
    text = str(value)
    if _CONTROL.search(text) is None:  # the usual case, without a Python loop over every character
        return text[:limit]
    return _CONTROL.sub(_escape, text)[:limit]


def _context() -> dict:
    """The audit context (audit.context): set by the middleware for a request, by task_actor for background work."""
    return get_current() or {}


def _build_event(*, ctx, action, actor, outcome, obj=None, object_type="", object_id="", object_label="", query="",
                 purpose="", result_count=None, grant=None) -> AccessEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or str(obj.pk)
        object_label = object_label or str(obj)
    department = ""
    if actor is not None and getattr(actor, "department_id", None):
        department = str(actor.department)
    event = AccessEvent(
        occurred_at=timezone.now(),
        actor=actor,
        actor_username=clean_text(getattr(actor, "username", ""), 150),
        actor_department=clean_text(department, 120),
        role=clean_text(grant.role if grant is not None else "", 40),
        authorisation_id=grant.pk if grant is not None else None,
        action=action,
        outcome=outcome,
        object_type=clean_text(object_type, 100),
        object_id=clean_text(object_id, 64),
        object_label=clean_text(object_label),
        query=clean_text(query),
        purpose=clean_text(purpose),
        result_count=result_count,
        ip_address=ctx.get("ip"),
        user_agent=clean_text(ctx.get("user_agent", "")),
        request_id=clean_text(ctx.get("request_id", ""), 64),
        path=clean_text(ctx.get("path", "")),
    )
    event.row_hash = access_event_hash({name: getattr(event, name) for name in ACCESS_FIELDS})
    return event


def access_event_record(
    *,
    action: str,
    actor=None,
    outcome: str = AccessEvent.Outcome.ALLOWED,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
    query: str = "",
    purpose: str = "",
    result_count: int | None = None,
    grant=None,
) -> AccessEvent:
    """Record one access event. Called inside the action's transaction: if this fails, the action fails (and
    nothing may be shown). One INSERT, no lock: the sealer puts it into the hash chain afterwards.

    `grant` is the Authorisation that allowed the action; when omitted it is the grant behind the permission the
    request was let in with (audit.context, set by the page rule and the API permission class) if `actor` is the
    request's user. Who, from where and the request id come from the audit context. Signals records address searches as
    action=ADDRESS_SEARCH, obj=<areas.Address> (or object_type="areas.Address", object_id=pk, object_label=label),
    query=<normalised address>, purpose=<reason / case number>, result_count=<departments hit>.
    """
    if grant is None and outcome == AccessEvent.Outcome.ALLOWED:
        grant = current_grant(actor)
    event = _build_event(ctx=_context(), action=action, actor=actor, outcome=outcome, obj=obj,
                         object_type=object_type, object_id=object_id, object_label=object_label, query=query,
                         purpose=purpose, result_count=result_count, grant=grant)
    event.save()
    return event


def access_event_record_many(*, action: str, actor, events: list[dict],
                             outcome: str = AccessEvent.Outcome.ALLOWED, grant=None) -> list[AccessEvent]:
    """Record the events of one bulk operation (e.g. every address of a bulk check) in one set-based INSERT.

    `events`: dicts with the per-event fields of access_event_record (obj, object_type, object_id, object_label,
    query, purpose, result_count). Same guarantees as access_event_record: inside the operation's transaction.
    """
    if grant is None and outcome == AccessEvent.Outcome.ALLOWED:
        grant = current_grant(actor)
    ctx = _context()
    rows = [_build_event(ctx=ctx, action=action, actor=actor, outcome=outcome, grant=grant, **fields)
            for fields in events]
    if rows:
        AccessEvent.objects.bulk_create(rows, batch_size=2000)
    return rows


def import_run_record(*, actor, source: str, file_name: str, sha256: str, counts: dict, outcome: str = "allowed",
                      object_id: str = "") -> AccessEvent:
    """One audit record for a whole import run: source, file name and hash, and the counts (read, inserted, updated,
    unchanged, rejected). The rows themselves get no change record each."""
    summary = ", ".join(f"{name}: {value}" for name, value in counts.items())
    return access_event_record(
        action=AccessEvent.Action.IMPORT, actor=actor, outcome=outcome,
        object_type="ingest.ImportRun", object_id=object_id, object_label=f"{source}: {file_name} ({summary})",
        query=f"sha256:{sha256}", result_count=counts.get("read"),
    )


def audit_view_record(*, actor, page: str, query: str = "", result_count=None, object_id: str = "",
                      object_label: str = "") -> AccessEvent:
    """An auditor's own read of the audit trail (NEN 7513: the auditors are audited too)."""
    return access_event_record(action=AccessEvent.Action.AUDIT_VIEW, actor=actor, object_type=f"audit.{page}",
                               object_id=object_id, object_label=object_label, query=query,
                               result_count=result_count)


def audit_export_record(*, actor, query: str, count: int) -> AccessEvent:
    """An auditor's CSV export of access events."""
    return access_event_record(action=AccessEvent.Action.AUDIT_EXPORT, actor=actor, object_type="audit.events",
                               query=query, result_count=count)


_LOGENTRY_ACTIONS = {"create": 0, "update": 1, "delete": 2}


def bulk_change_record(
    *,
    model,
    object_ids,
    action: str,
    actor=None,
    changes: dict | None = None,
    reason: str = "",
    labels: dict | None = None,
) -> AccessEvent:
    """Leave the trace of a bulk write that auditlog cannot see; call it in the same transaction as the write.

    Writes one auditlog LogEntry per object (so "who changed this signal" shows it, with additional_data
    {"bulk": true, "reason": ...}) and one BULK_CHANGE access event summarising it (count and ids). Both are in
    the hash chain. `action` is "create", "update" or "delete"; `changes` the new values ({"status": "expired"});
    `labels` optional {pk: str(obj)}; `actor` None means the system (a scheduled job) unless auditlog's context
    (request or audit.context.task_actor) names a user.

        with transaction.atomic():
            ids = list(qs.values_list("pk", flat=True))
            with allow_bulk_writes():
                Signal.objects.filter(pk__in=ids).update(status="expired")
            bulk_change_record(model=Signal, object_ids=ids, action="update", changes={"status": "expired"},
                               reason="Geldigheid verstreken")

    Prefer `AuditedQuerySet.audited_update(...)`, which does exactly this.
    """
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from .context import current_actor, current_request_id

    if action not in _LOGENTRY_ACTIONS:
        raise ValueError(f"action must be one of {sorted(_LOGENTRY_ACTIONS)}")
    object_ids = list(object_ids)
    labels = labels or {}
    actor = actor or current_actor()
    content_type = ContentType.objects.get_for_model(model)
    new_values = {str(name): ["", clean_text(value, 1000)] for name, value in (changes or {}).items()}
    additional = {"bulk": True, "reason": clean_text(reason, 1000), "count": len(object_ids)}
    # QuerySet.delete() on a model registered with auditlog goes through the deletion collector, which sends
    # post_delete per object: auditlog already wrote those entries, so only the summary event is added.
    from auditlog.registry import auditlog

    per_object = not (action == "delete" and auditlog.contains(model))
    with transaction.atomic():
        # One set-based INSERT for all change records (the sealer chains them later).
        LogEntry.objects.bulk_create([
            LogEntry(
                content_type=content_type,
                object_pk=str(pk),
                object_id=pk if isinstance(pk, int) else None,
                object_repr=clean_text(labels.get(pk) or f"{model._meta.verbose_name} #{pk}", 1000),
                action=_LOGENTRY_ACTIONS[action],
                changes=new_values or None,
                changes_text="",
                actor=actor,
                cid=current_request_id() or None,
                additional_data=additional,
                timestamp=timezone.now(),
            )
            for pk in (object_ids if per_object else ())
        ], batch_size=2000)
        id_list = ",".join(str(pk) for pk in object_ids)
        from .signals import bulk_changed

        bulk_changed.send(sender=model, action=action, object_ids=object_ids)
        return access_event_record(
            action=AccessEvent.Action.BULK_CHANGE,
            actor=actor,
            object_type=model._meta.label,
            object_id=id_list if len(id_list) <= 64 else "",
            object_label=f"{action}: {len(object_ids)} × {model._meta.verbose_name} ({id_list})",
            query=", ".join(sorted(new_values)),
            purpose=reason,
            result_count=len(object_ids),
        )
