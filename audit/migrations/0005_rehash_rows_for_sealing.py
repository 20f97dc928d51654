"""Audit rows get a hash of their own content (the new chain seals rows after the fact, see audit.chain).

The rows written under the old per-request chain are re-hashed here, once, in the migration's transaction; the old
chain's links (seq, prev_hash) are dropped by the next migration and the rows are sealed into the first segment by
the first sealer run. (On PostgreSQL the append-only trigger is switched off for this table during the rewrite.)
"""
from django.db import migrations


def rehash(apps, schema_editor):
    from audit import chain

    AccessEvent = apps.get_model("audit", "AccessEvent")
    pg = schema_editor.connection.vendor == "postgresql"
    if pg:
        schema_editor.execute("ALTER TABLE audit_accessevent DISABLE TRIGGER USER", params=None)
    for values in AccessEvent.objects.order_by("id").values("id", *chain.ACCESS_FIELDS).iterator(chunk_size=2000):
        AccessEvent.objects.filter(pk=values["id"]).update(row_hash=chain.access_event_hash(values))
    if pg:
        schema_editor.execute("ALTER TABLE audit_accessevent ENABLE TRIGGER USER", params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_actor_action_index")]

    operations = [migrations.RunPython(rehash, migrations.RunPython.noop)]
