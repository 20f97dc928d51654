"""What the signalling services share: permissions, the search-limit error, the purpose rule, refusals on record."""
import contextlib

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.context import get_current, new_trace_id, reset_current, set_current
from audit.models import AccessEvent
from audit.services import access_event_record
from core.text import visible_length, visible_text

from .. import selectors

SEARCH_PERM = "signals.search_address"
BULK_PERM = "signals.bulk_check"
HIT_REPORT_PERM = "signals.view_hit_report"
OFFICER_PERM = selectors.OFFICER_PERM


class SearchLimitExceeded(Exception):
    """The user has reached the hourly or daily search limit (anti-fishing). `message` is Dutch and user-facing."""

    def __init__(self, message: str, *, period: str):
        super().__init__(message)
        self.message = message
        self.period = period  # "hour" or "day"


def _actor(user):
    """Attribute the auditlog entries written inside to `user` (restores any outer actor afterwards)."""
    from audit.context import acting_as

    return acting_as(user)


@contextlib.contextmanager
def _audit_request_id():
    """Every search gets a request id (the anti-fishing limit counts one per request id)."""
    ctx = get_current()
    if ctx and ctx.get("request_id"):
        yield
        return
    token = set_current({**(ctx or {}), "request_id": new_trace_id()})
    try:
        yield
    finally:
        reset_current(token)


def _today():
    return timezone.localdate()


def _record_refusal(*, user, query: str, purpose: str, obj=None):
    """Written outside any transaction of the search itself, so the refusal is never rolled back."""
    access_event_record(
        action=AccessEvent.Action.ADDRESS_SEARCH,
        outcome=AccessEvent.Outcome.DENIED,
        actor=user,
        obj=obj,
        query=query,
        purpose=purpose,
    )


def _clean_purpose(purpose) -> str:
    """The purpose as a reader sees it: invisible characters (zero-width spaces, BOMs, U+2800, U+3164, U+202E ...)
    removed and spaces collapsed; at least 3 visible characters (core.text)."""
    purpose = visible_text(purpose)
    if visible_length(purpose) < 3:
        raise ValidationError(
            {"purpose": _("Vul het doel van deze zoekvraag in: een zaaknummer of de reden van uw zoekvraag.")}
        )
    return purpose[:255]
