"""The audit trail (NEN 7513, logboek dataverwerkingen, BIO 8.15).

Interfaces for the other apps:

- `audit.services.access_event_record(action=..., request=..., obj=..., query=..., purpose=..., result_count=...)`:
  record a read, search, export, print, upload or security event, inside the transaction of the action. The grant
  (role) is filled in from `request.required_permission` when not passed.
- `audit.models.AuditedQuerySet` on models registered with auditlog: `update/delete/bulk_create/bulk_update` are
  blocked; use `audited_update(reason=..., **values)`, `audited_delete`, `audited_bulk_create`,
  `audited_bulk_update`, or call `audit.services.bulk_change_record(...)` yourself inside `allow_bulk_writes()`.
- `audit.context.task_actor(user_or_id, request_id=...)`: attribute background work to a person (or None: the
  system). Celery tasks get the queuing request's id and actor automatically (audit.tasks_context).
- `manage.py verify_audit`: exit 0 when both hash chains are intact, 1 with the first bad record otherwise.
- Celery beat: `audit.tasks.apply_retention` (AUDIT_RETENTION_DAYS) and `audit.tasks.verify_chains` (daily).

Design: audit.chain (HMAC hash chains, locking, verification), audit.retention (the one privileged delete path),
migration 0003 (PostgreSQL triggers refusing UPDATE/DELETE/TRUNCATE on the audit tables).
"""
