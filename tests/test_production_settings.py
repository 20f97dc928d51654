"""Production settings (issue 12, finding 8): HTTPS redirect and HSTS on by default, a CSP with base-uri, an
AUDIT_CHAIN_KEY required, and `manage.py check --deploy` clean, run here as an operator would start the platform."""
import os
import subprocess
import sys

from django.conf import settings

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-real-and-long-secret-key-for-this-test-only-0123456789-abcdefghij",
    "AUDIT_CHAIN_KEY": "a-real-and-long-audit-chain-key-for-this-test-only-0123456789",
    "ALLOWED_HOSTS": "veiligheid.gemeente.example",
    "CACHE_URL": "redis://127.0.0.1:6379/2",  # several web processes share one cache (core.W001 otherwise)
}
# what the test suite itself sets to run over plain HTTP must not leak into the production start
SUITE_ONLY = {"SECURE_SSL_REDIRECT", "SECURE_COOKIES", "DEMO_ACCOUNTS_ENABLED", "ALLOWED_HOSTS", "DATABASE_URL",
              "SECURE_HSTS_SECONDS", "CELERY_BROKER_URL",
              "DJANGO_ALLOW_ASYNC_UNSAFE"}  # set by the browser journeys for Playwright's event loop


def manage(*args, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in SUITE_ONLY and k not in PRODUCTION}
    full_env.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], env=full_env, capture_output=True, text=True,
                          cwd=settings.BASE_DIR)


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_redirects_to_https_with_hsts_and_a_strict_csp():
    code = ("from django.conf import settings as s;"
            "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
            " s.SESSION_COOKIE_SECURE, s.CONTENT_SECURITY_POLICY['DIRECTIVES']['base-uri'])")
    result = manage("shell", "-c", code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["True", "31536000", "True", "True", "[\"'none'\"]"]


def test_production_refuses_to_start_without_an_audit_chain_key():
    env = dict(PRODUCTION)
    env.pop("AUDIT_CHAIN_KEY")
    result = manage("check", **env)
    assert result.returncode != 0
    assert "AUDIT_CHAIN_KEY" in result.stderr


def test_the_health_check_stays_reachable_over_http_for_the_load_balancer():
    assert r"^healthz$" in settings.SECURE_REDIRECT_EXEMPT
