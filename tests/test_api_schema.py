"""The API keeps the promises of its OpenAPI document (issue 12, CI: API robustness): schemathesis generates requests
for every operation of /api/v1/openapi.json from the document itself, sends them to the WSGI application in-process
with the token of a person holding every role but the auditor's (and of an auditor, for the audit endpoint), and
checks that no response is a server error and that every response matches the schema documented for it.

Bounded and deterministic: a fixed number of examples per operation, derandomized, no example database.
"""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

from access import roles as R
from access.api import api_token_rotate
from tests.factories import grant, make_department, make_user

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 12


@pytest.fixture
def tokens(db):
    from areas.models import Address, Buurt, Municipality, Wijk
    from dashboards.models import Dashboard
    from ingest.models import ImportSource
    from signals.models import Category

    municipality = Municipality.objects.create(code="GM0034", name="Almere")
    wijk = Wijk.objects.create(code="WK003401", name="Stad", municipality=municipality)
    buurt = Buurt.objects.create(code="BU00340101", name="Centrum", wijk=wijk)
    Address.objects.create(bag_id="0034200000000001", street="Stationsstraat", number=12, postcode="1311AB",
                           city="Almere", buurt=buurt)
    department = make_department("toezicht-handhaving", "Toezicht en Handhaving", phone="036 111",
                                 email="th@gemeente.example")
    Category.objects.create(department=department, code="woonfraude", name="Woonfraude")
    board = Dashboard.objects.create(slug="buurtveiligheid", name="Veiligheid per buurt")
    hennep = Dashboard.objects.create(slug="hennep", name="Hennep", address_level=True)
    source = ImportSource.objects.create(code="politie-bvh", name="Politie BVH", format="politie-bvh",
                                         facts_source="politie-bvh", schedule=ImportSource.Schedule.WEEKLY)
    broad = make_user("breed", department, first_name="Bea", last_name="Breed", phone="06 1234 5678")
    for role, scope in [(R.SIGNAL_SEARCH, None), (R.BULK_CHECK, None), (R.SIGNAL_OFFICER, department),
                        (R.HIT_REPORT_COORDINATOR, None), (R.DASHBOARD_VIEWER, board), (R.ADDRESS_LEVEL_VIEWER, hennep),
                        (R.INTERVENTION_EDITOR, None), (R.DATA_STEWARD, source)]:
        grant(broad, role, scope=scope)
    auditor = make_user("auditor", make_department("audit"))
    grant(auditor, R.AUDITOR)
    return {"broad": api_token_rotate(user=broad), "auditor": api_token_rotate(user=auditor)}


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """The WSGI application closes old database connections at the end of each request; within a test that closes
    the test's own transaction (PostgreSQL). Django's test client switches this off the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _schema(token):
    import schemathesis
    from django.core.wsgi import get_wsgi_application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application(),
                                          headers={"Authorization": f"Token {token}"})


def _runner(strategy, headers):
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

    return run


def test_every_operation_answers_without_server_errors_and_as_documented(tokens, wsgi_keeps_the_test_connection):
    schema = _schema(tokens["broad"])
    failures, tested = [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        token = tokens["auditor"] if "/audit/" in operation.path else tokens["broad"]
        run = _runner(operation.as_strategy(), {"Authorization": f"Token {token}"})
        tested.append(operation.label)
        try:
            run()
        except Unsatisfiable:
            continue
        except BaseException as exc:  # noqa: BLE001 - collected (schemathesis raises an exception group), so that one
            if isinstance(exc, KeyboardInterrupt):  # report names every operation that fails
                raise
            failures.append(f"{operation.label}: {exc}"[:2000])
    assert len(tested) >= 15, tested
    assert not failures, "\n\n".join(failures)
