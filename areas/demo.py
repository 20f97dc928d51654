"""Demo geography: Almere's real buurten (CBS/PDOK) and generated, plausible BAG addresses inside them."""
import csv
import json
import random
from pathlib import Path

from .models import Address, Buurt, Municipality, Population, Wijk
from .normalize import address_search_key, street_search_key

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


def _point_in_polygon(lon, lat, ring):
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / ((yj - yi) or 1e-12) + xi:
            inside = not inside
        j = i
    return inside


def _outer_rings(geometry):
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    return [polygon[0] for polygon in geometry["coordinates"]]


def random_point(geometry, rng):
    rings = _outer_rings(geometry)
    xs = [p[0] for ring in rings for p in ring]
    ys = [p[1] for ring in rings for p in ring]
    for _ in range(200):
        lon, lat = rng.uniform(min(xs), max(xs)), rng.uniform(min(ys), max(ys))
        if any(_point_in_polygon(lon, lat, ring) for ring in rings):
            return round(lon, 6), round(lat, 6)
    ring = rings[0]
    return round(sum(p[0] for p in ring) / len(ring), 6), round(sum(p[1] for p in ring) / len(ring), 6)


def seed_geography():
    features = json.loads((DATA / "almere_buurten_2024.geojson").read_text())["features"]
    wijk_names = {row["wijkcode"]: row["wijknaam"] for row in csv.DictReader((DATA / "almere_wijken_2024.csv").open())}
    municipality, _ = Municipality.objects.get_or_create(code="GM0034", defaults={"name": "Almere"})
    wijken = {}
    for feature in features:
        props = feature["properties"]
        code = props["wijkcode"]
        if code not in wijken:
            wijken[code], _ = Wijk.objects.get_or_create(
                code=code, defaults={"name": wijk_names.get(code, code), "municipality": municipality}
            )
        buurt, _ = Buurt.objects.get_or_create(
            code=props["buurtcode"],
            defaults={
                "name": props["buurtnaam"],
                "wijk": wijken[code],
                "geometry": feature["geometry"],
                "indeling_jaar": props.get("indeling_jaar"),
            },
        )
        Population.objects.get_or_create(
            buurt=buurt, year=POPULATION_YEAR, defaults={"inhabitants": props.get("aantal_inwoners_2024")}
        )
    return municipality


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
                rows.append(
                    Address(
                        bag_id=f"0034200{seq:09d}",
                        street=name,
                        number=number,
                        letter=letter,
                        addition=addition,
                        postcode=postcode,
                        city="Almere",
                        buurt=buurt,
                        lon=lon,
                        lat=lat,
                        search_key=address_search_key(postcode, number, letter, addition),
                        street_key=street_search_key(name, number, letter, addition),
                    )
                )
                if not (letter or addition) or rng.random() < 0.5:
                    number += rng.choice([1, 1, 2])
    Address.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def seed(stdout):
    seed_geography()
    created = seed_addresses(random.Random(34))
    stdout.write(f"Gebieden: {Buurt.objects.count()} buurten, {Address.objects.count()} adressen (nieuw: {created}).")
