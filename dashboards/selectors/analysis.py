"""Reads of the analysis pages: unusual rises (Opvallend), hotspots, the daily report and the user's alerts.

Opvallend reads WeekRollup only, in one GROUP BY per buurt × theme. Hotspots and the daily report read raw
incidents of one municipality and a bounded period (one query each), which analysis pages may do.
"""
import datetime
import json
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.models import Buurt

from .. import stats
from ..models import Alert, AlertSubscription, Dagdeel, Incident, Source, Theme, WeekRollup
from .filters import FigureQueryError, figure_query_from_params

CURRENT_WEEKS = 4
BASELINE_WEEKS = 52
CELL_SIZES = (100, 200, 250, 500)
DEFAULT_CELL_SIZE = 200
MAX_INCIDENTS = 200_000  # one municipality's points of a year or two; beyond this the page asks for a shorter period


# -- common -------------------------------------------------------------------------------------------------------


def analysis_query_from_params(params, *, dashboard=None, today=None):
    """The figure filter of the analysis pages: FigureQuery rules, and never an address-level source (Opvallend,
    hotspots and the daily report show aggregate-level data only). Raises FigureQueryError (400)."""
    query = figure_query_from_params(params, dashboard=dashboard, today=today)
    if query.source.address_level:
        raise FigureQueryError(_("Deze bron is op adresniveau en hoort niet in deze analyse."))
    if query.source.granularity != Source.Granularity.INCIDENT:
        raise FigureQueryError(_("Deze analyse kan alleen met een bron van losse incidenten (bijvoorbeeld Politie)."))
    return query


def incident_sources():
    """The sources the analysis pages offer (single incidents, not address-level)."""
    return Source.objects.filter(granularity=Source.Granularity.INCIDENT, address_level=False).order_by("name")


# -- Opvallend ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpvallendPeriod:
    current_from: datetime.date  # Monday of the first of the 4 whole ISO weeks
    current_to: datetime.date  # Sunday of the last whole ISO week (the period end)
    baseline_from: datetime.date  # Monday, 52 weeks before current_from
    baseline_to: datetime.date  # Sunday before current_from

    @property
    def current_weeks(self):
        return _iso_weeks(self.current_from, CURRENT_WEEKS)

    @property
    def baseline_weeks(self):
        return _iso_weeks(self.baseline_from, BASELINE_WEEKS)

    def as_dict(self):
        return {
            "currentFrom": self.current_from.isoformat(), "currentTo": self.current_to.isoformat(),
            "baselineFrom": self.baseline_from.isoformat(), "baselineTo": self.baseline_to.isoformat(),
            "currentWeeks": self.current_weeks, "baselineWeeks": [self.baseline_weeks[0], self.baseline_weeks[-1]],
        }


def _iso_weeks(monday, count):
    labels = []
    for offset in range(count):
        year, week, _day = (monday + datetime.timedelta(weeks=offset)).isocalendar()
        labels.append(f"{year}-W{week:02d}")
    return labels


def opvallend_period(today=None):
    """The last 4 whole ISO weeks before the week of `today`, and the 52 weeks before them."""
    today = today or timezone.localdate()
    this_monday = today - datetime.timedelta(days=today.weekday())
    current_from = this_monday - datetime.timedelta(weeks=CURRENT_WEEKS)
    baseline_from = current_from - datetime.timedelta(weeks=BASELINE_WEEKS)
    return OpvallendPeriod(current_from=current_from, current_to=this_monday - datetime.timedelta(days=1),
                           baseline_from=baseline_from, baseline_to=current_from - datetime.timedelta(days=1))


@dataclass(frozen=True)
class OpvallendRow:
    buurt_id: int
    buurt_code: str
    buurt_name: str
    wijk_id: int
    theme_id: int
    theme_slug: str
    theme_name: str
    current: int
    baseline_total: int
    expected: float
    z: float


@dataclass(frozen=True)
class Opvallend:
    period: OpvallendPeriod
    rows: list = field(default_factory=list)  # OpvallendRow, highest z first
    threshold: float = stats.Z_THRESHOLD


def opvallend(*, source, municipality, themes=None, today=None, threshold=stats.Z_THRESHOLD):
    """Buurt × theme combinations of one municipality whose count of the last 4 whole ISO weeks is unusually high
    against the mean 4-week count of the 52 weeks before (Wheeler's Poisson z ≥ threshold). One GROUP BY over
    WeekRollup joined to the theme's categories; `themes` limits the themes (default: all)."""
    period = opvallend_period(today)
    end = period.current_to + datetime.timedelta(days=1)
    rollups = WeekRollup.objects.filter(source=source, municipality=municipality, week__gte=period.baseline_from,
                                        week__lt=end)
    if themes:
        rollups = rollups.filter(category__themes__in=[t.pk for t in themes])
    else:
        rollups = rollups.filter(category__themes__isnull=False)
    grouped = (
        rollups.values("buurt_id", "buurt__code", "buurt__name", "wijk_id", "category__themes",
                       "category__themes__slug", "category__themes__name")
        .annotate(current=Sum("count", filter=Q(week__gte=period.current_from)),
                  baseline=Sum("count", filter=Q(week__lt=period.current_from)))
        .order_by()
    )
    rows = []
    for item in grouped:
        current, baseline = item["current"] or 0, item["baseline"] or 0
        expected = stats.expected_four_weeks(baseline, BASELINE_WEEKS)
        z = stats.wheeler_z(current, expected)
        if stats.is_unusual(z, threshold):
            rows.append(OpvallendRow(
                buurt_id=item["buurt_id"], buurt_code=item["buurt__code"], buurt_name=item["buurt__name"],
                wijk_id=item["wijk_id"], theme_id=item["category__themes"], theme_slug=item["category__themes__slug"],
                theme_name=item["category__themes__name"], current=current, baseline_total=baseline,
                expected=expected, z=z))
    rows.sort(key=lambda r: (-r.z, r.buurt_code, r.theme_slug))
    return Opvallend(period=period, rows=rows, threshold=threshold)


# -- alerts -------------------------------------------------------------------------------------------------------


def alert_subscriptions_for_user(*, user):
    return (AlertSubscription.objects.filter(user=user)
            .select_related("theme", "municipality", "wijk", "buurt").order_by("theme__name", "pk"))


def alert_subscription_get_for_user(*, user, pk):
    """The user's own subscription, or None alike for a missing one and someone else's."""
    return AlertSubscription.objects.filter(user=user, pk=pk).first()


def alerts_for_user(*, user, limit=100):
    return (Alert.objects.filter(subscription__user=user)
            .select_related("buurt", "buurt__wijk", "theme").order_by("-period_end", "-z")[:limit])


def alert_unread_count(*, user):
    return Alert.objects.filter(subscription__user=user, read_at__isnull=True).count()


def alert_subscriptions_active():
    """Every subscription with its user, theme and area (for the alert job)."""
    return (AlertSubscription.objects.filter(user__is_active=True)
            .select_related("user", "theme", "municipality", "wijk", "buurt").order_by("municipality_id", "pk"))


def themes_all():
    return Theme.objects.order_by("name")


# -- hotspots -----------------------------------------------------------------------------------------------------


@lru_cache(maxsize=2)
def _transformer(inverse=False):
    from pyproj import Transformer

    if inverse:
        return Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)
    return Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)


def to_rd(lon, lat):
    """WGS84 lon/lat to Rijksdriehoek metres (EPSG:28992)."""
    return _transformer().transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))


def from_rd(x, y):
    return _transformer(True).transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))


@dataclass(frozen=True)
class HotspotCell:
    row: int
    col: int
    lon: float
    lat: float
    bounds: tuple  # ((south, west), (north, east)) in WGS84
    count: int
    density: float  # incidents per km²
    z: float
    p: float
    p_adjusted: float
    hotspot: bool


@dataclass(frozen=True)
class Hotspots:
    cell_size: int
    bandwidth: float
    incidents: int  # with a point
    without_point: int
    cells: list  # every analysed cell
    alpha: float = stats.FDR_ALPHA
    too_large: bool = False
    study_area: str = "bbox"  # "buurten": cells inside the municipality's buurt shapes (plus cells with incidents)

    @property
    def significant(self):
        return sorted((c for c in self.cells if c.hotspot), key=lambda c: (-c.z, c.p_adjusted))

    @property
    def tested(self):
        return len(self.cells)


def _municipality_area(municipality):
    """The union of the municipality's buurt shapes (WGS84 shapely geometry), or None without shapes."""
    from shapely.geometry import shape
    from shapely.ops import unary_union

    shapes = [g for g in Buurt.objects.filter(wijk__municipality=municipality).values_list("geometry", flat=True) if g]
    if not shapes:
        return None
    try:
        return unary_union([shape(g).buffer(0) for g in shapes])
    except (ValueError, TypeError, AttributeError, KeyError):
        return None


def municipality_outline(municipality, tolerance=0.0004):
    """The municipality's outline as GeoJSON (simplified to about 40 m), the background of the analysis maps when no
    tile layer is configured; None without buurt shapes."""
    import shapely
    from shapely.geometry import mapping

    area = _municipality_area(municipality)
    if area is None or area.is_empty:
        return None
    simplified = shapely.set_precision(area.simplify(tolerance, preserve_topology=True), 0.00001)
    return {"type": "Feature", "properties": {"name": municipality.name},
            "geometry": json.loads(json.dumps(mapping(simplified)))}


def _study_mask(grid, municipality):
    """Cells whose centre lies in one of the municipality's buurt shapes; None without shapes."""
    import shapely

    area = _municipality_area(municipality)
    if area is None:
        return None
    area = shapely.transform(area, lambda x, y: _transformer().transform(x, y), interleaved=False)
    cols, rows = np.meshgrid(np.arange(grid.cols), np.arange(grid.rows))
    cx, cy = grid.x0 + (cols + 0.5) * grid.size, grid.y0 + (rows + 0.5) * grid.size
    return shapely.contains_xy(area, cx, cy)


def hotspots(*, query, cell_size=DEFAULT_CELL_SIZE, bandwidth=None):
    """Counts per grid cell, kernel density and Gi* with FDR for the incidents with a point of one municipality,
    period and categories (one query of the raw incidents)."""
    bandwidth = float(bandwidth or 1.5 * cell_size)
    points = list(
        Incident.objects.filter(source=query.source, municipality=query.municipality,
                                occurred_on__gte=query.date_from, occurred_on__lte=query.date_to,
                                category_id__in=query.categories)
        .values_list("lon", "lat")[: MAX_INCIDENTS + 1]
    )
    with_point = [(lon, lat) for lon, lat in points if lon is not None and lat is not None]
    without = len(points) - len(with_point)
    empty = Hotspots(cell_size=cell_size, bandwidth=bandwidth, incidents=len(with_point), without_point=without,
                     cells=[])
    if len(points) > MAX_INCIDENTS or not with_point:
        return Hotspots(**{**empty.__dict__, "too_large": len(points) > MAX_INCIDENTS})
    lon, lat = np.array(with_point).T
    x, y = to_rd(lon, lat)
    try:
        grid = stats.grid_for(x, y, size=cell_size)
    except stats.GridTooLarge:
        return Hotspots(**{**empty.__dict__, "too_large": True})
    mask = _study_mask(grid, query.municipality)
    result = stats.hotspot_analysis(grid, x, y, mask=mask, bandwidth=bandwidth)
    cx = grid.x0 + (result.cols + 0.5) * grid.size
    cy = grid.y0 + (result.rows + 0.5) * grid.size
    clon, clat = from_rd(cx, cy)
    west, south = from_rd(cx - grid.size / 2, cy - grid.size / 2)
    east, north = from_rd(cx + grid.size / 2, cy + grid.size / 2)
    cells = [
        HotspotCell(row=int(result.rows[i]), col=int(result.cols[i]), lon=round(float(clon[i]), 6),
                    lat=round(float(clat[i]), 6),
                    bounds=((round(float(south[i]), 6), round(float(west[i]), 6)),
                            (round(float(north[i]), 6), round(float(east[i]), 6))),
                    count=int(result.counts[i]), density=round(float(result.density[i]), 2),
                    z=round(float(result.z[i]), 3), p=float(result.p[i]), p_adjusted=float(result.p_adjusted[i]),
                    hotspot=bool(result.hotspot[i]))
        for i in range(result.rows.size)
    ]
    return Hotspots(cell_size=cell_size, bandwidth=bandwidth, incidents=len(with_point), without_point=without,
                    cells=cells, study_area="buurten" if mask is not None else "bbox")


# -- daily report ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DagrapportRow:
    occurred_on: datetime.date
    occurred_time: datetime.time | None
    dagdeel: int
    category: str
    buurt: str
    wijk: str
    lon: float | None  # rounded to about 100 m: the report shows where, not whose address
    lat: float | None


@dataclass(frozen=True)
class Dagrapport:
    start: datetime.datetime
    end: datetime.datetime
    day: datetime.date | None  # a calendar day asked for with ?datum=, else None (the last 24 hours)
    rows: list
    groups: list  # [(dagdeel value, label, [rows])] in the order nacht, ochtend, middag, avond, onbekend

    @property
    def total(self):
        return len(self.rows)

    @property
    def summary(self):
        """[(dagdeel label, count)]; 'onbekend' only when it has incidents."""
        return [(label, len(rows)) for value, label, rows in self.groups if rows or value != Dagdeel.ONBEKEND]


def dagrapport_window(*, day=None, now=None):
    """A calendar day [00:00, 24:00) when given, else the 24 hours up to now (local time)."""
    tz = timezone.get_current_timezone()
    if day is not None:
        start = datetime.datetime.combine(day, datetime.time(0, 0), tzinfo=tz)
        return start, start + datetime.timedelta(days=1)
    now = timezone.localtime(now or timezone.now())
    return now - datetime.timedelta(hours=24), now


def dagrapport(*, source, municipality, day=None, now=None):
    """The incidents of one municipality and source in the window (raw incidents by the source + date index).
    Incidents without a time count for their date: on a calendar day they are listed as 'onbekend'; in the rolling
    24 hours only those dated on the last day are."""
    start, end = dagrapport_window(day=day, now=now)
    tz = timezone.get_current_timezone()
    items = (Incident.objects.filter(source=source, municipality=municipality, occurred_on__gte=start.date(),
                                     occurred_on__lte=end.date())
             .values_list("occurred_on", "occurred_time", "dagdeel", "category__name", "buurt__name",
                          "buurt__wijk__name", "lon", "lat")
             .order_by("occurred_on", "occurred_time", "pk"))
    rows = []
    for occurred_on, occurred_time, dagdeel, category, buurt, wijk, lon, lat in items:
        if occurred_time is None:
            if occurred_on != (end - datetime.timedelta(microseconds=1)).date():
                continue
        else:
            moment = datetime.datetime.combine(occurred_on, occurred_time, tzinfo=tz)
            if not (start <= moment < end):
                continue
        rows.append(DagrapportRow(
            occurred_on=occurred_on, occurred_time=occurred_time, dagdeel=dagdeel, category=category, buurt=buurt,
            wijk=wijk, lon=None if lon is None else round(lon, 3), lat=None if lat is None else round(lat, 3)))
    groups = [(value, label, [r for r in rows if r.dagdeel == value]) for value, label in Dagdeel.choices]
    return Dagrapport(start=start, end=end, day=day, rows=rows, groups=groups)
