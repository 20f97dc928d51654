"""CBS wijk- en buurtkaart as GeoJSON: buurten or wijken with their boundaries (format `cbs-gebieden`).

Accepted as CBS and PDOK deliver it:
- attribute names old and new: `BU_CODE, BU_NAAM, WK_CODE, WK_NAAM, GM_CODE, GM_NAAM, AANT_INW` (wijk- en
  buurtkaart up to 2021) and `buurtcode, buurtnaam, wijkcode, wijknaam, gemeentecode, gemeentenaam,
  aantal_inwoners / aantalInwoners / aantal_inwoners_2024` (newer files, PDOK); matched case- and
  punctuation-insensitively. `-99999999` (old maps) and -99997 / -99995 (newer maps) mean secret or unknown.
- a file of buurten (a buurtcode per feature) or of wijken (a wijkcode without buurtcode), or both mixed;
- coordinates in WGS84 or Rijksdriehoek (EPSG:28992): the `crs` member decides, else the coordinate ranges; RD is
  transformed to WGS84 with pyproj (ingest.geo), per batch.
- the indeling (boundary) year from a property (`indeling_jaar`, `jaar`, `jrstatcode`), else the file's own
  `metadata.year`, else a year in the file's `name` member or file name (`buurten_2017.geojson`); a run can also set
  it beforehand as `ctx.state["indeling_jaar"]`.

Inhabitants go to areas.Population for the data year (the year in the attribute name, else the indeling year);
municipalities and wijken are created when missing (a wijk named by its code until a wijken file names it).
Older indelingen keep their own boundaries (areas.BuurtBoundary; see areas/services.py).

The file is streamed feature by feature (a GeoJSON of all 14,000 buurten is ~100 MB): only the current batch of
features is in memory. A Line's number is the feature's position in the file (1 = first feature).
"""
import io
import json
import re

from django.utils.translation import gettext as _

from areas.services import AreaFeature, geography_load

from .. import geo
from ..reading import FileRefused
from .base import Format, Line, Reject, Rejected, register

SECRET_BELOW = -99_990  # -99999999 (old maps), -99997 geheim, -99995 onbekend (newer maps)
YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?!\d)")
CODE = {"buurt": re.compile(r"^BU\d{8}$"), "wijk": re.compile(r"^WK\d{6}$"), "gemeente": re.compile(r"^GM\d{4}$")}
DIGITS = {"buurt": 8, "wijk": 6, "gemeente": 4}
PREFIX = {"buurt": "BU", "wijk": "WK", "gemeente": "GM"}

# normalised property name (lower case, letters and digits only) -> meaning
KEYS = {
    "bucode": "buurt", "buurtcode": "buurt", "codebuurt": "buurt",
    "bunaam": "buurt_name", "buurtnaam": "buurt_name", "naambuurt": "buurt_name",
    "wkcode": "wijk", "wijkcode": "wijk", "codewijk": "wijk",
    "wknaam": "wijk_name", "wijknaam": "wijk_name", "naamwijk": "wijk_name",
    "gmcode": "gemeente", "gemeentecode": "gemeente", "codegemeente": "gemeente",
    "gmnaam": "gemeente_name", "gemeentenaam": "gemeente_name", "naamgemeente": "gemeente_name",
    "statcode": "statcode", "statnaam": "statnaam",
    "indelingjaar": "year", "indelingsjaar": "year", "jaar": "year", "jrstatcode": "year", "jaarstatcode": "year",
}
INHABITANTS = re.compile(r"^(?:aantinw|aantalinwoners|inwoners)(\d{4})?$")


def _norm(key):
    return re.sub(r"[^a-z0-9]", "", str(key).lower())


def _secret(value):
    return isinstance(value, (int, float)) and value <= SECRET_BELOW


def _text(value):
    if value is None or _secret(value):
        return ""
    return str(value).strip()


def _code(level, value):
    """A CBS code in its full form: "0014" -> "GM0014", "BU00140000" stays; "" when absent."""
    text = _text(value).upper().replace(" ", "")
    if text.isdigit():
        text = PREFIX[level] + text.zfill(DIGITS[level])
    return text


def _integer(value):
    """Inhabitants: None for secret/unknown; Reject when not a number."""
    if value is None or value == "" or _secret(value):
        return None
    if isinstance(value, str):
        text = value.strip().replace(".", "")
        if not text:
            return None
        try:
            value = float(text.replace(",", "."))
        except ValueError:
            raise Reject(_("aantal inwoners ‘%(value)s’ is geen getal") % {"value": value[:40]}) from None
        if value <= SECRET_BELOW:
            return None
    if value < 0:
        raise Reject(_("aantal inwoners %(value)s is negatief") % {"value": value})
    return int(value)


class GeoJsonStream:
    """Reads a GeoJSON FeatureCollection from a text stream one feature at a time (json.raw_decode on a sliding
    buffer): `members` collects the top-level members other than `features` (crs, name, metadata) as they pass."""

    CHUNK = 1 << 20

    def __init__(self, text):
        self.text = text
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.members = {}
        self.decoder = json.JSONDecoder()

    def _fill(self):
        if self.pos:
            self.buf = self.buf[self.pos:]
            self.pos = 0
        data = self.text.read(self.CHUNK)
        if not data:
            self.eof = True
        self.buf += data

    def _peek(self):
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n\ufeff":
                self.pos += 1
            if self.pos < len(self.buf) or self.eof:
                return self.buf[self.pos] if self.pos < len(self.buf) else ""
            self._fill()

    def _expect(self, char):
        if self._peek() != char:
            raise FileRefused(_("Dit is geen GeoJSON-bestand (FeatureCollection): ‘%(char)s’ verwacht op positie "
                                "%(pos)s.") % {"char": char, "pos": self.pos})
        self.pos += 1

    def _value(self):
        self._peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError:
                if self.eof:
                    raise FileRefused(_("De GeoJSON is onvolledig of beschadigd.")) from None
                self._fill()
                continue
            if end >= len(self.buf) and not self.eof:  # a number may continue in the next chunk
                self._fill()
                continue
            self.pos = end
            return value

    def features(self):
        self._expect("{")
        while self._peek() != "}":
            key = self._value()
            self._expect(":")
            if key == "features":
                self._expect("[")
                if self._peek() == "]":
                    self.pos += 1
                else:
                    while True:
                        yield self._value()
                        if self.pos > self.CHUNK:
                            self._fill()  # drop what was read
                        char = self._peek()
                        self.pos += 1
                        if char == "]":
                            break
                        if char != ",":
                            raise FileRefused(_("De GeoJSON is onvolledig of beschadigd."))
            else:
                self.members[key] = self._value()
                if key == "type" and self.members[key] != "FeatureCollection":
                    raise FileRefused(_("Dit is geen GeoJSON-bestand (FeatureCollection)."))
            if self._peek() == ",":
                self.pos += 1
        self.pos += 1


@register
class CbsGebieden(Format):
    code = "cbs-gebieden"
    name = "CBS wijk- en buurtkaart (GeoJSON)"
    table = False
    batch_size = 500
    accept_extensions = (".geojson", ".json")

    def begin(self, ctx):
        ctx.state.setdefault("indeling_jaar", None)
        ctx.state["file_year"] = _year_in(_file_name(ctx))

    def lines(self, stream, ctx):
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        reader = GeoJsonStream(text)
        number = 0
        try:
            for feature in reader.features():
                number += 1
                if not isinstance(feature, dict):
                    yield Rejected(number, _("geen GeoJSON-object"))
                    continue
                yield Line(number, {
                    "properties": feature.get("properties") or {},
                    "geometry": feature.get("geometry"),
                    "members": reader.members,
                })
        except UnicodeDecodeError:
            raise FileRefused(_("De GeoJSON is niet in UTF-8 gecodeerd.")) from None
        finally:
            text.detach()
        if number == 0:
            raise FileRefused(_("De GeoJSON bevat geen gebieden (features)."))

    def convert(self, batch, ctx):
        features, rd_at = [], []
        for line in batch:
            try:
                feature = self._feature(line, ctx)
            except Reject as exc:
                features.append(Rejected(line.number, str(exc)))
                continue
            crs = geo.crs_of(line.values["members"].get("crs"), geo.first_coordinate(feature.geometry))
            if crs is None:
                features.append(Rejected(line.number, _("coördinaten buiten Nederland (geen WGS84 of RD)")))
                continue
            if crs == "rd":
                rd_at.append(len(features))
            features.append((line.number, feature))
        if rd_at:
            moved = geo.geometries_rd_to_wgs84([features[i][1].geometry for i in rd_at])
            for i, geometry in zip(rd_at, moved, strict=True):
                features[i][1].geometry = geometry
        for item in features:
            if isinstance(item, Rejected):
                yield item
                continue
            number, feature = item
            first = geo.first_coordinate(feature.geometry)
            if first is None or not geo.in_netherlands([first[0]], [first[1]])[0]:
                yield Rejected(number, _("coördinaten buiten Nederland"))
                continue
            yield feature

    def _feature(self, line, ctx):
        meaning, population = {}, None
        for key, value in line.values["properties"].items():
            normal = _norm(key)
            if normal in KEYS:
                meaning.setdefault(KEYS[normal], value)
                continue
            match = INHABITANTS.match(normal)
            if match and (population is None or match.group(1)):
                population = (value, int(match.group(1)) if match.group(1) else None)
        statcode = _text(meaning.get("statcode")).upper()
        for level in ("buurt", "wijk", "gemeente"):
            if statcode.startswith(PREFIX[level]) and not meaning.get(level):
                meaning[level] = statcode
                meaning.setdefault(f"{level}_name", meaning.get("statnaam"))
        buurt, wijk, gemeente = (_code(level, meaning.get(level)) for level in ("buurt", "wijk", "gemeente"))
        if buurt:
            level, code = "buurt", buurt
            wijk = wijk or "WK" + buurt[2:8]
        elif wijk:
            level, code = "wijk", wijk
        elif gemeente:
            level, code = "gemeente", gemeente
        else:
            raise Reject(_("geen buurtcode, wijkcode of gemeentecode"))
        if not CODE[level].match(code):
            raise Reject(_("code ‘%(code)s’ is geen geldige CBS-code") % {"code": code[:20]})
        gemeente = gemeente or "GM" + code[2:6]
        if level == "buurt" and not CODE["wijk"].match(wijk):
            raise Reject(_("wijkcode ‘%(code)s’ is geen geldige CBS-code") % {"code": wijk[:20]})
        if not CODE["gemeente"].match(gemeente):
            raise Reject(_("gemeentecode ‘%(code)s’ is geen geldige CBS-code") % {"code": gemeente[:20]})
        year = self._year(meaning.get("year"), line.values["members"], ctx)
        geometry = line.values.get("geometry")
        if level != "gemeente":
            if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
                raise Reject(_("%(code)s heeft geen vlak (Polygon of MultiPolygon) als geometrie") % {"code": code})
        else:
            geometry = None  # areas.Municipality keeps no boundary
        inhabitants = population_year = None
        if population is not None and level == "buurt":
            inhabitants = _integer(population[0])
            population_year = population[1] or year
            if inhabitants is None:
                ctx.note(_("inwoners geheim of onbekend (-99999999)"))
        return AreaFeature(
            level=level, code=code, name=_text(meaning.get(f"{level}_name"))[:120],
            wijk_code=wijk if level == "buurt" else "", wijk_name=_text(meaning.get("wijk_name"))[:120],
            municipality_code=gemeente, municipality_name=_text(meaning.get("gemeente_name"))[:120],
            geometry=geometry, year=year, inhabitants=inhabitants, population_year=population_year,
        )

    def _year(self, value, members, ctx):
        text = _text(value)
        if text[:4].isdigit() and YEAR.match(text[:4]):
            return int(text[:4])
        if ctx.state.get("indeling_jaar"):
            return int(ctx.state["indeling_jaar"])
        metadata = members.get("metadata")
        if isinstance(metadata, dict) and YEAR.fullmatch(str(metadata.get("year", ""))):
            return int(metadata["year"])
        found = _year_in(str(members.get("name") or "")) or ctx.state.get("file_year")
        if found:
            return found
        raise Reject(_("indelingsjaar onbekend: geef het mee als eigenschap indeling_jaar of in de bestandsnaam"))

    def load(self, rows, ctx):
        counts = geography_load(features=rows)
        if counts.duplicates:
            ctx.note(_("dubbel gebied in het bestand (eerste telt)"), counts.duplicates)
        return counts


def _file_name(ctx):
    for attribute in ("file_name", "filename", "name"):
        value = getattr(ctx.run, attribute, None)
        if isinstance(value, str) and value:
            return value
    return ctx.state.get("file_name", "")


def _year_in(text):
    found = YEAR.findall(text or "")
    return int(found[-1]) if found else None
