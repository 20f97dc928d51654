"""Writing the facts, the one way ingest (and the demo) stores incidents and counts.

Loads are set-based: the rows go into a temporary staging table (COPY on PostgreSQL), then one UPDATE of the rows
that changed and one INSERT of the new ones. An incident load does this per chunk of rows and keeps the rollup
differences of the whole load (every new or changed incident counted in, the stored state of a changed one counted
out); at the end they are added to `MonthRollup`, `Rollup` and `WeekRollup`, so the rollups always equal the counts of
`Incident` and the work grows with the delivery, not with the months it touches. Deleting incidents and
`rollups_rebuild` recompute whole months from the incidents instead.
Call these inside the caller's transaction (an import run lands whole or not at all); nothing here commits.
"""
import datetime
import hashlib
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction

from core import datacache
from core.staging import BATCH as STAGE_BATCH
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


# Rows per round of database work (stage, check, upsert, rollup differences) of an incident load. Each round joins its
# stage with the source's incidents (a hash join over all of them, once the table is large), so fewer, larger rounds
# are cheaper; memory holds about two rounds of rows (one loading, one being read) when the rounds are pipelined.
LOAD_CHUNK = 100_000
# the load's sorts and hash aggregates in memory rather than on disk (PostgreSQL; only for the load's transaction)
LOAD_WORK_MEM = "64MB"
# the joins of a round look up the source's incidents by their unique index instead of hashing all of them (whose pages
# the load itself just touched; PostgreSQL's default of 4 assumes a spinning disk)
LOAD_RANDOM_PAGE_COST = "1.1"


@datacache.changes(datacache.FIGURES)
def incidents_load(*, source: Source, rows, import_run=None, fingerprint_prefix: str = "",
                   db_lock=None) -> LoadCounts:
    """Upsert incidents of one source by external id and bring the rollups in step, in one savepoint.

    `rows` is an iterable of tuples in INCIDENT_COLUMNS order, streamed: every LOAD_CHUNK rows (a round) are staged,
    checked and upserted; the rollup cells the load touches are corrected at the end by their difference (the new and
    changed rows counted in, the stored state of re-delivered rows counted out), so the work grows with the delivery,
    not with the months it touches.
    Raises DuplicateIds when one id occurs twice in the load, UnknownReferences for a missing category, buurt,
    municipality or address; nothing of the load is kept then.

    Ids that start with `fingerprint_prefix` (a fingerprint of the row, for sources without ids) end in "#1":
    identical rows of one load are separate incidents, so their repeats become "#2", "#3", ... in line order (the
    load remembers the fingerprints it has seen as 64-bit digests in sorted arrays: 16 MB for 2 million rows).

    `db_lock` (a threading.Lock): the caller's `rows` touch the database only while holding it. On PostgreSQL the
    database work then runs in a worker thread, under the lock, while the caller's generator produces the next rows
    (reading and converting a file in Python beside the database's own work, on another core; see _pipelined).
    """
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('work_mem', %s, true), set_config('random_page_cost', %s, true)",
                           [LOAD_WORK_MEM, LOAD_RANDOM_PAGE_COST])
        load = _IncidentLoad(cursor, source.pk, import_run, fingerprint_prefix)
        if fingerprint_prefix:
            rows = _numbered(rows, fingerprint_prefix)
        try:
            if db_lock is not None and connection.vendor == "postgresql":
                _pipelined(load, rows, db_lock)
            else:
                for chunk in _chunks(rows, LOAD_CHUNK):
                    load.stage_rows(chunk)
                    load.round()
            load.finish()
        finally:
            load.drop()
    return load.counts


def _chunks(rows, size):
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Seen:
    """The fingerprints a load has had, as sorted arrays of 64-bit digests merged like a log-structured tree (each
    level at least twice the next): 8 bytes a row where a Python set of the ids took some 170. Two different
    fingerprints share a digest with a chance of about 1 in 10 million for a file of 2 million rows (the later one
    would then be numbered as a repeat)."""

    def __init__(self):
        self.levels = []

    def contains(self, keys):
        hit = np.zeros(len(keys), dtype=bool)
        for level in self.levels:
            at = np.searchsorted(level, keys)
            at[at == len(level)] = 0
            hit |= level[at] == keys
        return hit

    def add(self, keys):
        if not len(keys):
            return
        level = np.unique(keys)
        while self.levels and len(self.levels[-1]) <= 2 * len(level):
            level = np.union1d(self.levels.pop(), level)
        self.levels.append(level)


def _numbered(rows, prefix):
    """The rows with the 2nd, 3rd, ... occurrence of a fingerprint id ("<prefix>...#1") renumbered "...#2", "...#3"
    (external_id is a row's first value)."""
    seen, numbers = _Seen(), {}  # numbers: the highest number given, only for fingerprints that repeated
    for batch in _chunks(rows, STAGE_BATCH):
        at = [i for i, row in enumerate(batch) if row[0].startswith(prefix)]
        if at:
            blake2b = hashlib.blake2b
            keys = np.frombuffer(b"".join(blake2b(batch[i][0].encode(), digest_size=8).digest() for i in at),
                                 dtype=np.uint64)
            earlier = seen.contains(keys)
            _unique, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
            for j in np.flatnonzero(earlier | (counts[inverse] > 1)).tolist():
                key = keys[j]
                number = numbers.get(key, 1 if earlier[j] else 0) + 1
                numbers[key] = number
                if number > 1:
                    row = batch[at[j]]
                    batch[at[j]] = (f"{row[0][:-1]}{number}", *row[1:])
            seen.add(keys[~earlier])
        yield from batch


def _pipelined(load, rows, lock):
    """The load's database work in one worker thread while this thread reads the caller's rows: this thread turns
    them into COPY text (STAGE_BATCH rows at a time) and queues it; the worker copies each batch into the stage and
    runs a round every LOAD_CHUNK rows, on this thread's cursor (its transaction) under `lock`. The queue holds at most
    about one round of text (some 150 bytes a row), so memory stays flat while reading runs ahead of a round that is
    in the database. Every exit waits for the worker first; an error in either thread stops both."""
    batches = queue.Queue(maxsize=max(2, LOAD_CHUNK // STAGE_BATCH + 1))
    stop, aborted = object(), threading.Event()

    def work():
        while True:
            item = batches.get()
            if item is stop or aborted.is_set():
                return
            if item is None:  # the end of the rows
                break
            with lock:
                load.stage_text(*item)
                if load.staged >= LOAD_CHUNK:
                    load.round()
        with lock:
            load.round()

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="incident-load") as pool:
        worker = pool.submit(work)
        try:
            line = 0
            for batch in _chunks(rows, STAGE_BATCH):
                item = (load.stage.copy_text(batch, line), len(batch))
                line += len(batch)
                while True:
                    try:
                        batches.put(item, timeout=0.5)
                        break
                    except queue.Full:
                        if worker.done():  # the worker failed: raise its error here
                            worker.result()
                if worker.done():  # a round was refused (duplicate ids, unknown references): stop reading
                    worker.result()
            batches.put(None)
            worker.result()
        finally:
            if not worker.done():  # this thread failed: stop the worker after its current statement
                aborted.set()
                try:
                    while True:
                        batches.get_nowait()
                except queue.Empty:
                    pass
                batches.put(stop)
                worker.exception()


_CELLS = "municipality_id, wijk_id, buurt_id, category_id, occurred_on, dagdeel, weekday"


class _IncidentLoad:
    """The temporary tables of one incident load and the counts so far (see incidents_load)."""

    def __init__(self, cursor, source_id, import_run, fingerprint_prefix):
        self.cursor, self.source_id, self.import_run = cursor, source_id, import_run
        self.prefix = fingerprint_prefix
        self.counts = LoadCounts()
        self.withdrawn = 0  # stored incidents counted out of the rollups (re-delivered)
        self.staged = 0  # rows in the stage, waiting for the next round
        self.stage = Stage(cursor, "vp_incident_stage", INCIDENT_COLUMNS, _INCIDENT_TYPES, _INCIDENT_TEXT)
        if connection.vendor != "postgresql":
            self.stage.index("external_id")  # SQLite would otherwise scan the stage per row of a join
        # the ids of the load so far (a repeat in a later round is a duplicate too) and the rollup differences of the
        # whole load (one row per incident counted in or out)
        for name, columns in (
            ("vp_incident_load_ids", "external_id varchar(64) PRIMARY KEY"),
            ("vp_incident_delta", "municipality_id bigint, wijk_id bigint, buurt_id bigint, category_id bigint, "
                                  "occurred_on date, dagdeel smallint, weekday smallint, n integer"),
        ):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
            cursor.execute(f"CREATE TEMPORARY TABLE {name} ({columns})")

    def drop(self):
        self.stage.drop()
        for name in ("vp_incident_load_ids", "vp_incident_delta", "vp_incident_cells", "vp_incident_matched"):
            self.cursor.execute(f"DROP TABLE IF EXISTS {name}")

    def stage_rows(self, rows):
        self.staged += self.stage.add(rows)

    def stage_text(self, text, count):
        """Stage rows already in COPY text (Stage.copy_text)."""
        self.stage.add_text(text, count)
        self.staged += count

    def round(self):
        """Check and upsert the staged rows; their rollup differences wait in vp_incident_delta for finish()."""
        if not self.staged:
            return
        cursor, stage, total = self.cursor, self.stage.name, self.staged
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {stage}")  # the planner's row estimate for the joins below
        duplicates = _duplicates(cursor, stage, ("external_id",))
        if not duplicates:
            cursor.execute(
                f"SELECT s.external_id FROM {stage} AS s JOIN vp_incident_load_ids AS l "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
                f"ON l.external_id = s.external_id LIMIT 20"
            )
            duplicates = [row[0] for row in cursor.fetchall()]
        if duplicates:
            raise DuplicateIds(duplicates)
        if self.prefix:  # numbered fingerprints cannot repeat; only the other ids need remembering
            cursor.execute(
                f"INSERT INTO vp_incident_load_ids (external_id) SELECT external_id FROM {stage} "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
                f"WHERE SUBSTR(external_id, 1, %s) <> %s",
                [len(self.prefix), self.prefix],
            )
        else:
            cursor.execute(f"INSERT INTO vp_incident_load_ids (external_id) SELECT external_id FROM {stage}")  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
        _check_references(cursor, stage, _INCIDENT_REFERENCES)
        inserted, updated = self._upsert()
        cursor.execute(
            f"INSERT INTO vp_incident_delta ({_CELLS}, n) SELECT s.municipality_id, b.wijk_id, s.buurt_id, "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
            f"s.category_id, s.occurred_on, s.dagdeel, s.weekday, 1 FROM {stage} AS s "
            f"JOIN {_buurt_table()} AS b ON b.id = s.buurt_id"
        )
        self.counts += LoadCounts(inserted=inserted, updated=updated, unchanged=total - inserted - updated)
        self.stage.clear()
        self.staged = 0

    def _upsert(self):
        """Insert the new rows, update the changed ones; the stored state of every re-delivered incident is counted
        out of the rollups first (an unchanged one nets to nothing with the staged row counted in after). The stage
        is matched with the source's incidents once, into vp_incident_matched."""
        cursor, stage, source_id = self.cursor, self.stage.name, self.source_id
        incident, buurt = Incident._meta.db_table, _buurt_table()
        values = [c for c in INCIDENT_COLUMNS if c != "external_id"]
        # one probe of the unique index per staged row (a scalar subquery: a join would be planned as a hash of all
        # the source's incidents, whose statistics cannot know what this transaction already added)
        cursor.execute("DROP TABLE IF EXISTS vp_incident_matched")
        cursor.execute(
            f"CREATE TEMPORARY TABLE vp_incident_matched AS SELECT line_no, incident_id FROM (SELECT s.line_no, "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
            f"(SELECT t.id FROM {incident} AS t WHERE t.source_id = %s AND t.external_id = s.external_id) "
            f"AS incident_id FROM {stage} AS s) AS q WHERE incident_id IS NOT NULL",
            [source_id],
        )
        cursor.execute("SELECT COUNT(*) FROM vp_incident_matched")
        matched = cursor.fetchone()[0]
        updated = 0
        if matched:
            cursor.execute("CREATE INDEX vp_incident_matched_line ON vp_incident_matched (line_no)")
            cursor.execute(
                f"INSERT INTO vp_incident_delta ({_CELLS}, n) SELECT t.municipality_id, b.wijk_id, t.buurt_id, "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
                f"t.category_id, t.occurred_on, t.dagdeel, t.weekday, -1 FROM vp_incident_matched AS m "
                f"JOIN {incident} AS t ON t.id = m.incident_id JOIN {buurt} AS b ON b.id = t.buurt_id"
            )
            self.withdrawn += cursor.rowcount
            sets = ", ".join(f"{_q(c)} = s.{_q(c)}" for c in values)
            changed = " OR ".join(_distinct(f"{incident}.{_q(c)}", f"s.{_q(c)}") for c in values)
            cursor.execute(
                f"UPDATE {incident} SET {sets}, import_run = %s FROM vp_incident_matched AS m "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
                f"JOIN {stage} AS s ON s.line_no = m.line_no WHERE {incident}.id = m.incident_id AND ({changed})",
                [self.import_run],
            )
            updated = cursor.rowcount
        columns = ", ".join(map(_q, INCIDENT_COLUMNS))
        selected = ", ".join(f"s.{_q(c)}" for c in INCIDENT_COLUMNS)
        new_only = ("WHERE NOT EXISTS (SELECT 1 FROM vp_incident_matched AS m WHERE m.line_no = s.line_no)"
                    if matched else "")
        cursor.execute(
            f"INSERT INTO {incident} (source_id, {columns}, import_run) SELECT %s, {selected}, %s "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
            f"FROM {stage} AS s {new_only}",
            [source_id, self.import_run],
        )
        inserted = cursor.rowcount
        cursor.execute("DROP TABLE vp_incident_matched")
        return inserted, updated

    def finish(self):
        """Bring the rollups in step with the load's differences."""
        if self.counts.inserted or self.counts.updated:
            _apply_deltas(self.cursor, self.source_id, "vp_incident_delta", with_negative=self.withdrawn > 0)


def _apply_deltas(cursor, source_id, deltas, *, with_negative):
    """Add the differences in `deltas` (cells at day grain, n = +1 or -1) to MonthRollup, Rollup and WeekRollup:
    summed per cell, existing cells updated, new ones inserted, cells that fall to zero removed."""
    count = _q("count")
    for model, period, period_sql, extra in (
        (MonthRollup, "month", _month_sql("occurred_on"), ()),
        (Rollup, "month", _month_sql("occurred_on"), ("dagdeel", "weekday")),
        (WeekRollup, "week", _week_sql("occurred_on", "weekday"), ()),
    ):
        table = model._meta.db_table
        more = "".join(f", {c}" for c in extra)
        keys = ("buurt_id", "category_id", period, *extra)
        cursor.execute("DROP TABLE IF EXISTS vp_incident_cells")
        cursor.execute(
            f"CREATE TEMPORARY TABLE vp_incident_cells AS SELECT municipality_id, wijk_id, buurt_id, category_id, "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
            f"{period_sql} AS {period}{more}, SUM(n) AS d FROM {deltas} "
            f"GROUP BY municipality_id, wijk_id, buurt_id, category_id, {period_sql}{more} HAVING SUM(n) <> 0"
        )
        if with_negative or connection.vendor != "postgresql":  # for the correlated lookups below
            cursor.execute(f"CREATE INDEX vp_incident_cells_key ON vp_incident_cells ({', '.join(keys)})")
        match = " AND ".join(f"x.{k} = t.{k}" for k in keys)
        cursor.execute(
            f"UPDATE {table} AS t SET {count} = t.{count} + x.d FROM vp_incident_cells AS x "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
            f"WHERE t.source_id = %s AND {match}",
            [source_id],
        )
        if cursor.rowcount:  # some cells exist: insert only the others
            missing = f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE t.source_id = %s AND {match})"  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
            params = [source_id, source_id]
        else:
            missing, params = "", [source_id]
        cursor.execute(
            f"INSERT INTO {table} (source_id, municipality_id, wijk_id, buurt_id, category_id, {period}{more}, "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
            f"{count}) SELECT %s, x.municipality_id, x.wijk_id, x.buurt_id, x.category_id, x.{period}"
            + "".join(f", x.{c}" for c in extra) + f", x.d FROM vp_incident_cells AS x {missing}",
            params,
        )
        if with_negative:  # cells that fell to zero
            cursor.execute(
                f"DELETE FROM {table} WHERE source_id = %s AND {count} = 0 AND EXISTS "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
                f"(SELECT 1 FROM vp_incident_cells AS x WHERE x.d < 0 AND "
                + " AND ".join(f"x.{k} = {table}.{k}" for k in keys) + ")",
                [source_id],
            )
        cursor.execute("DROP TABLE vp_incident_cells")


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
        _refresh_month_rollups(cursor, source_id, low, high)
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
