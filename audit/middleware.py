from .context import client_ip, request_context, reset_current, set_current


class RequestContextMiddleware:
    """Sets the audit context of every request (audit.context): a request id made by the server (never one a client
    sends), returned in the `X-Request-ID` header, the client IP, user agent and path."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ctx = request_context(request)
        request_id = ctx["request_id"]
        request.request_id = request_id
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
            from .context import current_permission
            from .models import AccessEvent
            from .services import access_event_record

            user = getattr(request, "user", None)
            access_event_record(
                action=AccessEvent.Action.DENIED,
                outcome=AccessEvent.Outcome.DENIED,
                actor=user if user is not None and user.is_authenticated else None,
                query=(current_permission() or getattr(request, "required_permission", ""))[:255],
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
