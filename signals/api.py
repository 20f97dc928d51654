"""The signals REST API (/api/v1/...). Thin: reads through signals.selectors, writes through signals.services.

    GET   /api/v1/addresses/{id}/hits?purpose=   which departments flag this address, whom to call
    GET   /api/v1/signals                        own departments' signals (filters: status, q, category,
    POST  /api/v1/signals                          department; ordering)
    GET   /api/v1/signals/{id}                   one own signal with details (SIGNAL_VIEW access event)
    PATCH /api/v1/signals/{id}
    POST  /api/v1/signals/{id}/close             {"reason": "..."}
    GET   /api/v1/hit-report?min_departments=2   addresses flagged by >= N departments (wijk, buurt filters)

Another department's signal id answers 404, exactly like an id that does not exist (never 403).
"""
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from access.api import PlatformPermission
from access.denials import NotFoundOrDenied, denial_note
from core.api import MergePatchParser, Pagination
from core.parsers import SafeJSONParser

from . import selectors, services
from .forms import HitReportForm
from .models import Signal
from .serializers import (
    HitReportRowSerializer,
    HitSerializer,
    HitsResponseSerializer,
    SignalCloseSerializer,
    SignalCreateSerializer,
    SignalDetailSerializer,
    SignalListQuerySerializer,
    SignalListSerializer,
    SignalUpdateSerializer,
)

SEARCH_PERM = services.SEARCH_PERM
HIT_REPORT_PERM = services.HIT_REPORT_PERM
OFFICER = (services.OFFICER_PERM, "access.Department")  # an officer grant on at least one department

# Names of the service's fields -> API field names, for error messages.
_API_NAMES = {
    "category": "category",
    "details": "details",
    "contact_officer": "contactOfficer",
    "case_reference": "caseReference",
    "contact_before_acting": "contactBeforeActing",
    "notify_on_search": "notifyOnSearch",
    "valid_until": "validUntil",
    "reason": "reason",
    "purpose": "purpose",
    "address": "address",
}


class SearchLimitReached(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = gettext_lazy("U heeft te veel zoekvragen gedaan.")
    default_code = "search_limit"


def _api_validation_error(exc: DjangoValidationError) -> ApiValidationError:
    if hasattr(exc, "error_dict"):
        return ApiValidationError(
            {_API_NAMES.get(name, name): [str(m) for e in errors for m in e.messages] for name, errors in
             exc.error_dict.items()}
        )
    return ApiValidationError({"nonFieldErrors": list(exc.messages)})


def _run(service, **kwargs):
    """Call a service; its Django errors become API errors (ValidationError -> 400, not-yours/missing -> 404, the
    latter recorded as a denial)."""
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise _api_validation_error(exc) from None
    except Signal.DoesNotExist:
        signal = kwargs.get("signal")
        raise NotFoundOrDenied(object_type="signals.Signal", object_id=getattr(signal, "public_id", "")) from None


# ---------------------------------------------------------------------------------------------- hits


class AddressHitsView(APIView):
    permission_classes = [PlatformPermission]
    required_permissions = {"GET": SEARCH_PERM}

    @extend_schema(
        operation_id="addresses_hits",
        summary="Hit/no-hit: welke afdelingen hebben een actief signaal op dit adres",
        description="Per afdeling: naam, contactpersoon (naam, telefoon, e-mail), sinds (maand) en of eerst contact "
        "moet worden opgenomen. Nooit de categorie, de toelichting of het aantal signalen. Elke zoekvraag wordt "
        "vastgelegd (adres, doel, aantal afdelingen).",
        parameters=[
            OpenApiParameter("purpose", str, required=True, description="Zaaknummer of reden van de zoekvraag."),
        ],
        responses={
            200: HitsResponseSerializer,
            400: OpenApiResponse(description="Doel ontbreekt (problem+json)."),
            404: OpenApiResponse(description="Adres bestaat niet."),
            429: OpenApiResponse(description="Zoeklimiet bereikt (per uur of per dag)."),
        },
        tags=["signals"],
    )
    def get(self, request, pk):
        from areas.selectors import address_get
        from areas.serializers import AddressSerializer

        address = address_get(address_id=pk)
        if address is None:
            raise Http404
        purpose = request.query_params.get("purpose", "")
        try:
            hits = services.address_hit_search(user=request.user, address=address, purpose=purpose)
        except services.SearchLimitExceeded as exc:
            error = SearchLimitReached(detail=exc.message)
            error.wait = 3600 if exc.period == "hour" else 24 * 3600
            raise error from None
        except DjangoValidationError as exc:
            raise _api_validation_error(exc) from None
        if hits:
            message = _("%(n)s afdeling(en) hebben een actief signaal op dit adres. Neem contact op voordat u "
                        "actie onderneemt.") % {"n": len(hits)}
        else:
            message = selectors.no_hits_message()
        return Response(
            {
                "address": AddressSerializer(address, context={"request": request}).data,
                "purpose": " ".join(purpose.split())[:255],
                "hit": bool(hits),
                "departmentCount": len(hits),
                "departments": HitSerializer(hits, many=True).data,
                "message": message,
            }
        )

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        wait = getattr(exc, "wait", None)
        if wait and response is not None:
            response["Retry-After"] = str(wait)
        return response


# ---------------------------------------------------------------------------------------------- own signals

LIST_PARAMETERS = [
    OpenApiParameter("status", str, enum=["active", "closed", "expired"], description="Standaard: alle."),
    OpenApiParameter("q", str, description="Zaaknummer, straat of postcode."),
    OpenApiParameter("category", str, description="Categoriecode (eigen catalogus)."),
    OpenApiParameter("department", str, description="Afdelingscode (een eigen afdeling)."),
    OpenApiParameter("ordering", str, enum=sorted(SignalListQuerySerializer.ORDERINGS)),
]


@extend_schema_view(
    list=extend_schema(summary="Signalen van de eigen afdeling(en)", parameters=LIST_PARAMETERS, tags=["signals"]),
    retrieve=extend_schema(
        summary="Eén signaal met toelichting (wordt vastgelegd als inzage)",
        parameters=[OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={200: SignalDetailSerializer, 404: OpenApiResponse(description="Bestaat niet of niet van u.")},
        tags=["signals"],
    ),
    create=extend_schema(
        summary="Signaal plaatsen", request=SignalCreateSerializer, responses={201: SignalDetailSerializer},
        tags=["signals"],
    ),
    partial_update=extend_schema(
        summary="Signaal wijzigen of verlengen",
        parameters=[OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        request=SignalUpdateSerializer, responses={200: SignalDetailSerializer}, tags=["signals"],
    ),
    close=extend_schema(
        summary="Signaal beëindigen (met reden)",
        parameters=[OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        request=SignalCloseSerializer, responses={200: SignalDetailSerializer}, tags=["signals"],
    ),
)
class SignalViewSet(viewsets.GenericViewSet):
    """Own departments' signals only: every read starts from selectors.signal_list_for_user (the Chinese wall)."""

    permission_classes = [PlatformPermission]
    required_permissions = {
        "list": OFFICER,
        "retrieve": OFFICER,
        "create": OFFICER,
        "partial_update": OFFICER,
        "close": OFFICER,
    }
    filter_backends = []
    parser_classes = [SafeJSONParser, MergePatchParser]
    queryset = Signal.objects.none()  # for the schema only; reads go through the selectors
    lookup_field = "pk"

    def get_serializer_class(self):
        return {
            "list": SignalListSerializer,
            "create": SignalCreateSerializer,
            "partial_update": SignalUpdateSerializer,
            "close": SignalCloseSerializer,
        }.get(self.action, SignalDetailSerializer)

    def get_object(self):
        """Another department's signal answers 404 like a missing one, and is recorded as a denial."""
        signal_id = self.kwargs.get("pk")
        try:
            return selectors.signal_get_for_user(user=self.request.user, signal_id=signal_id)
        except Signal.DoesNotExist:
            raise NotFoundOrDenied(object_type="signals.Signal", object_id=signal_id) from None

    def _detail(self, signal, *, status_code=status.HTTP_200_OK):
        """The detail representation carries details: record that they were shown."""
        services.signal_view_record(user=self.request.user, signal=signal)
        return Response(SignalDetailSerializer(signal, context={"request": self.request}).data, status=status_code)

    def list(self, request):
        params = SignalListQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        queryset = selectors.signal_list_for_user(user=request.user)
        if data.get("department"):
            queryset = queryset.filter(department__code=data["department"])
        if data.get("category"):
            # Applied behind the wall: another department's category code simply matches nothing.
            queryset = queryset.filter(category__code=data["category"])
        queryset = selectors.signal_filter(queryset, status=data.get("status", ""), q=data.get("q", ""))
        ordering = SignalListQuerySerializer.ORDERINGS.get(data.get("ordering"), "-valid_from")
        queryset = queryset.order_by(ordering, "-id")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(SignalListSerializer(page, many=True, context={"request": request}).data)

    def retrieve(self, request, pk=None):
        return self._detail(self.get_object())

    def create(self, request):
        serializer = SignalCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        department = serializer.resolve_department()
        kwargs = serializer.service_kwargs(department)
        kwargs.setdefault("contact_officer", request.user)
        kwargs.setdefault("details", "")
        try:
            signal = _run(
                services.signal_create,
                user=request.user,
                department=department,
                address=serializer.validated_data["address"],
                **kwargs,
            )
        except PermissionDenied:
            denial_note(object_type="access.Department", object_id=getattr(department, "code", ""))
            raise ApiValidationError(
                {"department": [_("Onbekende afdeling, of u beheert geen signalen van deze afdeling.")]}
            ) from None
        signal = selectors.signal_get_for_user(user=request.user, signal_id=signal.public_id)
        return self._detail(signal, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        signal = self.get_object()
        serializer = SignalUpdateSerializer(data=request.data, context={"request": request}, partial=True)
        serializer.is_valid(raise_exception=True)
        kwargs = serializer.service_kwargs(signal.department)
        if kwargs:
            _run(services.signal_update, user=request.user, signal=signal, **kwargs)
        return self._detail(self.get_object())

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        signal = self.get_object()
        serializer = SignalCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _run(services.signal_close, user=request.user, signal=signal, reason=serializer.validated_data["reason"])
        return self._detail(self.get_object())


# ---------------------------------------------------------------------------------------------- hit report


class HitReportView(APIView):
    permission_classes = [PlatformPermission]
    required_permissions = {"GET": HIT_REPORT_PERM}

    @extend_schema(
        operation_id="hit_report",
        summary="Uitdraai: adressen met signalen van ten minste N afdelingen",
        description="Alleen aantallen en afdelingen, nooit categorie of toelichting. Wordt vastgelegd.",
        parameters=[
            OpenApiParameter("min_departments", int, description="Standaard 2, ten minste 2."),
            OpenApiParameter("wijk", str, description="CBS-wijkcode, bijvoorbeeld WK003401."),
            OpenApiParameter("buurt", str, description="CBS-buurtcode, bijvoorbeeld BU00340101."),
        ],
        responses={200: inline_serializer("HitReportPage", fields={
            "count": serializers.IntegerField(), "next": serializers.CharField(allow_null=True),
            "previous": serializers.CharField(allow_null=True), "results": HitReportRowSerializer(many=True),
            "minDepartments": serializers.IntegerField()})},
        tags=["signals"],
    )
    def get(self, request):
        # The page's filter form, so page and API apply exactly the same rules (threshold at least 2, known wijk/buurt).
        form = HitReportForm(request.query_params)
        if not form.is_valid():
            raise ApiValidationError({name: list(messages) for name, messages in form.errors.items()})
        filters = form.filters()
        rows = selectors.hit_report(**filters)
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        services.hit_report_record(user=request.user, filters=filters, count=len(rows), fmt="api", rows=page if page is not None else rows)
        response = paginator.get_paginated_response(HitReportRowSerializer(page, many=True).data)
        response.data["minDepartments"] = filters["min_departments"]
        return response
