from django.db import migrations


def forwards(apps, schema_editor):
    from dashboards.catalogue import catalogue_sync

    catalogue_sync(Source=apps.get_model("dashboards", "Source"), Category=apps.get_model("dashboards", "Category"),
                   Theme=apps.get_model("dashboards", "Theme"))


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0002_facts")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
