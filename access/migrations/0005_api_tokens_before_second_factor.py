"""API tokens made before the second factor existed were made in a session that passed a password only: since then
a token can only be made in a session that passed a second factor (access.middleware.SecondFactorMiddleware), so a
token never stands for a password alone. The old ones are withdrawn once; their owners make a new one on 'Mijn
API-token' (or an operator with manage.py api_token)."""
from django.db import migrations


def withdraw(apps, schema_editor):
    apps.get_model("authtoken", "Token").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0004_role_bulk_check"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(withdraw, migrations.RunPython.noop)]
