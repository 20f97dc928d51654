"""Sensitive responses are never cached (issue 12, finding 7): signal pages, the register, hits and the API's
signal responses carried no Cache-Control; now every response to a logged-in user and every API response says
no-store, while static files stay cacheable."""
import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import login

pytestmark = pytest.mark.django_db


def no_store(response):
    return "no-store" in response.get("Cache-Control", "")


def test_signal_pages_register_hits_and_api_are_not_stored(people, place, addresses):
    signal = place("hh", "th", addresses["a12"])
    client = login(Client(), people["hh"])
    pages = ["/", "/signalen/zoeken/", "/signalen/afdeling/toezicht-handhaving/",
             f"/signalen/signaal/{signal.public_id}/",
             "/signalen/zoeken/?q=1311AB+12&purpose=Controle+zaak+2024-17",
             "/signalen/meldingen/"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert no_store(response), url

    api = APIClient()
    api.force_login(people["hh"])
    for url in ["/api/v1/signals", f"/api/v1/signals/{signal.public_id}",
                f"/api/v1/addresses/{addresses['a12'].pk}/hits?purpose=Controle+zaak+2024-17"]:
        response = api.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert no_store(response), url


def test_an_api_refusal_is_not_stored_either(db):
    response = APIClient().get("/api/v1/signals")
    assert response.status_code in (401, 403)
    assert no_store(response)
