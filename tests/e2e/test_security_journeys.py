"""Browser journeys of the signalling tool and its audit trail on the demo (issue 12, "Proved in CI"):

- the handhaver searches an address flagged by four departments, with a purpose, and sees the departments and whom
  to call, never what a signal is about (category, notes, case numbers, dates);
- an officer of Sociale Zaken places a signal on an address two other departments flag and is told so (the
  co-occurrence notice, which since finding 3 follows the search rules: this officer holds the search role);
- the auditor finds who searched the handhaver's address and exports those events as CSV.

Each journey keeps a full-page screenshot of its final page under test-artifacts/e2e/ (git-ignored)."""
import csv
import io
import re

import pytest
from django.utils import formats

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the catalogue of migration 0003

PURPOSE = "Controle woonfraude zaak HH-2026-0412"  # a case number, as a handhaver would give


@pytest.fixture(autouse=True)
def demo_accounts(settings):
    settings.DEMO_ACCOUNTS_ENABLED = True  # the demo users log in (off by default in the test settings)


def _query(address):
    """What a person types for this address: "1301 AA 7" (the demo's addresses are unique by postcode + number)."""
    return f"{address.postcode[:4]} {address.postcode[4:]} {address.number}"


def _flagged_address(departments):
    """The first demo address (signals/demo.py picks them deterministically) with `departments` active signals."""
    from signals.demo import demo_addresses
    from signals.models import Signal

    for address in demo_addresses(4):
        if Signal.objects.active().filter(address=address).values("department").distinct().count() == departments:
            return address
    raise AssertionError(f"the demo has no address flagged by {departments} departments")


def search_as_handhaver(page_as, live_server, address, purpose=PURPOSE):
    """The handhaver opens 'Adres zoeken' from the menu and searches `address` with `purpose` (clicks)."""
    page = page_as("handhaver")
    page.goto(f"{live_server.url}/")
    with page.expect_navigation():
        page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Adres zoeken").click()
    page.get_by_role("combobox", name="Adres").fill(_query(address))
    page.get_by_label("Doel van de zoekvraag").fill(purpose)
    with page.expect_navigation():
        page.get_by_role("button", name="Zoeken", exact=True).click()
    return page


def assert_departments_and_phones_only(page, address):
    """The result names every department with an active signal and its phone number, and nothing of the signals."""
    from signals.models import Signal
    from signals.selectors import address_hits

    hits = address_hits(address=address)
    assert len(hits) >= 2
    assert page.locator("#result-heading").inner_text() == address.label
    table = page.locator("table.hit-table")
    shown = {row.locator("th").inner_text(): row.locator("td[data-label='Telefoon']").inner_text()
             for row in table.locator("tbody tr").all()}
    assert shown == {hit.department_name: hit.contact_phone for hit in hits}
    assert all(re.fullmatch(r"0\d{2} \d{3} \d{4}", phone) for phone in shown.values()), shown
    assert page.locator("table.hit-table a[href^='tel:']").count() == len(hits)

    text = page.locator("main").inner_text()
    department_names = {hit.department_name for hit in hits}
    for signal in Signal.objects.active().filter(address=address).select_related("category"):
        if signal.category.name not in department_names:  # the category "Belastingen" of the department Belastingen
            assert signal.category.name not in text, signal.category.name
        assert signal.details and signal.details not in text
        assert signal.case_reference and signal.case_reference not in text
        for day in (signal.valid_from, signal.valid_until):  # only the month shows ("Sinds"), never a day
            assert formats.date_format(day, "DATE_FORMAT") not in text, day
    result = page.locator("section.signal-result").inner_text()
    for word in ("Toelichting", "Categorie", "Zaaknummer", "Demo-toelichting", "DEMO-"):
        assert word not in result, word


def test_the_handhaver_searches_with_a_purpose_and_sees_departments_and_phone_numbers_never_details(
    page_as, live_server, screenshot
):
    address = _flagged_address(4)
    page = search_as_handhaver(page_as, live_server, address)
    assert "4 afdelingen hebben een actief signaal op dit adres." in page.locator(".hit-banner").inner_text()
    assert_departments_and_phones_only(page, address)
    assert page.locator(".contact-first").count() == 1  # OOV asks to be called first
    screenshot(page)


def test_a_department_officer_places_a_signal_and_reads_the_co_occurrence_notice(page_as, live_server, screenshot):
    from signals.models import Signal

    address = _flagged_address(2)  # Vergunningen and Toezicht en Handhaving (signals/demo.py)
    others = sorted(Signal.objects.active().filter(address=address).values_list("department__name", flat=True))
    assert "Sociale Zaken" not in others
    page = page_as("sociale-zaken")  # officer of Sociale Zaken, with the search role: the notice is a search
    with page.expect_navigation():
        page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Signalen van mijn afdeling").click()
    badge = page.locator(".main-nav .badge-unread")
    unread = int(badge.inner_text().split()[0]) if badge.count() else 0  # the demo's own notices
    with page.expect_navigation():
        page.get_by_role("link", name="Nieuw signaal").click()
    page.get_by_role("combobox", name="Adres").fill(_query(address))
    page.get_by_label("Categorie").select_option(label="Uitkeringsfraude")
    page.get_by_label("Toelichting").fill("Vermoeden van samenwonen; alleen voor Sociale Zaken.")
    page.get_by_label("Zaaknummer").fill("SZ-JOURNEY-1")
    with page.expect_navigation():
        page.get_by_role("button", name="Opslaan").click()
    assert "/signaal/" in page.url
    assert "Het signaal is geplaatst." in page.locator(".messages").inner_text()

    assert int(badge.inner_text().split()[0]) == unread + 1
    with page.expect_navigation():
        page.get_by_role("link", name="Meldingen").first.click()
    subject = f"Samenloop op {address.label}"
    notice = page.locator(".notification-list li.unread").filter(has=page.locator("h2", has_text=subject))
    assert notice.count() == 1
    assert notice.locator("h2").inner_text().endswith(subject)
    body = notice.inner_text()
    for name in [*others, "Sociale Zaken"]:
        assert name in body, (name, body)
    for signal in Signal.objects.active().filter(address=address).exclude(department__name="Sociale Zaken"):
        assert signal.category.name not in body and signal.details not in body and signal.case_reference not in body
    screenshot(page)


def test_the_auditor_finds_who_searched_the_address_and_exports_it(page_as, live_server, screenshot):
    address = _flagged_address(4)
    search_as_handhaver(page_as, live_server, address)

    page = page_as("auditor")
    page.goto(f"{live_server.url}/")
    with page.expect_navigation():
        page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Audittrail").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Wie heeft dit adres bekeken").click()
    page.get_by_role("textbox", name="Adres", exact=True).fill(_query(address))
    with page.expect_navigation():
        page.get_by_role("button", name="Zoek", exact=True).click()
    rows = page.locator("table.audit-table tbody tr").filter(has_text=PURPOSE)
    assert rows.count() == 1
    assert "Henk Handhaver" in rows.first.inner_text() or "handhaver" in rows.first.inner_text()

    with page.expect_navigation():
        page.get_by_role("link", name="Gebeurtenissen").click()
    page.get_by_role("textbox", name="Adres", exact=True).fill(_query(address))
    page.get_by_label("Persoon (gebruikersnaam)").fill("handhaver")
    with page.expect_navigation():
        page.get_by_role("button", name="Filter", exact=True).click()
    assert page.locator("table tbody tr").filter(has_text=PURPOSE).count() >= 1
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporteer als CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("audittrail-") and download.suggested_filename.endswith(".csv")
    content = open(download.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(content), delimiter=";"))
    searches = [row for row in rows if row["actie"] == "address_search" and row["doel"] == PURPOSE]
    assert len(searches) == 1, rows  # (the demo's own placing of a signal there was a search too, on its own ground)
    assert searches[0]["gebruiker"] == "handhaver" and searches[0]["object"] == address.label
    assert all(row["gebruiker"] == "handhaver" for row in rows)
    screenshot(page)
