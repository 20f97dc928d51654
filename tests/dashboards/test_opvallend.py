"""Opvallend on constructed series: exact z values, a flat series lists nothing, a planted rise is listed, the
threshold boundary, the weeks used; the page and the API with their access rules."""
import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from dashboards.models import Source, Theme
from dashboards.selectors.analysis import opvallend, opvallend_period
from tests.dashboards.analysis_fixtures import AnalysisWorld, spread, weekly
from tests.factories import login, make_user
from tests.test_responsive_tables import unlabelled_cells

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return AnalysisWorld()


def _period(today=None):
    return opvallend_period(today or timezone.localdate())


def _rows(world, **kw):
    return {(r.buurt_code, r.theme_slug): r for r in
            opvallend(source=world.source, municipality=world.municipality, **kw).rows}


def test_the_period_is_four_whole_iso_weeks_and_the_52_before():
    today = timezone.localdate()
    p = _period(today)
    assert p.current_from.weekday() == 0 and p.current_to.weekday() == 6
    assert (p.current_to - p.current_from).days == 27
    assert p.current_to < today and (today - p.current_to).days <= 7
    assert p.baseline_to == p.current_from - datetime.timedelta(days=1)
    assert (p.current_from - p.baseline_from).days == 52 * 7
    assert len(p.current_weeks) == 4 and len(p.baseline_weeks) == 52


def test_a_planted_rise_is_listed_with_exact_figures_and_a_flat_series_is_not(world):
    p = _period()
    rows = weekly(world, "centrum", world.burglary, first_monday=p.baseline_from, weeks=52, per_week=1)
    rows += weekly(world, "centrum", world.burglary, first_monday=p.current_from, weeks=4, per_week=4)  # 16
    rows += weekly(world, "stadswold", world.burglary, first_monday=p.baseline_from, weeks=56, per_week=1)  # flat
    world.load(rows)
    found = _rows(world)
    # 1.1.1 belongs to two themes: WOS/HIC and vermogen; both rise
    assert set(found) == {("BU00340101", "wos-hic"), ("BU00340101", "vermogen")}
    row = found[("BU00340101", "wos-hic")]
    assert (row.current, row.baseline_total, row.expected, row.z) == (16, 52, 4.0, 4.0)  # z = 2(√16 − √4)
    assert row.buurt_name == "Centrum" and row.theme_name == "WOS / High Impact Crime"


def test_only_the_four_whole_weeks_and_the_baseline_count(world):
    p = _period()
    this_monday = p.current_to + datetime.timedelta(days=1)
    rows = weekly(world, "centrum", world.burglary, first_monday=p.baseline_from, weeks=52, per_week=1)
    rows += weekly(world, "centrum", world.burglary, first_monday=this_monday, weeks=1, per_week=30)  # this week
    rows += weekly(world, "centrum", world.burglary, first_monday=p.baseline_from - datetime.timedelta(weeks=1),
                   weeks=1, per_week=30)  # before the baseline
    world.load(rows)
    assert _rows(world) == {}


def test_the_threshold_boundary(world):
    p = _period()
    # expected 4 (52 over 52 weeks): 12 in 4 weeks gives z = 2(√12 − 2) = 2.93, 13 gives 3.21
    for buurt, current in (("centrum", 12), ("stadswold", 13)):
        rows = weekly(world, buurt, world.assault, first_monday=p.baseline_from, weeks=52, per_week=1)
        rows += spread(world, buurt, world.assault, first_monday=p.current_from, weeks=4, total=current)
        world.load(rows)
    found = _rows(world)
    assert set(found) == {("BU00340102", "geweld")}
    assert found[("BU00340102", "geweld")].z == pytest.approx(2 * (13 ** 0.5 - 2))
    # no history at all: z = 2√current; 2 incidents (2.83) are not unusual, 3 (3.46) are
    world.load(spread(world, "haven", world.assault, first_monday=p.current_from, weeks=4, total=2))
    assert ("BU00340201", "geweld") not in _rows(world)
    world.load(spread(world, "haven", world.assault, first_monday=p.current_from, weeks=4, total=1))
    assert _rows(world)[("BU00340201", "geweld")].expected == 0


def test_filters_by_theme_municipality_and_source(world):
    p = _period()
    world.load(spread(world, "centrum", world.burglary, first_monday=p.current_from, weeks=4, total=10))
    world.load(spread(world, "dam", world.burglary, first_monday=p.current_from, weeks=4, total=10))
    meldingen = Source.objects.get(code="meldingen")
    assert set(_rows(world)) == {("BU00340101", "wos-hic"), ("BU00340101", "vermogen")}
    assert set(_rows(world, themes=[Theme.objects.get(slug="vermogen")])) == {("BU00340101", "vermogen")}
    assert opvallend(source=meldingen, municipality=world.municipality).rows == []
    assert {r.buurt_code for r in opvallend(source=world.source, municipality=world.other).rows} == {"BU03630101"}


def test_one_query_over_the_week_rollups(world):
    p = _period()
    world.load(spread(world, "centrum", world.burglary, first_monday=p.current_from, weeks=4, total=10))
    with CaptureQueriesContext(connection) as queries:
        opvallend(source=world.source, municipality=world.municipality)
    assert len(queries) == 1
    sql = queries[0]["sql"]
    assert "weekrollup" in sql.lower() and "incident" not in sql.lower().replace("weekrollup", "")


# -- page and API --------------------------------------------------------------------------------------------------


def test_the_page_lists_the_rise_with_the_weeks_used(world):
    p = _period()
    world.load(weekly(world, "centrum", world.burglary, first_monday=p.current_from, weeks=4, per_week=4))
    client = login(Client(), world.viewer())
    response = client.get("/dashboards/opvallend/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Centrum" in html and "BU00340101" in html and "WOS / High Impact Crime" in html
    assert p.current_weeks[0] in html and "Bron: Politie" in html
    tables, problems = unlabelled_cells(html)  # tables reflow on a phone: every cell names its column
    assert tables and not problems, problems
    assert client.get("/dashboards/opvallend/?themes=geweld").content.decode().count("BU00340101") == 0
    assert client.get("/dashboards/opvallend/?source=hennep").status_code == 400
    assert client.get("/dashboards/opvallend/?themes=bestaat-niet").status_code == 400


def test_the_api_answers_with_camel_case_rows(world):
    p = _period()
    world.load(weekly(world, "centrum", world.burglary, first_monday=p.baseline_from, weeks=52, per_week=1))
    world.load(weekly(world, "centrum", world.burglary, first_monday=p.current_from, weeks=4, per_week=4))
    api = APIClient()
    api.force_login(world.viewer())
    response = api.get("/api/v1/dashboards/buurtveiligheid/opvallend?themes=wos-hic")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["results"] == [{"buurtCode": "BU00340101", "buurtName": "Centrum", "theme": "wos-hic",
                                "themeName": "WOS / High Impact Crime", "current": 16, "expected": 4.0, "z": 4.0}]
    assert data["period"]["currentFrom"] == p.current_from.isoformat()
    assert data["period"]["currentWeeks"] == p.current_weeks and data["threshold"] == 3.0
    assert api.get("/api/v1/dashboards/buurtveiligheid/opvallend?source=hennep").status_code == 400
    assert api.get("/api/v1/dashboards/buurtveiligheid/opvallend?source=cbs-misdrijven").status_code == 400


def test_without_the_grant_every_page_and_endpoint_refuses(world):
    stranger = make_user("buitenstaander", "veiligheid")
    client = login(Client(), stranger)
    assert client.get("/dashboards/opvallend/").status_code == 403
    api = APIClient()
    api.force_login(stranger)
    assert api.get("/api/v1/dashboards/buurtveiligheid/opvallend").status_code == 403
    assert APIClient().get("/api/v1/dashboards/buurtveiligheid/opvallend").status_code in (401, 403)
    # a viewer of the dashboard: another (or the address-level) dashboard is a 404, like a missing one
    viewer = world.viewer()
    api.force_login(viewer)
    assert api.get("/api/v1/dashboards/hennep/opvallend").status_code == 404
    assert api.get("/api/v1/dashboards/bestaat-niet/opvallend").status_code == 404
    client = login(Client(), viewer)
    assert client.get("/dashboards/opvallend/?dashboard=hennep").status_code == 404


def test_the_address_level_viewer_has_no_ordinary_dashboard_for_the_analysis_pages(world):
    from access import roles as R
    from tests.factories import grant

    user = make_user("hennep-analist", "veiligheid")
    grant(user, R.ADDRESS_LEVEL_VIEWER, scope=world.hennep)
    client = login(Client(), user)
    for url in ("/dashboards/opvallend/", "/dashboards/hotspots/", "/dashboards/attenderingen/",
                "/dashboards/buurtveiligheid/dagrapport/"):
        assert client.get(url).status_code == 404, url
    api = APIClient()
    api.force_login(user)
    assert api.get("/api/v1/dashboards/buurtveiligheid/opvallend").status_code == 404
    assert api.get("/api/v1/dashboards/hennep/opvallend?source=hennep").status_code == 400  # never address level
