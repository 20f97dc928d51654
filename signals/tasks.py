"""Celery beat jobs for the signalling tool; thin wrappers around the services."""
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
