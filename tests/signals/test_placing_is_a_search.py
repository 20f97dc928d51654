"""Placing a signal is not a search without purpose (issue 12, finding 3): creating a signal and reading the
co-occurrence notice revealed which departments flag an address, with no purpose, no search record and no count
against the limit, also for an officer without the search role (signaal-oov learned that Belastingen flags 1301 AA 7).
The placing department is now told only under the search rules; the other departments are told as before."""
import pytest

from audit.models import AccessEvent
from signals.models import Notification, SearchTally

pytestmark = pytest.mark.django_db


def notices(user):
    return Notification.objects.filter(recipient=user, kind=Notification.Kind.CO_OCCURRENCE)


def searches(user):
    return AccessEvent.objects.filter(actor=user, action=AccessEvent.Action.ADDRESS_SEARCH)


def test_an_officer_without_the_search_role_learns_nothing_by_placing_a_signal(place, people, addresses):
    place("hh", "th", addresses["a12"])  # Toezicht en Handhaving flags the address
    place("oov", "oov", addresses["a12"])  # OOV's officer (no search role) places one there too
    assert not notices(people["oov"]).exists()  # OOV is not told that T&H flags it
    assert not searches(people["oov"]).exists()
    assert notices(people["hh"]).count() == 1  # T&H is told, as before, that OOV joined


def test_with_the_search_role_the_notice_is_a_recorded_search_with_the_signals_ground(place, people, addresses):
    place("sz", "sz", addresses["k3"])
    tallies = SearchTally.objects.filter(user=people["hh"]).count()
    place("hh", "th", addresses["k3"], case_reference="Z-2024-88")
    assert notices(people["hh"]).count() == 1
    event = searches(people["hh"]).get()
    assert event.purpose == "Signaal geplaatst (Z-2024-88)"  # the ground, never the category (auditors read it)
    assert event.result_count == 1 and event.object_id == str(addresses["k3"].pk)
    assert SearchTally.objects.filter(user=people["hh"]).count() == tallies + 1


def test_over_the_search_limit_the_placing_department_is_not_told(place, people, addresses, settings):
    settings.SIGNAL_SEARCH_LIMIT_PER_DAY = 1
    from signals.services import address_hit_search

    address_hit_search(user=people["hh"], address=addresses["a14"], purpose="Zaak 2024-17")  # the day's one search
    place("sz", "sz", addresses["k5"])
    signal = place("hh", "th", addresses["k5"])
    assert signal.pk  # the signal itself is placed
    assert not notices(people["hh"]).exists()
    assert searches(people["hh"]).count() == 1  # only the real search
    assert notices(people["sz"]).count() == 1  # Sociale Zaken is told that T&H joined
