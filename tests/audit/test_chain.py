"""Tamper evidence: verify_audit exits 0 on an intact log and names the first bad record after raw-SQL tampering
(SQLite, and PostgreSQL with the append-only trigger disabled); the triggers themselves on PostgreSQL."""
from datetime import timedelta

import pytest
from django.contrib.admin import site as admin_site
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from access import roles as R
from access.models import Department
from audit.models import AccessEvent, AppendOnlyError, ChainHead, ChangeSeal
from audit.services import access_event_record
from tests.factories import grant, make_user

pytestmark = pytest.mark.django_db
A = AccessEvent.Action
AUDIT_TABLES = ["audit_accessevent", "audit_changeseal", "audit_chaincheckpoint", "auditlog_logentry", "audit_chainhead"]
pg_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL triggers")


def run_verify():
    """(exit code, output) of manage.py verify_audit."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, str(exc) + err.getvalue()
    return 0, out.getvalue()


def sql(statement, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


@pytest.fixture
def tamper():
    """Raw SQL as an attacker with database access would run it; on PostgreSQL first switch the trigger off."""
    if connection.vendor == "postgresql":
        sql("SET CONSTRAINTS ALL IMMEDIATE")  # flush pending FK checks, or ALTER TABLE refuses
        for table in AUDIT_TABLES:
            sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    return sql


@pytest.fixture
def log():
    """A small log: a user, a grant (auditlog entries + access events), a few more events."""
    user = make_user("ana", department="oov")
    grant(user, R.AUDITOR)
    events = [access_event_record(action=A.EXPORT, actor=user, query=f"q{i}", purpose="dossier 12") for i in range(5)]
    Department.objects.create(code="vth", name="VTH")  # one more change record
    return events


def test_intact_log_verifies(log):
    code, output = run_verify()
    assert code == 0 and "intact" in output


def test_empty_log_verifies():
    assert run_verify()[0] == 0


def test_edited_access_event_is_named(log, tamper):
    victim = log[2]
    tamper("UPDATE audit_accessevent SET purpose = %s WHERE id = %s", ["ander doel", victim.pk])
    code, output = run_verify()
    assert code == 1
    assert f"AccessEvent #{victim.pk} (volgnummer {victim.seq})" in output and "gewijzigd" in output


def test_edited_time_is_caught(log, tamper):
    victim = log[1]
    tamper("UPDATE audit_accessevent SET occurred_at = %s WHERE id = %s",
           [victim.occurred_at - timedelta(hours=3), victim.pk])
    code, output = run_verify()
    assert code == 1 and f"AccessEvent #{victim.pk}" in output


def test_deleted_access_event_is_named(log, tamper):
    victim = log[2]
    tamper("DELETE FROM audit_accessevent WHERE id = %s", [victim.pk])
    code, output = run_verify()
    assert code == 1
    assert f"AccessEvent #{log[3].pk} (volgnummer {log[3].seq})" in output
    assert f"volgnummer {victim.seq} t/m {victim.seq} ontbreken" in output


def test_deleted_tail_is_caught(log, tamper):
    last = AccessEvent.objects.order_by("-seq").first()
    tamper("DELETE FROM audit_accessevent WHERE id = %s", [last.pk])
    code, output = run_verify()
    assert code == 1 and f"records {last.seq} t/m {last.seq} aan het eind" in output


def test_tail_cut_with_head_rewound_is_caught(log, tamper):
    """The attacker deletes the last row and rewinds the head to the row before: the head's MAC gives it away."""
    last = AccessEvent.objects.order_by("-seq").first()
    previous = AccessEvent.objects.get(seq=last.seq - 1)
    tamper("DELETE FROM audit_accessevent WHERE id = %s", [last.pk])
    tamper("UPDATE audit_chainhead SET seq = %s, last_hash = %s WHERE chain = 'access'", [previous.seq, previous.row_hash])
    code, output = run_verify()
    assert code == 1 and "ketenkop" in output


INSERT_EVENT = (
    "INSERT INTO audit_accessevent (occurred_at, actor_username, actor_department, role, action, outcome, object_type,"
    " object_id, object_label, query, purpose, user_agent, request_id, path, prev_hash, row_hash, seq)"
    " VALUES (%s, 'ana', '', '', 'export', 'allowed', '', '', '', 'vals', '', '', '', '', %s, %s, %s)"
)


def test_inserted_access_event_without_place_in_chain_is_named(log, tamper):
    tamper(INSERT_EVENT, [timezone.now(), "", "", None])
    forged = AccessEvent.objects.get(query="vals")
    code, output = run_verify()
    assert code == 1 and f"AccessEvent #{forged.pk}" in output and "ingevoegd" in output


def test_inserted_access_event_with_forged_hash_is_named(log, tamper):
    """Appending with a plain SHA-256 link does not work: the chain is keyed (HMAC)."""
    import hashlib

    last = AccessEvent.objects.order_by("-seq").first()
    forged_hash = hashlib.sha256(f"{last.row_hash}vals".encode()).hexdigest()
    tamper(INSERT_EVENT, [timezone.now(), last.row_hash, forged_hash, last.seq + 1])
    tamper("UPDATE audit_chainhead SET seq = seq + 1, last_hash = %s WHERE chain = 'access'", [forged_hash])
    code, output = run_verify()
    forged = AccessEvent.objects.get(query="vals")
    assert code == 1 and f"AccessEvent #{forged.pk} (volgnummer {last.seq + 1})" in output


def test_edited_change_record_is_named(log, tamper):
    from auditlog.models import LogEntry

    entry = LogEntry.objects.order_by("id")[1]
    tamper("UPDATE auditlog_logentry SET object_repr = %s WHERE id = %s", ["iemand anders", entry.pk])
    code, output = run_verify()
    assert code == 1 and f"LogEntry #{entry.pk}" in output and "gewijzigd" in output


def test_edited_change_json_is_named(log, tamper):
    from auditlog.models import LogEntry

    entry = LogEntry.objects.exclude(changes=None).order_by("id").first()
    tamper("UPDATE auditlog_logentry SET changes = %s WHERE id = %s", ['{"purpose": ["", "iets anders"]}', entry.pk])
    code, output = run_verify()
    assert code == 1 and f"LogEntry #{entry.pk}" in output


def test_deleted_change_record_is_named(log, tamper):
    from auditlog.models import LogEntry

    entry = LogEntry.objects.order_by("id")[1]
    tamper("DELETE FROM auditlog_logentry WHERE id = %s", [entry.pk])
    code, output = run_verify()
    assert code == 1 and f"LogEntry #{entry.pk}" in output and "verwijderd" in output


def test_deleted_change_record_with_its_seal_is_caught(log, tamper):
    from auditlog.models import LogEntry

    entry = LogEntry.objects.order_by("id")[1]
    seal = ChangeSeal.objects.get(log_entry_id=entry.pk)
    tamper("DELETE FROM audit_changeseal WHERE id = %s", [seal.pk])
    tamper("DELETE FROM auditlog_logentry WHERE id = %s", [entry.pk])
    code, output = run_verify()
    assert code == 1 and f"zegel(s) {seal.seq} t/m {seal.seq} ontbreken" in output


def test_inserted_change_record_is_named(log, tamper):
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(Department)
    tamper(
        "INSERT INTO auditlog_logentry (content_type_id, object_pk, object_repr, action, changes_text, timestamp)"
        " VALUES (%s, '1', 'vals', 1, '', %s)", [ct.pk, timezone.now()],
    )
    forged = LogEntry.objects.get(object_repr="vals")
    code, output = run_verify()
    assert code == 1 and f"LogEntry #{forged.pk}" in output and "geen zegel" in output


def test_every_change_record_is_sealed_in_the_same_transaction(log):
    from auditlog.models import LogEntry

    assert LogEntry.objects.count() == ChangeSeal.objects.count() > 3
    assert ChainHead.objects.get(chain="change").seq == ChangeSeal.objects.count()


# --- append-only inside the application ------------------------------------------------------------------------


def test_application_cannot_change_or_delete_access_events(log):
    event = AccessEvent.objects.get(pk=log[0].pk)
    event.purpose = "anders"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AccessEvent.objects.filter(pk=event.pk).update(purpose="anders")
    with pytest.raises(AppendOnlyError):
        AccessEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AccessEvent.objects.bulk_create([AccessEvent(action=A.EXPORT, occurred_at=timezone.now())])
    with pytest.raises(AppendOnlyError):
        ChangeSeal.objects.all().delete()
    assert AccessEvent.objects.get(pk=event.pk).purpose == "dossier 12"
    assert run_verify()[0] == 0


def test_audit_tables_are_not_in_the_admin():
    from auditlog.models import LogEntry

    assert not admin_site.is_registered(AccessEvent)
    assert not admin_site.is_registered(ChangeSeal)
    if admin_site.is_registered(LogEntry):
        from django.test import RequestFactory
        from django.urls import resolve

        model_admin = admin_site._registry[LogEntry]
        request = RequestFactory().get("/django-beheer/auditlog/logentry/")
        request.resolver_match = resolve("/django-beheer/auditlog/logentry/")
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


# --- PostgreSQL triggers ---------------------------------------------------------------------------------------


def refused(statement, params=None, strict=False):
    try:
        with transaction.atomic():
            sql("SET CONSTRAINTS ALL IMMEDIATE")
            if strict:
                sql("SET LOCAL vp.audit_strict = 'on'")
            sql(statement, params)
    except DatabaseError as exc:
        assert "append-only" in str(exc), str(exc)
        return True
    return False


@pg_only
@pytest.mark.parametrize("table", ["audit_accessevent", "auditlog_logentry", "audit_changeseal"])
def test_trigger_refuses_update_delete_truncate(log, table):
    column = {"audit_accessevent": "purpose", "auditlog_logentry": "object_repr", "audit_changeseal": "row_hash"}[table]
    assert refused(f"UPDATE {table} SET {column} = 'x'")
    assert refused(f"DELETE FROM {table}")
    assert refused(f"TRUNCATE {table} CASCADE", strict=True)
    assert run_verify()[0] == 0


@pg_only
def test_trigger_protects_checkpoints_and_head():
    import time_machine

    from audit.models import ChainCheckpoint
    from audit.retention import retention_apply

    with time_machine.travel(timezone.now() - timedelta(days=7 * 365)):
        access_event_record(action=A.EXPORT, query="oud")
    access_event_record(action=A.EXPORT, query="nieuw")
    retention_apply()
    assert ChainCheckpoint.objects.filter(chain="access").exists()
    assert refused("DELETE FROM audit_chaincheckpoint")
    assert refused("UPDATE audit_chaincheckpoint SET removed = 0")
    assert refused("DELETE FROM audit_chainhead")
    assert refused("TRUNCATE audit_chainhead", strict=True)


@pg_only
def test_retention_flag_only_opens_delete(log):
    """SET LOCAL vp.audit_retention lets DELETE through (the retention path) but never UPDATE."""
    with transaction.atomic():
        sql("SET LOCAL vp.audit_retention = 'on'")
        assert refused("UPDATE audit_accessevent SET purpose = 'x'")
    assert AccessEvent.objects.filter(purpose="x").count() == 0


@pg_only
def test_concurrent_appends_form_one_chain(transactional_db):
    """Several connections appending at once still form one unbroken chain (the advisory lock)."""
    import threading

    from django.db import connections

    user = make_user("ana")
    errors = []

    def worker(n):
        try:
            for i in range(10):
                access_event_record(action=A.EXPORT, actor=user, query=f"{n}-{i}")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert AccessEvent.objects.filter(action=A.EXPORT).count() == 40
    seqs = sorted(AccessEvent.objects.values_list("seq", flat=True))
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # no gaps, no duplicates
    assert run_verify()[0] == 0
