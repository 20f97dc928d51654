"""Reads for the signalling tool, shared by pages, API, exports and tasks.

The Chinese wall lives in ONE queryset method, `Signal.objects.for_user(user)`; everything that returns
signals with their category or details starts from `signal_list_for_user`. The cross-department reads
(`address_hits`, `hit_report`) return fixed, narrow dataclasses: department, contact and month, or counts
and department names. They never carry a category, details, dates other than the month, or a per-department count.
"""
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connections, router
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from access.models import Department, DepartmentUserObjectPermission, User
from access.permissions import objects_for_user

from .models import Category, Notification, SearchTally, Signal

OFFICER_PERM = "access.manage_department_signals"
OFFICER_CODENAME = "manage_department_signals"


@dataclass(frozen=True)
class DepartmentHit:
    """One row of a hit: a department with at least one active signal on the address. Nothing more."""

    department_id: int
    department_name: str
    contact_name: str
    contact_phone: str
    contact_email: str
    since: date  # first day of the month of the department's earliest active signal here
    contact_before_acting: bool

    @property
    def since_label(self) -> str:
        return formats.date_format(self.since, "F Y")


@dataclass(frozen=True)
class HitReportRow:
    address_id: int
    address_label: str
    postcode: str
    buurt_code: str
    buurt_name: str
    wijk_name: str
    department_count: int
    departments: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- departments


def departments_for_user(*, user):
    """The departments whose signals `user` manages (an active officer grant on that department)."""
    return objects_for_user(user, OFFICER_PERM, Department).order_by("name")


def department_get_for_user(*, user, code: str):
    """The department with this code if `user` manages its signals, else None (-> 404)."""
    return departments_for_user(user=user).filter(code=code).first()


def department_officers(*, department):
    """Users holding an officer grant on `department`: the people who can be named as contact officer."""
    holders = DepartmentUserObjectPermission.objects.filter(
        content_object=department,
        permission__codename=OFFICER_CODENAME,
        permission__content_type__app_label="access",
    ).values("user_id")
    return User.objects.filter(pk__in=holders, is_active=True).order_by("first_name", "last_name", "username")


def categories_for_department(*, department) -> list[Category]:
    return list(Category.objects.filter(department=department, active=True).order_by("name"))


# ---------------------------------------------------------------------------------------------- own signals


def signal_list_for_user(*, user):
    """Only signals of departments the user holds an officer grant on. The base of every register list and detail."""
    return Signal.objects.for_user(user).select_related("department", "address", "category", "contact_officer")


def _as_uuid(value):
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def signal_get_for_user(*, user, signal_id) -> Signal:
    """The signal with this public id if the user may see it. Missing and not-yours raise the same DoesNotExist."""
    public_id = _as_uuid(signal_id)
    if public_id is None:
        raise Signal.DoesNotExist
    return signal_list_for_user(user=user).get(public_id=public_id)


def signal_filter(queryset, *, status: str = "", q: str = "", category=None):
    """Register filters, applied on top of `signal_list_for_user` only."""
    if status == "active":
        queryset = queryset.active()
    elif status in {Signal.Status.CLOSED, Signal.Status.EXPIRED}:
        queryset = queryset.filter(status=status)
    if category is not None:
        queryset = queryset.filter(category=category)
    if q:
        from areas.normalize import fold

        folded = fold(q)
        queryset = queryset.filter(
            Q(case_reference__icontains=q)
            | Q(address__street_key__startswith=folded)
            | Q(address__search_key__startswith=q.replace(" ", "").upper()[:6])
        )
    return queryset


# ---------------------------------------------------------------------------------------------- hits


def _contact(row):
    if not row["contact_officer__is_active"]:
        # The officer has left: the department's general contact details stand in.
        return (_("%(department)s (algemeen)") % {"department": row["department__name"]},
                row["department__phone"] or "", row["department__email"] or "")
    name = " ".join(part for part in (row["contact_officer__first_name"], row["contact_officer__last_name"]) if part)
    return (
        name or row["contact_officer__username"],
        row["contact_officer__phone"] or row["department__phone"] or "",
        row["contact_officer__email"] or row["department__email"] or "",
    )


HIT_FIELDS = (
    "department_id",
    "department__name",
    "department__phone",
    "department__email",
    "contact_officer_id",
    "contact_officer__username",
    "contact_officer__first_name",
    "contact_officer__last_name",
    "contact_officer__phone",
    "contact_officer__email",
    "contact_officer__is_active",
    "valid_from",
    "contact_before_acting",
    "notify_on_search",
)


# The search runs this on every request, as plain SQL: building and compiling the equivalent queryset,
#   Signal.objects.active(today=today).filter(address_id=address_id)
#         .order_by("department__name", "valid_from", "id").values(*HIT_FIELDS)
# cost more Python time than PostgreSQL needs to answer it from the (address_id, department_id) index.
# tests/signals/test_plain_sql.py proves it gives the same rows as that queryset, on SQLite and on PostgreSQL.
HITS_SQL = """
SELECT s.department_id, d.name, d.phone, d.email,
       s.contact_officer_id, u.username, u.first_name, u.last_name, u.phone, u.email, u.is_active,
       s.valid_from, s.contact_before_acting, s.notify_on_search
FROM signals_signal s
JOIN access_department d ON d.id = s.department_id
JOIN access_user u ON u.id = s.contact_officer_id
WHERE s.address_id = %s AND s.status = %s AND s.valid_until >= %s
ORDER BY d.name, s.valid_from, s.id
"""
_HIT_BOOLEANS = ("contact_officer__is_active", "contact_before_acting", "notify_on_search")


def address_hit_rows(*, address, today=None) -> list[dict]:
    """ONE indexed query: the active signals on one address with department and contact officer joined in, as
    dicts keyed by HIT_FIELDS (what `.values(*HIT_FIELDS)` gives).

    Internal: rows still hold one entry per signal; `address_hits` folds them to one row per department.
    """
    address_id = getattr(address, "pk", address)
    with connections[router.db_for_read(Signal)].cursor() as cursor:
        cursor.execute(HITS_SQL, [address_id, Signal.Status.ACTIVE.value, today or timezone.localdate()])
        rows = [dict(zip(HIT_FIELDS, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:  # the database's own types (SQLite: 0/1 and text) as the ORM would give them
        for name in _HIT_BOOLEANS:
            row[name] = bool(row[name])
        if not isinstance(row["valid_from"], date):
            row["valid_from"] = date.fromisoformat(row["valid_from"])
    return rows


# Counted on every search, as plain SQL: the equivalent queryset,
#   SearchTally.objects.filter(user_id=user_id, occurred_at__gte=day_ago).aggregate(
#       day=Count("pk", filter=Q(kind="search")),
#       hour=Count("pk", filter=Q(kind="search", occurred_at__gte=hour_ago)),
#       bulk_day=Coalesce(Sum("addresses", filter=Q(kind="bulk")), 0))
# cost about 0.6 ms of Python time per search, this statement less than 0.1 ms. tests/signals/test_plain_sql.py proves
# both count the same, on SQLite and on PostgreSQL (the moments go in as the field stores them: get_db_prep_value).
TALLY_SQL = """
SELECT COUNT(CASE WHEN kind = 'search' THEN 1 END),
       COUNT(CASE WHEN kind = 'search' AND occurred_at >= %s THEN 1 END),
       COALESCE(SUM(CASE WHEN kind = 'bulk' THEN addresses END), 0)
FROM signals_searchtally
WHERE user_id = %s AND occurred_at >= %s
"""


def search_tally_counts(*, user_id, now) -> dict:
    """The user's single searches in the last day and the last hour, and the addresses of the user's bulk checks in
    the last day (anti-fishing limits): one indexed query."""
    connection = connections[router.db_for_read(SearchTally)]
    occurred_at = SearchTally._meta.get_field("occurred_at")
    hour_ago = occurred_at.get_db_prep_value(now - timedelta(hours=1), connection)
    day_ago = occurred_at.get_db_prep_value(now - timedelta(days=1), connection)
    with connection.cursor() as cursor:
        cursor.execute(TALLY_SQL, [hour_ago, user_id, day_ago])
        day, hour, bulk_day = cursor.fetchone()
    return {"day": day, "hour": hour, "bulk_day": int(bulk_day)}


def bulk_addresses_left(*, user, now=None) -> int:
    """How many addresses the user may still check in bulk within 24 hours (SIGNAL_BULK_ADDRESSES_PER_DAY)."""
    from django.conf import settings
    from django.utils import timezone

    used = search_tally_counts(user_id=user.pk, now=now or timezone.now())["bulk_day"]
    return max(settings.SIGNAL_BULK_ADDRESSES_PER_DAY - used, 0)


def hits_from_rows(rows) -> list[DepartmentHit]:
    per_department: OrderedDict[int, list[dict]] = OrderedDict()
    for row in rows:
        per_department.setdefault(row["department_id"], []).append(row)
    hits = []
    for department_id, group in per_department.items():
        first, latest = group[0], group[-1]
        name, phone, email = _contact(latest)  # the officer of the most recent signal is the one to call
        hits.append(
            DepartmentHit(
                department_id=department_id,
                department_name=first["department__name"],
                contact_name=name,
                contact_phone=phone,
                contact_email=email,
                since=first["valid_from"].replace(day=1),
                contact_before_acting=any(row["contact_before_acting"] for row in group),
            )
        )
    return hits


def address_hits(*, address, today=None) -> list[DepartmentHit]:
    """Per department with an ACTIVE signal on the address: department, contact, since (month), contact-first."""
    return hits_from_rows(address_hit_rows(address=address, today=today))


def address_hits_many(*, address_ids, today=None) -> dict[int, list[str]]:
    """For the bulk check: address id -> sorted department names with an active signal. One query."""
    result: dict[int, set[str]] = {}
    rows = (
        Signal.objects.active(today=today)
        .filter(address_id__in=list(address_ids))
        .values_list("address_id", "department__name")
        .distinct()
    )
    for address_id, name in rows:
        result.setdefault(address_id, set()).add(name)
    return {key: sorted(value) for key, value in result.items()}


# ---------------------------------------------------------------------------------------------- hit report


def _area_filter(queryset, *, wijk=None, buurt=None, prefix="address__"):
    if buurt:
        key = "code" if isinstance(buurt, str) else "pk"
        value = buurt if isinstance(buurt, str) else buurt.pk
        queryset = queryset.filter(**{f"{prefix}buurt__{key}": value})
    if wijk:
        key = "code" if isinstance(wijk, str) else "pk"
        value = wijk if isinstance(wijk, str) else wijk.pk
        queryset = queryset.filter(**{f"{prefix}buurt__wijk__{key}": value})
    return queryset


# The hit report exists for coordination between departments: an address flagged by one department is that
# department's own business, so no filter, setting or client brings the threshold below two (a threshold of one
# would turn the report into a listing of every department's signalled addresses).
HIT_REPORT_MIN_DEPARTMENTS = 2


def hit_report_threshold(value=None) -> int:
    """The threshold to use: the one asked for, else the configured default, never below two."""
    from django.conf import settings

    return max(HIT_REPORT_MIN_DEPARTMENTS, int(value or settings.SIGNAL_HIT_REPORT_MIN_DEPARTMENTS))


def hit_report(*, min_departments: int = 2, wijk=None, buurt=None, today=None) -> list[HitReportRow]:
    """Addresses with active signals from at least N departments: address, number of departments, their names.

    One pass over the active signals: grouped by address, with one conditional aggregate per department (there
    are a handful), so names come out of the same query; then the addresses of the result in chunks.
    """
    from django.db.models import Case, F, IntegerField, Max, Value, When

    min_departments = hit_report_threshold(min_departments)
    active = _area_filter(Signal.objects.active(today=today), wijk=wijk, buurt=buurt)
    departments = list(Department.objects.order_by("name").values_list("pk", "name"))
    flags = {
        f"d{pk}": Max(Case(When(department_id=pk, then=Value(1)), default=Value(0), output_field=IntegerField()))
        for pk, _name in departments
    }
    if not flags:
        return []
    names_list = list(flags)
    total = F(names_list[0])
    for name in names_list[1:]:
        total = total + F(name)
    # The number of departments is the sum of the per-department flags: no COUNT(DISTINCT), so PostgreSQL can
    # hash-aggregate in one pass instead of sorting all active signals.
    grouped = active.order_by().values("address_id").annotate(**flags).annotate(n=total).filter(n__gte=min_departments)
    names = {row["address_id"]: [name for pk, name in departments if row[f"d{pk}"]] for row in grouped}
    if not names:
        return []
    from areas.models import Address

    rows = []
    ids = list(names)
    for start in range(0, len(ids), 2000):
        for address in Address.objects.filter(pk__in=ids[start:start + 2000]).select_related("buurt__wijk"):
            departments_here = names[address.pk]
            rows.append(
                HitReportRow(
                    address_id=address.pk,
                    address_label=address.label,
                    postcode=address.postcode,
                    buurt_code=address.buurt.code if address.buurt else "",
                    buurt_name=address.buurt.name if address.buurt else "",
                    wijk_name=address.buurt.wijk.name if address.buurt else "",
                    department_count=len(departments_here),
                    departments=departments_here,
                )
            )
    rows.sort(key=lambda r: (-r.department_count, r.address_label))
    return rows


# ---------------------------------------------------------------------------------------------- notifications


def notification_list_for_user(*, user):
    return Notification.objects.filter(recipient=user)


def notification_unread_count(*, user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def month_label(day: date) -> str:
    return formats.date_format(day, "F Y")


def today():
    return timezone.localdate()


def no_hits_message() -> str:
    return _("Geen enkele afdeling heeft een actief signaal op dit adres.")
