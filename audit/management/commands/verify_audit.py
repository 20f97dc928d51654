"""manage.py verify_audit: prove the audit log is intact (exit 0) or name the first bad record (exit 1)."""
from django.core.management.base import BaseCommand, CommandError

from audit.chain import verify_access_chain, verify_change_chain


class Command(BaseCommand):
    help = "Controleer de hashketens van de audittrail (toegangsgebeurtenissen en wijzigingen)."

    def add_arguments(self, parser):
        parser.add_argument("--chain", choices=["access", "change", "all"], default="all")

    def handle(self, *args, chain="all", **options):
        problems = []
        if chain in ("access", "all"):
            problems += verify_access_chain()
        if chain in ("change", "all"):
            problems += verify_change_chain()
        if problems:
            for problem in problems:
                self.stderr.write(f"FOUT {problem}")
            raise CommandError(f"Audittrail NIET intact: eerste fout: {problems[0]}", returncode=1)
        self.stdout.write(self.style.SUCCESS("Audittrail intact."))
