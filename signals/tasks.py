"""Celery tasks of the signalling tool (beat jobs and side effects queued on commit); thin wrappers around the
services."""
from celery import shared_task

from . import services


@shared_task(name="signals.tasks.signal_expire_due")
def signal_expire_due():
    return services.signal_expire_due()


@shared_task(name="signals.tasks.signal_erase_expired_details")
def signal_erase_expired_details():
    return services.signal_erase_expired_details()


@shared_task(name="signals.tasks.search_tally_prune")
def search_tally_prune():
    return services.search_tally_prune()


@shared_task(name="signals.tasks.notification_mail_send", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notification_mail_send(notification_id):
    """Queued by signals.services after the commit that created the notification; retried while mail is down."""
    return services.notification_mail_send(notification_id=notification_id)
