"""Serializers of the interventions and targets API (camelCase). Write serializers only resolve codes to objects;
the services validate and write (a buurt of another municipality is refused there, with the same message as the
page gives)."""
from django.utils.translation import gettext as _
from rest_framework import serializers

from areas.models import Buurt, Municipality

from .models import Category, Intervention, Source, Theme


def _href(request, path):
    return request.build_absolute_uri(path) if request is not None else path


class BuurtRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class InterventionSerializer(serializers.ModelSerializer):
    kindLabel = serializers.CharField(source="get_kind_display", read_only=True)  # noqa: N815
    municipality = serializers.CharField(source="municipality.code", read_only=True)
    buurten = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()
    themes = serializers.SerializerMethodField()
    createdAt = serializers.DateTimeField(source="created_at", read_only=True)  # noqa: N815
    _links = serializers.SerializerMethodField()

    class Meta:
        model = Intervention
        fields = ["id", "name", "kind", "kindLabel", "description", "municipality", "buurten", "categories", "themes",
                  "start", "end", "createdAt", "_links"]
        read_only_fields = fields

    def get_buurten(self, obj) -> list[dict]:
        return [{"code": b.code, "name": b.name} for b in obj.buurten.all()]

    def get_categories(self, obj) -> list[str]:
        return [c.code for c in obj.categories.all()]

    def get_themes(self, obj) -> list[str]:
        return [t.slug for t in obj.themes.all()]

    def get__links(self, obj) -> dict:
        request = self.context.get("request")
        return {"self": {"href": _href(request, f"/api/v1/interventions/{obj.pk}")},
                "effect": {"href": _href(request, f"/api/v1/interventions/{obj.pk}/effect")}}


class _CodesField(serializers.ListField):
    def __init__(self, **kwargs):
        super().__init__(child=serializers.CharField(max_length=60), **kwargs)


def _resolve(model, field, codes, message):
    codes = list(dict.fromkeys(codes or []))
    found = {getattr(o, field): o for o in model.objects.filter(**{f"{field}__in": codes})}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise serializers.ValidationError(message % {"codes": ", ".join(unknown[:10])})
    return [found[c] for c in codes]


class InterventionCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=160)
    kind = serializers.ChoiceField(choices=Intervention.Kind.choices)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    municipality = serializers.CharField(required=False, max_length=10)
    buurten = _CodesField(allow_empty=False)
    start = serializers.DateField()
    end = serializers.DateField(required=False, allow_null=True, default=None)
    categories = _CodesField(required=False, default=list)
    themes = _CodesField(required=False, default=list)

    def validate_municipality(self, value):
        municipality = Municipality.objects.filter(code=value.strip().upper()).first()
        if municipality is None:
            raise serializers.ValidationError(_("Onbekende gemeente '%(code)s'.") % {"code": value[:10]})
        return municipality

    def validate_buurten(self, value):
        return _resolve(Buurt, "code", value,
                        _("Onbekende buurt: %(codes)s."))

    def validate_categories(self, value):
        return _resolve(Category, "code", value, _("Onbekende categorie: %(codes)s."))

    def validate_themes(self, value):
        return _resolve(Theme, "slug", value, _("Onbekend thema: %(codes)s."))


class TargetSerializer(serializers.Serializer):
    """A target with its progress (dashboards.selectors.targets.TargetProgress)."""

    def to_representation(self, progress):
        target = progress.target
        return {
            "id": target.pk,
            "theme": target.theme.slug,
            "themeName": target.theme.name,
            "municipality": target.municipality.code,
            "source": target.source.code,
            "attribution": progress.attribution,
            "baselineYear": target.baseline_year,
            "targetYear": target.target_year,
            "changePercent": float(target.change_percent),
            "note": target.note,
            "baselineCount": progress.baseline_count,
            "targetCount": round(progress.target_count, 1),
            "year": progress.year,
            "monthsDone": progress.months_done,
            "yearToDate": progress.year_to_date,
            "last12Months": progress.last_12_months,
            "projected": None if progress.projected is None else round(progress.projected, 1),
            "projectionBasis": progress.projection_basis,
            "onTrack": progress.on_track,
            "years": [{"year": year, "count": round(count, 1), "projected": projected}
                      for year, count, projected in progress.years],
        }


class TargetCreateSerializer(serializers.Serializer):
    theme = serializers.CharField(max_length=40)
    source = serializers.CharField(max_length=40, required=False, default="politie-bvh")
    municipality = serializers.CharField(required=False, max_length=10)
    baselineYear = serializers.IntegerField()  # noqa: N815
    targetYear = serializers.IntegerField()  # noqa: N815
    changePercent = serializers.DecimalField(max_digits=5, decimal_places=1)  # noqa: N815
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")

    def validate_theme(self, value):
        theme = Theme.objects.filter(slug=value).first()
        if theme is None:
            raise serializers.ValidationError(_("Onbekend thema: %(codes)s.") % {"codes": value[:40]})
        return theme

    def validate_source(self, value):
        source = Source.objects.filter(code=value).first()
        if source is None:
            raise serializers.ValidationError(_("Onbekende bron '%(code)s'.") % {"code": value[:40]})
        return source

    def validate_municipality(self, value):
        return InterventionCreateSerializer.validate_municipality(self, value)


def effect_data(effect):
    """The effect (dashboards.selectors.effect.Effect) as the API gives it."""
    periods = effect.periods

    def group(key):
        g = effect.groups.get(key)
        if g is None:
            return {"before": None, "after": None, "buurten": []}
        return {"label": g.label, "before": g.before if periods else None, "after": g.after if periods else None,
                "buurten": [{"code": code, "name": name} for code, name in g.buurten]}

    rr, wdd = effect.rate_ratio, effect.wdd
    return {
        "intervention": effect.intervention.pk,
        "source": effect.source.code,
        "attribution": effect.attribution,
        "categories": [c.code for c in effect.categories],
        "periods": None if periods is None else {
            "beforeFrom": periods.before_from, "beforeTo": periods.before_to,
            "afterFrom": periods.after_from, "afterTo": periods.after_to, "months": periods.months,
            "short": periods.short,
        },
        "treated": group("treated"),
        "control": group("control"),
        "displacement": group("displacement"),
        "displacementControl": group("displacementControl"),
        "rateRatio": None if rr is None or rr.value is None else round(rr.value, 4),
        "rateRatioCi95": None if rr is None or rr.ci95 is None else [round(v, 4) for v in rr.ci95],
        "rateRatioNote": "" if rr is None else rr.reason,
        "wdd": None if wdd is None or wdd.value is None else round(wdd.value, 2),
        "wddSe": None if wdd is None or wdd.se is None else round(wdd.se, 2),
        "wddCi95": None if wdd is None or wdd.ci95 is None else [round(v, 2) for v in wdd.ci95],
        "wddWeights": None if wdd is None else {
            "control": None if wdd.weight_control is None else round(wdd.weight_control, 4),
            "displacementControl": None if wdd.weight_displacement is None else round(wdd.weight_displacement, 4)},
        "wddUnscaled": None if wdd is None else wdd.unscaled,
        "wddUnscaledSe": None if wdd is None or wdd.unscaled_se is None else round(wdd.unscaled_se, 2),
        "wddNote": "" if wdd is None else wdd.reason,
        "levelMetric": effect.level_metric,
        "marylandLevel": effect.maryland_level,
        "marylandReason": effect.maryland_reason,
        "warnings": effect.warnings,
        "explanation": effect.explanation_text,
    }
