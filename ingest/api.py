"""The ingest REST API (/api/v1/...). Thin: reads through ingest.selectors, writes through ingest.services.

    GET  /api/v1/import-sources      the sources the user is data steward of (code, name, format)
    POST /api/v1/imports             multipart: source = code, file -> 202 with the run (processed by a worker)
    GET  /api/v1/imports/{id}        status, rowsRead, inserted, updated, unchanged, rejected, progress, report

A source or run of which the user is not data steward answers 404, exactly like one that does not exist.
"""
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from access.api import PlatformPermission
from access.denials import NotFoundOrDenied

from . import selectors, services
from .models import MANAGE_PERM, ImportRun
from .serializers import ImportCreateSerializer, ImportRunSerializer, ImportSourceSerializer

STEWARD = (MANAGE_PERM, "ingest.ImportSource")  # data steward of at least one source


class ImportSourceListView(APIView):
    permission_classes = [PlatformPermission]
    required_permissions = {"GET": STEWARD}

    @extend_schema(operation_id="import_sources_list", summary="Bronnen waarvan u gegevensbeheerder bent",
                   responses={200: ImportSourceSerializer(many=True)}, tags=["ingest"])
    def get(self, request):
        sources = selectors.source_list_for_user(user=request.user)
        return Response(ImportSourceSerializer(sources, many=True).data)


class ImportListView(APIView):
    permission_classes = [PlatformPermission]
    required_permissions = {"POST": STEWARD, "GET": STEWARD}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(operation_id="imports_list", summary="De laatste leveringen van uw bronnen",
                   responses={200: ImportRunSerializer(many=True)}, tags=["ingest"])
    def get(self, request):
        runs = selectors.run_list_for_user(user=request.user, limit=100)
        return Response(ImportRunSerializer(runs, many=True).data)

    @extend_schema(
        operation_id="imports_create",
        summary="Een bestand aanleveren (wordt op de achtergrond ingelezen)",
        request={"multipart/form-data": ImportCreateSerializer},
        responses={202: ImportRunSerializer, 400: OpenApiResponse(description="Ongeldig bestand (problem+json)."),
                   404: OpenApiResponse(description="Bron bestaat niet of u bent er geen gegevensbeheerder van.")},
        tags=["ingest"],
    )
    def post(self, request):
        serializer = ImportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        code = serializer.validated_data["source"]
        try:
            source = selectors.source_get_for_user(user=request.user, code=code)
        except Http404:
            raise NotFoundOrDenied(object_type="ingest.ImportSource", object_id=code) from None
        upload = serializer.validated_data["file"]
        if upload.size > settings.INGEST_MAX_UPLOAD_BYTES:
            raise ApiValidationError({"file": [_("Het bestand is groter dan de toegestane %(mb)s MB.")
                                               % {"mb": settings.INGEST_MAX_UPLOAD_BYTES // (1024 * 1024)}]})
        try:
            run = services.run_start(source=source, file=upload, file_name=upload.name, actor=request.user,
                                     trigger=ImportRun.Trigger.API)
        except DjangoValidationError as exc:
            raise ApiValidationError({"file": list(exc.messages)}) from None
        run.refresh_from_db()  # (eager mode: processed on commit already)
        response = Response(ImportRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = ImportRunSerializer(run).data["url"]
        return response


class ImportDetailView(APIView):
    permission_classes = [PlatformPermission]
    required_permissions = {"GET": STEWARD}

    @extend_schema(operation_id="imports_retrieve", summary="Status, aantallen, voortgang en verslag van een levering",
                   responses={200: ImportRunSerializer, 404: OpenApiResponse(description="Bestaat niet of niet van u.")},
                   tags=["ingest"])
    def get(self, request, pk):
        try:
            run = selectors.run_get_for_user(user=request.user, run_id=pk)
        except Http404:
            raise NotFoundOrDenied(object_type="ingest.ImportRun", object_id=pk) from None
        return Response(ImportRunSerializer(run).data)
