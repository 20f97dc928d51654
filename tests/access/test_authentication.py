"""Login, logout, lockout, idle timeout and demo accounts."""
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_login_page_is_dutch():
    body = Client().get("/inloggen/").content.decode()
    assert 'lang="nl"' in body and "Gebruikersnaam" in body and "Wachtwoord" in body


def test_anonymous_is_sent_to_login():
    response = Client().get("/mijn-autorisaties/")
    assert response.status_code == 302 and response["Location"].startswith("/inloggen/")


def test_login_and_logout():
    make_user("ana")
    client = Client()
    response = client.post("/inloggen/", {"username": "ana", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/uitloggen/")
    assert client.get("/").status_code == 302


def test_wrong_password_message_and_lockout(settings):
    settings.AXES_FAILURE_LIMIT = 3
    make_user("ana")
    client = Client()
    first = client.post("/inloggen/", {"username": "ana", "password": "fout"})
    assert first.status_code == 200 and "alert" in first.content.decode()
    for _ in range(3):
        response = client.post("/inloggen/", {"username": "ana", "password": "fout"})
    assert response.status_code == 429
    assert "Tijdelijk geblokkeerd" in response.content.decode()
    # Even the right password is refused during the cool-off.
    response = client.post("/inloggen/", {"username": "ana", "password": PASSWORD})
    assert response.status_code == 429


def test_demo_accounts_cannot_log_in_when_demo_is_off(settings):
    settings.DEMO_ACCOUNTS_ENABLED = False
    make_user("demo", is_demo=True)
    response = Client().post("/inloggen/", {"username": "demo", "password": PASSWORD})
    assert response.status_code == 200  # refused, form shown again
    settings.DEMO_ACCOUNTS_ENABLED = True
    response = Client().post("/inloggen/", {"username": "demo", "password": PASSWORD})
    assert response.status_code == 302


def test_idle_timeout_is_thirty_minutes_and_sliding(db):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    assert settings.SESSION_COOKIE_AGE == 30 * 60
    make_user("slider")  # "Mijn autorisaties" needs a login only
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        client = Client()
        assert client.post("/inloggen/", {"username": "slider", "password": PASSWORD}).status_code == 302
        for _ in range(3):  # active every 25 minutes: stays logged in well past 30 minutes in total
            traveller.shift(timedelta(minutes=25))
            assert client.get("/mijn-autorisaties/").status_code == 200
        traveller.shift(timedelta(minutes=31))  # then idle for 31 minutes: logged out
        response = client.get("/mijn-autorisaties/")
        assert response.status_code == 302 and "/inloggen/" in response["Location"]


def test_requests_within_the_touch_interval_do_not_write_the_session(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_user("quiet")
    client = Client()
    client.post("/inloggen/", {"username": "quiet", "password": PASSWORD})
    client.get("/mijn-autorisaties/")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/mijn-autorisaties/")
    writes = [q["sql"] for q in ctx.captured_queries if "django_session" in q["sql"] and
              q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert writes == []


def test_anonymous_visits_create_no_session(db):
    from django.contrib.sessions.models import Session

    Client().get("/inloggen/")
    Client().get("/healthz")
    assert Session.objects.count() == 0


@pytest.mark.parametrize(
    "env",
    [
        {"DEBUG": "0", "SECRET_KEY": ""},
        {"DEBUG": "0", "SECRET_KEY": "demo-insecure-veiligheidsplatform-key-do-not-use-in-production"},
    ],
)
def test_refuses_to_start_without_a_real_secret_key(env):
    full_env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    full_env.update(env)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], env=full_env, capture_output=True, text=True, cwd=settings.BASE_DIR
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_starts_with_a_real_secret_key():
    full_env = dict(os.environ, DEBUG="0", SECRET_KEY="a-real-and-long-secret-key-0123456789-abcdefghij")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], env=full_env, capture_output=True, text=True, cwd=settings.BASE_DIR
    )
    assert result.returncode == 0, result.stderr
