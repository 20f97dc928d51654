"""The demo municipality's signals: what the README tells a newcomer to try is really there."""
import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import Client

from signals.models import Signal
from tests.factories import demo_second_factor

pytestmark = pytest.mark.django_db


def test_demo_signals_cover_every_feature_and_are_seeded_once():
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert set(Signal.objects.values_list("department__code", flat=True)) == {
        "burgerzaken", "belastingen", "sociale-zaken", "vergunningen", "toezicht-handhaving", "oov"}
    per_address = Signal.objects.active().values("address").annotate(n=Count("department", distinct=True))
    counts = sorted((row["n"] for row in per_address), reverse=True)
    assert counts[0] == 4 and 3 in counts and 2 in counts
    assert Signal.objects.filter(contact_before_acting=True).exists()
    # The hit report has addresses in several wijken, so its wijk and buurt filters show something.
    multi = [row["address"] for row in per_address if row["n"] >= 2]
    wijken = set(Signal.objects.filter(address__in=multi).values_list("address__buurt__wijk", flat=True))
    assert len(wijken) >= 6, wijken
    total = Signal.objects.count()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert Signal.objects.count() == total


def test_readme_demo_addresses_answer_as_documented(settings):
    settings.DEMO_ACCOUNTS_ENABLED = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    client = Client()
    assert client.post("/inloggen/", {"username": "handhaver", "password": "Veilig-demo-2026"}).status_code == 302
    demo_second_factor(client, "handhaver")  # as the README tells a newcomer: manage.py demo_code handhaver
    html = client.post("/signalen/zoeken/", {"q": "1301 AA 1", "purpose": "Demo"}).content.decode()
    assert "4 afdelingen hebben een actief signaal" in html and "Neem contact op voordat u actie onderneemt" in html
    html = client.post("/signalen/zoeken/", {"q": "1301AA-3", "purpose": "Demo"}).content.decode()
    assert "2 afdelingen hebben een actief signaal" in html


def test_every_demo_signal_officer_passes_the_second_factor_as_the_readme_says(settings):
    """The signaal-* officers hold a sensitive role: like the other demo accounts they get the documented demo app,
    so a newcomer logs in with `manage.py demo_code signaal-oov` instead of meeting an enrolment QR code."""
    settings.DEMO_ACCOUNTS_ENABLED = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    for username in ("signaal-burgerzaken", "signaal-belastingen", "signaal-vergunningen", "signaal-oov"):
        client = Client()
        response = client.post("/inloggen/", {"username": username, "password": "Veilig-demo-2026"})
        assert response.status_code == 302
        demo_second_factor(client, username)
        assert client.get("/signalen/afdeling/", follow=True).status_code == 200, username  # their own register
