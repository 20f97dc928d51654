"""Writes of the analysis pages: printing the daily report is recorded."""
from django.db import transaction

from audit.models import AccessEvent
from audit.services import access_event_record


@transaction.atomic
def dagrapport_print_record(*, user, dashboard, label, count):
    """Printing the mayor's daily report (aggregate-level data, no personal data) is an access event: a paper copy
    leaves the platform. `label` says which day or window was printed."""
    return access_event_record(action=AccessEvent.Action.PRINT, actor=user, obj=dashboard,
                               object_label=f"{dashboard.name}: dagrapport {label}"[:255], query="dagrapport",
                               result_count=count)
