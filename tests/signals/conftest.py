"""Fixtures for the signalling tool: departments with catalogues, officers of two departments, addresses."""
import pytest

from access import roles as R
from areas.models import Address, Buurt, Municipality, Wijk
from signals.models import Category
from tests.factories import grant, make_department, make_user


@pytest.fixture
def area(db):
    municipality = Municipality.objects.create(code="GM0034", name="Almere")
    wijk_a = Wijk.objects.create(code="WK003401", name="Stad", municipality=municipality)
    wijk_b = Wijk.objects.create(code="WK003402", name="Haven", municipality=municipality)
    buurt_a = Buurt.objects.create(code="BU00340101", name="Centrum", wijk=wijk_a)
    buurt_b = Buurt.objects.create(code="BU00340201", name="Kade", wijk=wijk_b)
    return {"wijk_a": wijk_a, "wijk_b": wijk_b, "buurt_a": buurt_a, "buurt_b": buurt_b}


def _address(bag, street, number, postcode, buurt, letter="", addition=""):
    a = Address(bag_id=bag, street=street, number=number, letter=letter, addition=addition, postcode=postcode,
                city="Almere", buurt=buurt)
    a.save()
    return a


@pytest.fixture
def addresses(area):
    b_a, b_b = area["buurt_a"], area["buurt_b"]
    return {
        "a12": _address("0034200000000001", "Stationsstraat", 12, "1311AB", b_a),
        "a12a": _address("0034200000000002", "Stationsstraat", 12, "1311AB", b_a, letter="A"),
        "a14": _address("0034200000000003", "Stationsstraat", 14, "1311AB", b_a),
        "k3": _address("0034200000000004", "Kadeweg", 3, "1322CD", b_b),
        "k5": _address("0034200000000005", "Kadeweg", 5, "1322CD", b_b, addition="2"),
    }


@pytest.fixture
def depts(db):
    th = make_department("toezicht-handhaving", "Toezicht en Handhaving", phone="036 111", email="th@gemeente.example")
    sz = make_department("sociale-zaken", "Sociale Zaken", phone="036 222", email="sz@gemeente.example")
    oov = make_department("oov", "Openbare Orde en Veiligheid", phone="036 333", email="oov@gemeente.example")
    cats = {
        "woonfraude": Category.objects.create(department=th, code="woonfraude", name="Woonfraude"),
        "uitkeringsfraude": Category.objects.create(department=sz, code="uitkeringsfraude", name="Uitkeringsfraude"),
        "ondermijning": Category.objects.create(department=oov, code="ondermijning", name="Ondermijning"),
    }
    return {"th": th, "sz": sz, "oov": oov, "cats": cats}


@pytest.fixture
def people(depts):
    """hh: T&H officer + search; sz: Sociale Zaken officer + search; oov: OOV officer; searcher: search and bulk check;
    coord: hit report coordinator; nobody: no grants; root: superuser without grants."""
    hh = make_user("henk", depts["th"], first_name="Henk", last_name="Handhaver", phone="06 1111 1111")
    grant(hh, R.SIGNAL_OFFICER, scope=depts["th"])
    grant(hh, R.SIGNAL_SEARCH)
    sz = make_user("sanne", depts["sz"], first_name="Sanne", last_name="Sociaal")
    grant(sz, R.SIGNAL_OFFICER, scope=depts["sz"])
    grant(sz, R.SIGNAL_SEARCH)
    oov = make_user("otto", depts["oov"], first_name="Otto", last_name="Orde", phone="06 3333 3333")
    grant(oov, R.SIGNAL_OFFICER, scope=depts["oov"])
    searcher = make_user("zoeker", depts["oov"], first_name="Zoë", last_name="Zoeker")
    grant(searcher, R.SIGNAL_SEARCH)
    grant(searcher, R.BULK_CHECK)
    coord = make_user("coord", depts["oov"], first_name="Carla", last_name="Coördinator")
    grant(coord, R.HIT_REPORT_COORDINATOR)
    nobody = make_user("niemand", depts["oov"])
    root = make_user("root", depts["sz"], is_superuser=True, is_staff=True)
    grant(root, R.SIGNAL_SEARCH)
    grant(root, R.SIGNAL_OFFICER, scope=depts["sz"])
    for user in (hh, sz, oov, searcher, coord, nobody, root):
        user.refresh_from_db()
    return {"hh": hh, "sz": sz, "oov": oov, "searcher": searcher, "coord": coord, "nobody": nobody, "root": root}


@pytest.fixture
def place(people, depts):
    """Place a signal through the real service: place(user_key, dept_key, address, **kw)."""
    from signals.services import signal_create

    default_cat = {"th": "woonfraude", "sz": "uitkeringsfraude", "oov": "ondermijning"}

    def _place(user_key, dept_key, address, **kw):
        user = people[user_key]
        kw.setdefault("category", depts["cats"][default_cat[dept_key]])
        kw.setdefault("details", f"GEHEIM-{dept_key}-details")
        kw.setdefault("contact_officer", user)
        return signal_create(user=user, department=depts[dept_key], address=address, **kw)

    return _place
