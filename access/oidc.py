"""Logging in through the municipality's own identity provider (OpenID Connect, mozilla-django-oidc), an option
configured from the environment (OIDC_RP_CLIENT_ID and the provider's endpoints; see veiligheid/settings.py).

- Only existing accounts: the provider's username claim (OIDC_USERNAME_CLAIM, else the e-mail claim) is matched to
  one active account; nobody is ever created, and no role comes from the provider (roles are grants, four eyes).
- The ID token is checked on top of the library's signature and nonce checks: issuer (OIDC_OP_ISSUER, when set),
  audience (our client id) and expiry.
- The provider's MFA counts as the second factor when the ID token says so: an `amr` value in OIDC_MFA_AMR_VALUES
  (RFC 8176: "mfa", "otp", "hwk", ...) or an `acr` in OIDC_MFA_ACR_VALUES. Otherwise the platform's own TOTP step
  follows, as after a password (access.twofactor).
"""
import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from . import twofactor
from .backends import PlatformModelBackend

logger = logging.getLogger(__name__)

BACKEND = "access.oidc.PlatformOIDCBackend"


def oidc_enabled() -> bool:
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", ""))


def oidc_provider_name() -> str:
    return getattr(settings, "OIDC_PROVIDER_NAME", "") or _("uw organisatie")


def provider_mfa(claims: dict) -> bool:
    """Did the provider authenticate with more than a password, by the ID token's amr or acr claim?"""
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    wanted_amr = {value.lower() for value in getattr(settings, "OIDC_MFA_AMR_VALUES", [])}
    if wanted_amr & {str(value).lower() for value in amr}:
        return True
    acr = claims.get("acr")
    return bool(acr) and str(acr) in set(getattr(settings, "OIDC_MFA_ACR_VALUES", []))


class PlatformOIDCBackend(OIDCAuthenticationBackend):
    """Authenticates an OIDC login to an existing account. Grants nothing itself: permissions are only ever answered
    by access.permissions (as PlatformModelBackend)."""

    def authenticate(self, request, **kwargs):
        """None (the login fails, back to the login page) for any ID token or provider answer that does not pass,
        logged as a security warning: an expired or foreign token is no server error."""
        import jwt
        import requests

        try:
            return super().authenticate(request, **kwargs)
        except (SuspiciousOperation, jwt.InvalidTokenError, requests.RequestException, ValueError, KeyError) as exc:
            logging.getLogger("django.security.oidc").warning("OIDC login refused: %s", exc)
            return None

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        issuer = getattr(settings, "OIDC_OP_ISSUER", "")
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("ID token issuer does not match OIDC_OP_ISSUER")
        if kwargs.get("nonce") is not None or "aud" in payload:  # the ID token (not a signed userinfo answer)
            audience = payload.get("aud")
            audiences = audience if isinstance(audience, list) else [audience]
            if self.OIDC_RP_CLIENT_ID not in audiences:
                raise SuspiciousOperation("ID token audience does not name this client")
        return payload

    def verify_claims(self, claims):
        return bool(claims.get(self._username_claim()) or claims.get("email"))

    @staticmethod
    def _username_claim():
        return getattr(settings, "OIDC_USERNAME_CLAIM", "preferred_username")

    def filter_users_by_claims(self, claims):
        users = self.UserModel.objects.filter(is_active=True)
        if not getattr(settings, "DEMO_ACCOUNTS_ENABLED", False):
            users = users.filter(is_demo=False)
        username = claims.get(self._username_claim())
        if username:
            found = users.filter(username__iexact=str(username))
            if found.exists():
                return found
        email = claims.get("email")
        if email and claims.get("email_verified", True) is not False:
            return users.filter(email__iexact=str(email))
        return users.none()

    def create_user(self, claims):
        raise SuspiciousOperation("OIDC never creates accounts")  # also OIDC_CREATE_USER = False

    def get_or_create_user(self, access_token, id_token, payload):
        user = super().get_or_create_user(access_token, id_token, payload)
        if user is not None:
            user.oidc_provider_mfa = provider_mfa(payload)
        return user

    def get_user(self, user_id):
        return PlatformModelBackend().get_user(user_id)

    def has_perm(self, user_obj, perm, obj=None):
        from .permissions import has_perm

        return has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        return False

    def get_all_permissions(self, user_obj, obj=None):
        return set()

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()


class OIDCLoginView(OIDCAuthenticationRequestView):
    """'Inloggen via <provider>': to the provider's login page (state, nonce and PKCE kept in the session)."""

    access_rule = ("public",)

    def __init__(self, *args, **kwargs):
        if oidc_enabled():
            super().__init__(*args, **kwargs)
        else:
            super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request):
        if not oidc_enabled():
            return redirect("login")
        return super().get(request)


class OIDCCallbackView(OIDCAuthenticationCallbackView):
    """The provider sends the browser back here with a code; an unknown person or a failed check goes back to the
    login page. The session then passed the second factor only if the provider reported MFA."""

    access_rule = ("public",)

    def get(self, request):
        if not oidc_enabled():
            return redirect("login")
        twofactor.login_prepare(request)
        return super().get(request)

    def login_failure(self):
        messages.error(self.request, _(
            "Inloggen via %(provider)s is niet gelukt. Heeft u een account op dit platform? Vraag het anders aan bij "
            "een autorisatiebeheerder."
        ) % {"provider": oidc_provider_name()})
        return redirect("login")

    def login_success(self):
        response = super().login_success()
        user = self.user
        twofactor.login_record(self.request, user)
        if getattr(user, "oidc_provider_mfa", False):
            twofactor.provider_mfa_record(self.request, user)
        return response
