"""Token authentication refreshes the permissions of its own user only: the platform-wide expiry is the nightly
job's, never run inside one person's API request (nor recorded with that person's address)."""
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from access import roles as R
from access.api import api_token_rotate
from access.models import Authorisation, User
from audit.models import AccessEvent
from tests.factories import grant, make_user

pytestmark = pytest.mark.django_db


def test_a_token_request_expires_its_own_grants_only():
    alice, bob = make_user("alice", department="oov"), make_user("bob", department="oov")
    alice_search = grant(alice, R.SIGNAL_SEARCH, days=30)
    alice_short = grant(alice, R.HIT_REPORT_COORDINATOR, days=1)
    bob_short = grant(bob, R.SIGNAL_SEARCH, days=1)
    raw = api_token_rotate(user=alice)

    with time_machine.travel(timezone.now() + timedelta(days=3)):
        alice.refresh_from_db()
        assert alice.permissions_recheck_at <= timezone.now()  # alice's short grant ended: a refresh is due
        client = Client(HTTP_AUTHORIZATION=f"Token {raw}", REMOTE_ADDR="10.9.8.7")
        assert client.get("/api/v1/addresses", {"q": "1311"}).status_code == 200
        # alice's own grants were brought up to date ...
        alice_short.refresh_from_db()
        assert alice_short.status == Authorisation.Status.EXPIRED
        assert client.get("/api/v1/hit-report").status_code == 403
        # ... and nobody else's: bob's ended grant waits for the nightly job, no event was written for it here.
        bob_short.refresh_from_db()
        assert bob_short.status == Authorisation.Status.ACTIVE
        expired = AccessEvent.objects.filter(action=AccessEvent.Action.GRANT_EXPIRE)
        assert list(expired.values_list("object_id", flat=True)) == [str(alice_short.pk)]
        assert not expired.filter(object_id=str(bob_short.pk)).exists()
        assert User.objects.get(pk=alice.pk).permissions_recheck_at > timezone.now()
        assert User.objects.get(pk=bob.pk).permissions_recheck_at <= timezone.now()
        alice_search.refresh_from_db()
        assert alice_search.status == Authorisation.Status.ACTIVE


def test_a_token_request_without_a_due_refresh_touches_no_grant():
    alice, bob = make_user("alice", department="oov"), make_user("bob", department="oov")
    grant(alice, R.SIGNAL_SEARCH, days=30)
    bob_short = grant(bob, R.SIGNAL_SEARCH, days=1)
    raw = api_token_rotate(user=alice)
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        client = Client(HTTP_AUTHORIZATION=f"Token {raw}")
        assert client.get("/api/v1/addresses", {"q": "1311"}).status_code == 200
        bob_short.refresh_from_db()
        assert bob_short.status == Authorisation.Status.ACTIVE
        assert not AccessEvent.objects.filter(action=AccessEvent.Action.GRANT_EXPIRE).exists()
