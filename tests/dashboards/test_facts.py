"""The facts service: set-based upserts by (source, external id) with honest counts, and rollups that always equal
the counts of the incidents (a property over any sequence of loads, re-deliveries with changes, and deletes)."""
import datetime
import threading
from collections import Counter
from unittest import mock

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from areas.models import Buurt, Municipality, Wijk
from dashboards.models import AggregateCount, Category, Dagdeel, Incident, MonthRollup, Rollup, Source, WeekRollup
from dashboards.services import facts
from dashboards.services.facts import (
    INCIDENT_COLUMNS,
    DuplicateIds,
    UnknownReferences,
    aggregate_counts_load,
    dagdeel_of,
    incidents_delete,
    incidents_load,
    month_rollups_rebuild,
    rollups_rebuild,
)

# a window that crosses a year end, months and ISO weeks (in the past, computed from today)
FIRST_DAY = datetime.date(datetime.date.today().year - 2, 12, 20)


LAST_YEAR = datetime.date.today().year - 1


def geography():
    municipality = Municipality.objects.create(code="GM9901", name="Proefdorp")
    other = Municipality.objects.create(code="GM9902", name="Buurdorp")
    wijk = Wijk.objects.create(code="WK990101", name="Noord", municipality=municipality)
    wijk2 = Wijk.objects.create(code="WK990201", name="Zuid", municipality=other)
    buurten = [
        Buurt.objects.create(code="BU99010101", name="A", wijk=wijk),
        Buurt.objects.create(code="BU99010102", name="B", wijk=wijk),
        Buurt.objects.create(code="BU99020101", name="C", wijk=wijk2),
    ]
    return buurten


def row(external_id, day, buurt, category, time=None, **extra):
    values = {
        "external_id": external_id, "category_id": category.pk, "occurred_on": day, "occurred_time": time,
        "dagdeel": dagdeel_of(time), "weekday": day.weekday(), "municipality_id": buurt.wijk.municipality_id,
        "buurt_id": buurt.pk, "address_id": None, "lon": None, "lat": None, "modus_operandi": "", "loot": "",
        "property_type": "", "quantity": None, "provisional": False,
    }
    values.update(extra)
    return tuple(values.values())


def expected_rollups(source):
    month, week, coarse = Counter(), Counter(), Counter()
    for i in Incident.objects.filter(source=source).select_related("buurt"):
        month[(i.buurt_id, i.buurt.wijk_id, i.municipality_id, i.category_id, i.occurred_on.replace(day=1),
               i.dagdeel, i.weekday)] += 1
        week[(i.buurt_id, i.category_id, i.occurred_on - datetime.timedelta(days=i.occurred_on.weekday()))] += 1
        coarse[(i.buurt_id, i.buurt.wijk_id, i.municipality_id, i.category_id, i.occurred_on.replace(day=1))] += 1
    return month, week, coarse


def actual_rollups(source):
    month = Counter({
        (r.buurt_id, r.wijk_id, r.municipality_id, r.category_id, r.month, r.dagdeel, r.weekday): r.count
        for r in Rollup.objects.filter(source=source)
    })
    week = Counter({(r.buurt_id, r.category_id, r.week): r.count for r in WeekRollup.objects.filter(source=source)})
    coarse = Counter({(r.buurt_id, r.wijk_id, r.municipality_id, r.category_id, r.month): r.count
                      for r in MonthRollup.objects.filter(source=source)})
    return month, week, coarse


@pytest.mark.django_db
def test_counts_say_what_a_load_did_and_the_same_delivery_twice_changes_nothing():
    buurten = geography()
    source = Source.objects.get(code="politie-bvh")
    burglary, theft = Category.objects.get(code="1.1.1"), Category.objects.get(code="1.2.3")
    day = datetime.date.today().replace(day=15) - datetime.timedelta(days=400)
    rows = [row("a", day, buurten[0], burglary, datetime.time(21, 30)), row("b", day, buurten[1], theft)]
    first = incidents_load(source=source, rows=rows, import_run=7)
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    again = incidents_load(source=source, rows=iter(rows), import_run=8)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert set(Incident.objects.values_list("import_run", flat=True)) == {7}  # untouched rows keep their run

    changed = incidents_load(source=source, rows=[row("a", day, buurten[0], burglary, datetime.time(21, 30),
                                                      modus_operandi="flipperen")])
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 0)
    incident = Incident.objects.get(external_id="a")
    assert incident.modus_operandi == "flipperen" and incident.dagdeel == Dagdeel.AVOND and incident.weekday == day.weekday()
    assert Incident.objects.get(external_id="b").dagdeel == Dagdeel.ONBEKEND


@pytest.mark.django_db
def test_one_id_twice_in_one_load_is_refused_and_nothing_is_stored():
    buurten = geography()
    source = Source.objects.get(code="politie-bvh")
    burglary = Category.objects.get(code="1.1.1")
    day = datetime.date.today().replace(day=15) - datetime.timedelta(days=400)
    with pytest.raises(DuplicateIds) as refused, transaction.atomic():
        incidents_load(source=source, rows=[row("x", day, buurten[0], burglary), row("x", day, buurten[1], burglary)])
    assert refused.value.ids == ["x"]
    assert not Incident.objects.exists() and not Rollup.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("lock", [None, threading.Lock()], ids=["serial", "pipelined"])
def test_an_id_repeated_in_a_later_chunk_is_refused_and_nothing_of_the_load_is_stored(monkeypatch, lock):
    """The load works in chunks (on PostgreSQL, with a lock, beside the producer): a duplicate in a later chunk
    still refuses the whole load, including the chunks already written."""
    buurten, burglary, source = geography(), Category.objects.get(code="1.1.1"), Source.objects.get(code="politie-bvh")
    monkeypatch.setattr(facts, "LOAD_CHUNK", 2)
    monkeypatch.setattr(facts, "STAGE_BATCH", 1)
    day = FIRST_DAY
    rows = [row(name, day, buurten[0], burglary) for name in ("a", "b", "c", "d", "a")]
    with pytest.raises(DuplicateIds) as refused:
        incidents_load(source=source, rows=rows, db_lock=lock)
    assert refused.value.ids == ["a"]
    assert not Incident.objects.exists() and not Rollup.objects.exists() and not MonthRollup.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("lock", [None, threading.Lock()], ids=["serial", "pipelined"])
def test_a_reader_that_fails_halfway_leaves_nothing_and_the_connection_usable(monkeypatch, lock):
    """The rows come from a file being read: when reading fails after rounds were already written (on PostgreSQL in
    the worker thread), the load stops, the worker finishes its statement and nothing of the load is kept."""
    buurten, burglary, source = geography(), Category.objects.get(code="1.1.1"), Source.objects.get(code="politie-bvh")
    monkeypatch.setattr(facts, "LOAD_CHUNK", 2)
    monkeypatch.setattr(facts, "STAGE_BATCH", 1)

    def rows():
        for k in range(7):
            yield row(f"r{k}", FIRST_DAY, buurten[0], burglary)
        raise ValueError("regel 9 is niet te lezen")

    with pytest.raises(ValueError, match="regel 9"):
        incidents_load(source=source, rows=rows(), db_lock=lock)
    assert not Incident.objects.exists() and not Rollup.objects.exists() and not WeekRollup.objects.exists()
    counts = incidents_load(source=source, rows=[row("after", FIRST_DAY, buurten[0], burglary)], db_lock=lock)
    assert counts.inserted == 1 and sum(Rollup.objects.values_list("count", flat=True)) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("lock", [None, threading.Lock()], ids=["serial", "pipelined"])
def test_fingerprint_repeats_are_numbered_across_chunks_in_line_order(monkeypatch, lock):
    buurten, burglary, source = geography(), Category.objects.get(code="1.1.1"), Source.objects.get(code="politie-bvh")
    monkeypatch.setattr(facts, "LOAD_CHUNK", 2)
    monkeypatch.setattr(facts, "STAGE_BATCH", 1)
    day = FIRST_DAY
    ids = ["fp:x#1", "fp:y#1", "fp:x#1", "reg-1", "fp:x#1", "fp:y#1", "fp:z#1"]
    rows = [row(ident, day + datetime.timedelta(days=k), buurten[0], burglary) for k, ident in enumerate(ids)]
    counts = incidents_load(source=source, rows=rows, fingerprint_prefix="fp:", db_lock=lock)
    assert counts.inserted == 7
    stored = dict(Incident.objects.values_list("external_id", "occurred_on"))
    assert {ident: (when - FIRST_DAY).days for ident, when in stored.items()} == {
        "fp:x#1": 0, "fp:y#1": 1, "fp:x#2": 2, "reg-1": 3, "fp:x#3": 4, "fp:y#2": 5, "fp:z#1": 6}
    again = incidents_load(source=source, rows=rows, fingerprint_prefix="fp:", db_lock=lock)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 7)
    assert sum(Rollup.objects.values_list("count", flat=True)) == 7


@pytest.mark.django_db
def test_a_load_that_points_at_a_missing_buurt_or_category_is_refused_whole():
    """The facts tables have no database foreign keys (bulk loads); the service checks every load's references."""
    buurten = geography()
    source = Source.objects.get(code="politie-bvh")
    burglary = Category.objects.get(code="1.1.1")
    day = datetime.date.today() - datetime.timedelta(days=30)
    good = row("ok", day, buurten[0], burglary)
    ghost = list(row("ghost", day, buurten[0], burglary))
    ghost[INCIDENT_COLUMNS.index("buurt_id")] = 999_999
    with pytest.raises(UnknownReferences) as refused, transaction.atomic():
        incidents_load(source=source, rows=[good, tuple(ghost)])
    assert refused.value.problems == {"buurt_id": 1}
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_sources_are_kept_apart():
    buurten = geography()
    police, reports = Source.objects.get(code="politie-bvh"), Source.objects.get(code="meldingen")
    burglary = Category.objects.get(code="1.1.1")
    day = datetime.date.today().replace(day=15) - datetime.timedelta(days=400)
    incidents_load(source=police, rows=[row("same-id", day, buurten[0], burglary)])
    incidents_load(source=reports, rows=[row("same-id", day, buurten[0], burglary)])
    assert Incident.objects.count() == 2
    assert Rollup.objects.get(source=police).count == 1 and Rollup.objects.get(source=reports).count == 1


@pytest.mark.django_db
def test_a_later_vintage_of_counts_replaces_the_counts_it_covers():
    buurten = geography()
    source = Source.objects.get(code="cbs-misdrijven")
    total = Category.objects.get(code="0.0.0")
    buurt = buurten[0]
    key = (total.pk, buurt.code, "buurt", buurt.wijk.municipality_id, buurt.wijk_id, buurt.pk, LAST_YEAR, 0)
    assert aggregate_counts_load(source=source, rows=[(*key, 101, True)]).inserted == 1
    later = aggregate_counts_load(source=source, rows=[(*key, 104, False)])
    assert (later.inserted, later.updated) == (0, 1)
    stored = AggregateCount.objects.get()
    assert (stored.count, stored.provisional) == (104, False)
    suppressed = aggregate_counts_load(source=source, rows=[(*key[:-2], LAST_YEAR - 1, 0, None, False)])
    assert suppressed.inserted == 1 and AggregateCount.objects.get(year=LAST_YEAR - 1).count is None


operation = st.one_of(
    # load: rows (id, day offset, buurt, category, hour or None)
    st.tuples(st.just("load"), st.lists(
        st.tuples(st.integers(0, 14), st.integers(0, 80), st.integers(0, 2), st.integers(0, 2),
                  st.one_of(st.none(), st.integers(0, 23))),
        min_size=1, max_size=8, unique_by=lambda r: r[0])),
    st.tuples(st.just("delete"), st.lists(st.integers(0, 14), min_size=1, max_size=4)),
)


class RollupProperty(TestCase):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(operation, min_size=1, max_size=6))
    def test_rollups_equal_the_counts_of_the_incidents_after_any_sequence(self, operations):
        # loads of up to 8 rows in chunks of 3: several rounds of differences per load
        with mock.patch.object(facts, "LOAD_CHUNK", 3):
            self._check(operations)

    def _check(self, operations):
        buurten = geography()
        categories = list(Category.objects.filter(code__in=["1.1.1", "1.2.3", "2.2.1"]).order_by("code"))
        source = Source.objects.get(code="politie-bvh")
        for kind, payload in operations:
            if kind == "load":
                rows = [
                    row(f"id-{ident}", FIRST_DAY + datetime.timedelta(days=offset), buurten[b], categories[c],
                        None if hour is None else datetime.time(hour, 15))
                    for ident, offset, b, c, hour in payload
                ]
                incidents_load(source=source, rows=rows)
            else:
                incidents_delete(source=source, external_ids=[f"id-{ident}" for ident in payload])
            expected = expected_rollups(source)
            assert actual_rollups(source) == expected
        # a full rebuild gives the same rollups as the incremental refreshes
        before = actual_rollups(source)
        rollups_rebuild(source=source)
        assert actual_rollups(source) == before
        # and so does rebuilding only the month rollups (for databases loaded before MonthRollup existed)
        MonthRollup.objects.filter(source=source).delete()
        month_rollups_rebuild(source=source)
        assert actual_rollups(source) == before
