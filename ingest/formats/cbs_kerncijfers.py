"""CBS kerncijfers wijken en buurten: inhabitants and context figures per buurt per year (format `cbs-kerncijfers`).

Accepted layouts:
- the simple CBS open-data table `buurtcode,wijkcode,gemeentecode,aantal_inwoners_2024` (the year in the column
  name);
- StatLine TypedDataSet CSV of the "Kerncijfers wijken en buurten" tables (e.g. 85984NED): `WijkenEnBuurten`
  (keys space-padded, rows for the country, municipalities and wijken mixed with the buurten), `Perioden`
  (`2024JJ00`) where present, and figure columns with StatLine's position suffix: `AantalInwoners_5`,
  `HuishoudensTotaal_28`, `GemiddeldeHuishoudensgrootte_32`, `Bevolkingsdichtheid_33`, `Woningvoorraad_34`,
  `GemiddeldeWOZWaardeVanWoningen_35` (x 1,000 euro), `PercentageUitkeringen...`, `PersonenPerSoortUitkering...`.

Inhabitants go to areas.Population (blank, `.` or `-99999999` = not published: stored as None), the other figures
to areas.AreaIndicator under the codes of INDICATORS. Only buurten are stored: rows of the country, municipalities
and wijken are skipped (counted in the report). The counts of a run are per figure (a buurt with inhabitants and
four indicators counts five).

Unknown buurten: a row whose municipality has geography loaded but whose buurt is not there is rejected (another
indeling, or a typo); a row of a municipality that is not loaded at all is counted as "buiten de geladen gebieden"
and not rejected, so the national file loads for one municipality without tripping the reject threshold. A file of
which no buurt is loaded at all is refused (load the boundaries first, format cbs-gebieden).
"""
import re

from django.utils.translation import gettext as _

from areas.models import Buurt, Municipality
from areas.services import AreaLoadCounts, indicators_load, population_load

from ..reading import FileRefused
from .base import Format, Reject, Rejected, register

YEARS = range(1990, 2041)
POSITIONS = range(1, 200)
NOT_PUBLISHED = {"", ".", "-", "x", "?", "nvt", "n.v.t."}
SECRET_BELOW = -99_990  # -99999999 (old maps), -99997 geheim, -99995 onbekend (newer maps)

# indicator code -> StatLine base names (the column name without its _N suffix) and plain spellings
INDICATORS = {
    "huishoudens": (("HuishoudensTotaal",), ("aantal_huishoudens", "huishoudens", "huishoudens_totaal", "AANTAL_HH")),
    "huishoudensgrootte": (("GemiddeldeHuishoudensgrootte",), ("gemiddelde_huishoudensgrootte", "GEM_HH_GR")),
    "bevolkingsdichtheid": (("Bevolkingsdichtheid",), ("bevolkingsdichtheid", "BEV_DICHTH")),
    "woningvoorraad": (("Woningvoorraad",), ("woningvoorraad", "WONINGEN")),
    "woz_gemiddeld": (("GemiddeldeWOZWaardeVanWoningen", "GemiddeldeWoningwaarde"),
                      ("gemiddelde_woz_waarde", "woz_gemiddeld", "WOZ")),
    "uitkeringen_pct": (("PercentageUitkeringen", "PercentageUitkeringsontvangers", "PercentagePersonenMetUitkering"),
                        ("percentage_uitkeringen", "uitkeringen_pct")),
    "bijstand": (("PersonenPerSoortUitkeringBijstand",), ("personen_bijstand",)),
    "uitkering_ao": (("PersonenPerSoortUitkeringAO",), ("personen_ao_uitkering",)),
    "uitkering_ww": (("PersonenPerSoortUitkeringWW",), ("personen_ww_uitkering",)),
    "uitkering_aow": (("PersonenPerSoortUitkeringAOW",), ("personen_aow_uitkering",)),
}
INHABITANT_BASES = ("AantalInwoners",)
INHABITANT_PLAIN = ("aantal_inwoners", "aantalInwoners", "AANT_INW", "inwoners")


def _spellings(bases, plain):
    names = list(plain)
    for base in bases:
        names.append(base)
        names += [f"{base}_{n}" for n in POSITIONS]
    return names


def _columns():
    columns = {
        "buurtcode": ["buurtcode", "WijkenEnBuurten", "Wijken en buurten", "BU_CODE", "gwb_code_10", "regiocode"],
        "wijkcode": ["wijkcode", "WK_CODE"],
        "gemeentecode": ["gemeentecode", "GM_CODE", "Gemeentecode"],
        "perioden": ["Perioden", "jaar", "peiljaar"],
        "inwoners": _spellings(INHABITANT_BASES, INHABITANT_PLAIN),
    }
    for year in YEARS:
        columns[f"inwoners_{year}"] = [f"aantal_inwoners_{year}", f"aantalInwoners{year}", f"inwoners_{year}",
                                       f"AANT_INW_{year}"]
    for code, (bases, plain) in INDICATORS.items():
        columns[code] = _spellings(bases, plain)
    return columns


def _number(value, column):
    """float or None (not published); Reject on text that is not a number."""
    if value is None:
        return None
    text = str(value).strip()
    if text.lower() in NOT_PUBLISHED:
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")  # 1.234,5 -> 1234.5
    try:
        number = float(text)
    except ValueError:
        raise Reject(_("‘%(value)s’ in kolom %(column)s is geen getal") % {"value": text[:40], "column": column}) from None
    if number <= SECRET_BELOW:
        return None
    return number


# The yearly StatLine tables "Kerncijfers wijken en buurten": a file named after its table has its year.
TABLE_YEARS = {"83765NED": 2017, "84286NED": 2018, "84583NED": 2019, "84799NED": 2020, "85039NED": 2021,
               "85318NED": 2022, "85618NED": 2023, "85984NED": 2024}
PERIOD = re.compile(r"^\s*(\d{4})\s*(JJ00)?\s*$")


@register
class CbsKerncijfers(Format):
    code = "cbs-kerncijfers"
    name = "CBS kerncijfers wijken en buurten (CSV)"
    columns = _columns()
    required = ("buurtcode",)

    def begin(self, ctx):
        ctx.state["buurten"] = dict(Buurt.objects.values_list("code", "pk"))
        ctx.state["loaded_municipalities"] = set(
            Municipality.objects.filter(wijken__buurten__isnull=False).values_list("code", flat=True).distinct()
        )
        from .cbs_gebieden import _file_name, _year_in

        name = _file_name(ctx)
        ctx.state["file_year"] = _year_in(name) or next(
            (year for table, year in TABLE_YEARS.items() if table.lower() in name.lower()), None)
        ctx.state["matched"] = 0

    def convert(self, batch, ctx):
        buurten = ctx.state["buurten"]
        for line in batch:
            values = line.values
            code = str(values.get("buurtcode") or "").strip().upper()
            if not code:
                yield Rejected(line.number, _("buurtcode ontbreekt"))
                continue
            if not code.startswith("BU"):
                ctx.note(_("regels voor land, gemeenten en wijken overgeslagen"))
                continue
            buurt_id = buurten.get(code)
            if buurt_id is None:
                municipality = str(values.get("gemeentecode") or "").strip().upper() or "GM" + code[2:6]
                if municipality in ctx.state["loaded_municipalities"]:
                    yield Rejected(line.number, _(
                        "buurt %(code)s is onbekend in gemeente %(municipality)s (andere indeling? laad eerst de "
                        "buurtgrenzen van dit jaar)") % {"code": code[:12], "municipality": municipality})
                else:
                    ctx.note(_("buurten buiten de geladen gebieden overgeslagen"))
                continue
            ctx.state["matched"] += 1
            try:
                yield self._row(line, buurt_id, ctx)
            except Reject as exc:
                yield Rejected(line.number, str(exc))

    def _row(self, line, buurt_id, ctx):
        values = line.values
        year = None
        period = values.get("perioden")
        if period not in (None, ""):
            match = PERIOD.match(str(period))
            if not match:
                raise Reject(_("periode ‘%(value)s’ is geen jaar (zoals 2024JJ00)") % {"value": str(period)[:20]})
            year = int(match.group(1))
        inhabitants_column = "inwoners" if "inwoners" in values else None
        for candidate in YEARS:
            if f"inwoners_{candidate}" in values:
                inhabitants_column = f"inwoners_{candidate}"
                year = year or candidate
        year = year or ctx.state.get("file_year")
        if year is None:
            raise Reject(_("jaar onbekend: geen kolom Perioden en geen jaar in de kolomnaam of bestandsnaam"))
        figures = {code: _number(values[code], code) for code in INDICATORS if code in values}
        population = None
        if inhabitants_column:
            inhabitants = _number(values[inhabitants_column], inhabitants_column)
            if inhabitants is not None and inhabitants < 0:
                raise Reject(_("aantal inwoners %(value)s is negatief") % {"value": inhabitants})
            population = (buurt_id, year, None if inhabitants is None else int(inhabitants))
        if population is None and not figures:
            raise Reject(_("geen kolom met kerncijfers (zoals aantal_inwoners of AantalInwoners_5)"))
        return population, [(buurt_id, year, code, value) for code, value in figures.items()]

    def load(self, rows, ctx):
        population, indicators = [], []
        for person_row, indicator_rows in rows:
            if person_row is not None:
                population.append(person_row)
            indicators += indicator_rows
        if not population and not indicators:
            if not ctx.state["matched"] and ctx.notes.get(_("buurten buiten de geladen gebieden overgeslagen")):
                raise FileRefused(_("Geen enkele buurt uit dit bestand is geladen: laad eerst de buurtgrenzen "
                               "(bron cbs-gebieden)."))
            return AreaLoadCounts()
        counts = population_load(rows=population) + indicators_load(rows=indicators)
        if counts.duplicates:
            ctx.note(_("dubbele buurt en jaar in het bestand (eerste telt)"), counts.duplicates)
        return counts
