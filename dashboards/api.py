"""The dashboard figures over the REST API (/api/v1/dashboards...). Thin: reads through dashboards.selectors.

    GET /api/v1/dashboards                              the dashboards the user may view
    GET /api/v1/dashboards/{slug}/buurten?level=wijk    count, inhabitants, rate per 1000 per buurt (or wijk);
                                                        Accept: application/geo+json -> a GeoJSON FeatureCollection
    GET /api/v1/dashboards/{slug}/trend?interval=week|month&area=GM…|WK…|BU…
    GET /api/v1/dashboards/{slug}/dagdelen?area=…       28 cells (dagdeel × weekday) and the incidents without a time

Filter on every figure: source, themes, categories, from, to (JJJJ-MM), municipality. A filter the figures cannot
answer is a 400 with its reason; a dashboard the user may not see answers 404 like a missing one.
"""
import json

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from access.api import PlatformPermission
from access.denials import NotFoundOrDenied

from . import selectors
from .models import VIEW_PERM
from .selectors import figures
from .selectors.filters import FigureQueryError
from .serializers import (
    AreaFigureSerializer,
    DashboardSerializer,
    GridCellSerializer,
    LegendClassSerializer,
    TrendPointSerializer,
    area_figure_rows,
    figure_meta,
)

GEOJSON = "application/geo+json"
VIEW = (VIEW_PERM, "dashboards.Dashboard")  # the dashboard grant on at least one dashboard; the slug decides

FILTER_PARAMETERS = [
    OpenApiParameter("source", str, description="Broncode, standaard politie-bvh."),
    OpenApiParameter("themes", str, description="Themacodes, met komma's gescheiden (bijv. wos-hic)."),
    OpenApiParameter("categories", str, description="Categoriecodes, met komma's gescheiden (bijv. 1.1.1)."),
    OpenApiParameter("from", str, description="Eerste maand, JJJJ-MM (standaard: de laatste 12 hele maanden)."),
    OpenApiParameter("to", str, description="Laatste maand, JJJJ-MM."),
    OpenApiParameter("municipality", str, description="CBS-gemeentecode, standaard die van de installatie."),
]
AREA_PARAMETER = OpenApiParameter("area", str, description="GM-, WK- of BU-code; standaard de hele gemeente.")
ERRORS = {400: OpenApiResponse(description="Filter niet te beantwoorden (problem+json met de reden)."),
          404: OpenApiResponse(description="Dashboard bestaat niet of is niet voor u.")}


class GeoJSONRenderer(JSONRenderer):
    media_type = GEOJSON
    format = "geojson"


def _meta_fields():
    return {
        "source": serializers.CharField(), "attribution": serializers.CharField(),
        "municipality": serializers.CharField(), "from": serializers.CharField(), "to": serializers.CharField(),
        "themes": serializers.ListField(child=serializers.CharField()),
        "categories": serializers.ListField(child=serializers.CharField()),
        "provisional": serializers.BooleanField(),
    }


class DashboardListView(APIView):
    permission_classes = [PlatformPermission]
    required_permissions = {"GET": VIEW}

    @extend_schema(summary="Dashboards die u mag bekijken", responses={200: inline_serializer("DashboardList", fields={"results": DashboardSerializer(many=True)})},
                   tags=["dashboards"])
    def get(self, request):
        dashboards = selectors.dashboard_list_for_user(user=request.user)
        return Response({"results": DashboardSerializer(dashboards, many=True).data})


class _FigureView(APIView):
    permission_classes = [PlatformPermission]
    required_permissions = {"GET": VIEW}

    def figure_query(self, request, slug):
        dashboard = selectors.dashboard_get_for_user(user=request.user, slug=slug)
        if dashboard is None:
            raise NotFoundOrDenied(object_type="dashboards.Dashboard", object_id=slug)
        try:
            return figures.figure_query_for(dashboard, figures.figure_params(request.query_params))
        except FigureQueryError as exc:
            raise ValidationError({"detail": str(exc)}) from None

    @staticmethod
    def run(function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except FigureQueryError as exc:
            raise ValidationError({"detail": str(exc)}) from None


def _geojson(result) -> HttpResponse:
    """The FeatureCollection, with the cached geometry text spliced in (shapes are never parsed per request)."""
    geometries = figures.area_geometries(result.query.municipality, result.level, areas=result.areas)
    meta = {**figure_meta(result.query, provisional=result.provisional), "level": result.level,
            "populationYear": result.population_year, "total": result.total,
            "legend": LegendClassSerializer(result.legend, many=True).data}
    parts = []
    for area, properties in zip(result.areas, area_figure_rows(result.areas), strict=True):
        feature_id, props = json.dumps(area.code), json.dumps(properties, separators=(",", ":"))
        geometry = geometries.get(area.code, "null")
        parts.append(f'{{"type":"Feature","id":{feature_id},"properties":{props},"geometry":{geometry}}}')
    head = json.dumps({"type": "FeatureCollection", **meta}, separators=(",", ":"))[:-1]
    body = head + ',"features":[' + ",".join(parts) + "]}"
    return HttpResponse(body, content_type=GEOJSON)


class BuurtenView(_FigureView):
    renderer_classes = [JSONRenderer, GeoJSONRenderer]

    @extend_schema(
        summary="Aantal, inwoners en aantal per 1000 inwoners per buurt (of wijk)",
        description="Met `Accept: application/geo+json` een GeoJSON FeatureCollection met dezelfde eigenschappen en "
        "de geometrie. `ratePer1000` is leeg onder het minimum aantal inwoners; het aantal staat er altijd.",
        parameters=[*FILTER_PARAMETERS, OpenApiParameter("level", str, enum=["buurt", "wijk"])],
        responses={200: inline_serializer("AreaFigures", fields={
            **_meta_fields(), "level": serializers.CharField(), "populationYear": serializers.IntegerField(),
            "total": serializers.IntegerField(), "legend": LegendClassSerializer(many=True),
            "results": AreaFigureSerializer(many=True)}), **ERRORS},
        tags=["dashboards"],
    )
    def get(self, request, slug):
        query = self.figure_query(request, slug)
        level = request.query_params.get("level") or figures.LEVEL_BUURT
        result = self.run(figures.area_figures, query, level=level)
        if request.accepted_renderer.format == "geojson":
            return _geojson(result)
        return Response({
            **figure_meta(query, provisional=result.provisional), "level": result.level,
            "populationYear": result.population_year, "total": result.total,
            "legend": LegendClassSerializer(result.legend, many=True).data,
            "results": area_figure_rows(result.areas),
        })


class TrendView(_FigureView):
    @extend_schema(
        summary="Aantallen per week, maand of jaar, naast dezelfde periode een jaar eerder",
        description="Per ISO-week (de weken waarvan de maandag in de periode valt) of per maand; een bron met "
        "jaarcijfers geeft jaren.",
        parameters=[*FILTER_PARAMETERS, AREA_PARAMETER,
                    OpenApiParameter("interval", str, enum=["week", "month"], description="Standaard month.")],
        responses={200: inline_serializer("Trend", fields={
            **_meta_fields(), "interval": serializers.CharField(), "area": serializers.CharField(),
            "areaName": serializers.CharField(), "total": serializers.IntegerField(),
            "previousYearTotal": serializers.IntegerField(), "points": TrendPointSerializer(many=True)}), **ERRORS},
        tags=["dashboards"],
    )
    def get(self, request, slug):
        query = self.figure_query(request, slug)
        area = self.run(figures.area_from_code, query, request.query_params.get("area"))
        result = self.run(figures.trend, query, interval=request.query_params.get("interval") or "month", area=area)
        return Response({
            **figure_meta(query, provisional=result.provisional), "interval": result.interval,
            "area": result.area_code, "areaName": result.area_name, "total": result.total,
            "previousYearTotal": result.previous_total,
            "points": TrendPointSerializer(result.points, many=True).data,
        })


class DagdelenView(_FigureView):
    @extend_schema(
        summary="Dagdeel × weekdag (28 cellen) en de incidenten zonder tijdstip",
        description="Nacht 0–6, ochtend 6–12, middag 12–18, avond 18–24 uur; weekdag 0 is maandag. `unknown` telt "
        "de incidenten zonder tijdstip, zodat het totaal gelijk is aan dat van de kaart. Een bron die alleen "
        "aantallen levert heeft geen dagdelen (400).",
        parameters=[*FILTER_PARAMETERS, AREA_PARAMETER],
        responses={200: inline_serializer("DagdeelGrid", fields={
            **_meta_fields(), "area": serializers.CharField(), "total": serializers.IntegerField(),
            "unknown": serializers.IntegerField(), "cells": GridCellSerializer(many=True)}), **ERRORS},
        tags=["dashboards"],
    )
    def get(self, request, slug):
        query = self.figure_query(request, slug)
        area = self.run(figures.area_from_code, query, request.query_params.get("area"))
        result = self.run(figures.dagdeel_grid, query, area=area)
        return Response({
            **figure_meta(query, provisional=result.provisional), "area": result.area_code, "total": result.total,
            "unknown": result.unknown, "cells": GridCellSerializer(result.cells, many=True).data,
        })
