"""Every model that holds business data is registered with auditlog, including models later issues add."""
from pathlib import Path

from auditlog.registry import auditlog
from django.apps import apps
from django.conf import settings

# Not business data, with the reason:
EXEMPT = {
    # guardian's permission rows are derived from Authorisation (recomputed by the sync), which is audited
    "access.DepartmentUserObjectPermission",
    "dashboards.DashboardUserObjectPermission",
    "ingest.ImportSourceUserObjectPermission", "ingest.ImportRun", "ingest.RejectedRow",  # run: one import_run_record
    # the anti-fishing counter: one row per search request, pruned after two days; each search itself is an
    # AccessEvent
    "signals.SearchTally",
    # the audit trail itself is append-only and hash-chained
    "audit.AccessEvent", "audit.ChainSegment", "audit.ChainCheckpoint",
    # facts loaded in bulk by ingest: each import run is one audit record (file hash and counts), not one per row;
    # the rollups and alerts are derived from them
    "dashboards.Incident", "dashboards.AggregateCount", "dashboards.Rollup", "dashboards.MonthRollup",
    "dashboards.WeekRollup",
    "dashboards.Alert",
}
# Public reference data (CBS geography, BAG addresses), replaced in bulk by imports that are themselves recorded.
EXEMPT_APPS = {"areas"}


def project_models():
    base = Path(settings.BASE_DIR).resolve()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if base in path.parents and "site-packages" not in path.parts and config.label not in EXEMPT_APPS:
            for model in config.get_models():
                if not model._meta.proxy and not model._meta.abstract:
                    yield model


def test_business_models_are_registered_with_auditlog():
    missing = [m._meta.label for m in project_models() if m._meta.label not in EXEMPT and not auditlog.contains(m)]
    assert missing == [], f"register these with auditlog (or exempt them here with a reason): {missing}"


def test_credentials_are_not_copied_into_history():
    from access.models import User

    excluded = auditlog.get_model_fields(User)["exclude_fields"]
    assert "password" in excluded
