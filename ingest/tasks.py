"""Celery tasks of ingest: thin wrappers that fetch by id and call ingest.services.

`import_run_process` is queued on commit by ingest.services.run_start. acks_late: a worker killed mid-run leaves the
message unacknowledged, so it is delivered again; the run's transaction was rolled back with the dead connection, so
the retry loads the file whole (a run already finished is left alone). One run per source at a time: a second run of
a busy source is retried later. On the embedded default (CELERY_TASK_ALWAYS_EAGER) the same task runs in-process.
"""
from celery import shared_task

from . import services

BUSY_RETRY_SECONDS = 30
BUSY_MAX_RETRIES = 240  # two hours of waiting for the source's previous run


@shared_task(name="ingest.tasks.import_run_process", bind=True, acks_late=True, reject_on_worker_lost=True,
             max_retries=BUSY_MAX_RETRIES)
def import_run_process(self, run_id):
    try:
        run = services.run_process(run_id=run_id)
    except services.SourceBusy as exc:
        if self.request.is_eager or self.request.called_directly:
            return None  # in-process: the inbox scan (beat) or the next command picks the queued run up
        raise self.retry(exc=exc, countdown=BUSY_RETRY_SECONDS) from None
    return run.status


@shared_task(name="ingest.tasks.inbox_scan", acks_late=True)
def inbox_scan():
    return services.inbox_scan()
