"""The dashboard benchmark's own machinery (bench/dashboards.py), against the real platform where it talks to it: if
the figure API, its filter or the grant changes, `make bench` would time errors instead of figures, so these fail
first. The generator and the raw GROUP BY run on PostgreSQL only (COPY, generate_series); skipped elsewhere."""
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from areas.models import Municipality
from bench import dashboards
from dashboards.selectors.filters import figure_query_from_params
from tests.ingest.conftest import almere  # noqa: F401 - fixture

postgres_only = pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                                   reason="needs a PostgreSQL server")


@pytest.fixture
def catalogue(db):
    """Sources, categories and themes (a migration loads them; a transactional test before may have flushed them)."""
    from dashboards.catalogue import catalogue_sync
    from dashboards.models import Category, Source, Theme

    catalogue_sync(Source=Source, Category=Category, Theme=Theme)


def test_every_filter_of_the_mix_is_one_the_figures_answer(catalogue):
    Municipality.objects.create(code=dashboards.BENCH_MUNICIPALITY, name="Almere")
    for params in dashboards.query_mix(60, seed=3):
        query = figure_query_from_params(params)
        assert query.municipality.code == dashboards.BENCH_MUNICIPALITY and query.categories
    assert dashboards.database_name("vp_bench", dashboards.DEFAULT_INCIDENTS) == "vp_bench_dash"
    assert dashboards.database_name("vp_bench", 20_000) == "vp_bench_dash_20000"  # a smoke run keeps the big one


@pytest.mark.django_db(transaction=True)
def test_the_viewer_gets_every_figure_over_http(live_server, almere, catalogue):  # noqa: F811
    first = dashboards.setup_viewer()
    token = dashboards.setup_viewer()  # a fresh token per run (the old one stops working), the grant made once
    assert token != first
    port = urlsplit(live_server.url).port
    mix = dashboards.query_mix(5, seed=1)
    for figure in dashboards.FIGURES:
        clients = dashboards.FigureClients(port, token, [dashboards.api_path(figure, p) for p in mix])
        # One client: the live server shares one in-memory SQLite connection between its threads.
        summary = clients.run(clients=1, duration=0.3, label=figure)
        assert summary.ok and summary.statuses == {200: len(summary.samples)}, (figure, summary.statuses)
    refused = dashboards.FigureClients(port, "not-a-token-0123456789", [dashboards.api_path("trend", mix[0])])
    assert set(refused.run(clients=1, duration=0.1, label="refused").statuses) == {401}


@postgres_only
@pytest.mark.django_db
def test_generated_incidents_their_rollups_and_the_raw_group_by_agree(catalogue):
    from dashboards.models import Incident, Rollup, Source, WeekRollup
    from dashboards.selectors import figures

    with connection.cursor() as cur:
        dashboards.load_geography(cur, say=lambda text: None)
        cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = "
                    "'dashboards_incident'::regclass ORDER BY 1")
        constraints = cur.fetchall()
        cur.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'dashboards_incident' ORDER BY 1")
        indexes = cur.fetchall()
        source = Source.objects.get(code="politie-bvh")
        made = dashboards.generate_incidents(cur, n=10_000, seed=5, source_id=source.pk, say=lambda text: None)
        dashboards.rebuild_rollups(cur, source=source, say=lambda text: None)
        cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = "
                    "'dashboards_incident'::regclass ORDER BY 1")
        assert cur.fetchall() == constraints  # the keys are back, exactly as they were
        cur.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'dashboards_incident' ORDER BY 1")
        assert cur.fetchall() == indexes
    assert made == Incident.objects.count() == 10_000
    total = sum(Rollup.objects.values_list("count", flat=True))
    assert total == sum(WeekRollup.objects.values_list("count", flat=True)) == 10_000
    assert Incident.objects.filter(occurred_on__lt=dashboards.FIRST_DAY).count() == 0
    assert Incident.objects.filter(occurred_on__gt=dashboards.LAST_DAY).count() == 0
    assert Incident.objects.filter(municipality__code=dashboards.BENCH_MUNICIPALITY).count() > 100
    for row in Incident.objects.values("occurred_on", "weekday", "occurred_time", "dagdeel")[:500]:
        assert row["weekday"] == row["occurred_on"].weekday()
        assert row["dagdeel"] == (4 if row["occurred_time"] is None else row["occurred_time"].hour // 6)
    measured = dashboards.measure_raw(samples=5, seed=2, say=lambda text: None)
    chosen = dashboards.measure_selectors(samples=5, seed=2, say=lambda text: None)
    # the raw GROUP BY and the selector count the same incidents for the same filter
    assert measured["raw_totals"]["buurten"] == chosen["selector_totals"]["buurten"]
    assert measured["raw_totals"]["dagdelen"] == chosen["selector_totals"]["dagdelen"]
    params = dashboards.query_mix(1, seed=3)[0]
    assert figures.area_figures(figure_query_from_params(params)).total == figures.dagdeel_grid(
        figure_query_from_params(params)).total
