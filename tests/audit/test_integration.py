"""With PostgreSQL + Redis and a real Celery worker (CI's second run): the worker appends to the same hash chain
as the web process, and a task queued from a request carries that request's id and actor into the worker."""
import os

import pytest
from django.conf import settings

from access.models import Department
from audit.chain import problems_of, verify_all
from audit.models import AccessEvent
from audit.services import access_event_record
from tests.factories import make_user

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        os.environ.get("VP_INTEGRATION") != "1" or not settings.CELERY_BROKER_URL,
        reason="needs PostgreSQL, Redis and a running Celery worker (VP_INTEGRATION=1)",
    ),
]


@pytest.mark.django_db(transaction=True)
def test_worker_appends_to_the_same_chain_and_keeps_the_request_context():
    from datetime import timedelta

    from auditlog.models import LogEntry
    from django.utils import timezone

    from access import roles as R
    from access.models import Authorisation
    from access.tasks import expire_authorisations
    from audit.context import acting_as, reset_current, set_current
    from audit.tasks import verify_chains
    from dashboards.models import Dashboard
    from tests.factories import grant

    user = make_user("ana")
    g = grant(make_user("piet"), R.DASHBOARD_VIEWER, scope=Dashboard.objects.create(slug="b", name="B"), days=5)
    Authorisation.objects.filter(pk=g.pk).audited_update(reason="Test: de autorisatie is verlopen",
        valid_from=timezone.localdate() - timedelta(days=10), valid_until=timezone.localdate() - timedelta(days=1)
    )
    access_event_record(action=AccessEvent.Action.EXPORT, actor=user)
    assert verify_chains.delay().get(timeout=60) == []
    assert AccessEvent.objects.filter(object_type="audit.verify", outcome="allowed").exists()

    # Queued "from a request": the worker's changes and events carry the request id and the actor.
    token = set_current({"request_id": "c" * 32})
    try:
        with acting_as(user):
            expire_authorisations.delay().get(timeout=60)
    finally:
        reset_current(token)
    expired = AccessEvent.objects.get(action=AccessEvent.Action.GRANT_EXPIRE)
    assert expired.request_id == "c" * 32 and expired.path == "task:access.tasks.expire_authorisations"
    change = LogEntry.objects.get_for_object(g).order_by("-id").first()
    assert change.actor == user and change.cid == "c" * 32
    Department.objects.create(code="na", name="Na de taak")
    assert problems_of(verify_all()) == []
