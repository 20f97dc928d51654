"""The figure API: dashboards, buurten (JSON and GeoJSON), trend, dagdelen; 400s with their reason; the grant."""
import json
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from dashboards.selectors.filters import add_months, figure_query_from_params
from dashboards.serializers import area_figure_rows
from tests.dashboards.figures_fixtures import YEAR_2024

pytestmark = pytest.mark.django_db
PERIOD = urlencode(YEAR_2024)  # from=2024-01&to=2024-12: the figure fixture's year


def api(user):
    client = APIClient()
    client.force_login(user)
    return client


def test_dashboards_lists_only_those_the_user_may_view(world, viewer):
    body = api(viewer).get("/api/v1/dashboards").json()
    assert body["results"] == [{"slug": "buurtveiligheid", "name": "Veiligheid per buurt", "addressLevel": False}]


def test_buurten_with_rates_and_source(world, viewer):
    response = api(viewer).get(f"/api/v1/dashboards/buurtveiligheid/buurten?{PERIOD}")
    assert response.status_code == 200
    body = response.json()
    assert body["source"] == "politie-bvh" and body["attribution"] == "Bron: Politie" and body["total"] == 20
    rows = {r["code"]: r for r in body["results"]}
    assert rows["BU00340101"] == {"code": "BU00340101", "name": "Centrum", "wijkCode": "WK003401", "inhabitants": 2000,
                                  "count": 10, "ratePer1000": 5.0, "rateClass": rows["BU00340101"]["rateClass"]}
    assert rows["BU00340201"]["ratePer1000"] is None and rows["BU00340201"]["count"] == 3
    assert "BU03630101" not in rows


@pytest.mark.parametrize("level", ["buurt", "wijk"])
def test_the_maps_direct_rows_are_what_the_documented_serializer_gives(world, viewer, level):
    """The map builds its rows without DRF's serializer (speed); the serializer is the published schema."""
    from dashboards.selectors import figures
    from dashboards.serializers import AreaFigureSerializer

    query = figure_query_from_params(YEAR_2024)
    result = figures.area_figures(query, level=level)
    assert result.areas and any(a.rate is None for a in result.areas)
    assert area_figure_rows(result.areas) == AreaFigureSerializer(result.areas, many=True).data
    body = api(viewer).get(f"/api/v1/dashboards/buurtveiligheid/buurten?{PERIOD}&level={level}").json()
    assert body["results"] == json.loads(json.dumps(AreaFigureSerializer(result.areas, many=True).data))


def test_wijken(world, viewer):
    body = api(viewer).get(f"/api/v1/dashboards/buurtveiligheid/buurten?{PERIOD}&level=wijk").json()
    assert {r["code"]: (r["count"], r["ratePer1000"]) for r in body["results"]} == {
        "WK003401": (15, 6.67), "WK003402": (5, None)}


def test_geojson_feature_collection(world, viewer):
    response = api(viewer).get(f"/api/v1/dashboards/buurtveiligheid/buurten?{PERIOD}&themes=wos-hic",
                               HTTP_ACCEPT="application/geo+json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection" and body["attribution"] == "Bron: Politie"
    assert body["themes"] == ["wos-hic"] and len(body["features"]) == 4
    centrum = next(f for f in body["features"] if f["id"] == "BU00340101")
    assert centrum["type"] == "Feature" and centrum["geometry"]["type"] == "Polygon"
    assert centrum["properties"]["count"] == 4 and centrum["properties"]["ratePer1000"] == 2.0
    wijken = api(viewer).get(f"/api/v1/dashboards/buurtveiligheid/buurten?{PERIOD}&level=wijk",
                             HTTP_ACCEPT="application/geo+json").json()
    assert {f["id"] for f in wijken["features"]} == {"WK003401", "WK003402"}
    assert all(f["geometry"]["type"] == "Polygon" for f in wijken["features"])


def test_trend_month_and_week(world, viewer):
    client = api(viewer)
    body = client.get(f"/api/v1/dashboards/buurtveiligheid/trend?{PERIOD}").json()
    assert body["interval"] == "month" and body["total"] == 20 and len(body["points"]) == 12
    march = add_months(figure_query_from_params(YEAR_2024).date_from, 2)  # PERIOD's third month
    assert body["points"][2] == {"period": "2024-03", "start": march.isoformat(), "count": 4, "previousYearCount": 4,
                                 "provisional": False}
    body = client.get(f"/api/v1/dashboards/buurtveiligheid/trend?{PERIOD}&interval=week&area=BU00340101").json()
    assert body["interval"] == "week" and body["area"] == "BU00340101" and body["total"] == 10
    assert body["points"][0]["period"] == "2024-W01"


def test_dagdelen(world, viewer):
    body = api(viewer).get(f"/api/v1/dashboards/buurtveiligheid/dagdelen?{PERIOD}").json()
    assert len(body["cells"]) == 28 and body["unknown"] == 2 and body["total"] == 20
    assert sum(c["count"] for c in body["cells"]) + body["unknown"] == 20
    assert body["cells"][0] == {"dagdeel": 0, "weekday": 0, "count": 1}


@pytest.mark.parametrize("query,message", [
    ("source=cbs-misdrijven&from=2024-02&to=2024-12", "hele kalenderjaren"),
    ("from=2024-13", "Ongeldige periode"),
    ("from=2024-06&to=2024-01", "na het einde"),
    ("themes=bestaat-niet", "Onbekend thema"),
    ("categories=9.9.9", "Onbekende categorie"),
    ("source=hennep", "adresniveau"),
    ("municipality=GM9999", "Onbekende gemeente"),
])
def test_unanswerable_filters_are_400_with_the_reason(world, viewer, query, message):
    for endpoint in ("buurten", "trend", "dagdelen"):
        response = api(viewer).get(f"/api/v1/dashboards/buurtveiligheid/{endpoint}?{query}")
        assert response.status_code == 400, (endpoint, query)
        assert message in response.json()["detail"]


def test_area_level_interval_and_dagdeel_of_aggregates_are_400(world, viewer):
    client = api(viewer)
    assert client.get("/api/v1/dashboards/buurtveiligheid/trend?area=BU03630101").status_code == 400
    assert client.get("/api/v1/dashboards/buurtveiligheid/trend?interval=dag").status_code == 400
    assert client.get("/api/v1/dashboards/buurtveiligheid/buurten?level=straat").status_code == 400
    response = client.get("/api/v1/dashboards/buurtveiligheid/dagdelen?source=cbs-misdrijven&from=2024-01&to=2024-12")
    assert response.status_code == 400 and "dagdelen" in response.json()["detail"]
    body = client.get("/api/v1/dashboards/buurtveiligheid/buurten?source=cbs-misdrijven&from=2024-01&to=2024-12")
    assert body.status_code == 200 and body.json()["attribution"] == "Bron: CBS, Politie"


def test_the_map_takes_a_flat_number_of_queries(world, viewer):
    from areas.models import Buurt

    client = api(viewer)
    url = f"/api/v1/dashboards/buurtveiligheid/buurten?{PERIOD}"
    client.get(url, HTTP_ACCEPT="application/geo+json")  # geometry cached, permissions warm
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, HTTP_ACCEPT="application/geo+json").status_code == 200
    for i in range(15):
        Buurt.objects.create(code=f"BU003401{60 + i}", name=f"Extra {i}", wijk=world.wijken["WK003401"])
    client.get(url, HTTP_ACCEPT="application/geo+json")
    with CaptureQueriesContext(connection) as many:
        body = client.get(url, HTTP_ACCEPT="application/geo+json").json()
    assert len(body["features"]) == 19
    assert len(many.captured_queries) == len(few.captured_queries)


def test_wijken_without_a_shape_get_the_union_of_their_buurten(world, viewer):
    from areas.models import Wijk

    Wijk.objects.filter(code="WK003401").update(geometry=None)
    body = api(viewer).get(f"/api/v1/dashboards/buurtveiligheid/buurten?{PERIOD}&level=wijk",
                           HTTP_ACCEPT="application/geo+json").json()
    stad = next(f for f in body["features"] if f["id"] == "WK003401")
    # Centrum (5.00-5.01) and Stadswold (5.01-5.02) side by side: one polygon 5.00-5.02
    assert stad["geometry"]["type"] == "Polygon"
    xs = [x for x, _y in stad["geometry"]["coordinates"][0]]
    assert min(xs) == pytest.approx(5.0) and max(xs) == pytest.approx(5.02)
