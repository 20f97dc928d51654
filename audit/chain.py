"""Tamper evidence without a platform-wide lock: events are inserted as they happen, one sealer chains them later.

Two chains: "access" (audit.AccessEvent) and "change" (auditlog's LogEntry).

Writing (audit.services, in the request's own transaction, no lock): an access event is inserted with
`row_hash = HMAC(key, canonical content)`, so an edited row no longer matches its own hash. On PostgreSQL the
database stamps every audit row with the id of the transaction that inserted it (`xact`, column default
`pg_current_xact_id()`; on auditlog's table the extra column `vp_xact`).

Sealing (`seal_all`, a Celery beat task every few seconds and on demand before `verify_audit`): one sealer at a time
(a try-lock that only sealers take) closes a *segment* per chain: every row whose key lies in [key_from, key_to),
where key_from is where the previous segment ended. The key is the inserting transaction id on PostgreSQL and the
row id on SQLite. key_to is chosen so that no row can ever still appear below it:
- PostgreSQL: the oldest transaction of this database that is still running (or the next transaction id to be
  handed out when none runs). Every transaction below it has ended, so its rows are all visible now, and a
  transaction that commits later has a higher id: rows are sealed once, completely, whatever order commits come in.
- SQLite: there is one writer at a time and the sealer holds the write lock, so max(id) + 1.
A segment stores the number of rows, the first and last id, and `digest = HMAC(key, chain, seq, previous digest,
key range, count, SHA-256 over "id:row hash" of its rows in id order)`: deleting, inserting or changing a sealed row
changes the digest; deleting a whole segment leaves a gap in `seq`; cutting off the newest segments is caught by the
digest file below.

Outside the database (audit.digests): after each segment commits, (chain, seq, digest) is appended to an
append-only digest file (AUDIT_DIGEST_DIR) and logged to the `audit.digest` logger (route it to a remote syslog), as
CloudTrail's digest files do. `verify_audit` checks the database against it, so wiping, truncating or rolling the
log back to older values is detected even by someone who can rewrite every table.

Retention (audit.retention) removes whole segments older than the retention period and leaves a MAC-protected
checkpoint, so the rest stays verifiable. The key is AUDIT_CHAIN_KEY (default: derived from SECRET_KEY).
"""
import bisect
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ACCESS = "access"
CHANGE = "change"
CHAINS = (ACCESS, CHANGE)
# Only sealers (and retention) take this lock; requests never do. An arbitrary constant: "vp-seal".
SEALER_LOCK_KEY = 0x76702D7365616C
# Rows per query when sealing and verifying (a segment is what was written between two sealer runs, read in chunks).
CHUNK = 5000

ACCESS_FIELDS = (
    "occurred_at", "actor_id", "actor_username", "actor_department", "role", "authorisation_id", "action", "outcome",
    "object_type", "object_id", "object_label", "query", "purpose", "result_count", "ip_address", "user_agent",
    "request_id", "path",
)
LOGENTRY_FIELDS = (
    "id", "content_type_id", "object_pk", "object_id", "object_repr", "action", "changes_text", "changes", "actor_id",
    "actor_email", "cid", "remote_addr", "remote_port", "timestamp", "additional_data", "serialized_data",
)
LOGENTRY_TABLE = "auditlog_logentry"
LOGENTRY_XACT = "vp_xact"  # added to auditlog's table by audit migration 0005 (PostgreSQL only)


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


def access_event_hash(values: dict) -> str:
    """The row hash of one access event: an HMAC over its canonical content (values: a dict with ACCESS_FIELDS)."""
    return mac(ACCESS, [[name, _norm(name, values.get(name))] for name in ACCESS_FIELDS])


def log_entry_hash(values: dict) -> str:
    """The hash of one auditlog LogEntry as the database stored it (computed by the sealer and the verifier)."""
    return mac(CHANGE, [[name, _norm(name, values.get(name))] for name in LOGENTRY_FIELDS])


def segment_digest(*, chain, seq, prev_digest, key_from, key_to, count, first_id, last_id, rows_digest) -> str:
    return mac("segment", chain, int(seq), prev_digest or "", int(key_from), int(key_to), int(count),
               first_id, last_id, rows_digest)


def checkpoint_mac(chain, first_seq, anchor_hash, key_from, cutoff) -> str:
    return mac("checkpoint", chain, int(first_seq), anchor_hash or "", int(key_from), _norm("cutoff", cutoff))


class _RowsDigest:
    def __init__(self):
        self._sha = hashlib.sha256()
        self.count = 0
        self.first_id = None
        self.last_id = None

    def add(self, row_id, row_hash):
        self._sha.update(f"{row_id}:{row_hash}\n".encode())
        self.count += 1
        if self.first_id is None:
            self.first_id = row_id
        self.last_id = row_id

    def hexdigest(self):
        return self._sha.hexdigest()


# ---------------------------------------------------------------------------------------------------------------
# Which rows a key range holds (per chain and database)
# ---------------------------------------------------------------------------------------------------------------


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _table_and_key(chain):
    from .models import AccessEvent

    # Plain lower-case identifiers on every backend: no quoting needed.
    if chain == ACCESS:
        return AccessEvent._meta.db_table, "xact" if _pg() else "id"
    return LOGENTRY_TABLE, LOGENTRY_XACT if _pg() else "id"


def _ids_in_range(chain, key_from, key_to, after_id=None, limit=CHUNK):
    """Row ids of a chain with key in [key_from, key_to), in id order (a chunk after `after_id`)."""
    return [row_id for row_id, _key in _ids_and_keys_in_range(chain, key_from, key_to, after_id, limit)]


def _ids_and_keys_in_range(chain, key_from, key_to, after_id=None, limit=CHUNK):
    """(id, key) of the rows with key in [key_from, key_to), in id order (a chunk after `after_id`)."""
    table, key = _table_and_key(chain)
    sql = f"SELECT id, {key} FROM {table} WHERE {key} >= %s AND {key} < %s"  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
    params = [key_from, key_to]
    if after_id is not None:
        sql += " AND id > %s"
        params.append(after_id)
    sql += " ORDER BY id LIMIT %s"
    params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(row[0], row[1]) for row in cursor.fetchall()]


def _count_where(chain, condition, params):
    table, key = _table_and_key(chain)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), min(id) FROM {table} WHERE {condition.format(key=key)}", params)  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
        return cursor.fetchone()


def _hashes(chain, ids):
    """[(id, row hash, stored row hash or None)] for the given ids, in id order. The stored hash exists for access
    events (written at insert); for change records the hash is computed from what the database holds."""
    from auditlog.models import LogEntry

    from .models import AccessEvent

    if chain == ACCESS:
        rows = AccessEvent.objects.filter(pk__in=ids).order_by("pk").values("id", "row_hash", *ACCESS_FIELDS)
        return [(row["id"], row["row_hash"], access_event_hash(row)) for row in rows]
    rows = LogEntry.objects.filter(pk__in=ids).order_by("pk").values(*LOGENTRY_FIELDS)
    result = []
    for row in rows:
        computed = log_entry_hash(row)
        result.append((row["id"], computed, computed))
    return result


def _iter_range(chain, key_from, key_to):
    """Yield (id, row hash used in the digest, hash the content has now) for every row in the key range."""
    after = None
    while True:
        ids = _ids_in_range(chain, key_from, key_to, after_id=after)
        if not ids:
            return
        yield from _hashes(chain, ids)
        after = ids[-1]


# ---------------------------------------------------------------------------------------------------------------
# Sealing
# ---------------------------------------------------------------------------------------------------------------


def lock_sealer(wait: bool = True) -> bool:
    """Only one sealer at a time (per database). Requests never take this lock."""
    if _pg():
        with connection.cursor() as cursor:
            if wait:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEALER_LOCK_KEY])
                return True
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEALER_LOCK_KEY])
            return bool(cursor.fetchone()[0])
    # SQLite: transactions begin IMMEDIATE (settings), so the sealer already holds the database's one write lock.
    return True


def _safe_key_to(chain) -> int:
    """The end of the next segment: no row with a lower key can still appear (see the module docstring)."""
    table, key = _table_and_key(chain)
    with connection.cursor() as cursor:
        if not _pg():
            cursor.execute(f"SELECT coalesce(max({key}), 0) + 1 FROM {table}")  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
            return int(cursor.fetchone()[0])
        # First the next transaction id to be handed out, then the transactions of this database still running:
        # one that starts in between gets an id above xmax. pg_stat_clear_snapshot: read the activity afresh, not a
        # copy from earlier in this transaction. Our own transaction counts as running too: rows it wrote could be
        # followed by more under the same id after the segment is closed.
        cursor.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint, "
                       "pg_current_xact_id_if_assigned()::text::bigint")
        xmax, own = cursor.fetchone()
        xmax = int(xmax)
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT backend_xid::text::bigint FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        )
        running = [int(row[0]) for row in cursor.fetchall()]
    epoch = xmax >> 32
    oldest = min(xmax, int(own)) if own is not None else xmax
    for xid32 in running:
        full = (epoch << 32) | xid32
        if full > xmax:  # handed out before the epoch wrapped
            full -= 1 << 32
        oldest = min(oldest, full)
    return oldest


@dataclass
class Sealed:
    chain: str
    seq: int
    count: int
    digest: str


def _seal_chain(chain) -> Sealed | None:
    from .models import ChainSegment

    last = ChainSegment.objects.filter(chain=chain).order_by("-seq").first()
    key_from = last.key_to if last else 0
    key_to = _safe_key_to(chain)
    if key_to <= key_from:
        return None
    rows = _RowsDigest()
    for row_id, row_hash, _now in _iter_range(chain, key_from, key_to):
        rows.add(row_id, row_hash)
    if rows.count == 0:
        return None  # nothing new: the next segment simply starts at the same place
    seq = (last.seq + 1) if last else 1
    prev = last.digest if last else ""
    digest = segment_digest(chain=chain, seq=seq, prev_digest=prev, key_from=key_from, key_to=key_to,
                            count=rows.count, first_id=rows.first_id, last_id=rows.last_id,
                            rows_digest=rows.hexdigest())
    ChainSegment(chain=chain, seq=seq, key_from=key_from, key_to=key_to, count=rows.count, first_id=rows.first_id,
                 last_id=rows.last_id, prev_digest=prev, digest=digest).save()
    return Sealed(chain=chain, seq=seq, count=rows.count, digest=digest)


def seal_all(*, wait: bool = False) -> list[Sealed]:
    """Seal what both chains gained since the last run; returns the new segments ([] when another sealer runs).

    Runs in its own transaction; the digest file is written after it commits (a rolled-back segment never reaches
    the file). `wait=True` (verify_audit) waits for a running sealer instead of skipping.
    """
    from .digests import digest_append

    if connection.in_atomic_block:
        # A segment must commit before its digest is written outside the database, and a sealer inside someone
        # else's transaction would hold the sealer lock for as long as that runs.
        raise RuntimeError("seal_all runs in a transaction of its own, not inside transaction.atomic()")
    sealed = []
    with transaction.atomic():
        if not lock_sealer(wait):
            return []
        for chain in CHAINS:
            segment = _seal_chain(chain)
            if segment is not None:
                sealed.append(segment)
        if sealed:
            transaction.on_commit(lambda: digest_append(sealed))
    return sealed


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


@dataclass
class Report:
    """What verification found for one chain: problems (tampering) and the facts an auditor wants to see."""

    chain: str
    problems: list
    segments: int = 0
    sealed_rows: int = 0
    last_seq: int = 0
    unsealed: int = 0
    external_seq: int | None = None


_RECORD = {ACCESS: gettext_lazy("toegangsgebeurtenis"), CHANGE: gettext_lazy("wijzigingsrecord")}


@dataclass
class Start:
    """Where verification of a chain starts: segment `seq`, whose prev digest is `anchor`, at key `key_from`."""

    seq: int = 1
    anchor: str = ""
    key_from: int = 0


def chain_start(chain) -> tuple[Start, "Problem | None"]:
    """From the newest retention checkpoint (or the very beginning when retention never ran)."""
    from .models import ChainCheckpoint

    checkpoint = ChainCheckpoint.objects.filter(chain=chain).order_by("-first_seq", "-id").first()
    if checkpoint is None:
        return Start(), None
    expected = checkpoint_mac(chain, checkpoint.first_seq, checkpoint.anchor_hash, checkpoint.key_from,
                              checkpoint.cutoff)
    if not hmac.compare_digest(checkpoint.mac, expected):
        return Start(), Problem(chain, _("controlepunt #%(id)s") % {"id": checkpoint.pk},
                                _("het controlepunt is gewijzigd of vervalst"))
    return Start(seq=checkpoint.first_seq, anchor=checkpoint.anchor_hash, key_from=checkpoint.key_from), None


def delete_range(chain, key_from, key_to) -> int:
    """Retention only (audit.retention): delete the rows of whole sealed segments. On PostgreSQL the append-only
    trigger lets this through only for rows older than the legal minimum retention."""
    table, key = _table_and_key(chain)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {key} >= %s AND {key} < %s", [key_from, key_to])  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
        return cursor.rowcount


def _segment_problem(chain, segment, rows: _RowsDigest) -> Problem | None:
    """Compare a segment with the rows the database holds for it now."""
    digest = segment_digest(chain=chain, seq=segment.seq, prev_digest=segment.prev_digest,
                            key_from=segment.key_from, key_to=segment.key_to, count=rows.count,
                            first_id=rows.first_id, last_id=rows.last_id, rows_digest=rows.hexdigest())
    if hmac.compare_digest(digest, segment.digest):
        return None
    record = _("segment %(seq)s (records #%(first)s t/m #%(last)s)") % {
        "seq": segment.seq, "first": segment.first_id, "last": segment.last_id}
    if rows.count < segment.count:
        return Problem(chain, record, _("%(n)s verzegelde record(s) ontbreken (verwijderd)")
                       % {"n": segment.count - rows.count})
    if rows.count > segment.count:
        return Problem(chain, record,
                       _("%(n)s record(s) na het verzegelen toegevoegd (buiten de applicatie)")
                       % {"n": rows.count - segment.count})
    return Problem(chain, record,
                   _("de verzegeling klopt niet: records gewijzigd, vervangen of het segment is vervalst"))


def _verify_group(chain, group) -> Problem | None:
    """Verify consecutive segments together: their rows are read in a few large chunks (not a query per segment) and
    assigned to their segment by key; within a segment they arrive in id order, as they were sealed."""
    starts = [segment.key_from for segment in group]
    digests = [_RowsDigest() for _segment in group]
    after = None
    while True:
        rows = _ids_and_keys_in_range(chain, group[0].key_from, group[-1].key_to, after_id=after)
        if not rows:
            break
        hashes = {row_id: (row_hash, now) for row_id, row_hash, now in _hashes(chain, [r[0] for r in rows])}
        for row_id, key in rows:
            index = bisect.bisect_right(starts, key) - 1
            if row_id not in hashes:
                continue  # deleted between the two queries: the segment's digest says so below
            row_hash, content_hash = hashes[row_id]
            if not hmac.compare_digest(row_hash or "", content_hash):
                return Problem(chain, f"{_RECORD[chain]} #{row_id} (segment {group[index].seq})",
                               _("de inhoud is gewijzigd of het record is vervalst"))
            digests[index].add(row_id, row_hash)
        after = rows[-1][0]
    for segment, rows in zip(group, digests, strict=True):
        problem = _segment_problem(chain, segment, rows)
        if problem:
            return problem
    return None


GROUP_ROWS = 20_000  # rows per group of segments read together when verifying


def verify_chain(chain, *, external=None) -> Report:
    """Verify one chain: every segment from the retention checkpoint on, what lies outside them, and the newest
    segment against the external digest (`external`: {chain: DigestEntry} from audit.digests, None = not read)."""
    from .models import ChainSegment

    report = Report(chain=chain, problems=[])
    start, problem = chain_start(chain)
    if problem:
        report.problems.append(problem)
        return report
    first_seq, expected_prev = start.seq, start.anchor
    segments = ChainSegment.objects.filter(chain=chain, seq__gte=first_seq).order_by("seq")
    expected_seq = first_seq
    start_key = None
    last = None
    group, group_rows = [], 0
    for segment in segments.iterator(chunk_size=500):
        if segment.seq != expected_seq:
            report.problems.append(Problem(
                chain, f"segment {segment.seq}",
                _("segment(en) %(first)s t/m %(last)s ontbreken (verwijderd)")
                % {"first": expected_seq, "last": segment.seq - 1},
            ))
            return report
        if start_key is None:
            start_key = segment.key_from
            if start.key_from and segment.key_from != start.key_from:
                report.problems.append(Problem(chain, f"segment {segment.seq}", _("sluit niet aan op het controlepunt")))
                return report
        elif segment.key_from != last.key_to:
            report.problems.append(Problem(chain, f"segment {segment.seq}", _("sluit niet aan op het vorige segment")))
            return report
        if segment.prev_digest != expected_prev:
            report.problems.append(Problem(chain, f"segment {segment.seq}",
                                           _("de schakel naar het vorige segment klopt niet (vervangen of vervalst)")))
            return report
        group.append(segment)
        group_rows += segment.count
        if group_rows >= GROUP_ROWS or len(group) >= 1000:
            found = _verify_group(chain, group)
            if found:
                report.problems.append(found)
                return report
            group, group_rows = [], 0
        report.segments += 1
        report.sealed_rows += segment.count
        expected_prev = segment.digest
        expected_seq += 1
        last = segment
    if group:
        found = _verify_group(chain, group)
        if found:
            report.problems.append(found)
            return report
    report.last_seq = last.seq if last else first_seq - 1

    # Rows outside every segment: below the first one (retired by retention, or slipped in), or the unsealed tail.
    if start_key is None:
        start_key = start.key_from
    count, first = _count_where(chain, "{key} < %s", [start_key])
    if count:
        report.problems.append(Problem(chain, f"{_RECORD[chain]} #{first}",
                                       _("%(n)s record(s) vóór het eerste verzegelde segment (buiten de keten)")
                                       % {"n": count}))
    tail_from = last.key_to if last else start_key
    if _pg():
        count, first = _count_where(chain, "{key} IS NULL", [])
        if count:
            report.problems.append(Problem(chain, f"{_RECORD[chain]} #{first}",
                                           _("%(n)s record(s) zonder transactienummer: buiten de applicatie "
                                             "ingevoegd") % {"n": count}))
    report.unsealed = _count_where(chain, "{key} >= %s", [tail_from])[0]
    if chain == ACCESS and report.unsealed:  # not chained yet, but each row already carries its own hash
        for row_id, row_hash, content_hash in _iter_range(chain, tail_from, 2**63 - 1):
            if not hmac.compare_digest(row_hash or "", content_hash):
                report.problems.append(Problem(chain, f"{_RECORD[chain]} #{row_id} (" + _("nog niet verzegeld") + ")",
                                               _("de inhoud is gewijzigd of het record is vervalst")))
                break
    if last is None and chain == ACCESS and report.unsealed == 0 and first_seq == 1:
        report.problems.append(Problem(
            chain, _("audittrail"), _("bevat geen enkele toegangsgebeurtenis: zo ziet een gewiste audittrail eruit"),
        ))

    if external is not None:
        entry = external.get(chain)
        if entry is not None:
            report.external_seq = entry.seq
            db_segment = ChainSegment.objects.filter(chain=chain, seq=entry.seq).first()
            if db_segment is None and entry.seq >= first_seq:
                report.problems.append(Problem(
                    chain, f"segment {entry.seq}",
                    _("staat in het externe digestbestand, maar ontbreekt in de database: de audittrail is afgekapt, "
                      "gewist of teruggezet (database tot segment %(seq)s)") % {"seq": report.last_seq},
                ))
            elif db_segment is not None and not hmac.compare_digest(db_segment.digest, entry.digest):
                report.problems.append(Problem(
                    chain, f"segment {entry.seq}",
                    _("wijkt af van het externe digestbestand: de audittrail is vervangen of teruggezet"),
                ))
        elif last is not None:
            report.problems.append(Problem(
                chain, _("extern digestbestand"),
                _("bevat deze keten niet, terwijl de database verzegelde segmenten heeft: het bestand is gewist of "
                  "hoort bij een andere installatie"),
            ))
    return report


def verify_all(*, seal: bool = True, external: bool = True) -> list[Report]:
    """Seal what is ready (unless seal=False), then verify both chains against the database and the digest file."""
    from .digests import DigestFileError, digest_latest

    if seal and not connection.in_atomic_block:  # (inside a transaction: verify what is sealed, seal nothing)
        seal_all(wait=True)
    problems = []
    latest = None
    if external:
        try:
            latest = digest_latest()
        except DigestFileError as exc:
            problems.append(Problem("digest", _("extern digestbestand"), str(exc)))
            latest = {}
    reports = [verify_chain(chain, external=latest) for chain in CHAINS]
    if problems:
        reports[0].problems[:0] = problems
    return reports


def problems_of(reports) -> list[Problem]:
    return [problem for report in reports for problem in report.problems]


@dataclass
class Status:
    """For the auditors' integrity page: the newest segment of a chain and what is not sealed yet."""

    chain: str
    last_seq: int
    sealed_at: dt.datetime | None
    sealed_rows: int
    unsealed: int


def chain_status() -> list[Status]:
    from django.db.models import Sum

    from .models import ChainSegment

    result = []
    for chain in CHAINS:
        last = ChainSegment.objects.filter(chain=chain).order_by("-seq").first()
        start, _problem = chain_start(chain)
        sealed = ChainSegment.objects.filter(chain=chain, seq__gte=start.seq).aggregate(n=Sum("count"))["n"] or 0
        tail_from = last.key_to if last else start.key_from
        result.append(Status(chain=chain, last_seq=last.seq if last else 0, sealed_at=last.sealed_at if last else None,
                             sealed_rows=sealed, unsealed=_count_where(chain, "{key} >= %s", [tail_from])[0]))
    return result


def unsealed_since():
    """When the oldest access event not yet sealed happened (None when everything is sealed): how far the sealer is
    behind, for /healthz and the operators."""
    from .models import ChainSegment

    last = ChainSegment.objects.filter(chain=ACCESS).order_by("-seq").first()
    start, _problem = chain_start(ACCESS)
    table, key = _table_and_key(ACCESS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(occurred_at) FROM {table} WHERE {key} >= %s",  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
                       [last.key_to if last else start.key_from])
        oldest = cursor.fetchone()[0]
    if isinstance(oldest, str):  # SQLite hands the raw text back for an aggregate
        oldest = dt.datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    return oldest
