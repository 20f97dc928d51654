"""Address matching lives once (areas.selectors): the search page, the bulk check and the auditors' "who looked at
this address" give the same addresses for the same text."""
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from access import roles as R
from areas.models import Address
from areas.selectors import address_candidates, address_resolve_many, address_search
from signals.services import bulk_check
from tests.factories import grant, login, make_user

pytestmark = pytest.mark.django_db


def _add(number, letter="", addition="", street="Zambeziplein", postcode="1301AA", city="Almere"):
    seq = Address.objects.count() + 1
    return Address.objects.create(bag_id=f"0034200{seq:09d}", street=street, number=number, letter=letter,
                                  addition=addition, postcode=postcode, city=city)


@pytest.fixture
def plein():
    """Zambeziplein 1 and eleven numbers that start with 1 (10-19, 100), 2 and 2A, and 3 in another town."""
    made = {"1": _add(1)}
    for number in [*range(10, 20), 100]:
        made[str(number)] = _add(number, postcode="1301AB")
    made["2"] = _add(2)
    made["2A"] = _add(2, "A")
    made["3-lelystad"] = _add(3, postcode="8201AA", city="Lelystad")
    made["3"] = _add(3)
    return made


@pytest.fixture
def searcher():
    user = make_user("zoeker", department="toezicht-handhaving")
    grant(user, R.SIGNAL_SEARCH)
    for role in R.ROLES.values():  # the bulk check's own role, where there is one
        if role.code != R.SIGNAL_SEARCH and any(perm.startswith("signals.bulk") for perm in role.model_perms):
            grant(user, role.code)
    return user


@pytest.fixture
def auditor_client():
    user = make_user("anouk", department="oov")
    grant(user, R.AUDITOR, purpose="Toezicht op gebruik (BIO 8.15)")
    return login(Client(), user)


def searched(client, text):
    """The addresses the search page finds: the one it searches, or the candidates it offers."""
    context = client.post("/signalen/zoeken/", {"q": text, "purpose": "Zaak 2026-001"}).context
    if context.get("address") is not None:
        return [context["address"]]
    lookup = context.get("lookup")
    return list(lookup.addresses) if lookup is not None else []


def bulk_checked(user, text):
    (row,) = bulk_check(user=user, content=text + "\n", purpose="Actiedag")
    return row.address


def audited(client, text):
    return list(client.get("/audit/adres/", {"address": text}).context["addresses"])


def test_zambeziplein_1_is_one_address_in_search_bulk_check_and_audit(plein, searcher, auditor_client):
    client = login(Client(), searcher)
    for text in ["Zambeziplein 1", "zambeziplein 1 almere", "1301 AA 1", "1301AA-1"]:
        assert searched(client, text) == [plein["1"]], text
        assert bulk_checked(searcher, text) == plein["1"], text
        assert audited(auditor_client, text) == [plein["1"]], text
    assert address_candidates(q="Zambeziplein 1") == [plein["1"]]


def test_candidates_are_the_same_everywhere_and_a_list_means_the_plain_number(plein, searcher, auditor_client):
    client = login(Client(), searcher)
    both = {plein["2"], plein["2A"]}
    assert set(searched(client, "Zambeziplein 2")) == both
    assert set(audited(auditor_client, "Zambeziplein 2")) == both
    # In a list nobody can choose: the plain number, one of the very same candidates.
    assert bulk_checked(searcher, "Zambeziplein 2") == plein["2"]
    for text in ["Zambeziplein 2A", "1301 AA 2 a"]:
        assert searched(client, text) == [plein["2A"]]
        assert bulk_checked(searcher, text) == plein["2A"]
        assert audited(auditor_client, text) == [plein["2A"]]
    # Two towns: candidates in the search and the audit, ambiguous in a list.
    towns = {plein["3"], plein["3-lelystad"]}
    assert set(searched(client, "Zambeziplein 3")) == towns
    assert set(audited(auditor_client, "Zambeziplein 3")) == towns
    assert bulk_checked(searcher, "Zambeziplein 3") is None
    assert searched(client, "Zambeziplein 3 Lelystad") == [plein["3-lelystad"]]
    assert audited(auditor_client, "Zambeziplein 3 Lelystad") == [plein["3-lelystad"]]


def test_nothing_and_partial_texts_name_no_address(plein, searcher, auditor_client):
    assert audited(auditor_client, "Zambeziplein 7") == []
    assert bulk_checked(searcher, "Zambeziplein 7") is None
    assert address_candidates(q="1301 AA") == []  # a postcode without number is not an address
    assert address_candidates(q="Zambezi") == []


TEXTS = ["Zambeziplein 1", "1301AA 1", "1301 AB 12", "1301AB-100", "Zambeziplein 2", "1301AA 2", "1301AA 2A",
         "1301AA 2B", "Zambeziplein 3", "Zambeziplein 3 Almere", "9999 ZZ 1", "1301 AA", "Zambezi", "12345", "",
         "Zambeziplein 17"]


def test_resolving_many_answers_as_resolving_one(plein):
    many = address_resolve_many(texts=TEXTS)
    for text, found in zip(TEXTS, many, strict=True):
        one = address_search(q=text)
        if one.kind == "candidates" and found.kind == "exact":
            # only the list rule: a plain number among candidates on one postcode + number
            assert found.address in one.addresses and not (found.address.letter or found.address.addition), text
        else:
            assert (found.kind, found.addresses, found.message) == (one.kind, one.addresses, one.message), text


def test_resolving_many_postcode_lines_costs_one_query_per_chunk(plein):
    texts = [f"1301AB {number}" for number in range(10, 20)] * 20
    with CaptureQueriesContext(connection) as queries:
        found = address_resolve_many(texts=texts)
    assert len(queries) == 1
    assert [f.address.number for f in found] == list(range(10, 20)) * 20
