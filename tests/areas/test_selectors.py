"""address_search / address_suggest / address_get over the real BAG excerpt plus a few Tilburg addresses."""
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from areas.models import Address
from areas.normalize import parse_bag_csv
from areas.selectors import address_get, address_search, address_suggest

FIXTURE = Path(__file__).parent / "fixtures" / "bag_sample.csv"

pytestmark = pytest.mark.django_db


def _add(street, number, letter="", addition="", postcode="5038AB", city="Tilburg", bag_id=None):
    seq = Address.objects.count() + 1
    return Address.objects.create(
        bag_id=bag_id or f"0855200{seq:09d}", street=street, number=number, letter=letter, addition=addition,
        postcode=postcode, city=city,
    )


@pytest.fixture
def addresses():
    for row in parse_bag_csv(FIXTURE.read_text(encoding="utf-8")):
        row.pop("object_type")
        Address.objects.create(**row)
    made = {
        "12": _add("Stationsstraat", 12),
        "12A": _add("Stationsstraat", 12, "A"),
        "12-2": _add("Stationsstraat", 12, "", "2"),
        "14": _add("Stationsstraat", 14),
        "12-almere": _add("Stationsstraat", 12, postcode="1312AB", city="Almere"),
        "7A2": _add("Stationsstraat", 7, "A", "2"),
    }
    return made


@pytest.mark.parametrize("q", ["5038 AB 12a", "5038ab-12-A", "5038AB 12 A", "Stationsstraat 12A Tilburg",
                               "stationsstraat 12 a tilburg", "STATIONSSTRAAT 12-A, Tilburg"])
def test_exact_in_any_common_spelling(addresses, q):
    result = address_search(q=q)
    assert result.kind == "exact", result.message
    assert result.addresses == [addresses["12A"]]
    assert result.address == addresses["12A"]


def test_normalized_forms(addresses):
    assert address_search(q="5038 ab 12-a").normalized == "5038AB 12A"
    assert address_search(q="Stationsstraat 12A Tilburg").normalized == "stationsstraat 12a tilburg"


def test_number_with_letters_and_additions_gives_candidates(addresses):
    result = address_search(q="5038AB12")
    assert result.kind == "candidates"
    assert set(result.addresses) == {addresses["12"], addresses["12A"], addresses["12-2"]}
    assert "Kies" in result.message


def test_street_without_city_in_two_cities_gives_candidates(addresses):
    result = address_search(q="stationsstraat 12 a")
    assert result.kind == "exact"  # only Tilburg has 12A
    result = address_search(q="Stationsstraat 12")
    assert result.kind == "candidates"
    assert addresses["12-almere"] in result.addresses and addresses["12"] in result.addresses
    result = address_search(q="Stationsstraat 12 Almere")
    assert result.kind == "exact" and result.address == addresses["12-almere"]


def test_plain_number_only_exists_is_exact(addresses):
    result = address_search(q="5038AB 14")
    assert result.kind == "exact" and result.address == addresses["14"]


def test_addition_and_letter_plus_addition(addresses):
    assert address_search(q="5038AB 12-2").address == addresses["12-2"]
    assert address_search(q="5038AB 7 A 2").address == addresses["7A2"]
    assert address_search(q="5038AB 7a-2").address == addresses["7A2"]
    only_lettered = address_search(q="5038AB 7")
    assert only_lettered.kind == "candidates" and only_lettered.addresses == [addresses["7A2"]]


def test_bag_letter_h_and_addition_h_are_told_apart():
    for row in parse_bag_csv(FIXTURE.read_text(encoding="utf-8")):
        row.pop("object_type")
        Address.objects.create(**row)
    letter_h = address_search(q="1013AE 40H")
    assert letter_h.kind == "exact" and (letter_h.address.letter, letter_h.address.addition) == ("H", "")
    addition_h = address_search(q="1013 KT 4 H")
    assert addition_h.kind == "exact" and (addition_h.address.letter, addition_h.address.addition) == ("", "H")
    assert address_search(q="Zandhoek 4-H Amsterdam").address == addition_h.address
    berth = address_search(q="Silodam 460 A")
    assert berth.kind == "exact" and berth.address.bag_id == "0363200000527297"
    # an address without postcode is still found by street
    assert address_search(q="Taandwarsstraat 99 Amsterdam").address.bag_id == "0363200012125022"
    # 2, 2A and 2B exist: "2" is ambiguous
    assert address_search(q="Barentszplein 2").kind == "candidates"
    assert len(address_search(q="1013NJ 2").addresses) == 3


def test_every_bag_row_is_found_exactly_by_postcode_and_by_street():
    rows = parse_bag_csv(FIXTURE.read_text(encoding="utf-8"))
    for row in rows:
        row.pop("object_type")
        Address.objects.create(**row)
    for row in rows:
        house = f"{row['number']}{row['letter']}" + (f"-{row['addition']}" if row["addition"] else "")
        if row["postcode"] and (row["letter"] or row["addition"] or row["bag_id"] != "0363200012101394"):
            result = address_search(q=f"{row['postcode']} {house}")
            assert result.kind in ("exact", "candidates"), (row, result.message)
            if row["letter"] or row["addition"]:
                assert result.kind == "exact" and result.address.bag_id == row["bag_id"]
        result = address_search(q=f"{row['street']} {house} {row['city']}")
        assert row["bag_id"] in [a.bag_id for a in result.addresses], (row, result.kind)


def test_unknown_says_so_plainly(addresses):
    result = address_search(q="9999 ZZ 1")
    assert result.kind == "none" and result.addresses == []
    assert "niet gevonden" in result.message and "9999ZZ 1" in result.message
    other_suffix = address_search(q="5038AB 12Z")
    assert other_suffix.kind == "none" and "andere huisletters" in other_suffix.message
    assert address_search(q="Stationsstraat 12 Utrecht").kind == "none"


@pytest.mark.parametrize("q", ["", "12", "!!!", "?", "12 Stationsstraat"])
def test_unparseable_says_which_forms_are_accepted(addresses, q):
    result = address_search(q=q)
    assert result.kind == "invalid"
    assert "5038 AB 12a" in result.message and "Stationsstraat 12A Tilburg" in result.message


def test_bare_postcode_and_street_list_candidates(addresses):
    result = address_search(q="5038 AB")
    assert result.kind == "candidates" and addresses["12"] in result.addresses
    result = address_search(q="Stationsstr")
    assert result.kind == "candidates" and "huisnummer" in result.message


def test_suggestions_by_postcode_prefix_and_street_prefix(addresses):
    assert addresses["12"] in address_suggest(q="5038")
    assert addresses["12-almere"] not in address_suggest(q="5038")
    assert set(address_suggest(q="5038AB 12")) == {addresses["12"], addresses["12A"], addresses["12-2"]}
    assert address_suggest(q="5038AB 12 a") == [addresses["12A"]]
    assert set(address_suggest(q="stationsstraat 1")) >= {addresses["12"], addresses["14"], addresses["12-almere"]}
    assert address_suggest(q="stations")[0].street == "Stationsstraat"
    assert address_suggest(q="Van Dieme")[0].street == "Van Diemenstraat"
    assert address_suggest(q="stationsstraat 12 alm") == [addresses["12-almere"]]
    assert address_suggest(q="") == [] and address_suggest(q="!!") == []
    assert len(address_suggest(q="5038", limit=2)) == 2
    assert len(address_suggest(q="1013", limit=10_000)) <= 50


def test_search_costs_one_query(addresses):
    with CaptureQueriesContext(connection) as ctx:
        address_search(q="5038AB 12A")
    assert len(ctx.captured_queries) == 1
    with CaptureQueriesContext(connection) as ctx:
        address_search(q="Stationsstraat 12A Tilburg")
    assert len(ctx.captured_queries) == 1
    assert "LIKE" in ctx.captured_queries[0]["sql"]


def test_address_get(addresses):
    assert address_get(address_id=addresses["12"].pk) == addresses["12"]
    assert address_get(address_id=str(addresses["12"].pk)) == addresses["12"]
    assert address_get(address_id=999999) is None
    assert address_get(address_id="abc") is None


def test_prefix_bounds_carry_past_z_and_nine():
    for street in ("Zwanenburgwal", "Zz Top", "Ruyschstraat", "Plein 1999"):
        Address.objects.create(bag_id=f"b-{street}", street=street, number=1, postcode="1000AA", city="Amsterdam")
    assert [a.street for a in address_suggest(q="Zz")] == ["Zz Top"]
    assert address_suggest(q="zwanenburgwal 1")[0].street == "Zwanenburgwal"
    assert address_suggest(q="Ruysch")[0].street == "Ruyschstraat"
    assert address_suggest(q="Plein 1999")[0].street == "Plein 1999"
    assert address_search(q="Plein 1999 1").kind == "exact"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are checked on PostgreSQL")
def test_prefix_queries_are_index_range_scans_on_postgresql(addresses):
    """The prefix LIKE must become an index condition (not a filter over an ordered full scan)."""
    from areas.selectors import _base, _prefix

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
    try:
        for field_name, prefix in (("street_key", "stations"), ("search_key", "5038")):
            qs = _base().filter(_prefix(field_name, prefix)).order_by(field_name, "id")[:10]
            plan = qs.explain()
            # The plain btree (the one that also gives the order), entered at the prefix: no scan-and-filter,
            # no sort of all matches (which is what made 'Stations' take 18 s on 3 million addresses).
            scan = next(line for line in plan.splitlines() if "Index Scan using" in line)
            assert "_like" not in scan, plan
            assert "Index Cond" in plan and field_name in plan.split("Index Cond", 1)[1].splitlines()[0], plan
            assert "Rows Removed by Filter" not in plan
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = on")
