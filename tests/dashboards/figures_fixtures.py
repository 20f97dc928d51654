"""A small known world for the figure tests: one municipality (GM0034, the setting's default) with two wijken and
four buurten with chosen inhabitants, a neighbouring municipality, and incidents / aggregate counts loaded through
the real facts services (so the rollups are the ones production reads)."""
import datetime

from areas.models import AreaIndicator, Buurt, Municipality, Population, Wijk
from dashboards.models import AggregateCount, Category, Dashboard, Source
from dashboards.services.facts import aggregate_counts_load, dagdeel_of, incidents_load


def square(x, y, size=0.01):
    return {"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]}


class World:
    """Attributes: municipality, other, wijken (dict), buurten (dict code -> Buurt), source, burglary, theft,
    robbery, boards (dict slug -> Dashboard)."""

    def __init__(self):
        self.municipality = Municipality.objects.create(code="GM0034", name="Almere")
        self.other = Municipality.objects.create(code="GM0363", name="Amsterdam")
        w1 = Wijk.objects.create(code="WK003401", name="Stad", municipality=self.municipality, geometry=square(5, 52, 0.02))
        w2 = Wijk.objects.create(code="WK003402", name="Haven", municipality=self.municipality, geometry=square(5.1, 52, 0.02))
        w3 = Wijk.objects.create(code="WK036301", name="Centrum", municipality=self.other, geometry=square(4.9, 52.3))
        self.wijken = {w.code: w for w in (w1, w2, w3)}
        spec = [  # code, name, wijk, inhabitants 2023, inhabitants 2024
            ("BU00340101", "Centrum", w1, 1000, 2000),
            ("BU00340102", "Stadswold", w1, 500, 250),
            ("BU00340201", "Haven-Noord", w2, 300, 50),  # under 100 in 2024: no rate
            ("BU00340202", "Industrie", w2, None, None),  # not published
            ("BU03630101", "Dam", w3, 4000, 4000),
        ]
        self.buurten = {}
        for index, (code, name, wijk, inh2023, inh2024) in enumerate(spec):
            buurt = Buurt.objects.create(code=code, name=name, wijk=wijk, geometry=square(5 + index * 0.01, 52))
            self.buurten[code] = buurt
            Population.objects.create(buurt=buurt, year=2023, inhabitants=inh2023)
            if code != "BU00340202":
                Population.objects.create(buurt=buurt, year=2024, inhabitants=inh2024)
        AreaIndicator.objects.create(buurt=self.buurten["BU00340101"], year=2023, code="huishoudens", value=900)
        AreaIndicator.objects.create(buurt=self.buurten["BU00340101"], year=2024, code="huishoudens", value=950)
        self.source = Source.objects.get(code="politie-bvh")
        self.burglary = Category.objects.get(code="1.1.1")
        self.theft = Category.objects.get(code="1.2.3")
        self.robbery = Category.objects.get(code="1.4.6")
        self.boards = {
            "buurtveiligheid": Dashboard.objects.create(slug="buurtveiligheid", name="Veiligheid per buurt"),
            "ander": Dashboard.objects.create(slug="ander", name="Ander dashboard"),
            "hennep": Dashboard.objects.create(slug="hennep", name="Hennep (adresniveau)", address_level=True),
        }
        self._next = 0

    def row(self, day, code, category, time=None, **extra):
        self._next += 1
        buurt = self.buurten[code]
        values = {
            "external_id": f"i{self._next}", "category_id": category.pk, "occurred_on": day, "occurred_time": time,
            "dagdeel": dagdeel_of(time), "weekday": day.weekday(), "municipality_id": buurt.wijk.municipality_id,
            "buurt_id": buurt.pk, "address_id": None, "lon": None, "lat": None, "modus_operandi": "", "loot": "",
            "property_type": "", "quantity": None, "provisional": False,
        }
        values.update(extra)
        return tuple(values.values())

    def load(self, rows, source=None):
        return incidents_load(source=source or self.source, rows=rows)

    def aggregate(self, source_code, code, category, year, month, count, provisional=False):
        buurt = self.buurten[code]
        source = Source.objects.get(code=source_code)
        return aggregate_counts_load(source=source, rows=[(
            category.pk, code, AggregateCount.Level.BUURT, buurt.wijk.municipality_id, buurt.wijk_id, buurt.pk,
            year, month, count, provisional)])


def standard_incidents(world):
    """2024: Centrum 10 (4 burglaries with times, 6 thefts of which 2 without time), Stadswold 5, Haven-Noord 3,
    Industrie 2, Dam (other municipality) 7; 2023 (a year earlier): Centrum 4; January 2025: Centrum 1."""
    d = datetime.date
    t = datetime.time
    rows = []
    for i in range(4):
        rows.append(world.row(d(2024, 3, 4 + i), "BU00340101", world.burglary, t(2 + i * 6, 15),
                              modus_operandi="flipperen" if i < 3 else "raam geforceerd",
                              loot="sieraden" if i % 2 else "laptop"))
    for i in range(6):
        rows.append(world.row(d(2024, 6, 10 + i), "BU00340101", world.theft, None if i < 2 else t(13, 0)))
    rows += [world.row(d(2024, 1, 15 + i), "BU00340102", world.theft, t(20, 0)) for i in range(5)]
    rows += [world.row(d(2024, 12, 2 + i), "BU00340201", world.robbery, t(23, 30)) for i in range(3)]
    rows += [world.row(d(2024, 9, 9 + i), "BU00340202", world.theft, t(8, 0)) for i in range(2)]
    rows += [world.row(d(2024, 5, 1 + i), "BU03630101", world.theft, t(8, 0)) for i in range(7)]
    rows += [world.row(d(2023, 3, 6 + i), "BU00340101", world.burglary, t(3, 0)) for i in range(4)]
    rows.append(world.row(d(2025, 1, 6), "BU00340101", world.theft, t(10, 0)))
    world.load(rows)
    return rows


YEAR_2024 = {"from": "2024-01", "to": "2024-12"}
