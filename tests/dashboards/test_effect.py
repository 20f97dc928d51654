"""The effect of an intervention: difference in differences as a rate ratio with its interval, Wheeler & Ratcliffe's
WDD on a worked example (hand-computed numbers), zeros, the periods, the ring of touching buurten, and the choice of
control buurten by level and trend before the start."""
import datetime
import math

import pytest

from dashboards.selectors.effect import (
    buurt_neighbours,
    effect_periods,
    intervention_effect,
    rate_ratio,
    ring_of,
    weighted_displacement_difference,
)
from dashboards.services.interventions import intervention_create
from tests.dashboards.interventions_fixtures import Grid, months
from tests.factories import grant, make_user

pytestmark = pytest.mark.django_db

D = datetime.date


# -- the worked example: T 100→70, C 100→95, D 80→82, CD 90→88 --------------------------------------------------


def test_rate_ratio_on_the_worked_example():
    rr = rate_ratio(t_before=100, t_after=70, c_before=100, c_after=95)
    # RR = (70·100)/(100·95) = 0.736842
    assert rr.value == pytest.approx(0.736842, abs=1e-6)
    # √(1/100 + 1/70 + 1/100 + 1/95) = √0.0448120 = 0.211688; ln 0.736842 = −0.305382; 1.96·0.211688 = 0.414901
    low, high = rr.ci95
    assert low == pytest.approx(math.exp(-0.305382 - 0.414901), rel=1e-4)  # 0.4866
    assert high == pytest.approx(math.exp(-0.305382 + 0.414901), rel=1e-4)  # 1.1157
    assert low == pytest.approx(0.4866, abs=1e-3) and high == pytest.approx(1.1157, abs=1e-3)
    assert rr.reason == ""


def test_wdd_on_the_worked_example():
    result = weighted_displacement_difference(t=(100, 70), c=(100, 95), d=(80, 82), cd=(90, 88))
    # The paper's statistic (unscaled): ΔT − ΔC_T + ΔD − ΔC_D = (−30) − (−5) + (+2) − (−2) = −21,
    # SE = √(100+70+100+95+80+82+90+88) = √705 = 26.552
    assert result.unscaled == -21
    assert result.unscaled_se == pytest.approx(26.552, abs=1e-3)
    # Scaled controls: w_T = 100/100 = 1, w_D = 80/90 = 0.8889:
    # −30 − 1·(−5) + 2 − 0.8889·(−2) = −21.2222; variance 100+70+1·195 + 80+82 + 0.790123·178 = 667.642
    assert result.weight_control == pytest.approx(1.0)
    assert result.weight_displacement == pytest.approx(0.888889, abs=1e-6)
    assert result.value == pytest.approx(-21.2222, abs=1e-4)
    assert result.se == pytest.approx(math.sqrt(667.642), abs=1e-3)  # 25.839
    low, high = result.ci95
    assert low == pytest.approx(-21.2222 - 1.959964 * 25.8388, abs=1e-2)
    assert high == pytest.approx(-21.2222 + 1.959964 * 25.8388, abs=1e-2)


def test_wdd_with_matched_controls_is_exactly_the_papers_statistic():
    """Controls as large as their areas (w = 1): the sum of the eight counts is the variance."""
    result = weighted_displacement_difference(t=(100, 70), c=(100, 95), d=(90, 82), cd=(90, 88))
    assert result.value == result.unscaled == (70 - 100) - (95 - 100) + (82 - 90) - (88 - 90)  # −31
    assert result.se == pytest.approx(math.sqrt(100 + 70 + 100 + 95 + 90 + 82 + 90 + 88))


def test_a_larger_control_group_is_scaled_to_the_treated_level():
    """Five control buurten with 500 before and 475 after: the same relative change (−5%) as one matched buurt."""
    scaled = weighted_displacement_difference(t=(100, 70), c=(500, 475))
    assert scaled.value == pytest.approx(-30 - 0.2 * (-25))  # −25, as with C 100→95
    assert scaled.se == pytest.approx(math.sqrt(100 + 70 + 0.04 * 975))
    assert scaled.unscaled == (70 - 100) - (475 - 500)  # −5: the unscaled figure would hide most of the drop


def test_zeros_give_no_rate_ratio_and_say_why():
    for counts in ({"t_before": 0, "t_after": 5, "c_before": 10, "c_after": 10},
                   {"t_before": 5, "t_after": 0, "c_before": 10, "c_after": 10},
                   {"t_before": 5, "t_after": 5, "c_before": 10, "c_after": 0}):
        rr = rate_ratio(**counts)
        assert rr.value is None and rr.ci95 is None
        assert "Geen verhoudingsmaat" in rr.reason and "0" in rr.reason
    assert "behandelde buurten achteraf" in rate_ratio(t_before=5, t_after=0, c_before=10, c_after=10).reason
    wdd = weighted_displacement_difference(t=(5, 3), c=(0, 4))
    assert wdd.value is None and "controlebuurten hadden vooraf geen incidenten" in wdd.reason


# -- periods ---------------------------------------------------------------------------------------------------


def test_equal_whole_month_periods_around_the_start():
    p = effect_periods(start=D(2025, 3, 15), today=D(2025, 8, 2))
    # March is partly before, partly after: left out. After: April–July (4 whole months); before: Nov–Feb.
    assert (p.after_from, p.after_to, p.months) == (D(2025, 4, 1), D(2025, 7, 31), 4)
    assert (p.before_from, p.before_to) == (D(2024, 11, 1), D(2025, 2, 28))
    assert not p.short
    short = effect_periods(start=D(2025, 6, 1), today=D(2025, 8, 2))
    assert short.months == 2 and short.short
    capped = effect_periods(start=D(2023, 1, 1), end=D(2025, 6, 30), today=D(2026, 1, 5))
    assert capped.months == 12 and capped.capped and capped.before_from == D(2022, 1, 1)
    ended = effect_periods(start=D(2024, 1, 1), end=D(2024, 5, 20), today=D(2026, 1, 5))
    assert (ended.after_to, ended.months) == (D(2024, 4, 30), 4)  # May is not whole
    assert effect_periods(start=D(2025, 8, 1), today=D(2025, 8, 20)) is None  # no whole month yet
    assert effect_periods(start=D(2024, 1, 1), today=D(2026, 1, 5), data_until=D(2024, 3, 1)).months == 3


# -- geography and controls ------------------------------------------------------------------------------------


@pytest.fixture
def grid():
    return Grid()


def test_the_ring_is_the_touching_buurten(grid):
    neighbours = buurt_neighbours(municipality=grid.municipality)
    centre = grid.cells[(2, 2)].pk
    expected = {grid.cells[(i, j)].pk for i in (1, 2, 3) for j in (1, 2, 3)} - {centre}
    assert ring_of([centre], neighbours) == expected
    corner = grid.cells[(0, 0)].pk
    assert ring_of([corner], neighbours) == {grid.cells[c].pk for c in ((0, 1), (1, 0), (1, 1))}
    two = [grid.cells[(0, 0)].pk, grid.cells[(0, 1)].pk]
    assert ring_of(two, neighbours) == {grid.cells[c].pk for c in ((0, 2), (1, 0), (1, 1), (1, 2))}
    assert grid.foreign.pk not in neighbours  # another municipality is not part of this one's map


RISING = {(5, j) for j in range(6)} | {(4, 5), (3, 5)}
RING = {(0, 1), (1, 0), (1, 1)}


def _load_scenario(grid):
    """2024 (before): the treated buurt (0, 0) and the RISING buurten rise 6 → 17 a month; all others fall 17 → 6
    (the same mean level, the opposite trend). 2025 (after): treated 9 a month, rising buurten 17, the ring 8, the
    rest 6."""
    before, after = months(D(2024, 1, 1), 12), months(D(2025, 1, 1), 12)
    series = {}
    for cell in grid.cells:
        rising = cell == (0, 0) or cell in RISING
        counts = {m: (6 + k if rising else 17 - k) for k, m in enumerate(before)}
        level = 9 if cell == (0, 0) else 17 if cell in RISING else 8 if cell in RING else 6
        counts.update({m: level for m in after})
        series[cell] = counts
    grid.load(series)


@pytest.fixture
def editor():
    user = make_user("redacteur")
    from access import roles as R

    grant(user, R.INTERVENTION_EDITOR)
    return user


def test_controls_have_a_similar_pre_trend_not_just_a_similar_level(grid, editor):
    _load_scenario(grid)
    intervention = intervention_create(user=editor, name="Camera plein", kind="camera",
                                       buurten=[grid.cells[(0, 0)]], start=D(2025, 1, 1),
                                       categories=[grid.burglary])
    effect = intervention_effect(intervention=intervention, today=D(2026, 2, 15))
    codes = {code for code, _name in effect.groups["control"].buurten}
    rising_codes = {grid.cells[c].code for c in RISING}
    assert len(codes) == 5  # enough: their before-count (5 × 138) exceeds the treated 138
    assert codes <= rising_codes, codes - rising_codes
    ring = {code for code, _name in effect.groups["displacement"].buurten}
    assert ring == {grid.cells[c].code for c in RING}
    dc = {code for code, _name in effect.groups["displacementControl"].buurten}
    assert dc and not dc & (codes | ring | {grid.cells[(0, 0)].code})  # the ring falls: its controls fall too
    assert not dc & rising_codes

    t, c = effect.groups["treated"], effect.groups["control"]
    assert (t.before, t.after) == (138, 108)
    assert (c.before, c.after) == (5 * 138, 5 * 204)
    assert effect.rate_ratio.value == pytest.approx((108 * 690) / (138 * 1020))  # 0.529
    assert effect.rate_ratio.ci95[1] < 1
    assert effect.pretrend.value == pytest.approx(1.0)  # the halves before the start ran in step
    assert effect.maryland_level == 3
    assert effect.periods.months == 12 and not effect.warnings
    text = effect.explanation_text
    assert "niveau 3" in text and "Maryland" in text and "regressie naar het gemiddelde" in text
    assert "bewijst niet" in text


def test_without_comparable_controls_the_level_is_2(grid, editor):
    _load_scenario(grid)
    everything = [b for cell, b in grid.cells.items() if cell != (5, 5)]
    intervention = intervention_create(user=editor, name="Overal", kind="campagne", buurten=everything,
                                       start=D(2025, 1, 1))
    effect = intervention_effect(intervention=intervention, today=D(2026, 2, 15))
    assert effect.groups["control"].buurten == []
    assert effect.rate_ratio is None and effect.maryland_level == 2
    assert "geen geschikte controlebuurten" in effect.explanation_text


def test_a_start_after_a_peak_warns_of_regression_to_the_mean(grid, editor):
    _load_scenario(grid)
    grid.load({(0, 0): {m: 2 for m in months(D(2023, 1, 1), 12)}})  # the year before: 24, then 138
    intervention = intervention_create(user=editor, name="Na de piek", kind="surveillance",
                                       buurten=[grid.cells[(0, 0)]], start=D(2025, 1, 1))
    effect = intervention_effect(intervention=intervention, today=D(2026, 2, 15))
    assert effect.earlier_z > 2
    assert any("Regressie naar het gemiddelde" in w for w in effect.warnings)


def test_a_short_after_period_is_flagged(grid, editor):
    _load_scenario(grid)
    intervention = intervention_create(user=editor, name="Net gestart", kind="verlichting",
                                       buurten=[grid.cells[(0, 0)]], start=D(2025, 11, 1))
    effect = intervention_effect(intervention=intervention, today=D(2026, 1, 20))
    assert effect.periods.months == 2  # Nov and Dec 2025 (the source has no later data)
    assert any("nog maar 2 maanden" in w for w in effect.warnings)


def test_controls_that_diverged_before_the_start_lower_the_level_to_2(grid, editor):
    """Only the treated buurt rises before the start; every candidate falls: the best controls still run the other
    way, the pre-trend check sees it and the design is not called comparable."""
    before, after = months(D(2024, 1, 1), 12), months(D(2025, 1, 1), 12)
    series = {}
    for cell in grid.cells:
        if cell == (0, 0):
            counts = {m: 4 + 2 * k for k, m in enumerate(before)}  # 4 → 26
        else:
            counts = {m: 26 - 2 * k for k, m in enumerate(before)}  # 26 → 4
        counts.update({m: 10 for m in after})
        series[cell] = counts
    grid.load(series)
    intervention = intervention_create(user=editor, name="Tegen de stroom", kind="surveillance",
                                       buurten=[grid.cells[(0, 0)]], start=D(2025, 1, 1))
    effect = intervention_effect(intervention=intervention, today=D(2026, 2, 15))
    assert effect.groups["control"].buurten
    low, high = effect.pretrend.ci95
    assert low > 1  # the second half against the first: treated up, controls down
    assert effect.maryland_level == 2
    assert any("niet goed vergelijkbaar" in w for w in effect.warnings)


def test_no_whole_month_after_the_start_gives_no_figures(grid, editor):
    _load_scenario(grid)
    intervention = intervention_create(user=editor, name="Gepland", kind="camera", buurten=[grid.cells[(0, 0)]],
                                       start=D(2026, 3, 1))
    effect = intervention_effect(intervention=intervention, today=D(2026, 2, 15))
    assert effect.periods is None and effect.rate_ratio is None and effect.maryland_level is None
    assert "nog geen hele maand" in effect.explanation_text
