"""Invisible purposes (issue 12, finding 5): a purpose of zero-width spaces, BOMs, U+2800, U+3164 or U+202E passed
the 3-character minimum. Only visible characters count now, what is stored is what a reader sees, and the auditors'
"zonder doel" filter finds records stored with nothing visible before this rule existed."""
import pytest
from rest_framework.test import APIClient

from audit.models import AccessEvent
from audit.selectors import event_filter
from audit.services import access_event_record
from tests.factories import login

pytestmark = pytest.mark.django_db

INVISIBLE = [
    "\u200b\u200b\u200b\u200b",  # zero-width spaces
    "\ufeff\ufeff\ufeff",  # byte-order marks
    "\u2800\u2800\u2800",  # Braille pattern blank
    "\u3164\u3164\u3164",  # Hangul filler
    "\u202e\u202e\u202e",  # right-to-left override
    "\u200b\u2800 \u3164\ufeff\u00a0\u2060",  # a mix with a space and a no-break space
    "a\u200b\u200bb",  # two visible characters are still too few
]


def searches(user):
    return AccessEvent.objects.filter(actor=user, action=AccessEvent.Action.ADDRESS_SEARCH).count()


@pytest.mark.parametrize("purpose", INVISIBLE)
def test_an_invisible_purpose_is_refused_by_the_api(people, addresses, purpose):
    client = APIClient()
    client.force_login(people["hh"])
    response = client.get(f"/api/v1/addresses/{addresses['a12'].pk}/hits", {"purpose": purpose})
    assert response.status_code == 400
    assert searches(people["hh"]) == 0


@pytest.mark.parametrize("purpose", INVISIBLE)
def test_an_invisible_purpose_is_refused_by_the_search_page(client, people, addresses, purpose):
    login(client, people["hh"])
    response = client.post("/signalen/zoeken/", {"q": "1311AB 12", "purpose": purpose})
    assert response.status_code == 200
    assert "Vul het doel van deze zoekvraag in" in response.content.decode()
    assert searches(people["hh"]) == 0


def test_the_stored_purpose_is_what_a_reader_sees(people, addresses):
    client = APIClient()
    client.force_login(people["hh"])
    response = client.get(f"/api/v1/addresses/{addresses['a12'].pk}/hits",
                          {"purpose": "\u202eZaak\u200b 2024\u3164-17\ufeff"})
    assert response.status_code == 200
    assert AccessEvent.objects.get(actor=people["hh"], action=AccessEvent.Action.ADDRESS_SEARCH).purpose == "Zaak 2024-17"


def test_the_auditors_filter_finds_records_stored_with_nothing_visible(people):
    # records as they could be stored before this rule (written straight through the audit writer)
    for purpose in ("", "\u200b\u200b\u200b", "\u3164\u2800\ufeff", "Zaak 2024-17"):
        access_event_record(action=AccessEvent.Action.ADDRESS_SEARCH, actor=people["hh"], purpose=purpose)
    found = event_filter({"without_purpose": "true"}).qs.filter(action=AccessEvent.Action.ADDRESS_SEARCH)
    assert sorted(found.values_list("purpose", flat=True)) == sorted(["", "\u200b\u200b\u200b", "\u3164\u2800\ufeff"])

