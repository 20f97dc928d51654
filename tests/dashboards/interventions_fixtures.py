"""A 6×6 grid of square buurten (1000 inhabitants each) in GM0034 and one buurt of another municipality, with
monthly incident counts chosen per buurt and loaded through the real facts service (so Rollup is what production
reads). Cell (i, j) is buurt code BU0034iijj; cells touch their 8 neighbours (shared edges and corners)."""
import datetime

from areas.models import Buurt, Municipality, Population, Wijk
from dashboards.models import Category, Dashboard, Source
from dashboards.services.facts import dagdeel_of, incidents_load

SIZE = 0.01


def square(x, y, size=SIZE):
    return {"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]}


def code(i, j):
    return f"BU0034{i:02d}{j:02d}"


class Grid:
    def __init__(self, n=6):
        self.n = n
        self.municipality = Municipality.objects.create(code="GM0034", name="Almere")
        self.other = Municipality.objects.create(code="GM0363", name="Amsterdam")
        self.cells = {}
        for i in range(n):
            wijk = Wijk.objects.create(code=f"WK0034{i:02d}", name=f"Wijk {i}", municipality=self.municipality)
            for j in range(n):
                buurt = Buurt.objects.create(code=code(i, j), name=f"Buurt {i}-{j}", wijk=wijk,
                                             geometry=square(5 + i * SIZE, 52 + j * SIZE))
                Population.objects.create(buurt=buurt, year=2024, inhabitants=1000)
                self.cells[(i, j)] = buurt
        other_wijk = Wijk.objects.create(code="WK036301", name="Centrum", municipality=self.other)
        self.foreign = Buurt.objects.create(code="BU03630101", name="Dam", wijk=other_wijk,
                                            geometry=square(4.9, 52.3))
        Population.objects.create(buurt=self.foreign, year=2024, inhabitants=4000)
        self.source = Source.objects.get(code="politie-bvh")
        self.burglary = Category.objects.get(code="1.1.1")
        self.theft = Category.objects.get(code="1.2.3")
        self.board = Dashboard.objects.create(slug="buurtveiligheid", name="Veiligheid per buurt")
        self._next = 0

    def rows(self, cell, month, count, category=None):
        """`count` incidents in buurt `cell` on the 10th of `month`, 14:00."""
        buurt = self.cells[cell] if isinstance(cell, tuple) else cell
        category = category or self.burglary
        day = month.replace(day=10)
        time = datetime.time(14, 0)
        for _ in range(count):
            self._next += 1
            yield (f"g{self._next}", category.pk, day, time, dagdeel_of(time), day.weekday(),
                   buurt.wijk.municipality_id, buurt.pk, None, None, None, "", "", "", None, False)

    def load(self, series, category=None):
        """series: {cell: {month: count}}"""
        rows = [row for cell, months in series.items() for month, n in months.items()
                for row in self.rows(cell, month, n, category)]
        return incidents_load(source=self.source, rows=rows)


def months(first, count):
    out = []
    year, month = first.year, first.month
    for _ in range(count):
        out.append(datetime.date(year, month, 1))
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return out
