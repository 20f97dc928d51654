"""Load the demo municipality: real Almere geography, generated addresses, departments, demo users and grants.

Idempotent: running it again changes nothing that is already there. Each app contributes a `demo.seed(stdout)`.
"""
import importlib

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

DEMO_APPS = ["areas", "dashboards", "access", "signals", "ingest"]


class Command(BaseCommand):
    help = "Laad de demogemeente (Almere): buurten, adressen, afdelingen, demogebruikers en autorisaties."

    def handle(self, *args, **options):
        # Demo signals trigger co-occurrence notices; they stay in the platform, no e-mail goes out while seeding.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            self._seed()
        from django.db import connection

        from audit.chain import seal_all

        if not connection.in_atomic_block:  # (a test runs this inside its own transaction)
            seal_all(wait=True)  # the demo's audit trail starts sealed (in production Celery beat seals)
        self.stdout.write(self.style.SUCCESS("Demogemeente klaar."))

    def _seed(self):
        for label in DEMO_APPS:
            if not apps.is_installed(label):
                continue
            try:
                module = importlib.import_module(f"{label}.demo")
            except ModuleNotFoundError:
                continue
            with transaction.atomic():
                module.seed(self.stdout)
