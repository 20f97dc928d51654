"""Shared fixtures of the ingest tests: the Almere geography (from areas/data, real buurt shapes), import sources and
data stewards, and `run_file` (start and process a run through the services, as the task does)."""
import json
from pathlib import Path

import pytest
from django.conf import settings

from access import roles as R
from ingest.models import ImportRun, ImportSource
from tests.factories import grant, make_user

FIXTURES = Path(__file__).parent / "fixtures"
BVH_FIXTURE = FIXTURES / "politie-bvh_almere_2017_cp1252.csv"


@pytest.fixture
def almere(db):
    """Municipality GM0034 with its wijken and buurten (shapes from areas/data/almere_buurten_2024.geojson)."""
    from areas.models import Buurt, Municipality, Wijk

    data = json.loads((Path(settings.BASE_DIR) / "areas/data/almere_buurten_2024.geojson").read_text("utf-8"))
    municipality, _ = Municipality.objects.get_or_create(code="GM0034", defaults={"name": "Almere"})
    wijken = {}
    for feature in data["features"]:
        code = feature["properties"]["wijkcode"]
        if code not in wijken:
            wijken[code] = Wijk.objects.get_or_create(code=code, defaults={"name": code,
                                                                            "municipality": municipality})[0]
    Buurt.objects.bulk_create([
        Buurt(code=f["properties"]["buurtcode"], name=f["properties"]["buurtnaam"],
              wijk=wijken[f["properties"]["wijkcode"]], geometry=f["geometry"], indeling_jaar=2024)
        for f in data["features"]
    ], ignore_conflicts=True)
    return municipality


@pytest.fixture
def bvh_source(db):
    return ImportSource.objects.create(code="politie-bvh", name="Politie BVH", format="politie-bvh",
                                       facts_source="politie-bvh", schedule=ImportSource.Schedule.WEEKLY)


@pytest.fixture
def steward(bvh_source):
    user = make_user("steward", "oov")
    grant(user, R.DATA_STEWARD, scope=bvh_source)
    return user


def run_file(source, data, *, name="levering.csv", actor=None, encoding="utf-8", tmp_path=None,
             trigger=ImportRun.Trigger.COMMAND):
    """Start a run for `data` (a Path, bytes or text) and process it; returns the finished run."""
    import tempfile

    from ingest import services

    if isinstance(data, Path):
        path = data
        name = name if name != "levering.csv" else data.name
    else:
        folder = Path(tmp_path or tempfile.mkdtemp())
        path = folder / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    run = services.run_start(source=source, file=path, file_name=name, actor=actor, trigger=trigger, queue=False)
    return services.run_process(run_id=run.pk)


def bvh_text(rows, header=None):
    """A BVH file's text: the fixture's header and the given rows (lists of cells)."""
    header = header or BVH_FIXTURE.read_text("cp1252").splitlines()[0]
    return "\r\n".join([header, *(";".join(r) for r in rows)]) + "\r\n"


def bvh_rows():
    return [line.split(";") for line in BVH_FIXTURE.read_text("cp1252").splitlines()[1:]]
