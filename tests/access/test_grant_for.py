"""Which grant allowed an action (recorded in the audit trail): the right one, only while it is effective."""
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from access import roles as R
from access.models import User
from access.permissions import grant_for
from access.services import authorisation_revoke
from tests.factories import admins, grant, make_department, make_user

pytestmark = pytest.mark.django_db

OFFICER_PERM = "access.manage_department_signals"
SEARCH_PERM = "signals.search_address"


def fresh(user):
    return User.objects.get(pk=user.pk)  # as in a new request


def test_the_grant_of_the_object_is_named_and_a_revoked_one_never():
    th, sz = make_department("toezicht-handhaving"), make_department("sociale-zaken")
    user = make_user("ria")
    search = grant(user, R.SIGNAL_SEARCH)
    on_th = grant(user, R.SIGNAL_OFFICER, scope=th)
    on_sz = grant(user, R.SIGNAL_OFFICER, scope=sz)

    user = fresh(user)
    assert grant_for(user, SEARCH_PERM).pk == search.pk
    assert grant_for(user, SEARCH_PERM).role == R.SIGNAL_SEARCH
    assert grant_for(user, OFFICER_PERM, th).pk == on_th.pk
    assert grant_for(user, OFFICER_PERM, sz).pk == on_sz.pk
    assert grant_for(user, "audit.review_audit") is None

    authorisation_revoke(grant=on_sz, revoked_by=admins()[0], reason="Andere functie")
    user = fresh(user)
    assert grant_for(user, OFFICER_PERM, sz) is None
    assert grant_for(user, OFFICER_PERM, th).pk == on_th.pk


def test_an_expired_grant_is_not_named():
    user = make_user("exp")
    grant(user, R.SIGNAL_SEARCH, days=10)
    assert grant_for(fresh(user), SEARCH_PERM) is not None
    with time_machine.travel(timezone.now() + timedelta(days=11), tick=False):
        assert grant_for(fresh(user), SEARCH_PERM) is None
