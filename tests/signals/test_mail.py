"""E-mail is a side effect queued on commit as a Celery task: never sent inside the request's transaction, nothing
at all when it rolls back, one message per recipient, and a mail outage never undoes the signal."""
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client

from signals import tasks
from signals.models import Notification, Signal
from tests.factories import login


def test_nothing_is_sent_inside_the_transaction_and_nothing_when_it_rolls_back(place, addresses,
                                                                               django_capture_on_commit_callbacks):
    place("hh", "th", addresses["a12"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            place("sz", "sz", addresses["a12"])  # a co-occurrence: two notifications, two mails due
            assert Notification.objects.count() == 2
            assert mail.outbox == []  # not sent while the transaction is open
            raise RuntimeError("the request fails after the notices were written")
    assert callbacks == [] and mail.outbox == []
    assert Notification.objects.count() == 0 and Signal.objects.count() == 1


def test_the_mail_goes_through_a_celery_task_queued_on_commit(place, addresses, django_capture_on_commit_callbacks):
    place("hh", "th", addresses["a12"])
    with mock.patch.object(tasks.notification_mail_send, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            place("sz", "sz", addresses["a12"])
        assert delay.call_count == 0 and mail.outbox == []  # queued only when the transaction commits
        for callback in callbacks:
            callback()
    notes = Notification.objects.order_by("pk")
    assert sorted(call.args for call in delay.call_args_list) == [(note.pk,) for note in notes]
    assert mail.outbox == []  # the task (mocked here) sends, not the request


def test_with_eager_celery_each_recipient_gets_one_mail_after_commit(client, people, depts, place, addresses,
                                                                     django_capture_on_commit_callbacks):
    """Through the page: the request itself sends nothing; the commit queues the task, which (eager) sends."""
    place("hh", "th", addresses["a14"])
    login(client, people["sz"])
    form = {"address": "1311 AB 14", "category": depts["cats"]["uitkeringsfraude"].pk,
            "contact_officer": people["sz"].pk, "valid_until": _in_a_month(), "details": "Eigen SZ-verhaal"}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert client.post("/signalen/afdeling/sociale-zaken/nieuw/", form).status_code == 302
    assert Signal.objects.count() == 2 and mail.outbox == []  # the request is done; nothing was sent in it
    for callback in callbacks:
        callback()  # the commit
    assert sorted(m.to for m in mail.outbox) == [["henk@gemeente.example"], ["sanne@gemeente.example"]]
    for message in mail.outbox:
        assert "Stationsstraat 14" in message.subject and "Eigen SZ-verhaal" not in message.body


def test_a_mail_outage_does_not_undo_the_signal(settings, place, addresses, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.signals.test_mail.BrokenBackend"
    place("hh", "th", addresses["a12"])
    with django_capture_on_commit_callbacks(execute=True):
        place("sz", "sz", addresses["a12"])
    assert Signal.objects.count() == 2 and Notification.objects.count() == 2 and mail.outbox == []


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def _in_a_month():
    from datetime import timedelta

    from django.utils import timezone

    return (timezone.localdate() + timedelta(days=30)).isoformat()


@pytest.fixture
def client():
    return Client()
