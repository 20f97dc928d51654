"""Management commands: the category catalogue and the benchmark's safety checks."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from signals.models import Category
from tests.factories import make_department


def test_seed_signal_categories_is_idempotent(db):
    make_department("sociale-zaken", "Sociale Zaken")
    make_department("wijkteam", "Wijkteam")
    call_command("seed_signal_categories", stdout=StringIO())
    call_command("seed_signal_categories", stdout=StringIO())
    assert set(Category.objects.filter(department__code="sociale-zaken").values_list("code", flat=True)) == {
        "uitkeringsfraude", "adresfraude"}
    assert list(Category.objects.filter(department__code="wijkteam").values_list("code", flat=True)) == ["overig"]


def test_bench_refuses_non_postgres_and_the_platform_database(monkeypatch):
    from signals.management.commands import bench_signals

    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("bench_signals", "--database-url", "sqlite:////tmp/x.sqlite3", stdout=StringIO())
    monkeypatch.setattr(bench_signals, "platform_database", lambda: {
        "ENGINE": "django.db.backends.postgresql", "NAME": "veiligheid", "HOST": "db", "PORT": 5432})
    with pytest.raises(CommandError, match="database van het platform"):
        call_command("bench_signals", "--database-url", "postgres://u@db:5432/veiligheid", stdout=StringIO())


def test_bench_refuses_a_database_with_real_users(db):
    from tests.factories import make_user

    make_user("echte-medewerker")
    with pytest.raises(CommandError, match="Weigering"):
        call_command("bench_signals", "--inner", "--database-url", "postgres://u@h/x", stdout=StringIO())
