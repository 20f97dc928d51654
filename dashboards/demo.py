"""Demo data of the dashboards: generated incidents of Almere that follow the real CBS/Politie figures.

Everything is generated from fixed random seeds and dated relative to today, so a second run on the same day
changes nothing, and a run on a later day only adds the new days (and removes demo rows that fell out of the
window). What it plants, so that every page has something to show:

- police incidents (`politie-bvh`) for whole calendar years from the CBS year (or three years back, whichever is
  earlier) through yesterday; per buurt the CBS year's total equals the real figure of
  `data/misdrijven_47018NED_2023_almere.csv`, other years follow with a mild downward trend and seasonality; a mix
  of crime types by the kind of buurt (centre, business park, residential), hours and weekdays by crime type
  (burglary in the evening, violence and vandalism in weekend nights, shoplifting in opening hours), points inside
  the buurt, addresses for burglaries, modus operandi and loot for the WOS crimes;
- a series of burglaries in one buurt in the last four whole weeks (Opvallend finds it for theme wos-hic);
- a hotspot around the station of Almere Buiten (bicycle theft, pickpocketing, vandalism close together);
- a camera in two buurten of the city centre a year ago, after which its target crimes dropped by about 40%, and
  a prevention campaign against burglary without any effect; a target for wos-hic (10% fewer);
- meldingen openbare ruimte of the last twelve months, CBS yearly totals of the CBS year, population for every
  year, context indicators per buurt, and about forty cleared cannabis farms for the address-level dashboard.
"""
import csv
import datetime
import math
import random
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from areas.demo import POPULATION_YEAR, random_point
from areas.models import Address, AreaIndicator, Buurt, Municipality, Population

from .catalogue import catalogue_sync
from .models import Category, Dashboard, Incident, Intervention, Source, Target, Theme
from .services.facts import INCIDENT_COLUMNS, aggregate_counts_load, dagdeel_of, incidents_delete, incidents_load

DASHBOARDS = [
    {
        "slug": "buurtveiligheid",
        "name": "Veiligheid per buurt",
        "description": "Incidenten per 1000 inwoners per buurt, trends, dagdelen en het effect van maatregelen.",
        "address_level": False,
    },
    {
        "slug": "hennep",
        "name": "Hennep en ondermijning (adresniveau)",
        "description": "Beperkt dashboard met signalen van hennepteelt op adresniveau.",
        "address_level": True,
    },
]

SEED = 47018
CBS_FILE = Path(__file__).resolve().parent / "data" / "misdrijven_47018NED_2023_almere.csv"
MUNICIPALITY = "GM0034"
DEMO_PREFIX = "demo-"
YEARLY_TREND = 0.975  # 2.5% fewer registered crimes a year, as nationally in the last decade
BUURT_NOISE = 0.07  # the spread of a buurt's yearly factor around the trend

# The buurten the plants are in (Almere's real CBS codes).
RISE_BUURT = "BU00342703"  # Stedenwijk Midden-oost: a series of burglaries in the last four weeks
RISE_COUNT = 12
HOTSPOT_BUURT = "BU00344101"  # Centrum Almere Buiten Noord: around the station
CAMERA_BUURTEN = ["BU00341705", "BU00341703"]  # Centrum Stad West and Zuidoost
CAMERA_CATEGORIES = ["2.2.1", "1.4.5", "1.4.3", "1.2.3", "1.2.4", "1.4.6"]
CAMERA_DROP = 0.4
CAMERA_MONTHS = 12  # the camera started this many whole months before the current one
# Muziekwijk Z.-Oost, Homeruskwartier Midden and Zuid, Regenboogbuurt N./O., Europakwartier W.-Noord, Oostvaardersbuurt
# West: large residential buurten, so the counts are big enough for the effect page to show "no effect" clearly.
CAMPAIGN_BUURTEN = ["BU00342902", "BU00346302", "BU00344901", "BU00346101", "BU00344203", "BU00346304"]
CAMPAIGN_CATEGORIES = ["1.1.1", "1.1.2"]
CAMPAIGN_MONTHS = 11  # whole years before and after would be better still; 11 keeps it apart from the camera
CAMERA_NAME = "Cameratoezicht Stadshart"
CAMPAIGN_NAME = "Preventiecampagne woninginbraak ‘Doe de deur op slot’"

# -- time profiles: weights per hour (0–23), weekday (Monday first) and month -----------------------------------
_FLAT_WEEK = (1, 1, 1, 1, 1, 1, 1)
_FLAT_YEAR = (0.94, 0.9, 0.97, 0.98, 1.02, 1.02, 1.03, 1.02, 1.01, 1.03, 1.03, 1.05)
PROFILES = {
    # hours, weekdays (for hours 0–5 and for the rest), months
    "day": ((1, .6, .4, .3, .3, .5, 1, 2, 3, 4, 5, 5, 6, 6, 6, 6, 6, 5, 4.5, 4, 3.5, 3, 2, 1.5),
            (_FLAT_WEEK, (1.05, 1.05, 1.05, 1.05, 1, 0.9, 0.8)), _FLAT_YEAR),
    "shop": ((0, 0, 0, 0, 0, 0, 0, .1, .5, 2, 4, 5, 6, 6, 7, 7, 7, 6, 4, 2, 1, .2, .1, 0),
             (_FLAT_WEEK, (1, 1, 1, 1, 1.15, 1.5, 0.7)), _FLAT_YEAR),
    "burglary": ((1.5, 1, .8, .6, .5, .5, .5, .8, 1.5, 2, 2.5, 2.5, 2.5, 2.5, 2.5, 3, 3.5, 4.5, 5.5, 6, 5.5, 4.5, 3, 2),
                 ((1, 1, 1, 1, 1.1, 1.1, .9), (1, 1, 1, 1, 1.1, 1.1, .9)),
                 (1.25, 1.05, .9, .8, .75, .72, .78, .82, .9, 1.15, 1.35, 1.45)),
    "night": ((6, 6, 5.5, 4.5, 3, 1.5, .5, .5, .7, 1, 1, 1.2, 1.5, 1.5, 1.5, 1.8, 2, 2.5, 3, 3, 3.5, 4, 5, 6),
              ((.6, .6, .7, .8, .9, 2.3, 2.4), (.8, .8, .9, 1, 1.4, 1.5, 1)),
              (1.1, .85, .9, .95, 1.05, 1.1, 1.05, 1, .95, .95, .95, 1.15)),
    "bike": ((1, .6, .4, .3, .3, .5, 1.5, 3, 3, 2.5, 2.5, 3, 3.5, 3.5, 3.5, 3.5, 4, 4.5, 4.5, 4, 3.5, 3, 2.5, 2),
             (_FLAT_WEEK, (1.05, 1.05, 1.05, 1.05, 1.05, 1, .8)),
             (.7, .7, .85, 1, 1.1, 1.15, 1.1, 1.05, 1.2, 1.2, 1, .85)),
    "fireworks": ((3, 2, 1, .5, .2, .1, .1, .1, .2, .3, .5, .7, 1, 1, 1.2, 1.5, 2, 3, 4, 5, 5, 5, 5, 5),
                  (_FLAT_WEEK, _FLAT_WEEK), (4, .2, .2, .2, .2, .2, .2, .2, .2, .4, .8, 5)),
    "youth": ((1, .5, .2, .1, .1, .1, .1, .2, .3, .4, .5, .7, 1, 1.5, 2, 3, 3.5, 3.5, 4, 4.5, 5, 4.5, 3, 2),
              (_FLAT_WEEK, (.9, .9, .9, 1, 1.3, 1.4, 1)), (.8, .8, .9, 1, 1.2, 1.3, 1.3, 1.2, 1, .9, 1, 1)),
    "office": ((0, 0, 0, 0, 0, .1, .3, 2, 5, 6, 6, 6, 5, 5, 5, 5, 4, 3, 2, 1.5, 1, .7, .3, .1),
               ((1, 1, 1, 1, 1, .5, .4), (1.2, 1.1, 1, 1, 1, .6, .5)), _FLAT_YEAR),
    "clearing": ((0, 0, 0, 0, 0, 0, 0, 1, 4, 5, 5, 4, 3, 3, 2, 1, .5, 0, 0, 0, 0, 0, 0, 0),
                 ((1, 1, 1, 1, 1, 0, 0), (1.1, 1.2, 1.2, 1.1, .6, 0, 0)), _FLAT_YEAR),
}

# code, weight (per cent of all registered crime), time profile, share with an address, has a point
CRIME_MIX = [
    ("1.2.3", 12, "bike", 0.05, True),  # fietsdiefstal
    ("2.2.1", 11, "night", 0.2, True),  # vernieling
    ("1.6.2", 10, "day", 0.2, True),  # overige vermogensdelicten
    ("2.5.2", 8, "shop", 0.3, True),  # winkeldiefstal
    ("1.2.1", 7, "burglary", 0.0, True),  # diefstal uit/vanaf auto's
    ("1.4.5", 7, "night", 0.2, True),  # mishandeling
    ("1.1.1", 6, "burglary", 0.95, True),  # woninginbraak
    ("1.4.4", 5, "day", 0.3, True),  # bedreiging
    ("3.9.1", 4, "day", 0.0, False),  # horizontale fraude (online)
    ("3.9.3", 4, "day", 0.0, False),  # overige fraude
    ("1.1.2", 3, "burglary", 0.8, True),  # inbraak box/garage/schuur
    ("2.5.1", 3, "burglary", 0.7, True),  # inbraak bedrijven
    ("1.2.4", 2, "shop", 0.0, True),  # zakkenrollerij
    ("1.2.5", 2, "bike", 0.0, True),  # diefstal af/uit/van overige voertuigen
    ("3.5.2", 2, "night", 0.0, True),  # onder invloed (weg)
    ("3.6.4", 2, "night", 0.0, True),  # aantasting openbare orde
    ("1.2.2", 1.5, "burglary", 0.0, True),  # diefstal van motorvoertuigen
    ("3.1.1", 1.5, "night", 0.1, True),  # drugshandel
    ("1.4.1", 1, "day", 0.3, True),  # zeden
    ("1.4.3", 1, "night", 0.0, True),  # openlijk geweld
    ("1.6.1", 1, "night", 0.3, True),  # brand/ontploffing
    ("2.1.1", 1, "night", 0.0, True),  # drugs-/drankoverlast
    ("2.7.3", 1, "day", 0.2, True),  # leefbaarheid
    ("3.7.4", 1, "day", 0.0, False),  # cybercrime
    ("1.4.6", 0.8, "night", 0.0, True),  # straatroof
    ("2.4.2", 0.7, "day", 0.6, True),  # huisvredebreuk
    ("1.4.7", 0.3, "shop", 0.5, True),  # overval
    ("3.1.3", 0.3, "night", 0.0, True),  # wapenhandel
    ("2.6.9", 0.3, "fireworks", 0.0, True),  # vuurwerk
]
# What kind of buurt shifts the mix: the centre has the shops and nightlife, a business park the company burglaries.
CENTRE_FACTORS = {"2.5.2": 3, "1.2.4": 3, "1.4.3": 2, "2.1.1": 2, "1.4.5": 1.5, "1.1.1": 0.4, "1.1.2": 0.5}
BUSINESS_FACTORS = {"2.5.1": 6, "1.2.1": 2, "1.1.1": 0.05, "1.1.2": 0.5, "2.5.2": 0.5, "1.2.4": 0.2}
OPEN_SPACE_FACTORS = {"1.1.1": 0.05, "1.1.2": 0.2, "2.5.1": 0.3, "2.5.2": 0.2, "1.2.4": 0.3}

MODUS_OPERANDI = {
    "1.1.1": [("flipperen", 18), ("raam geforceerd", 22), ("deur geforceerd", 16), ("cilinder getrokken", 12),
              ("via openstaand raam of deur", 14), ("kiepraam", 6), ("ruit ingeslagen", 8), ("onbekend", 4)],
    "1.1.2": [("schuurdeur geforceerd", 40), ("hangslot doorgeknipt", 30), ("kanteldeur opengebroken", 20),
              ("onbekend", 10)],
    "1.4.6": [("bedreiging zonder wapen", 40), ("geweld zonder wapen", 30), ("bedreiging met mes", 20),
              ("tas weggetrokken", 10)],
    "1.4.7": [("bedreiging met vuurwapen", 45), ("bedreiging met mes", 40), ("geweld zonder wapen", 15)],
}
LOOT = {
    "1.1.1": [("sieraden", 25), ("geld", 20), ("laptop", 15), ("telefoon", 12), ("tablet", 6), ("horloge", 6),
              ("autosleutels", 5), ("parfum", 3)],
    "1.1.2": [("fiets", 40), ("e-bike", 25), ("gereedschap", 30), ("tuingereedschap", 5)],
    "1.4.6": [("telefoon", 45), ("geld", 25), ("tas", 15), ("sieraden", 10), ("scooter", 5)],
    "1.4.7": [("geld", 65), ("sigaretten", 15), ("telefoon", 10), ("sieraden", 10)],
}
NOTHING_TAKEN = "niets weggenomen"

# Meldingen openbare ruimte: category, weight, profile, share with an address.
MELDINGEN_MIX = [
    ("meldingen/afval", 28, "office", 0.2),
    ("meldingen/overlast-jeugd", 15, "youth", 0.1),
    ("meldingen/geluidsoverlast", 14, "night", 0.8),
    ("meldingen/overig", 12, "office", 0.2),
    ("meldingen/verlichting", 11, "youth", 0.1),
    ("meldingen/overlast-personen", 10, "day", 0.3),
    ("meldingen/vernieling", 10, "office", 0.1),
]
MELDINGEN_PER_INHABITANT = 0.03

# Hennep clearings: property type, weight, plants (low, high).
HENNEP_PER_YEAR = 14
HENNEP_TYPES = [("eengezinswoning", 45, (80, 600)), ("flat", 20, (40, 250)), ("bedrijfspand", 20, (300, 2500)),
                ("schuur", 15, (50, 400))]
HENNEP_MO = [("", 55), ("stroom illegaal afgetapt", 30), ("melding wateroverlast buren", 8),
             ("warmtebeeld politiehelikopter", 7)]


# -- helpers -----------------------------------------------------------------------------------------------------


def add_months(day, months):
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def cbs_totals():
    """{buurtcode: count} and the year of the CBS file (the period code reads e.g. '2023JJ00')."""
    totals, years = {}, set()
    with CBS_FILE.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            totals[row["buurtcode"].strip()] = int(row["geregistreerde_misdrijven"] or 0)
            years.add(int(row["perioden"][:4]))
    (year,) = years
    return totals, year


def _weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _cumulative(weights):
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


class _Calendar:
    """Days of one year weighted by a profile's weekday and month weights (cached per profile)."""

    def __init__(self, year):
        first = datetime.date(year, 1, 1)
        self.days = [first + datetime.timedelta(days=n) for n in range((datetime.date(year + 1, 1, 1) - first).days)]
        self._cache = {}

    def pick(self, rng, profile, late_night):
        key = (profile, late_night)
        if key not in self._cache:
            _hours, weeks, months = PROFILES[profile]
            week = weeks[0] if late_night else weeks[1]
            self._cache[key] = _cumulative([week[d.weekday()] * months[d.month - 1] for d in self.days])
        return rng.choices(self.days, cum_weights=self._cache[key])[0]


_HOUR_CUMULATIVE = {name: _cumulative(spec[0]) for name, spec in PROFILES.items()}


def _time(rng, profile, unknown_share=0.04):
    if rng.random() < unknown_share:
        return None
    hour = rng.choices(range(24), cum_weights=_HOUR_CUMULATIVE[profile])[0]
    return datetime.time(hour, rng.randrange(0, 60, 5))


def _inside(lon, lat, ring):
    """Ray casting: is the point inside the ring?"""
    inside = False
    x_prev, y_prev = ring[-1]
    for x, y in ring:
        if (y > lat) != (y_prev > lat) and lon < (x_prev - x) * (lat - y) / ((y_prev - y) or 1e-12) + x:
            inside = not inside
        x_prev, y_prev = x, y
    return inside


class _Area:
    """What the generator needs of one buurt: its ids, geometry, kind, addresses and crime mix."""

    def __init__(self, buurt, inhabitants, addresses):
        self.pk, self.code, self.name, self.geometry = buurt.pk, buurt.code, buurt.name, buurt.geometry
        self.inhabitants = inhabitants or 0
        self.addresses = addresses
        lowered = buurt.name.lower()
        if lowered.startswith("centrum"):
            factors = CENTRE_FACTORS
        elif "bedrij" in lowered:
            factors = BUSINESS_FACTORS
        elif self.inhabitants < 100:
            factors = OPEN_SPACE_FACTORS
        else:
            factors = {}
        self.business = "bedrij" in lowered
        self._rings = self._box = None
        self.crime_cumulative = _cumulative([w * factors.get(code, 1) for code, w, *_ in CRIME_MIX])

    def point(self, rng):
        """A random point inside the buurt (rejection sampling in its bounding box; the rings are read once, which
        keeps forty thousand points fast)."""
        if self._rings is None:
            geometry = self.geometry
            self._rings = [geometry["coordinates"][0]] if geometry["type"] == "Polygon" else [
                polygon[0] for polygon in geometry["coordinates"]]
            xs = [p[0] for ring in self._rings for p in ring]
            ys = [p[1] for ring in self._rings for p in ring]
            self._box = (min(xs), max(xs), min(ys), max(ys))
        low_x, high_x, low_y, high_y = self._box
        for _ in range(200):
            lon, lat = rng.uniform(low_x, high_x), rng.uniform(low_y, high_y)
            if any(_inside(lon, lat, ring) for ring in self._rings):
                return round(lon, 6), round(lat, 6)
        return random_point(self.geometry, rng)

    def address(self, rng):
        return rng.choice(self.addresses) if self.addresses else None


def _areas():
    municipality = Municipality.objects.get(code=MUNICIPALITY)
    population = dict(Population.objects.filter(year=POPULATION_YEAR).values_list("buurt_id", "inhabitants"))
    addresses = {}
    for pk, buurt_id, lon, lat in Address.objects.filter(buurt__wijk__municipality=municipality).order_by("pk") \
            .values_list("pk", "buurt_id", "lon", "lat"):
        addresses.setdefault(buurt_id, []).append((pk, lon, lat))
    buurten = Buurt.objects.filter(wijk__municipality=municipality).order_by("code")
    return municipality, {b.code: _Area(b, population.get(b.pk), addresses.get(b.pk, [])) for b in buurten}


class _Window:
    """The dates the demo covers, all relative to today."""

    def __init__(self, today, cbs_year, municipality_id):
        self.today, self.municipality_id = today, municipality_id
        self.this_month = today.replace(day=1)
        self.last_day = today - datetime.timedelta(days=1)
        self.first_year = min(cbs_year, add_months(self.this_month, -36).year)
        self.years = range(self.first_year, self.last_day.year + 1)
        self.camera_start = add_months(self.this_month, -CAMERA_MONTHS)
        self.campaign_start = add_months(self.this_month, -CAMPAIGN_MONTHS)
        this_monday = today - datetime.timedelta(days=today.weekday())
        self.rise_from = this_monday - datetime.timedelta(weeks=4)  # the last four whole weeks
        self.meldingen_from = add_months(self.this_month, -12)
        self.hennep_from = add_months(self.this_month, -36)
        self.provisional_from = add_months(self.this_month, -1)  # the police may still change last month's figures


# -- police incidents --------------------------------------------------------------------------------------------


def _buurt_year_counts(totals, areas, years, cbs_year):
    """Per year {buurtcode: count}: the CBS year exactly as published, other years along the trend."""
    counts = {}
    for year in years:
        rng = random.Random(f"{SEED}:count:{year}")  # nosec B311  # pseudo-random numbers for demo or benchmark data, not for security
        per_buurt = {}
        for code in sorted(areas):
            base = totals.get(code, 0)
            noise = math.exp(rng.gauss(0, BUURT_NOISE))
            per_buurt[code] = base if year == cbs_year else round(base * YEARLY_TREND ** (year - cbs_year) * noise)
        counts[year] = per_buurt
    return counts


def _loot(rng, code):
    if rng.random() < 0.1:
        return NOTHING_TAKEN
    first = _weighted(rng, LOOT[code])
    if rng.random() < 0.3:
        second = _weighted(rng, LOOT[code])
        if second != first:
            return f"{first}, {second}"
    return first


def _police_row(rng, area, external_id, code, category_ids, calendar, window, hotspot):
    """One incident tuple in INCIDENT_COLUMNS order, or None when it falls outside the window or the camera
    prevented it (the draws are the same either way, so the other rows do not move)."""
    _code, _weight, profile, address_share, has_point = CRIME_BY_CODE[code]
    time = _time(rng, profile, unknown_share=0.12 if code in ("1.1.1", "1.1.2") else 0.04)
    late_night = time is not None and time.hour < 6
    day = calendar.pick(rng, profile, late_night)
    address = area.address(rng) if rng.random() < address_share else None
    point = area.point(rng)
    hot = hotspot.near(rng) if hotspot and code in HOTSPOT_CATEGORIES else None
    prevented = rng.random()
    mo = _weighted(rng, MODUS_OPERANDI[code]) if code in MODUS_OPERANDI else ""
    loot = _loot(rng, code) if code in LOOT else ""
    if day > window.last_day:
        return None
    if (area.code in CAMERA_BUURTEN and code in CAMERA_CATEGORIES and day >= window.camera_start
            and prevented < CAMERA_DROP):
        return None
    address_id, (lon, lat) = None, (None, None)
    if address is not None:
        address_id, lon, lat = address
    elif hot is not None:
        lon, lat = hot
    elif has_point:
        lon, lat = point
    return (external_id, category_ids[code], day, time, dagdeel_of(time), day.weekday(), window.municipality_id,
            area.pk, address_id, lon, lat, mo, loot, "", None, day >= window.provisional_from)


CRIME_BY_CODE = {row[0]: row for row in CRIME_MIX}
CRIME_CODES = [row[0] for row in CRIME_MIX]
HOTSPOT_CATEGORIES = {"1.2.3", "1.2.4", "1.2.5", "2.2.1", "1.4.5"}
HOTSPOT_SHARE = 0.6


class _Hotspot:
    """Points close around one spot of a buurt (the station square) for a share of its street crime."""

    def __init__(self, area):
        self.lon, self.lat = area.point(random.Random(f"{SEED}:hotspot"))  # nosec B311  # pseudo-random numbers for demo or benchmark data, not for security

    def near(self, rng):
        if rng.random() >= HOTSPOT_SHARE:
            return None
        return round(rng.gauss(self.lon, 0.0007), 6), round(rng.gauss(self.lat, 0.00045), 6)


def police_rows(areas, category_ids, window, totals, cbs_year):
    counts = _buurt_year_counts(totals, areas, window.years, cbs_year)
    for year in window.years:
        if datetime.date(year, 1, 1) > window.last_day:
            continue
        rng = random.Random(f"{SEED}:police:{year}")  # nosec B311  # pseudo-random numbers for demo or benchmark data, not for security
        calendar = _Calendar(year)
        seq = 0
        for code in sorted(areas):
            area = areas[code]
            hotspot = _Hotspot(area) if code == HOTSPOT_BUURT else None
            for _n in range(counts[year][code]):
                seq += 1
                crime = rng.choices(CRIME_CODES, cum_weights=area.crime_cumulative)[0]
                row = _police_row(rng, area, f"{DEMO_PREFIX}{year}-{seq:06d}", crime, category_ids, calendar,
                                  window, hotspot)
                if row is not None:
                    yield row
    yield from _rise_rows(areas[RISE_BUURT], category_ids, window)


def _rise_rows(area, category_ids, window):
    """A series of burglaries (mostly 'flipperen', in the evening) in one buurt in the last four whole weeks."""
    rng = random.Random(f"{SEED}:rise:{window.rise_from.isoformat()}")  # nosec B311  # pseudo-random numbers for demo or benchmark data, not for security
    for n in range(RISE_COUNT):
        day = window.rise_from + datetime.timedelta(days=rng.randrange(28))
        if day > window.last_day:
            continue
        time = datetime.time(rng.choice([17, 18, 19, 20, 21]), rng.randrange(0, 60, 5))
        address_id, lon, lat = area.address(rng) or (None, *area.point(rng))
        mo = "flipperen" if rng.random() < 0.75 else "raam geforceerd"
        yield (f"{DEMO_PREFIX}rise-{window.rise_from:%Y%m%d}-{n:02d}", category_ids["1.1.1"], day, time,
               dagdeel_of(time), day.weekday(), window.municipality_id, area.pk, address_id, lon, lat, mo,
               _loot(rng, "1.1.1"), "", None, day >= window.provisional_from)


# -- meldingen and hennep ----------------------------------------------------------------------------------------


def meldingen_rows(areas, category_ids, window):
    codes = [row[0] for row in MELDINGEN_MIX]
    cumulative = _cumulative([row[1] for row in MELDINGEN_MIX])
    spec = {row[0]: row for row in MELDINGEN_MIX}
    for year in range(window.meldingen_from.year, window.last_day.year + 1):
        rng = random.Random(f"{SEED}:meldingen:{year}")  # nosec B311  # pseudo-random numbers for demo or benchmark data, not for security
        calendar = _Calendar(year)
        seq = 0
        for code in sorted(areas):
            area = areas[code]
            for _n in range(round(area.inhabitants * MELDINGEN_PER_INHABITANT) + 2):
                seq += 1
                category = rng.choices(codes, cum_weights=cumulative)[0]
                _c, _w, profile, address_share = spec[category]
                time = _time(rng, profile, unknown_share=0.0)
                day = calendar.pick(rng, profile, time.hour < 6)
                address = area.address(rng) if rng.random() < address_share else None
                lon, lat = area.point(rng)
                if not (window.meldingen_from <= day <= window.last_day):
                    continue
                address_id = None
                if address is not None:
                    address_id, lon, lat = address
                yield (f"{DEMO_PREFIX}m{year}-{seq:06d}", category_ids[category], day, time, dagdeel_of(time),
                       day.weekday(), window.municipality_id, area.pk, address_id, lon, lat, "", "", "", None,
                       False)


def hennep_rows(areas, category_ids, window):
    """About forty cleared cannabis farms over three years, each at an address, with property type and plants."""
    business = [a for a in areas.values() if a.business and a.addresses]
    housing = [a for a in areas.values() if a.inhabitants >= 500 and a.addresses]
    housing_weights = _cumulative([a.inhabitants for a in housing])
    sheds = [a for a in housing if a.name.startswith(("Oosterwold", "Nobelhorst", "Overgooi", "Hout", "Homerus"))]
    for year in range(window.hennep_from.year, window.last_day.year + 1):
        rng = random.Random(f"{SEED}:hennep:{year}")  # nosec B311  # pseudo-random numbers for demo or benchmark data, not for security
        calendar = _Calendar(year)
        for n in range(HENNEP_PER_YEAR):
            kind, _w, (low, high) = HENNEP_TYPES[
                rng.choices(range(len(HENNEP_TYPES)), weights=[t[1] for t in HENNEP_TYPES])[0]]
            if kind == "bedrijfspand":
                area = rng.choice(business)
            elif kind == "schuur" and sheds:
                area = rng.choice(sheds)
            else:
                area = rng.choices(housing, cum_weights=housing_weights)[0]
            address_id, lon, lat = area.address(rng)
            time = _time(rng, "clearing", unknown_share=0.0)
            day = calendar.pick(rng, "clearing", False)
            plants = int(round(rng.uniform(low, high), -1))
            mo = _weighted(rng, HENNEP_MO)
            if not (window.hennep_from <= day <= window.last_day):
                continue
            yield (f"{DEMO_PREFIX}h{year}-{n:03d}", category_ids["hennep"], day, time, dagdeel_of(time),
                   day.weekday(), window.municipality_id, area.pk, address_id, lon, lat, mo, "", kind, plants,
                   False)


def _sync(source, rows):
    """Load the demo rows of a source that are new or changed, and remove the demo rows it no longer generates (the
    window moved). Unchanged rows are left out of the load, so a second run is quick on SQLite too."""
    rows = list(rows)
    existing = {row[0]: row for row in Incident.objects.filter(source=source, external_id__startswith=DEMO_PREFIX)
                .values_list(*INCIDENT_COLUMNS).iterator(chunk_size=5000)}
    changed = [row for row in rows if existing.get(row[0]) != row]
    counts = incidents_load(source=source, rows=changed)
    wanted = {row[0] for row in rows}
    stale = [ext for ext in existing if ext not in wanted]
    deleted = 0
    for start in range(0, len(stale), 500):
        deleted += incidents_delete(source=source, external_ids=stale[start:start + 500]).deleted
    return len(rows), counts.inserted, counts.updated, deleted


# -- context: CBS totals, population, indicators, interventions, target ------------------------------------------


def _cbs_aggregates(municipality, totals, cbs_year):
    source = Source.objects.get(code="cbs-misdrijven")
    total = Category.objects.get(is_total=True)
    buurten = Buurt.objects.filter(wijk__municipality=municipality, code__in=totals).values_list("code", "pk", "wijk_id")
    rows = [(total.pk, code, "buurt", municipality.pk, wijk_id, pk, cbs_year, 0, totals[code], False)
            for code, pk, wijk_id in sorted(buurten)]
    return aggregate_counts_load(source=source, rows=rows)


def _population(areas, years):
    """Population for every year of the demo (areas.demo seeds one year), growing 1.6% a year as Almere does."""
    have = set(Population.objects.filter(buurt_id__in=[a.pk for a in areas.values()])
               .values_list("buurt_id", "year"))
    base = dict(Population.objects.filter(year=POPULATION_YEAR).values_list("buurt_id", "inhabitants"))
    new = [Population(buurt_id=a.pk, year=year,
                      inhabitants=None if base.get(a.pk) is None else round(base[a.pk] * 1.016 ** (year - POPULATION_YEAR)))
           for a in areas.values() for year in years if (a.pk, year) not in have]
    Population.objects.bulk_create(new)
    return len(new)


def _area_km2(geometry):
    rings = [geometry["coordinates"][0]] if geometry["type"] == "Polygon" else [p[0] for p in geometry["coordinates"]]
    total = 0.0
    for ring in rings:
        lat0 = math.radians(sum(p[1] for p in ring) / len(ring))
        xy = [(p[0] * 111.32 * math.cos(lat0), p[1] * 110.57) for p in ring]
        total += abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(xy, xy[1:] + xy[:1], strict=True))) / 2
    return total


def _indicators(areas):
    """Households, density and average WOZ value per buurt (kerncijfers of the population year)."""
    have = set(AreaIndicator.objects.filter(year=POPULATION_YEAR).values_list("buurt_id", "code"))
    rng = random.Random(f"{SEED}:indicators")  # nosec B311  # pseudo-random numbers for demo or benchmark data, not for security
    new = []
    for code in sorted(areas):
        area = areas[code]
        size = rng.uniform(1.9, 2.7)
        woz = rng.uniform(230, 480) * (0.85 if area.name.startswith("Centrum") else 1)
        inhabitants = area.inhabitants
        values = {
            "huishoudens": round(inhabitants / size) if inhabitants >= 100 else None,
            "bevolkingsdichtheid": round(inhabitants / max(_area_km2(area.geometry), 0.01)),
            "woz_gemiddeld": round(woz) if inhabitants >= 100 else None,  # thousand euros
        }
        new += [AreaIndicator(buurt_id=area.pk, year=POPULATION_YEAR, code=key, value=value)
                for key, value in values.items() if (area.pk, key) not in have]
    AreaIndicator.objects.bulk_create(new)
    return len(new)


def _intervention(*, name, kind, municipality, start, buurten, categories, themes, description):
    intervention, created = Intervention.objects.get_or_create(name=name, defaults={
        "kind": kind, "municipality": municipality, "start": start, "description": description})
    if not created and intervention.start != start:  # the demo's dates move with today
        intervention.start = start
        intervention.save(update_fields=["start"])
    # (set() changes nothing, and logs nothing, when they are already these)
    intervention.buurten.set(Buurt.objects.filter(code__in=buurten))
    intervention.categories.set(Category.objects.filter(code__in=categories))
    intervention.themes.set(Theme.objects.filter(slug__in=themes))
    return intervention


def _interventions_and_target(municipality, window):
    _intervention(
        name=CAMERA_NAME, kind=Intervention.Kind.CAMERA, municipality=municipality, start=window.camera_start,
        buurten=CAMERA_BUURTEN, categories=CAMERA_CATEGORIES, themes=[],
        description="Zes camera's op het Stadhuisplein, de Grote Markt en de Belfort, live uitgekeken in de "
                    "nachten van donderdag tot en met zondag.")
    _intervention(
        name=CAMPAIGN_NAME, kind=Intervention.Kind.CAMPAGNE, municipality=municipality, start=window.campaign_start,
        buurten=CAMPAIGN_BUURTEN, categories=CAMPAIGN_CATEGORIES, themes=["wos-hic"],
        description="Huis-aan-huisbrief, buurtavonden en gratis advies over hang- en sluitwerk.")
    Target.objects.get_or_create(
        theme=Theme.objects.get(slug="wos-hic"), municipality=municipality,
        source=Source.objects.get(code="politie-bvh"), target_year=window.today.year,
        defaults={"baseline_year": window.today.year - 2, "change_percent": Decimal("-10.0"),
                  "note": "Coalitieakkoord: 10% minder woninginbraken, overvallen en straatroven."})


def seed(stdout, today=None):
    for data in DASHBOARDS:
        Dashboard.objects.get_or_create(slug=data["slug"], defaults=data)
    # The catalogue comes with migration 0003; after a flush (tests) or a hand-deleted row it is put back here.
    catalogue_sync(Source=Source, Category=Category, Theme=Theme)
    today = today or timezone.localdate()
    totals, cbs_year = cbs_totals()
    municipality, areas = _areas()
    if not areas:
        stdout.write("Dashboards: geen buurten, geen demogegevens.")
        return
    window = _Window(today, cbs_year, municipality.pk)
    category_ids = dict(Category.objects.values_list("code", "pk"))
    people = _population(areas, window.years)
    police_source = Source.objects.get(code="politie-bvh")
    if police_source.provisional_from != window.provisional_from:
        police_source.provisional_from = window.provisional_from
        police_source.save(update_fields=["provisional_from"])
    police = _sync(police_source, police_rows(areas, category_ids, window, totals, cbs_year))
    meldingen = _sync(Source.objects.get(code="meldingen"), meldingen_rows(areas, category_ids, window))
    hennep = _sync(Source.objects.get(code="hennep"), hennep_rows(areas, category_ids, window))
    cbs = _cbs_aggregates(municipality, totals, cbs_year)
    indicators = _indicators(areas)
    _interventions_and_target(municipality, window)
    stdout.write(
        f"Dashboards: {Dashboard.objects.count()}; politie {police[0]} incidenten (nieuw {police[1]}, gewijzigd "
        f"{police[2]}, weg {police[3]}), meldingen {meldingen[0]}, hennep {hennep[0]}, CBS {cbs.inserted} nieuw; "
        f"bevolking +{people}, kerncijfers +{indicators}."
    )
