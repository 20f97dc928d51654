"""The hit report cannot be turned into a full cross-department listing: its threshold is at least two on the page,
the printout, the CSV and the API, and an invalid filter shows only its error, never a report."""
import pytest

from audit.models import AccessEvent
from signals import selectors
from tests.factories import login

PAGES = ("/signalen/uitdraai/", "/signalen/uitdraai/afdrukken/", "/signalen/uitdraai.csv")


@pytest.fixture
def report(client, people, place, addresses):
    place("hh", "th", addresses["a12"])
    place("sz", "sz", addresses["a12"])  # two departments: in the report
    place("oov", "oov", addresses["k3"])  # one department: that department's own business
    login(client, people["coord"])
    return client


def hit_report_events():
    return AccessEvent.objects.filter(object_type="signals.HitReport").count()


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("threshold", ["1", "0", "-3"])
def test_a_threshold_below_two_is_refused_with_a_clear_error(report, url, threshold):
    before = hit_report_events()
    response = report.get(url, {"min_departments": threshold})
    body = response.content.decode("utf-8-sig")
    assert response.status_code == 400
    assert "de uitdraai toont alleen adressen met signalen van meerdere afdelingen" in body
    assert "Kadeweg 3" not in body and "Stationsstraat 12" not in body
    assert hit_report_events() == before  # nothing was listed, so nothing to record


@pytest.mark.parametrize("url", PAGES)
def test_an_invalid_filter_shows_only_the_error(report, url):
    response = report.get(url, {"wijk": "WK999999"})
    body = response.content.decode("utf-8-sig")
    assert response.status_code == 400
    assert "Stationsstraat 12" not in body and "Geen adressen gevonden" not in body and "<table" not in body


def test_the_default_and_a_threshold_of_two_still_work(report):
    for params in ({}, {"min_departments": "2"}):
        html = report.get("/signalen/uitdraai/", params).content.decode()
        assert "Stationsstraat 12, 1311 AB Almere" in html and "Kadeweg 3" not in html


@pytest.mark.parametrize("threshold", [1, 0, -1])
def test_the_api_refuses_a_threshold_below_two(people, report, threshold):
    response = report.get("/api/v1/hit-report", {"min_departments": threshold})
    assert response.status_code == 400 and response["Content-Type"].startswith("application/problem+json")
    assert "Kadeweg" not in response.content.decode()


def test_a_configured_default_below_two_is_raised_to_two(report, settings):
    settings.SIGNAL_HIT_REPORT_MIN_DEPARTMENTS = 1
    html = report.get("/signalen/uitdraai/").content.decode()
    assert "Stationsstraat 12" in html and "Kadeweg 3" not in html
    assert report.get("/api/v1/hit-report").json()["minDepartments"] == 2
    assert [r.department_count for r in selectors.hit_report(min_departments=1)] == [2]
