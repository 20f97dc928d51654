"""Expiry and retention with frozen time: the nightly jobs, their audit trace, and the tombstone."""
from datetime import datetime, time, timedelta

import time_machine
from auditlog.models import LogEntry
from django.conf import settings
from django.utils import timezone

from audit.models import AccessEvent
from signals import selectors, services, tasks
from signals.models import Signal

# Tomorrow at ten (local time): after the fixtures' grants start, whatever day the suite runs.
START = timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=1), time(10)))


def test_signal_past_valid_until_is_no_hit_and_is_ended_by_the_nightly_job(place, addresses):
    with time_machine.travel(START, tick=False):
        signal = place("hh", "th", addresses["a12"], valid_until=START.date() + timedelta(days=10))
        keep = place("sz", "sz", addresses["a12"])
        assert len(selectors.address_hits(address=addresses["a12"])) == 2
    with time_machine.travel(START + timedelta(days=11), tick=False):
        # Before the job has run, the signal no longer counts as a hit.
        assert [h.department_name for h in selectors.address_hits(address=addresses["a12"])] == ["Sociale Zaken"]
        assert tasks.signal_expire_due.delay().get() == 1
        assert services.signal_expire_due() == 0  # idempotent
    signal.refresh_from_db()
    keep.refresh_from_db()
    assert signal.status == Signal.Status.EXPIRED and signal.ended_at is not None
    assert keep.status == Signal.Status.ACTIVE
    entry = LogEntry.objects.get_for_object(signal).filter(additional_data__bulk=True).get()
    assert "status" in entry.changes
    assert AccessEvent.objects.filter(action=AccessEvent.Action.BULK_CHANGE, object_type="signals.Signal").exists()


def test_details_erased_after_retention_leaving_a_tombstone(place, people, addresses, settings):
    settings.SIGNAL_DETAIL_RETENTION_DAYS = 30
    with time_machine.travel(START, tick=False):
        signal = place("hh", "th", addresses["a12"], case_reference="TH-1", details="GEHEIM verhaal")
        services.signal_close(user=people["hh"], signal=signal, reason="Afgerond, bewoner verhuisd")
    with time_machine.travel(START + timedelta(days=29), tick=False):
        assert services.signal_erase_expired_details() == 0
    with time_machine.travel(START + timedelta(days=31), tick=False):
        assert tasks.signal_erase_expired_details.delay().get() == 1
        assert services.signal_erase_expired_details() == 0
    tomb = Signal.objects.get(pk=signal.pk)
    assert (tomb.details, tomb.case_reference, tomb.close_reason) == ("", "", "")
    assert tomb.details_erased_at is not None
    assert tomb.public_id == signal.public_id and tomb.address_id == signal.address_id
    event = AccessEvent.objects.get(action=AccessEvent.Action.RETENTION)
    assert event.result_count == 1 and str(signal.pk) in event.query
    # No history entry ever held the details.
    for entry in LogEntry.objects.get_for_object(tomb):
        assert "GEHEIM" not in str(entry.changes) and "bewoner verhuisd" not in str(entry.changes)


def test_active_signal_details_are_never_erased(place, addresses, settings):
    settings.SIGNAL_DETAIL_RETENTION_DAYS = 1
    with time_machine.travel(START, tick=False):
        signal = place("hh", "th", addresses["a12"])
    with time_machine.travel(START + timedelta(days=100), tick=False):
        assert services.signal_erase_expired_details() == 0
    signal.refresh_from_db()
    assert signal.details.startswith("GEHEIM")


def test_beat_schedule_has_both_jobs():
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"signals.tasks.signal_expire_due", "signals.tasks.signal_erase_expired_details"} <= tasks_scheduled
