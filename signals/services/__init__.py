"""Writes for the signalling tool, one module per job. Each function runs in one transaction and leaves an audit
trace: django-auditlog for changes to signals (details excluded from history), audit.AccessEvent for reads,
searches, refusals, exports and the nightly jobs. Services take the acting user, never the HTTP request.

- register: a department's own signals (create, update, extend, close, view), its category catalogue;
- search: the address search shared by page and API, the anti-fishing limits, the hit report's record;
- bulk: the bulk check (its own permission and daily budget of addresses);
- notifications: co-occurrence and "searched" notices and their e-mail, queued on commit;
- retention: nightly expiry of signals, erasure of details, pruning of search tallies.

Errors: ValidationError (Dutch messages) for bad input; PermissionDenied when the user lacks the global
permission or names a department they do not manage; Signal.DoesNotExist (-> 404) for a signal the user
may not see, exactly as for a signal that does not exist.
"""
from ._common import BULK_PERM, HIT_REPORT_PERM, OFFICER_PERM, SEARCH_PERM, SearchLimitExceeded
from .bulk import BulkRow, bulk_check
from .notifications import notification_mail_send, notification_mark_read
from .register import (
    EDITABLE_FIELDS,
    category_seed_defaults,
    default_valid_until,
    signal_close,
    signal_create,
    signal_extend,
    signal_update,
    signal_view_record,
)
from .retention import search_tally_prune, signal_erase_expired_details, signal_expire_due
from .search import (
    address_hit_search,
    address_unresolved_search_record,
    bulk_limit_take,
    hit_report_record,
    search_limit_take,
)

__all__ = [
    "BULK_PERM", "EDITABLE_FIELDS", "HIT_REPORT_PERM", "OFFICER_PERM", "SEARCH_PERM", "BulkRow", "SearchLimitExceeded",
    "address_hit_search", "address_unresolved_search_record", "bulk_check", "bulk_limit_take", "category_seed_defaults",
    "default_valid_until", "hit_report_record", "notification_mail_send", "notification_mark_read",
    "search_limit_take", "search_tally_prune", "signal_close", "signal_create", "signal_erase_expired_details",
    "signal_expire_due", "signal_extend", "signal_update", "signal_view_record",
]
