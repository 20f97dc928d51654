"""Every use of the signalling tool leaves its trace: searches (also no-hits and refusals), detail views,
hit reports, bulk checks, denials, and auditlog history of every change (without the details)."""
from datetime import timedelta

from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.models import AccessEvent
from signals import services
from signals.models import Signal
from tests.factories import login

SEARCH = AccessEvent.Action.ADDRESS_SEARCH


def test_search_event_says_who_what_why_and_how_many(client, people, place, addresses):
    place("hh", "th", addresses["a12a"])
    place("sz", "sz", addresses["a12a"])
    login(client, people["searcher"])
    client.post("/signalen/zoeken/", {"q": "1311ab-12-A", "purpose": "Zaak\nSZ-2026-14"},
                REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="pytest")
    # (placing sz's signal was a search of Sanne's too: the notice told her which departments flag the address)
    event = AccessEvent.objects.get(action=SEARCH, actor=people["searcher"])
    assert event.actor == people["searcher"] and event.actor_department == "Openbare Orde en Veiligheid"
    assert event.object_type == "areas.Address" and event.object_id == str(addresses["a12a"].pk)
    assert event.query == "1311AB 12A"
    assert event.purpose == "Zaak SZ-2026-14"  # whitespace collapsed: no forged log lines
    assert event.result_count == 2 and event.outcome == AccessEvent.Outcome.ALLOWED
    assert event.ip_address == "10.1.2.3" and event.request_id


def test_no_hit_and_refusal_are_recorded(settings, client, people, addresses):
    settings.SIGNAL_SEARCH_LIMIT_PER_HOUR = 1
    login(client, people["searcher"])
    client.post("/signalen/zoeken/", {"q": "1311 AB 14", "purpose": "Zaak 1"})
    client.post("/signalen/zoeken/", {"q": "1322 CD 3", "purpose": "Zaak 2"})
    allowed, refused = AccessEvent.objects.filter(action=SEARCH).order_by("id")
    assert (allowed.result_count, allowed.outcome) == (0, AccessEvent.Outcome.ALLOWED)
    assert refused.outcome == AccessEvent.Outcome.DENIED and refused.query == "1322CD 3"
    assert refused.purpose == "Zaak 2" and refused.result_count is None


def test_detail_views_are_recorded_list_is_not_a_detail_view(client, people, place, addresses):
    signal = place("hh", "th", addresses["a12"])
    login(client, people["hh"])
    client.get("/signalen/afdeling/toezicht-handhaving/")
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.SIGNAL_VIEW).exists()
    client.get(f"/signalen/signaal/{signal.public_id}/")
    client.get(f"/signalen/signaal/{signal.public_id}/wijzigen/")
    views = AccessEvent.objects.filter(action=AccessEvent.Action.SIGNAL_VIEW)
    assert views.count() == 2
    assert set(views.values_list("object_type", "object_id")) == {("signals.Signal", str(signal.pk))}


def test_foreign_detail_attempt_is_not_a_view_and_denials_are_logged(client, people, place, addresses):
    signal = place("hh", "th", addresses["a12"])
    login(client, people["sz"])
    assert client.get(f"/signalen/signaal/{signal.public_id}/").status_code == 404
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.SIGNAL_VIEW).exists()
    assert client.get("/signalen/uitdraai/").status_code == 403
    # Both refusals are denials: the 404 that hides another department's signal, and the 403 of a closed page.
    denials = AccessEvent.objects.filter(action=AccessEvent.Action.DENIED).order_by("id")
    assert [(d.actor, d.path, d.object_type) for d in denials] == [
        (people["sz"], f"/signalen/signaal/{signal.public_id}/", "signals.Signal"),
        (people["sz"], "/signalen/uitdraai/", ""),
    ]


def test_hit_report_events_carry_filters_and_counts(client, people, place, addresses):
    place("hh", "th", addresses["a12"])
    place("sz", "sz", addresses["a12"])
    login(client, people["coord"])
    client.get("/signalen/uitdraai/?wijk=WK003401")
    client.get("/signalen/uitdraai/afdrukken/")
    client.get("/signalen/uitdraai.csv?min_departments=3")
    events = list(AccessEvent.objects.filter(object_type="signals.HitReport").order_by("id"))
    assert [(e.action, e.result_count) for e in events] == [
        (AccessEvent.Action.SIGNAL_VIEW, 1), (AccessEvent.Action.PRINT, 1), (AccessEvent.Action.EXPORT, 0)]
    assert "wijk=WK003401" in events[0].query and "min_departments=3" in events[2].query


def test_bulk_check_records_every_address(client, people, place, addresses):
    place("hh", "th", addresses["k3"])
    login(client, people["searcher"])
    client.post("/signalen/bulkcontrole/", {
        "file": SimpleUploadedFile("a.csv", b"1322CD 3\n1311AB 14\nnergens 1\n"), "purpose": "Actiedag Kade"})
    events = AccessEvent.objects.filter(action=SEARCH).order_by("id")
    assert [(e.query, e.result_count) for e in events] == [("1322CD 3", 1), ("1311AB 14", 0), ("nergens 1", 0)]
    assert {e.purpose for e in events} == {"Actiedag Kade"}


def test_changes_are_in_auditlog_with_actor_but_without_details(people, place, addresses):
    signal = place("hh", "th", addresses["a12"], details="GEHEIM-1", case_reference="ZAAK-GEHEIM")
    services.signal_update(user=people["hh"], signal=signal, details="GEHEIM-2", contact_before_acting=True)
    services.signal_extend(user=people["hh"], signal=signal, valid_until=timezone.localdate() + timedelta(days=400))
    services.signal_close(user=people["hh"], signal=signal, reason="GEHEIM-reden")
    entries = list(LogEntry.objects.get_for_object(Signal.objects.get(pk=signal.pk)).order_by("id"))
    assert [e.action for e in entries] == [LogEntry.Action.CREATE] + [LogEntry.Action.UPDATE] * 3
    assert {e.actor_id for e in entries} == {people["hh"].pk}
    assert "contact_before_acting" in entries[1].changes and "valid_until" in entries[2].changes
    assert "status" in entries[3].changes
    for entry in entries:
        text = str(entry.changes) + entry.object_repr
        assert "GEHEIM" not in text


def test_search_for_an_unknown_address_is_recorded_and_counts(settings, client, people, addresses):
    settings.SIGNAL_SEARCH_LIMIT_PER_HOUR = 2
    login(client, people["searcher"])
    html = client.post("/signalen/zoeken/", {"q": "9999 ZZ 1", "purpose": "Zaak 5"}).content.decode()
    assert "niet gevonden" in html
    event = AccessEvent.objects.get(action=SEARCH)
    assert (event.query, event.purpose, event.result_count, event.object_id) == ("9999ZZ 1", "Zaak 5", None, "")
    client.post("/signalen/zoeken/", {"q": "1311 AB 14", "purpose": "Zaak 5"})
    # Two searches used: a third unknown address is refused, and the refusal recorded.
    response = client.post("/signalen/zoeken/", {"q": "9999 ZZ 2", "purpose": "Zaak 5"})
    assert response.status_code == 429
    assert AccessEvent.objects.filter(action=SEARCH, outcome=AccessEvent.Outcome.DENIED, query="9999ZZ 2").exists()
    # Choosing between candidates is not a search yet.
    settings.SIGNAL_SEARCH_LIMIT_PER_HOUR = 100
    client.post("/signalen/zoeken/", {"q": "1311 AB 12", "purpose": "Zaak 5"})
    assert AccessEvent.objects.filter(action=SEARCH).count() == 3
