"""Municipal reports (meldingen openbare ruimte), as exported by a Signalen-like system: one incident per melding.

Columns: an id, the moment it was made (ISO 8601 with or without offset, or Dutch `5-3-2024 14:22`), the main
category and subcategory, and a place: a point (lat/lon in WGS84, or x/y in Rijksdriehoek) or an address
(postcode + huisnummer [+ huisletter/toevoeging], a BAG nummeraanduiding id, or one address text), or a buurtcode.
The buurt comes from the point (point in polygon on the loaded buurten), else from the address, else from the
buurtcode. A melding that cannot be placed, made in the future or with a second occurrence of an id is rejected.
Free text, the reporter's contact details and other columns are never read (no personal data is stored).

Categories: the municipal categories of the catalogue (`meldingen/overlast-jeugd` ...). CATEGORY_MAP maps the usual
Signalen main and subcategory names onto them (folded: case, accents and punctuation do not matter); a subcategory
decides before its main category; settings.INGEST_MELDINGEN_CATEGORIES ({name or (main, sub): code}) adds to or
overrides the map without a code change. Anything else is `meldingen/overig`, counted in the run's notes.

Also here, shared with the hennep format: Places (ingest.geo's vectorised point in polygon per year of the facts)
and addresses_resolve (BAG id, postcode + number or address text -> areas.Address through areas.selectors).
"""
import datetime
import re
import zoneinfo

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from areas.normalize import fold
from dashboards.services.facts import dagdeel_of, incidents_load

from ..geo import NL_LAT, NL_LON
from .base import Format, Reject, Rejected, in_rd_bounds, parse_datetime, parse_decimal, register

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
OTHER = "meldingen/overig"

# name -> category code (names are folded before matching); a (main, sub) pair for a subcategory that means
# something else under another main category.
CATEGORY_MAP = {
    # Overlast van en door personen of groepen
    "overlast van en door personen of groepen": "meldingen/overlast-personen",
    "jongeren": "meldingen/overlast-jeugd",
    "jongerenoverlast": "meldingen/overlast-jeugd",
    "overlast door jongeren": "meldingen/overlast-jeugd",
    "jeugdoverlast": "meldingen/overlast-jeugd",
    "jeugd en jongerenoverlast": "meldingen/overlast-jeugd",
    "hangjongeren": "meldingen/overlast-jeugd",
    "drank en drugsoverlast": "meldingen/overlast-personen",
    "drugsoverlast": "meldingen/overlast-personen",
    "daklozen bedelen": "meldingen/overlast-personen",
    "wildplassen poepen overgeven": "meldingen/overlast-personen",
    "overlast door verward persoon": "meldingen/overlast-personen",
    "verward persoon": "meldingen/overlast-personen",
    "overige overlast door personen": "meldingen/overlast-personen",
    "overlast personen": "meldingen/overlast-personen",
    # Geluid
    "geluidsoverlast": "meldingen/geluidsoverlast",
    "geluid": "meldingen/geluidsoverlast",
    "geluidsoverlast muziek": "meldingen/geluidsoverlast",
    "geluidsoverlast installaties": "meldingen/geluidsoverlast",
    "geluidsoverlast bedrijven": "meldingen/geluidsoverlast",
    "overig geluid": "meldingen/geluidsoverlast",
    "burengerucht": "meldingen/geluidsoverlast",
    "vuurwerkoverlast": "meldingen/geluidsoverlast",
    "overlast door afsteken vuurwerk": "meldingen/geluidsoverlast",
    # Afval
    "afval": "meldingen/afval",
    "schoon": "meldingen/afval",
    "zwerfafval": "meldingen/afval",
    "zwerfvuil": "meldingen/afval",
    "grofvuil": "meldingen/afval",
    "illegale dumping": "meldingen/afval",
    "dumping": "meldingen/afval",
    "bijplaatsing": "meldingen/afval",
    "illegale dumping bijplaatsing": "meldingen/afval",
    "container is vol": "meldingen/afval",
    "prullenbak is vol": "meldingen/afval",
    # Vernieling
    "vernieling": "meldingen/vernieling",
    "vandalisme": "meldingen/vernieling",
    "graffiti": "meldingen/vernieling",
    "graffiti wildplak": "meldingen/vernieling",
    ("Schoon", "Graffiti / wildplak"): "meldingen/vernieling",
    "kapot straatmeubilair": "meldingen/vernieling",
    "vernieling straatmeubilair": "meldingen/vernieling",
    "bushokje kapot": "meldingen/vernieling",
    # Verlichting
    "lantaarnpaal straatverlichting": "meldingen/verlichting",
    "straatverlichting": "meldingen/verlichting",
    "straatverlichting openbare klok": "meldingen/verlichting",
    "openbare verlichting": "meldingen/verlichting",
    "verlichting": "meldingen/verlichting",
    "lantaarnpaal": "meldingen/verlichting",
}

def short_text(value, size=40):
    value = str(value or "").strip()
    return value if len(value) <= size else value[:size] + "…"


def local_datetime(text):
    """(date, time) of a moment as the municipality sees it: ISO 8601 with an offset or Z is converted to Dutch
    time (a melding at 23:30 UTC in summer was made at 01:30 the next day); Dutch forms go through parse_datetime.
    Raises Reject; (None, None) for an empty cell."""
    text = (text or "").strip()
    if not text:
        return None, None
    if len(text) >= 10 and text[:4].isdigit() and text[4] == "-":
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            moment = None
        if moment is not None:
            if moment.tzinfo is not None:
                moment = moment.astimezone(AMSTERDAM)
            has_time = len(text) > 10
            return moment.date(), (moment.time().replace(microsecond=0) if has_time else None)
    return parse_datetime(text)


def _number(text):
    if not text:
        return None
    try:
        return float(text)  # the common case, fast
    except ValueError:
        pass
    try:
        return parse_decimal(text)
    except Reject:
        return None


# -- placing: point in polygon and addresses ------------------------------------------------------------------------


class Places:
    """Where the lines of a run lie: ingest.geo's BuurtLocator per year of the facts (the boundaries in force that
    year, where older indelingen are loaded), built once per year and run, and the municipality of every buurt."""

    def __init__(self):
        self.locators = {}
        self.municipality = {}

    def locate(self, lons, lats, years):
        """A buurt id (or None) per WGS84 point, each on the boundaries of its year (vectorised per year)."""
        from ingest.geo import BuurtLocator

        found = [None] * len(lons)
        by_year = {}
        for index, year in enumerate(years):
            by_year.setdefault(year, []).append(index)
        for year, indexes in by_year.items():
            if year not in self.locators:
                self.locators[year] = BuurtLocator.for_year(year)
            ids = self.locators[year].locate([lons[i] for i in indexes], [lats[i] for i in indexes])
            for index, buurt_id in zip(indexes, ids.tolist(), strict=True):
                found[index] = buurt_id
        return found

    def municipalities(self, buurt_ids):
        """Fill the municipality of these buurten (one query for the ones not seen before)."""
        from areas.models import Buurt

        missing = {pk for pk in buurt_ids if pk is not None and pk not in self.municipality}
        if missing:
            self.municipality.update(
                Buurt.objects.filter(pk__in=sorted(missing)).values_list("pk", "wijk__municipality_id"))
        return self.municipality


def rd_to_wgs84(xs, ys):
    """Rijksdriehoek (EPSG:28992) to WGS84 lon/lat lists, vectorised (ingest.geo), rounded to 6 decimals."""
    from ingest.geo import rd_to_wgs84 as transform

    lons, lats = transform(xs, ys)
    return np.round(lons, 6).tolist(), np.round(lats, 6).tolist()


def in_netherlands(lon, lat):
    """One point in the box around the Netherlands of ingest.geo (a scalar test: per line, not per batch)."""
    return NL_LON[0] <= lon <= NL_LON[1] and NL_LAT[0] <= lat <= NL_LAT[1]


def address_text(postcode, number, letter="", addition=""):
    """"1234AB 12A-2" from the parts, or "" without a usable postcode and number."""
    postcode = "".join(str(postcode or "").split()).upper()
    number = str(number or "").strip()
    if not postcode or not number:
        return ""
    suffix = f"{(letter or '').strip()}"
    if (addition or "").strip():
        suffix += f"-{addition.strip()}"
    return f"{postcode} {number}{suffix}"


def addresses_resolve(requests):
    """requests: {key: (bag id, address text)}; returns {key: (address id, buurt id or None, lon, lat)} or
    {key: "Dutch reason"}. BAG ids in one query, texts through areas.selectors.address_resolve_many (a plain number
    means the address without huisletter or toevoeging where that exists, as the bulk check reads lists)."""
    from areas.models import Address
    from areas.selectors import KIND_CANDIDATES, KIND_EXACT, address_resolve_many

    answers = {}
    by_bag = {key: bag_id for key, (bag_id, _text) in requests.items() if bag_id}
    if by_bag:
        found = {}
        wanted = sorted(set(by_bag.values()))
        for start in range(0, len(wanted), 1000):
            for row in Address.objects.filter(bag_id__in=wanted[start:start + 1000]).values_list(
                    "bag_id", "pk", "buurt_id", "lon", "lat"):
                found[row[0]] = row[1:]
        for key, bag_id in by_bag.items():
            answers[key] = found.get(bag_id) or _("BAG-id (nummeraanduiding) ‘%(id)s’ is niet bekend in de "
                                                   "geladen adressen.") % {"id": short_text(bag_id)}
    texts = [(key, text) for key, (bag_id, text) in requests.items()
             if text and (key not in answers or isinstance(answers[key], str))]
    if texts:
        results = address_resolve_many(texts=[text for _key, text in texts], limit=5)
        for (key, text), result in zip(texts, results, strict=True):
            if result.kind == KIND_EXACT:
                address = result.address
                answers[key] = (address.pk, address.buurt_id, address.lon, address.lat)
            elif result.kind == KIND_CANDIDATES:
                answers[key] = _("Adres ‘%(address)s’ is niet eenduidig: er zijn meerdere adressen met dit huisnummer "
                                 "(huisletter of toevoeging ontbreekt).") % {"address": short_text(text)}
            else:
                answers[key] = result.message or _("Adres ‘%(address)s’ niet gevonden.") % {"address": short_text(text)}
    return answers


def buurt_codes(codes):
    """{CBS buurtcode: buurt id} of the loaded buurten among `codes`."""
    from areas.models import Buurt

    return dict(Buurt.objects.filter(code__in=sorted(codes)).values_list("code", "pk"))


class _Item:
    """One line being converted: what the parse found, then where it is placed."""

    __slots__ = ("line", "reason", "external_id", "category_id", "day", "time", "lon", "lat", "point_reason",
                 "bag_id", "address", "buurtcode", "address_id", "buurt_id")

    def __init__(self, line):
        self.line = line
        self.reason = self.point_reason = None
        self.lon = self.lat = self.address_id = self.buurt_id = None
        self.bag_id = self.address = self.buurtcode = ""


@register
class Meldingen(Format):
    code = "meldingen"
    name = gettext_lazy("Gemeentelijke meldingen")
    columns = {
        "id": ("id", "meldingnummer", "melding nummer", "nummer", "signaal id", "signal id", "melding id",
               "meldingsnummer"),
        "created_at": ("created at", "created_at", "aangemaakt", "aangemaakt op", "datum melding", "meldingsdatum",
                       "datum/tijd melding", "gemeld op", "datum tijd melding", "datum", "created"),
        "category": ("hoofdcategorie", "main category", "main_category", "main slug", "categorie hoofd",
                     "hoofd categorie", "categorie", "category"),
        "subcategory": ("subcategorie", "sub category", "sub_category", "sub slug", "subcategory", "sub categorie",
                        "categorie sub"),
        "geometry": ("geometry", "geometrie", "geom", "location", "locatie", "point"),
        "lat": ("lat", "latitude", "breedtegraad", "location lat", "locatie lat"),
        "lon": ("lon", "lng", "long", "longitude", "lengtegraad", "location lng", "locatie lon"),
        "x": ("x", "x rd", "rd x", "x coordinaat", "x-coördinaat", "xcoord"),
        "y": ("y", "y rd", "rd y", "y coordinaat", "y-coördinaat", "ycoord"),
        "postcode": ("postcode", "postal code", "postcode melding"),
        "huisnummer": ("huisnummer", "house number", "huisnr"),
        "huisletter": ("huisletter",),
        "toevoeging": ("huisnummertoevoeging", "toevoeging", "huisnummer toevoeging"),
        "bag_id": ("nummeraanduiding", "nummeraanduiding id", "bag id", "bag nummeraanduiding id",
                   "nummeraanduidingid"),
        "address": ("adres", "address", "locatie adres"),
        "buurtcode": ("buurtcode", "buurt code", "cbs buurtcode"),
    }
    required = ("id", "created_at", "category")
    default_source = "meldingen"

    def begin(self, ctx):
        from dashboards.models import Category

        codes = dict(Category.objects.filter(kind="municipal").values_list("code", "pk"))
        extra = getattr(settings, "INGEST_MELDINGEN_CATEGORIES", None) or {}
        mapping = {_key(name): code for name, code in [*CATEGORY_MAP.items(), *extra.items()]}
        ctx.state.update(
            categories=codes, mapping=mapping, chosen={}, seen={}, places=Places(),
            source=facts_source_of(ctx, self.default_source),
        )

    def convert(self, batch, ctx):
        today = ctx.today or datetime.date.today()
        items = [self._parse(line, ctx, today) for line in batch]
        _place(items, ctx)
        municipality = ctx.state["places"].municipalities([item.buurt_id for item in items])
        for item in items:
            if item.reason:
                yield Rejected(item.line.number, item.reason)
                continue
            yield (item.external_id, item.category_id, item.day, item.time, dagdeel_of(item.time),
                   item.day.weekday(), municipality[item.buurt_id], item.buurt_id,
                   item.address_id, item.lon, item.lat, "", "", "", None, False)

    def load(self, rows, ctx):
        return load_incidents(rows, ctx)

    def _parse(self, line, ctx, today):
        values = line.values
        item = _Item(line)
        try:
            external_id = (values.get("id") or "").strip()
            if not external_id:
                raise Reject(_("Meldingnummer (id) ontbreekt."))
            if len(external_id) > 64:
                raise Reject(_("Meldingnummer ‘%(id)s’ is langer dan 64 tekens.") % {"id": short_text(external_id)})
            seen = ctx.state["seen"]
            if external_id in seen:
                raise Reject(_("Meldingnummer ‘%(id)s’ komt al voor op regel %(line)s van dit bestand.")
                             % {"id": short_text(external_id), "line": seen[external_id]})
            seen[external_id] = line.number
            item.external_id = external_id
            try:
                item.day, item.time = local_datetime(values.get("created_at"))
            except Reject:
                raise Reject(_("Datum ‘%(value)s’ is niet te lezen (verwacht bijvoorbeeld 2024-03-05T14:22:00+01:00 "
                               "of 5-3-2024 14:22).") % {"value": short_text(values.get("created_at"))}) from None
            if item.day is None:
                raise Reject(_("Datum van de melding ontbreekt."))
            if item.day > today:
                raise Reject(_("Datum %(date)s ligt in de toekomst.") % {"date": item.day.strftime("%d-%m-%Y")})
            item.category_id = self._category(values.get("category"), values.get("subcategory"), ctx)
        except Reject as reason:
            item.reason = str(reason)
            return item
        _read_point(item, values, ctx)
        item.bag_id = (values.get("bag_id") or "").strip()
        item.address = address_text(values.get("postcode"), values.get("huisnummer"), values.get("huisletter"),
                                    values.get("toevoeging")) or (values.get("address") or "").strip()[:200]
        item.buurtcode = (values.get("buurtcode") or "").strip().upper()
        return item

    def _category(self, main, sub, ctx):
        main, sub = (main or "").strip(), (sub or "").strip()
        key = (main, sub)
        chosen = ctx.state["chosen"]
        if key not in chosen:
            mapping = ctx.state["mapping"]
            code = (mapping.get((fold(main), fold(sub))) or mapping.get(fold(sub)) or mapping.get(fold(main))
                    or OTHER)
            if code not in ctx.state["categories"]:
                code = OTHER
            chosen[key] = (code, ctx.state["categories"][code])
        code, pk = chosen[key]
        if code == OTHER:
            label = f"{main} / {sub}" if sub else main
            ctx.note(_("Meldingcategorie niet ingedeeld (als ‘Overige meldingen’ opgeslagen): %(category)s")
                     % {"category": short_text(label or "-", 80)})
        return pk


def _key(name):
    """A map key as matched: a folded name, or a (main, sub) pair of folded names."""
    if isinstance(name, tuple):
        return tuple(fold(part) for part in name)
    return fold(name)


def facts_source_of(ctx, default):
    from dashboards.models import Source

    return ctx.facts_source or Source.objects.get(code=default)


_WKT_POINT = re.compile(r"^(?:SRID=(\d+);)?\s*POINT\s*Z?\s*\(\s*([-+\d.eE]+)[\s,]+([-+\d.eE]+)(?:\s+[-+\d.eE]+)?\s*\)$",
                        re.IGNORECASE)
_HEX = re.compile(r"^[0-9A-Fa-f]{42,}$")


def geometry_point(text):
    """(srid or None, first, second) of a point as WKT, EWKT (`SRID=4326;POINT (4.9 52.37)`) or hex (E)WKB, as
    database exports write a PostGIS point; None when the cell is not a point."""
    text = (text or "").strip()
    match = _WKT_POINT.match(text)
    if match:
        return (int(match[1]) if match[1] else None), float(match[2]), float(match[3])
    if _HEX.match(text):
        import shapely

        try:
            point = shapely.from_wkb(bytes.fromhex(text))
        except (shapely.errors.GEOSException, ValueError):
            return None
        if point.geom_type == "Point" and not point.is_empty:
            return (shapely.get_srid(point) or None), point.x, point.y
    return None


def _read_point(item, values, ctx):
    """lat/lon (WGS84), x/y (RD) or a point geometry into item.lon/lat (RD converted per batch); a bad point is
    remembered as point_reason, used only when nothing else places the line."""
    lat, lon = _number(values.get("lat")), _number(values.get("lon"))
    x, y = _number(values.get("x")), _number(values.get("y"))
    geometry = (values.get("geometry") or "").strip()
    if geometry and lat is None and x is None:
        point = geometry_point(geometry)
        if point is None:
            item.point_reason = _("Geometrie ‘%(value)s’ is geen punt (verwacht bijvoorbeeld POINT (5.2 52.4)).") % {
                "value": short_text(geometry)}
            return
        srid, first, second = point
        if srid == 28992 or (srid is None and abs(first) > 1000):
            x, y = first, second
        else:
            lon, lat = first, second
    if lat is not None and lon is not None:
        if not in_netherlands(lon, lat) and in_netherlands(lat, lon):
            lat, lon = lon, lat
            ctx.note(_("Breedte- en lengtegraad omgewisseld gelezen"))
        if in_netherlands(lon, lat):
            item.lon, item.lat = round(lon, 6), round(lat, 6)
        else:
            item.point_reason = _("Coördinaten %(lat)s, %(lon)s liggen buiten Nederland.") % {"lat": lat, "lon": lon}
    elif x is not None and y is not None:
        if in_rd_bounds(x, y):
            item.lon, item.lat = ("rd", x), y  # converted for the whole batch in _place
        else:
            item.point_reason = _("RD-coördinaten %(x)s, %(y)s liggen buiten Nederland.") % {"x": x, "y": y}
    elif any((values.get(name) or "").strip() for name in ("lat", "lon", "x", "y")):
        item.point_reason = _("Coördinaten onvolledig of niet te lezen.")


def _place(items, ctx):
    """The buurt of every accepted item: point in polygon (vectorised), else the address, else the buurtcode."""
    locator = ctx.state["places"]
    open_items = [item for item in items if not item.reason]
    rd = [item for item in open_items if isinstance(item.lon, tuple)]
    if rd:
        lons, lats = rd_to_wgs84([item.lon[1] for item in rd], [item.lat for item in rd])
        for item, lon, lat in zip(rd, lons, lats, strict=True):
            item.lon, item.lat = lon, lat
    pointed = [item for item in open_items if item.lon is not None]
    for item, buurt_id in zip(pointed, locator.locate([i.lon for i in pointed], [i.lat for i in pointed],
                                                       [i.day.year for i in pointed]), strict=True):
        item.buurt_id = buurt_id
        if buurt_id is None:
            item.point_reason = _("Het punt %(lat)s, %(lon)s ligt in geen van de geladen buurten.") % {
                "lat": item.lat, "lon": item.lon}
    unplaced = [item for item in open_items if item.buurt_id is None]
    requests = {id(item): (item.bag_id, item.address) for item in unplaced if item.bag_id or item.address}
    answers = addresses_resolve(requests) if requests else {}
    needs_point = []
    for item in unplaced:
        answer = answers.get(id(item))
        if isinstance(answer, tuple):
            item.address_id, item.buurt_id, lon, lat = answer
            if item.lon is None or item.point_reason:
                item.lon, item.lat = lon, lat
            if item.buurt_id is None and lon is not None:
                needs_point.append(item)
    for item, buurt_id in zip(needs_point, locator.locate([i.lon for i in needs_point], [i.lat for i in needs_point],
                                                           [i.day.year for i in needs_point]), strict=True):
        item.buurt_id = buurt_id
    still = [item for item in unplaced if item.buurt_id is None]
    codes = buurt_codes({item.buurtcode for item in still if item.buurtcode}) if still else {}
    for item in still:
        if item.buurtcode in codes:
            item.buurt_id = codes[item.buurtcode]
            continue
        answer = answers.get(id(item))
        reasons = [r for r in (item.point_reason, answer if isinstance(answer, str) else None) if r]
        if item.buurtcode:
            reasons.append(_("Buurtcode ‘%(code)s’ is niet bekend.") % {"code": short_text(item.buurtcode)})
        if isinstance(answer, tuple):
            reasons.append(_("Het adres ligt in geen van de geladen buurten."))
        if not reasons:
            reasons.append(_("Geen plaats: de melding heeft geen coördinaten, adres of buurtcode."))
        item.reason = " ".join(reasons)


def load_incidents(rows, ctx):
    """The load of every incident format of this module and hennep: the generator passed on as it is."""
    run_id = getattr(ctx.run, "pk", None)
    return incidents_load(source=ctx.state["source"], rows=rows, import_run=run_id)

