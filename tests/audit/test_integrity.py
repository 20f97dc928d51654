"""Nothing unlogged (failure injection), bulk writes leave a trace, actor and request id in background tasks,
retention through the one privileged path."""
from datetime import timedelta

import pytest
import time_machine
from auditlog.models import LogEntry
from django.db import DatabaseError
from django.test import Client
from django.utils import timezone

from access import roles as R
from access.models import Authorisation, Department
from access.permissions import has_perm
from audit.chain import problems_of, verify_all
from audit.models import AccessEvent, AuditedQuerySet, ChainCheckpoint, UnauditedBulkWrite, allow_bulk_writes
from audit.services import access_event_record
from tests.factories import admins, login, make_user

pytestmark = pytest.mark.django_db
A = AccessEvent.Action


@pytest.fixture
def failing_audit(monkeypatch):
    """Make the insert of every access event fail, as a full disk or a lost connection would."""

    def broken_insert(*args, **kwargs):
        raise DatabaseError("injected: audit insert failed")

    def arm():
        monkeypatch.setattr(AccessEvent, "save", broken_insert)
        monkeypatch.setattr(type(AccessEvent.objects), "bulk_create", broken_insert)

    return arm


def test_grant_approval_fails_when_its_event_cannot_be_written(failing_audit):
    first, second = admins()
    person = make_user("piet")
    from access.services import authorisation_request

    g = authorisation_request(requested_by=first, user=person, role=R.AUDITOR, purpose="Controle",
                              valid_until=timezone.localdate() + timedelta(days=30))
    client = Client(raise_request_exception=False)
    login(client, second)
    changes_before = LogEntry.objects.count()
    events_before = AccessEvent.objects.count()
    failing_audit()
    response = client.post(f"/beheer/autorisaties/{g.pk}/besluit/", {"decision": "approve", "note": "ok"})
    assert response.status_code == 500
    g.refresh_from_db()
    assert g.status == Authorisation.Status.REQUESTED and g.approved_by is None
    person.refresh_from_db()
    assert not has_perm(person, "audit.review_audit")
    assert LogEntry.objects.count() == changes_before  # the approval's change record was rolled back too
    assert AccessEvent.objects.count() == events_before


def test_grant_request_fails_when_its_event_cannot_be_written(failing_audit):
    first, _second = admins()
    person = make_user("piet")
    client = Client(raise_request_exception=False)
    login(client, first)
    failing_audit()
    response = client.post("/beheer/autorisaties/nieuw/", {
        "user": person.pk, "role": R.AUDITOR, "scope": "", "purpose": "Controle",
        "valid_from": timezone.localdate().isoformat(),
        "valid_until": (timezone.localdate() + timedelta(days=30)).isoformat(),
    })
    assert response.status_code == 500
    assert not Authorisation.objects.filter(user=person).exists()


def test_auditor_page_shows_nothing_when_its_view_cannot_be_recorded(auditor, failing_audit):
    access_event_record(action=A.EXPORT, actor=auditor, purpose="geheim-dossier-42")
    client = Client(raise_request_exception=False)
    login(client, auditor)
    failing_audit()
    for url in ["/audit/", "/audit/export.csv", "/api/v1/audit/events", "/audit/persoon/?person=anouk"]:
        response = client.get(url)
        assert response.status_code == 500, url
        assert b"geheim-dossier-42" not in response.content


def test_change_record_that_cannot_be_written_fails_the_change(monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("injected: change record failed")

    monkeypatch.setattr(type(LogEntry.objects), "log_create", broken)
    with pytest.raises(DatabaseError):
        from django.db import transaction

        with transaction.atomic():
            Department.objects.create(code="x", name="X")
    assert not Department.objects.filter(code="x").exists()


# --- bulk writes -------------------------------------------------------------------------------------------------


def departments():
    return AuditedQuerySet(model=Department)


@pytest.fixture
def depts():
    return [Department.objects.create(code=f"d{i}", name=f"Afdeling {i}") for i in range(3)]


def test_unaudited_bulk_writes_are_blocked(depts):
    with pytest.raises(UnauditedBulkWrite):
        departments().filter(code="d1").update(name="Stiekem")
    with pytest.raises(UnauditedBulkWrite):
        departments().filter(code="d1").delete()
    with pytest.raises(UnauditedBulkWrite):
        departments().bulk_create([Department(code="n", name="Nieuw")])
    with pytest.raises(UnauditedBulkWrite):
        departments().bulk_update(depts, ["name"])
    assert Department.objects.get(code="d1").name == "Afdeling 1"


def test_bulk_update_leaves_a_trace_per_object_and_one_event(depts):
    actor = make_user("beheer")
    count = departments().filter(code__in=["d0", "d2"]).audited_update(reason="Herindeling 2027", actor=actor,
                                                                        phone="036 000")
    assert count == 2
    for dept in (depts[0], depts[2]):
        entry = LogEntry.objects.get_for_object(dept).filter(additional_data__bulk=True).get()
        assert entry.actor == actor and entry.action == LogEntry.Action.UPDATE
        assert entry.changes["phone"][1] == "036 000" and entry.additional_data["reason"] == "Herindeling 2027"
    event = AccessEvent.objects.filter(action=A.BULK_CHANGE).get()
    assert event.actor == actor and event.result_count == 2 and event.purpose == "Herindeling 2027"
    assert event.object_type == "access.Department" and event.object_id == f"{depts[0].pk},{depts[2].pk}"
    assert problems_of(verify_all()) == []


def test_bulk_create_update_and_delete_leave_traces(depts):
    created = departments().audited_bulk_create([Department(code="n1", name="Nieuw 1")], reason="Import")
    assert LogEntry.objects.get_for_object(created[0]).get().action == LogEntry.Action.CREATE
    depts[1].name = "Hernoemd"
    departments().audited_bulk_update([depts[1]], ["name"], reason="Naamswijziging")
    assert Department.objects.get(pk=depts[1].pk).name == "Hernoemd"
    pk = depts[0].pk
    departments().filter(pk=pk).audited_delete(reason="Opgeheven")
    entry = LogEntry.objects.filter(object_pk=str(pk), action=LogEntry.Action.DELETE).get()
    assert entry.object_repr == "Afdeling 0"
    assert AccessEvent.objects.filter(action=A.BULK_CHANGE).count() == 3
    assert problems_of(verify_all()) == []


def test_bulk_change_is_visible_in_the_auditor_change_history(auditor_client, depts):
    departments().filter(code="d1").audited_update(reason="Telefoon bijgewerkt", phone="036 111")
    page = auditor_client.get(f"/audit/wijzigingen/?model=access.department&object_pk={depts[1].pk}")
    body = page.content.decode()
    assert "Telefoon bijgewerkt" in body and "036 111" in body


def test_allow_bulk_writes_is_scoped(depts):
    with allow_bulk_writes():
        departments().filter(code="d1").update(name="Migratie")
    with pytest.raises(UnauditedBulkWrite):
        departments().filter(code="d1").update(name="Daarna niet meer")


# --- actor and request id in background work ------------------------------------------------------------------------


def test_task_actor_attributes_changes_and_propagates_the_request_id():
    from audit.context import task_actor

    user = make_user("henk")
    with task_actor(user.pk, request_id="a" * 32, task_name="test.job"):
        dept = Department.objects.create(code="t", name="Taak")
        access_event_record(action=A.EXPORT, actor=user)
    entry = LogEntry.objects.get_for_object(dept).get()
    assert entry.actor == user and entry.cid == "a" * 32
    event = AccessEvent.objects.filter(action=A.EXPORT).get()
    assert event.request_id == "a" * 32 and event.path == "task:test.job"
    with task_actor(None):
        other = Department.objects.create(code="s", name="Systeem")
    assert LogEntry.objects.get_for_object(other).get().actor is None


def test_task_actor_inside_a_request_restores_the_request_actor():
    """Eager tasks run inside the request: after the task, the request's own changes keep their actor."""
    from audit.context import acting_as, task_actor

    outer, inner = make_user("outer"), make_user("inner")
    with acting_as(outer):
        with task_actor(inner):
            Department.objects.create(code="i", name="Inner")
        after = Department.objects.create(code="o", name="Outer")
    assert LogEntry.objects.get_for_object(after).get().actor == outer


def test_celery_headers_carry_request_id_and_actor():
    from types import SimpleNamespace

    from audit.context import acting_as, reset_current, set_current
    from audit.tasks_context import add_context_headers, enter_task_context, leave_task_context

    user = make_user("henk")
    headers = {}
    token = set_current({"request_id": "b" * 32})
    with acting_as(user):
        add_context_headers(headers=headers)
    reset_current(token)
    assert headers == {"vp_request_id": "b" * 32, "vp_actor_id": user.pk}

    task = SimpleNamespace(name="signals.expire", request=SimpleNamespace(is_eager=False, headers=headers))
    enter_task_context(task_id="t1", task=task)
    try:
        dept = Department.objects.create(code="w", name="Worker")
        access_event_record(action=A.EXPORT, actor=None)
    finally:
        leave_task_context(task_id="t1")
    entry = LogEntry.objects.get_for_object(dept).get()
    assert entry.actor == user and entry.cid == "b" * 32
    assert AccessEvent.objects.get(action=A.EXPORT).request_id == "b" * 32


# --- retention -------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_retention_removes_old_rows_keeps_the_chain_verifiable_and_records_that_it_ran():
    from audit.chain import seal_all

    with time_machine.travel(timezone.now() - timedelta(days=7 * 365)):
        user = make_user("ana")
        old_dept = Department.objects.create(code="oud", name="Oud")
        for i in range(3):
            access_event_record(action=A.EXPORT, actor=user, query=f"oud{i}")
        seal_all()
    recent = access_event_record(action=A.EXPORT, actor=user, query="nieuw")
    new_dept = Department.objects.create(code="nieuw", name="Nieuw")
    from audit.tasks import apply_retention

    result = apply_retention.delay().get()
    assert result["access"] == 3 and result["change"] == 2  # the user's and the department's creation
    assert not AccessEvent.objects.filter(query__in=["oud0", "oud1", "oud2"]).exists()
    assert AccessEvent.objects.filter(pk=recent.pk).exists()
    assert not LogEntry.objects.get_for_object(old_dept).exists()
    assert LogEntry.objects.get_for_object(new_dept).exists()
    ran = AccessEvent.objects.get(action=A.RETENTION)
    assert ran.result_count == 5 and ran.actor is None
    assert ChainCheckpoint.objects.filter(chain="access", removed=3).exists()
    assert problems_of(verify_all()) == []
    # Running again removes nothing, still records that it ran, and the log stays intact.
    apply_retention.delay()
    assert AccessEvent.objects.filter(action=A.RETENTION).count() == 2
    assert problems_of(verify_all()) == []


def test_retention_default_is_five_years_and_cannot_be_set_lower():
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from audit.retention import MINIMUM_RETENTION_DAYS, retention_apply

    assert settings.AUDIT_RETENTION_DAYS >= MINIMUM_RETENTION_DAYS >= 5 * 365
    assert settings.CELERY_BEAT_SCHEDULE["audit-retention"]["task"] == "audit.tasks.apply_retention"
    with pytest.raises(ImproperlyConfigured):
        retention_apply(days=365)


@pytest.mark.django_db(transaction=True)
def test_forged_checkpoint_is_caught():
    from audit.chain import seal_all
    from audit.retention import retention_apply

    with time_machine.travel(timezone.now() - timedelta(days=4000)):
        access_event_record(action=A.EXPORT, query="oud")
        seal_all()
    access_event_record(action=A.EXPORT, query="nieuw")
    retention_apply()
    from django.db import connection

    checkpoint = ChainCheckpoint.objects.get(chain="access")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_chaincheckpoint DISABLE TRIGGER USER")
        cursor.execute("UPDATE audit_chaincheckpoint SET first_seq = first_seq + 1 WHERE id = %s", [checkpoint.pk])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_chaincheckpoint ENABLE TRIGGER USER")
    problems = problems_of(verify_all())
    assert problems and "controlepunt" in problems[0].record


def test_daily_verification_records_its_outcome():
    from django.db import connection

    from audit.tasks import verify_chains

    user = make_user("ana")
    event = access_event_record(action=A.EXPORT, actor=user)
    assert verify_chains.delay().get() == []
    ok = AccessEvent.objects.filter(object_type="audit.verify").order_by("-id").first()
    assert ok.outcome == AccessEvent.Outcome.ALLOWED and ok.result_count == 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_accessevent DISABLE TRIGGER USER")
        cursor.execute("UPDATE audit_accessevent SET purpose = 'x' WHERE id = %s", [event.pk])
    problems = verify_chains.delay().get()
    assert problems and f"toegangsgebeurtenis #{event.pk}" in problems[0]
    broken = AccessEvent.objects.filter(object_type="audit.verify").order_by("-id").first()
    assert broken.outcome == AccessEvent.Outcome.ERROR and f"toegangsgebeurtenis #{event.pk}" in broken.object_label


def test_a_retention_shorter_than_five_years_fails_the_system_check(settings):
    from django.core.checks import run_checks

    settings.AUDIT_RETENTION_DAYS = 365
    assert "audit.E002" in [message.id for message in run_checks()]
    settings.AUDIT_RETENTION_DAYS = 5 * 366
    assert "audit.E002" not in [message.id for message in run_checks()]
