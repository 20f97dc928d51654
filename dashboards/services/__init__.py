"""Writes for the dashboards: the recording of views of restricted (address-level) dashboards."""
from audit.models import AccessEvent
from audit.services import access_event_record


def dashboard_view_record(*, user, dashboard):
    """Opening an address-level dashboard is an access event (ordinary dashboards show only aggregates)."""
    if not dashboard.address_level:
        return None
    return access_event_record(action=AccessEvent.Action.DASHBOARD_VIEW, actor=user, obj=dashboard)
