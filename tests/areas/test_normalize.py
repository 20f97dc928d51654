"""The query parser and the BAG extract reader, against a real BAG excerpt (tests/areas/fixtures/bag_sample.csv)."""
from pathlib import Path

import pytest

from areas.normalize import (
    BagFormatError,
    address_search_key,
    parse_address_query,
    parse_bag_csv,
    parse_postcode_query,
    parse_street_query,
    street_search_key,
)

FIXTURE = Path(__file__).parent / "fixtures" / "bag_sample.csv"


@pytest.mark.parametrize(
    "text",
    ["5038 AB 12a", "5038ab-12-A", "5038AB 12 A", "5038AB12a", "5038 ab 12-a", " 5038AB, 12A ", "5038AB 12/A"],
)
def test_postcode_spellings_normalise_alike(text):
    reading = parse_address_query(text)[0]
    assert reading.kind == "postcode"
    assert reading.normalized == "5038AB 12A"
    assert parse_postcode_query(text) == ("5038AB", 12, "A", "")


@pytest.mark.parametrize(
    "text, suffix",
    [("5038AB12", ""), ("5038AB 12-2", "2"), ("5038AB 12 A 1", "A1"), ("5038AB 12a-bis", "ABIS"), ("1013KT 4 H", "H")],
)
def test_postcode_suffixes_are_compacted(text, suffix):
    reading = parse_address_query(text)[0]
    assert (reading.postcode, reading.number, reading.suffix) == (reading.postcode, reading.number, suffix)
    assert reading.postcode in ("5038AB", "1013KT")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Stationsstraat 12A Tilburg", ("stationsstraat", 12, "A", "", "tilburg")),
        ("stationsstraat 12 a", ("stationsstraat", 12, "A", "", "")),
        ("Van Diemenstraat 420-H", ("van diemenstraat", 420, "H", "", "")),
        ("Sint-Jansstraat 3, 's-Hertogenbosch", ("sint jansstraat", 3, "", "", "s hertogenbosch")),
        ("Kerkstraat 5 Ede", ("kerkstraat", 5, "E", "DE", "")),  # first reading; "Ede" as a city is the next one
    ],
)
def test_street_queries(text, expected):
    assert parse_street_query(text) == expected


def test_street_query_offers_city_reading_after_suffix_reading():
    readings = parse_address_query("Kerkstraat 5 Ede")
    assert [(r.suffix, r.city) for r in readings] == [("EDE", ""), ("", "ede")]


def test_single_letters_are_never_a_city():
    readings = parse_address_query("5038AB 12 a")
    assert [(r.suffix, r.city) for r in readings] == [("A", "")]


@pytest.mark.parametrize("text", ["", "   ", "12", "!!!", "5038", "x" * 300, "5038AB 0", "12 Stationsstraat"])
def test_unparseable_or_partial(text):
    readings = parse_address_query(text)
    assert not readings or readings[0].kind in ("postcode_prefix", "street_prefix")
    assert parse_postcode_query(text) is None
    assert parse_street_query(text) is None


def test_partial_inputs_are_prefixes():
    assert parse_address_query("5038")[0].kind == "postcode_prefix"
    assert parse_address_query("5038 A")[0].normalized == "5038A"
    assert parse_address_query("5038 AB")[0].kind == "postcode"
    assert parse_address_query("Stations")[0].kind == "street_prefix"


def test_keys():
    assert address_search_key("5038 ab", 12, "a", "2") == "5038AB 12A-2"
    assert street_search_key("Van Diemenstraat", 420, "", "H") == "van diemenstraat 420-h"
    assert street_search_key("Rue d'Été", 1) == "rue d ete 1"


def test_bag_excerpt_parses_with_its_quirks():
    rows = parse_bag_csv(FIXTURE.read_text(encoding="utf-8"))
    assert len(rows) == 35
    by_id = {row["bag_id"]: row for row in rows}
    no_postcode = by_id["0363200012125022"]
    assert no_postcode["postcode"] == "" and no_postcode["street"] == "Taandwarsstraat"
    berth = by_id["0363200000527297"]
    assert (berth["object_type"], berth["number"], berth["letter"]) == ("Ligplaats", 460, "A")
    addition = by_id["0363200000296849"]
    assert (addition["letter"], addition["addition"]) == ("", "H")
    assert all(row["city"] == "Amsterdam" for row in rows)


def test_every_bag_row_is_found_by_its_own_spellings():
    for row in parse_bag_csv(FIXTURE.read_text(encoding="utf-8")):
        suffix = f"{row['letter']}{row['addition']}"
        if row["postcode"]:
            pc = row["postcode"]
            for text in (f"{pc[:4]} {pc[4:]} {row['number']}{row['letter'].lower()} {row['addition']}",
                         f"{pc.lower()}-{row['number']}-{row['letter']}-{row['addition']}"):
                reading = parse_address_query(text)[0]
                assert (reading.postcode, reading.number, reading.suffix) == (pc, row["number"], suffix), text
        text = f"{row['street']} {row['number']}{row['letter']} {row['addition']} {row['city']}"
        reading = parse_address_query(text)[0]
        assert (reading.street, reading.number, reading.suffix) == (
            street_search_key(row["street"], 0).rsplit(" ", 1)[0], row["number"], suffix
        ), text


def test_bag_reader_rejects_bad_files():
    with pytest.raises(BagFormatError):
        parse_bag_csv("a;b;c\n1;2;3\n")
    header = "nummeraanduiding;openbareruimte;huisnummer;huisletter;huisnummertoevoeging;postcode;woonplaats\n"
    with pytest.raises(BagFormatError):
        parse_bag_csv(header + "1;Straat;twaalf;;;1234AB;Plaats\n")
    with pytest.raises(BagFormatError):
        parse_bag_csv(header + "1;Straat;12;AB;;1234AB;Plaats\n")
