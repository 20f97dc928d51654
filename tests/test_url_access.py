"""Deny by default: walk every URL pattern in the resolver.

Anonymous users are sent to the login page (HTML) or get 401/403 (API); a logged-in user without grants
gets 403, except on a short, explicit allow-list.
"""
import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from tests.factories import login, make_user

pytestmark = pytest.mark.django_db

# Pages anyone may open without logging in.
PUBLIC = {"login", "logout", "healthz", "set_language",
          "oidc_authentication_init", "oidc_authentication_callback"}  # the OIDC login (to the login page when off)
# Pages every logged-in user may open, whatever their grants.
LOGGED_IN = {"home", "access:my_authorisations", "api_schema", "access:api_token",
             "twofactor_verify", "twofactor_enrol", "twofactor_mine"}  # one's own second factor
# One's own account, and the one-time set-password link (public: the token in the link is the key).
LOGGED_IN |= {"access:my_account", "access:password_change"}
PUBLIC |= {"access:password_set"}
# Django's admin has its own login page and checks access.permissions itself (tested in tests/access).
SKIP_NAMESPACES = {"admin"}

SAMPLE = {"int": "999999", "str": "onbekend", "slug": "onbekend", "uuid": str(uuid.uuid4()), "path": "onbekend"}


def _walk(resolver, prefix="", namespace=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            route = _route(entry.pattern)
            yield from _walk(entry, None if prefix is None or route is None else prefix + route, ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            route = _route(entry.pattern)
            yield name, namespace, None if prefix is None or route is None else prefix + route

def _route(pattern):
    return str(pattern) if isinstance(pattern, RoutePattern) else None  # path() routes; re_path() regexes: None


def _fill(route):
    import re

    def sub(match):
        converter = match.group(1) or "str"
        return SAMPLE.get(converter, "1")

    return "/" + re.sub(r"<(?:(\w+):)?\w+>", sub, route)


def all_patterns():
    result = []
    for name, namespace, route in _walk(get_resolver()):
        if namespace.split(":")[0] in SKIP_NAMESPACES:
            continue
        # A regex route would escape this walk: the platform uses path() routes only.
        assert route is not None, f"URL pattern {name!r} is a regex route; use path() so it can be checked"
        result.append((name, _fill(route)))
    return result


PATTERNS = all_patterns()


def test_the_walk_finds_the_platform():
    names = {name for name, _url in PATTERNS}
    assert {"home", "login", "access:grant_create", "dashboards:detail"} <= names
    assert len(PATTERNS) > 15


@pytest.mark.parametrize("name,url", PATTERNS, ids=[f"{n or u}" for n, u in PATTERNS])
def test_anonymous_is_refused(name, url):
    response = Client().get(url)
    if name in PUBLIC:
        assert response.status_code in (200, 302, 405), url
        return
    if url.startswith("/api/"):
        assert response.status_code in (401, 403), (url, response.status_code)
    else:
        assert response.status_code == 302, (url, response.status_code)
        assert response["Location"].startswith("/inloggen/"), url


@pytest.mark.parametrize("name,url", PATTERNS, ids=[f"{n or u}" for n, u in PATTERNS])
def test_user_without_grants_is_refused(name, url):
    client = login(Client(), make_user("zonder-rechten"))
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if name in PUBLIC or name in LOGGED_IN:
            assert response.status_code != 500, url
            continue
        assert response.status_code == 403, (method, url, response.status_code)
