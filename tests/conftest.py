import pytest


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Real hashing is slow by design; tests only need a working hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
