"""Geography helpers for the delivery formats, vectorised per batch (numpy arrays in, arrays out).

- `rd_to_wgs84(x, y)` / `wgs84_to_rd(lon, lat)`: Rijksdriehoek (EPSG:28992) <-> WGS84 lon/lat through pyproj.
- `in_netherlands(lon, lat)` / `in_rd(x, y)`: plausibility of coordinates (a bounding box of the country).
- `geometries_rd_to_wgs84(geometries)`: GeoJSON geometries (dicts) from RD to WGS84, one shapely call per batch,
  coordinates rounded to 7 decimals (about 1 cm).
- `crs_of(crs_member, sample)`: "rd" or "wgs84" from a GeoJSON `crs` member, else from the coordinate ranges.
- `BuurtLocator`: point in polygon over the loaded buurten with shapely's STRtree:

      locator = BuurtLocator.current()          # the newest indeling of every municipality
      locator = BuurtLocator.for_year(2019)     # the boundaries in force in 2019 (BuurtBoundary), where loaded
      buurt_ids = locator.locate(lon, lat)      # numpy object array: buurt id or None per point

  Build it once per run (in Format.begin) and call `locate` per batch.
"""
import re
from functools import cache

import numpy as np
import shapely
from django.db.models import TextField
from django.db.models.functions import Cast
from pyproj import Transformer

# Bounding boxes of the Netherlands incl. the Wadden and the coast (generous, a sanity check, not a border).
NL_LON = (3.2, 7.3)
NL_LAT = (50.7, 53.7)
RD_X = (-7_000.0, 300_000.0)
RD_Y = (289_000.0, 629_000.0)
DECIMALS = 7


@cache
def _transformer(source, target):
    return Transformer.from_crs(source, target, always_xy=True)


def _arrays(a, b):
    return np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")


def rd_to_wgs84(x, y):
    """(lon, lat) arrays for RD x, y arrays."""
    x, y = _arrays(x, y)
    return _transformer("EPSG:28992", "EPSG:4326").transform(x, y)


def wgs84_to_rd(lon, lat):
    """(x, y) arrays for WGS84 lon, lat arrays."""
    lon, lat = _arrays(lon, lat)
    return _transformer("EPSG:4326", "EPSG:28992").transform(lon, lat)


def in_netherlands(lon, lat):
    """Boolean array: the WGS84 point lies in the box around the Netherlands (NaN is outside)."""
    lon, lat = _arrays(lon, lat)
    with np.errstate(invalid="ignore"):
        return (lon >= NL_LON[0]) & (lon <= NL_LON[1]) & (lat >= NL_LAT[0]) & (lat <= NL_LAT[1])


def in_rd(x, y):
    """Boolean array: the point lies in the RD box of the Netherlands (NaN is outside)."""
    x, y = _arrays(x, y)
    with np.errstate(invalid="ignore"):
        return (x >= RD_X[0]) & (x <= RD_X[1]) & (y >= RD_Y[0]) & (y <= RD_Y[1])


_RD_NAMES = re.compile(r"28992|rd.?new|amersfoort", re.IGNORECASE)
_WGS_NAMES = re.compile(r"crs84|4326|wgs.?84|4258|etrs", re.IGNORECASE)


def crs_of(crs_member, sample=None):
    """"rd" or "wgs84" for a GeoJSON file: from its `crs` member ({"type": "name", "properties": {"name":
    "urn:ogc:def:crs:EPSG::28992"}}) when it names one, else from a sample coordinate (x, y); None when neither
    tells."""
    name = ""
    if isinstance(crs_member, dict):
        name = str((crs_member.get("properties") or {}).get("name") or "")
    elif isinstance(crs_member, str):
        name = crs_member
    if _RD_NAMES.search(name):
        return "rd"
    if _WGS_NAMES.search(name):
        return "wgs84"
    if sample is not None:
        x, y = sample
        if in_netherlands([x], [y])[0]:
            return "wgs84"
        if in_rd([x], [y])[0]:
            return "rd"
    return None


def first_coordinate(geometry):
    """The first (x, y) of a GeoJSON geometry, or None."""
    coords = (geometry or {}).get("coordinates")
    while isinstance(coords, list) and coords and isinstance(coords[0], list):
        coords = coords[0]
    if isinstance(coords, list) and len(coords) >= 2 and all(isinstance(v, (int, float)) for v in coords[:2]):
        return coords[0], coords[1]
    return None


def _rd_coords_to_wgs84(coords):
    lon, lat = _transformer("EPSG:28992", "EPSG:4326").transform(coords[:, 0], coords[:, 1])
    return np.round(np.column_stack([lon, lat]), DECIMALS)


def geometries_rd_to_wgs84(geometries):
    """GeoJSON geometry dicts in RD -> the same geometries in WGS84 (dicts), one vectorised transformation."""
    import json

    shapes = shapely.from_geojson([json.dumps(g) for g in geometries])
    moved = shapely.transform(shapes, _rd_coords_to_wgs84)
    return [json.loads(text) for text in shapely.to_geojson(moved)]


def shapes_of(geometries):
    """shapely geometries (array) for GeoJSON dicts; invalid polygons are repaired with make_valid."""
    import json

    return _shapes_from_text([json.dumps(g) for g in geometries])


def _shapes_from_text(texts):
    shapes = shapely.from_geojson(texts, on_invalid="ignore")
    broken = ~shapely.is_valid(shapes) & ~shapely.is_missing(shapes)
    if broken.any():
        shapes[broken] = shapely.make_valid(shapes[broken])
    return shapes


class BuurtLocator:
    """Point in polygon over a set of buurt shapes (STRtree). A point on several shapes (generalised boundaries
    overlap a little) gets the first buurt in code order; a point on none gets None."""

    def __init__(self, ids, shapes):
        self.ids = np.asarray(ids, dtype=object)
        self.shapes = np.asarray(shapes, dtype=object)
        self.tree = shapely.STRtree(self.shapes) if len(self.shapes) else None

    def __len__(self):
        return len(self.ids)

    @classmethod
    def current(cls, municipality_codes=None):
        """The buurten of the newest indeling loaded for each municipality (optionally only these municipalities)."""
        from areas.models import Buurt

        rows = Buurt.objects.filter(geometry__isnull=False)
        if municipality_codes is not None:
            rows = rows.filter(wijk__municipality__code__in=list(municipality_codes))
        meta = list(rows.values_list("pk", "indeling_jaar", "wijk__municipality_id").order_by("code"))
        newest = {}
        for _pk, year, municipality in meta:
            if year is not None:
                newest[municipality] = max(year, newest.get(municipality, year))
        wanted = [pk for pk, year, municipality in meta if year is None or year == newest.get(municipality)]
        return cls._from_rows(Buurt.objects.filter(pk__in=wanted).order_by("code"), "pk")

    @classmethod
    def for_year(cls, year):
        """The boundaries in force in `year`: per municipality the newest indeling loaded that is not after `year`;
        a municipality without one gets its current buurten."""
        from areas.models import BuurtBoundary

        meta = list(BuurtBoundary.objects.filter(year__lte=year)
                    .values_list("pk", "year", "buurt__wijk__municipality_id", "buurt__code"))
        newest = {}
        for _pk, boundary_year, municipality, _code in meta:
            newest[municipality] = max(boundary_year, newest.get(municipality, boundary_year))
        wanted = sorted((code, pk) for pk, boundary_year, municipality, code in meta
                        if boundary_year == newest[municipality])
        historic = cls._from_rows(
            BuurtBoundary.objects.filter(pk__in=[pk for _code, pk in wanted]).order_by("buurt__code"), "buurt_id")
        current = cls.current()
        from areas.models import Buurt

        covered = set(Buurt.objects.filter(wijk__municipality_id__in=list(newest)).values_list("pk", flat=True))
        keep = np.array([pk not in covered for pk in current.ids], dtype=bool)
        return cls(np.concatenate([historic.ids, current.ids[keep]]),
                   np.concatenate([historic.shapes, current.shapes[keep]]))

    @classmethod
    def _from_rows(cls, queryset, id_field):
        """Shapes straight from the stored GeoJSON text (no Python dicts: for 14,000 buurten those cost more time
        and memory than the polygons themselves), in chunks."""
        rows = queryset.annotate(geometry_text=Cast("geometry", output_field=TextField())).values_list(
            id_field, "geometry_text")
        ids, shapes, texts = [], [], []
        for pk, text in rows.iterator(chunk_size=1000):
            ids.append(pk)
            texts.append(text)
            if len(texts) >= 1000:
                shapes.extend(_shapes_from_text(texts))
                texts = []
        if texts:
            shapes.extend(_shapes_from_text(texts))
        return cls(ids, shapes)

    def locate(self, lon, lat):
        """Buurt id (or None) per WGS84 point; NaN coordinates give None."""
        lon, lat = _arrays(lon, lat)
        result = np.full(len(lon), None, dtype=object)
        if self.tree is None or not len(lon):
            return result
        points = shapely.points(lon, lat)
        point_idx, shape_idx = self.tree.query(points, predicate="intersects")
        if len(point_idx):
            # first hit per point, by shape order (the tree gives pairs sorted by point, then shape index)
            order = np.lexsort((shape_idx, point_idx))
            point_idx, shape_idx = point_idx[order], shape_idx[order]
            first = np.concatenate([[True], point_idx[1:] != point_idx[:-1]])
            result[point_idx[first]] = self.ids[shape_idx[first]]
        return result
