"""Every layer one way (issue 9): services take the actor, never the HTTP request; audit never imports access (access
writes through audit.services and puts the permission into the audit context: access -> audit only)."""
import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)
APPS = ["access", "audit", "areas", "signals", "dashboards", "core"]


def _service_modules():
    for app in APPS:
        try:
            module = importlib.import_module(f"{app}.services")
        except ModuleNotFoundError:
            continue
        yield module
        if hasattr(module, "__path__"):  # a package of services
            for info in pkgutil.iter_modules(module.__path__):
                yield importlib.import_module(f"{module.__name__}.{info.name}")


def test_no_service_takes_the_http_request():
    offenders = []
    for module in _service_modules():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__:
                continue
            if "request" in inspect.signature(function).parameters:
                offenders.append(f"{module.__name__}.{name}")
    assert offenders == [], "services take the actor; the audit context carries the rest"


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


def test_audit_never_imports_access():
    offenders = []
    for path in sorted((BASE / "audit").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        offenders += [f"{path.relative_to(BASE)}: {name}" for name in _imports(path)
                      if name == "access" or name.startswith("access.")]
    assert offenders == []


def test_the_layering_test_sees_an_offence(tmp_path):
    """(The scan is not blind: a service with a request parameter and an audit module importing access are found.)"""
    bad = tmp_path / "bad.py"
    bad.write_text("from access.permissions import grant_for\nimport access.roles\n", encoding="utf-8")
    assert list(_imports(bad)) == ["access.permissions", "access.roles"]
