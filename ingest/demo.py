"""Demo import sources, one per format, and the data-steward grant on all of them for the demo user
`gegevensbeheerder` (made through the access services: requested by one administrator, approved by another)."""
from datetime import timedelta

from django.utils import timezone

from .models import ImportSource

# code, name, format, facts source, schedule, owner department
SOURCES = [
    ("politie-bvh", "Politie: incidenten (BVH-export)", "politie-bvh", "politie-bvh", "weekly", "oov"),
    ("cbs-misdrijven", "CBS/Politie: geregistreerde misdrijven (open data)", "cbs-statline", "cbs-misdrijven",
     "yearly", "oov"),
    ("meldingen", "Gemeente: meldingen openbare ruimte", "meldingen", "meldingen", "daily", "toezicht-handhaving"),
    ("hennep", "Hennepruimingen", "hennep", "hennep", "manual", "oov"),
    ("cbs-gebieden", "CBS: buurten en wijken (grenzen)", "cbs-gebieden", "", "yearly", "oov"),
    ("cbs-kerncijfers", "CBS: kerncijfers wijken en buurten", "cbs-kerncijfers", "", "yearly", "oov"),
    ("bag-adressen", "BAG: adressen", "bag-adressen", "", "yearly", "burgerzaken"),
]
STEWARD = "gegevensbeheerder"


def seed(stdout):
    from access import roles as R
    from access.models import Authorisation, Department, User
    from access.services import authorisation_approve, authorisation_request

    departments = {d.code: d for d in Department.objects.all()}
    sources = []
    for code, name, fmt, facts, schedule, department in SOURCES:
        source, _created = ImportSource.objects.get_or_create(code=code, defaults={
            "name": name, "format": fmt, "facts_source": facts, "schedule": schedule, "inbox": code,
            "department": departments.get(department),
        })
        sources.append(source)
    steward = User.objects.filter(username=STEWARD).first()
    requester = User.objects.filter(username="beheerder").first()
    approver = User.objects.filter(username="beheerder2").first()
    granted = 0
    if steward is not None and requester is not None and approver is not None:
        until = timezone.localdate() + timedelta(days=300)
        for source in sources:
            if Authorisation.objects.filter(user=steward, role=R.DATA_STEWARD, scope_id=source.pk).open().exists():
                continue
            grant = authorisation_request(
                requested_by=requester, user=steward, role=R.DATA_STEWARD, scope=source,
                purpose=f"Demo: aanleveringen van {source.name} inlezen", valid_until=until,
            )
            if grant.status == Authorisation.Status.REQUESTED:
                authorisation_approve(grant=grant, approved_by=approver, note="Demo")
            granted += 1
    stdout.write(f"Gegevensleveringen: {len(sources)} bronnen, {granted} nieuwe autorisaties voor {STEWARD}.")
