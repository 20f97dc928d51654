"""The one CSV export (core.exports): one formula-injection guard, and every download of the platform uses it."""
import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse
from django.test import Client

from access import roles as R
from audit.models import AccessEvent
from audit.services import access_event_record
from core.exports import csv_lines, csv_response, csv_safe, is_formula_like
from tests.factories import grant, login, make_user
from tests.signals import conftest as signal_fixtures

# The signalling tool's fixtures (departments, officers, addresses, place a signal).
area, addresses, depts, people, place = (signal_fixtures.area, signal_fixtures.addresses, signal_fixtures.depts,
                                         signal_fixtures.people, signal_fixtures.place)

DANGEROUS = [
    "=HYPERLINK(\"http://x\")", "+31 6 1234", "-1+1", "@SUM(A1)", "\tx", "\rx", "\nx",
    # the same after leading whitespace (spreadsheets trim it before deciding)
    " =1+1", "  +1", " -2", " @SUM(A1)", "\t=1+1", "\r\n=1", "\u00a0=1+1", "\u3000=1+1",
    # full-width forms, which some spreadsheet versions and input methods read as the ASCII ones
    "＝1+1", "＋1", "－1", "＠SUM(A1)", " ＝1+1",
]
HARMLESS = ["Stationsstraat 12A", "Zaak-2026-001", "a=b", "1-2", "", "Sociale Zaken, Toezicht en Handhaving",
            "'=al beschermd"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_a_cell_that_could_start_a_formula_gets_a_leading_apostrophe(value):
    assert is_formula_like(value)
    assert csv_safe(value) == "'" + value
    assert not is_formula_like(csv_safe(value))


@pytest.mark.parametrize("value", HARMLESS)
def test_plain_text_is_unchanged(value):
    assert not is_formula_like(value) and csv_safe(value) == value


def test_none_is_empty_and_numbers_stay_numbers():
    assert csv_safe(None) == ""
    assert csv_safe(12) == "12" and csv_safe(-5) == "-5" and csv_safe(Decimal("-1.50")) == "-1.50"
    assert csv_safe(-0.5) == "-0.5"
    assert csv_safe(True) == "True"  # not a number to a spreadsheet


def test_lines_start_with_a_bom_guard_header_and_rows_and_quote_separators():
    lines = list(csv_lines(header=["Adres", "=kop"], rows=[["Kade; 3", "=1+1"], ["regel\nmet einde", 4]]))
    assert lines[0] == "\ufeff"
    rows = list(csv.reader(io.StringIO("".join(lines[1:])), delimiter=";"))
    assert rows == [["Adres", "'=kop"], ["Kade; 3", "'=1+1"], ["regel\nmet einde", "4"]]


def test_the_response_streams_a_download_with_a_safe_file_name():
    def rows():
        yield ["=1"]
        raise AssertionError("read only while the response is sent")  # pragma: no cover

    response = csv_response(filename='x"; evil=1/../a.csv', header=["A"], rows=rows())
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"] == 'attachment; filename="x-evil-1-..-a.csv"'
    assert response["Content-Type"] == "text/csv; charset=utf-8" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"


# --- every export of the platform uses it -----------------------------------------------------------------------


def _rows(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert isinstance(response, StreamingHttpResponse)
    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig")), delimiter=";"))


def _assert_safe(rows):
    for row in rows:
        for cell in row:
            assert not is_formula_like(cell), (cell, row)


@pytest.mark.django_db
def test_the_audit_export_uses_the_guard():
    auditor = make_user("anouk", department="oov")
    grant(auditor, R.AUDITOR, purpose="Toezicht op gebruik (BIO 8.15)")
    henk = make_user("henk", department="toezicht-handhaving")
    access_event_record(action=AccessEvent.Action.EXPORT, actor=henk, purpose=" =cmd|' /C calc'!A0",
                        query="＝SUM(1)", object_label="\t+evil")
    rows = _rows(login(Client(), auditor).get("/audit/export.csv", {"person": "henk"}))
    _assert_safe(rows)
    assert "' =cmd|' /C calc'!A0" in rows[1] and "'＝SUM(1)" in rows[1]


@pytest.mark.django_db
def test_the_hit_report_export_uses_the_guard(people, place, addresses, depts, area):
    area["buurt_b"].name = " =HYPERLINK(\"http://x\")"
    area["buurt_b"].save()
    depts["sz"].name = "@Sociale Zaken"
    depts["sz"].save()
    place("hh", "th", addresses["k3"])
    place("sz", "sz", addresses["k3"])
    rows = _rows(login(Client(), people["coord"]).get("/signalen/uitdraai.csv"))
    _assert_safe(rows)
    assert rows[1][2] == "' =HYPERLINK(\"http://x\")" and rows[1][5] == "'@Sociale Zaken, Toezicht en Handhaving"


@pytest.mark.django_db
def test_the_bulk_check_export_uses_the_guard(people, addresses):
    client = login(Client(), people["searcher"])
    response = client.post("/signalen/bulkcontrole/", {
        "file": SimpleUploadedFile("a.csv", "＝1+1\n1322CD 3\n".encode()), "purpose": "Actiedag", "format": "csv"})
    rows = _rows(response)
    _assert_safe(rows)
    assert rows[1][1] == "'＝1+1" and rows[2][2] == "Kadeweg 3, 1322 CD Almere"
