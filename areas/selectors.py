"""Address reads shared by the signal pages, the API and exports.

Every lookup is one indexed query: (postcode, number) for postcode queries, `street_key LIKE 'street number%'`
for street queries, `search_key LIKE 'prefix%'` / `street_key LIKE 'prefix%'` for suggestions (on PostgreSQL the
pattern-ops indexes of migration 0002 serve these). Candidate rows for one postcode + number or street + number
are few, so choosing between huisletter/toevoeging readings happens in Python on that small set.

Address matching lives here and only here: `address_search` resolves one text (the search page, the API, the signal
form), `address_resolve_many` resolves a list of texts the same way (the bulk check) and `address_candidates` gives
every address a text can mean (the auditors' "who looked at this address"); all three apply `_match_readings`.
"""
from dataclasses import dataclass, field

from django.db import connections, router
from django.db.models import Q
from django.utils.translation import gettext as _

from .models import Address, Buurt, Wijk
from .normalize import ParsedAddressQuery, compact_suffix, fold, parse_address_query

# Upper bound of rows read for one postcode + number or street + number (a large flat has a few hundred).
MAX_ROWS_PER_NUMBER = 1000
MAX_LIMIT = 50

KIND_EXACT = "exact"
KIND_CANDIDATES = "candidates"
KIND_NONE = "none"
KIND_INVALID = "invalid"


@dataclass
class AddressSearchResult:
    kind: str  # "exact" | "candidates" | "none" | "invalid"
    addresses: list = field(default_factory=list)
    normalized: str = ""
    message: str = ""

    @property
    def address(self):
        """The one address of an exact result, else None."""
        return self.addresses[0] if self.kind == KIND_EXACT and self.addresses else None


def accepted_forms_message() -> str:
    return _(
        "Zoek op postcode en huisnummer (bijvoorbeeld 5038 AB 12a of 5038AB-12-A) of op straat en huisnummer, "
        "eventueel met plaats (bijvoorbeeld Stationsstraat 12A Tilburg)."
    )


def _prefix(field_name: str, prefix: str) -> Q:
    """`field LIKE 'prefix%'` plus the equivalent range, so that PostgreSQL walks the plain btree index in order
    (ORDER BY ... LIMIT stops after a few rows) instead of filtering a scan of the whole table: with a LIMIT the
    planner otherwise prefers the ordered index and filters the LIKE, which took seconds on 3 million rows."""
    q = Q(**{f"{field_name}__startswith": prefix})
    # The upper bound increments the last letter or digit (carrying past z/Z/9 and separators), so it also
    # holds under linguistic collations, where punctuation such as "{" would sort before the letters.
    stem = prefix.rstrip("zZ9 -")
    if stem and (stem[-1].isascii() and stem[-1].isalnum()):
        upper = stem[:-1] + chr(ord(stem[-1]) + 1)
        q &= Q(**{f"{field_name}__gte": prefix, f"{field_name}__lt": upper})
    return q


def _base():
    return Address.objects.select_related("buurt__wijk")


def _clamp(limit) -> int:
    try:
        limit = int(limit)
    except (TypeError, ValueError):
        limit = 10
    return max(1, min(limit, MAX_LIMIT))


def _city_matches(address, city: str) -> bool:
    if not city:
        return True
    have = fold(address.city)
    return have.startswith(city) or city.startswith(have)


def _rows_for_number(reading: ParsedAddressQuery) -> list:
    """All addresses with this postcode + number, or this street + number (any city): one indexed query."""
    if reading.kind == "postcode":
        return address_rows_by_postcode_number(postcode=reading.postcode, number=reading.number)
    qs = _base().filter(_prefix("street_key", f"{reading.street} {reading.number}"), number=reading.number)
    return list(qs.order_by("city", "street", "number", "letter", "addition", "id")[:MAX_ROWS_PER_NUMBER])


# The two lookups every address search starts with, as plain SQL. Building and compiling the equivalent querysets
# (`_base().filter(postcode=..., number=...)` ordered as below, and `_base().filter(pk=...)`) cost more Python time
# than the database needs to answer them, and select_related also read and parsed the buurt and wijk geometry
# (GeoJSON), which nothing here uses. tests/areas/test_address_sql.py proves they give the same addresses, with the
# same buurt and wijk, as those querysets, on SQLite and on PostgreSQL.
ADDRESS_COLUMNS = ("id", "bag_id", "street", "number", "letter", "addition", "postcode", "city", "buurt_id", "lon",
                   "lat", "search_key", "street_key")
BUURT_COLUMNS = ("id", "code", "name", "wijk_id", "indeling_jaar")  # not geometry
WIJK_COLUMNS = ("id", "code", "name", "municipality_id")  # not geometry
_ADDRESS_SELECT = (
    "SELECT " + ", ".join(  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
        [f'"areas_address"."{c}"' for c in ADDRESS_COLUMNS] + [f'"areas_buurt"."{c}"' for c in BUURT_COLUMNS]
        + [f'"areas_wijk"."{c}"' for c in WIJK_COLUMNS]
    )
    + ' FROM "areas_address"'
    ' LEFT OUTER JOIN "areas_buurt" ON "areas_address"."buurt_id" = "areas_buurt"."id"'
    ' LEFT OUTER JOIN "areas_wijk" ON "areas_buurt"."wijk_id" = "areas_wijk"."id"'
)
ADDRESS_BY_POSTCODE_NUMBER_SQL = _ADDRESS_SELECT + (
    ' WHERE "areas_address"."postcode" = %s AND "areas_address"."number" = %s'
    ' ORDER BY "areas_address"."city", "areas_address"."street", "areas_address"."number", "areas_address"."letter",'
    ' "areas_address"."addition", "areas_address"."id"'
    " LIMIT %s"
)
ADDRESS_BY_ID_SQL = _ADDRESS_SELECT + ' WHERE "areas_address"."id" = %s'


def _addresses_from_sql(sql: str, params) -> list[Address]:
    """Address instances, each with its buurt and wijk loaded (as select_related gives them; geometry deferred)."""
    using = router.db_for_read(Address)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    buurt_at = len(ADDRESS_COLUMNS)
    wijk_at = buurt_at + len(BUURT_COLUMNS)
    addresses = []
    for row in rows:
        address = Address.from_db(using, ADDRESS_COLUMNS, row[:buurt_at])
        if row[buurt_at] is None:
            address.buurt = None
        else:
            buurt = Buurt.from_db(using, BUURT_COLUMNS, row[buurt_at:wijk_at])
            buurt.wijk = Wijk.from_db(using, WIJK_COLUMNS, row[wijk_at:])
            address.buurt = buurt
        addresses.append(address)
    return addresses


def address_rows_by_postcode_number(*, postcode: str, number: int) -> list[Address]:
    """All addresses with this postcode and house number, in address order (at most MAX_ROWS_PER_NUMBER)."""
    return _addresses_from_sql(ADDRESS_BY_POSTCODE_NUMBER_SQL, [postcode, number, MAX_ROWS_PER_NUMBER])


def _sorted(rows):
    return sorted(rows, key=lambda a: (a.city, a.street, a.number, a.letter, a.addition, a.pk))


def is_partial_query(q: str) -> bool:
    """True for the beginning of an address (a postcode without number, a street name being typed)."""
    readings = parse_address_query(q)
    return bool(readings) and (
        readings[0].kind in ("postcode_prefix", "street_prefix") or readings[0].number is None
    )


def address_search(*, q: str, limit: int = 10) -> AddressSearchResult:
    """Find the one address a user means, or the candidates to choose from, or say plainly that there is none."""
    limit = _clamp(limit)
    query = (q or "").strip()
    readings = parse_address_query(query)
    if not readings:
        return AddressSearchResult(
            kind=KIND_INVALID,
            normalized="",
            message=_("‘%(q)s’ herkennen we niet als adres.") % {"q": query[:80]} + " " + accepted_forms_message()
            if query
            else _("Vul een adres in.") + " " + accepted_forms_message(),
        )
    first = readings[0]
    if first.kind in ("postcode_prefix", "street_prefix") or (first.kind == "postcode" and first.number is None):
        addresses = address_suggest(q=query, limit=limit)
        if not addresses:
            return AddressSearchResult(
                kind=KIND_NONE,
                normalized=first.normalized,
                message=_("Geen adres gevonden voor ‘%(q)s’.") % {"q": first.normalized},
            )
        return AddressSearchResult(
            kind=KIND_CANDIDATES,
            addresses=addresses,
            normalized=first.normalized,
            message=_("Vul ook het huisnummer in, of kies een adres uit de lijst."),
        )

    return _match_readings(readings, limit=limit, rows_for=_rows_cache(_rows_for_number))


def _group(reading: ParsedAddressQuery) -> tuple:
    """The rows a reading is matched against: one postcode + number, or one street + number."""
    return (reading.kind, reading.postcode, reading.street, reading.number)


def _rows_cache(fetch):
    """rows_for(reading): the rows of the reading's group, fetched once per group."""
    cache: dict[tuple, list] = {}

    def rows_for(reading):
        group = _group(reading)
        if group not in cache:
            cache[group] = fetch(reading)
        return cache[group]

    rows_for.cache = cache
    return rows_for


def _match_readings(readings, *, limit: int, rows_for, choose_plain: bool = False) -> AddressSearchResult:
    """The one rule that decides what a text with a house number means: the first reading whose rows match gives
    the result; one match is exact when the suffix was given or the address has none, else candidates.

    choose_plain (lists, where nobody can choose): without a suffix, candidates on one postcode + number of which
    exactly one has neither huisletter nor toevoeging mean that one ("1311 AB 12" is 12 when 12A also exists).
    """
    number_exists = False
    for reading in readings:
        rows = [a for a in rows_for(reading) if _city_matches(a, reading.city)]
        if not rows:
            continue
        number_exists = True
        if reading.suffix:
            matches = [a for a in rows if compact_suffix(a.letter, a.addition) == reading.suffix]
        else:
            matches = rows
        if not matches:
            continue
        normalized = reading.normalized
        if len(matches) == 1 and (reading.suffix or not (matches[0].letter or matches[0].addition)):
            return AddressSearchResult(kind=KIND_EXACT, addresses=matches, normalized=normalized, message="")
        if choose_plain and not reading.suffix:
            plain = [a for a in matches if not (a.letter or a.addition)]
            if len(plain) == 1 and len({(a.postcode, a.city) for a in matches}) == 1:
                return AddressSearchResult(kind=KIND_EXACT, addresses=plain, normalized=normalized, message="")
        if reading.suffix:
            message = _("Meerdere adressen passen bij ‘%(q)s’. Kies het juiste adres.") % {"q": normalized}
        elif len(matches) == 1:
            message = _("‘%(q)s’ bestaat niet zonder huisletter of toevoeging. Bedoelt u dit adres?") % {
                "q": normalized
            }
        else:
            message = _(
                "Op ‘%(q)s’ zijn meerdere adressen (huisletters of toevoegingen). Kies het juiste adres."
            ) % {"q": normalized}
        return AddressSearchResult(
            kind=KIND_CANDIDATES, addresses=_sorted(matches)[:limit], normalized=normalized, message=message
        )

    normalized = readings[0].normalized
    if number_exists:
        message = _(
            "Adres ‘%(q)s’ niet gevonden. Op dit huisnummer bestaan wel andere huisletters of toevoegingen: "
            "zoek zonder toevoeging om ze te zien."
        ) % {"q": normalized}
    else:
        message = _("Adres ‘%(q)s’ niet gevonden. Controleer de postcode of straat en het huisnummer.") % {
            "q": normalized
        }
    return AddressSearchResult(kind=KIND_NONE, addresses=[], normalized=normalized, message=message)


def _is_partial(reading: ParsedAddressQuery) -> bool:
    return reading.kind in ("postcode_prefix", "street_prefix") or reading.number is None


# Postcode + number groups fetched per query by address_resolve_many.
RESOLVE_CHUNK = 250


def address_resolve_many(*, texts, limit: int = 10) -> list[AddressSearchResult]:
    """Resolve many texts at once (the bulk check): for each text what `address_search` answers for it, except that
    in a list, where nobody can choose, a plain house number means the address without huisletter or toevoeging
    when the search would offer it among candidates (see `_match_readings`, choose_plain). The postcode + number
    rows of up to RESOLVE_CHUNK texts come from one query (street texts from one query per street + number, shared
    between texts)."""
    limit = _clamp(limit)
    texts = list(texts)
    parsed = [parse_address_query((text or "").strip()) for text in texts]
    rows_for = _rows_cache(_rows_for_number)
    wanted = sorted({
        (reading.postcode, reading.number)
        for readings in parsed if readings and not _is_partial(readings[0])
        for reading in readings if reading.kind == "postcode"
    })
    for start in range(0, len(wanted), RESOLVE_CHUNK):
        part = wanted[start:start + RESOLVE_CHUNK]
        condition = Q()
        for postcode, number in part:
            condition |= Q(postcode=postcode, number=number)
        found: dict[tuple, list] = {("postcode", postcode, "", number): [] for postcode, number in part}
        for address in _base().filter(condition):
            found[("postcode", address.postcode, "", address.number)].append(address)
        for group, rows in found.items():
            rows_for.cache[group] = _sorted(rows)[:MAX_ROWS_PER_NUMBER]
    results = []
    for text, readings in zip(texts, parsed, strict=True):
        if not readings or _is_partial(readings[0]):
            results.append(address_search(q=text, limit=limit))
        else:
            results.append(_match_readings(readings, limit=limit, rows_for=rows_for, choose_plain=True))
    return results


def address_candidates(*, q: str, limit: int = MAX_LIMIT) -> list:
    """Every address a full address text can mean, by the rule of `address_search`: the exact address, or the
    candidates it offers to choose from; [] for a text without house number or that matches nothing. What the
    auditors' "who looked at this address" looks up."""
    readings = parse_address_query((q or "").strip())
    if not readings or _is_partial(readings[0]):
        return []
    found = address_search(q=q, limit=limit)
    return found.addresses if found.kind in (KIND_EXACT, KIND_CANDIDATES) else []


def address_suggest(*, q: str, limit: int = 10) -> list:
    """Suggestions while typing: by postcode prefix ("5038", "5038 AB 1") or street prefix ("stations", "kerkstraat 1")."""
    limit = _clamp(limit)
    readings = parse_address_query(q)
    if not readings:
        return []
    first = readings[0]
    if first.kind == "postcode_prefix":
        qs = _base().filter(_prefix("search_key", first.postcode))
        return list(qs.order_by("search_key", "id")[:limit])
    if first.kind == "postcode" and first.number is None:
        qs = _base().filter(postcode=first.postcode)
        return list(qs.order_by("number", "letter", "addition", "id")[:limit])
    if first.kind == "street_prefix":
        qs = _base().filter(_prefix("street_key", first.street))
        return list(qs.order_by("street_key", "id")[:limit])
    # A full number: the addresses on that number whose suffix and city start as typed, then numbers
    # that start with the typed digits ("kerkstraat 1" -> 1, 1A, 10, 12...).
    results, seen = [], set()
    for reading in readings:
        if reading.kind == "postcode":
            qs = _base().filter(_prefix("search_key", f"{reading.postcode} {reading.number}"))
            qs = qs.order_by("number", "letter", "addition", "id")
        else:
            qs = _base().filter(_prefix("street_key", f"{reading.street} {reading.number}"))
            qs = qs.order_by("street_key", "city", "id")
        for address in qs[: limit * 5]:
            if address.pk in seen:
                continue
            if address.number == reading.number and not compact_suffix(address.letter, address.addition).startswith(
                reading.suffix
            ):
                continue
            if address.number != reading.number and reading.suffix:
                continue
            if not _city_matches(address, reading.city):
                continue
            seen.add(address.pk)
            results.append(address)
            if len(results) >= limit:
                return results
        if results:
            return results
    return results


def address_get(*, address_id) -> Address | None:
    """One address by id, with its buurt and wijk (one query: every hit search starts here)."""
    try:
        address_id = int(address_id)
    except (TypeError, ValueError):
        return None
    if not -(2**63) <= address_id < 2**63:
        return None
    found = _addresses_from_sql(ADDRESS_BY_ID_SQL, [address_id])
    return found[0] if found else None
