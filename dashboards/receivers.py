"""Edits outside the load services that change what the figures show (the admin, a repair in the shell, the tests'
fixtures) replace the figures' cache version as the load services do (core.datacache)."""
from django.db.models.signals import post_delete, post_save

from core import datacache


def _figures_changed(sender, **kwargs):
    datacache.changed(datacache.FIGURES)


def connect():
    from areas.models import Buurt, Municipality, Population, Wijk

    from .models import Source

    for model in (Municipality, Wijk, Buurt, Population, Source):
        post_save.connect(_figures_changed, sender=model, dispatch_uid=f"figures-{model._meta.label}-save")
        post_delete.connect(_figures_changed, sender=model, dispatch_uid=f"figures-{model._meta.label}-delete")
