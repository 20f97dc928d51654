"""A small world for the analysis tests (Opvallend, alerts, hotspots, dagrapport): the installation's municipality
(GM0034) with two wijken and three buurten, a neighbour municipality, the dashboards, and incidents loaded through
the real facts service (so WeekRollup is what production reads)."""
import datetime

from access import roles as R
from areas.models import Buurt, Municipality, Wijk
from dashboards.models import Category, Dashboard, Source
from dashboards.services.facts import dagdeel_of, incidents_load
from tests.factories import grant, make_user


class AnalysisWorld:
    def __init__(self):
        self.municipality = Municipality.objects.create(code="GM0034", name="Almere")
        self.other = Municipality.objects.create(code="GM0363", name="Amsterdam")
        stad = Wijk.objects.create(code="WK003401", name="Stad", municipality=self.municipality)
        haven = Wijk.objects.create(code="WK003402", name="Haven", municipality=self.municipality)
        dam = Wijk.objects.create(code="WK036301", name="Centrum", municipality=self.other)
        self.wijken = {"stad": stad, "haven": haven, "dam": dam}
        self.buurten = {
            "centrum": Buurt.objects.create(code="BU00340101", name="Centrum", wijk=stad),
            "stadswold": Buurt.objects.create(code="BU00340102", name="Stadswold", wijk=stad),
            "haven": Buurt.objects.create(code="BU00340201", name="Haven-Noord", wijk=haven),
            "dam": Buurt.objects.create(code="BU03630101", name="Dam", wijk=dam),
        }
        self.source = Source.objects.get(code="politie-bvh")
        self.burglary = Category.objects.get(code="1.1.1")  # in the themes wos-hic and vermogen
        self.assault = Category.objects.get(code="1.4.5")  # geweld only
        self.board = Dashboard.objects.create(slug="buurtveiligheid", name="Veiligheid per buurt")
        self.hennep = Dashboard.objects.create(slug="hennep", name="Hennep (adresniveau)", address_level=True)
        self._next = 0

    def row(self, day, buurt, category, time=None, lon=None, lat=None):
        self._next += 1
        b = self.buurten[buurt]
        return (f"a{self._next}", category.pk, day, time, dagdeel_of(time), day.weekday(), b.wijk.municipality_id,
                b.pk, None, lon, lat, "", "", "", None, False)

    def load(self, rows, source=None):
        return incidents_load(source=source or self.source, rows=list(rows))

    def viewer(self, username="analist", email=True):
        user = make_user(username, "veiligheid")
        if not email:
            user.email = ""
            user.save()
        grant(user, R.DASHBOARD_VIEWER, scope=self.board)
        return user


def weekly(world, buurt, category, *, first_monday, weeks, per_week, hour=14):
    """`per_week` incidents on the Wednesday of each of `weeks` consecutive ISO weeks from `first_monday`."""
    rows = []
    for week in range(weeks):
        day = first_monday + datetime.timedelta(weeks=week, days=2)
        rows += [world.row(day, buurt, category, datetime.time(hour, 0)) for _ in range(per_week)]
    return rows


def spread(world, buurt, category, *, first_monday, weeks, total, hour=14):
    """`total` incidents spread one per day from the Wednesday of the first week (cycling over the weeks' days)."""
    days = weeks * 7
    return [world.row(first_monday + datetime.timedelta(days=(2 + i) % days), buurt, category,
                      datetime.time(hour, 0)) for i in range(total)]
