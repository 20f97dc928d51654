"""The figure selectors on a known fixture: rates per 1000 inhabitants (exact), the minimum of inhabitants, wijken as
the sum of their buurten, trend against a year earlier (month and ISO week), the dagdeel grid, the table's change,
aggregate sources, and the same total on map, trend and grid."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards.models import Source
from dashboards.selectors import figures
from dashboards.selectors.filters import FigureQueryError, add_months, figure_query_from_params
from tests.dashboards.figures_fixtures import YEAR_2024

pytestmark = pytest.mark.django_db


def q(**params):
    return figure_query_from_params({**YEAR_2024, **params})


def by_code(result):
    return {a.code: a for a in result.areas}


def test_rates_per_1000_on_a_known_fixture(world):
    result = figures.area_figures(q())
    areas = by_code(result)
    assert set(areas) == {"BU00340101", "BU00340102", "BU00340201", "BU00340202"}  # not the other municipality
    assert (areas["BU00340101"].count, areas["BU00340101"].inhabitants, areas["BU00340101"].rate) == (10, 2000, 5.0)
    assert (areas["BU00340102"].count, areas["BU00340102"].inhabitants, areas["BU00340102"].rate) == (5, 250, 20.0)
    # 50 inhabitants: under the minimum of 100, the count only
    assert (areas["BU00340201"].count, areas["BU00340201"].inhabitants, areas["BU00340201"].rate) == (3, 50, None)
    assert areas["BU00340201"].too_few_inhabitants
    # not published (no 2024 row, 2023 empty): unknown, no rate
    assert (areas["BU00340202"].count, areas["BU00340202"].inhabitants, areas["BU00340202"].rate) == (2, None, None)
    assert result.total == 20 and result.population_year == 2024
    assert result.attribution == "Bron: Politie"
    assert result.without_rate == 2 and sum(c.areas for c in result.legend) == 2


def test_population_of_the_end_year_else_the_latest_before(world):
    areas = by_code(figures.area_figures(q(**{"from": "2023-01", "to": "2023-12"})))
    assert (areas["BU00340101"].count, areas["BU00340101"].inhabitants, areas["BU00340101"].rate) == (4, 1000, 4.0)
    areas = by_code(figures.area_figures(q(**{"from": "2025-01", "to": "2025-01"})))  # no 2025 figures: 2024's
    assert (areas["BU00340101"].count, areas["BU00340101"].inhabitants, areas["BU00340101"].rate) == (1, 2000, 0.5)


def test_the_minimum_is_a_setting(world, settings):
    settings.DASHBOARD_MIN_INHABITANTS = 40
    assert by_code(figures.area_figures(q()))["BU00340201"].rate == 60.0
    settings.DASHBOARD_MIN_INHABITANTS = 300
    assert by_code(figures.area_figures(q()))["BU00340102"].rate is None


def test_a_wijk_is_the_sum_of_its_buurten(world):
    wijken = by_code(figures.area_figures(q(), level="wijk"))
    assert set(wijken) == {"WK003401", "WK003402"}
    assert (wijken["WK003401"].count, wijken["WK003401"].inhabitants, wijken["WK003401"].rate) == (15, 2250, 6.67)
    assert (wijken["WK003402"].count, wijken["WK003402"].inhabitants, wijken["WK003402"].rate) == (5, 50, None)


def test_themes_and_categories_filter_the_counts(world):
    areas = by_code(figures.area_figures(q(themes="wos-hic")))
    assert areas["BU00340101"].count == 4 and areas["BU00340201"].count == 3 and areas["BU00340102"].count == 0
    areas = by_code(figures.area_figures(q(categories="1.2.3")))
    assert areas["BU00340101"].count == 6 and areas["BU00340201"].count == 0


def test_map_trend_and_grid_add_up_to_the_same_total(world):
    for params in ({}, {"themes": "wos-hic"}, {"from": "2023-03", "to": "2024-06"}):
        query = q(**params)
        total = figures.area_figures(query).total
        assert figures.area_figures(query, level="wijk").total == total
        assert figures.trend(query).total == total
        assert figures.dagdeel_grid(query).total == total
        assert sum(a.count for a in figures.area_table(query).areas) == total
    assert figures.area_figures(q()).total == 20


def test_monthly_trend_against_a_year_earlier(world):
    trend = figures.trend(q())
    assert [p.label for p in trend.points][:3] == ["2024-01", "2024-02", "2024-03"] and len(trend.points) == 12
    march = trend.points[2]
    assert (march.count, march.previous_year_count) == (4, 4)
    assert [p.count for p in trend.points] == [5, 0, 4, 0, 0, 6, 0, 0, 2, 0, 0, 3]
    assert trend.previous_total == 4


def test_weekly_trend_by_iso_week(world):
    trend = figures.trend(q(), interval="week")
    # the Monday of ISO week 1 of 2024 opens the year; the week of 31 December is ISO week 1 of 2025
    assert trend.points[0].period == datetime.date.fromisocalendar(2024, 1, 1) and trend.points[0].label == "2024-W01"
    assert trend.points[-1].period == datetime.date.fromisocalendar(2025, 1, 1)
    assert trend.total == 20
    week10 = next(p for p in trend.points if p.label == "2024-W10")  # 4-7 March 2024
    assert (week10.count, week10.previous_year_count) == (4, 4)  # 6-9 March 2023, 52 weeks earlier


def test_trend_for_a_wijk_and_a_buurt(world):
    assert figures.trend(q(), area=figures.area_from_code(q(), "WK003402")).total == 5
    assert figures.trend(q(), area=figures.area_from_code(q(), "BU00340102")).total == 5
    assert figures.trend(q(), area=figures.area_from_code(q(), "GM0034")).total == 20
    with pytest.raises(FigureQueryError):
        figures.area_from_code(q(), "BU03630101")  # a buurt of another municipality
    with pytest.raises(FigureQueryError):
        figures.area_from_code(q(), "XX1")


def test_dagdeel_grid_has_28_cells_and_the_unknown_apart(world):
    grid = figures.dagdeel_grid(q())
    assert len(grid.cells) == 28 and grid.unknown == 2 and grid.total == 20
    cells = {(c.dagdeel, c.weekday): c.count for c in grid.cells}
    # avond: Stadswold 15-19 January (Mon-Fri, 20:00), Haven-Noord 2-4 December (Mon-Wed, 23:30), Centrum Thu 7 March
    assert [cells[(3, w)] for w in range(7)] == [2, 2, 2, 2, 1, 0, 0]
    assert [cells[(0, w)] for w in range(7)] == [1, 0, 0, 0, 0, 0, 0]  # Centrum Monday 4 March 02:15
    assert sum(grid.weekday_totals()) == 20


def test_table_change_against_the_previous_period(world):
    table = figures.area_table(q(), sort="-count")
    first = table.areas[0]
    assert (first.code, first.count, first.previous, first.change, first.change_percent) == ("BU00340101", 10, 4, 6,
                                                                                            150.0)
    assert [a.code for a in figures.area_table(q(), sort="-rate").areas][:2] == ["BU00340102", "BU00340101"]
    assert [a.code for a in figures.area_table(q(), sort="rate").areas][:2] == ["BU00340101", "BU00340102"]
    assert figures.area_table(q(), sort="-rate").areas[-1].rate is None  # without a rate: last


def test_provisional_months_are_flagged(world):
    last_two_months = add_months(q().date_to.replace(day=1), -1)  # November and December of the fixture's year
    Source.objects.filter(pk=world.source.pk).audited_update(reason="test", provisional_from=last_two_months)
    trend = figures.trend(q())
    assert trend.provisional and [p.provisional for p in trend.points][-3:] == [False, True, True]
    assert figures.area_figures(q()).provisional
    assert not figures.area_figures(q(**{"to": "2024-10"})).provisional


def test_aggregate_source_counts_whole_years_and_has_no_dagdeel(world):
    world.aggregate("cbs-misdrijven", "BU00340101", world.burglary, 2023, 0, 12)
    world.aggregate("cbs-misdrijven", "BU00340101", world.burglary, 2024, 0, 8)
    world.aggregate("cbs-misdrijven", "BU00340102", world.burglary, 2024, 0, 5, provisional=True)
    query = q(source="cbs-misdrijven", categories="1.1.1")
    areas = by_code(figures.area_figures(query))
    assert (areas["BU00340101"].count, areas["BU00340101"].rate) == (8, 4.0)
    assert (areas["BU00340102"].count, areas["BU00340102"].rate) == (5, 20.0)
    assert figures.area_figures(query).provisional
    trend = figures.trend(query, interval="month")
    assert trend.interval == "year" and [(p.label, p.count, p.previous_year_count) for p in trend.points] == [
        ("2024", 13, 12)]
    assert trend.total == figures.area_figures(query).total == 13
    assert figures.area_figures(query).attribution == "Bron: CBS, Politie"
    with pytest.raises(FigureQueryError, match="dagdelen"):
        figures.dagdeel_grid(query)
    with pytest.raises(FigureQueryError, match="hele kalenderjaren"):
        q(source="cbs-misdrijven", **{"from": "2024-02"})


def test_monthly_aggregate_source(world):
    world.aggregate("cbs-misdrijven-maand", "BU00340101", world.burglary, 2023, 12, 9)
    world.aggregate("cbs-misdrijven-maand", "BU00340101", world.burglary, 2024, 1, 3)
    world.aggregate("cbs-misdrijven-maand", "BU00340101", world.burglary, 2024, 2, 4)
    query = q(source="cbs-misdrijven-maand", categories="1.1.1", **{"from": "2023-12", "to": "2024-01"})
    assert figures.area_figures(query).total == 12
    trend = figures.trend(query)
    assert [(p.label, p.count) for p in trend.points] == [("2023-12", 9), ("2024-01", 3)]
    with pytest.raises(FigureQueryError, match="weekcijfers"):
        figures.trend(query, interval="week")


def test_sources_are_never_added(world):
    world.aggregate("cbs-misdrijven", "BU00340101", world.burglary, 2024, 0, 100)
    assert figures.area_figures(q()).total == 20


def test_rate_classes():
    assert figures.rate_classes([]) == []
    assert figures.rate_classes([3.0, 3.0]) == [(3.0, 3.0)]
    classes = figures.rate_classes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    assert len(classes) == 5 and classes[0][0] == 1 and classes[-1][1] == 10
    assert figures.class_of(1, classes) == 0 and figures.class_of(10, classes) == 4
    assert figures.class_of(None, classes) is None


def test_few_queries_whatever_the_number_of_buurten(world):
    query = q()
    with CaptureQueriesContext(connection) as small:
        figures.area_figures(query)
        figures.trend(query)
        figures.dagdeel_grid(query)
    from areas.models import Buurt, Population
    wijk = world.wijken["WK003401"]
    for i in range(20):
        buurt = Buurt.objects.create(code=f"BU003401{50 + i}", name=f"Extra {i}", wijk=wijk)
        Population.objects.create(buurt=buurt, year=2024, inhabitants=100 + i)
        world.buurten[buurt.code] = buurt
    april = add_months(query.date_from, 3)
    world.load([world.row(april, f"BU003401{50 + i}", world.theft) for i in range(20)])
    with CaptureQueriesContext(connection) as large:
        result = figures.area_figures(query)
        figures.trend(query)
        figures.dagdeel_grid(query)
    assert len(large.captured_queries) == len(small.captured_queries) <= 6
    assert result.total == 40


def test_table_change_of_a_yearly_source(world):
    world.aggregate("cbs-misdrijven", "BU00340101", world.burglary, 2023, 0, 12)
    world.aggregate("cbs-misdrijven", "BU00340101", world.burglary, 2024, 0, 8)
    world.aggregate("cbs-misdrijven-maand", "BU00340101", world.burglary, 2024, 1, 5)
    table = figures.area_table(q(source="cbs-misdrijven", categories="1.1.1"))
    centrum = by_code(table)["BU00340101"]
    assert (centrum.count, centrum.previous, centrum.change, centrum.change_percent) == (8, 12, -4, -33.3)
    monthly = by_code(figures.area_table(q(source="cbs-misdrijven-maand", categories="1.1.1",
                                           **{"from": "2024-01", "to": "2024-01"})))["BU00340101"]
    assert (monthly.count, monthly.previous) == (5, 0)
