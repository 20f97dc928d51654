"""Hennep clearings (hennepruimingen) at address level: one incident per clearing in the restricted source `hennep`.

Columns: the date of the clearing (Dutch or ISO, optionally with a time or a separate time column), the address as
postcode + huisnummer [+ huisletter/toevoeging], as one address text, or as BAG nummeraanduiding id; the property
type (soort pand), the number of plants and optionally a registration number. The address must resolve to one
loaded BAG address (areas.selectors, the rules of the address search; a plain number means the address without
huisletter or toevoeging); it gives the buurt (or, for an address without one, its point on the loaded buurten),
lon/lat and the address link. An address that does not resolve, a date in the future, a second occurrence of a
registration number in one file are rejected with the reason.

The property type is normalised onto a short list (PROPERTY_TYPES: "tussenwoning" and "Eengezins woning" are both
`eengezinswoning`); anything else is stored as `overig` and counted in the run's notes. Without a registration
number a fingerprint of the clearing (date, address as given, property type, plants) is its id, numbered within the
file so two identical clearings stay two while a re-delivery matches them again. Who reported or carried out the
clearing (bron, melder) and any free text are never read: no personal data is stored. Without a time the dagdeel is
`onbekend`.
"""
import datetime
import hashlib
import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from areas.normalize import fold
from dashboards.services.facts import dagdeel_of

from .base import Format, Reject, Rejected, parse_time, register
from .meldingen import (
    Places,
    address_text,
    addresses_resolve,
    facts_source_of,
    load_incidents,
    local_datetime,
    short_text,
)

CATEGORY = "hennep"
OTHER = "overig"

# canonical property type -> the spellings that mean it (folded: case, accents and punctuation do not matter)
PROPERTY_TYPES = {
    "eengezinswoning": ["eengezinswoning", "eengezins woning", "eengezinshuis", "woning", "woonhuis", "tussenwoning",
                        "hoekwoning", "rijtjeshuis", "rijwoning", "vrijstaande woning", "vrijstaand", "twee onder een kap",
                        "2 onder 1 kap", "twee onder een kapwoning", "2 onder 1 kapwoning", "geschakelde woning",
                        "halfvrijstaande woning", "egw"],
    "flat": ["flat", "appartement", "flatwoning", "portiekflat", "galerijflat", "portiekwoning", "galerijwoning",
             "etagewoning", "bovenwoning", "benedenwoning", "maisonnette", "studio", "flatgebouw",
             "appartementencomplex"],
    "bedrijfspand": ["bedrijfspand", "bedrijf", "bedrijfsruimte", "bedrijfsunit", "bedrijfsverzamelgebouw", "loods",
                     "kantoor", "kantoorpand", "winkel", "winkelpand", "opslagruimte", "opslag", "bedrijfshal",
                     "werkplaats", "industriepand", "horecapand"],
    "schuur": ["schuur", "schuurtje", "berging", "tuinhuis", "tuinhuisje", "bijgebouw", "tuinschuur", "stal", "kas",
               "tuinkas"],
    "garagebox": ["garagebox", "garage box", "garage", "inpandige garage"],
    "zolder": ["zolder", "zolderkamer", "vliering"],
    "kelder": ["kelder", "kruipruimte", "souterrain"],
    "woonwagen": ["woonwagen", "stacaravan", "caravan", "chalet"],
    "woonboot": ["woonboot", "ark"],
    "agrarisch": ["boerderij", "agrarisch", "agrarisch bedrijf", "agrarisch pand"],
    "buitenteelt": ["buitenteelt", "maisveld", "akker", "weiland"],
}
_SPELLINGS = sorted(((fold(s), kind) for kind, spellings in PROPERTY_TYPES.items() for s in spellings),
                    key=lambda pair: -len(pair[0]))
_PROPERTY_EXACT = dict(_SPELLINGS)
_PLANTS = re.compile(r"^(?:ca\.?|circa|ongeveer|ruim|bijna|±|~|\+/-)?\s*(\d{1,3}(?:[.\s]\d{3})+|\d+)\s*"
                     r"(?:stuks?|planten|plantjes|stekken|st\.?)?$", re.IGNORECASE)
MAX_PLANTS = 1_000_000


def property_type(text):
    """(canonical type, recognised): exact spelling first, else the longest known spelling in the text as words
    ("zolder van eengezinswoning" is an eengezinswoning); "" for an empty cell."""
    folded = fold(text)
    if not folded:
        return "", True
    if folded in _PROPERTY_EXACT:
        return _PROPERTY_EXACT[folded], True
    padded = f" {folded} "
    for spelling, kind in _SPELLINGS:
        if f" {spelling} " in padded:
            return kind, True
    return OTHER, False


def plants(text):
    """The number of plants: "ca. 300" -> 300, "1.200" -> 1200, "40 stekken" -> 40; None for an empty cell or one
    that is not a number (a range, "onbekend", a formula)."""
    text = (text or "").strip()
    if not text:
        return None
    match = _PLANTS.match(text)
    if not match:
        return None
    number = int(re.sub(r"[.\s]", "", match.group(1)))
    if number > MAX_PLANTS:
        raise Reject(_("Aantal planten %(n)s is onwaarschijnlijk hoog.") % {"n": number})
    return number


class _Clearing:
    __slots__ = ("line", "reason", "external_id", "registration", "day", "time", "property_type", "plants",
                 "bag_id", "address", "address_id", "buurt_id", "lon", "lat")

    def __init__(self, line):
        self.line = line
        self.reason = self.registration = self.time = self.plants = None
        self.address_id = self.buurt_id = self.lon = self.lat = None
        self.bag_id = self.address = self.property_type = self.external_id = ""


@register
class Hennep(Format):
    code = "hennep"
    name = gettext_lazy("Hennepruimingen")
    columns = {
        "date": ("datum ruiming", "ruimingsdatum", "datum_ruiming", "datum ontmanteling", "ontmanteld op",
                 "datum", "date"),
        "time": ("tijd ruiming", "tijdstip", "tijd"),
        "registration": ("registratienummer", "registratie id", "zaaknummer", "kenmerk", "dossiernummer",
                         "bvh nummer", "id"),
        "postcode": ("postcode",),
        "huisnummer": ("huisnummer", "huisnr"),
        "huisletter": ("huisletter",),
        "toevoeging": ("huisnummertoevoeging", "toevoeging", "huisnummer toevoeging"),
        "address": ("adres", "address", "straat en huisnummer"),
        "bag_id": ("nummeraanduiding", "nummeraanduiding id", "bag id", "bag nummeraanduiding id",
                   "nummeraanduidingid"),
        "property_type": ("soort pand", "type pand", "pandtype", "soort object", "objecttype", "soort locatie"),
        "plants": ("aantal planten", "planten", "aantal", "plants"),
    }
    required = ("date",)
    batch_size = 5_000

    def begin(self, ctx):
        from dashboards.models import Category

        ctx.state.update(
            category_id=Category.objects.get(code=CATEGORY).pk, seen={}, fingerprints={}, places=Places(),
            source=facts_source_of(ctx, CATEGORY),
        )

    def convert(self, batch, ctx):
        today = ctx.today or datetime.date.today()
        items = [self._parse(line, ctx, today) for line in batch]
        open_items = [item for item in items if not item.reason]
        answers = addresses_resolve({id(item): (item.bag_id, item.address) for item in open_items})
        places = ctx.state["places"]
        without_buurt = []
        for item in open_items:
            answer = answers.get(id(item))
            if isinstance(answer, tuple):
                item.address_id, item.buurt_id, item.lon, item.lat = answer
                if item.buurt_id is None:
                    without_buurt.append(item)
            else:
                item.reason = answer or _("Adres niet gevonden.")
        located = places.locate([i.lon if i.lon is not None else float("nan") for i in without_buurt],
                                [i.lat if i.lat is not None else float("nan") for i in without_buurt],
                                [i.day.year for i in without_buurt])
        for item, buurt_id in zip(without_buurt, located, strict=True):
            item.buurt_id = buurt_id
            if buurt_id is None:
                item.reason = _("Het adres ligt in geen van de geladen buurten.")
        municipality = places.municipalities([item.buurt_id for item in items if not item.reason])
        category_id = ctx.state["category_id"]
        for item in items:
            if item.reason:
                yield Rejected(item.line.number, item.reason)
                continue
            yield (self._id(item, ctx), category_id, item.day, item.time, dagdeel_of(item.time), item.day.weekday(),
                   municipality[item.buurt_id], item.buurt_id, item.address_id, item.lon, item.lat, "", "",
                   item.property_type, item.plants, False)

    def load(self, rows, ctx):
        return load_incidents(rows, ctx)

    def _parse(self, line, ctx, today):
        values = line.values
        item = _Clearing(line)
        try:
            try:
                item.day, item.time = local_datetime(values.get("date"))
            except Reject:
                raise Reject(_("Datum ruiming ‘%(value)s’ is niet te lezen (verwacht bijvoorbeeld 12-3-2024 of "
                               "2024-03-12).") % {"value": short_text(values.get("date"))}) from None
            if item.day is None:
                raise Reject(_("Datum ruiming ontbreekt."))
            if item.day > today:
                raise Reject(_("Datum %(date)s ligt in de toekomst.") % {"date": item.day.strftime("%d-%m-%Y")})
            if item.time is None and (values.get("time") or "").strip():
                try:
                    item.time = parse_time(values["time"])
                except Reject:
                    raise Reject(_("Tijd ‘%(value)s’ is niet te lezen.") % {"value": short_text(values["time"])}) from None
            registration = (values.get("registration") or "").strip()
            if len(registration) > 60:
                raise Reject(_("Registratienummer ‘%(id)s’ is langer dan 60 tekens.") % {"id": short_text(registration)})
            if registration:
                seen = ctx.state["seen"]
                if registration in seen:
                    raise Reject(_("Registratienummer ‘%(id)s’ komt al voor op regel %(line)s van dit bestand.")
                                 % {"id": short_text(registration), "line": seen[registration]})
                seen[registration] = line.number
                item.registration = registration
            kind, known = property_type(values.get("property_type"))
            if not known:
                ctx.note(_("Soort pand niet herkend (als ‘overig’ opgeslagen): %(value)s")
                         % {"value": short_text(values.get("property_type"))})
            item.property_type = kind
            item.plants = plants(values.get("plants"))
            if item.plants is None and (values.get("plants") or "").strip():
                ctx.note(_("Aantal planten zonder getal (leeg gelaten): %(value)s") % {"value": short_text(values["plants"])})
            item.bag_id = (values.get("bag_id") or "").strip()
            postcode, number = (values.get("postcode") or "").strip(), (values.get("huisnummer") or "").strip()
            item.address = address_text(postcode, number, values.get("huisletter"), values.get("toevoeging")) or (
                values.get("address") or "").strip()[:200]
            if not item.bag_id and not item.address:
                if postcode or number:
                    raise Reject(_("Adres onvolledig: postcode en huisnummer zijn allebei nodig."))
                raise Reject(_("Adres ontbreekt: geef postcode en huisnummer, een adres of een BAG-id "
                               "(nummeraanduiding)."))
        except Reject as reason:
            item.reason = str(reason)
        return item

    def _id(self, item, ctx):
        """The registration number, else a fingerprint numbered within the file."""
        if item.registration:
            return item.registration
        key = "|".join((item.day.isoformat(), str(item.time or ""), item.bag_id or fold(item.address),
                        item.property_type, str(item.plants or "")))
        digest = hashlib.sha256(key.encode()).hexdigest()[:40]
        counts = ctx.state["fingerprints"]
        counts[digest] = counts.get(digest, 0) + 1
        return f"fp:{digest}:{counts[digest]}"
