"""Edits outside the load services that change what the figures show or what their filter knows (the admin, a repair in the shell, the tests'
fixtures) replace the figures' cache version as the load services do (core.datacache)."""
from django.db.models.signals import m2m_changed, post_delete, post_save

from core import datacache


def _figures_changed(sender, **kwargs):
    datacache.changed(datacache.FIGURES)


def _catalogue_changed(sender, **kwargs):
    datacache.changed(datacache.CATALOGUE)


def connect():
    from areas.models import Buurt, Municipality, Population, Wijk
    from audit.signals import bulk_changed

    from .models import Category, Source, Theme

    for model in (Municipality, Wijk, Buurt, Population, Source):
        post_save.connect(_figures_changed, sender=model, dispatch_uid=f"figures-{model._meta.label}-save")
        post_delete.connect(_figures_changed, sender=model, dispatch_uid=f"figures-{model._meta.label}-delete")
    for model in (Municipality, Source, Category, Theme):
        post_save.connect(_catalogue_changed, sender=model, dispatch_uid=f"catalogue-{model._meta.label}-save")
        post_delete.connect(_catalogue_changed, sender=model, dispatch_uid=f"catalogue-{model._meta.label}-delete")
    for model in (Source, Category, Theme):  # audited bulk writes (AuditedQuerySet.audited_update and the like)
        bulk_changed.connect(_figures_changed, sender=model, dispatch_uid=f"figures-{model._meta.label}-bulk")
        bulk_changed.connect(_catalogue_changed, sender=model, dispatch_uid=f"catalogue-{model._meta.label}-bulk")
    m2m_changed.connect(_catalogue_changed, sender=Theme.categories.through, dispatch_uid="catalogue-theme-categories")
