"""The delivery formats the platform reads, one module each (parser + validator + loader), registered by code.

    from ingest.formats import format_for
    fmt = format_for("politie-bvh")

A module registers its format with `@register` at import; the modules are imported here so the registry is full.
"""
from .base import FORMATS, Format, Line, Reject, RunContext, format_for, register  # noqa: F401
