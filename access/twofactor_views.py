"""The second-factor pages: enter a code, enrol an authenticator app, one's own second factor, and an administrator's
reset. Thin: the decisions are in access.twofactor (state and services) and access.permissions (who needs it)."""
from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.rules import login_only, require_perm

from . import twofactor
from .models import User
from .permissions import second_factor_required

ADMIN_PERM = "access.administer_authorisations"


def _next(request) -> str:
    """Where to go after this step: the page the user asked for, if it is one of ours, else the home page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _throttled_message(until) -> str:
    seconds = max(1, int((until - timezone.now()).total_seconds() + 0.999))
    return _("Te veel onjuiste codes. Probeer het over %(seconds)s seconden opnieuw.") % {"seconds": seconds}


def _demo_hint(user) -> bool:
    return bool(getattr(user, "is_demo", False) and getattr(settings, "DEMO_ACCOUNTS_ENABLED", False))


@login_only
@never_cache
@require_http_methods(["GET", "POST"])
def verify(request):
    """Enter the code from the authenticator app, or a recovery code."""
    user = request.user
    if twofactor.session_verified(request):
        return redirect(_next(request))
    if not twofactor.is_enrolled(user):
        return redirect(f"{_enrol_url()}?{request.GET.urlencode()}" if request.GET else _enrol_url())
    error = ""
    if request.method == "POST":
        outcome = twofactor.verify(user=user, code=request.POST.get("code", ""))
        if outcome.ok:
            twofactor.session_login(request, outcome.device)
            if outcome.kind == "recovery":
                messages.warning(request, _(
                    "U bent binnen met een herstelcode; die werkt geen tweede keer. U heeft nog %(left)s herstelcodes. "
                    "Maak nieuwe aan via ‘Mijn tweede factor’ als u er weinig over heeft."
                ) % {"left": outcome.recovery_left})
            return redirect(_next(request))
        error = (_throttled_message(outcome.throttled_until) if outcome.throttled_until
                 else _("Deze code is niet juist. Probeer het opnieuw."))
    return render(request, "access/twofactor_verify.html",
                  {"error": error, "next": _next(request), "demo_hint": _demo_hint(user)},
                  status=400 if error else 200)


def _enrol_url():
    from django.urls import reverse

    return reverse("twofactor_enrol")


@login_only
@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request):
    """Set up an authenticator app: a QR code and the secret, confirmed with a code; then ten recovery codes, shown
    once. Only for a user without an app: a new phone is an administrator's reset (it would otherwise let whoever
    knows the password replace the app)."""
    user = request.user
    if twofactor.is_enrolled(user):
        return redirect(f"{_verify_url()}?{request.GET.urlencode()}" if request.GET else _verify_url())
    error = ""
    device = None
    if request.method == "POST":
        device_id = request.session.get(twofactor.SESSION_ENROLMENT)
        outcome, codes = twofactor.enrolment_confirm(user=user, device_id=device_id, code=request.POST.get("code", ""))
        if outcome.ok:
            twofactor.session_login(request, outcome.device)
            return render(request, "access/twofactor_recovery_codes.html",
                          {"codes": codes, "next": _next(request), "first": True})
        device = twofactor.totp_device(user, confirmed=False)
        if device is None or device.pk != device_id:
            error = _("Deze instelling is verlopen. Scan de nieuwe QR-code.")
            device = None
        elif outcome.throttled_until:
            error = _throttled_message(outcome.throttled_until)
        else:
            error = _("Deze code is niet juist. Controleer of de tijd op uw telefoon klopt en probeer het opnieuw.")
    if device is None:
        device = twofactor.enrolment_start(user)
        request.session[twofactor.SESSION_ENROLMENT] = device.pk
    return render(
        request,
        "access/twofactor_enrol.html",
        {
            "qr_svg": twofactor.qr_svg(device),
            "secret": twofactor.secret_text(device),
            "error": error,
            "next": _next(request),
            "required": second_factor_required(user),
            "demo_hint": _demo_hint(user),
        },
        status=400 if error else 200,
    )


def _verify_url():
    from django.urls import reverse

    return reverse("twofactor_verify")


@login_only
@never_cache
@require_http_methods(["GET", "POST"])
def mine(request):
    """One's own second factor: enrolled or not, recovery codes left, and (in a verified session) new recovery
    codes."""
    user = request.user
    enrolled = twofactor.is_enrolled(user)
    verified = twofactor.session_verified(request)
    if request.method == "POST":
        if not (enrolled and verified):
            return redirect("twofactor_verify" if enrolled else "twofactor_enrol")
        codes = twofactor.recovery_codes_renew(user=user)
        return render(request, "access/twofactor_recovery_codes.html",
                      {"codes": codes, "next": request.path, "first": False})
    device = twofactor.totp_device(user) if enrolled else None
    return render(
        request,
        "access/twofactor_mine.html",
        {
            "enrolled": enrolled,
            "verified": verified,
            "provider_mfa": request.session.get(twofactor.SESSION_PROVIDER_MFA) == user.pk,
            "since": device.created_at if device is not None else None,
            "recovery_left": twofactor.recovery_codes_left(user) if enrolled else 0,
            "required": second_factor_required(user),
        },
    )


@require_perm(ADMIN_PERM)
@require_POST
def reset(request, username):
    """An administrator resets another person's second factor (a lost phone): they enrol again at their next login."""
    person = get_object_or_404(User, username=username)
    if person.pk == request.user.pk:
        messages.error(request, _("Uw eigen tweede factor kan een andere beheerder resetten, u niet zelf."))
        return redirect("access:user_detail", username=person.username)
    twofactor.second_factor_reset(user=person, actor=request.user)
    messages.success(request, _(
        "De tweede factor van %(name)s is gereset. Bij de volgende keer inloggen stelt %(name)s een nieuwe "
        "authenticator-app in; een API-token is ingetrokken."
    ) % {"name": person.get_full_name() or person.username})
    return redirect("access:user_detail", username=person.username)
