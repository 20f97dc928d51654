"""Shared REST API plumbing, following the NL API Design Rules (API Design Rules 2.0, Logius):

- every /api/ response carries an `API-Version` header (the full semantic version, /core/version-header);
- errors are `application/problem+json` (RFC 7807 / RFC 9457) with a Dutch `title` and `detail`,
  and for validation errors an `invalidParams` list (name, code, reason);
- no trailing slashes, plural nouns (see the api_urls modules);
- the OpenAPI 3 document at /api/v1/openapi.json, for any logged-in user (core/api_views.py).

This module is imported by DRF settings (pagination, exception handler): keep it free of view imports.
"""
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .parsers import SafeJSONParser, too_large

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


def api_version() -> str:
    return settings.SPECTACULAR_SETTINGS.get("VERSION", "1.0.0")


def _titles():
    return {
        400: _("Ongeldige aanvraag"),
        401: _("Niet ingelogd"),
        403: _("Geen toegang"),
        404: _("Niet gevonden"),
        405: _("Methode niet toegestaan"),
        406: _("Formaat niet beschikbaar"),
        409: _("Conflict"),
        413: _("Aanvraag te groot"),
        415: _("Mediatype niet ondersteund"),
        429: _("Te veel verzoeken"),
        500: _("Interne fout"),
    }


def problem_title(status_code: int) -> str:
    return _titles().get(status_code, _("Fout"))


def _default_detail(status_code: int) -> str:
    return {
        400: _("De aanvraag bevat fouten."),
        401: _("Log in of stuur een geldig API-token mee (Authorization: Token ...)."),
        403: _("U heeft geen autorisatie voor deze handeling."),
        404: _("Dit object bestaat niet of u heeft er geen toegang toe."),
        405: _("Deze methode is hier niet toegestaan."),
        429: _("U heeft te veel verzoeken gedaan. Probeer het later opnieuw."),
        500: _("Er ging iets mis. Probeer het later opnieuw."),
    }.get(status_code, "")


def _invalid_params(data, prefix=""):
    """DRF's nested validation errors as a flat NL-API `invalidParams` list."""
    params = []
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors":
                name = prefix or "nonFieldErrors"
            params.extend(_invalid_params(value, name))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            if isinstance(value, (dict, list)):
                params.extend(_invalid_params(value, f"{prefix}.{index}" if prefix else str(index)))
            else:
                params.append({"name": prefix, "code": getattr(value, "code", "invalid"), "reason": str(value)})
    else:
        params.append({"name": prefix, "code": getattr(data, "code", "invalid"), "reason": str(data)})
    return params


def problem(status_code: int, detail: str = "", *, instance: str = "", code: str = "", invalid_params=None,
            extra=None) -> dict:
    body = {
        "type": f"https://httpstatuses.io/{status_code}" if status_code else "about:blank",
        "title": problem_title(status_code),
        "status": status_code,
        "detail": detail or _default_detail(status_code),
    }
    if instance:
        body["instance"] = instance
    if code:
        body["code"] = code
    if invalid_params:
        body["invalidParams"] = invalid_params
    if extra:
        body.update(extra)
    return body


def exception_handler(exc, context):
    """DRF exception handler: every error as application/problem+json with Dutch texts.

    The texts never name the object that was asked for: a 404 for an object that exists but belongs to another
    department reads exactly like one for an object that does not exist.
    """
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, RequestDataTooBig):  # DRF reads the body before any parser can check its size
        exc = too_large()
    elif isinstance(exc, SuspiciousOperation):  # e.g. too many form fields: the client's error, not ours
        exc = exceptions.ParseError()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    request = context.get("request")
    instance = request.get_full_path() if request is not None else ""
    if response is None:
        logger.exception("Unhandled API error", exc_info=exc)
        return Response(
            problem(500, instance=instance, code="error"),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
            content_type=PROBLEM_JSON,
        )
    code = ""
    invalid = None
    if isinstance(exc, exceptions.ValidationError):
        invalid = _invalid_params(exc.detail)
        detail = _default_detail(400)
        code = "invalid"
        if isinstance(exc.detail, dict) and set(exc.detail) == {"detail"}:
            detail = str(exc.detail["detail"])
            invalid = None
    elif isinstance(exc, exceptions.APIException):
        code = getattr(exc.detail, "code", None) or exc.default_code
        if isinstance(exc.detail, (dict, list)) or str(exc.detail) == str(exc.default_detail):
            # DRF's generic texts are replaced by ours; a specific message (e.g. the search limit) is kept.
            detail = _default_detail(response.status_code) or str(exc.detail)
        else:
            detail = str(exc.detail)
    else:
        detail = ""
    body = problem(response.status_code, detail, instance=instance, code=code, invalid_params=invalid)
    response.data = body
    response.content_type = PROBLEM_JSON
    return response


class ApiVersionMiddleware:
    """`API-Version` on every /api/ response, and errors that never reached DRF (unknown URL, refused by a
    middleware, server error) turned into problem+json so API clients see one error format."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/api/"):
            return response
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(PROBLEM_JSON):
            code = response.status_code
            replacement = JsonResponse(
                problem(code, instance=request.get_full_path()),
                status=code,
                content_type=PROBLEM_JSON,
            )
            for header in ("WWW-Authenticate", "Retry-After", "Allow", "X-Request-ID"):
                if header in response:
                    replacement[header] = response[header]
            response = replacement
        response["API-Version"] = api_version()
        return response


class MergePatchParser(SafeJSONParser):
    """PATCH bodies as JSON Merge Patch (RFC 7396), as the NL API Design Rules recommend; plain JSON works too."""

    media_type = "application/merge-patch+json"


class Pagination(PageNumberPagination):
    """`?page=2&pageSize=50`; the body carries count, next, previous, results."""

    page_size = 20
    page_size_query_param = "pageSize"
    max_page_size = 100
    page_query_description = "Paginanummer (vanaf 1)."
    page_size_query_description = "Aantal resultaten per pagina (ten hoogste 100)."


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "Foutmelding volgens RFC 7807 (application/problem+json).",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string"},
        "invalidParams": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "code": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
    "required": ["title", "status", "detail"],
}


def add_version_header(result, generator, request, public):
    """drf-spectacular postprocessing hook: document the API-Version header on every response, and the
    problem+json body of the error responses (401 and 403 on every operation)."""
    header = {
        "API-Version": {
            "description": "De versie van de API (semver).",
            "schema": {"type": "string", "example": api_version()},
        }
    }
    problem_content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            responses.setdefault("401", {"description": "Niet ingelogd of ongeldig token."})
            responses.setdefault("403", {"description": "Geen autorisatie."})
            for code, response in responses.items():
                response.setdefault("headers", {}).update(header)
                if str(code).startswith(("4", "5")):
                    response["content"] = problem_content
    components = result.setdefault("components", {})
    components.setdefault("headers", {}).update(header)
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    return result
