import ipaddress

from django.conf import settings

from .context import new_trace_id, reset_current, set_current, trace_id_from_header


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or the address the configured number of trusted proxies saw. A client cannot forge it."""
    remote = request.META.get("REMOTE_ADDR")
    hops = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        # The right-most `hops` entries were added by our own proxies; the one before them is the client.
        if len(forwarded) >= hops:
            remote = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(remote)) if remote else None
    except ValueError:
        return None


class RequestContextMiddleware:
    """Gives every request an id (from a W3C traceparent when sent), returned in the `X-Request-ID` header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = trace_id_from_header(request.META.get("HTTP_TRACEPARENT")) or new_trace_id()
        request.request_id = request_id
        ctx = {
            "request_id": request_id,
            "ip": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:255],
            "path": request.path[:255],
        }
        token = set_current(ctx)
        try:
            response = self.get_response(request)
        finally:
            reset_current(token)
        response["X-Request-ID"] = request_id
        return response


class DenialLogMiddleware:
    """Every 403 becomes an access event, written after the view's transaction has ended (so never rolled back)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403:
            from .models import AccessEvent
            from .services import access_event_record

            user = getattr(request, "user", None)
            access_event_record(
                action=AccessEvent.Action.DENIED,
                outcome=AccessEvent.Outcome.DENIED,
                request=request,
                actor=user if user is not None and user.is_authenticated else None,
                query=getattr(request, "required_permission", "")[:255],
            )
        return response


class AuditlogActorMiddleware:
    """auditlog's middleware, but with the unforgeable client IP and the request id as correlation id.

    auditlog's own AuditlogMiddleware takes the first X-Forwarded-For entry, which any client can set.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .context import acting_as

        user = getattr(request, "user", None)
        actor = user if user is not None and getattr(user, "is_authenticated", False) else None
        with acting_as(actor, remote_addr=client_ip(request)):
            return self.get_response(request)
