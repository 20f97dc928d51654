"""Celery tasks of the dashboards (beat jobs); thin wrappers around the services."""
from celery import shared_task

from .services import alerts


@shared_task(name="dashboards.tasks.alerts_send", acks_late=True, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def alerts_send():
    """Find new unusual rises for the subscriptions and e-mail the alerts not yet e-mailed. Safe to run twice (an
    alert is created once, and e-mailed once: emailed_at), so a redelivered task (acks_late) does no harm."""
    created = alerts.alerts_find()
    sent = alerts.alerts_mail_send()
    return {"created": created, "emailed": sent}
