"""Police incidents as exported from BVH (Basisvoorziening Handhaving), code `politie-bvh`.

The layout police units deliver (Excel-made CSV, `;`, usually Windows-1252, Dutch dates, Rijksdriehoek X/Y):

    Incidentsoort code;Incidentsoort;Pleegstraatnaam;Pleegpostcode;Pleegplaats;Pleeggemeente;Pleegwijk;Pleegbuurt;
    Begin-pleegdatum/tijd;Eind-pleegdatum/tijd;Kennisnamedatum/tijd;...;X;Y

optionally with Registratienummer (or Proces-verbaalnummer), Modus operandi, Buit, Buurtcode and Pleeghuisnummer.

- Category: the incident code (`A20`, `F30`, ...) maps to a CBS crime type through Category.police_codes (from
  SoortMisdrijf.csv); an unknown code is kept under "niet ingedeeld" and counted in the report, never dropped.
- Place: the point (X/Y, RD -> WGS84 with pyproj, point in polygon on the newest loaded indeling of the buurten with
  a shapely STRtree: ingest.geo, both per batch); else the Buurtcode column; else postcode + house number through
  the BAG addresses. The name columns
  (Pleegbuurt, Pleegwijk) are not used to place a row. A row that cannot be placed is rejected with its reason, as
  are unreadable or future dates and coordinates outside the Netherlands.
- Date, dagdeel and weekday from the begin time (else the end, else the moment of reporting; noted).
- Id: the registration number when the file has one; else a fingerprint of the row's identifying values (code, begin,
  end, street, postcode, house number, place, X, Y, buurtcode; case and spaces ignored) with "#n" for the n-th
  identical row of the file: two bikes stolen at once are two incidents, and a re-delivery of the same rows matches
  them again (so it updates instead of duplicating). Changes in modus operandi or loot update the incident.
- Municipality: the buurt's.
"""
import hashlib
import itertools
import threading

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..geo import BuurtLocator, rd_to_wgs84
from .base import DateParser, Format, Reject, Rejected, in_rd_bounds, register

TEXT_MAX = 200
FINGERPRINT_PREFIX = "fp:"
FINGERPRINT_FIELDS = ("incident_code", "begin", "end", "street", "postcode", "house_number", "city", "x", "y",
                      "buurtcode")


@register
class PolitieBvh(Format):
    code = "politie-bvh"
    name = gettext_lazy("Politie: incidenten (BVH-export)")
    columns = {
        "incident_code": ("Incidentsoort code", "Incidentsoortcode", "Incidentcode", "Code incidentsoort",
                          "Maatschappelijke klasse code"),
        "incident_name": ("Incidentsoort", "Omschrijving incidentsoort"),
        "street": ("Pleegstraatnaam", "Pleegstraat", "Straat"),
        "house_number": ("Pleeghuisnummer", "Huisnummer", "Pleeghuisnr"),
        "postcode": ("Pleegpostcode", "Postcode"),
        "city": ("Pleegplaats", "Plaats"),
        "municipality": ("Pleeggemeente", "Gemeente"),
        "wijk_name": ("Pleegwijk", "Wijk"),
        "buurt_name": ("Pleegbuurt", "Buurt"),
        "buurtcode": ("Buurtcode", "CBS-buurtcode", "Pleegbuurtcode", "Buurt code"),
        "begin": ("Begin-pleegdatum/tijd", "Begin pleegdatum/tijd", "Begindatum/tijd", "Begin-pleegdatum",
                  "Pleegdatum begin"),
        "end": ("Eind-pleegdatum/tijd", "Eind pleegdatum/tijd", "Einddatum/tijd", "Eind-pleegdatum"),
        "reported": ("Kennisnamedatum/tijd", "Kennisname datum/tijd", "Kennisnamedatum", "Registratiedatum"),
        "registration": ("Registratienummer", "Proces-verbaalnummer", "Procesverbaalnummer", "PV-nummer",
                         "Registratienr", "BVH-nummer", "Incidentnummer"),
        "modus_operandi": ("Modus operandi", "MO", "Werkwijze"),
        "loot": ("Buit", "Buitsoort", "Goed", "Gestolen goed"),
        "x": ("X", "X-coördinaat", "X-coordinaat", "RD-X", "Pleeg X", "Xcoord"),
        "y": ("Y", "Y-coördinaat", "Y-coordinaat", "RD-Y", "Pleeg Y", "Ycoord"),
    }
    required = ("incident_code", "begin")

    def begin(self, ctx):
        from areas.models import Buurt
        from dashboards.models import Category

        if ctx.facts_source is None:
            raise Reject(_("Deze bron is niet gekoppeld aan een dashboardbron."))
        codes, unclassified = {}, None
        for pk, _code, kind, police_codes in Category.objects.order_by("code").values_list(
                "pk", "code", "kind", "police_codes"):
            if kind == Category.Kind.UNCLASSIFIED and unclassified is None:
                unclassified = pk
            for police_code in police_codes or ():
                codes.setdefault(police_code.strip().upper(), pk)
        if unclassified is None:
            unclassified = Category.objects.get_or_create(
                code="niet-ingedeeld", defaults={"name": "Niet ingedeeld", "kind": Category.Kind.UNCLASSIFIED})[0].pk
        buurten, municipality_of = {}, {}  # code -> (buurt id, municipality id); buurt id -> municipality id
        for pk, code, municipality_id in Buurt.objects.values_list("pk", "code", "wijk__municipality_id").iterator(
                chunk_size=5000):
            buurten[code.upper()] = (pk, municipality_id)
            municipality_of[pk] = municipality_id
        ctx.state.update(
            codes=codes, unclassified=unclassified, buurten=buurten, municipality_of=municipality_of,
            locator=BuurtLocator.current(),  # the newest loaded indeling of every municipality (ingest.geo)
            dates=DateParser(),
            db_lock=threading.Lock(),  # the load's database work runs beside convert (incidents_load's db_lock)
        )

    def convert(self, batch, ctx):
        state = ctx.state
        codes, unclassified, dates, today = state["codes"], state["unclassified"], state["dates"], ctx.today
        n = len(batch)
        results = [None] * n  # Rejected, or [category, day, time, buurt, municipality, lon, lat, line, address]
        xs = np.full(n, np.nan)
        ys = np.full(n, np.nan)
        unknown = {}
        fallback_dates = 0
        for i, line in enumerate(batch):
            values = line.values
            try:
                raw_code = values["incident_code"]
                code = raw_code.split(" ", 1)[0].upper() if raw_code else ""
                if not code:
                    raise Reject(_("incidentsoort code ontbreekt"))
                category = codes.get(code)
                if category is None:
                    category = unclassified
                    unknown[code] = unknown.get(code, 0) + 1
                text = values["begin"]
                if not text:
                    text = values.get("end") or values.get("reported") or ""
                    if not text:
                        raise Reject(_("begin-pleegdatum ontbreekt"))
                    fallback_dates += 1
                day, time = dates(text)
                if today is not None and day > today:
                    raise Reject(_("datum ligt in de toekomst: %(date)s") % {"date": day.strftime("%d-%m-%Y")})
                x_text, y_text = values.get("x"), values.get("y")
                if x_text and y_text and not (x_text in ("0", "0,0") and y_text in ("0", "0,0")):
                    try:
                        x = float(x_text.replace(",", ".")) if "," in x_text else float(x_text)
                        y = float(y_text.replace(",", ".")) if "," in y_text else float(y_text)
                    except ValueError:
                        raise Reject(_("onleesbare coördinaten: %(x)s; %(y)s") % {"x": x_text[:20], "y": y_text[:20]}) from None
                    if not in_rd_bounds(x, y):
                        raise Reject(_("coördinaten liggen buiten Nederland (RD %(x)s; %(y)s)")
                                     % {"x": x_text[:20], "y": y_text[:20]})
                    xs[i] = x
                    ys[i] = y
            except Reject as exc:
                results[i] = Rejected(line.number, str(exc))
                continue
            results[i] = [category, day, time, None, None, None, None, line, None]

        for code, count in unknown.items():
            ctx.note(_("onbekende incidentsoort %(code)s: ingedeeld als ‘niet ingedeeld’") % {"code": code}, count)
        if fallback_dates:
            ctx.note(_("geen begin-pleegdatum: datum van einde of kennisname gebruikt"), fallback_dates)

        # Place by point: one transformation and one spatial query for the whole batch.
        with_point = np.flatnonzero(~np.isnan(xs))
        if with_point.size:
            lon, lat = rd_to_wgs84(xs[with_point], ys[with_point])
            lon, lat = np.round(lon, 6), np.round(lat, 6)
            found = state["locator"].locate(lon, lat)
            municipality_of = state["municipality_of"]
            for j, i in enumerate(with_point.tolist()):
                row = results[i]
                row[5], row[6] = float(lon[j]), float(lat[j])
                buurt_id = found[j]
                if buurt_id is not None:
                    row[3], row[4] = buurt_id, municipality_of.get(buurt_id)

        # Else by buurtcode, else by postcode + house number.
        buurten = state["buurten"]
        by_address = []
        for i, row in enumerate(results):
            if type(row) is not list or row[3] is not None:
                continue
            values = row[7].values
            code = values.get("buurtcode")
            if code:
                code = code.strip().upper()
                if not code.startswith("BU"):
                    code = "BU" + code.zfill(8)
                place = buurten.get(code)
                if place is None:
                    results[i] = Rejected(row[7].number, _("onbekende buurtcode: %(code)s") % {"code": code[:20]})
                    continue
                row[3], row[4] = place
            elif values.get("postcode") and values.get("house_number"):
                by_address.append(i)
        if by_address:
            with state["db_lock"]:
                self._place_by_address(results, by_address)
        for i, row in enumerate(results):
            if type(row) is list and row[3] is None:
                if row[5] is not None:
                    reason = _("het punt (X/Y) ligt in geen van de geladen buurten")
                else:
                    reason = _("niet te plaatsen: geen X/Y, buurtcode of postcode met huisnummer")
                results[i] = Rejected(row[7].number, reason)

        # Rows out, with their ids.
        sha1, empty = hashlib.sha1, itertools.repeat("")
        for row in results:
            if type(row) is not list:
                yield row
                continue
            category, day, time, buurt_id, municipality_id, lon, lat, line, address_id = row
            values = line.values
            external_id = values.get("registration")
            if external_id:
                external_id = external_id[:64]
            else:
                # the same key whether a column is absent or empty: a re-delivery in another layout still matches;
                # identical rows are numbered #1, #2, ... by the load (incidents_load's fingerprint_prefix)
                key = "\x1f".join(map(values.get, FINGERPRINT_FIELDS, empty)).lower()
                external_id = f"{FINGERPRINT_PREFIX}{sha1(key.encode('utf-8')).hexdigest()[:20]}#1"
            yield (
                external_id, category, day, time, 4 if time is None else time.hour // 6, day.weekday(),
                municipality_id, buurt_id, address_id, lon, lat,
                (values.get("modus_operandi") or "")[:TEXT_MAX], (values.get("loot") or "")[:TEXT_MAX],
                "", None, False,
            )

    def _place_by_address(self, results, indexes):
        from areas.models import Address

        wanted = {}
        for i in indexes:
            values = results[i][7].values
            postcode = values["postcode"].replace(" ", "").upper()
            number = values["house_number"].strip()
            digits = ""
            for char in number:
                if not char.isdigit():
                    break
                digits += char
            if digits:
                wanted.setdefault((postcode, int(digits)), []).append(i)
        if not wanted:
            return
        postcodes = sorted({postcode for postcode, _number in wanted})
        found = {}
        for start in range(0, len(postcodes), 500):
            for postcode, number, buurt_id, municipality_id, pk, lon, lat in Address.objects.filter(
                    postcode__in=postcodes[start:start + 500], buurt__isnull=False).values_list(
                    "postcode", "number", "buurt_id", "buurt__wijk__municipality_id", "pk", "lon", "lat"):
                found.setdefault((postcode, number), (buurt_id, municipality_id, pk, lon, lat))
        for key, rows in wanted.items():
            hit = found.get(key)
            if hit is None:
                continue
            for i in rows:
                row = results[i]
                row[3], row[4], row[8] = hit[0], hit[1], hit[2]
                if row[5] is None and hit[3] is not None:
                    row[5], row[6] = hit[3], hit[4]

    def load(self, rows, ctx):
        from dashboards.services.facts import incidents_load

        return incidents_load(source=ctx.facts_source, rows=rows, import_run=ctx.run.pk if ctx.run else None,
                              fingerprint_prefix=FINGERPRINT_PREFIX, db_lock=ctx.state["db_lock"])

