"""Who opens which dashboard: the ordinary dashboard role only ordinary dashboards, the address-level (hennep)
dashboard only with its own permission, refused when granting and refused when opening."""
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from access import roles as R
from access.models import Authorisation
from access.services import authorisation_approve, authorisation_request
from audit.models import AccessEvent
from dashboards.models import Dashboard, DashboardUserObjectPermission
from dashboards.selectors import dashboard_get_for_user, dashboard_list_for_user
from tests.factories import admins, grant, login, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def boards():
    return {
        "buurt": Dashboard.objects.create(slug="buurtveiligheid", name="Veiligheid per buurt"),
        "hennep": Dashboard.objects.create(slug="hennep", name="Hennep (adresniveau)", address_level=True),
    }


def _request(role, scope, user=None):
    first, _second = admins()
    return authorisation_request(
        requested_by=first, user=user or make_user("analist"), role=role, scope=scope, purpose="Analyse ondermijning",
        valid_until=timezone.localdate() + timedelta(days=90))


def test_the_ordinary_dashboard_role_is_refused_on_the_address_level_dashboard(boards):
    with pytest.raises(ValidationError) as refused:
        _request(R.DASHBOARD_VIEWER, boards["hennep"])
    message = refused.value.message_dict["scope"][0]
    assert "‘Dashboardgebruiker’ kan niet worden toegekend op ‘Hennep (adresniveau)’" in message
    assert "adresniveau" in message and "‘Dashboard op adresniveau’" in message
    assert not Authorisation.objects.filter(role=R.DASHBOARD_VIEWER).exists()


def test_the_address_level_role_is_refused_on_an_ordinary_dashboard(boards):
    with pytest.raises(ValidationError) as refused:
        _request(R.ADDRESS_LEVEL_VIEWER, boards["buurt"])
    assert "‘Dashboardgebruiker’ toe" in refused.value.message_dict["scope"][0]


def test_each_role_is_accepted_on_its_own_kind_of_dashboard(boards):
    assert _request(R.DASHBOARD_VIEWER, boards["buurt"]).pk
    assert _request(R.ADDRESS_LEVEL_VIEWER, boards["hennep"], user=make_user("hennep-analist")).pk
    assert R.ROLES[R.DASHBOARD_VIEWER].accepts(boards["buurt"])
    assert not R.ROLES[R.DASHBOARD_VIEWER].accepts(boards["hennep"])
    assert list(R.ROLES[R.ADDRESS_LEVEL_VIEWER].scope_queryset()) == [boards["hennep"]]
    assert not R.ROLES[R.SIGNAL_SEARCH].accepts(boards["buurt"]) and R.ROLES[R.SIGNAL_SEARCH].accepts(None)


def test_a_request_is_checked_again_when_approved(boards):
    """A dashboard that became address-level after the request (or a request from before the rule)."""
    requested = _request(R.DASHBOARD_VIEWER, boards["buurt"])
    assert requested.status == Authorisation.Status.REQUESTED
    Dashboard.objects.filter(pk=boards["buurt"].pk).audited_update(reason="Dashboard wordt beperkt", address_level=True)
    _first, second = admins()
    with pytest.raises(ValidationError, match="adresniveau"):
        authorisation_approve(grant=requested, approved_by=second)
    requested.refresh_from_db()
    assert requested.status == Authorisation.Status.REQUESTED


def test_only_the_ordinary_permission_on_the_address_level_dashboard_opens_nothing(boards):
    """However it came about (a grant from before the rule, a hand-made permission row): no access."""
    user = make_user("analist")
    grant(user, R.DASHBOARD_VIEWER, scope=boards["buurt"])
    DashboardUserObjectPermission.objects.create(
        user=user, content_object=boards["hennep"],
        permission=Permission.objects.get(content_type__app_label="dashboards", codename="view_dashboard"))
    user.refresh_from_db()
    assert list(dashboard_list_for_user(user=user)) == [boards["buurt"]]
    assert dashboard_get_for_user(user=user, slug="hennep") is None
    client = login(Client(), user)
    assert client.get("/dashboards/hennep/").status_code == 404
    assert client.get("/dashboards/buurtveiligheid/").status_code == 200
    listing = client.get("/dashboards/").content.decode()
    assert "Veiligheid per buurt" in listing and "Hennep" not in listing
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.DASHBOARD_VIEW).exists()


def test_the_address_level_role_opens_the_restricted_dashboard_and_the_view_is_recorded(boards):
    user = make_user("hennep-analist")
    grant(user, R.ADDRESS_LEVEL_VIEWER, scope=boards["hennep"])
    client = login(Client(), user)
    assert client.get("/dashboards/hennep/").status_code == 200
    assert client.get("/dashboards/buurtveiligheid/").status_code == 404
    event = AccessEvent.objects.get(action=AccessEvent.Action.DASHBOARD_VIEW)
    assert event.actor == user and event.object_id == str(boards["hennep"].pk)
    assert event.role == R.ADDRESS_LEVEL_VIEWER


# -- the figures: every page and API endpoint refuses who may not see the dashboard ------------------------------

FIGURE_PAGES = ["/dashboards/{slug}/", "/dashboards/{slug}/buurt/BU00340101/", "/dashboards/{slug}/export.csv",
                "/dashboards/{slug}/export.xlsx"]
FIGURE_API = ["/api/v1/dashboards/{slug}/buurten", "/api/v1/dashboards/{slug}/trend",
              "/api/v1/dashboards/{slug}/dagdelen"]


@pytest.fixture
def world():
    from tests.dashboards.figures_fixtures import World, standard_incidents

    w = World()
    standard_incidents(w)
    return w


def _api(user=None):
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def test_anonymous_is_sent_to_login_or_refused(world):
    client = Client()
    for url in ["/dashboards/", *FIGURE_PAGES]:
        response = client.get(url.format(slug="buurtveiligheid"))
        assert response.status_code == 302 and response["Location"].startswith("/inloggen/"), url
    for url in ["/api/v1/dashboards", *FIGURE_API]:
        assert _api().get(url.format(slug="buurtveiligheid")).status_code in (401, 403), url


def test_a_user_without_the_grant_is_refused_everywhere(world):
    user = make_user("zonder-rechten")
    client = login(Client(), user)
    for url in ["/dashboards/", *FIGURE_PAGES]:
        assert client.get(url.format(slug="buurtveiligheid")).status_code == 403, url
    for url in ["/api/v1/dashboards", *FIGURE_API]:
        assert _api(user).get(url.format(slug="buurtveiligheid")).status_code == 403, url


def test_the_viewer_of_another_dashboard_gets_404_like_a_missing_one(world):
    user = make_user("ander-analist")
    grant(user, R.DASHBOARD_VIEWER, scope=world.boards["ander"])
    client = login(Client(), user)
    assert client.get("/dashboards/ander/?from=2024-01&to=2024-12").status_code == 200
    for slug in ("buurtveiligheid", "hennep", "bestaat-niet"):
        for url in FIGURE_PAGES:
            assert client.get(url.format(slug=slug)).status_code == 404, url
        for url in FIGURE_API:
            assert _api(user).get(url.format(slug=slug)).status_code == 404, url
    assert [d["slug"] for d in _api(user).get("/api/v1/dashboards").json()["results"]] == ["ander"]
    denied = AccessEvent.objects.filter(outcome=AccessEvent.Outcome.DENIED, object_id="buurtveiligheid")
    assert denied.count() == len(FIGURE_PAGES) + len(FIGURE_API)
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT).exists()


def test_the_ordinary_viewer_never_sees_the_hennep_dashboard(world):
    user = make_user("analist")
    grant(user, R.DASHBOARD_VIEWER, scope=world.boards["buurtveiligheid"])
    client = login(Client(), user)
    for url in FIGURE_PAGES:
        assert client.get(url.format(slug="buurtveiligheid") + "?from=2024-01&to=2024-12").status_code == 200, url
        assert client.get(url.format(slug="hennep")).status_code == 404, url
    for url in FIGURE_API:
        assert _api(user).get(url.format(slug="buurtveiligheid")).status_code == 200, url
        assert _api(user).get(url.format(slug="hennep")).status_code == 404, url
    # nor the address-level source through the ordinary dashboard
    response = _api(user).get("/api/v1/dashboards/buurtveiligheid/buurten?source=hennep")
    assert response.status_code == 400 and "adresniveau" in response.json()["detail"]
    assert client.get("/dashboards/buurtveiligheid/?source=hennep").status_code == 400


def test_the_hennep_analist_sees_only_the_hennep_dashboard(world):
    user = make_user("hennep-analist")
    grant(user, R.ADDRESS_LEVEL_VIEWER, scope=world.boards["hennep"])
    client = login(Client(), user)
    for url in FIGURE_PAGES:
        assert client.get(url.format(slug="buurtveiligheid")).status_code == 404, url
    for url in FIGURE_API:
        assert _api(user).get(url.format(slug="buurtveiligheid")).status_code == 404, url
    assert [d["slug"] for d in _api(user).get("/api/v1/dashboards").json()["results"]] == ["hennep"]


def test_the_hennep_grant_opens_only_address_level_figures(world):
    user = make_user("hennep-analist")
    grant(user, R.ADDRESS_LEVEL_VIEWER, scope=world.boards["hennep"])
    client = _api(user)
    response = client.get("/api/v1/dashboards/hennep/buurten?source=politie-bvh")
    assert response.status_code == 400 and "adresniveau" in response.json()["detail"]
    body = client.get("/api/v1/dashboards/hennep/buurten?from=2024-01&to=2024-12").json()
    assert body["source"] == "hennep" and body["total"] == 0
