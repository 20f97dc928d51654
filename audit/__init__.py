"""The audit trail (NEN 7513, logboek dataverwerkingen, BIO 8.15).

Interfaces for the other apps:

- `audit.services.access_event_record(action=..., actor=..., obj=..., query=..., purpose=..., result_count=...)`:
  record a read, search, export, print, upload or security event, inside the transaction of the action (one INSERT,
  no lock). Services pass the actor; request id, IP, user agent, path and the grant behind the request's permission
  come from the audit context (audit.context), never from the HTTP request.
- `audit.services.access_event_record_many(...)`: the events of a bulk operation in one set-based INSERT;
  `audit.services.import_run_record(...)`: one record per import run (source, file hash, counts).
- `audit.models.AuditedQuerySet` on every model registered with auditlog (system check audit.E003):
  `update/delete/bulk_create/bulk_update` are blocked; use `audited_update(reason=..., **values)`, `audited_delete`,
  `audited_bulk_create`, `audited_bulk_update`, or call `audit.services.bulk_change_record(...)` yourself inside
  `allow_bulk_writes()`.
- `audit.context.task_actor(user_or_id, request_id=...)`: attribute background work to a person (or None: the
  system). Celery tasks get the queuing request's id and actor automatically (audit.tasks_context).
- `manage.py verify_audit`: seals what is ready, then exit 0 when both chains are intact (an unsealed tail is
  reported), 1 with the first problem otherwise.
- Celery beat: `audit.tasks.seal_chains` (every few seconds), `audit.tasks.apply_retention` and
  `audit.tasks.verify_chains` (daily).

Design: audit.chain (row hashes, sealed segments, verification), audit.digests (the digest file outside the
database), audit.retention (the one delete path), migration 0007 (PostgreSQL triggers refusing UPDATE, DELETE and
TRUNCATE on the audit tables, DELETE only of rows past the legal minimum retention).
"""
