"""The address search (one service for page and API), the anti-fishing limits, and the hit report's record of what
it listed."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access.permissions import has_perm
from audit.context import get_current, new_trace_id
from audit.models import AccessEvent
from audit.services import access_event_record, access_event_record_many

from .. import selectors
from ..models import SearchTally
from ._common import SEARCH_PERM, SearchLimitExceeded, _audit_request_id, _clean_purpose, _record_refusal
from .notifications import _notify_searched


def search_limit_take(*, user, now=None):
    """Count one single search against the user's hourly and daily limit (anti-fishing), or raise
    SearchLimitExceeded when either is used up. Called in the transaction that records the search: a search that
    fails before it is on record does not count. One short indexed query and one insert."""
    now = now or timezone.now()
    per_hour = settings.SIGNAL_SEARCH_LIMIT_PER_HOUR
    per_day = settings.SIGNAL_SEARCH_LIMIT_PER_DAY
    counts = selectors.search_tally_counts(user_id=user.pk, now=now)
    if per_hour and counts["hour"] >= per_hour:
        raise SearchLimitExceeded(
            _(
                "U heeft het maximum van %(n)s zoekvragen per uur bereikt. Probeer het later opnieuw of neem "
                "contact op met de functioneel beheerder als u voor uw werk meer moet zoeken."
            )
            % {"n": per_hour},
            period="hour",
        )
    if per_day and counts["day"] >= per_day:
        raise SearchLimitExceeded(
            _(
                "U heeft het maximum van %(n)s zoekvragen per dag bereikt. Probeer het morgen opnieuw of neem "
                "contact op met de functioneel beheerder als u voor uw werk meer moet zoeken."
            )
            % {"n": per_day},
            period="day",
        )
    _tally(user=user, now=now, kind=SearchTally.Kind.SEARCH, addresses=1)


def bulk_limit_take(*, user, addresses: int, now=None):
    """Count every address of a bulk check against the user's daily bulk budget (SIGNAL_BULK_ADDRESSES_PER_DAY), or
    raise SearchLimitExceeded naming how many addresses are left today. Called in the check's own transaction."""
    now = now or timezone.now()
    per_day = settings.SIGNAL_BULK_ADDRESSES_PER_DAY
    used = selectors.search_tally_counts(user_id=user.pk, now=now)["bulk_day"]
    if per_day and used + addresses > per_day:
        raise SearchLimitExceeded(
            _(
                "Deze bulkcontrole telt %(n)s adressen; u kunt binnen 24 uur nog %(left)s adressen controleren "
                "(maximaal %(max)s per dag). Neem contact op met de functioneel beheerder als u voor uw werk meer "
                "moet controleren."
            )
            % {"n": addresses, "left": max(per_day - used, 0), "max": per_day},
            period="day",
        )
    _tally(user=user, now=now, kind=SearchTally.Kind.BULK, addresses=addresses)


def _tally(*, user, now, kind, addresses):
    # The request id is the server's own (audit.context), never one a client chose.
    request_id = (get_current() or {}).get("request_id") or new_trace_id()
    SearchTally.objects.bulk_create(
        [SearchTally(user=user, request_id=request_id, occurred_at=now, kind=kind, addresses=addresses)],
        ignore_conflicts=True,
    )


def address_hit_search(*, user, address, purpose):
    """Which departments have an active signal on `address`? Returns list[DepartmentHit] (one row per department).

    Checks the search permission, requires a purpose, applies the anti-fishing limit (SearchLimitExceeded, the
    refusal recorded) and records the search (normalised address, purpose, number of departments hit).
    """
    if not has_perm(user, SEARCH_PERM):
        raise PermissionDenied
    purpose = _clean_purpose(purpose)
    if address is None:
        raise ValidationError({"address": _("Kies een adres.")})
    with _audit_request_id():
        try:
            # One transaction (one commit) for the tally, the audit record and any notifications: the hits are
            # only returned once the search is on record; a refusal is recorded after the rollback.
            with transaction.atomic():
                search_limit_take(user=user)
                rows = selectors.address_hit_rows(address=address)  # one indexed query
                hits = selectors.hits_from_rows(rows)
                access_event_record(
                    action=AccessEvent.Action.ADDRESS_SEARCH,
                    actor=user,
                    obj=address,
                    query=address.search_key,
                    purpose=purpose,
                    result_count=len(hits),
                )
                if any(row["notify_on_search"] for row in rows):
                    _notify_searched(user=user, address=address, rows=rows)
        except SearchLimitExceeded:
            _record_refusal(user=user, query=address.search_key, purpose=purpose, obj=address)
            raise
    return hits


def address_unresolved_search_record(*, user, query: str, purpose):
    """A search for an address that does not exist (or cannot be read) is still a search: it is recorded, with
    no object and no result count, and counts towards the anti-fishing limit."""
    if not has_perm(user, SEARCH_PERM):
        raise PermissionDenied
    purpose = _clean_purpose(purpose)
    query = (query or "").strip()[:120]
    with _audit_request_id():
        try:
            with transaction.atomic():
                search_limit_take(user=user)
                access_event_record(
                    action=AccessEvent.Action.ADDRESS_SEARCH,
                    actor=user,
                    object_type="areas.Address",
                    query=query,
                    purpose=purpose,
                )
        except SearchLimitExceeded:
            _record_refusal(user=user, query=query, purpose=purpose)
            raise


@transaction.atomic
def hit_report_record(*, user, filters: dict, count: int, fmt: str, rows=()):
    """The hit report was shown (fmt "page" or "api"), printed ("print") or exported ("csv").

    One event for the report, plus one per address it listed (`rows`: the HitReportRows shown, printed or
    exported), written set-based, with the address as object: "who looked at this address" finds the listing."""
    action = {
        "csv": AccessEvent.Action.EXPORT,
        "print": AccessEvent.Action.PRINT,
    }.get(fmt, AccessEvent.Action.SIGNAL_VIEW)
    query = " ".join(f"{key}={value}" for key, value in sorted(filters.items()) if value not in (None, ""))
    event = access_event_record(
        action=action,
        actor=user,
        object_type="signals.HitReport",
        object_label=_("Uitdraai signalen (%(fmt)s)") % {"fmt": fmt},
        query=query,
        result_count=count,
    )
    access_event_record_many(
        action=action,
        actor=user,
        events=[
            {"object_type": "areas.Address", "object_id": str(row.address_id), "object_label": row.address_label,
             "query": query, "result_count": row.department_count}
            for row in rows
        ],
    )
    return event
