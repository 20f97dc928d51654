"""Signals of the audit app.

`bulk_changed` is sent after every audited bulk write (AuditedQuerySet.audited_update / _delete / _bulk_create /
_bulk_update, through audit.services.bulk_change_record): the bulk counterpart of Django's post_save/post_delete,
which such writes do not send. Arguments: sender (the model), action ("create", "update" or "delete"), object_ids.
"""
from django.dispatch import Signal

bulk_changed = Signal()
