"""GET /api/v1/audit/events: access events with the auditor pages' filters, cursor-paginated, auditor role only."""
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import AccessEvent
from .selectors import event_filter, filter_description, keyset_page
from .services import audit_view_record

PERM = "audit.review_audit"
MAX_PAGE_SIZE = 500

class AccessEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccessEvent
        fields = [
            "id", "occurred_at", "actor_username", "actor_department", "role", "authorisation_id", "action",
            "outcome", "object_type", "object_id", "object_label", "query", "purpose", "result_count", "ip_address",
            "user_agent", "request_id", "path",
        ]


class AccessEventList(APIView):
    """Newest first. Filters: person, department, action (repeatable), outcome, object_type, object_id, address,
    since, until (dates), request_id, without_purpose. `cursor` from the previous page's `next`; `page_size` <= 500."""

    required_permissions = {"GET": PERM}
    serializer_class = AccessEventSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATE), OpenApiParameter("until", OpenApiTypes.DATE),
            OpenApiParameter("person", str), OpenApiParameter("cursor", str),
            OpenApiParameter("page_size", int, description="Ten hoogste 500."),
        ],
        responses={200: inline_serializer("AccessEventPage", {
            "next": serializers.URLField(allow_null=True), "results": AccessEventSerializer(many=True)})},
    )
    def get(self, request):
        filterset = event_filter(request.query_params)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        try:
            size = min(max(int(request.query_params.get("page_size", 50)), 1), MAX_PAGE_SIZE)
        except ValueError:
            raise ValidationError({"page_size": [_("Geef een geheel getal.")]})
        page = keyset_page(filterset.qs, request.query_params.get("cursor"), size)
        audit_view_record(actor=request.user, page="api.events", query=filter_description(request.query_params),
                          result_count=len(page.rows))
        next_url = None
        if page.next_cursor:
            params = request.query_params.copy()
            params["cursor"] = page.next_cursor
            next_url = request.build_absolute_uri(request.path) + "?" + params.urlencode()
        return Response({"next": next_url, "results": AccessEventSerializer(page.rows, many=True).data})
