"""The one place that decides who may do what.

Everything reads guardian's tables directly and never shortcuts on `is_superuser` or `is_staff`:
a permission exists only because an effective Authorisation implies it.
"""
from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef
from django.utils import timezone
from guardian.utils import get_user_obj_perms_model

from veiligheid.prepared import PreparedQuery

from .roles import ROLES


def _split(perm: str):
    app_label, codename = perm.split(".", 1)
    return app_label, codename


def _scope_models():
    """The models that grants are scoped to, whose guardian tables hold the user's object permissions."""
    return {role.scope_model() for role in ROLES.values()} - {None}


GRANT_ROW = "grant:"  # marks the snapshot rows that are grants (a model label never starts with it)


@dataclass(frozen=True)
class GrantRef:
    """An effective Authorisation as the audit trail needs it: its id, role and scope."""

    pk: int
    role: str
    scope_type_id: int | None
    scope_id: int | None


def _snapshot_query(user_id, today):
    """The queryset behind the snapshot (compiled once, see _SNAPSHOT): platform-wide permissions, per scope model
    the permissions held on at least one of its objects, and the effective grants (for grant_for)."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    from .models import Authorisation

    text = CharField()
    parts = [
        Authorisation.objects.effective_on(today).filter(user_id=user_id).values_list(
            Concat(Value(GRANT_ROW, output_field=text), Cast("id", text), output_field=text),
            "role",
            Concat(Cast("scope_type_id", text), Value(":", output_field=text), Cast("scope_id", text),
                   output_field=text),
        ).order_by()
    ]
    for model in sorted(_scope_models(), key=lambda m: m._meta.label):
        perm_model = get_user_obj_perms_model(model)
        rows = perm_model.objects.filter(user_id=user_id)
        if perm_model.objects.is_generic():
            rows = rows.filter(content_type__app_label=model._meta.app_label, content_type__model=model._meta.model_name)
        parts.append(rows.values_list(Value(model._meta.label, output_field=CharField()),
                                      "permission__content_type__app_label", "permission__codename").order_by())
    query = Permission.objects.filter(user__id=user_id).values_list(
        Value("", output_field=CharField()), "content_type__app_label", "codename"
    ).order_by()
    return query.union(*parts)


# Compiled to SQL once per process: building this UNION through the ORM cost more than the rest of a search.
_SNAPSHOT = PreparedQuery(_snapshot_query, user_id=int, today=date)


def _snapshot(user):
    """Every permission the user holds, loaded once per request in one query: the platform-wide ones, per
    scope model the permissions held on at least one of its objects, and the effective grants. Cached on the user
    instance (a new instance per request; `User.refresh_from_db` clears it), never across requests."""
    cached = getattr(user, "_platform_perm_snapshot", None)
    if cached is not None:
        return cached
    global_set, anywhere, grants = set(), set(), []
    for first, second, third in _SNAPSHOT.rows(user_id=user.pk, today=timezone.localdate()):
        if first.startswith(GRANT_ROW):
            scope_type_id, _sep, scope_id = (third or "").partition(":")
            grants.append(GrantRef(pk=int(first[len(GRANT_ROW):]), role=second,
                                   scope_type_id=int(scope_type_id) if scope_type_id else None,
                                   scope_id=int(scope_id) if scope_id else None))
        elif first:
            anywhere.add((f"{second}.{third}", first))
        else:
            global_set.add(f"{second}.{third}")
    grants.sort(key=lambda g: -g.pk)  # newest grant first
    cached = (frozenset(global_set), frozenset(anywhere), frozenset(m._meta.label for m in _scope_models()),
              tuple(grants))
    user._platform_perm_snapshot = cached
    return cached


def global_perms(user) -> frozenset[str]:
    """The user's platform-wide permissions as "app_label.codename" (from the per-request snapshot)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
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
    if not getattr(user, "is_authenticated", False) or not user.is_active:
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
    if not getattr(user, "is_authenticated", False) or not user.is_active:
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
    if scope_model is None:
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
    if not getattr(user, "is_authenticated", False) or not user.is_active:
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
