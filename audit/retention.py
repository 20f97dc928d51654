"""Retention: the one privileged path that removes audit rows (default after 5 years, AUDIT_RETENTION_DAYS).

It removes a prefix of each chain (rows older than the cutoff), leaves a MAC-protected checkpoint so the rest of
the chain stays verifiable, and records a RETENTION access event, all in one transaction. On PostgreSQL the
append-only trigger lets the DELETEs through only because this transaction sets `vp.audit_retention`.
"""
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import chain
from .models import AccessEvent, ChainCheckpoint, ChangeSeal


def _privileged(on: bool):
    """Open (or close again) the trigger's DELETE path for the rest of this transaction only."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('vp.audit_retention', %s, true)", ["on" if on else "off"])


def _checkpoint(name, first_seq, anchor_hash, removed, cutoff):
    ChainCheckpoint(
        chain=name, first_seq=first_seq, anchor_hash=anchor_hash, removed=removed, cutoff=cutoff,
        mac=chain.checkpoint_mac(name, first_seq, anchor_hash, cutoff),
    ).save()


def _trim_access(cutoff, head_seq, head_hash):
    keep_from = (
        AccessEvent.objects.filter(occurred_at__gte=cutoff, seq__isnull=False).order_by("seq")
        .values_list("seq", "prev_hash").first()
    )
    first_seq, anchor = keep_from if keep_from else (head_seq + 1, head_hash)
    doomed = AccessEvent.objects.filter(seq__lt=first_seq)
    if not doomed.exists():
        return 0
    removed = doomed._retention_delete()[0]
    _checkpoint(chain.ACCESS, first_seq, anchor, removed, cutoff)
    return removed


def _trim_changes(cutoff, head_seq, head_hash):
    from auditlog.models import LogEntry

    young = LogEntry.objects.filter(timestamp__gte=cutoff).values("pk")
    keep_from = (
        ChangeSeal.objects.filter(log_entry_id__in=young).order_by("seq").values_list("seq", "prev_hash").first()
    )
    first_seq, anchor = keep_from if keep_from else (head_seq + 1, head_hash)
    doomed = ChangeSeal.objects.filter(seq__lt=first_seq)
    if not doomed.exists():
        return 0
    removed = LogEntry.objects.filter(pk__in=doomed.values("log_entry_id"))._raw_delete(LogEntry.objects.db)
    doomed._retention_delete()
    _checkpoint(chain.CHANGE, first_seq, anchor, removed, cutoff)
    return removed


def retention_apply(*, now=None, days: int | None = None) -> dict:
    """Remove audit rows older than the retention period; returns {"access": n, "change": m, "cutoff": ...}."""
    from .services import access_event_record

    days = days if days is not None else getattr(settings, "AUDIT_RETENTION_DAYS", 5 * 366)
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    with transaction.atomic():
        chain.lock_chains()
        access_head = chain._head(chain.ACCESS)
        change_head = chain._head(chain.CHANGE)
        _privileged(True)
        try:
            removed_access = _trim_access(cutoff, access_head.seq, access_head.last_hash)
            removed_change = _trim_changes(cutoff, change_head.seq, change_head.last_hash)
        finally:
            _privileged(False)  # never leak into an outer transaction
        access_event_record(
            action=AccessEvent.Action.RETENTION,
            actor=None,
            object_type="audit",
            object_label=f"toegang: {removed_access}, wijzigingen: {removed_change}",
            query=f"ouder dan {cutoff.isoformat(timespec='seconds')} ({days} dagen)",
            result_count=removed_access + removed_change,
        )
    return {"access": removed_access, "change": removed_change, "cutoff": cutoff}
