from celery import shared_task


@shared_task(name="audit.tasks.apply_retention")
def apply_retention():
    """Daily (CELERY_BEAT_SCHEDULE): remove audit rows past AUDIT_RETENTION_DAYS; records that it ran."""
    from .context import task_actor
    from .retention import retention_apply

    with task_actor(None, task_name="audit.apply_retention"):
        result = retention_apply()
    return {"access": result["access"], "change": result["change"], "cutoff": result["cutoff"].isoformat()}
