"""The tools on the home page. Each app registers its tools in AppConfig.ready(); a user sees a tool
only when the access rule behind it is met."""
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from .permissions import has_perm_anywhere


@dataclass(frozen=True)
class Tool:
    key: str
    label: str
    description: str
    url_name: str
    perm: str
    scope: str | None = None
    order: int = 100


TOOLS: dict[str, Tool] = {}


def register_tool(tool: Tool):
    TOOLS[tool.key] = tool


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
