"""The one place that decides who may do what.

Everything reads guardian's tables directly and never shortcuts on `is_superuser` or `is_staff`:
a permission exists only because an effective Authorisation implies it.

What a user holds is read once per user and day into a snapshot (platform-wide permissions, the permissions held on
some object of each scope model, the effective grants) and kept in the shared cache under the user's
`permissions_version`, which every permission sync (access.services) sets anew in the database: the request after a
grant is approved, revoked or expires reads the new permissions in every process, and while nothing changes a request
asks the database nothing about permissions. Checks on one object and listings still ask guardian's tables, in one
query each (an Exists subquery), whatever the number of grants.

A password alone never opens a sensitive role: a user who holds one (`second_factor_required`) and whose session has
not passed a second factor is marked by access.middleware.SecondFactorMiddleware (`withhold_until_second_factor`), and
then holds nothing at all here until it has, on every page and API endpoint alike (access.twofactor).
"""
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db.models import Exists, OuterRef
from django.utils import timezone
from guardian.utils import get_user_obj_perms_model

from .roles import ROLES


def _split(perm: str):
    app_label, codename = perm.split(".", 1)
    return app_label, codename


def _scope_models():
    """The models that grants are scoped to, whose guardian tables hold the user's object permissions."""
    return {role.scope_model() for role in ROLES.values()} - {None}


@dataclass(frozen=True)
class GrantRef:
    """An effective Authorisation as the audit trail needs it: its id, role and scope."""

    pk: int
    role: str
    scope_type_id: int | None
    scope_id: int | None


# Bump when the cached value's shape changes, so that a new release never reads an old release's entries.
SNAPSHOT_FORMAT = 2
SNAPSHOT_TIMEOUT = 24 * 60 * 60  # the key holds the date, so an entry is never used on another day anyway


def snapshot_cache_key(user, today: date) -> str:
    """The cache key of a user's permission snapshot: user id, the permissions_version that every permission sync
    sets anew (access.services), and the date (grants start and end by date)."""
    return f"access:perms:{SNAPSHOT_FORMAT}:{user.pk}:{user.permissions_version}:{today.isoformat()}"


def _snapshot_load(user_id, today: date) -> tuple:
    """The snapshot from the database (a cache miss only): platform-wide permissions, per scope model the permissions
    held on at least one of its objects, and the effective grants (for grant_for). Plain values, so that it pickles
    into any cache."""
    from .models import Authorisation

    global_set = {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.filter(user__id=user_id).values_list(
            "content_type__app_label", "codename"
        )
    }
    anywhere = set()
    for model in sorted(_scope_models(), key=lambda m: m._meta.label):
        perm_model = get_user_obj_perms_model(model)
        rows = perm_model.objects.filter(user_id=user_id)
        if perm_model.objects.is_generic():
            rows = rows.filter(content_type__app_label=model._meta.app_label, content_type__model=model._meta.model_name)
        for app_label, codename in rows.values_list("permission__content_type__app_label", "permission__codename"):
            anywhere.add((f"{app_label}.{codename}", model._meta.label))
    grants = tuple(
        Authorisation.objects.effective_on(today).filter(user_id=user_id).order_by("-pk").values_list(
            "pk", "role", "scope_type_id", "scope_id"
        )
    )  # newest grant first
    return frozenset(global_set), frozenset(anywhere), grants


# A small per-process copy in front of the shared cache. Safe across processes because the key carries the
# permissions_version read from the user's database row on every request: a grant change anywhere gives a new key, so
# a stale entry is simply never asked for again (it ages out). Saves a cache round trip on every request.
_LOCAL_MAX = 2048
_local = OrderedDict()
_local_lock = threading.Lock()


def _local_get(key):
    with _local_lock:
        value = _local.get(key)
        if value is not None:
            _local.move_to_end(key)
        return value


def _local_put(key, value):
    with _local_lock:
        _local[key] = value
        _local.move_to_end(key)
        while len(_local) > _LOCAL_MAX:
            _local.popitem(last=False)


def _snapshot(user):
    """Every permission the user holds: the platform-wide ones, per scope model the permissions held on at least one
    of its objects, and the effective grants. Read from the shared cache (no query), or on a miss from the database
    and stored there, under a key that changes with every permission sync and every day (snapshot_cache_key).
    Also kept on the user instance for the rest of the request (`User.refresh_from_db` clears it)."""
    cached = getattr(user, "_platform_perm_snapshot", None)
    if cached is not None:
        return cached
    today = timezone.localdate()
    key = snapshot_cache_key(user, today)
    stored = _local_get(key)
    if stored is None:
        stored = cache.get(key)
        if stored is None:
            stored = _snapshot_load(user.pk, today)
            cache.set(key, stored, SNAPSHOT_TIMEOUT)
        _local_put(key, stored)
    global_set, anywhere, grants = stored
    cached = (global_set, anywhere, frozenset(m._meta.label for m in _scope_models()),
              tuple(GrantRef(*grant) for grant in grants))
    user._platform_perm_snapshot = cached
    return cached


# --- second factor -------------------------------------------------------------------------------------------
WITHHELD_ATTR = "_platform_second_factor_missing"


def _may_hold(user) -> bool:
    """Logged in, active, and not waiting for a second factor: only then does a user hold any permission."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return not getattr(user, WITHHELD_ATTR, False)


def second_factor_required(user) -> bool:
    """Does `user` hold an effective grant of a sensitive role (access.roles.Role.sensitive: administrators, auditors,
    the signal roles, the address-level dashboard)? Then a password alone must not open it: the session needs a
    second factor. From the per-request snapshot: no query of its own."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return any(ROLES[g.role].sensitive for g in _snapshot(user)[3] if g.role in ROLES)


def withhold_until_second_factor(user) -> None:
    """For the rest of this request `user` holds no permission at all (the session has not passed the second factor
    that one of its roles needs). Set on the request's user object only, by access.middleware."""
    setattr(user, WITHHELD_ATTR, True)


def second_factor_withheld(user) -> bool:
    return bool(getattr(user, WITHHELD_ATTR, False))


def global_perms(user) -> frozenset[str]:
    """The user's platform-wide permissions as "app_label.codename" (from the per-request snapshot)."""
    if not _may_hold(user):
        return frozenset()
    return _snapshot(user)[0]


def _held_on_some(user, perm: str, model) -> bool | None:
    """From the snapshot: does the user hold `perm` on at least one object of `model`? None if the model is
    not a scope model (the snapshot does not cover it)."""
    _global, anywhere, covered, _grants = _snapshot(user)
    if model._meta.label not in covered:
        return None
    return (perm, model._meta.label) in anywhere


def _object_perm_rows(user, perm: str, model):
    app_label, codename = _split(perm)
    perm_model = get_user_obj_perms_model(model)
    rows = perm_model.objects.filter(
        user=user, permission__codename=codename, permission__content_type__app_label=app_label
    )
    if perm_model.objects.is_generic():
        from django.contrib.contenttypes.models import ContentType

        rows = rows.filter(content_type=ContentType.objects.get_for_model(model))
    return rows, perm_model.objects.is_generic()


def has_perm(user, perm: str, obj=None) -> bool:
    """May `user` use `perm` (platform-wide when obj is None, else on that object)?"""
    if not _may_hold(user):
        return False
    if obj is None:
        return perm in global_perms(user)
    if perm in global_perms(user):
        return True
    if _held_on_some(user, perm, type(obj)) is False:
        return False  # not held on any object of this kind: no need to ask about this one
    rows, generic = _object_perm_rows(user, perm, type(obj))
    if generic:
        return rows.filter(object_pk=str(obj.pk)).exists()
    return rows.filter(content_object_id=obj.pk).exists()


def objects_for_user(user, perm: str, model_or_queryset):
    """The objects of a model on which `user` holds `perm`: one query with an Exists subquery."""
    queryset = (
        model_or_queryset.all()
        if hasattr(model_or_queryset, "model") and hasattr(model_or_queryset, "filter")
        else model_or_queryset._default_manager.all()
    )
    model = queryset.model
    if not _may_hold(user):
        return queryset.none()
    if perm in global_perms(user):
        return queryset
    if _held_on_some(user, perm, model) is False:
        return queryset.none()
    rows, generic = _object_perm_rows(user, perm, model)
    if generic:
        from django.db.models import CharField
        from django.db.models.functions import Cast

        return queryset.annotate(_pk_str=Cast("pk", CharField())).filter(
            Exists(rows.filter(object_pk=OuterRef("_pk_str")))
        )
    return queryset.filter(Exists(rows.filter(content_object_id=OuterRef("pk"))))


def has_perm_anywhere(user, perm: str, scope_model=None) -> bool:
    """Platform-wide, or on at least one object of scope_model. Answered from the per-request snapshot for the
    scope models of the role catalogue (the header's tools and the view's access rule ask the same question)."""
    if has_perm(user, perm):
        return True
    if scope_model is None or not _may_hold(user):
        return False
    if isinstance(scope_model, str):
        try:
            scope_model = apps.get_model(scope_model)
        except LookupError:
            return False
    held = _held_on_some(user, perm, scope_model)
    if held is not None:
        return held
    cache = user.__dict__.setdefault("_platform_anywhere_cache", {})
    key = (perm, scope_model._meta.label)
    if key not in cache:
        rows, _generic = _object_perm_rows(user, perm, scope_model)
        cache[key] = rows.exists()
    return cache[key]


def grant_for(user, perm: str, obj=None):
    """The effective grant (GrantRef: id, role, scope) that gives `user` the permission, for the audit trail, or
    None. Answered from the per-request snapshot: no query of its own."""
    if not _may_hold(user):
        return None
    app_label, codename = _split(perm)
    role_codes = set()
    for role in ROLES.values():
        if perm in role.model_perms:
            role_codes.add(role.code)
        elif codename in role.object_perms and role.scope_model() is not None:
            if role.scope_model()._meta.app_label == app_label:
                role_codes.add(role.code)
    grants = [g for g in _snapshot(user)[3] if g.role in role_codes]
    if obj is not None:
        from django.contrib.contenttypes.models import ContentType

        scope_type_id = ContentType.objects.get_for_model(type(obj)).pk
        for g in grants:
            if g.scope_type_id == scope_type_id and g.scope_id == obj.pk:
                return g
    for g in grants:
        if g.scope_id is None:
            return g
    return grants[0] if obj is None and grants else None
