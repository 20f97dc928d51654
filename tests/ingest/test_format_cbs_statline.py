"""cbs-statline: CBS/Politie registered crimes (47018NED per year, 47022NED per month) as aggregate counts per
municipality, wijk and buurt; suppressed stays None, a later vintage replaces what it covers."""
from pathlib import Path

import pytest

from areas.models import Buurt, Municipality, Wijk
from dashboards.models import AggregateCount, Category, Source

from .h7_runner import run_format

FIXTURES = Path(__file__).parent / "fixtures"
TYPED = FIXTURES / "cbs-statline_47018NED_typed.csv"
HUMAN = FIXTURES / "cbs-statline_47018NED_human.csv"
SHARED = Path("/work/shared/data/cbs/misdrijven_47018NED_2023_almere.csv")


@pytest.fixture
def almere(db):
    municipality = Municipality.objects.create(code="GM0034", name="Almere")
    wijk = Wijk.objects.create(code="WK003401", name="Almere-Haven", municipality=municipality)
    Buurt.objects.create(code="BU00340101", name="Centrum Haven Noord", wijk=wijk)
    Buurt.objects.create(code="BU00340102", name="Centrum Haven Zuid", wijk=wijk)
    return municipality


def counts(source_code):
    return {
        (c.category.code, c.area_code, c.year, c.month): c.count
        for c in AggregateCount.objects.filter(source__code=source_code).select_related("category")
    }


def test_typed_dataset_mixed_levels_suppressed_and_months(almere):
    result = run_format("cbs-statline", TYPED)
    reasons = {r.line: r.reason for r in result.rejected}
    assert set(reasons) == {12, 13, 16, 17, 18}
    assert "kwartaal" in reasons[12]
    assert "Onbekende soort misdrijf ‘9.9.9’" in reasons[13]
    assert "toekomst" in reasons[16]
    assert "geen CBS-code" in reasons[17]  # a formula is data, and not an area code
    assert "‘=1+1’ is geen getal" in reasons[18]
    yearly = counts("cbs-misdrijven")
    assert yearly == {
        ("0.0.0", "GM0034", 2023, 0): 10234, ("0.0.0", "WK003401", 2023, 0): 812,
        ("0.0.0", "BU00340101", 2023, 0): 101, ("0.0.0", "BU00340102", 2023, 0): 70,
        ("1.1.1", "BU00340101", 2023, 0): 4, ("1.1.1", "BU00340102", 2023, 0): None,
        ("1.2.3", "WK003401", 2023, 0): None, ("1.2.3", "BU00349901", 2023, 0): 7,
    }
    monthly = AggregateCount.objects.filter(source__code="cbs-misdrijven-maand").order_by("month")
    assert [(c.month, c.count, c.provisional) for c in monthly] == [(1, 1, False), (2, 2, True)]
    assert result.counts.inserted == 10
    buurt = AggregateCount.objects.get(area_code="BU00340101", month=0, category__code="0.0.0")
    assert (buurt.level, buurt.buurt.code, buurt.wijk.code, buurt.municipality_id) == (
        "buurt", "BU00340101", "WK003401", almere.pk)
    unknown = AggregateCount.objects.get(area_code="BU00349901")  # a buurt of a later indeling: kept on its code
    assert (unknown.level, unknown.buurt_id, unknown.wijk_id, unknown.municipality_id) == ("buurt", None, None,
                                                                                            almere.pk)
    wijk = AggregateCount.objects.get(area_code="WK003401", category__code="0.0.0")
    assert (wijk.level, wijk.wijk.code, wijk.buurt_id) == ("wijk", "WK003401", None)
    assert AggregateCount.objects.get(area_code="GM0034").level == "gemeente"
    assert Category.objects.get(pk=buurt.category_id).is_total
    assert not AggregateCount.objects.filter(area_code__in=["NL00", "GM0363"]).exists()
    notes = " ".join(result.ctx.notes)
    assert "NL00" in notes and "buiten de geladen gemeenten" in notes


def test_the_same_file_twice_changes_nothing_and_a_newer_vintage_updates(almere):
    run_format("cbs-statline", TYPED)
    again = run_format("cbs-statline", TYPED)
    assert (again.counts.inserted, again.counts.updated, again.counts.unchanged) == (0, 0, 10)
    newer = TYPED.read_text(encoding="utf-8").replace('"2023JJ00";101', '"2023JJ00";99').replace(
        '"BU00340102";"2023JJ00";\n', '"BU00340102";"2023JJ00";3\n').replace('"2024MM02*";2', '"2024MM02";2')
    result = run_format("cbs-statline", newer)
    assert (result.counts.inserted, result.counts.updated, result.counts.unchanged) == (0, 3, 7)
    yearly = counts("cbs-misdrijven")
    assert yearly[("0.0.0", "BU00340101", 2023, 0)] == 99
    assert yearly[("1.1.1", "BU00340102", 2023, 0)] == 3  # the suppressed figure is now published
    assert not AggregateCount.objects.get(source__code="cbs-misdrijven-maand", month=2).provisional


def test_suppressed_stays_none_and_dash_is_zero(almere):
    text = ("ID;SoortMisdrijf;WijkenEnBuurten;Perioden;GeregistreerdeMisdrijven_1;Status\n"
            "1;0.0.0;BU00340101;2023JJ00;x;\n2;0.0.0;BU00340102;2023JJ00;-;Voorlopig\n")
    result = run_format("cbs-statline", text)
    assert result.rejected == []
    assert counts("cbs-misdrijven") == {("0.0.0", "BU00340101", 2023, 0): None, ("0.0.0", "BU00340102", 2023, 0): 0}
    assert AggregateCount.objects.get(area_code="BU00340102").provisional


def test_without_geography_every_area_is_kept_on_its_code(db):
    result = run_format("cbs-statline", TYPED)
    assert len(result.rejected) == 5
    gm = AggregateCount.objects.get(area_code="GM0363")
    assert (gm.level, gm.municipality_id) == ("gemeente", None)


def test_a_facts_source_of_month_granularity_takes_the_months(almere):
    Source.objects.create(code="cbs-maand-eigen", name="Eigen", attribution="CBS", granularity="month")
    run_format("cbs-statline", TYPED, facts_source="cbs-maand-eigen")
    assert AggregateCount.objects.filter(source__code="cbs-maand-eigen").count() == 2
    assert AggregateCount.objects.filter(source__code="cbs-misdrijven").count() == 8


def test_human_csv_export(almere):
    result = run_format("cbs-statline", HUMAN)
    assert [r.line for r in result.rejected] == [5]
    assert counts("cbs-misdrijven") == {("0.0.0", "GM0034", 2023, 0): 10234, ("1.1.1", "BU00340101", 2023, 0): 4}
    month = AggregateCount.objects.get(source__code="cbs-misdrijven-maand")
    assert (month.area_code, month.year, month.month, month.count, month.provisional) == (
        "BU00340102", 2024, 1, 3, True)


@pytest.mark.skipif(not SHARED.exists(), reason="the shared example is not on this machine")
def test_the_shared_almere_example(db):
    from areas.demo import seed_geography

    seed_geography()
    result = run_format("cbs-statline", SHARED, batch_size=100)
    assert result.rejected == []
    loaded = AggregateCount.objects.filter(source__code="cbs-misdrijven", year=2023, month=0)
    assert loaded.count() == 238
    assert not loaded.filter(buurt=None).exists()
    assert loaded.get(area_code="BU00340101").count == 101


def test_through_the_import_run(almere, settings, tmp_path):
    from .h7_runner import run_through_service

    settings.INGEST_UPLOAD_DIR = tmp_path

    run = run_through_service(format_code="cbs-statline", facts_source="cbs-misdrijven", path=TYPED)
    assert (run.status, run.rows_read, run.inserted, run.rejected) == ("succeeded", 17, 10, 5)
    assert sorted(run.rejected_rows.values_list("line", flat=True)) == [12, 13, 16, 17, 18]
    strict = run_through_service(format_code="cbs-statline", facts_source="cbs-misdrijven", path=HUMAN, threshold=1,
                                 code="strict")
    assert strict.status == "rejected"  # one line in five is above 1%: nothing of it stored
    assert not AggregateCount.objects.filter(source__code="cbs-misdrijven-maand", year=2024, month=1,
                                             area_code="BU00340102").exists()
