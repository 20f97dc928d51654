"""The tools on the home page and in the header. Each app registers its tools in AppConfig.ready(); which tools a
user sees is decided by access (access.tools.tools_for_user), from the permission each tool names."""
from dataclasses import dataclass


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
