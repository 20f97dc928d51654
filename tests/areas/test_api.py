"""The API infrastructure (NL API Design Rules) through its first user, GET /api/v1/addresses.

Covers: 401 for anonymous callers, 403 without a grant (and a denial event), session and token auth,
hashed and expiring tokens, API-Version on every /api/ response, problem+json errors, no trailing slashes,
the OpenAPI document, and PlatformPermission's deny-by-default table.
"""
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.test import force_authenticate
from rest_framework.views import APIView

from access import roles as R
from access.api import PlatformPermission, api_token_rotate, token_digest
from areas.models import Address
from audit.models import AccessEvent
from tests.factories import grant, login, make_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/addresses"


def _problem(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/problem+json")
    assert response["API-Version"] == "1.0.0"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


@pytest.fixture
def addresses():
    rows = {}
    for number, letter, addition in [(12, "", ""), (12, "A", ""), (12, "", "2"), (14, "", "")]:
        rows[f"{number}{letter}{addition}"] = Address.objects.create(
            bag_id=f"08552000000{number}{letter or 0}{addition or 0}", street="Stationsstraat", number=number,
            letter=letter, addition=addition, postcode="5038AB", city="Tilburg",
        )
    return rows


@pytest.fixture
def searcher():
    user = make_user("zoeker", "toezicht-handhaving", first_name="Zoë")
    grant(user, R.SIGNAL_SEARCH)
    return user


def test_anonymous_gets_401_problem_with_www_authenticate(addresses):
    response = Client().get(URL, {"q": "5038AB 12A"})
    body = _problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Token")
    assert "API-token" in body["detail"] or "Log in" in body["detail"]


def test_user_without_grant_gets_403_and_a_denial_event(addresses):
    client = Client()
    client.force_login(make_user("zonder", "burgerzaken"))
    _problem(client.get(URL, {"q": "5038AB 12A"}), 403)
    event = AccessEvent.objects.filter(action=AccessEvent.Action.DENIED).latest("id")
    assert event.actor_username == "zonder" and event.query == "signals.search_address"


def test_superuser_without_grant_is_refused(addresses):
    boss = make_user("baas", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(boss)
    _problem(client.get(URL, {"q": "5038AB 12A"}), 403)


def test_session_search_exact(addresses, searcher):
    client = login(Client(), searcher)
    response = client.get(URL, {"q": "5038ab-12-A"})
    assert response.status_code == 200
    assert response["API-Version"] == "1.0.0"
    body = response.json()
    assert body["match"] == "exact" and body["normalized"] == "5038AB 12A" and body["count"] == 1
    item = body["results"][0]
    assert item["id"] == addresses["12A"].pk
    assert (item["postcode"], item["huisnummer"], item["huisletter"], item["huisnummertoevoeging"]) == (
        "5038AB", 12, "A", ""
    )
    assert item["label"] == "Stationsstraat 12A, 5038 AB Tilburg"
    assert item["_links"]["self"]["href"].endswith(f"/api/v1/addresses/{addresses['12A'].pk}")
    assert item["_links"]["hits"]["href"].endswith(f"/api/v1/addresses/{addresses['12A'].pk}/hits")


def test_candidates_suggestions_and_pagination(addresses, searcher):
    client = Client()
    client.force_login(searcher)
    body = client.get(URL, {"q": "5038AB 12"}).json()
    assert body["match"] == "candidates" and body["count"] == 3
    body = client.get(URL, {"q": "Stations"}).json()
    assert body["match"] == "suggestions" and body["count"] == 4
    page = client.get(URL, {"q": "Stations", "pageSize": 3}).json()
    assert len(page["results"]) == 3 and "page=2" in page["next"]
    page2 = client.get(page["next"]).json()
    assert len(page2["results"]) == 1 and page2["next"] is None
    body = client.get(URL, {"q": "9999ZZ 1"}).json()
    assert body["match"] == "none" and body["results"] == [] and "niet gevonden" in body["message"]


def test_missing_or_unparseable_q_is_a_400_problem(searcher):
    client = Client()
    client.force_login(searcher)
    body = _problem(client.get(URL), 400)
    assert body["invalidParams"][0]["name"] == "q"
    assert "5038 AB 12a" in body["invalidParams"][0]["reason"]
    body = _problem(client.get(URL, {"q": "!!!"}), 400)
    assert body["invalidParams"][0]["name"] == "q"


def test_detail_and_404(addresses, searcher):
    client = Client()
    client.force_login(searcher)
    response = client.get(f"{URL}/{addresses['14'].pk}")
    assert response.status_code == 200 and response.json()["huisnummer"] == 14
    body = _problem(client.get(f"{URL}/99999999"), 404)
    assert "bestaat niet" in body["detail"]


def test_no_trailing_slash_and_unknown_urls_are_problem_json(searcher):
    client = Client()
    client.force_login(searcher)
    _problem(client.get(URL + "/", {"q": "5038AB 12"}), 404)
    _problem(client.get("/api/v1/bestaat-niet"), 404)
    _problem(client.post(URL, data="{}", content_type="application/json"), 405)  # GET only
    other = Client()
    other.force_login(make_user("zonder"))
    _problem(other.post(URL, data="{}", content_type="application/json"), 403)  # may not use it at all


def test_token_auth_and_hashed_storage(addresses, searcher):
    raw = api_token_rotate(user=searcher)
    stored = Token.objects.get(user=searcher)
    assert stored.key != raw and stored.key == token_digest(raw)
    client = Client()
    response = client.get(URL, {"q": "5038AB 12A"}, HTTP_AUTHORIZATION=f"Token {raw}")
    assert response.status_code == 200 and response.json()["match"] == "exact"
    # The stored value is not a usable token.
    _problem(client.get(URL, {"q": "5038AB 12A"}, HTTP_AUTHORIZATION=f"Token {stored.key}"), 401)
    # Rotating invalidates the old secret.
    new = api_token_rotate(user=searcher)
    _problem(client.get(URL, {"q": "5038AB 12A"}, HTTP_AUTHORIZATION=f"Token {raw}"), 401)
    assert client.get(URL, {"q": "5038AB 12A"}, HTTP_AUTHORIZATION=f"Token {new}").status_code == 200


def test_token_expires_and_respects_inactive_and_demo_accounts(addresses, searcher, settings):
    raw = api_token_rotate(user=searcher)
    token = Token.objects.get(user=searcher)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=91))
    body = _problem(Client().get(URL, {"q": "5038AB 12A"}, HTTP_AUTHORIZATION=f"Token {raw}"), 401)
    assert "verlopen" in body["detail"]
    raw = api_token_rotate(user=searcher)
    searcher.is_demo = True
    searcher.save()
    settings.DEMO_ACCOUNTS_ENABLED = False
    _problem(Client().get(URL, {"q": "5038AB 12A"}, HTTP_AUTHORIZATION=f"Token {raw}"), 401)
    settings.DEMO_ACCOUNTS_ENABLED = True
    assert Client().get(URL, {"q": "5038AB 12A"}, HTTP_AUTHORIZATION=f"Token {raw}").status_code == 200
    searcher.is_active = False
    searcher.save()
    _problem(Client().get(URL, {"q": "5038AB 12A"}, HTTP_AUTHORIZATION=f"Token {raw}"), 401)


def test_token_of_user_without_grant_is_403(addresses):
    raw = api_token_rotate(user=make_user("zonder", "burgerzaken"))
    _problem(Client().get(URL, {"q": "5038AB 12A"}, HTTP_AUTHORIZATION=f"Token {raw}"), 403)


def test_api_token_command(searcher):
    out = StringIO()
    call_command("api_token", "zoeker", stdout=out)
    raw = out.getvalue().splitlines()[1].strip()
    assert Token.objects.get(user=searcher).key == token_digest(raw)
    out = StringIO()
    call_command("api_token", "zoeker", "--revoke", stdout=out)
    assert not Token.objects.filter(user=searcher).exists()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("api_token", "niemand", stdout=StringIO())


def test_my_api_token_page(searcher):
    client = login(Client(), searcher)
    page = client.get("/mijn-api-token/")
    assert page.status_code == 200 and "nog geen API-token" in page.content.decode()
    page = client.post("/mijn-api-token/", {"action": "rotate"})
    raw = page.context["new_token"]
    assert raw in page.content.decode() and Token.objects.get(user=searcher).key == token_digest(raw)
    # The secret is shown once: a later visit shows only the dates.
    assert raw not in client.get("/mijn-api-token/").content.decode()
    client.post("/mijn-api-token/", {"action": "revoke"})
    assert not Token.objects.filter(user=searcher).exists()
    assert Client().get("/mijn-api-token/").status_code == 302  # anonymous -> login


def test_openapi_document(searcher):
    _problem(Client().get("/api/v1/openapi.json"), 401)
    client = Client()
    client.force_login(make_user("lezer"))  # any logged-in user may read the document
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response["API-Version"] == "1.0.0"
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["version"] == "1.0.0" and schema["info"]["contact"]
    from drf_spectacular.validation import validate_schema

    validate_schema(schema)
    assert "/api/v1/addresses" in schema["paths"] and "/api/v1/addresses/{id}" in schema["paths"]
    assert not [p for p in schema["paths"] if p.endswith("/")]
    listing = schema["paths"]["/api/v1/addresses"]["get"]
    assert "API-Version" in listing["responses"]["200"]["headers"]
    assert any(p["name"] == "q" and p["required"] for p in listing["parameters"])


# --- PlatformPermission, on its own --------------------------------------------------------------------------

class _View(APIView):
    permission_classes = [PlatformPermission]
    required_permissions = {"GET": "signals.search_address", "POST": None}

    def get(self, request):
        return Response({"ok": True})

    post = put = get


class _ScopedView(_View):
    required_permissions = {"GET": ("access.manage_department_signals", "access.Department")}


class _Undeclared(_View):
    required_permissions = None


def _call(view, method, user):
    request = getattr(RequestFactory(), method)("/api/v1/x")
    force_authenticate(request, user=user)
    return view.as_view()(request)


def test_permission_table_decides(searcher):
    nobody = make_user("niemand")
    assert _call(_View, "get", searcher).status_code == 200
    assert _call(_View, "get", nobody).status_code == 403
    assert _call(_View, "head", searcher).status_code == 200  # HEAD follows GET
    assert _call(_View, "post", nobody).status_code == 200  # None: any logged-in user
    assert _call(_View, "put", searcher).status_code == 403  # not in the table: denied
    assert _call(_Undeclared, "get", searcher).status_code == 403


def test_scoped_permission_needs_a_grant_on_some_department(searcher):
    from tests.factories import make_department

    assert _call(_ScopedView, "get", searcher).status_code == 403
    officer = make_user("officer", "sociale-zaken")
    grant(officer, R.SIGNAL_OFFICER, scope=make_department("sociale-zaken"))
    assert _call(_ScopedView, "get", officer).status_code == 200


def test_required_permission_goes_into_the_audit_context(searcher):
    """The denial log and the grant behind an event read the permission from the audit context, not from the request."""
    from audit.context import current_permission, request_context, reset_current, set_current

    request = RequestFactory().get("/api/v1/x")
    force_authenticate(request, user=make_user("niemand"))
    token = set_current(request_context(request))
    try:
        _View.as_view()(request)
        assert current_permission() == "signals.search_address"
    finally:
        reset_current(token)


def test_token_user_loses_an_expired_grant_at_once(addresses, searcher):
    """The permission refresh that the middleware does for session users also happens for token users."""
    import time_machine

    raw = api_token_rotate(user=searcher)
    client = Client()
    assert client.get(URL, {"q": "5038AB 12A"}, HTTP_AUTHORIZATION=f"Token {raw}").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=185)):  # the grant (180 days) has ended
        Token.objects.filter(user=searcher).update(created=timezone.now())
        _problem(client.get(URL, {"q": "5038AB 12A"}, HTTP_AUTHORIZATION=f"Token {raw}"), 403)
