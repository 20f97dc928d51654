"""The Chinese wall, attacked by generated cases (issue 12, "Proved in CI").

Hypothesis builds random departments (each with its own catalogue), people holding random sets of roles (signal
officer of some departments, search, bulk check, hit-report coordinator, auditor, dashboard viewer, authorisation
administrator, superuser flag, or nothing) and random signals on shared and distinct addresses, some changed, some
ended. Every category, explanation, case reference and reason of ending carries a marker naming its department,
``GEHEIM-<department>-<kind><n>-EINDE``. Then every person logs in through the login page and requests every page and
API endpoint of the URL resolver (signal ids, department codes and address ids of every department filled in), plus
the searches, bulk check, filters, exports, writes and audit queries an insider would try. Asserted:

- no response body (HTML, JSON, CSV) holds a marker of a department the person is not a signal officer of, nor the
  id of such a signal (auditors excepted for ids: they judge which record was accessed, not what it holds);
- another department's signal id and department code answer exactly as a missing one does (status and page);
- nothing a person sent to another department's signal changed it; nothing answered 500.

Every example runs in its own transaction, rolled back afterwards (hypothesis.extra.django.TestCase).
"""
import json
import os
import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from access import roles as R
from areas.models import Address, Buurt, Municipality, Wijk
from signals.models import Category, Signal
from tests.factories import grant, login, make_department, make_user

MARKER = re.compile(r"geheim-(\d+)-([a-z]+\d+[a-z]?)-einde", re.IGNORECASE)
CATALOGUE = re.compile(r"geheim-\d+-(cat|naam)\d+-einde", re.IGNORECASE)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
MISSING_UUID = "00000000-0000-4000-8000-000000000000"
PURPOSE = "Controle muurtest"
# Routes outside the walk: the login/logout/language forms, the health check, Django's own admin (visited below with
# the pages an administrator would open) and the OpenAPI document (no data).
SKIP = {"login", "logout", "set_language", "healthz"}
# Ten worlds keep the suite's run short (each is a few hundred requests); WALL_EXAMPLES=200 attacks more of them.
EXAMPLES = int(os.environ.get("WALL_EXAMPLES", "10"))


def marker(dept: int, kind: str, n) -> str:
    return f"GEHEIM-{dept}-{kind}{n}-EINDE"


# ---------------------------------------------------------------------------------------------- the world


ROLE_FLAGS = ("search", "bulk", "coordinator", "auditor", "dashboard", "admin", "superuser")


@st.composite
def worlds(draw):
    n_depts = draw(st.integers(2, 4))
    dept = st.integers(0, n_depts - 1)
    categories = [draw(st.integers(1, 2)) for _ in range(n_depts)]
    signals = draw(st.lists(
        st.fixed_dictionaries({
            "dept": dept,
            "address": st.integers(0, 3),  # four addresses: shared by several departments, or not
            "category": st.integers(0, 1),
            "details": st.booleans(),
            "case": st.booleans(),
            "contact_first": st.booleans(),
            "notify": st.booleans(),
            "days": st.integers(20, 700),
            "fate": st.sampled_from(["active", "active", "changed", "closed"]),
            "contact": st.integers(0, 3),  # which of the department's officers is the contact (gets its notices)
        }),
        min_size=1, max_size=5,
    ))
    people = draw(st.lists(
        st.fixed_dictionaries({
            "officer_of": st.sets(dept, max_size=2),
            **{flag: st.booleans() for flag in ROLE_FLAGS},
        }),
        min_size=1, max_size=3,
    ))
    # Who of the departments' own officers is attacked too, and who walks the platform's other pages (dashboards,
    # data, administration) with its ids: one person per example, so the run stays short and, over the examples,
    # every kind of person does.
    officer = draw(dept)
    walker = draw(st.integers(0, 2 * len(people) + 1))  # in about half of the examples nobody does
    return {"n_depts": n_depts, "categories": categories, "signals": signals, "people": people, "officer": officer,
            "walker": walker}


@dataclass
class Person:
    user: object
    officer_of: set = field(default_factory=set)  # department indexes
    auditor: bool = False
    admin: bool = False
    walks_everything: bool = False  # also the pages that hold no signal ids (dashboards, data, administration)

    def can(self, perm):
        return self.user.has_perm(perm)


@dataclass
class World:
    departments: list
    categories: dict  # dept index -> [Category]
    addresses: list
    signals: list  # [(dept index, Signal)]
    people: list  # the people attacked
    dashboard: object = None

    def dept_of(self, signal_pk):
        return next(i for i, s in self.signals if s.pk == signal_pk)

    def signals_to_visit(self, person, route):
        """The signals whose pages `person` opens on this route, so that a run stays short: on the signal's own page
        and in the API every signal, on its edit, extend and close pages the signals take turns (each on one of them,
        the missing id on all). Someone without any officer grant is refused these routes before an id is read, so one
        signal shows that."""
        signals = [s for _i, s in self.signals]
        if not person.officer_of:
            return signals[:1]
        if route.endswith(("wijzigen/", "verlengen/", "beeindigen/")):
            turn = ("wijzigen/", "verlengen/", "beeindigen/").index(route.rsplit("/", 2)[-2] + "/")
            return [s for n, s in enumerate(signals) if n % 3 == turn]
        return signals


def _addresses():
    municipality = Municipality.objects.create(code="GM0034", name="Almere")
    wijk = Wijk.objects.create(code="WK003401", name="Stad", municipality=municipality)
    buurt = Buurt.objects.create(code="BU00340101", name="Centrum", wijk=wijk)
    result = []
    for n, (street, number, postcode) in enumerate(
        [("Stationsstraat", 12, "1311AB"), ("Stationsstraat", 14, "1311AB"), ("Kadeweg", 3, "1322CD"),
         ("Kadeweg", 5, "1322CD")]
    ):
        address = Address(bag_id=f"00342000000000{n:02d}", street=street, number=number, postcode=postcode,
                          city="Almere", buurt=buurt)
        address.save()
        result.append(address)
    return result


def build(spec) -> World:
    from dashboards.models import Dashboard
    from signals.services import signal_close, signal_create, signal_update

    departments, categories, officers, people = [], {}, [], []
    for i in range(spec["n_depts"]):
        department = make_department(f"afdeling-{i}", f"Afdeling {i}", phone=f"036 00{i}", email=f"a{i}@gemeente.example")
        departments.append(department)
        categories[i] = [
            Category.objects.create(department=department, code=marker(i, "cat", c).lower(), name=marker(i, "naam", c))
            for c in range(spec["categories"][i])
        ]
        # Every department has one officer who places its signals (and is one of the people tested).
        officer = make_user(f"functionaris-{i}", department, first_name="Functionaris", last_name=f"Nummer {i}")
        grant(officer, R.SIGNAL_OFFICER, scope=department)
        officers.append(Person(officer, {i}))
    addresses = _addresses()
    dashboard = None
    for n, wanted in enumerate(spec["people"]):
        user = make_user(f"persoon-{n}", departments[n % len(departments)], is_superuser=wanted["superuser"],
                         is_staff=wanted["superuser"])
        person = Person(user)
        signal_roles = bool(wanted["officer_of"] or wanted["search"] or wanted["bulk"] or wanted["coordinator"])
        for i in sorted(wanted["officer_of"]):
            grant(user, R.SIGNAL_OFFICER, scope=departments[i])
            person.officer_of.add(i)
        for flag, role in (("search", R.SIGNAL_SEARCH), ("bulk", R.BULK_CHECK), ("coordinator", R.HIT_REPORT_COORDINATOR)):
            if wanted[flag]:
                grant(user, role)
        if wanted["auditor"] and not signal_roles and not wanted["admin"]:  # functiescheiding (access.roles)
            grant(user, R.AUDITOR)
            person.auditor = True
        if wanted["admin"] and not person.auditor:
            grant(user, R.AUTHORISATION_ADMIN)
            person.admin = True
        if wanted["dashboard"]:
            dashboard = dashboard or Dashboard.objects.create(slug="overlast", name="Overlast")
            grant(user, R.DASHBOARD_VIEWER, scope=dashboard)
        user.refresh_from_db()
        people.append(person)
    signals = []
    for n, s in enumerate(spec["signals"]):
        i = s["dept"]
        placer = officers[i].user
        contacts = [placer] + [p.user for p in people if i in p.officer_of]
        signal = signal_create(
            user=placer,
            department=departments[i],
            address=addresses[s["address"]],
            category=categories[i][s["category"] % len(categories[i])],
            details=marker(i, "toelichting", n) if s["details"] else "",
            case_reference=marker(i, "zaak", n) if s["case"] else "",
            contact_officer=contacts[s["contact"] % len(contacts)],
            contact_before_acting=s["contact_first"],
            notify_on_search=s["notify"],
            valid_until=timezone.localdate() + timedelta(days=s["days"]),
        )
        if s["fate"] == "changed":
            signal = signal_update(user=placer, signal=signal, details=marker(i, "toelichting", f"{n}b"),
                                   case_reference=marker(i, "zaak", f"{n}b"),
                                   category=categories[i][-1], valid_until=signal.valid_until - timedelta(days=1))
        elif s["fate"] == "closed":
            signal = signal_close(user=placer, signal=signal, reason=marker(i, "reden", n))
        signals.append((i, signal))
    people.append(officers[spec["officer"]])
    if spec["walker"] < len(people):
        people[spec["walker"]].walks_everything = True
    for person in people:
        person.user.refresh_from_db()
    return World(departments, categories, addresses, signals, people, dashboard)


# ---------------------------------------------------------------------------------------------- the surface


def _routes(resolver=None, prefix="", namespace=""):
    """(name, route) of every path() route in the resolver (Django's admin apart)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else (entry.namespace or namespace)
            if ns == "admin":
                continue
            yield from _routes(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}:{entry.name}" if namespace else entry.name or ""), prefix + str(entry.pattern)


PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def on_the_wall(name: str, route: str) -> bool:
    """Routes that read signals, departments' registers, addresses' hits or the audit trail: every person walks them
    with every department's ids. The others (dashboards, data deliveries, administration) hold no signal; one person
    per example walks them too."""
    return (name.split(":")[0] in ("signals", "audit") or route.startswith(("api/v1/signals", "api/v1/addresses",
                                                                           "api/v1/hit-report", "api/v1/audit"))
            or name in ("home", "access:my_authorisations"))


def _values(world, person, route, param):
    """Candidate values for one route parameter: a missing one first, then the world's (every department's)."""
    if param == "public_id" or (route.startswith("api/v1/signals/") and param == "pk"):
        return [MISSING_UUID] + [str(s.public_id) for s in world.signals_to_visit(person, route)]
    if param == "department":
        codes = [d.code for d in world.departments]
        return ["afdeling-onbekend"] + (codes if person.officer_of else codes[:1])
    if route.startswith("api/v1/addresses/") and param == "pk":
        wanted = world.addresses if person.user.has_perm("signals.search_address") else world.addresses[:1]
        return ["999999"] + [str(a.pk) for a in wanted]
    if param == "slug":
        return ["onbekend"] + ([world.dashboard.slug] if world.dashboard else [])
    if param == "code":
        return ["BU00340101"]
    if param == "fmt":
        return ["csv"]
    if param == "username":
        return [world.people[0].user.username]
    return ["999999"] if param in ("pk", "run_id") else ["onbekend"]


def surface(world, person, *, everything):
    """(route name, url) of every route of the resolver (or of those on the wall), each parameter filled with each
    of its candidates in turn (the others at their first)."""
    urls = []
    for name, route in _routes():
        if name in SKIP or not (everything or on_the_wall(name, route)):
            continue
        params = [p for _conv, p in PARAM.findall(route)]
        if not params:
            urls.append((name, "/" + route))
            continue
        first = {p: _values(world, person, route, p)[0] for p in params}
        for param in params:
            for value in _values(world, person, route, param):
                chosen = {**first, param: value}
                urls.append((name, "/" + PARAM.sub(lambda m, c=chosen: c[m.group(2)], route)))
    return list(dict.fromkeys(urls))


# ---------------------------------------------------------------------------------------------- the checks


class Visitor:
    """One person's client, logged in through the login page and its second factor (tests.factories.login); every
    answer is scanned before it is returned."""

    def __init__(self, world, person, case):
        self.world, self.person, self.case = world, person, case
        self.client = login(Client(), person.user)
        self.allowed = person.officer_of
        self.foreign_ids = {str(s.public_id) for i, s in world.signals if i not in self.allowed}
        self.requests = 0

    def _scan(self, method, url, response, sent):
        self.requests += 1
        where = f"{self.person.user.username} {method} {url}"
        self.case.assertLess(response.status_code, 500, where)
        if getattr(response, "streaming", False):
            body = b"".join(response.streaming_content).decode("utf-8", "replace")
        else:
            body = response.content.decode("utf-8", "replace")
        for text in sent:  # the person's own input, echoed in a form or an error, is not a leak
            if text:
                body = body.replace(text, "")
        leaked = {m.group(0) for m in MARKER.finditer(body) if int(m.group(1)) not in self.allowed}
        if self.person.auditor:
            # A department's catalogue of category names is configuration, shown in the change history as such
            # (tests/audit/test_change_log_redaction.py); what a signal is about never is.
            leaked = {m for m in leaked if not CATALOGUE.match(m)}
        self.case.assertFalse(leaked, f"{where} shows another department's details: {sorted(leaked)}")
        if not self.person.auditor:
            ids = set(UUID.findall(body)) & self.foreign_ids
            self.case.assertFalse(ids, f"{where} shows another department's signal ids: {sorted(ids)}")
        return response, body

    def get(self, url, data=None, **extra):
        sent = [url, *[str(v) for v in (data or {}).values()]]
        return self._scan("GET", url, self.client.get(url, data or {}, **extra), sent)

    def post(self, url, data=None, **extra):
        sent = [url, *[str(v) for v in (data or {}).values() if not hasattr(v, "read")]]
        return self._scan("POST", url, self.client.post(url, data or {}, **extra), sent)

    def json(self, method, url, payload):
        sent = [url, *[str(v) for v in payload.values()]]
        response = getattr(self.client, method)(url, json.dumps(payload), content_type="application/json")
        return self._scan(method.upper(), url, response, sent)


def _same_as_missing(case, where, foreign, missing, foreign_id, missing_id):
    """A foreign id or code answers exactly as a missing one: same status, same page (CSRF tokens and the id aside)."""
    (f_response, f_body), (m_response, m_body) = foreign, missing
    case.assertEqual(f_response.status_code, m_response.status_code, where)
    case.assertIn(f_response.status_code, (403, 404), where)
    f_body = CSRF.sub("", f_body.replace(foreign_id, "ID"))
    m_body = CSRF.sub("", m_body.replace(missing_id, "ID"))
    case.assertEqual(f_body, m_body, f"{where}: the answer tells a foreign id from a missing one")


def _snapshot():
    return {
        s.pk: (s.status, s.details, s.case_reference, s.category_id, s.valid_until, s.close_reason,
               s.contact_before_acting, s.notify_on_search, s.contact_officer_id)
        for s in Signal.objects.all()
    }


def attack(case, world, person):
    v = Visitor(world, person, case)
    who = person.user.username
    own = [s for i, s in world.signals if i in person.officer_of]
    foreign = [s for i, s in world.signals if i not in person.officer_of]
    foreign_depts = [i for i in range(len(world.departments)) if i not in person.officer_of]
    own_depts = sorted(person.officer_of)
    officer = bool(own_depts)

    # 1. Every page and API endpoint on the wall (for one person per example: every route), all ids filled in.
    seen = {}
    for name, url in surface(world, person, everything=person.walks_everything):
        query = {"purpose": PURPOSE} if name == "api-address-hits" else {"q": "1311 AB"} if name == "api-address-list" else {}
        seen[url] = v.get(url, query)

    # 2. Another department's signal ids and codes answer as missing ones do (403 without any officer grant).
    for s in foreign:
        sid = str(s.public_id)
        for base in ("/signalen/signaal/{}/", "/signalen/signaal/{}/wijzigen/", "/signalen/signaal/{}/verlengen/",
                     "/signalen/signaal/{}/beeindigen/", "/api/v1/signals/{}"):
            if base.format(sid) not in seen:
                continue  # another signal's turn on this page
            _same_as_missing(case, f"{who} {base}", seen[base.format(sid)], seen[base.format(MISSING_UUID)], sid,
                             MISSING_UUID)
    for i in foreign_depts:
        code = world.departments[i].code
        for base in ("/signalen/afdeling/{}/", "/signalen/afdeling/{}/nieuw/"):
            if base.format(code) not in seen:
                continue  # without any officer grant one department shows the refusal
            _same_as_missing(case, f"{who} {base}", seen[base.format(code)], seen[base.format("afdeling-onbekend")],
                             code, "afdeling-onbekend")

    # 3. Writes aimed at another department's signals and catalogue, through pages and API (a person without an
    # officer grant is refused these routes before anything is read: the walk above saw that).
    before = _snapshot()
    valid_until = (timezone.localdate() + timedelta(days=90)).isoformat()
    if officer:
        for s in foreign[:2] + [None]:
            sid = str(s.public_id) if s else MISSING_UUID
            answers = [
                v.post(f"/signalen/signaal/{sid}/wijzigen/", {"details": "overschreven", "valid_until": valid_until}),
                v.post(f"/signalen/signaal/{sid}/beeindigen/", {"reason": "weg ermee"}),
                v.json("patch", f"/api/v1/signals/{sid}", {"details": "overschreven"}),
                v.json("post", f"/api/v1/signals/{sid}/close", {"reason": "weg ermee"}),
            ]
            case.assertEqual([r.status_code for r, _b in answers], [404] * 4, f"{who} writes to {sid}")
        j = own_depts[0]
        for i in foreign_depts[:1]:
            category = world.categories[i][0]
            for department in (world.departments[i], world.departments[j]):
                response, _body = v.json("post", "/api/v1/signals", {
                    "department": department.code, "address": world.addresses[0].pk, "category": category.code,
                    "validUntil": valid_until})
                case.assertEqual(response.status_code, 400, f"{who} places with {department.code}, {category.code}")
            response, _body = v.post(f"/signalen/afdeling/{world.departments[j].code}/nieuw/", {
                "address": "1311 AB 14", "category": category.pk, "contact_officer": person.user.pk,
                "valid_until": valid_until})
            case.assertEqual(response.status_code, 200, f"{who} places with category {category.pk}")  # form error
    after = _snapshot()
    case.assertEqual(before, after, f"{who} changed a signal")

    # 4. The own register and the API list, with filters aimed at other departments' signals.
    if officer:
        code = world.departments[own_depts[0]].code
        for query in ({"status": "all", "ordering": "category"},
                      *({"status": "all", "q": marker(i, "zaak", "")[:-6]} for i in foreign_depts[:1]),
                      *({"status": "all", "category": world.categories[i][0].pk} for i in foreign_depts[:1])):
            v.get(f"/signalen/afdeling/{code}/", query)
        for query in ({"status": "closed"},
                      *({"department": world.departments[i].code, "category": world.categories[i][0].code,
                         "q": marker(i, "zaak", "")[:-6]} for i in foreign_depts[:1]),
                      *({"category": world.categories[i][0].code} for i in foreign_depts[:1])):
            response, body = v.get("/api/v1/signals", query)
            listed = {row["id"] for row in response.json()["results"]}
            case.assertLessEqual(listed, {str(s.public_id) for s in own}, f"{who} api list {query}")

    # 5. Searches, bulk check, hit report: departments and whom to call, never details. Notifications were walked.
    if person.can("signals.search_address"):
        flagged = {s.address_id for _i, s in world.signals}
        for address in [a for a in world.addresses if a.pk in flagged][:2]:
            v.post("/signalen/zoeken/", {"q": address.label, "purpose": PURPOSE, "address_id": address.pk})
        v.post("/signalen/zoeken/", {"q": "Stationsstraat", "purpose": PURPOSE})
        v.get("/signalen/zoeken/suggesties/", {"q": "Stations"})
    if person.can("signals.bulk_check"):
        rows = "\n".join(f"{a.postcode} {a.number}" for a in world.addresses).encode()
        for fmt in ("html", "csv"):
            v.post("/signalen/bulkcontrole/", {"file": SimpleUploadedFile("adressen.csv", rows), "purpose": PURPOSE,
                                               "format": fmt})
    if person.can("signals.view_hit_report"):
        for url in ("/signalen/uitdraai/", "/signalen/uitdraai/afdrukken/", "/signalen/uitdraai.csv",
                    "/api/v1/hit-report"):
            v.get(url, {"buurt": "BU00340101", "min_departments": 2})

    # 6. The audit trail, queried as an auditor would.
    if person.auditor:
        for address in world.addresses[:2]:
            v.get("/audit/adres/", {"address": address.label})
        for query in ({"object_type": "signals.Signal"}, {"action": "signal_view"}):
            v.get("/audit/", query)
            v.get("/audit/export.csv", query)
            v.get("/api/v1/audit/events", query)
        for query in ({"model": "signals.signal"}, {"model": "signals.notification"}):
            v.get("/audit/wijzigingen/", query)
        v.get("/audit/persoon/", {"person": world.people[0].user.username})

    # 7. What an administrator opens: the user pages (walked) and Django's admin with its change log.
    if person.admin or person.user.is_superuser:
        for url in ("/django-beheer/", "/django-beheer/auditlog/logentry/", "/django-beheer/signals/signal/",
                    "/django-beheer/access/user/"):
            v.get(url, follow=True)
    return v.requests


def mail_to_everyone(case, world):
    """Notices by e-mail (co-occurrence, "your address was searched") name addresses and departments only."""
    officer_of = {u.email: p.officer_of for p in world.people for u in [p.user]}
    for message in mail.outbox:
        for recipient in message.to:
            allowed = officer_of.get(recipient)
            if allowed is None:  # a department's own officer who is not among the people attacked: as the placer
                allowed = {int(recipient.split("-")[1].split("@")[0])} if recipient.startswith("functionaris-") else set()
            text = message.subject + message.body + "".join(str(a[0]) for a in getattr(message, "alternatives", []))
            leaked = {m.group(0) for m in MARKER.finditer(text) if int(m.group(1)) not in allowed}
            case.assertFalse(leaked, f"mail to {recipient} shows another department's details: {sorted(leaked)}")


class ChineseWallProperty(TestCase):
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(worlds())
    def test_no_person_receives_another_departments_details(self, spec):
        note(f"world: {spec!r}")  # the reproduction, printed when an example fails
        with self.captureOnCommitCallbacks(execute=True):  # notices are mailed once their transaction commits
            world = build(spec)
            for person in world.people:
                attack(self, world, person)
        mail_to_everyone(self, world)
