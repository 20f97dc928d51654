"""The ingest benchmark's own machinery (bench/ingest.py): the generated BVH file must be a file the importer takes
whole (otherwise `make bench` would time rejections), and the COPY baseline must read the same file."""
import datetime
import re

import pytest
from django.conf import settings
from django.db import connection

from bench import ingest
from ingest.models import ImportRun
from tests.ingest.conftest import almere, bvh_source, run_file  # noqa: F401 - fixtures

postgres_only = pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                                   reason="needs a PostgreSQL server")


@pytest.fixture(scope="module")
def bvh_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("bvh") / "bvh.csv"
    ingest.write_bvh(path, 400, seed=7, say=lambda text: None)
    return path


def test_the_file_has_the_real_layout(bvh_file):
    raw = bvh_file.read_bytes()
    assert b"\r\n" in raw
    text = raw.decode("cp1252")
    lines = text.splitlines()
    assert lines[0] == ingest.HEADER and len(lines) == 401
    assert any(ch in text for ch in "éèëû")  # Windows-1252 letters in the street names
    for line in lines[1:]:
        cells = line.split(";")
        assert len(cells) == len(ingest.HEADER.split(";"))
        assert re.fullmatch(r"\d{1,2}-\d{1,2}-\d{4} \d{1,2}:\d{2}", cells[9]), cells[9]
        day, month, year = (int(v) for v in cells[9].split(" ")[0].split("-"))
        assert ingest.FIRST_DAY <= datetime.date(year, month, day) <= ingest.LAST_DAY
        x, y = int(cells[-2]), int(cells[-1])
        assert 130_000 < x < 160_000 and 470_000 < y < 500_000  # Almere in Rijksdriehoek


@pytest.mark.django_db
def test_the_importer_takes_every_row_of_the_file(almere, bvh_source, bvh_file):  # noqa: F811
    run = run_file(bvh_source, bvh_file)
    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert (run.rows_read, run.inserted, run.rejected) == (400, 400, 0)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_copy_reads_the_same_file_into_a_bare_and_an_indexed_table(bvh_file):
    own = settings.DATABASES["default"]
    url = f"postgres://{own['USER']}@{own['HOST'] or '127.0.0.1'}:{own['PORT'] or 5432}/{own['NAME']}"
    if own.get("PASSWORD"):
        url = url.replace("@", f":{own['PASSWORD']}@", 1)
    for indexed in (False, True):
        result = ingest.copy_file(url, bvh_file, indexed=indexed)
        assert result["rows"] == 400 and result["rate"] > 0
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass('bench_copy_indexed'), to_regclass('bench_copy_bare')")
        assert cur.fetchone() == (None, None)  # dropped again
