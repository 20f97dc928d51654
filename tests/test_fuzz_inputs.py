"""No input makes the platform answer with a server error (issue 12, finding 9): hostile values sent to every URL
pattern and API endpoint, as an anonymous visitor, as one person holding every role but the auditor's, and as an
auditor.

Every URL pattern of the resolver is visited with its path converters filled with real ids and with hostile ones.
The query parameters a view reads are found by watching which names it asks its QueryDict for (a first request with
a dummy parameter binds its forms and filters), plus a fixed set of common names; each name then gets each hostile
value on its own, so that one invalid parameter cannot hide another. Form views get the hostile values in a POST
body (URL-encoded, as a browser sends it), API endpoints get malformed JSON. Deterministic: no randomness.
"""
import json
import re
from contextlib import contextmanager
from urllib.parse import quote, urlencode

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from access import roles as R
from tests.factories import grant, login, make_department, make_user

pytestmark = pytest.mark.django_db

HOSTILE_VALUES = [
    "a\x00b",  # NUL: PostgreSQL refuses it in text
    "0001-01-01", "9999-12-31", "2026-13-45",  # dates out of range, or no date at all
    "-1", "99999999999999999999999",  # numbers out of range
    "x" * 20_000,  # huge
    "\u202e\u200b\ufeff\u2800",  # right-to-left override, zero-width, BOM, braille blank
    "' OR 1=1--%_\\",  # SQL-ish, LIKE wildcards
    "[[[{\"a\": []}]]]",  # nested brackets
]
# Names every view is tried with, whatever it reads.
COMMON_NAMES = ["since", "until", "q", "page", "pageSize", "page_size", "cursor", "month", "from", "to", "year",
                "categories", "category", "purpose", "status", "sort", "ordering", "format", "department", "source",
                "buurt", "wijk", "min_departments", "person", "action", "next"]
IGNORED_NAMES = {"_", "csrfmiddlewaretoken"}
HOSTILE_PATH = {
    "int": ["0", "99999999999999999999999"],
    "str": ["x" * 3000, quote("\u202e\u200b'\"<>"), "..%2F..%2Fetc", "%00"],
    "slug": ["x" * 3000, "-"],
    "uuid": ["00000000-0000-0000-0000-000000000000"],
    "path": ["..%2F..%2Fetc%2Fpasswd"],
}
# Pages whose POST ends the session or that Django's own admin guards (tests/access): visited with GET only.
GET_ONLY = {"logout"}
SKIP_NAMESPACES = {"admin"}
ADMIN_URLS = ["/django-beheer/", "/django-beheer/access/user/", "/django-beheer/access/user/1/change/"]


# --- the URL walk ---------------------------------------------------------------------------------------------------

def _walk(resolver, prefix="", namespace=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else (entry.namespace or namespace)
            yield from _walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and isinstance(entry.pattern, RoutePattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield name, namespace, prefix + str(entry.pattern)


CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _fill(route, values):
    """All URLs of one route: each converter filled with its real sample (by converter and name) or a hostile value,
    one hostile value at a time."""
    converters = CONVERTER.findall(route)

    def build(choice):
        it = iter(choice)
        return "/" + CONVERTER.sub(lambda m: next(it), route)

    real = [values.get(name, values.get(kind or "str", "1")) for kind, name in converters]
    urls = [build(real)]
    for index, (kind, _name) in enumerate(converters):
        for hostile in HOSTILE_PATH.get(kind or "str", HOSTILE_PATH["str"]):
            urls.append(build(real[:index] + [hostile] + real[index + 1:]))
    return urls


def patterns():
    return [(name, route) for name, namespace, route in _walk(get_resolver())
            if namespace.split(":")[0] not in SKIP_NAMESPACES]


# --- which parameters a view reads ------------------------------------------------------------------------------

@contextmanager
def watching_names():
    """Record the names views ask any QueryDict for (GET and POST)."""
    seen = set()
    originals = {name: getattr(QueryDict, name) for name in ("get", "getlist", "__getitem__", "__contains__")}

    def wrap(method):
        def wrapper(self, key, *args, **kwargs):
            if isinstance(key, str):
                seen.add(key)
            return method(self, key, *args, **kwargs)
        return wrapper

    for name, method in originals.items():
        setattr(QueryDict, name, wrap(method))
    try:
        yield seen
    finally:
        for name, method in originals.items():
            setattr(QueryDict, name, method)


class Fuzzer:
    def __init__(self, client, label):
        self.client = client
        self.label = label
        self.failures = []
        self.requests = 0

    def send(self, method, url, **kwargs):
        self.requests += 1
        try:
            response = getattr(self.client, method)(url, **kwargs)
        except Exception as exc:  # noqa: BLE001 - an exception escaping the handler is a server error too
            self.failures.append((self.label, method.upper(), url[:200], repr(exc)[:300]))
            return None
        if response.status_code >= 500:
            self.failures.append((self.label, method.upper(), url[:200], kwargs.get("data", "")[:200]
                                  if isinstance(kwargs.get("data"), str) else "", response.status_code))
        return response

    def names_read(self, method, url, **kwargs):
        with watching_names() as seen:
            response = self.send(method, url, **kwargs)
        return response, seen

    def fuzz_url(self, name, url, *, deep):
        joiner = "&" if "?" in url else "?"
        response, names = self.names_read("get", f"{url}{joiner}_=1")
        if not deep or response is None or response.status_code in (302, 401, 403, 404, 405):
            return
        # Each name the view reads on its own (one bad parameter must not hide another), the common names together.
        for param in sorted(names - IGNORED_NAMES):
            for value in HOSTILE_VALUES:
                self.send("get", f"{url}{joiner}{urlencode({param: value})}")
        for value in HOSTILE_VALUES:
            self.send("get", f"{url}{joiner}{urlencode({n: value for n in COMMON_NAMES})}")
        if name in GET_ONLY:
            return
        if url.startswith("/api/"):
            self.fuzz_api_bodies(url)
        else:
            self.fuzz_form(url)

    def fuzz_form(self, url):
        response, names = self.names_read("post", url, data="_=1", content_type="application/x-www-form-urlencoded")
        if response is None or response.status_code in (403, 404, 405):
            return
        names = names - IGNORED_NAMES
        if not names:
            return
        for value in HOSTILE_VALUES:
            self.send("post", url, data=urlencode({n: value for n in sorted(names)}),
                      content_type="application/x-www-form-urlencoded")

    def fuzz_api_bodies(self, url):
        response = self.send("options", url)
        allowed = {m.strip().lower() for m in (response.get("Allow", "") if response is not None else "").split(",")}
        methods = [m for m in ("post", "put", "patch") if m in allowed]
        if not methods:
            return
        fields = ["category", "details", "contactOfficer", "caseReference", "contactBeforeActing", "notifyOnSearch",
                  "validUntil", "department", "address", "addressQuery", "reason", "name", "kind", "start", "end",
                  "buurten", "description", "purpose", "value", "year", "month", "period", "target", "dashboard"]
        bodies = ["{", "[]", '"x"', "null", "1e999", "[" * 64 + "]" * 64, '{"a":' * 64 + "1" + "}" * 64,
                  '{"category": "\\ud800"}', "\xff\xfe", json.dumps({"x" * 1000: "y"})]
        for value in [*HOSTILE_VALUES, None, True, 1 << 70, [], {"b": None}, 1.5]:
            bodies.append(json.dumps({f: value for f in fields}))
        for method in methods:
            for body in bodies:
                self.send(method, url, data=body, content_type="application/json")
            self.send(method, url, data="_=1", content_type="application/x-www-form-urlencoded")
            self.send(method, url, data="<a/>", content_type="application/xml")


# --- the world the fuzzer visits --------------------------------------------------------------------------------

@pytest.fixture
def world(db):
    from areas.models import Address, Buurt, Municipality, Wijk
    from dashboards.models import Dashboard
    from ingest.models import ImportSource
    from signals.models import Category
    from signals.services import signal_create

    municipality = Municipality.objects.create(code="GM0034", name="Almere")
    wijk = Wijk.objects.create(code="WK003401", name="Stad", municipality=municipality)
    buurt = Buurt.objects.create(code="BU00340101", name="Centrum", wijk=wijk)
    address = Address.objects.create(bag_id="0034200000000001", street="Stationsstraat", number=12, postcode="1311AB",
                                     city="Almere", buurt=buurt)
    department = make_department("toezicht-handhaving", "Toezicht en Handhaving", phone="036 111",
                                 email="th@gemeente.example")
    category = Category.objects.create(department=department, code="woonfraude", name="Woonfraude")
    board = Dashboard.objects.create(slug="buurtveiligheid", name="Veiligheid per buurt")
    hennep = Dashboard.objects.create(slug="hennep", name="Hennep", address_level=True)
    source = ImportSource.objects.create(code="politie-bvh", name="Politie BVH", format="politie-bvh",
                                         facts_source="politie-bvh", schedule=ImportSource.Schedule.WEEKLY)
    broad = make_user("breed", department, first_name="Bea", last_name="Breed", phone="06 1234 5678")
    for role, scope in [(R.AUTHORISATION_ADMIN, None), (R.SIGNAL_SEARCH, None), (R.BULK_CHECK, None),
                        (R.SIGNAL_OFFICER, department), (R.HIT_REPORT_COORDINATOR, None),
                        (R.DASHBOARD_VIEWER, board), (R.ADDRESS_LEVEL_VIEWER, hennep), (R.INTERVENTION_EDITOR, None),
                        (R.DATA_STEWARD, source)]:
        grant(broad, role, scope=scope)
    signal = signal_create(user=broad, department=department, address=address, category=category, details="geheim",
                           contact_officer=broad)
    auditor = make_user("auditor", make_department("audit"))
    grant(auditor, R.AUDITOR)
    values = {"username": "breed", "public_id": str(signal.public_id), "department": department.code,
              "slug": board.slug, "code": buurt.code, "fmt": "csv", "pk": "1", "run_id": "1", "int": "1",
              "str": "onbekend", "uuid": str(signal.public_id)}
    return {"broad": broad, "auditor": auditor, "values": values, "signal": signal, "address": address}


def _report(fuzzer):
    print(f"{fuzzer.label}: {fuzzer.requests} requests")
    assert fuzzer.requests > 0
    assert not fuzzer.failures, "server errors:\n" + "\n".join(map(str, fuzzer.failures[:40]))


def _api_pk_values(world, route):
    values = dict(world["values"])
    if route.startswith("api/v1/signals/"):
        values["pk"] = str(world["signal"].public_id)
    if route.startswith("api/v1/addresses/"):
        values["pk"] = str(world["address"].pk)
    return values


def test_anonymous_visitors_get_no_server_error(world):
    fuzzer = Fuzzer(Client(), "anonymous")
    for name, route in patterns():
        for url in _fill(route, _api_pk_values(world, route)):
            fuzzer.fuzz_url(name, url, deep=False)
        # Refused before any view: one request with every common name hostile at once, and a hostile body.
        url = _fill(route, _api_pk_values(world, route))[0]
        for value in ("a\x00b", "0001-01-01", "x" * 20_000):
            fuzzer.send("get", f"{url}?{urlencode({n: value for n in COMMON_NAMES})}")
        if name not in GET_ONLY:
            fuzzer.send("post", url, data="[" * 64, content_type="application/json")
    fuzzer.send("post", "/inloggen/", data=urlencode({"username": "a" * 300, "password": "x"}),
                content_type="application/x-www-form-urlencoded")
    for url in ADMIN_URLS:
        fuzzer.send("get", url + "?q=%00")
    _report(fuzzer)


@pytest.mark.parametrize("who", ["broad", "auditor"])
def test_logged_in_users_get_no_server_error(world, who):
    fuzzer = Fuzzer(login(Client(), world[who]), who)
    for name, route in patterns():
        urls = _fill(route, _api_pk_values(world, route))
        fuzzer.fuzz_url(name, urls[0], deep=True)
        for url in urls[1:]:
            fuzzer.fuzz_url(name, url, deep=False)
    for url in ADMIN_URLS:
        for value in HOSTILE_VALUES:
            fuzzer.send("get", f"{url}?{urlencode({'q': value})}")
    _report(fuzzer)
