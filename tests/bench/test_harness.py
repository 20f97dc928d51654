"""The load benchmark's own machinery (bench/), against the real platform where it talks to it: if a URL, a form, the
login or the token header changes, `make bench` would measure errors instead of searches, so these fail first."""
import json
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from access import roles as R
from access.models import User
from access.services import authorisation_bootstrap
from areas.models import Address
from audit.models import AccessEvent
from bench.clients import BulkChecker, Sample, SearchClients, Summary, percentile, pooled
from bench.server import BenchError, fresh_database, with_database_name
from tests.factories import PASSWORD, grant, make_department, make_user

SCRIPT = Path(settings.BASE_DIR) / "bench" / "setup_script.py"


def _port(live_server):
    return urlsplit(live_server.url).port


def _addresses(n):
    return [Address.objects.create(bag_id=f"08552000000{i:05d}", street="Benchstraat", number=i + 1,
                                   postcode="5038AB", city="Tilburg") for i in range(n)]


def _searcher(username):
    user = make_user(username, department="toezicht-handhaving")
    grant(user, R.SIGNAL_SEARCH)
    for code, role in R.ROLES.items():  # a bulk check may need a role of its own
        if not role.scope and ("bulk" in code or any("bulk" in perm for perm in role.model_perms)):
            grant(user, code)
    return user


@pytest.fixture
def high_limits(settings):
    settings.SIGNAL_SEARCH_LIMIT_PER_HOUR = settings.SIGNAL_SEARCH_LIMIT_PER_DAY = 1_000_000


@pytest.mark.django_db(transaction=True)
def test_search_clients_search_through_the_api_and_every_search_is_an_access_event(live_server, high_limits):
    from access.api import api_token_rotate

    user = _searcher("bench-load-00")
    addresses = _addresses(3)
    clients = SearchClients(_port(live_server), [api_token_rotate(user=user)], [addresses[0].pk],
                            [a.pk for a in addresses[1:]])
    # One client: the live server shares one in-memory SQLite connection between its threads.
    summary = clients.run(clients=1, duration=0.5, label="test")
    assert summary.ok, summary.statuses
    assert summary.statuses == {200: len(summary.samples)}
    searches = AccessEvent.objects.filter(action=AccessEvent.Action.ADDRESS_SEARCH, actor_username=user.username)
    assert searches.count() == len(summary.ok)
    assert all(event.purpose.startswith("Controle zaak BENCH-") for event in searches)


@pytest.mark.django_db(transaction=True)
def test_search_clients_count_refusals_as_such(live_server, high_limits):
    addresses = _addresses(1)
    clients = SearchClients(_port(live_server), ["not-a-valid-token-0123456789"], [addresses[0].pk],
                            [addresses[0].pk])
    summary = clients.run(clients=1, duration=0.2, label="test")
    assert summary.samples and not summary.ok
    assert set(summary.statuses) == {401}


@pytest.mark.django_db(transaction=True)
def test_bulk_checker_logs_in_and_uploads_a_csv_through_the_page(live_server, high_limits):
    user = _searcher("bench-bulk")
    addresses = _addresses(3)
    csv_text = "postcode;huisnummer;huisletter;toevoeging\n" + "".join(
        f"{a.postcode};{a.number};;\n" for a in addresses)
    key = secrets.token_hex(20)  # the bulk check is a sensitive role: the login asks for the second factor
    TOTPDevice.objects.create(user=user, name="Bench", confirmed=True, key=key)
    checker = BulkChecker(_port(live_server), user.username, PASSWORD, csv_text, totp_key=key)
    checker.login()
    run = checker.check_once()
    assert run.status == 200, run.detail
    assert AccessEvent.objects.filter(action=AccessEvent.Action.ADDRESS_SEARCH,
                                      actor_username=user.username).count() == 3


@pytest.mark.django_db(transaction=True)
def test_bulk_checker_says_why_a_login_fails(live_server):
    make_user("bench-bulk", department="toezicht-handhaving")
    checker = BulkChecker(_port(live_server), "bench-bulk", "wrong-password-123", "adres\n")
    with pytest.raises(RuntimeError, match="login of bench-bulk failed"):
        checker.login()


@pytest.mark.django_db
def test_setup_script_makes_searchers_with_working_tokens(monkeypatch, capsys, high_limits):
    """bench/setup_script.py runs inside a code tree (manage.py shell -c); here inside this one."""
    until = timezone.localdate() + timedelta(days=300)
    for name in ("beheerder", "beheerder2"):
        admin = make_user(name)
        authorisation_bootstrap(user=admin, role=R.AUTHORISATION_ADMIN, purpose="Inrichting", valid_until=until)
    make_department("oov")
    _addresses(5)
    setup = {"users": ["bench-load-00", "bench-load-01"], "bulk_user": "bench-bulk", "password": PASSWORD,
             "seed": 1, "sample": 3, "bulk_rows": 4}
    monkeypatch.setenv("BENCH_SETUP", json.dumps(setup))
    exec(compile(SCRIPT.read_text(), str(SCRIPT), "exec"), {"__name__": "bench_setup"})
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("BENCH-JSON:"))
    data = json.loads(line[len("BENCH-JSON:"):])
    assert sorted(data["tokens"]) == ["bench-load-00", "bench-load-01"]
    assert len(data["other_ids"]) == 3 and data["bulk_csv"].count("\n") == 5  # header + 4 rows
    assert User.objects.get(username="bench-bulk").check_password(PASSWORD)
    address_id = data["other_ids"][0]
    for token in data["tokens"].values():
        response = Client(HTTP_AUTHORIZATION=f"Token {token}").get(f"/api/v1/addresses/{address_id}/hits",
                                                                  {"purpose": "Controle zaak 1"})
        assert response.status_code == 200, response.content[:300]


def test_fresh_database_refuses_the_platform_database():
    url = "postgres://postgres@127.0.0.1:5432/vp_platform"
    with pytest.raises(BenchError, match="platform's own database"):
        fresh_database(url, platform_db=dj_database_url.parse(url))
    with pytest.raises(BenchError, match="PostgreSQL"):
        fresh_database("sqlite:///x.sqlite3", platform_db={})


@pytest.mark.django_db
@pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                    reason="needs a PostgreSQL server")
def test_fresh_database_never_drops_a_database_it_did_not_make():
    import psycopg2

    own = settings.DATABASES["default"]
    name = f"{own['NAME']}_bench_unmarked"
    admin = psycopg2.connect(dbname="postgres", host=own["HOST"] or None, port=own["PORT"] or None,
                             user=own["USER"] or None, password=own["PASSWORD"] or None)
    admin.autocommit = True
    url = with_database_name(f"postgres://{own['USER']}@{own['HOST']}:{own['PORT'] or 5432}/x", name)
    try:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cur.execute(f'CREATE DATABASE "{name}"')
        with pytest.raises(BenchError, match="not made by the benchmark"):
            fresh_database(url, platform_db={})
        with admin.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            assert cur.fetchone() is not None
        with admin.cursor() as cur:  # a database the benchmark made is dropped and made again
            cur.execute(f'DROP DATABASE "{name}"')
        fresh_database(url, platform_db={})
        fresh_database(url, platform_db={})
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


def test_percentiles_and_pooled_runs():
    assert percentile([10, 20, 30, 40, 50], 50) == 30
    assert percentile([1, 2], 100) == 2
    a = Summary("a", 1, 2.0, [Sample(0, 0.010, 200), Sample(0, 0.020, 200), Sample(0, 1, 500)],
                {"machine": 100.0, "cores": 2})
    b = Summary("a", 1, 1.0, [Sample(0, 0.030, 200)], {"machine": 40.0, "cores": 2})
    both = pooled([a, b])
    assert len(both.ok) == 3 and both.wall == 3.0 and both.rate == 1.0
    assert both.statuses == {200: 3, 500: 1}
    assert both.cpu == {"machine": 80.0, "cores": 2}
    assert round(both.p50) == 20
