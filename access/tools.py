"""Which of the registered tools (core.tools) a user sees: only those whose access rule the user meets."""
from django.urls import NoReverseMatch, reverse

from core.tools import TOOLS

from .permissions import has_perm_anywhere


def tools_for_user(user):
    result = []
    for tool in sorted(TOOLS.values(), key=lambda t: (t.order, t.key)):
        if not has_perm_anywhere(user, tool.perm, tool.scope):
            continue
        try:
            url = reverse(tool.url_name)
        except NoReverseMatch:
            continue
        result.append({"key": tool.key, "label": tool.label, "description": tool.description, "url": url})
    return result
