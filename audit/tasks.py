from celery import shared_task


@shared_task(name="audit.tasks.seal_chains", ignore_result=True)
def seal_chains():
    """Every few seconds (CELERY_BEAT_SCHEDULE): seal what the audit chains gained (audit.chain.seal_all). A run
    that finds another sealer busy does nothing; the next run picks up where the last segment ended."""
    from .chain import seal_all

    return [(segment.chain, segment.seq, segment.count) for segment in seal_all(wait=False)]


@shared_task(name="audit.tasks.apply_retention")
def apply_retention():
    """Daily (CELERY_BEAT_SCHEDULE): remove audit rows past AUDIT_RETENTION_DAYS; records that it ran."""
    from .context import task_actor
    from .retention import retention_apply

    with task_actor(None, task_name="audit.apply_retention"):
        result = retention_apply()
    return {"access": result["access"], "change": result["change"], "cutoff": result["cutoff"].isoformat()}


@shared_task(name="audit.tasks.verify_chains")
def verify_chains():
    """Daily (CELERY_BEAT_SCHEDULE): seal, verify both hash chains against the database and the external digest
    file, and record the outcome as an access event.

    A broken chain is a security incident (BIO 8.15): it is logged at ERROR level and recorded with outcome
    "error" and the first bad record, so the auditors see it on their pages.
    """
    import logging

    from .chain import problems_of, verify_all
    from .context import task_actor
    from .models import AccessEvent
    from .services import access_event_record

    with task_actor(None, task_name="audit.verify_chains"):
        problems = problems_of(verify_all())
        if problems:
            logging.getLogger("audit.integrity").error("Audit trail NOT intact: %s", problems[0])
        access_event_record(
            action=AccessEvent.Action.AUDIT_VIEW,
            outcome=AccessEvent.Outcome.ERROR if problems else AccessEvent.Outcome.ALLOWED,
            object_type="audit.verify",
            object_label=str(problems[0]) if problems else "intact",
            result_count=len(problems),
        )
    return [str(problem) for problem in problems]
