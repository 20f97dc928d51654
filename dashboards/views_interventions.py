"""Pages of interventions (maatregelen), their effect, and targets (doelstellingen). Reading needs the dashboard
viewer grant (on some dashboard); the forms need the role 'Maatregelen bewerken'. Thin: reads through the selectors,
writes through dashboards.services.interventions."""
import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from access.denials import NotFoundOrDenied
from core.rules import require_perm

from .forms_interventions import InterventionForm, TargetForm
from .models import Intervention
from .selectors import effect as effect_selectors
from .selectors import targets as target_selectors
from .services import interventions as services

VIEW_PERM = "dashboards.view_dashboard"
VIEW_SCOPE = "dashboards.Dashboard"
EDIT_PERM = services.EDIT_PERM


def _intervention_or_404(pk):
    intervention = Intervention.objects.select_related("municipality", "created_by").filter(pk=pk).first()
    if intervention is None:
        raise NotFoundOrDenied(object_type="dashboards.Intervention", object_id=pk)
    return intervention


def _apply_errors(form, exc):
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            for error in errors:
                for message in error.messages:
                    form.add_error(name if name in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


# -- charts (server-side SVG; the page always shows the same figures in a table beside them) -----------------------

CHART_WIDTH, CHART_HEIGHT, CHART_TOP, CHART_BOTTOM, CHART_LEFT = 640, 260, 24, 56, 16


def effect_chart(groups):
    """Bars before/after per group: a list of drawable rectangles and labels (coordinates in a 640×260 box)."""
    items = [g for g in groups if g.buurten]
    top = max([max(g.before, g.after) for g in items] + [1])
    plot_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    slot = (CHART_WIDTH - CHART_LEFT * 2) / max(len(items), 1)
    bar = min(48, slot / 3)
    bars, labels = [], []
    for index, group in enumerate(items):
        left = CHART_LEFT + index * slot + (slot - 2 * bar - 6) / 2
        for offset, (kind, value) in enumerate((("before", group.before), ("after", group.after))):
            height = plot_height * value / top
            x = left + offset * (bar + 6)
            y = CHART_TOP + plot_height - height
            bars.append({"x": round(x, 1), "y": round(y, 1), "width": round(bar, 1), "height": round(height, 1),
                         "kind": kind, "value": value, "label_x": round(x + bar / 2, 1), "label_y": round(y - 6, 1)})
        labels.append({"x": round(CHART_LEFT + index * slot + slot / 2, 1), "y": CHART_HEIGHT - CHART_BOTTOM + 20,
                       "text": group.label})
    return {"width": CHART_WIDTH, "height": CHART_HEIGHT, "bars": bars, "labels": labels,
            "baseline": CHART_TOP + plot_height}


def target_chart(progress):
    """Bars per year (the current year as a projection) and the target as a horizontal line."""
    years = progress.years
    top = max([count for _year, count, _p in years] + [progress.target_count, progress.baseline_count, 1]) * 1.1
    width, height, top_pad, bottom_pad = 480, 200, 16, 36
    plot_height = height - top_pad - bottom_pad
    slot = (width - 32) / max(len(years), 1)
    bar = min(40, slot * 0.6)
    bars = []
    for index, (year, count, projected) in enumerate(years):
        h = plot_height * count / top
        x = 16 + index * slot + (slot - bar) / 2
        bars.append({"x": round(x, 1), "y": round(top_pad + plot_height - h, 1), "width": round(bar, 1),
                     "height": round(h, 1), "year": year, "count": round(count), "projected": projected,
                     "label_x": round(x + bar / 2, 1)})
    target_y = round(top_pad + plot_height - plot_height * progress.target_count / top, 1)
    return {"width": width, "height": height, "bars": bars, "target_y": target_y, "baseline": top_pad + plot_height,
            "year_y": height - bottom_pad + 18}


# -- interventions -------------------------------------------------------------------------------------------------


@require_perm(VIEW_PERM, scope=VIEW_SCOPE)
def intervention_list(request):
    interventions = (Intervention.objects.select_related("municipality").prefetch_related("buurten")
                     .order_by("-start", "name"))
    return render(request, "dashboards/interventions/list.html", {
        "interventions": interventions, "can_edit": services.may_edit_interventions(request.user)})


@require_perm(VIEW_PERM, scope=VIEW_SCOPE)
def intervention_detail(request, pk):
    intervention = _intervention_or_404(pk)
    error, effect = None, None
    try:
        source = effect_selectors.effect_source(request.GET.get("source"))
        effect = effect_selectors.intervention_effect(intervention=intervention, source=source)
    except effect_selectors.EffectError as exc:
        error = str(exc)
    groups = list(effect.groups.values()) if effect else []
    return render(request, "dashboards/interventions/detail.html", {
        "intervention": intervention, "effect": effect, "error": error, "groups": groups,
        "chart": effect_chart(groups) if effect and effect.periods else None,
        "sources": effect_selectors.effect_sources(), "can_edit": services.may_edit_interventions(request.user),
    }, status=400 if error else 200)


def _save_intervention(request, form, intervention=None):
    data = form.cleaned_data
    kwargs = {key: data[key] for key in ("name", "kind", "buurten", "start", "end", "description", "categories",
                                         "themes")}
    try:
        if intervention is None:
            return services.intervention_create(user=request.user, municipality=form.municipality, **kwargs)
        return services.intervention_update(user=request.user, intervention=intervention, **kwargs)
    except ValidationError as exc:
        _apply_errors(form, exc)
    return None


@require_perm(EDIT_PERM)
def intervention_create(request):
    municipality = services.default_municipality()
    if municipality is None:
        raise PermissionDenied(_("Er is geen gemeente ingesteld."))
    form = InterventionForm(request.POST or None, municipality=municipality)
    form.municipality = municipality
    if request.method == "POST" and form.is_valid():
        saved = _save_intervention(request, form)
        if saved is not None:
            messages.success(request, _("De maatregel is vastgelegd."))
            return redirect("dashboards:intervention_detail", pk=saved.pk)
    return render(request, "dashboards/interventions/form.html", {"form": form, "title": _("Nieuwe maatregel")})


@require_perm(EDIT_PERM)
def intervention_edit(request, pk):
    intervention = _intervention_or_404(pk)
    initial = {
        "name": intervention.name, "kind": intervention.kind, "description": intervention.description,
        "start": intervention.start, "end": intervention.end, "buurten": list(intervention.buurten.all()),
        "categories": list(intervention.categories.all()), "themes": list(intervention.themes.all()),
    }
    form = InterventionForm(request.POST or None, municipality=intervention.municipality, initial=initial)
    form.municipality = intervention.municipality
    if request.method == "POST" and form.is_valid():
        saved = _save_intervention(request, form, intervention)
        if saved is not None:
            messages.success(request, _("De maatregel is gewijzigd."))
            return redirect("dashboards:intervention_detail", pk=saved.pk)
    return render(request, "dashboards/interventions/form.html", {
        "form": form, "intervention": intervention, "title": _("Maatregel wijzigen")})


# -- targets -------------------------------------------------------------------------------------------------------


def _target_initial():
    year = datetime.date.today().year
    source = effect_selectors.effect_sources().filter(code=effect_selectors.DEFAULT_SOURCE).first()
    return {"baseline_year": year - 1, "target_year": year + 1, "source": source, "change_percent": -10}


@require_perm(VIEW_PERM, scope=VIEW_SCOPE)
def target_list(request):
    rows = []
    for target in target_selectors.target_list():
        progress = target_selectors.target_progress(target=target)
        rows.append({"progress": progress, "chart": target_chart(progress)})
    can_edit = services.may_edit_interventions(request.user)
    return render(request, "dashboards/interventions/targets.html", {
        "rows": rows, "can_edit": can_edit, "form": TargetForm(initial=_target_initial()) if can_edit else None})


@require_perm(EDIT_PERM)
def target_create(request):
    form = TargetForm(request.POST or None, initial=_target_initial())
    if request.method == "POST" and form.is_valid():
        try:
            services.target_set(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("De doelstelling is opgeslagen."))
            return redirect("dashboards:targets")
    return render(request, "dashboards/interventions/target_form.html", {"form": form})
