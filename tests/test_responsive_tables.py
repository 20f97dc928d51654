"""Tables reflow on a 375 px phone screen (enforcement staff use phones in the field): below 40rem each row of a
.table becomes a block and each cell shows its column header, taken from the cell's data-label. These tests check
that every body cell of every table carries the header of its own column, in the templates and in rendered pages,
and that the stylesheet uses it."""
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
CSS = Path(settings.BASE_DIR) / "static" / "css" / "app.css"


class TableReader(HTMLParser):
    """Per table of class "table": the column headers and, per body row, the (data-label, colspan) of each cell."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables, self.table, self.section, self.cell, self.row = [], None, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "table" in (attrs.get("class") or "").split():
            self.table = {"headers": [], "rows": []}
            self.tables.append(self.table)
        elif self.table is None:
            return
        elif tag in ("thead", "tbody"):
            self.section = tag
        elif tag == "tr" and self.section == "tbody":
            self.row = []
            self.table["rows"].append(self.row)
        elif tag == "th" and self.section == "thead":
            self.cell = []
        elif tag in ("td", "th") and self.section == "tbody":
            self.row.append((attrs.get("data-label"), attrs.get("colspan")))

    def handle_endtag(self, tag):
        if tag == "th" and self.cell is not None:
            self.table["headers"].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table":
            self.table, self.section = None, None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def unlabelled_cells(html):
    reader = TableReader()
    reader.feed(html)
    problems = []
    for table in reader.tables:
        for row in table["rows"]:
            if len(row) == 1 and row[0][1]:
                continue  # "nothing found" row spanning the table
            for index, (label, colspan) in enumerate(row):
                if colspan:
                    continue
                expected = table["headers"][index] if index < len(table["headers"]) else None
                if label != expected:
                    problems.append(f"column {index + 1}: data-label={label!r}, header {expected!r}")
    return reader.tables, problems


TEMPLATE_CELL = re.compile(r'<(td|th scope="row")([^>]*)>')
TEMPLATE_HEADER = re.compile(r'<th scope="col"[^>]*>(.*?)</th>', re.S)


@pytest.mark.parametrize("path", sorted(p for p in TEMPLATES.rglob("*.html") if 'class="table' in p.read_text()),
                         ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_body_cell_in_the_templates_names_its_column(path):
    text = path.read_text()
    for table in re.findall(r"<table\b.*?</table>", text, flags=re.S):
        head, _sep, body = table.partition("</thead>")
        headers = [h.strip() for h in TEMPLATE_HEADER.findall(head)]
        for row in re.split(r"<tr[^>]*>", body)[1:]:
            cells = [attrs for _tag, attrs in TEMPLATE_CELL.findall(row) if "colspan" not in attrs]
            for index, attrs in enumerate(cells):
                assert f'data-label="{headers[index]}"' in attrs, (path.name, index, attrs)


def test_the_stylesheet_stacks_tables_on_narrow_screens():
    css = CSS.read_text()
    narrow = re.search(r"@media screen and \(max-width: (\d+)rem\)\s*\{(.*?)\n\}", css, flags=re.S)
    assert narrow and int(narrow.group(1)) * 16 >= 375 + 16, "no narrow-screen rule wide enough for a 375 px phone"
    rules = narrow.group(2)
    assert "attr(data-label)" in rules and re.search(r"\.table tr[^{]*\{[^}]*display: block", rules)
    assert re.search(r"\.table thead\s*\{[^}]*position: absolute", rules), "headers stay for screen readers"


def test_the_reader_finds_a_missing_label():
    html = ('<table class="table"><thead><tr><th scope="col">A</th><th scope="col">B</th></tr></thead>'
            '<tbody><tr><td data-label="A">1</td><td>2</td></tr></tbody></table>')
    assert unlabelled_cells(html)[1] == ["column 2: data-label=None, header 'B'"]


@pytest.mark.django_db
def test_grant_and_user_tables_render_labelled_cells(client):
    from access import roles as R
    from tests.factories import admins, grant, login, make_user

    first, _ = admins()
    grant(make_user("ana", "sociale-zaken"), R.SIGNAL_SEARCH, days=10)
    login(client, first)
    for url in ("/beheer/gebruikers/", "/beheer/gebruikers/ana/", "/beheer/autorisaties/verlopend/",
                "/mijn-autorisaties/"):
        tables, problems = unlabelled_cells(client.get(url).content.decode())
        assert tables and any(t["rows"] for t in tables), url
        assert not problems, (url, problems)
