"""Demo geography: Almere's real buurten (CBS/PDOK) and generated, plausible BAG addresses inside them, written through
the same loaders as an import (ingest format cbs-gebieden, areas.services.addresses_load)."""
import csv
import random
from pathlib import Path

import shapely

from .models import Address, Buurt, Municipality
from .services import addresses_load, wijk_names_load

DATA = Path(__file__).resolve().parent / "data"
MIN_ADDRESSES = 20_000
POPULATION_YEAR = 2024

STREET_STEMS = [
    "Anjer", "Beuk", "Clematis", "Dahlia", "Eik", "Fresia", "Gerbera", "Hazelaar", "Iris", "Jasmijn", "Kastanje",
    "Linde", "Magnolia", "Narcis", "Olijf", "Populier", "Quinoa", "Roos", "Spar", "Tulp", "Ulm", "Viool", "Wilg",
    "Zonnebloem", "Bach", "Chopin", "Debussy", "Elgar", "Grieg", "Haydn", "Liszt", "Mahler", "Mozart", "Ravel",
    "Schubert", "Verdi", "Vivaldi", "Albatros", "Buizerd", "Condor", "Duiker", "Fazant", "Gier", "Havik", "Kievit",
    "Merel", "Nachtegaal", "Ooievaar", "Pelikaan", "Reiger", "Sperwer", "Uil", "Valk", "Zwaluw", "Amazone", "Donau",
    "Eufraat", "Ganges", "Indus", "Jordaan", "Maas", "Nijl", "Oder", "Rijn", "Schelde", "Theems", "Wolga", "Zambezi",
]
STREET_SUFFIXES = ["straat", "laan", "weg", "hof", "pad", "plein", "kade", "singel", "dreef", "gracht"]


def random_point(geometry, rng):
    """A random point inside the geometry (shapely), for the generated addresses of a buurt."""
    shape = shapely.geometry.shape(geometry)
    min_x, min_y, max_x, max_y = shape.bounds
    for _ in range(200):
        lon, lat = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if shapely.contains_xy(shape, lon, lat):
            return round(lon, 6), round(lat, 6)
    point = shape.representative_point()
    return round(point.x, 6), round(point.y, 6)


def _geojson_load(path):
    """The demo's buurten through the cbs-gebieden format, as an import run would load them (begin, lines, convert
    in batches, load, finish)."""
    from ingest.formats import RunContext, format_for
    from ingest.formats.base import Rejected

    fmt = format_for("cbs-gebieden")
    ctx = RunContext(source=None, state={"file_name": path.name})
    fmt.begin(ctx)

    def rows():
        with path.open("rb") as stream:
            batch = []
            for line in fmt.lines(stream, ctx):
                if not isinstance(line, Rejected):
                    batch.append(line)
                if len(batch) >= fmt.batch_size:
                    yield from (row for row in fmt.convert(batch, ctx) if not isinstance(row, Rejected))
                    batch = []
            yield from (row for row in fmt.convert(batch, ctx) if not isinstance(row, Rejected))

    counts = fmt.load(rows(), ctx)
    fmt.finish(ctx)
    return counts


def seed_geography():
    """Almere's buurten (with their 2024 population) through the same loader as a cbs-gebieden import, then the
    wijk names of CBS "Wijken en buurten 2024"."""
    _geojson_load(DATA / "almere_buurten_2024.geojson")
    with (DATA / "almere_wijken_2024.csv").open(encoding="utf-8") as handle:
        wijk_names_load(names={row["wijkcode"]: row["wijknaam"] for row in csv.DictReader(handle)})
    return Municipality.objects.get(code="GM0034")


def seed_addresses(rng):
    if Address.objects.filter(buurt__wijk__municipality__code="GM0034").exists():
        return 0
    buurten = list(Buurt.objects.filter(wijk__municipality__code="GM0034").prefetch_related("population").order_by("code"))
    inhabitants = {b.pk: (b.population.all()[0].inhabitants or 0) if b.population.all() else 0 for b in buurten}
    total = sum(inhabitants.values()) or 1
    rows = []
    seq = 0
    used_streets = set()
    # Each wijk gets its own 4-digit postcode area (13xx, as in Almere); its buurten share that area's letter pairs,
    # so a postcode never spans two buurten.
    wijk_ids = sorted({b.wijk_id for b in buurten})
    pc4_for_wijk = {wijk_id: 1301 + i for i, wijk_id in enumerate(wijk_ids)}
    pairs_for_wijk = {
        wijk_id: iter(f"{a}{b}" for a in "ABCDEFGHJKLMNPRSTVWXZ" for b in "ABCDEFGHJKLMNPRSTVWXZ") for wijk_id in wijk_ids
    }
    for buurt in buurten:
        # Roughly one address per 2.3 inhabitants, scaled to the demo size; business areas get a few.
        count = max(15, round(MIN_ADDRESSES * 1.05 * inhabitants[buurt.pk] / total))
        n_streets = max(1, min(8, count // 60 + 1))
        pc4 = pc4_for_wijk[buurt.wijk_id]
        letter_pairs = pairs_for_wijk[buurt.wijk_id]
        for _s in range(n_streets):
            while True:
                name = rng.choice(STREET_STEMS) + rng.choice(STREET_SUFFIXES)
                if name not in used_streets:
                    used_streets.add(name)
                    break
            per_street = max(1, count // n_streets)
            number = 1
            postcode = f"{pc4}{next(letter_pairs)}"
            for k in range(per_street):
                if k and k % 24 == 0:
                    postcode = f"{pc4}{next(letter_pairs)}"  # a postcode covers one stretch of one street
                letter, addition = "", ""
                roll = rng.random()
                if roll < 0.06:
                    letter = rng.choice("ABC")
                elif roll < 0.10:
                    addition = rng.choice(["1", "2", "3", "H", "BS"])
                lon, lat = random_point(buurt.geometry, rng)
                seq += 1
                rows.append((f"0034200{seq:09d}", name, number, letter, addition, postcode, "Almere", buurt.pk, lon,
                             lat))
                if not (letter or addition) or rng.random() < 0.5:
                    number += rng.choice([1, 1, 2])
    return addresses_load(rows=rows).inserted


def seed(stdout):
    seed_geography()
    created = seed_addresses(random.Random(34))  # nosec B311  # pseudo-random numbers for demo or benchmark data, not for security
    stdout.write(f"Gebieden: {Buurt.objects.count()} buurten, {Address.objects.count()} adressen (nieuw: {created}).")
