"""The models and the migrations agree: a change to a model (a new role choice, a manager, a field) comes with its
migration, or a fresh installation gets a different schema than the code expects."""
import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    try:
        call_command("makemigrations", "--check", "--dry-run", verbosity=0)
    except SystemExit as exc:
        pytest.fail(f"makemigrations --check found model changes without a migration (exit {exc.code})")
