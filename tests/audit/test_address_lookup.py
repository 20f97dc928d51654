""""Wie heeft dit adres bekeken" answers completely, in plain Dutch: searches (also bulk checks and searches that
found nothing), views of the signals on the address, and hit-report listings (page, print, CSV, API) that named it."""
import pytest
from django.test import Client

from audit.models import AccessEvent
from signals import services
from tests.factories import login
from tests.signals import conftest as signal_fixtures

# The signalling tool's fixtures (departments, officers, addresses, place a signal).
area, addresses, depts, people, place = (signal_fixtures.area, signal_fixtures.addresses, signal_fixtures.depts,
                                         signal_fixtures.people, signal_fixtures.place)

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor_client(auditor):
    return login(Client(), auditor)


def lookup(client, text):
    response = client.get("/audit/adres/", {"address": text})
    assert response.status_code == 200
    return response


def test_searches_signal_views_and_hit_report_listings_of_the_address(auditor_client, people, place, addresses):
    k3 = addresses["k3"]
    signal = place("hh", "th", k3)
    place("sz", "sz", k3)
    place("hh", "th", addresses["a14"])  # another address: never in the answer

    services.address_hit_search(user=people["searcher"], address=k3, purpose="Zaak 2026-001")
    services.address_hit_search(user=people["searcher"], address=addresses["a14"], purpose="Zaak 2026-002")
    officer = login(Client(), people["hh"])
    assert officer.get(f"/signalen/signaal/{signal.public_id}/").status_code == 200
    coordinator = login(Client(), people["coord"])
    for url in ["/signalen/uitdraai/", "/signalen/uitdraai/afdrukken/", "/signalen/uitdraai.csv",
                "/api/v1/hit-report"]:
        assert coordinator.get(url).status_code == 200, url

    response = lookup(auditor_client, "1322 CD 3")
    rows = response.context["rows"]
    descriptions = [row.description for row in rows]
    html = response.content.decode()

    assert any("zoeker" in d and "zocht dit adres" in d and "2 afdelingen" in d for d in descriptions), descriptions
    assert any("henk" in d and "bekeek de details van een signaal van Toezicht en Handhaving op dit adres" in d
               for d in descriptions), descriptions
    assert sum("coord" in d and "uitdraai" in d for d in descriptions) == 4, descriptions
    assert any("drukte de uitdraai af" in d for d in descriptions)
    assert any("downloadde de uitdraai (CSV)" in d for d in descriptions)
    # Sanne placed Sociale Zaken's signal where T&H already had one: the notice told her which departments flag the
    # address, which is a search of hers on record (issue 12, finding 3)
    assert any("sanne" in d and "zocht dit adres" in d for d in descriptions), descriptions
    assert len(rows) == 7
    assert "Zaak 2026-001" in html and "Zaak 2026-002" not in html
    assert "bekeek de details van een signaal" in html
    # Nothing about what the signal says reaches the auditor through this page.
    assert "GEHEIM" not in html and "fraude" not in html.lower()


def test_other_addresses_listed_in_the_report_do_not_show(auditor_client, people, place, addresses):
    place("hh", "th", addresses["k3"])
    place("sz", "sz", addresses["k3"])
    coordinator = login(Client(), people["coord"])
    coordinator.get("/signalen/uitdraai/")
    assert lookup(auditor_client, "1311 AB 14").context["rows"] == []
    listing = AccessEvent.objects.filter(object_type="areas.Address", action=AccessEvent.Action.SIGNAL_VIEW).get()
    assert listing.object_id == str(addresses["k3"].pk) and listing.actor == people["coord"]


def test_searches_that_found_nothing_and_refusals_read_plainly(auditor_client, people, settings):
    settings.SIGNAL_SEARCH_LIMIT_PER_HOUR = 1
    services.address_unresolved_search_record(user=people["searcher"], query="9999ZZ 1", purpose="Zaak 7")
    with pytest.raises(services.SearchLimitExceeded):
        services.address_unresolved_search_record(user=people["searcher"], query="9999ZZ 1", purpose="Zaak 8")
    descriptions = [r.description.replace(f" ({people['searcher'].department})", "")
                    for r in lookup(auditor_client, "9999 ZZ 1").context["rows"]]
    assert descriptions == ["zoeker wilde dit adres zoeken; dat is geweigerd.",
                            "zoeker zocht op ‘9999ZZ 1’; er werd geen adres gevonden."]


def test_bulk_check_lines_are_searches_of_the_address(auditor_client, people, place, addresses):
    services.bulk_check(user=people["searcher"], content="1322CD 3\n1311AB 14\n", purpose="Actiedag")
    rows = lookup(auditor_client, "Kadeweg 3").context["rows"]
    assert [r.object_id for r in rows] == [str(addresses["k3"].pk)]
    assert "zocht dit adres" in rows[0].description
