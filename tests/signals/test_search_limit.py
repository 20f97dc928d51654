"""The anti-fishing limit counts what the server decides, never what a client sends."""
import pytest
from django.test import Client

from audit.models import AccessEvent
from tests.factories import login

pytestmark = pytest.mark.django_db


def test_a_fixed_traceparent_does_not_buy_extra_searches(people, addresses, settings):
    """The attack of issue 9: one fixed traceparent with every search made 130 searches count as one."""
    settings.SIGNAL_SEARCH_LIMIT_PER_HOUR = 5
    client = login(Client(), people["searcher"])
    header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    url = f"/api/v1/addresses/{addresses['a12'].pk}/hits"
    statuses = [client.get(url, {"purpose": "Zaak 12"}, HTTP_TRACEPARENT=header).status_code for _ in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
    searches = AccessEvent.objects.filter(actor=people["searcher"], action=AccessEvent.Action.ADDRESS_SEARCH)
    assert searches.filter(outcome="allowed").count() == 5 and searches.filter(outcome="denied").count() == 2
    assert len(set(searches.values_list("request_id", flat=True))) == 7
    assert "4bf92f3577b34da6a3ce929d0e0e4736" not in searches.values_list("request_id", flat=True)
