"""PostgreSQL: audit rows are stamped with their inserting transaction, and the append-only trigger no longer trusts
any session setting.

- auditlog's LogEntry table gets `vp_xact` (default: the inserting transaction), the key by which the sealer puts
  change records into segments (audit.chain); AccessEvent has the same as a model field (`xact`).
- The trigger refuses UPDATE and TRUNCATE on every audit table, and DELETE except for rows older than the legal
  minimum retention (audit.retention.MINIMUM_RETENTION_DAYS, fixed here): `SET LOCAL vp.audit_retention` opened
  DELETE for any role before, which let a role with DELETE wipe recent history. Segments and checkpoints are never
  deleted. TRUNCATE stays possible in a Django test database ('test_...'), which the test runner empties between
  tests, unless `vp.audit_strict` is on (the trigger tests switch it on).
"""
from django.db import migrations

MINIMUM_RETENTION_DAYS = 5 * 365 + 1  # = audit.retention.MINIMUM_RETENTION_DAYS when this migration was written

FUNCTION = r"""
CREATE OR REPLACE FUNCTION vp_audit_append_only() RETURNS trigger AS $$
DECLARE
    stamp timestamptz;
BEGIN
    IF TG_OP = 'DELETE' AND TG_NARGS = 2 THEN
        stamp := (to_jsonb(OLD) ->> TG_ARGV[0])::timestamptz;
        IF stamp IS NOT NULL AND stamp < now() - make_interval(days => TG_ARGV[1]::int) THEN
            RETURN OLD;
        END IF;
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

# table -> the timestamp column whose age allows a retention DELETE (None: never deleted)
TABLES = {
    "audit_accessevent": "occurred_at",
    "auditlog_logentry": "timestamp",
    "audit_chainsegment": None,
    "audit_chaincheckpoint": None,
}


def _triggers(table, stamp):
    args = f"'{stamp}', '{MINIMUM_RETENTION_DAYS}'" if stamp else ""
    return [
        f"DROP TRIGGER IF EXISTS vp_audit_append_only_row ON {table};",
        f"CREATE TRIGGER vp_audit_append_only_row BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION vp_audit_append_only({args});",
        f"DROP TRIGGER IF EXISTS vp_audit_append_only_truncate ON {table};",
        f"CREATE TRIGGER vp_audit_append_only_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION vp_audit_append_only();",
    ]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE auditlog_logentry ADD COLUMN IF NOT EXISTS vp_xact bigint "
        "DEFAULT (pg_current_xact_id()::text::bigint)", params=None)
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS auditlog_logentry_vp_xact_idx ON auditlog_logentry (vp_xact, id)", params=None)
    schema_editor.execute(FUNCTION, params=None)
    for table, stamp in TABLES.items():
        for sql in _triggers(table, stamp):
            schema_editor.execute(sql, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS vp_audit_append_only_row ON {table};", params=None)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS vp_audit_append_only_truncate ON {table};", params=None)
    schema_editor.execute("DROP INDEX IF EXISTS auditlog_logentry_vp_xact_idx", params=None)
    schema_editor.execute("ALTER TABLE auditlog_logentry DROP COLUMN IF EXISTS vp_xact", params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_sealed_segments")]

    operations = [migrations.RunPython(forwards, backwards)]
