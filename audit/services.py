"""The one place that writes audit records."""
from django.utils import timezone

from .context import get_current
from .models import AccessEvent


def clean_text(value, limit=255) -> str:
    """Logged values cannot forge log lines: control characters and newlines become visible escapes."""
    if value is None:
        return ""
    text = str(value)
    out = []
    for ch in text:
        if ch in "\r\n\t" or ord(ch) < 32 or ord(ch) == 127 or 0x80 <= ord(ch) < 0xA0 or ch in "\u2028\u2029":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)[:limit]


def access_event_record(
    *,
    action: str,
    request=None,
    actor=None,
    outcome: str = AccessEvent.Outcome.ALLOWED,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
    query: str = "",
    purpose: str = "",
    result_count: int | None = None,
    grant=None,
) -> AccessEvent:
    """Record one access event. Called inside the action's transaction: if this fails, the action fails."""
    ctx = get_current() or {}
    if request is not None:
        from .middleware import client_ip

        ctx = {
            "request_id": getattr(request, "request_id", ctx.get("request_id", "")),
            "ip": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", ""),
            "path": request.path,
        }
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        if request.user.is_authenticated:
            actor = request.user
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or str(obj.pk)
        object_label = object_label or str(obj)
    department = ""
    if actor is not None and getattr(actor, "department_id", None):
        department = str(actor.department)
    role = ""
    authorisation_id = None
    if grant is not None:
        role = grant.role
        authorisation_id = grant.pk
    return AccessEvent.objects.create(
        occurred_at=timezone.now(),
        actor=actor,
        actor_username=clean_text(getattr(actor, "username", ""), 150),
        actor_department=clean_text(department, 120),
        role=role,
        authorisation_id=authorisation_id,
        action=action,
        outcome=outcome,
        object_type=clean_text(object_type, 100),
        object_id=clean_text(object_id, 64),
        object_label=clean_text(object_label),
        query=clean_text(query),
        purpose=clean_text(purpose),
        result_count=result_count,
        ip_address=ctx.get("ip"),
        user_agent=clean_text(ctx.get("user_agent", "")),
        request_id=clean_text(ctx.get("request_id", ""), 64),
        path=clean_text(ctx.get("path", "")),
    )
