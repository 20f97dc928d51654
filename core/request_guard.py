"""Requests no view can answer sensibly are refused at the door with a clear 400 (issue 12, finding 9).

A NUL character (U+0000) has no meaning in a URL, a query parameter, a form field or a request header, and
PostgreSQL refuses it in every text column: a NUL that reached a lookup (`/beheer/gebruikers/henk%00/`, `?q=%00`) or
an audit record (the path, the user agent) ended in a server error there, while SQLite quietly stored it. Checked
once, here, before any view, session or audit code runs, so that no view has to remember it. JSON bodies are checked
by the API's parser (core.api.SafeJSONParser), uploaded files by the form that reads them.
"""
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

NUL = "\x00"
# Form bodies are read here only when they are small and URL-encoded; multipart bodies (uploads) are left to the
# views' forms, whose text fields refuse NUL themselves (Django's ProhibitNullCharactersValidator).
FORM_URLENCODED = "application/x-www-form-urlencoded"


def _has_nul(querydict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in querydict.lists())


def refusal_reason(request) -> str:
    """Why the request is refused ('' when it is acceptable)."""
    if NUL in request.path or NUL in request.path_info:
        return "path"
    if _has_nul(request.GET):
        return "query"
    if any(NUL in str(value) for name, value in request.META.items() if name.startswith("HTTP_")):
        return "header"
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.content_type == FORM_URLENCODED:
        if _has_nul(request.POST):
            return "form"
    return ""


def bad_request(request, detail: str):
    """A 400 in the format of the part of the platform asked: problem+json for the API, an HTML page otherwise."""
    if request.path.startswith("/api/"):
        from core.api import PROBLEM_JSON, api_version, problem

        response = JsonResponse(problem(400, detail, code="invalid_character"), status=400,
                                content_type=PROBLEM_JSON)
        response["API-Version"] = api_version()
        return response
    # Rendered without the request: no session, user or audit context exists yet at this point.
    return HttpResponse(loader.get_template("400.html").render({"message": detail}), status=400)


class RejectMalformedRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if refusal_reason(request):
            return bad_request(request, _("De aanvraag bevat een ongeldig teken (NUL). Verwijder het en probeer het "
                                          "opnieuw."))
        return self.get_response(request)
