"""The authorisation rules, through the services."""
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from access import roles as R
from access.models import Authorisation
from access.permissions import has_perm, has_perm_anywhere, objects_for_user
from access.services import (
    authorisation_approve,
    authorisation_expire_due,
    authorisation_reject,
    authorisation_renew,
    authorisation_request,
    authorisation_revoke,
)
from dashboards.models import Dashboard
from tests.factories import admins, grant, make_department, make_user

pytestmark = pytest.mark.django_db

VIEW = "dashboards.view_dashboard"


@pytest.fixture
def dashboard():
    return Dashboard.objects.create(slug="buurt", name="Veiligheid per buurt")


@pytest.fixture
def other_dashboard():
    return Dashboard.objects.create(slug="hennep", name="Hennep", address_level=True)


def request(user, role=R.DASHBOARD_VIEWER, scope=None, days=90, requested_by=None, **kw):
    first, _second = admins()
    return authorisation_request(
        requested_by=requested_by or first,
        user=user,
        role=role,
        scope=scope,
        purpose=kw.pop("purpose", "Analyse woninginbraken Haven"),
        valid_until=timezone.localdate() + timedelta(days=days),
        **kw,
    )


def test_grant_needs_a_second_administrator(dashboard):
    first, second = admins()
    user = make_user("ana")
    g = request(user, scope=dashboard)
    assert g.status == Authorisation.Status.REQUESTED
    assert not has_perm(user, VIEW, dashboard)
    with pytest.raises(ValidationError, match="tweede beheerder"):
        authorisation_approve(grant=g, approved_by=first)
    authorisation_approve(grant=g, approved_by=second)
    user.refresh_from_db()
    assert has_perm(user, VIEW, dashboard)


def test_nobody_grants_or_approves_for_themselves(dashboard):
    first, second = admins()
    with pytest.raises(ValidationError, match="uzelf"):
        request(first, role=R.DASHBOARD_VIEWER, scope=dashboard, requested_by=first)
    g = request(second, scope=dashboard, requested_by=first)
    with pytest.raises(ValidationError, match="uzelf"):
        authorisation_approve(grant=g, approved_by=second)


def test_purpose_and_end_date_are_required_and_bounded(dashboard):
    user = make_user("ana")
    with pytest.raises(ValidationError):
        request(user, scope=dashboard, purpose="   ")
    with pytest.raises(ValidationError, match="12 maanden"):
        request(user, scope=dashboard, days=400)
    with pytest.raises(ValidationError, match="verleden"):
        request(user, scope=dashboard, valid_from=timezone.localdate() - timedelta(days=1))


def test_scope_must_match_role(dashboard):
    user = make_user("ana")
    with pytest.raises(ValidationError):
        request(user, role=R.DASHBOARD_VIEWER, scope=None)
    with pytest.raises(ValidationError):
        request(user, role=R.DASHBOARD_VIEWER, scope=make_department("oov"))
    with pytest.raises(ValidationError):
        request(user, role=R.INTERVENTION_EDITOR, scope=dashboard)


def test_auditor_cannot_be_administrator():
    first, second = admins()
    user = make_user("aud")
    grant(user, R.AUDITOR)
    with pytest.raises(ValidationError, match="functiescheiding"):
        request(user, role=R.AUTHORISATION_ADMIN)
    other = make_user("adm")
    grant(other, R.AUTHORISATION_ADMIN)
    with pytest.raises(ValidationError, match="functiescheiding"):
        request(other, role=R.AUDITOR)


@pytest.mark.parametrize("signal_role", [R.SIGNAL_SEARCH, R.BULK_CHECK, R.SIGNAL_OFFICER, R.HIT_REPORT_COORDINATOR])
def test_auditor_cannot_hold_a_signal_role(signal_role):
    """Issue 12 #10: whoever judges the use of signals never places or reads them; both orders are refused."""
    admins()
    scope = make_department("oov") if signal_role == R.SIGNAL_OFFICER else None
    auditor = make_user("aud")
    grant(auditor, R.AUDITOR)
    with pytest.raises(ValidationError, match="functiescheiding"):
        request(auditor, role=signal_role, scope=scope)
    officer = make_user("off")
    grant(officer, signal_role, scope=scope)
    with pytest.raises(ValidationError, match="functiescheiding"):
        request(officer, role=R.AUDITOR)


def test_pending_request_also_blocks_the_conflicting_role():
    user = make_user("aud")
    request(user, role=R.AUDITOR)  # requested, not yet approved
    with pytest.raises(ValidationError, match="functiescheiding"):
        request(user, role=R.AUTHORISATION_ADMIN)


def test_object_permission_is_limited_to_the_scope(dashboard, other_dashboard):
    user = make_user("ana")
    grant(user, R.DASHBOARD_VIEWER, scope=dashboard)
    assert has_perm(user, VIEW, dashboard)
    assert not has_perm(user, VIEW, other_dashboard)
    assert list(objects_for_user(user, VIEW, Dashboard)) == [dashboard]
    assert not has_perm(user, VIEW)  # no platform-wide permission


def test_overlapping_grants_do_not_cancel_each_other_on_revoke(dashboard):
    _first, second = admins()
    user = make_user("ana")
    g1 = grant(user, R.DASHBOARD_VIEWER, scope=dashboard, purpose="Project A")
    grant(user, R.DASHBOARD_VIEWER, scope=dashboard, purpose="Project B")
    authorisation_revoke(grant=g1, revoked_by=second, reason="Project A klaar")
    assert has_perm(user, VIEW, dashboard)


def test_revoke_removes_permission_and_requires_reason(dashboard):
    _first, second = admins()
    user = make_user("ana")
    g = grant(user, R.DASHBOARD_VIEWER, scope=dashboard)
    with pytest.raises(ValidationError):
        authorisation_revoke(grant=g, revoked_by=second, reason="")
    authorisation_revoke(grant=g, revoked_by=second, reason="Andere functie")
    user.refresh_from_db()
    assert not has_perm(user, VIEW, dashboard)
    assert not has_perm_anywhere(user, VIEW, "dashboards.Dashboard")
    g.refresh_from_db()
    assert g.status == Authorisation.Status.REVOKED and g.revoked_by == second


def test_reject_needs_a_reason_and_grants_nothing(dashboard):
    _first, second = admins()
    user = make_user("ana")
    g = request(user, scope=dashboard)
    with pytest.raises(ValidationError):
        authorisation_reject(grant=g, rejected_by=second, note="")
    authorisation_reject(grant=g, rejected_by=second, note="Geen noodzaak")
    with pytest.raises(ValidationError):
        authorisation_approve(grant=g, approved_by=second)
    assert not has_perm(user, VIEW, dashboard)


def test_expiry_with_frozen_time(dashboard):
    user = make_user("ana")
    g = grant(user, R.DASHBOARD_VIEWER, scope=dashboard, days=10)
    end = g.valid_until
    with time_machine.travel(timezone.make_aware(timezone.datetime.combine(end, timezone.datetime.min.time())) + timedelta(hours=12)):
        assert authorisation_expire_due() == 0
        user.refresh_from_db()
        assert has_perm(user, VIEW, dashboard)  # the last day still counts
    with time_machine.travel(timezone.make_aware(timezone.datetime.combine(end + timedelta(days=1), timezone.datetime.min.time())) + timedelta(hours=1)):
        assert authorisation_expire_due() == 1
        user.refresh_from_db()
        assert not has_perm(user, VIEW, dashboard)
        g.refresh_from_db()
        assert g.status == Authorisation.Status.EXPIRED


def test_future_grant_starts_on_its_first_day(dashboard):
    first, second = admins()
    user = make_user("ana")
    start = timezone.localdate() + timedelta(days=5)
    g = request(user, scope=dashboard, valid_from=start)
    authorisation_approve(grant=g, approved_by=second)
    user.refresh_from_db()
    assert not has_perm(user, VIEW, dashboard)
    assert user.permissions_recheck_at is not None
    with time_machine.travel(user.permissions_recheck_at + timedelta(minutes=1)):
        authorisation_expire_due()
        user.refresh_from_db()
        assert has_perm(user, VIEW, dashboard)


def test_renew_continues_without_gap_and_needs_approval(dashboard):
    first, second = admins()
    user = make_user("ana")
    g = grant(user, R.DASHBOARD_VIEWER, scope=dashboard, days=20)
    renewal = authorisation_renew(grant=g, requested_by=first, valid_until=timezone.localdate() + timedelta(days=200))
    assert renewal.valid_from == g.valid_until + timedelta(days=1)
    assert renewal.status == Authorisation.Status.REQUESTED and renewal.renewal_of == g
    with pytest.raises(ValidationError):
        authorisation_renew(grant=g, requested_by=first, valid_until=g.valid_until)


def test_superuser_flag_grants_nothing(dashboard):
    boss = make_user("boss", is_superuser=True, is_staff=True)
    assert not has_perm(boss, VIEW, dashboard)
    assert not has_perm(boss, "access.administer_authorisations")
    assert not boss.has_perm("access.administer_authorisations")
    assert list(objects_for_user(boss, VIEW, Dashboard)) == []


def test_every_role_names_existing_permissions():
    from django.contrib.auth.models import Permission

    for role in R.ROLES.values():
        if not role.available:
            continue
        for perm in role.model_perms:
            app_label, codename = perm.split(".")
            assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists(), perm
        model = role.scope_model()
        for codename in role.object_perms:
            assert Permission.objects.filter(
                content_type__app_label=model._meta.app_label, content_type__model=model._meta.model_name, codename=codename
            ).exists(), codename


def test_non_sensitive_role_is_active_at_once_when_policy_allows(settings, dashboard):
    settings.AUTHORISATION_FOUR_EYES_FOR_ALL = False
    user = make_user("ana")
    g = request(user, scope=dashboard)
    assert g.status == Authorisation.Status.ACTIVE
    user.refresh_from_db()
    assert has_perm(user, VIEW, dashboard)
    # A sensitive role still waits for the second administrator.
    assert request(user, role=R.AUDITOR).status == Authorisation.Status.REQUESTED
