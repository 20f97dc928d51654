"""The bulk check: a list of addresses at once, under its own permission and daily budget of addresses."""
import csv
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from access.permissions import has_perm
from audit.models import AccessEvent
from audit.services import access_event_record_many

from .. import selectors
from ._common import BULK_PERM, SearchLimitExceeded, _audit_request_id, _clean_purpose, _record_refusal
from .notifications import _notify_bulk_searched
from .search import bulk_limit_take


@dataclass
class BulkRow:
    line: int
    text: str
    status: str  # "ok" | "not_found" | "ambiguous" | "invalid"
    message: str = ""
    address: object = None
    departments: list[str] = field(default_factory=list)

    @property
    def department_count(self):
        return len(self.departments)


def _bulk_texts(content: str) -> list[tuple[int, str]]:
    """(line number, address text) from CSV text: either one address column or postcode/huisnummer columns."""
    unreadable = ValidationError({"file": _("Het bestand is geen leesbaar CSV-bestand: een veld is te lang of het "
                                            "bevat ongeldige tekens.")})
    if "\x00" in content:  # no address holds a NUL, and no database column stores one
        raise unreadable
    sample = content[:2048]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(content), dialect)
    try:
        rows = [row for row in reader]
    except csv.Error:  # e.g. a field over the csv module's limit (128 KB): a form error, not a server error
        raise unreadable from None
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    result = []
    columns = None
    start = 0
    if "postcode" in header and any(h in header for h in ("huisnummer", "nummer")):
        number_col = header.index("huisnummer") if "huisnummer" in header else header.index("nummer")
        extra = [header.index(h) for h in ("huisletter", "letter", "toevoeging") if h in header]
        columns = [header.index("postcode"), number_col, *extra]
        start = 1
    elif header and header[0] in {"adres", "address", "adressen"}:
        start = 1
    for index, row in enumerate(rows[start:], start=start + 1):
        if not any(cell.strip() for cell in row):
            continue
        if columns is not None:
            text = " ".join(row[i].strip() for i in columns if i < len(row) and row[i].strip())
        else:
            text = " ".join(cell.strip() for cell in row if cell.strip())
        result.append((index, text))
    return result


def _bulk_resolve(rows):
    """Resolve the bulk lines through the shared address matching (areas.selectors), set-based: a line is "ok" only
    where the address search would find that one address; where the search offers candidates to choose from, the
    line is "ambiguous" (nobody can choose in a list)."""
    from areas.selectors import KIND_CANDIDATES, KIND_EXACT, KIND_INVALID, address_resolve_many

    for row, found in zip(rows, address_resolve_many(texts=[row.text for row in rows], limit=5), strict=True):
        if found.kind == KIND_EXACT:
            row.status, row.address = "ok", found.address
        elif found.kind == KIND_CANDIDATES:
            row.status = "ambiguous"
            row.message = _("Meerdere adressen mogelijk; geef postcode, huisnummer en huisletter of toevoeging op.")
        elif found.kind == KIND_INVALID:
            row.status, row.message = "invalid", found.message or _("Dit is geen herkenbaar adres.")
        else:
            row.status, row.message = "not_found", found.message or _("Adres niet gevonden.")


def bulk_check(*, user, content: str, purpose) -> list[BulkRow]:
    """Check up to SIGNAL_BULK_MAX_ROWS addresses with one purpose: per address the departments with a hit.

    Needs its own permission (signals.bulk_check). Every line is an address search in the audit trail, written in
    one set-based INSERT, and every line counts against the user's daily bulk budget, taken in the same transaction
    as those records (a refusal is recorded after the rollback).
    """
    if not has_perm(user, BULK_PERM):
        raise PermissionDenied
    purpose = _clean_purpose(purpose)
    texts = _bulk_texts(content or "")
    if not texts:
        raise ValidationError({"file": _("Het bestand bevat geen adressen.")})
    limit = settings.SIGNAL_BULK_MAX_ROWS
    if len(texts) > limit:
        raise ValidationError(
            {"file": _("Het bestand bevat %(n)s adressen; het maximum is %(max)s.") % {"n": len(texts), "max": limit}}
        )
    rows = []
    for line, text in texts:
        if len(text) > 200:
            rows.append(BulkRow(line=line, text=text[:60] + "…", status="invalid", message=_("Regel is te lang.")))
        else:
            rows.append(BulkRow(line=line, text=text, status=""))
    _bulk_resolve([row for row in rows if not row.status])
    with _audit_request_id():
        try:
            with transaction.atomic():
                bulk_limit_take(user=user, addresses=len(rows))
                hits = selectors.address_hits_many(address_ids={row.address.pk for row in rows if row.address})
                for row in rows:
                    if row.address is not None:
                        row.departments = hits.get(row.address.pk, [])
                access_event_record_many(
                    action=AccessEvent.Action.ADDRESS_SEARCH,
                    actor=user,
                    events=[
                        {
                            "obj": row.address,
                            "object_type": "areas.Address",
                            "query": row.address.search_key if row.address else row.text,
                            "purpose": purpose,
                            "result_count": row.department_count if row.address else 0,
                        }
                        for row in rows
                    ],
                )
                _notify_bulk_searched(user=user, address_ids={row.address.pk for row in rows if row.departments})
        except SearchLimitExceeded:
            _record_refusal(user=user, query=_("bulkcontrole (%(n)s regels)") % {"n": len(rows)},
                            purpose=purpose)
            raise
    return rows
