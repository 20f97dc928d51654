"""Retention: the one path that removes audit rows (default after 5 years, AUDIT_RETENTION_DAYS).

It removes whole sealed segments of each chain that were sealed before the cutoff (so every row in them is older),
leaves a MAC-protected checkpoint so the rest of the chain stays verifiable, and records a RETENTION access event
(sealed like any other), all in one transaction under the sealer's lock.

No session setting opens this path. On PostgreSQL the append-only trigger lets a DELETE through only for rows older
than MINIMUM_RETENTION_DAYS (fixed in the trigger by migration), whoever runs it: a role that can DELETE can at most
remove rows that retention would remove anyway, and without a checkpoint that shows as missing rows in
`verify_audit`.
"""
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from . import chain
from .models import AccessEvent, ChainCheckpoint, ChainSegment

# Five years (NEN 7513): the floor the PostgreSQL trigger enforces; AUDIT_RETENTION_DAYS may not be lower.
MINIMUM_RETENTION_DAYS = 5 * 365 + 1


def _trim(name, cutoff) -> int:
    start, problem = chain.chain_start(name)
    if problem:
        raise RuntimeError(f"Bewaartermijn niet toegepast: {problem}")
    segments = list(ChainSegment.objects.filter(chain=name, seq__gte=start.seq).order_by("seq")
                    .values("seq", "key_from", "key_to", "sealed_at", "digest"))
    doomed = []
    for segment in segments:  # a prefix: stop at the first segment sealed on or after the cutoff
        if segment["sealed_at"] >= cutoff:
            break
        doomed.append(segment)
    if not doomed:
        return 0
    removed = chain.delete_range(name, doomed[0]["key_from"], doomed[-1]["key_to"])
    first_seq, anchor, key_from = doomed[-1]["seq"] + 1, doomed[-1]["digest"], doomed[-1]["key_to"]
    ChainCheckpoint(
        chain=name, first_seq=first_seq, anchor_hash=anchor, key_from=key_from, removed=removed, cutoff=cutoff,
        mac=chain.checkpoint_mac(name, first_seq, anchor, key_from, cutoff),
    ).save()
    return removed


def retention_apply(*, now=None, days: int | None = None) -> dict:
    """Remove audit rows older than the retention period; returns {"access": n, "change": m, "cutoff": ...}."""
    from .services import access_event_record

    days = days if days is not None else getattr(settings, "AUDIT_RETENTION_DAYS", 5 * 366)
    if days < MINIMUM_RETENTION_DAYS:
        raise ImproperlyConfigured(f"AUDIT_RETENTION_DAYS={days}: audit records are kept at least "
                                   f"{MINIMUM_RETENTION_DAYS} days")
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    if not transaction.get_connection().in_atomic_block:
        chain.seal_all(wait=True)  # what is old enough is sealed before anything is removed
    with transaction.atomic():
        chain.lock_sealer()
        removed_access = _trim(chain.ACCESS, cutoff)
        removed_change = _trim(chain.CHANGE, cutoff)
        access_event_record(
            action=AccessEvent.Action.RETENTION,
            actor=None,
            object_type="audit",
            object_label=f"toegang: {removed_access}, wijzigingen: {removed_change}",
            query=f"ouder dan {cutoff.isoformat(timespec='seconds')} ({days} dagen)",
            result_count=removed_access + removed_change,
        )
    return {"access": removed_access, "change": removed_change, "cutoff": cutoff}
