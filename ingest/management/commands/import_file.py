"""Load a file for an import source from the command line, the same way an upload goes (stored, hashed, queued as
ingest.tasks.import_run_process, processed by a worker or in-process on the embedded default); waits for the run,
prints the counts and exits non-zero when the run was rejected (1) or failed (2), or did not finish in time (3).

    manage.py import_file politie-bvh /pad/naar/bvh-week-48.csv [--user gegevensbeheerder] [--timeout 3600]
"""
import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ingest import services
from ingest.models import ImportRun, ImportSource
from ingest.tasks import import_run_process


class Command(BaseCommand):
    help = _("Lees een bestand in voor een gegevensbron, wacht op het resultaat en toon de aantallen.")

    def add_arguments(self, parser):
        parser.add_argument("source", help=_("code van de gegevensbron, bijv. politie-bvh"))
        parser.add_argument("file", help=_("pad naar het bestand"))
        parser.add_argument("--user", default="", help=_("gebruikersnaam die als aanleverende persoon wordt "
                                                        "vastgelegd (anders: het systeem)"))
        parser.add_argument("--timeout", type=int, default=24 * 3600, help=_("maximaal zoveel seconden wachten"))

    def handle(self, *args, **options):
        source = ImportSource.objects.filter(code=options["source"]).first()
        if source is None:
            codes = ", ".join(ImportSource.objects.order_by("code").values_list("code", flat=True))
            raise CommandError(_("Onbekende gegevensbron %(code)s (bekend: %(codes)s).")
                               % {"code": options["source"], "codes": codes or "–"})
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("Bestand niet gevonden: %(path)s") % {"path": path})
        actor = None
        if options["user"]:
            from django.contrib.auth import get_user_model

            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(_("Onbekende gebruiker %(user)s.") % {"user": options["user"]})
        try:
            run = services.run_start(source=source, file=path, file_name=path.name, actor=actor,
                                     trigger=ImportRun.Trigger.COMMAND)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(_("Levering %(id)s aangemaakt (%(name)s, sha256 %(sha)s); wachten op het resultaat...")
                          % {"id": run.pk, "name": run.file_name, "sha": run.sha256[:16]})
        run = self._wait(run, options["timeout"])
        self.stdout.write(_("Regels gelezen: %(read)s; nieuw: %(inserted)s; bijgewerkt: %(updated)s; ongewijzigd: "
                            "%(unchanged)s; afgekeurd: %(rejected)s") % {
            "read": run.rows_read, "inserted": run.inserted, "updated": run.updated, "unchanged": run.unchanged,
            "rejected": run.rejected})
        for note in (run.report or {}).get("notes", []):
            self.stdout.write(f"  {note['text']}: {note['count']}")
        for row in (run.report or {}).get("rejectedRows", [])[:20]:
            self.stdout.write(_("  regel %(line)s: %(reason)s") % {"line": row["line"], "reason": row["reason"]})
        if run.status == ImportRun.Status.SUCCEEDED:
            self.stdout.write(self.style.SUCCESS(run.message))
            return
        code = 1 if run.status == ImportRun.Status.REJECTED else 2
        raise CommandError(f"{run.get_status_display()}: {run.message}", returncode=code)

    def _wait(self, run, timeout):
        deadline = time.monotonic() + timeout
        while True:
            run.refresh_from_db()
            if run.finished:
                return run
            if import_run_process.app.conf.task_always_eager:
                # in-process (the embedded default, or a caller that set Celery eager, as the test suite does): the
                # task ran on commit, or not at all inside an outer transaction; if the source was busy it is still
                # queued: process it here
                try:
                    run = services.run_process(run_id=run.pk)
                    continue
                except services.SourceBusy:
                    pass
            if time.monotonic() > deadline:
                raise CommandError(_("Levering %(id)s is na %(s)s seconden nog niet klaar (status: %(status)s).")
                                   % {"id": run.pk, "s": timeout, "status": run.get_status_display()}, returncode=3)
            time.sleep(1)
