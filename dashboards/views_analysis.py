"""Pages of the analysis part of the dashboards: Opvallend, alerts, hotspots and the daily report (dagrapport).

Thin: reads through dashboards.selectors.analysis, writes through dashboards.services. Every page needs the view
grant on a dashboard; Opvallend, alerts and hotspots work for the ordinary dashboard the user may open (or the one
named by ?dashboard=), the daily report for the dashboard in its URL. A missing or forbidden dashboard is a 404.
"""
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from access.denials import NotFoundOrDenied
from areas.models import Municipality
from core.rules import require_perm

from . import selectors
from .forms_analysis import AlertSubscriptionForm, DagrapportForm, HotspotForm
from .models import Dagdeel
from .selectors import analysis
from .selectors.filters import FigureQueryError
from .services import alerts as alert_services
from .services.analysis import dagrapport_print_record

VIEW = ("dashboards.view_dashboard", "dashboards.Dashboard")


def _ordinary_dashboard(request):
    """The ordinary dashboard the analysis pages belong to: ?dashboard=<slug>, else the first the user may open."""
    dashboards = selectors.dashboard_list_for_user(user=request.user).filter(address_level=False)
    slug = (request.GET.get("dashboard") or "").strip()
    if slug:
        dashboards = dashboards.filter(slug=slug)
    dashboard = dashboards.order_by("name").first()
    if dashboard is None:
        raise NotFoundOrDenied(object_type="dashboards.Dashboard", object_id=slug)
    return dashboard


def _query(params, dashboard):
    try:
        return analysis.analysis_query_from_params(params, dashboard=dashboard), None
    except FigureQueryError as error:
        return None, str(error)


def _filter_context(request, query):
    return {
        "sources": analysis.incident_sources(),
        "themes": analysis.themes_all(),
        "picked_source": query.source.code if query else request.GET.get("source", ""),
        "picked_themes": {t.slug for t in query.themes} if query else set(),
    }


@require_perm(*VIEW)
def opvallend_page(request):
    dashboard = _ordinary_dashboard(request)
    query, error = _query(request.GET, dashboard)
    result = None
    if query is not None:
        result = analysis.opvallend(source=query.source, municipality=query.municipality,
                                    themes=list(query.themes) or None)
    context = {"dashboard": dashboard, "query": query, "error": error, "result": result,
               "unread": analysis.alert_unread_count(user=request.user), **_filter_context(request, query)}
    return render(request, "dashboards/analysis/opvallend.html", context, status=400 if error else 200)


def _municipality():
    municipality = Municipality.objects.filter(code=settings.DASHBOARD_MUNICIPALITY).first()
    if municipality is None:
        raise NotFoundOrDenied(object_type="areas.Municipality", object_id=settings.DASHBOARD_MUNICIPALITY)
    return municipality


@require_perm(*VIEW)
@require_http_methods(["GET", "POST"])
def alerts_page(request):
    dashboard = _ordinary_dashboard(request)
    municipality = _municipality()
    form = AlertSubscriptionForm(request.POST or None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            alert_services.alert_subscription_create(
                user=request.user, theme=data["theme"], municipality=municipality, wijk=data["wijk"],
                buurt=data["buurt"], by_email=data["by_email"])
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.error_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("Attendering opgeslagen."))
            return redirect("dashboards:alerts")
    context = {
        "dashboard": dashboard, "form": form, "municipality": municipality,
        "subscriptions": analysis.alert_subscriptions_for_user(user=request.user),
        "alerts": analysis.alerts_for_user(user=request.user),
        "unread": analysis.alert_unread_count(user=request.user),
    }
    return render(request, "dashboards/analysis/alerts.html", context, status=400 if form.errors else 200)


@require_perm(*VIEW)
@require_POST
def alert_delete(request, pk):
    _ordinary_dashboard(request)
    subscription = analysis.alert_subscription_get_for_user(user=request.user, pk=pk)
    if subscription is None:
        raise NotFoundOrDenied(object_type="dashboards.AlertSubscription", object_id=pk)
    alert_services.alert_subscription_delete(user=request.user, subscription=subscription)
    messages.success(request, _("Attendering verwijderd."))
    return redirect("dashboards:alerts")


@require_perm(*VIEW)
@require_POST
def alerts_read(request):
    _ordinary_dashboard(request)
    alert_services.alerts_mark_read(user=request.user)
    return redirect("dashboards:alerts")


@require_perm(*VIEW)
def hotspots_page(request):
    dashboard = _ordinary_dashboard(request)
    query, error = _query(request.GET, dashboard)
    form = HotspotForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        error = error or " ".join(str(m) for messages_ in form.errors.values() for m in messages_)
    result = None
    map_data = None
    if query is not None and not error:
        result = analysis.hotspots(query=query, cell_size=form.cell_size() if form.is_bound else
                                  analysis.DEFAULT_CELL_SIZE)
        map_data = {
            "outline": analysis.municipality_outline(query.municipality) if not settings.DASHBOARD_TILE_URL else None,
            "cellSize": result.cell_size,
            "cells": [{"b": c.bounds, "n": c.count, "d": c.density, "z": c.z, "h": c.hotspot}
                      for c in result.cells if c.count or c.hotspot or c.density >= 1],
        }
    context = {"dashboard": dashboard, "query": query, "error": error, "result": result, "form": form,
               "map_data": map_data, "tile_url": settings.DASHBOARD_TILE_URL,
               "tile_attribution": settings.DASHBOARD_TILE_ATTRIBUTION,
               "cell_sizes": analysis.CELL_SIZES,
               "month_from": query.date_from.strftime("%Y-%m") if query else "",
               "month_to": query.date_to.strftime("%Y-%m") if query else "",
               "picked_cell": result.cell_size if result else analysis.DEFAULT_CELL_SIZE,
               **_filter_context(request, query)}
    return render(request, "dashboards/analysis/hotspots.html", context, status=400 if error else 200)


@require_perm(*VIEW)
def dagrapport_page(request, slug):
    dashboard = selectors.dashboard_get_for_user(user=request.user, slug=slug)
    if dashboard is None:
        raise NotFoundOrDenied(object_type="dashboards.Dashboard", object_id=slug)
    params = request.GET.copy()
    params.pop("from", None)
    params.pop("to", None)  # the report has its own period: a day or the last 24 hours
    query, error = _query(params, dashboard)
    form = DagrapportForm(request.GET or None)
    day = None
    if form.is_bound:
        if form.is_valid():
            day = form.cleaned_data.get("datum")
        else:
            error = error or " ".join(str(m) for m in form.errors.get("datum", []))
    report = None
    printing = request.GET.get("print") == "1"
    if query is not None and not error:
        report = analysis.dagrapport(source=query.source, municipality=query.municipality, day=day)
        if printing:
            label = day.isoformat() if day else f"{report.start:%Y-%m-%d %H:%M}–{report.end:%Y-%m-%d %H:%M}"
            dagrapport_print_record(user=request.user, dashboard=dashboard, label=label, count=report.total)
    map_data = None
    if report:
        outline = None
        if not settings.DASHBOARD_TILE_URL:
            outline = analysis.municipality_outline(query.municipality)
        map_data = {"outline": outline, "points": [{"lon": r.lon, "lat": r.lat, "d": r.dagdeel,
                       "t": r.occurred_time.strftime("%H:%M") if r.occurred_time else "", "c": r.category,
                       "b": r.buurt} for r in report.rows if r.lon is not None]}
    print_params = request.GET.copy()
    print_params["print"] = "1"
    context = {"dashboard": dashboard, "query": query, "error": error, "report": report, "form": form, "day": day,
               "day_iso": day.isoformat() if day else "",
               "printing": printing, "print_query": print_params.urlencode(), "map_data": map_data,
               "tile_url": settings.DASHBOARD_TILE_URL, "tile_attribution": settings.DASHBOARD_TILE_ATTRIBUTION,
               "dagdelen": Dagdeel, "sources": analysis.incident_sources(),
               "picked_source": query.source.code if query else ""}
    return render(request, "dashboards/analysis/dagrapport.html", context, status=400 if error else 200)

