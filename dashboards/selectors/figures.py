"""The figures a dashboard viewer sees: map (per buurt / wijk), trend, dagdeel × weekday grid and the table.

Every function takes a FigureQuery (dashboards.selectors.filters) and reads only the derived tables for sources that
deliver incidents: MonthRollup (per buurt × category × month) for the map, the table, the monthly trend and the buurt
page, Rollup (also per dagdeel × weekday) for the dagdeel grid only, WeekRollup for the weekly trend; AggregateCount
(level buurt) for sources that deliver counts; plus Population, AreaIndicator and the geography. Each figure is one
GROUP BY in the database filtered by source, municipality and period (the tables' (source, municipality, month)
indexes); figures of different sources are never added. Every result carries the
attribution ("Bron: Politie") and whether part of its period is provisional at the source.

The map, the trend and the grid of one query count the same rows, so their totals are equal.
"""
import datetime
import hashlib
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from areas.models import AreaIndicator, Buurt, Population, Wijk
from core import datacache

from ..models import AggregateCount, Category, Dagdeel, Incident, MonthRollup, Rollup, Source, Theme, WeekRollup
from .filters import FigureQuery, FigureQueryError, add_months, figure_query_from_params

LEVEL_BUURT = "buurt"
LEVEL_WIJK = "wijk"
LEVELS = (LEVEL_BUURT, LEVEL_WIJK)
INTERVAL_MONTH = "month"
INTERVAL_WEEK = "week"
INTERVAL_YEAR = "year"
CLASS_COUNT = 5
GEOMETRY_TIMEOUT = 6 * 3600
FIGURES_TIMEOUT = 3600  # a safety net: every load replaces the figures' version (core.datacache)
WEEKDAYS = 7
DAGDELEN = (Dagdeel.NACHT, Dagdeel.OCHTEND, Dagdeel.MIDDAG, Dagdeel.AVOND)
WOS_THEME = "wos-hic"
SORTS = ("rate", "-rate", "count", "-count", "change", "-change", "name", "-name", "inhabitants", "-inhabitants")


# -- results ---------------------------------------------------------------------------------------------------


@dataclass
class AreaFigure:
    """One buurt or wijk: its count for the period and, where enough people live there, the rate per 1000."""

    pk: int
    code: str
    name: str
    wijk_code: str
    inhabitants: int | None
    count: int
    rate: float | None = None
    rate_class: int | None = None
    previous: int | None = None  # the table: the count of the previous equal period

    @property
    def too_few_inhabitants(self):
        return self.inhabitants is not None and self.inhabitants < settings.DASHBOARD_MIN_INHABITANTS

    @property
    def change(self):
        return None if self.previous is None else self.count - self.previous

    @property
    def change_percent(self):
        if not self.previous:
            return None
        return round(100.0 * (self.count - self.previous) / self.previous, 1)


@dataclass
class LegendClass:
    index: int
    low: float
    high: float
    areas: int
    shade: int = 0  # 0 (green) … 4 (red): the colour, spread over the palette when there are fewer classes


@dataclass
class AreaFigures:
    query: FigureQuery
    level: str
    areas: list
    legend: list
    population_year: int | None
    provisional: bool
    without_rate: int = 0

    @property
    def total(self):
        return sum(a.count for a in self.areas)

    @property
    def previous_total(self):
        return sum(a.previous or 0 for a in self.areas)

    @property
    def attribution(self):
        return self.query.attribution


@dataclass
class TrendPoint:
    period: datetime.date
    label: str
    count: int
    previous_year_count: int | None
    provisional: bool = False


@dataclass
class Trend:
    query: FigureQuery
    interval: str
    area_code: str
    area_name: str
    points: list
    provisional: bool

    @property
    def total(self):
        return sum(p.count for p in self.points)

    @property
    def previous_total(self):
        return sum(p.previous_year_count or 0 for p in self.points)

    @property
    def attribution(self):
        return self.query.attribution


@dataclass
class GridCell:
    dagdeel: int
    weekday: int
    count: int
    shade: int = 0  # 0-5, for the shaded table


@dataclass
class DagdeelGrid:
    query: FigureQuery
    area_code: str
    cells: list  # 28: dagdeel-major (nacht..avond) × weekday (maandag..zondag)
    unknown: int  # incidents without a time (Dagdeel.ONBEKEND)
    unknown_by_weekday: list
    provisional: bool

    @property
    def total(self):
        return sum(c.count for c in self.cells) + self.unknown

    @property
    def attribution(self):
        return self.query.attribution

    def rows(self):
        """Per dagdeel: (value, label, [7 cells], row total), for the table."""
        labels = dict(Dagdeel.choices)
        result = []
        for d in DAGDELEN:
            cells = self.cells[d * WEEKDAYS:(d + 1) * WEEKDAYS]
            result.append((int(d), labels[d], cells, sum(c.count for c in cells)))
        return result

    def weekday_totals(self):
        return [sum(self.cells[d * WEEKDAYS + w].count for d in range(len(DAGDELEN))) + self.unknown_by_weekday[w]
                for w in range(WEEKDAYS)]


def weekday_names():
    return [_("maandag"), _("dinsdag"), _("woensdag"), _("donderdag"), _("vrijdag"), _("zaterdag"), _("zondag")]


def weekday_short_names():
    return [_("ma"), _("di"), _("wo"), _("do"), _("vr"), _("za"), _("zo")]


# -- helpers ---------------------------------------------------------------------------------------------------


def is_aggregate(source: Source) -> bool:
    return source.granularity != Source.Granularity.INCIDENT


def _provisional(source: Source, last_day: datetime.date) -> bool:
    return source.provisional_from is not None and last_day >= source.provisional_from


def _rate(count, inhabitants):
    if inhabitants is None or inhabitants < settings.DASHBOARD_MIN_INHABITANTS:
        return None
    return round(count * 1000.0 / inhabitants, 2)


def _rollups(query: FigureQuery, first_month, last_month, *, model=MonthRollup):
    """Rollup rows of the query's source, municipality, months and categories: MonthRollup unless a figure needs
    the dagdeel and weekday (Rollup, some 28 times as many rows)."""
    return model.objects.filter(source=query.source, municipality=query.municipality, month__gte=first_month,
                                 month__lte=last_month, category_id__in=query.categories)


def _aggregates(query: FigureQuery, first_day, last_day):
    """Level-buurt counts of an aggregate source within [first_day, last_day] (whole years or months)."""
    rows = AggregateCount.objects.filter(source=query.source, municipality=query.municipality,
                                         level=AggregateCount.Level.BUURT, category_id__in=query.categories)
    if query.source.granularity == Source.Granularity.YEAR:
        return rows.filter(month=0, year__gte=first_day.year, year__lte=last_day.year)
    rows = rows.filter(month__gte=1, year__gte=first_day.year, year__lte=last_day.year)
    if first_day.year == last_day.year:
        return rows.filter(month__gte=first_day.month, month__lte=last_day.month)
    return rows.filter(Q(year__gt=first_day.year, year__lt=last_day.year)
                       | Q(year=first_day.year, month__gte=first_day.month)
                       | Q(year=last_day.year, month__lte=last_day.month))


def _aggregate_provisional(rows) -> bool:
    return rows.filter(provisional=True).exists()


def _population(municipality, year):
    """{buurt id: inhabitants} of `year`, else of the latest year before it; one query. Also the newest year used."""
    rows = (Population.objects.filter(buurt__wijk__municipality=municipality, year__lte=year)
            .order_by("buurt_id", "-year").values_list("buurt_id", "year", "inhabitants"))
    found, newest = {}, None
    for buurt_id, row_year, inhabitants in rows:
        if buurt_id not in found:
            found[buurt_id] = inhabitants
            newest = row_year if newest is None else max(newest, row_year)
    return found, newest


def _areas(municipality, level):
    """The buurten (or wijken) of the municipality without geometry: [(pk, code, name, wijk_code, wijk_pk)]."""
    if level == LEVEL_WIJK:
        return [(pk, code, name, code, pk) for pk, code, name in
                Wijk.objects.filter(municipality=municipality).order_by("code").values_list("pk", "code", "name")]
    return list(Buurt.objects.filter(wijk__municipality=municipality).order_by("code")
                .values_list("pk", "code", "name", "wijk__code", "wijk_id"))


def rate_classes(rates, count=CLASS_COUNT):
    """Class limits by quantile over the rates ([low, high] per class; fewer classes when rates repeat)."""
    values = sorted(r for r in rates if r is not None)
    if not values:
        return []
    limits = [values[0]]
    for k in range(1, count):
        limits.append(values[min(len(values) - 1, (k * len(values)) // count)])
    limits.append(values[-1])
    bounds = sorted(set(limits))
    if len(bounds) == 1:
        return [(bounds[0], bounds[0])]
    return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def class_of(rate, classes):
    if rate is None or not classes:
        return None
    for index, (_low, high) in enumerate(classes):
        if rate <= high:
            return index
    return len(classes) - 1


# -- map: per buurt or wijk ------------------------------------------------------------------------------------


def _counts_by_buurt(query: FigureQuery, first_day, last_day, *, split_from=None):
    """{buurt id: count} (or {buurt id: (count, previous)} with split_from) over the period; one GROUP BY."""
    if is_aggregate(query.source):
        rows = _aggregates(query, first_day, last_day)
        if split_from is None:
            return dict(rows.values("buurt_id").annotate(n=Sum("count")).values_list("buurt_id", "n"))
        current = (Q(year__gt=split_from.year) | Q(year=split_from.year, month__gte=split_from.month)
                   if query.source.granularity == Source.Granularity.MONTH else Q(year__gte=split_from.year))
        grouped = rows.values("buurt_id").annotate(n=Sum("count", filter=current), p=Sum("count", filter=~current))
    else:
        rows = _rollups(query, first_day.replace(day=1), last_day.replace(day=1))
        if split_from is None:
            return dict(rows.values("buurt_id").annotate(n=Sum("count")).values_list("buurt_id", "n"))
        grouped = rows.values("buurt_id").annotate(n=Sum("count", filter=Q(month__gte=split_from)),
                                                   p=Sum("count", filter=Q(month__lt=split_from)))
    return {row["buurt_id"]: (row["n"] or 0, row["p"] or 0) for row in grouped}


def _figures_key(kind, query: FigureQuery, *parts) -> str:
    """A cache key for a figure of `query`: the data version first (read before computing), then everything the
    figure depends on (source and its provisional mark, municipality, whole-month period, category ids)."""
    source = query.source
    parts = ":".join(map(str, (source.pk, source.granularity, source.provisional_from, query.municipality.pk,
                                query.date_from, query.date_to, ",".join(map(str, query.categories)),
                                settings.DASHBOARD_MIN_INHABITANTS, *parts)))
    digest = hashlib.sha256(parts.encode()).hexdigest()[:32]
    return f"dashboards:figures:{kind}:{datacache.version(datacache.FIGURES)}:{digest}"


def area_figures(query: FigureQuery, *, level=LEVEL_BUURT, with_previous=False) -> AreaFigures:
    """Count, inhabitants and rate per 1000 for every buurt (or wijk: the sum of its buurten) of the municipality.

    Cached per filter until the next load (core.datacache: the figures change only when facts, geography,
    population or the catalogue do); computed, it takes three queries: the counts (one GROUP BY), the population,
    the areas."""
    if level not in LEVELS:
        raise FigureQueryError(_("Kies het niveau 'buurt' of 'wijk'."))
    key = _figures_key("areas", query, level, with_previous)
    cached = cache.get(key)
    if cached is None:
        result = _area_figures(query, level=level, with_previous=with_previous)
        cache.set(key, {name: getattr(result, name) for name in
                        ("level", "areas", "legend", "population_year", "provisional", "without_rate")},
                  FIGURES_TIMEOUT)
        return result
    return AreaFigures(query=query, **cached)


def _area_figures(query: FigureQuery, *, level, with_previous) -> AreaFigures:
    if with_previous:
        first, _last = query.previous_period()
        counts = _counts_by_buurt(query, first, query.date_to, split_from=query.date_from)
    else:
        counts = {pk: (n, None) for pk, n in _counts_by_buurt(query, query.date_from, query.date_to).items()}
    population, population_year = _population(query.municipality, query.date_to.year)
    buurten = _areas(query.municipality, LEVEL_BUURT)
    if is_aggregate(query.source):
        provisional = _aggregate_provisional(_aggregates(query, query.date_from, query.date_to))
        provisional = provisional or _provisional(query.source, query.date_to)
    else:
        provisional = _provisional(query.source, query.date_to)

    if level == LEVEL_BUURT:
        areas = []
        for pk, code, name, wijk_code, _wijk_pk in buurten:
            count, previous = counts.get(pk, (0, 0 if with_previous else None))
            areas.append(AreaFigure(pk=pk, code=code, name=name, wijk_code=wijk_code,
                                    inhabitants=population.get(pk), count=count, previous=previous))
    else:
        areas = [AreaFigure(pk=pk, code=code, name=name, wijk_code=code, inhabitants=None, count=0,
                            previous=0 if with_previous else None)
                 for pk, code, name, _wc, _wp in _areas(query.municipality, LEVEL_WIJK)]
        by_wijk = {a.pk: a for a in areas}
        for pk, _code, _name, _wijk_code, wijk_pk in buurten:  # a wijk is the sum of its buurten
            wijk = by_wijk[wijk_pk]
            count, previous = counts.get(pk, (0, 0 if with_previous else None))
            wijk.count += count
            if previous is not None:
                wijk.previous += previous
            if population.get(pk) is not None:
                wijk.inhabitants = (wijk.inhabitants or 0) + population[pk]
    for area in areas:
        area.rate = _rate(area.count, area.inhabitants)
    classes = rate_classes([a.rate for a in areas])
    spread = max(len(classes) - 1, 1)
    legend = [LegendClass(index=i, low=low, high=high, areas=0, shade=round(i * (CLASS_COUNT - 1) / spread))
              for i, (low, high) in enumerate(classes)]
    without_rate = 0
    for area in areas:
        area.rate_class = class_of(area.rate, classes)
        if area.rate_class is None:
            without_rate += 1
        else:
            legend[area.rate_class].areas += 1
    return AreaFigures(query=query, level=level, areas=areas, legend=legend, population_year=population_year,
                       provisional=provisional, without_rate=without_rate)


def area_table(query: FigureQuery, *, level=LEVEL_BUURT, sort="-rate") -> AreaFigures:
    """The table: every area with its count, rate and change against the previous equal period, sorted."""
    figures = area_figures(query, level=level, with_previous=True)
    sort = sort if sort in SORTS else "-rate"
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    if key == "name":
        figures.areas.sort(key=lambda a: a.name.lower(), reverse=descending)
        return figures
    attribute = {"rate": "rate", "count": "count", "change": "change", "inhabitants": "inhabitants"}[key]
    present = [a for a in figures.areas if getattr(a, attribute) is not None]
    missing = [a for a in figures.areas if getattr(a, attribute) is None]
    present.sort(key=lambda a: (getattr(a, attribute), a.count), reverse=descending)
    figures.areas = present + sorted(missing, key=lambda a: -a.count)  # without a value: always last
    return figures


# -- geometry (large, cached) ----------------------------------------------------------------------------------


def _geometry_version(municipality, level):
    model = Wijk if level == LEVEL_WIJK else Buurt
    scope = {"municipality": municipality} if level == LEVEL_WIJK else {"wijk__municipality": municipality}
    row = model.objects.filter(**scope).aggregate(n=Count("pk"), last=Max("pk"))
    return f"{row['n']}-{row['last']}"


def area_geometries(municipality, level=LEVEL_BUURT, *, areas=None):
    """{area code: geometry as JSON text} of the municipality, cached (shapes are large; the key carries the number
    and the highest id of the areas, so reloaded geography gives a new key; the timeout covers edits in place).
    `areas`: the AreaFigures' areas of this municipality and level, when at hand (saves the version query)."""
    version = f"{len(areas)}-{max((a.pk for a in areas), default=None)}" if areas is not None else None
    key = f"dashboards:geometry:{level}:{municipality.pk}:{version or _geometry_version(municipality, level)}"
    geometries = cache.get(key)
    if geometries is None:
        model = Wijk if level == LEVEL_WIJK else Buurt
        scope = {"municipality": municipality} if level == LEVEL_WIJK else {"wijk__municipality": municipality}
        shapes = {code: geometry for code, geometry in model.objects.filter(**scope).values_list("code", "geometry")}
        if level == LEVEL_WIJK and not all(shapes.values()):
            shapes = {**_wijk_shapes_from_buurten(municipality), **{c: g for c, g in shapes.items() if g}}
        geometries = {code: json.dumps(geometry, separators=(",", ":")) for code, geometry in shapes.items() if geometry}
        cache.set(key, geometries, GEOMETRY_TIMEOUT)
    return geometries


def _wijk_shapes_from_buurten(municipality):
    """A wijk without its own shape is the union of its buurten (geography often loads buurt shapes only)."""
    from shapely import unary_union
    from shapely.geometry import mapping, shape

    parts = {}
    for wijk_code, geometry in (Buurt.objects.filter(wijk__municipality=municipality, geometry__isnull=False)
                                .values_list("wijk__code", "geometry")):
        try:
            parts.setdefault(wijk_code, []).append(shape(geometry).buffer(0))
        except (ValueError, TypeError, KeyError, AttributeError):
            continue  # a broken shape leaves the wijk without a map area; its figures stay in the table
    return {code: mapping(unary_union(shapes).simplify(0.00002)) for code, shapes in parts.items()}


# -- area of a trend or grid -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    level: str  # gemeente, wijk, buurt
    code: str
    name: str
    pk: int


def area_from_code(query: FigureQuery, code) -> Area:
    """The municipality (default), one of its wijken or one of its buurten, by CBS code; another one is unknown."""
    code = (code or "").strip().upper()
    municipality = query.municipality
    if not code or code == municipality.code:
        return Area("gemeente", municipality.code, municipality.name, municipality.pk)
    if code.startswith("WK"):
        wijk = Wijk.objects.filter(code=code, municipality=municipality).values_list("pk", "name").first()
        if wijk:
            return Area("wijk", code, wijk[1], wijk[0])
    elif code.startswith("BU"):
        buurt = (Buurt.objects.filter(code=code, wijk__municipality=municipality)
                 .values_list("pk", "name").first())
        if buurt:
            return Area("buurt", code, buurt[1], buurt[0])
    raise FigureQueryError(_("Onbekend gebied '%(code)s' in gemeente %(municipality)s.")
                           % {"code": code[:12], "municipality": municipality.name})


def _in_area(rows, area: Area):
    if area.level == "wijk":
        return rows.filter(buurt__wijk_id=area.pk) if rows.model is AggregateCount else rows.filter(wijk_id=area.pk)
    if area.level == "buurt":
        return rows.filter(buurt_id=area.pk)
    return rows


# -- trend -----------------------------------------------------------------------------------------------------


def _month_label(day):
    return day.strftime("%Y-%m")


def trend(query: FigureQuery, *, interval=INTERVAL_MONTH, area: Area | None = None) -> Trend:
    """Counts per month (MonthRollup), ISO week (WeekRollup) or, for yearly sources, year, each beside the same period a
    year earlier; one GROUP BY over both years. Weekly: the weeks whose Monday lies in the period."""
    area = area or area_from_code(query, "")
    source = query.source
    if source.granularity == Source.Granularity.YEAR:
        interval = INTERVAL_YEAR
    elif is_aggregate(source) and interval == INTERVAL_WEEK:
        raise FigureQueryError(_("Bron '%(source)s' levert geen weekcijfers: kies per maand.") % {"source": source.name})
    if interval not in (INTERVAL_MONTH, INTERVAL_WEEK, INTERVAL_YEAR):
        raise FigureQueryError(_("Kies interval 'week' of 'month'."))

    points = []
    if interval == INTERVAL_YEAR:
        rows = _in_area(_aggregates(query, add_months(query.date_from, -12), query.date_to), area)
        counts = dict(rows.values("year").annotate(n=Sum("count")).values_list("year", "n"))
        for year in range(query.date_from.year, query.date_to.year + 1):
            day = datetime.date(year, 1, 1)
            points.append(TrendPoint(day, str(year), counts.get(year) or 0, counts.get(year - 1) or 0,
                                     _provisional(source, datetime.date(year, 12, 31))))
        provisional = _aggregate_provisional(_in_area(_aggregates(query, query.date_from, query.date_to), area))
    elif interval == INTERVAL_MONTH:
        first = add_months(query.date_from, -12)
        if is_aggregate(source):
            rows = _in_area(_aggregates(query, first, query.date_to), area)
            counts = {datetime.date(y, m, 1): n for y, m, n in
                      rows.values("year", "month").annotate(n=Sum("count")).values_list("year", "month", "n")}
            provisional = _aggregate_provisional(_in_area(_aggregates(query, query.date_from, query.date_to), area))
        else:
            rows = _in_area(_rollups(query, first, query.month_to), area)
            counts = dict(rows.values("month").annotate(n=Sum("count")).values_list("month", "n"))
            provisional = False
        month = query.date_from
        while month <= query.month_to:
            last = add_months(month, 1) - datetime.timedelta(days=1)
            points.append(TrendPoint(month, _month_label(month), counts.get(month) or 0,
                                     counts.get(add_months(month, -12)) or 0, _provisional(source, last)))
            month = add_months(month, 1)
    else:
        first_week = query.date_from + datetime.timedelta(days=(7 - query.date_from.weekday()) % 7)
        last_week = query.date_to - datetime.timedelta(days=query.date_to.weekday())
        year_back = datetime.timedelta(weeks=52)
        rows = WeekRollup.objects.filter(source=source, municipality=query.municipality,
                                         week__gte=first_week - year_back, week__lte=last_week,
                                         category_id__in=query.categories)
        counts = dict(_in_area(rows, area).values("week").annotate(n=Sum("count")).values_list("week", "n"))
        week = first_week
        while week <= last_week:
            iso = week.isocalendar()
            points.append(TrendPoint(week, f"{iso[0]}-W{iso[1]:02d}", counts.get(week) or 0,
                                     counts.get(week - year_back) or 0,
                                     _provisional(source, week + datetime.timedelta(days=6))))
            week += datetime.timedelta(weeks=1)
        provisional = False
    provisional = provisional or any(p.provisional for p in points)
    return Trend(query=query, interval=interval, area_code=area.code, area_name=area.name, points=points,
                 provisional=provisional)


# -- dagdeel × weekday -----------------------------------------------------------------------------------------


def dagdeel_grid(query: FigureQuery, *, area: Area | None = None) -> DagdeelGrid:
    """28 cells (dagdeel × weekday) and the incidents without a time, which are reported apart so the total still
    equals the map's. One GROUP BY over Rollup. Aggregate sources carry no time of day: a FigureQueryError."""
    if is_aggregate(query.source):
        raise FigureQueryError(_("Bron '%(source)s' levert alleen aantallen, zonder tijdstip: een verdeling over "
                                 "dagdelen is er niet.") % {"source": query.source.name})
    area = area or area_from_code(query, "")
    rows = _in_area(_rollups(query, query.month_from, query.month_to, model=Rollup), area)
    found = {(d, w): n for d, w, n in
             rows.values("dagdeel", "weekday").annotate(n=Sum("count")).values_list("dagdeel", "weekday", "n")}
    cells = [GridCell(int(d), w, found.get((d, w), 0)) for d in DAGDELEN for w in range(WEEKDAYS)]
    highest = max((c.count for c in cells), default=0)
    for cell in cells:
        cell.shade = 0 if not cell.count else 1 + (4 * cell.count) // max(highest, 1)
    unknown_by_weekday = [found.get((Dagdeel.ONBEKEND, w), 0) for w in range(WEEKDAYS)]
    return DagdeelGrid(query=query, area_code=area.code, cells=cells, unknown=sum(unknown_by_weekday),
                       unknown_by_weekday=unknown_by_weekday, provisional=_provisional(query.source, query.date_to))


# -- buurt page ------------------------------------------------------------------------------------------------


@dataclass
class BuurtProfile:
    buurt: Buurt
    figure: AreaFigure
    municipality_count: int
    municipality_inhabitants: int | None
    municipality_rate: float | None
    similar: list
    categories: list  # (code, name, count), largest first
    population: list  # (year, inhabitants)
    indicators: list  # (code, label, year, value)
    modus_operandi: list = field(default_factory=list)  # (text, count)
    loot: list = field(default_factory=list)
    wos_available: bool = False


INDICATOR_LABELS = {
    "huishoudens": gettext_noop("Huishoudens"),
    "bevolkingsdichtheid": gettext_noop("Bevolkingsdichtheid (inwoners per km²)"),
    "woz_gemiddeld": gettext_noop("Gemiddelde WOZ-waarde (× 1000 euro)"),
}


def indicator_label(code):
    label = INDICATOR_LABELS.get(code)
    return _(label) if label else code.replace("_", " ")


def buurt_get(query: FigureQuery, code):
    return (Buurt.objects.select_related("wijk").filter(code=(code or "").strip().upper(),
                                                        wijk__municipality=query.municipality).first())


def buurt_profile(query: FigureQuery, buurt: Buurt, *, similar=5) -> BuurtProfile:
    figures = area_figures(query, level=LEVEL_BUURT)
    by_pk = {a.pk: a for a in figures.areas}
    figure = by_pk[buurt.pk]
    known = [a for a in figures.areas if a.inhabitants is not None]
    municipality_inhabitants = sum(a.inhabitants for a in known) if known else None
    municipality_count = figures.total
    municipality_rate = _rate(municipality_count, municipality_inhabitants)
    # Buurten like this one: the nearest by number of inhabitants (with a rate), the buurt itself left out.
    others = [a for a in figures.areas if a.pk != buurt.pk and a.rate is not None]
    if figure.inhabitants is not None:
        others.sort(key=lambda a: abs(a.inhabitants - figure.inhabitants))
    else:
        others = []
    if is_aggregate(query.source):
        rows = _aggregates(query, query.date_from, query.date_to).filter(buurt=buurt)
    else:
        rows = _rollups(query, query.month_from, query.month_to).filter(buurt=buurt)
    categories = list(rows.values("category__code", "category__name").annotate(n=Sum("count"))
                      .order_by("-n", "category__code").values_list("category__code", "category__name", "n"))
    population = list(Population.objects.filter(buurt=buurt).order_by("year").values_list("year", "inhabitants"))
    latest = {}
    for code, year, value in (AreaIndicator.objects.filter(buurt=buurt).order_by("code", "-year")
                              .values_list("code", "year", "value")):
        latest.setdefault(code, (year, value))
    indicators = [(code, indicator_label(code), year, value) for code, (year, value) in sorted(latest.items())]
    profile = BuurtProfile(buurt=buurt, figure=figure, municipality_count=municipality_count,
                           municipality_inhabitants=municipality_inhabitants, municipality_rate=municipality_rate,
                           similar=others[:similar], categories=categories, population=population,
                           indicators=indicators)
    if not is_aggregate(query.source):
        wos = Theme.objects.filter(slug=WOS_THEME).first()
        wos_ids = list(wos.categories.values_list("pk", flat=True)) if wos else []
        wanted = [pk for pk in wos_ids if pk in set(query.categories)]
        if wanted:
            incidents = Incident.objects.filter(source=query.source, buurt=buurt, category_id__in=wanted,
                                                occurred_on__gte=query.date_from, occurred_on__lte=query.date_to)
            profile.modus_operandi = _grouped(incidents, "modus_operandi")
            profile.loot = _grouped(incidents, "loot")
            profile.wos_available = bool(profile.modus_operandi or profile.loot)
    return profile


def _grouped(incidents, column):
    return [(value or _("onbekend"), n) for value, n in
            incidents.values(column).annotate(n=Count("pk")).order_by("-n", column).values_list(column, "n")]


def category_names(ids):
    return list(Category.objects.filter(pk__in=ids).order_by("code").values_list("code", "name"))


FILTER_PARAMS = ("source", "themes", "categories", "from", "to", "municipality")


def figure_query_for(dashboard, params) -> FigureQuery:
    """The figure filter of a dashboard. An address-level (restricted) dashboard counts only its own address-level
    sources (by default the first of them): its grant opens no other figures."""
    if not dashboard.address_level:
        return figure_query_from_params(params, dashboard=dashboard)
    own = list(Source.objects.filter(address_level=True).order_by("code").values_list("code", flat=True))
    if not own:
        raise FigureQueryError(_("Er is geen bron met gegevens op adresniveau."))
    query = figure_query_from_params(params, dashboard=dashboard, default_source=own[0])
    if query.source.code not in own:
        raise FigureQueryError(_("Dit dashboard toont alleen bronnen met gegevens op adresniveau."))
    return query


def figure_params(querydict):
    """The filter of a request as the one-value dict figure_query_from_params reads: repeated `themes` /
    `categories` (a form's multiple select) joined with commas, empty values left out."""
    params = {}
    for name in FILTER_PARAMS:
        values = [v for v in querydict.getlist(name) if v.strip()] if hasattr(querydict, "getlist") else (
            [querydict[name]] if querydict.get(name) else [])
        if values:
            params[name] = ",".join(values)
    return params


# -- choices of the filter form, interventions -----------------------------------------------------------------


def theme_choices():
    return list(Theme.objects.order_by("name").values_list("slug", "name"))


def category_choices():
    """(code, name) of every category, CBS first in code order, the total (0.0.0) included."""
    return list(Category.objects.exclude(kind=Category.Kind.UNCLASSIFIED).order_by("kind", "code")
                .values_list("code", "name"))


def municipality_choices():
    from areas.models import Municipality

    return list(Municipality.objects.filter(wijken__isnull=False).distinct().order_by("name")
                .values_list("code", "name"))


def wijk_choices(municipality):
    return list(Wijk.objects.filter(municipality=municipality).order_by("name").values_list("code", "name"))


def interventions_in_buurt(buurt):
    """The measures taken in this buurt (read-only here; their own pages show the effect)."""
    from ..models import Intervention

    return list(Intervention.objects.filter(buurten=buurt).order_by("-start", "name"))
