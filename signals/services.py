"""Writes for the signalling tool. Each function runs in one transaction and leaves an audit trace:
django-auditlog for changes to signals (details excluded from history), audit.AccessEvent for reads,
searches, refusals, exports and the nightly jobs.

Errors: ValidationError (Dutch messages) for bad input; PermissionDenied when the user lacks the global
permission or names a department they do not manage; Signal.DoesNotExist (-> 404) for a signal the user
may not see, exactly as for a signal that does not exist.
"""
import contextlib
import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access.models import Department
from access.permissions import has_perm
from audit.context import get_current, new_trace_id, reset_current, set_current
from audit.models import AccessEvent
from audit.services import access_event_record, access_event_record_many

from . import selectors
from .models import Category, Notification, SearchTally, Signal

logger = logging.getLogger(__name__)

SEARCH_PERM = "signals.search_address"
BULK_PERM = "signals.bulk_check"
HIT_REPORT_PERM = "signals.view_hit_report"
OFFICER_PERM = selectors.OFFICER_PERM

EDITABLE_FIELDS = {
    "category",
    "details",
    "contact_officer",
    "case_reference",
    "contact_before_acting",
    "notify_on_search",
    "valid_until",
}


class SearchLimitExceeded(Exception):
    """The user has reached the hourly or daily search limit (anti-fishing). `message` is Dutch and user-facing."""

    def __init__(self, message: str, *, period: str):
        super().__init__(message)
        self.message = message
        self.period = period  # "hour" or "day"


# ---------------------------------------------------------------------------------------------- helpers


def _actor(user):
    """Attribute the auditlog entries written inside to `user` (restores any outer actor afterwards)."""
    from audit.context import acting_as

    return acting_as(user)


@contextlib.contextmanager
def _audit_request_id():
    """Every search gets a request id (the anti-fishing limit counts one per request id)."""
    ctx = get_current()
    if ctx and ctx.get("request_id"):
        yield
        return
    token = set_current({**(ctx or {}), "request_id": new_trace_id()})
    try:
        yield
    finally:
        reset_current(token)


def _today():
    return timezone.localdate()


def _max_valid_until(today: date) -> date:
    return today + relativedelta(months=settings.SIGNAL_MAX_VALID_MONTHS)


def default_valid_until(today: date | None = None) -> date:
    return (today or _today()) + relativedelta(months=settings.SIGNAL_DEFAULT_VALID_MONTHS)


def _check_valid_until(valid_until: date, *, today: date):
    if valid_until < today:
        raise ValidationError({"valid_until": _("De einddatum kan niet in het verleden liggen.")})
    if valid_until > _max_valid_until(today):
        raise ValidationError(
            {
                "valid_until": _("Een signaal geldt ten hoogste %(months)s maanden vooruit.")
                % {"months": settings.SIGNAL_MAX_VALID_MONTHS}
            }
        )


def _managed_department(user, department) -> Department:
    """The department if `user` manages its signals, else PermissionDenied (views turn it into 404)."""
    if department is None or not selectors.departments_for_user(user=user).filter(pk=department.pk).exists():
        raise PermissionDenied(_("U beheert geen signalen van deze afdeling."))
    return department


def _own_signal(user, signal) -> Signal:
    """Reload the signal through the Chinese wall (and lock it); not-yours looks exactly like missing."""
    return (
        selectors.signal_list_for_user(user=user).select_for_update(of=("self",)).get(pk=signal.pk)
    )


def _check_category(category, department):
    if category is None:
        raise ValidationError({"category": _("Kies een categorie.")})
    if category.department_id != department.pk or not category.active:
        raise ValidationError({"category": _("Deze categorie hoort niet bij de catalogus van uw afdeling.")})


def _check_contact_officer(officer, department):
    if officer is None:
        raise ValidationError({"contact_officer": _("Kies een contactpersoon.")})
    if not selectors.department_officers(department=department).filter(pk=officer.pk).exists():
        raise ValidationError(
            {"contact_officer": _("De contactpersoon moet signaalfunctionaris van deze afdeling zijn.")}
        )


def _mail_on_commit(notifications):
    """The e-mail copy of each notification is sent by a Celery task, queued only once the transaction commits:
    never inside the request's transaction, nothing at all when it rolls back, and a mail outage (or a broker
    outage, logged by robust on_commit) never undoes or blocks the signal itself."""
    from .tasks import notification_mail_send

    for pk in [note.pk for note in notifications]:
        transaction.on_commit(lambda pk=pk: notification_mail_send.delay(pk), robust=True)


def notification_mail_send(*, notification_id) -> bool:
    """Send the e-mail copy of one notification to its recipient (the Celery task's service). False when there is
    nothing to send: the notification is gone, or the recipient is inactive or has no e-mail address."""
    note = Notification.objects.filter(pk=notification_id).select_related("recipient").first()
    if note is None or not note.recipient.is_active or not note.recipient.email:
        return False
    send_mail(note.subject, note.text, settings.DEFAULT_FROM_EMAIL, [note.recipient.email], fail_silently=False)
    return True


def _notify(users, *, kind: str, subject: str, text: str):
    """In-platform notifications plus their e-mail (queued after commit). Texts never contain category or details."""
    users = {user.pk: user for user in users if user is not None and user.is_active}
    if not users:
        return []
    # One by one, so auditlog records each (a bulk_create would pass the audit by): a notice has few recipients.
    created = [Notification.objects.create(recipient=user, kind=kind, subject=subject[:200], text=text)
               for user in users.values()]
    _mail_on_commit(created)
    return created


# ---------------------------------------------------------------------------------------------- search


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


def search_tally_prune(*, now=None) -> int:
    """Delete anti-fishing tallies older than two days (daily beat job); they are counters, not the audit trail."""
    now = now or timezone.now()
    deleted, _per_model = SearchTally.objects.filter(occurred_at__lt=now - timedelta(days=2)).delete()
    return deleted


def _record_refusal(*, user, query: str, purpose: str, obj=None):
    """Written outside any transaction of the search itself, so the refusal is never rolled back."""
    access_event_record(
        action=AccessEvent.Action.ADDRESS_SEARCH,
        outcome=AccessEvent.Outcome.DENIED,
        actor=user,
        obj=obj,
        query=query,
        purpose=purpose,
    )


def _clean_purpose(purpose) -> str:
    purpose = " ".join((purpose or "").split())
    if len(purpose) < 3:
        raise ValidationError(
            {"purpose": _("Vul het doel van deze zoekvraag in: een zaaknummer of de reden van uw zoekvraag.")}
        )
    return purpose[:255]


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


def _notify_searched(*, user, address, rows):
    """Tell the contact officers of departments that asked for it that someone of another department searched."""
    from access.models import User

    officer_ids = set()
    for row in rows:
        if not row["notify_on_search"]:
            continue
        department = Department(pk=row["department_id"])
        if has_perm(user, OFFICER_PERM, department):
            continue  # own department's searches are not news
        officer_ids.add(row["contact_officer_id"])
    if not officer_ids:
        return
    searcher = user.get_full_name() or user.username
    searcher_department = str(user.department) if user.department_id else _("onbekende afdeling")
    subject = _("Uw gesignaleerde adres is gezocht: %(address)s") % {"address": address.label}
    text = _(
        "Het adres %(address)s, waarop uw afdeling een signaal heeft, is zojuist gezocht door %(who)s "
        "(%(department)s). Deze medewerker ziet dat uw afdeling een signaal heeft en wie de contactpersoon is."
    ) % {"address": address.label, "who": searcher, "department": searcher_department}
    _notify(User.objects.filter(pk__in=officer_ids), kind=Notification.Kind.SEARCHED, subject=subject, text=text)


def _notify_bulk_searched(*, user, address_ids):
    """Notify-on-search for a bulk check: one notification per contact officer, listing their addresses."""
    from access.models import User

    if not address_ids:
        return
    rows = (
        Signal.objects.active()
        .filter(address_id__in=address_ids, notify_on_search=True)
        .values_list("contact_officer_id", "department_id", "address_id")
        .distinct()
    )
    per_officer: dict[int, set[int]] = {}
    own = {}
    for officer_id, department_id, address_id in rows:
        if department_id not in own:
            own[department_id] = has_perm(user, OFFICER_PERM, Department(pk=department_id))
        if not own[department_id]:
            per_officer.setdefault(officer_id, set()).add(address_id)
    if not per_officer:
        return
    from areas.models import Address

    labels = {a.pk: a.label for a in Address.objects.filter(pk__in=set().union(*per_officer.values()))}
    searcher = user.get_full_name() or user.username
    searcher_department = str(user.department) if user.department_id else _("onbekende afdeling")
    for officer in User.objects.filter(pk__in=per_officer, is_active=True):
        listed = sorted(labels[pk] for pk in per_officer[officer.pk])
        subject = _("Uw gesignaleerde adressen zijn gecontroleerd (%(n)s)") % {"n": len(listed)}
        text = _(
            "%(who)s (%(department)s) heeft in een bulkcontrole deze adressen gecontroleerd, waarop uw afdeling een "
            "signaal heeft: %(addresses)s."
        ) % {"who": searcher, "department": searcher_department, "addresses": "; ".join(listed)}
        _notify([officer], kind=Notification.Kind.SEARCHED, subject=subject, text=text)


# ---------------------------------------------------------------------------------------------- register


def _co_occurrence(*, signal):
    """A signal landed where another department already has an active one: tell all contact officers involved."""
    from access.models import User

    rows = list(
        Signal.objects.active()
        .filter(address_id=signal.address_id)
        .values_list("pk", "department_id", "department__name", "contact_officer_id")
    )
    if any(dept == signal.department_id and pk != signal.pk for pk, dept, _name, _officer in rows):
        return []  # this department was already involved here: nothing new to tell
    rows = [(dept, name, officer) for _pk, dept, name, officer in rows]
    departments = sorted({name for _dept, name, _officer in rows})
    if len({dept for dept, _name, _officer in rows}) < 2:
        return []
    address = signal.address
    subject = _("Samenloop op %(address)s") % {"address": address.label}
    text = _(
        "Op het adres %(address)s hebben nu meerdere afdelingen een actief signaal: %(departments)s. "
        "Stem met elkaar af voordat u actie onderneemt. Details van signalen worden niet gedeeld; "
        "neem contact op met de contactpersoon van de andere afdeling."
    ) % {"address": address.label, "departments": ", ".join(departments)}
    officers = User.objects.filter(pk__in={officer for _dept, _name, officer in rows})
    return _notify(officers, kind=Notification.Kind.CO_OCCURRENCE, subject=subject, text=text)


@transaction.atomic
def signal_create(
    *,
    user,
    department,
    address,
    category,
    details,
    contact_officer,
    case_reference="",
    contact_before_acting=False,
    valid_until=None,
    notify_on_search=False,
) -> Signal:
    department = _managed_department(user, department)
    if address is None:
        raise ValidationError({"address": _("Kies een adres.")})
    _check_category(category, department)
    _check_contact_officer(contact_officer, department)
    today = _today()
    valid_until = valid_until or default_valid_until(today)
    _check_valid_until(valid_until, today=today)
    signal = Signal(
        department=department,
        address=address,
        category=category,
        details=(details or "").strip(),
        contact_officer=contact_officer,
        case_reference=(case_reference or "").strip(),
        contact_before_acting=bool(contact_before_acting),
        notify_on_search=bool(notify_on_search),
        valid_from=today,
        valid_until=valid_until,
        created_by=user,
    )
    signal.full_clean(exclude=["department", "address", "category", "contact_officer", "created_by", "closed_by"])
    with _actor(user):
        signal.save()
    _co_occurrence(signal=signal)
    return signal


@transaction.atomic
def signal_update(*, user, signal, **changes) -> Signal:
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(_("Deze gegevens van een signaal kunnen niet worden gewijzigd: %(fields)s")
                              % {"fields": ", ".join(sorted(unknown))})
    signal = _own_signal(user, signal)
    if signal.status != Signal.Status.ACTIVE:
        raise ValidationError(_("Een beëindigd signaal kan niet meer worden gewijzigd."))
    if "category" in changes:
        _check_category(changes["category"], signal.department)
    if "contact_officer" in changes:
        _check_contact_officer(changes["contact_officer"], signal.department)
    if "valid_until" in changes:
        if changes["valid_until"] is None:
            raise ValidationError({"valid_until": _("Vul een einddatum in.")})
        if changes["valid_until"] != signal.valid_until:
            _check_valid_until(changes["valid_until"], today=_today())
    for name in ("details", "case_reference"):
        if name in changes:
            changes[name] = (changes[name] or "").strip()
    for name in ("contact_before_acting", "notify_on_search"):
        if name in changes:
            changes[name] = bool(changes[name])
    for name, value in changes.items():
        setattr(signal, name, value)
    signal.full_clean(exclude=["department", "address", "category", "contact_officer", "created_by", "closed_by"])
    with _actor(user):
        signal.save()
    return signal


def signal_extend(*, user, signal, valid_until) -> Signal:
    if valid_until is None:
        raise ValidationError({"valid_until": _("Vul een nieuwe einddatum in.")})
    with transaction.atomic():
        current = _own_signal(user, signal)
        if valid_until <= current.valid_until:
            raise ValidationError({"valid_until": _("De nieuwe einddatum moet na de huidige einddatum liggen.")})
    return signal_update(user=user, signal=signal, valid_until=valid_until)


@transaction.atomic
def signal_close(*, user, signal, reason) -> Signal:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Geef een reden voor het beëindigen van het signaal.")})
    signal = _own_signal(user, signal)
    if signal.status != Signal.Status.ACTIVE:
        raise ValidationError(_("Dit signaal is al beëindigd."))
    signal.status = Signal.Status.CLOSED
    signal.ended_at = timezone.now()
    signal.closed_by = user
    signal.close_reason = reason
    with _actor(user):
        signal.save()
    return signal


def signal_view_record(*, user, signal):
    """A SIGNAL_VIEW access event: the user was shown this signal's details (only ever through the register)."""
    return access_event_record(
        action=AccessEvent.Action.SIGNAL_VIEW, actor=user, obj=signal, object_id=str(signal.pk)
    )


# ---------------------------------------------------------------------------------------------- hit report


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


# ---------------------------------------------------------------------------------------------- bulk check


@dataclass
class BulkRow:
    line: int
    text: str
    status: str  # "ok" | "not_found" | "ambiguous" | "invalid"
    message: str = ""
    address: object = None
    departments: list[str] = field(default_factory=list)

    @property
    def department_count(self):
        return len(self.departments)


def _bulk_texts(content: str) -> list[tuple[int, str]]:
    """(line number, address text) from CSV text: either one address column or postcode/huisnummer columns."""
    sample = content[:2048]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(content), dialect)
    rows = [row for row in reader]
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    result = []
    columns = None
    start = 0
    if "postcode" in header and any(h in header for h in ("huisnummer", "nummer")):
        number_col = header.index("huisnummer") if "huisnummer" in header else header.index("nummer")
        extra = [header.index(h) for h in ("huisletter", "letter", "toevoeging") if h in header]
        columns = [header.index("postcode"), number_col, *extra]
        start = 1
    elif header and header[0] in {"adres", "address", "adressen"}:
        start = 1
    for index, row in enumerate(rows[start:], start=start + 1):
        if not any(cell.strip() for cell in row):
            continue
        if columns is not None:
            text = " ".join(row[i].strip() for i in columns if i < len(row) and row[i].strip())
        else:
            text = " ".join(cell.strip() for cell in row if cell.strip())
        result.append((index, text))
    return result


def _bulk_resolve(rows):
    """Resolve the bulk lines through the shared address matching (areas.selectors), set-based: a line is "ok" only
    where the address search would find that one address; where the search offers candidates to choose from, the
    line is "ambiguous" (nobody can choose in a list)."""
    from areas.selectors import KIND_CANDIDATES, KIND_EXACT, KIND_INVALID, address_resolve_many

    for row, found in zip(rows, address_resolve_many(texts=[row.text for row in rows], limit=5), strict=True):
        if found.kind == KIND_EXACT:
            row.status, row.address = "ok", found.address
        elif found.kind == KIND_CANDIDATES:
            row.status = "ambiguous"
            row.message = _("Meerdere adressen mogelijk; geef postcode, huisnummer en huisletter of toevoeging op.")
        elif found.kind == KIND_INVALID:
            row.status, row.message = "invalid", found.message or _("Dit is geen herkenbaar adres.")
        else:
            row.status, row.message = "not_found", found.message or _("Adres niet gevonden.")


def bulk_check(*, user, content: str, purpose) -> list[BulkRow]:
    """Check up to SIGNAL_BULK_MAX_ROWS addresses with one purpose: per address the departments with a hit.

    Needs its own permission (signals.bulk_check). Every line is an address search in the audit trail, written in
    one set-based INSERT, and every line counts against the user's daily bulk budget, taken in the same transaction
    as those records (a refusal is recorded after the rollback).
    """
    if not has_perm(user, BULK_PERM):
        raise PermissionDenied
    purpose = _clean_purpose(purpose)
    texts = _bulk_texts(content or "")
    if not texts:
        raise ValidationError({"file": _("Het bestand bevat geen adressen.")})
    limit = settings.SIGNAL_BULK_MAX_ROWS
    if len(texts) > limit:
        raise ValidationError(
            {"file": _("Het bestand bevat %(n)s adressen; het maximum is %(max)s.") % {"n": len(texts), "max": limit}}
        )
    rows = []
    for line, text in texts:
        if len(text) > 200:
            rows.append(BulkRow(line=line, text=text[:60] + "…", status="invalid", message=_("Regel is te lang.")))
        else:
            rows.append(BulkRow(line=line, text=text, status=""))
    _bulk_resolve([row for row in rows if not row.status])
    with _audit_request_id():
        try:
            with transaction.atomic():
                bulk_limit_take(user=user, addresses=len(rows))
                hits = selectors.address_hits_many(address_ids={row.address.pk for row in rows if row.address})
                for row in rows:
                    if row.address is not None:
                        row.departments = hits.get(row.address.pk, [])
                access_event_record_many(
                    action=AccessEvent.Action.ADDRESS_SEARCH,
                    actor=user,
                    events=[
                        {
                            "obj": row.address,
                            "object_type": "areas.Address",
                            "query": row.address.search_key if row.address else row.text,
                            "purpose": purpose,
                            "result_count": row.department_count if row.address else 0,
                        }
                        for row in rows
                    ],
                )
                _notify_bulk_searched(user=user, address_ids={row.address.pk for row in rows if row.departments})
        except SearchLimitExceeded:
            _record_refusal(user=user, query=_("bulkcontrole (%(n)s regels)") % {"n": len(rows)},
                            purpose=purpose)
            raise
    return rows


# ---------------------------------------------------------------------------------------------- notifications


def notification_mark_read(*, user, notification_id) -> int:
    """Mark one (or, with notification_id None, all) of the user's own notifications read."""
    now = timezone.now()
    changed = 0
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        queryset = queryset.filter(pk=notification_id)
    for note in queryset:
        note.read_at = now
        note.save(update_fields=["read_at"])
        changed += 1
    return changed


# ---------------------------------------------------------------------------------------------- nightly jobs


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


# ---------------------------------------------------------------------------------------------- catalogue

DEFAULT_CATALOGUE = {
    "burgerzaken": [("adresfraude", "Adresfraude"), ("inschrijving", "Onjuiste inschrijving")],
    "belastingen": [("belastingen", "Belastingen"), ("woz", "WOZ / aanslag")],
    "sociale-zaken": [("uitkeringsfraude", "Uitkeringsfraude"), ("adresfraude", "Adresfraude")],
    "vergunningen": [("vergunningen", "Vergunningen"), ("huisvesting", "Huisvestingsvergunning")],
    "toezicht-handhaving": [("woonfraude", "Woonfraude"), ("overlast", "Overlast"), ("vergunningen", "Vergunningen")],
    "oov": [("ondermijning", "Ondermijning"), ("overlast", "Overlast"), ("high-impact-crime", "High Impact Crime")],
}


def category_seed_defaults(*, department) -> int:
    """Create the default catalogue for a known department (idempotent). Returns the number created."""
    created = 0
    for code, name in DEFAULT_CATALOGUE.get(department.code, [("overig", "Overig")]):
        _obj, new = Category.objects.get_or_create(department=department, code=code, defaults={"name": name})
        created += int(new)
    return created
