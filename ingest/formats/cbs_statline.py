"""CBS/Politie open data: registered crimes per area from StatLine tables 47018NED (per year) and 47022NED (per month).

Three layouts of the same table are read, the header decides (see `columns`):

- the TypedDataSet CSV of the OData API: `ID, SoortMisdrijf, WijkenEnBuurten, Perioden, GeregistreerdeMisdrijven_1`
  with space-padded keys (`"GM0034    "`, `"0.0.0   "`) and periods `2023JJ00` (the year) or `2023MM01` (January);
- the simplified layout of the demo data (`buurtcode,...,perioden,soort_misdrijf,...,geregistreerde_misdrijven`);
- StatLine's "human" CSV download (`Soort misdrijf;Wijken en buurten;Perioden;Geregistreerde misdrijven (aantal)`),
  with titles instead of keys ("Totaal misdrijven", "2023 januari"); an area is recognised by a CBS code in the cell
  or a `Codering (code)` column, else by a name that is unique among the loaded municipalities, wijken and buurten.

Rows for municipalities (GM), wijken (WK) and buurten (BU) may be mixed in one file; each becomes an AggregateCount
of its level, linked to the municipality, wijk and buurt where that geography is loaded (the municipality of a buurt
follows from its code: BU0034xxxx lies in GM0034). Rows for the whole country (NL00) or provinces and other regions
are skipped with a note. When municipalities are loaded, rows of other municipalities are skipped too (a national
file fills only the installation's own areas); with no geography loaded every row is kept.

Values: empty, `.` and `x` mean suppressed (kept as None, never as zero); `-` is CBS's "nihil" (0). A trailing `*`
on the period or the value, or a `Status` column saying "Voorlopig", marks the figure provisional.

Which dashboard source: per row, by the kind of period. Year figures go to the run's facts source (ImportSource.facts_source) when that
is a yearly source, else to `cbs-misdrijven`; month figures to its facts source when that is a monthly source, else
to `cbs-misdrijven-maand`. A file that mixes both is loaded into both, in one transaction. A later file replaces
the counts it covers (upsert by source, category, area, year and month).
"""
import pickle  # nosec B403  # only for this module's own temporary spool file (below)
import re
import tempfile
import unicodedata

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards.catalogue import TOTAL_CODE
from dashboards.services.facts import aggregate_counts_load

from .base import Format, Rejected, register

YEAR_SOURCE = "cbs-misdrijven"
MONTH_SOURCE = "cbs-misdrijven-maand"

MONTHS = {name: number for number, name in enumerate(
    ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
     "november", "december"], start=1)}

_AREA_CODE = re.compile(r"\b(NL\d{2}|GM\d{4}|WK\d{6}|BU\d{8}|PV\d{2}|LD\d{2}|CR\d{2}|RE\d{2})\b")
_CBS_KEY = re.compile(r"^(\d+\.\d+\.\d+)\b")
_TYPED_PERIOD = re.compile(r"^(\d{4})(JJ|MM|KW|HJ)(\d{2})$")
_HUMAN_PERIOD = re.compile(r"^(\d{4})(?:\s+(\w+))?(?:\s+(\w+))?$")
_THOUSANDS = re.compile(r"^\d{1,3}(?:[.\s]\d{3})+$")
SUPPRESSED = {"", ".", "x", "X"}
PROVISIONAL_STATUS = {"voorlopig", "voorlopige cijfers", "voorlopig cijfer", "provisional", "nader voorlopig"}


def _fold(text):
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _show(value, size=40):
    """A cell as quoted in a reason: trimmed, never evaluated."""
    value = str(value).strip()
    return value if len(value) <= size else value[:size] + "…"


@register
class CbsStatline(Format):
    code = "cbs-statline"
    name = gettext_lazy("CBS/Politie open data (StatLine 47018NED/47022NED)")
    columns = {
        "soort_misdrijf": ("SoortMisdrijf", "Soort misdrijf", "soort_misdrijf", "Soorten misdrijven"),
        "area": ("WijkenEnBuurten", "Wijken en buurten", "buurtcode", "gebiedscode", "Regio's", "Regios",
                 "RegioS"),
        "area_code": ("Codering (code)", "Codering_3", "Codering", "Regiocode (code)", "Wijken en buurten (code)",
                      "Regiocode"),
        "period": ("Perioden", "perioden", "periode"),
        "count": ("GeregistreerdeMisdrijven_1", "TotaalGeregistreerdeMisdrijven_1", "geregistreerde_misdrijven",
                  "Geregistreerde misdrijven (aantal)", "Geregistreerde misdrijven", "Totaal geregistreerde misdrijven",
                  "Geregistreerde misdrijven/Totaal geregistreerde misdrijven (aantal)"),
        "status": ("Status", "Perioden_Status", "status"),
    }
    required = ("soort_misdrijf", "area", "period", "count")

    # -- once per run -----------------------------------------------------------------------------------------

    def begin(self, ctx):
        from areas.models import Buurt, Municipality, Wijk
        from dashboards.models import Category

        categories, titles = {}, {}
        for pk, code, name in Category.objects.filter(kind="cbs").values_list("pk", "code", "name"):
            categories[code] = pk
            titles[_fold(name)] = code
            titles[_fold(f"{code} {name}")] = code
        municipalities = dict(Municipality.objects.values_list("code", "pk"))
        wijken = {code: (pk, mun) for code, pk, mun in Wijk.objects.values_list("code", "pk", "municipality_id")}
        buurten = {
            code: (pk, wijk, mun)
            for code, pk, wijk, mun in Buurt.objects.values_list("code", "pk", "wijk_id", "wijk__municipality_id")
        }
        names = {}
        for code, name in [*Municipality.objects.values_list("code", "name"), *Wijk.objects.values_list("code", "name"),
                           *Buurt.objects.values_list("code", "name")]:
            key = _fold(name)
            names[key] = None if key in names else code  # an ambiguous name places nothing
        ctx.state.update(
            categories=categories, titles=titles, municipalities=municipalities, wijken=wijken, buurten=buurten,
            names=names, sources=_sources(ctx),
        )

    # -- per batch --------------------------------------------------------------------------------------------

    def convert(self, batch, ctx):
        state = ctx.state
        today = _today(ctx)
        for line in batch:
            try:
                row = self._row(line.values, state, today, ctx)
            except _Reason as reason:
                yield Rejected(line.number, str(reason))
                continue
            if row is not None:
                yield row

    def _row(self, values, state, today, ctx):
        area = _area_code(values, state["names"])
        category_id = _category(values.get("soort_misdrijf"), state)
        year, month, provisional = _period(values.get("period"), today)
        count, star = _count(values.get("count"))
        provisional = provisional or star or _fold(values.get("status") or "") in PROVISIONAL_STATUS
        prefix = area[:2]
        if prefix == "NL":
            ctx.note(_("Landelijke cijfers (NL00) niet opgeslagen"))
            return None
        if prefix not in ("GM", "WK", "BU"):
            ctx.note(_("Cijfers van provincies en andere regio's niet opgeslagen"))
            return None
        municipality_code = "GM" + area[2:6]
        municipality_id = state["municipalities"].get(municipality_code)
        if state["municipalities"] and municipality_id is None:
            ctx.note(_("Gebieden buiten de geladen gemeenten overgeslagen"))
            return None
        wijk_id = buurt_id = None
        if prefix == "GM":
            level = "gemeente"
        elif prefix == "WK":
            level = "wijk"
            if area in state["wijken"]:
                wijk_id, municipality_id = state["wijken"][area]
        else:
            level = "buurt"
            if area in state["buurten"]:
                buurt_id, wijk_id, municipality_id = state["buurten"][area]
            elif ("WK" + area[2:8]) in state["wijken"]:
                wijk_id = state["wijken"]["WK" + area[2:8]][0]
        if (level == "gemeente" and municipality_id is None) or (level == "wijk" and wijk_id is None) or (
                level == "buurt" and buurt_id is None):
            ctx.note(_("Gebied niet in de geladen indeling (wel opgeslagen op de CBS-code)"))
        kind = "month" if month else "year"
        return kind, (category_id, area, level, municipality_id, wijk_id, buurt_id, year, month, count, provisional)

    # -- the write ----------------------------------------------------------------------------------------------

    def load(self, rows, ctx):
        """Year rows stream straight into the yearly source; month rows (usually a file has only one kind) wait in
        a temporary file and are loaded next, so memory stays flat either way."""
        sources = ctx.state["sources"]
        run_id = getattr(ctx.run, "pk", None)
        with tempfile.TemporaryFile() as spool:
            spooled = 0

            def years():
                nonlocal spooled
                for kind, row in rows:
                    if kind == "year":
                        yield row
                    else:
                        pickle.dump(row, spool)
                        spooled += 1

            counts = aggregate_counts_load(source=sources["year"], rows=years(), import_run=run_id)
            if spooled:
                spool.seek(0)

                def months():
                    for _i in range(spooled):
                        yield pickle.load(spool)  # noqa: S301  # nosec B301  # our own temporary file, written just above

                counts = counts + aggregate_counts_load(source=sources["month"], rows=months(), import_run=run_id)
        return counts


class _Reason(Exception):
    pass


def _today(ctx):
    import datetime

    return ctx.today or datetime.date.today()


def _sources(ctx):
    """{"year": Source, "month": Source}: the run's facts source where its granularity fits, else the catalogue's
    CBS sources."""
    from dashboards.models import Source

    chosen = {"year": YEAR_SOURCE, "month": MONTH_SOURCE}
    configured = ctx.facts_source
    if configured is not None and configured.granularity in chosen:
        chosen[configured.granularity] = configured.code
    return {kind: Source.objects.get(code=code) for kind, code in chosen.items()}


def _area_code(values, names):
    raw = values.get("area_code") or values.get("area") or ""
    text = str(raw).strip().upper()
    match = _AREA_CODE.search(text)
    if match:
        return match.group(1)
    if values.get("area_code"):  # a code column that holds no code: fall back on the area's name
        text = str(values.get("area") or "").strip().upper()
        match = _AREA_CODE.search(text)
        if match:
            return match.group(1)
    name = _fold(values.get("area") or "")
    if name in ("nederland", "nederland totaal"):
        return "NL00"
    code = names.get(name)
    if code:
        return code
    if not str(values.get("area") or "").strip():
        raise _Reason(_("Gebiedscode ontbreekt."))
    raise _Reason(_("Gebied ‘%(area)s’ is geen CBS-code (GM, WK of BU) en geen eenduidige naam van een geladen "
                    "gemeente, wijk of buurt.") % {"area": _show(values.get("area"))})


def _category(value, state):
    text = str(value or "").strip()
    if not text:
        raise _Reason(_("Soort misdrijf ontbreekt."))
    match = _CBS_KEY.match(text)
    code = match.group(1) if match else state["titles"].get(_fold(text))
    if code is None and _fold(text) in ("totaal misdrijven", "totaal"):
        code = TOTAL_CODE
    if code is None or code not in state["categories"]:
        raise _Reason(_("Onbekende soort misdrijf ‘%(value)s’ (niet in de CBS-indeling).") % {"value": _show(text)})
    return state["categories"][code]


def _period(value, today):
    """(year, month, provisional); month 0 is the whole year."""
    text = str(value or "").strip()
    provisional = text.endswith("*")
    text = text.rstrip("*").strip()
    if not text:
        raise _Reason(_("Periode ontbreekt."))
    match = _TYPED_PERIOD.match(text.upper())
    if match:
        year, kind, number = int(match.group(1)), match.group(2), int(match.group(3))
        if kind == "JJ" and number == 0:
            month = 0
        elif kind == "MM" and 1 <= number <= 12:
            month = number
        elif kind in ("KW", "HJ"):
            raise _Reason(_("Periode ‘%(value)s’: kwartaal- en halfjaarcijfers worden niet ondersteund, alleen jaren "
                            "(JJ00) en maanden (MM01–MM12).") % {"value": _show(text)})
        else:
            raise _Reason(_("Periode ‘%(value)s’ is geen geldige periode.") % {"value": _show(text)})
    else:
        match = _HUMAN_PERIOD.match(_fold(text))
        if not match:
            raise _Reason(_("Periode ‘%(value)s’ is geen geldige periode (verwacht bijvoorbeeld 2023JJ00, 2023MM01, "
                            "2023 of 2023 januari).") % {"value": _show(text)})
        year, word, rest = int(match.group(1)), match.group(2), match.group(3)
        if word is None:
            month = 0
        elif word in MONTHS and rest is None:
            month = MONTHS[word]
        elif (rest or "").startswith("kwartaal") or "kwartaal" in (word or "") or (word or "").startswith("halfjaar"):
            raise _Reason(_("Periode ‘%(value)s’: kwartaal- en halfjaarcijfers worden niet ondersteund, alleen jaren "
                            "(JJ00) en maanden (MM01–MM12).") % {"value": _show(text)})
        else:
            raise _Reason(_("Periode ‘%(value)s’ is geen geldige periode.") % {"value": _show(text)})
    if year < 1900:
        raise _Reason(_("Periode ‘%(value)s’ is geen geldige periode.") % {"value": _show(text)})
    if (year, month or 1) > (today.year, today.month):
        raise _Reason(_("Periode ‘%(value)s’ ligt in de toekomst.") % {"value": _show(text)})
    return year, month, provisional


def _count(value):
    """(count or None when suppressed, provisional star)."""
    text = str(value if value is not None else "").strip()
    star = text.endswith("*")
    text = text.rstrip("*").strip()
    if text in SUPPRESSED:
        return None, star
    if text == "-":
        return 0, star
    if _THOUSANDS.match(text):
        text = re.sub(r"[.\s]", "", text)
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        raise _Reason(_("Aantal ‘%(value)s’ is geen getal.") % {"value": _show(text)}) from None
    if number < 0 or number != int(number) or number > 2_000_000_000:
        raise _Reason(_("Aantal ‘%(value)s’ is geen geldig aantal (een heel getal van 0 of meer).")
                      % {"value": _show(text)})
    return int(number), star
