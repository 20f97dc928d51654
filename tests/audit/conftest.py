import pytest
from django.db import connection
from django.test import Client

from access import roles as R
from tests.factories import grant, login, make_user


@pytest.fixture
def auditor():
    user = make_user("anouk", department="oov", first_name="Anouk")
    grant(user, R.AUDITOR, purpose="Toezicht op gebruik (BIO 8.15)")
    return user


@pytest.fixture
def auditor_client(auditor):
    return login(Client(), auditor)


def is_postgres():
    return connection.vendor == "postgresql"


