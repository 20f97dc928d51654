"""The per-user permission snapshot in the cache (access.permissions): read without a query while nothing changed, and
read afresh by the very next request, in any process, after a grant is approved, revoked or expires, or a day passes.

"Another process" is modelled as the platform runs one: a new user instance per request (as the session's user load
gives it), and either the shared cache (Redis in production) or a cache of its own. The snapshot's key holds
User.permissions_version, which every permission sync sets anew in the database, so even a process whose cache was
not told anything reads the change.
"""
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access import roles as R
from access.models import Authorisation, User
from access.permissions import grant_for, has_perm, snapshot_cache_key
from access.services import authorisation_approve, authorisation_expire_due, authorisation_request, authorisation_revoke
from dashboards.models import Dashboard
from tests.factories import admins, grant, login, make_user

pytestmark = pytest.mark.django_db

SEARCH_PERM = "signals.search_address"
VIEW = "dashboards.view_dashboard"


def fresh(user):
    return User.objects.get(pk=user.pk)  # a new request loads the user anew (access.backends)


def queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return result, len(ctx.captured_queries)


def own_cache(name):
    """A process with a cache of its own (not shared with the other 'process' of the test)."""
    return override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                                 "LOCATION": f"permission-cache-test-{name}"}})


def test_a_cached_snapshot_answers_without_a_query():
    user = make_user("ana")
    grant(user, R.SIGNAL_SEARCH)
    for n in range(5):
        grant(user, R.DASHBOARD_VIEWER, scope=Dashboard.objects.create(slug=f"d{n}", name=f"D{n}"))
    allowed, cold = queries(lambda: has_perm(fresh(user), SEARCH_PERM))
    assert allowed
    first = fresh(user)
    allowed, warm = queries(lambda: has_perm(first, SEARCH_PERM) and has_perm(first, "audit.review_audit") is False
                            and grant_for(first, SEARCH_PERM) is not None)
    assert allowed and warm == 0
    assert cold > 0  # the first request of the day (or after a change) read it from the database
    assert cache.get(snapshot_cache_key(first, timezone.localdate())) is not None


def test_a_revoke_is_seen_by_the_next_request_through_the_shared_cache():
    user = make_user("ana")
    search = grant(user, R.SIGNAL_SEARCH)
    client = login(Client(), user)
    assert client.get("/signalen/zoeken/").status_code == 200  # the snapshot is now in the cache
    before = fresh(user).permissions_version

    authorisation_revoke(grant=search, revoked_by=admins()[0], reason="Andere functie")  # an administrator's request

    assert fresh(user).permissions_version != before
    assert client.get("/signalen/zoeken/").status_code == 403  # the officer's very next request
    assert not has_perm(fresh(user), SEARCH_PERM)


def test_an_approval_is_seen_by_the_next_request():
    first, second = admins()
    user = make_user("ana")
    client = login(Client(), user)
    assert client.get("/signalen/zoeken/").status_code == 403  # "nothing" is cached as well
    requested = authorisation_request(requested_by=first, user=user, role=R.SIGNAL_SEARCH, purpose="Handhaving",
                                      valid_until=timezone.localdate() + timedelta(days=30))
    assert client.get("/signalen/zoeken/").status_code == 403  # requested is not granted
    authorisation_approve(grant=requested, approved_by=second)
    assert client.get("/signalen/zoeken/").status_code == 200


def test_a_process_whose_cache_was_not_told_still_sees_the_change():
    """Worker 1 cached the snapshot in a cache of its own; worker 2 revokes. Worker 1's next request reads the new
    version with the user row and so never uses its stale entry."""
    user = make_user("ana")
    search = grant(user, R.SIGNAL_SEARCH)
    with own_cache("worker-1"):
        assert has_perm(fresh(user), SEARCH_PERM)
        _allowed, warm = queries(lambda: has_perm(fresh(user), SEARCH_PERM))
        assert warm == 1  # only the user row: the snapshot came from worker 1's cache
    with own_cache("worker-2"):
        authorisation_revoke(grant=search, revoked_by=admins()[0], reason="Uit dienst")
    with own_cache("worker-1"):
        assert not has_perm(fresh(user), SEARCH_PERM)
        assert grant_for(fresh(user), SEARCH_PERM) is None


def test_every_permission_sync_sets_a_new_version():
    dashboard = Dashboard.objects.create(slug="buurt", name="Buurt")
    user = make_user("ana")
    seen = {fresh(user).permissions_version}
    g = grant(user, R.DASHBOARD_VIEWER, scope=dashboard, days=3)
    seen.add(fresh(user).permissions_version)
    end = g.valid_until
    with time_machine.travel(timezone.make_aware(datetime.combine(end + timedelta(days=1), time(1)))):
        assert authorisation_expire_due() == 1  # the nightly job (or the middleware at the recheck moment)
        seen.add(fresh(user).permissions_version)
        assert not has_perm(fresh(user), VIEW, dashboard)
    assert len(seen) == 3


def test_the_key_changes_with_the_day_so_grants_end_by_date_even_before_a_sync():
    user = make_user("ana")
    g = grant(user, R.SIGNAL_SEARCH, days=0)  # its last day is today
    today = timezone.localdate()
    assert grant_for(fresh(user), SEARCH_PERM).pk == g.pk
    tomorrow = timezone.make_aware(datetime.combine(today + timedelta(days=1), time(9)))
    with time_machine.travel(tomorrow, tick=False):
        later = fresh(user)
        assert snapshot_cache_key(later, timezone.localdate()) != snapshot_cache_key(later, today)
        # No sync has run yet: the day in the key alone makes the snapshot read the grants effective today.
        assert grant_for(later, SEARCH_PERM) is None
    assert Authorisation.objects.get(pk=g.pk).status == Authorisation.Status.ACTIVE


def test_a_stale_instance_saved_after_a_sync_does_not_bring_the_old_permissions_back():
    user = make_user("ana")
    search = grant(user, R.SIGNAL_SEARCH)
    stale = fresh(user)  # e.g. loaded by a profile edit or a password change that is still running
    assert has_perm(fresh(user), SEARCH_PERM)  # cached under the version of before the revoke
    authorisation_revoke(grant=search, revoked_by=admins()[0], reason="Andere functie")
    after = fresh(user)

    stale.first_name = "Ana"
    stale.save()

    saved = fresh(user)
    assert saved.first_name == "Ana"  # the edit itself is stored
    assert saved.permissions_version == after.permissions_version
    assert saved.permissions_recheck_at == after.permissions_recheck_at
    assert not has_perm(saved, SEARCH_PERM)


def test_a_save_of_a_partly_loaded_user_writes_only_what_was_loaded():
    user = make_user("ana", first_name="Ana", last_name="Visser")
    partial = User.objects.only("id", "first_name").get(pk=user.pk)
    partial.first_name = "Anna"
    with CaptureQueriesContext(connection) as ctx:
        partial.save()
    updates = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1 and '"first_name"' in updates[0] and '"last_name"' not in updates[0]
    saved = fresh(user)
    assert (saved.first_name, saved.last_name, saved.username) == ("Anna", "Visser", "ana")


def test_a_process_keeps_its_own_copy_and_still_sees_a_revoke_at_once(monkeypatch):
    """The per-process copy in front of the shared cache: the next request of the same user asks the shared cache
    nothing, and a revoke elsewhere (new permissions_version in the database row) is seen at once all the same."""
    user = make_user("ana")
    g = grant(user, R.AUDITOR)
    assert has_perm(User.objects.get(pk=user.pk), "audit.review_audit")
    from django.core.cache import caches

    calls = []
    backend = type(caches["default"])
    real_get = backend.get
    monkeypatch.setattr(backend, "get", lambda self, *a, **k: calls.append(a) or real_get(self, *a, **k))
    assert has_perm(User.objects.get(pk=user.pk), "audit.review_audit")
    assert calls == []  # served from the process's own copy
    authorisation_revoke(grant=g, revoked_by=admins()[0], reason="Andere functie")
    assert not has_perm(User.objects.get(pk=user.pk), "audit.review_audit")
