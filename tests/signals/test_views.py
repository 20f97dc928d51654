"""The pages, through HTTP: search, register, hit report, bulk check, notifications."""
import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.models import AccessEvent
from signals.models import Notification, Signal
from tests.factories import login


@pytest.fixture
def as_user(client, people):
    def _as(key):
        client.logout()
        return login(client, people[key])

    return _as


def search(client, q, purpose="Zaak 2026-001", **extra):
    return client.post("/signalen/zoeken/", {"q": q, "purpose": purpose, **extra})


# ------------------------------------------------------------------------------------------- search page


@pytest.mark.parametrize("q", ["1311 AB 12a", "1311ab-12-A", "1311AB 12 A", "Stationsstraat 12A Almere",
                               "stationsstraat 12-a"])
def test_search_accepts_common_spellings(as_user, place, addresses, q):
    place("hh", "th", addresses["a12a"], contact_before_acting=True)
    client = as_user("searcher")
    response = search(client, q)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Stationsstraat 12A, 1311 AB Almere" in html
    assert "Toezicht en Handhaving" in html
    assert "Henk Handhaver" in html and "06 1111 1111" in html
    assert "Neem contact op voordat u actie onderneemt" in html
    assert timezone.localdate().strftime("%Y") in html


def test_ambiguous_input_lists_candidates_and_unknown_says_so(as_user, addresses):
    client = as_user("searcher")
    html = search(client, "1311 AB 12").content.decode()
    # 12 exists with and without a huisletter: both are offered; nothing is searched yet.
    assert "Stationsstraat 12A, 1311 AB Almere" in html
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.ADDRESS_SEARCH, result_count__isnull=False,
                                          object_type="areas.Address").exists()
    response = search(client, "1311 AB 12", address_id=addresses["a12a"].pk)
    assert "Geen hit" in response.content.decode()
    html = search(client, "9999 ZZ 1").content.decode()
    assert "niet gevonden" in html
    html = search(client, "Nergensstraat 4").content.decode()
    assert "niet gevonden" in html
    html = search(client, "12345").content.decode()
    assert "herkennen we niet als adres" in html


def test_purpose_is_required(as_user, addresses):
    client = as_user("searcher")
    response = search(client, "1311 AB 14", purpose="")
    assert "Vul het doel van deze zoekvraag in" in response.content.decode()
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.ADDRESS_SEARCH).exists()


def test_no_hit_page_and_event(as_user, addresses):
    client = as_user("searcher")
    html = search(client, "1311 AB 14", purpose="Melding 55").content.decode()
    assert "Geen hit" in html
    event = AccessEvent.objects.get(action=AccessEvent.Action.ADDRESS_SEARCH)
    assert (event.query, event.purpose, event.result_count, event.actor_username) == (
        "1311AB 14", "Melding 55", 0, "zoeker")
    assert event.request_id and event.path == "/signalen/zoeken/"


def test_hit_shows_one_row_per_department_never_category_details_or_counts(as_user, place, addresses):
    a = addresses["a14"]
    for _i in range(3):
        place("hh", "th", a, case_reference="ZAAK-TH-1")
    place("sz", "sz", a)
    client = as_user("searcher")
    html = search(client, "1311 AB 14").content.decode()
    assert html.count('<th scope="row" data-label="Afdeling">Toezicht en Handhaving</th>') == 1
    assert html.count('<th scope="row" data-label="Afdeling">Sociale Zaken</th>') == 1
    for secret in ("GEHEIM", "Woonfraude", "Uitkeringsfraude", "ZAAK-TH-1", "3 signalen"):
        assert secret not in html
    assert "2 afdelingen hebben een actief signaal" in html


def test_search_limit_page_message_and_refusal_recorded(settings, as_user, addresses):
    settings.SIGNAL_SEARCH_LIMIT_PER_HOUR = 1
    client = as_user("searcher")
    search(client, "1311 AB 14")
    response = search(client, "1311 AB 14")
    assert response.status_code == 429
    assert "maximum van 1 zoekvragen per uur" in response.content.decode()
    assert AccessEvent.objects.filter(action=AccessEvent.Action.ADDRESS_SEARCH,
                                      outcome=AccessEvent.Outcome.DENIED).count() == 1


def test_suggestions_give_addresses_only(as_user, place, addresses):
    place("hh", "th", addresses["a12"])
    client = as_user("searcher")
    data = client.get("/signalen/zoeken/suggesties/", {"q": "Stationsstr"}).json()
    labels = [row["label"] for row in data["results"]]
    assert "Stationsstraat 12, 1311 AB Almere" in labels
    assert set(data["results"][0]) == {"id", "label", "value"}
    # The value a suggestion fills in resolves to exactly that address.
    value = next(r["value"] for r in data["results"] if r["label"].startswith("Stationsstraat 12A"))
    assert "Stationsstraat 12A, 1311 AB Almere" in search(client, value).content.decode()


def test_search_page_refuses_users_without_search_right(as_user):
    for key in ("oov", "coord", "nobody"):
        client = as_user(key)
        assert client.get("/signalen/zoeken/").status_code == 403
        assert client.get("/signalen/zoeken/suggesties/?q=stat").status_code == 403


# ------------------------------------------------------------------------------------------- register


def test_register_create_view_edit_extend_close(as_user, depts, people, addresses):
    client = as_user("hh")
    assert client.get("/signalen/afdeling/").url == "/signalen/afdeling/toezicht-handhaving/"
    form = client.get("/signalen/afdeling/toezicht-handhaving/nieuw/").content.decode()
    assert "Woonfraude" in form and "Uitkeringsfraude" not in form  # only this department's catalogue
    response = client.post("/signalen/afdeling/toezicht-handhaving/nieuw/", {
        "address": "1311AB-14", "category": depts["cats"]["woonfraude"].pk, "details": "Vier bewoners op één adres",
        "contact_officer": people["hh"].pk, "case_reference": "TH-2026-7", "contact_before_acting": "on",
        "valid_until": (timezone.localdate() + timedelta(days=365)).isoformat(),
    })
    signal = Signal.objects.get()
    assert response.status_code == 302 and response.url == f"/signalen/signaal/{signal.public_id}/"
    assert signal.address == addresses["a14"] and signal.contact_before_acting
    html = client.get(response.url).content.decode()
    assert "Vier bewoners op één adres" in html
    view = AccessEvent.objects.get(action=AccessEvent.Action.SIGNAL_VIEW)
    assert view.object_id == str(signal.pk) and view.actor == people["hh"]
    assert "Vier bewoners" not in view.object_label

    listing = client.get("/signalen/afdeling/toezicht-handhaving/").content.decode()
    assert "Stationsstraat 14" in listing and "TH-2026-7" in listing

    response = client.post(f"/signalen/signaal/{signal.public_id}/wijzigen/", {
        "category": depts["cats"]["woonfraude"].pk, "details": "Gewijzigd", "contact_officer": people["hh"].pk,
        "case_reference": "TH-2026-7"})
    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.details == "Gewijzigd" and not signal.contact_before_acting

    new_until = signal.valid_until + timedelta(days=30)
    client.post(f"/signalen/signaal/{signal.public_id}/verlengen/", {"valid_until": new_until.isoformat()})
    signal.refresh_from_db()
    assert signal.valid_until == new_until
    too_far = timezone.localdate() + timedelta(days=800)
    html = client.post(f"/signalen/signaal/{signal.public_id}/verlengen/",
                       {"valid_until": too_far.isoformat()}).content.decode()
    assert "ten hoogste 24 maanden" in html

    html = client.post(f"/signalen/signaal/{signal.public_id}/beeindigen/", {"reason": ""}).content.decode()
    assert "Geef een reden" in html
    response = client.post(f"/signalen/signaal/{signal.public_id}/beeindigen/", {"reason": "Zaak afgerond"})
    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.status == Signal.Status.CLOSED and signal.close_reason == "Zaak afgerond"


def test_create_with_ambiguous_address_asks_to_choose(as_user, depts, people, addresses):
    client = as_user("hh")
    html = client.post("/signalen/afdeling/toezicht-handhaving/nieuw/", {
        "address": "1311 AB 12", "category": depts["cats"]["woonfraude"].pk, "contact_officer": people["hh"].pk,
        "valid_until": (timezone.localdate() + timedelta(days=30)).isoformat(),
    }).content.decode()
    assert "Kies het juiste adres" in html or "meerdere adressen" in html.lower()
    assert Signal.objects.count() == 0


def test_register_filters_by_status(as_user, place, people, addresses):
    from signals.services import signal_close

    open_one = place("hh", "th", addresses["a12"], case_reference="OPEN-1")
    closed = place("hh", "th", addresses["a14"], case_reference="DICHT-1")
    signal_close(user=people["hh"], signal=closed, reason="klaar")
    client = as_user("hh")
    html = client.get("/signalen/afdeling/toezicht-handhaving/").content.decode()
    assert "OPEN-1" in html and "DICHT-1" not in html
    html = client.get("/signalen/afdeling/toezicht-handhaving/?status=closed").content.decode()
    assert "DICHT-1" in html and "OPEN-1" not in html
    html = client.get("/signalen/afdeling/toezicht-handhaving/?status=all&q=OPEN").content.decode()
    assert "OPEN-1" in html and "DICHT-1" not in html
    assert open_one


# ------------------------------------------------------------------------------------------- hit report


def _report_data(place, addresses):
    place("hh", "th", addresses["a12"])
    place("sz", "sz", addresses["a12"])
    place("oov", "oov", addresses["k3"])
    place("sz", "sz", addresses["k3"])
    place("hh", "th", addresses["k3"])
    place("hh", "th", addresses["a14"])


def test_hit_report_page_print_csv_filters_and_events(as_user, place, addresses):
    _report_data(place, addresses)
    client = as_user("coord")
    html = client.get("/signalen/uitdraai/").content.decode()
    assert "Stationsstraat 12, 1311 AB Almere" in html and "Kadeweg 3, 1322 CD Almere" in html
    assert "Stationsstraat 14" not in html
    assert "GEHEIM" not in html and "fraude" not in html.lower() and "Ondermijning" not in html
    html = client.get("/signalen/uitdraai/?min_departments=3").content.decode()
    assert "Kadeweg 3" in html and "Stationsstraat 12," not in html
    html = client.get("/signalen/uitdraai/?wijk=WK003401").content.decode()
    assert "Stationsstraat 12," in html and "Kadeweg 3" not in html
    html = client.get("/signalen/uitdraai/?buurt=BU00340201").content.decode()
    assert "Kadeweg 3" in html and "Stationsstraat 12," not in html

    printed = client.get("/signalen/uitdraai/afdrukken/?min_departments=2").content.decode()
    assert "Afgedrukt op" in printed and "Kadeweg 3" in printed

    response = client.get("/signalen/uitdraai.csv?min_departments=2")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Adres", "Postcode", "Buurt", "Wijk", "Aantal afdelingen", "Afdelingen"]
    assert ["Kadeweg 3, 1322 CD Almere", "1322CD", "Kade", "Haven", "3",
            "Openbare Orde en Veiligheid, Sociale Zaken, Toezicht en Handhaving"] in rows
    assert len(rows) == 3

    actions = list(AccessEvent.objects.filter(object_type="signals.HitReport").order_by("id")
                   .values_list("action", "result_count"))
    assert actions == [("signal_view", 2), ("signal_view", 1), ("signal_view", 1), ("signal_view", 1),
                       ("print", 2), ("export", 2)]


def test_hit_report_refused_without_coordinator_role(as_user):
    for key in ("hh", "searcher", "nobody", "root"):
        client = as_user(key)
        assert client.get("/signalen/uitdraai/").status_code == 403
        assert client.get("/signalen/uitdraai.csv").status_code == 403


# ------------------------------------------------------------------------------------------- bulk check


def upload(client, text, purpose="Actiedag Haven", fmt="page", name="adressen.csv"):
    return client.post("/signalen/bulkcontrole/", {
        "file": SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv"),
        "purpose": purpose, "format": fmt})


def test_bulk_check_page_and_csv(as_user, place, addresses):
    _report_data(place, addresses)
    client = as_user("searcher")
    text = "adres\n1311 AB 12\n1322CD 3\n1311AB 14\n12345\n9999 ZZ 1\n1311 AB 12A\nStationsstraat\n"
    html = upload(client, text).content.decode()
    assert "Kadeweg 3, 1322 CD Almere" in html
    assert "Openbare Orde en Veiligheid, Sociale Zaken, Toezicht en Handhaving" in html
    assert "herkennen we niet als adres" in html and "niet gevonden" in html
    assert "Meerdere adressen mogelijk" in html
    # "1311 AB 12" in a list is number 12 itself (12A also exists): two departments there.
    assert "Stationsstraat 12, 1311 AB Almere" in html
    assert "GEHEIM" not in html and "fraude" not in html.lower()
    # (placing the report data's signals recorded searches of the placing officers; the bulk check's are the searcher's)
    events = AccessEvent.objects.filter(action=AccessEvent.Action.ADDRESS_SEARCH, actor__username="zoeker")
    assert events.count() == 7 and set(events.values_list("purpose", flat=True)) == {"Actiedag Haven"}
    assert len(set(events.values_list("request_id", flat=True))) == 1

    response = upload(client, "postcode;huisnummer\n1322CD;3\n1311AB;14\n", fmt="csv")
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig")), delimiter=";"))
    assert rows[1][2:5] == ["Kadeweg 3, 1322 CD Almere", "3",
                            "Openbare Orde en Veiligheid, Sociale Zaken, Toezicht en Handhaving"]
    assert rows[2][3:5] == ["1", "Toezicht en Handhaving"]


def test_bulk_check_limits_and_clear_messages(settings, as_user, addresses):
    client = as_user("searcher")
    settings.SIGNAL_BULK_MAX_ROWS = 3
    html = upload(client, "1311AB 14\n" * 4).content.decode()
    assert "het maximum is 3" in html
    html = upload(client, "\n\n").content.decode()
    assert "geen adressen" in html
    html = upload(client, "1311AB 14\n", purpose="").content.decode()
    assert "Vul het doel" in html
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.ADDRESS_SEARCH).exists()
    # Every address of a bulk check counts against the daily bulk budget; the page says how many are left.
    settings.SIGNAL_BULK_ADDRESSES_PER_DAY = 3
    assert upload(client, "1311AB 14\n1311AB 12A\n").status_code == 200
    refused = upload(client, "1311AB 14\n1311AB 12\n")
    assert refused.status_code == 429 and "nog 1 adressen" in refused.content.decode()


# ------------------------------------------------------------------------------------------- notifications


def test_notifications_page_lists_own_and_marks_read(as_user, place, addresses, people):
    place("hh", "th", addresses["a12"])
    place("sz", "sz", addresses["a12"])
    client = as_user("hh")
    html = client.get("/signalen/meldingen/").content.decode()
    assert "Samenloop op Stationsstraat 12, 1311 AB Almere" in html
    assert "1 ongelezen melding" in html
    mine = Notification.objects.get(recipient=people["hh"])
    theirs = Notification.objects.get(recipient=people["sz"])
    assert client.post("/signalen/meldingen/", {"notification": theirs.pk}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.post("/signalen/meldingen/", {"notification": mine.pk})
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_a_co_occurrence_notice_shows_only_the_month_the_other_signal_was_placed(as_user, place, addresses, people):
    """Issue 12, finding 4: the notice told the other department to the minute when a signal was placed."""
    from django.utils import formats, timezone

    place("hh", "th", addresses["a12"])
    place("sz", "sz", addresses["a12"])  # hh's department is told of Sociale Zaken's new signal
    note = Notification.objects.get(recipient=people["hh"])
    html = as_user("hh").get("/signalen/meldingen/").content.decode()
    moment = timezone.localtime(note.created_at)
    assert formats.date_format(moment, "DATETIME_FORMAT") not in html
    assert moment.strftime("%H:%M") not in html
    assert formats.date_format(moment, "YEAR_MONTH_FORMAT") in html


def test_since_is_the_month_in_dutch(as_user, place, addresses):
    from datetime import date, datetime, time

    import time_machine

    months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
              "november", "december"]
    # The 10th of next month, and the 2nd two months after that, counted from the day the suite runs.
    first = (timezone.localdate().replace(day=1) + timedelta(days=32)).replace(day=10)
    months_from_january = first.month + 1  # two months after first, counted from 0
    later = date(first.year + months_from_january // 12, months_from_january % 12 + 1, 2)
    with time_machine.travel(timezone.make_aware(datetime.combine(first, time(12))), tick=False):
        place("hh", "th", addresses["a14"])
    with time_machine.travel(timezone.make_aware(datetime.combine(later, time(12))), tick=False):
        place("hh", "th", addresses["a14"])  # a later signal of the same department: still "since" the first month
        client = as_user("searcher")
        html = search(client, "1311 AB 14").content.decode()
    since = f"{months[first.month - 1]} {first.year}"
    assert since in html, since
    assert f"{months[later.month - 1]} {later.year}" not in html and f"10 {months[first.month - 1]}" not in html


def test_bulk_postcode_lines_follow_the_search_rules(as_user, addresses):
    client = as_user("searcher")
    text = "1311 AB 12\n1311ab-12-a\n1311 AB 12 B\n1322 CD 5\n1322CD 5-2\n1322 CD 99\n"
    html = upload(client, text).content.decode()
    assert html.count("Stationsstraat 12, 1311 AB Almere") == 1
    assert html.count("Stationsstraat 12A, 1311 AB Almere") == 1
    assert "‘1311AB 12B’ niet gevonden" in html
    assert "Meerdere adressen mogelijk" in html  # 1322 CD 5 exists only as 5-2
    assert html.count("Kadeweg 5-2, 1322 CD Almere") == 1
    assert "‘1322CD 99’ niet gevonden" in html


def test_register_category_filter_and_sorting(as_user, place, depts, addresses):
    from signals.models import Category

    overlast = Category.objects.create(department=depts["th"], code="overlast", name="Overlast")
    place("hh", "th", addresses["a12"], case_reference="WOON-1")
    place("hh", "th", addresses["a14"], case_reference="OVERLAST-1", category=overlast,
          valid_until=timezone.localdate() + timedelta(days=10))
    client = as_user("hh")
    html = client.get(f"/signalen/afdeling/toezicht-handhaving/?category={overlast.pk}").content.decode()
    assert "OVERLAST-1" in html and "WOON-1" not in html
    html = client.get("/signalen/afdeling/toezicht-handhaving/?sort=valid_until").content.decode()
    assert html.index("OVERLAST-1") < html.index("WOON-1")
    html = client.get("/signalen/afdeling/toezicht-handhaving/?sort=address").content.decode()
    assert html.index("WOON-1") < html.index("OVERLAST-1")
    # Another department's category id is not a valid choice: no filter, no name, no error naming it.
    foreign = depts["cats"]["uitkeringsfraude"]
    html = client.get(f"/signalen/afdeling/toezicht-handhaving/?category={foreign.pk}").content.decode()
    assert "Uitkeringsfraude" not in html


def test_hit_report_caption_names_the_minimum(as_user, place, addresses):
    place("hh", "th", addresses["a12"])
    place("sz", "sz", addresses["a12"])
    client = as_user("coord")
    assert "1 adres met signalen van ten minste 2 afdelingen" in client.get("/signalen/uitdraai/").content.decode()
    html = client.get("/signalen/uitdraai/?min_departments=3").content.decode()
    assert "0 adressen met signalen van ten minste 3 afdelingen" in html


def test_hit_report_with_an_invalid_filter_shows_nothing(as_user, place, addresses):
    _report_data(place, addresses)
    client = as_user("coord")
    html = client.get("/signalen/uitdraai/?wijk=WK999999").content.decode()
    assert "Stationsstraat 12," not in html and "Kadeweg 3" not in html
    response = client.get("/signalen/uitdraai.csv?min_departments=0")
    assert response.status_code == 400 and "Kadeweg" not in response.content.decode()  # the error, no CSV at all


def test_header_badge_counts_own_unread_notifications_only(as_user, place, addresses, people):
    place("hh", "th", addresses["a12"])
    place("sz", "sz", addresses["a12"])  # co-occurrence: one notification each for hh and sz
    place("sz", "sz", addresses["k3"])
    client = as_user("hh")
    html = client.get("/").content.decode()
    assert 'class="badge badge-unread"' in html and ">1<" in html
    client.post("/signalen/meldingen/", {"notification": Notification.objects.get(recipient=people["hh"]).pk})
    assert 'class="badge badge-unread"' not in client.get("/").content.decode()
    # Still unread for Sociale Zaken: reading one's own does not touch another's.
    assert 'class="badge badge-unread"' in as_user("sz").get("/").content.decode()


def test_bulk_check_page_shows_the_addresses_left_today(settings, as_user, addresses):
    settings.SIGNAL_BULK_ADDRESSES_PER_DAY = 10
    client = as_user("searcher")
    assert "nog 10 adressen" in client.get("/signalen/bulkcontrole/").content.decode()
    upload(client, "1311AB 14\n1311AB 12A\n")
    assert "nog 8 adressen" in client.get("/signalen/bulkcontrole/").content.decode()
