from django.conf import settings
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
        # The department is shown on every page and written into every audit event: load it with the user.
        user = self._default_user_manager().select_related("department").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    @staticmethod
    def _default_user_manager():
        from django.contrib.auth import get_user_model

        return get_user_model()._default_manager

    def has_perm(self, user_obj, perm, obj=None):
        from .permissions import has_perm

        return has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        return False

    def get_all_permissions(self, user_obj, obj=None):
        return set()
