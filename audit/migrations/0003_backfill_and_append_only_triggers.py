"""(Historical) chain the rows written before the chain existed, then make the audit tables append-only on PostgreSQL.

The trigger function is replaced by migration 0007 (no session setting opens DELETE any more).

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
    """Chained the rows written before the chain existed under the first chain design (a lock and a head per append).
    That design was replaced (migrations 0005-0007: rows hashed on insert, sealed into segments afterwards), which
    re-hashes and seals every existing row; nothing is left to do here."""


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_chain_and_indexes"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(install_triggers, remove_triggers),
    ]
