"""Auditor pages. Auditor role only (audit.review_audit); every page view and export is itself an access event,
recorded before anything is shown (if recording fails, the page fails)."""
import datetime as dt

from django import forms
from django.conf import settings
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from core.dates import BoundedDateField
from core.exports import csv_response
from core.rules import require_perm

from . import selectors
from .models import AccessEvent, ChainCheckpoint
from .services import audit_export_record, audit_view_record, clean_text

PERM = "audit.review_audit"


def _page_size():
    return getattr(settings, "AUDIT_PAGE_SIZE", 50)


def _record_view(request, page: str, *, query: str = "", result_count=None, object_id: str = "", object_label=""):
    audit_view_record(actor=request.user, page=page, query=query, result_count=result_count, object_id=object_id,
                      object_label=object_label)


def _date_input():
    """<input type="date"> needs ISO dates (YYYY-MM-DD), whatever the interface's date format."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    since = BoundedDateField(label=gettext_lazy("Vanaf"), required=False, widget=_date_input())
    until = BoundedDateField(label=gettext_lazy("Tot en met"), required=False, widget=_date_input())

    def period(self, default_days=30):
        today = timezone.localdate()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        until = data.get("until") or today
        since = data.get("since") or until - dt.timedelta(days=default_days)
        return since, until


class PersonForm(PeriodForm):
    person = forms.CharField(label=gettext_lazy("Gebruikersnaam"), max_length=150)

    field_order = ["person", "since", "until"]


class AddressForm(forms.Form):
    address = forms.CharField(
        label=gettext_lazy("Adres"),
        max_length=200,
        help_text=gettext_lazy("Bijvoorbeeld 5038 AB 12a of Stationsstraat 12A Tilburg"),
    )


@require_perm(PERM)
@require_GET
@never_cache
def event_list(request):
    """All access events, filtered; keyset-paginated (newest first)."""
    event_filter = selectors.event_filter(request.GET)
    rows, next_cursor, is_first = [], None, True
    if event_filter.is_valid():
        page = selectors.keyset_page(event_filter.qs, request.GET.get("cursor"), _page_size())
        rows, next_cursor, is_first = selectors.events_for_display(page.rows), page.next_cursor, page.is_first
    description = selectors.filter_description(request.GET)
    _record_view(request, "events", query=description, result_count=len(rows))
    params = request.GET.copy()
    params.pop("cursor", None)
    return render(
        request,
        "audit/event_list.html",
        {
            "filter": event_filter,
            "rows": rows,
            "next_cursor": next_cursor,
            "is_first": is_first,
            "params": params.urlencode(),
            "matched_addresses": getattr(event_filter, "matched_addresses", None),
        },
    )


@require_perm(PERM)
@require_GET
@never_cache
def address_lookup(request):
    """"Wie heeft dit adres bekeken": every event whose object is the address or whose query is its normalised form."""
    form = AddressForm(request.GET or None)
    rows, addresses, next_cursor, is_first = [], [], None, True
    text = ""
    if form.is_valid():
        text = form.cleaned_data["address"]
        condition, addresses = selectors.address_condition(text)
        page = selectors.keyset_page(AccessEvent.objects.filter(condition), request.GET.get("cursor"), _page_size())
        rows, next_cursor, is_first = selectors.address_events_described(page.rows), page.next_cursor, page.is_first
    _record_view(
        request, "address", query=text, result_count=len(rows),
        object_id=str(addresses[0].pk) if len(addresses) == 1 else "",
        object_label=addresses[0].label if len(addresses) == 1 else "",
    )
    params = request.GET.copy()
    params.pop("cursor", None)
    return render(
        request,
        "audit/address.html",
        {"form": form, "rows": rows, "addresses": addresses, "next_cursor": next_cursor, "is_first": is_first,
         "params": params.urlencode(), "searched": bool(text)},
    )


@require_perm(PERM)
@require_GET
@never_cache
def person_report(request):
    form = PersonForm(request.GET or None)
    report = None
    username = ""
    since, until = form.period()
    grants = []
    if form.is_valid():
        username = form.cleaned_data["person"].strip()
        report = selectors.person_report(username=username, since=since, until=until)
        grants = list(selectors.grants_of_person(username=username))
    _record_view(
        request, "person", query=f"person={username}; {since}..{until}" if username else "",
        result_count=sum(row["n"] for row in report["per_action"]) if report else None,
    )
    return render(
        request,
        "audit/person.html",
        {"form": form, "report": report, "username": username, "since": since, "until": until, "grants": grants},
    )


@require_perm(PERM)
@require_GET
@never_cache
def unusual(request):
    form = PeriodForm(request.GET or None)
    since, until = form.period(default_days=7)  # aggregates over the period: keep the default window small
    result = selectors.unusual_behaviour(since=since, until=until)
    found = sum(len(result[key]) for key in ("searches", "denials", "off_hours", "without_purpose"))
    _record_view(request, "unusual", query=f"{since}..{until}", result_count=found)
    return render(request, "audit/unusual.html", {"form": form, "since": since, "until": until, **result})


@require_perm(PERM)
@require_GET
@never_cache
def change_list(request):
    """Change history (auditlog): who changed this authorisation, department, user, signal, ..."""
    change_filter = selectors.change_filter(request.GET)
    rows, next_cursor, is_first = [], None, True
    if change_filter.is_valid():
        page = selectors.keyset_page(change_filter.qs, request.GET.get("cursor"), _page_size(), time_field="timestamp")
        rows, next_cursor, is_first = selectors.changes_for_display(page.rows), page.next_cursor, page.is_first
    _record_view(request, "changes", query=selectors.filter_description_changes(request.GET), result_count=len(rows))
    params = request.GET.copy()
    params.pop("cursor", None)
    return render(
        request,
        "audit/change_list.html",
        {"filter": change_filter, "rows": rows, "next_cursor": next_cursor, "is_first": is_first,
         "params": params.urlencode(), "values_withheld": any(entry.values_withheld for entry in rows)},
    )


@require_perm(PERM)
@require_http_methods(["GET", "POST"])
@never_cache
def integrity(request):
    """The state of both chains; POST runs the full verification (as manage.py verify_audit does)."""
    from .chain import chain_status, problems_of, verify_all

    heads = chain_status()
    too_big = sum(head.sealed_rows + head.unsealed for head in heads) > getattr(
        settings, "AUDIT_VERIFY_WEB_LIMIT", 2_000_000)
    problems = None
    if request.method == "POST" and not too_big:
        problems = problems_of(verify_all())
        heads = chain_status()
    _record_view(
        request, "integrity", query="verify" if problems is not None else "",
        result_count=len(problems) if problems is not None else None,
    )
    return render(
        request,
        "audit/integrity.html",
        {
            "heads": heads,
            "checkpoints": ChainCheckpoint.objects.order_by("-created_at")[:10],
            "problems": problems,
            "too_big": too_big,
            "last_check": AccessEvent.objects.filter(action=AccessEvent.Action.AUDIT_VIEW, object_type="audit.verify")
            .order_by("-occurred_at", "-id")
            .first(),
        },
    )


# --- CSV export ----------------------------------------------------------------------------------------------------

EXPORT_COLUMNS = [
    ("occurred_at", gettext_lazy("tijdstip")),
    ("actor_username", gettext_lazy("gebruiker")),
    ("actor_department", gettext_lazy("afdeling")),
    ("role", gettext_lazy("rol")),
    ("authorisation_id", gettext_lazy("autorisatie")),
    ("action", gettext_lazy("actie")),
    ("action_label", gettext_lazy("actie (omschrijving)")),
    ("outcome", gettext_lazy("uitkomst")),
    ("object_type", gettext_lazy("objecttype")),
    ("object_noun", gettext_lazy("soort object")),
    ("object_id", gettext_lazy("object-id")),
    ("object_label", gettext_lazy("object")),
    ("query", gettext_lazy("zoekvraag")),
    ("purpose", gettext_lazy("doel")),
    ("result_count", gettext_lazy("aantal resultaten")),
    ("ip_address", gettext_lazy("IP-adres")),
    ("user_agent", gettext_lazy("browser")),
    ("request_id", gettext_lazy("request-id")),
    ("id", gettext_lazy("volgnummer")),
]


@require_perm(PERM)
@require_GET
@never_cache
def export_csv(request):
    event_filter = selectors.event_filter(request.GET)
    if not event_filter.is_valid():
        return HttpResponse(_("Ongeldig filter."), status=400, content_type="text/plain; charset=utf-8")
    limit = getattr(settings, "AUDIT_EXPORT_MAX_ROWS", 100_000)
    fields = [name for name, _label in EXPORT_COLUMNS]
    db_fields = [name for name in fields if name not in ("action_label", "object_noun")]
    action_labels = dict(AccessEvent.Action.choices)
    events = event_filter.qs.order_by("-occurred_at", "-id")
    # The export is what the filter matched before it was recorded: the newest row now is the upper bound.
    newest = events.values_list("occurred_at", "id").first()
    if newest is not None:
        events = events.filter(Q(occurred_at__lt=newest[0]) | Q(occurred_at=newest[0], id__lte=newest[1]))
    found = events[: limit + 1].count()  # bounded: the number exported, and whether the limit cut it off
    count = min(found, limit)
    audit_export_record(actor=request.user, query=selectors.filter_description(request.GET), count=count)

    nouns = {}

    def cells(row):
        row["action_label"] = action_labels.get(row["action"], row["action"])
        if row["object_type"] not in nouns:
            nouns[row["object_type"]] = selectors.object_type_label(row["object_type"])
        row["object_noun"] = nouns[row["object_type"]]
        for name in fields:
            value = row[name]
            if name == "occurred_at" and value is not None:
                # Local time, as on the pages, with its UTC offset so that the hour around a clock change is exact.
                value = timezone.localtime(value).isoformat(sep=" ", timespec="seconds")
            yield value if isinstance(value, int) else clean_text(value, 1000)

    rows = (list(cells(row)) for row in events.values(*db_fields)[:count].iterator(chunk_size=2000))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_response(
        filename=f"audittrail-{stamp}.csv",
        header=[label for _name, label in EXPORT_COLUMNS],
        rows=rows,
        headers={"X-Export-Truncated": str(limit)} if found > limit else None,
    )
