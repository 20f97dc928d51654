"""Services and selectors: validation, the hit shape, co-occurrence, notify-on-search, limits."""
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AccessEvent
from signals import selectors, services
from signals.models import Notification, Signal


def test_hit_has_one_row_per_department_and_nothing_else(place, people, addresses):
    a = addresses["a12"]
    place("hh", "th", a)
    place("hh", "th", a, contact_before_acting=True)
    place("hh", "th", a)
    place("sz", "sz", a)
    hits = services.address_hit_search(user=people["searcher"], address=a, purpose="Zaak 2026-001")
    assert [h.department_name for h in hits] == ["Sociale Zaken", "Toezicht en Handhaving"]
    th = hits[1]
    assert th.contact_name == "Henk Handhaver"
    assert th.contact_phone == "06 1111 1111"
    assert th.contact_before_acting is True
    assert th.since == timezone.localdate().replace(day=1)
    # Sociale Zaken's officer has no phone: the department's general number is given.
    assert hits[0].contact_phone == "036 222"
    fields = set(th.__dataclass_fields__)
    assert fields == {"department_id", "department_name", "contact_name", "contact_phone", "contact_email", "since",
                      "contact_before_acting"}
    event = AccessEvent.objects.filter(action=AccessEvent.Action.ADDRESS_SEARCH).latest("id")
    assert (event.query, event.purpose, event.result_count) == ("1311AB 12", "Zaak 2026-001", 2)
    assert event.object_type == "areas.Address" and event.object_id == str(a.pk)


def test_search_requires_purpose_and_permission(people, addresses):
    with pytest.raises(ValidationError):
        services.address_hit_search(user=people["searcher"], address=addresses["a12"], purpose="  ")
    with pytest.raises(PermissionDenied):
        services.address_hit_search(user=people["oov"], address=addresses["a12"], purpose="Zaak 1")
    with pytest.raises(PermissionDenied):
        services.address_hit_search(user=people["coord"], address=addresses["a12"], purpose="Zaak 1")
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.ADDRESS_SEARCH).exists()


def test_no_hit_is_recorded_too(people, addresses):
    assert services.address_hit_search(user=people["searcher"], address=addresses["k3"], purpose="Zaak 9") == []
    event = AccessEvent.objects.get(action=AccessEvent.Action.ADDRESS_SEARCH)
    assert event.result_count == 0 and event.query == "1322CD 3"


def test_create_checks_department_category_officer_and_period(place, people, depts, addresses):
    with pytest.raises(PermissionDenied):
        place("hh", "sz", addresses["a12"], category=depts["cats"]["uitkeringsfraude"])
    with pytest.raises(ValidationError):
        place("hh", "th", addresses["a12"], category=depts["cats"]["uitkeringsfraude"])
    with pytest.raises(ValidationError):
        place("hh", "th", addresses["a12"], contact_officer=people["sz"])
    with pytest.raises(ValidationError):
        place("hh", "th", addresses["a12"], valid_until=timezone.localdate() + timedelta(days=800))
    with pytest.raises(ValidationError):
        place("hh", "th", addresses["a12"], valid_until=timezone.localdate() - timedelta(days=1))
    signal = place("hh", "th", addresses["a12"])
    assert signal.valid_until.year == timezone.localdate().year + 1
    # A superuser flag gives nothing: root holds a grant on Sociale Zaken only.
    with pytest.raises(PermissionDenied):
        place("root", "th", addresses["a12"], contact_officer=people["hh"])


def test_update_extend_close_only_own(place, people, addresses):
    signal = place("hh", "th", addresses["a12"])
    with pytest.raises(Signal.DoesNotExist):
        services.signal_update(user=people["sz"], signal=signal, details="x")
    with pytest.raises(Signal.DoesNotExist):
        services.signal_close(user=people["root"], signal=signal, reason="x")
    services.signal_update(user=people["hh"], signal=signal, details="nieuw")
    services.signal_extend(user=people["hh"], signal=signal, valid_until=signal.valid_until + timedelta(days=30))
    with pytest.raises(ValidationError):
        services.signal_close(user=people["hh"], signal=signal, reason="")
    closed = services.signal_close(user=people["hh"], signal=signal, reason="Zaak afgerond")
    assert closed.status == Signal.Status.CLOSED and closed.closed_by == people["hh"]
    assert selectors.address_hits(address=addresses["a12"]) == []
    with pytest.raises(ValidationError):
        services.signal_update(user=people["hh"], signal=signal, details="na sluiten")


def test_co_occurrence_notifies_all_contact_officers_without_details(place, people, addresses, mailoutbox,
                                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        place("hh", "th", addresses["a12"])
    assert Notification.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        place("sz", "sz", addresses["a12"])
    notes = Notification.objects.all()
    assert {n.recipient.username for n in notes} == {"henk", "sanne"}
    for note in notes:
        assert "Stationsstraat 12" in note.text
        assert "Toezicht en Handhaving" in note.text and "Sociale Zaken" in note.text
        assert "GEHEIM" not in note.text and "fraude" not in note.text.lower()
    # One mail per recipient (sent by a Celery task after the commit, see test_mail.py).
    assert sorted(message.to for message in mail.outbox) == [["henk@gemeente.example"], ["sanne@gemeente.example"]]
    for message in mail.outbox:
        assert "GEHEIM" not in message.body and "fraude" not in message.body.lower()
        assert "Stationsstraat 12" in message.subject


def test_notify_on_search_tells_the_department_but_not_its_own_searches(place, people, addresses):
    place("hh", "th", addresses["a14"], notify_on_search=True)
    services.address_hit_search(user=people["hh"], address=addresses["a14"], purpose="Eigen zaak")
    assert Notification.objects.count() == 0
    services.address_hit_search(user=people["searcher"], address=addresses["a14"], purpose="Zaak 77")
    note = Notification.objects.get()
    assert note.recipient == people["hh"] and note.kind == Notification.Kind.SEARCHED
    assert "Stationsstraat 14" in note.text and "Zoë Zoeker" in note.text
    assert "Zaak 77" not in note.text  # the searcher's purpose is not shared


def test_search_limit_refuses_with_clear_message_and_records_refusal(settings, people, addresses):
    settings.SIGNAL_SEARCH_LIMIT_PER_HOUR = 2
    for _i in range(2):
        services.address_hit_search(user=people["searcher"], address=addresses["a12"], purpose="Zaak 1")
    with pytest.raises(services.SearchLimitExceeded) as exc:
        services.address_hit_search(user=people["searcher"], address=addresses["a12"], purpose="Zaak 1")
    assert "2 zoekvragen per uur" in exc.value.message
    refusal = AccessEvent.objects.filter(outcome=AccessEvent.Outcome.DENIED).get()
    assert refusal.action == AccessEvent.Action.ADDRESS_SEARCH and refusal.actor == people["searcher"]
    # Another user is not affected.
    services.address_hit_search(user=people["hh"], address=addresses["a12"], purpose="Zaak 1")


def test_daily_limit(settings, people, addresses):
    settings.SIGNAL_SEARCH_LIMIT_PER_HOUR = 100
    settings.SIGNAL_SEARCH_LIMIT_PER_DAY = 3
    import time_machine

    start = timezone.now()
    for hours in (0, 2, 4):
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            services.address_hit_search(user=people["searcher"], address=addresses["a12"], purpose="Zaak 1")
    with time_machine.travel(start + timedelta(hours=6), tick=False):
        with pytest.raises(services.SearchLimitExceeded) as exc:
            services.address_hit_search(user=people["searcher"], address=addresses["a12"], purpose="Zaak 1")
        assert "per dag" in exc.value.message
    with time_machine.travel(start + timedelta(hours=25), tick=False):
        services.address_hit_search(user=people["searcher"], address=addresses["a12"], purpose="Zaak 1")


def test_hit_report_counts_departments_not_signals(place, addresses, area):
    place("hh", "th", addresses["a12"])
    place("hh", "th", addresses["a12"])
    place("sz", "sz", addresses["a12"])
    place("oov", "oov", addresses["k3"])
    place("sz", "sz", addresses["k3"])
    place("oov", "oov", addresses["k3"])
    place("hh", "th", addresses["a14"])
    rows = selectors.hit_report(min_departments=2)
    assert [(r.address_label, r.department_count) for r in rows] == [
        ("Kadeweg 3, 1322 CD Almere", 2), ("Stationsstraat 12, 1311 AB Almere", 2)]
    assert rows[1].departments == ["Sociale Zaken", "Toezicht en Handhaving"]
    assert [r.address_id for r in selectors.hit_report(min_departments=2, wijk="WK003402")] == [addresses["k3"].pk]
    assert [r.address_id for r in selectors.hit_report(min_departments=2, buurt=area["buurt_a"])] == [
        addresses["a12"].pk]
    assert selectors.hit_report(min_departments=3) == []
    # No caller gets below two departments: one would list every department's own signalled addresses.
    assert selectors.hit_report(min_departments=1) == selectors.hit_report(min_departments=0) == rows


def test_bulk_check_notifies_departments_that_asked_once_per_officer(place, people, addresses):
    place("hh", "th", addresses["a12"], notify_on_search=True)
    place("hh", "th", addresses["a14"], notify_on_search=True)
    place("sz", "sz", addresses["k3"])  # did not ask
    rows = services.bulk_check(user=people["searcher"], content="1311AB 12\n1311AB 14\n1322CD 3\n", purpose="Actie")
    assert [r.department_count for r in rows] == [1, 1, 1]
    note = Notification.objects.get()
    assert note.recipient == people["hh"]
    assert "Stationsstraat 12, 1311 AB Almere; Stationsstraat 14, 1311 AB Almere" in note.text
    assert "Kadeweg" not in note.text and "Actie" not in note.text.replace("bulkcontrole", "")


def test_contact_of_a_departed_officer_falls_back_to_the_department(place, people, addresses):
    place("hh", "th", addresses["a12"])
    people["hh"].is_active = False
    people["hh"].save()
    hit = selectors.address_hits(address=addresses["a12"])[0]
    assert (hit.contact_name, hit.contact_phone, hit.contact_email) == (
        "Toezicht en Handhaving (algemeen)", "036 111", "th@gemeente.example")


def test_co_occurrence_only_when_a_department_joins(place, people, addresses):
    place("hh", "th", addresses["a12"])
    place("sz", "sz", addresses["a12"])
    assert Notification.objects.count() == 2
    place("sz", "sz", addresses["a12"])  # Sociale Zaken was already there: no news
    assert Notification.objects.count() == 2
    # a third department joins: the two departments already there hear it; OOV's officer, who has no search role,
    # is not told which departments flag the address (that would be a search without purpose: issue 12, finding 3)
    place("oov", "oov", addresses["a12"])
    assert Notification.objects.count() == 4
    assert Notification.objects.filter(recipient=people["oov"]).count() == 0


def test_search_query_count_is_flat_in_signals_and_departments(place, people, addresses):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    place("hh", "th", addresses["a12"])
    # Warm-up: the user's permissions and department are cached on the user object for the request.
    services.address_hit_search(user=people["searcher"], address=addresses["k3"], purpose="Zaak 1")
    with CaptureQueriesContext(connection) as one:
        services.address_hit_search(user=people["searcher"], address=addresses["a12"], purpose="Zaak 1")
    for _i in range(4):
        place("hh", "th", addresses["a14"])
        place("sz", "sz", addresses["a14"])
        place("oov", "oov", addresses["a14"])
    with CaptureQueriesContext(connection) as many:
        hits = services.address_hit_search(user=people["searcher"], address=addresses["a14"], purpose="Zaak 1")
    assert len(hits) == 3
    assert len(many.captured_queries) == len(one.captured_queries)
    signal_queries = [q for q in many.captured_queries if "signals_signal" in q["sql"]]
    assert len(signal_queries) == 1  # the hits: one query, department and contact officer joined in


def test_a_bulk_check_counts_every_address_against_its_own_daily_budget(settings, people, addresses):
    """Before: one check of 5,000 addresses counted as one search, so one user could check a million addresses a
    day. Now every address counts against the bulk budget (one tally row per check, so single searches stay
    cheap), and single searches keep their own limit."""
    from signals.models import SearchTally

    settings.SIGNAL_SEARCH_LIMIT_PER_HOUR = 3
    settings.SIGNAL_BULK_ADDRESSES_PER_DAY = 200
    searcher = people["searcher"]
    text = "\n".join(["1311 AB 12", "1311 AB 14", "1322 CD 3"] * 40)
    services.bulk_check(user=searcher, content=text, purpose="Actiedag")
    searches = AccessEvent.objects.filter(actor=searcher, action=AccessEvent.Action.ADDRESS_SEARCH)
    assert searches.count() == 120  # every address recorded in the audit trail
    assert SearchTally.objects.filter(user=searcher).get().addresses == 120
    with pytest.raises(services.SearchLimitExceeded) as refused:
        services.bulk_check(user=searcher, content=text, purpose="Actiedag 2")  # 120 more: over 200
    assert "nog 80 adressen" in refused.value.message
    assert searches.count() == 121 and searches.filter(outcome="denied").count() == 1  # the refusal, on record
    assert SearchTally.objects.filter(user=searcher).count() == 1  # the refused check took nothing
    services.bulk_check(user=searcher, content="\n".join(["1311 AB 12"] * 80), purpose="Actiedag 3")  # exactly 200
    # Single searches have their own budget, untouched by the bulk checks.
    for case in ("Zaak 1", "Zaak 2", "Zaak 3"):
        services.address_hit_search(user=searcher, address=addresses["a12"], purpose=case)
    with pytest.raises(services.SearchLimitExceeded):
        services.address_hit_search(user=searcher, address=addresses["a12"], purpose="Zaak 4")


def test_a_bulk_check_needs_its_own_permission(people):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):  # hh may search, but has no bulk check grant
        services.bulk_check(user=people["hh"], content="1311 AB 12\n", purpose="Actiedag")


def test_a_bulk_check_writes_its_events_in_one_insert(people, addresses):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    text = "\n".join(["1311 AB 12", "1311 AB 14", "1322 CD 3"] * 20)
    with CaptureQueriesContext(connection) as queries:
        services.bulk_check(user=people["searcher"], content=text, purpose="Actiedag")
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT") and "audit_accessevent" in q["sql"]]
    assert len(inserts) == (1 if connection.vendor == "postgresql" else 2)  # SQLite: 999 parameters a statement


def test_search_tallies_are_pruned_after_two_days_by_the_beat_job(settings, people, addresses):
    import time_machine

    from signals.models import SearchTally
    from signals.tasks import search_tally_prune

    assert settings.CELERY_BEAT_SCHEDULE["signals-prune-search-tallies"]["task"] == search_tally_prune.name
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.address_hit_search(user=people["searcher"], address=addresses["a12"], purpose="Zaak 1")
    with time_machine.travel(start + timedelta(days=1), tick=False):
        services.address_hit_search(user=people["searcher"], address=addresses["a14"], purpose="Zaak 2")
    with time_machine.travel(start + timedelta(days=2, hours=1), tick=False):
        assert search_tally_prune.delay().get() == 1
    assert SearchTally.objects.count() == 1
    # The audit trail keeps both searches.
    assert AccessEvent.objects.filter(action=AccessEvent.Action.ADDRESS_SEARCH).count() == 2
