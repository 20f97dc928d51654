"""Versioned caching of figures derived from data that changes only by loads.

    key = f"...:{datacache.version('figures')}:..."   # read the version BEFORE computing what goes under the key
    datacache.changed("figures")                       # in a service that changes that data (or a receiver)

A version is a random token in the shared cache (Redis in production, so every web process and worker sees the same
one); `changed` replaces it at once and again when the writing transaction commits, so readers compute afresh under
new keys and the old entries simply age out. A lost version (cache restart, eviction) only means new keys, never stale figures.
"""
import functools
import secrets

from django.core.cache import cache
from django.db import transaction

# The dashboards' figures: facts, rollups, geography and population (dashboards.receivers, the load services).
FIGURES = "figures"
# What the figure filter reads: sources, municipalities, themes and categories (dashboards.selectors.filters).
CATALOGUE = "catalogue"


def _key(name: str) -> str:
    return f"datacache:version:{name}"


def version(name: str) -> str:
    value = cache.get(_key(name))
    if value is None:
        value = secrets.token_hex(8)
        if not cache.add(_key(name), value, None):
            value = cache.get(_key(name)) or value
    return value


def _replace(name: str) -> None:
    cache.set(_key(name), secrets.token_hex(8), None)


def changed(name: str) -> None:
    """The data behind `name` changed: a new version now (so the rest of the writing transaction reads afresh) and
    again when that transaction commits (another process may have cached the old data under the first one while the
    transaction was still open). A rolled-back change only costs a recomputation."""
    _replace(name)
    transaction.on_commit(lambda: _replace(name))


def changes(name: str):
    """Decorator for a service that changes the data behind `name`: the version is replaced after it ran (when its
    transaction commits, or at once under autocommit, after the writes)."""
    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            result = function(*args, **kwargs)
            changed(name)
            return result
        return wrapper
    return decorate
