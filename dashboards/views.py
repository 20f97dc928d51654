from django.shortcuts import render

from access.denials import NotFoundOrDenied
from core.rules import require_perm

from . import selectors, services

POPULATION_YEAR = 2024


@require_perm("dashboards.view_dashboard", scope="dashboards.Dashboard")
def dashboard_list(request):
    return render(request, "dashboards/list.html", {"dashboards": selectors.dashboard_list_for_user(user=request.user)})


@require_perm("dashboards.view_dashboard", scope="dashboards.Dashboard")
def dashboard_detail(request, slug):
    dashboard = selectors.dashboard_get_for_user(user=request.user, slug=slug)
    if dashboard is None:  # another dashboard answers 404 like a missing one, and is recorded as a denial
        raise NotFoundOrDenied(object_type="dashboards.Dashboard", object_id=slug)
    services.dashboard_view_record(user=request.user, dashboard=dashboard)
    wijken = selectors.wijken_with_population(year=POPULATION_YEAR)
    return render(
        request,
        "dashboards/detail.html",
        {"dashboard": dashboard, "wijken": wijken, "year": POPULATION_YEAR},
    )
