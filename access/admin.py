"""Django admin: reference data only, behind the platform's own permission check.

Authorisations are read-only here: granting goes through the services (four eyes, audit), never the admin.
"""
from django.contrib import admin

from .models import Authorisation, Department
from .permissions import has_perm


class PlatformModelAdmin(admin.ModelAdmin):
    """Reference data for authorisation administrators; no superuser shortcut."""

    def _allowed(self, request):
        return has_perm(request.user, "access.administer_authorisations")

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Department)
class DepartmentAdmin(PlatformModelAdmin):
    list_display = ("name", "code", "phone", "email")
    search_fields = ("name", "code")


@admin.register(Authorisation)
class AuthorisationAdmin(PlatformModelAdmin):
    list_display = ("user", "role", "scope_label", "status", "valid_from", "valid_until")
    list_filter = ("status", "role")
    search_fields = ("user__username",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
