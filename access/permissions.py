"""The one place that decides who may do what.

Everything reads guardian's tables directly and never shortcuts on `is_superuser` or `is_staff`:
a permission exists only because an effective Authorisation implies it.
"""
from django.apps import apps
from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef
from django.utils import timezone
from guardian.utils import get_user_obj_perms_model

from .roles import ROLES


def _split(perm: str):
    app_label, codename = perm.split(".", 1)
    return app_label, codename


def global_perms(user) -> frozenset[str]:
    """The user's platform-wide permissions as "app_label.codename", cached on the user for one request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_platform_global_perms", None)
    if cached is None:
        rows = Permission.objects.filter(user=user).values_list("content_type__app_label", "codename")
        cached = frozenset(f"{app}.{code}" for app, code in rows)
        user._platform_global_perms = cached
    return cached


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
    rows, generic = _object_perm_rows(user, perm, model)
    if generic:
        from django.db.models import CharField
        from django.db.models.functions import Cast

        return queryset.annotate(_pk_str=Cast("pk", CharField())).filter(
            Exists(rows.filter(object_pk=OuterRef("_pk_str")))
        )
    return queryset.filter(Exists(rows.filter(content_object_id=OuterRef("pk"))))


def has_perm_anywhere(user, perm: str, scope_model=None) -> bool:
    """Platform-wide, or on at least one object of scope_model. Cached on the user for one request
    (the header's tools and the view's own access rule ask the same question)."""
    if has_perm(user, perm):
        return True
    if scope_model is None:
        return False
    if isinstance(scope_model, str):
        try:
            scope_model = apps.get_model(scope_model)
        except LookupError:
            return False
    cache = user.__dict__.setdefault("_platform_anywhere_cache", {})
    key = (perm, scope_model._meta.label)
    if key not in cache:
        rows, _generic = _object_perm_rows(user, perm, scope_model)
        cache[key] = rows.exists()
    return cache[key]


def grant_for(user, perm: str, obj=None):
    """The effective Authorisation that gives `user` the permission (for the audit trail), or None.
    Cached on the user for one request."""
    if not getattr(user, "is_authenticated", False):
        return None
    cache = user.__dict__.setdefault("_platform_grant_cache", {})
    key = (perm, obj._meta.label if obj is not None else None, getattr(obj, "pk", None))
    if key not in cache:
        cache[key] = _grant_for(user, perm, obj)
    return cache[key]


def _grant_for(user, perm: str, obj=None):
    from .models import Authorisation

    app_label, codename = _split(perm)
    role_codes = []
    for role in ROLES.values():
        if perm in role.model_perms:
            role_codes.append(role.code)
        elif codename in role.object_perms and role.scope_model() is not None:
            if role.scope_model()._meta.app_label == app_label:
                role_codes.append(role.code)
    grants = Authorisation.objects.effective_on(timezone.localdate()).filter(user=user, role__in=role_codes)
    if obj is not None:
        from django.contrib.contenttypes.models import ContentType

        scoped = grants.filter(scope_type=ContentType.objects.get_for_model(type(obj)), scope_id=obj.pk).first()
        if scoped:
            return scoped
    return grants.filter(scope_id__isnull=True).first() or (grants.first() if obj is None else None)
