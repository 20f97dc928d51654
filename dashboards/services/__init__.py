"""Writes for the dashboards: the recording of views of restricted (address-level) dashboards and of exports."""
from django.db import transaction

from audit.models import AccessEvent
from audit.services import access_event_record


def dashboard_view_record(*, user, dashboard):
    """Opening an address-level dashboard is an access event (ordinary dashboards show only aggregates)."""
    if not dashboard.address_level:
        return None
    return access_event_record(action=AccessEvent.Action.DASHBOARD_VIEW, actor=user, obj=dashboard)


@transaction.atomic
def dashboard_export_record(*, user, dashboard, query, result_count):
    """Every export of dashboard figures is an access event: who, which dashboard, which filter, how many rows."""
    return access_event_record(action=AccessEvent.Action.EXPORT, actor=user, obj=dashboard, query=query[:255],
                               result_count=result_count)


@transaction.atomic
def address_level_view_record(*, user, dashboard, query, result_count):
    """Every look at the records of an address-level dashboard (its page, or the addresses API) is an access event:
    who, which dashboard, which filter, how many records were shown."""
    return access_event_record(action=AccessEvent.Action.DASHBOARD_VIEW, actor=user, obj=dashboard,
                               query=query[:255], result_count=result_count)
