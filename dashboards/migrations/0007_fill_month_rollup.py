"""Fill MonthRollup from the incidents in a database that had incidents before MonthRollup existed (else its map,
table and trends would show nothing until the next load). The same counts as dashboards.services.facts
(month_rollups_rebuild), in one statement; a database whose MonthRollup already holds rows is left alone."""
from django.db import migrations


def fill(apps, schema_editor):
    month_rollup = apps.get_model("dashboards", "MonthRollup")._meta.db_table
    incident = apps.get_model("dashboards", "Incident")._meta.db_table
    buurt = apps.get_model("areas", "Buurt")._meta.db_table
    month = ("CAST(date_trunc('month', i.occurred_on) AS date)" if schema_editor.connection.vendor == "postgresql"
             else "date(i.occurred_on, 'start of month')")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {month_rollup} LIMIT 1")  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
        if cursor.fetchone() is not None:
            return
        cursor.execute(
            f"INSERT INTO {month_rollup} (source_id, municipality_id, wijk_id, buurt_id, category_id, month, count) "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
            f"SELECT i.source_id, i.municipality_id, b.wijk_id, i.buurt_id, i.category_id, {month}, COUNT(*) "
            f"FROM {incident} AS i JOIN {buurt} AS b ON b.id = i.buurt_id "
            f"GROUP BY i.source_id, i.municipality_id, b.wijk_id, i.buurt_id, i.category_id, {month}"
        )


class Migration(migrations.Migration):

    dependencies = [
        ("areas", "0003_boundaries"),
        ("dashboards", "0006_covering_rollup_indexes"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
