"""Writing the facts, the one way ingest (and the demo) stores incidents and counts.

Loads are set-based: the rows go into a temporary staging table (COPY on PostgreSQL), then one UPDATE of the rows
that changed and one INSERT of the new ones; the rollups of every month (and ISO week) a load touched are then
recomputed from the incidents in that period, so `MonthRollup`, `Rollup` and `WeekRollup` always equal the counts of
`Incident`.
Call these inside the caller's transaction (an import run lands whole or not at all); nothing here commits.
"""
import datetime
from dataclasses import dataclass

from django.db import connection

from core import datacache
from core.staging import Stage
from core.staging import quote as _q

from ..models import AggregateCount, Dagdeel, Incident, MonthRollup, Rollup, Source, WeekRollup


@dataclass(frozen=True)
class LoadCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    def __add__(self, other):
        return LoadCounts(self.inserted + other.inserted, self.updated + other.updated,
                          self.unchanged + other.unchanged, self.deleted + other.deleted)


class UnknownReferences(ValueError):
    """Rows of a load point at a category, buurt, municipality or address that does not exist."""

    def __init__(self, problems):
        self.problems = problems  # {column: number of rows}
        super().__init__("onbekende verwijzingen: " + ", ".join(f"{k} ({v} rijen)" for k, v in problems.items()))


class DuplicateIds(ValueError):
    """Two rows of one load carry the same id at the source."""

    def __init__(self, ids):
        self.ids = sorted(ids)[:20]
        super().__init__(f"dubbele id's in één levering: {', '.join(map(str, self.ids))}")


def dagdeel_of(time):
    """nacht 0–6, ochtend 6–12, middag 12–18, avond 18–24; no time: onbekend."""
    if time is None:
        return Dagdeel.ONBEKEND
    return time.hour // 6


# The columns of one incident row, in the order the loaders pass them (tuples, for speed).
INCIDENT_COLUMNS = (
    "external_id", "category_id", "occurred_on", "occurred_time", "dagdeel", "weekday", "municipality_id",
    "buurt_id", "address_id", "lon", "lat", "modus_operandi", "loot", "property_type", "quantity", "provisional",
)
_INCIDENT_TEXT = ("external_id", "modus_operandi", "loot", "property_type")
_INCIDENT_TYPES = {
    "external_id": "varchar(64)", "category_id": "bigint", "occurred_on": "date", "occurred_time": "time",
    "dagdeel": "smallint", "weekday": "smallint", "municipality_id": "bigint", "buurt_id": "bigint",
    "address_id": "bigint", "lon": "double precision", "lat": "double precision", "modus_operandi": "varchar(200)",
    "loot": "varchar(200)", "property_type": "varchar(60)", "quantity": "integer", "provisional": "boolean",
}

AGGREGATE_COLUMNS = (
    "category_id", "area_code", "level", "municipality_id", "wijk_id", "buurt_id", "year", "month", "count",
    "provisional",
)
_AGGREGATE_KEY = ("category_id", "area_code", "year", "month")
_AGGREGATE_TEXT = ("area_code", "level")
_AGGREGATE_TYPES = {
    "category_id": "bigint", "area_code": "varchar(10)", "level": "varchar(8)", "municipality_id": "bigint",
    "wijk_id": "bigint", "buurt_id": "bigint", "year": "smallint", "month": "smallint", "count": "integer",
    "provisional": "boolean",
}


def _distinct(a, b):
    return f"{a} IS DISTINCT FROM {b}"


def _duplicates(cursor, stage, key):
    keys = ", ".join(map(_q, key))
    cursor.execute(f"SELECT {keys} FROM {stage} GROUP BY {keys} HAVING COUNT(*) > 1 LIMIT 20")  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
    return [row[0] if len(row) == 1 else row for row in cursor.fetchall()]


def _check_references(cursor, stage, references):
    """The facts tables carry no database foreign keys (see dashboards.models.Incident): check a whole load's
    references in one query per column instead, before anything is written."""
    from django.apps import apps

    problems = {}
    for column, label in references.items():
        table = apps.get_model(label)._meta.db_table
        cursor.execute(
            f"SELECT COUNT(*) FROM {stage} AS s WHERE s.{_q(column)} IS NOT NULL AND NOT EXISTS "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
            f"(SELECT 1 FROM {table} AS r WHERE r.id = s.{_q(column)})"
        )
        missing = cursor.fetchone()[0]
        if missing:
            problems[column] = missing
    if problems:
        raise UnknownReferences(problems)


_INCIDENT_REFERENCES = {"category_id": "dashboards.Category", "municipality_id": "areas.Municipality",
                        "buurt_id": "areas.Buurt", "address_id": "areas.Address"}
_AGGREGATE_REFERENCES = {"category_id": "dashboards.Category", "municipality_id": "areas.Municipality",
                         "wijk_id": "areas.Wijk", "buurt_id": "areas.Buurt"}


def _upsert(cursor, *, table, stage, source_id, key, columns, extra=None):
    """UPDATE the rows whose values changed, INSERT the new ones; returns LoadCounts."""
    extra = extra or {}
    values = [c for c in columns if c not in key]
    match = " AND ".join(f"t.{_q(c)} = s.{_q(c)}" for c in key)
    changed = " OR ".join(_distinct(f"t.{_q(c)}", f"s.{_q(c)}") for c in values)
    sets = ", ".join(f"{_q(c)} = s.{_q(c)}" for c in values)
    sets_extra = "".join(f", {_q(c)} = %s" for c in extra)
    cursor.execute(
        f"UPDATE {table} AS t SET {sets}{sets_extra} FROM {stage} AS s "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
        f"WHERE t.source_id = %s AND {match} AND ({changed})",
        [*extra.values(), source_id],
    )
    updated = cursor.rowcount
    all_columns = ", ".join(("source_id", *map(_q, columns), *map(_q, extra)))
    selected = ", ".join(("%s", *(f"s.{_q(c)}" for c in columns), *(["%s"] * len(extra))))
    cursor.execute(
        f"INSERT INTO {table} ({all_columns}) SELECT {selected} FROM {stage} AS s "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE t.source_id = %s AND {match})",
        [source_id, *extra.values(), source_id],
    )
    inserted = cursor.rowcount
    return inserted, updated


# -- incidents ---------------------------------------------------------------------------------------------------


@datacache.changes(datacache.FIGURES)
def incidents_load(*, source: Source, rows, import_run=None, fingerprint_prefix: str = "") -> LoadCounts:
    """Upsert incidents of one source by external id and bring the rollups of every touched month in step.

    `rows` is an iterable of tuples in INCIDENT_COLUMNS order, or of core.staging.CopyText chunks already in the
    stage's COPY layout (streamed to the database in batches). Raises DuplicateIds when one id occurs twice in the
    load. Ids that start with `fingerprint_prefix` (a fingerprint of the row, for sources without ids) end in "#1":
    identical rows of one load are separate incidents, so their repeats become "#2", "#3", ... in line order (in
    the database, so a file of millions of rows needs no memory of the fingerprints it has seen).
    """
    table = Incident._meta.db_table
    with connection.cursor() as cursor:
        stage = Stage(cursor, "vp_incident_stage", INCIDENT_COLUMNS, _INCIDENT_TYPES, _INCIDENT_TEXT)
        try:
            total = stage.add(rows)
            if total == 0:
                return LoadCounts()
            stage.index("external_id")
            if fingerprint_prefix:
                _number_repeats(cursor, stage.name, fingerprint_prefix)
            duplicates = _duplicates(cursor, stage.name, ("external_id",))
            if duplicates:
                raise DuplicateIds(duplicates)
            _check_references(cursor, stage.name, _INCIDENT_REFERENCES)
            # the months before (a re-delivered incident may have moved) and after the load
            cursor.execute(
                f"SELECT DISTINCT t.occurred_on FROM {table} AS t JOIN {stage.name} AS s "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
                f"ON t.source_id = %s AND t.external_id = s.external_id AND t.occurred_on <> s.occurred_on",
                [source.pk],
            )
            dates = {_as_date(row[0]) for row in cursor.fetchall()}
            cursor.execute(f"SELECT MIN(occurred_on), MAX(occurred_on) FROM {stage.name}")  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
            low, high = cursor.fetchone()
            inserted, updated = _upsert(
                cursor, table=table, stage=stage.name, source_id=source.pk, key=("external_id",),
                columns=INCIDENT_COLUMNS, extra={"import_run": import_run},
            )
            if inserted or updated:
                cursor.execute(
                    f"SELECT DISTINCT {_month_sql('occurred_on')} FROM {stage.name}"  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
                )
                months = {_as_date(row[0]) for row in cursor.fetchall()}
                months |= {d.replace(day=1) for d in dates}
                _refresh_rollups(cursor, source.pk, months)
        finally:
            stage.drop()
    return LoadCounts(inserted=inserted, updated=updated, unchanged=total - inserted - updated)


def _number_repeats(cursor, stage, prefix):
    """Give the 2nd, 3rd, ... row with the same fingerprint id ("<prefix>...#1") the ids "...#2", "...#3", in line
    order (only repeated ids are touched: one GROUP BY over the stage, then an update of the repeats)."""
    numbers = f"{stage}_repeats"
    cursor.execute(f"DROP TABLE IF EXISTS {numbers}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {numbers} AS SELECT line_no, ROW_NUMBER() OVER "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
        f"(PARTITION BY external_id ORDER BY line_no) AS n FROM {stage} WHERE external_id IN "
        f"(SELECT external_id FROM {stage} WHERE SUBSTR(external_id, 1, %s) = %s GROUP BY external_id "
        f"HAVING COUNT(*) > 1)",
        [len(prefix), prefix],
    )
    cursor.execute(f"CREATE INDEX {numbers}_line ON {numbers} (line_no)")
    cursor.execute(
        f"UPDATE {stage} SET external_id = SUBSTR(external_id, 1, LENGTH(external_id) - 1) || "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
        f"CAST((SELECT r.n FROM {numbers} AS r WHERE r.line_no = {stage}.line_no) AS varchar(20)) "
        f"WHERE line_no IN (SELECT line_no FROM {numbers} WHERE n > 1)"
    )
    cursor.execute(f"DROP TABLE {numbers}")


@datacache.changes(datacache.FIGURES)
def incidents_delete(*, source: Source, external_ids) -> LoadCounts:
    """Remove incidents a source withdrew, and refresh the rollups of their months."""
    external_ids = list(external_ids)
    doomed = Incident.objects.filter(source=source, external_id__in=external_ids)
    months = {d.replace(day=1) for d in doomed.values_list("occurred_on", flat=True)}
    deleted, _ = doomed.delete()
    with connection.cursor() as cursor:
        _refresh_rollups(cursor, source.pk, months)
    return LoadCounts(deleted=deleted)


@datacache.changes(datacache.FIGURES)
def rollups_rebuild(*, source: Source | None = None):
    """Recompute every rollup of one source (or all) from the incidents; for repairs and tests."""
    sources = [source] if source else list(Source.objects.filter(granularity=Source.Granularity.INCIDENT))
    with connection.cursor() as cursor:
        for item in sources:
            MonthRollup.objects.filter(source=item).delete()
            Rollup.objects.filter(source=item).delete()
            WeekRollup.objects.filter(source=item).delete()
            _refresh_rollups(cursor, item.pk, _incident_months(item))


@datacache.changes(datacache.FIGURES)
def month_rollups_rebuild(*, source: Source | None = None):
    """Recompute only MonthRollup of one source (or all) from the incidents: fills it in a database whose incidents
    were loaded before it existed, without rewriting the (much larger) Rollup and WeekRollup."""
    sources = [source] if source else list(Source.objects.filter(granularity=Source.Granularity.INCIDENT))
    with connection.cursor() as cursor:
        for item in sources:
            MonthRollup.objects.filter(source=item).delete()
            for low, high in _month_ranges(_incident_months(item)):
                _refresh_month_rollups(cursor, item.pk, low, high)


def _incident_months(source):
    return {d.replace(day=1)
            for d in Incident.objects.filter(source=source).values_list("occurred_on", flat=True).distinct()}


def _as_date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value


def _month_sql(column):
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def _week_sql(column, weekday):
    if connection.vendor == "postgresql":
        return f"({column} - {weekday})"
    return f"date({column}, '-' || {weekday} || ' days')"


def _month_ranges(months):
    """Contiguous runs of months as [first day, first day after) pairs."""
    ranges = []
    for month in sorted(months):
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        if ranges and ranges[-1][1] == month:
            ranges[-1][1] = following
        else:
            ranges.append([month, following])
    return ranges


def _refresh_rollups(cursor, source_id, months):
    """Recompute MonthRollup and Rollup of `months` and the week rollups of every ISO week overlapping them."""
    incident = Incident._meta.db_table
    buurt = _buurt_table()
    rollup, week_rollup = Rollup._meta.db_table, WeekRollup._meta.db_table
    month_rollup = MonthRollup._meta.db_table
    for low, high in _month_ranges(months):
        cursor.execute(f"DELETE FROM {rollup} WHERE source_id = %s AND month >= %s AND month < %s",  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
                       [source_id, low, high])
        cursor.execute(
            f"INSERT INTO {rollup} (source_id, municipality_id, wijk_id, buurt_id, category_id, month, dagdeel, "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
            f"weekday, count) "
            f"SELECT i.source_id, i.municipality_id, b.wijk_id, i.buurt_id, i.category_id, {_month_sql('i.occurred_on')}, "
            f"i.dagdeel, i.weekday, COUNT(*) FROM {incident} AS i JOIN {buurt} AS b ON b.id = i.buurt_id "
            f"WHERE i.source_id = %s AND i.occurred_on >= %s AND i.occurred_on < %s "
            f"GROUP BY i.source_id, i.municipality_id, b.wijk_id, i.buurt_id, i.category_id, "
            f"{_month_sql('i.occurred_on')}, i.dagdeel, i.weekday",
            [source_id, low, high],
        )
        # MonthRollup is Rollup summed over dagdeel and weekday: read from the rollup just written, not the incidents
        cursor.execute(f"DELETE FROM {month_rollup} WHERE source_id = %s AND month >= %s AND month < %s",  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
                       [source_id, low, high])
        cursor.execute(
            f"INSERT INTO {month_rollup} (source_id, municipality_id, wijk_id, buurt_id, category_id, month, count) "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
            f"SELECT source_id, municipality_id, wijk_id, buurt_id, category_id, month, SUM(count) FROM {rollup} "
            f"WHERE source_id = %s AND month >= %s AND month < %s "
            f"GROUP BY source_id, municipality_id, wijk_id, buurt_id, category_id, month",
            [source_id, low, high],
        )
        first_week = low - datetime.timedelta(days=low.weekday())
        last_day = high - datetime.timedelta(days=1)
        after_weeks = last_day + datetime.timedelta(days=7 - last_day.weekday())
        cursor.execute(f"DELETE FROM {week_rollup} WHERE source_id = %s AND week >= %s AND week < %s",  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
                       [source_id, first_week, after_weeks])
        cursor.execute(
            f"INSERT INTO {week_rollup} (source_id, municipality_id, wijk_id, buurt_id, category_id, week, count) "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
            f"SELECT i.source_id, i.municipality_id, b.wijk_id, i.buurt_id, i.category_id, "
            f"{_week_sql('i.occurred_on', 'i.weekday')}, COUNT(*) FROM {incident} AS i "
            f"JOIN {buurt} AS b ON b.id = i.buurt_id "
            f"WHERE i.source_id = %s AND i.occurred_on >= %s AND i.occurred_on < %s "
            f"GROUP BY i.source_id, i.municipality_id, b.wijk_id, i.buurt_id, i.category_id, "
            f"{_week_sql('i.occurred_on', 'i.weekday')}",
            [source_id, first_week, after_weeks],
        )


def _refresh_month_rollups(cursor, source_id, low, high):
    """MonthRollup of the months in [low, high): delete them, count them again from the incidents."""
    month_rollup, incident = MonthRollup._meta.db_table, Incident._meta.db_table
    cursor.execute(f"DELETE FROM {month_rollup} WHERE source_id = %s AND month >= %s AND month < %s",  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
                   [source_id, low, high])
    cursor.execute(
        f"INSERT INTO {month_rollup} (source_id, municipality_id, wijk_id, buurt_id, category_id, month, count) "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
        f"SELECT i.source_id, i.municipality_id, b.wijk_id, i.buurt_id, i.category_id, {_month_sql('i.occurred_on')}, "
        f"COUNT(*) FROM {incident} AS i JOIN {_buurt_table()} AS b ON b.id = i.buurt_id "
        f"WHERE i.source_id = %s AND i.occurred_on >= %s AND i.occurred_on < %s "
        f"GROUP BY i.source_id, i.municipality_id, b.wijk_id, i.buurt_id, i.category_id, "
        f"{_month_sql('i.occurred_on')}",
        [source_id, low, high],
    )


def _buurt_table():
    from areas.models import Buurt

    return Buurt._meta.db_table


# -- aggregate counts -------------------------------------------------------------------------------------------


@datacache.changes(datacache.FIGURES)
def aggregate_counts_load(*, source: Source, rows, import_run=None) -> LoadCounts:
    """Upsert counts of a source that delivers totals (CBS/Politie open data), keyed by category × area × year ×
    month; a later vintage replaces the counts it covers. `rows` are tuples in AGGREGATE_COLUMNS order."""
    table = AggregateCount._meta.db_table
    with connection.cursor() as cursor:
        stage = Stage(cursor, "vp_aggregate_stage", AGGREGATE_COLUMNS, _AGGREGATE_TYPES, _AGGREGATE_TEXT)
        try:
            total = stage.add(rows)
            if total == 0:
                return LoadCounts()
            stage.index(*_AGGREGATE_KEY)
            duplicates = _duplicates(cursor, stage.name, _AGGREGATE_KEY)
            if duplicates:
                raise DuplicateIds(duplicates)
            _check_references(cursor, stage.name, _AGGREGATE_REFERENCES)
            inserted, updated = _upsert(
                cursor, table=table, stage=stage.name, source_id=source.pk, key=_AGGREGATE_KEY,
                columns=AGGREGATE_COLUMNS, extra={"import_run": import_run},
            )
        finally:
            stage.drop()
    return LoadCounts(inserted=inserted, updated=updated, unchanged=total - inserted - updated)
