"""bag-adressen: BAG addresses in the NLExtract layout and the variant with nummeraanduiding; buurt by point in
polygon; letters, additions, no postcode and berths kept; upserts by BAG id; the address search finds them."""
import json

import pytest

from areas.models import Address, Buurt, Municipality, Wijk
from areas.normalize import address_search_key, street_search_key
from areas.selectors import KIND_EXACT, address_search
from ingest.formats import Line

from .h6_runner import FIXTURES, SHARED, run_file, run_lines

SAMPLE = SHARED / "bag" / "bag_adressen_sample_amsterdam.csv"
NUMMERAANDUIDING = FIXTURES / "bag-adressen_amsterdam_nummeraanduiding.csv"
NLEXTRACT = FIXTURES / "bag-adressen_nlextract.csv"

pytestmark = pytest.mark.django_db

# A made-up buurt over the western part of postcode area 1013 (Houthavens/Westerdok): lon 4.880-4.8905.
WEST = {"type": "Polygon", "coordinates": [[[4.880, 52.385], [4.8905, 52.385], [4.8905, 52.395], [4.880, 52.395],
                                            [4.880, 52.385]]]}


@pytest.fixture
def buurt():
    municipality = Municipality.objects.create(code="GM0363", name="Amsterdam")
    wijk = Wijk.objects.create(code="WK036300", name="Houthavens", municipality=municipality)
    return Buurt.objects.create(code="BU03630000", name="West", wijk=wijk, geometry=WEST, indeling_jaar=2024)


def address(bag_id):
    return Address.objects.get(bag_id=bag_id)


@pytest.mark.skipif(not SAMPLE.exists(), reason="../shared/data is not present")
def test_the_amsterdam_sample_loads_and_reloads_unchanged(buurt):
    result = run_file("bag-adressen", SAMPLE)
    assert result.rejected == []
    assert (result.counts.inserted, result.counts.updated, result.counts.unchanged) == (1904, 0, 0)
    inside = Address.objects.filter(buurt=buurt).count()
    assert 0 < inside < 1904
    assert result.ctx.notes["buiten de geladen buurten (buurt leeg)"] == 1904 - inside
    assert result.ctx.notes["ligplaats"] == 67 and result.ctx.notes["zonder postcode"] == 1
    again = run_file("bag-adressen", SAMPLE)
    assert (again.counts.inserted, again.counts.updated, again.counts.unchanged) == (0, 0, 1904)


def test_quirks_are_kept(buurt):
    result = run_file("bag-adressen", NUMMERAANDUIDING)
    assert result.rejected == [] and result.counts.inserted == 18
    no_postcode = address("0363200012125022")
    assert (no_postcode.street, no_postcode.number, no_postcode.postcode) == ("Taandwarsstraat", 99, "")
    assert no_postcode.buurt == buurt  # 4.888 lies in the made-up buurt
    assert [a.letter for a in Address.objects.filter(street="Westerdoksdijk", number=40)] == ["A", "B", "C"]
    assert address("0363200000296849").addition == "H"
    berth = address("0363200000527297")
    assert (berth.street, berth.number, berth.letter, berth.postcode) == ("Silodam", 460, "A", "1013AW")
    assert address("0363200000457399").buurt is None  # 4.8926 is east of the buurt: no buurt
    for row in Address.objects.all():  # the keys Address.save() would compute
        assert row.search_key == address_search_key(row.postcode, row.number, row.letter, row.addition)
        assert row.street_key == street_search_key(row.street, row.number, row.letter, row.addition)


def test_the_address_search_finds_loaded_addresses(buurt):
    run_file("bag-adressen", NUMMERAANDUIDING)
    found = address_search(q="1013 AE 40b")
    assert found.kind == KIND_EXACT and found.address.bag_id == "0363200000457400"
    found = address_search(q="Van Diemenstraat 420-H Amsterdam")
    assert found.kind == KIND_EXACT and found.address.bag_id == "0363200000296849"
    found = address_search(q="Taandwarsstraat 99")
    assert found.kind == KIND_EXACT and found.address.buurt_id == buurt.pk


def test_nlextract_layout_rd_coordinates_and_object_ids(buurt):
    result = run_file("bag-adressen", NLEXTRACT)
    assert result.rejected == [] and result.counts.inserted == 19
    by_object = address("0363011000000001")  # Westerdoksdijk 40A, main address: keyed by its object id
    assert (by_object.street, by_object.number, by_object.letter) == ("Westerdoksdijk", 40, "A")
    # x/y transformed with pyproj lands where the BAG's own lon/lat (4.8925727, 52.3877221) is
    assert abs(by_object.lon - 4.8925727) < 1e-6 and abs(by_object.lat - 52.3877221) < 1e-6
    secondary = Address.objects.get(street="Silodam", number=8)  # nevenadres: object digits, N and a hash
    assert secondary.bag_id.startswith("0363N") and len(secondary.bag_id) == 16
    assert run_file("bag-adressen", NLEXTRACT).counts.unchanged == 19


def test_addresses_of_nlextract_take_their_nummeraanduiding_when_it_arrives(buurt):
    run_file("bag-adressen", NLEXTRACT)
    result = run_file("bag-adressen", NUMMERAANDUIDING)
    assert result.counts.inserted == 0 and result.counts.rekeyed == 18
    assert result.ctx.notes["eerder zonder nummeraanduiding geladen: BAG-id bijgewerkt"] == 18
    assert Address.objects.count() == 19  # the 18 now by nummeraanduiding, the made-up nevenadres as it was
    assert Address.objects.filter(street="Westerdoksdijk", number=40, letter="A").get().bag_id == "0363200000457399"


def test_a_moved_or_renamed_address_is_updated():
    run_file("bag-adressen", NUMMERAANDUIDING)
    line = {"nummeraanduiding": "0363200000457399", "openbareruimte": "Westerdoksdijk", "huisnummer": "40",
            "huisletter": "A", "postcode": "1013 ae", "woonplaats": "Amsterdam", "lon": "4.8926", "lat": "52.3877"}
    result = run_lines("bag-adressen", [[Line(2, line)]])
    assert (result.counts.inserted, result.counts.updated, result.counts.unchanged) == (0, 1, 0)
    assert (address("0363200000457399").lon, address("0363200000457399").postcode) == (4.8926, "1013AE")


def test_bad_rows_are_rejected_and_duplicates_counted():
    base = {"openbareruimte": "Dorpsstraat", "huisnummer": "1", "woonplaats": "Proefdorp", "x": "155000",
            "y": "463000"}
    lines = [
        Line(2, base | {"nummeraanduiding": "0999200000000001"}),
        Line(3, base | {"nummeraanduiding": "0999200000000002", "huisletter": "AB"}),
        Line(4, base | {"nummeraanduiding": "0999200000000003", "huisnummertoevoeging": "12345"}),
        Line(5, base | {"nummeraanduiding": "0999200000000004", "postcode": "0123AB"}),
        Line(6, base | {"nummeraanduiding": "0999200000000005", "huisnummer": "12a"}),
        Line(7, base),
        Line(8, base | {"nummeraanduiding": "0999200000000001", "huisnummer": "2"}),
        Line(9, base | {"nummeraanduiding": "0999200000000009", "x": "", "y": "", "lon": "-70", "lat": "10"}),
        Line(10, base | {"nummeraanduiding": "0999200000000010", "openbareruimte": ""}),
    ]
    result = run_lines("bag-adressen", [lines])
    reasons = {r.line: r.reason for r in result.rejected}
    assert set(reasons) == {3, 4, 5, 6, 7, 10}
    assert "huisletter" in reasons[3] and "toevoeging" in reasons[4] and "postcode" in reasons[5]
    assert "huisnummer" in reasons[6] and "nummeraanduiding" in reasons[7] and "straatnaam" in reasons[10]
    assert result.counts.inserted == 2 and result.counts.duplicates == 1
    assert address("0999200000000001").number == 1  # the first row of an id counts
    assert result.ctx.notes["dubbel BAG-id in het bestand (eerste telt)"] == 1
    outside = address("0999200000000009")
    assert outside.lon is None and outside.lat is None and outside.buurt is None
    assert result.ctx.notes["zonder bruikbare coördinaten (geen locatie, geen buurt)"] == 1
    inside = address("0999200000000001")
    assert 5.38 < inside.lon < 5.39 and 52.15 < inside.lat < 52.16  # RD 155000/463000 is Amersfoort's origin


def test_reference_data_through_the_import_runs(tmp_path, settings):
    """The three reference sources as a municipality fills an empty installation: boundaries, kerncijfers, addresses,
    each through ingest's run (file stored, read, one transaction, counts on the run); then the search finds it."""
    from ingest.models import ImportRun, ImportSource
    from ingest.services import run_process, run_start

    settings.MEDIA_ROOT = tmp_path
    buurt = {"type": "Feature", "properties": {"BU_CODE": "BU03630000", "BU_NAAM": "West", "WK_CODE": "WK036300",
                                               "GM_CODE": "GM0363", "GM_NAAM": "Amsterdam", "AANT_INW": 1200},
             "geometry": WEST}
    geojson = tmp_path / "buurten_2024.geojson"
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": [buurt]}))
    kerncijfers = tmp_path / "kerncijfers.csv"
    kerncijfers.write_text("WijkenEnBuurten;Perioden;AantalInwoners_5;HuishoudensTotaal_28\n"
                           "BU03630000;2024JJ00;1250;700\n", encoding="utf-8")
    steps = [("cbs-gebieden", geojson), ("cbs-kerncijfers", kerncijfers), ("bag-adressen", NUMMERAANDUIDING)]
    runs = {}
    for code, path in steps:
        source = ImportSource.objects.create(code=code, name=code, format=code)
        with path.open("rb") as handle:
            run = run_start(source=source, file=handle, file_name=path.name, queue=False)
        runs[code] = run_process(run_id=run.pk)
    assert {code: run.status for code, run in runs.items()} == dict.fromkeys(runs, ImportRun.Status.SUCCEEDED)
    assert (runs["cbs-gebieden"].inserted, runs["bag-adressen"].inserted) == (1, 18)
    # the GeoJSON brought 1200 inhabitants for 2024, the kerncijfers 1250 and a new indicator
    assert (runs["cbs-kerncijfers"].inserted, runs["cbs-kerncijfers"].updated) == (1, 1)
    from areas.models import AreaIndicator, Population

    assert dict(Population.objects.values_list("year", "inhabitants")) == {2024: 1250}
    assert AreaIndicator.objects.get().value == 700
    found = address_search(q="Taandwarsstraat 99 Amsterdam")
    assert found.kind == KIND_EXACT and found.address.buurt.code == "BU03630000"
