"""The newest sealed segments, written where the database cannot rewrite them (as CloudTrail's digest files).

After each sealer run commits, one line per new segment is appended to a file per day in AUDIT_DIGEST_DIR
(`digests-YYYY-MM-DD.jsonl`, opened with O_APPEND and fsynced) and logged to the `audit.digest` logger, which
AUDIT_DIGEST_SYSLOG sends to a remote syslog. Each line carries an HMAC, so a line cannot be forged without the
chain key. In production put the directory on storage the database's administrators cannot write (another host, a
WORM share, `chattr +a`); `verify_audit` compares the database with the newest line per chain.
"""
import datetime as dt
import hmac
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger("audit.digest")
PREFIX = "digests-"


class DigestFileError(Exception):
    """The digest directory cannot be read or holds a line that was not written by the sealer."""


@dataclass(frozen=True)
class DigestEntry:
    chain: str
    seq: int
    digest: str
    count: int
    sealed_at: str


def _directory() -> Path:
    directory = getattr(settings, "AUDIT_DIGEST_DIR", "")
    if not directory:
        raise DigestFileError(_("AUDIT_DIGEST_DIR is niet ingesteld: afkappen of wissen van de audittrail is niet "
                                "aantoonbaar"))
    return Path(directory)


def _line_mac(chain, seq, digest, count, sealed_at) -> str:
    from .chain import mac

    return mac("digest-file", chain, int(seq), digest, int(count), sealed_at)


def digest_append(segments) -> None:
    """Append the new segments (audit.chain.Sealed) to today's digest file and the audit.digest log."""
    sealed_at = timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds")
    lines = []
    for segment in segments:
        entry = {"chain": segment.chain, "seq": segment.seq, "digest": segment.digest, "count": segment.count,
                 "sealed_at": sealed_at}
        entry["mac"] = _line_mac(**entry)
        lines.append(json.dumps(entry, separators=(",", ":")))
    for line in lines:
        logger.info("audit digest %s", line)
    directory = _directory()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{PREFIX}{timezone.now().astimezone(dt.UTC):%Y-%m-%d}.jsonl"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, ("\n".join(lines) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def _parse(path: Path, number: int, text: str) -> DigestEntry:
    where = _("%(file)s regel %(line)s") % {"file": path.name, "line": number}
    try:
        data = json.loads(text)
        entry = DigestEntry(chain=str(data["chain"]), seq=int(data["seq"]), digest=str(data["digest"]),
                            count=int(data["count"]), sealed_at=str(data["sealed_at"]))
        line_mac = str(data["mac"])
    except (ValueError, KeyError, TypeError):
        raise DigestFileError(_("%(where)s is onleesbaar: het digestbestand is beschadigd of bewerkt")
                              % {"where": where})
    expected = _line_mac(entry.chain, entry.seq, entry.digest, entry.count, entry.sealed_at)
    if not hmac.compare_digest(expected, line_mac):
        raise DigestFileError(_("%(where)s is niet door de verzegelaar geschreven (vervalst of met een andere "
                                "sleutel)") % {"where": where})
    return entry


def digest_latest() -> dict:
    """{chain: the DigestEntry with the highest segment number} over all digest files ({} when there are none)."""
    directory = _directory()
    if not directory.exists():
        return {}
    latest = {}
    for path in sorted(directory.glob(f"{PREFIX}*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for number, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                entry = _parse(path, number, text)
                if entry.chain not in latest or entry.seq > latest[entry.chain].seq:
                    latest[entry.chain] = entry
    return latest
