"""Reads of ingest shared by the pages, the API and the command. Visibility in one place: a source is visible to the
data stewards of that source (ImportSource.objects.for_user); its runs with it. A source or run the user may not
see answers "not found", exactly like one that does not exist."""
from django.db.models import OuterRef, Subquery
from django.http import Http404

from .models import ImportRun, ImportSource, RejectedRow


def source_list_for_user(*, user):
    return ImportSource.objects.for_user(user).filter(active=True).select_related("department").order_by("name")


def source_get_for_user(*, user, code: str) -> ImportSource:
    source = ImportSource.objects.for_user(user).filter(code=code, active=True).first()
    if source is None:
        raise Http404
    return source


def run_list_for_user(*, user, source: ImportSource | None = None, limit: int = 100):
    runs = ImportRun.objects.for_user(user).select_related("source", "triggered_by")
    if source is not None:
        runs = runs.filter(source=source)
    return runs.order_by("-created_at", "-pk")[:limit]


def run_get_for_user(*, user, run_id) -> ImportRun:
    try:
        run_id = int(run_id)
    except (TypeError, ValueError):
        raise Http404 from None
    run = ImportRun.objects.for_user(user).select_related("source", "triggered_by").filter(pk=run_id).first()
    if run is None:
        raise Http404
    return run


def rejected_rows(*, run: ImportRun):
    return RejectedRow.objects.filter(run=run).order_by("line", "pk").values_list("line", "reason", "raw")


def latest_runs_by_source(*, sources):
    """{source id: its newest run} for a list page, in one query per page."""
    newest = ImportRun.objects.filter(source=OuterRef("pk")).order_by("-created_at", "-pk").values("pk")[:1]
    ids = ImportSource.objects.filter(pk__in=[s.pk for s in sources]).annotate(run_id=Subquery(newest))
    run_ids = {row["pk"]: row["run_id"] for row in ids.values("pk", "run_id") if row["run_id"]}
    runs = ImportRun.objects.in_bulk(run_ids.values())
    return {source_id: runs[run_id] for source_id, run_id in run_ids.items() if run_id in runs}
