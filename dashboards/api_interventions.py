"""The interventions and targets API (/api/v1/...). Thin: reads through the selectors, writes through
dashboards.services.interventions.

    GET  /api/v1/interventions                 every intervention (dashboard viewers)
    POST /api/v1/interventions                 a new one (role 'Maatregelen bewerken'; 403 otherwise, 400 with
                                               the messages per field)
    GET  /api/v1/interventions/{id}            one intervention
    GET  /api/v1/interventions/{id}/effect     its effect (?source=politie-bvh): groups treated, control,
                                               displacement, displacementControl; rateRatio, rateRatioCi95, wdd,
                                               wddSe, marylandLevel, explanation, periods
    GET  /api/v1/targets                       targets with progress (dashboard viewers)
    POST /api/v1/targets                       set a target (role 'Maatregelen bewerken')
"""
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from access.api import PlatformPermission
from access.denials import NotFoundOrDenied
from core.api import Pagination
from core.parsers import SafeJSONParser

from .models import Intervention
from .selectors import effect as effect_selectors
from .selectors import targets as target_selectors
from .serializers_interventions import (
    InterventionCreateSerializer,
    InterventionSerializer,
    TargetCreateSerializer,
    TargetSerializer,
    effect_data,
)
from .services import interventions as services

VIEWER = ("dashboards.view_dashboard", "dashboards.Dashboard")  # on at least one dashboard
EDITOR = services.EDIT_PERM

_API_NAMES = {"baseline_year": "baselineYear", "target_year": "targetYear", "change_percent": "changePercent"}


def _run(service, **kwargs):
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise ApiValidationError({_API_NAMES.get(name, name): [m for e in errors for m in e.messages]
                                      for name, errors in exc.error_dict.items()}) from None
        raise ApiValidationError({"nonFieldErrors": list(exc.messages)}) from None
    except PermissionDenied as exc:
        raise ApiPermissionDenied(str(exc)) from None


def _interventions():
    return (Intervention.objects.select_related("municipality")
            .prefetch_related("buurten", "categories", "themes").order_by("-start", "name"))


def _intervention_or_404(pk):
    intervention = _interventions().filter(pk=pk).first()
    if intervention is None:
        raise NotFoundOrDenied(object_type="dashboards.Intervention", object_id=pk)
    return intervention


class InterventionListView(APIView):
    permission_classes = [PlatformPermission]
    required_permissions = {"GET": VIEWER, "POST": EDITOR}
    parser_classes = [SafeJSONParser]

    @extend_schema(summary="Maatregelen", operation_id="interventions_list", responses={200: inline_serializer("InterventionPage", fields={
        "count": serializers.IntegerField(), "next": serializers.CharField(allow_null=True),
        "previous": serializers.CharField(allow_null=True), "results": InterventionSerializer(many=True)})},
        tags=["dashboards"])
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(_interventions(), request, view=self)
        return paginator.get_paginated_response(InterventionSerializer(page, many=True,
                                                                       context={"request": request}).data)

    @extend_schema(summary="Maatregel vastleggen (rol Maatregelen bewerken)", request=InterventionCreateSerializer,
                   responses={201: InterventionSerializer}, tags=["dashboards"])
    def post(self, request):
        serializer = InterventionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        intervention = _run(services.intervention_create, user=request.user, **serializer.validated_data)
        return Response(InterventionSerializer(_intervention_or_404(intervention.pk), context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class InterventionDetailView(APIView):
    permission_classes = [PlatformPermission]
    required_permissions = {"GET": VIEWER}

    @extend_schema(summary="Eén maatregel", responses={200: InterventionSerializer}, tags=["dashboards"])
    def get(self, request, pk):
        return Response(InterventionSerializer(_intervention_or_404(pk), context={"request": request}).data)


class InterventionEffectView(APIView):
    permission_classes = [PlatformPermission]
    required_permissions = {"GET": VIEWER}

    @extend_schema(
        summary="Effect van een maatregel: vóór/na tegen vergelijkbare controlebuurten, met verplaatsing",
        parameters=[OpenApiParameter("source", str, description="Bron met losse incidenten; standaard politie-bvh.")],
        responses={200: dict}, tags=["dashboards"],
    )
    def get(self, request, pk):
        intervention = _intervention_or_404(pk)
        try:
            source = effect_selectors.effect_source(request.query_params.get("source"))
        except effect_selectors.EffectError as exc:
            raise ApiValidationError({"source": [str(exc)]}) from None
        return Response(effect_data(effect_selectors.intervention_effect(intervention=intervention, source=source)))


class TargetListView(APIView):
    permission_classes = [PlatformPermission]
    required_permissions = {"GET": VIEWER, "POST": EDITOR}
    parser_classes = [SafeJSONParser]

    @extend_schema(summary="Doelstellingen met voortgang", responses={200: dict}, tags=["dashboards"])
    def get(self, request):
        rows = [target_selectors.target_progress(target=t) for t in target_selectors.target_list()]
        return Response({"results": TargetSerializer(rows, many=True).data})

    @extend_schema(summary="Doelstelling vastleggen (rol Maatregelen bewerken)", request=TargetCreateSerializer,
                   responses={201: dict}, tags=["dashboards"])
    def post(self, request):
        serializer = TargetCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        target = _run(services.target_set, user=request.user, theme=data["theme"], source=data["source"],
                      municipality=data.get("municipality"), baseline_year=data["baselineYear"],
                      target_year=data["targetYear"], change_percent=data["changePercent"], note=data["note"])
        target = target_selectors.target_get(pk=target.pk)
        return Response(TargetSerializer(target_selectors.target_progress(target=target)).data,
                        status=status.HTTP_201_CREATED)
