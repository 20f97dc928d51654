"""The police BVH format on a fixture in its real layout: Windows-1252, semicolons, Dutch dates, RD coordinates;
placed by point in polygon on real Almere buurt shapes."""
import datetime

import pytest
from django.utils import timezone

from dashboards.models import Category, Incident, Rollup, Source
from dashboards.selectors.filters import add_months
from ingest.models import ImportRun

from .conftest import BVH_FIXTURE, bvh_rows, bvh_text, run_file

pytestmark = pytest.mark.django_db


def dutch_day(text):
    """The day of a BVH date/time cell ("20-9-2017 17:30")."""
    return datetime.datetime.strptime(text, "%d-%m-%Y %H:%M").date()


def _incidents():
    return Incident.objects.filter(source__code="politie-bvh")


def test_the_fixture_loads_whole_with_places_categories_and_times(almere, bvh_source):
    run = run_file(bvh_source, BVH_FIXTURE)
    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert (run.rows_read, run.inserted, run.updated, run.unchanged, run.rejected) == (14, 14, 0, 0, 0)
    assert run.report["encoding"] == "Windows-1252" and run.report["delimiter"] == ";"
    first = _incidents().get(buurt__code="BU00340101", category__code="1.1.1")
    burglary = bvh_rows()[0]  # the fixture's first row: A20 in Centrum Haven Noord, begun "20-9-2017 17:30"
    assert burglary[0] == "A20"
    assert first.occurred_on == dutch_day(burglary[8]) and first.occurred_time == datetime.time(17, 30)
    assert first.dagdeel == 2 and first.weekday == 2  # middag, woensdag
    assert first.municipality.code == "GM0034"
    assert first.modus_operandi == "Raam geforceerd" and first.loot == "Sieraden"
    assert 5.2 < first.lon < 5.25 and 52.3 < first.lat < 52.4
    night = _incidents().get(category__code="1.4.5")
    assert night.dagdeel == 0 and night.buurt.code == "BU00340201"
    # each row in the buurt its point lies in (the Pleegbuurt names agree here)
    assert set(_incidents().values_list("buurt__code", flat=True)) >= {"BU00340102", "BU00340401", "BU00340304"}
    assert sum(Rollup.objects.filter(source__code="politie-bvh").values_list("count", flat=True)) == 14


def test_two_identical_rows_are_two_incidents(almere, bvh_source):
    run_file(bvh_source, BVH_FIXTURE)
    bikes = _incidents().filter(category__code="1.2.3", buurt__code="BU00340102")
    assert bikes.count() == 2
    ids = sorted(bikes.values_list("external_id", flat=True))
    assert ids[0].endswith("#1") and ids[1].endswith("#2") and ids[0][:-2] == ids[1][:-2]


def test_repeats_are_numbered_in_line_order_across_batches_and_a_redelivery_matches_them(almere, bvh_source,
                                                                                         tmp_path, monkeypatch):
    """Three identical rows, the third in another batch of the reader and another chunk of the load, are #1, #2, #3
    in the order of the file
    (numbered by the load in the database, not from a memory of the file's fingerprints); delivering the same rows
    again, in another file, changes nothing, and a file with only two of them leaves the third alone."""
    from dashboards.services import facts
    from ingest.formats import format_for

    monkeypatch.setattr(format_for("politie-bvh"), "batch_size", 3)
    monkeypatch.setattr(facts, "LOAD_CHUNK", 2)  # several rounds of database work (on PostgreSQL beside the reading)
    monkeypatch.setattr(facts, "STAGE_BATCH", 1)
    rows = bvh_rows()
    bike = rows[0][:]
    other = [r for r in rows if r != bike][:4]
    delivery = [bike, other[0], bike, other[1], other[2], other[3], bike]
    run = run_file(bvh_source, bvh_text(delivery), tmp_path=tmp_path, name="a.csv")
    assert (run.status, run.inserted, run.rejected) == (ImportRun.Status.SUCCEEDED, 7, 0), run.message
    ids = sorted(_incidents().filter(external_id__endswith=("#3")).values_list("external_id", flat=True))
    assert len(ids) == 1
    base = ids[0][:-1]
    assert _incidents().filter(external_id__startswith=base).count() == 3
    again = run_file(bvh_source, bvh_text([other[3], bike, bike, bike]), tmp_path=tmp_path, name="b.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    fewer = run_file(bvh_source, bvh_text([bike, bike]), tmp_path=tmp_path, name="c.csv")
    assert (fewer.inserted, fewer.updated, fewer.unchanged) == (0, 0, 2)
    assert _incidents().count() == 7


def test_a_registration_number_twice_in_one_file_rejects_the_run(almere, bvh_source, tmp_path):
    row = ["PL0900-2017009", "A20", "Woning", "20-9-2017 17:30", "BU00340303", "", "", "", ""]
    run = run_file(bvh_source, bvh_text([row, row], REG_HEADER), tmp_path=tmp_path)
    assert run.status == ImportRun.Status.REJECTED and "PL0900-2017009" in run.message
    assert not _incidents().exists()


def test_an_unknown_code_is_kept_as_niet_ingedeeld_and_reported(almere, bvh_source):
    run = run_file(bvh_source, BVH_FIXTURE)
    unknown = _incidents().get(buurt__code="BU00340205")
    assert unknown.category.code == "niet-ingedeeld" and unknown.category.kind == Category.Kind.UNCLASSIFIED
    assert any("Z99" in note["text"] and note["count"] == 1 for note in run.report["notes"])


def test_the_same_file_twice_changes_nothing(almere, bvh_source):
    first = run_file(bvh_source, BVH_FIXTURE)
    before = sorted(_incidents().values_list("external_id", "category_id", "buurt_id", "occurred_on"))
    rollups = sorted(Rollup.objects.values_list("buurt_id", "category_id", "month", "dagdeel", "weekday", "count"))
    again = run_file(bvh_source, BVH_FIXTURE)
    assert again.status == ImportRun.Status.SUCCEEDED
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 14)
    assert "al ingelezen op" in again.message and str(first.pk) in again.message
    assert sorted(_incidents().values_list("external_id", "category_id", "buurt_id", "occurred_on")) == before
    assert sorted(Rollup.objects.values_list("buurt_id", "category_id", "month", "dagdeel", "weekday", "count")) == \
        rollups


def test_the_same_rows_saved_again_differently_are_all_unchanged(almere, bvh_source, tmp_path):
    """Another file (UTF-8, LF line ends, columns in another order) with the same rows: read, upserted, unchanged."""
    run_file(bvh_source, BVH_FIXTURE)
    header = BVH_FIXTURE.read_text("cp1252").splitlines()[0].split(";")
    order = list(reversed(range(len(header))))
    text = "\n".join(";".join(cells[i] for i in order) for cells in [header, *bvh_rows()]) + "\n"
    run = run_file(bvh_source, text, tmp_path=tmp_path)
    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert run.report["encoding"] == "UTF-8"
    assert (run.rows_read, run.inserted, run.updated, run.unchanged) == (14, 0, 0, 14)
    assert _incidents().count() == 14


def test_an_overlapping_delivery_updates_rather_than_duplicates(almere, bvh_source, tmp_path):
    rows = bvh_rows()
    run_file(bvh_source, bvh_text(rows[:8]), tmp_path=tmp_path, name="week1.csv")
    later = [list(r) for r in rows[5:]]
    later[0][11] = "Bedreiging met vuurwapen"  # the MO of the overlapping row 6 was corrected
    run = run_file(bvh_source, bvh_text(later), tmp_path=tmp_path, name="week2.csv")
    assert (run.inserted, run.updated, run.unchanged) == (6, 1, 2)
    assert _incidents().count() == 14
    assert _incidents().get(category__code="1.4.6").modus_operandi == "Bedreiging met vuurwapen"


REG_HEADER = "Registratienummer;Incidentsoort code;Incidentsoort;Begin-pleegdatum/tijd;Buurtcode;Pleegpostcode;" \
             "Pleeghuisnummer;X;Y"


def test_registration_numbers_are_the_ids_and_a_redelivery_moves_the_incident(almere, bvh_source, tmp_path):
    this_month = timezone.localdate().replace(day=1)
    first = add_months(this_month, -3).replace(day=20)  # the 20th three months ago, then the 21st of the month after
    corrected = add_months(first, 1).replace(day=21)
    run = run_file(bvh_source, bvh_text([["PL0900-2017001", "A20", "Woning", f"{first:%d-%m-%Y} 17:30", "", "", "",
                                          "143544,4", "483188,2"]], REG_HEADER), tmp_path=tmp_path, name="a.csv")
    assert run.inserted == 1
    assert _incidents().get().external_id == "PL0900-2017001"
    run = run_file(bvh_source, bvh_text([["PL0900-2017001", "A20", "Woning", f"{corrected:%d-%m-%Y} 09:00", "", "",
                                          "", "143407,6", "482966,0"]], REG_HEADER), tmp_path=tmp_path, name="b.csv")
    assert (run.inserted, run.updated) == (0, 1)
    moved = _incidents().get()
    assert moved.occurred_on == corrected and moved.buurt.code == "BU00340102"
    months = set(Rollup.objects.filter(source__code="politie-bvh").values_list("month", flat=True))
    assert months == {corrected.replace(day=1)}  # the first month's rollup went with it


def test_without_a_point_the_buurtcode_then_the_address_places_the_row(almere, bvh_source, tmp_path):
    from areas.models import Address, Buurt

    Address.objects.create(bag_id="0034200000000001", street="Schoolwerf", number=12, postcode="1316AD",
                           city="Almere", buurt=Buurt.objects.get(code="BU00340204"), lon=5.221, lat=52.372)
    rows = [
        ["R1", "A20", "Woning", "20-9-2017 17:30", "BU00340303", "", "", "", ""],
        ["R2", "A20", "Woning", "20-9-2017 17:30", "", "1316 ad", "12a", "", ""],
        ["R3", "A20", "Woning", "20-9-2017 17:30", "", "1316AD", "99", "", ""],
    ]
    run = run_file(bvh_source, bvh_text(rows, REG_HEADER), tmp_path=tmp_path)
    assert run.status == ImportRun.Status.REJECTED  # 1 of 3 not placeable is above 1 %
    assert run.rejected == 1
    assert run.rejected_rows.get().line == 4 and "niet te plaatsen" in run.rejected_rows.get().reason
    bvh_source.reject_threshold = 50
    bvh_source.save()
    run = run_file(bvh_source, bvh_text(rows, REG_HEADER), tmp_path=tmp_path, name="again.csv")
    assert run.status == ImportRun.Status.SUCCEEDED
    assert _incidents().get(external_id="R1").buurt.code == "BU00340303"
    by_address = _incidents().get(external_id="R2")
    assert by_address.buurt.code == "BU00340204" and by_address.address.number == 12 and by_address.lat == 52.372


def test_the_pleegbuurt_name_does_not_place_a_row(almere, bvh_source, tmp_path):
    rows = bvh_rows()
    rows[0][14] = rows[0][15] = ""  # no point; Pleegbuurt still says "Centrum Haven Noord"
    bvh_source.reject_threshold = 10
    bvh_source.save()
    run = run_file(bvh_source, bvh_text(rows), tmp_path=tmp_path)
    assert run.status == ImportRun.Status.SUCCEEDED and run.rejected == 1
    assert "niet te plaatsen" in run.rejected_rows.get().reason


def test_the_facts_go_to_the_source_of_the_import_source(almere, bvh_source):
    run_file(bvh_source, BVH_FIXTURE)
    assert set(Incident.objects.values_list("source__code", flat=True)) == {"politie-bvh"}
    assert Source.objects.get(code="politie-bvh").incidents.filter(import_run__isnull=False).count() == 14


def test_a_redelivery_with_an_extra_empty_column_matches_the_same_incidents(almere, bvh_source, tmp_path):
    run_file(bvh_source, BVH_FIXTURE)
    header = BVH_FIXTURE.read_text("cp1252").splitlines()[0] + ";Buurtcode;Pleeghuisnummer"
    run = run_file(bvh_source, bvh_text([[*r, "", ""] for r in bvh_rows()], header), tmp_path=tmp_path)
    assert (run.inserted, run.updated, run.unchanged) == (0, 0, 14)
