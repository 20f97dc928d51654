"""Benchmark of the ingest of police incidents (issue 11, Speed) on PostgreSQL; part of `make bench` (bench_load
runs it).

    manage.py bench_ingest --database-url postgres://postgres@127.0.0.1:5432/vp_bench_ingest
    manage.py bench_ingest --database-url postgres://postgres@127.0.0.1:5432/vp_bench_ingest --rows 50000 \
        --small-rows 0                                                                                  (quick)

The database is made fresh on every run and only ever dropped when it carries the benchmark's marker comment; the
generated files are kept in --files-dir for the next run (see bench/ingest.py).
"""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bench import ingest
from bench.server import BenchError


class Command(BaseCommand):
    help = "Benchmark: een BVH-export inlezen (regels/s, piekgeheugen) naast COPY van hetzelfde bestand."

    def add_arguments(self, parser):
        parser.add_argument("--database-url", required=True)
        parser.add_argument("--rows", type=int, default=ingest.DEFAULT_ROWS)
        parser.add_argument("--small-rows", type=int, default=ingest.SMALL_ROWS,
                            help="Eerst een kleiner bestand (0: niet), om te zien dat het geheugen vlak blijft.")
        parser.add_argument("--files-dir", default="", help="Map voor de gegenereerde bestanden (hergebruikt).")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--cache-url", default="locmem://")
        parser.add_argument("--strict", action="store_true", help="Exit 1 als een doel niet gehaald is.")

    def handle(self, *args, **o):
        try:
            result = ingest.run(o["database_url"], rows=o["rows"], small_rows=o["small_rows"], seed=o["seed"],
                                files_dir=Path(o["files_dir"]) if o["files_dir"] else None,
                                platform_db=settings.DATABASES["default"], cache_url=o["cache_url"], say=self._say)
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
