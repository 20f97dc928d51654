"""The effect of an intervention: an equal period before and after its start, in the treated buurten against
comparable control buurten, with the ring of neighbouring buurten as the displacement area. Reads MonthRollup only.

Design (what the effect page explains in plain Dutch):

- Periods: whole months. The month in which the intervention starts is left out when it does not start on the 1st
  (it is partly before, partly after). The after-period runs from the first whole month on to the last whole month
  before the end (or before today, or the last month the source has data for), at most MAX_MONTHS; the before-period
  is equally long and ends just before the start month. An after-period shorter than MIN_AFTER_MONTHS is flagged.
- Groups: treated (T) = the intervention's buurten; displacement area (D) = the ring of buurten whose geometry
  touches a treated buurt (queen contiguity: a shared corner counts; computed with shapely on the GeoJSON, cached per
  municipality); control (C) = buurten not treated, not in the ring and not under another intervention in these
  periods, chosen as nearest neighbours of the treated group on (monthly rate per 1000 inhabitants before the start,
  linear slope of that rate before the start), both standardised over the candidates; at least MIN_CONTROLS,
  more (up to MAX_CONTROLS) while their before-count is still below the treated before-count. The displacement
  control (CD) is chosen in the same way for the ring, from the candidates left over. Without population figures
  for the treated buurten the level and slope are those of the monthly count.
- Rate ratio (difference in differences on the ratio scale): RR = (T_a·C_b)/(T_b·C_a), 95% interval
  exp(ln RR ± 1.96·√(1/T_b + 1/T_a + 1/C_b + 1/C_a)); not given when one of the four counts is 0.
- WDD (Wheeler & Ratcliffe 2018, Crime Science 7:11): WDD = ΔT − ΔC_T + ΔD − ΔC_D with Δ = after − before. The
  paper assumes matched control areas of about the size of the area they control for, and then its standard error
  is √(T_b + T_a + C_b + C_a + D_b + D_a + CD_b + CD_a). Our control groups are several buurten and so usually
  larger than the treated group; an unscaled control change would then be read as if it happened in an area of the
  treated size. We therefore scale each control's change to the pre-period level of the area it controls for:
  ΔC_T = w_T·(C_a − C_b) with w_T = T_b / C_b, ΔC_D = w_D·(CD_a − CD_b) with w_D = D_b / CD_b (the control's relative
  change applied to that area: the same parallel-trend assumption as the rate ratio), and the Poisson variance of
  a scaled count is w²·count, so SE = √(T_b + T_a + w_T²(C_b + C_a) + D_b + D_a + w_D²(CD_b + CD_a)), treating the
  weights as fixed (the usual approximation). With w = 1 this is exactly the paper's statistic and its √(sum of the
  eight counts); that unscaled value is reported beside it (`wdd_unscaled`) for comparison with the paper's
  spreadsheet and other tools.
- Pre-trend check: the rate ratio of the second half of the before-period against its first half (T against C);
  when its 95% interval excludes 1 the groups already diverged before the start and the design drops to level 2.
- Regression to the mean: the treated before-count against the equally long period before it (Poisson z =
  2(√before − √earlier)); z ≥ 2 means the start followed an unusual high, which tends to fall back by itself.
- Maryland Scientific Methods Scale: at most 3 (before and after, with comparable control areas); 2 when there are
  no controls or they were not comparable before the start.
"""
import datetime
import hashlib
import math
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, Sum
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from areas.models import Buurt, Population

from ..models import Category, Intervention, MonthRollup, Source
from .filters import DEFAULT_SOURCE, add_months, month_end, months_between

MAX_MONTHS = 12
MIN_AFTER_MONTHS = 3
MIN_CONTROLS = 5
MAX_CONTROLS = 10
Z95 = 1.959964
SMALL_COUNT = 20  # below this many incidents in the treated group the normal approximation is rough
TOUCH_TOLERANCE = 1e-5  # degrees (about a metre): boundaries that nearly meet still touch
NEIGHBOURS_CACHE_SECONDS = 6 * 3600


class EffectError(ValueError):
    """The effect cannot be computed for this request (message for the user, HTTP 400)."""


# -- statistics (pure functions, tested on worked examples) -------------------------------------------------------


@dataclass(frozen=True)
class RateRatio:
    value: float | None
    ci95: tuple | None
    reason: str = ""


def rate_ratio(*, t_before, t_after, c_before, c_after):
    """RR = (T_a·C_b)/(T_b·C_a) with its 95% interval; None with the reason when a count is 0."""
    zeros = [label for label, n in ((_("behandelde buurten vooraf"), t_before), (_("behandelde buurten achteraf"),
             t_after), (_("controlebuurten vooraf"), c_before), (_("controlebuurten achteraf"), c_after)) if not n]
    if zeros:
        return RateRatio(None, None, _(
            "Geen verhoudingsmaat: het aantal is 0 bij %(groups)s. Met een 0 is de verhouding oneindig of nul en "
            "bestaat het betrouwbaarheidsinterval niet; kies een langere periode of meer categorieën."
        ) % {"groups": ", ".join(zeros)})
    value = (t_after * c_before) / (t_before * c_after)
    half = Z95 * math.sqrt(1 / t_before + 1 / t_after + 1 / c_before + 1 / c_after)
    log = math.log(value)
    return RateRatio(value, (math.exp(log - half), math.exp(log + half)))


@dataclass(frozen=True)
class Wdd:
    value: float | None
    se: float | None
    weight_control: float | None = None
    weight_displacement: float | None = None
    unscaled: float | None = None
    unscaled_se: float | None = None
    reason: str = ""

    @property
    def ci95(self):
        if self.value is None:
            return None
        return (self.value - Z95 * self.se, self.value + Z95 * self.se)


def _weight(area_before, control_before):
    if control_before:
        return area_before / control_before
    return None


def weighted_displacement_difference(*, t, c, d=None, cd=None):
    """Wheeler & Ratcliffe's WDD with each control's change scaled to the level of its area (see the module text).
    t, c, d, cd are (before, after) pairs; d and cd None when there is no displacement area."""
    (t_b, t_a), (c_b, c_a) = t, c
    with_ring = d is not None and cd is not None
    d_b, d_a = d if with_ring else (0, 0)
    cd_b, cd_a = cd if with_ring else (0, 0)
    unscaled = (t_a - t_b) - (c_a - c_b) + (d_a - d_b) - (cd_a - cd_b)
    unscaled_se = math.sqrt(t_b + t_a + c_b + c_a + d_b + d_a + cd_b + cd_a)
    w_t = _weight(t_b, c_b)
    if w_t is None:
        return Wdd(None, None, unscaled=unscaled, unscaled_se=unscaled_se, reason=_(
            "Geen gewogen WDD: de controlebuurten hadden vooraf geen incidenten, dus hun verandering is niet om te "
            "rekenen naar de behandelde buurten."))
    value = (t_a - t_b) - w_t * (c_a - c_b)
    variance = t_b + t_a + w_t ** 2 * (c_b + c_a)
    w_d = None
    if with_ring:
        w_d = _weight(d_b, cd_b)
        if w_d is None:
            if d_b or d_a:
                return Wdd(None, None, weight_control=w_t, unscaled=unscaled, unscaled_se=unscaled_se, reason=_(
                    "Geen gewogen WDD: de controlebuurten van de ring hadden vooraf geen incidenten."))
            w_d = 0.0  # neither the ring nor its controls: the displacement part is 0
        value += (d_a - d_b) - w_d * (cd_a - cd_b)
        variance += d_b + d_a + w_d ** 2 * (cd_b + cd_a)
    return Wdd(value, math.sqrt(variance), w_t, w_d, unscaled, unscaled_se)


def slope(values):
    """Least-squares slope per step of a series (0 for fewer than 3 points)."""
    n = len(values)
    if n < 3:
        return 0.0
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    sxx = sum((x - mean_x) ** 2 for x in range(n))
    return sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values)) / sxx


def nearest_controls(*, target, candidates, need, minimum=MIN_CONTROLS, maximum=MAX_CONTROLS):
    """Candidates nearest to `target` on (level, slope), both standardised by their spread over the candidates.
    `target` is (level, slope); `candidates` maps an id to (level, slope, before_count). Takes `minimum`, then more
    while the before-counts add up to less than `need`, at most `maximum`. Returns [(id, distance)]."""
    if not candidates:
        return []
    levels = [v[0] for v in candidates.values()]
    slopes = [v[1] for v in candidates.values()]

    def spread(values):
        mean = sum(values) / len(values)
        sd = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
        return sd or 1.0

    sd_level, sd_slope = spread(levels), spread(slopes)
    ranked = sorted(
        ((math.hypot((v[0] - target[0]) / sd_level, (v[1] - target[1]) / sd_slope), key) for key, v in
         candidates.items()),
        key=lambda pair: (pair[0], str(pair[1])),
    )
    chosen, total = [], 0
    for distance, key in ranked:
        if len(chosen) >= maximum or (len(chosen) >= minimum and total >= need):
            break
        chosen.append((key, distance))
        total += candidates[key][2]
    return chosen


# -- periods -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Periods:
    before_from: datetime.date
    before_to: datetime.date
    after_from: datetime.date
    after_to: datetime.date
    months: int
    capped: bool = False  # the after-period was longer than MAX_MONTHS

    @property
    def short(self):
        return self.months < MIN_AFTER_MONTHS

    @property
    def earlier_from(self):
        """The start of the equally long period before the before-period (regression-to-the-mean check)."""
        return add_months(self.before_from, -self.months)


def effect_periods(*, start, end=None, today=None, data_until=None):
    """Equal whole-month periods before and after `start`; None when no whole month after the start has passed."""
    today = today or datetime.date.today()
    start_month = start.replace(day=1)
    after_from = start_month if start.day == 1 else add_months(start_month, 1)
    last = add_months(today.replace(day=1), -1)  # the last whole month before today
    if end is not None:
        end_month = end.replace(day=1) if end == month_end(end) else add_months(end.replace(day=1), -1)
        last = min(last, end_month)
    if data_until is not None:
        last = min(last, data_until.replace(day=1))
    if last < after_from:
        return None
    months = months_between(after_from, last)
    capped = months > MAX_MONTHS
    months = min(months, MAX_MONTHS)
    before_to = start_month - datetime.timedelta(days=1)
    return Periods(
        before_from=add_months(start_month, -months), before_to=before_to, after_from=after_from,
        after_to=month_end(add_months(after_from, months - 1)), months=months, capped=capped,
    )


# -- geography ---------------------------------------------------------------------------------------------------


def buurt_neighbours(*, municipality):
    """{buurt id: set of ids of the buurten whose geometry touches it} for one municipality (cached)."""
    rows = list(Buurt.objects.filter(wijk__municipality=municipality).order_by("pk").values_list("pk", "indeling_jaar"))
    fingerprint = hashlib.sha1(repr(rows).encode(), usedforsecurity=False).hexdigest()[:16]
    key = f"dashboards:effect:neighbours:1:{municipality.pk}:{fingerprint}"
    found = cache.get(key)
    if found is None:
        found = _compute_neighbours(municipality)
        cache.set(key, found, NEIGHBOURS_CACHE_SECONDS)
    return found


def _compute_neighbours(municipality):
    from shapely import STRtree, make_valid
    from shapely.geometry import shape

    ids, geoms = [], []
    for pk, geometry in Buurt.objects.filter(wijk__municipality=municipality).values_list("pk", "geometry"):
        if not geometry:
            continue
        try:
            geom = make_valid(shape(geometry.get("geometry", geometry) if geometry.get("type") == "Feature"
                                    else geometry))
        except (AttributeError, KeyError, TypeError, ValueError):
            continue
        if geom.is_empty:
            continue
        ids.append(pk)
        geoms.append(geom)
    neighbours = {pk: set() for pk in ids}
    if not geoms:
        return neighbours
    tree = STRtree(geoms)
    for index, geom in enumerate(geoms):
        for other in tree.query(geom.buffer(TOUCH_TOLERANCE), predicate="intersects"):
            other = int(other)
            if other != index:
                neighbours[ids[index]].add(ids[other])
                neighbours[ids[other]].add(ids[index])
    return neighbours


def ring_of(treated_ids, neighbours):
    """The buurten touching any treated buurt, the treated ones excluded."""
    treated = set(treated_ids)
    return {n for pk in treated for n in neighbours.get(pk, ())} - treated


# -- the effect --------------------------------------------------------------------------------------------------


@dataclass
class Group:
    key: str
    label: str
    buurten: list  # [(code, name)]
    before: int = 0
    after: int = 0

    @property
    def change_percent(self):
        if not self.before:
            return None
        return (self.after - self.before) / self.before * 100


@dataclass
class Effect:
    intervention: Intervention
    source: Source
    categories: list  # Category objects counted
    periods: Periods | None
    groups: dict = field(default_factory=dict)  # key -> Group (treated, control, displacement, displacementControl)
    rate_ratio: RateRatio | None = None
    wdd: Wdd | None = None
    pretrend: RateRatio | None = None
    earlier_z: float | None = None
    level_metric: str = "rate"  # or "count"
    maryland_level: int | None = None
    maryland_reason: str = ""
    warnings: list = field(default_factory=list)
    explanation: list = field(default_factory=list)  # paragraphs

    @property
    def attribution(self):
        return _("Bron: %(source)s") % {"source": self.source.attribution}

    @property
    def explanation_text(self):
        return "\n\n".join(self.explanation)


def effect_source(code=None):
    """The source an effect is measured in: one that delivers single incidents (Rollup), never an address-level one."""
    code = (code or DEFAULT_SOURCE).strip()
    source = Source.objects.filter(code=code).first()
    if source is None:
        raise EffectError(_("Onbekende bron '%(code)s'.") % {"code": code[:40]})
    if source.address_level:
        raise EffectError(_("Deze bron is alleen te zien in een dashboard op adresniveau."))
    if source.granularity != Source.Granularity.INCIDENT:
        raise EffectError(_("Het effect wordt per maand gemeten; bron '%(source)s' levert geen losse incidenten.")
                          % {"source": source.name})
    return source


def effect_sources():
    return Source.objects.filter(granularity=Source.Granularity.INCIDENT, address_level=False).order_by("code")


def intervention_categories(intervention):
    """The target categories: the chosen ones and those of the chosen themes; none chosen: every category."""
    ids = set(intervention.categories.values_list("pk", flat=True))
    ids |= set(Category.objects.filter(themes__in=intervention.themes.all()).values_list("pk", flat=True))
    queryset = Category.objects.filter(is_total=False)
    if ids:
        queryset = queryset.filter(pk__in=ids)
    return list(queryset.order_by("code"))


def _population(buurt_ids, year):
    """Inhabitants per buurt for the year nearest to `year` (earlier years first on a tie)."""
    best = {}
    for buurt_id, row_year, inhabitants in Population.objects.filter(
        buurt_id__in=buurt_ids, inhabitants__isnull=False
    ).values_list("buurt_id", "year", "inhabitants"):
        rank = (abs(row_year - year), row_year > year)
        if buurt_id not in best or rank < best[buurt_id][0]:
            best[buurt_id] = (rank, inhabitants)
    return {buurt_id: value for buurt_id, (_rank, value) in best.items()}


def _monthly(*, source, municipality, categories, date_from, date_to):
    """{buurt id: {month: count}} from MonthRollup."""
    rows = (
        MonthRollup.objects.filter(source=source, municipality=municipality, category_id__in=categories,
                              month__gte=date_from, month__lte=date_to)
        .values("buurt_id", "month").annotate(n=Sum("count")).order_by().values_list("buurt_id", "month", "n")
    )
    result = {}
    for buurt_id, month, n in rows:
        result.setdefault(buurt_id, {})[month] = n
    return result


def _months(first, count):
    return [add_months(first, i) for i in range(count)]


def _sum(series, ids, months):
    return sum(series.get(pk, {}).get(m, 0) for pk in ids for m in months)


def _other_interventions(intervention, periods):
    """Buurten under another intervention running at some time in these periods (not fit as controls)."""
    return set(
        Intervention.objects.exclude(pk=intervention.pk)
        .filter(municipality_id=intervention.municipality_id, start__lte=periods.after_to)
        .filter(Q(end__isnull=True) | Q(end__gte=periods.before_from))
        .values_list("buurten", flat=True)
    ) - {None}


def intervention_effect(*, intervention, source=None, today=None):
    """The effect of `intervention` as described in the module text."""
    source = source or effect_source()
    categories = intervention_categories(intervention)
    category_ids = [c.pk for c in categories]
    municipality = intervention.municipality
    data_until = (MonthRollup.objects.filter(source=source, municipality=municipality)
                  .order_by("-month").values_list("month", flat=True).first())
    periods = effect_periods(start=intervention.start, end=intervention.end, today=today, data_until=data_until)
    effect = Effect(intervention=intervention, source=source, categories=categories, periods=periods)
    treated = list(intervention.buurten.order_by("code").values_list("pk", "code", "name"))
    names = {pk: (code, name) for pk, code, name in treated}
    treated_ids = [pk for pk, _code, _name in treated]
    if periods is None:
        effect.groups["treated"] = Group("treated", _("Behandelde buurten"), [names[pk] for pk in treated_ids])
        effect.explanation = [_(
            "Er is nog geen hele maand na de start van deze maatregel voorbij (of de bron heeft nog geen cijfers "
            "over die maand). Het effect is pas te meten als er ten minste een hele maand na de start is."
        )]
        return effect
    if periods.short:
        effect.warnings.append(ngettext(
            "De periode na de start is nog maar %(n)s maand lang (korter dan %(min)s maanden): de cijfers zijn nog "
            "erg onzeker en seizoensinvloeden spelen sterk mee.",
            "De periode na de start is nog maar %(n)s maanden lang (korter dan %(min)s maanden): de cijfers zijn nog "
            "erg onzeker en seizoensinvloeden spelen sterk mee.", periods.months,
        ) % {"n": periods.months, "min": MIN_AFTER_MONTHS})

    before = _months(periods.before_from, periods.months)
    after = _months(periods.after_from, periods.months)
    earlier = _months(periods.earlier_from, periods.months)
    series = _monthly(source=source, municipality=municipality, categories=category_ids,
                      date_from=periods.earlier_from, date_to=periods.after_to.replace(day=1))

    all_buurten = {pk: (code, name) for pk, code, name in
                   Buurt.objects.filter(wijk__municipality=municipality).values_list("pk", "code", "name")}
    names.update(all_buurten)
    ring = sorted(ring_of(treated_ids, buurt_neighbours(municipality=municipality)), key=lambda pk: names[pk][0])
    busy = _other_interventions(intervention, periods)
    population = _population(list(all_buurten), periods.before_from.year)
    min_inhabitants = getattr(settings, "DASHBOARD_MIN_INHABITANTS", 100)
    metric = "rate" if all(population.get(pk, 0) >= min_inhabitants for pk in treated_ids) else "count"
    effect.level_metric = metric

    empty = {}
    before_vectors = {pk: [series.get(pk, empty).get(m, 0) for m in before] for pk in all_buurten}

    def features(ids):
        vectors = [before_vectors.get(pk, [0] * len(before)) for pk in ids]
        values = [sum(column) for column in zip(*vectors, strict=True)]
        inhabitants = sum(population.get(pk, 0) for pk in ids)
        if metric == "rate" and inhabitants:
            values = [v / inhabitants * 1000 for v in values]
        return (sum(values) / len(values), slope(values))

    pool = {pk for pk in all_buurten if pk not in treated_ids and pk not in ring and pk not in busy}
    if metric == "rate":
        pool = {pk for pk in pool if population.get(pk, 0) >= min_inhabitants}

    def choose(area_ids, available):
        if not area_ids:
            return []
        candidates = {pk: (*features([pk]), _sum(series, [pk], before)) for pk in available}
        chosen = nearest_controls(target=features(area_ids), candidates=candidates,
                                  need=_sum(series, area_ids, before))
        return sorted((pk for pk, _distance in chosen), key=lambda pk: names[pk][0])

    controls = choose(treated_ids, pool)
    displacement_controls = choose(ring, pool - set(controls))

    def group(key, label, ids):
        return Group(key, label, [names[pk] for pk in ids], _sum(series, ids, before), _sum(series, ids, after))

    t = effect.groups["treated"] = group("treated", _("Behandelde buurten"), treated_ids)
    c = effect.groups["control"] = group("control", _("Controlebuurten"), controls)
    d = effect.groups["displacement"] = group("displacement", _("Ring (verplaatsingsgebied)"), ring)
    cd = effect.groups["displacementControl"] = group(
        "displacementControl", _("Controlebuurten van de ring"), displacement_controls)

    if controls:
        effect.rate_ratio = rate_ratio(t_before=t.before, t_after=t.after, c_before=c.before, c_after=c.after)
        with_ring = bool(ring) and bool(displacement_controls)
        effect.wdd = weighted_displacement_difference(
            t=(t.before, t.after), c=(c.before, c.after),
            d=(d.before, d.after) if with_ring else None, cd=(cd.before, cd.after) if with_ring else None)
        half = periods.months // 2
        if half >= 1:
            first, second = before[:half], before[-half:]
            effect.pretrend = rate_ratio(
                t_before=_sum(series, treated_ids, first), t_after=_sum(series, treated_ids, second),
                c_before=_sum(series, controls, first), c_after=_sum(series, controls, second))
    t_earlier = _sum(series, treated_ids, earlier)
    data_from = (MonthRollup.objects.filter(source=source, municipality=municipality)
                 .order_by("month").values_list("month", flat=True).first())
    if data_from is not None and data_from <= periods.earlier_from and (t_earlier or t.before):
        effect.earlier_z = 2 * (math.sqrt(t.before) - math.sqrt(t_earlier))  # only when the source covers it

    _judge(effect, ring=ring, t_earlier=t_earlier)
    return effect


def _n(value, places):
    """A number as the user's language writes it (decimal comma in Dutch)."""
    return number_format(round(value, places), places)


def _pct(value):
    return ("+" if value > 0 else "") + number_format(round(value), 0) + "%"


def _judge(effect, *, ring, t_earlier):
    """The Maryland level, the warnings and the plain Dutch explanation."""
    groups, periods = effect.groups, effect.periods
    t, c, d, cd = groups["treated"], groups["control"], groups["displacement"], groups["displacementControl"]
    paragraphs, warnings = effect.explanation, effect.warnings
    period = {"before_from": periods.before_from.strftime("%m-%Y"), "before_to": periods.before_to.strftime("%m-%Y"),
              "after_from": periods.after_from.strftime("%m-%Y"), "after_to": periods.after_to.strftime("%m-%Y"),
              "n": periods.months}
    paragraphs.append(_(
        "Vergeleken zijn %(n)s hele maanden vóór de start (%(before_from)s t/m %(before_to)s) met evenveel maanden "
        "erna (%(after_from)s t/m %(after_to)s)."
    ) % period)
    if periods.capped:
        paragraphs[-1] += " " + _("De maatregel loopt langer; de vergelijking is beperkt tot de eerste %(n)s maanden "
                                  "erna, zodat de periode ervoor even lang blijft.") % period
    if t.before + t.after < SMALL_COUNT:
        warnings.append(_(
            "In de behandelde buurten zijn het maar %(n)s incidenten in beide perioden samen: bij zulke kleine aantallen "
            "zegt een verschil weinig en is de foutmarge grof."
        ) % {"n": t.before + t.after})
    if effect.earlier_z is not None and effect.earlier_z >= 2:
        warnings.append(_(
            "Regressie naar het gemiddelde: in de periode vóór de start waren er in de behandelde buurten duidelijk meer "
            "incidenten (%(before)s) dan in de even lange periode daarvoor (%(earlier)s). Een maatregel start vaak na "
            "zo'n piek, en na een piek dalen de aantallen meestal ook zonder maatregel. Een daling zegt dan minder."
        ) % {"before": t.before, "earlier": t_earlier})

    if not c.buurten:
        effect.maryland_level = 2
        effect.maryland_reason = _("Alleen een voor- en nameting in de behandelde buurten: er waren geen geschikte "
                                   "controlebuurten.")
        paragraphs.append(_(
            "Er waren geen geschikte controlebuurten (alle buurten zijn behandeld, grenzen aan de behandelde buurten, "
            "vallen onder een andere maatregel of hebben geen inwonertal). Zonder vergelijking is niet te zeggen of "
            "een verandering door de maatregel komt of overal in de gemeente gebeurde."))
    else:
        diverged = effect.pretrend is not None and effect.pretrend.ci95 is not None and not (
            effect.pretrend.ci95[0] <= 1 <= effect.pretrend.ci95[1])
        if diverged:
            effect.maryland_level = 2
            effect.maryland_reason = _("Voor- en nameting met controlebuurten, maar die liepen vóór de start al anders "
                                       "dan de behandelde buurten.")
            warnings.append(_(
                "De controlebuurten waren vóór de start niet goed vergelijkbaar: in de tweede helft van de periode "
                "ervoor veranderden de behandelde buurten al significant anders dan de controlebuurten (verhouding "
                "%(rr)s). De vergelijking is daardoor zwakker."
            ) % {"rr": _n(effect.pretrend.value, 2)})
        else:
            effect.maryland_level = 3
            effect.maryland_reason = _("Voor- en nameting in behandelde buurten én in vergelijkbare controlebuurten "
                                       "(gekozen op niveau en trend vóór de start).")
        basis = _("het aantal incidenten per 1000 inwoners per maand") if effect.level_metric == "rate" else _(
            "het aantal incidenten per maand (niet voor alle behandelde buurten is een inwonertal bekend)")
        paragraphs.append(_(
            "De controlebuurten zijn buurten zonder deze maatregel en niet grenzend aan de behandelde buurten, gekozen "
            "omdat %(basis)s er vóór de start ongeveer even hoog was en zich ongeveer net zo ontwikkelde. Hun "
            "verandering laat zien wat er zonder maatregel te verwachten was."
        ) % {"basis": basis})
        rr = effect.rate_ratio
        if rr is not None and rr.value is not None:
            low, high = rr.ci95
            text = _(
                "Verhoudingsmaat (verschil-in-verschillen): %(rr)s, 95%%-betrouwbaarheidsinterval %(low)s – "
                "%(high)s. De behandelde buurten veranderden met %(t)s, de controlebuurten met %(c)s. "
            ) % {"rr": _n(rr.value, 2), "low": _n(low, 2), "high": _n(high, 2),
                 "t": _pct(t.change_percent), "c": _pct(c.change_percent)}
            if high < 1:
                text += _("Na de start daalde het aantal in de behandelde buurten naar verhouding ongeveer %(p)s%% "
                          "meer dan in de controlebuurten; het interval ligt geheel onder 1, dus toeval alleen is "
                          "een onwaarschijnlijke verklaring.") % {"p": _n((1 - rr.value) * 100, 0)}
            elif low > 1:
                text += _("Na de start steeg het aantal in de behandelde buurten naar verhouding meer dan in de "
                          "controlebuurten; het interval ligt geheel boven 1.")
            else:
                text += _("Het interval bevat 1: het verschil met de controlebuurten is niet te onderscheiden van "
                          "toeval.")
            paragraphs.append(text)
        elif rr is not None:
            paragraphs.append(rr.reason)
        wdd = effect.wdd
        if wdd is not None and wdd.value is not None:
            low, high = wdd.ci95
            text = _(
                "Gewogen verplaatsingsverschil (WDD, Wheeler & Ratcliffe 2018): %(wdd)s incidenten (standaardfout "
                "%(se)s; 95%%-interval %(low)s tot %(high)s). Dit is het aantal incidenten meer (+) of minder "
                "(−) dan verwacht, in de behandelde buurten en de ring samen, na correctie voor de verandering in de "
                "controlebuurten. "
            ) % {"wdd": _n(wdd.value, 1), "se": _n(wdd.se, 1), "low": _n(low, 1), "high": _n(high, 1)}
            if high < 0:
                text += _("Ook met verplaatsing meegerekend is de daling groter dan toeval verklaart.")
            elif low > 0:
                text += _("Per saldo zijn er meer incidenten dan verwacht.")
            else:
                text += _("Het interval bevat 0: per saldo is geen verschil aangetoond.")
            paragraphs.append(text)
        elif wdd is not None:
            paragraphs.append(wdd.reason)
    if ring and cd.buurten and d.before and cd.before:
        ring_rr = (d.after * cd.before) / (d.before * cd.after) if cd.after else None
        if ring_rr is not None:
            if ring_rr > 1.1:
                paragraphs.append(_(
                    "In de ring rond de behandelde buurten namen de incidenten naar verhouding toe (%(rr)s ten "
                    "opzichte van hun controlebuurten): mogelijk is een deel verplaatst naar de buurten eromheen."
                ) % {"rr": _n(ring_rr, 2)})
            elif ring_rr < 0.9:
                paragraphs.append(_(
                    "Ook in de ring rond de behandelde buurten daalden de incidenten naar verhouding (%(rr)s ten "
                    "opzichte van hun controlebuurten): dat past bij uitstraling van het effect (‘diffusion of "
                    "benefits’), niet bij verplaatsing."
                ) % {"rr": _n(ring_rr, 2)})
            else:
                paragraphs.append(_("In de ring rond de behandelde buurten is geen duidelijke verplaatsing of "
                                    "uitstraling te zien."))
    elif not ring:
        paragraphs.append(_("Er is geen ring van aangrenzende buurten bekend (geen buurtgrenzen geladen, of alle "
                            "buurten eromheen zijn behandeld): verplaatsing is niet gemeten."))
    paragraphs.append(_(
        "Wat dit wel en niet bewijst: dit is niveau %(level)s op de Maryland Scientific Methods Scale (1 = zwak, 5 = "
        "gerandomiseerd experiment). Het laat zien of de behandelde buurten na de start anders veranderden dan "
        "vergelijkbare buurten. Het bewijst niet dat de maatregel de oorzaak is: andere gebeurtenissen in dezelfde "
        "periode (andere maatregelen, een verschuiving in politie-inzet of in de aangiftebereidheid, een dader die "
        "is opgepakt) kunnen hetzelfde effect geven, en buurten die voor een maatregel worden gekozen wijken vaak "
        "al af, waardoor ze ook vanzelf terugvallen (regressie naar het gemiddelde). Verplaatsing kan ook verder "
        "weg of naar andere soorten delicten gaan dan hier gemeten."
    ) % {"level": effect.maryland_level})
