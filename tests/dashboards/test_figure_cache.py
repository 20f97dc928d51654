"""The map's figures are cached per filter until the data behind them changes (core.datacache): every load, every
geography or population change and every edit of a source gives new figures at once, never stale ones."""
import datetime
from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from areas.models import Population
from areas.services import population_load
from dashboards.selectors import figures
from dashboards.selectors.filters import figure_query_from_params
from dashboards.services.facts import incidents_delete, rollups_rebuild
from tests.dashboards.figures_fixtures import YEAR_2024, World

pytestmark = pytest.mark.django_db
URL = f"/api/v1/dashboards/buurtveiligheid/buurten?{urlencode(YEAR_2024)}"
MAY = datetime.date.fromisoformat(YEAR_2024["from"] + "-01").replace(month=5)  # in the fixture's year
JUNE = MAY.replace(month=6)


@pytest.fixture
def client(viewer):
    api = APIClient()
    api.force_login(viewer)
    return api


def centrum(client):
    body = client.get(URL).json()
    return next(r for r in body["results"] if r["code"] == "BU00340101"), body["total"]


def test_a_repeated_filter_is_answered_from_the_cache_without_touching_the_facts():
    World()
    query = figure_query_from_params(YEAR_2024)
    figures.area_figures(query)
    with CaptureQueriesContext(connection) as queries:
        again = figures.area_figures(query)
    assert queries.captured_queries == []
    assert again.query is query and {a.code for a in again.areas} == {"BU00340101", "BU00340102", "BU00340201",
                                                                       "BU00340202"}


def test_a_load_shows_at_once(world, client):
    before, total = centrum(client)
    row = world.row(MAY, "BU00340101", world.burglary)
    world.load([row])
    after, new_total = centrum(client)
    assert (after["count"], new_total) == (before["count"] + 1, total + 1)
    incidents_delete(source=world.source, external_ids=[row[0]])  # the row's first column is its external id
    assert centrum(client) == (before, total)


def test_a_load_that_is_rolled_back_changes_nothing(world, client):
    before = centrum(client)
    with pytest.raises(RuntimeError), transaction.atomic():
        world.load([world.row(MAY, "BU00340101", world.burglary)])
        raise RuntimeError("the import run fails after the load")
    assert centrum(client) == before


def test_population_loaded_or_edited_changes_the_rate_at_once(world, client):
    assert centrum(client)[0]["ratePer1000"] == 5.0  # 10 incidents, 2000 inhabitants
    population_load(rows=[(world.buurten["BU00340101"].pk, 2024, 4000)])
    assert centrum(client)[0]["ratePer1000"] == 2.5
    row = Population.objects.get(buurt=world.buurten["BU00340101"], year=2024)
    row.inhabitants = 1000
    row.save()
    assert centrum(client)[0]["ratePer1000"] == 10.0


def test_a_source_marked_provisional_shows_at_once(world, client):
    assert client.get(URL).json()["provisional"] is False
    world.source.provisional_from = JUNE
    world.source.save()
    assert client.get(URL).json()["provisional"] is True


def test_a_rollup_repair_shows_at_once(world, client):
    before = centrum(client)
    from dashboards.models import MonthRollup

    MonthRollup.objects.filter(buurt_id=world.buurten["BU00340101"].pk).delete()  # damage behind the services' back
    assert centrum(client) == before  # still the cached figures: nothing told the cache
    rollups_rebuild(source=world.source)
    assert centrum(client) == before  # the rebuilt rollups, computed afresh


def test_the_filter_reads_its_catalogue_without_a_query_and_sees_every_edit_at_once(world):
    from dashboards.models import Category, Theme
    from dashboards.selectors.filters import FigureQueryError

    figure_query_from_params(YEAR_2024)
    with CaptureQueriesContext(connection) as queries:
        query = figure_query_from_params({**YEAR_2024, "themes": "wos-hic", "categories": "1.2.3"})
    assert queries.captured_queries == []
    assert {c.code for c in query.picked_categories} == {"1.2.3"}

    theme = Theme.objects.create(slug="fietsen", name="Fietsen")  # a new theme (the admin)
    theme.categories.set([world.theft])  # its categories (m2m)
    assert figure_query_from_params({**YEAR_2024, "themes": "fietsen"}).categories == (world.theft.pk,)
    theme.categories.set([world.theft, world.burglary])
    assert set(figure_query_from_params({**YEAR_2024, "themes": "fietsen"}).categories) == {
        world.theft.pk, world.burglary.pk}
    theme.delete()
    with pytest.raises(FigureQueryError, match="fietsen"):
        figure_query_from_params({**YEAR_2024, "themes": "fietsen"})
    Category.objects.create(code="9.9.9", name="Nieuwe soort", kind=world.theft.kind)
    assert figure_query_from_params({**YEAR_2024, "categories": "9.9.9"}).picked_categories[0].name == "Nieuwe soort"
