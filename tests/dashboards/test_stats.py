"""The statistics of the analysis pages on worked examples: Wheeler's Poisson z, Benjamini–Hochberg, the grid, the
kernel density and Getis-Ord Gi* (PySAL's result against the published formula and a hand-computed cell)."""
import math

import numpy as np
import pytest

from dashboards import stats


def test_wheeler_z_exact_values():
    assert stats.wheeler_z(16, 4) == 4.0  # 2(4 − 2)
    assert stats.wheeler_z(9, 2.25) == 3.0  # 2(3 − 1.5): exactly on the threshold
    assert stats.wheeler_z(4, 4) == 0.0
    assert stats.wheeler_z(1, 9) == -4.0
    assert stats.wheeler_z(3, 0) == pytest.approx(2 * math.sqrt(3))
    with pytest.raises(ValueError):
        stats.wheeler_z(-1, 2)


def test_the_threshold_is_inclusive():
    assert stats.is_unusual(stats.wheeler_z(9, 2.25))  # z = 3.0 is listed
    assert not stats.is_unusual(stats.wheeler_z(9, 2.26))
    assert not stats.is_unusual(2.999)


def test_expected_is_the_mean_four_week_count_of_52_weeks():
    assert stats.expected_four_weeks(52) == 4.0
    assert stats.expected_four_weeks(13) == 1.0
    assert stats.expected_four_weeks(0) == 0.0


def test_benjamini_hochberg_worked_example():
    # p sorted: 0.01, 0.02, 0.03, 0.04, 0.20 (m = 5): p·m/rank = 0.05, 0.05, 0.05, 0.05, 0.20, monotone from the top
    adjusted = stats.fdr_bh([0.04, 0.01, 0.20, 0.03, 0.02])
    assert adjusted == pytest.approx([0.05, 0.05, 0.20, 0.05, 0.05])
    assert stats.fdr_bh([]).size == 0


def test_two_sided_p():
    assert stats.two_sided_p([1.959963985])[0] == pytest.approx(0.05)
    assert stats.two_sided_p([-1.959963985])[0] == pytest.approx(0.05)


def test_grid_and_counts():
    grid = stats.grid_for([10, 390, 401], [10, 10, 650], size=200, margin=1)
    assert (grid.x0, grid.y0, grid.cols, grid.rows) == (-200, -200, 5, 6)
    counts = stats.grid_counts(grid, [10, 390, 401, 399], [10, 10, 650, 199])
    assert counts.sum() == 4
    assert counts[1, 1] == 1 and counts[1, 2] == 2 and counts[4, 3] == 1
    with pytest.raises(stats.GridTooLarge):
        stats.grid_for([0, 1_000_000], [0, 1_000_000], size=100)


def test_kernel_density_keeps_the_mass():
    counts = np.zeros((41, 41))
    counts[20, 20] = 10
    density = stats.kernel_density(counts, cell_size=200, bandwidth=300)
    assert density.sum() * 0.04 == pytest.approx(10, rel=1e-3)  # 0.04 km² per cell
    assert density[20, 20] == density.max() and density[20, 21] == density[21, 20]


def test_queen_weights_on_a_lattice_with_a_hole():
    mask = np.ones((3, 3), dtype=bool)
    mask[0, 0] = False
    w = stats.queen_weights(mask)
    assert w.shape == (8, 8)
    degrees = np.asarray(w.sum(axis=1)).ravel()
    # row-major order of the 8 cells: (0,1) (0,2) (1,0) (1,1) (1,2) (2,0) (2,1) (2,2)
    assert degrees.tolist() == [4, 3, 4, 7, 5, 3, 5, 3]
    assert (w != w.T).nnz == 0 and w.diagonal().sum() == 0


def test_gi_star_by_hand_on_a_five_by_five_grid():
    """One value 10 in the centre of a 5×5 grid of zeros. The centre's neighbourhood (itself + 8) sums to 10, n = 25,
    x̄ = 0.4, S = √(100/25 − 0.16) = √3.84; Σw = 9, Σw² = 9:
    G* = (10 − 0.4·9) / (√3.84 · √((25·9 − 81)/24)) = 6.4 / (1.95959 · 2.44949) = 1.33333."""
    values = np.zeros(25)
    values[12] = 10
    w = stats.queen_weights(np.ones((5, 5), dtype=bool))
    z = stats.gi_star(values, w)
    assert z[12] == pytest.approx(6.4 / (math.sqrt(3.84) * math.sqrt(6)), abs=1e-9)
    assert z[12] == pytest.approx(4 / 3, abs=1e-9)
    # a corner cell (itself + 3 neighbours, none of them the centre): (0 − 0.4·4) / (√3.84 · √((100 − 16)/24))
    assert z[0] == pytest.approx(-1.6 / (math.sqrt(3.84) * math.sqrt(3.5)), abs=1e-9)


def test_pysal_gi_star_equals_the_published_formula():
    rng = np.random.default_rng(7)
    mask = np.ones((12, 15), dtype=bool)
    mask[:3, :4] = False  # an irregular study area
    values = rng.poisson(2.0, int(mask.sum())).astype(float)
    w = stats.queen_weights(mask)
    assert np.allclose(stats.gi_star(values, w), stats.gi_star_formula(values, w), atol=1e-10)


def test_constant_values_have_no_hotspot():
    w = stats.queen_weights(np.ones((4, 4), dtype=bool))
    assert not stats.gi_star(np.ones(16), w).any()


def test_a_planted_cluster_is_a_hotspot_after_fdr():
    rng = np.random.default_rng(11)
    x = rng.uniform(0, 6000, 600)
    y = rng.uniform(0, 6000, 600)
    cx = rng.normal(3000, 120, 150)  # a cluster of 150 incidents within a few hundred metres
    cy = rng.normal(2000, 120, 150)
    grid = stats.grid_for(np.r_[x, cx], np.r_[y, cy], size=200, margin=0)
    result = stats.hotspot_analysis(grid, np.r_[x, cx], np.r_[y, cy], bandwidth=300)
    hot = result.hotspot
    assert hot.sum() >= 3
    centres_x = grid.x0 + (result.cols[hot] + 0.5) * grid.size
    centres_y = grid.y0 + (result.rows[hot] + 0.5) * grid.size
    assert np.all(np.hypot(centres_x - 3000, centres_y - 2000) < 700)  # every hotspot is at the cluster
    assert np.all(result.p_adjusted[hot] < 0.05) and np.all(result.z[hot] > 0)
    assert np.all(result.p_adjusted >= result.p - 1e-15)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_uniform_noise_gives_almost_nothing_after_fdr(seed):
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0, 6000, 1800), rng.uniform(0, 6000, 1800)  # about 2 per cell over 900 cells
    grid = stats.grid_for(x, y, size=200, margin=0)
    result = stats.hotspot_analysis(grid, x, y, bandwidth=300)
    assert result.hotspot.sum() <= 2
    raw = (result.p < 0.05) & (result.z > 0)
    assert raw.sum() > result.hotspot.sum()  # without the correction, chance alone gives 'hotspots'
