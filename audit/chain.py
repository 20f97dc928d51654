"""Tamper evidence: two hash chains, "access" (AccessEvent rows) and "change" (auditlog LogEntry rows via ChangeSeal).

Every link stores `row_hash = HMAC-SHA256(key, chain | seq | prev_hash | canonical content)`; `prev_hash` is the
previous link's row_hash. An edited row no longer matches its hash, a deleted row leaves a gap in `seq`, a row
inserted outside the application has no `seq`/seal or a hash that cannot be made without the key, and a cut-off
tail no longer matches the MAC-protected chain head. Retention removes a prefix and leaves a MAC-protected
checkpoint (first_seq, anchor_hash) so the rest stays verifiable.

Appends of both chains are serialised by one lock (pg_advisory_xact_lock on PostgreSQL, plus a row lock on the
chain head), held until the surrounding transaction commits, so several processes form one chain and the two
chains can never deadlock each other. The key is AUDIT_CHAIN_KEY (default: derived from SECRET_KEY); it must stay
the same for the life of the log.
"""
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from veiligheid.prepared import PreparedQuery, insert_row

ACCESS = "access"
CHANGE = "change"
# One lock for both chains (an arbitrary constant: "vp-audit").
ADVISORY_LOCK_KEY = 0x76702D6175646974

ACCESS_FIELDS = (
    "occurred_at", "actor_id", "actor_username", "actor_department", "role", "authorisation_id", "action", "outcome",
    "object_type", "object_id", "object_label", "query", "purpose", "result_count", "ip_address", "user_agent",
    "request_id", "path",
)
LOGENTRY_FIELDS = (
    "id", "content_type_id", "object_pk", "object_id", "object_repr", "action", "changes_text", "changes", "actor_id",
    "actor_email", "cid", "remote_addr", "remote_port", "timestamp", "additional_data", "serialized_data",
)


def _key() -> bytes:
    key = getattr(settings, "AUDIT_CHAIN_KEY", "") or ""
    if key:
        return key.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"veiligheidsplatform-audit-chain", hashlib.sha256).digest()


def _norm(name, value):
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None).isoformat(timespec="microseconds")
    if name in ("ip_address", "remote_addr"):
        try:
            return str(ipaddress.ip_address(str(value)))
        except ValueError:
            return str(value)
    if isinstance(value, bool | int):
        return int(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    if isinstance(value, str) and name in ("changes", "additional_data", "serialized_data"):
        # A JSON column may come back as text on some backends: normalise it the same way as a decoded value.
        try:
            return _norm(name, json.loads(value))
        except ValueError:
            return value
    return str(value)


def mac(*parts) -> str:
    message = json.dumps(parts, separators=(",", ":"), ensure_ascii=False, default=str).encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def link_hash(chain: str, seq: int, prev_hash: str, fields: tuple, values: dict) -> str:
    return mac(chain, int(seq), prev_hash or "", [[name, _norm(name, values.get(name))] for name in fields])


def access_event_hash(values: dict) -> str:
    """values: a dict (or .values() row) with seq, prev_hash and ACCESS_FIELDS."""
    return link_hash(ACCESS, values["seq"], values["prev_hash"], ACCESS_FIELDS, values)


def log_entry_hash(seq: int, prev_hash: str, entry_values: dict) -> str:
    return link_hash(CHANGE, seq, prev_hash, LOGENTRY_FIELDS, entry_values)


def head_mac(chain, seq, last_hash) -> str:
    return mac("head", chain, int(seq), last_hash or "")


def checkpoint_mac(chain, first_seq, anchor_hash, cutoff) -> str:
    return mac("checkpoint", chain, int(first_seq), anchor_hash or "", _norm("cutoff", cutoff))


def lock_chains():
    """Serialise chain appends until the current transaction ends. Call inside transaction.atomic()."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
    elif connection.vendor == "sqlite":
        # Take SQLite's write lock before reading the head, so two writers queue instead of deadlocking on the
        # shared-to-reserved upgrade (best effort: a transaction that already read elsewhere can still get BUSY;
        # OPTIONS["transaction_mode"] = "IMMEDIATE" removes that).
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_chainhead SET seq = seq WHERE 0")


def _head_query(chain):
    from .models import ChainHead

    return ChainHead.objects.select_for_update().filter(chain=chain).values_list("seq", "last_hash", "mac")


# Compiled once per process: every audited request reads and advances a head.
_HEAD = PreparedQuery(_head_query, chain=str)


def _head(chain):
    """The chain head, locked until the transaction ends (call after lock_chains(), inside transaction.atomic())."""
    from .models import ChainHead

    rows = _HEAD.rows(chain=chain)
    if not rows:
        head = ChainHead(chain=chain, seq=0, last_hash="")
        head.mac = head_mac(chain, 0, "")
        head.save(force_insert=True)
        return head
    seq, last_hash, head_mac_value = rows[0]
    head = ChainHead(chain=chain, seq=seq, last_hash=last_hash, mac=head_mac_value)
    head._state.adding = False
    return head


def _advance(head, row_hash):
    head.seq += 1
    head.last_hash = row_hash
    head.mac = head_mac(head.chain, head.seq, row_hash)
    meta, quote = type(head)._meta, connection.ops.quote_name
    column = {name: quote(meta.get_field(name).column) for name in ("chain", "seq", "last_hash", "mac")}
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {column['seq']} = %s, {column['last_hash']} = %s, "
            f"{column['mac']} = %s WHERE {column['chain']} = %s",
            [head.seq, head.last_hash, head.mac, head.chain],
        )


def append_access_event(event):
    """Give an unsaved AccessEvent its place in the access chain and insert it."""
    with transaction.atomic(savepoint=False):  # inside the action's transaction: its failure fails the action
        lock_chains()
        head = _head(ACCESS)
        event.seq = head.seq + 1
        event.prev_hash = head.last_hash
        values = {name: getattr(event, name) for name in ACCESS_FIELDS}
        values.update(seq=event.seq, prev_hash=event.prev_hash)
        event.row_hash = access_event_hash(values)
        insert_row(event)  # AccessEvent has no save signals; the ORM's save compiled this every time
        _advance(head, event.row_hash)
    return event


def log_entry_values(entry_ids):
    from auditlog.models import LogEntry

    return {row["id"]: row for row in LogEntry.objects.filter(pk__in=list(entry_ids)).values(*LOGENTRY_FIELDS)}


def seal_log_entry(entry_id: int):
    """Put a freshly written LogEntry into the change chain (hashing what the database actually stored)."""
    from .models import ChangeSeal

    with transaction.atomic(savepoint=False):  # inside the action's transaction: its failure fails the action
        lock_chains()
        head = _head(CHANGE)
        values = log_entry_values([entry_id]).get(entry_id)
        if values is None:
            raise RuntimeError(f"LogEntry {entry_id} vanished before it was sealed")
        seq = head.seq + 1
        row_hash = log_entry_hash(seq, head.last_hash, values)
        ChangeSeal(seq=seq, log_entry_id=entry_id, prev_hash=head.last_hash, row_hash=row_hash).save()
        _advance(head, row_hash)


# ---------------------------------------------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Problem:
    chain: str
    record: str
    message: str

    def __str__(self):
        return f"[{self.chain}] {self.record}: {self.message}"


def _checkpoint(chain):
    from .models import ChainCheckpoint

    checkpoint = ChainCheckpoint.objects.filter(chain=chain).order_by("-first_seq", "-id").first()
    if checkpoint is None:
        return 1, "", None
    if checkpoint.mac != checkpoint_mac(chain, checkpoint.first_seq, checkpoint.anchor_hash, checkpoint.cutoff):
        return 1, "", Problem(chain, f"ChainCheckpoint #{checkpoint.pk}", "controlepunt is gewijzigd of vervalst")
    return checkpoint.first_seq, checkpoint.anchor_hash, None


def _check_head(chain, expected_next_seq, expected_last_hash):
    from .models import ChainHead

    head = ChainHead.objects.filter(chain=chain).first()
    if head is None:
        if expected_next_seq > 1 and expected_last_hash:
            return Problem(chain, "ketenkop", "de ketenkop ontbreekt")
        return None
    if head.mac != head_mac(chain, head.seq, head.last_hash):
        return Problem(chain, "ketenkop", "de ketenkop is buiten de applicatie gewijzigd")
    if head.seq != expected_next_seq - 1 or head.last_hash != expected_last_hash:
        if head.seq > expected_next_seq - 1:
            return Problem(
                chain, f"volgnummer {expected_next_seq}",
                f"records {expected_next_seq} t/m {head.seq} aan het eind van de keten ontbreken (verwijderd)",
            )
        return Problem(chain, "ketenkop", "de ketenkop past niet bij het laatste record")
    return None


def verify_access_chain(chunk_size=5000) -> list[Problem]:
    from .models import AccessEvent

    problems = []
    expected_seq, expected_prev, problem = _checkpoint(ACCESS)
    if problem:
        return [problem]
    orphan = AccessEvent.objects.filter(seq__isnull=True).order_by("id").values_list("pk", flat=True).first()
    if orphan is not None:
        problems.append(Problem(ACCESS, f"AccessEvent #{orphan}", "staat niet in de keten: buiten de applicatie ingevoegd"))
    rows = (
        AccessEvent.objects.filter(seq__isnull=False)
        .order_by("seq")
        .values("id", "seq", "prev_hash", "row_hash", *ACCESS_FIELDS)
        .iterator(chunk_size=chunk_size)
    )
    for row in rows:
        record = f"AccessEvent #{row['id']} (volgnummer {row['seq']})"
        if row["seq"] < expected_seq:
            problems.append(Problem(ACCESS, record, "ligt vóór het begin van de keten: buiten de applicatie ingevoegd"))
            return problems
        if row["seq"] > expected_seq:
            problems.append(Problem(
                ACCESS, record, f"record(s) met volgnummer {expected_seq} t/m {row['seq'] - 1} ontbreken (verwijderd)"
            ))
            return problems
        if row["prev_hash"] != expected_prev:
            problems.append(Problem(ACCESS, record, "de schakel naar het vorige record klopt niet"))
            return problems
        if not hmac.compare_digest(row["row_hash"] or "", access_event_hash(row)):
            problems.append(Problem(ACCESS, record, "de inhoud is gewijzigd of het record is vervalst"))
            return problems
        expected_prev = row["row_hash"]
        expected_seq += 1
    head_problem = _check_head(ACCESS, expected_seq, expected_prev)
    if head_problem:
        problems.append(head_problem)
    return problems


def verify_change_chain(chunk_size=2000) -> list[Problem]:
    from auditlog.models import LogEntry

    from .models import ChangeSeal

    problems = []
    expected_seq, expected_prev, problem = _checkpoint(CHANGE)
    if problem:
        return [problem]
    unsealed = (
        LogEntry.objects.exclude(pk__in=ChangeSeal.objects.values("log_entry_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if unsealed is not None:
        problems.append(Problem(CHANGE, f"LogEntry #{unsealed}", "heeft geen zegel: buiten de applicatie ingevoegd"))
    seals = ChangeSeal.objects.order_by("seq").values_list("seq", "log_entry_id", "prev_hash", "row_hash")
    batch = []

    def check(batch):
        nonlocal expected_seq, expected_prev
        entries = log_entry_values(entry_id for _seq, entry_id, _p, _h in batch)
        for seq, entry_id, prev_hash, row_hash in batch:
            record = f"LogEntry #{entry_id} (zegel {seq})"
            if seq < expected_seq:
                return Problem(CHANGE, record, "ligt vóór het begin van de keten: buiten de applicatie ingevoegd")
            if seq > expected_seq:
                return Problem(CHANGE, record, f"zegel(s) {expected_seq} t/m {seq - 1} ontbreken (verwijderd)")
            if prev_hash != expected_prev:
                return Problem(CHANGE, record, "de schakel naar het vorige record klopt niet")
            values = entries.get(entry_id)
            if values is None:
                return Problem(CHANGE, record, "het wijzigingsrecord is verwijderd")
            if not hmac.compare_digest(row_hash, log_entry_hash(seq, prev_hash, values)):
                return Problem(CHANGE, record, "de inhoud is gewijzigd of het zegel is vervalst")
            expected_prev = row_hash
            expected_seq += 1
        return None

    for seal in seals.iterator(chunk_size=chunk_size):
        batch.append(seal)
        if len(batch) >= chunk_size:
            found = check(batch)
            if found:
                return problems + [found]
            batch = []
    if batch:
        found = check(batch)
        if found:
            return problems + [found]
    head_problem = _check_head(CHANGE, expected_seq, expected_prev)
    if head_problem:
        problems.append(head_problem)
    return problems


def verify_all() -> list[Problem]:
    return verify_access_chain() + verify_change_chain()
