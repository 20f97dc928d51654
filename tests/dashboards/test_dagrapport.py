"""The mayor's daily report: the incidents of the last 24 hours (or of a chosen day) per dagdeel, without personal
data; printing through the 'Afdrukken' link is an access event; the print page stays small."""
import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from audit.models import AccessEvent
from dashboards.models import Category, Source
from tests.dashboards.analysis_fixtures import AnalysisWorld
from tests.factories import login, make_user
from tests.test_responsive_tables import unlabelled_cells

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = AnalysisWorld()
    now = timezone.localtime()
    world.now = now
    theft = Category.objects.get(code="1.2.3")

    def at(delta_hours):
        moment = now - datetime.timedelta(hours=delta_hours)
        return moment.date(), moment.time().replace(microsecond=0, second=0)

    rows = []
    for hours, buurt, category in ((2, "centrum", world.burglary), (23, "haven", theft), (25, "stadswold", theft),
                                   (30, "centrum", world.assault), (1, "dam", world.burglary)):
        day, time = at(hours)
        rows.append(world.row(day, buurt, category, time, lon=5.2134567, lat=52.3712345))
    rows.append(world.row(now.date(), "stadswold", world.assault))  # today, time unknown
    world.load(rows)
    world.load([world.row(at(3)[0], "centrum", Category.objects.get(code="meldingen/vernieling"), at(3)[1])],
               source=Source.objects.get(code="meldingen"))
    return world


def _page(client, query=""):
    response = client.get(f"/dashboards/buurtveiligheid/dagrapport/{query}")
    return response, response.content.decode()


def test_the_last_24_hours_per_dagdeel(world):
    client = login(Client(), world.viewer())
    response, html = _page(client)
    assert response.status_code == 200
    report = response.context["report"]
    assert report.total == 3  # 2 h and 23 h ago, and today's incident without a time
    assert sorted(r.buurt for r in report.rows) == ["Centrum", "Haven-Noord", "Stadswold"]
    unknown = [r for r in report.rows if r.occurred_time is None]
    assert len(unknown) == 1 and unknown[0].dagdeel == 4
    assert sum(len(rows) for _value, _label, rows in report.groups) == 3
    assert "Woninginbraak" in html or world.burglary.name in html
    assert "Dam" not in html  # another municipality
    assert "Bron: Politie" in html and 'id="dagrapport-map"' in html
    tables, problems = unlabelled_cells(html)  # tables reflow on a phone: every cell names its column
    assert tables and not problems, problems
    # locations rounded to about 100 m; no address or other personal data
    assert all(r.lon == 5.213 and r.lat == 52.371 for r in report.rows if r.lon is not None)
    assert "5.2134567" not in html
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.PRINT).exists()


def test_a_chosen_day(world):
    client = login(Client(), world.viewer())
    day = (world.now - datetime.timedelta(hours=30)).date()
    response, html = _page(client, f"?datum={day.isoformat()}")
    report = response.context["report"]
    timed = {2: "Centrum", 23: "Haven-Noord", 25: "Stadswold", 30: "Centrum"}  # hours ago: buurt
    expected = sorted(b for hours, b in timed.items() if (world.now - datetime.timedelta(hours=hours)).date() == day)
    assert sorted(r.buurt for r in report.rows) == expected
    assert all(r.occurred_on == day for r in report.rows)
    assert _page(client, "?datum=gisteren")[0].status_code == 400
    other = _page(client, "?source=meldingen")[0].context["report"]
    assert [r.buurt for r in other.rows] == ["Centrum"]


def test_printing_is_recorded_and_the_print_page_is_small(world):
    user = world.viewer()
    client = login(Client(), user)
    _response, html = _page(client)
    assert "print=1" in html and "Afdrukken" in html
    response, html = _page(client, "?print=1")
    assert response.status_code == 200 and 'data-autoprint="1"' in html
    event = AccessEvent.objects.get(action=AccessEvent.Action.PRINT)
    assert event.actor == user and event.object_id == str(world.board.pk) and event.result_count == 3
    assert "dagrapport" in event.object_label
    assert len(html) < 40_000
    css = (settings.BASE_DIR / "static" / "dashboards" / "analysis.css").read_text()
    assert "@page { size: A4" in css and ".site-header" in css.split("@media print", 1)[1]


def test_the_report_needs_the_grant_on_its_dashboard(world):
    stranger = make_user("buitenstaander", "veiligheid")
    assert login(Client(), stranger).get("/dashboards/buurtveiligheid/dagrapport/").status_code == 403
    client = login(Client(), world.viewer())
    assert client.get("/dashboards/hennep/dagrapport/").status_code == 404
    assert client.get("/dashboards/bestaat-niet/dagrapport/").status_code == 404
    assert client.get("/dashboards/buurtveiligheid/dagrapport/?source=hennep").status_code == 400
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.PRINT).exists()
