from celery import shared_task


@shared_task(name="access.tasks.expire_authorisations")
def expire_authorisations():
    from .services import authorisation_expire_due

    return authorisation_expire_due()
