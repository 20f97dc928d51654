"""Pure statistics for the analysis pages (no database, no Django): unusual rises and hotspots.

- Wheeler's Poisson z for an unusual rise: z = 2(√current − √expected) (Wheeler 2016, "Tutorial on the Poisson
  z-score"); for counts this is the variance-stabilising (Anscombe-like) transform, so z ≥ 3 means the current
  count is far above what the baseline leads one to expect, whatever its size.
- Hotspots on a regular grid: counts per cell, a kernel density surface for display, and the Getis-Ord Gi* z per
  cell (Getis & Ord 1992; Ord & Getis 1995) with binary queen weights that include the cell itself, computed with
  PySAL (libpysal weights, esda's G_Local), two-sided p-values from the normal approximation and the
  Benjamini–Hochberg false discovery rate (scipy). A cell is a hotspot only when its adjusted p is below alpha and
  its z is positive: a tested claim, not a colour.
"""
import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage, sparse
from scipy import stats as sps

Z_THRESHOLD = 3.0
FDR_ALPHA = 0.05


# -- unusual rises (Opvallend) ------------------------------------------------------------------------------------


def wheeler_z(current, expected):
    """Wheeler's Poisson z = 2(√current − √expected)."""
    if current < 0 or expected < 0:
        raise ValueError("counts cannot be negative")
    return 2.0 * (math.sqrt(current) - math.sqrt(expected))


def expected_four_weeks(baseline_total, baseline_weeks=52):
    """The mean 4-week count over the baseline weeks (52 weeks: the sum divided by 13)."""
    return baseline_total * 4.0 / baseline_weeks


def is_unusual(z, threshold=Z_THRESHOLD):
    return z >= threshold


# -- multiple comparisons -----------------------------------------------------------------------------------------


def fdr_bh(p_values):
    """Benjamini–Hochberg adjusted p-values (scipy.stats.false_discovery_control); empty in, empty out."""
    p = np.asarray(p_values, dtype=float)
    if p.size == 0:
        return p
    return sps.false_discovery_control(p, method="bh")


def two_sided_p(z):
    return 2.0 * sps.norm.sf(np.abs(np.asarray(z, dtype=float)))


# -- grid, kernel density, Gi* --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    """A regular grid of square cells in projected metres; cell (row, col) has its lower-left corner at
    (x0 + col·size, y0 + row·size)."""

    x0: float
    y0: float
    size: float
    rows: int
    cols: int

    def centre(self, row, col):
        return self.x0 + (col + 0.5) * self.size, self.y0 + (row + 0.5) * self.size


class GridTooLarge(ValueError):
    """The points spread over more cells than the analysis allows (an outlier far away, or a whole country)."""


def grid_for(x, y, *, size, margin=1, max_cells=60_000):
    """The grid covering the points (plus `margin` empty cells on every side), aligned to multiples of size."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size == 0:
        raise ValueError("no points")
    x0 = (math.floor(x.min() / size) - margin) * size
    y0 = (math.floor(y.min() / size) - margin) * size
    cols = int(math.floor(x.max() / size) + margin + 1 - x0 / size)
    rows = int(math.floor(y.max() / size) + margin + 1 - y0 / size)
    if rows * cols > max_cells:
        raise GridTooLarge(f"{rows * cols} cells")
    return Grid(x0=x0, y0=y0, size=float(size), rows=rows, cols=cols)


def grid_counts(grid, x, y):
    """A rows × cols array of the number of points per cell."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    cols = np.floor((x - grid.x0) / grid.size).astype(int)
    rows = np.floor((y - grid.y0) / grid.size).astype(int)
    inside = (rows >= 0) & (rows < grid.rows) & (cols >= 0) & (cols < grid.cols)
    counts = np.zeros((grid.rows, grid.cols), dtype=float)
    np.add.at(counts, (rows[inside], cols[inside]), 1.0)
    return counts


def kernel_density(counts, *, cell_size, bandwidth):
    """A Gaussian kernel density surface of the binned points, in points per km² (binned KDE: the grid counts
    convolved with a Gaussian of standard deviation `bandwidth` metres; the total mass is kept)."""
    sigma = bandwidth / cell_size
    smoothed = ndimage.gaussian_filter(np.asarray(counts, dtype=float), sigma=sigma, mode="constant", truncate=4.0)
    return smoothed / (cell_size * cell_size / 1_000_000.0)


def queen_weights(mask):
    """Binary queen-contiguity weights between the cells of `mask` (a rows × cols bool array), as a scipy sparse
    matrix over the cells in row-major order of mask's True cells; no self-weights (Gi* adds the cell itself)."""
    mask = np.asarray(mask, dtype=bool)
    rows, cols = mask.shape
    index = np.full(mask.shape, -1, dtype=np.int64)
    index[mask] = np.arange(int(mask.sum()))
    r, c = np.nonzero(mask)
    source, target = [], []
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr == 0 and dc == 0:
                continue
            rr, cc = r + dr, c + dc
            ok = (rr >= 0) & (rr < rows) & (cc >= 0) & (cc < cols)
            neighbour = np.full(r.shape, -1, dtype=np.int64)
            neighbour[ok] = index[rr[ok], cc[ok]]
            keep = neighbour >= 0
            source.append(index[r[keep], c[keep]])
            target.append(neighbour[keep])
    source, target = np.concatenate(source), np.concatenate(target)
    n = int(mask.sum())
    return sparse.csr_matrix((np.ones(source.size), (source, target)), shape=(n, n))


def gi_star(values, weights):
    """Getis-Ord Gi* z-scores with binary weights including the focal cell, computed by PySAL (esda.G_Local,
    transform "B", star=True, analytical inference). `weights` is a sparse n × n matrix without self-weights."""
    from esda.getisord import G_Local  # imported here: PySAL is heavy and only the hotspot page needs it
    from libpysal.weights import WSP

    values = np.asarray(values, dtype=float)
    if values.size < 3 or np.all(values == values[0]):
        return np.zeros(values.size)  # no variation: nothing stands out
    w = WSP(sparse.csr_matrix(weights)).to_W(silence_warnings=True)
    g = G_Local(values, w, transform="B", star=True, permutations=0, island_weight=0)
    z = np.asarray(g.Zs, dtype=float)
    return np.nan_to_num(z, nan=0.0)


def gi_star_formula(values, weights):
    """Gi* straight from Ord & Getis (1995, eq. 14), for checking the library: with w_ij binary and w_ii = 1,
    G*_i = (Σ_j w_ij x_j − x̄ Σ_j w_ij) / (S √[(n Σ_j w_ij² − (Σ_j w_ij)²) / (n − 1)]),
    x̄ and S the mean and (population) standard deviation of all n values."""
    x = np.asarray(values, dtype=float)
    n = x.size
    w = sparse.csr_matrix(weights) + sparse.identity(n, format="csr")
    mean = x.mean()
    s = math.sqrt((x * x).mean() - mean * mean)
    sum_w = np.asarray(w.sum(axis=1)).ravel()
    sum_w2 = np.asarray(w.multiply(w).sum(axis=1)).ravel()
    return (w @ x - mean * sum_w) / (s * np.sqrt((n * sum_w2 - sum_w ** 2) / (n - 1)))


@dataclass(frozen=True)
class HotspotCells:
    rows: np.ndarray  # grid row of each analysed cell
    cols: np.ndarray
    counts: np.ndarray
    density: np.ndarray  # points per km² (kernel density)
    z: np.ndarray
    p: np.ndarray  # two-sided
    p_adjusted: np.ndarray  # Benjamini–Hochberg
    hotspot: np.ndarray  # bool: p_adjusted < alpha and z > 0


def hotspot_analysis(grid, x, y, *, mask=None, bandwidth=300.0, alpha=FDR_ALPHA):
    """Counts, kernel density and Gi* with FDR for the cells of `mask` (default: the whole grid)."""
    counts = grid_counts(grid, x, y)
    density = kernel_density(counts, cell_size=grid.size, bandwidth=bandwidth)
    if mask is None:
        mask = np.ones(counts.shape, dtype=bool)
    mask = np.asarray(mask, dtype=bool) | (counts > 0)  # a cell with incidents is always part of the study area
    rows, cols = np.nonzero(mask)
    values = counts[mask]
    z = gi_star(values, queen_weights(mask))
    p = two_sided_p(z)
    p_adjusted = fdr_bh(p)
    hotspot = (p_adjusted < alpha) & (z > 0)
    return HotspotCells(rows=rows, cols=cols, counts=values, density=density[mask], z=z, p=p,
                        p_adjusted=p_adjusted, hotspot=hotspot)
