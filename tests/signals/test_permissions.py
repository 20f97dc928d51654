"""Who may open which signals page: one matrix. 403 for a missing role, 404 (never 403) for another department's
data, login redirect for anonymous users. A superuser flag adds nothing."""
import pytest

from tests.factories import login

USERS = ["anon", "nobody", "searcher", "hh", "oov", "coord", "root"]

# url key -> expected status per user, in USERS order
MATRIX = {
    "search":        [302, 403, 200, 200, 403, 403, 200],
    "suggest":       [302, 403, 200, 200, 403, 403, 200],
    "bulk":          [302, 403, 200, 403, 403, 403, 403],  # its own permission: searching alone is not enough
    "register":      [302, 403, 403, 302, 302, 403, 302],
    "register_th":   [302, 403, 403, 200, 404, 403, 404],
    "create_th":     [302, 403, 403, 200, 404, 403, 404],
    "detail_th":     [302, 403, 403, 200, 404, 403, 404],
    "edit_th":       [302, 403, 403, 200, 404, 403, 404],
    "extend_th":     [302, 403, 403, 200, 404, 403, 404],
    "close_th":      [302, 403, 403, 200, 404, 403, 404],
    "hit_report":    [302, 403, 403, 403, 403, 200, 403],
    "hit_print":     [302, 403, 403, 403, 403, 200, 403],
    "hit_csv":       [302, 403, 403, 403, 403, 200, 403],
    "notifications": [302, 403, 403, 200, 200, 403, 200],
}


@pytest.fixture
def urls(place, addresses):
    signal = place("hh", "th", addresses["a12"])
    base = f"/signalen/signaal/{signal.public_id}/"
    return {
        "search": "/signalen/zoeken/",
        "suggest": "/signalen/zoeken/suggesties/?q=1311",
        "bulk": "/signalen/bulkcontrole/",
        "register": "/signalen/afdeling/",
        "register_th": "/signalen/afdeling/toezicht-handhaving/",
        "create_th": "/signalen/afdeling/toezicht-handhaving/nieuw/",
        "detail_th": base,
        "edit_th": base + "wijzigen/",
        "extend_th": base + "verlengen/",
        "close_th": base + "beeindigen/",
        "hit_report": "/signalen/uitdraai/",
        "hit_print": "/signalen/uitdraai/afdrukken/",
        "hit_csv": "/signalen/uitdraai.csv",
        "notifications": "/signalen/meldingen/",
    }


@pytest.mark.parametrize("who", USERS)
def test_permission_matrix(client, people, urls, who):
    if who != "anon":
        login(client, people[who])
    got = {key: client.get(url).status_code for key, url in urls.items()}
    expected = {key: statuses[USERS.index(who)] for key, statuses in MATRIX.items()}
    assert got == expected


def test_anonymous_is_sent_to_login(client, urls):
    response = client.get(urls["search"])
    assert response.url.startswith("/inloggen/")


def test_revoked_grant_closes_the_pages_at_once(client, people, urls):
    from access.models import Authorisation
    from access.services import authorisation_revoke
    from tests.factories import admins

    login(client, people["hh"])
    assert client.get(urls["detail_th"]).status_code == 200
    officer_grant = Authorisation.objects.get(user=people["hh"], role="signal_officer")
    authorisation_revoke(grant=officer_grant, revoked_by=admins()[0], reason="Andere functie")
    assert client.get(urls["detail_th"]).status_code == 403
    assert client.get(urls["search"]).status_code == 200  # the search grant still holds


def test_tools_on_home_page_follow_the_grants(client, people):
    login(client, people["searcher"])
    html = client.get("/").content.decode()
    assert "Adres zoeken" in html and "Uitdraai" not in html and "Signalen van mijn afdeling" not in html
    client.logout()
    login(client, people["coord"])
    html = client.get("/").content.decode()
    assert "Uitdraai" in html and "Adres zoeken" not in html
    client.logout()
    login(client, people["hh"])
    html = client.get("/").content.decode()
    assert "Signalen van mijn afdeling" in html and "Meldingen" in html
