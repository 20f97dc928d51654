"""Property: after any sequence of grant / approve / revoke / expire, the guardian permissions equal exactly
what the effective grants imply (computed here independently from the role catalogue)."""
from datetime import timedelta

import time_machine
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from access import roles as R
from access.models import Authorisation, Department, DepartmentUserObjectPermission
from access.services import (
    authorisation_approve,
    authorisation_expire_due,
    authorisation_request,
    authorisation_revoke,
)
from dashboards.models import Dashboard, DashboardUserObjectPermission
from ingest.models import ImportSource, ImportSourceUserObjectPermission
from tests.factories import admins, make_user

ROLE_CODES = [code for code, role in R.ROLES.items() if role.available and code != R.AUTHORISATION_ADMIN]

operation = st.one_of(
    st.tuples(st.just("grant"), st.integers(0, 2), st.sampled_from(ROLE_CODES), st.integers(0, 1), st.integers(0, 3), st.integers(3, 40)),
    st.tuples(st.just("approve"), st.integers(0, 30)),
    st.tuples(st.just("revoke"), st.integers(0, 30)),
    st.tuples(st.just("travel"), st.integers(1, 30)),
)


def expected_permissions(user, today):
    wanted_global, wanted_object = set(), set()
    for grant in Authorisation.objects.filter(
        user=user, status=Authorisation.Status.ACTIVE, valid_from__lte=today, valid_until__gte=today
    ):
        role = R.ROLES[grant.role]
        wanted_global |= set(role.model_perms)
        for codename in role.object_perms:
            wanted_object.add((role.scope_model()._meta.label, codename, grant.scope_id))
    return wanted_global, wanted_object


def actual_permissions(user):
    actual_global = {
        f"{app}.{code}"
        for app, code in Permission.objects.filter(user=user).values_list("content_type__app_label", "codename")
    }
    actual_object = set()
    for model, table in ((Department, DepartmentUserObjectPermission), (Dashboard, DashboardUserObjectPermission),
                         (ImportSource, ImportSourceUserObjectPermission)):
        for codename, obj_id in table.objects.filter(user=user).values_list("permission__codename", "content_object_id"):
            actual_object.add((model._meta.label, codename, obj_id))
    return actual_global, actual_object


class PermissionSyncProperty(TestCase):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(operation, min_size=1, max_size=12))
    def test_guardian_matches_effective_grants(self, operations):
        first, second = admins()
        users = [make_user(f"u{i}") for i in range(3)]
        scopes = {
            "access.Department": [Department.objects.create(code=f"d{i}", name=f"Afdeling {i}") for i in range(2)],
            "dashboards.Dashboard": [Dashboard.objects.create(slug=f"b{i}", name=f"Dashboard {i}") for i in range(2)],
            "ingest.ImportSource": [
                ImportSource.objects.create(code=f"s{i}", name=f"Bron {i}", format="politie-bvh") for i in range(2)
            ],
        }
        now = timezone.now()
        for op in operations:
            with time_machine.travel(now, tick=False):
                try:
                    if op[0] == "grant":
                        _, u, role_code, s, start, days = op
                        role = R.ROLES[role_code]
                        scope = scopes[role.scope][s] if role.scope else None
                        authorisation_request(
                            requested_by=first,
                            user=users[u],
                            role=role_code,
                            scope=scope,
                            purpose="eigenschapstest",
                            valid_from=timezone.localdate() + timedelta(days=start),
                            valid_until=timezone.localdate() + timedelta(days=days),
                        )
                    elif op[0] in ("approve", "revoke"):
                        grants = list(Authorisation.objects.filter(user__in=users).order_by("pk"))
                        if grants:
                            g = grants[op[1] % len(grants)]
                            if op[0] == "approve":
                                authorisation_approve(grant=g, approved_by=second)
                            else:
                                authorisation_revoke(grant=g, revoked_by=second, reason="eigenschapstest")
                    else:
                        now = now + timedelta(days=op[1])
                        with time_machine.travel(now, tick=False):
                            authorisation_expire_due()
                except ValidationError:
                    pass  # refused operations must leave permissions consistent too
            with time_machine.travel(now, tick=False):
                today = timezone.localdate()
                for user in users:
                    assert actual_permissions(user) == expected_permissions(user, today), op
