"""manage.py verify_audit: seal what is ready, then prove the audit log is intact (exit 0) or name the first bad
record (exit 1). An unsealed tail (events of transactions still running) is reported, never silently accepted."""
from django.core.management.base import BaseCommand, CommandError

from audit.chain import CHAINS, problems_of, verify_all


class Command(BaseCommand):
    help = ("Verzegel wat klaar is en controleer de hashketens van de audittrail (toegangsgebeurtenissen en "
            "wijzigingen) tegen de database en het externe digestbestand.")

    def add_arguments(self, parser):
        parser.add_argument("--chain", choices=[*CHAINS, "all"], default="all")
        parser.add_argument("--no-seal", action="store_true", help="Niet eerst verzegelen (alleen controleren).")
        parser.add_argument("--strict", action="store_true",
                            help="Een nog niet verzegelde staart is ook een fout (exit 1).")

    def handle(self, *args, chain="all", no_seal=False, strict=False, **options):
        reports = [r for r in verify_all(seal=not no_seal) if chain == "all" or r.chain == chain]
        problems = problems_of(reports)
        for report in reports:
            external = f", extern digest tot segment {report.external_seq}" if report.external_seq else ""
            self.stdout.write(
                f"[{report.chain}] {report.segments} segment(en) gecontroleerd (tot segment {report.last_seq}), "
                f"{report.sealed_rows} verzegelde record(s){external}"
            )
            if report.unsealed:
                self.stdout.write(self.style.WARNING(
                    f"[{report.chain}] LET OP: {report.unsealed} recente record(s) nog niet verzegeld "
                    f"(transacties die nog lopen); ze zijn nog niet tegen wijzigen beschermd"
                ))
        if strict and not problems and any(report.unsealed for report in reports):
            raise CommandError("Audittrail heeft een niet-verzegelde staart (--strict).", returncode=1)
        if problems:
            for problem in problems:
                self.stderr.write(f"FOUT {problem}")
            raise CommandError(f"Audittrail NIET intact: eerste fout: {problems[0]}", returncode=1)
        self.stdout.write(self.style.SUCCESS("Audittrail intact."))
