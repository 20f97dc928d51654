from django.db.models import Prefetch

from areas.models import Buurt, Population, Wijk

from ..models import Dashboard


def dashboard_list_for_user(*, user):
    """The dashboards the user may open (Dashboard.objects.for_user holds the rules, the address-level one included)."""
    return Dashboard.objects.for_user(user)


def dashboard_get_for_user(*, user, slug):
    """The dashboard, or None alike for one that does not exist and one the user may not see."""
    return dashboard_list_for_user(user=user).filter(slug=slug).first()


def wijken_with_population(*, year):
    population = Population.objects.filter(year=year)
    buurten = Buurt.objects.order_by("code").prefetch_related(Prefetch("population", queryset=population))
    return Wijk.objects.order_by("code").prefetch_related(Prefetch("buurten", queryset=buurten))
