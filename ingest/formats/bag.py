"""BAG addresses (format `bag-adressen`): the NLExtract CSV layout and the variant with `nummeraanduiding`.

    openbareruimte;huisnummer;huisletter;huisnummertoevoeging;postcode;woonplaats;gemeente;provincie;object_id;
    object_type;nevenadres;x;y;lon;lat                                          (NLExtract bagadres.csv)
    nummeraanduiding;openbareruimte;huisnummer;huisletter;huisnummertoevoeging;postcode;woonplaats;gemeentecode;
    object_type;status;x;y;lon;lat                                              (with the nummeraanduiding id)

Every address is upserted by its BAG id (areas.Address.bag_id) with search_key/street_key computed by
areas.normalize, as Address.save() does. The id is the nummeraanduiding where the file has it. NLExtract's
bagadres.csv has none, only the addressable object: a main address (hoofdadres) is keyed by its object id (BAG
object ids differ from nummeraanduiding ids in their type digits, 01/02/03 against 20, so they never collide), a
secondary address (nevenadres) of that object by the object's municipality digits, "N" and a hash of object id
and address. Load one layout per installation: the same address delivered later with its nummeraanduiding id is a
second row.

Huisletter and toevoeging are kept as delivered; addresses without postcode (some berths, new streets) are kept;
berths (Ligplaats) and pitches (Standplaats) are addresses like any other. The location is lon/lat where given,
else x/y (Rijksdriehoek) transformed with pyproj; the buurt comes from point in polygon over the current buurten
(ingest.geo.BuurtLocator, vectorised per batch). An address outside every loaded buurt keeps buurt empty (counted in
the report), as does one without usable coordinates.
"""
import hashlib
import math
import re

import numpy as np
from django.utils.translation import gettext as _

from areas.services import addresses_load

from .. import geo
from .base import Format, Reject, Rejected, register

POSTCODE = re.compile(r"^[1-9]\d{3}[A-Z]{2}$")
MAIN_ADDRESS = {"", "f", "false", "n", "nee", "no", "0", "hoofdadres"}


def _float(value):
    text = str(value or "").strip().replace(",", ".")
    if not text:
        return math.nan
    try:
        return float(text)
    except ValueError:
        return math.nan


def _text(values, key):
    return str(values.get(key) or "").strip()


@register
class BagAdressen(Format):
    code = "bag-adressen"
    name = "BAG-adressen (CSV, NLExtract)"
    columns = {
        "nummeraanduiding": ["nummeraanduiding", "nummeraanduiding_id", "nummeraanduidingid",
                             "identificatie_nummeraanduiding"],
        "openbareruimte": ["openbareruimte", "openbareruimtenaam", "openbare_ruimte", "straat", "straatnaam"],
        "huisnummer": ["huisnummer"],
        "huisletter": ["huisletter"],
        "huisnummertoevoeging": ["huisnummertoevoeging", "toevoeging"],
        "postcode": ["postcode"],
        "woonplaats": ["woonplaats", "woonplaatsnaam"],
        "object_id": ["object_id", "objectid", "adresseerbaarobject", "adresseerbaarobject_id"],
        "object_type": ["object_type", "objecttype", "typeadresseerbaarobject"],
        "nevenadres": ["nevenadres"],
        "x": ["x", "x_rd"],
        "y": ["y", "y_rd"],
        "lon": ["lon", "lng", "longitude"],
        "lat": ["lat", "latitude"],
    }
    required = ("openbareruimte", "huisnummer", "woonplaats")

    def begin(self, ctx):
        ctx.state["locator"] = geo.BuurtLocator.current()
        if not len(ctx.state["locator"]):
            ctx.note(_("geen buurtgrenzen geladen: adressen zonder buurt opgeslagen"))

    def convert(self, batch, ctx):
        parsed = []
        for line in batch:
            try:
                parsed.append((line, self._address(line.values)))
            except Reject as exc:
                parsed.append((line, Rejected(line.number, str(exc))))
        good = [(line, row) for line, row in parsed if not isinstance(row, Rejected)]
        lon = np.array([_float(line.values.get("lon")) for line, _row in good], dtype="float64")
        lat = np.array([_float(line.values.get("lat")) for line, _row in good], dtype="float64")
        x = np.array([_float(line.values.get("x")) for line, _row in good], dtype="float64")
        y = np.array([_float(line.values.get("y")) for line, _row in good], dtype="float64")
        use_rd = ~geo.in_netherlands(lon, lat) & geo.in_rd(x, y)
        if use_rd.any():
            lon[use_rd], lat[use_rd] = geo.rd_to_wgs84(x[use_rd], y[use_rd])
        placed = geo.in_netherlands(lon, lat)
        lon[~placed], lat[~placed] = math.nan, math.nan
        buurten = ctx.state["locator"].locate(lon, lat)
        at = 0
        for line, row in parsed:
            if isinstance(row, Rejected):
                yield row
                continue
            has_coordinates = bool(placed[at])
            buurt_id = buurten[at]
            row_lon = round(float(lon[at]), 7) if has_coordinates else None
            row_lat = round(float(lat[at]), 7) if has_coordinates else None
            at += 1
            if not has_coordinates:
                ctx.note(_("zonder bruikbare coördinaten (geen locatie, geen buurt)"))
            elif buurt_id is None:
                ctx.note(_("buiten de geladen buurten (buurt leeg)"))
            if not row[5]:
                ctx.note(_("zonder postcode"))
            kind = _text(line.values, "object_type").lower()
            if kind in ("ligplaats", "standplaats"):
                ctx.note(_("ligplaats") if kind == "ligplaats" else _("standplaats"))
            yield (*row[:7], buurt_id, row_lon, row_lat)

    def _address(self, values):
        street = _text(values, "openbareruimte")
        city = _text(values, "woonplaats")
        if not street:
            raise Reject(_("straatnaam (openbareruimte) ontbreekt"))
        if not city:
            raise Reject(_("woonplaats ontbreekt"))
        if len(street) > 120 or len(city) > 80:
            raise Reject(_("straatnaam of woonplaats te lang"))
        number_text = _text(values, "huisnummer")
        if not number_text.isdigit() or not 1 <= int(number_text) <= 99999:
            raise Reject(_("huisnummer ‘%(value)s’ is geen nummer van 1 tot 99999") % {"value": number_text[:20]})
        number = int(number_text)
        letter = _text(values, "huisletter")
        if len(letter) > 1 or (letter and not letter.isalpha()):
            raise Reject(_("huisletter ‘%(value)s’ is geen enkele letter") % {"value": letter[:20]})
        addition = _text(values, "huisnummertoevoeging")
        if len(addition) > 4 or (addition and not addition.isalnum()):
            raise Reject(_("toevoeging ‘%(value)s’ heeft meer dan 4 letters of cijfers") % {"value": addition[:20]})
        postcode = _text(values, "postcode").replace(" ", "").upper()
        if postcode and not POSTCODE.match(postcode):
            raise Reject(_("postcode ‘%(value)s’ is ongeldig") % {"value": postcode[:20]})
        bag_id = _text(values, "nummeraanduiding")
        if bag_id:
            if not bag_id.isdigit() or len(bag_id) > 16:
                raise Reject(_("nummeraanduiding ‘%(value)s’ is geen BAG-id van 16 cijfers") % {"value": bag_id[:20]})
            bag_id = bag_id.zfill(16)
        else:
            object_id = _text(values, "object_id")
            if not object_id.isdigit() or len(object_id) > 16:
                raise Reject(_("geen nummeraanduiding en geen geldig object_id"))
            object_id = object_id.zfill(16)
            if _text(values, "nevenadres").lower() in MAIN_ADDRESS:
                bag_id = object_id
            else:
                digest = hashlib.sha1(f"{object_id}|{postcode}|{number}|{letter}|{addition}|{street}".encode(),
                                      usedforsecurity=False)
                bag_id = object_id[:4] + "N" + digest.hexdigest()[:11].upper()
        return (bag_id, street, number, letter, addition, postcode, city)

    def load(self, rows, ctx):
        counts = addresses_load(rows=rows)
        if counts.duplicates:
            ctx.note(_("dubbel BAG-id in het bestand (eerste telt)"), counts.duplicates)
        if counts.rekeyed:
            ctx.note(_("eerder zonder nummeraanduiding geladen: BAG-id bijgewerkt"), counts.rekeyed)
        return counts
