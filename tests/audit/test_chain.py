"""Tamper evidence: events are inserted without a lock and sealed afterwards; verify_audit exits 0 on an intact log
and names what is wrong after raw-SQL tampering (SQLite, and PostgreSQL with the append-only trigger disabled), also
when the attacker rewrites every table (the external digest file); the triggers themselves on PostgreSQL.

Transactional tests: sealing on PostgreSQL only closes what other, finished transactions wrote (see audit.chain), so
every write here commits on its own, as in production."""
import json
import threading
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.admin import site as admin_site
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from access import roles as R
from access.models import Department
from audit.chain import seal_all
from audit.models import AccessEvent, AppendOnlyError, ChainCheckpoint, ChainSegment
from audit.services import access_event_record, access_event_record_many
from tests.factories import grant, make_user

pytestmark = pytest.mark.django_db(transaction=True)
A = AccessEvent.Action
AUDIT_TABLES = ["audit_accessevent", "audit_chainsegment", "audit_chaincheckpoint", "auditlog_logentry"]
pg_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL triggers")


def run_verify(*args):
    """(exit code, output) of manage.py verify_audit."""
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, str(exc) + err.getvalue() + out.getvalue()
    return 0, out.getvalue()


def sql(statement, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


@pytest.fixture
def tamper():
    """Raw SQL as an attacker with database access would run it; on PostgreSQL first switch the triggers off."""
    if connection.vendor == "postgresql":
        for table in AUDIT_TABLES:
            sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    yield sql
    if connection.vendor == "postgresql":
        for table in AUDIT_TABLES:
            sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")


@pytest.fixture
def log():
    """A small sealed log: a user, a grant (change records + access events), a few more events."""
    user = make_user("ana", department="oov")
    grant(user, R.AUDITOR)
    events = [access_event_record(action=A.EXPORT, actor=user, query=f"q{i}", purpose="dossier 12") for i in range(5)]
    Department.objects.create(code="vth", name="VTH")  # one more change record
    assert seal_all()
    return events


def test_intact_log_verifies(log):
    code, output = run_verify()
    assert code == 0 and "Audittrail intact" in output


def test_events_are_inserted_without_a_lock_and_sealed_later():
    """The request writes one row and nothing else: no chain head, no lock; the sealer closes the segment."""
    user = make_user("ana")
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        event = access_event_record(action=A.EXPORT, actor=user, query="x")
    statements = [q["sql"].upper() for q in queries.captured_queries]
    assert [s for s in statements if "INSERT" in s and "AUDIT_ACCESSEVENT" in s]
    assert not [s for s in statements if "LOCK" in s or "UPDATE" in s or "CHAINSEGMENT" in s]
    assert event.row_hash
    assert not ChainSegment.objects.exists()
    code, output = run_verify("--no-seal")
    assert code == 0 and "nog niet verzegeld" in output  # the unsealed tail is reported, not silently accepted
    assert run_verify("--no-seal", "--strict")[0] == 1
    segments = seal_all()
    assert [(s.chain, s.seq) for s in segments][0] == ("access", 1)
    assert run_verify("--strict")[0] == 0


def test_empty_log_is_not_intact():
    """A wiped audit trail looks like an empty one: an empty chain is never reported as intact."""
    code, output = run_verify()
    assert code == 1 and "geen enkele toegangsgebeurtenis" in output


def test_edited_access_event_is_named(log, tamper):
    victim = log[2]
    tamper("UPDATE audit_accessevent SET purpose = %s WHERE id = %s", ["ander doel", victim.pk])
    code, output = run_verify()
    assert code == 1
    assert f"toegangsgebeurtenis #{victim.pk}" in output and "gewijzigd" in output


def test_edited_time_is_caught(log, tamper):
    victim = log[1]
    tamper("UPDATE audit_accessevent SET occurred_at = %s WHERE id = %s",
           [victim.occurred_at - timedelta(hours=3), victim.pk])
    code, output = run_verify()
    assert code == 1 and f"toegangsgebeurtenis #{victim.pk}" in output


def test_edited_event_with_its_hash_recomputed_without_the_key_is_caught(log, tamper):
    import hashlib

    victim = log[3]
    tamper("UPDATE audit_accessevent SET purpose = 'x', row_hash = %s WHERE id = %s",
           [hashlib.sha256(b"x").hexdigest(), victim.pk])
    assert run_verify()[0] == 1


def test_deleted_access_event_is_caught(log, tamper):
    victim = log[2]
    tamper("DELETE FROM audit_accessevent WHERE id = %s", [victim.pk])
    code, output = run_verify()
    assert code == 1 and "1 verzegelde record(s) ontbreken" in output


def test_deleted_segment_is_caught(log, tamper):
    access_event_record(action=A.EXPORT, query="tweede segment")
    seal_all()
    access_event_record(action=A.EXPORT, query="derde segment")
    seal_all()
    tamper("DELETE FROM audit_chainsegment WHERE chain = 'access' AND seq = 2")
    tamper("DELETE FROM audit_accessevent WHERE query = 'tweede segment'")
    code, output = run_verify()
    assert code == 1 and "segment(en) 2 t/m 2 ontbreken" in output


def test_cut_off_newest_rows_and_segment_are_caught_by_the_digest_file(log, tamper):
    """Delete the newest events with their segment: the database alone is consistent, the digest file is not."""
    access_event_record(action=A.EXPORT, query="laatste")
    newest = seal_all()[0]
    tamper("DELETE FROM audit_chainsegment WHERE chain = 'access' AND seq = %s", [newest.seq])
    tamper("DELETE FROM audit_accessevent WHERE query = 'laatste'")
    code, output = run_verify()
    assert code == 1 and f"segment {newest.seq}" in output and "afgekapt" in output


def test_rollback_to_an_older_copy_is_caught(log, tamper):
    """Restore the segment table as it was before the newest segment (a 'rolled back' log)."""
    access_event_record(action=A.EXPORT, query="weggepoetst")
    seal_all()
    tamper("DELETE FROM audit_accessevent WHERE query = 'weggepoetst'")
    tamper("DELETE FROM audit_chainsegment WHERE seq > 1")
    code, output = run_verify()
    assert code == 1 and "externe digestbestand" in output


def test_wiping_every_audit_row_is_caught(log, tamper):
    """Deleting every audit row together with the segments and checkpoints no longer verifies as intact."""
    for table in ("audit_accessevent", "audit_chainsegment", "audit_chaincheckpoint", "auditlog_logentry"):
        tamper(f"DELETE FROM {table}")
    code, output = run_verify()
    assert code == 1 and ("afgekapt" in output or "gewist" in output)


def test_wiped_digest_file_is_caught(log, settings):
    for path in Path(settings.AUDIT_DIGEST_DIR).glob("*.jsonl"):
        path.unlink()
    code, output = run_verify()
    assert code == 1 and "digestbestand" in output


def test_forged_digest_line_is_caught(log, settings):
    [path] = Path(settings.AUDIT_DIGEST_DIR).glob("*.jsonl")
    line = json.loads(path.read_text().splitlines()[0])
    line["seq"] = 99
    with path.open("a") as handle:
        handle.write(json.dumps(line) + "\n")
    code, output = run_verify()
    assert code == 1 and "niet door de verzegelaar geschreven" in output


INSERT_EVENT = (
    "INSERT INTO audit_accessevent (occurred_at, actor_username, actor_department, role, action, outcome, object_type,"
    " object_id, object_label, query, purpose, user_agent, request_id, path, row_hash{xact_col})"
    " VALUES (%s, 'ana', '', '', 'export', 'allowed', '', '', '', 'vals', '', '', '', '', %s{xact_val})"
)


def test_event_inserted_into_a_sealed_segment_is_caught(log, tamper):
    segment = ChainSegment.objects.get(chain="access", seq=1)
    if connection.vendor == "postgresql":
        tamper(INSERT_EVENT.format(xact_col=", xact", xact_val=", %s"), [timezone.now(), "", segment.key_from])
    else:  # SQLite keys segments by id: an id inside the sealed range
        tamper("DELETE FROM audit_accessevent WHERE id = %s", [log[1].pk])
        tamper(INSERT_EVENT.format(xact_col=", id", xact_val=", %s"), [timezone.now(), "", log[1].pk])
    code, output = run_verify()
    assert code == 1 and "segment 1" in output


def test_event_inserted_with_a_forged_hash_is_caught_once_sealed(log, tamper):
    """Without the key no valid row hash can be made: the sealer seals the forgery, the verifier names it."""
    import hashlib

    tamper(INSERT_EVENT.format(xact_col="", xact_val=""), [timezone.now(), hashlib.sha256(b"vals").hexdigest()])
    forged = AccessEvent.objects.get(query="vals")
    code, output = run_verify()
    assert code == 1 and f"toegangsgebeurtenis #{forged.pk}" in output


@pg_only
def test_event_without_transaction_stamp_is_caught(log, tamper):
    tamper("INSERT INTO audit_accessevent (occurred_at, actor_username, actor_department, role, action, outcome, "
           "object_type, object_id, object_label, query, purpose, user_agent, request_id, path, row_hash, xact) "
           "VALUES (now(), '', '', '', 'export', 'allowed', '', '', '', 'vals', '', '', '', '', '', NULL)")
    code, output = run_verify()
    assert code == 1 and "zonder transactienummer" in output


def test_edited_change_record_is_caught(log, tamper):
    entry = LogEntry.objects.order_by("id")[1]
    tamper("UPDATE auditlog_logentry SET object_repr = %s WHERE id = %s", ["iemand anders", entry.pk])
    code, output = run_verify()
    assert code == 1 and "[change] segment 1" in output


def test_edited_change_json_is_caught(log, tamper):
    entry = LogEntry.objects.exclude(changes=None).order_by("id").first()
    tamper("UPDATE auditlog_logentry SET changes = %s WHERE id = %s", ['{"purpose": ["", "iets anders"]}', entry.pk])
    code, output = run_verify()
    assert code == 1 and "[change]" in output


def test_deleted_change_record_is_caught(log, tamper):
    entry = LogEntry.objects.order_by("id")[1]
    tamper("DELETE FROM auditlog_logentry WHERE id = %s", [entry.pk])
    code, output = run_verify()
    assert code == 1 and "[change]" in output and "ontbreken" in output


def test_change_records_are_sealed_too(log):
    assert ChainSegment.objects.get(chain="change", seq=1).count == LogEntry.objects.count() > 3


# --- concurrency -----------------------------------------------------------------------------------------------


@pg_only  # (the in-memory SQLite test database locks whole tables between threads)
def test_concurrent_writers_need_no_common_lock_and_form_one_verifiable_log():
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
    seal_all()
    assert ChainSegment.objects.filter(chain="access").values_list("count", flat=True).first() == 40
    assert run_verify("--strict")[0] == 0


@pg_only
def test_a_transaction_that_commits_after_a_seal_lands_in_a_later_segment():
    """A long transaction (a bulk check) started before others and commits after the sealer ran: its events are not
    lost, not sealed half, and not mistaken for an insertion into a sealed segment."""
    user = make_user("ana")
    started, release, done = threading.Event(), threading.Event(), threading.Event()
    errors = []

    def long_transaction():
        try:
            with transaction.atomic():
                access_event_record(action=A.EXPORT, actor=user, query="lang-1")
                started.set()
                release.wait(10)
                access_event_record(action=A.EXPORT, actor=user, query="lang-2")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=long_transaction)
    thread.start()
    assert started.wait(10)
    access_event_record(action=A.EXPORT, actor=user, query="kort")  # commits while the long one runs

    def sealed():
        return sum(ChainSegment.objects.filter(chain="access").values_list("count", flat=True))

    before = AccessEvent.objects.exclude(query__in=["lang-1", "lang-2", "kort"]).count()
    seal_all()
    assert sealed() == before  # the short one came after the long one started: not safe to seal yet
    release.set()
    assert done.wait(10) and not errors
    seal_all()
    assert sealed() == before + 3
    assert run_verify("--strict")[0] == 0


def test_bulk_events_are_one_insert():
    from django.test.utils import CaptureQueriesContext

    user = make_user("ana")
    rows = [{"object_type": "areas.Address", "object_id": str(i), "query": f"adres {i}", "purpose": "zaak 1",
             "result_count": 0} for i in range(300)]
    with CaptureQueriesContext(connection) as queries:
        events = access_event_record_many(action=A.ADDRESS_SEARCH, actor=user, events=rows)
    inserts = [q for q in queries.captured_queries if "INSERT" in q["sql"].upper()]
    assert len(events) == 300
    # One statement on PostgreSQL; SQLite caps the parameters of one statement (999), so a few.
    assert len(inserts) == 1 if connection.vendor == "postgresql" else len(inserts) < 10
    assert AccessEvent.objects.filter(action=A.ADDRESS_SEARCH, actor=user).count() == 300
    assert run_verify("--strict")[0] == 0


# --- append-only inside the application ------------------------------------------------------------------------


def test_application_cannot_change_or_delete_audit_rows(log):
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
        ChainSegment.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        ChainSegment.objects.all().update(count=0)
    assert AccessEvent.objects.get(pk=event.pk).purpose == "dossier 12"
    assert run_verify()[0] == 0


def test_audit_tables_are_not_in_the_admin():
    assert not admin_site.is_registered(AccessEvent)
    assert not admin_site.is_registered(ChainSegment)
    if admin_site.is_registered(LogEntry):
        from django.test import RequestFactory
        from django.urls import resolve

        model_admin = admin_site.get_model_admin(LogEntry)
        request = RequestFactory().get("/django-beheer/auditlog/logentry/")
        request.resolver_match = resolve("/django-beheer/auditlog/logentry/")
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


# --- PostgreSQL triggers ---------------------------------------------------------------------------------------


def refused(statement, params=None, strict=False, role=None):
    try:
        with transaction.atomic():
            if strict:
                sql("SET LOCAL vp.audit_strict = 'on'")
            if role:
                sql(f"SET LOCAL ROLE {role}")
            sql(statement, params)
    except DatabaseError as exc:
        assert "append-only" in str(exc), str(exc)
        return True
    return False


@pg_only
@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_trigger_refuses_update_delete_truncate(log, table):
    column = {"audit_accessevent": "purpose", "auditlog_logentry": "object_repr", "audit_chainsegment": "digest",
              "audit_chaincheckpoint": "anchor_hash"}[table]
    assert refused(f"UPDATE {table} SET {column} = 'x'") or table == "audit_chaincheckpoint"
    assert refused(f"DELETE FROM {table}") or table == "audit_chaincheckpoint"
    assert refused(f"TRUNCATE {table} CASCADE", strict=True)
    assert run_verify()[0] == 0


@pg_only
def test_session_setting_no_longer_opens_delete(log):
    """The attack of the issue: a role with only SELECT and DELETE ran SET LOCAL vp.audit_retention = 'on' first."""
    sql("DROP ROLE IF EXISTS vp_test_attacker")
    sql("CREATE ROLE vp_test_attacker")
    try:
        sql("GRANT SELECT, DELETE ON audit_accessevent, auditlog_logentry, audit_chainsegment TO vp_test_attacker")
        for table in ("audit_accessevent", "auditlog_logentry", "audit_chainsegment"):
            assert refused(f"SELECT set_config('vp.audit_retention', 'on', true); DELETE FROM {table}",
                           role="vp_test_attacker")
        assert AccessEvent.objects.filter(pk=log[0].pk).exists()
    finally:
        sql("REVOKE ALL ON audit_accessevent, auditlog_logentry, audit_chainsegment FROM vp_test_attacker")
        sql("DROP ROLE vp_test_attacker")
    assert run_verify()[0] == 0


@pg_only
def test_trigger_lets_only_rows_past_the_legal_minimum_be_deleted():
    with time_machine.travel(timezone.now() - timedelta(days=6 * 365)):
        old = access_event_record(action=A.EXPORT, query="oud")
    young = access_event_record(action=A.EXPORT, query="jong")
    assert refused("DELETE FROM audit_accessevent WHERE id = %s", [young.pk])
    assert not refused("DELETE FROM audit_accessevent WHERE id = %s", [old.pk])
    assert not AccessEvent.objects.filter(pk=old.pk).exists()


@pg_only
def test_trigger_protects_segments_and_checkpoints_after_retention():
    from audit.retention import retention_apply

    with time_machine.travel(timezone.now() - timedelta(days=7 * 365)):
        access_event_record(action=A.EXPORT, query="oud")
        seal_all()
    access_event_record(action=A.EXPORT, query="nieuw")
    retention_apply()
    assert ChainCheckpoint.objects.filter(chain="access").exists()
    assert refused("DELETE FROM audit_chaincheckpoint")
    assert refused("UPDATE audit_chaincheckpoint SET removed = 0")
    assert refused("DELETE FROM audit_chainsegment")
    assert run_verify()[0] == 0


def test_many_segments_are_verified_in_groups_and_a_tampered_one_is_named(tamper, monkeypatch):
    """Verification reads consecutive segments together (not a query per segment) and still names the right one."""
    from audit import chain

    monkeypatch.setattr(chain, "GROUP_ROWS", 7)  # groups of a few segments, so several groups are read
    user = make_user("ana")
    victims = []
    for n in range(12):
        events = [access_event_record(action=A.EXPORT, actor=user, query=f"s{n}-{i}") for i in range(3)]
        seal_all()
        victims.append(events[1])
    assert run_verify("--strict")[0] == 0
    segment = ChainSegment.objects.filter(chain="access", first_id__lte=victims[8].pk,
                                          last_id__gte=victims[8].pk).get()
    tamper("DELETE FROM audit_accessevent WHERE id = %s", [victims[8].pk])
    code, output = run_verify()
    assert code == 1 and f"segment {segment.seq} " in output and "ontbreken" in output


def test_healthz_tells_when_sealing_falls_behind(settings):
    """An operator who forgot Celery beat sees it: events waiting longer than AUDIT_SEAL_MAX_LAG_SECONDS."""
    from access.views import _audit_sealing
    from audit.chain import unsealed_since

    settings.AUDIT_SEAL_MAX_LAG_SECONDS = 60
    assert unsealed_since() is None and _audit_sealing() == "ok"
    with time_machine.travel(timezone.now() - timedelta(minutes=10)):
        access_event_record(action=A.EXPORT, query="wacht")
    access_event_record(action=A.EXPORT, query="net")
    assert abs((timezone.now() - unsealed_since()).total_seconds() - 600) < 30
    assert _audit_sealing() == "behind"
    seal_all()
    assert unsealed_since() is None and _audit_sealing() == "ok"
    from django.test import Client

    settings.CELERY_TASK_ALWAYS_EAGER = True  # the embedded default: no beat, sealing on demand
    assert Client().get("/healthz").json()["audit_sealing"] == "on demand"
