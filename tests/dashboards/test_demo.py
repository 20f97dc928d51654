"""The demo data of the dashboards: the CBS year follows Almere's real figures per buurt, the planted rise is found by
Opvallend's own formula, the camera had an effect and the campaign none, and a second run changes nothing.

The demo is seeded once for the module (real Almere geography and 20,000 generated addresses take a few seconds)
inside a transaction that is rolled back afterwards; each test runs in its own savepoint on top of it."""
import datetime
import io
import math

import pytest
from auditlog.models import LogEntry
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from areas import demo as areas_demo
from areas.models import AreaIndicator, Population
from dashboards import demo
from dashboards.models import (
    AggregateCount,
    Category,
    Incident,
    Intervention,
    Rollup,
    Source,
    Target,
    Theme,
    WeekRollup,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        out = io.StringIO()
        areas_demo.seed(out)
        demo.seed(out)
    yield out.getvalue()
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def _police():
    return Source.objects.get(code="politie-bvh")


def _weeks(source, buurt_code, categories, first, after):
    return WeekRollup.objects.filter(
        source=source, buurt__code=buurt_code, category__in=categories, week__gte=first, week__lt=after
    ).aggregate(n=Sum("count"))["n"] or 0


def _months(source, codes, categories, first, after, *, exclude=False):
    rows = Rollup.objects.filter(source=source, category__code__in=categories, month__gte=first, month__lt=after)
    rows = rows.exclude(buurt__code__in=codes) if exclude else rows.filter(buurt__code__in=codes)
    return rows.aggregate(n=Sum("count"))["n"] or 0


def test_the_cbs_year_totals_per_buurt_equal_the_real_figures(seeded):
    totals, year = demo.cbs_totals()
    source = _police()
    incidents = dict(Incident.objects.filter(source=source, occurred_on__year=year)
                     .values_list("buurt__code").annotate(n=Count("id")))
    rollups = dict(Rollup.objects.filter(source=source, month__year=year)
                   .values_list("buurt__code").annotate(n=Sum("count")))
    assert len(totals) == 238 and sum(totals.values()) > 8000
    assert {code: incidents.get(code, 0) for code in totals} == totals
    assert {code: rollups.get(code, 0) for code in totals} == totals
    cbs = dict(AggregateCount.objects.filter(source__code="cbs-misdrijven", year=year, month=0,
                                             category__is_total=True).values_list("area_code", "count"))
    assert cbs == totals


def test_three_whole_years_through_yesterday_with_a_realistic_mix(seeded):
    today = timezone.localdate()
    source = _police()
    dates = Incident.objects.filter(source=source).values_list("occurred_on", flat=True)
    first, last = min(dates), max(dates)
    assert first <= demo.add_months(today.replace(day=1), -36)
    assert last == today - datetime.timedelta(days=1)
    # the police mark last month and this one provisional, as a live BVH feed does
    provisional_from = demo.add_months(today.replace(day=1), -1)
    assert source.provisional_from == provisional_from
    assert not Incident.objects.filter(source=source, occurred_on__lt=provisional_from, provisional=True).exists()
    assert not Incident.objects.filter(source=source, occurred_on__gte=provisional_from, provisional=False).exists()
    # enough for the dagrapport: incidents on each of the last days
    for back in range(1, 4):
        assert Incident.objects.filter(source=source, occurred_on=today - datetime.timedelta(days=back)).count() >= 5
    mix = dict(Incident.objects.filter(source=source).values_list("category__code").annotate(n=Count("id")))
    total = sum(mix.values())
    assert mix["1.2.3"] > mix["1.1.1"] > mix["1.4.6"] > 0 and len(mix) >= 20
    assert 0.08 < mix["1.2.3"] / total < 0.16
    # burglary in the evening more than at night; violence in the weekend nights more than in the week nights
    burglary = dict(Incident.objects.filter(source=source, category__code="1.1.1").values_list("dagdeel")
                    .annotate(n=Count("id")))
    assert burglary[3] > burglary[0]
    night_violence = dict(Incident.objects.filter(source=source, category__code="1.4.5", dagdeel=0)
                          .values_list("weekday").annotate(n=Count("id")))
    assert night_violence[5] + night_violence[6] > night_violence[1] + night_violence[2]
    burglaries = Incident.objects.filter(source=source, category__code="1.1.1")
    assert burglaries.exclude(modus_operandi="").count() == burglaries.count()
    assert burglaries.filter(modus_operandi="flipperen").exists() and burglaries.exclude(loot="").exists()
    assert burglaries.filter(address__isnull=False).count() > 0.8 * burglaries.count()
    with_points = Incident.objects.filter(source=source, lon__isnull=False, lat__isnull=False).count()
    assert with_points > 0.8 * total


def test_the_planted_rise_is_found_by_wheelers_formula(seeded):
    today = timezone.localdate()
    this_monday = today - datetime.timedelta(days=today.weekday())
    start = this_monday - datetime.timedelta(weeks=4)
    year_before = start - datetime.timedelta(weeks=52)
    wos = list(Theme.objects.get(slug="wos-hic").categories.all())
    source = _police()

    def z(buurt_code):
        current = _weeks(source, buurt_code, wos, start, this_monday)
        expected = _weeks(source, buurt_code, wos, year_before, start) / 13
        return 2 * (math.sqrt(current) - math.sqrt(expected))

    assert z(demo.RISE_BUURT) >= 4
    others = sorted(WeekRollup.objects.filter(source=source).values_list("buurt__code", flat=True).distinct())
    flagged = [code for code in others if z(code) >= 3]
    assert demo.RISE_BUURT in flagged and len(flagged) <= 3


def test_the_camera_worked_and_the_campaign_did_not(seeded):
    this_month = timezone.localdate().replace(day=1)
    source = _police()
    camera = Intervention.objects.get(name=demo.CAMERA_NAME)
    assert camera.kind == "camera" and camera.buurten.count() == 2
    assert sorted(camera.categories.values_list("code", flat=True)) == sorted(demo.CAMERA_CATEGORIES)
    start = camera.start
    before = demo.add_months(start, -demo.CAMERA_MONTHS)
    t_before = _months(source, demo.CAMERA_BUURTEN, demo.CAMERA_CATEGORIES, before, start)
    t_after = _months(source, demo.CAMERA_BUURTEN, demo.CAMERA_CATEGORIES, start, this_month)
    c_before = _months(source, demo.CAMERA_BUURTEN, demo.CAMERA_CATEGORIES, before, start, exclude=True)
    c_after = _months(source, demo.CAMERA_BUURTEN, demo.CAMERA_CATEGORIES, start, this_month, exclude=True)
    rate_ratio = (t_after * c_before) / (t_before * c_after)
    assert t_before > 100 and rate_ratio < 0.7
    upper = math.exp(math.log(rate_ratio) + 1.96 * math.sqrt(1 / t_before + 1 / t_after + 1 / c_before + 1 / c_after))
    assert upper < 1  # a clear drop, not noise

    campaign = Intervention.objects.get(name=demo.CAMPAIGN_NAME)
    assert campaign.kind == "campagne"
    months = demo.CAMPAIGN_MONTHS
    before = demo.add_months(campaign.start, -months)
    counts = [_months(source, demo.CAMPAIGN_BUURTEN, demo.CAMPAIGN_CATEGORIES, a, b, exclude=ex)
              for ex in (False, True) for a, b in ((before, campaign.start), (campaign.start, this_month))]
    t_b, t_a, c_b, c_a = (max(n, 1) for n in counts)
    rate_ratio = (t_a * c_b) / (t_b * c_a)
    spread = 1.96 * math.sqrt(1 / t_b + 1 / t_a + 1 / c_b + 1 / c_a)
    assert t_b > 20
    assert math.exp(math.log(rate_ratio) - spread) < 1 < math.exp(math.log(rate_ratio) + spread)  # no effect

    target = Target.objects.get(theme__slug="wos-hic", source=source)
    assert target.change_percent == -10 and target.target_year == timezone.localdate().year
    assert target.baseline_year < target.target_year


def test_context_meldingen_population_and_hennep(seeded):
    today = timezone.localdate()
    meldingen = Incident.objects.filter(source__code="meldingen")
    assert meldingen.count() > 3000
    assert min(meldingen.values_list("occurred_on", flat=True)) >= demo.add_months(today.replace(day=1), -12)
    assert set(meldingen.values_list("category__kind", flat=True)) == {Category.Kind.MUNICIPAL}
    years = set(Population.objects.values_list("year", flat=True))
    assert set(range(demo.cbs_totals()[1], today.year + 1)) <= years
    assert set(AreaIndicator.objects.values_list("code", flat=True)) >= {"huishoudens", "bevolkingsdichtheid",
                                                                          "woz_gemiddeld"}
    hennep = Incident.objects.filter(source__code="hennep")
    assert 30 <= hennep.count() <= 50
    assert set(hennep.values_list("property_type", flat=True)) == {"flat", "eengezinswoning", "bedrijfspand", "schuur"}
    assert not hennep.filter(address__isnull=True).exists() and not hennep.filter(quantity__isnull=True).exists()
    assert set(hennep.values_list("category__code", flat=True)) == {"hennep"}


def test_the_hotspot_is_a_tight_cluster(seeded):
    source = _police()
    hot = demo._Hotspot(demo._areas()[1][demo.HOTSPOT_BUURT])
    points = Incident.objects.filter(source=source, buurt__code=demo.HOTSPOT_BUURT, lon__isnull=False) \
        .values_list("lon", "lat")
    near = [p for p in points if abs(p[0] - hot.lon) < 0.0021 and abs(p[1] - hot.lat) < 0.00135]
    assert len(near) > 150


def test_seeding_again_changes_nothing(seeded):
    def state():
        return (
            list(Incident.objects.values_list("source_id").annotate(n=Count("id"), m=Sum("id")).order_by("source_id")),
            Rollup.objects.aggregate(n=Count("id"), s=Sum("count"), m=Sum("id")),
            WeekRollup.objects.aggregate(n=Count("id"), s=Sum("count"), m=Sum("id")),
            AggregateCount.objects.count(), Population.objects.count(), AreaIndicator.objects.count(),
            list(Intervention.objects.values_list("name", "start")), Target.objects.count(),
            LogEntry.objects.count(),  # nothing audited was touched either
        )

    before = state()
    out = io.StringIO()
    demo.seed(out)
    assert state() == before
    assert "nieuw 0, gewijzigd 0, weg 0" in out.getvalue()


def test_a_later_day_only_moves_the_window(seeded):
    later = timezone.localdate() + datetime.timedelta(days=40)
    demo.seed(io.StringIO(), today=later)
    totals, year = demo.cbs_totals()
    source = _police()
    assert Incident.objects.filter(source=source, occurred_on__year=year).count() == sum(totals.values())
    assert max(Incident.objects.filter(source=source).values_list("occurred_on", flat=True)) == \
        later - datetime.timedelta(days=1)
    rise = Incident.objects.filter(source=source, external_id__startswith=f"{demo.DEMO_PREFIX}rise-")
    assert rise.count() == demo.RISE_COUNT
    assert min(rise.values_list("occurred_on", flat=True)) >= later - datetime.timedelta(days=35)
    assert Intervention.objects.get(name=demo.CAMERA_NAME).start == demo.add_months(later.replace(day=1), -12)
