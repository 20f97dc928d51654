"""CSV and Excel exports of the dashboard table: the same figures as the page, the source on every row, formula
injection guarded, and every export an access event (who, which dashboard, which filter, how many rows)."""
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from audit.models import AccessEvent
from tests.factories import login

pytestmark = pytest.mark.django_db
PERIOD = "from=2024-01&to=2024-12"


def test_csv_export_is_the_table_and_an_access_event(world, viewer):
    client = login(Client(), viewer)
    response = client.get(f"/dashboards/buurtveiligheid/export.csv?{PERIOD}&sort=-count")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "buurtveiligheid-buurten-politie-bvh-202401-202412.csv" in response["Content-Disposition"]
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Code;Buurt;Wijkcode;Inwoners;Aantal;Per 1000 inwoners;Aantal vorige periode")
    assert lines[1].split(";")[:9] == ["BU00340101", "Centrum", "WK003401", "2000", "10", "5.0", "4", "6", "150.0"]
    assert lines[1].split(";")[10] == "Bron: Politie"
    assert len(lines) == 5
    event = AccessEvent.objects.get(action=AccessEvent.Action.EXPORT)
    assert event.actor == viewer and event.object_id == str(world.boards["buurtveiligheid"].pk)
    assert event.result_count == 4 and "from=2024-01" in event.query and "format=csv" in event.query


def test_excel_export_of_wijken(world, viewer):
    client = login(Client(), viewer)
    response = client.get(f"/dashboards/buurtveiligheid/export.xlsx?{PERIOD}&level=wijk&themes=wos-hic")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(workbook["Cijfers"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Code", "Wijk", "Wijkcode")
    assert {r[0]: r[4] for r in rows[1:]} == {"WK003401": 4, "WK003402": 3}
    about = dict(workbook["Toelichting"].iter_rows(values_only=True))
    assert about["Bron"] == "Bron: Politie" and about["Thema's"] == "WOS / High Impact Crime"
    event = AccessEvent.objects.get(action=AccessEvent.Action.EXPORT)
    assert event.result_count == 2 and "level=wijk" in event.query


def test_a_formula_in_a_name_is_not_run(world, viewer):
    buurt = world.buurten["BU00340102"]
    buurt.name = "=HYPERLINK(\"http://x\")"
    buurt.save()
    client = login(Client(), viewer)
    text = b"".join(client.get(f"/dashboards/buurtveiligheid/export.csv?{PERIOD}").streaming_content).decode()
    assert "'=HYPERLINK" in text and ';=HYPERLINK' not in text and ';"=HYPERLINK' not in text
    workbook = load_workbook(io.BytesIO(client.get(f"/dashboards/buurtveiligheid/export.xlsx?{PERIOD}").content))
    names = [r[1] for r in workbook["Cijfers"].iter_rows(values_only=True)]
    assert "'=HYPERLINK(\"http://x\")" in names


def test_refused_and_unanswerable_exports_are_not_recorded_as_exports(world, viewer):
    client = login(Client(), viewer)
    assert client.get("/dashboards/buurtveiligheid/export.pdf").status_code == 404
    assert client.get("/dashboards/ander/export.csv").status_code == 404
    assert client.get("/dashboards/hennep/export.csv").status_code == 404
    assert client.get("/dashboards/buurtveiligheid/export.csv?from=2024-99").status_code == 400
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT).exists()
