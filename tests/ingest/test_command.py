"""manage.py import_file SOURCE FILE: the same path as an upload; waits; prints counts; exit code by outcome."""
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AccessEvent
from dashboards.models import Incident
from ingest.models import ImportRun

from .conftest import BVH_FIXTURE

pytestmark = pytest.mark.django_db


def test_a_good_file_prints_the_counts(almere, bvh_source, steward, capsys):
    call_command("import_file", "politie-bvh", str(BVH_FIXTURE), "--user", "steward")
    out = capsys.readouterr().out
    assert "Regels gelezen: 14; nieuw: 14; bijgewerkt: 0; ongewijzigd: 0; afgekeurd: 0" in out
    assert "Z99" in out
    run = ImportRun.objects.get()
    assert run.trigger == ImportRun.Trigger.COMMAND and run.triggered_by == steward
    assert Incident.objects.count() == 14
    assert AccessEvent.objects.filter(action=AccessEvent.Action.UPLOAD, actor=steward).count() == 1


def test_a_rejected_file_exits_non_zero(almere, bvh_source, tmp_path):
    path = tmp_path / "kop.csv"
    path.write_text("Incidentsoort code;Begin-pleegdatum/tijd\n", encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("import_file", "politie-bvh", str(path))
    # manage.py exits with CommandError.returncode (Django's BaseCommand.run_from_argv)
    assert error.value.returncode == 1 and "geen gegevensregels" in str(error.value)


def test_unknown_source_and_missing_file(bvh_source, tmp_path):
    with pytest.raises(CommandError, match="Onbekende gegevensbron"):
        call_command("import_file", "bestaat-niet", str(BVH_FIXTURE))
    with pytest.raises(CommandError, match="Bestand niet gevonden"):
        call_command("import_file", "politie-bvh", str(tmp_path / "nergens.csv"))
