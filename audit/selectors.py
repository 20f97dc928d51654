"""Reads for the auditor pages, the API and the CSV export: one filter, keyset pagination, no COUNT(*) over the table."""
import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass

import django_filters
from auditlog.models import LogEntry
from django import forms
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Q, TextField
from django.db.models.functions import Cast, ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.dates import BoundedDateFilter
from core.text import INVISIBLE_ONLY_REGEX

from .models import AccessEvent

ADDRESS_TYPE = "areas.Address"


# --- addresses ------------------------------------------------------------------------------------------------


SIGNAL_TYPE = "signals.Signal"
# Per-address events of a hit-report listing (signals.services.hit_report_record) name the address as their object.
LISTING_ACTIONS = (AccessEvent.Action.SIGNAL_VIEW, AccessEvent.Action.PRINT, AccessEvent.Action.EXPORT)


def address_matches(text: str, limit: int = 50):
    """The BAG addresses a search text can mean ("5038 AB 12a", "5038AB-12-A", "Stationsstraat 12A Tilburg"): the
    address search's own answer (areas.selectors), so the auditor looks up what the officer found."""
    from areas.selectors import address_candidates

    return address_candidates(q=text, limit=limit)


def _signal_ids_at(addresses) -> list[str]:
    """Ids of the signals (any status, erased ones included) on these addresses: their views concern the address."""
    try:
        signal_model = apps.get_model(SIGNAL_TYPE)
    except LookupError:
        return []
    ids = signal_model.objects.filter(address__in=addresses).order_by().values_list("pk", flat=True)
    return [str(pk) for pk in ids[:5000]]


def address_condition(text: str):
    """Events about an address: its searches (the Address as object, or for searches that found no address the
    normalised text), views of the signals on it, and hit-report listings that named it."""
    from areas.normalize import parse_address_query

    text = (text or "").strip()
    addresses = address_matches(text)
    keys = {text}
    readings = parse_address_query(text)
    if readings:
        keys.add(readings[0].normalized)
    keys.update(address.search_key for address in addresses)
    condition = Q(action=AccessEvent.Action.ADDRESS_SEARCH, query__in=sorted(k for k in keys if k))
    if addresses:
        condition |= Q(object_type=ADDRESS_TYPE, object_id__in=[str(a.pk) for a in addresses])
        signal_ids = _signal_ids_at(addresses)
        if signal_ids:
            condition |= Q(object_type=SIGNAL_TYPE, object_id__in=signal_ids)
    return condition, addresses


def _who(event) -> str:
    name = event.actor_username or gettext("onbekende gebruiker")
    return f"{name} ({event.actor_department})" if event.actor_department else name


def _signal_departments(events) -> dict[str, str]:
    """Signal id -> department name, for the signal views among `events` (one query)."""
    ids = {e.object_id for e in events if e.object_type == SIGNAL_TYPE and e.object_id.isdigit()}
    if not ids:
        return {}
    try:
        signal_model = apps.get_model(SIGNAL_TYPE)
    except LookupError:
        return {}
    rows = signal_model.objects.filter(pk__in=[int(pk) for pk in ids]).values_list("pk", "department__name")
    return {str(pk): name for pk, name in rows}


def address_event_description(event, *, signal_departments=None) -> str:
    """What this event means for the address, in one plain Dutch sentence."""
    A = AccessEvent.Action
    who = _who(event)
    denied = event.outcome != AccessEvent.Outcome.ALLOWED
    if event.action == A.ADDRESS_SEARCH:
        if denied:
            return gettext("%(who)s wilde dit adres zoeken; dat is geweigerd.") % {"who": who}
        if event.object_type != ADDRESS_TYPE or not event.object_id:
            return gettext("%(who)s zocht op ‘%(query)s’; er werd geen adres gevonden.") % {"who": who, "query": event.query}
        if not event.result_count:
            return gettext("%(who)s zocht dit adres; geen afdeling had er een signaal.") % {"who": who}
        return ngettext(
            "%(who)s zocht dit adres en zag dat %(n)s afdeling er een signaal heeft.",
            "%(who)s zocht dit adres en zag dat %(n)s afdelingen er een signaal hebben.",
            event.result_count,
        ) % {"who": who, "n": event.result_count}
    if event.object_type == SIGNAL_TYPE:
        department = (signal_departments or {}).get(event.object_id)
        if denied:
            return gettext("%(who)s wilde een signaal op dit adres inzien; dat is geweigerd.") % {"who": who}
        if event.action == A.SIGNAL_VIEW and department:
            return gettext("%(who)s bekeek de details van een signaal van %(department)s op dit adres.") % {
                "who": who, "department": department}
        if event.action == A.SIGNAL_VIEW:
            return gettext("%(who)s bekeek de details van een signaal op dit adres.") % {"who": who}
    if event.object_type == ADDRESS_TYPE and event.action in LISTING_ACTIONS:
        if event.action == A.PRINT:
            return gettext("%(who)s drukte de uitdraai af waarin dit adres staat.") % {"who": who}
        if event.action == A.EXPORT:
            return gettext("%(who)s downloadde de uitdraai (CSV) waarin dit adres staat.") % {"who": who}
        return gettext("%(who)s kreeg dit adres te zien in de uitdraai van adressen met signalen van meerdere afdelingen.") % {
            "who": who}
    return gettext("%(who)s: %(action)s (%(outcome)s).") % {
        "who": who, "action": event.get_action_display(), "outcome": event.get_outcome_display()}


def address_events_described(events) -> list:
    """The events with a `description` (plain Dutch) each, for the "who looked at this address" page."""
    events = list(events)
    departments = _signal_departments(events)
    for event in events:
        event.description = address_event_description(event, signal_departments=departments)
    return events


# --- names for people ----------------------------------------------------------------------------------------------
# The trail stores technical names (object types, field names, codes); the auditor's screens show what they mean.

# Object types that are not models (pages, reports, runs) or whose model has no Dutch name; models otherwise
# speak for themselves through their verbose_name ("signaal", "autorisatie", "adres").
OBJECT_NOUNS = {
    "authtoken.Token": _("API-token"),
    "signals.HitReport": _("Uitdraai signalen"),
    "ingest.ImportRun": _("Inleesrun"),
    "audit": _("Audittrail"),
    "audit.events": _("Audittrail"),
    "audit.api.events": _("Audittrail (API)"),
    "audit.address": _("Wie heeft dit adres bekeken"),
    "audit.person": _("Activiteit per persoon"),
    "audit.unusual": _("Afwijkend gedrag"),
    "audit.changes": _("Wijzigingen"),
    "audit.integrity": _("Integriteit van de audittrail"),
    "audit.verify": _("Controle van de audittrail"),
}
# Token events recorded before the trail had their own actions (as grant request / revoke on an API token).
_LEGACY_TOKEN_ACTIONS = {
    AccessEvent.Action.GRANT_REQUEST: AccessEvent.Action.API_TOKEN_CREATE,
    AccessEvent.Action.GRANT_REVOKE: AccessEvent.Action.API_TOKEN_REVOKE,
}


def object_type_label(object_type: str) -> str:
    """A Dutch noun for a stored object type: "areas.Address" -> "Adres"; unknown types stay as stored."""
    if not object_type:
        return ""
    noun = OBJECT_NOUNS.get(object_type)
    if noun is None:
        try:
            noun = capfirst(apps.get_model(object_type)._meta.verbose_name)
        except (LookupError, ValueError):
            return object_type
    return str(noun)


def events_for_display(events) -> list:
    """The events with `object_noun` (Dutch noun of the object type) and `action_label` (what happened) each."""
    events = list(events)
    labels = dict(AccessEvent.Action.choices)
    nouns = {}
    for event in events:
        if event.object_type not in nouns:
            nouns[event.object_type] = object_type_label(event.object_type)
        event.object_noun = nouns[event.object_type]
        action = event.action
        if event.object_type == "authtoken.Token":
            action = _LEGACY_TOKEN_ACTIONS.get(action, action)
        event.action_label = str(labels.get(action, action))
    return events


def _change_value(field, value) -> str:
    """One recorded value as a person reads it: choices by their label, dates as dates, yes/no, "–" for empty."""
    if value in (None, "", "None"):
        return "–"
    if field is None:
        return str(value)
    choices = dict(field.flatchoices) if getattr(field, "choices", None) else None
    if choices:
        return str(choices.get(value, value))
    kind = field.get_internal_type() if hasattr(field, "get_internal_type") else ""
    if kind == "BooleanField":
        return gettext("ja") if str(value) in ("True", "true", "1") else gettext("nee")
    if kind in ("DateField", "DateTimeField"):
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
        if kind == "DateField":
            return formats.date_format(moment.date())
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, dt.UTC)
        return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")
    return str(value)


# auditlog's own action names are English ("create", "update") and it ships no Dutch catalogue.
CHANGE_ACTIONS = {
    LogEntry.Action.CREATE: _("aangemaakt"),
    LogEntry.Action.UPDATE: _("gewijzigd"),
    LogEntry.Action.DELETE: _("verwijderd"),
    LogEntry.Action.ACCESS: _("ingezien"),
}


def _withheld_owners(entries) -> dict:
    """{(model label, pk): owning department's name} for the entries of withheld models with an owner field
    (audit.labels.VALUES_WITHHELD): read from the record today, or, when it is gone, from the id its own change
    record holds. One query per model and one per owner model."""
    from .labels import withheld_owner_field

    wanted = {}
    for entry in entries:
        model = entry.content_type.model_class() if entry.content_type_id else None
        field_name = withheld_owner_field(model._meta.label) if model is not None else None
        if field_name:
            wanted.setdefault(model, set()).add(entry.object_pk)
    owners = {}
    for model, pks in wanted.items():
        field = model._meta.get_field(withheld_owner_field(model._meta.label))
        ids = {}
        for pk, owner_id in model._default_manager.filter(pk__in=[pk for pk in pks if pk.isdigit()]).values_list(
                "pk", field.attname):
            ids[str(pk)] = owner_id
        for entry in entries:  # a record that is gone: the owner id from its change record
            if entry.content_type.model_class() is model and entry.object_pk not in ids:
                values = (entry.changes_dict or {}).get(field.name)
                values = values if isinstance(values, list | tuple) else [values]
                recorded = [str(value) for value in reversed(values) if str(value or "").isdigit()]
                if recorded:  # after, else before (a deletion records the owner as before)
                    ids[entry.object_pk] = int(recorded[0])
        names = {owner.pk: str(owner) for owner in field.related_model._default_manager.filter(
            pk__in={owner_id for owner_id in ids.values() if owner_id is not None})}
        for pk, owner_id in ids.items():
            if owner_id in names:
                owners[(model._meta.label, pk)] = names[owner_id]
    return owners


def changes_for_display(entries) -> list:
    """Change records with `action_label`, `object_noun`, `object_label` and `change_lines`: [(field label, before,
    after)], labels instead of column names and values as a person reads them. Foreign keys stay ids: resolving them
    would name, for instance, a signal's category to someone outside that department.

    Models whose values the auditors do not read (audit.labels.VALUES_WITHHELD: signals, notifications) get
    `values_withheld` True, an `object_label` "Signaal #12 (Sociale Zaken)" instead of the stored object name, and
    change lines that name the fields only (before and after None)."""
    from .labels import values_withheld

    entries = list(entries)
    owners = _withheld_owners(entries)
    for entry in entries:
        entry.action_label = str(CHANGE_ACTIONS.get(entry.action, entry.action))
        model = entry.content_type.model_class() if entry.content_type_id else None
        entry.object_noun = capfirst(model._meta.verbose_name) if model is not None else str(entry.content_type)
        label = model._meta.label if model is not None else f"{entry.content_type.app_label}.{entry.content_type.model}"
        entry.values_withheld = values_withheld(label)
        entry.object_label = entry.object_repr
        if entry.values_withheld:
            owner = owners.get((label, entry.object_pk))
            names = {"noun": entry.object_noun, "id": entry.object_pk, "owner": owner}
            entry.object_label = (gettext("%(noun)s #%(id)s (%(owner)s)") if owner else gettext("%(noun)s #%(id)s")) % names
        lines = []
        for name, values in (entry.changes_dict or {}).items():
            try:
                field = model._meta.get_field(name) if model is not None else None
            except FieldDoesNotExist:
                field = None
            field_label = capfirst(getattr(field, "verbose_name", None) or name)
            if entry.values_withheld:
                lines.append((field_label, None, None))
                continue
            before, after = (list(values) + [None, None])[:2] if isinstance(values, list | tuple) else (None, values)
            lines.append((field_label, _change_value(field, before), _change_value(field, after)))
        entry.change_lines = lines
    return entries


# --- the filter shared by the pages, the API and the export -----------------------------------------------------


def _local_start(day: dt.date):
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class AccessEventFilter(django_filters.FilterSet):
    person = django_filters.CharFilter(label=_("Persoon (gebruikersnaam)"), field_name="actor_username")
    department = django_filters.CharFilter(label=_("Afdeling"), field_name="actor_department")
    action = django_filters.MultipleChoiceFilter(
        label=_("Actie"), choices=AccessEvent.Action.choices, widget=forms.SelectMultiple(attrs={"size": 4})
    )
    outcome = django_filters.ChoiceFilter(label=_("Uitkomst"), choices=AccessEvent.Outcome.choices)
    object_type = django_filters.CharFilter(label=_("Objecttype"), field_name="object_type")
    object_id = django_filters.CharFilter(label=_("Object-id"), field_name="object_id")
    address = django_filters.CharFilter(label=_("Adres"), method="filter_address")
    since = BoundedDateFilter(
        label=_("Vanaf"), method="filter_since", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    until = BoundedDateFilter(
        label=_("Tot en met"), method="filter_until", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    request_id = django_filters.CharFilter(label=_("Request-id"), field_name="request_id")
    without_purpose = django_filters.BooleanFilter(
        label=_("Zonder doel"), method="filter_without_purpose", widget=forms.CheckboxInput
    )

    class Meta:
        model = AccessEvent
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .labels import department_names

        # The department as recorded at the time of the event (its name); offer today's names as choices.
        names = department_names()
        self.form.fields["department"].widget = forms.Select(choices=[("", "---------")] + [(n, n) for n in names])

    def filter_address(self, queryset, name, value):
        condition, self.matched_addresses = address_condition(value)
        return queryset.filter(condition)

    def filter_since(self, queryset, name, value):
        return queryset.filter(occurred_at__gte=_local_start(value))

    def filter_until(self, queryset, name, value):
        return queryset.filter(occurred_at__lt=_local_start(value + dt.timedelta(days=1)))

    def filter_without_purpose(self, queryset, name, value):
        """No purpose, or one with nothing visible in it (zero-width spaces, BOMs, fillers: core.text)."""
        return queryset.filter(purpose__regex=INVISIBLE_ONLY_REGEX) if value else queryset


def event_filter(data):
    """A bound AccessEventFilter over all events (newest first)."""
    return AccessEventFilter(data if data is not None else {}, queryset=AccessEvent.objects.all())


def filter_description(data, filterset_class=None) -> str:
    """The filters as one line for the auditor's own access event."""
    parts = []
    for key in (filterset_class or AccessEventFilter).base_filters:
        values = data.getlist(key) if hasattr(data, "getlist") else [data.get(key)]
        values = [v for v in values if v not in (None, "")]
        if values:
            parts.append(f"{key}={','.join(str(v) for v in values)}")
    return "; ".join(parts)


# --- keyset pagination -------------------------------------------------------------------------------------------


def encode_cursor(occurred_at, pk) -> str:
    raw = f"{occurred_at.astimezone(dt.UTC).isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str):
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.split("|", 1)
        when = dt.datetime.fromisoformat(stamp)
        if when.tzinfo is None:
            return None
        return when, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


@dataclass
class KeysetPage:
    rows: list
    next_cursor: str | None
    is_first: bool


def keyset_page(queryset, cursor: str | None, size: int, time_field="occurred_at") -> KeysetPage:
    """Newest first by (time, id): `WHERE (t, id) < cursor ORDER BY t DESC, id DESC LIMIT size+1`, index-only."""
    position = decode_cursor(cursor or "")
    queryset = queryset.order_by(f"-{time_field}", "-id")
    if position is not None:
        when, pk = position
        queryset = queryset.filter(Q(**{f"{time_field}__lt": when}) | Q(**{time_field: when, "id__lt": pk}))
    rows = list(queryset[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, time_field), last.pk)
    return KeysetPage(rows=rows, next_cursor=next_cursor, is_first=position is None)


# --- reports -----------------------------------------------------------------------------------------------------


def person_report(*, username: str, since: dt.date, until: dt.date):
    """What one person did in a period: counts per action and outcome, searches without purpose, denials."""
    events = AccessEvent.objects.filter(
        actor_username=username, occurred_at__gte=_local_start(since), occurred_at__lt=_local_start(until + dt.timedelta(days=1))
    )
    per_action = list(events.values("action", "outcome").annotate(n=Count("id")).order_by("action", "outcome"))
    labels = dict(AccessEvent.Action.choices)
    outcome_labels = dict(AccessEvent.Outcome.choices)
    for row in per_action:
        row["action_label"] = labels.get(row["action"], row["action"])
        row["outcome_label"] = outcome_labels.get(row["outcome"], row["outcome"])
    return {
        "per_action": per_action,
        "searches_without_purpose": events.filter(action=AccessEvent.Action.ADDRESS_SEARCH, purpose="").count(),
        "denials": events.filter(outcome=AccessEvent.Outcome.DENIED).count(),
        "departments": sorted(
            d for d in events.order_by().values_list("actor_department", flat=True).distinct()[:20] if d
        ),
    }


def grants_of_person(*, username: str):
    """The person's authorisations (active and past), for the per-person report (provided by access)."""
    from .labels import grants_of_person as provided

    return provided(username)


def unusual_behaviour(*, since: dt.date, until: dt.date):
    """Search volume above a threshold per day, activity outside office hours, searches without purpose, repeated
    denials. Thresholds: AUDIT_SEARCH_THRESHOLD_PER_DAY, AUDIT_DENIAL_THRESHOLD_PER_DAY, AUDIT_OFFICE_HOURS."""
    start, end = _local_start(since), _local_start(until + dt.timedelta(days=1))
    tz = timezone.get_current_timezone()
    period = AccessEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end).exclude(actor_username="")
    search_limit = getattr(settings, "AUDIT_SEARCH_THRESHOLD_PER_DAY", 50)
    denial_limit = getattr(settings, "AUDIT_DENIAL_THRESHOLD_PER_DAY", 5)
    open_hour, close_hour = getattr(settings, "AUDIT_OFFICE_HOURS", (7, 19))

    searches = (
        period.filter(action=AccessEvent.Action.ADDRESS_SEARCH)
        .annotate(day=TruncDate("occurred_at", tzinfo=tz))
        .values("actor_username", "day")
        .annotate(n=Count("id"))
        .filter(n__gt=search_limit)
        .order_by("-n")[:200]
    )
    denials = (
        period.filter(outcome=AccessEvent.Outcome.DENIED)
        .annotate(day=TruncDate("occurred_at", tzinfo=tz))
        .values("actor_username", "day")
        .annotate(n=Count("id"))
        .filter(n__gte=denial_limit)
        .order_by("-n")[:200]
    )
    off_hours = (
        period.annotate(
            hour=ExtractHour("occurred_at", tzinfo=tz), weekday=ExtractIsoWeekDay("occurred_at", tzinfo=tz)
        )
        .filter(Q(hour__lt=open_hour) | Q(hour__gte=close_hour) | Q(weekday__gte=6))
        .exclude(action__in=[AccessEvent.Action.LOGIN_FAILED, AccessEvent.Action.LOCKOUT])
        .values("actor_username")
        .annotate(n=Count("id"))
        .order_by("-n")[:200]
    )
    without_purpose = (
        period.filter(action=AccessEvent.Action.ADDRESS_SEARCH, purpose="")
        .values("actor_username")
        .annotate(n=Count("id"))
        .order_by("-n")[:200]
    )
    return {
        "searches": list(searches),
        "denials": list(denials),
        "off_hours": list(off_hours),
        "without_purpose": list(without_purpose),
        "search_limit": search_limit,
        "denial_limit": denial_limit,
        "office_hours": (open_hour, close_hour),
    }


# --- change history (auditlog) -------------------------------------------------------------------------------------


class ChangeFilter(django_filters.FilterSet):
    model = django_filters.ChoiceFilter(label=_("Soort object"), method="filter_model", choices=[])
    object_pk = django_filters.CharFilter(label=_("Object-id"), field_name="object_pk")
    person = django_filters.CharFilter(label=_("Gewijzigd door (gebruikersnaam)"), field_name="actor__username")
    since = BoundedDateFilter(
        label=_("Vanaf"), method="filter_since", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    until = BoundedDateFilter(
        label=_("Tot en met"), method="filter_until", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    text = django_filters.CharFilter(
        label=_("Zoeken in naam en waarden"), method="filter_text", max_length=200,
        help_text=_("Niet in signalen en meldingen: hun waarden zijn inhoud van de afdeling."),
    )

    class Meta:
        model = LogEntry
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["model"].extra["choices"] = change_model_choices()

    def filter_model(self, queryset, name, value):
        app_label, _sep, model = value.partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)

    def filter_since(self, queryset, name, value):
        return queryset.filter(timestamp__gte=_local_start(value))

    def filter_until(self, queryset, name, value):
        return queryset.filter(timestamp__lt=_local_start(value + dt.timedelta(days=1)))

    def filter_text(self, queryset, name, value):
        """The stored object name or a recorded value contains the text; never over the models whose values the
        auditors do not read (audit.labels.VALUES_WITHHELD): a search for an address or a category would tell which
        signal holds it, so their records are left out of every text search."""
        from .labels import withheld_models

        value = value.strip()
        if not value:
            return queryset
        for app_label, model in withheld_models():
            queryset = queryset.exclude(content_type__app_label=app_label, content_type__model=model)
        # PostgreSQL's jsonb text keeps "ë"; Django writes JSON text elsewhere (SQLite) as "\u00eb".
        escaped = json.dumps(value)[1:-1]
        matches = Q(object_repr__icontains=value) | Q(changes_as_text__icontains=value)
        if escaped != value:
            matches |= Q(changes_as_text__icontains=escaped)
        return queryset.annotate(changes_as_text=Cast("changes", TextField())).filter(matches)


def change_model_choices():
    from auditlog.registry import auditlog

    return sorted(
        ((f"{m._meta.app_label}.{m._meta.model_name}", str(m._meta.verbose_name).capitalize())
         for m in auditlog.get_models()),
        key=lambda item: item[1],
    )


def change_filter(data):
    return ChangeFilter(data if data is not None else {}, queryset=LogEntry.objects.select_related("actor", "content_type"))


def filter_description_changes(data) -> str:
    return filter_description(data, ChangeFilter)
