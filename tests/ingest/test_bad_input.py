"""The bad-input suite: each bad delivery gets a clear Dutch message and leaves the stored data as it was."""
import os

import pytest

from audit.models import AccessEvent
from dashboards.models import Incident, Rollup
from ingest.models import ImportRun

from .conftest import BVH_FIXTURE, bvh_rows, bvh_text, run_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(almere, bvh_source):
    """The fixture is loaded first, so "unchanged" is checked against real data."""
    run_file(bvh_source, BVH_FIXTURE)
    return _state()


def _state():
    return (sorted(Incident.objects.values_list("external_id", "category_id", "buurt_id", "occurred_on",
                                                "modus_operandi")),
            sorted(Rollup.objects.values_list("buurt_id", "category_id", "month", "dagdeel", "weekday", "count")))


def _refused(run, *fragments, status=ImportRun.Status.REJECTED):
    assert run.status == status, run.message
    for fragment in fragments:
        assert fragment in run.message, run.message
    assert (run.inserted, run.updated, run.unchanged) == (0, 0, 0)
    assert AccessEvent.objects.filter(action=AccessEvent.Action.IMPORT, object_id=str(run.pk)).count() == 1
    return run


def test_an_empty_file(loaded, bvh_source, tmp_path):
    _refused(run_file(bvh_source, b"", tmp_path=tmp_path), "Het bestand is leeg")
    _refused(run_file(bvh_source, b"\r\n  \r\n", tmp_path=tmp_path, name="leeg2.csv"), "Het bestand is leeg")
    assert _state() == loaded


def test_a_header_only(loaded, bvh_source, tmp_path):
    _refused(run_file(bvh_source, bvh_text([]), tmp_path=tmp_path), "geen gegevensregels")
    assert _state() == loaded


def test_missing_required_columns_are_named(loaded, bvh_source, tmp_path):
    run = run_file(bvh_source, "Incidentsoort;Pleegplaats;X;Y\nDiefstal;Almere;1;2\n", tmp_path=tmp_path)
    _refused(run, "Verplichte kolommen ontbreken", "Incidentsoort code", "Begin-pleegdatum/tijd")
    assert _state() == loaded


def test_a_wrong_delimiter_in_the_data_lines(loaded, bvh_source, tmp_path):
    rows = [",".join(r) for r in bvh_rows()]
    header = BVH_FIXTURE.read_text("cp1252").splitlines()[0]
    run = run_file(bvh_source, "\n".join([header, *rows]) + "\n", tmp_path=tmp_path)
    _refused(run, "14 van de 14 regels", "afgekeurd")
    assert "verkeerd scheidingsteken" in run.rejected_rows.first().reason
    assert _state() == loaded


def test_a_file_without_a_known_delimiter(loaded, bvh_source, tmp_path):
    run = run_file(bvh_source, "Incidentsoort code Begin-pleegdatum/tijd\nA20 20-9-2017\n", tmp_path=tmp_path)
    _refused(run, "Verplichte kolommen ontbreken", "scheidingsteken")
    assert _state() == loaded


def test_binary_garbage(loaded, bvh_source, tmp_path):
    _refused(run_file(bvh_source, os.urandom(20_000), tmp_path=tmp_path, name="x.csv"), "geen tekstbestand")
    _refused(run_file(bvh_source, b"\x89PNG\r\n\x1a\n" + os.urandom(5000), tmp_path=tmp_path, name="y.csv"),
             "geen tekstbestand")
    assert _state() == loaded


def test_a_50_mb_single_line_is_refused_without_reading_it_whole(loaded, bvh_source, tmp_path):
    path = tmp_path / "een-regel.csv"
    with path.open("wb") as handle:
        handle.write(BVH_FIXTURE.read_bytes().splitlines()[0] + b"\r\n")
        chunk = b"A20;" * 256 * 1024
        for _ in range(50):
            handle.write(chunk)
    assert path.stat().st_size > 50 * 1024 * 1024
    run = _refused(run_file(bvh_source, path), "Regel 2 is langer dan 1 MB")
    assert run.size == path.stat().st_size
    assert _state() == loaded


def test_a_50_mb_header_line(loaded, bvh_source, tmp_path):
    path = tmp_path / "kop.csv"
    with path.open("wb") as handle:
        for _ in range(50):
            handle.write(b"Kolom;" * 180_000)
    _refused(run_file(bvh_source, path), "Regel 1 is langer dan 1 MB")
    assert _state() == loaded


def test_duplicate_ids_in_one_file(loaded, bvh_source, tmp_path):
    header = "Registratienummer;Incidentsoort code;Begin-pleegdatum/tijd;X;Y"
    rows = [["PL1", "A20", "20-9-2017 17:30", "143544,4", "483188,2"],
            ["PL2", "A20", "21-9-2017 17:30", "143544,4", "483188,2"],
            ["PL1", "A73", "22-9-2017 17:30", "143407,6", "482966,0"]]
    _refused(run_file(bvh_source, bvh_text(rows, header), tmp_path=tmp_path), "dubbele id", "PL1")
    assert _state() == loaded


def test_dates_in_the_future(loaded, bvh_source, tmp_path):
    rows = bvh_rows()
    rows[3][8] = "1-1-2099 10:00"
    run = _refused(run_file(bvh_source, bvh_text(rows), tmp_path=tmp_path), "1 van de 14 regels", "1%")
    rejected = run.rejected_rows.get()
    assert rejected.line == 5 and "toekomst" in rejected.reason and "01-01-2099" in rejected.reason
    assert _state() == loaded


def test_unreadable_dates(loaded, bvh_source, tmp_path):
    rows = bvh_rows()
    rows[0][8] = "31-02-2017 10:00"
    rows[1][8] = "gisteren"
    run = _refused(run_file(bvh_source, bvh_text(rows), tmp_path=tmp_path))
    assert [r.reason.split(":")[0] for r in run.rejected_rows.all()] == ["onleesbare datum"] * 2
    assert _state() == loaded


def test_coordinates_outside_the_netherlands(loaded, bvh_source, tmp_path):
    rows = bvh_rows()
    rows[2][14], rows[2][15] = "652000", "5800000"
    rows[4][14], rows[4][15] = "5,2193", "52,3381"  # WGS84 in the RD columns
    run = _refused(run_file(bvh_source, bvh_text(rows), tmp_path=tmp_path))
    assert all("buiten Nederland" in r.reason for r in run.rejected_rows.all()) and run.rejected == 2
    assert _state() == loaded


def test_unknown_buurtcodes(loaded, bvh_source, tmp_path):
    header = "Registratienummer;Incidentsoort code;Begin-pleegdatum/tijd;Buurtcode"
    rows = [["PL1", "A20", "20-9-2017 17:30", "BU00340101"], ["PL2", "A20", "20-9-2017 17:30", "BU99999999"]]
    run = _refused(run_file(bvh_source, bvh_text(rows, header), tmp_path=tmp_path))
    assert run.rejected_rows.get().reason == "onbekende buurtcode: BU99999999"
    assert _state() == loaded


def test_cells_starting_with_formula_characters_are_data(almere, bvh_source, steward, client, tmp_path):
    from tests.factories import login

    rows = bvh_rows()
    rows[0][11] = '=HYPERLINK("http://evil.example","klik")'
    rows[1][12] = "+31 6 1234"
    rows[2][11] = "@SUM(A1)"
    rows[3][0], rows[3][8] = "=cmd|' /C calc'!A0", "nooit"  # rejected; its excerpt is exported safely
    bvh_source.reject_threshold = 10
    bvh_source.save()
    run = run_file(bvh_source, bvh_text(rows), tmp_path=tmp_path)
    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    stored = set(Incident.objects.values_list("modus_operandi", "loot"))
    assert ('=HYPERLINK("http://evil.example","klik")', "Sieraden") in stored
    assert ("Slot geknipt", "+31 6 1234") in stored and ("@SUM(A1)", "Fiets") in stored
    login(client, steward)
    body = b"".join(client.get(f"/gegevens/leveringen/{run.pk}/afgekeurd.csv").streaming_content).decode("utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in body.replace('""', '"')
    assert "\n=" not in body and ";=" not in body and '"=' not in body


def test_mixed_encodings(loaded, bvh_source, tmp_path):
    header = BVH_FIXTURE.read_text("cp1252").splitlines()[0]
    rows = bvh_rows()
    utf8 = "\r\n".join([header, *(";".join(r) for r in rows[:-1])]).encode("utf-8") + b"\r\n"
    cp1252 = ";".join(rows[-1]).encode("cp1252") + b"\r\n"  # "Überweg" as Windows-1252
    _refused(run_file(bvh_source, utf8 + cp1252, tmp_path=tmp_path), "gemengde tekencoderingen",
              "regel 13 is UTF-8, regel 15 is Windows-1252")
    # and the other way round: a Windows-1252 file with a UTF-8 line
    text = BVH_FIXTURE.read_bytes() + ";".join(rows[11]).encode("utf-8") + b"\r\n"
    _refused(run_file(bvh_source, text, tmp_path=tmp_path, name="b.csv"), "gemengde tekencoderingen",
             "regel 13 is Windows-1252, regel 16 is UTF-8")
    assert _state() == loaded


def test_utf8_with_bom_and_utf16_are_read(almere, bvh_source, tmp_path):
    text = BVH_FIXTURE.read_text("cp1252")
    run = run_file(bvh_source, "\ufeff" + text, tmp_path=tmp_path, name="bom.csv")
    assert run.status == ImportRun.Status.SUCCEEDED and run.report["encoding"] == "UTF-8 (met BOM)"
    run = run_file(bvh_source, text.replace(";", "\t").encode("utf-16"), tmp_path=tmp_path, name="u16.txt")
    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert run.report["encoding"] == "UTF-16" and run.report["delimiter"] == "tab"
    assert run.unchanged == 14


def test_a_quoted_field_that_never_ends(loaded, bvh_source, tmp_path):
    rows = bvh_rows()
    text = bvh_text(rows[:2]) + '"A20;' + "x" * 200_000 + "\r\n" * 3
    _refused(run_file(bvh_source, text, tmp_path=tmp_path), "niet te lezen")
    assert _state() == loaded
