"""Staging tables for set-based loads: a load's rows go into a temporary table first (COPY on PostgreSQL,
executemany elsewhere), and the load then works on them with a few set-based statements (check, update, insert).

Used by the geography/address loads (areas.services) and the facts loads (dashboards.services.facts).
"""
import csv
import datetime
import io

from django.db import connection

BATCH = 20_000  # staged rows per COPY / executemany


def quote(name: str) -> str:
    """Standard SQL identifier quoting, the same on both databases (names are ours, never user input)."""
    return f'"{name}"'


def _sqlite_value(value):
    """SQLite stores dates and times as ISO text, as Django does."""
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return value


class Stage:
    """A temporary table with a load's rows (`line_no` keeps their order); `drop()` when the load is done.

    `columns` in row order, `types` maps each column to its SQL type, `text_columns` are those where an empty value
    means the empty string rather than NULL (COPY's FORCE_NOT_NULL)."""

    def __init__(self, cursor, name, columns, types, text_columns=()):
        self.cursor, self.name = cursor, name
        self.columns, self.types, self.text = list(columns), types, list(text_columns)
        self.rows = 0
        cols = ", ".join(f"{quote(c)} {types[c]}" for c in self.columns)
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMPORARY TABLE {name} (line_no integer, {cols})")

    @classmethod
    def for_model(cls, cursor, name, model, fields):
        """A stage with the columns and types of `fields` of `model` (field names, in row order)."""
        meta_fields = [model._meta.get_field(f) for f in fields]
        columns = [f.column for f in meta_fields]
        types = {}
        for field in meta_fields:
            db_type = field.db_type(connection) or "text"
            types[field.column] = db_type.replace(" unsigned", "") if connection.vendor == "postgresql" else db_type
        text = [f.column for f in meta_fields if f.get_internal_type() in ("CharField", "TextField")]
        return cls(cursor, name, columns, types, text)

    def add(self, rows) -> int:
        """Append rows (tuples in `columns` order) in batches; returns how many rows were added."""
        before = self.rows
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                self._write(batch)
                batch = []
        if batch:
            self._write(batch)
        return self.rows - before

    def _write(self, batch):
        if connection.vendor == "postgresql":
            self.add_text(self.copy_text(batch, self.rows), len(batch))
        else:
            start = self.rows
            self.rows += len(batch)
            marks = ", ".join(["%s"] * (len(self.columns) + 1))
            self.cursor.executemany(
                f"INSERT INTO {self.name} VALUES ({marks})",  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
                [(start + offset, *map(_sqlite_value, row)) for offset, row in enumerate(batch)],
            )

    @staticmethod
    def copy_text(rows, start):
        """Rows (tuples in `columns` order) as COPY text (CSV) with line numbers from `start`; needs no cursor, so
        another thread can prepare it (PostgreSQL)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for offset, row in enumerate(rows):
            writer.writerow((start + offset, *("" if v is None else v for v in row)))
        return buffer.getvalue()

    def add_text(self, text, count):
        """Append `count` rows given as copy_text (PostgreSQL)."""
        self.rows += count
        columns = ", ".join(("line_no", *map(quote, self.columns)))
        force = f", FORCE_NOT_NULL ({', '.join(map(quote, self.text))})" if self.text else ""
        # the whole text in one read: psycopg2 reads a file in blocks of `size` and takes Python's lock for each,
        # which a load running beside another thread (facts.incidents_load's db_lock) would wait for
        self.cursor.copy_expert(f"COPY {self.name} ({columns}) FROM STDIN WITH (FORMAT csv{force})",
                                io.StringIO(text), max(8192, len(text)))

    def clear(self):
        """Empty the stage for the next chunk of a load (line numbers go on counting)."""
        if connection.vendor == "postgresql":
            self.cursor.execute(f"TRUNCATE {self.name}")
        else:
            self.cursor.execute(f"DELETE FROM {self.name}")  # nosec B608  # SQL text from constants and identifiers only; values are query parameters

    def index(self, *columns):
        """Index the filled stage on the load's key and give the planner its size (joins against a large table
        would otherwise scan the stage per row: minutes on SQLite for a few thousand rows)."""
        self.cursor.execute(f"CREATE INDEX {self.name}_key ON {self.name} ({', '.join(map(quote, columns))})")
        self.cursor.execute(f"ANALYZE {self.name}")

    def drop(self):
        self.cursor.execute(f"DROP TABLE IF EXISTS {self.name}")
