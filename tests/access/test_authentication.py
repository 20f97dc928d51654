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


def test_idle_timeout_is_thirty_minutes_and_sliding():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


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
