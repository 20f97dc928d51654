"""Django admin: reference data only, behind the platform's own permission check.

Authorisations are read-only here: granting goes through the services (four eyes, audit), never the admin.
"""
from django.contrib import admin

from .models import Authorisation, Department
from .permissions import has_perm


class PlatformAdminSite(admin.AdminSite):
    site_header = "Veiligheidsplatform – technisch beheer"

    def has_permission(self, request):
        return request.user.is_active and has_perm(request.user, "access.administer_authorisations")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "phone", "email")
    search_fields = ("name", "code")


@admin.register(Authorisation)
class AuthorisationAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "scope_label", "status", "valid_from", "valid_until")
    list_filter = ("status", "role")
    search_fields = ("user__username",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
