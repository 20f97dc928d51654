"""Writing the reference geography: municipalities, wijken, buurten with their boundary per indeling year, population,
kerncijfers (AreaIndicator) and BAG addresses. The one way ingest and the demo store them.

Every writer is set-based and returns `AreaLoadCounts` (inserted / updated / unchanged, counted per row given):
- geography (`geography_load`): small volumes (at most ~18,000 features for the whole country), compared per chunk
  in Python against the stored rows and written with `bulk_create(update_conflicts=True)`, so a feature counts once
  even though it touches a buurt, its boundary and its population;
- population, indicators and addresses (`population_load`, `indicators_load`, `addresses_load`): rows go into a
  temporary staging table (COPY on PostgreSQL), then one UPDATE of the rows whose values differ and one INSERT of the
  new ones, as dashboards/services/facts.py does for incidents.

Boundary years: `Buurt.code` stays unique, so every foreign key (addresses, incidents, counts) keeps pointing at one
buurt. `Buurt.geometry` / `Buurt.indeling_jaar` / `Buurt.name` are those of the newest indeling loaded; every
indeling's geometry is kept in `BuurtBoundary(buurt, year)` (and `WijkBoundary(wijk, year)`), so loading an older
indeling after a newer one adds its boundaries without touching the current buurt, and data of an earlier year can
be placed on the buurten of its own year (ingest.geo.BuurtLocator.for_year). Nothing is deleted: a buurt that
vanished in a newer indeling keeps its older indeling_jaar and drops out of the current map.

Call these inside the caller's transaction (an import run lands whole or not at all); nothing here commits.
"""
import json
from dataclasses import dataclass

from django.db import connection, transaction

from core import datacache
from core.staging import Stage
from core.staging import quote as _q

from .models import Address, AreaIndicator, Buurt, BuurtBoundary, Municipality, Population, Wijk, WijkBoundary
from .normalize import address_search_key, street_search_key

CHUNK = 500  # geography features compared and written per chunk


@dataclass(frozen=True)
class AreaLoadCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0  # rows skipped because an earlier row of the same load had the same key
    rekeyed: int = 0  # addresses loaded earlier without nummeraanduiding that now got theirs (addresses_load)

    def __add__(self, other):
        return AreaLoadCounts(self.inserted + other.inserted, self.updated + other.updated,
                              self.unchanged + other.unchanged, self.duplicates + other.duplicates,
                              self.rekeyed + other.rekeyed)


@dataclass
class AreaFeature:
    """One feature of a CBS wijk- en buurtkaart, normalised (ingest.formats.cbs_gebieden makes them).

    level: "buurt", "wijk" or "gemeente"; geometry: GeoJSON dict in WGS84 or None; year: the indeling year;
    population_year None when the file has no inhabitants figure (then Population is not touched), inhabitants
    None when the figure is secret or unknown."""

    level: str
    code: str
    name: str = ""
    wijk_code: str = ""
    wijk_name: str = ""
    municipality_code: str = ""
    municipality_name: str = ""
    geometry: dict | None = None
    year: int | None = None
    inhabitants: int | None = None
    population_year: int | None = None


# -- geography ----------------------------------------------------------------------------------------------------


@transaction.atomic
@datacache.changes(datacache.FIGURES)
@datacache.changes(datacache.CATALOGUE)  # municipalities are in the figure filter's catalogue
def geography_load(*, features) -> AreaLoadCounts:
    """Store buurt, wijk and municipality features (an iterable of AreaFeature, streamed in chunks)."""
    counts = AreaLoadCounts()
    chunk = []
    for feature in features:
        chunk.append(feature)
        if len(chunk) >= CHUNK:
            counts += _geography_chunk(chunk)
            chunk = []
    if chunk:
        counts += _geography_chunk(chunk)
    return counts


def _geography_chunk(features) -> AreaLoadCounts:
    seen, unique, duplicates = set(), [], 0
    for feature in features:
        key = (feature.level, feature.code, feature.year)
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        unique.append(feature)
    municipalities = _municipalities_ensure(unique)
    wijken = _wijken_ensure(unique, municipalities)
    status = {}
    status.update(_wijk_features_store([f for f in unique if f.level == "wijk"], wijken))
    status.update(_buurt_features_store([f for f in unique if f.level == "buurt"], wijken))
    for feature in unique:
        if feature.level == "gemeente":
            status[("gemeente", feature.code)] = municipalities.pop(("new", feature.code), "unchanged")
    values = list(status.values())
    return AreaLoadCounts(values.count("inserted"), values.count("updated"), values.count("unchanged"), duplicates)


def _municipalities_ensure(features) -> dict:
    """code -> id for every municipality the features name; missing ones are created, names brought up to date."""
    wanted = {}
    for feature in features:
        code = feature.municipality_code if feature.level != "gemeente" else feature.code
        name = feature.municipality_name if feature.level != "gemeente" else feature.name
        if code and (name or code not in wanted):
            wanted[code] = name
    existing = {m.code: m for m in Municipality.objects.filter(code__in=wanted)}
    result = {}
    changed = []
    for code, name in wanted.items():
        municipality = existing.get(code)
        if municipality is None:
            continue
        result[code] = municipality.pk
        if name and municipality.name != name:
            municipality.name = name
            changed.append(municipality)
            result[("new", code)] = "updated"
    if changed:
        Municipality.objects.bulk_update(changed, ["name"])
    new = [Municipality(code=code, name=name or code) for code, name in wanted.items() if code not in existing]
    if new:
        Municipality.objects.bulk_create(new)
        for municipality in Municipality.objects.filter(code__in=[m.code for m in new]):
            result[municipality.code] = municipality.pk
            result[("new", municipality.code)] = "inserted"
    return result


def _wijken_ensure(features, municipalities) -> dict:
    """code -> (id, name) for every wijk the features name; missing wijken are created with their name, else the
    code (a later wijken file names them); a wijknaam in the file renames an existing wijk."""
    wanted = {}
    for feature in features:
        if feature.level == "wijk":
            code, name = feature.code, feature.name
        elif feature.level == "buurt":
            code, name = feature.wijk_code, feature.wijk_name
        else:
            continue
        if name or code not in wanted:
            wanted[code] = (name, feature.municipality_code)
    existing = {w.code: w for w in Wijk.objects.filter(code__in=wanted).defer("geometry")}
    renamed = []
    for code, (name, _municipality) in wanted.items():
        wijk = existing.get(code)
        if wijk is not None and name and wijk.name != name:
            wijk.name = name
            renamed.append(wijk)
    if renamed:
        Wijk.objects.bulk_update(renamed, ["name"])
    new = [
        Wijk(code=code, name=name or code, municipality_id=municipalities[municipality])
        for code, (name, municipality) in wanted.items() if code not in existing
    ]
    if new:
        Wijk.objects.bulk_create(new)
    return {
        w.code: w.pk for w in Wijk.objects.filter(code__in=wanted).only("pk", "code")
    } | {("renamed", w.code): True for w in renamed} | {("new", w.code): True for w in new}


def _same_geometry(stored, given) -> bool:
    return stored == given


def _wijk_features_store(features, wijken) -> dict:
    if not features:
        return {}
    ids = [wijken[f.code] for f in features]
    boundaries = {
        (b.wijk_id, b.year): b for b in WijkBoundary.objects.filter(wijk_id__in=ids)
    }
    newest = {}
    for (wijk_id, year) in boundaries:
        newest[wijk_id] = max(year, newest.get(wijk_id, year))
    status, write_boundaries, current = {}, [], []
    for feature in features:
        wijk_id = wijken[feature.code]
        if feature.geometry is None:
            state = "updated" if ("renamed", feature.code) in wijken else "unchanged"
        else:
            stored = boundaries.get((wijk_id, feature.year))
            if stored is None:
                state = "inserted"
            elif not _same_geometry(stored.geometry, feature.geometry):
                state = "updated"
            else:
                state = "updated" if ("renamed", feature.code) in wijken else "unchanged"
            if stored is None or state == "updated":
                write_boundaries.append(WijkBoundary(wijk_id=wijk_id, year=feature.year, geometry=feature.geometry))
            if feature.year >= newest.get(wijk_id, feature.year):
                current.append(Wijk(pk=wijk_id, geometry=feature.geometry))
        if ("new", feature.code) in wijken:
            state = "inserted"
        status[("wijk", feature.code)] = state
    if write_boundaries:
        WijkBoundary.objects.bulk_create(
            write_boundaries, update_conflicts=True, unique_fields=["wijk", "year"], update_fields=["geometry"]
        )
    if current:
        Wijk.objects.bulk_update(current, ["geometry"])
    return status


def _buurt_features_store(features, wijken) -> dict:
    if not features:
        return {}
    codes = [f.code for f in features]
    existing = {
        row["code"]: row
        for row in Buurt.objects.filter(code__in=codes).values("pk", "code", "name", "wijk_id", "indeling_jaar")
    }
    boundaries = {
        (b.buurt_id, b.year): b.geometry
        for b in BuurtBoundary.objects.filter(buurt_id__in=[row["pk"] for row in existing.values()])
    }
    population = {
        (p.buurt_id, p.year): p.inhabitants
        for p in Population.objects.filter(buurt_id__in=[row["pk"] for row in existing.values()])
    }
    status, current = {}, []
    for feature in features:
        row = existing.get(feature.code)
        wijk_id = wijken[feature.wijk_code]
        if row is None:
            status[("buurt", feature.code)] = "inserted"
            current.append(feature)
            continue
        newest = row["indeling_jaar"] is None or feature.year >= row["indeling_jaar"]
        if newest:
            current.append(feature)
        changes = False
        stored = boundaries.get((row["pk"], feature.year), None)
        if feature.geometry is not None:
            if (row["pk"], feature.year) not in boundaries:
                status[("buurt", feature.code)] = "inserted"  # this indeling is new for the buurt
                continue
            changes = not _same_geometry(stored, feature.geometry)
        if newest and (row["name"] != feature.name or row["wijk_id"] != wijk_id or row["indeling_jaar"] != feature.year):
            changes = True
        if feature.population_year is not None and (
            population.get((row["pk"], feature.population_year), "missing") != feature.inhabitants
        ):
            changes = True
        status[("buurt", feature.code)] = "updated" if changes else "unchanged"

    # write only what is new or changed (a re-delivery of the same file writes nothing)
    changed = {f.code for f in features if status[("buurt", f.code)] != "unchanged"}
    current = [f for f in current if f.code in changed]
    features = [f for f in features if f.code in changed]
    if current:
        Buurt.objects.bulk_create(
            [
                Buurt(code=f.code, name=f.name or f.code, wijk_id=wijken[f.wijk_code], indeling_jaar=f.year,
                      geometry=f.geometry if f.geometry is not None else _stored_geometry(existing, boundaries, f))
                for f in current
            ],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "wijk", "indeling_jaar", "geometry"],
        )
    ids = dict(Buurt.objects.filter(code__in=[f.code for f in features]).values_list("code", "pk"))
    shaped = [f for f in features if f.geometry is not None]
    if shaped:
        BuurtBoundary.objects.bulk_create(
            [BuurtBoundary(buurt_id=ids[f.code], year=f.year, geometry=f.geometry) for f in shaped],
            update_conflicts=True,
            unique_fields=["buurt", "year"],
            update_fields=["geometry"],
        )
    counted = [f for f in features if f.population_year is not None]
    if counted:
        Population.objects.bulk_create(
            [Population(buurt_id=ids[f.code], year=f.population_year, inhabitants=f.inhabitants) for f in counted],
            update_conflicts=True,
            unique_fields=["buurt", "year"],
            update_fields=["inhabitants"],
        )
    return status


def _stored_geometry(existing, boundaries, feature):
    """A feature without geometry keeps what the buurt had for its year (or nothing)."""
    row = existing.get(feature.code)
    return boundaries.get((row["pk"], feature.year)) if row else None


@datacache.changes(datacache.FIGURES)
def wijk_names_load(*, names: dict) -> int:
    """Rename wijken from a {code: name} table (e.g. CBS "Wijken en buurten"); unknown codes are ignored. Returns
    how many changed."""
    changed = []
    for wijk in Wijk.objects.filter(code__in=list(names)).only("pk", "code", "name"):
        if names[wijk.code] and wijk.name != names[wijk.code]:
            wijk.name = names[wijk.code]
            changed.append(wijk)
    Wijk.objects.bulk_update(changed, ["name"])
    return len(changed)


# -- staged upserts (population, indicators, addresses) -----------------------------------------------------------


def _staged_upsert(*, model, stage_name, key, fields, rows, before=None) -> AreaLoadCounts:
    """Upsert `rows` (tuples in `fields` order) into model's table by `key`; within the load the first row of a key
    counts, later ones are skipped (counted as duplicates). `before(cursor, stage, table)` runs after staging and
    returns a count (kept as `rekeyed`)."""
    table = model._meta.db_table
    column = {f: model._meta.get_field(f).column for f in fields}
    keys = [column[f] for f in key]
    values = [column[f] for f in fields if f not in key]
    with connection.cursor() as cursor:
        stage = Stage.for_model(cursor, stage_name, model, fields)
        try:
            total = stage.add(rows)
            if not total:
                return AreaLoadCounts()
            group = ", ".join(map(_q, keys))
            cursor.execute(f"SELECT 1 FROM {stage.name} GROUP BY {group} HAVING COUNT(*) > 1 LIMIT 1")  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
            duplicates = 0
            if cursor.fetchone():
                cursor.execute(
                    f"DELETE FROM {stage.name} WHERE line_no NOT IN "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
                    f"(SELECT MIN(line_no) FROM {stage.name} GROUP BY {group})"
                )
                duplicates = cursor.rowcount
            rekeyed = before(cursor, stage.name, table) if before else 0
            match = " AND ".join(f"t.{_q(c)} = s.{_q(c)}" for c in keys)
            changed = " OR ".join(f"t.{_q(c)} IS DISTINCT FROM s.{_q(c)}" for c in values)
            sets = ", ".join(f"{_q(c)} = s.{_q(c)}" for c in values)
            cursor.execute(f"UPDATE {table} AS t SET {sets} FROM {stage.name} AS s WHERE {match} AND ({changed})")  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
            updated = cursor.rowcount
            all_columns = ", ".join(_q(column[f]) for f in fields)
            selected = ", ".join(f"s.{_q(column[f])}" for f in fields)
            cursor.execute(
                f"INSERT INTO {table} ({all_columns}) SELECT {selected} FROM {stage.name} AS s "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
                f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE {match})"
            )
            inserted = cursor.rowcount
        finally:
            stage.drop()
    return AreaLoadCounts(inserted, updated, total - duplicates - inserted - updated, duplicates, rekeyed)


POPULATION_FIELDS = ("buurt", "year", "inhabitants")
INDICATOR_FIELDS = ("buurt", "year", "code", "value")


@transaction.atomic
@datacache.changes(datacache.FIGURES)
def population_load(*, rows) -> AreaLoadCounts:
    """Inhabitants per buurt per year: tuples (buurt_id, year, inhabitants or None = not published)."""
    return _staged_upsert(model=Population, stage_name="vp_population_stage", key=("buurt", "year"),
                          fields=POPULATION_FIELDS, rows=rows)


@transaction.atomic
def indicators_load(*, rows) -> AreaLoadCounts:
    """Kerncijfers per buurt per year: tuples (buurt_id, year, code, value or None = not published)."""
    return _staged_upsert(model=AreaIndicator, stage_name="vp_indicator_stage", key=("buurt", "year", "code"),
                          fields=INDICATOR_FIELDS, rows=rows)


# The columns of one address row as addresses_load takes them; search_key and street_key are computed here with
# areas.normalize, exactly as Address.save() does.
ADDRESS_COLUMNS = ("bag_id", "street", "number", "letter", "addition", "postcode", "city", "buurt_id", "lon", "lat")
_ADDRESS_FIELDS = ("bag_id", "street", "number", "letter", "addition", "postcode", "city", "buurt", "lon", "lat",
                   "search_key", "street_key")


def address_row(bag_id, street, number, letter, addition, postcode, city, buurt_id, lon, lat) -> tuple:
    """One staged address with its search keys (what Address.save() would store)."""
    return (bag_id, street, number, letter, addition, postcode, city, buurt_id, lon, lat,
            address_search_key(postcode, number, letter, addition), street_search_key(street, number, letter, addition))


def _is_nummeraanduiding(column):
    """SQL: the id is a nummeraanduiding (BAG object type 20 in digits 5-6), not an object id or a derived key."""
    return f"substr({column}, 5, 2) = '20'"


def _rekey(cursor, stage, table):
    """An address loaded before without its nummeraanduiding id (NLExtract's bagadres.csv: keyed by object id or a
    derived id) takes the id of the same address (same search keys and place) delivered now with one, so the
    upsert updates it instead of adding a second row."""
    cursor.execute(
        f"UPDATE {table} AS t SET bag_id = s.bag_id FROM {stage} AS s "  # nosec B608  # SQL text from constants and identifiers only; values are query parameters
        f"WHERE NOT {_is_nummeraanduiding('t.bag_id')} AND {_is_nummeraanduiding('s.bag_id')} "
        f"AND t.search_key = s.search_key AND t.street_key = s.street_key AND t.city = s.city "
        f"AND NOT EXISTS (SELECT 1 FROM {table} AS u WHERE u.bag_id = s.bag_id)"
    )
    return cursor.rowcount


@transaction.atomic
def addresses_load(*, rows) -> AreaLoadCounts:
    """Upsert BAG addresses by bag_id: tuples in ADDRESS_COLUMNS order. Nothing is deleted (an address missing
    from a partial extract stays). An address stored earlier without nummeraanduiding id takes the id delivered now
    (see _rekey)."""
    return _staged_upsert(
        model=Address, stage_name="vp_address_stage", key=("bag_id",), fields=_ADDRESS_FIELDS,
        rows=(address_row(*row) for row in rows), before=_rekey,
    )


def geometry_json(geometry) -> dict:
    """A GeoJSON geometry as plain dicts and lists (tuples from shapely become lists), as the JSON field reads it
    back, so that stored and given geometries compare equal."""
    return json.loads(json.dumps(geometry))
