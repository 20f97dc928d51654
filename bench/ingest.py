"""The ingest benchmark (issue 11, Speed): the import rate of a generated BVH file end to end (parse, validate,
place, upsert, rollup) beside plain COPY of the same file, and the peak memory of the import.

    bench.ingest.run(url, options, say=print)   -> IngestBench (results, table lines, missed targets)

1. Files: BVH exports in their real layout (`;`, Windows-1252, CRLF, Dutch dates like `20-9-2025 17:30`,
   Rijksdriehoek X/Y in whole metres inside the benchmark municipality's buurten, incident codes of the CBS/Politie
   catalogue with a skewed mix and a few unknown ones, no registration number: the importer fingerprints the rows),
   written once per size and seed into the work directory (--rows, default 2 million, and a 200,000-row file).
2. A fresh database `<bench>_ingest` (dropped and made only with the benchmark's marker comment): migrate, the
   national geography and the municipality's buurt shapes (as the dashboard bench loads them), the import source
   politie-bvh.
3. Plain COPY of the file (psycopg2 copy_expert, FORMAT csv, DELIMITER ';', ENCODING 'WIN1252', DateStyle DMY,
   typed columns) into a bare table and into the same table with a primary key and five b-tree indexes; rows/s from
   the start of COPY to the commit.
4. The import: the `import_file politie-bvh FILE` command in a process of its own (Celery eager: the run is processed
   in that process), the small file first, then the big one into the table that already holds it. Reported: rows/s
   over the command (storing and hashing the file, reading, placing, upsert, rollups and the commit, where Django's
   deferred foreign keys are checked), the part before the commit (ImportRun.started_at -> finished_at), the process
   with its start-up, and the process's peak RSS (wait4's ru_maxrss); targets >= 100,000 rows/s and < 1 GiB.
"""
import datetime
import json
import os
import random
import secrets
import shutil
import subprocess  # nosec B404  # runs the platform's own commands (benchmarks), never user input
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import calibration_ms
from bench.dashboards import BENCH_MUNICIPALITY, bench_env, project_root
from bench.server import BenchError, _machine_busy_seconds, fresh_database, query

DEFAULT_ROWS = 2_000_000
SMALL_ROWS = 200_000
TARGET_ROWS_PER_SECOND = 100_000
TARGET_RSS_BYTES = 1024 ** 3
HEADER = ("Incidentsoort code;Incidentsoort;Pleegstraatnaam;Pleeghuisnummer;Pleegpostcode;Pleegplaats;Pleeggemeente;"
          "Pleegwijk;Pleegbuurt;Begin-pleegdatum/tijd;Eind-pleegdatum/tijd;Kennisnamedatum/tijd;Modus operandi;Buit;"
          "X;Y")
FIRST_DAY = datetime.date(2025, 1, 1)
LAST_DAY = datetime.date(2026, 11, 28)  # never in the future (the importer rejects that)
STREETS = ("Stationsstraat", "Grote Markt", "Hoge Ring", "Buitenring", "Bolderweg", "Randstad 21", "Spoordreef",
           "Citadel", "Belfort", "Rentmeesterstraat", "Cinémadreef", "Pétanquepad", "Crèchestraat", "Reünieweg",
           "Draaimolenstraat", "Kruidenwijkpad", "Noorderplassen", "Muziekwijk-Zuid", "Oostvaardersdijk", "Weerwater",
           "Brouwerstraat", "Fransiscusdreef", "Hoofdweg Noordzijde", "Koningsdag-plein", "Sûrsestraat")
MODUS = ("Inklimmen via raam", "Forceren deur", "Flipperen", "Cilinder trekken", "Onbekend", "Via balkon")
LOOT = ("Geld", "Sieraden", "Elektronica", "Laptop", "Fiets", "Auto(sleutels)", "Niets")
BURGLARY_CODES = ("A20", "B20", "A21", "B21")
UNKNOWN_CODES = ("Z99", "X01")


def _n(value) -> str:
    """A whole number the Dutch way: 10.000.000."""
    return "-" if value is None else f"{round(value):,}".replace(",", ".")


@dataclass
class IngestBench:
    rows: int = 0
    database: str = ""
    files: dict = field(default_factory=dict)  # rows -> (path, bytes, seconds to write)
    copy: dict = field(default_factory=dict)  # "bare"/"indexed" -> {rows, seconds, rate}
    imports: list = field(default_factory=list)  # [{rows, ...}]
    missing: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    lines: list = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- the file


def _police_codes():
    """[(code, description)] of the CBS/Politie catalogue (SoortMisdrijf.csv), in catalogue order."""
    import csv
    import re

    path = project_root() / "dashboards" / "data" / "SoortMisdrijf.csv"
    found = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Key"].strip() == "0.0.0":
                continue
            for line in (row["Description"] or "").splitlines():
                match = re.match(r"^([A-Z]\d+[A-Z]?)\s+(.*)$", line.strip())
                if match:
                    found.append((match.group(1), match.group(2).strip()[:80]))
    return found


def _wijk_names():
    import csv

    names = {}
    path = project_root() / "areas" / "data" / "almere_wijken_2024.csv"
    if path.exists():
        with path.open(encoding="utf-8-sig", newline="") as handle:
            sample = handle.read(2048)
            handle.seek(0)
            dialect = csv.Sniffer().sniff(sample, delimiters=",;")
            for row in csv.DictReader(handle, dialect=dialect):
                lowered = {k.lower(): v for k, v in row.items() if k}
                code = lowered.get("wijkcode") or lowered.get("code") or ""
                name = lowered.get("wijknaam") or lowered.get("naam") or lowered.get("name") or ""
                if code:
                    names[code.strip()] = name.strip()
    return names


def point_pool(n_points: int, seed: int):
    """[(x, y, buurt name, wijk name)] in whole RD metres, each well inside one of the municipality's buurten (drawn in
    the buurt shrunk by about 20 m and checked again after rounding), buurten in proportion to their area."""
    import numpy as np
    import shapely
    from pyproj import Transformer

    shapes = json.loads((project_root() / "areas" / "data" / "almere_buurten_2024.geojson").read_text())
    to_rd = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
    to_wgs = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)
    wijken = _wijk_names()
    rng = np.random.default_rng(seed)
    polygons, names = [], []
    for feature in shapes["features"]:
        props = feature["properties"]
        shape = shapely.from_geojson(json.dumps(feature["geometry"]))
        rd = shapely.transform(shape, lambda xy: np.column_stack(to_rd.transform(xy[:, 0], xy[:, 1])))
        inner = rd.buffer(-20)
        if inner.is_empty or inner.area < 100:
            continue
        polygons.append((shape, inner))
        names.append((props.get("buurtnaam") or props.get("BU_NAAM") or "",
                      wijken.get(props.get("wijkcode") or "", "")))
    areas = np.array([inner.area for _shape, inner in polygons])
    per = rng.multinomial(n_points, areas / areas.sum())
    pool = []
    for (shape, inner), (buurt_name, wijk_name), wanted in zip(polygons, names, per, strict=True):
        minx, miny, maxx, maxy = inner.bounds
        got = 0
        while got < wanted:
            xs = np.round(rng.uniform(minx, maxx, wanted * 3))
            ys = np.round(rng.uniform(miny, maxy, wanted * 3))
            inside = shapely.contains_xy(inner, xs, ys)
            xs, ys = xs[inside], ys[inside]
            lon, lat = to_wgs.transform(xs, ys)
            ok = shapely.contains_xy(shape, np.round(lon, 6), np.round(lat, 6))
            for x, y in zip(xs[ok][:wanted - got].tolist(), ys[ok][:wanted - got].tolist(), strict=True):
                pool.append((int(x), int(y), buurt_name, wijk_name))
            got = min(wanted, got + int(ok.sum()))
    return pool


def _dutch(moment: datetime.datetime) -> str:
    return f"{moment.day}-{moment.month}-{moment.year} {moment.hour}:{moment.minute:02d}"


def write_bvh(path: Path, rows: int, *, seed: int, say=print) -> tuple[int, float]:
    """A BVH export of `rows` incidents (see the module docstring); returns (bytes, seconds)."""
    started = time.perf_counter()
    rng = random.Random(seed)  # nosec B311  # pseudo-random numbers for demo or benchmark data, not for security
    codes = _police_codes()
    weights = [1.0 / (k + 1) ** 0.9 for k in range(len(codes))]  # a skewed mix: a few codes are most incidents
    rng.shuffle(codes)
    pool = point_pool(20_000, seed)
    days = (LAST_DAY - FIRST_DAY).days + 1
    hours = [h for h, k in enumerate((2, 2, 1, 1, 1, 1, 2, 3, 4, 4, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 5, 4, 3, 3))
             for _ in range(k)]
    picked_codes = rng.choices(codes, weights=weights, k=min(rows, 100_000))
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="cp1252", newline="\r\n") as out:
        out.write(HEADER + "\n")
        for k in range(rows):
            code, name = picked_codes[k % len(picked_codes)] if rng.random() > 0.0005 else (
                rng.choice(UNKNOWN_CODES), "Onbekende incidentsoort")
            x, y, buurt, wijk = pool[rng.randrange(len(pool))]
            begin = datetime.datetime.combine(FIRST_DAY + datetime.timedelta(days=rng.randrange(days)),
                                              datetime.time(rng.choice(hours), rng.randrange(60)))
            end = begin + datetime.timedelta(minutes=rng.randrange(0, 600))
            reported = end + datetime.timedelta(minutes=rng.randrange(5, 2880))
            if reported.date() > LAST_DAY:
                reported = end
            burglary = code in BURGLARY_CODES
            street = STREETS[(x + y) % len(STREETS)]
            number = (x * 7 + y) % 180 + 1
            postcode = f"{1300 + (x // 97 + y // 89) % 64}{chr(65 + x % 26)}{chr(65 + y % 26)}"
            out.write(f"{code};{name};{street};{number};{postcode};Almere;Almere;{wijk};{buurt};{_dutch(begin)};"
                      f"{_dutch(end) if rng.random() < 0.7 else ''};{_dutch(reported)};"
                      f"{rng.choice(MODUS) if burglary else ''};{rng.choice(LOOT) if burglary else ''};{x};{y}\n")
    tmp.replace(path)
    seconds = time.perf_counter() - started
    size = path.stat().st_size
    say(f"BVH-bestand {path.name}: {_n(rows)} regels, {size / 1e6:.0f} MB in {seconds:.0f} s")
    return size, seconds


# ---------------------------------------------------------------------------------------------- COPY baselines

COPY_COLUMNS = (
    ("incidentsoort_code", "text"), ("incidentsoort", "text"), ("pleegstraatnaam", "text"),
    ("pleeghuisnummer", "text"), ("pleegpostcode", "text"), ("pleegplaats", "text"), ("pleeggemeente", "text"),
    ("pleegwijk", "text"), ("pleegbuurt", "text"), ("begin_pleegdatum", "timestamp"),
    ("eind_pleegdatum", "timestamp"), ("kennisnamedatum", "timestamp"), ("modus_operandi", "text"),
    ("buit", "text"), ("x", "integer"), ("y", "integer"),
)
COPY_INDEXES = ("incidentsoort_code", "begin_pleegdatum", "pleegpostcode", "pleegbuurt", "x, y")


def copy_file(url: str, path: Path, *, indexed: bool) -> dict:
    """COPY the file into a new table (bare, or with a bigserial key and five b-tree indexes made before the COPY);
    timed from the start of COPY to the commit."""
    import psycopg2

    table = "bench_copy_indexed" if indexed else "bench_copy_bare"
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {table}")
            columns = ", ".join(f"{name} {kind}" for name, kind in COPY_COLUMNS)
            cur.execute(f"CREATE TABLE {table} ({'id bigserial PRIMARY KEY, ' if indexed else ''}{columns})")
            if indexed:
                for k, cols in enumerate(COPY_INDEXES):
                    cur.execute(f"CREATE INDEX {table}_{k} ON {table} ({cols})")
            cur.execute("SET datestyle = 'ISO, DMY'")
        conn.commit()
        names = ", ".join(name for name, _kind in COPY_COLUMNS)
        with path.open("rb") as handle, conn.cursor() as cur:
            started = time.perf_counter()
            cur.copy_expert(f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv, DELIMITER ';', HEADER true, "
                            f"ENCODING 'WIN1252')", handle, size=1024 * 1024)
            rows = cur.rowcount
            conn.commit()
            seconds = time.perf_counter() - started
        with conn.cursor() as cur:
            cur.execute(f"DROP TABLE {table}")
        conn.commit()
    finally:
        conn.close()
    return {"rows": rows, "seconds": seconds, "rate": rows / seconds}


# ---------------------------------------------------------------------------------------------- the import


def _run_measured(cmd, env, cwd):
    """Run a process to its end; (exit code, wall seconds, peak RSS bytes, output) from wait4 of that process."""
    log = open(Path(env.get("INGEST_UPLOAD_DIR", "/tmp")) / "import-output.log", "w+")  # noqa: SIM115 - closed below  # nosec B108  # benchmark log, /tmp only without INGEST_UPLOAD_DIR
    try:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)  # nosec B603  # a fixed argument list of the platform's own commands, no shell, no user input
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = log.read()
    finally:
        log.close()
    return proc.returncode, wall, usage.ru_maxrss * 1024, output  # ru_maxrss: kilobytes on Linux


IMPORT_CODE = """
import os, time
from django.core.management import call_command
started = time.perf_counter()
call_command("import_file", "politie-bvh", os.environ["BENCH_IMPORT_FILE"])
print("BENCH-SECONDS:%.3f" % (time.perf_counter() - started))
"""


def import_file(url: str, env: dict, path: Path, rows: int, say=print) -> dict:
    """`import_file politie-bvh FILE` in a process of its own (manage.py shell, so the command's own time can be
    told apart from the interpreter's start-up): the command's time covers storing and hashing the file, reading,
    placing, the upsert, the rollups and the commit (Django's foreign keys are checked at the commit)."""
    cmd = [sys.executable, str(project_root() / "manage.py"), "shell", "-c", IMPORT_CODE]
    busy_before = _machine_busy_seconds()
    code, wall, rss, output = _run_measured(cmd, {**env, "BENCH_IMPORT_FILE": str(path)}, project_root())
    busy_after = _machine_busy_seconds()
    machine = (busy_after[0] - busy_before[0]) / wall * 100
    tail = "\n".join(output.strip().splitlines()[-12:])
    seconds_line = [line for line in output.splitlines() if line.startswith("BENCH-SECONDS:")]
    if code or not seconds_line:
        raise BenchError(f"import_file {path.name} failed (exit {code}):\n{tail}")
    command = float(seconds_line[-1].split(":", 1)[1])
    found = query(url, "SELECT id, status, rows_read, inserted, updated, unchanged, rejected, "
                       "EXTRACT(EPOCH FROM finished_at - started_at) FROM ingest_importrun ORDER BY id DESC LIMIT 1")
    run_id, status, read, inserted, updated, unchanged, rejected, seconds = found[0]
    seconds = float(seconds or 0)
    result = {"rows": rows, "run": run_id, "status": status, "read": read, "inserted": inserted, "updated": updated,
              "unchanged": unchanged, "rejected": rejected, "seconds": seconds, "command": command, "wall": wall,
              "rss": rss, "rate": read / command if command else None,
              "rate_before_commit": read / seconds if seconds else None, "rate_wall": read / wall,
              "machine_cpu": machine}
    say(f"import_file {path.name}: {status}, gelezen {_n(read)}, nieuw {_n(inserted)}, afgekeurd {_n(rejected)}; "
        f"commando {command:.1f} s = {_n(result['rate'])} regels/s (verwerking tot de commit {seconds:.1f} s, "
        f"proces met opstarten {wall:.1f} s); piek-RSS {_n(rss / 2**20)} MiB; CPU machine {machine:.0f}%")
    return result


def _setup_database(url: str, env: dict, say):
    """migrate, geography, the import source (in a child with DATABASE_URL = the ingest database)."""
    code = (
        "from django.core.management import call_command\n"
        "from django.db import connection, transaction\n"
        "from bench.dashboards import load_geography\n"
        "from ingest.models import ImportSource\n"
        "call_command('migrate', verbosity=0, interactive=False)\n"
        "with transaction.atomic(), connection.cursor() as cur:\n"
        "    load_geography(cur)\n"
        "ImportSource.objects.get_or_create(code='politie-bvh', defaults={'name': 'Politie: incidenten (BVH-export)',"
        " 'format': 'politie-bvh', 'facts_source': 'politie-bvh', 'schedule': 'weekly'})\n"
        "print('setup ok')\n"
    )
    result = subprocess.run([sys.executable, str(project_root() / "manage.py"), "shell", "-c", code],  # nosec B603  # a fixed argument list of the platform's own commands, no shell, no user input
                            cwd=project_root(), env=env, capture_output=True, text=True)
    if result.returncode or "setup ok" not in result.stdout:
        raise BenchError(f"ingest database setup failed:\n{(result.stdout + result.stderr)[-3000:]}")
    say(result.stdout.strip().replace("\nsetup ok", "").replace("setup ok", ""))


def _import_available():
    root = project_root()
    return (root / "ingest" / "management" / "commands" / "import_file.py").exists() and (
        root / "ingest" / "formats" / "bvh.py").exists()


def run(url: str, *, rows=DEFAULT_ROWS, small_rows=SMALL_ROWS, seed=2026, files_dir: Path | None = None,
        platform_db=None, cache_url="locmem://", say=print, secret=None) -> IngestBench:
    import tempfile

    import dj_database_url

    result = IngestBench(rows=rows, database=dj_database_url.parse(url)["NAME"])
    files_dir = files_dir or Path(tempfile.gettempdir()) / "vp-bench-ingest"
    files_dir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="vp-bench-ingest-"))
    say(f"== Ingest: BVH-bestanden in {files_dir} ==")
    sizes = [n for n in (small_rows, rows) if n]
    paths = {}
    for n in sizes:
        path = files_dir / f"bvh-{n}-{seed}-v1.csv"
        if path.exists():
            say(f"BVH-bestand {path.name} hergebruikt ({path.stat().st_size / 1e6:.0f} MB)")
            result.files[n] = (path, path.stat().st_size, None)
        else:
            size, seconds = write_bvh(path, n, seed=seed + n, say=say)
            result.files[n] = (path, size, seconds)
        paths[n] = path
    say(f"== Ingest: database {result.database} (vers) ==")
    fresh_database(url, platform_db=platform_db or {})
    env = bench_env(url, secret or "bench-" + secrets.token_hex(32), cache_url=cache_url, workdir=workdir)
    env.update({"INGEST_UPLOAD_DIR": str(workdir / "uploads"), "INGEST_INBOX_ROOT": str(workdir / "inbox"),
                "INGEST_MAX_UPLOAD_BYTES": str(8 * 1024 ** 3), "DASHBOARD_MUNICIPALITY": BENCH_MUNICIPALITY})
    (workdir / "uploads").mkdir(parents=True, exist_ok=True)
    try:
        _measure(result, url, env, paths, sizes, rows, say)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)  # the stored copies of the deliveries
    _table(result)
    return result


def _measure(result, url, env, paths, sizes, rows, say):
    _setup_database(url, env, say)
    big = paths[rows]
    for indexed in (False, True):
        busy = _machine_busy_seconds()
        copied = copy_file(url, big, indexed=indexed)
        after = _machine_busy_seconds()
        copied["machine_cpu"] = (after[0] - busy[0]) / copied["seconds"] * 100
        result.copy["indexed" if indexed else "bare"] = copied
        say(f"COPY {'met index' if indexed else 'kaal'}: {_n(copied['rows'])} regels in {copied['seconds']:.1f} s = "
            f"{_n(copied['rate'])} regels/s (CPU machine {copied['machine_cpu']:.0f}%)")
    if not _import_available():
        result.missing.append("import: manage.py import_file / ingest/formats/bvh.py ontbreken nog")
    else:
        for n in sizes:
            try:
                result.imports.append(import_file(url, env, paths[n], n, say=say))
            except BenchError as exc:
                result.missing.append(f"import {_n(n)} regels: {exc}")
                say(str(exc))
                break


def _table(result: IngestBench):
    w = result.lines.append
    w(f"Ingest: BVH-export (Windows-1252, ';', Nederlandse datums, RD-coördinaten in {BENCH_MUNICIPALITY}), "
      f"machinesnelheid {calibration_ms():.0f} ms")
    w(f"  {'meting':<58} {'regels':>10} {'seconden':>9} {'regels/s':>10} {'piek-RSS':>10} {'CPU machine':>12}")
    for key, label in (("bare", "COPY in een kale tabel"), ("indexed", "COPY in een tabel met sleutel + 5 indexen")):
        c = result.copy.get(key)
        if c:
            w(f"  {label:<58} {_n(c['rows']):>10} {c['seconds']:>9.1f} {_n(c['rate']):>10} {'':>10} "
              f"{c['machine_cpu']:>11.0f}%")
    for item in result.imports:
        rate = item["rate"] or 0
        w(f"  {'import_file politie-bvh (opslaan, sha256, lezen ... commit)':<58} {_n(item['read']):>10} "
          f"{item['command']:>9.1f} {_n(rate):>10} {_n(item['rss'] / 2**20):>6} MiB {item['machine_cpu']:>11.0f}%")
        w(f"  {'  waarvan verwerking tot de commit (run started->finished)':<58} {'':>10} {item['seconds']:>9.1f} "
          f"{_n(item['rate_before_commit']):>10}")
        w(f"  {'  proces met opstarten van Python/Django':<58} {'':>10} {item['wall']:>9.1f} "
          f"{_n(item['rate_wall']):>10}")
        w(f"    status {item['status']}: nieuw {_n(item['inserted'])}, bijgewerkt {_n(item['updated'])}, ongewijzigd "
          f"{_n(item['unchanged'])}, afgekeurd {_n(item['rejected'])}")
        if item["rows"] == result.rows:
            if rate < TARGET_ROWS_PER_SECOND:
                result.failures.append(f"ingest: {_n(rate)} regels/s < {_n(TARGET_ROWS_PER_SECOND)}")
            if item["rss"] >= TARGET_RSS_BYTES:
                result.failures.append(f"ingest: piek-RSS {_n(item['rss'] / 2**20)} MiB >= 1 GiB")
        if item["status"] != "succeeded" or item["rejected"]:
            result.failures.append(f"ingest: levering van {_n(item['rows'])} regels {item['status']}, "
                                   f"{item['rejected']} afgekeurd")
    if result.imports and result.copy:
        item = next((i for i in result.imports if i["rows"] == result.rows), result.imports[-1])
        if item["rate"]:
            w(f"  import / COPY met index: {item['rate'] / result.copy['indexed']['rate']:.2f}x; import / COPY kaal: "
              f"{item['rate'] / result.copy['bare']['rate']:.2f}x; doel >= {_n(TARGET_ROWS_PER_SECOND)} regels/s, "
              f"piek-RSS < 1 GiB bij {_n(result.rows)} regels")
    for item in result.missing:
        w(f"  niet gemeten: {item}")
