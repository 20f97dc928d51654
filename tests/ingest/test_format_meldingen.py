"""meldingen: a Signalen-like export of municipal reports as incidents of the source `meldingen`, placed by point
(WGS84, RD or a PostGIS point), else by address, else by buurtcode; categories mapped onto the municipal ones."""
import datetime
from pathlib import Path

import pytest

from dashboards.models import Dagdeel, Incident, Rollup
from ingest.formats.meldingen import geometry_point, local_datetime

from .h7_runner import make_geography, run_format

FIXTURES = Path(__file__).parent / "fixtures"
TDO = FIXTURES / "meldingen_signalen_tdo.csv"
EXCEL = FIXTURES / "meldingen_excel_cp1252.csv"


@pytest.fixture
def places(db):
    return make_geography()


def utc_day(path, row_id):
    """The calendar day (UTC) of a fixture row's created_at, as the export writes it."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{row_id},"):
            return datetime.date.fromisoformat(line.split(",")[1][:10])
    raise LookupError(row_id)


def incidents():
    return {i.external_id: i for i in Incident.objects.filter(source__code="meldingen").select_related("category")}


def test_signalen_export_with_points(places):
    result = run_format("meldingen", TDO)
    reasons = {r.line: r.reason for r in result.rejected}
    assert set(reasons) == {5, 6, 7, 9, 10}
    assert "geen van de geladen buurten" in reasons[5]
    assert "toekomst" in reasons[6]
    assert "komt al voor op regel 2" in reasons[7]
    assert "geen punt" in reasons[9]  # a formula is text, and no point
    assert "‘gisteren’ is niet te lezen" in reasons[10]
    found = incidents()
    assert set(found) == {"1001", "1002", "1003", "1006"}
    jeugd = found["1001"]
    assert (jeugd.category.code, jeugd.buurt_id, jeugd.municipality_id) == (
        "meldingen/overlast-jeugd", places.a.pk, places.municipality.pk)
    assert (jeugd.occurred_on, jeugd.occurred_time, jeugd.dagdeel) == (
        utc_day(TDO, 1001), datetime.time(14, 22, 10), Dagdeel.MIDDAG)  # 13:22 UTC is 14:22 in Almere
    night = found["1002"]  # 22:30 UTC on Monday 1 July is 00:30 on Tuesday 2 July in the Netherlands
    assert utc_day(TDO, 1002).weekday() == 0
    assert (night.occurred_on, night.dagdeel, night.weekday, night.buurt_id) == (
        utc_day(TDO, 1002) + datetime.timedelta(days=1), Dagdeel.NACHT, 1, places.b.pk)
    assert (found["1003"].category.code, found["1003"].buurt_id) == ("meldingen/verlichting", places.b.pk)
    assert (found["1003"].lon, found["1003"].lat) == (5.15, 52.02)
    assert found["1006"].category.code == "meldingen/overig"
    assert any("wonen / woningdelen-splitsen" in note for note in result.ctx.notes)
    assert Rollup.objects.filter(source__code="meldingen").count() == 4


def test_excel_export_in_windows_1252_with_rd_and_addresses(places):
    result = run_format("meldingen", EXCEL)
    reasons = {r.line: r.reason for r in result.rejected}
    assert set(reasons) == {5, 6, 7, 9}
    assert "niet gevonden" in reasons[5]
    assert "buiten Nederland" in reasons[6]
    assert "geen coördinaten, adres of buurtcode" in reasons[7]
    assert "9901AA 14B" in reasons[9]
    found = incidents()
    assert (found["M-2024-1"].buurt_id, found["M-2024-1"].category.code) == (places.a.pk, "meldingen/overlast-jeugd")
    assert found["M-2024-1"].address_id is None
    grofvuil = found["M-2024-2"]
    assert (grofvuil.buurt_id, grofvuil.address.bag_id, grofvuil.lon, grofvuil.dagdeel) == (
        places.a.pk, "0999200000000012", 5.04, Dagdeel.AVOND)
    lamp = found["M-2024-3"]  # the address has no buurt of its own: its point decides
    assert (lamp.buurt_id, lamp.category.code, lamp.dagdeel, lamp.occurred_time) == (
        places.b.pk, "meldingen/verlichting", Dagdeel.ONBEKEND, None)
    assert found["M-2024-7"].address.bag_id == "0999200000000014"  # 14 means 14, not 14A
    assert not Incident.objects.filter(modus_operandi__contains="Jansen").exists()


def test_the_same_file_twice_changes_nothing_and_a_correction_updates(places):
    first = run_format("meldingen", TDO)
    assert first.counts.inserted == 4
    again = run_format("meldingen", TDO)
    assert (again.counts.inserted, again.counts.updated, again.counts.unchanged) == (0, 0, 4)
    corrected = TDO.read_text(encoding="utf-8").replace("afval,grofvuil\n1003", "afval,zwerfafval\n1003").replace(
        "SRID=4326;POINT (5.05 52.05),m,wonen", "SRID=4326;POINT (5.15 52.05),m,wonen")
    result = run_format("meldingen", corrected)
    assert (result.counts.inserted, result.counts.updated, result.counts.unchanged) == (0, 1, 3)
    assert incidents()["1006"].buurt_id == places.b.pk


def test_buurtcode_places_what_has_no_point_and_categories_are_configurable(places, settings):
    settings.INGEST_MELDINGEN_CATEGORIES = {("Wonen", "Woningdelen / splitsen"): "meldingen/overlast-personen"}
    text = ("id;created_at;category;subcategory;buurtcode;lat;lon\n"
            "a;2024-03-05T10:00:00;Wonen;Woningdelen / splitsen;BU99010102;;\n"
            "b;2024-03-05T10:00:00;Afval;;BU99999999;;\n"
            "c;2024-03-05T10:00:00;Afval;;;5,05;52,05\n")
    result = run_format("meldingen", text)
    assert [(r.line, "BU99999999" in r.reason) for r in result.rejected] == [(3, True)]
    found = incidents()
    assert (found["a"].buurt_id, found["a"].category.code) == (places.b.pk, "meldingen/overlast-personen")
    assert found["c"].buurt_id == places.a.pk  # lat and lon swapped: read the right way round, with a note
    assert any("omgewisseld" in note for note in result.ctx.notes)


def test_many_rows_are_placed_in_batches(places):
    lines = ["id,created_at,category,lat,lon"]
    for n in range(3000):
        lines.append(f"{n},2024-0{1 + n % 9}-1{n % 10}T0{n % 10}:15:00+01:00,Afval,52.0{n % 9 + 1},5.{n % 2}5")
    result = run_format("meldingen", "\n".join(lines) + "\n", batch_size=1000)
    assert result.rejected == []
    assert result.counts.inserted == 3000
    assert Incident.objects.filter(buurt=places.b).count() == 1500


def test_value_readers():
    # 01:30 UTC on the night summer time ends is 02:30 winter time (not 03:30); a Dutch date is that same day
    stamp = "2024-10-27T01:30:00Z"
    day = datetime.date.fromisoformat(stamp[:10])
    assert local_datetime(stamp) == (day, datetime.time(2, 30))
    assert local_datetime(f"{day.day}-{day.month}-{day.year}") == (day, None)
    assert geometry_point("SRID=28992;POINT(131869 451352)") == (28992, 131869.0, 451352.0)
    assert geometry_point("POINT Z (5.1 52.1 0)") == (None, 5.1, 52.1)
    assert geometry_point("=1+1") is None


def test_through_the_import_run(places, settings, tmp_path):
    from .h7_runner import run_through_service

    settings.INGEST_UPLOAD_DIR = tmp_path

    run = run_through_service(format_code="meldingen", facts_source="meldingen", path=EXCEL)
    assert (run.status, run.rows_read, run.inserted, run.rejected) == ("succeeded", 8, 4, 4)
    assert Incident.objects.filter(source__code="meldingen", import_run=run.pk).count() == 4
