"""Permission checks cost the same number of queries with 1, 10 or 100 grants (no per-grant or per-row checks), and
the per-user permission snapshot costs none at all once it is in the cache."""
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from access import roles as R
from access.models import Department
from access.permissions import objects_for_user
from dashboards.models import Dashboard
from tests.factories import grant, login, make_user

pytestmark = pytest.mark.django_db


def _queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


@pytest.mark.parametrize("kind", ["dashboard", "department"])
def test_listing_visible_objects_is_one_query_whatever_the_number_of_grants(kind):
    user = make_user("ana")
    counts = []
    made = 0
    for target in (1, 10, 100):
        while made < target:
            if kind == "dashboard":
                scope = Dashboard.objects.create(slug=f"d{made}", name=f"Dashboard {made}")
                grant(user, R.DASHBOARD_VIEWER, scope=scope)
            else:
                scope = Department.objects.create(code=f"a{made}", name=f"Afdeling {made}")
                grant(user, R.SIGNAL_OFFICER, scope=scope)
            made += 1
        user = type(user).objects.get(pk=user.pk)  # fresh, as in a new request; the grants changed its snapshot key
        perm = "dashboards.view_dashboard" if kind == "dashboard" else "access.manage_department_signals"
        model = Dashboard if kind == "dashboard" else Department
        visible = []
        counts.append(_queries(lambda: visible.extend(objects_for_user(user, perm, model))))  # noqa: B023
        assert len(visible) == target
    assert counts[0] == counts[1] == counts[2], counts


def test_pages_cost_the_same_with_1_or_100_grants():
    user = make_user("ana")
    counts = []
    made = 0
    client = login(Client(), user)
    for target in (1, 100):
        while made < target:
            grant(user, R.DASHBOARD_VIEWER, scope=Dashboard.objects.create(slug=f"d{made}", name=f"D{made}"))
            made += 1
        client.get("/dashboards/")  # warm up the session after grant changes
        counts.append(_queries(lambda: client.get("/dashboards/")))  # noqa: B023
    assert counts[0] == counts[1], counts


PERMISSION_TABLES = ("auth_permission", "access_authorisation", "userobjectpermission", "access_user_user_permissions")


def _permission_queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return [q["sql"] for q in ctx.captured_queries if any(table in q["sql"] for table in PERMISSION_TABLES)]


def test_the_snapshot_costs_the_same_queries_with_1_or_100_grants_and_none_when_cached():
    from access.permissions import has_perm_anywhere

    user = make_user("ana")
    misses, made = [], 0
    for target in (1, 100):
        while made < target:
            grant(user, R.SIGNAL_OFFICER, scope=Department.objects.create(code=f"a{made}", name=f"Afdeling {made}"))
            made += 1
        fresh = type(user).objects.get(pk=user.pk)  # a new request after the grant changes: a cache miss
        misses.append(len(_permission_queries(
            lambda: has_perm_anywhere(fresh, "access.manage_department_signals", Department))))  # noqa: B023
        again = type(user).objects.get(pk=user.pk)  # the next request: from the cache
        assert _permission_queries(lambda: has_perm_anywhere(again, "access.manage_department_signals", Department)) \
            == []  # noqa: B023
    assert misses[0] == misses[1] > 0, misses


def test_a_page_reads_no_permission_table_once_the_snapshot_is_cached():
    user = make_user("ana")
    grant(user, R.DASHBOARD_VIEWER, scope=Dashboard.objects.create(slug="d", name="D"))
    client = login(Client(), user)
    client.get("/dashboards/")
    reads = _permission_queries(lambda: client.get("/dashboards/"))
    # Only the listing itself asks guardian's table, inside its one query (an Exists subquery): no snapshot query.
    assert len(reads) == 1 and reads[0].startswith('SELECT "dashboards_dashboard"'), reads


def test_a_token_request_loads_the_users_department_with_the_token():
    """The API's token login, like the session login, loads the department with the user (every audit event names
    it): no query of its own per request."""
    from access.api import api_token_rotate
    from areas.models import Address

    user = make_user("ana", department=Department.objects.create(code="oov", name="OOV"))
    grant(user, R.SIGNAL_SEARCH)
    raw = api_token_rotate(user=user)
    address = Address.objects.create(bag_id="0855200000000001", street="Stationsstraat", number=1, postcode="5038AB",
                                     city="Tilburg")
    client = Client(HTTP_AUTHORIZATION=f"Token {raw}")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/api/v1/addresses/{address.pk}/hits", {"purpose": "Zaak 1"})
    assert response.status_code == 200
    assert not [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT "access_department"')]
