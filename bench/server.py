"""The server side of the load benchmark: code trees, disposable databases, gunicorn, CPU accounting.

Everything here only touches what the benchmark itself made: databases that carry the benchmark's marker comment,
temporary directories it created, and the gunicorn process group it started (stopped by its own id).
"""
import os
import shutil
import signal
import socket
import subprocess  # nosec B404  # runs the platform's own commands (benchmarks), never user input
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_MARKER = "vp-bench: disposable benchmark database"


class BenchError(Exception):
    """A failure with a message meant for the person running the benchmark."""


# ---------------------------------------------------------------------------------------------- code trees


def archive_tree(repo: Path, ref: str) -> Path:
    """Unpack commit `ref` of the repository at `repo` into a new temporary directory (git archive: the
    repository and its work tree are not touched). The caller removes it (shutil.rmtree)."""
    target = Path(tempfile.mkdtemp(prefix="vp-bench-tree-"))
    try:
        archive = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", ref], capture_output=True)  # nosec B603 B607  # a fixed argument list of the platform's own commands, no shell, no user input; a fixed program name from PATH (benchmark harness, not the web process)
        if archive.returncode:
            raise BenchError(
                f"git archive {ref} failed ({archive.stderr.decode(errors='replace').strip()}). The baseline needs "
                "the repository history (a full clone); --no-baseline skips the comparison."
            )
        untar = subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, capture_output=True)  # nosec B603 B607  # a fixed argument list of the platform's own commands, no shell, no user input; a fixed program name from PATH (benchmark harness, not the web process)
        if untar.returncode:
            raise BenchError(f"unpacking {ref} failed: {untar.stderr.decode(errors='replace').strip()}")
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target


def run_manage(tree: Path, args, env, *, timeout=1800, capture=True):
    """Run `manage.py <args>` of the code tree `tree` with the given environment (its own code, this venv)."""
    cmd = [sys.executable, str(tree / "manage.py"), *args]
    result = subprocess.run(cmd, cwd=tree, env=env, capture_output=capture, text=True, timeout=timeout)  # nosec B603  # a fixed argument list of the platform's own commands, no shell, no user input
    return result


def check_manage(tree: Path, args, env, what: str, *, timeout=1800):
    result = run_manage(tree, args, env, timeout=timeout)
    if result.returncode:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
        raise BenchError(f"{what} failed (manage.py {' '.join(args[:2])}, exit {result.returncode}):\n{tail}")
    return result


# ---------------------------------------------------------------------------------------------- databases


def with_database_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/2"
CACHE_URL_HELP = ("Redis voor sessies, rechten-snapshots en de dashboardcijfers, gedeeld door de workers zoals in "
                  "productie (onbereikbaar: ieder proces zijn eigen geheugen, met een waarschuwing); 'locmem://' om "
                  "zonder Redis te meten.")


def reachable_cache(cache_url: str, warn=print) -> str:
    """The cache URL when its Redis answers, else locmem:// (with a warning: not how production runs, where several
    gunicorn workers must share one cache, see veiligheid.settings.cache_settings)."""
    if not cache_url.startswith(("redis://", "rediss://")):
        return cache_url
    parts = urlsplit(cache_url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=2):
            return cache_url
    except OSError:
        warn(f"Let op: geen Redis op {parts.hostname}:{parts.port or 6379}; gemeten met een cache per proces "
             "(locmem), niet zoals in productie.")
        return "locmem://"


def _admin_connection(target):
    import psycopg2

    params = {"host": target.get("HOST") or None, "port": target.get("PORT") or None,
              "user": target.get("USER") or None, "password": target.get("PASSWORD") or None}
    try:
        conn = psycopg2.connect(dbname="postgres", **{k: v for k, v in params.items() if v})
    except psycopg2.Error as exc:
        raise BenchError(f"cannot reach PostgreSQL at {target.get('HOST')}:{target.get('PORT')}: {exc}") from exc
    conn.autocommit = True
    return conn


def fresh_database(url: str, *, platform_db: dict):
    """Drop and recreate the benchmark database named in `url`. Refuses the platform's own database and any existing
    database that does not carry the benchmark's marker comment (so it never drops someone's data)."""
    import dj_database_url
    from psycopg2 import sql

    target = dj_database_url.parse(url)
    if target["ENGINE"] != "django.db.backends.postgresql":
        raise BenchError("the load benchmark runs on PostgreSQL: give a postgres:// URL")
    if platform_db.get("ENGINE") == target["ENGINE"] and platform_db.get("NAME") == target["NAME"] and \
            (platform_db.get("HOST") or "") == (target.get("HOST") or "") and \
            str(platform_db.get("PORT") or "") == str(target.get("PORT") or ""):
        raise BenchError(f"refusing {target['NAME']}: that is the platform's own database")
    conn = _admin_connection(target)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                        [target["NAME"]])
            row = cur.fetchone()
            if row is not None:
                if row[0] != BENCH_MARKER:
                    raise BenchError(
                        f"database {target['NAME']} exists and was not made by the benchmark (no marker comment): "
                        "drop it yourself or give another --database-url"
                    )
                cur.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(target["NAME"])))
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target["NAME"])))
            cur.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(target["NAME"]),
                                                                      sql.Literal(BENCH_MARKER)))
    finally:
        conn.close()


def query(url: str, statement: str, params=None):
    """Rows of one read-only statement on the benchmark database."""
    import psycopg2

    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(statement, params)
            return cur.fetchall()
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------- gunicorn


def _stop_group(proc):
    """Stop the process group this benchmark started (start_new_session): SIGTERM, then SIGKILL after 15 s."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)
    except ProcessLookupError:
        pass


class Gunicorn:
    """gunicorn (sync workers) serving the code tree `tree` on a free loopback port: the socket is bound here and
    handed over as fd://, so no other process can take the port in between. Use as a context manager: the process
    group is stopped on exit, whatever happened."""

    def __init__(self, tree: Path, env: dict, *, workers: int, log_path: Path, timeout: int = 600):
        self.tree, self.env, self.workers, self.log_path, self.timeout = tree, env, workers, log_path, timeout
        self.proc = None
        self.port = None

    def __enter__(self):
        gunicorn = Path(sys.executable).parent / "gunicorn"
        if not gunicorn.exists():
            raise BenchError(f"{gunicorn} is missing: run `make install`")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(2048)
        self.port = sock.getsockname()[1]
        fd = sock.fileno()
        cmd = [str(gunicorn), "veiligheid.wsgi", "--workers", str(self.workers), "--bind", f"fd://{fd}",
               "--chdir", str(self.tree), "--timeout", str(self.timeout), "--graceful-timeout", "5",
               "--error-logfile", "-", "--log-level", "warning"]
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in __exit__
        try:
            self.proc = subprocess.Popen(cmd, cwd=self.tree, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,  # nosec B603  # a fixed argument list of the platform's own commands, no shell, no user input
                                         pass_fds=(fd,), start_new_session=True)
        finally:
            sock.close()  # gunicorn holds its own copy of the socket
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, timeout=90):
        import http.client

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"gunicorn exited at start-up (exit {self.proc.returncode}):\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
                response = conn.getresponse()
                body = response.read()
                conn.close()
                if response.status == 200:
                    return
                if response.status >= 400 and response.status != 503:
                    raise BenchError(f"gunicorn answers /healthz with {response.status}: {body[:300]!r}\n"
                                     f"{self.log_tail()}")
            except (ConnectionError, OSError, http.client.HTTPException):
                pass
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer /healthz within {timeout} s:\n{self.log_tail()}")

    def worker_pids(self):
        return [pid for pid, ppid in _process_parents().items() if ppid == self.proc.pid]

    def pids(self):
        return [self.proc.pid, *self.worker_pids()]

    def log_tail(self, lines=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self):
        _stop_group(self.proc)

    def __exit__(self, *exc):
        try:
            self.stop()
        finally:
            self.log.close()
        return False


# ---------------------------------------------------------------------------------------------- sealer

SEALER_CODE = """
import time
from django.conf import settings
from audit.tasks import seal_chains
while True:
    seal_chains()
    time.sleep(settings.AUDIT_SEAL_INTERVAL_SECONDS)
"""


class Sealer:
    """What Celery beat does in production (audit.tasks.seal_chains every AUDIT_SEAL_INTERVAL_SECONDS), as one
    process beside the server, for code trees that have it; a no-op for older trees. Stopped on exit."""

    def __init__(self, tree: Path, env: dict, log_path: Path):
        self.tree, self.env, self.log_path = tree, env, log_path
        self.proc = None

    @staticmethod
    def available(tree: Path) -> bool:
        tasks = tree / "audit" / "tasks.py"
        return tasks.exists() and "def seal_chains" in tasks.read_text()

    def __enter__(self):
        if self.available(self.tree):
            self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in __exit__
            self.proc = subprocess.Popen([sys.executable, str(self.tree / "manage.py"), "shell", "-c", SEALER_CODE],  # nosec B603  # a fixed argument list of the platform's own commands, no shell, no user input
                                         cwd=self.tree, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        return self

    def pids(self):
        return [self.proc.pid] if self.proc is not None and self.proc.poll() is None else []

    def failed(self):
        """The sealer process died by itself (its log says why)."""
        return self.proc is not None and self.proc.poll() is not None

    def __exit__(self, *exc):
        if self.proc is None:
            return False
        try:
            _stop_group(self.proc)
        finally:
            self.log.close()
        return False


# ---------------------------------------------------------------------------------------------- CPU accounting

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid):
    try:
        with open(f"/proc/{pid}/stat") as fh:
            text = fh.read()
    except OSError:
        return None
    # comm may contain spaces and parentheses: split after the last ')'
    comm = text[text.index("(") + 1:text.rindex(")")]
    return comm, text[text.rindex(")") + 2:].split()


def _process_parents():
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(entry)
            if fields:
                parents[int(entry)] = int(fields[1][1])
    return parents


def _cpu_seconds(pid) -> float:
    fields = _stat_fields(pid)
    if not fields:
        return 0.0
    rest = fields[1]
    return (int(rest[11]) + int(rest[12])) / CLOCK_TICKS  # utime, stime


def _backend_pids(database_url: str) -> list[int]:
    """The PostgreSQL backend processes connected to the benchmark's database (the server's other databases, e.g.
    other people's test runs, are not ours to count)."""
    import dj_database_url

    name = dj_database_url.parse(database_url)["NAME"]
    try:
        return [row[0] for row in query(database_url, "SELECT pid FROM pg_stat_activity WHERE datname = %s "
                                                      "AND pid <> pg_backend_pid()", [name])]
    except Exception:  # noqa: BLE001 - accounting only: without it the share shows as 0
        return []


def _machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


class CpuMeter:
    """CPU seconds used during a phase by gunicorn (master and workers), the sealer, the PostgreSQL backends of the
    benchmark's database, this client process, and the machine as a whole."""

    def __init__(self, server: Gunicorn, database_url: str, sealer: Sealer | None = None):
        self.server, self.database_url, self.sealer = server, database_url, sealer

    def _snapshot(self, known=()):
        times = os.times()
        backends = set(_backend_pids(self.database_url)) | set(known)
        return {
            "gunicorn": {pid: _cpu_seconds(pid) for pid in self.server.pids()},
            "sealer": {pid: _cpu_seconds(pid) for pid in (self.sealer.pids() if self.sealer else [])},
            "postgres": {pid: _cpu_seconds(pid) for pid in backends},
            "client": times.user + times.system,
            "machine": _machine_busy_seconds(),
            "wall": time.perf_counter(),
        }

    def start(self):
        self.before = self._snapshot()

    def stop(self) -> dict:
        after = self._snapshot(known=self.before["postgres"])
        wall = after["wall"] - self.before["wall"]

        def delta(kind):
            # a process that ended during the phase reads 0 afterwards: it adds nothing (rather than a negative)
            return sum(max(0.0, seconds - self.before[kind].get(pid, 0.0)) for pid, seconds in after[kind].items())

        busy = after["machine"][0] - self.before["machine"][0]
        return {
            "wall": wall,
            "cores": os.cpu_count() or 1,
            "gunicorn": delta("gunicorn") / wall * 100,
            "sealer": delta("sealer") / wall * 100,
            "postgres": delta("postgres") / wall * 100,
            "client": (after["client"] - self.before["client"]) / wall * 100,
            "machine": busy / wall * 100,
        }
