"""The delivery formats the platform reads, one module each (parser + validator + loader), registered by code.

    from ingest.formats import format_for
    fmt = format_for("politie-bvh")

A module registers its format with `@register` at import; every module of this package is imported here, so the
registry is full (a new format is a new module, nothing else to edit). The contract is in `base.py`.
"""
import importlib
import pkgutil

from .base import FORMATS, Format, Line, Reject, Rejected, RunContext, format_for, register  # noqa: F401

for _info in pkgutil.iter_modules(__path__):
    if _info.name != "base" and not _info.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_info.name}")
