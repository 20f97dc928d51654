"""GET /api/v1/addresses?q= and GET /api/v1/addresses/{id}: BAG addresses for people who search signals."""
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError

from access.api import PlatformPermission

from . import selectors
from .serializers import AddressSerializer

SEARCH_PERM = "signals.search_address"

Q_PARAM = OpenApiParameter(
    "q",
    str,
    required=True,
    description="Postcode en huisnummer (5038 AB 12a, 5038AB-12-A) of straat en huisnummer, eventueel met plaats "
    "(Stationsstraat 12A Tilburg), of het begin daarvan (suggesties tijdens het typen).",
)


@extend_schema_view(
    list=extend_schema(
        summary="Adressen zoeken of suggereren",
        description="Een exact adres, de kandidaten bij een dubbelzinnige invoer, of suggesties bij een begin van een "
        "adres. `match` zegt welke: exact, candidates, suggestions, none.",
        parameters=[Q_PARAM],
        responses={
            200: inline_serializer(
                "PaginatedAddressList",
                fields={
                    "count": serializers.IntegerField(),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "match": serializers.ChoiceField(choices=["exact", "candidates", "suggestions", "none"]),
                    "normalized": serializers.CharField(),
                    "message": serializers.CharField(),
                    "results": AddressSerializer(many=True),
                },
            ),
            400: OpenApiResponse(description="q ontbreekt of is geen herkenbaar adres (problem+json)."),
        },
    ),
    retrieve=extend_schema(summary="Eén adres"),
)
class AddressViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [PlatformPermission]
    required_permissions = {"list": SEARCH_PERM, "retrieve": SEARCH_PERM}
    serializer_class = AddressSerializer
    filter_backends = []
    queryset = selectors.Address.objects.none()  # for the schema; reads go through areas.selectors

    def list(self, request, *args, **kwargs):
        q = (request.query_params.get("q") or "").strip()
        if not q:
            raise ValidationError({"q": [_("Vul een adres in.") + " " + selectors.accepted_forms_message()]})
        result = selectors.address_search(q=q, limit=selectors.MAX_LIMIT)
        if result.kind == selectors.KIND_INVALID:
            # A beginning of an address ("Stations", "5038") is not invalid for suggestions.
            addresses, match = selectors.address_suggest(q=q, limit=selectors.MAX_LIMIT), "suggestions"
            if not addresses:
                raise ValidationError({"q": [result.message]})
        elif result.kind in (selectors.KIND_EXACT, selectors.KIND_CANDIDATES):
            addresses, match = result.addresses, result.kind
            if selectors.is_partial_query(q):
                match = "suggestions"
        else:
            addresses = selectors.address_suggest(q=q, limit=selectors.MAX_LIMIT)
            match = "suggestions" if addresses else selectors.KIND_NONE
        page = self.paginate_queryset(addresses)
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        body = {
            "count": response.data["count"],
            "next": response.data["next"],
            "previous": response.data["previous"],
            "match": match,
            "normalized": result.normalized,
            "message": result.message,
            "results": response.data["results"],
        }
        response.data = body
        return response

    def get_object(self):
        address = selectors.address_get(address_id=self.kwargs.get("pk"))
        if address is None:
            raise Http404
        return address
