"""Browser journeys on the demo: the analist's map draws every buurt with its legend and hover text, a click opens
the buurt page, the hennep dashboard stays closed to the analist; the data steward uploads a BVH export and sees the
run finish with its report."""
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the catalogue of migration 0003

FIXTURE = Path(__file__).resolve().parent.parent / "ingest" / "fixtures" / "politie-bvh_almere_2017_cp1252.csv"


@pytest.fixture(autouse=True)
def demo_accounts(settings):
    settings.DEMO_ACCOUNTS_ENABLED = True


def test_the_map_draws_with_its_legend_and_leads_to_the_buurt_page(page_as, live_server):
    page = page_as("analist")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/dashboards/buurtveiligheid/")
    page.wait_for_selector("#dashboard-map path.leaflet-interactive")
    shapes = page.locator("#dashboard-map path.leaflet-interactive")
    assert shapes.count() >= 200  # Almere's 238 buurten (some small ones may share a pixel, none may be missing)
    legend = page.locator("#map-legend li")
    assert legend.count() >= 3 and "te weinig inwoners" in page.locator("#map-legend").inner_text()
    assert "Bron: Politie" in page.content()
    # no external tiles by default: every image the map asked for came from this server
    assert page.locator("#dashboard-map img.leaflet-tile").count() == 0

    shapes.nth(shapes.count() // 2).hover()
    assert page.locator(".leaflet-tooltip").count() >= 1
    with page.expect_navigation():
        shapes.nth(shapes.count() // 2).click()
    assert "/buurt/BU0034" in page.url
    assert page.locator("h1").inner_text()
    assert not errors, errors

    response = page.goto(f"{live_server.url}/dashboards/hennep/")
    assert response.status == 404  # the ordinary dashboard role never opens the address-level dashboard


def test_a_data_steward_uploads_a_police_export_and_reads_the_report(page_as, live_server):
    page = page_as("gegevensbeheerder")
    page.goto(f"{live_server.url}/gegevens/bronnen/politie-bvh/")
    page.set_input_files("input[type=file]", str(FIXTURE))
    with page.expect_navigation():
        page.click("form[enctype='multipart/form-data'] button[type=submit]")
    assert "/gegevens/leveringen/" in page.url
    page.wait_for_function("document.querySelector('#run-progress') === null || "
                           "document.querySelector('#run-progress').value >= 100", timeout=60_000)
    page.reload()
    assert page.locator("#run-status-label").inner_text() == "ingelezen"
    counts = {row.locator("th").inner_text(): int(row.locator("td").inner_text())
              for row in page.locator("table.counts tbody tr").all()}
    assert counts["Regels gelezen"] > 0 and counts["Nieuw"] > 0, counts
    assert counts["Nieuw"] + counts["Afgekeurd"] == counts["Regels gelezen"], counts
