"""Ingest with PostgreSQL + Redis and real Celery workers (CI's second run: VP_INTEGRATION=1, a worker started by
.ci/run): an upload through the API is processed by the worker and the dashboard facts show the counts; a worker
killed mid-run leaves nothing half-loaded, and the redelivered task (acks_late) completes without duplicates."""
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from access import roles as R
from dashboards.models import Incident, Rollup
from ingest.models import ImportRun, ImportSource
from tests.factories import grant, make_user

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        os.environ.get("VP_INTEGRATION") != "1" or not settings.CELERY_BROKER_URL,
        reason="needs PostgreSQL, Redis and a running Celery worker (VP_INTEGRATION=1)",
    ),
]

FIXTURE = Path(__file__).resolve().parent.parent / "ingest" / "fixtures" / "politie-bvh_almere_2017_cp1252.csv"


def _load_almere():
    import json

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
        for f in data["features"]], ignore_conflicts=True)


def _wait(run_id, statuses, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = ImportRun.objects.get(pk=run_id)
        if run.status in statuses:
            return run
        time.sleep(0.5)
    raise AssertionError(f"run {run_id} still {ImportRun.objects.get(pk=run_id).status} after {timeout} s")


@pytest.fixture
def source(settings, tmp_path):
    assert connection.vendor == "postgresql"
    settings.INGEST_UPLOAD_DIR = Path(os.environ.get("INGEST_UPLOAD_DIR") or settings.INGEST_UPLOAD_DIR)
    _load_almere()
    from dashboards.catalogue import catalogue_sync
    from dashboards.models import Category, Source, Theme

    catalogue_sync(Source=Source, Category=Category, Theme=Theme)  # (a flush by an earlier test removes it)
    return ImportSource.objects.create(code=f"bvh-{uuid.uuid4().hex[:6]}", name="Politie BVH", format="politie-bvh",
                                       facts_source="politie-bvh")


@pytest.mark.django_db(transaction=True)
def test_an_upload_is_processed_by_the_worker_and_the_facts_show_it(source):
    user = make_user(f"steward-{uuid.uuid4().hex[:6]}", "oov")
    grant(user, R.DATA_STEWARD, scope=source)
    api = APIClient()
    api.force_authenticate(user)
    with FIXTURE.open("rb") as handle:
        response = api.post("/api/v1/imports", {"source": source.code, "file": handle}, format="multipart")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued"  # a worker does the work, not the request
    run = _wait(response.json()["id"], ImportRun.FINISHED, 120)
    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    body = api.get(f"/api/v1/imports/{run.pk}").json()
    assert (body["rowsRead"], body["inserted"], body["progress"]) == (14, 14, 100)
    facts = Incident.objects.filter(import_run=run.pk)
    assert facts.count() == 14
    assert sum(Rollup.objects.filter(source__code="politie-bvh", buurt__in=facts.values("buurt"))
               .values_list("count", flat=True)) >= 14


def _big_file(path, copies):
    """The fixture's 13 placeable rows, `copies` times (identical rows are separate incidents: ids #1..#n)."""
    lines = FIXTURE.read_bytes().split(b"\r\n")
    header, rows = lines[0], [r for r in lines[1:] if r]
    with path.open("wb") as out:
        out.write(header + b"\r\n")
        for _ in range(copies):
            out.write(b"\r\n".join(rows) + b"\r\n")
    return len(rows) * copies


def _start_worker(queue, log):
    """A worker of our own on its own queue, with a short visibility timeout so that Redis hands an unacknowledged
    message (acks_late) to the next worker within seconds after a kill."""
    env = {**os.environ, "CONN_MAX_AGE": "0",
           "DATABASE_URL": os.environ.get("CELERY_WORKER_DATABASE_URL") or _database_url()}
    code = ("import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'veiligheid.settings'); "
            "django.setup(); from veiligheid.celery import app; "
            "app.conf.broker_transport_options = {'visibility_timeout': 5}; "
            f"app.worker_main(['worker', '--loglevel=warning', '--concurrency=1', '--pool=solo', '-Q', '{queue}'])")
    return subprocess.Popen([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def _database_url():
    s = connection.settings_dict
    return f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_run_leaves_nothing_and_the_retry_loads_without_duplicates(source, tmp_path):
    from ingest import services
    from ingest.tasks import import_run_process

    path = tmp_path / "groot.csv"
    rows = _big_file(path, 6000)
    run = services.run_start(source=source, file=path, file_name=path.name, queue=False)
    queue = f"h5-kill-{uuid.uuid4().hex[:8]}"
    log = (tmp_path / "worker.log").open("wb")
    first = _start_worker(queue, log)
    second = None
    try:
        import_run_process.apply_async(args=[run.pk], queue=queue)
        _wait(run.pk, {ImportRun.Status.RUNNING}, 120)
        time.sleep(3)  # well into the load
        assert ImportRun.objects.get(pk=run.pk).status == ImportRun.Status.RUNNING
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        # the killed run's transaction died with its connection: nothing of it is stored
        time.sleep(1)
        assert Incident.objects.filter(import_run=run.pk).count() == 0
        assert ImportRun.objects.get(pk=run.pk).status == ImportRun.Status.RUNNING
        second = _start_worker(queue, log)  # Redis redelivers the unacknowledged task to it
        finished = _wait(run.pk, ImportRun.FINISHED, 600)
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=60)
        log.close()
    assert finished.status == ImportRun.Status.SUCCEEDED, finished.message
    assert finished.attempts == 2
    assert (finished.rows_read, finished.inserted) == (rows, rows)
    facts = Incident.objects.filter(import_run=run.pk)
    assert facts.count() == rows
    assert facts.values("external_id").distinct().count() == rows
