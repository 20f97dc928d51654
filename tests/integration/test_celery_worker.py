"""With PostgreSQL + Redis and a real Celery worker (CI's second run sets VP_INTEGRATION=1 and starts the worker)."""
import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from access import roles as R
from access.models import Authorisation
from access.tasks import expire_authorisations
from dashboards.models import Dashboard
from tests.factories import grant, make_user

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        os.environ.get("VP_INTEGRATION") != "1" or not settings.CELERY_BROKER_URL,
        reason="needs PostgreSQL, Redis and a running Celery worker (VP_INTEGRATION=1)",
    ),
]


@pytest.mark.django_db(transaction=True)
def test_worker_expires_grants_in_the_shared_database():
    assert connection.vendor == "postgresql"
    dashboard = Dashboard.objects.create(slug="buurt", name="Buurt")
    user = make_user("ana")
    g = grant(user, R.DASHBOARD_VIEWER, scope=dashboard, days=5)
    # Make the grant overdue as if days had passed, then let the real worker run the daily job.
    Authorisation.objects.filter(pk=g.pk).audited_update(reason="Test: de autorisatie is verlopen",
        valid_from=timezone.localdate() - timedelta(days=10), valid_until=timezone.localdate() - timedelta(days=1)
    )
    result = expire_authorisations.delay()
    assert result.get(timeout=60) == 1
    g.refresh_from_db()
    assert g.status == Authorisation.Status.EXPIRED


@pytest.mark.django_db(transaction=True)
def test_healthz_sees_database_and_broker():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "audit_sealing": "ok", "status": "ok"}
