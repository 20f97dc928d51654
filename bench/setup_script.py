"""Run INSIDE a code tree whose database holds the demo municipality, as `manage.py shell -c "<this file's text>"`
(so it uses that tree's own models and services: the baseline commit and the current code alike).

Reads its settings from the environment variable BENCH_SETUP (JSON: users, bulk_user, password, seed, sample,
bulk_rows) and prints one line `BENCH-JSON:{...}` with the API tokens, the address ids to search and the bulk-check
CSV. Users and grants are made through the platform's own services, with four eyes, as the demo makes its own.
Never import this module: it runs on import.
"""
import io
import json
import os
import random
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from access import roles as R
from access.models import Authorisation, Department, User
from access.services import authorisation_approve, authorisation_request
from areas.models import Address
from signals.models import Signal


def _grant(user, role_code, requester, approver, until):
    if Authorisation.objects.filter(user=user, role=role_code).open().exists():
        return
    grant = authorisation_request(requested_by=requester, user=user, role=role_code, scope=None,
                                  purpose="Benchmark: zoeken onder belasting", valid_until=until)
    if grant.status == Authorisation.Status.REQUESTED:
        authorisation_approve(grant=grant, approved_by=approver, note="Benchmark")


def _token(username):
    out = io.StringIO()
    call_command("api_token", username, stdout=out)
    lines = [line.strip() for line in out.getvalue().splitlines() if line.strip()]
    candidates = [line for line in lines if " " not in line and len(line) >= 20]
    if not candidates:
        raise SystemExit(f"bench: no API token in the output of api_token {username}: {out.getvalue()!r}")
    return candidates[0]


def _bench_setup():
    cfg = json.loads(os.environ["BENCH_SETUP"])
    rng = random.Random(cfg["seed"])  # nosec B311  # pseudo-random numbers for demo or benchmark data, not for security
    requester = User.objects.get(username="beheerder")
    approver = User.objects.get(username="beheerder2")
    until = timezone.localdate() + timedelta(days=300)
    departments = list(Department.objects.order_by("code"))
    if not departments:
        raise SystemExit("bench: the demo municipality is not loaded (no departments)")
    # Roles a bulk checker may need besides the search role (the bulk check may get a permission of its own).
    bulk_roles = [code for code, role in R.ROLES.items() if not role.scope and (
        "bulk" in code or any("bulk" in perm for perm in role.model_perms))]

    def user(username, index):
        found = User.objects.filter(username=username).first()
        if found is None:
            found = User(username=username, first_name="Bench", last_name=f"Gebruiker {index}",
                         email=f"{username}@bench.example", department=departments[index % len(departments)],
                         job_title="Benchmark", phone="06 0000 0000")
        found.set_password(cfg["password"])
        found.save()
        return found

    tokens = {}
    for index, username in enumerate(cfg["users"]):
        searcher = user(username, index)
        _grant(searcher, R.SIGNAL_SEARCH, requester, approver, until)
        tokens[username] = _token(username)
    bulk = user(cfg["bulk_user"], len(cfg["users"]))
    for role_code in [R.SIGNAL_SEARCH, *bulk_roles]:
        _grant(bulk, role_code, requester, approver, until)

    hit_ids = sorted(set(Signal.objects.filter(status="active").values_list("address_id", flat=True)))
    all_ids = list(Address.objects.order_by("id").values_list("id", flat=True))
    if len(all_ids) < cfg["bulk_rows"]:
        raise SystemExit(f"bench: only {len(all_ids)} addresses, a bulk check of {cfg['bulk_rows']} needs more")
    other_ids = rng.sample(all_ids, min(cfg["sample"], len(all_ids)))
    bulk_ids = rng.sample(all_ids, cfg["bulk_rows"])
    rows = {a.pk: a for a in Address.objects.filter(pk__in=bulk_ids)}
    lines = ["postcode;huisnummer;huisletter;toevoeging"]
    for pk in bulk_ids:
        a = rows[pk]
        lines.append(f"{a.postcode};{a.number};{a.letter or ''};{a.addition or ''}")
    result = {"tokens": tokens, "hit_ids": hit_ids, "other_ids": other_ids, "bulk_csv": "\n".join(lines) + "\n",
              "bulk_roles": bulk_roles, "bulk_totp_key": _authenticator(bulk)}
    print("BENCH-JSON:" + json.dumps(result))


def _authenticator(user):
    """The bulk checker logs in through the pages, where its sensitive roles ask for a second factor (issue 12): a
    fresh authenticator app with a random key, which the bench client computes codes from. None in a code tree
    without two-factor login (the baseline before it)."""
    import secrets

    from django.apps import apps

    if not apps.is_installed("django_otp.plugins.otp_totp"):
        return None
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user).delete()
    key = secrets.token_hex(20)
    TOTPDevice.objects.create(user=user, name="Bench", confirmed=True, key=key)
    return key


_bench_setup()
