"""GET /api/v1/dashboards/{slug}/addresses: the address-level records (cleared cannabis farms) of an address-level
dashboard. Needs the address-level grant; an ordinary dashboard, a missing one and one the user may not see all
answer 404. Every call is an access event (who, which filter, how many records).

Filter: from, to (JJJJ-MM; default the last 36 months through this month), type (property type), municipality.
"""
import urllib.parse

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from access.api import PlatformPermission
from access.denials import NotFoundOrDenied

from . import selectors, services
from .models import ADDRESS_LEVEL_PERM
from .selectors import hennep
from .selectors.filters import FigureQueryError


class ClearingSerializer(serializers.Serializer):
    address = serializers.CharField(help_text="Adres zoals de BAG het schrijft.")
    bagId = serializers.CharField(source="bag_id", help_text="BAG-nummeraanduiding-id.")
    postcode = serializers.CharField()
    date = serializers.DateField(source="day")
    propertyType = serializers.CharField(source="property_type", help_text="Bijv. flat, eengezinswoning, bedrijfspand.")
    propertyTypeLabel = serializers.CharField(source="property_type_label")
    plants = serializers.IntegerField(allow_null=True, help_text="Aantal planten.")
    buurtCode = serializers.CharField(source="buurt_code")
    buurtName = serializers.CharField(source="buurt_name")
    lon = serializers.FloatField(allow_null=True)
    lat = serializers.FloatField(allow_null=True)
    provisional = serializers.BooleanField()


class AddressesView(APIView):
    permission_classes = [PlatformPermission]
    required_permissions = {"GET": (ADDRESS_LEVEL_PERM, "dashboards.Dashboard")}

    @extend_schema(
        summary="Hennepruimingen op adresniveau (alleen dashboards op adresniveau)",
        description="Elke opvraging wordt vastgelegd als toegangsgebeurtenis.",
        parameters=[
            OpenApiParameter("from", str, description="Eerste maand, JJJJ-MM (standaard: 36 maanden terug)."),
            OpenApiParameter("to", str, description="Laatste maand, JJJJ-MM (standaard: deze maand)."),
            OpenApiParameter("type", str, description="Soort pand, bijv. flat, eengezinswoning, bedrijfspand."),
            OpenApiParameter("municipality", str, description="CBS-gemeentecode, standaard die van de installatie."),
        ],
        responses={200: inline_serializer("AddressLevelRecords", fields={
            "source": serializers.CharField(), "attribution": serializers.CharField(),
            "municipality": serializers.CharField(), "from": serializers.CharField(), "to": serializers.CharField(),
            "count": serializers.IntegerField(), "results": ClearingSerializer(many=True)}),
            400: OpenApiResponse(description="Filter niet te beantwoorden (problem+json met de reden)."),
            404: OpenApiResponse(description="Geen dashboard op adresniveau dat u mag bekijken.")},
        tags=["dashboards"],
    )
    def get(self, request, slug):
        dashboard = selectors.dashboard_get_for_user(user=request.user, slug=slug)
        if dashboard is None or not dashboard.address_level:
            raise NotFoundOrDenied(object_type="dashboards.Dashboard", object_id=slug)
        try:
            query = hennep.hennep_query_from_params(request.query_params, dashboard=dashboard)
        except FigureQueryError as exc:
            raise ValidationError({"detail": str(exc)}) from None
        records = hennep.clearings(query)
        services.address_level_view_record(user=request.user, dashboard=dashboard,
                                           query=urllib.parse.urlencode(query.as_params()), result_count=len(records))
        return Response({
            "source": query.figure.source.code, "attribution": query.attribution,
            "municipality": query.figure.municipality.code, "from": query.date_from.strftime("%Y-%m"),
            "to": query.date_to.strftime("%Y-%m"), "count": len(records),
            "results": ClearingSerializer(records, many=True).data,
        })
