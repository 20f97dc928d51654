"""Permission checks cost the same number of queries with 1, 10 or 100 grants (no per-grant or per-row checks)."""
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
    # On PostgreSQL the first use of the permission query on a connection also PREPAREs it: do that first.
    list(objects_for_user(type(user).objects.get(pk=user.pk), "access.manage_department_signals", Department))
    for target in (1, 10, 100):
        while made < target:
            if kind == "dashboard":
                scope = Dashboard.objects.create(slug=f"d{made}", name=f"Dashboard {made}")
                grant(user, R.DASHBOARD_VIEWER, scope=scope)
            else:
                scope = Department.objects.create(code=f"a{made}", name=f"Afdeling {made}")
                grant(user, R.SIGNAL_OFFICER, scope=scope)
            made += 1
        user = type(user).objects.get(pk=user.pk)  # fresh, as in a new request
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
