"""Reads of the address-level (hennep) dashboard: cleared cannabis farms by address, date and property type.

Only for an address-level dashboard (the caller has it from `dashboard_get_for_user`, which applies the address-level
grant). The filter is the figures' own (`figure_query_from_params`) with the source fixed to the address-level
source, so the period rules and their messages are the same everywhere; the default period is the last three years
including the current month (clearings are few, and yesterday's belongs on the page).

    query = hennep_query_from_params(request.GET, dashboard=dashboard)   # FigureQueryError -> 400
    records = clearings(query)
"""
import datetime
from collections import Counter
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from areas.models import Buurt

from ..models import Incident
from .filters import FigureQuery, FigureQueryError, add_months, figure_query_from_params

SOURCE = "hennep"
DEFAULT_MONTHS = 36
MAX_RECORDS = 10_000  # a municipality clears dozens a year; a cap keeps a mistaken filter from dumping a region

# The canonical property types of the hennep delivery format (ingest.formats.hennep), with their labels.
PROPERTY_TYPES = {
    "eengezinswoning": gettext_lazy("eengezinswoning"),
    "flat": gettext_lazy("flat of appartement"),
    "bedrijfspand": gettext_lazy("bedrijfspand"),
    "schuur": gettext_lazy("schuur of bijgebouw"),
    "garagebox": gettext_lazy("garagebox"),
    "zolder": gettext_lazy("zolder"),
    "kelder": gettext_lazy("kelder of kruipruimte"),
    "woonwagen": gettext_lazy("woonwagen of stacaravan"),
    "woonboot": gettext_lazy("woonboot"),
    "agrarisch": gettext_lazy("agrarisch pand"),
    "buitenteelt": gettext_lazy("buitenteelt"),
    "overig": gettext_lazy("overig"),
}


# A letter per type on the map and in its legend, so colour is never the only thing that tells them apart.
SYMBOLS = {"eengezinswoning": "E", "flat": "F", "bedrijfspand": "B", "schuur": "S", "garagebox": "G", "zolder": "Z",
           "kelder": "K", "woonwagen": "C", "woonboot": "O", "agrarisch": "A", "buitenteelt": "T", "overig": "X"}


def property_type_symbol(code):
    return SYMBOLS.get(code, "?")


def property_type_label(code):
    return str(PROPERTY_TYPES.get(code, code or _("onbekend")))


@dataclass(frozen=True)
class HennepQuery:
    figure: FigureQuery  # source (the address-level source), municipality, period
    property_type: str  # "" = every type

    @property
    def date_from(self):
        return self.figure.date_from

    @property
    def date_to(self):
        return self.figure.date_to

    @property
    def attribution(self):
        return self.figure.attribution

    def as_params(self):
        params = {"from": self.date_from.strftime("%Y-%m"), "to": self.date_to.strftime("%Y-%m"),
                  "municipality": self.figure.municipality.code}
        if self.property_type:
            params["type"] = self.property_type
        return params


@dataclass(frozen=True)
class Clearing:
    day: datetime.date
    time: datetime.time | None
    address: str
    bag_id: str
    postcode: str
    property_type: str
    property_type_label: str
    plants: int | None
    buurt_code: str
    buurt_name: str
    wijk_name: str
    lon: float | None
    lat: float | None
    details: str
    provisional: bool


def hennep_query_from_params(params, *, dashboard, today=None):
    """The period (from/to as JJJJ-MM, default the last 36 months through this month), municipality and property type
    (`type`); raises FigureQueryError for what cannot be answered."""
    if dashboard is None or not dashboard.address_level:
        raise FigureQueryError(_("Deze gegevens zijn alleen te zien in een dashboard op adresniveau."))
    today = today or timezone.localdate()
    this_month = today.replace(day=1)
    wanted = {"source": SOURCE, "municipality": params.get("municipality") or "",
              "from": params.get("from") or add_months(this_month, 1 - DEFAULT_MONTHS).strftime("%Y-%m"),
              "to": params.get("to") or this_month.strftime("%Y-%m")}
    figure = figure_query_from_params({k: v for k, v in wanted.items() if v}, dashboard=dashboard, today=today)
    kind = (params.get("type") or "").strip()
    if kind and kind not in PROPERTY_TYPES:
        raise FigureQueryError(_("Onbekende soort pand '%(value)s'.") % {"value": kind[:40]})
    return HennepQuery(figure=figure, property_type=kind)


def clearings(query):
    """The clearings of the period, newest first, each with its address (label, BAG id, postcode) and buurt."""
    figure = query.figure
    rows = (Incident.objects
            .filter(source=figure.source, municipality=figure.municipality, occurred_on__gte=figure.date_from,
                    occurred_on__lte=figure.date_to, category_id__in=figure.categories)
            .select_related("address", "buurt", "buurt__wijk")
            .order_by("-occurred_on", "-occurred_time", "-pk"))
    if query.property_type:
        rows = rows.filter(property_type=query.property_type)
    result = []
    for item in rows[:MAX_RECORDS]:
        address = item.address
        result.append(Clearing(
            day=item.occurred_on, time=item.occurred_time, address=address.label if address else "",
            bag_id=address.bag_id if address else "", postcode=address.postcode if address else "",
            property_type=item.property_type, property_type_label=property_type_label(item.property_type),
            plants=item.quantity, buurt_code=item.buurt.code, buurt_name=item.buurt.name,
            wijk_name=item.buurt.wijk.name,
            lon=item.lon if item.lon is not None else (address.lon if address else None),
            lat=item.lat if item.lat is not None else (address.lat if address else None),
            details=item.modus_operandi, provisional=item.provisional,
        ))
    return result


@dataclass(frozen=True)
class CountRow:
    key: str
    label: str
    count: int
    plants: int
    extra: str = ""  # the wijk of a buurt, the map symbol of a property type


def counts_by_property_type(records):
    counts, plants = Counter(), Counter()
    for record in records:
        counts[record.property_type] += 1
        plants[record.property_type] += record.plants or 0
    return [CountRow(key, property_type_label(key), n, plants[key], extra=property_type_symbol(key))
            for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], property_type_label(kv[0])))]


def counts_by_buurt(records):
    counts, plants, names = Counter(), Counter(), {}
    for record in records:
        counts[record.buurt_code] += 1
        plants[record.buurt_code] += record.plants or 0
        names[record.buurt_code] = (record.buurt_name, record.wijk_name)
    return [CountRow(code, names[code][0], n, plants[code], extra=names[code][1])
            for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], names[kv[0]][0]))]


def property_type_choices(query):
    """The property types that occur in the source, for the filter (the chosen one always included)."""
    used = set(Incident.objects.filter(source=query.figure.source).exclude(property_type="")
               .values_list("property_type", flat=True).distinct())
    if query.property_type:
        used.add(query.property_type)
    return sorted(((code, property_type_label(code)) for code in used), key=lambda pair: pair[1])


def buurt_outlines(query):
    """The municipality's buurten as a GeoJSON FeatureCollection (public CBS geography), the map's background."""
    features = [
        {"type": "Feature", "geometry": geometry, "properties": {"code": code, "name": name}}
        for code, name, geometry in Buurt.objects.filter(wijk__municipality=query.figure.municipality)
        .filter(geometry__isnull=False).order_by("code").values_list("code", "name", "geometry")
    ]
    return {"type": "FeatureCollection", "features": features}


def map_points(records):
    """The clearings with a point, for the map (the table beside it lists every clearing)."""
    return [{"lon": r.lon, "lat": r.lat, "address": r.address, "date": r.day.isoformat(),
             "type": r.property_type_label, "symbol": property_type_symbol(r.property_type), "plants": r.plants,
             "buurt": r.buurt_name}
            for r in records if r.lon is not None and r.lat is not None]
