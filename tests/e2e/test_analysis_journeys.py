"""Browser journeys of the analysis pages on the demo: Opvallend finds the planted rise, the hotspot map draws with
its legend and table, and the dagrapport's print view fits one A4 also on the demo's busiest day."""
import re

import pytest
from django.db.models import Count

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the catalogue of migration 0003


@pytest.fixture(autouse=True)
def demo_accounts(settings):
    settings.DEMO_ACCOUNTS_ENABLED = True  # the demo users log in (off by default in the test settings)


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_opvallend_and_hotspots(page_as, live_server):
    page = page_as("analist")
    page.goto(f"{live_server.url}/dashboards/opvallend/")
    rows = page.locator("table.table tbody tr")
    assert rows.count() >= 1 and "Geen opvallende" not in rows.first.inner_text()
    page.goto(f"{live_server.url}/dashboards/hotspots/")
    page.wait_for_selector("#hotspot-map path.leaflet-interactive")
    assert page.locator("#hotspot-map path.leaflet-interactive").count() > 10
    assert page.locator("ul.legend li").count() >= 5
    assert page.locator("table.table tbody tr").count() >= 1


def test_the_dagrapport_prints_on_one_a4(page_as, live_server):
    from dashboards.models import Incident

    busiest = (Incident.objects.filter(source__code="politie-bvh").values("occurred_on")
               .annotate(n=Count("id")).order_by("-n").first())
    page = page_as("analist")
    for query in ("", f"?datum={busiest['occurred_on'].isoformat()}"):
        page.emulate_media(media="screen")
        page.goto(f"{live_server.url}/dashboards/buurtveiligheid/dagrapport/{query}")
        page.wait_for_selector("#dagrapport-map.leaflet-container")
        page.emulate_media(media="print")
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
        assert _pdf_pages(pdf) == 1, (query, busiest)
    assert busiest["n"] >= 30  # the busiest demo day is a real test of the layout
