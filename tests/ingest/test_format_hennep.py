"""hennep: clearings at address level into the restricted source `hennep`; the address must resolve to a loaded BAG
address, the property type is normalised, no reporter is stored, identical clearings without a number stay apart."""
import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from dashboards.models import Dagdeel, Incident
from ingest.formats.hennep import plants, property_type

from .h7_runner import make_geography, run_format

FIXTURES = Path(__file__).parent / "fixtures"
REGISTER = FIXTURES / "hennep_register.csv"
BAG = FIXTURES / "hennep_bag.csv"


@pytest.fixture
def places(db):
    return make_geography()


def clearings():
    return {i.external_id: i for i in Incident.objects.filter(source__code="hennep").select_related("address")}


def test_register_with_postcode_and_number(places):
    result = run_format("hennep", REGISTER)
    reasons = {r.line: r.reason for r in result.rejected}
    assert set(reasons) == {5, 6, 7, 8}
    assert "niet gevonden" in reasons[5]
    assert "HR-2024-001’ komt al voor op regel 2" in reasons[6]
    assert "toekomst" in reasons[7]
    assert "Adres ontbreekt" in reasons[8]
    found = clearings()
    assert set(found) == {"HR-2024-001", "HR-2024-002", "HR-2024-003", "HR-2024-007", "HR-2024-008"}
    first = found["HR-2024-001"]
    assert (first.buurt_id, first.address.bag_id, first.property_type, first.quantity, first.dagdeel) == (
        places.a.pk, "0999200000000012", "eengezinswoning", 300, Dagdeel.ONBEKEND)
    assert (first.category.code, first.municipality_id, first.lon, first.lat) == (
        "hennep", places.municipality.pk, 5.04, 52.04)
    shed = found["HR-2024-002"]  # an address without buurt: its point decides
    assert (shed.buurt_id, shed.property_type, shed.quantity, shed.occurred_time, shed.dagdeel) == (
        places.b.pk, "schuur", 1200, datetime.time(10, 30), Dagdeel.OCHTEND)
    assert (found["HR-2024-003"].address.bag_id, found["HR-2024-003"].property_type) == ("0999200000000015", "flat")
    formula = found["HR-2024-007"]  # a formula is text: no number of plants, an unknown type is overig
    assert (formula.property_type, formula.quantity) == ("overig", None)
    assert (found["HR-2024-008"].address.bag_id, found["HR-2024-008"].property_type, found["HR-2024-008"].quantity) == (
        "0999200000000014", "eengezinswoning", 40)
    notes = " ".join(result.ctx.notes)
    assert "Kippenhok" in notes and "=SUM(A1:A3)" in notes
    stored = " ".join(str(v) for i in Incident.objects.values_list() for v in i)
    assert "Politie" not in stored and "Woningcorporatie" not in stored and "Anoniem" not in stored


def test_bag_ids_and_identical_clearings_without_a_number(places):
    result = run_format("hennep", BAG)
    assert [(r.line, "niet bekend" in r.reason) for r in result.rejected] == [(4, True)]
    found = clearings()
    assert len(found) == 2  # two identical lines are two clearings
    assert {i.external_id.rsplit(":", 1)[1] for i in found.values()} == {"1", "2"}
    assert {(i.buurt_id, i.property_type, i.quantity) for i in found.values()} == {
        (places.b.pk, "eengezinswoning", 150)}
    again = run_format("hennep", BAG)
    assert (again.counts.inserted, again.counts.updated, again.counts.unchanged) == (0, 0, 2)


def test_a_redelivery_updates_what_changed(places):
    run_format("hennep", REGISTER)
    corrected = REGISTER.read_text(encoding="utf-8").replace(";Galerijflat;85;", ";Galerijflat;95;")
    result = run_format("hennep", corrected)
    assert (result.counts.inserted, result.counts.updated, result.counts.unchanged) == (0, 1, 4)
    assert clearings()["HR-2024-003"].quantity == 95


def test_property_types_and_plants():
    assert property_type("Eengezins-woning") == ("eengezinswoning", True)
    assert property_type("2-onder-1-kap") == ("eengezinswoning", True)
    assert property_type("APPARTEMENT (3e etage)") == ("flat", True)
    assert property_type("Loods") == ("bedrijfspand", True)
    assert property_type("") == ("", True)
    assert property_type("Kippenhok") == ("overig", False)
    assert [plants(t) for t in ("ca. 300", "1.200", "40 stekken", "", "onbekend", "200-300", "=1+1")] == [
        300, 1200, 40, None, None, None, None]


def test_through_the_import_run(places, settings, tmp_path):
    from .h7_runner import run_through_service

    settings.INGEST_UPLOAD_DIR = tmp_path

    run = run_through_service(format_code="hennep", facts_source="hennep", path=REGISTER)
    assert (run.status, run.rows_read, run.inserted, run.rejected) == ("succeeded", 9, 5, 4)
    reasons = dict(run.rejected_rows.values_list("line", "reason"))
    assert "Adres ontbreekt" in reasons[8]


def test_an_excel_register(places, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Zaaknummer", "Datum ruiming", "Tijdstip", "Postcode", "Huisnummer", "Huisletter", "Soort pand",
                  "Aantal planten", "Melder"])
    today = timezone.localdate()
    cleared = datetime.datetime.combine(today - datetime.timedelta(days=30), datetime.time())  # a date cell
    sheet.append(["Z-1", cleared, datetime.time(14, 5), "9901AA", 14, "A", "Maisonnette", 120, "Politie"])
    sheet.append(["Z-2", cleared + datetime.timedelta(days=1), None, "9901AB", 5, None, "Bedrijfsunit", "=A1*2",
                  "Politie"])
    path = tmp_path / "hennep.xlsx"
    book.save(path)
    result = run_format("hennep", path, today=today)
    assert result.rejected == []
    found = clearings()
    assert (found["Z-1"].occurred_on, found["Z-2"].occurred_on) == (cleared.date(), cleared.date() + datetime.timedelta(days=1))
    assert (found["Z-1"].address.bag_id, found["Z-1"].occurred_time, found["Z-1"].dagdeel, found["Z-1"].quantity,
            found["Z-1"].property_type) == ("0999200000000015", datetime.time(14, 5), Dagdeel.MIDDAG, 120, "flat")
    assert (found["Z-2"].buurt_id, found["Z-2"].dagdeel, found["Z-2"].quantity, found["Z-2"].property_type) == (
        places.b.pk, Dagdeel.ONBEKEND, None, "bedrijfspand")
