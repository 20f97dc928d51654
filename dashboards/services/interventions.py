"""Writing interventions (maatregelen) and targets (doelstellingen). Only holders of the role 'Maatregelen bewerken'
(permission dashboards.edit_interventions, platform-wide) may write; every change is a change record (auditlog),
attributed to the user."""
import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from access.permissions import has_perm
from areas.models import Municipality
from audit.context import acting_as

from ..models import Intervention, Source, Target

EDIT_PERM = "dashboards.edit_interventions"
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_CHANGE_PERCENT = Decimal("1000")


def may_edit_interventions(user):
    return has_perm(user, EDIT_PERM)


def _check_editor(user):
    if not may_edit_interventions(user):
        raise PermissionDenied(_("U heeft de rol ‘Maatregelen bewerken’ niet."))


def default_municipality():
    return Municipality.objects.filter(code=settings.DASHBOARD_MUNICIPALITY).first()


def _municipality(municipality):
    municipality = municipality or default_municipality()
    if municipality is None:
        raise ValidationError({"municipality": _("Kies een gemeente.")})
    return municipality


def _clean_intervention(*, name, kind, description, municipality, buurten, start, end, categories, themes):
    errors = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = _("Geef de maatregel een naam.")
    elif len(name) > 160:
        errors["name"] = _("De naam is te lang (hoogstens 160 tekens).")
    if kind not in Intervention.Kind.values:
        errors["kind"] = _("Kies een soort maatregel.")
    buurten = list(buurten or [])
    if not buurten:
        errors["buurten"] = _("Kies ten minste één buurt.")
    else:
        foreign = sorted(b.code for b in buurten if b.wijk.municipality_id != municipality.pk)
        if foreign:
            errors["buurten"] = _("Deze buurten horen niet bij gemeente %(name)s: %(codes)s.") % {
                "name": municipality.name, "codes": ", ".join(foreign[:10])}
    if not isinstance(start, datetime.date):
        errors["start"] = _("Vul de startdatum in.")
    elif end is not None and end < start:
        errors["end"] = _("De einddatum ligt vóór de startdatum.")
    categories, themes = list(categories or []), list(themes or [])
    if any(c.is_total for c in categories):
        errors["categories"] = _("Het totaal (0.0.0) is geen doelcategorie: kies de soorten zelf.")
    if len(description or "") > 5000:
        errors["description"] = _("De omschrijving is te lang (hoogstens 5000 tekens).")
    if errors:
        raise ValidationError(errors)
    return name, buurten, categories, themes


@transaction.atomic
def intervention_create(*, user, name, kind, buurten, start, end=None, description="", categories=(), themes=(),
                        municipality=None):
    _check_editor(user)
    municipality = _municipality(municipality)
    name, buurten, categories, themes = _clean_intervention(
        name=name, kind=kind, description=description, municipality=municipality, buurten=buurten, start=start,
        end=end, categories=categories, themes=themes)
    with acting_as(user):
        intervention = Intervention(name=name, kind=kind, description=(description or "").strip(),
                                    municipality=municipality, start=start, end=end, created_by=user)
        intervention.save()
        intervention.buurten.set(buurten)
        intervention.categories.set(categories)
        intervention.themes.set(themes)
    return intervention


@transaction.atomic
def intervention_update(*, user, intervention, name, kind, buurten, start, end=None, description="", categories=(),
                        themes=()):
    _check_editor(user)
    intervention = Intervention.objects.select_for_update().get(pk=intervention.pk)
    name, buurten, categories, themes = _clean_intervention(
        name=name, kind=kind, description=description, municipality=intervention.municipality, buurten=buurten,
        start=start, end=end, categories=categories, themes=themes)
    with acting_as(user):
        intervention.name, intervention.kind = name, kind
        intervention.description = (description or "").strip()
        intervention.start, intervention.end = start, end
        intervention.save()
        intervention.buurten.set(buurten)
        intervention.categories.set(categories)
        intervention.themes.set(themes)
    return intervention


def _year(value, field, errors):
    try:
        year = int(value)
    except (TypeError, ValueError):
        errors[field] = _("Vul een jaartal in.")
        return None
    if not MIN_YEAR <= year <= MAX_YEAR:
        errors[field] = _("Kies een jaar tussen %(min)s en %(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR}
        return None
    return year


@transaction.atomic
def target_set(*, user, theme, source, baseline_year, target_year, change_percent, note="", municipality=None):
    """Set the target for (theme, municipality, source, target year): a new one, or the existing one changed."""
    _check_editor(user)
    municipality = _municipality(municipality)
    errors = {}
    if theme is None:
        errors["theme"] = _("Kies een thema.")
    if source is None:
        errors["source"] = _("Kies een bron.")
    elif source.address_level or source.granularity != Source.Granularity.INCIDENT:
        errors["source"] = _("Een doel wordt gevolgd in een bron met losse incidenten (niet op adresniveau).")
    baseline = _year(baseline_year, "baseline_year", errors)
    target = _year(target_year, "target_year", errors)
    if baseline is not None and target is not None and target <= baseline:
        errors["target_year"] = _("Het doeljaar moet na het basisjaar liggen.")
    try:
        change = Decimal(str(change_percent)).quantize(Decimal("0.1"))
    except (InvalidOperation, TypeError, ValueError):
        errors["change_percent"] = _("Vul de verandering in procenten in, bijvoorbeeld -10.")
        change = None
    if change is not None and not -100 <= change <= MAX_CHANGE_PERCENT:
        errors["change_percent"] = _("De verandering ligt tussen -100%% en +%(max)s%%.") % {"max": MAX_CHANGE_PERCENT}
    note = " ".join((note or "").split())
    if len(note) > 300:
        errors["note"] = _("De toelichting is te lang (hoogstens 300 tekens).")
    if errors:
        raise ValidationError(errors)
    with acting_as(user):
        existing = Target.objects.select_for_update().filter(
            theme=theme, municipality=municipality, source=source, target_year=target).first()
        item = existing or Target(theme=theme, municipality=municipality, source=source, target_year=target,
                                  created_by=user)
        item.baseline_year, item.change_percent, item.note = baseline, change, note
        item.save()
    return item
