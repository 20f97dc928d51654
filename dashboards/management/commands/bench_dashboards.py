"""Benchmark of the dashboard figures (issue 10, Speed) on PostgreSQL; part of `make bench` (bench_load runs it).

    manage.py bench_dashboards --database-url postgres://postgres@127.0.0.1:5432/vp_bench_dash
    manage.py bench_dashboards --database-url postgres://postgres@127.0.0.1:5432/vp_bench_dash_200000 \
        --incidents 200000 --duration 5                                                              (quick)

The database is kept between runs and made again only when it is missing or stale (see bench/dashboards.py); it
is only ever dropped when it carries the benchmark's marker comment. --inner is the child process that generates
and measures in-process (its DATABASE_URL is the bench database).
"""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bench import dashboards
from bench.server import CACHE_URL_HELP, DEFAULT_CACHE_URL, BenchError, reachable_cache


class Command(BaseCommand):
    help = "Benchmark: dashboardcijfers van één gemeente op 10 miljoen incidenten (kaart, trend, dagdelen)."

    def add_arguments(self, parser):
        parser.add_argument("--database-url", required=True)
        parser.add_argument("--incidents", type=int, default=dashboards.DEFAULT_INCIDENTS)
        parser.add_argument("--clients", type=int, default=32)
        parser.add_argument("--workers", type=int, default=4)
        parser.add_argument("--duration", type=float, default=15.0, help="Seconden per meting over HTTP.")
        parser.add_argument("--samples", type=int, default=200, help="Metingen per figuur in-process.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--cache-url", default=DEFAULT_CACHE_URL, help=CACHE_URL_HELP)
        parser.add_argument("--regenerate", action="store_true", help="Maak de database opnieuw.")
        parser.add_argument("--strict", action="store_true", help="Exit 1 als een doel niet gehaald is.")
        parser.add_argument("--inner", action="store_true", help="Intern: het kindproces.")

    def handle(self, *args, **o):
        try:
            if o["inner"]:
                dashboards.inner(incidents=o["incidents"], seed=o["seed"], samples=o["samples"], say=self._say)
                return
            result = dashboards.run(o["database_url"], incidents=o["incidents"], clients=o["clients"],
                                    workers=o["workers"], duration=o["duration"], samples=o["samples"],
                                    seed=o["seed"], cache_url=reachable_cache(o["cache_url"], warn=self.stderr.write), regenerate=o["regenerate"],
                                    platform_db=settings.DATABASES["default"], say=self._say)
        except BenchError as exc:
            raise CommandError(str(exc)) from exc
        self._say("")
        for line in result.lines:
            self._say(line)
        self._say(("Doelen niet gehaald: " + "; ".join(result.failures)) if result.failures
                  else "Alle gemeten doelen gehaald.")
        if o["strict"] and result.failures:
            raise CommandError("Niet gehaald: " + "; ".join(result.failures))

    def _say(self, text):
        self.stdout.write(text)
        self.stdout.flush()
