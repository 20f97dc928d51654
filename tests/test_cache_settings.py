"""CACHES from the environment (veiligheid.settings.cache_settings): the cache holds sessions and permission snapshots,
so several processes need a shared Redis; the embedded default is the process's own memory."""
import pytest
from django.core.exceptions import ImproperlyConfigured

from veiligheid.settings import cache_settings

REDIS = "django.core.cache.backends.redis.RedisCache"
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"


def test_cache_url_names_the_redis_database():
    default = cache_settings("redis://cache.internal:6379/5", "redis://broker.internal:6379/0", "gemeente")["default"]
    assert default["BACKEND"] == REDIS and default["LOCATION"] == "redis://cache.internal:6379/5"
    assert default["KEY_PREFIX"] == "gemeente"
    assert default["OPTIONS"]["socket_timeout"] > 0  # a hanging Redis fails the request instead of the worker


@pytest.mark.parametrize("broker,expected", [
    ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/2"),
    ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379/2"),
    ("rediss://:geheim@redis.internal:6380/1?ssl_cert_reqs=required",
     "rediss://:geheim@redis.internal:6380/2?ssl_cert_reqs=required"),
])
def test_without_cache_url_the_redis_broker_server_with_database_2(broker, expected):
    default = cache_settings("", broker, "veiligheid")["default"]
    assert default["BACKEND"] == REDIS and default["LOCATION"] == expected


@pytest.mark.parametrize("broker", ["", "amqp://guest@rabbit//"])
def test_without_redis_the_process_memory(broker):
    assert cache_settings("", broker, "veiligheid")["default"]["BACKEND"] == LOCMEM
    assert cache_settings("locmem://", "redis://127.0.0.1:6379/0", "veiligheid")["default"]["BACKEND"] == LOCMEM


def test_an_unknown_cache_url_is_refused():
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        cache_settings("memcached://127.0.0.1:11211", "", "veiligheid")


def test_deploy_check_warns_about_a_per_process_cache(settings):
    from django.core.checks import run_checks

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert "core.W001" in [m.id for m in run_checks(include_deployment_checks=True)]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:6379/2"}}
    assert "core.W001" not in [m.id for m in run_checks(include_deployment_checks=True)]
