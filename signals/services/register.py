"""A department's own register: placing, changing, extending and closing signals, reading one (on record)."""
from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access.models import Department
from access.permissions import has_perm
from audit.models import AccessEvent
from audit.services import access_event_record

from .. import selectors
from ..catalogue import DEFAULT_CATALOGUE
from ..models import Category, Notification, Signal
from ._common import SEARCH_PERM, SearchLimitExceeded, _actor, _today
from .notifications import _notify

EDITABLE_FIELDS = {
    "category",
    "details",
    "contact_officer",
    "case_reference",
    "contact_before_acting",
    "notify_on_search",
    "valid_until",
}


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


def _co_occurrence(*, signal, user):
    """A signal landed where another department already has an active one: tell the contact officers involved.

    The other departments' officers learn that one more department flags the address (as before). The placing
    department's own officers learn which other departments flag it: that is what a search reveals, so it follows the
    search rules (issue 12, finding 3): only when the placing user holds the search role and is within the search
    limit, recorded as an address search whose purpose is the signal's own ground. Otherwise they are not told."""
    from access.models import User

    from .search import search_limit_take

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
    others = {officer for dept, _name, officer in rows if dept != signal.department_id}
    own = {officer for dept, _name, officer in rows if dept == signal.department_id}
    if own and not _co_occurrence_as_search(signal=signal, user=user, hits=len(departments) - 1,
                                            limit_take=search_limit_take):
        own = set()
    subject = _("Samenloop op %(address)s") % {"address": address.label}
    text = _(
        "Op het adres %(address)s hebben nu meerdere afdelingen een actief signaal: %(departments)s. "
        "Stem met elkaar af voordat u actie onderneemt. Details van signalen worden niet gedeeld; "
        "neem contact op met de contactpersoon van de andere afdeling."
    ) % {"address": address.label, "departments": ", ".join(departments)}
    officers = User.objects.filter(pk__in=others | own)
    return _notify(officers, kind=Notification.Kind.CO_OCCURRENCE, subject=subject, text=text)


def _co_occurrence_as_search(*, signal, user, hits, limit_take):
    """Telling the placing department which departments flag the address is a search: the search role, a purpose
    (the signal's own ground: placing it, with its case number), a count against the limit and an access event. False when the
    user may not search or the limit is used up (then the placing department is simply not told)."""
    if user is None or not has_perm(user, SEARCH_PERM):
        return False
    try:
        with transaction.atomic():
            limit_take(user=user)
    except SearchLimitExceeded:
        return False
    # the ground, not the content: the category would tell auditors what another department's signal is about
    purpose = _("Signaal geplaatst")
    if signal.case_reference:
        purpose = f"{purpose} ({signal.case_reference})"
    access_event_record(action=AccessEvent.Action.ADDRESS_SEARCH, actor=user, obj=signal.address,
                        query=signal.address.search_key, purpose=purpose[:255], result_count=hits)
    return True


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
    _co_occurrence(signal=signal, user=user)
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


def category_seed_defaults(*, department) -> int:
    """Create the default catalogue for a known department (idempotent). Returns the number created."""
    created = 0
    for code, name in DEFAULT_CATALOGUE.get(department.code, [("overig", "Overig")]):
        _obj, new = Category.objects.get_or_create(department=department, code=code, defaults={"name": name})
        created += int(new)
    return created
