"""Alerts of unusual rises: subscribing on the page, finding alerts once per subscription × buurt × theme × period
end, the in-app list and unread count, e-mail through the Celery task (locmem backend) exactly once, and no alerts
for users who lost their dashboard grant."""
import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from access.models import Authorisation
from access.services import authorisation_revoke
from dashboards import tasks
from dashboards.models import Alert, AlertSubscription, Theme
from dashboards.selectors.analysis import opvallend_period
from dashboards.services import alerts as services
from tests.dashboards.analysis_fixtures import AnalysisWorld, weekly
from tests.factories import admins, login, make_user
from tests.test_responsive_tables import unlabelled_cells

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = AnalysisWorld()
    p = opvallend_period(timezone.localdate())
    world.load(weekly(world, "centrum", world.burglary, first_monday=p.baseline_from, weeks=52, per_week=1))
    world.load(weekly(world, "centrum", world.burglary, first_monday=p.current_from, weeks=4, per_week=4))  # z = 4
    world.period = p
    return world


def _subscribe(world, user, theme="wos-hic", **area):
    return services.alert_subscription_create(user=user, theme=Theme.objects.get(slug=theme),
                                              municipality=world.municipality, **area)


def test_subscribing_on_the_page_and_the_in_app_list(world):
    user = world.viewer()
    client = login(Client(), user)
    page = client.get("/dashboards/attenderingen/")
    assert page.status_code == 200 and "Nog geen berichten" in page.content.decode()
    theme = Theme.objects.get(slug="wos-hic")
    response = client.post("/dashboards/attenderingen/", {"theme": theme.pk, "wijk": world.wijken["stad"].pk,
                                                           "by_email": "on"})
    assert response.status_code == 302
    subscription = AlertSubscription.objects.get(user=user)
    assert subscription.wijk == world.wijken["stad"] and subscription.by_email and subscription.buurt is None
    # the same subscription twice is refused; a buurt of another municipality is not offered
    assert client.post("/dashboards/attenderingen/", {"theme": theme.pk, "wijk": world.wijken["stad"].pk,
                                                      "by_email": "on"}).status_code == 400
    assert client.post("/dashboards/attenderingen/", {"theme": theme.pk, "buurt": world.buurten["dam"].pk}
                       ).status_code == 400

    assert services.alerts_find() == 1
    alert = Alert.objects.get()
    assert (alert.buurt, alert.theme, alert.current, alert.expected, alert.z) == (
        world.buurten["centrum"], theme, 16, 4.0, 4.0)
    assert alert.period_end == world.period.current_to
    html = client.get("/dashboards/attenderingen/").content.decode()
    assert "Centrum" in html and "nieuw" in html
    tables, problems = unlabelled_cells(html)
    assert len(tables) == 2 and not problems, problems
    assert "1 ongelezen attendering" in client.get("/dashboards/opvallend/").content.decode()
    assert client.post("/dashboards/attenderingen/gelezen/").status_code == 302
    alert.refresh_from_db()
    assert alert.read_at is not None
    assert "ongelezen attendering" not in client.get("/dashboards/opvallend/").content.decode()


def test_areas_and_themes_must_match(world):
    user = world.viewer()
    _subscribe(world, user, buurt=world.buurten["centrum"])  # matches
    _subscribe(world, user, wijk=world.wijken["haven"])  # another wijk
    _subscribe(world, user, theme="geweld")  # whole municipality, another theme
    _subscribe(world, user, theme="vermogen")  # whole municipality: matches (1.1.1 is vermogen too)
    assert services.alerts_find() == 2
    assert sorted(Alert.objects.values_list("theme__slug", flat=True)) == ["vermogen", "wos-hic"]


def test_alerts_are_created_once_and_emailed_once_by_the_task(world):
    user = world.viewer()
    _subscribe(world, user)
    other = world.viewer("collega")
    _subscribe(world, other, by_email=False)
    assert tasks.alerts_send.delay().get() == {"created": 2, "emailed": 1}
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email] and "Opvallende stijging" in message.subject
    assert "Centrum" in message.body and "16" in message.body and "z = 4,0" in message.body
    # a second run (a redelivered task) creates and sends nothing
    assert tasks.alerts_send.delay().get() == {"created": 0, "emailed": 0}
    assert len(mail.outbox) == 1 and Alert.objects.count() == 2
    assert not Alert.objects.filter(subscription__user=user, emailed_at__isnull=True).exists()
    assert Alert.objects.get(subscription__user=other).emailed_at is None  # not by e-mail: in-app only


def test_no_alerts_without_an_active_grant(world):
    user = world.viewer()
    _subscribe(world, user)
    first, _second = admins()
    authorisation_revoke(grant=Authorisation.objects.get(user=user), revoked_by=first, reason="Andere functie")
    user.refresh_from_db()
    assert services.alerts_find() == 0
    assert tasks.alerts_send.delay().get() == {"created": 0, "emailed": 0}
    assert mail.outbox == []


def test_an_alert_waiting_for_its_email_is_not_sent_after_the_grant_is_gone(world):
    user = world.viewer()
    _subscribe(world, user)
    assert services.alerts_find() == 1
    first, _second = admins()
    authorisation_revoke(grant=Authorisation.objects.get(user=user), revoked_by=first, reason="Uit dienst")
    assert services.alerts_mail_send() == 0
    assert mail.outbox == []


def test_subscribing_needs_the_grant_and_others_subscriptions_are_404(world):
    stranger = make_user("buitenstaander", "veiligheid")
    client = login(Client(), stranger)
    assert client.get("/dashboards/attenderingen/").status_code == 403
    assert client.post("/dashboards/attenderingen/gelezen/").status_code == 403
    owner = world.viewer()
    subscription = _subscribe(world, owner)
    assert client.post(f"/dashboards/attenderingen/{subscription.pk}/verwijderen/").status_code == 403
    other = login(Client(), world.viewer("collega"))
    assert other.post(f"/dashboards/attenderingen/{subscription.pk}/verwijderen/").status_code == 404
    assert other.get(f"/dashboards/attenderingen/{subscription.pk}/verwijderen/").status_code == 405
    assert AlertSubscription.objects.filter(pk=subscription.pk).exists()
    mine = login(Client(), owner)
    assert mine.post(f"/dashboards/attenderingen/{subscription.pk}/verwijderen/").status_code == 302
    assert not AlertSubscription.objects.filter(pk=subscription.pk).exists()


def test_marking_read_touches_only_own_alerts(world):
    user, other = world.viewer(), world.viewer("collega")
    _subscribe(world, user)
    _subscribe(world, other)
    services.alerts_find()
    assert services.alerts_mark_read(user=user) == 1
    assert Alert.objects.filter(read_at__isnull=True).get().subscription.user == other
