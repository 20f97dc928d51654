"""Hotspots from incident points: a planted cluster is found (and only there), uniform noise gives (almost) nothing
after the FDR correction, cells without a point are counted apart; the page (map beside a table) and the API with
their access rules."""
import datetime

import numpy as np
import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from dashboards.selectors.analysis import analysis_query_from_params, hotspots, to_rd
from tests.dashboards.analysis_fixtures import AnalysisWorld
from tests.factories import login, make_user
from tests.test_responsive_tables import unlabelled_cells

pytestmark = pytest.mark.django_db

CLUSTER = (5.2200, 52.3700)  # lon, lat in Almere


def _month_ago():
    return timezone.localdate().replace(day=1) - datetime.timedelta(days=20)


def _load_points(world, points, category=None, buurt="centrum"):
    day = _month_ago()
    world.load(world.row(day, buurt, category or world.burglary, datetime.time(10, 0), lon=lon, lat=lat)
               for lon, lat in points)


def _noise(rng, n):
    return list(zip(rng.uniform(5.18, 5.26, n), rng.uniform(52.35, 52.39, n), strict=True))


def _cluster(rng, n=120):
    return list(zip(rng.normal(CLUSTER[0], 0.0012, n), rng.normal(CLUSTER[1], 0.0008, n), strict=True))


@pytest.fixture
def world():
    return AnalysisWorld()


def _query(world, **params):
    return analysis_query_from_params(params)


def test_a_planted_cluster_is_found(world):
    rng = np.random.default_rng(3)
    cluster = _cluster(rng)
    _load_points(world, _noise(rng, 500) + cluster)
    world.load([world.row(_month_ago(), "centrum", world.burglary, datetime.time(9, 0))])  # no point
    result = hotspots(query=_query(world), cell_size=200)
    assert result.incidents == 620 and result.without_point == 1
    assert sum(c.count for c in result.cells) == 620
    hot = result.significant
    assert len(hot) >= 2
    cx, cy = to_rd(CLUSTER[0], CLUSTER[1])
    for cell in hot:
        x, y = to_rd(cell.lon, cell.lat)
        assert np.hypot(x - cx, y - cy) < 600, cell
        assert cell.p_adjusted < 0.05 and cell.z > 0 and cell.p <= cell.p_adjusted
    (south, west), (north, east) = hot[0].bounds
    assert south < hot[0].lat < north and west < hot[0].lon < east


def test_uniform_noise_gives_almost_nothing(world):
    rng = np.random.default_rng(5)
    _load_points(world, _noise(rng, 1500))
    result = hotspots(query=_query(world), cell_size=200)
    assert len(result.significant) <= 2
    assert result.tested > 200


def test_the_study_area_follows_the_buurt_shapes_when_known(world):
    square = {"type": "Polygon", "coordinates": [[[5.17, 52.34], [5.27, 52.34], [5.27, 52.40], [5.17, 52.40],
                                                  [5.17, 52.34]]]}
    world.buurten["centrum"].geometry = square
    world.buurten["centrum"].save()
    rng = np.random.default_rng(9)
    _load_points(world, _noise(rng, 300))
    result = hotspots(query=_query(world), cell_size=500)
    assert result.study_area == "buurten"
    assert result.tested > len({(c.row, c.col) for c in result.cells if c.count})


def test_the_page_shows_a_map_and_the_table(world):
    rng = np.random.default_rng(3)
    cluster = _cluster(rng)
    _load_points(world, _noise(rng, 500) + cluster)
    client = login(Client(), world.viewer())
    response = client.get("/dashboards/hotspots/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="hotspot-map"' in html and 'id="hotspot-data"' in html and "vendor/leaflet/dist/leaflet.js" in html
    assert "Benjamini en Hochberg" in html and "p na FDR-correctie" in html
    tables, problems = unlabelled_cells(html)  # tables reflow on a phone: every cell names its column
    assert tables and not problems, problems
    assert "<script>" not in html.replace('<script id="hotspot-data" type="application/json">', "")
    assert client.get("/dashboards/hotspots/?cell=123").status_code == 400
    assert client.get("/dashboards/hotspots/?source=hennep").status_code == 400


def test_the_api(world):
    rng = np.random.default_rng(3)
    cluster = _cluster(rng)
    _load_points(world, _noise(rng, 500) + cluster)
    api = APIClient()
    api.force_login(world.viewer())
    response = api.get("/api/v1/dashboards/buurtveiligheid/hotspots?cell=250&themes=wos-hic")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["cellSize"] == 250 and data["incidents"] == 620 and data["hotspotCount"] >= 1
    cell = next(c for c in data["results"] if c["hotspot"])
    assert set(cell) == {"lon", "lat", "count", "density", "z", "p", "pAdjusted", "hotspot"}
    assert cell["pAdjusted"] < 0.05
    assert all(c["count"] or c["hotspot"] for c in data["results"])
    assert len(api.get("/api/v1/dashboards/buurtveiligheid/hotspots?cell=250&all=1").json()["results"]) \
        == data["testedCells"]
    assert api.get("/api/v1/dashboards/buurtveiligheid/hotspots?themes=geweld").json()["incidents"] == 0
    assert api.get("/api/v1/dashboards/buurtveiligheid/hotspots?source=hennep").status_code == 400
    assert api.get("/api/v1/dashboards/buurtveiligheid/hotspots?cell=7").status_code == 400
    assert api.get("/api/v1/dashboards/hennep/hotspots").status_code == 404


def test_without_the_grant(world):
    stranger = make_user("buitenstaander", "veiligheid")
    assert login(Client(), stranger).get("/dashboards/hotspots/").status_code == 403
    api = APIClient()
    api.force_login(stranger)
    assert api.get("/api/v1/dashboards/buurtveiligheid/hotspots").status_code == 403
