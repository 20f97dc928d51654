from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.rules import rule_for

from .audit_context import required_permission_record
from .permissions import has_perm_anywhere


class SessionIdleMiddleware:
    """Sliding idle timeout without a session write on every request.

    A logged-in user's session is saved again (which moves its expiry to SESSION_COOKIE_AGE from now) only when
    the last save is more than SESSION_TOUCH_SECONDS ago. Anonymous visitors get no session from this.
    """

    KEY = "_vp_touched"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if session is not None and user is not None and user.is_authenticated and not session.is_empty():
            now = int(timezone.now().timestamp())
            if now - session.get(self.KEY, 0) >= settings.SESSION_TOUCH_SECONDS:
                session[self.KEY] = now
        return response


class PermissionRefreshMiddleware:
    """Recompute a user's permissions when a grant has started or ended since the last sync.

    The moment is stored on the user row (already loaded for the request), so this costs no query
    unless a recompute is due. Revocations take effect at once because they resync in the service.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            due = user.permissions_recheck_at
            if due is not None and due <= timezone.now():
                from .services import authorisation_expire_due

                authorisation_expire_due(user=user)
                user.refresh_from_db()
        return self.get_response(request)


def _is_api(request):
    return request.path.startswith("/api/")


class AccessRuleMiddleware:
    """Deny by default: a view runs only if it carries an access rule that the user meets."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        if match is not None and match.app_name == "admin":
            return None  # the admin site checks access.permissions itself (access.admin_site.PlatformAdminSite)
        rule = rule_for(view_func)
        if rule is None:
            if settings.DEBUG:
                raise PermissionDenied(f"View {view_func.__module__}.{view_func.__name__} has no access rule")
            raise PermissionDenied
        kind = rule[0]
        if kind in ("public", "api"):
            return None
        if not request.user.is_authenticated:
            if _is_api(request):
                return JsonResponse({"detail": _("Niet ingelogd.")}, status=401)
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if kind == "login":
            return None
        _kind, perm, scope = rule
        request.required_permission = perm
        required_permission_record(user=request.user, perm=perm)
        if not has_perm_anywhere(request.user, perm, scope):
            raise PermissionDenied
        return None


class SecondFactorMiddleware:
    """A password alone never opens a sensitive role (issue 12, findings 1 and 2). One place for every page and API
    endpoint, after the user's grants are brought up to date (PermissionRefreshMiddleware) and before any access rule:

    - a session that must pass a second factor and has not (access.twofactor.second_factor_due: a sensitive role,
      or an enrolled user) holds no permission at all for this request (access.permissions), so an API call with the
      session cookie is refused like any call without the permission, and every page but the second-factor step
      itself, logging out and the language switch is sent to that step (to enrol first when there is no app yet);
    - the pages in VERIFIED_ONLY (making an API token) need a verified session from everyone: a token then never
      stands for a password alone.
    Token requests are not sessions: a token can only be made in a verified session (or by an operator on the server,
    manage.py api_token).
    """

    EXEMPT = {"twofactor_verify", "twofactor_enrol", "logout", "login", "set_language", "healthz",
              "oidc_authentication_init", "oidc_authentication_callback"}
    VERIFIED_ONLY = {"access:api_token"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .permissions import withhold_until_second_factor
        from .twofactor import second_factor_due

        request.second_factor_due = second_factor_due(request)
        if request.second_factor_due:
            withhold_until_second_factor(request.user)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        name = match.view_name if match is not None else ""
        if name in self.EXEMPT or not request.user.is_authenticated:
            return None
        if not request.second_factor_due:
            if name not in self.VERIFIED_ONLY:
                return None
            from .twofactor import session_verified

            if session_verified(request):
                return None
        if _is_api(request):
            return None  # the API refuses through the withheld permissions (403), it is not redirected
        from django.shortcuts import redirect
        from django.utils.http import urlencode

        from .twofactor import is_enrolled

        step = "twofactor_verify" if is_enrolled(request.user) else "twofactor_enrol"
        target = redirect(step)
        target["Location"] += "?" + urlencode({"next": request.get_full_path()})
        return target
