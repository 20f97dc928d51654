"""Demo departments, users (one shared password) and grants, made through the real services (four eyes, audit)."""
from datetime import timedelta

from django.apps import apps
from django.utils import timezone

from . import roles as R
from .models import Authorisation, Department, User
from .services import authorisation_approve, authorisation_bootstrap, authorisation_request

DEMO_PASSWORD = "Veilig-demo-2026"  # nosec B105  # the documented demo password; demo accounts log in only on a demo installation
# The demo's authenticator secret (base32, as an app asks for it): every demo account with a sensitive role has an
# authenticator app with this secret, so a newcomer passes the second factor with `manage.py demo_code <username>` or
# by adding this secret to any authenticator app (README). Only where demo accounts are enabled.
DEMO_TOTP_SECRET = "VEILIGDEMOVEILIGDEMOVEILIGDEMO23"  # nosec B105  # the documented demo secret, only where demo accounts are enabled

DEPARTMENTS = [
    ("burgerzaken", "Burgerzaken", "036 539 1001", "burgerzaken@almere.example"),
    ("belastingen", "Belastingen", "036 539 1002", "belastingen@almere.example"),
    ("sociale-zaken", "Sociale Zaken", "036 539 1003", "sociale.zaken@almere.example"),
    ("vergunningen", "Vergunningen", "036 539 1004", "vergunningen@almere.example"),
    ("toezicht-handhaving", "Toezicht en Handhaving", "036 539 1005", "handhaving@almere.example"),
    ("oov", "Openbare Orde en Veiligheid", "036 539 1006", "oov@almere.example"),
]

# username, first, last, department code, job title, [(role, scope spec)]
USERS = [
    ("beheerder", "Bram", "de Beheerder", "oov", "Autorisatiebeheerder", []),
    ("beheerder2", "Bea", "Tweede", "burgerzaken", "Autorisatiebeheerder", []),
    ("auditor", "Anouk", "Auditor", None, "Auditor informatiebeveiliging", [(R.AUDITOR, None)]),
    ("analist", "Ali", "Analist", "oov", "Informatieanalist veiligheid",
     [(R.DASHBOARD_VIEWER, ("dashboards.Dashboard", "buurtveiligheid")), (R.INTERVENTION_EDITOR, None)]),
    ("handhaver", "Henk", "Handhaver", "toezicht-handhaving", "Toezichthouder wonen",
     [(R.SIGNAL_SEARCH, None), (R.BULK_CHECK, None),
      (R.SIGNAL_OFFICER, ("access.Department", "toezicht-handhaving"))]),
    ("sociale-zaken", "Sanne", "Sociaal", "sociale-zaken", "Handhaver sociale zekerheid",
     [(R.SIGNAL_SEARCH, None), (R.SIGNAL_OFFICER, ("access.Department", "sociale-zaken"))]),
    ("coordinator", "Carla", "Coördinator", "oov", "Coördinator signalering", [(R.HIT_REPORT_COORDINATOR, None)]),
    ("gegevensbeheerder", "Gijs", "Gegevens", "oov", "Gegevensbeheerder",
     [(R.DATA_STEWARD, ("ingest.ImportSource", "politie"))]),
    ("hennep-analist", "Hanna", "Hennep", "oov", "Analist ondermijning",
     [(R.ADDRESS_LEVEL_VIEWER, ("dashboards.Dashboard", "hennep"))]),
    ("zonder-rechten", "Zoë", "Zonder", "burgerzaken", "Medewerker", []),
]


def _scope(spec):
    if spec is None:
        return None
    label, key = spec
    try:
        model = apps.get_model(label)
    except LookupError:
        return None
    field = "code" if label in ("access.Department", "ingest.ImportSource") else "slug"
    return model._default_manager.filter(**{field: key}).first()


def seed(stdout):
    departments = {}
    for code, name, phone, email in DEPARTMENTS:
        departments[code], _ = Department.objects.get_or_create(
            code=code, defaults={"name": name, "phone": phone, "email": email}
        )
    users = {}
    for username, first, last, dept, title, _grants in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@almere.example",
                department=departments.get(dept),
                job_title=title,
                phone="036 539 " + str(2000 + len(users)),
                is_demo=True,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
        users[username] = user

    until = timezone.localdate() + timedelta(days=300)
    for admin in ("beheerder", "beheerder2"):
        if not Authorisation.objects.filter(user=users[admin], role=R.AUTHORISATION_ADMIN).exists():
            authorisation_bootstrap(
                user=users[admin], role=R.AUTHORISATION_ADMIN, purpose="Inrichting demogemeente", valid_until=until
            )
    granted = 0
    for username, *_rest, grants in USERS:
        for role_code, scope_spec in grants:
            role = R.ROLES[role_code]
            scope = _scope(scope_spec)
            if not role.available or (role.scope and scope is None):
                continue  # the feature behind this role has not landed yet
            exists = Authorisation.objects.filter(user=users[username], role=role_code).open()
            if scope is not None:
                exists = exists.filter(scope_id=scope.pk)
            if exists.exists():
                continue
            grant = authorisation_request(
                requested_by=users["beheerder"],
                user=users[username],
                role=role_code,
                scope=scope,
                purpose=f"Demo: {role.label} voor {users[username].job_title}",
                valid_until=until,
            )
            if grant.status == Authorisation.Status.REQUESTED:
                authorisation_approve(grant=grant, approved_by=users["beheerder2"], note="Demo")
            granted += 1
    apps_made = demo_authenticators_ensure(users.values())
    stdout.write(f"Gebruikers: {len(users)} demo-accounts, {granted} nieuwe autorisaties (wachtwoord: {DEMO_PASSWORD}"
                 f"{', tweede factor: manage.py demo_code <gebruikersnaam>' if apps_made is not None else ''}).")


def demo_totp_key_hex() -> str:
    import base64

    return base64.b32decode(DEMO_TOTP_SECRET).hex()


def demo_authenticators_ensure(users):
    """The demo accounts (an iterable of users) with a sensitive role get an authenticator app with the documented demo secret (only where
    demo accounts are enabled: elsewhere they cannot log in anyway). Returns how many were made, None when off."""
    from django.conf import settings
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from .permissions import second_factor_required

    if not getattr(settings, "DEMO_ACCOUNTS_ENABLED", False):
        return None
    made = 0
    for user in users:
        user = User.objects.get(pk=user.pk)  # fresh: its grants were just made
        if not second_factor_required(user) or TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            continue
        TOTPDevice.objects.create(user=user, name="Demo-app", confirmed=True, key=demo_totp_key_hex())
        made += 1
    return made
