"""The address lookups written as plain SQL (areas.selectors) give what the querysets they replace give, with the same
buurt and wijk, on the database the suite runs on (CI runs it on SQLite and on PostgreSQL)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from areas.models import Address, Buurt, Municipality, Wijk
from areas.selectors import MAX_ROWS_PER_NUMBER, _base, address_get, address_rows_by_postcode_number

pytestmark = pytest.mark.django_db

ORDER = ("city", "street", "number", "letter", "addition", "id")
SHAPE = {"type": "Polygon", "coordinates": [[[5.0, 52.0], [5.1, 52.0], [5.1, 52.1], [5.0, 52.0]]]}


def _fields(obj):
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.get_fields()
            if field.concrete and not field.many_to_many and field.attname != "geometry"}


def _as_loaded(address):
    """Everything a caller can read without another query: the address, its buurt and the buurt's wijk."""
    if address.buurt is None:
        return _fields(address), None, None
    return _fields(address), _fields(address.buurt), _fields(address.buurt.wijk)


@pytest.fixture
def addresses():
    gemeente = Municipality.objects.create(code="GM0855", name="Tilburg")
    wijk = Wijk.objects.create(code="WK085501", name="Centrum", municipality=gemeente, geometry=SHAPE)
    buurt = Buurt.objects.create(code="BU08550101", name="Binnenstad", wijk=wijk, geometry=SHAPE, indeling_jaar=2024)
    rows = [
        ("Stationsstraat", 12, "", "", "5038AB", "Tilburg", buurt, 5.09, 51.56),
        ("Stationsstraat", 12, "A", "", "5038AB", "Tilburg", buurt, None, None),
        ("Stationsstraat", 12, "", "2", "5038AB", "Tilburg", None, None, None),  # no buurt: no join partner
        ("Stationsstraat", 12, "B", "bis", "5038AB", "Berkel-Enschot", buurt, 5.1, 51.5),
        ("Achterstraat", 12, "", "", "5038AB", "Tilburg", buurt, None, None),
        ("Stationsstraat", 14, "", "", "5038AB", "Tilburg", buurt, None, None),
        ("Stationsstraat", 12, "", "", "5038AC", "Tilburg", buurt, None, None),
    ]
    made = []
    for seq, (street, number, letter, addition, postcode, city, in_buurt, lon, lat) in enumerate(rows, start=1):
        made.append(Address.objects.create(
            bag_id=f"0855200{seq:09d}", street=street, number=number, letter=letter, addition=addition,
            postcode=postcode, city=city, buurt=in_buurt, lon=lon, lat=lat,
        ))
    return made


@pytest.mark.parametrize("postcode,number", [("5038AB", 12), ("5038AB", 14), ("5038AC", 12), ("5038AB", 13),
                                             ("9999ZZ", 1)])
def test_by_postcode_and_number_same_addresses_in_the_same_order_as_the_queryset(addresses, postcode, number):
    expected = list(_base().filter(postcode=postcode, number=number).order_by(*ORDER)[:MAX_ROWS_PER_NUMBER])
    found = address_rows_by_postcode_number(postcode=postcode, number=number)
    assert [_as_loaded(a) for a in found] == [_as_loaded(a) for a in expected]
    for a in found:  # typed as the ORM types them, not merely equal
        assert [type(v) for v in _fields(a).values()] == [type(v) for v in _fields(Address.objects.get(pk=a.pk)).values()]


def test_by_postcode_and_number_loads_buurt_and_wijk_in_its_one_query_and_leaves_only_geometry_out(addresses):
    with CaptureQueriesContext(connection) as ctx:
        found = address_rows_by_postcode_number(postcode="5038AB", number=12)
        labels = [(a.label, a.buurt.name if a.buurt else None, a.buurt.wijk.code if a.buurt else None) for a in found]
    assert len(ctx.captured_queries) == 1
    assert len(labels) == 5 and ("Stationsstraat 12-2, 5038 AB Tilburg", None, None) in labels
    with_buurt = next(a for a in found if a.buurt is not None)
    # A field missing from the SQL would be loaded later, one query per address: only geometry may be missing.
    assert with_buurt.get_deferred_fields() == set()
    assert with_buurt.buurt.get_deferred_fields() == {"geometry"}
    assert with_buurt.buurt.wijk.get_deferred_fields() == {"geometry"}
    assert with_buurt.buurt.geometry == SHAPE  # still readable where someone needs it (one more query)


def test_by_id_same_address_as_the_queryset(addresses):
    for address in addresses:
        expected = _base().get(pk=address.pk)
        assert _as_loaded(address_get(address_id=address.pk)) == _as_loaded(expected)
    assert address_get(address_id=max(a.pk for a in addresses) + 1) is None
    assert address_get(address_id="x") is None and address_get(address_id=2**63) is None
