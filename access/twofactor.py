"""The second factor (issue 12, findings 1 and 2): a password alone never opens a sensitive role.

Who needs it: whoever holds an effective grant of a sensitive role (access.permissions.second_factor_required:
administrators, auditors, the signal roles, the address-level dashboard), and whoever enrolled of their own accord.
Until the session has passed it, access.middleware.SecondFactorMiddleware sends every page to this step and the user
holds no permission at all (access.permissions.withhold_until_second_factor), on the API too.

What counts as a second factor in a session:
- a TOTP code from an authenticator app, or one of ten single-use recovery codes (django-otp's TOTPDevice and
  StaticDevice; the session carries django-otp's device id, which OTPMiddleware checks on every request, so a reset
  by an administrator ends it at once);
- an OpenID Connect login whose provider reports multi-factor authentication in the ID token (access.oidc), recorded
  as SESSION_PROVIDER_MFA.

Wrong codes are throttled by django-otp itself (OTP_TOTP_THROTTLE_FACTOR, OTP_STATIC_THROTTLE_FACTOR: after n
failures the next try waits 2^(n-1) seconds); a try while throttled does not count as a verification. Enrolment,
every wrong code, every recovery code used, new recovery codes and a reset are access events (audit.services).
"""
import base64
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .permissions import second_factor_required

# Session keys. SESSION_PROVIDER_MFA holds the user's pk when the identity provider reported MFA at this login;
# SESSION_ENROLLED whether the user had an authenticator app at login (then the code is asked, sensitive role or not);
# SESSION_ENROLMENT the id of the not yet confirmed device that the enrolment page shows.
SESSION_PROVIDER_MFA = "vp_provider_mfa"
SESSION_ENROLLED = "vp_2fa_enrolled"
SESSION_ENROLMENT = "vp_2fa_enrolment"

TOTP_NAME = "Authenticator-app"
RECOVERY_NAME = "Herstelcodes"


def recovery_code_count() -> int:
    return getattr(settings, "TWOFACTOR_RECOVERY_CODES", 10)


# --- state ------------------------------------------------------------------------------------------------------

def totp_device(user, confirmed=True):
    """The user's authenticator app (confirmed: enrolled; False: an enrolment under way), or None."""
    if not getattr(user, "pk", None):
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=confirmed).order_by("-pk").first()


def is_enrolled(user) -> bool:
    """Has the user a confirmed authenticator app? (Recovery codes alone do not count: they come with the app.)"""
    return bool(getattr(user, "pk", None)) and TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()


def session_verified(request) -> bool:
    """Has this session passed a second factor (a device django-otp verified, or the provider's MFA)?"""
    user = request.user
    if not user.is_authenticated:
        return False
    if request.session.get(SESSION_PROVIDER_MFA) == user.pk:
        return True
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def second_factor_due(request) -> bool:
    """Must this session pass a second factor before anything else? A sensitive role, or an enrolled user."""
    user = request.user
    if not user.is_authenticated:
        return False
    if not (second_factor_required(user) or request.session.get(SESSION_ENROLLED)):
        return False  # checked first: no query for the (many) sessions that need nothing
    return not session_verified(request)


def login_prepare(request) -> None:
    """Before a password or OIDC login: nothing of an earlier second factor in this session counts for this one."""
    for key in (DEVICE_ID_SESSION_KEY, SESSION_PROVIDER_MFA, SESSION_ENROLMENT):
        request.session.pop(key, None)


def login_record(request, user) -> None:
    """After a login: remember whether the user is enrolled (then the code is asked whatever their roles)."""
    request.session[SESSION_ENROLLED] = is_enrolled(user)


def provider_mfa_record(request, user) -> None:
    """The identity provider reported MFA for this login: the session counts as having passed a second factor."""
    request.session[SESSION_PROVIDER_MFA] = user.pk
    request.session.cycle_key()


# --- enrolment --------------------------------------------------------------------------------------------------

@transaction.atomic
def enrolment_start(user) -> TOTPDevice:
    """A new, unconfirmed authenticator-app device with a fresh secret (any earlier unconfirmed one is dropped)."""
    TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def secret_text(device) -> str:
    """The secret as an authenticator app asks for it when typed in: base32 in groups of four."""
    raw = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def qr_svg(device) -> str:
    """The otpauth:// URI of the device as an inline SVG QR code (made here: no external service sees the secret)."""
    import io

    import segno

    out = io.BytesIO()
    segno.make(device.config_url, error="m").save(
        out, kind="svg", scale=5, border=2, xmldecl=False, svgns=True, title=_("QR-code voor uw authenticator-app"),
        svgclass="qr-code", lineclass=None,
    )
    return out.getvalue().decode("utf-8")


@dataclass
class Outcome:
    """The result of checking a code: `device` that accepted it (None: refused), `kind` "totp" or "recovery",
    `throttled_until` set when no code is checked until then (too many wrong codes)."""

    device: object = None
    kind: str = ""
    throttled_until: datetime | None = None
    recovery_left: int | None = None

    @property
    def ok(self) -> bool:
        return self.device is not None


def _throttled_until(devices) -> datetime | None:
    latest = None
    for device in devices:
        allowed, info = device.verify_is_allowed()
        if not allowed:
            until = (info or {}).get("locked_until") or timezone.now()
            latest = until if latest is None or until > latest else latest
    return latest


def _record(action, user, outcome=None, label=""):
    from audit.models import AccessEvent
    from audit.services import access_event_record

    access_event_record(
        action=action,
        actor=user,
        outcome=outcome or AccessEvent.Outcome.ALLOWED,
        object_type="access.User",
        object_id=str(user.pk),
        object_label=label or _("Tweede factor van %(user)s") % {"user": user.username},
    )


def _recovery_codes_make(user) -> list[str]:
    """Ten new recovery codes (the old ones stop working). Returned once, to be shown once."""
    StaticDevice.objects.filter(user_id=user.pk).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = []
    while len(codes) < recovery_code_count():
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _normalise(code: str) -> str:
    return "".join(ch for ch in str(code or "") if ch.isalnum()).lower()[:32]


@transaction.atomic
def enrolment_confirm(*, user, device_id, code) -> tuple[Outcome, list[str]]:
    """Confirm the enrolment with a code from the app: the device becomes the user's authenticator app (replacing
    none: enrolment is only for users without one) and ten recovery codes are made. Returns (outcome, codes)."""
    from audit.models import AccessEvent

    device = TOTPDevice.objects.select_for_update().filter(pk=device_id, user_id=user.pk, confirmed=False).first()
    if device is None or is_enrolled(user):
        return Outcome(), []
    until = _throttled_until([device])
    if until is not None:
        _record(AccessEvent.Action.TWOFACTOR_FAILED, user, AccessEvent.Outcome.DENIED,
                _("Tweede factor van %(user)s: geweigerd na te veel onjuiste codes") % {"user": user.username})
        return Outcome(throttled_until=until), []
    if not device.verify_token(_normalise(code)):
        _record(AccessEvent.Action.TWOFACTOR_FAILED, user, AccessEvent.Outcome.DENIED,
                _("Code bij het instellen van de tweede factor van %(user)s") % {"user": user.username})
        return Outcome(), []
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _recovery_codes_make(user)
    _record(AccessEvent.Action.TWOFACTOR_ENROL, user)
    return Outcome(device=device, kind="totp", recovery_left=len(codes)), codes


# --- verification -----------------------------------------------------------------------------------------------

@transaction.atomic
def verify(*, user, code) -> Outcome:
    """Check a code: six digits against the authenticator app, anything else against the recovery codes (each works
    once). While either is throttled after wrong codes, nothing is checked."""
    from audit.models import AccessEvent

    code = _normalise(code)
    totp = list(TOTPDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=True))
    static = list(StaticDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=True))
    until = _throttled_until(totp + static)
    if until is not None:
        _record(AccessEvent.Action.TWOFACTOR_FAILED, user, AccessEvent.Outcome.DENIED,
                _("Tweede factor van %(user)s: geweigerd na te veel onjuiste codes") % {"user": user.username})
        return Outcome(throttled_until=until)
    if code.isdigit() and len(code) in (6, 8):
        device = next((d for d in totp if d.verify_token(code)), None)
        kind = "totp"
    else:
        device = next((d for d in static if d.verify_token(code)), None) if code else None
        kind = "recovery"
    if device is None:
        if not code or (kind == "totp" and not totp) or (kind == "recovery" and not static):
            # Nothing was checked (and so nothing throttled): count the try against the app all the same.
            for d in totp[:1] or static[:1]:
                d.throttle_increment()
        _record(AccessEvent.Action.TWOFACTOR_FAILED, user, AccessEvent.Outcome.DENIED)
        return Outcome(kind=kind)
    left = None
    if kind == "recovery":
        left = StaticToken.objects.filter(device__user_id=user.pk).count()
        _record(AccessEvent.Action.TWOFACTOR_RECOVERY, user,
                label=_("Herstelcode van %(user)s (nog %(left)s over)") % {"user": user.username, "left": left})
    return Outcome(device=device, kind=kind, recovery_left=left)


def session_login(request, device) -> None:
    """The session has passed the second factor with `device` (django-otp keeps its id in the session); the session
    key changes, as at any change of privilege."""
    otp_login(request, device)
    request.session.pop(SESSION_ENROLMENT, None)
    request.session[SESSION_ENROLLED] = True
    request.session.cycle_key()


@transaction.atomic
def recovery_codes_renew(*, user) -> list[str]:
    """Ten new recovery codes for a user in a verified session; the old ones stop working."""
    from audit.models import AccessEvent

    codes = _recovery_codes_make(user)
    _record(AccessEvent.Action.TWOFACTOR_RECOVERY_NEW, user)
    return codes


@transaction.atomic
def second_factor_reset(*, user, actor) -> bool:
    """An administrator resets someone's second factor (a lost phone): their app and recovery codes stop working at
    once (a session verified with them no longer is), their API token is revoked (whoever has the phone may have
    made it), and they enrol again at their next login. An access event in the administrator's name. Returns whether
    there was anything to reset."""
    from audit.models import AccessEvent
    from audit.services import access_event_record

    from .api import api_token_revoke

    had = TOTPDevice.objects.filter(user_id=user.pk).exists() or StaticDevice.objects.filter(user_id=user.pk).exists()
    TOTPDevice.objects.filter(user_id=user.pk).delete()
    StaticDevice.objects.filter(user_id=user.pk).delete()
    access_event_record(
        action=AccessEvent.Action.TWOFACTOR_RESET,
        actor=actor,
        object_type="access.User",
        object_id=str(user.pk),
        object_label=_("Tweede factor van %(user)s") % {"user": user.username},
    )
    api_token_revoke(user=user, actor=actor)
    return had
