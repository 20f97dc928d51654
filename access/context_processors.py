from django.utils.functional import SimpleLazyObject

from .tools import tools_for_user


def tools(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"platform_tools": []}
    return {"platform_tools": SimpleLazyObject(lambda: tools_for_user(user))}
