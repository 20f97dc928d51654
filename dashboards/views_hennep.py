"""The address-level (hennep) dashboard: cleared cannabis farms by address, date and property type, counts per type
and per buurt, points on a map, and a CSV export. Every look and every export is an access event.

`hennep_dashboard(request, dashboard)` is called by `views.dashboard_detail` (which carries the page rule and found
the dashboard through `dashboard_get_for_user`, where the address-level grant is applied); it checks the dashboard
again so that it can never show addresses for an ordinary one. `hennep_export` has its own rule: the address-level
permission on at least one dashboard, and the slug must be one the user may see.
"""
import urllib.parse

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from access.denials import NotFoundOrDenied
from core.exports import csv_response
from core.rules import require_perm

from . import selectors, services
from .models import ADDRESS_LEVEL_PERM
from .selectors import hennep
from .selectors.filters import FigureQueryError


def _address_level_dashboard(user, slug):
    dashboard = selectors.dashboard_get_for_user(user=user, slug=slug)
    if dashboard is None or not dashboard.address_level:  # another or an ordinary dashboard: 404 like a missing one
        raise NotFoundOrDenied(object_type="dashboards.Dashboard", object_id=slug)
    return dashboard


def _query_string(params):
    return urllib.parse.urlencode(params)


def hennep_dashboard(request, dashboard):
    dashboard = _address_level_dashboard(request.user, dashboard.slug)
    context = {"dashboard": dashboard, "selected": request.GET, "property_types": []}
    try:
        query = hennep.hennep_query_from_params(request.GET, dashboard=dashboard)
    except FigureQueryError as exc:
        # The user's own filter: 400 with its reason; the defaults (e.g. no geography loaded yet): a notice.
        services.dashboard_view_record(user=request.user, dashboard=dashboard)
        context["error"] = str(exc)
        return render(request, "dashboards/hennep/dashboard.html", context, status=400 if request.GET else 200)
    records = hennep.clearings(query)
    services.address_level_view_record(user=request.user, dashboard=dashboard,
                                       query=_query_string(query.as_params()), result_count=len(records))
    tile_url = settings.DASHBOARD_TILE_URL or ""
    context.update({
        "query": query, "records": records, "total_plants": sum(r.plants or 0 for r in records),
        "by_type": hennep.counts_by_property_type(records), "by_buurt": hennep.counts_by_buurt(records),
        "property_types": hennep.property_type_choices(query),
        "selected_type_label": hennep.property_type_label(query.property_type) if query.property_type else "",
        "selected": {"from": query.date_from.strftime("%Y-%m"), "to": query.date_to.strftime("%Y-%m"),
                     "type": query.property_type},
        "points": hennep.map_points(records), "outlines": hennep.buurt_outlines(query),
        "tile_url": tile_url if tile_url.startswith(("https://", "http://")) else "",
        "tile_attribution": settings.DASHBOARD_TILE_ATTRIBUTION,
        "export_url": reverse("dashboards:hennep_export", args=[dashboard.slug]) + "?"
        + _query_string(query.as_params()),
        "api_url": reverse("api-dashboard-addresses", args=[dashboard.slug]) + "?"
        + _query_string(query.as_params()),
        "truncated": len(records) >= hennep.MAX_RECORDS,
    })
    return render(request, "dashboards/hennep/dashboard.html", context)


@require_perm(ADDRESS_LEVEL_PERM, scope="dashboards.Dashboard")
def hennep_export(request, slug):
    """The clearings of the filter as CSV (addresses included); the export is an access event."""
    dashboard = _address_level_dashboard(request.user, slug)
    try:
        query = hennep.hennep_query_from_params(request.GET, dashboard=dashboard)
    except FigureQueryError as exc:
        services.dashboard_view_record(user=request.user, dashboard=dashboard)
        return render(request, "dashboards/hennep/dashboard.html",
                      {"dashboard": dashboard, "error": str(exc), "selected": request.GET}, status=400)
    records = hennep.clearings(query)
    services.dashboard_export_record(user=request.user, dashboard=dashboard,
                                     query=_query_string({**query.as_params(), "format": "csv"}),
                                     result_count=len(records))
    header = [_("Datum"), _("Tijd"), _("Adres"), _("Postcode"), _("BAG-id"), _("Soort pand"), _("Planten"),
              _("Buurtcode"), _("Buurt"), _("Wijk"), _("Bijzonderheden"), _("Lengtegraad"), _("Breedtegraad"),
              _("Voorlopig")]
    rows = ([r.day.isoformat(), r.time.strftime("%H:%M") if r.time else "", r.address, r.postcode, r.bag_id,
             r.property_type_label, r.plants, r.buurt_code, r.buurt_name, r.wijk_name, r.details, r.lon, r.lat,
             _("ja") if r.provisional else _("nee")] for r in records)
    filename = f"hennep-{query.date_from:%Y-%m}-{query.date_to:%Y-%m}.csv"
    return csv_response(filename=filename, header=header, rows=rows)
