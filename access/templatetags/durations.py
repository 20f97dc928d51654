"""`{{ some_timedelta|duration }}`: a length of time in words, e.g. "30 minuten", "1 uur en 15 minuten"."""
from datetime import timedelta

from django import template
from django.utils.translation import gettext, ngettext

register = template.Library()


@register.filter
def duration(value):
    if not isinstance(value, timedelta):
        return ""
    minutes = max(1, round(value.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(count)d uur", "%(count)d uur", hours) % {"count": hours})
    if minutes:
        parts.append(ngettext("%(count)d minuut", "%(count)d minuten", minutes) % {"count": minutes})
    return gettext(" en ").join(parts)
