"""Benchmark of the address search, end to end over HTTP (permission check, address lookup, rate-limit count,
hits query, audit write), on generated volumes: by default 10 million addresses and 1 million active signals.

    manage.py bench_signals --database-url postgres://postgres@127.0.0.1:5432/vp_bench
    manage.py bench_signals --database-url postgres://postgres@127.0.0.1:5432/vp_bench --addresses 20000 --signals 2000

Safety: it only runs against the database named in --database-url, creates it when missing, and refuses a database
that holds anything but earlier benchmark data (users other than "bench-*"), or the database the platform itself is
configured with. The measurement runs in a child process whose DATABASE_URL is the benchmark database.
"""
import gc
import io
import os
import random
import statistics
import subprocess  # nosec B404  # runs the platform's own commands (benchmarks), never user input
import sys
import time
import uuid
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bench import calibration_ms

BENCH_PREFIX = "bench-"
DEPARTMENTS = [
    ("burgerzaken", "Burgerzaken"),
    ("belastingen", "Belastingen"),
    ("sociale-zaken", "Sociale Zaken"),
    ("vergunningen", "Vergunningen"),
    ("toezicht-handhaving", "Toezicht en Handhaving"),
    ("oov", "Openbare Orde en Veiligheid"),
]
PER_POSTCODE = 25
LETTERS = "ABCDEFGHJKLMNPRSTVWX"  # 20 letters: 400 letter pairs per PC4


def _postcode(pc_index: int) -> str:
    pc4 = 1000 + pc_index // 400
    pair = pc_index % 400
    return f"{pc4}{LETTERS[pair // 20]}{LETTERS[pair % 20]}"


def _address_row(i: int):
    pc_index = i // PER_POSTCODE
    postcode = _postcode(pc_index)
    street_no = pc_index // 4
    number = (pc_index % 4) * PER_POSTCODE + i % PER_POSTCODE + 1
    street = f"Benchstraat {street_no}"
    return postcode, number, street


def platform_database():
    """The database the platform itself is configured with (the benchmark never writes there)."""
    return settings.DATABASES["default"]


def _percentile(values, pct):
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)



class Command(BaseCommand):
    help = "Benchmark: adres zoeken over HTTP met 10 miljoen adressen en 1 miljoen actieve signalen (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--database-url", required=True,
                            help="De benchmarkdatabase, bijv. postgres://postgres@127.0.0.1:5432/vp_bench")
        parser.add_argument("--addresses", type=int, default=10_000_000)
        parser.add_argument("--signals", type=int, default=1_000_000)
        parser.add_argument("--searches", type=int, default=500)
        parser.add_argument("--users", type=int, default=10, help="Aantal zoekende gebruikers (verdeelt de zoeklimiet).")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--inner", action="store_true", help="Intern: de meting zelf (in het kindproces).")

    # ------------------------------------------------------------------------------------------ outer process

    def handle(self, *args, **opts):
        if opts["inner"]:
            return self._inner(opts)
        import dj_database_url

        url = opts["database_url"]
        target = dj_database_url.parse(url)
        current = platform_database()
        if target["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError("De benchmark meet op PostgreSQL: geef een postgres://-URL.")
        if current["ENGINE"] == target["ENGINE"] and current.get("NAME") == target["NAME"] and \
                current.get("HOST", "") == target.get("HOST", "") and str(current.get("PORT", "")) == str(
                    target.get("PORT", "")):
            raise CommandError("Weigering: dit is de database van het platform zelf. Gebruik een aparte database.")
        self._ensure_database(target)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DEBUG": "0",
            "SECRET_KEY": "bench-" + uuid.uuid4().hex + uuid.uuid4().hex,
            "AUDIT_CHAIN_KEY": "bench-chain-" + uuid.uuid4().hex + uuid.uuid4().hex,
            "ALLOWED_HOSTS": "testserver",
            "SECURE_COOKIES": "0",
            "SIGNAL_SEARCH_LIMIT_PER_HOUR": "1000000",
            "SIGNAL_SEARCH_LIMIT_PER_DAY": "1000000",
            "CELERY_BROKER_URL": "",
            "LOG_LEVEL": "ERROR",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
        cmd = [sys.executable, str(settings.BASE_DIR / "manage.py"), "bench_signals", "--inner", "--database-url", url,
               "--addresses", str(opts["addresses"]), "--signals", str(opts["signals"]),
               "--searches", str(opts["searches"]), "--users", str(opts["users"]), "--seed", str(opts["seed"])]
        result = subprocess.run(cmd, env=env, cwd=settings.BASE_DIR)  # nosec B603  # a fixed argument list of the platform's own commands, no shell, no user input
        if result.returncode:
            raise CommandError(f"De benchmark is mislukt (exit {result.returncode}).")

    def _ensure_database(self, target):
        import psycopg2
        from psycopg2 import sql

        params = {"host": target.get("HOST") or None, "port": target.get("PORT") or None,
                  "user": target.get("USER") or None, "password": target.get("PASSWORD") or None}
        conn = psycopg2.connect(dbname="postgres", **{k: v for k, v in params.items() if v})
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target["NAME"]])
            if cur.fetchone() is None:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target["NAME"])))
                self.stdout.write(f"Database {target['NAME']} aangemaakt.")
        conn.close()

    # ------------------------------------------------------------------------------------------ child process

    def _inner(self, opts):
        from django.core.management import call_command
        from django.db import connection

        self.rng = random.Random(opts["seed"])  # nosec B311  # pseudo-random numbers for demo or benchmark data, not for security
        call_command("migrate", verbosity=0, interactive=False)
        self._refuse_real_data()
        t0 = time.perf_counter()
        self._load(opts["addresses"], opts["signals"], opts["users"])
        self.stdout.write(f"Laden/controleren: {time.perf_counter() - t0:.1f} s")
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        self._prewarm()
        self._measure(opts)

    def _prewarm(self):
        """Read the tables and indexes a search uses into the operating system's cache, as a production server has
        them after a while: otherwise the first touch of each of 10 million random addresses is a disk read, and
        the benchmark measures this machine's disk instead of the search."""
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_prewarm'")
            if cur.fetchone() is None:
                self.stdout.write("pg_prewarm ontbreekt: gemeten met een koude cache (schijf).")
                return
            cur.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            cur.execute(
                "SELECT indexname FROM pg_indexes WHERE (tablename = 'areas_address' AND (indexname LIKE '%_pkey' "
                "OR indexdef LIKE '%(postcode, number)%')) OR (tablename = 'signals_signal' "
                "AND indexdef LIKE '%(address_id, department_id)%')"
            )
            relations = ["areas_address", "signals_signal", *(row[0] for row in cur.fetchall())]
            started = time.perf_counter()
            for relation in relations:
                cur.execute("SELECT pg_prewarm(%s::regclass, 'read')", [relation])
        self.stdout.write(f"Vooraf in de cache gelezen (pg_prewarm): {', '.join(relations)} "
                          f"({time.perf_counter() - started:.0f} s)")

    def _refuse_real_data(self):
        from access.models import User

        other = User.objects.exclude(username__startswith=BENCH_PREFIX).values_list("username", flat=True)[:3]
        if other:
            raise CommandError(
                "Weigering: deze database bevat gebruikers die niet van de benchmark zijn "
                f"({', '.join(other)}…). Gebruik een verse database."
            )

    def _copy(self, table, columns, rows_iter, batch=200_000):
        from django.db import connection

        raw = connection.connection
        total = 0
        while True:
            buf = io.StringIO()
            n = 0
            for row in rows_iter:
                buf.write("\t".join("\\N" if v is None else str(v) for v in row))
                buf.write("\n")
                n += 1
                if n >= batch:
                    break
            if not n:
                break
            buf.seek(0)
            with raw.cursor() as cur:
                cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buf)
            raw.commit()
            total += n
            self.stdout.write(f"  {table}: {total:,}".replace(",", "."), ending="\r")
            self.stdout.flush()
        self.stdout.write("")
        return total

    def _load(self, n_addresses, n_signals, n_users):
        from django.db import connection
        from django.utils import timezone

        from access import roles as R
        from access.models import Department, User
        from access.services import authorisation_approve, authorisation_bootstrap, authorisation_request
        from areas.models import Address, Buurt, Municipality, Wijk
        from signals.models import Category, Signal
        from signals.services import category_seed_defaults

        today = timezone.localdate()
        until = today + timedelta(days=300)
        municipality, _ = Municipality.objects.get_or_create(code="GM9999", defaults={"name": "Benchstad"})
        buurten = []
        for w in range(10):
            wijk, _ = Wijk.objects.get_or_create(code=f"WK9999{w:02d}", defaults={"name": f"Wijk {w}",
                                                                                "municipality": municipality})
            for b in range(10):
                buurt, _ = Buurt.objects.get_or_create(code=f"BU9999{w:02d}{b:02d}",
                                                       defaults={"name": f"Buurt {w}-{b}", "wijk": wijk})
                buurten.append(buurt.pk)
        departments = []
        for code, name in DEPARTMENTS:
            dept, _ = Department.objects.get_or_create(code=code, defaults={"name": name, "phone": "036 000 0000"})
            category_seed_defaults(department=dept)
            departments.append(dept)

        def user(name, department=None):
            u = User.objects.filter(username=BENCH_PREFIX + name).first()
            if u is None:
                u = User.objects.create(username=BENCH_PREFIX + name, department=department, first_name=name.title(),
                                        email=f"{name}@bench.example", phone="06 0000 0000")
            return u

        admin_a, admin_b = user("admin-a"), user("admin-b")
        for admin in (admin_a, admin_b):
            if not admin.authorisations.filter(role=R.AUTHORISATION_ADMIN).exists():
                authorisation_bootstrap(user=admin, role=R.AUTHORISATION_ADMIN, purpose="Benchmark", valid_until=until)

        def ensure(u, role, scope=None):
            qs = u.authorisations.open().filter(role=role)
            if scope is not None:
                qs = qs.filter(scope_id=scope.pk)
            if not qs.exists():
                g = authorisation_request(requested_by=admin_a, user=u, role=role, scope=scope, purpose="Benchmark",
                                          valid_until=until)
                if g.status != "active":
                    authorisation_approve(grant=g, approved_by=admin_b)

        officers = []
        for dept in departments:
            officer = user(f"officer-{dept.code}", dept)
            ensure(officer, R.SIGNAL_OFFICER, dept)
            officers.append(officer)
        self.searchers = []
        for k in range(n_users):
            searcher = user(f"searcher-{k}", departments[k % len(departments)])
            ensure(searcher, R.SIGNAL_SEARCH)
            self.searchers.append(searcher)

        have = Address.objects.filter(bag_id__startswith="9999").count()
        if have < n_addresses:
            self.stdout.write(f"Adressen laden: {n_addresses - have:,} …".replace(",", "."))

            def address_rows():
                for i in range(have, n_addresses):
                    postcode, number, street = _address_row(i)
                    yield (f"9999{i:012d}", street, number, "", "", postcode, "Benchstad",
                           buurten[(i // 1000) % len(buurten)], None, None, f"{postcode} {number}",
                           f"benchstraat {street.split()[-1]} {number}")

            self._copy(Address._meta.db_table,
                       ["bag_id", "street", "number", "letter", "addition", "postcode", "city", "buurt_id", "lon",
                        "lat", "search_key", "street_key"], address_rows())
        first_id, last_id = Address.objects.filter(bag_id__startswith="9999").order_by("id").values_list(
            "id", flat=True)[:1][0], Address.objects.filter(bag_id__startswith="9999").order_by("-id").values_list(
            "id", flat=True)[:1][0]
        self.address_range = (first_id, last_id)

        have_signals = Signal.objects.filter(status="active").count()
        if have_signals < n_signals:
            self.stdout.write(f"Signalen laden: {n_signals - have_signals:,} …".replace(",", "."))
            cats = {d.pk: list(Category.objects.filter(department=d).values_list("pk", flat=True)) for d in departments}
            officer_of = {o.department_id: o.pk for o in officers}
            rng = self.rng
            now = timezone.now().isoformat()

            def signal_rows():
                for _k in range(n_signals - have_signals):
                    dept = departments[rng.randrange(len(departments))].pk
                    yield (uuid.uuid4(), dept, rng.randint(first_id, last_id), rng.choice(cats[dept]),
                           "Benchmark-toelichting", officer_of[dept], "", rng.random() < 0.1, False,
                           today - timedelta(days=rng.randrange(300)), until, "active", now, now, "")

            self._copy(Signal._meta.db_table,
                       ["public_id", "department_id", "address_id", "category_id", "details", "contact_officer_id",
                        "case_reference", "contact_before_acting", "notify_on_search", "valid_from", "valid_until",
                        "status", "created_at", "updated_at", "close_reason"], signal_rows())
        with connection.cursor() as cur:
            cur.execute("SELECT address_id FROM signals_signal WHERE status = 'active' ORDER BY random() LIMIT 1000")
            self.hit_addresses = [row[0] for row in cur.fetchall()]
        self.stdout.write(
            f"Database: {Address.objects.count():,} adressen, {Signal.objects.filter(status='active').count():,} "
            f"actieve signalen.".replace(",", ".")
        )

    def _measure(self, opts):
        from django.db import connection
        from django.test import Client

        from areas.models import Address
        rng = self.rng
        # The anti-fishing tallies are counters (pruned after two days); a real user has at most the daily limit
        # of them. Earlier benchmark runs on the same day would leave thousands per bench user, so start clean.
        from signals.models import SearchTally

        SearchTally.objects.filter(user__in=self.searchers).delete()
        # What autovacuum does in production (the server may run with it off): no dead rows left for the counts.
        # (Only the tables this schema has: the audit chain-head table went away with the sealed segments.)
        with connection.cursor() as cur:
            for table in ("signals_searchtally", "audit_chainhead"):
                cur.execute("SELECT to_regclass(%s)", [table])
                if cur.fetchone()[0] is not None:
                    cur.execute(f"VACUUM (ANALYZE) {table}")
        clients = []
        for searcher in self.searchers:
            client = Client()
            client.force_login(searcher, backend="access.backends.PlatformModelBackend")
            clients.append(client)
        lo, hi = self.address_range
        ids = [rng.choice(self.hit_addresses) if i % 2 == 0 else rng.randint(lo, hi) for i in range(opts["searches"])]
        addresses = Address.objects.in_bulk(ids)
        queries = [
            f"{a.postcode[:4]} {a.postcode[4:]} {a.number}" for a in (addresses.get(i) for i in ids) if a is not None
        ]

        # As veiligheid/wsgi.py does in a server process: start-up objects out of the garbage collector's view.
        gc.collect()
        gc.freeze()

        def run(kind, make_request, n):
            timings, statuses = [], {}
            for k in range(min(20, n)):  # warm-up
                make_request(clients[k % len(clients)], k)
            for k in range(n):
                client = clients[k % len(clients)]
                start = time.perf_counter()
                response = make_request(client, k)
                timings.append((time.perf_counter() - start) * 1000)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            return kind, timings, statuses

        def page_search(client, k):
            # Sent the way a browser sends the form (application/x-www-form-urlencoded, not the test client's
            # multipart default).
            body = urlencode({"q": queries[k % len(queries)], "purpose": f"Bench {k}"})
            return client.post("/signalen/zoeken/", body, content_type="application/x-www-form-urlencoded")

        results = [run("Pagina POST /signalen/zoeken/ (adres + hits + audit)", page_search, len(queries))]
        api_path = "/api/v1/addresses/{id}/hits"

        def api_hits(client, k):
            return client.get(api_path.format(id=ids[k % len(ids)]), {"purpose": f"Bench {k}"},
                              HTTP_ACCEPT="application/json")

        probe = clients[0].get(api_path.format(id=ids[0]), {"purpose": "probe"})
        if probe.status_code == 200:
            results.append(run("API GET /api/v1/addresses/{id}/hits", api_hits, len(ids)))

        self.stdout.write("")
        self.stdout.write(f"Adres zoeken, end-to-end via HTTP (Django test client, {len(clients)} gebruikers)")
        self.stdout.write(f"Machinesnelheid: {calibration_ms():.0f} ms voor een vaste pure-Python-lus (lager is sneller; "
                          "om uitkomsten van verschillende machines of momenten te vergelijken)")
        self.stdout.write(f"{'kanaal':<58} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}  status")
        for kind, timings, statuses in results:
            self.stdout.write(
                f"{kind:<58} {len(timings):>5} {statistics.median(timings):>8.2f} {_percentile(timings, 95):>8.2f} "
                f"{_percentile(timings, 99):>8.2f} {max(timings):>8.2f}  {statuses}"
            )

        # Queries of one search (request_started resets Django's query log, so count with an execute wrapper).
        captured = []

        def wrapper(execute, sql, params, many, context):
            start = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                captured.append(((time.perf_counter() - start) * 1000, sql))

        with connection.execute_wrapper(wrapper):
            started = time.perf_counter()
            page_search(clients[0], 0)
            total = (time.perf_counter() - started) * 1000
        db_ms = sum(ms for ms, _sql in captured)
        self.stdout.write(f"\nQueries in één zoekvraag (pagina): {len(captured)}, samen {db_ms:.2f} ms "
                          f"van {total:.2f} ms")
        with connection.cursor() as cur:  # statements PREPAREd on this connection, if any
            cur.execute("SELECT name, statement FROM pg_prepared_statements")
            prepared = {name: statement.split(" AS ", 1)[-1] for name, statement in cur.fetchall()}
        for ms, sql in captured:
            name = sql.split("(")[0].removeprefix("EXECUTE ").strip() if sql.startswith("EXECUTE ") else None
            text = f"[prepared] {prepared[name]}" if name in prepared else sql
            self.stdout.write(f"  {ms:6.2f} ms  {' '.join(text.split())[:110]}")
        try:
            self._explain()
        except Exception as exc:  # noqa: BLE001 - diagnostics only: the figures above are the result
            self.stdout.write(f"\n(EXPLAIN overgeslagen: {type(exc).__name__}: {exc})")

    def _explain(self):
        """EXPLAIN ANALYZE of the hits query and the anti-fishing count (diagnostics; they follow the selectors)."""
        from signals.models import Signal
        from signals.selectors import HIT_FIELDS

        self.stdout.write("\nEXPLAIN ANALYZE van de hits-query:")
        sample = self.hit_addresses[0]
        qs = Signal.objects.active().filter(address_id=sample).order_by("department__name", "valid_from", "id")
        self.stdout.write(qs.values(*HIT_FIELDS).explain(analyze=True, buffers=True))
        from signals.models import SearchTally

        self.stdout.write("\nEXPLAIN ANALYZE van de zoeklimiet-telling:")
        from datetime import timedelta as td

        from django.db.models import Count, Q
        from django.utils import timezone

        now = timezone.now()
        aggregate = SearchTally.objects.filter(user=self.searchers[0], occurred_at__gte=now - td(days=1)).values(
            "user_id").annotate(day=Count("pk"), hour=Count("pk", filter=Q(occurred_at__gte=now - td(hours=1))))
        self.stdout.write(aggregate.explain(analyze=True, buffers=True))
