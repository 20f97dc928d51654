"""cbs-kerncijfers: inhabitants (areas.Population) and context figures (areas.AreaIndicator) per buurt per year, from
the simple CBS table and StatLine's TypedDataSet; unknown buurten rejected only where their municipality is loaded."""
import pytest

from areas.models import AreaIndicator, Buurt, Municipality, Population, Wijk
from ingest.formats import Line
from ingest.reading import FileRefused

from .h6_runner import FIXTURES, SHARED, run_file, run_lines

NATIONAL = SHARED / "cbs" / "kerncijfers_85984NED_2024_inwoners_per_buurt.csv"
SIMPLE = FIXTURES / "cbs-kerncijfers_85984NED_2024_inwoners_per_buurt.csv"
TYPED = FIXTURES / "cbs-kerncijfers_85984NED_typed.csv"

pytestmark = pytest.mark.django_db


@pytest.fixture
def almere():
    municipality = Municipality.objects.create(code="GM0034", name="Almere")
    wijken = {code: Wijk.objects.create(code=code, name=code, municipality=municipality)
              for code in ("WK003401", "WK003402")}
    for code in ("BU00340101", "BU00340102", "BU00340201", "BU00340202"):
        Buurt.objects.create(code=code, name=code, wijk=wijken["WK" + code[2:8]], indeling_jaar=2024)
    return municipality


def inhabitants(year=2024):
    return dict(Population.objects.filter(year=year).values_list("buurt__code", "inhabitants"))


def indicators(code):
    return dict(AreaIndicator.objects.filter(buurt__code=code).values_list("code", "value"))


@pytest.mark.skipif(not NATIONAL.exists(), reason="../shared/data is not present")
def test_the_national_file_loads_for_one_municipality_without_rejects():
    """Almere's geography (with its 2024 population from the GeoJSON), then the national table: Almere's figures
    are the same, the other 14,336 buurten are outside the loaded geography (noted, not rejected)."""
    run_file("cbs-gebieden", SHARED / "geo" / "almere_buurten_2024.geojson")
    Population.objects.filter(buurt__code="BU00340101").update(inhabitants=1)
    result = run_file("cbs-kerncijfers", NATIONAL)
    assert result.rejected == []
    assert (result.counts.inserted, result.counts.updated, result.counts.unchanged) == (0, 1, 237)
    assert inhabitants()["BU00340101"] == 795 and len(inhabitants()) == 238
    assert result.ctx.notes == {"buurten buiten de geladen gebieden overgeslagen": 14574 - 238}
    again = run_file("cbs-kerncijfers", NATIONAL)
    assert (again.counts.inserted, again.counts.updated, again.counts.unchanged) == (0, 0, 238)


def test_simple_layout_blank_is_not_published_and_year_from_the_column(almere):
    result = run_file("cbs-kerncijfers", SIMPLE)
    assert result.rejected == []
    assert inhabitants() == {"BU00340101": None, "BU00340102": 965, "BU00340201": 585, "BU00340202": 680}
    assert result.ctx.notes == {"buurten buiten de geladen gebieden overgeslagen": 2}


def test_statline_typed_dataset_with_indicators(almere):
    result = run_file("cbs-kerncijfers", TYPED)  # year from the table id 85984NED in the file name
    reasons = {r.line: r.reason for r in result.rejected}
    assert set(reasons) == {8, 9}
    assert "BU00349999 is onbekend in gemeente GM0034" in reasons[8]
    assert "‘veel’" in reasons[9] and "geen getal" in reasons[9]
    assert result.ctx.notes == {"regels voor land, gemeenten en wijken overgeslagen": 3,
                                "buurten buiten de geladen gebieden overgeslagen": 1}
    assert inhabitants() == {"BU00340101": 795, "BU00340102": 965, "BU00340201": 585}
    assert indicators("BU00340101") == {"huishoudens": 450, "huishoudensgrootte": 1.7, "bevolkingsdichtheid": 4120,
                                        "woningvoorraad": 470, "woz_gemiddeld": 235, "uitkeringen_pct": 13.0}
    assert indicators("BU00340102")["uitkeringen_pct"] == 11.9  # decimal comma
    figures = indicators("BU00340201")
    assert figures["woz_gemiddeld"] is None and figures["uitkeringen_pct"] is None  # blank and "." not published
    assert set(AreaIndicator.objects.values_list("year", flat=True)) == {2024}

    again = run_file("cbs-kerncijfers", TYPED)
    assert again.counts.inserted == 0 and again.counts.updated == 0 and again.counts.unchanged == 3 * 7


def test_perioden_column_gives_the_year_and_a_newer_vintage_updates(almere):
    def load(value):
        return run_lines("cbs-kerncijfers", [[Line(2, {"buurtcode": "BU00340101  ", "perioden": "2023JJ00",
                                                        "inwoners": value, "bevolkingsdichtheid": "1.234,5"})]])

    assert load("700").counts.inserted == 2
    assert inhabitants(2023) == {"BU00340101": 700}
    assert indicators("BU00340101") == {"bevolkingsdichtheid": 1234.5}
    counts = load("710").counts
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 1, 1)
    assert inhabitants(2023) == {"BU00340101": 710}


def test_no_year_anywhere_is_rejected_per_line(almere):
    result = run_lines("cbs-kerncijfers", [[Line(2, {"buurtcode": "BU00340101", "inwoners": "5"})]])
    assert "jaar onbekend" in result.rejected[0].reason


def test_a_file_of_which_no_buurt_is_loaded_is_refused(almere):
    with pytest.raises(FileRefused, match="laad eerst de buurtgrenzen"):
        run_lines("cbs-kerncijfers", [[Line(2, {"buurtcode": "BU16800000", "inwoners_2024": "3455"})]])
    assert not Population.objects.exists()
