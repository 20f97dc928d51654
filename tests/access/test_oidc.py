"""Logging in through the municipality's identity provider (OpenID Connect), with the provider's HTTP endpoints as the
only thing faked: the token, JWKS and userinfo answers come from a stand-in for the provider at the HTTP transport
(requests' adapter), and the ID token is really signed (RS256) with a key the test makes. The platform's own code and
mozilla-django-oidc's checks (state, nonce, PKCE, signature) run as in production."""
import io
import json
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from access import roles as R
from access.models import User
from tests.factories import authenticator, grant, make_user, totp_code

pytestmark = pytest.mark.django_db

PROVIDER = "https://login.gemeente.example"
CLIENT_ID = "veiligheidsplatform"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
JWK = {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key())), "kid": "k1", "alg": "RS256", "use": "sig"}


@pytest.fixture
def oidc(settings):
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = "geheim"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{PROVIDER}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{PROVIDER}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{PROVIDER}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{PROVIDER}/jwks"
    settings.OIDC_OP_ISSUER = PROVIDER
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_PROVIDER_NAME = "Gemeente-account"
    settings.OIDC_MFA_ACR_VALUES = ["urn:gemeente:loa:substantieel"]
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "access.oidc.PlatformOIDCBackend"]
    return settings


class Provider:
    """The identity provider's HTTP side: what it answers at its token, JWKS and userinfo endpoints."""

    def __init__(self, monkeypatch):
        self.claims = {}
        self.userinfo = {}
        self.nonce = None
        self.calls = []
        monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", self.send)

    def id_token(self, **overrides):
        now = int(time.time())
        claims = {"iss": PROVIDER, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": self.nonce,
                  "sub": "abc-123", **self.claims, **overrides}
        return jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": "k1"})

    def send(self, request, **kwargs):
        self.calls.append(request.url)
        if request.url == f"{PROVIDER}/token":
            return self._json(request, {"access_token": "at-1", "token_type": "Bearer", "id_token": self.id_token()})
        if request.url == f"{PROVIDER}/jwks":
            return self._json(request, {"keys": [JWK]})
        if request.url == f"{PROVIDER}/userinfo":
            assert request.headers["Authorization"] == "Bearer at-1"
            return self._json(request, self.userinfo)
        raise AssertionError(f"unexpected request to {request.url}")

    @staticmethod
    def _json(request, body, status=200):
        response = requests.Response()
        response.status_code = status
        response.raw = io.BytesIO(json.dumps(body).encode())
        response.headers["Content-Type"] = "application/json"
        response.url = request.url
        response.request = request
        return response


@pytest.fixture
def provider(monkeypatch):
    return Provider(monkeypatch)


def oidc_login(client, provider, next_url="/signalen/zoeken/"):
    """The browser's round trip: our login button -> the provider (which sends it back with a code) -> our callback."""
    response = client.get("/inloggen/oidc/", {"next": next_url})
    assert response.status_code == 302 and response["Location"].startswith(f"{PROVIDER}/authorize?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}
    assert params["client_id"] == CLIENT_ID and params["code_challenge_method"] == "S256"
    provider.nonce = params["nonce"]
    return client.get("/inloggen/oidc/terug/", {"code": "code-1", "state": params["state"]})


@pytest.fixture
def officer():
    user = make_user("henk", department="toezicht-handhaving")
    user.email = "h.handhaver@gemeente.example"
    user.save()
    grant(user, R.SIGNAL_SEARCH)
    return user


def test_the_login_page_offers_the_provider_only_when_configured(settings):
    assert "/inloggen/oidc/" not in Client().get("/inloggen/").content.decode()
    response = Client().get("/inloggen/oidc/")
    assert response.status_code == 302 and response["Location"] == "/inloggen/"  # off: back to the password
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_PROVIDER_NAME = "Gemeente-account"
    assert "Inloggen via Gemeente-account" in Client().get("/inloggen/").content.decode()


def test_the_providers_mfa_counts_as_the_second_factor(oidc, provider, officer):
    provider.claims = {"amr": ["pwd", "mfa"]}
    provider.userinfo = {"preferred_username": "henk", "email": "h.handhaver@gemeente.example"}
    client = Client()
    response = oidc_login(client, provider)
    assert response.status_code == 302 and response["Location"] == "/signalen/zoeken/"
    assert client.get("/signalen/zoeken/").status_code == 200
    assert client.get("/api/v1/addresses", {"q": "1311"}).status_code == 200
    assert f"{PROVIDER}/token" in provider.calls and f"{PROVIDER}/jwks" in provider.calls


def test_an_acr_the_municipality_names_counts_too(oidc, provider, officer):
    provider.claims = {"acr": "urn:gemeente:loa:substantieel"}
    provider.userinfo = {"preferred_username": "henk"}
    client = Client()
    oidc_login(client, provider)
    assert client.get("/signalen/zoeken/").status_code == 200


def test_without_the_providers_mfa_the_platforms_own_code_follows(oidc, provider, officer):
    provider.claims = {"amr": ["pwd"], "acr": "urn:gemeente:loa:laag"}
    provider.userinfo = {"preferred_username": "henk"}
    device = authenticator(officer)
    client = Client()
    oidc_login(client, provider)
    page = client.get("/signalen/zoeken/")
    assert page.status_code == 302 and page["Location"].startswith("/inloggen/tweede-factor/?next=")
    assert client.get("/api/v1/addresses", {"q": "1311"}).status_code == 403
    assert client.post("/inloggen/tweede-factor/", {"code": totp_code(officer, device)}).status_code == 302
    assert client.get("/signalen/zoeken/").status_code == 200


def test_only_existing_accounts_and_nobody_is_created(oidc, provider):
    provider.claims = {"amr": ["mfa"]}
    provider.userinfo = {"preferred_username": "onbekend", "email": "onbekend@gemeente.example"}
    before = User.objects.count()
    client = Client()
    response = oidc_login(client, provider)
    assert response.status_code == 302 and response["Location"] == "/inloggen/"
    assert User.objects.count() == before
    assert client.get("/").status_code == 302  # not logged in
    assert "niet gelukt" in client.get("/inloggen/").content.decode()


def test_matched_by_email_when_the_username_claim_is_not_an_account(oidc, provider, officer):
    provider.claims = {"amr": ["otp"]}
    provider.userinfo = {"preferred_username": "h.handhaver@ad.gemeente.example", "email": "H.Handhaver@gemeente.example"}
    client = Client()
    oidc_login(client, provider)
    assert client.get("/signalen/zoeken/").status_code == 200


def test_an_inactive_account_cannot_log_in_through_the_provider(oidc, provider, officer):
    officer.is_active = False
    officer.save()
    provider.claims = {"amr": ["mfa"]}
    provider.userinfo = {"preferred_username": "henk"}
    client = Client()
    oidc_login(client, provider)
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("forged", [{"aud": "een-andere-toepassing"}, {"iss": "https://evil.example"},
                                    {"exp": int(time.time()) - 10}])
def test_an_id_token_for_someone_else_or_expired_is_refused(oidc, provider, officer, forged):
    provider.claims = {"amr": ["mfa"], **forged}
    provider.userinfo = {"preferred_username": "henk"}
    client = Client()
    response = oidc_login(client, provider)
    assert response["Location"] == "/inloggen/"
    assert client.get("/signalen/zoeken/").status_code == 302
    assert client.get("/api/v1/addresses", {"q": "1311"}).status_code in (401, 403)


def test_a_token_signed_by_another_key_is_refused(oidc, provider, officer):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    provider.claims = {"amr": ["mfa"]}
    provider.userinfo = {"preferred_username": "henk"}
    original = provider.id_token

    def forged(**overrides):
        token = original(**overrides)
        claims = jwt.decode(token, options={"verify_signature": False})
        return jwt.encode(claims, other, algorithm="RS256", headers={"kid": "k1"})

    provider.id_token = forged
    client = Client()
    response = oidc_login(client, provider)
    assert response.status_code in (302, 400)
    assert client.get("/signalen/zoeken/").status_code == 302
