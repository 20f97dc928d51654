"""Settings for the Veiligheidsplatform, read from the environment (12-factor).

Embedded default: SQLite under var/ and Celery in eager mode. Production: set DATABASE_URL,
CELERY_BROKER_URL, SECRET_KEY, ALLOWED_HOSTS and leave DEBUG off.
"""
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

# The demo key is public (it is in this file); it is only acceptable with DEBUG on.
DEMO_SECRET_KEY = "demo-insecure-veiligheidsplatform-key-do-not-use-in-production"  # nosec B105  # public on purpose
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY or SECRET_KEY == DEMO_SECRET_KEY or SECRET_KEY.startswith("demo-"):
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is missing or is the demo key. Set a long random SECRET_KEY, "
            "or set DEBUG=1 for a local demo."
        )
    SECRET_KEY = SECRET_KEY or DEMO_SECRET_KEY

# Demo accounts (User.is_demo) can only log in on a demo installation.
DEMO_ACCOUNTS_ENABLED = env_bool("DEMO_ACCOUNTS_ENABLED", DEBUG)

# Sensitive roles always need a second administrator's approval; this municipality's policy extends that to all roles.
AUTHORISATION_FOUR_EYES_FOR_ALL = env_bool("AUTHORISATION_FOUR_EYES_FOR_ALL", True)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "access.apps.PlatformAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # runserver leaves /static/ to WhiteNoise as production does: its own static handler answered
    # /static/%2e%2e/... with a server error (SuspiciousFileOperation), WhiteNoise answers 404
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "guardian",
    "auditlog",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",  # the authenticator app (TOTP)
    "django_otp.plugins.otp_static",  # the recovery codes
    "core",
    "access",
    "audit",
    "areas",
    "dashboards",
    "signals",
    "ingest",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.request_guard.RejectMalformedRequestMiddleware",  # NUL in path, query, headers, form: 400 at the door
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "audit.middleware.RequestContextMiddleware",
    "core.api.ApiVersionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.locale.PreferredLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the second factor this session passed
    "core.cache.NoStoreMiddleware",  # nothing a logged-in user or the API receives is stored by a browser or proxy
    "access.middleware.SessionIdleMiddleware",
    "access.middleware.PermissionRefreshMiddleware",
    "access.middleware.SecondFactorMiddleware",  # a password alone never opens a sensitive role
    "access.middleware.AccessRuleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "audit.middleware.AuditlogActorMiddleware",  # auditlog actor + unforgeable IP
    "audit.middleware.DenialLogMiddleware",
    "access.denials.NotFoundDenialMiddleware",  # 404s that hide a refusal are recorded as denials too
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "veiligheid.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "access.context_processors.tools",
                "signals.context_processors.notifications",
            ],
        },
    },
]

FORM_RENDERER = "core.forms.FormRenderer"  # Django's Jinja2 widget templates (faster), Django's as fallback

WSGI_APPLICATION = "veiligheid.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'veiligheid.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "access.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "access.backends.PlatformModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"


def cache_settings(cache_url: str, broker_url: str, key_prefix: str) -> dict:
    """CACHES from the environment. The cache holds the sessions (cached_db) and the per-user permission snapshots
    (access.permissions); several web processes must share it, so anything but a single process needs Redis.

    CACHE_URL (redis://, rediss:// or unix://) names the Redis database. Without it, a Redis broker's server is used
    with database 2 (the broker's queues stay in their own database). Without either: the process's own memory
    (LocMemCache), right for the embedded default (one runserver process) only."""
    from urllib.parse import urlsplit, urlunsplit

    if not cache_url and broker_url.startswith(("redis://", "rediss://")):
        broker = urlsplit(broker_url)
        cache_url = urlunsplit((broker.scheme, broker.netloc, "/2", broker.query, ""))
    if not cache_url or cache_url.startswith("locmem://"):
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                            "LOCATION": "veiligheid", "KEY_PREFIX": key_prefix}}
    if not cache_url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("CACHE_URL must be a redis://, rediss:// or unix:// URL (or locmem://).")
    # A Redis that stops answering fails the request after two seconds instead of hanging the worker.
    return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": cache_url,
                        "KEY_PREFIX": key_prefix,
                        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2}}}


# Several installations may share one Redis (as they share it for Celery, see CELERY_QUEUE): keys carry a prefix.
CACHES = cache_settings(os.environ.get("CACHE_URL", ""), os.environ.get("CELERY_BROKER_URL", ""),
                        os.environ.get("CACHE_KEY_PREFIX") or os.environ.get("CELERY_QUEUE") or "veiligheid")

# Session: sliding idle timeout. access.middleware.SessionIdleMiddleware pushes the expiry back at most once per
# SESSION_TOUCH_SECONDS instead of writing the session on every request (so the timeout is between
# SESSION_COOKIE_AGE - SESSION_TOUCH_SECONDS and SESSION_COOKIE_AGE of inactivity).
# Sessions live in the database and are read from the cache (Django's cached_db engine): a request of a logged-in
# user reads its session without a query, and a session survives a cache restart.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_TIMEOUT_SECONDS", 30 * 60)
SESSION_TOUCH_SECONDS = env_int("SESSION_TOUCH_SECONDS", 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS only, on by default wherever the cookies are secure (production): redirect plain HTTP (except the load
# balancer's health check) and tell browsers never to come back over HTTP (HSTS, a year, with subdomains).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SESSION_COOKIE_SECURE)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if SESSION_COOKIE_SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

# django-axes: lock out on the combination of username and IP, with a cool-off.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The same client IP as the audit trail (REMOTE_ADDR, or the one TRUSTED_PROXY_COUNT proxies saw): behind a proxy a
# lockout keys on the real client, not on the proxy's address (where anyone could lock anyone out).
AXES_CLIENT_IP_CALLABLE = "audit.context.client_ip"
AXES_VERBOSE = False

# Second factor (issue 12, findings 1 and 2; access.twofactor). Whoever holds a sensitive role (administrators,
# auditors, the signal roles, the address-level dashboard) passes a TOTP code from an authenticator app, or one of
# TWOFACTOR_RECOVERY_CODES single-use recovery codes, after the password; others may enrol of their own accord.
# Wrong codes are throttled by django-otp: after n failures the next try waits FACTOR * 2^(n-1) seconds.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Veiligheidsplatform")  # the name the authenticator app shows
OTP_TOTP_THROTTLE_FACTOR = env_int("OTP_THROTTLE_FACTOR", 1)
OTP_STATIC_THROTTLE_FACTOR = env_int("OTP_THROTTLE_FACTOR", 1)
TWOFACTOR_RECOVERY_CODES = 10

# OpenID Connect (access.oidc, mozilla-django-oidc): the municipality's own identity provider, on only when
# OIDC_RP_CLIENT_ID is set. Existing accounts only (matched by OIDC_USERNAME_CLAIM, else the e-mail claim); the
# provider's MFA counts as the second factor when the ID token's amr holds one of OIDC_MFA_AMR_VALUES or its acr is one
# of OIDC_MFA_ACR_VALUES, else the platform's own TOTP step follows.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "") or None
OIDC_OP_ISSUER = os.environ.get("OIDC_OP_ISSUER", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile")
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "")
OIDC_USERNAME_CLAIM = os.environ.get("OIDC_USERNAME_CLAIM", "preferred_username")
OIDC_MFA_AMR_VALUES = env_list("OIDC_MFA_AMR_VALUES", "mfa,otp,hwk,sc")
OIDC_MFA_ACR_VALUES = env_list("OIDC_MFA_ACR_VALUES")
OIDC_CREATE_USER = False  # never: accounts and their roles are made on the platform, with four eyes
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT_SECONDS", 10)
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"
if OIDC_RP_CLIENT_ID:
    _oidc_missing = [name for name in ("OIDC_RP_CLIENT_SECRET", "OIDC_OP_AUTHORIZATION_ENDPOINT",
                                       "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT") if not globals()[name]]
    if OIDC_RP_SIGN_ALGO.startswith(("RS", "ES")) and not OIDC_OP_JWKS_ENDPOINT:
        _oidc_missing.append("OIDC_OP_JWKS_ENDPOINT")
    if _oidc_missing:
        raise ImproperlyConfigured("OIDC_RP_CLIENT_ID is set, but these are missing: " + ", ".join(_oidc_missing))
    AUTHENTICATION_BACKENDS.append("access.oidc.PlatformOIDCBackend")

# Number of reverse proxies in front of the app whose X-Forwarded-For we trust (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Behind a TLS-terminating proxy the request reaches Django over HTTP: trust the proxy's X-Forwarded-Proto, else
# the HTTPS redirect would loop.
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("Engels"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["veiligheid.formats"]  # dates written one way: 01-12-2026, 01-12-2026 14:35
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
NODE_MODULES_DIR = BASE_DIR / "node_modules"
if NODE_MODULES_DIR.exists():
    STATICFILES_DIRS.append(("vendor", NODE_MODULES_DIR))
WHITENOISE_USE_FINDERS = True

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "veiligheidsplatform@gemeente.example")
# Accounts (access.accounts): a set-password link works once and for PASSWORD_RESET_TIMEOUT seconds; an e-mail
# address that someone else changed receives no link for ACCOUNT_EMAIL_CHANGE_HOLD_HOURS (the old address is told).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_LINK_TIMEOUT_SECONDS", 24 * 3600)
ACCOUNT_EMAIL_CHANGE_HOLD_HOURS = env_int("ACCOUNT_EMAIL_CHANGE_HOLD_HOURS", 24)

# Content Security Policy (django-csp 4): same-origin only, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],  # an injected <base> cannot redirect the page's relative URLs
        "object-src": ["'none'"],
    }
}

# REST API (NL API Design Rules): see veiligheid/api.py and access/api.py.
REST_FRAMEWORK = {
    # Token first, so that an unauthenticated request gets 401 with WWW-Authenticate (session auth gives 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "access.api.HashedTokenAuthentication",
        "access.api.SameSiteSessionAuthentication",  # the session cookie only for the platform's own pages
    ],
    # Deny by default: a view must declare `required_permissions`, decided by access.permissions only.
    "DEFAULT_PERMISSION_CLASSES": ["access.api.PlatformPermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.SafeJSONParser"],  # JSON with size, depth and character limits
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "URL_FORMAT_OVERRIDE": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
API_TOKEN_MAX_AGE_DAYS = env_int("API_TOKEN_MAX_AGE_DAYS", 90)
SPECTACULAR_SETTINGS = {
    "TITLE": "Veiligheidsplatform API",
    "DESCRIPTION": "Adressen zoeken, signalen van de eigen afdeling beheren, hit/no-hit en uitdraai. "
    "Authenticatie: sessie of `Authorization: Token <token>` (manage.py api_token).",
    "VERSION": "1.0.0",
    "CONTACT": {"name": "Team Veiligheidsplatform", "email": DEFAULT_FROM_EMAIL},
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Two models have a field "status" with their own choices: each enum gets its own name.
    "ENUM_NAME_OVERRIDES": {
        "ImportRunStatusEnum": "ingest.models.ImportRun.Status",
        "SignalStatusEnum": "signals.models.Signal.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.add_version_header",
    ],
}

# Celery: without a broker, tasks run eagerly in-process (embedded default).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Several installations (or CI runs) may share one Redis: each consumes only its own queue.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "veiligheid")
CELERY_BEAT_SCHEDULE = {
    "expire-authorisations": {
        "task": "access.tasks.expire_authorisations",
        "schedule": crontab(hour=0, minute=5),
    },
}

SILENCED_SYSTEM_CHECKS = [
    "guardian.W001",  # permissions are read through access.permissions, not a backend
    # HSTS preloading commits every subdomain of the municipality's domain to HTTPS for good: the municipality's
    # decision (SECURE_HSTS_PRELOAD=1), not a default of one application on that domain.
    "security.W021",
    # the rollups' covering indexes (INCLUDE) serve index-only scans on PostgreSQL; SQLite builds them without
    "models.W040",
]
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # no guardian anonymous user: anonymous users hold nothing

AUDITLOG_INCLUDE_ALL_MODELS = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- signals (address signalling tool) ---
SIGNAL_DEFAULT_VALID_MONTHS = env_int("SIGNAL_DEFAULT_VALID_MONTHS", 12)
SIGNAL_MAX_VALID_MONTHS = env_int("SIGNAL_MAX_VALID_MONTHS", 24)
# Details of closed/expired signals are erased this many days after they ended (a tombstone remains).
SIGNAL_DETAIL_RETENTION_DAYS = env_int("SIGNAL_DETAIL_RETENTION_DAYS", 365)
# Anti-fishing: address searches per user (a bulk check counts against its own budget below).
SIGNAL_SEARCH_LIMIT_PER_HOUR = env_int("SIGNAL_SEARCH_LIMIT_PER_HOUR", 60)
SIGNAL_SEARCH_LIMIT_PER_DAY = env_int("SIGNAL_SEARCH_LIMIT_PER_DAY", 200)
SIGNAL_BULK_MAX_ROWS = env_int("SIGNAL_BULK_MAX_ROWS", 5000)
# Bulk checks have their own permission and budget: every address counts, at most this many per user per day.
SIGNAL_BULK_ADDRESSES_PER_DAY = env_int("SIGNAL_BULK_ADDRESSES_PER_DAY", 5000)
SIGNAL_HIT_REPORT_MIN_DEPARTMENTS = env_int("SIGNAL_HIT_REPORT_MIN_DEPARTMENTS", 2)
CELERY_BEAT_SCHEDULE["signals-expire"] = {
    "task": "signals.tasks.signal_expire_due",
    "schedule": crontab(hour=0, minute=15),
}
CELERY_BEAT_SCHEDULE["signals-erase-details"] = {
    "task": "signals.tasks.signal_erase_expired_details",
    "schedule": crontab(hour=0, minute=30),
}
CELERY_BEAT_SCHEDULE["signals-prune-search-tallies"] = {
    "task": "signals.tasks.search_tally_prune",
    "schedule": crontab(hour=0, minute=45),
}

# --- audit (issue 3) -------------------------------------------------------------------------------------------
# Retention of access events and change records (NEN 7513: at least 5 years); applied daily by Celery beat.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 5 * 366)
# Key of the HMAC hash chains (default: derived from SECRET_KEY). Must stay the same for the life of the log.
AUDIT_CHAIN_KEY = os.environ.get("AUDIT_CHAIN_KEY", "")
if not AUDIT_CHAIN_KEY and not DEBUG:
    raise ImproperlyConfigured(
        "AUDIT_CHAIN_KEY is missing. Set it to a long random value that never changes and is kept out of the "
        "database (the audit hash chains are signed with it), or set DEBUG=1 for a local demo."
    )
# LogEntry.cid = the request id of the request (or task) that made the change.
AUDITLOG_CID_GETTER = "audit.context.current_request_id"
# Unusual behaviour on the auditor pages.
AUDIT_SEARCH_THRESHOLD_PER_DAY = env_int("AUDIT_SEARCH_THRESHOLD_PER_DAY", 50)
AUDIT_DENIAL_THRESHOLD_PER_DAY = env_int("AUDIT_DENIAL_THRESHOLD_PER_DAY", 5)
AUDIT_OFFICE_HOURS = (env_int("AUDIT_OFFICE_HOURS_START", 7), env_int("AUDIT_OFFICE_HOURS_END", 19))  # local time
AUDIT_PAGE_SIZE = env_int("AUDIT_PAGE_SIZE", 50)
AUDIT_EXPORT_MAX_ROWS = env_int("AUDIT_EXPORT_MAX_ROWS", 100_000)
# Sealing the audit hash chains (audit.chain.seal_all): every few seconds by one sealer; the newest sealed segment is
# also appended to a digest file per day in this directory (put it where the database's administrators cannot write)
# and logged to the "audit.digest" logger, sent to a remote syslog when AUDIT_DIGEST_SYSLOG is set (host:port).
AUDIT_DIGEST_DIR = os.environ.get("AUDIT_DIGEST_DIR") or str(VAR_DIR / "audit-digests")
AUDIT_SEAL_INTERVAL_SECONDS = env_int("AUDIT_SEAL_INTERVAL_SECONDS", 5)
# /healthz reports "audit_sealing": "behind" (and logs a warning) when an access event waited longer than this.
AUDIT_SEAL_MAX_LAG_SECONDS = env_int("AUDIT_SEAL_MAX_LAG_SECONDS", 300)
CELERY_BEAT_SCHEDULE["audit-seal"] = {
    "task": "audit.tasks.seal_chains",
    "schedule": float(AUDIT_SEAL_INTERVAL_SECONDS),
}
if os.environ.get("AUDIT_DIGEST_SYSLOG"):
    _syslog_host, _sep, _syslog_port = os.environ["AUDIT_DIGEST_SYSLOG"].rpartition(":")
    LOGGING["handlers"]["audit_digest_syslog"] = {
        "class": "logging.handlers.SysLogHandler",
        "address": (_syslog_host, int(_syslog_port)) if _sep else os.environ["AUDIT_DIGEST_SYSLOG"],
    }
    LOGGING.setdefault("loggers", {})["audit.digest"] = {"handlers": ["audit_digest_syslog"], "level": "INFO"}
CELERY_BEAT_SCHEDULE["audit-retention"] = {
    "task": "audit.tasks.apply_retention",
    "schedule": crontab(hour=2, minute=15),
}
CELERY_BEAT_SCHEDULE["audit-verify"] = {
    "task": "audit.tasks.verify_chains",
    "schedule": crontab(hour=3, minute=30),
}
# SQLite (embedded default): every audited transaction appends to the audit hash chain, so take the write lock at
# BEGIN; with the default deferred mode two requests that read first deadlock on the upgrade ("database is locked").
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("transaction_mode", "IMMEDIATE")


# -- Dashboards ----------------------------------------------------------------------------------------------------
# The installation's own municipality (CBS code): every figure is filtered by it unless the user picks another of the
# loaded region. The map needs no internet: without DASHBOARD_TILE_URL it draws only the buurt shapes; a tile layer
# such as PDOK's (https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png) may be
# added, with its attribution. Buurten under DASHBOARD_MIN_INHABITANTS get no rate, only their count.
DASHBOARD_MUNICIPALITY = os.environ.get("DASHBOARD_MUNICIPALITY", "GM0034").strip().upper()
DASHBOARD_TILE_URL = os.environ.get("DASHBOARD_TILE_URL", "")
DASHBOARD_TILE_ATTRIBUTION = os.environ.get("DASHBOARD_TILE_ATTRIBUTION", "")
DASHBOARD_MIN_INHABITANTS = int(os.environ.get("DASHBOARD_MIN_INHABITANTS", "100"))

# Opvallend: unusual rises are looked for daily and sent to the staff who subscribed (in-app and e-mail).
CELERY_BEAT_SCHEDULE["dashboards-alerts"] = {
    "task": "dashboards.tasks.alerts_send",
    "schedule": float(os.environ.get("DASHBOARD_ALERTS_INTERVAL_SECONDS", str(24 * 3600))),
}

# -- Ingest --------------------------------------------------------------------------------------------------------
# Each source's inbox folder (under INGEST_INBOX_ROOT) is scanned every INGEST_INBOX_SCAN_SECONDS; a file found is
# loaded and moved to done/ or failed/. Uploads wait in INGEST_UPLOAD_DIR until their run has been processed.
INGEST_INBOX_ROOT = Path(os.environ.get("INGEST_INBOX_ROOT", str(VAR_DIR / "inbox")))
INGEST_UPLOAD_DIR = Path(os.environ.get("INGEST_UPLOAD_DIR", str(VAR_DIR / "uploads")))
INGEST_MAX_UPLOAD_BYTES = int(os.environ.get("INGEST_MAX_UPLOAD_BYTES", str(1024 * 1024 * 1024)))
CELERY_BEAT_SCHEDULE["ingest-inbox-scan"] = {
    "task": "ingest.tasks.inbox_scan",
    "schedule": float(os.environ.get("INGEST_INBOX_SCAN_SECONDS", "300")),
}
