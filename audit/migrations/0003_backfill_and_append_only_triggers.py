"""Chain the rows written before the chain existed, then make the audit tables append-only on PostgreSQL.

The trigger refuses UPDATE, DELETE and TRUNCATE on the audit tables. Exceptions:
- DELETE inside a transaction that ran `SET LOCAL vp.audit_retention = 'on'` (audit.retention, the one privileged
  path; it writes a checkpoint and a RETENTION event in the same transaction);
- TRUNCATE in a Django test database (name 'test_...'), because the test runner empties all tables between
  transactional tests; `SET vp.audit_strict = 'on'` switches that exception off (the trigger tests do).
The chain head may be updated (it moves with every append) but not deleted or truncated.
"""
from django.db import migrations

AUDIT_TABLES = ["audit_accessevent", "audit_changeseal", "audit_chaincheckpoint", "auditlog_logentry"]
HEAD_TABLE = "audit_chainhead"

FUNCTION = r"""
CREATE OR REPLACE FUNCTION vp_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND coalesce(current_setting('vp.audit_retention', true), '') = 'on' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'TRUNCATE' AND current_database() LIKE 'test\_%'
       AND coalesce(current_setting('vp.audit_strict', true), '') <> 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""


def _triggers(table, row_ops):
    return [
        f"DROP TRIGGER IF EXISTS vp_audit_append_only_row ON {table};",
        f"CREATE TRIGGER vp_audit_append_only_row BEFORE {row_ops} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION vp_audit_append_only();",
        f"DROP TRIGGER IF EXISTS vp_audit_append_only_truncate ON {table};",
        f"CREATE TRIGGER vp_audit_append_only_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION vp_audit_append_only();",
    ]


def install_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in AUDIT_TABLES:
        for sql in _triggers(table, "UPDATE OR DELETE"):
            schema_editor.execute(sql, params=None)
    for sql in _triggers(HEAD_TABLE, "DELETE"):
        schema_editor.execute(sql, params=None)


def remove_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in AUDIT_TABLES + [HEAD_TABLE]:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS vp_audit_append_only_row ON {table};", params=None)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS vp_audit_append_only_truncate ON {table};", params=None)
    schema_editor.execute("DROP FUNCTION IF EXISTS vp_audit_append_only();", params=None)


def backfill(apps, schema_editor):
    from audit import chain

    AccessEvent = apps.get_model("audit", "AccessEvent")
    ChainHead = apps.get_model("audit", "ChainHead")
    ChangeSeal = apps.get_model("audit", "ChangeSeal")
    LogEntry = apps.get_model("auditlog", "LogEntry")

    def head(name):
        row = ChainHead.objects.filter(chain=name).first()
        if row is None:
            row = ChainHead.objects.create(chain=name, seq=0, last_hash="", mac=chain.head_mac(name, 0, ""))
        return row

    access = head(chain.ACCESS)
    for event in AccessEvent.objects.filter(seq__isnull=True).order_by("occurred_at", "id").iterator():
        values = {name: getattr(event, name) for name in chain.ACCESS_FIELDS}
        values.update(seq=access.seq + 1, prev_hash=access.last_hash)
        row_hash = chain.access_event_hash(values)
        AccessEvent.objects.filter(pk=event.pk).update(seq=values["seq"], prev_hash=values["prev_hash"], row_hash=row_hash)
        access.seq, access.last_hash = values["seq"], row_hash
    access.mac = chain.head_mac(access.chain, access.seq, access.last_hash)
    access.save()

    change = head(chain.CHANGE)
    sealed = set(ChangeSeal.objects.values_list("log_entry_id", flat=True))
    for values in LogEntry.objects.order_by("id").values(*chain.LOGENTRY_FIELDS).iterator():
        if values["id"] in sealed:
            continue
        seq = change.seq + 1
        row_hash = chain.log_entry_hash(seq, change.last_hash, values)
        ChangeSeal.objects.create(seq=seq, log_entry_id=values["id"], prev_hash=change.last_hash, row_hash=row_hash)
        change.seq, change.last_hash = seq, row_hash
    change.mac = chain.head_mac(change.chain, change.seq, change.last_hash)
    change.save()


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_chain_and_indexes"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(install_triggers, remove_triggers),
    ]
