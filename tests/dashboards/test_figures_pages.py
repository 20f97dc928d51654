"""The dashboard pages: filter, map (data URL, legend), table (sorting), trend (SVG + table), dagdeel grid, buurt
page; a filter that cannot be answered shows its reason (400); a tile layer widens the CSP only when configured."""
import re
from urllib.parse import urlencode

import pytest
from django.test import Client

from access import roles as R
from dashboards.models import Intervention, Source
from dashboards.selectors.filters import add_months, figure_query_from_params
from tests.dashboards.figures_fixtures import YEAR_2024
from tests.factories import grant, login, make_user
from tests.test_responsive_tables import unlabelled_cells

pytestmark = pytest.mark.django_db
PERIOD = urlencode(YEAR_2024)  # from=2024-01&to=2024-12: the figure fixture's year


@pytest.fixture
def client(world):
    user = make_user("analist")
    grant(user, R.DASHBOARD_VIEWER, scope=world.boards["buurtveiligheid"])
    return login(Client(), user)


def fixture_year():
    """The figure fixture's year (PERIOD) as a figure query: date_from and date_to."""
    return figure_query_from_params(YEAR_2024)


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.content[:400]
    return response.content.decode()


def test_dashboard_page_shows_map_table_trend_and_grid(client):
    html = page(client, f"/dashboards/buurtveiligheid/?{PERIOD}")
    assert 'id="dashboard-map"' in html and "data-geojson-url=\"/api/v1/dashboards/buurtveiligheid/buurten?" in html
    assert "/static/vendor/leaflet/dist/leaflet.js" in html and "/static/dashboards/map.js" in html
    assert "Bron: Politie" in html and "Aantal per 1000 inwoners" in html
    assert "te weinig inwoners" in html and "Stadswold" in html
    assert 'class="trend-chart"' in html and "2024-03" in html
    assert "dagdeel-grid" in html and "tijdstip onbekend" in html
    assert "<script>" not in html and " style=" not in html  # CSP: no inline script or style
    assert unlabelled_cells(html)[1] == []


def test_the_table_sorts_on_the_server(client):
    html = page(client, f"/dashboards/buurtveiligheid/?{PERIOD}&sort=-count")
    names = re.findall(r'buurt/(BU\d+)/', html)
    assert names[:2] == ["BU00340101", "BU00340102"]
    html = page(client, f"/dashboards/buurtveiligheid/?{PERIOD}&sort=-rate")
    assert re.findall(r'buurt/(BU\d+)/', html)[:2] == ["BU00340102", "BU00340101"]
    assert 'aria-sort="descending"' in html


def test_wijk_level_and_week_interval(client):
    html = page(client, f"/dashboards/buurtveiligheid/?{PERIOD}&level=wijk&interval=week")
    assert "Haven" in html and "2024-W10" in html and "level=wijk" in html


def test_multiple_themes_from_the_form(client):
    html = page(client, f"/dashboards/buurtveiligheid/?{PERIOD}&themes=wos-hic&themes=geweld")
    assert "WOS / High Impact Crime" in html and 'value="wos-hic" checked' in html


def test_unanswerable_filter_shows_the_reason(client):
    html = page(client, "/dashboards/buurtveiligheid/?source=cbs-misdrijven&from=2024-02&to=2024-12", status=400)
    assert "hele kalenderjaren" in html and 'role="alert"' in html
    assert "Onbekend thema" in page(client, "/dashboards/buurtveiligheid/?themes=nope", status=400)


def test_aggregate_source_has_no_dagdeel_grid(client, world):
    world.aggregate("cbs-misdrijven", "BU00340101", world.burglary, 2024, 0, 8)
    html = page(client, "/dashboards/buurtveiligheid/?source=cbs-misdrijven&from=2024-01&to=2024-12")
    assert "Bron: CBS, Politie" in html and "zonder tijdstip" in html


def test_buurt_page(client, world):
    mid_year = add_months(fixture_year().date_from, 6)
    Intervention.objects.create(name="Camera Centrum", kind="camera", municipality=world.municipality,
                                start=mid_year).buurten.add(world.buurten["BU00340101"])
    html = page(client, f"/dashboards/buurtveiligheid/buurt/BU00340101/?{PERIOD}")
    assert "Centrum" in html and "Almere" in html and "Camera Centrum" in html
    assert "flipperen" in html and "laptop" in html and "sieraden" in html  # WOS: modus operandi and loot
    assert "Huishoudens" in html and "950" in html  # the latest indicator
    assert "Stadswold" in html  # a buurt like it
    assert unlabelled_cells(html)[1] == []
    # another municipality's buurt, or one that does not exist: 404
    page(client, f"/dashboards/buurtveiligheid/buurt/BU03630101/?{PERIOD}", status=404)
    page(client, "/dashboards/buurtveiligheid/buurt/BU99999999/", status=404)


def test_buurt_page_marks_provisional_figures(client, world):
    last_two_months = add_months(fixture_year().date_to.replace(day=1), -1)
    Source.objects.filter(pk=world.source.pk).audited_update(reason="test", provisional_from=last_two_months)
    html = page(client, f"/dashboards/buurtveiligheid/buurt/BU00340101/?{PERIOD}")
    assert "voorlopig" in html


def test_links_only_to_pages_that_exist(client):
    html = page(client, f"/dashboards/buurtveiligheid/?{PERIOD}")
    assert "/dashboards/onbekend" not in html


def test_no_tiles_by_default_and_csp_widened_only_for_a_configured_tile_layer(client, settings):
    response = client.get("/dashboards/buurtveiligheid/")
    assert 'data-tile-url=""' in response.content.decode()
    assert "pdok" not in response["Content-Security-Policy"]
    settings.DASHBOARD_TILE_URL = "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png"
    settings.DASHBOARD_TILE_ATTRIBUTION = "Kaartgegevens: PDOK"
    response = client.get("/dashboards/buurtveiligheid/")
    assert "img-src 'self' data: https://service.pdok.nl" in response["Content-Security-Policy"]
    assert "Kaartgegevens: PDOK" in response.content.decode()


def test_the_trend_of_a_wijk(client):
    html = page(client, f"/dashboards/buurtveiligheid/?{PERIOD}&area=WK003402")
    assert "Trend: Haven" in html and "Totaal 5;" in html and 'value="WK003402" selected' in html
    assert "dagdeel en weekdag: Haven" in html and "alleen wijk Haven" in html
    assert "Onbekend gebied" in page(client, f"/dashboards/buurtveiligheid/?{PERIOD}&area=WK036301", status=400)
