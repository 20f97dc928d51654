"""Pages of ingest (Dutch, under /gegevens/): the sources a data steward looks after, the upload per source, the
run with its live progress and report, the rejected lines as CSV. Thin: forms in, services/selectors out. A source or
run of which the user is not data steward answers 404, like one that does not exist (recorded as a denial)."""
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from access.denials import NotFoundOrDenied
from core.exports import csv_response
from core.rules import require_perm

from . import selectors, services
from .forms import UploadForm
from .models import MANAGE_PERM, ImportRun

SCOPE = "ingest.ImportSource"


def _source_or_404(request, code):
    try:
        return selectors.source_get_for_user(user=request.user, code=code)
    except Http404:
        raise NotFoundOrDenied(object_type=SCOPE, object_id=code) from None


def _run_or_404(request, run_id):
    try:
        return selectors.run_get_for_user(user=request.user, run_id=run_id)
    except Http404:
        raise NotFoundOrDenied(object_type="ingest.ImportRun", object_id=run_id) from None


@require_perm(MANAGE_PERM, scope=SCOPE)
@require_GET
def source_list(request):
    sources = list(selectors.source_list_for_user(user=request.user))
    latest = selectors.latest_runs_by_source(sources=sources)
    rows = [(source, latest.get(source.pk)) for source in sources]
    runs = selectors.run_list_for_user(user=request.user, limit=25)
    return render(request, "ingest/source_list.html", {"rows": rows, "runs": runs})


@require_perm(MANAGE_PERM, scope=SCOPE)
@require_http_methods(["GET", "POST"])
def source_detail(request, code):
    source = _source_or_404(request, code)
    form = UploadForm(request.POST or None, request.FILES or None, source=source)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run = services.run_start(source=source, file=upload, file_name=upload.name, actor=request.user,
                                     trigger=ImportRun.Trigger.UPLOAD)
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return redirect("ingest:run", run_id=run.pk)
    runs = selectors.run_list_for_user(user=request.user, source=source, limit=50)
    return render(request, "ingest/source_detail.html", {"source": source, "form": form, "runs": runs})


@require_perm(MANAGE_PERM, scope=SCOPE)
@require_GET
def run_detail(request, run_id):
    run = _run_or_404(request, run_id)
    return render(request, "ingest/run_detail.html", {
        "run": run, "progress": services.run_progress(run=run), "report": run.report or {},
        "rejected_rows": list(selectors.rejected_rows(run=run)[:200]),
    })


@require_perm(MANAGE_PERM, scope=SCOPE)
@require_GET
def run_rejected_csv(request, run_id):
    run = _run_or_404(request, run_id)
    services.run_rejected_export(run=run, actor=request.user)
    return csv_response(
        filename=f"levering-{run.pk}-afgekeurde-regels.csv",
        header=[_("Regel"), _("Reden"), _("Inhoud (begin)")],
        rows=(row for row in selectors.rejected_rows(run=run).iterator()),
    )
