import pytest


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path, request):
    settings.MEDIA_ROOT = tmp_path / "media"
    if request.node.get_closest_marker("integration") is None:
        # The sealer's external digest file, per test (integration tests share AUDIT_DIGEST_DIR with the worker).
        settings.AUDIT_DIGEST_DIR = str(tmp_path / "audit-digests")
    # Real hashing is slow by design; tests only need a working hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _celery_eager_unless_integration(request):
    """Unit tests run tasks in-process even when CI sets a broker; only tests marked `integration` use the real
    worker (a task sent to the worker could wait on a lock the test's own open transaction holds)."""
    from veiligheid.celery import app

    old = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    if request.node.get_closest_marker("integration") is None:
        app.conf.task_always_eager = True
        app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = old


@pytest.fixture(autouse=True)
def _cache_in_process_unless_integration(request, settings):
    """Unit tests use an empty in-process cache even when CI configures Redis: time_machine cannot move Redis's clock
    (the idle-timeout test travels 31 minutes) and no test may see another's entries. Tests marked `integration`
    use the configured cache (tests/integration/test_shared_cache.py)."""
    if request.node.get_closest_marker("integration") is None:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
        from django.core.cache import cache

        cache.clear()


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    """`client.force_login(user)` means "logged in" in the tests that use it, so also past the second factor that a
    sensitive role needs (tests.factories.pass_second_factor sets django-otp's session key to the user's app, as the
    second-factor page does). The second factor itself is tested through the real pages (tests/access/
    test_twofactor.py), which never use force_login."""
    from django.test import Client

    from tests.factories import pass_second_factor

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        pass_second_factor(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)
