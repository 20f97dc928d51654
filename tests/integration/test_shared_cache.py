"""With the configured Redis cache (CI's second run: CACHE_URL unset, so database 2 of the broker's Redis): sessions
and permission snapshots are stored there, where every web process reads them, and a grant change or a logout made
in one request is what the next request sees. Nothing here flushes Redis (other installations may share it)."""
import os
import uuid

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.core.cache import cache, caches
from django.test import Client
from django.utils import timezone

from access import roles as R
from access.models import User
from access.permissions import has_perm, snapshot_cache_key
from access.services import authorisation_revoke
from tests.factories import admins, grant, login, make_user

REDIS = "django.core.cache.backends.redis.RedisCache"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        os.environ.get("VP_INTEGRATION") != "1" or settings.CACHES["default"]["BACKEND"] != REDIS,
        reason="needs the Redis cache of an integration run (VP_INTEGRATION=1 with a Redis CACHE_URL or broker)",
    ),
    pytest.mark.django_db,
]


def test_the_cache_is_redis_and_answers():
    key = f"integration-{uuid.uuid4().hex}"
    cache.set(key, {"ok": True}, 30)
    assert cache.get(key) == {"ok": True}
    cache.delete(key)


def test_snapshot_and_session_live_in_redis_and_changes_reach_the_next_request():
    user = make_user(f"ana-{uuid.uuid4().hex[:8]}")
    search = grant(user, R.SIGNAL_SEARCH)
    client = login(Client(), user)
    assert client.get("/signalen/zoeken/").status_code == 200
    fresh = User.objects.get(pk=user.pk)
    assert cache.get(snapshot_cache_key(fresh, timezone.localdate())) is not None
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert caches[settings.SESSION_CACHE_ALIAS].get(KEY_PREFIX + session_key) is not None

    authorisation_revoke(grant=search, revoked_by=admins()[0], reason="Andere functie")
    assert client.get("/signalen/zoeken/").status_code == 403
    assert not has_perm(User.objects.get(pk=user.pk), "signals.search_address")

    client.post("/uitloggen/")
    assert caches[settings.SESSION_CACHE_ALIAS].get(KEY_PREFIX + session_key) is None
