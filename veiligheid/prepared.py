"""Hot-path read queries compiled to SQL once per process instead of on every request.

Building and compiling a queryset costs Django 0.5-5 ms of Python per query (a UNION with casts costs the most),
several times what PostgreSQL needs to answer it from an index. A `PreparedQuery` is written as an ordinary
queryset, so the ORM still writes the SQL, quotes names and knows the backend. It is compiled once per database
alias (twice, with two sets of stand-in values, to see which SQL parameters carry the values), and later runs put
the real values in those places:

    HITS = PreparedQuery(lambda address_id, today: Signal.objects.active(today=today)
                         .filter(address_id=address_id).values_list("department_id", "valid_from"),
                         address_id=int, today=date)
    rows = HITS.rows(address_id=12, today=timezone.localdate())

Only values named as arguments vary. Every other parameter is frozen into the compiled query, so compiling
refuses a frozen date or time (a "today" that would stick), a value the SQL does not carry as such (a LIKE
pattern made from it) and SQL whose shape depends on the values. `rows()` gives tuples with the backend's
converters applied (dates, booleans), `dicts()` dicts like values(), `instances()` model instances with their
select_related objects.
"""
import datetime as dt
import hashlib
import logging
import re
import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections, router, transaction

logger = logging.getLogger(__name__)


def _stand_ins(kinds: dict, variant: int) -> dict:
    """Ordinary, distinct values of each kind (two variants): they must survive the ORM's range checks."""
    values = {}
    for index, (name, kind) in enumerate(kinds.items()):
        step = 100 * variant + index
        if kind is int:
            values[name] = 1000 + step
        elif kind is str:
            values[name] = f"prepared-{step}"
        elif kind is dt.date:
            values[name] = dt.date(2001, 1, 1) + dt.timedelta(days=step)
        elif kind is dt.datetime:
            values[name] = dt.datetime(2001, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=step)
        else:
            raise ImproperlyConfigured(f"PreparedQuery: unsupported value type {kind!r}")
    return values


class _Compiled:
    __slots__ = ("sql", "slots", "compiler", "converters", "columns", "server_sql", "server_name")

    def __init__(self, sql, slots, compiler, converters, columns, server_sql=None):
        self.sql = sql
        self.slots = slots  # per SQL parameter: (name, adapt) for a named value, or (None, frozen value)
        self.compiler = compiler
        self.converters = converters
        self.columns = columns
        # PostgreSQL: the statement for PREPARE (frozen values as literals, named values as $1..$n), so the server
        # also plans it once per connection instead of on every request.
        self.server_sql = server_sql
        self.server_name = "vp_" + hashlib.sha256(server_sql.encode()).hexdigest()[:20] if server_sql else None


class PreparedQuery:
    def __init__(self, build, **kinds):
        self._build = build
        self._kinds = kinds
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, alias) -> _Compiled:
        """Compile twice with two sets of stand-in values: the parameters that differ are the named values (each
        must arrive as the value itself or as the backend adapts it); the ones that stay the same are frozen."""
        ops = connections[alias].ops
        adapters = (lambda v: v, str, ops.adapt_datefield_value, ops.adapt_datetimefield_value)
        runs = []
        for variant in (1, 2):
            stand_ins = _stand_ins(self._kinds, variant)
            queryset = self._build(**stand_ins)
            frozen = [value for value in _lookup_values(queryset.query)
                      if isinstance(value, dt.date | dt.datetime | dt.time) and value not in stand_ins.values()]
            if frozen:
                raise ImproperlyConfigured(
                    f"PreparedQuery: a date or time ({frozen[0]!r}) would be frozen into the SQL; make it a value"
                )
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            runs.append((stand_ins, compiler, sql, list(params)))
        (first, compiler, sql, params), (second, _compiler, sql_2, params_2) = runs
        if sql != sql_2 or len(params) != len(params_2):
            raise ImproperlyConfigured("PreparedQuery: the SQL depends on the values; it cannot be compiled once")
        slots, seen = [], set()
        for param, param_2 in zip(params, params_2, strict=True):
            if _same(param, param_2):
                if isinstance(param, dt.date | dt.datetime | dt.time):
                    raise ImproperlyConfigured(
                        f"PreparedQuery: a date or time ({param!r}) would be frozen into the SQL; make it a value"
                    )
                slots.append((None, param))
                continue
            for name in self._kinds:
                adapt = next((a for a in adapters if _same(param, _safe(a, first[name]))
                              and _same(param_2, _safe(a, second[name]))), None)
                if adapt is not None:
                    slots.append((name, adapt))
                    seen.add(name)
                    break
            else:
                raise ImproperlyConfigured(
                    f"PreparedQuery: a parameter is derived from a value ({param!r}), not the value itself"
                )
        missing = set(self._kinds) - seen
        if missing:
            raise ImproperlyConfigured(f"PreparedQuery: the SQL does not carry the value(s) {sorted(missing)}")
        columns = compiler.select[0:compiler.col_count]
        converters = compiler.get_converters([column[0] for column in columns])
        server_sql = self._server_sql(connections[alias], sql, slots)
        return _Compiled(sql, tuple(slots), compiler, converters, tuple(alias for _expr, _sql, alias in columns),
                         server_sql)

    def _server_sql(self, connection, sql, slots):
        """The statement for a server-side PREPARE, or None where that is not used."""
        if connection.vendor != "postgresql" or not getattr(settings, "DATABASE_PREPARED_STATEMENTS", True):
            return None
        connection.ensure_connection()
        names = list(self._kinds)
        with connection.connection.cursor() as raw:
            parts, position = [], iter(slots)
            for token in re.split(r"(%%|%s)", sql):
                if token == "%%":
                    parts.append("%")
                elif token == "%s":
                    name, value = next(position)
                    parts.append(f"${names.index(name) + 1}" if name is not None
                                 else raw.mogrify("%s", [value]).decode())
                else:
                    parts.append(token)
        return "".join(parts)

    def compiled(self, using=None) -> _Compiled:
        alias = using or self._default_alias()
        compiled = self._compiled.get(alias)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(alias)
                if compiled is None:
                    compiled = self._compiled[alias] = self._compile(alias)
        return compiled

    def _default_alias(self) -> str:
        alias = self.__dict__.get("_alias")
        if alias is None:
            alias = self._alias = router.db_for_read(self._build(**_stand_ins(self._kinds, 1)).model)
        return alias

    def rows(self, *, using=None, **values) -> list[tuple]:
        """Run the query with these values: a list of tuples, like values_list()."""
        if set(values) != set(self._kinds):
            raise TypeError(f"PreparedQuery needs exactly {sorted(self._kinds)}, got {sorted(values)}")
        alias = using or self._default_alias()
        compiled = self.compiled(alias)
        connection = connections[alias]
        with connection.cursor() as cursor:
            if compiled.server_sql is not None and _server_prepare(connection, cursor, compiled):
                adapt = dict(slot for slot in compiled.slots if slot[0] is not None)  # name -> adapter
                cursor.execute(f"EXECUTE {compiled.server_name}({', '.join(['%s'] * len(self._kinds))})",
                               [adapt[name](values[name]) for name in self._kinds])
            else:
                cursor.execute(compiled.sql,
                               [adapt(values[name]) if name is not None else adapt for name, adapt in compiled.slots])
            rows = cursor.fetchall()
        if compiled.converters and rows:
            rows = [tuple(row) for row in compiled.compiler.apply_converters(rows, compiled.converters)]
        return rows

    def instances(self, *, using=None, **values) -> list:
        """Run a model query (select_related included) with these values: model instances, as iterating the
        queryset would give them (what Django's ModelIterable does, on the compiled rows)."""
        from django.db.models.query import get_related_populators

        alias = using or self._default_alias()
        compiled = self.compiled(alias)
        compiler = compiled.compiler
        klass_info = compiler.klass_info
        if klass_info is None:
            raise ImproperlyConfigured("PreparedQuery.instances() needs a model query, not values()")
        select = compiler.select
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        attnames = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, alias)
        model = klass_info["model"]
        objects = []
        for row in self.rows(using=alias, **values):
            obj = model.from_db(alias, attnames, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects

    def dicts(self, *, using=None, **values) -> list[dict]:
        """Run the query with these values: a list of dicts keyed like values() (field names, then annotations)."""
        compiled = self.compiled(using)
        return [dict(zip(compiled.columns, row, strict=True)) for row in self.rows(using=using, **values)]


def insert_row(obj, *, ignore_conflicts=False, using=None):
    """INSERT one new row for `obj` and give it its id (None when ignore_conflicts skipped it): what
    obj.save(force_insert=True) stores, without the ORM compiling the statement on every call. Sends no save
    signals, so only for models that have none (audit rows, counters)."""
    meta = type(obj)._meta
    connection = connections[using or router.db_for_write(type(obj))]
    quote = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    returning = connection.features.can_return_columns_from_insert
    if returning:
        sql += f" RETURNING {quote(meta.pk.column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        if returning:
            row = cursor.fetchone()
            pk = row[0] if row else None
        else:
            pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column) if cursor.rowcount else None
    obj.pk = pk
    obj._state.adding = pk is None
    obj._state.db = connection.alias
    return obj


def _server_prepare(connection, cursor, compiled) -> bool:
    """PREPARE the statement on this database connection once (prepared statements live as long as the connection
    and survive a rollback). False, and the plain statement is used from then on, if the server refuses it."""
    raw = connection.connection
    entry = connection.__dict__.get("_vp_prepared")
    if entry is None or entry[0] is not raw:  # a new connection has nothing prepared
        entry = connection.__dict__["_vp_prepared"] = (raw, set())
    prepared = entry[1]
    if compiled.server_name in prepared:
        return True
    try:
        with transaction.atomic(using=connection.alias):
            cursor.execute(f"PREPARE {compiled.server_name} AS {compiled.server_sql}")
    except DatabaseError as exc:
        logger.warning("PREPARE %s refused (%s); the query runs unprepared", compiled.server_name, exc)
        compiled.server_sql = None
        return False
    prepared.add(compiled.server_name)
    return True


def _lookup_values(query):
    """The right-hand values of every lookup in the query's WHERE, its combined (UNION) parts and subqueries."""
    from django.db.models.sql.query import Query

    stack = [query.where, *[q.where for q in getattr(query, "combined_queries", ())]]
    while stack:
        node = stack.pop()
        for child in getattr(node, "children", ()):
            if hasattr(child, "children"):
                stack.append(child)
                continue
            rhs = getattr(child, "rhs", None)
            if isinstance(rhs, Query):
                stack.append(rhs.where)
            elif isinstance(rhs, list | tuple):
                yield from rhs
            else:
                yield rhs


def _safe(adapt, value):
    try:
        return adapt(value)
    except (TypeError, ValueError, AttributeError):
        return object()


def _same(param, candidate) -> bool:
    return type(param) is type(candidate) and param == candidate
