"""Django admin: signals are deliberately NOT registered (the Chinese wall has no admin door).

auditlog registers its LogEntry admin on the platform admin site. Entries about signals name the department and
the address (and would resolve the category), which is exactly what a search reveals only with a purpose and an
audit record. So the LogEntry admin (whatever class is registered at this point) is narrowed to exclude every
entry about a model of this app. Auditors read history through the audit views, not the technical admin.
"""
from auditlog.models import LogEntry
from django.contrib import admin


def _exclude_signals_from_logentry_admin(site):
    current = site._registry.get(LogEntry)
    if current is None:
        return
    base = type(current)

    class SignalSafeLogEntryAdmin(base):
        def get_queryset(self, request):
            return super().get_queryset(request).exclude(content_type__app_label="signals")

    site.unregister(LogEntry)
    site.register(LogEntry, SignalSafeLogEntryAdmin)


_exclude_signals_from_logentry_admin(admin.site)
