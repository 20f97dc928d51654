"""Dashboard pages: the list, a dashboard (filter, map, trend, dagdeel grid, table, exports) and the buurt page.

Thin: the figures come from dashboards.selectors.figures, the export's access event from dashboards.services. A
dashboard the user may not see answers 404 like a missing one; an address-level dashboard has its own page
(dashboards.views_hennep).
"""
from functools import wraps
from urllib.parse import urlencode, urlsplit

from csp.decorators import csp_update
from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from access.denials import NotFoundOrDenied
from core.rules import require_perm

from . import charts, exports, selectors, services
from .models import VIEW_PERM, Dagdeel, Source
from .selectors import figures
from .selectors.filters import FigureQueryError, figure_query_from_params

POPULATION_YEAR = 2024


def _dashboard_or_404(request, slug):
    dashboard = selectors.dashboard_get_for_user(user=request.user, slug=slug)
    if dashboard is None:  # another dashboard answers 404 like a missing one, and is recorded as a denial
        raise NotFoundOrDenied(object_type="dashboards.Dashboard", object_id=slug)
    return dashboard


def _with_tile_csp(view):
    """When a tile layer is configured, the page's CSP also allows images from the tile server's origin."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        origin = _tile_origin()
        if not origin:
            return view(request, *args, **kwargs)
        return csp_update({"img-src": [origin]})(view)(request, *args, **kwargs)

    return wrapped


def _tile_origin():
    url = settings.DASHBOARD_TILE_URL
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("https", "http") and parts.netloc else ""


def _optional_links(dashboard):
    """Links to the other dashboard pages, each only where that page exists (built by other parts of the app)."""
    candidates = [
        ("dashboards:opvallend", (dashboard.slug,), _("Opvallend")),
        ("dashboards:hotspots", (dashboard.slug,), _("Hotspots")),
        ("dashboards:dagrapport", (dashboard.slug,), _("Dagrapport")),
        ("dashboards:interventions", (), _("Maatregelen")),
        ("dashboards:targets", (), _("Doelen")),
    ]
    links = []
    for name, args, label in candidates:
        url = _reverse(name, args)
        if url is None and args:
            url = _reverse(name, ())
        if url:
            links.append({"url": url, "label": label})
    return links


def _reverse(name, args=()):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _filter_choices(dashboard):
    return {
        "sources": [s for s in Source.objects.order_by("name") if not s.address_level or dashboard.address_level],
        "themes": figures.theme_choices(),
        "categories": figures.category_choices(),
        "municipalities": figures.municipality_choices(),
    }


def _selected(params, query=None):
    """What the filter form shows as chosen: the query's values, or what was sent when it could not be answered."""
    if query is not None:
        params = query.as_params()
    return {
        "selected_source": params.get("source", ""),
        "selected_themes": set(params.get("themes", "").split(",")) - {""},
        "selected_categories": set(params.get("categories", "").split(",")) - {""},
        "selected_from": params.get("from", ""), "selected_to": params.get("to", ""),
        "selected_municipality": params.get("municipality", settings.DASHBOARD_MUNICIPALITY),
    }


def _query_string(params, **extra):
    return urlencode({**params, **{k: v for k, v in extra.items() if v}})


@require_perm(VIEW_PERM, scope="dashboards.Dashboard")
def dashboard_list(request):
    return render(request, "dashboards/list.html", {"dashboards": selectors.dashboard_list_for_user(user=request.user)})


@require_perm(VIEW_PERM, scope="dashboards.Dashboard")
@_with_tile_csp
def dashboard_detail(request, slug):
    dashboard = _dashboard_or_404(request, slug)
    if dashboard.address_level:
        try:
            from .views_hennep import hennep_dashboard
        except ImportError:  # the address-level page is not installed: only its name and description
            services.dashboard_view_record(user=request.user, dashboard=dashboard)
            return render(request, "dashboards/detail.html", {"dashboard": dashboard, "restricted": True})
        return hennep_dashboard(request, dashboard)

    params = figures.figure_params(request.GET)
    level = request.GET.get("level") if request.GET.get("level") in figures.LEVELS else figures.LEVEL_BUURT
    interval = "week" if request.GET.get("interval") == "week" else "month"
    sort = request.GET.get("sort") if request.GET.get("sort") in figures.SORTS else "-rate"
    context = {"dashboard": dashboard, "params": params, "level": level, "interval": interval, "sort": sort,
               "links": _optional_links(dashboard), **_filter_choices(dashboard),
               "tile_url": settings.DASHBOARD_TILE_URL if _tile_origin() else "",
               "tile_attribution": settings.DASHBOARD_TILE_ATTRIBUTION,
               "min_inhabitants": settings.DASHBOARD_MIN_INHABITANTS, **_selected(params)}
    try:
        query = figure_query_from_params(params, dashboard=dashboard)
        context.update(_selected(params, query))
        table = figures.area_table(query, level=level, sort=sort)
        area = figures.area_from_code(query, request.GET.get("area"))
        trend = figures.trend(query, interval=interval, area=area)
        grid = None if figures.is_aggregate(query.source) else figures.dagdeel_grid(query, area=area)
    except FigureQueryError as exc:
        # The user's own filter: 400 with its reason; the defaults (e.g. no geography loaded yet): a notice.
        context["error"] = str(exc)
        return render(request, "dashboards/detail.html", context, status=400 if params else 200)

    current = query.as_params()
    context.update({
        "query": query, "table": table, "trend": trend, "chart": charts.trend_chart(trend), "grid": grid,
        "area": area, "trend_areas": figures.wijk_choices(query.municipality), "hidden_params": {
            **current, "level": level, "interval": interval, "sort": sort},
        "weekdays": figures.weekday_names(), "weekdays_short": figures.weekday_short_names(),
        "geojson_url": reverse("api-dashboard-buurten", args=[dashboard.slug]) + "?" + _query_string(current),
        "buurt_url": reverse("dashboards:buurt", args=[dashboard.slug, "BU0"]).replace("BU0", "{code}")
        + "?" + _query_string(current),
        "current_qs": _query_string(current),
        "sort_qs": _query_string(current, level=level, interval=interval),
        "export_qs": _query_string(current, level=level, sort=sort),
        "level_qs": _query_string(current, interval=interval, sort=sort, area=request.GET.get("area")),
        "interval_qs": _query_string(current, level=level, sort=sort, area=area.code if area.level != "gemeente" else ""),
        "sortable": [("name", _("Gebied")), ("inhabitants", _("Inwoners")), ("count", _("Aantal")),
                     ("rate", _("Per 1000 inwoners")), ("change", _("Verandering"))],
    })
    return render(request, "dashboards/detail.html", context)


@require_perm(VIEW_PERM, scope="dashboards.Dashboard")
def buurt_detail(request, slug, code):
    dashboard = _dashboard_or_404(request, slug)
    if dashboard.address_level:
        raise NotFoundOrDenied(object_type="dashboards.Dashboard", object_id=slug)
    params = figures.figure_params(request.GET)
    context = {"dashboard": dashboard, "params": params, "links": _optional_links(dashboard)}
    try:
        query = figure_query_from_params(params, dashboard=dashboard)
    except FigureQueryError as exc:
        context["error"] = str(exc)
        return render(request, "dashboards/buurt.html", context, status=400)
    buurt = figures.buurt_get(query, code)
    if buurt is None:
        raise Http404
    area = figures.Area("buurt", buurt.code, buurt.name, buurt.pk)
    interval = "week" if request.GET.get("interval") == "week" else "month"
    try:
        trend = figures.trend(query, interval=interval, area=area)
    except FigureQueryError:
        interval, trend = "month", figures.trend(query, interval="month", area=area)
    grid = None if figures.is_aggregate(query.source) else figures.dagdeel_grid(query, area=area)
    interventions = figures.interventions_in_buurt(buurt)
    context.update({
        "query": query, "buurt": buurt, "profile": figures.buurt_profile(query, buurt), "trend": trend,
        "chart": charts.trend_chart(trend), "grid": grid, "interval": interval,
        "weekdays": figures.weekday_names(), "weekdays_short": figures.weekday_short_names(),
        "interventions": [(i, _reverse("dashboards:intervention_detail", (i.pk,))) for i in interventions],
        "current_qs": _query_string(query.as_params()),
        "min_inhabitants": settings.DASHBOARD_MIN_INHABITANTS,
        "unknown_label": Dagdeel.ONBEKEND.label,
    })
    return render(request, "dashboards/buurt.html", context)


@require_perm(VIEW_PERM, scope="dashboards.Dashboard")
def dashboard_export(request, slug, fmt):
    """The table as CSV or Excel; every export is an access event (who, which filter, how many rows)."""
    dashboard = _dashboard_or_404(request, slug)
    if dashboard.address_level or fmt not in exports.FORMATS:
        raise NotFoundOrDenied(object_type="dashboards.Dashboard", object_id=slug)
    params = figures.figure_params(request.GET)
    level = request.GET.get("level") if request.GET.get("level") in figures.LEVELS else figures.LEVEL_BUURT
    sort = request.GET.get("sort") if request.GET.get("sort") in figures.SORTS else "-rate"
    try:
        query = figure_query_from_params(params, dashboard=dashboard)
    except FigureQueryError as exc:
        return render(request, "dashboards/detail.html", {"dashboard": dashboard, "error": str(exc), "params": params},
                      status=400)
    table = figures.area_table(query, level=level, sort=sort)
    services.dashboard_export_record(user=request.user, dashboard=dashboard,
                                     query=_query_string(query.as_params(), level=level, sort=sort, format=fmt),
                                     result_count=len(table.areas))
    return exports.table_response(table, fmt=fmt, dashboard=dashboard)
