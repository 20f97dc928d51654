"""Fixtures shared by the figure tests: the small known world of figures_fixtures with its standard incidents, and an
analyst who may view its ordinary dashboard."""
import pytest

from access import roles as R
from tests.dashboards.figures_fixtures import World, standard_incidents
from tests.factories import grant, make_user


@pytest.fixture
def world():
    w = World()
    standard_incidents(w)
    return w


@pytest.fixture
def viewer(world):
    user = make_user("analist")
    grant(user, R.DASHBOARD_VIEWER, scope=world.boards["buurtveiligheid"])
    return user
