"""Login, logout, failed login and lockout become access events (auditlog LogEntries are chained by the sealer)."""
from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import AccessEvent
from .services import access_event_record


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    access_event_record(action=AccessEvent.Action.LOGIN, actor=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    access_event_record(action=AccessEvent.Action.LOGOUT, actor=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")
    user = get_user_model().objects.filter(username=username).first()
    access_event_record(
        action=AccessEvent.Action.LOGIN_FAILED,
        outcome=AccessEvent.Outcome.DENIED,
        actor=user,
        query=username,
    )


@receiver(user_locked_out)
def on_lockout(sender, request, username=None, ip_address=None, **kwargs):
    user = get_user_model().objects.filter(username=username).first() if username else None
    access_event_record(
        action=AccessEvent.Action.LOCKOUT,
        outcome=AccessEvent.Outcome.DENIED,
        actor=user,
        query=username or "",
    )
