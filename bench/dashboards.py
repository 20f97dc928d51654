"""The dashboard benchmark (issue 10, Speed): one municipality's figures on 10 million incidents spread over the
country's ~14,000 buurten, over gunicorn (one client, many clients), beside the raw GROUP BY over the incidents.

    bench.dashboards.run(url, options, say=print)   -> DashboardBench (results, table lines, missed targets)

Steps:
1. The database (`<bench>_dash`, e.g. vp_bench_dash) is kept between runs: it is made (and dropped first, only when it
   carries the benchmark's marker comment) only when it is missing or stale, i.e. its `bench_state` row does not
   say "complete" for the same generator version, incident count and seed. Then, in a child process whose
   DATABASE_URL is that database (`manage.py bench_dashboards --inner`): migrate; the national geography from
   WijkenEnBuurten.csv (codes, hierarchy) and the 2024 population per buurt; the benchmark municipality's buurt shapes;
   N incidents of source politie-bvh generated with one set-based INSERT ... SELECT generate_series per batch
   (incidents per buurt in proportion to its population, a skewed mix of the CBS crime types, 4 years of dates,
   evening-heavy times, 8% without a time), then `dashboards.services.facts.rollups_rebuild`.
2. Every run, in that child: a dashboard, a viewer with its grant and an API token; ANALYZE and pg_prewarm; then per
   figure the same mix of filters (no theme or one of the five, last 12 whole months, a calendar year or another
   12-month window) timed three ways: the raw GROUP BY over dashboards_incident in SQL, the figure selector
   in-process, and (in the parent) the API over gunicorn with one client and with --clients concurrent clients.
Machine load (CPU share of other processes) and the machine-speed reference are reported beside the figures.
"""
import csv
import datetime
import io
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess  # nosec B404  # runs the platform's own commands (benchmarks), never user input
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

from bench import calibration_ms
from bench.clients import HOST, SearchClients, percentile
from bench.server import BENCH_MARKER, BenchError, CpuMeter, Gunicorn, fresh_database, query

GENERATOR_VERSION = "3"  # change when the generated data changes: older databases are then stale
DEFAULT_INCIDENTS = 10_000_000
DATA_DIR = Path(os.environ.get("VP_SHARED_DATA", "/work/shared/data"))
BENCH_MUNICIPALITY = "GM0034"  # Almere: its buurt shapes ship with the project
FIRST_DAY = datetime.date(2023, 1, 1)
LAST_DAY = datetime.date(2026, 11, 30)
POPULATION_YEAR = 2024
SLUG = "bench-dashboard"
VIEWER = "bench-dash-viewer"
THEMES = ("", "wos-hic", "vermogen", "geweld", "overlast-vernieling", "ondermijning")
TARGETS_MS = {"buurten": 50.0, "trend": 100.0, "dagdelen": 100.0}
FIGURES = ("buurten", "trend", "dagdelen")


def project_root() -> Path:
    return Path(__file__).resolve().parents[1]


def database_name(base_name: str, incidents: int) -> str:
    """`vp_bench_dash` for the default 10 million; other sizes get their own database, so a quick smoke run never
    replaces the big one."""
    return f"{base_name}_dash" if incidents == DEFAULT_INCIDENTS else f"{base_name}_dash_{incidents}"


# ---------------------------------------------------------------------------------------------- the query mix


def figure_params(rng: random.Random, today=None) -> dict:
    """One dashboard filter as a user sends it: a theme or none, the default 12 months or another period."""
    today = today or datetime.date.today()
    this_month = today.replace(day=1)
    params = {"source": "politie-bvh", "municipality": BENCH_MUNICIPALITY}
    theme = rng.choice(THEMES)
    if theme:
        params["themes"] = theme
    pick = rng.random()
    if pick < 0.5:
        pass  # the default: the last 12 whole months
    elif pick < 0.75:
        year = rng.choice((2024, 2025))
        params["from"], params["to"] = f"{year}-01", f"{year}-12"
    else:
        end = _add_months(this_month, -rng.randint(1, 12))
        start = _add_months(end, -11)
        params["from"], params["to"] = start.strftime("%Y-%m"), end.strftime("%Y-%m")
    return params


def _add_months(day, months):
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def query_mix(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)  # nosec B311  # pseudo-random numbers for demo or benchmark data, not for security
    return [figure_params(rng) for _ in range(n)]


def api_path(figure: str, params: dict) -> str:
    extra = {"interval": "month"} if figure == "trend" else {}
    return f"/api/v1/dashboards/{SLUG}/{figure}?{urlencode({**params, **extra})}"


# ---------------------------------------------------------------------------------------------- HTTP clients


class FigureClients(SearchClients):
    """Closed-loop clients for one figure endpoint (the search clients' loop, with the figure's request)."""

    def __init__(self, port: int, token: str, paths: list[str], *, accept="application/json", seed: int = 2026):
        super().__init__(port, [token], [0], [0], seed=seed)
        self.paths, self.accept = paths, accept

    def _request(self, client: int, rng: random.Random) -> bytes:
        path = self.paths[rng.randrange(len(self.paths))]
        return (
            f"GET {quote(path, safe='/?=&,-_.')} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
            f"Authorization: Token {self.tokens[0]}\r\nAccept: {self.accept}\r\n"
            f"User-Agent: vp-bench\r\nConnection: close\r\n\r\n"
        ).encode()


def probe(port: int, token: str, path: str, accept="application/json") -> tuple[int, bytes]:
    import http.client

    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        conn.request("GET", path, headers={"Authorization": f"Token {token}", "Accept": accept})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------- results


def _n(value) -> str:
    """A whole number the Dutch way: 10.000.000."""
    return "-" if value is None else f"{round(value):,}".replace(",", ".")


@dataclass
class DashboardBench:
    incidents: int = 0
    database: str = ""
    generated_seconds: float | None = None
    inner: dict = field(default_factory=dict)  # what the child measured: raw SQL and selectors
    http: dict = field(default_factory=dict)  # {(figure, clients): Summary}
    missing: list = field(default_factory=list)  # what could not be measured, and why
    failures: list = field(default_factory=list)  # targets missed
    lines: list = field(default_factory=list)  # the table for the final report


def _ms(values):
    if not values:
        return {"n": 0}
    return {"n": len(values), "p50": statistics.median(values), "p95": percentile(values, 95),
            "p99": percentile(values, 99), "max": max(values)}


def _f(value, digits=1):
    return "-" if value is None or value != value else f"{value:.{digits}f}"


# ---------------------------------------------------------------------------------------------- the parent side


def bench_env(database_url: str, secret: str, *, cache_url="locmem://", workdir: Path | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "DJANGO_SETTINGS_MODULE"}}
    env.update({
        "DATABASE_URL": database_url, "DEBUG": "0", "SECRET_KEY": secret, "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_COOKIES": "0", "AUDIT_CHAIN_KEY": "bench-chain-" + secret, "CELERY_BROKER_URL": "", "LOG_LEVEL": "WARNING", "DEMO_ACCOUNTS_ENABLED": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend", "CACHE_URL": cache_url,
        "CACHE_KEY_PREFIX": f"vp-bench-{secrets.token_hex(4)}-{Path(database_url).name}",
    })
    if workdir is not None:
        env["AUDIT_DIGEST_DIR"] = str(workdir / "digest" / Path(database_url).name)
    return env


def _state(url: str) -> dict | None:
    """The generator state stored in the bench database, or None when the database or its state is missing."""
    try:
        rows = query(url, "SELECT value FROM bench_state WHERE key = 'dashboards'")
    except Exception:  # noqa: BLE001 - a missing database or table: not generated
        return None
    return json.loads(rows[0][0]) if rows else None


def _database_comment(url: str):
    import dj_database_url

    name = dj_database_url.parse(url)["NAME"]
    try:
        rows = query(url.rsplit("/", 1)[0] + "/postgres",
                     "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name])
    except Exception as exc:  # noqa: BLE001
        raise BenchError(f"cannot reach PostgreSQL: {exc}") from exc
    return rows[0][0] if rows else False  # False: no such database


def run(url: str, *, incidents=DEFAULT_INCIDENTS, clients=32, workers=4, duration=15.0, samples=200, seed=2026,
        cache_url="locmem://", regenerate=False, platform_db=None, say=print, workdir: Path | None = None,
        secret: str | None = None) -> DashboardBench:
    """The whole dashboard benchmark against the database named in `url` (see the module docstring)."""
    import tempfile

    import dj_database_url

    result = DashboardBench(incidents=incidents, database=dj_database_url.parse(url)["NAME"])
    if workdir is None:  # standalone: a work directory of its own, removed afterwards
        workdir = Path(tempfile.mkdtemp(prefix="vp-bench-dash-"))
        try:
            return run(url, incidents=incidents, clients=clients, workers=workers, duration=duration,
                       samples=samples, seed=seed, cache_url=cache_url, regenerate=regenerate,
                       platform_db=platform_db, say=say, workdir=workdir, secret=secret)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    secret = secret or "bench-" + secrets.token_hex(32)
    env = bench_env(url, secret, cache_url=cache_url, workdir=workdir)
    wanted = {"version": GENERATOR_VERSION, "incidents": incidents, "seed": seed, "complete": True}
    comment = _database_comment(url)
    state = _state(url) if comment is not False else None
    stale = regenerate or state is None or any(state.get(k) != v for k, v in wanted.items())
    if comment not in (False, BENCH_MARKER):
        raise BenchError(f"database {result.database} exists and was not made by the benchmark (no marker comment): "
                         "drop it yourself or give another --database-url")
    if stale:
        say(f"== Dashboards: database {result.database} "
            f"{'ontbreekt' if comment is False else 'is verouderd'}: opnieuw maken met {_n(incidents)} incidenten =="
            )
        fresh_database(url, platform_db=platform_db or {})
    else:
        say(f"== Dashboards: database {result.database} hergebruikt ({_n(state.get('incidents'))} incidenten, "
            f"gemaakt {state.get('made', '?')}) ==")
    cmd = [sys.executable, str(project_root() / "manage.py"), "bench_dashboards", "--inner", "--database-url", url,
           "--incidents", str(incidents), "--seed", str(seed), "--samples", str(samples)]
    proc = subprocess.Popen(cmd, cwd=project_root(), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,  # nosec B603  # a fixed argument list of the platform's own commands, no shell, no user input
                            text=True)
    inner = None
    tail = []
    for line in proc.stdout:
        if line.startswith("BENCH-JSON:"):
            inner = json.loads(line[len("BENCH-JSON:"):])
            continue
        tail = (tail + [line.rstrip("\n")])[-30:]
        say(line.rstrip("\n"))
    if proc.wait() or inner is None:
        raise BenchError("bench_dashboards --inner failed (exit {}):\n{}".format(proc.returncode, "\n".join(tail)))
    result.inner = inner
    result.generated_seconds = inner.get("generated_seconds")
    result.missing.extend(inner.get("missing", []))
    _http(result, url, env, inner, clients=clients, workers=workers, duration=duration, seed=seed, say=say,
          workdir=workdir)
    _table(result, clients=clients, workers=workers)
    return result


def _http(result, url, env, inner, *, clients, workers, duration, seed, say, workdir):
    token = inner.get("token")
    if not token:
        result.missing.append("HTTP: geen API-token (zie hierboven)")
        return
    mix = query_mix(200, seed + 1)
    with Gunicorn(project_root(), env, workers=workers, log_path=workdir / "gunicorn-dashboards.log") as server:
        for figure in FIGURES:
            paths = [api_path(figure, params) for params in mix]
            status, body = probe(server.port, token, paths[0])
            if status != 200:
                result.missing.append(f"API {figure}: GET {paths[0].split('?')[0]} antwoordt {status} "
                                      f"(nog niet gebouwd?)")
                say(f"API {figure}: {status} {body[:160]!r}")
                continue
            runner = FigureClients(server.port, token, paths, seed=seed)
            runner.run(clients=workers, duration=3.0, label="warm-up")  # every worker
            for n in (1, clients):
                summary = runner.run(clients=n, duration=duration, label=f"{figure}-{n}", meter=CpuMeter(server, url))
                result.http[(figure, n)] = summary
                cpu = summary.cpu
                other = max(0.0, cpu["machine"] - cpu["gunicorn"] - cpu["postgres"] - cpu["client"])
                say(f"API {figure}, {n} client(s): {len(summary.ok)} in {summary.wall:.1f} s = {summary.rate:.0f}/s, "
                    f"p50 {_f(summary.p50)} p95 {_f(summary.pct(95))} p99 {_f(summary.pct(99))} ms, status "
                    f"{summary.statuses}; CPU gunicorn {cpu['gunicorn']:.0f}% postgres {cpu['postgres']:.0f}% "
                    f"client {cpu['client']:.0f}% andere processen {other:.0f}% (van {cpu['cores'] * 100}%)")
        # the map as GeoJSON (the shapes, cached per worker), one client: reported, no target of its own
        status, _body = probe(server.port, token, api_path("buurten", mix[0]), accept="application/geo+json")
        if status == 200:
            runner = FigureClients(server.port, token, [api_path("buurten", p) for p in mix],
                                   accept="application/geo+json", seed=seed)
            runner.run(clients=workers, duration=3.0, label="warm-up")  # every worker
            result.http[("buurten-geojson", 1)] = runner.run(clients=1, duration=duration, label="geojson",
                                                             meter=CpuMeter(server, url))


def _table(result, *, clients, workers):
    w = result.lines.append
    inner = result.inner
    w(f"Dashboards: {_n(inner.get('incidents', 0))} incidenten (politie-bvh) over {_n(inner.get('buurten', 0))} buurten "
      f"in {inner.get('municipalities', 0)} gemeenten; gemeente {BENCH_MUNICIPALITY}: "
      f"{_n(inner.get('municipality_incidents', 0))} incidenten, {inner.get('municipality_buurten', 0)} buurten; "
      f"rollups {_n(inner.get('rollups', 0))} (maand) / {_n(inner.get('week_rollups', 0))} (week)")
    made = f"; database gemaakt in {result.generated_seconds:.0f} s" if result.generated_seconds else ""
    w(f"  machinesnelheid {_f(inner.get('calibration_ms'), 0)} ms{made}")
    w(f"  gunicorn {workers} sync workers; filtermix: geen thema of één van de vijf, laatste 12 maanden / een "
      f"kalenderjaar / ander 12-maandsvenster; trend per maand (met het jaar ervoor)")
    columns = ("figuur", "ruwe GROUP BY p50/p95", "selector p50/p95", "API 1 client p50/p95/p99",
               f"API {clients} clients p95, /s", "doel p95")
    widths = (20, 24, 20, 27, 25, 10)

    def row(cells):
        return "  " + "".join(str(c).ljust(width) if k == 0 else str(c).rjust(width)
                              for k, (c, width) in enumerate(zip(cells, widths, strict=True)))

    w(row(columns))
    for figure in FIGURES:
        raw = inner.get("raw", {}).get(figure, {})
        sel = inner.get("selectors", {}).get(figure, {})
        one = result.http.get((figure, 1))
        many = result.http.get((figure, clients))
        target = TARGETS_MS[figure]
        w(row((figure, f"{_f(raw.get('p50'))} / {_f(raw.get('p95'))} ms", f"{_f(sel.get('p50'))} / {_f(sel.get('p95'))} ms",
               f"{_f(one.p50)} / {_f(one.pct(95))} / {_f(one.pct(99))} ms" if one and one.ok else "-",
               f"{_f(many.pct(95), 0)} ms, {many.rate:.0f}/s" if many and many.ok else "-", f"<= {target:.0f} ms")))
        if one and one.ok:
            if one.pct(95) > target:
                result.failures.append(f"dashboards {figure}: p95 {one.pct(95):.1f} ms > {target:.0f} ms (1 client)")
            if len(one.ok) != len(one.samples):
                result.failures.append(f"dashboards {figure}: niet-200 antwoorden {one.statuses}")
        elif sel.get("p95") is not None and sel["p95"] > target:
            result.failures.append(f"dashboards {figure}: selector p95 {sel['p95']:.1f} ms > {target:.0f} ms")
    geo = result.http.get(("buurten-geojson", 1))
    if geo and geo.ok:
        w(row(("buurten (GeoJSON)", "", "", f"{_f(geo.p50)} / {_f(geo.pct(95))} / {_f(geo.pct(99))} ms", "", "")))
    for figure in FIGURES:
        one, many = result.http.get((figure, 1)), result.http.get((figure, clients))
        for summary in (one, many):
            if summary and summary.cpu:
                cpu = summary.cpu
                other = max(0.0, cpu["machine"] - cpu["gunicorn"] - cpu["postgres"] - cpu["client"])
                w(f"    {figure} {summary.clients} client(s): server-CPU {summary.server_cpu_ms:.2f} ms per antwoord; "
                  f"CPU andere processen {other:.0f}% van {cpu['cores'] * 100}%")
    if inner.get("explain"):
        w("  plannen (EXPLAIN ANALYZE, één filter, laatste 12 maanden):")
        for name, text in inner["explain"].items():
            w(f"    {name}: {text}")
    for item in result.missing:
        w(f"  niet gemeten: {item}")


# ---------------------------------------------------------------------------------------------- the child side


def _copy(cursor, table, columns, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", buffer)


def load_geography(cursor, *, data_dir=DATA_DIR, say=print):
    """Municipalities, wijken and buurten of the whole country (WijkenEnBuurten.csv), the population per buurt
    (kerncijfers 2024) and the benchmark municipality's buurt shapes; set-based, into empty tables."""
    from areas.models import Buurt, Municipality, Population, Wijk

    municipalities, wijken, buurten = [], [], []
    with (data_dir / "cbs" / "WijkenEnBuurten.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            key = row["Key"].strip()
            title = row["Title"].strip()[:120]
            if key.startswith("GM"):
                municipalities.append((key, title))
            elif key.startswith("WK"):
                wijken.append((key, title, row["Municipality"].strip()))
            elif key.startswith("BU"):
                buurten.append((key, title, "WK" + key[2:8]))
    m, w, b = Municipality._meta.db_table, Wijk._meta.db_table, Buurt._meta.db_table
    _copy(cursor, m, ("code", "name"), municipalities)
    cursor.execute("CREATE TEMPORARY TABLE bench_wijk (code text, name text, gm text)")
    _copy(cursor, "bench_wijk", ("code", "name", "gm"), wijken)
    cursor.execute(f"INSERT INTO {w} (code, name, municipality_id) SELECT s.code, s.name, m.id FROM bench_wijk s "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
                   f"JOIN {m} m ON m.code = s.gm")
    cursor.execute("CREATE TEMPORARY TABLE bench_buurt (code text, name text, wk text)")
    _copy(cursor, "bench_buurt", ("code", "name", "wk"), buurten)
    cursor.execute(f"INSERT INTO {b} (code, name, wijk_id, indeling_jaar) SELECT s.code, s.name, w.id, 2024 "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
                   f"FROM bench_buurt s JOIN {w} w ON w.code = s.wk")
    population = []
    with (data_dir / "cbs" / "kerncijfers_85984NED_2024_inwoners_per_buurt.csv").open(encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            value = row["aantal_inwoners_2024"].strip()
            population.append((row["buurtcode"].strip(), int(value) if value.lstrip("-").isdigit()
                               and int(value) >= 0 else None))
    cursor.execute("CREATE TEMPORARY TABLE bench_population (code text, inhabitants integer)")
    _copy(cursor, "bench_population", ("code", "inhabitants"), population)
    cursor.execute(f"INSERT INTO {Population._meta.db_table} (buurt_id, year, inhabitants) "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
                   f"SELECT b.id, {POPULATION_YEAR}, s.inhabitants FROM bench_population s JOIN {b} b ON b.code = s.code")
    shapes = json.loads((project_root() / "areas" / "data" / "almere_buurten_2024.geojson").read_text())
    for feature in shapes["features"]:
        props = feature["properties"]
        cursor.execute(f"UPDATE {b} SET geometry = %s WHERE code = %s",  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
                       [json.dumps(feature["geometry"]), props.get("buurtcode") or props.get("BU_CODE")])
    for table in ("bench_wijk", "bench_buurt", "bench_population"):
        cursor.execute(f"DROP TABLE {table}")
    say(f"Geografie: {len(municipalities)} gemeenten, {len(wijken)} wijken, {len(buurten)} buurten, "
        f"{len(population)} inwonertallen, {len(shapes['features'])} buurtvormen ({BENCH_MUNICIPALITY})")


class suspended_constraints:  # noqa: N801 - used as a context manager, reads as a phrase
    """Drop the indexes, foreign keys and unique constraints of a table for a bulk load and put the very same
    definitions back afterwards (pg_get_constraintdef / pg_get_indexdef): a 10-million-row INSERT with seven indexes
    and four deferred foreign-key checks per row takes far longer than building them once at the end."""

    def __init__(self, cursor, table):
        self.cursor, self.table = cursor, table

    def __enter__(self):
        cur, table = self.cursor, self.table
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # inside a transaction: checks still pending block ALTER TABLE
        cur.execute("SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f') ORDER BY contype DESC", [table])
        self.constraints = cur.fetchall()  # u, p, f: the keys first when put back (see __exit__)
        cur.execute("SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                    "WHERE x.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                    "WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid)", [table])
        self.indexes = cur.fetchall()
        for name, _definition in self.indexes:
            cur.execute(f'DROP INDEX "{name}"')
        for name, _definition, _kind in sorted(self.constraints, key=lambda c: c[2] != "f"):  # foreign keys first
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        return self

    def __exit__(self, *exc):
        cur, table = self.cursor, self.table
        order = {"p": 0, "u": 1, "f": 2}
        for name, definition, _kind in sorted(self.constraints, key=lambda c: order[c[2]]):
            cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for _name, definition in self.indexes:
            cur.execute(definition)
        return False


def generate_incidents(cursor, *, n, seed, source_id, say=print):
    """N incidents of one source, spread over all buurten in proportion to their population (buurten without a
    published figure count as 20 inhabitants), in batches of one INSERT ... SELECT generate_series each."""
    from dashboards.models import Category, Incident

    incident = Incident._meta.db_table
    categories = list(Category.objects.filter(kind="cbs", is_total=False).order_by("code").values_list("pk", flat=True))
    random.Random(seed).shuffle(categories)  # a skewed mix: the first ones in this order are the common ones  # nosec B311  # pseudo-random numbers for demo or benchmark data, not for security
    # evening-heavy hours: each hour as often as its weight
    weights = [2, 2, 1, 1, 1, 1, 2, 3, 4, 4, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 5, 4, 3, 3]
    hours = [h for h, k in enumerate(weights) for _ in range(k)]
    cursor.execute(f"SELECT setseed({(seed % 1000) / 1000.0})")
    cursor.execute("DROP TABLE IF EXISTS bench_alloc")
    cursor.execute(
        "CREATE TEMPORARY TABLE bench_alloc AS "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
        "WITH w AS (SELECT b.id AS buurt_id, wk.municipality_id, GREATEST(COALESCE(p.inhabitants, 0), 20) AS weight "
        "FROM areas_buurt b JOIN areas_wijk wk ON wk.id = b.wijk_id "
        f"LEFT JOIN areas_population p ON p.buurt_id = b.id AND p.year = {POPULATION_YEAR}), "
        "c AS (SELECT *, SUM(weight) OVER (ORDER BY buurt_id) AS upto, SUM(weight) OVER () AS total FROM w) "
        "SELECT buurt_id, municipality_id, floor(%s::numeric * (upto - weight) / total)::bigint AS first_no, "
        "floor(%s::numeric * upto / total)::bigint AS last_no FROM c",
        [n, n],
    )
    cursor.execute("ANALYZE bench_alloc")
    months = []
    month = FIRST_DAY
    while month <= LAST_DAY:
        months.append(month)
        month = _add_months(month, 1)
    started = time.perf_counter()
    done = 0
    with suspended_constraints(cursor, incident):
        # one batch per month, every buurt its share of it: the table fills in date order, as monthly deliveries
        # of a national source would (a municipality's incidents are not stored together)
        for index, first in enumerate(months):
            cursor.execute(
                f"INSERT INTO {incident} (source_id, external_id, category_id, occurred_on, occurred_time, dagdeel, "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
                "weekday, municipality_id, buurt_id, address_id, lon, lat, modus_operandi, loot, property_type, "
                "quantity, provisional, import_run) "
                "SELECT %(source)s, 'bench-' || g.no, g.category, g.day, g.at, "
                "CASE WHEN g.at IS NULL THEN 4 ELSE extract(hour FROM g.at)::int / 6 END, "
                "extract(isodow FROM g.day)::int - 1, a.municipality_id, a.buurt_id, NULL, NULL, NULL, '', '', '', "
                "NULL, false, NULL "
                "FROM bench_alloc a CROSS JOIN LATERAL ("
                "  SELECT s AS no, "
                "    (%(categories)s::bigint[])[1 + floor(power(random(), 2.5) * %(n_categories)s)::int] AS category, "
                "    %(first_day)s::date + floor(random() * %(days)s)::int AS day, "
                "    CASE WHEN random() < 0.08 THEN NULL ELSE make_time("
                "      (%(hours)s::int[])[1 + floor(random() * %(n_hours)s)::int], floor(random() * 60)::int, 0) "
                "    END AS at "
                "  FROM generate_series(a.first_no + (a.last_no - a.first_no) * %(index)s / %(months)s + 1, "
                "                       a.first_no + (a.last_no - a.first_no) * (%(index)s + 1) / %(months)s) AS s"
                ") AS g",
                {"source": source_id, "categories": categories, "n_categories": len(categories),
                 "first_day": first, "days": (_add_months(first, 1) - first).days, "hours": hours,
                 "n_hours": len(hours), "index": index, "months": len(months)},
            )
            done += cursor.rowcount
            if index % 6 == 5 or index == len(months) - 1:
                say(f"  incidenten: {_n(done)} t/m {first:%Y-%m} ({time.perf_counter() - started:.0f} s)"
                    )
        say("  indexen en sleutels terugzetten …")
    say(f"  {_n(done)} incidenten in {time.perf_counter() - started:.0f} s")
    cursor.execute("DROP TABLE bench_alloc")
    return done


def rebuild_rollups(cursor, *, source, say=print):
    """dashboards.services.facts.rollups_rebuild, with the rollup tables' keys suspended while it fills them."""
    from dashboards.models import Rollup, WeekRollup
    from dashboards.services.facts import rollups_rebuild

    started = time.perf_counter()
    with suspended_constraints(cursor, Rollup._meta.db_table), suspended_constraints(cursor,
                                                                                     WeekRollup._meta.db_table):
        rollups_rebuild(source=source)
    say(f"  rollups opnieuw berekend in {time.perf_counter() - started:.0f} s")


def prewarm(cursor, relations, say=print):
    """Read tables and indexes into the operating system's cache, as a server has them after a while (otherwise
    the first queries measure this machine's disk)."""
    cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_prewarm'")
    if cursor.fetchone() is None:
        say("pg_prewarm ontbreekt: gemeten met een koude cache")
        return
    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
    started = time.perf_counter()
    for relation in relations:
        cursor.execute("SELECT to_regclass(%s)", [relation])
        if cursor.fetchone()[0] is not None:
            cursor.execute("SELECT pg_prewarm(%s::regclass, 'read')", [relation])
    say(f"Vooraf in de cache gelezen: {', '.join(relations)} ({time.perf_counter() - started:.0f} s)")


RAW_SQL = {
    # the same figure straight from the incidents, as a dashboard without rollups would have to
    "buurten": "SELECT buurt_id, COUNT(*) FROM dashboards_incident WHERE source_id = %(source)s "
               "AND municipality_id = %(municipality)s AND occurred_on BETWEEN %(first)s AND %(last)s "
               "AND category_id = ANY(%(categories)s) GROUP BY buurt_id",
    "trend": "SELECT date_trunc('month', occurred_on), COUNT(*) FROM dashboards_incident WHERE source_id = %(source)s "
             "AND municipality_id = %(municipality)s AND occurred_on BETWEEN %(year_before)s AND %(last)s "
             "AND category_id = ANY(%(categories)s) GROUP BY 1",
    "dagdelen": "SELECT dagdeel, weekday, COUNT(*) FROM dashboards_incident WHERE source_id = %(source)s "
                "AND municipality_id = %(municipality)s AND occurred_on BETWEEN %(first)s AND %(last)s "
                "AND category_id = ANY(%(categories)s) GROUP BY dagdeel, weekday",
}


def _raw_args(q):
    from dashboards.selectors.filters import add_months

    return {"source": q.source.pk, "municipality": q.municipality.pk, "first": q.date_from, "last": q.date_to,
            "year_before": add_months(q.date_from, -12), "categories": list(q.categories)}


def measure_raw(*, samples, seed, say=print):
    """Per figure the raw GROUP BY over the incidents (SQL, timed around execute + fetch) over the filter mix, and
    EXPLAIN ANALYZE of the default filter (raw, and the map's rollup query)."""
    from django.db import connection

    from dashboards.selectors.filters import figure_query_from_params

    # the raw path takes up to seconds per query on 10M incidents: a quarter of the mix is enough for its p95
    queries = [figure_query_from_params(params) for params in query_mix(max(5, samples // 4), seed + 1)]
    raw, totals = {}, {}
    with connection.cursor() as cur:
        for figure in FIGURES:
            timings = []
            for k, q in enumerate([*queries[:5], *queries]):  # the first five: warm-up
                started = time.perf_counter()
                cur.execute(RAW_SQL[figure], _raw_args(q))
                rows = cur.fetchall()
                if k >= 5:
                    timings.append((time.perf_counter() - started) * 1000)
                if k == 5:
                    totals[figure] = sum(r[-1] for r in rows)
            raw[figure] = _ms(timings)
            say(f"  ruwe GROUP BY {figure}: p50 {_f(raw[figure]['p50'])} p95 {_f(raw[figure]['p95'])} ms")
        explain = {}
        args = _raw_args(figure_query_from_params({"source": "politie-bvh", "municipality": BENCH_MUNICIPALITY}))
        for figure in FIGURES:
            cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + RAW_SQL[figure], args)
            explain[f"ruw {figure}"] = _plan_summary(cur.fetchone()[0][0])
        cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) SELECT buurt_id, SUM(count) FROM dashboards_monthrollup "
                    "WHERE source_id = %(source)s AND municipality_id = %(municipality)s AND month BETWEEN %(first)s "
                    "AND %(last)s AND category_id = ANY(%(categories)s) GROUP BY buurt_id", args)
        explain["rollup buurten"] = _plan_summary(cur.fetchone()[0][0])
    return {"raw": raw, "explain": explain, "raw_totals": totals}


def measure_selectors(*, samples, seed, say=print):
    """Per figure the selector of dashboards.selectors.figures (filter parsing included) over the same mix."""
    from dashboards.selectors import figures
    from dashboards.selectors.filters import figure_query_from_params

    mix = query_mix(samples, seed + 1)
    selectors = {
        "buurten": lambda q: figures.area_figures(q),
        "trend": lambda q: figures.trend(q, interval="month"),
        "dagdelen": lambda q: figures.dagdeel_grid(q),
    }
    chosen, totals = {}, {}
    for figure in FIGURES:
        timings = []
        for k, params in enumerate([*mix[:5], *mix]):
            started = time.perf_counter()
            answer = selectors[figure](figure_query_from_params(params))
            if k >= 5:
                timings.append((time.perf_counter() - started) * 1000)
            if k == 5:
                totals[figure] = answer.total
        chosen[figure] = _ms(timings)
        say(f"  selector {figure}: p50 {_f(chosen[figure]['p50'])} p95 {_f(chosen[figure]['p95'])} ms")
    return {"selectors": chosen, "selector_totals": totals}


def _plan_summary(plan):
    nodes = []

    def walk(node):
        label = node["Node Type"]
        if node.get("Index Name"):
            label += f" {node['Index Name']}"
        nodes.append(f"{label} ({node.get('Actual Rows', '?')} r)")
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    return f"{plan.get('Execution Time', 0):.1f} ms: " + " > ".join(nodes[:6])


def setup_viewer():
    """The benchmark dashboard, a viewer with its grant (four eyes, through the platform's services) and a fresh API
    token; returns the token. Only the benchmark's own users are touched."""
    from datetime import timedelta

    from django.utils import timezone

    from access import roles as R
    from access.api import api_token_rotate
    from access.models import Authorisation, User
    from access.services import authorisation_approve, authorisation_bootstrap, authorisation_request
    from dashboards.models import Dashboard

    until = timezone.localdate() + timedelta(days=300)

    def user(name):
        found = User.objects.filter(username=name).first()
        return found or User.objects.create(username=name, first_name="Bench", last_name=name,
                                            email=f"{name}@bench.example", phone="06 0000 0000")

    admin_a, admin_b, viewer = user("bench-dash-admin-a"), user("bench-dash-admin-b"), user(VIEWER)
    for admin in (admin_a, admin_b):
        if not Authorisation.objects.filter(user=admin, role=R.AUTHORISATION_ADMIN).open().exists():
            authorisation_bootstrap(user=admin, role=R.AUTHORISATION_ADMIN, purpose="Benchmark", valid_until=until)
    dashboard = Dashboard.objects.filter(slug=SLUG).first() or Dashboard.objects.create(
        slug=SLUG, name="Benchmark: veiligheid per buurt")
    if not Authorisation.objects.filter(user=viewer, role=R.DASHBOARD_VIEWER, scope_id=dashboard.pk).open().exists():
        grant = authorisation_request(requested_by=admin_a, user=viewer, role=R.DASHBOARD_VIEWER, scope=dashboard,
                                      purpose="Benchmark: dashboards", valid_until=until)
        if grant.status == Authorisation.Status.REQUESTED:
            authorisation_approve(grant=grant, approved_by=admin_b, note="Benchmark")
    return api_token_rotate(user=viewer)


def inner(*, incidents, seed, samples, say=print):
    """The child process (DATABASE_URL = the bench database): migrate, generate when needed, set up the viewer,
    measure in-process; prints one `BENCH-JSON:` line for the parent."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from dashboards.models import Incident, Rollup, Source, WeekRollup

    out = {"missing": []}
    call_command("migrate", verbosity=0, interactive=False)
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS bench_state (key text PRIMARY KEY, value text NOT NULL)")
        cur.execute("SELECT value FROM bench_state WHERE key = 'dashboards'")
        row = cur.fetchone()
    state = json.loads(row[0]) if row else {}
    source = Source.objects.get(code="politie-bvh")
    if not state.get("complete"):
        from areas.models import Buurt

        if Buurt.objects.exists() or Incident.objects.exists():
            raise BenchError("the dashboard bench database holds data but no complete generator state: run with "
                             "--regenerate (it is then dropped and made again)")
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            load_geography(cur, say=say)
        with connection.cursor() as cur:
            generate_incidents(cur, n=incidents, seed=seed, source_id=source.pk, say=say)
            rebuild_rollups(cur, source=source, say=say)
            cur.execute("VACUUM ANALYZE")
            made = time.perf_counter() - started
            cur.execute("INSERT INTO bench_state (key, value) VALUES ('dashboards', %s) ON CONFLICT (key) DO UPDATE "
                        "SET value = EXCLUDED.value",
                        [json.dumps({"version": GENERATOR_VERSION, "incidents": incidents, "seed": seed,
                                     "complete": True, "seconds": round(made),
                                     "made": datetime.datetime.now(datetime.UTC).isoformat(timespec="minutes")})])
        out["generated_seconds"] = made
        say(f"Gegenereerd in {made:.0f} s")
    try:
        out["token"] = setup_viewer()
    except Exception as exc:  # noqa: BLE001 - reported: the HTTP part then cannot run
        out["missing"].append(f"HTTP: kijker/token niet aan te maken ({type(exc).__name__}: {exc})")
    from areas.models import Buurt, Municipality

    municipality = Municipality.objects.get(code=BENCH_MUNICIPALITY)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
        prewarm(cur, [Rollup._meta.db_table, "rollup_src_mun_cover", "dashboards_monthrollup",
                      "monthrollup_src_mun_cover", WeekRollup._meta.db_table,
                      "weekrollup_src_mun_week", Incident._meta.db_table, "areas_buurt", "areas_population"], say=say)
        cur.execute(f"SELECT COUNT(*) FROM {Incident._meta.db_table}")  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
        out["incidents"] = cur.fetchone()[0]
        cur.execute(f"SELECT COUNT(*) FROM {Incident._meta.db_table} WHERE municipality_id = %s", [municipality.pk])  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
        out["municipality_incidents"] = cur.fetchone()[0]
        cur.execute(f"SELECT reltuples::bigint FROM pg_class WHERE oid IN ('{Rollup._meta.db_table}'::regclass, "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
                    f"'{WeekRollup._meta.db_table}'::regclass) ORDER BY relname")
        out["rollups"], out["week_rollups"] = (row[0] for row in cur.fetchall())
    out["buurten"] = Buurt.objects.count()
    out["municipalities"] = Municipality.objects.count()
    out["municipality_buurten"] = Buurt.objects.filter(wijk__municipality=municipality).count()
    out.update(measure_raw(samples=samples, seed=seed, say=say))
    try:
        out.update(measure_selectors(samples=samples, seed=seed, say=say))
    except Exception as exc:  # noqa: BLE001 - the selectors are being written: say what failed, measure the rest
        out["missing"].append(f"selectors in-process: {type(exc).__name__}: {exc}")
    out["calibration_ms"] = calibration_ms()
    print("BENCH-JSON:" + json.dumps(out, default=str), flush=True)
