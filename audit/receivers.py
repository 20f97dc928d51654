"""Login, logout, failed login and lockout become access events; auditlog LogEntries are sealed into the chain."""
from auditlog.models import LogEntry
from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from .chain import seal_log_entry
from .models import AccessEvent
from .services import access_event_record


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    access_event_record(action=AccessEvent.Action.LOGIN, request=request, actor=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    access_event_record(action=AccessEvent.Action.LOGOUT, request=request, actor=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")
    user = get_user_model().objects.filter(username=username).first()
    access_event_record(
        action=AccessEvent.Action.LOGIN_FAILED,
        outcome=AccessEvent.Outcome.DENIED,
        request=request,
        actor=user,
        query=username,
    )


@receiver(user_locked_out)
def on_lockout(sender, request, username=None, ip_address=None, **kwargs):
    user = get_user_model().objects.filter(username=username).first() if username else None
    access_event_record(
        action=AccessEvent.Action.LOCKOUT,
        outcome=AccessEvent.Outcome.DENIED,
        request=request,
        actor=user,
        query=username or "",
    )


@receiver(post_save, sender=LogEntry, dispatch_uid="audit_seal_log_entry")
def on_log_entry_created(sender, instance, created, raw=False, **kwargs):
    """Every change record auditlog writes goes into the change chain, in the same transaction."""
    if created and not raw:
        seal_log_entry(instance.pk)
