"""One filter for every figure (map, trend, dagdeel, table, exports, API), parsed and checked in one place.

    query = figure_query_from_params(request.GET, dashboard=dashboard)   # raises FigureQueryError -> 400

`categories` are the category ids the figure counts (themes expanded; the total `0.0.0` only on its own); the
period is whole months [date_from, date_to] (inclusive), the default the last 12 whole months; a source that
delivers yearly counts answers only for whole calendar years.
"""
import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from areas.models import Municipality
from core import datacache
from core.dates import EARLIEST, LATEST, date_range_message

from ..models import Category, Source, Theme

DEFAULT_SOURCE = "politie-bvh"
MAX_YEARS = 10
_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


class FigureQueryError(ValueError):
    """A filter the figures cannot answer; the message is for the person who sent it (HTTP 400)."""


@dataclass(frozen=True)
class FigureQuery:
    source: Source
    municipality: Municipality
    date_from: datetime.date  # first day of a month
    date_to: datetime.date  # last day of a month
    categories: tuple  # Category ids
    themes: tuple  # Theme objects the user picked (for labels)
    picked_categories: tuple  # Category objects the user picked by code (for labels)

    @property
    def attribution(self):
        return _("Bron: %(source)s") % {"source": self.source.attribution}

    @property
    def month_from(self):
        return self.date_from

    @property
    def month_to(self):
        """The first day of the last month in the period (rollups are keyed by the first day of the month)."""
        return self.date_to.replace(day=1)

    def previous_period(self):
        """The equally long period just before this one (for 'change against the previous period')."""
        months = months_between(self.date_from, self.date_to)
        start = add_months(self.date_from, -months)
        return start, self.date_from - datetime.timedelta(days=1)

    def as_params(self):
        """The query string that gives this query back (for export links and the API)."""
        params = {"source": self.source.code, "municipality": self.municipality.code,
                  "from": self.date_from.strftime("%Y-%m"), "to": self.date_to.strftime("%Y-%m")}
        if self.themes:
            params["themes"] = ",".join(t.slug for t in self.themes)
        if self.picked_categories:
            params["categories"] = ",".join(c.code for c in self.picked_categories)
        return params


def add_months(day, months):
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_between(first, last):
    """Whole months from the month of `first` through the month of `last`."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


def month_end(day):
    return add_months(day, 1) - datetime.timedelta(days=1)


def default_period(today=None):
    """The last 12 whole months before this month."""
    today = today or datetime.date.today()
    first_of_month = today.replace(day=1)
    return add_months(first_of_month, -12), first_of_month - datetime.timedelta(days=1)


def _split(value):
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _parse_month(value, *, end):
    match = _MONTH.match(value.strip())
    if not match:
        raise FigureQueryError(_("Ongeldige periode '%(value)s': gebruik JJJJ-MM, bijvoorbeeld 2024-03.")
                               % {"value": value[:20]})
    year, month, day = int(match[1]), int(match[2]), match[3]
    try:
        first = datetime.date(year, month, 1)
    except ValueError:
        raise FigureQueryError(_("Ongeldige periode '%(value)s'.") % {"value": value[:20]}) from None
    if not EARLIEST <= first <= LATEST:  # the end of 9999-12 lies beyond what a date can hold (issue 12, finding 9)
        raise FigureQueryError(date_range_message())
    if day is not None:
        try:
            given = datetime.date(year, month, int(day))
        except ValueError:
            raise FigureQueryError(_("Ongeldige datum '%(value)s'.") % {"value": value[:20]}) from None
        wanted = month_end(first) if end else first
        if given != wanted:
            raise FigureQueryError(_("De cijfers zijn er per hele maand: laat de periode op de eerste van een maand "
                                     "beginnen en op de laatste van een maand eindigen."))
    return month_end(first) if end else first


def figure_query_from_params(params, *, dashboard=None, today=None, default_source=DEFAULT_SOURCE):
    """Parse `source`, `categories`, `themes`, `from`, `to` and `municipality` from a QueryDict or dict."""
    get = params.get
    known = catalogue()
    code = (get("source") or default_source).strip()
    source = known.sources.get(code)
    if source is None:
        raise FigureQueryError(_("Onbekende bron '%(code)s'.") % {"code": code[:40]})
    if source.address_level and not (dashboard is not None and dashboard.address_level):
        raise FigureQueryError(_("Deze bron is alleen te zien in een dashboard op adresniveau."))

    municipality_code = (get("municipality") or settings.DASHBOARD_MUNICIPALITY).strip().upper()
    municipality = known.municipalities.get(municipality_code)
    if municipality is None:
        raise FigureQueryError(_("Onbekende gemeente '%(code)s'.") % {"code": municipality_code[:10]})

    start, end = default_period(today)
    if get("from"):
        start = _parse_month(get("from"), end=False)
    if get("to"):
        end = _parse_month(get("to"), end=True)
    if start > end:
        raise FigureQueryError(_("Het begin van de periode ligt na het einde."))
    if months_between(start, end) > MAX_YEARS * 12:
        raise FigureQueryError(_("Kies een periode van hoogstens %(years)s jaar.") % {"years": MAX_YEARS})
    if source.granularity == Source.Granularity.YEAR and (start.month != 1 or end.month != 12):
        raise FigureQueryError(_(
            "Bron '%(source)s' levert alleen jaarcijfers: kies hele kalenderjaren (van januari tot en met december)."
        ) % {"source": source.name})

    theme_slugs, category_codes = _split(get("themes")), _split(get("categories"))
    themes = [known.themes[slug] for slug in sorted(set(theme_slugs)) if slug in known.themes]
    unknown = sorted(set(theme_slugs) - set(known.themes))
    if unknown:
        raise FigureQueryError(_("Onbekend thema: %(codes)s.") % {"codes": ", ".join(unknown)[:200]})
    picked = [known.categories[code] for code in sorted(set(category_codes)) if code in known.categories]
    unknown = sorted(set(category_codes) - set(known.categories))
    if unknown:
        raise FigureQueryError(_("Onbekende categorie: %(codes)s.") % {"codes": ", ".join(unknown)[:200]})

    ids = {c.pk for c in picked} | {pk for t in themes for pk in known.theme_categories[t.slug]}
    totals = {c.pk for c in picked if c.is_total}
    if totals and len(ids) > 1:
        raise FigureQueryError(_("Het totaal (0.0.0) is de som van alle andere soorten en telt niet op bij een "
                                 "andere keuze."))
    if not ids:
        ids = known.all_but_total if source.granularity == Source.Granularity.INCIDENT else known.total
    return FigureQuery(source=source, municipality=municipality, date_from=start, date_to=end,
                       categories=tuple(sorted(ids)), themes=tuple(themes), picked_categories=tuple(picked))


# -- the catalogue the filter reads (sources, municipalities, themes, categories), kept per process -------------


@dataclass(frozen=True)
class Catalogue:
    sources: dict  # code -> Source
    municipalities: dict  # CBS code -> Municipality
    themes: dict  # slug -> Theme (its categories prefetched)
    theme_categories: dict  # slug -> frozenset of category ids
    categories: dict  # code -> Category
    all_but_total: frozenset  # category ids an incident source counts by default
    total: frozenset  # the total's id(s), what a source of counts answers by default


_memo: dict = {}


def catalogue() -> Catalogue:
    """The filter's reference lists, read once per process and again whenever one of them changes (a version in
    the shared cache that dashboards.receivers and the geography load replace, core.datacache): every figure
    request parses its filter without a query. The objects are shared between requests: read them, never change
    them."""
    version = datacache.version(datacache.CATALOGUE)
    found = _memo.get(version)
    if found is None:
        themes = {t.slug: t for t in Theme.objects.prefetch_related("categories")}
        categories = {c.code: c for c in Category.objects.all()}
        found = Catalogue(
            sources={s.code: s for s in Source.objects.all()},
            municipalities={m.code: m for m in Municipality.objects.all()},
            themes=themes,
            theme_categories={slug: frozenset(c.pk for c in t.categories.all()) for slug, t in themes.items()},
            categories=categories,
            all_but_total=frozenset(c.pk for c in categories.values() if not c.is_total),
            total=frozenset(c.pk for c in categories.values() if c.is_total),
        )
        _memo.clear()
        _memo[version] = found
    return found
