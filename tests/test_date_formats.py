"""Dates are written one way throughout: 01-12-2026 for a day, 01-12-2026 14:35 for a moment, in local time, in both
languages. Only machine-readable places (a <time datetime>, a filter value in a link, CSV, API) use ISO 8601."""
import datetime as dt
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import formats, timezone, translation

from access import roles as R
from dashboards.models import Dashboard
from tests.factories import admins, grant, login, make_user

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
DATE_FILTER = re.compile(r"""\|date(?::(?P<q>["'])(?P<arg>[^"']*)(?P=q))?""")
# DATE_FORMAT (no argument), DATETIME_FORMAT, the same with seconds for the audit trail, ISO for <time datetime>,
# and YEAR_MONTH_FORMAT ("december 2026") where a figure covers a whole month, not a day.
ALLOWED = {None, "DATETIME_FORMAT", "d-m-Y H:i:s", "c", "YEAR_MONTH_FORMAT"}


def date_filters(text):
    for match in DATE_FILTER.finditer(text):
        before = text[: match.start()]
        href = before.rfind('href="')
        in_link = href >= 0 and '"' not in before[href + len('href="'):]
        yield match.group("arg"), in_link, text.count("\n", 0, match.start()) + 1


def test_templates_use_the_one_date_format():
    wrong = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for arg, in_link, line in date_filters(path.read_text()):
            if arg in ALLOWED or (arg == "Y-m-d" and in_link):  # a filter value in a link is ISO, as forms expect
                continue
            wrong.append(f"{path.relative_to(TEMPLATES)}:{line}: |date:{arg!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_dates_and_times_are_written_day_month_year_in_local_time(language, settings):
    day = timezone.localdate().replace(month=7, day=4)
    moment = dt.datetime.combine(day, dt.time(12, 5), tzinfo=dt.UTC)  # 14:05 in Amsterdam (summer time)
    with translation.override(language), timezone.override("Europe/Amsterdam"):
        rendered = Template('{{ d }}|{{ d|date }}|{{ m }}|{{ m|date:"DATETIME_FORMAT" }}').render(
            Context({"d": day, "m": moment})
        )
        assert formats.date_format(day) == f"04-07-{day.year}"
    assert rendered == f"04-07-{day.year}|04-07-{day.year}|04-07-{day.year} 14:05|04-07-{day.year} 14:05"


@pytest.mark.django_db
def test_grant_pages_show_the_dates_that_way():
    dashboard = Dashboard.objects.create(slug="buurtveiligheid", name="Veiligheid per buurt")
    first, _ = admins()
    g = grant(make_user("ana"), R.DASHBOARD_VIEWER, scope=dashboard, days=10)
    client = login(Client(), first)
    expected = g.valid_until.strftime("%d-%m-%Y")
    for url in ("/beheer/gebruikers/ana/", f"/beheer/autorisaties/{g.pk}/verlengen/",
                f"/beheer/autorisaties/{g.pk}/intrekken/"):
        assert expected in client.get(url).content.decode(), url
