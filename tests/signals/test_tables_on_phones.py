"""The signalling pages' tables name each cell's column (data-label), so they stack readably on a phone."""
from tests.factories import login
from tests.test_responsive_tables import unlabelled_cells


def assert_labelled(html):
    tables, problems = unlabelled_cells(html)
    assert tables and all(t["rows"] for t in tables)
    assert not problems, problems


def test_search_result_register_hit_report_and_bulk_check_tables(client, people, place, addresses):
    place("hh", "th", addresses["k3"], contact_before_acting=True)
    place("sz", "sz", addresses["k3"])
    login(client, people["hh"])
    assert_labelled(client.post("/signalen/zoeken/", {"q": "1322CD 3", "purpose": "Zaak 12"}).content.decode())
    assert_labelled(client.get("/signalen/afdeling/toezicht-handhaving/").content.decode())
    client.logout()
    login(client, people["coord"])
    assert_labelled(client.get("/signalen/uitdraai/").content.decode())
