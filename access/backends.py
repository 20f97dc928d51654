from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class PlatformModelBackend(ModelBackend):
    """Username/password authentication. Demo accounts only work where demo accounts are enabled.

    Authorisation is not answered here: has_perm always goes through access.permissions, so this
    backend grants nothing (no superuser shortcut, no groups).
    """

    def user_can_authenticate(self, user):
        if getattr(user, "is_demo", False) and not getattr(settings, "DEMO_ACCOUNTS_ENABLED", False):
            return False
        return super().user_can_authenticate(user)

    def get_user(self, user_id):
        # Every request: the department is shown on every page and written into every audit event, so it is
        # loaded with the user in one query.
        try:
            user = get_user_model()._default_manager.select_related("department").get(pk=user_id)
        except (get_user_model().DoesNotExist, TypeError, ValueError):
            return None
        return user if self.user_can_authenticate(user) else None

    def has_perm(self, user_obj, perm, obj=None):
        from .permissions import has_perm

        return has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        return False

    def get_all_permissions(self, user_obj, obj=None):
        return set()
