"""Give every department the default signal-category catalogue (idempotent). Departments outside the default
catalogue get "Overig"; edit names afterwards through signals.models.Category."""
from django.core.management.base import BaseCommand

from access.models import Department
from signals.services import category_seed_defaults


class Command(BaseCommand):
    help = "Maak de standaard signaalcategorieën aan voor alle afdelingen."

    def handle(self, *args, **options):
        total = 0
        for department in Department.objects.order_by("name"):
            created = category_seed_defaults(department=department)
            total += created
            self.stdout.write(f"{department.name}: {created} nieuw, "
                              f"{department.signal_categories.count()} in de catalogus")
        self.stdout.write(self.style.SUCCESS(f"Klaar: {total} categorieën aangemaakt."))
