"""Refusals that the user sees as "not found" are access events too.

A `for_user` fetch answers alike for an object that does not exist and one the user may not see (another
department's signal or register, a dashboard without a grant), so the user learns nothing from the answer. The
auditor still wants to see those attempts: the view raises `NotFoundOrDenied` instead of a bare Http404, and
`NotFoundDenialMiddleware` records a DENIED access event once the response is made, after the view's transaction
has ended (a denial written inside a transaction that is rolled back would be lost). Missing and forbidden are
recorded alike, since the view cannot (and must not) tell them apart; the user sees the same 404 either way.

Where a refusal is answered otherwise (the API's 400 for a department the user does not manage), the view calls
`denial_note(...)` before raising its error. 403s are left to audit.middleware.DenialLogMiddleware.
"""
from contextvars import ContextVar

from django.http import Http404

_pending: ContextVar[list | None] = ContextVar("access_pending_denials", default=None)


def denial_note(*, object_type: str, object_id="") -> None:
    """Note that this request is refused access to an object; recorded if the response is an error."""
    pending = _pending.get()
    if pending is not None:
        pending.append((object_type, str(object_id)))


class NotFoundOrDenied(Http404):
    """Http404 for "missing or not yours": the user sees a plain 404, the audit trail a denial."""

    def __init__(self, *, object_type: str, object_id=""):
        super().__init__()
        denial_note(object_type=object_type, object_id=object_id)


class NotFoundDenialMiddleware:
    """Records the refusals noted during a request as DENIED access events, after the response is made."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        pending = []
        token = _pending.set(pending)
        try:
            response = self.get_response(request)
        finally:
            _pending.reset(token)
        # A 403 is recorded by DenialLogMiddleware; a success means the refusal was not the answer after all.
        if pending and response.status_code >= 400 and response.status_code != 403:
            self._record(request, pending)
        return response

    @staticmethod
    def _record(request, pending):
        from audit.context import current_permission
        from audit.models import AccessEvent
        from audit.services import access_event_record

        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        for object_type, object_id in dict.fromkeys(pending):
            access_event_record(
                action=AccessEvent.Action.DENIED,
                outcome=AccessEvent.Outcome.DENIED,
                actor=actor,
                object_type=object_type,
                object_id=object_id,
                query=(current_permission() or getattr(request, "required_permission", "") or "")[:255],
            )
