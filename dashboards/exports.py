"""The dashboard table as a download: CSV through core.exports.csv_response (the platform's one CSV writer) or
Excel (openpyxl, write-only). Every row says its source and period, so a figure never travels without them. The
caller records the export as an access event first (dashboards.services.dashboard_export_record)."""
import io

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.exports import csv_response, csv_safe

FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _header(table):
    area = _("Wijk") if table.level == "wijk" else _("Buurt")
    return [_("Code"), area, _("Wijkcode"), _("Inwoners"), _("Aantal"), _("Per 1000 inwoners"),
            _("Aantal vorige periode"), _("Verandering"), _("Verandering (%)"), _("Periode"), _("Bron"), _("Voorlopig")]


def _rows(table):
    query = table.query
    period = f"{query.date_from:%Y-%m} – {query.date_to:%Y-%m}"
    provisional = _("ja") if table.provisional else _("nee")
    for a in table.areas:
        yield [a.code, a.name, a.wijk_code, a.inhabitants, a.count, a.rate, a.previous, a.change, a.change_percent,
               period, table.attribution, provisional]


def _filename(table, dashboard, extension):
    query = table.query
    return f"{dashboard.slug}-{table.level}en-{query.source.code}-{query.date_from:%Y%m}-{query.date_to:%Y%m}.{extension}"


def table_response(table, *, fmt, dashboard):
    if fmt == "csv":
        return csv_response(filename=_filename(table, dashboard, "csv"), header=_header(table), rows=_rows(table))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Cijfers"))
    sheet.append(_header(table))
    for row in _rows(table):
        sheet.append([csv_safe(cell) if isinstance(cell, str) else cell for cell in row])
    about = workbook.create_sheet(_("Toelichting"))
    query = table.query
    for label, value in [
        (_("Dashboard"), dashboard.name), (_("Bron"), table.attribution), (_("Gemeente"), query.municipality.name),
        (_("Periode"), f"{query.date_from:%Y-%m} – {query.date_to:%Y-%m}"),
        (_("Thema's"), ", ".join(t.name for t in query.themes) or _("alle")),
        (_("Categorieën"), ", ".join(c.name for c in query.picked_categories) or _("alle")),
        (_("Inwoners"), _("Per 1000 inwoners alleen bij ten minste het minimum aantal inwoners; anders leeg.")),
    ]:
        about.append([csv_safe(label), csv_safe(value)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{_filename(table, dashboard, "xlsx")}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
