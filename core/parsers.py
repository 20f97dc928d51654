"""The API's JSON parser (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES), with limits: no JSON body may end in a server
error (issue 12, finding 9: a deeply nested body and a 2.5 MB body on POST /api/v1/signals did).

Kept apart from core.api because DRF imports its parser setting while rest_framework.views is being imported.
"""
import json

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

# JSON bodies the API accepts: no client of this API sends more than this, or nests deeper (issue 12, finding 9).
JSON_MAX_DEPTH = 20


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("De aanvraag is te groot.")
    default_code = "too_large"


def json_max_bytes() -> int:
    """The largest JSON body: Django's limit for request bodies read into memory (DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440


def _json_refusal(data, max_depth: int) -> str:
    """Why parsed JSON is refused ('' if it is fine): nested deeper than max_depth, or a string holding a NUL or a
    lone surrogate (which no database column can store). Walked without recursion."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            if depth > max_depth:
                return "depth"
            stack.extend((key, depth) for key in value)
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            if depth > max_depth:
                return "depth"
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            if "\x00" in value:
                return "character"
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "character"
    return ""


def too_large() -> PayloadTooLarge:
    return PayloadTooLarge(_("De aanvraag is te groot: ten hoogste %(max)s bytes.") % {"max": json_max_bytes()})


class SafeJSONParser(JSONParser):
    """DRF's JSON parser with limits, so that no JSON body ends in a server error: at most json_max_bytes() bytes
    (413), nested at most JSON_MAX_DEPTH deep, and no NUL or lone surrogate in a string (400, with a Dutch message).
    The API's default parser (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES)."""

    max_depth = JSON_MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        limit = json_max_bytes()
        request = (parser_context or {}).get("request")
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        except ValueError:
            declared = 0
        if declared > limit:
            raise too_large()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise too_large()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding))
        except RecursionError:
            raise exceptions.ParseError(self._depth_message()) from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise exceptions.ParseError(_("Ongeldige JSON: %(error)s") % {"error": exc}) from None
        refusal = _json_refusal(data, self.max_depth)
        if refusal == "depth":
            raise exceptions.ParseError(self._depth_message())
        if refusal:
            raise exceptions.ParseError(
                _("De JSON bevat een ongeldig teken (NUL of een losse surrogaat-code) in een tekst.")
            )
        return data

    def _depth_message(self):
        return _("De JSON is te diep genest: ten hoogste %(max)s niveaus.") % {"max": self.max_depth}
