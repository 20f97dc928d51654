"""areas.services: set-based writes of geography, population, indicators and addresses with honest counts
(inserted / updated / unchanged), the same on SQLite and PostgreSQL."""
import pytest

from areas.models import Address, AreaIndicator, Buurt, BuurtBoundary, Municipality, Population, Wijk, WijkBoundary
from areas.selectors import KIND_EXACT, address_search
from areas.services import (
    AreaFeature,
    addresses_load,
    geography_load,
    indicators_load,
    population_load,
    wijk_names_load,
)

pytestmark = pytest.mark.django_db


def square(lon, lat, size=0.01):
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size],
                                                 [lon, lat + size], [lon, lat]]]}


def counts(result):
    return (result.inserted, result.updated, result.unchanged)


def buurt_feature(code="BU99010101", year=2024, geometry=None, **extra):
    return AreaFeature(level="buurt", code=code, name=extra.pop("name", "A"), wijk_code="WK" + code[2:8],
                       municipality_code="GM" + code[2:6], municipality_name=extra.pop("municipality_name", ""),
                       geometry=geometry or square(5.0, 52.0), year=year, **extra)


def test_geography_creates_municipality_and_wijk_and_counts_per_feature():
    result = geography_load(features=[buurt_feature(inhabitants=10, population_year=2024),
                                      buurt_feature("BU99010102", geometry=square(5.01, 52.0))])
    assert counts(result) == (2, 0, 0)
    assert Municipality.objects.get(code="GM9901").name == "GM9901"
    assert Wijk.objects.get(code="WK990101").name == "WK990101"
    assert Population.objects.get(buurt__code="BU99010101").inhabitants == 10
    assert not Population.objects.filter(buurt__code="BU99010102").exists()  # no figure given: none stored

    again = geography_load(features=[buurt_feature(inhabitants=10, population_year=2024, municipality_name="Proefdorp"),
                                     buurt_feature("BU99010102", geometry=square(5.01, 52.0), name="B")])
    assert counts(again) == (0, 1, 1)  # the second was renamed; the municipality got its name
    assert Municipality.objects.get(code="GM9901").name == "Proefdorp"
    assert Buurt.objects.get(code="BU99010102").name == "B"


def test_wijk_features_and_names():
    geography_load(features=[buurt_feature()])
    wijk = AreaFeature(level="wijk", code="WK990101", name="Noord", municipality_code="GM9901",
                       geometry=square(5.0, 52.0, 0.05), year=2024)
    assert counts(geography_load(features=[wijk])) == (1, 0, 0)  # its boundary of 2024 is new
    assert Wijk.objects.get(code="WK990101").name == "Noord"
    assert counts(geography_load(features=[wijk])) == (0, 0, 1)
    assert WijkBoundary.objects.count() == 1 and Wijk.objects.get().geometry == square(5.0, 52.0, 0.05)
    assert wijk_names_load(names={"WK990101": "Noordelijk", "WK000000": "bestaat niet"}) == 1
    assert Wijk.objects.get().name == "Noordelijk"


def test_older_indeling_after_a_newer_one_only_adds_its_boundary():
    geography_load(features=[buurt_feature(year=2024, geometry=square(5.0, 52.0), name="Nieuw")])
    result = geography_load(features=[buurt_feature(year=2017, geometry=square(5.1, 52.0), name="Oud")])
    assert counts(result) == (1, 0, 0)
    buurt = Buurt.objects.get()
    assert (buurt.name, buurt.indeling_jaar, buurt.geometry) == ("Nieuw", 2024, square(5.0, 52.0))
    assert sorted(BuurtBoundary.objects.values_list("year", flat=True)) == [2017, 2024]


def test_duplicate_features_in_one_load_count_once():
    result = geography_load(features=[buurt_feature(), buurt_feature()])
    assert counts(result) == (1, 0, 0) and result.duplicates == 1


@pytest.fixture
def buurt():
    geography_load(features=[buurt_feature()])
    return Buurt.objects.get()


def test_population_and_indicators_upsert(buurt):
    assert counts(population_load(rows=[(buurt.pk, 2023, 100), (buurt.pk, 2024, None)])) == (2, 0, 0)
    assert counts(population_load(rows=[(buurt.pk, 2023, 100), (buurt.pk, 2024, 120)])) == (0, 1, 1)
    assert dict(Population.objects.values_list("year", "inhabitants")) == {2023: 100, 2024: 120}

    rows = [(buurt.pk, 2024, "huishoudens", 50.0), (buurt.pk, 2024, "woz_gemiddeld", None)]
    assert counts(indicators_load(rows=rows)) == (2, 0, 0)
    assert counts(indicators_load(rows=rows)) == (0, 0, 2)
    assert counts(indicators_load(rows=[(buurt.pk, 2024, "woz_gemiddeld", 301.0)])) == (0, 1, 0)
    assert AreaIndicator.objects.get(code="woz_gemiddeld").value == 301.0
    assert counts(population_load(rows=[])) == (0, 0, 0)


def test_addresses_upsert_with_search_keys_and_search(buurt):
    rows = [
        ("0999200000000001", "Dorpsstraat", 12, "a", "", "9901AA", "Proefdorp", buurt.pk, 5.005, 52.005),
        ("0999200000000002", "Dorpsstraat", 12, "", "bis", "9901AA", "Proefdorp", buurt.pk, 5.005, 52.005),
        ("0999200000000003", "Kade", 1, "", "", "", "Proefdorp", None, None, None),
    ]
    assert counts(addresses_load(rows=rows)) == (3, 0, 0)
    first = Address.objects.get(bag_id="0999200000000001")
    assert (first.search_key, first.street_key) == ("9901AA 12A", "dorpsstraat 12a")
    assert Address.objects.get(bag_id="0999200000000002").search_key == "9901AA 12-BIS"
    assert counts(addresses_load(rows=rows)) == (0, 0, 3)
    moved = [("0999200000000003", "Kade", 1, "", "", "9901AB", "Proefdorp", buurt.pk, 5.001, 52.001)]
    assert counts(addresses_load(rows=moved)) == (0, 1, 0)
    found = address_search(q="9901 AB 1")
    assert found.kind == KIND_EXACT and found.address.buurt_id == buurt.pk
    assert address_search(q="Dorpsstraat 12 A Proefdorp").address.bag_id == "0999200000000001"


def test_addresses_duplicate_ids_first_row_counts(buurt):
    rows = [("0999200000000001", "Dorpsstraat", 1, "", "", "", "Proefdorp", None, None, None),
            ("0999200000000001", "Dorpsstraat", 2, "", "", "", "Proefdorp", None, None, None)]
    result = addresses_load(rows=rows)
    assert counts(result) == (1, 0, 0) and result.duplicates == 1
    assert Address.objects.get().number == 1
