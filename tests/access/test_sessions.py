"""Sessions: Django's cached_db engine. A logged-in request reads its session from the cache, never from the database;
the database copy keeps a session when its cache entry is lost; logging out ends it in both (so a copied cookie is
worthless afterwards). The sliding idle timeout is tested in test_authentication.py."""
import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import login, make_user

pytestmark = pytest.mark.django_db

PAGE = "/mijn-autorisaties/"  # needs a login only


def _session_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(PAGE)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries if "django_session" in q["sql"]]


def test_the_engine_is_djangos_cached_db():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"


def test_a_logged_in_request_reads_its_session_from_the_cache():
    client = login(Client(), make_user("ana"))
    client.get(PAGE)
    assert _session_queries(client) == []


def test_a_session_survives_the_loss_of_its_cache_entry():
    client = login(Client(), make_user("ana"))
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    caches[settings.SESSION_CACHE_ALIAS].delete(KEY_PREFIX + key)  # a cache restart, an eviction
    assert len(_session_queries(client)) == 1  # read once from the database, still logged in ...
    assert _session_queries(client) == []  # ... and cached again


def test_logging_out_ends_the_session_in_the_cache_and_the_database():
    client = login(Client(), make_user("ana"))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    copy = Client()
    copy.cookies[settings.SESSION_COOKIE_NAME] = cookie
    assert copy.get(PAGE).status_code == 200

    client.post("/uitloggen/")

    assert not Session.objects.filter(session_key=cookie).exists()
    assert caches[settings.SESSION_CACHE_ALIAS].get(KEY_PREFIX + cookie) is None
    response = copy.get(PAGE)
    assert response.status_code == 302 and "/inloggen/" in response["Location"]
