"""Access control for the REST API: the permission class every API view uses, and API tokens.

A DRF view declares what each action needs in one table, and nothing else decides:

    class SignalViewSet(viewsets.GenericViewSet):
        permission_classes = [PlatformPermission]
        required_permissions = {
            "list": ("access.manage_department_signals", "access.Department"),  # on at least one department
            "retrieve": ("access.manage_department_signals", "access.Department"),
            "hits": "signals.search_address",  # platform-wide
            "schema": None,  # any logged-in user
        }

Keys are DRF action names ("list", "retrieve", "create", "partial_update", custom @action names) or, for plain
APIViews, HTTP methods ("GET", "POST"; HEAD falls back to GET). A missing entry denies. Object visibility
(which departments' signals) stays in the selectors, which answer 404 for objects the user may not see.

Tokens are stored hashed: the `key` column of DRF's Token holds the first 40 hex characters of the SHA-256 of
the secret that was shown once to the user, so a database read does not hand out usable tokens.
"""
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.authentication import SessionScheme
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.permissions import BasePermission

from .audit_context import required_permission_record
from .permissions import has_perm_anywhere

LOGIN_ONLY = None  # value in required_permissions: any authenticated user


def _entry_for(view, request):
    table = getattr(view, "required_permissions", None)
    if not isinstance(table, dict):
        return False, None
    action = getattr(view, "action", None)
    if action and action in table:
        return True, table[action]
    method = request.method.upper()
    if method in table:
        return True, table[method]
    if method == "HEAD" and "GET" in table:
        return True, table["GET"]
    return False, None


def _split_entry(entry):
    if isinstance(entry, (tuple, list)):
        perm = entry[0]
        scope = entry[1] if len(entry) > 1 else None
        return perm, scope
    return entry, None


class PlatformPermission(BasePermission):
    """Decides only through access.permissions; deny by default; no superuser or staff shortcut."""

    message = gettext_lazy("U heeft geen autorisatie voor deze handeling.")

    def has_permission(self, request, view):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return False  # DRF answers 401 (NotAuthenticated) for unauthenticated requests
        if request.method.lower() not in view.http_method_names or getattr(view, request.method.lower(), None) is None:
            # No handler for this method: 405 for people who may use the endpoint otherwise, 403 for the rest.
            return self._may_use_any(user, view)
        declared, entry = _entry_for(view, request)
        if not declared:
            return False
        if entry is LOGIN_ONLY:
            return True
        perm, scope = _split_entry(entry)
        # The denial log and the audit's grant lookup read the permission from the audit context.
        required_permission_record(user=user, perm=perm)
        request.required_permission_scope = scope
        return has_perm_anywhere(user, perm, scope)


    @staticmethod
    def _may_use_any(user, view) -> bool:
        for entry in (getattr(view, "required_permissions", None) or {}).values():
            if entry is LOGIN_ONLY:
                return True
            perm, scope = _split_entry(entry)
            if has_perm_anywhere(user, perm, scope):
                return True
        return False


def required_permission_for(view, request):
    """(perm, scope) that the view's table asks for the current request, or (None, None)."""
    declared, entry = _entry_for(view, request)
    if not declared or entry is LOGIN_ONLY:
        return None, None
    return _split_entry(entry)


# --- tokens ---------------------------------------------------------------------------------------------------

def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]


def token_max_age() -> timedelta:
    return timedelta(days=getattr(settings, "API_TOKEN_MAX_AGE_DAYS", 90))


class SameSiteSessionAuthentication(SessionAuthentication):
    """The session cookie counts only for requests from the platform's own pages. A browser sends the cookie along
    with a request another website makes (an <img> or a link to `/api/v1/addresses/7/hits?purpose=...`), which would
    run a search, count against the victim's limit and be recorded in the victim's name; such a request is refused
    before anything runs. Requests with a token are not affected (another site cannot attach one)."""

    message = gettext_lazy("Een verzoek dat van een andere website komt, wordt niet uitgevoerd. Open de pagina in het "
                           "platform zelf.")

    def authenticate(self, request):
        from core.fetch import cross_site

        result = super().authenticate(request)
        if result is not None and cross_site(request):
            raise exceptions.PermissionDenied(self.message)
        return result


class SameSiteSessionScheme(SessionScheme):
    """The OpenAPI document describes the same-site session like Django REST framework's session (cookie auth)."""

    target_class = "access.api.SameSiteSessionAuthentication"


class HashedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <secret>`. Looks the token up by its hash; refuses expired tokens, inactive users and
    demo accounts where demo accounts are disabled (the same rule as the password login)."""

    def authenticate_credentials(self, key):
        try:
            # The department with the user, as the session login loads it: every audit event names it.
            token = Token.objects.select_related("user__department").get(key=token_digest(key))
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Ongeldig API-token.")) from None
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("Dit account is niet actief."))
        if getattr(user, "is_demo", False) and not getattr(settings, "DEMO_ACCOUNTS_ENABLED", False):
            raise exceptions.AuthenticationFailed(_("Demo-accounts werken alleen op een demo-installatie."))
        if token.created < timezone.now() - token_max_age():
            raise exceptions.AuthenticationFailed(_("Dit API-token is verlopen. Maak een nieuw token aan."))
        # What PermissionRefreshMiddleware does for session users (it runs before DRF authenticates a token): this
        # user's own ended and started grants, nobody else's (the platform-wide expiry is the nightly job's).
        due = user.permissions_recheck_at
        if due is not None and due <= timezone.now():
            from .services import authorisation_expire_due

            authorisation_expire_due(user=user)
            user.refresh_from_db()
        return user, token


@transaction.atomic
def api_token_rotate(*, user, actor=None) -> str:
    """Issue a new API token for `user`, replacing any old one. Returns the secret; only its hash is stored.
    `actor`: who does it (the user on the token page; None: the system, as manage.py api_token)."""
    from audit.models import AccessEvent
    from audit.services import access_event_record

    api_token_revoke(user=user, actor=actor)  # a replaced token is a revoked one, on record as such
    raw = secrets.token_urlsafe(32)
    Token.objects.create(user=user, key=token_digest(raw))
    access_event_record(
        action=AccessEvent.Action.API_TOKEN_CREATE,
        actor=actor,
        object_type="authtoken.Token",
        object_id=str(user.pk),
        object_label=_("API-token van %(user)s") % {"user": user.username},
    )
    return raw


@transaction.atomic
def api_token_revoke(*, user, actor=None) -> bool:
    from audit.models import AccessEvent
    from audit.services import access_event_record

    deleted = Token.objects.filter(user=user).exists()
    Token.objects.filter(user=user).delete()
    if deleted:
        access_event_record(
            action=AccessEvent.Action.API_TOKEN_REVOKE,
            actor=actor,
            object_type="authtoken.Token",
            object_id=str(user.pk),
            object_label=_("API-token van %(user)s") % {"user": user.username},
        )
    return deleted
