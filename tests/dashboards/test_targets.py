"""Targets (doelstellingen): set by intervention editors only, progress on a known fixture (baseline count, target
count, the year so far and its projection, the last 12 months), pages and API."""
import datetime
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from rest_framework.test import APIClient

from access import roles as R
from dashboards.models import Source, Target, Theme
from dashboards.selectors.targets import target_progress
from dashboards.services.interventions import target_set
from tests.dashboards.interventions_fixtures import Grid, months
from tests.factories import grant, login, make_user

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def grid():
    return Grid(n=2)


@pytest.fixture
def people(grid):
    viewer = make_user("analist")
    grant(viewer, R.DASHBOARD_VIEWER, scope=grid.board)
    editor = make_user("redacteur")
    grant(editor, R.DASHBOARD_VIEWER, scope=grid.board)
    grant(editor, R.INTERVENTION_EDITOR)
    return {"viewer": viewer, "editor": editor, "nobody": make_user("zonder-rechten")}


@pytest.fixture
def hic():
    return Theme.objects.get(slug="wos-hic")


def test_progress_on_a_known_fixture(grid, people, hic):
    # 2024 (baseline): 10 burglaries a month in one buurt = 120; 2025: 8 a month; 2026 Jan–Mar: 6 a month, and
    # thefts (not in the theme) that must not count.
    series = {(0, 0): {**{m: 10 for m in months(D(2024, 1, 1), 12)}, **{m: 8 for m in months(D(2025, 1, 1), 12)},
                       **{m: 6 for m in months(D(2026, 1, 1), 3)}}}
    grid.load(series)
    grid.load({(1, 1): {m: 50 for m in months(D(2024, 1, 1), 24)}}, category=grid.theft)
    target = target_set(user=people["editor"], theme=hic, source=grid.source, baseline_year=2024, target_year=2027,
                        change_percent=Decimal("-10"))
    progress = target_progress(target=target, today=D(2026, 4, 15))
    assert progress.baseline_count == 120
    assert progress.target_count == pytest.approx(108.0)
    assert progress.months_done == 3 and progress.year_to_date == 18
    assert progress.projected == pytest.approx(72.0)  # 18 in 3 months → 72 a year
    assert progress.last_12_months == 9 * 8 + 18  # May 2025 – March 2026
    assert progress.on_track is True and progress.change_so_far == pytest.approx(-40)
    assert progress.years == [(2024, 120, False), (2025, 96, False), (2026, 72.0, True)]
    january = target_progress(target=target, today=D(2026, 1, 10))
    assert january.year_to_date is None and january.projected == 96  # the last 12 whole months (2025)


def test_target_set_validates_and_updates_the_same_combination(grid, people, hic):
    with pytest.raises(ValidationError) as refused:
        target_set(user=people["editor"], theme=hic, source=grid.source, baseline_year=2027, target_year=2024,
                   change_percent=-10)
    assert "na het basisjaar" in refused.value.message_dict["target_year"][0]
    with pytest.raises(ValidationError) as refused:
        target_set(user=people["editor"], theme=hic, source=Source.objects.get(code="cbs-misdrijven"),
                   baseline_year=2024, target_year=2027, change_percent=-10)
    assert "source" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        target_set(user=people["editor"], theme=hic, source=grid.source, baseline_year=2024, target_year=2027,
                   change_percent="veel")
    assert "change_percent" in refused.value.message_dict
    first = target_set(user=people["editor"], theme=hic, source=grid.source, baseline_year=2024, target_year=2027,
                       change_percent=-10)
    second = target_set(user=people["editor"], theme=hic, source=grid.source, baseline_year=2023, target_year=2027,
                        change_percent=Decimal("-12.5"), note="Coalitieakkoord")
    assert first.pk == second.pk and Target.objects.count() == 1
    assert second.change_percent == Decimal("-12.5") and second.baseline_year == 2023
    assert LogEntry.objects.get_for_object(second).filter(actor=people["editor"]).count() == 2
    with pytest.raises(PermissionDenied):
        target_set(user=people["viewer"], theme=hic, source=grid.source, baseline_year=2024, target_year=2028,
                   change_percent=-10)


def test_pages_and_api(grid, people, hic):
    viewer = login(Client(), people["viewer"])
    assert viewer.get("/dashboards/doelen/").status_code == 200
    assert "Doelstelling vastleggen" not in viewer.get("/dashboards/doelen/").content.decode()
    assert viewer.post("/dashboards/doelen/nieuw/", {}).status_code == 403
    editor = login(Client(), people["editor"])
    response = editor.post("/dashboards/doelen/nieuw/", {"theme": hic.pk, "source": grid.source.pk,
                                                          "baseline_year": 2024, "target_year": 2027,
                                                          "change_percent": "-10", "note": ""})
    assert response.status_code == 302 and response["Location"] == "/dashboards/doelen/"
    page = editor.get("/dashboards/doelen/").content.decode()
    assert "<svg" in page and "Basisjaar 2024" in page and "Doelstelling vastleggen" in page

    client = APIClient()
    client.force_authenticate(people["viewer"])
    listing = client.get("/api/v1/targets")
    assert listing.status_code == 200
    row = listing.json()["results"][0]
    assert row["theme"] == "wos-hic" and row["baselineYear"] == 2024 and row["changePercent"] == -10.0
    assert "targetCount" in row and "projected" in row
    assert client.post("/api/v1/targets", {"theme": "wos-hic", "baselineYear": 2024, "targetYear": 2028,
                                           "changePercent": -5}, format="json").status_code == 403
    client.force_authenticate(people["editor"])
    created = client.post("/api/v1/targets", {"theme": "wos-hic", "baselineYear": 2024, "targetYear": 2028,
                                              "changePercent": -5}, format="json")
    assert created.status_code == 201 and created.json()["targetYear"] == 2028
    bad = client.post("/api/v1/targets", {"theme": "onbekend", "baselineYear": 2024, "targetYear": 2020,
                                          "changePercent": -5}, format="json")
    assert bad.status_code == 400 and "theme" in {p["name"] for p in bad.json()["invalidParams"]}
    client.force_authenticate(people["nobody"])
    assert client.get("/api/v1/targets").status_code == 403
