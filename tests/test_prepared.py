"""veiligheid.prepared: a queryset compiled once, run with new values, gives what the ORM gives, on both backends."""
import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured

from access import roles as R
from access.models import Authorisation, Department
from tests.factories import grant, make_user
from veiligheid.prepared import PreparedQuery


def _effective(user_id, today):
    return (
        Authorisation.objects.effective_on(today)
        .filter(user_id=user_id)
        .order_by("id")
        .values("id", "role", "valid_from", "valid_until", "user__is_active", "user__department__name")
    )


EFFECTIVE = PreparedQuery(_effective, user_id=int, today=dt.date)


@pytest.mark.django_db
def test_same_rows_as_the_orm_for_each_set_of_values():
    th = Department.objects.create(code="th", name="Toezicht")
    first = make_user("eerste", department=th)
    second = make_user("tweede")
    grant(first, R.SIGNAL_SEARCH, days=30)
    grant(second, R.HIT_REPORT_COORDINATOR, days=90)
    today = dt.date.today()
    for user in (first, second):
        for day in (today, today + dt.timedelta(days=60), today - dt.timedelta(days=1)):
            expected = list(_effective(user.pk, day))
            got = EFFECTIVE.dicts(user_id=user.pk, today=day)
            assert got == expected
    # Converters ran: dates are dates and booleans booleans on every backend, not strings or 0/1.
    row = EFFECTIVE.dicts(user_id=first.pk, today=today)[0]
    assert isinstance(row["valid_until"], dt.date) and row["user__is_active"] is True
    assert row["user__department__name"] == "Toezicht"
    # The date is a value of every run, not frozen at the first: 60 days on, only the 90-day grant is in effect.
    assert EFFECTIVE.rows(user_id=first.pk, today=today + dt.timedelta(days=60)) == []
    assert len(EFFECTIVE.rows(user_id=second.pk, today=today + dt.timedelta(days=60))) == 1


@pytest.mark.django_db
def test_a_date_that_would_be_frozen_into_the_sql_is_refused():
    frozen = PreparedQuery(
        lambda user_id: Authorisation.objects.filter(user_id=user_id, valid_until__gte=dt.date.today()),
        user_id=int,
    )
    with pytest.raises(ImproperlyConfigured, match="frozen"):
        frozen.rows(user_id=1)


@pytest.mark.django_db
def test_a_value_that_does_not_reach_the_parameters_unchanged_is_refused():
    # startswith turns the value into "value%": it could not be replaced later, so compiling says so.
    prefix = PreparedQuery(lambda name: Department.objects.filter(name__startswith=name).values_list("id"), name=str)
    with pytest.raises(ImproperlyConfigured, match="derived|name"):
        prefix.rows(name="Toe")


@pytest.mark.django_db
def test_every_value_must_be_given():
    with pytest.raises(TypeError):
        EFFECTIVE.rows(user_id=1)


@pytest.mark.django_db
def test_instances_come_with_their_select_related_objects():
    from access.models import User

    by_id = PreparedQuery(lambda user_id: User.objects.select_related("department").filter(pk=user_id)[:1],
                          user_id=int)
    th = Department.objects.create(code="th", name="Toezicht")
    with_department = make_user("met-afdeling", department=th, first_name="Anna")
    without = make_user("zonder-afdeling")
    [user] = by_id.instances(user_id=with_department.pk)
    assert (user.pk, user.username, user.first_name, user._state.adding) == (with_department.pk, "met-afdeling",
                                                                              "Anna", False)
    assert user.check_password("Test-wachtwoord-2026")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert user.department.name == "Toezicht"  # already loaded: no query
    assert len(queries) == 0
    [other] = by_id.instances(user_id=without.pk)
    assert other.department is None
    assert by_id.instances(user_id=without.pk + 1000) == []


@pytest.mark.django_db
def test_an_integer_value_checked_against_its_field_range_still_compiles():
    # Django drops an out-of-range integer lookup before it reaches SQL; the stand-in values are ordinary ones.
    from areas.models import Address

    rows = PreparedQuery(lambda postcode, number: Address.objects.filter(postcode=postcode, number=number)
                         .values_list("id"), postcode=str, number=int)
    assert rows.rows(postcode="1311AB", number=12) == []


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_statement_is_prepared_on_the_server_once_per_connection():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("server-side PREPARE is a PostgreSQL feature")
    th = Department.objects.create(code="th", name="Toezicht")
    user = make_user("eerste", department=th)
    grant(user, R.SIGNAL_SEARCH, days=30)
    today = dt.date.today()
    assert EFFECTIVE.dicts(user_id=user.pk, today=today) == list(_effective(user.pk, today))
    name = EFFECTIVE.compiled().server_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = %s", [name])
        assert cursor.fetchone()[0] == 1
    # A new connection has nothing prepared: the statement is prepared again there, and still answers.
    connection.close()
    assert EFFECTIVE.dicts(user_id=user.pk, today=today) == list(_effective(user.pk, today))


@pytest.mark.django_db
def test_a_statement_the_server_refuses_to_prepare_falls_back_to_the_plain_query():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("server-side PREPARE is a PostgreSQL feature")
    Department.objects.create(code="th", name="Toezicht")
    codes = PreparedQuery(lambda name: Department.objects.filter(name=name).values_list("code"), name=str)
    # Something else already holds the statement's name on this connection: PREPARE fails inside the test's
    # transaction, the query still answers, and the transaction is intact.
    with connection.cursor() as cursor:
        cursor.execute(f"PREPARE {codes.compiled().server_name} AS SELECT 1")
    assert codes.rows(name="Toezicht") == [("th",)]
    assert codes.compiled().server_sql is None  # refused by the server, so plain from now on
    assert codes.rows(name="Onbekend") == []
    assert Department.objects.count() == 1


@pytest.mark.django_db
def test_a_value_the_orm_converts_is_converted_the_same_way_on_every_run():
    # An integer looked up in a text column reaches the SQL as text; later values are converted alike (also in the
    # server-side EXECUTE on PostgreSQL).
    Department.objects.create(code="5", name="Vijf")
    by_code = PreparedQuery(lambda code: Department.objects.filter(code=code).values_list("name"), code=int)
    assert by_code.rows(code=5) == [("Vijf",)]
    assert by_code.rows(code=6) == []
    assert by_code.rows(code=5) == [("Vijf",)]
