"""Nightly jobs: signals past their end date expire, details of ended signals are erased, tallies are pruned."""
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AccessEvent
from audit.services import access_event_record

from ..models import SearchTally, Signal
from ._common import _today


def search_tally_prune(*, now=None) -> int:
    """Delete anti-fishing tallies older than two days (daily beat job); they are counters, not the audit trail."""
    now = now or timezone.now()
    deleted, _per_model = SearchTally.objects.filter(occurred_at__lt=now - timedelta(days=2)).delete()
    return deleted


BATCH = 1000


def _in_batches(ids):
    for start in range(0, len(ids), BATCH):
        yield ids[start:start + BATCH]


def signal_expire_due(*, today: date | None = None) -> int:
    """End active signals past valid-until (daily Celery beat). Audited per signal (auditlog) and per batch."""
    today = today or _today()
    due = Signal.objects.filter(status=Signal.Status.ACTIVE, valid_until__lt=today)
    ids = list(due.order_by("pk").values_list("pk", flat=True))
    done = 0
    now = timezone.now()
    for batch in _in_batches(ids):
        done += due.filter(pk__in=batch).audited_update(
            reason=_("Geldigheid verstreken"), actor=None, status=Signal.Status.EXPIRED, ended_at=now, updated_at=now
        )
    return done


def signal_erase_expired_details(*, now=None) -> int:
    """Erase details of signals that ended more than SIGNAL_DETAIL_RETENTION_DAYS ago, keeping a tombstone.

    The tombstone keeps id, public id, department, address, category and dates, so audit records still refer to it.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.SIGNAL_DETAIL_RETENTION_DAYS)
    due = Signal.objects.filter(
        status__in=[Signal.Status.CLOSED, Signal.Status.EXPIRED],
        ended_at__lte=cutoff,
        details_erased_at__isnull=True,
    )
    ids = list(due.order_by("pk").values_list("pk", flat=True))
    done = 0
    for batch in _in_batches(ids):
        with transaction.atomic():
            count = due.filter(pk__in=batch).audited_update(
                reason=_("Bewaartermijn verstreken: details gewist"),
                actor=None,
                details="",
                case_reference="",
                close_reason="",
                details_erased_at=now,
                updated_at=now,
            )
            access_event_record(
                action=AccessEvent.Action.RETENTION,
                object_type="signals.Signal",
                object_label=_("Details van signalen gewist"),
                query=",".join(str(pk) for pk in batch)[:255],
                result_count=count,
            )
        done += count
    return done
