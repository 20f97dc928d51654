"""The analysis API (/api/v1/...). Thin: reads through dashboards.selectors.analysis.

    GET /api/v1/dashboards/{slug}/opvallend?source=&themes=&municipality=
        buurt × theme combinations with an unusual rise (Wheeler's z ≥ 3) and the weeks used
    GET /api/v1/dashboards/{slug}/hotspots?source=&themes=&categories=&from=&to=&municipality=&cell=
        grid cells with count, kernel density, Gi* z, p and the FDR-adjusted p

Each needs the view grant on that dashboard: a missing dashboard and one the user may not see both answer 404.
Address-level sources are refused (400): these figures are aggregate-level only.
"""
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from access.api import PlatformPermission
from access.denials import NotFoundOrDenied

from . import selectors
from .forms_analysis import HotspotForm
from .selectors import analysis
from .selectors.filters import FigureQueryError

VIEW = ("dashboards.view_dashboard", "dashboards.Dashboard")  # on at least one dashboard; the slug decides which


class OpvallendRowSerializer(serializers.Serializer):
    buurtCode = serializers.CharField(source="buurt_code")
    buurtName = serializers.CharField(source="buurt_name")
    theme = serializers.CharField(source="theme_slug")
    themeName = serializers.CharField(source="theme_name")
    current = serializers.IntegerField()
    expected = serializers.SerializerMethodField()
    z = serializers.SerializerMethodField()

    def get_expected(self, row) -> float:
        return round(row.expected, 3)

    def get_z(self, row) -> float:
        return round(row.z, 3)


class HotspotCellSerializer(serializers.Serializer):
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    count = serializers.IntegerField()
    density = serializers.FloatField(help_text="Kerndichtheid: incidenten per km².")
    z = serializers.FloatField()
    p = serializers.FloatField()
    pAdjusted = serializers.FloatField(source="p_adjusted")
    hotspot = serializers.BooleanField()


class OpvallendPeriodSerializer(serializers.Serializer):
    currentFrom = serializers.DateField()
    currentTo = serializers.DateField()
    baselineFrom = serializers.DateField()
    baselineTo = serializers.DateField()
    currentWeeks = serializers.ListField(child=serializers.CharField(), help_text="ISO-weken, bijv. 2026-W45.")
    baselineWeeks = serializers.ListField(child=serializers.CharField(), help_text="Eerste en laatste ISO-week.")


class OpvallendResponseSerializer(serializers.Serializer):
    source = serializers.CharField()
    attribution = serializers.CharField()
    municipality = serializers.CharField()
    threshold = serializers.FloatField()
    period = OpvallendPeriodSerializer()
    results = OpvallendRowSerializer(many=True)


class HotspotsResponseSerializer(serializers.Serializer):
    source = serializers.CharField()
    attribution = serializers.CharField()
    municipality = serializers.CharField()
    to = serializers.DateField()
    cellSize = serializers.IntegerField()
    bandwidth = serializers.FloatField()
    alpha = serializers.FloatField()
    incidents = serializers.IntegerField()
    withoutPoint = serializers.IntegerField()
    testedCells = serializers.IntegerField()
    hotspotCount = serializers.IntegerField()
    results = HotspotCellSerializer(many=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField()  # a Python keyword, so not a class attribute
        return fields


def _dashboard(request, slug):
    dashboard = selectors.dashboard_get_for_user(user=request.user, slug=slug)
    if dashboard is None:
        raise NotFoundOrDenied(object_type="dashboards.Dashboard", object_id=slug)
    return dashboard


def _query(request, dashboard):
    try:
        return analysis.analysis_query_from_params(request.query_params, dashboard=dashboard)
    except FigureQueryError as error:
        raise ApiValidationError({"detail": str(error)}) from None


_FILTERS = [
    OpenApiParameter("source", str, description="Bron, standaard politie-bvh (geen bron op adresniveau)."),
    OpenApiParameter("themes", str, description="Thema's, komma-gescheiden (bijv. wos-hic,geweld)."),
    OpenApiParameter("municipality", str, description="CBS-gemeentecode, standaard die van de installatie."),
]


class OpvallendView(APIView):
    permission_classes = [PlatformPermission]
    required_permissions = {"GET": VIEW}

    @extend_schema(
        operation_id="dashboard_opvallend",
        summary="Opvallende stijgingen per buurt en thema",
        description="Aantal van de laatste 4 hele ISO-weken (current) tegen het gemiddelde 4-wekenaantal van de 52 "
                    "weken ervoor (expected); Wheelers Poisson-z = 2(√current − √expected), opgenomen bij z ≥ 3.",
        parameters=_FILTERS,
        responses={200: OpvallendResponseSerializer},
        tags=["dashboards"],
    )
    def get(self, request, slug):
        dashboard = _dashboard(request, slug)
        query = _query(request, dashboard)
        result = analysis.opvallend(source=query.source, municipality=query.municipality,
                                    themes=list(query.themes) or None)
        return Response({
            "source": query.source.code,
            "attribution": query.attribution,
            "municipality": query.municipality.code,
            "threshold": result.threshold,
            "period": result.period.as_dict(),
            "results": OpvallendRowSerializer(result.rows, many=True).data,
        })


class HotspotsView(APIView):
    permission_classes = [PlatformPermission]
    required_permissions = {"GET": VIEW}

    @extend_schema(
        operation_id="dashboard_hotspots",
        summary="Hotspots: Getis-Ord Gi* per rastercel met FDR-correctie",
        description="Incidenten met een punt, geteld per rastercel (standaard 200 m, Rijksdriehoek). Gi* met "
                    "queen-buren inclusief de cel zelf, tweezijdige p en Benjamini–Hochberg-correctie; hotspot = "
                    "gecorrigeerde p < 0,05 en z > 0. Alleen cellen met incidenten, tenzij all=1.",
        parameters=[*_FILTERS,
                    OpenApiParameter("categories", str, description="Categoriecodes, komma-gescheiden."),
                    OpenApiParameter("from", str, description="Eerste maand, JJJJ-MM."),
                    OpenApiParameter("to", str, description="Laatste maand, JJJJ-MM."),
                    OpenApiParameter("cell", int, description="Celgrootte in meters: 100, 200, 250 of 500."),
                    OpenApiParameter("all", bool, description="Ook de getoetste cellen zonder incidenten.")],
        responses={200: HotspotsResponseSerializer},
        tags=["dashboards"],
    )
    def get(self, request, slug):
        dashboard = _dashboard(request, slug)
        query = _query(request, dashboard)
        form = HotspotForm(request.query_params)
        if not form.is_valid():
            raise ApiValidationError(dict(form.errors.items()))
        result = analysis.hotspots(query=query, cell_size=form.cell_size())
        if result.too_large:
            raise ApiValidationError({"detail": _("Te veel incidenten of een te groot gebied: kies een kortere "
                                                  "periode of een grotere celgrootte.")})
        every = request.query_params.get("all") in ("1", "true")
        cells = [c for c in result.cells if every or c.count or c.hotspot]
        return Response({
            "source": query.source.code,
            "attribution": query.attribution,
            "municipality": query.municipality.code,
            "from": query.date_from.isoformat(),
            "to": query.date_to.isoformat(),
            "cellSize": result.cell_size,
            "bandwidth": result.bandwidth,
            "alpha": result.alpha,
            "incidents": result.incidents,
            "withoutPoint": result.without_point,
            "testedCells": result.tested,
            "hotspotCount": len(result.significant),
            "results": HotspotCellSerializer(cells, many=True).data,
        })
