"""A search triggered from another website (issue 12, finding 6): `GET /api/v1/addresses/{id}/hits?purpose=...` with
the victim's session cookie and cross-site headers ran, counted against the victim's limit and was logged in the
victim's name. Now the session counts only for requests from the platform's own pages; nothing runs or is recorded."""
import pytest
from rest_framework.test import APIClient

from audit.models import AccessEvent
from signals.models import SearchTally

pytestmark = pytest.mark.django_db

PURPOSE = "Controle zaak 2024-17"


def hits_url(address):
    return f"/api/v1/addresses/{address.pk}/hits?purpose={PURPOSE}"


def searches(user):
    return AccessEvent.objects.filter(actor=user, action=AccessEvent.Action.ADDRESS_SEARCH).count()


@pytest.mark.parametrize("headers", [
    {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_SEC_FETCH_MODE": "no-cors", "HTTP_SEC_FETCH_DEST": "image"},
    {"HTTP_SEC_FETCH_SITE": "same-site"},  # another site of the same registrable domain is another site too
    {"HTTP_REFERER": "https://evil.example/lokaas.html"},  # an older browser: no Sec-Fetch, a foreign Referer
    {"HTTP_ORIGIN": "null"},  # a sandboxed frame
])
def test_a_cross_site_search_with_the_session_cookie_does_not_run(people, addresses, headers):
    client = APIClient()
    client.force_login(people["hh"])
    before_tallies = SearchTally.objects.count()
    response = client.get(hits_url(addresses["a12"]), **headers)
    assert response.status_code == 403
    assert "andere website" in response.json()["detail"]
    assert searches(people["hh"]) == 0
    assert SearchTally.objects.count() == before_tallies


@pytest.mark.parametrize("headers", [
    {"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_SEC_FETCH_MODE": "cors"},  # the platform's own pages
    {"HTTP_SEC_FETCH_SITE": "none"},  # typed in the address bar
    {"HTTP_REFERER": "http://testserver/signalen/zoeken/"},
    {},  # no browser headers at all (a script with a session)
])
def test_the_platforms_own_requests_still_search(people, addresses, headers):
    client = APIClient()
    client.force_login(people["hh"])
    response = client.get(hits_url(addresses["a12"]), **headers)
    assert response.status_code == 200
    assert searches(people["hh"]) == 1


def test_a_token_is_not_affected_by_the_headers(people, addresses):
    """Another website cannot attach a token, so a token request is judged by its token alone."""
    from access.api import api_token_rotate

    raw = api_token_rotate(user=people["hh"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get(hits_url(addresses["a12"]), HTTP_SEC_FETCH_SITE="cross-site").status_code == 200
    assert searches(people["hh"]) == 1
