"""cbs-gebieden: CBS wijk- en buurtkaart GeoJSON (old and new attribute names, RD or WGS84, buurten or wijken);
older indelingen keep their own boundaries; re-loading changes nothing."""
import json

import pytest

from areas.models import Buurt, BuurtBoundary, Municipality, Population, Wijk, WijkBoundary
from areas.services import AreaFeature
from ingest.formats import Line, format_for
from ingest.formats.cbs_gebieden import GeoJsonStream
from ingest.geo import BuurtLocator
from ingest.reading import FileRefused

from .h6_runner import FIXTURES, SHARED, run_file, run_lines

ALMERE = SHARED / "geo" / "almere_buurten_2024.geojson"
GRONINGEN_BUURTEN = SHARED / "geo" / "groningen_buurten_2017.geojson"
GRONINGEN_WIJKEN = SHARED / "geo" / "groningen_wijken_2017.geojson"
WIJKEN_2024 = SHARED / "geo" / "wijken_2024_almere_enschede_eindhoven_tilburg.geojson"
RD_FIXTURE = FIXTURES / "cbs-gebieden_groningen_buurten_2017_rd.geojson"
WIJKEN_FIXTURE = FIXTURES / "cbs-gebieden_almere_wijken_2024.geojson"

needs_shared = pytest.mark.skipif(not ALMERE.exists(), reason="../shared/data is not present")
pytestmark = pytest.mark.django_db


def square(lon, lat, size=0.01):
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size],
                                                 [lon, lat + size], [lon, lat]]]}


def feature_line(number, properties, geometry):
    return Line(number, {"properties": properties, "geometry": geometry, "members": {}})


def write(tmp_path, name, collection):
    path = tmp_path / name
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path


@needs_shared
def test_almere_2024_new_names_with_population_then_reload_changes_nothing():
    first = run_file("cbs-gebieden", ALMERE)
    assert (first.counts.inserted, first.counts.updated, first.counts.unchanged) == (238, 0, 0)
    assert first.rejected == []
    buurt = Buurt.objects.select_related("wijk__municipality").get(code="BU00340101")
    assert (buurt.name, buurt.wijk.code, buurt.wijk.municipality.name, buurt.indeling_jaar) == (
        "Centrum Haven Noord", "WK003401", "Almere", 2024)
    assert buurt.wijk.name == "WK003401"  # named by its code until a wijken file names it
    assert Population.objects.get(buurt=buurt, year=2024).inhabitants == 795
    assert BuurtBoundary.objects.get(buurt=buurt, year=2024).geometry == buurt.geometry

    again = run_file("cbs-gebieden", ALMERE)
    assert (again.counts.inserted, again.counts.updated, again.counts.unchanged) == (0, 0, 238)


@needs_shared
def test_groningen_2017_old_names_and_its_wijken_file():
    buurten = run_file("cbs-gebieden", GRONINGEN_BUURTEN)  # year from the file's name member / file name
    assert buurten.counts.inserted == 108 and buurten.rejected == []
    assert Buurt.objects.get(code="BU00140000").indeling_jaar == 2017
    assert Population.objects.get(buurt__code="BU00140000", year=2017).inhabitants == 4440
    assert Municipality.objects.get(code="GM0014").name == "Groningen"

    wijken = run_file("cbs-gebieden", GRONINGEN_WIJKEN)
    assert wijken.counts.inserted == 15 and wijken.rejected == []
    centrum = Wijk.objects.get(code="WK001400")
    assert centrum.name == "Centrum" and centrum.geometry["type"] == "Polygon"
    assert WijkBoundary.objects.filter(wijk=centrum, year=2017).exists()
    assert Wijk.objects.filter(municipality__code="GM0014").count() == 15

    buurten_again = run_file("cbs-gebieden", GRONINGEN_BUURTEN)  # a buurten file does not undo the wijk names
    assert buurten_again.counts.unchanged == 108
    assert Wijk.objects.get(code="WK001400").name == "Centrum"


@needs_shared
def test_wijken_of_four_municipalities_metadata_year():
    result = run_file("cbs-gebieden", WIJKEN_2024)
    assert result.counts.inserted == 161 and result.rejected == []
    assert set(Municipality.objects.values_list("name", flat=True)) == {"Almere", "Enschede", "Eindhoven", "Tilburg"}
    assert WijkBoundary.objects.filter(year=2024).count() == 161
    assert run_file("cbs-gebieden", WIJKEN_2024).counts.unchanged == 161


def test_rd_fixture_is_transformed_to_wgs84_and_secret_inhabitants_stay_unknown():
    result = run_file("cbs-gebieden", RD_FIXTURE)
    assert result.counts.inserted == 4 and result.rejected == []
    lon, lat = Buurt.objects.get(code="BU00140000").geometry["coordinates"][0][0]
    assert 6.55 < lon < 6.58 and 53.21 < lat < 53.23  # Groningen's Binnenstad-Noord
    assert Population.objects.get(buurt__code="BU00140003", year=2017).inhabitants is None
    assert result.ctx.notes == {"inwoners geheim of onbekend (-99999999)": 1}


@needs_shared
def test_rd_and_wgs84_files_give_the_same_place(tmp_path):
    """The RD fixture is made from the shared WGS84 file (simplified by about 20 m): the first corner comes back."""
    run_file("cbs-gebieden", RD_FIXTURE)
    original = json.loads(GRONINGEN_BUURTEN.read_text())["features"][0]["geometry"]["coordinates"][0][0]
    lon, lat = Buurt.objects.get(code="BU00140000").geometry["coordinates"][0][0]
    assert abs(lon - original[0]) < 1e-5 and abs(lat - original[1]) < 1e-5


def test_rd_detected_from_the_coordinates_without_crs_member(tmp_path):
    collection = json.loads(RD_FIXTURE.read_text())
    del collection["crs"]
    result = run_file("cbs-gebieden", write(tmp_path, "buurten_2017.geojson", collection))
    assert result.counts.inserted == 4
    lon, _lat = Buurt.objects.get(code="BU00140000").geometry["coordinates"][0][0]
    assert 6.55 < lon < 6.58


def test_old_and_new_attribute_names_give_the_same_buurt():
    fmt = format_for("cbs-gebieden")
    old = {"BU_CODE": "BU00140000", "BU_NAAM": "Binnenstad-Noord", "WK_CODE": "WK001400", "GM_CODE": "GM0014",
           "GM_NAAM": "Groningen", "AANT_INW": 4440}
    new = {"buurtcode": "BU00140000", "buurtnaam": "Binnenstad-Noord", "wijkcode": "WK001400",
           "gemeentecode": "GM0014", "gemeentenaam": "Groningen", "aantalInwoners": 4440}
    from ingest.formats import RunContext

    ctx = RunContext(source=None, state={"indeling_jaar": 2017})
    fmt.begin(ctx)
    a, b = (list(fmt.convert([feature_line(1, props, square(6.56, 53.21))], ctx))[0] for props in (old, new))
    assert isinstance(a, AreaFeature) and a == b
    assert (a.level, a.code, a.wijk_code, a.municipality_code, a.year, a.inhabitants, a.population_year) == (
        "buurt", "BU00140000", "WK001400", "GM0014", 2017, 4440, 2017)


def test_the_newer_secret_codes_are_unknown_too():
    result = run_lines("cbs-gebieden", [[
        feature_line(1, {"buurtcode": "BU99010101", "jaar": 2023, "aantalInwoners": -99997}, square(5.0, 52.0)),
        feature_line(2, {"buurtcode": "BU99010102", "jaar": 2023, "aantalInwoners": -99995}, square(5.1, 52.0)),
        feature_line(3, {"buurtcode": "BU99010103", "jaar": 2023, "aantalInwoners": -5}, square(5.2, 52.0)),
    ]])
    assert list(Population.objects.values_list("inhabitants", flat=True)) == [None, None]
    assert "negatief" in result.rejected[0].reason


def test_data_year_in_the_attribute_name_and_codes_derived():
    result = run_lines("cbs-gebieden", [[
        feature_line(1, {"buurtcode": "BU99010101", "buurtnaam": "A", "indeling_jaar": 2023,
                         "aantal_inwoners_2024": 10}, square(5.0, 52.0)),
    ]])
    assert result.counts.inserted == 1
    buurt = Buurt.objects.select_related("wijk__municipality").get(code="BU99010101")
    assert (buurt.wijk.code, buurt.wijk.municipality.code, buurt.indeling_jaar) == ("WK990101", "GM9901", 2023)
    assert Population.objects.get(buurt=buurt).year == 2024


def test_bad_features_are_rejected_with_a_reason():
    result = run_lines("cbs-gebieden", [[
        feature_line(1, {"buurtnaam": "zonder code", "jaar": 2024}, square(5.0, 52.0)),
        feature_line(2, {"buurtcode": "BU123", "jaar": 2024}, square(5.0, 52.0)),
        feature_line(3, {"buurtcode": "BU99010101", "jaar": 2024}, {"type": "Point", "coordinates": [5.0, 52.0]}),
        feature_line(4, {"buurtcode": "BU99010102", "jaar": 2024}, square(-70.0, 10.0)),
        feature_line(5, {"buurtcode": "BU99010103", "jaar": 2024, "aantal_inwoners": "veel"}, square(5.0, 52.0)),
        feature_line(6, {"buurtcode": "BU99010104"}, square(5.0, 52.0)),
    ]], state={"indeling_jaar": None})
    reasons = {r.line: r.reason for r in result.rejected}
    assert "geen buurtcode" in reasons[1]
    assert "geen geldige CBS-code" in reasons[2]
    assert "Polygon" in reasons[3]
    assert "buiten Nederland" in reasons[4]
    assert "geen getal" in reasons[5]
    assert "indelingsjaar onbekend" in reasons[6]
    assert result.counts.inserted == 0 and not Buurt.objects.exists()


def test_newer_indeling_keeps_the_older_boundaries_and_an_older_one_later_changes_nothing_current():
    def load(year, geometry, name):
        return run_lines("cbs-gebieden", [[feature_line(1, {
            "buurtcode": "BU99010101", "buurtnaam": name, "gemeentenaam": "Proefdorp", "indeling_jaar": year,
            "aantal_inwoners": 100 + year - 2017}, geometry)]]).counts

    old, new = square(5.0, 52.0), square(5.005, 52.0)
    assert load(2017, old, "Oud").inserted == 1
    assert load(2024, new, "Nieuw").inserted == 1  # a new indeling of the same buurt: its boundary is new
    buurt = Buurt.objects.get(code="BU99010101")
    assert (buurt.name, buurt.indeling_jaar, buurt.geometry) == ("Nieuw", 2024, new)
    assert dict(BuurtBoundary.objects.values_list("year", "geometry")) == {2017: old, 2024: new}
    assert dict(Population.objects.values_list("year", "inhabitants")) == {2017: 100, 2024: 107}

    assert load(2017, old, "Oud").unchanged == 1  # the older file again: nothing changes, the buurt stays current
    buurt.refresh_from_db()
    assert (buurt.name, buurt.indeling_jaar, buurt.geometry) == ("Nieuw", 2024, new)

    # placing points: the old boundary for 2018, the current one otherwise
    assert list(BuurtLocator.for_year(2018).locate([5.002], [52.005])) == [buurt.pk]
    assert list(BuurtLocator.current().locate([5.002], [52.005])) == [None]
    assert list(BuurtLocator.current().locate([5.012], [52.005])) == [buurt.pk]


def test_a_buurt_only_in_an_older_indeling_drops_out_of_the_current_map():
    def feature(code, year, geometry):
        return feature_line(1, {"buurtcode": code, "indeling_jaar": year}, geometry)

    run_lines("cbs-gebieden", [[feature("BU99010101", 2017, square(5.0, 52.0)),
                                feature("BU99010102", 2017, square(5.02, 52.0))]])
    run_lines("cbs-gebieden", [[feature("BU99010101", 2024, square(5.0, 52.0, 0.03))]])
    current = BuurtLocator.current()
    assert len(current) == 1
    assert Buurt.objects.get(code="BU99010102").indeling_jaar == 2017  # kept (foreign keys may point at it)


def test_wijken_fixture_names_wijken_of_a_buurten_file_loaded_before():
    run_lines("cbs-gebieden", [[feature_line(1, {"buurtcode": "BU00340101", "indeling_jaar": 2024},
                                             square(5.21, 52.33))]])
    assert Wijk.objects.get(code="WK003401").name == "WK003401"
    result = run_file("cbs-gebieden", WIJKEN_FIXTURE)
    assert result.counts.inserted == 2 and result.counts.updated == 0
    assert Wijk.objects.get(code="WK003401").name == "Centrum Almere Haven"
    assert Wijk.objects.get(code="WK003401").geometry["type"] in ("Polygon", "MultiPolygon")


def test_streaming_reader_with_a_tiny_buffer_reads_the_same(monkeypatch, tmp_path):
    """Features larger than the read buffer, members after the features, whitespace everywhere."""
    collection = json.loads(RD_FIXTURE.read_text())
    text = json.dumps({"features": collection["features"], "type": "FeatureCollection", "crs": collection["crs"]},
                      indent=2)
    path = tmp_path / "buurten_2017.geojson"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(GeoJsonStream, "CHUNK", 7)
    result = run_file("cbs-gebieden", path)
    assert result.counts.inserted == 4 and result.rejected == []


@pytest.mark.parametrize("content", [b"", b"[1, 2, 3]", b'{"type": "FeatureCollection", "features": [{"a": 1}',
                                     b'{"type": "Feature", "geometry": null}', b"\xff\xfe garbage"])
def test_a_file_that_is_not_a_feature_collection_is_refused(tmp_path, content):
    path = tmp_path / "gebieden_2024.geojson"
    path.write_bytes(content)
    with pytest.raises(FileRefused):
        run_file("cbs-gebieden", path)
    assert not Buurt.objects.exists()
