"""Technical administration: the import sources (which file format feeds which dashboard source, owner, schedule,
inbox, reject threshold), for authorisation administrators. Runs are read on the data stewards' pages."""
from django.contrib import admin

from access.admin import PlatformModelAdmin

from .models import ImportSource


@admin.register(ImportSource)
class ImportSourceAdmin(PlatformModelAdmin):
    list_display = ("code", "name", "format", "facts_source", "schedule", "department", "reject_threshold", "active")
    list_filter = ("format", "schedule", "active")
    search_fields = ("code", "name")
