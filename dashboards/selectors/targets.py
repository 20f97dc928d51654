"""Targets (doelstellingen) with their progress, read from MonthRollup: the count of the theme in the baseline year, the
target count (baseline × (1 + change%)), this year so far and its projection to a full year (the year so far scaled
to twelve months; in January, before a whole month has passed, the last 12 whole months), and a count per year."""
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from ..models import Category, MonthRollup, Target
from .filters import add_months


@dataclass
class TargetProgress:
    target: Target
    baseline_count: int
    target_count: float
    year: int  # the current year
    months_done: int  # whole months of the current year that have passed
    year_to_date: int | None
    last_12_months: int
    projected: float | None
    projection_basis: str
    years: list = field(default_factory=list)  # [(year, count, is_projection)]

    @property
    def decrease(self):
        return self.target.change_percent <= 0

    @property
    def on_track(self):
        """None while the target year has not started to be measured; else whether the projection meets it."""
        if self.projected is None:
            return None
        if self.decrease:
            return self.projected <= self.target_count
        return self.projected >= self.target_count

    @property
    def status(self):
        if self.on_track is None:
            return _("nog niet te zeggen")
        return _("op koers") if self.on_track else _("niet op koers")

    @property
    def change_so_far(self):
        """The projected change against the baseline year, in percent."""
        if self.projected is None or not self.baseline_count:
            return None
        return (self.projected - self.baseline_count) / self.baseline_count * 100

    @property
    def change_so_far_sign(self):
        return "+" if self.change_so_far and self.change_so_far > 0 else ""

    @property
    def attribution(self):
        return _("Bron: %(source)s") % {"source": self.target.source.attribution}


def target_list(*, municipality=None):
    queryset = Target.objects.select_related("theme", "source", "municipality").order_by(
        "theme__name", "target_year", "source__code")
    if municipality is not None:
        queryset = queryset.filter(municipality=municipality)
    return queryset


def target_get(*, pk):
    return target_list().filter(pk=pk).first()


def theme_category_ids(theme):
    return list(Category.objects.filter(themes=theme, is_total=False).values_list("pk", flat=True))


def target_progress(*, target, today=None):
    today = today or datetime.date.today()
    this_month = today.replace(day=1)
    categories = theme_category_ids(target.theme)
    first_year = min(target.baseline_year, today.year)
    rows = MonthRollup.objects.filter(
        source=target.source, municipality=target.municipality, category_id__in=categories,
        month__gte=datetime.date(first_year, 1, 1), month__lt=this_month,
    )
    per_year = dict(
        rows.annotate(y=ExtractYear("month")).values("y").annotate(n=Sum("count")).order_by().values_list("y", "n")
    )
    last_12 = rows.filter(month__gte=add_months(this_month, -12)).aggregate(n=Sum("count"))["n"] or 0
    baseline = per_year.get(target.baseline_year, 0)
    target_count = float(baseline * (1 + Decimal(target.change_percent) / 100))
    months_done = today.month - 1
    ytd = per_year.get(today.year, 0) if months_done else None
    if today.year <= target.baseline_year:
        projected, basis = None, _("het basisjaar is nog niet voorbij")
    elif months_done:
        projected = ytd * 12 / months_done
        basis = _("%(year)s tot nu toe (%(months)s hele maanden), doorgetrokken naar een heel jaar") % {
            "year": today.year, "months": months_done}
    else:
        projected = float(last_12)
        basis = _("de laatste 12 hele maanden")
    years = [(year, per_year.get(year, 0), False) for year in range(target.baseline_year, today.year)]
    if projected is not None:
        years.append((today.year, projected, True))
    return TargetProgress(
        target=target, baseline_count=baseline, target_count=target_count, year=today.year, months_done=months_done,
        year_to_date=ytd, last_12_months=last_12, projected=projected, projection_basis=basis, years=years,
    )
