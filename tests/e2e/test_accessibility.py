"""Accessibility of the pages the security journeys pass (issue 12, "Proved in CI"), on the demo:

- axe-core (npm, node_modules/axe-core) finds no violation of any impact on each page, at desktop width and at 375 px;
- at 375 px wide nothing scrolls sideways (document.documentElement.scrollWidth <= 375);
- the handhaver's search works by keyboard alone (Tab, typing, Enter; no clicks), and every element the keyboard
  reaches on the way shows where the focus is;
- the login form works by keyboard alone, also with the second factor that sensitive roles need.

A rule is switched off only with its reason written next to it (none is, today)."""
import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the catalogue of migration 0003

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}
PURPOSE = "Controle woonfraude zaak HH-2026-0412"

# The element that has the focus, and whether a person can see it: an outline or a box shadow drawn around it.
FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== "none";
  const box = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), name: el.getAttribute("name") || "", href: el.getAttribute("href") || "",
          text: (el.innerText || el.value || "").trim().slice(0, 60), visible: outline || shadow,
          onscreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0 &&
                    box.left < window.innerWidth};
}"""


@pytest.fixture(autouse=True)
def demo_accounts(settings):
    settings.DEMO_ACCOUNTS_ENABLED = True  # the demo users log in (off by default in the test settings)


@pytest.fixture
def check(axe):
    """check(page, "name"): no axe violation at desktop width nor at 375 px, and no sideways scrolling at 375 px."""
    checked = []

    def run(page, name, disable=None):
        page.wait_for_load_state("networkidle")
        problems = []
        for viewport in (DESKTOP, PHONE):
            page.set_viewport_size(viewport)
            violations = axe(page, disable)
            if violations:
                problems.append(f"axe at {viewport['width']} px: {violations}")
            if viewport is PHONE:
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    wide = page.evaluate(
                        """limit => [...document.querySelectorAll('body *')]
                        .filter(e => e.getBoundingClientRect().right > limit + 1).slice(0, 5)
                        .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))""",
                        PHONE["width"],
                    )
                    problems.append(f"scrolls sideways at 375 px: scrollWidth {width}, too wide: {wide}")
        page.set_viewport_size(DESKTOP)
        checked.append(name)
        assert not problems, f"{name} ({page.url}): " + "; ".join(problems)

    run.checked = checked
    return run


def _query(address):
    return f"{address.postcode[:4]} {address.postcode[4:]} {address.number}"


def _addresses():
    from signals.demo import demo_addresses

    return demo_addresses(4)  # 0: four departments, 3: Belastingen and Burgerzaken (signals/demo.py)


def _wait_for_autofocus(page, name):
    """The field with `autofocus` gets the focus (Chromium gives it at its next rendering step, after the load)."""
    page.wait_for_function("name => document.activeElement && document.activeElement.name === name", arg=name,
                           timeout=5000)


def test_axe_is_really_running(browser, axe):
    """The check would pass vacuously if axe never ran: on a page with known faults it reports them."""
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<html><body><img src='x.png'><a href='#'></a></body></html>")
    found = {violation["id"] for violation in axe(page)}
    context.close()
    assert {"html-has-lang", "image-alt", "link-name"} <= found, found


def test_login_page_by_keyboard(browser, live_server, demo, check):
    context = browser.new_context(locale="nl-NL", viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/inloggen/")
    check(page, "login")
    _wait_for_autofocus(page, "username")
    focus = page.evaluate(FOCUS_JS)
    assert focus and focus["name"] == "username", focus
    page.keyboard.type("zonder-rechten")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUS_JS)["name"] == "password"
    page.keyboard.type("Veilig-demo-2026")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/inloggen/" not in page.url
    check(page, "home (no roles)")
    context.close()


def test_login_with_the_second_factor_by_keyboard(browser, live_server, demo, check):
    """A sensitive role (the handhaver's) asks for the authenticator code after the password: also by keyboard."""
    import io

    from django.core.management import call_command

    context = browser.new_context(locale="nl-NL", viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/inloggen/")
    _wait_for_autofocus(page, "username")
    page.keyboard.type("handhaver")
    page.keyboard.press("Tab")
    page.keyboard.type("Veilig-demo-2026")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/tweede-factor/" in page.url, page.url
    check(page, "second factor")
    _wait_for_autofocus(page, "code")
    focus = page.evaluate(FOCUS_JS)
    assert focus and focus["name"] == "code" and focus["visible"], focus
    code = io.StringIO()
    call_command("demo_code", "handhaver", stdout=code, stderr=io.StringIO())  # the demo's documented app
    page.keyboard.type(code.getvalue().strip())
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/inloggen/" not in page.url, page.url
    assert page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Adres zoeken").count() == 1
    context.close()


def test_signal_pages(page_as, live_server, check):
    """The handhaver's search and register: search, errors, candidates, result, register, new signal, detail, notice."""
    addresses = _addresses()
    page = page_as("handhaver")
    page.goto(f"{live_server.url}/")
    check(page, "home")
    page.goto(f"{live_server.url}/signalen/zoeken/")
    check(page, "search")
    with page.expect_navigation():
        page.get_by_role("button", name="Zoeken", exact=True).click()
    assert page.locator(".field.has-error").count() == 2
    check(page, "search with errors")
    page.get_by_role("combobox", name="Adres").fill(addresses[0].postcode)
    page.get_by_label("Doel van de zoekvraag").fill(PURPOSE)
    with page.expect_navigation():
        page.get_by_role("button", name="Zoeken", exact=True).click()
    assert page.locator(".candidate-list button").count() >= 1
    check(page, "search candidates")
    page.get_by_role("combobox", name="Adres").fill(_query(addresses[0]))
    page.get_by_label("Doel van de zoekvraag").fill(PURPOSE)
    with page.expect_navigation():
        page.get_by_role("button", name="Zoeken", exact=True).click()
    assert page.locator("table.hit-table tbody tr").count() == 4
    check(page, "search result")
    page.goto(f"{live_server.url}/signalen/bulkcontrole/")
    check(page, "bulk check")

    with page.expect_navigation():
        page.get_by_role("link", name="Signalen van mijn afdeling").click()
    check(page, "register")
    with page.expect_navigation():
        page.get_by_role("link", name="Nieuw signaal").click()
    check(page, "new signal")
    with page.expect_navigation():
        page.get_by_role("button", name="Opslaan").click()
    assert page.locator(".field.has-error").count() >= 2
    check(page, "new signal with errors")
    page.get_by_role("combobox", name="Adres").fill(_query(addresses[3]))
    page.get_by_label("Categorie").select_option(label="Woonfraude")
    page.get_by_label("Zaaknummer").fill("HH-A11Y-1")
    with page.expect_navigation():
        page.get_by_role("button", name="Opslaan").click()
    assert "/signaal/" in page.url
    check(page, "signal detail")
    with page.expect_navigation():
        page.get_by_role("link", name="Meldingen").first.click()
    assert page.locator(".notification-list li.unread", has_text=f"Samenloop op {addresses[3].label}").count() == 1
    check(page, "notifications with the co-occurrence notice")


def test_audit_pages(page_as, live_server, check):
    address = _addresses()[0]
    page = page_as("auditor")
    query = _query(address).replace(" ", "+")
    for path, name in [
        ("/audit/", "audit events"),
        (f"/audit/?address={query}&person=handhaver", "audit events filtered"),
        ("/audit/adres/", "who looked at this address"),
        (f"/audit/adres/?address={query}", "who looked at this address, result"),
        ("/audit/persoon/?person=handhaver", "activity per person"),
        ("/audit/afwijkend/", "unusual behaviour"),
        ("/audit/wijzigingen/", "change log"),
        ("/audit/integriteit/", "integrity"),
    ]:
        page.goto(f"{live_server.url}{path}")
        assert page.locator("h1").count() == 1, path
        check(page, name)


def test_dashboard_pages(page_as, live_server, check):
    page = page_as("analist")
    page.goto(f"{live_server.url}/dashboards/")
    check(page, "dashboards")
    page.goto(f"{live_server.url}/dashboards/buurtveiligheid/")
    page.wait_for_selector("#dashboard-map path.leaflet-interactive")
    check(page, "dashboard with map")
    with page.expect_navigation():
        page.locator("table.area-table tbody th a").first.click()
    assert "/buurt/" in page.url
    check(page, "buurt page")


def test_grant_journey_pages(page_as, live_server, check):
    """The pages of the grant journey (tests/e2e/test_grant_journey.py): administration, request, approval queue,
    revoke form; for the person: no access (403) and her own pages. (The second-factor code page is checked above;
    enrolment and recovery codes are the grant journey's own steps.)"""
    from access.models import Authorisation

    person = page_as("zonder-rechten")
    assert person.goto(f"{live_server.url}/signalen/zoeken/").status == 403
    check(person, "no access (403)")
    for path, name in [("/mijn-autorisaties/", "my authorisations"), ("/mijn-tweede-factor/", "my second factor")]:
        person.goto(f"{live_server.url}{path}")
        check(person, name)

    admin = page_as("beheerder")
    for path, name in [("/beheer/", "administration"), ("/beheer/gebruikers/", "users"),
                       ("/beheer/gebruikers/zonder-rechten/", "user detail"),
                       ("/beheer/autorisaties/verlopend/", "expiring grants")]:
        admin.goto(f"{live_server.url}{path}")
        check(admin, name)
    admin.goto(f"{live_server.url}/beheer/autorisaties/nieuw/?user=zonder-rechten")
    check(admin, "grant request")
    admin.get_by_label("Rol").select_option(label="Signalen zoeken")
    admin.get_by_label("Doel en grondslag").fill("Controle woonfraude in de wijk; toezicht op grond van de APV")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Aanvragen").click()
    grant = Authorisation.objects.get(user__username="zonder-rechten", role="signal_search")
    admin.goto(f"{live_server.url}/beheer/gebruikers/handhaver/")
    with admin.expect_navigation():
        admin.get_by_role("link", name="Intrekken").first.click()
    check(admin, "revoke form")

    second = page_as("beheerder2")
    second.goto(f"{live_server.url}/beheer/autorisaties/goedkeuren/")
    card = second.locator("article.card", has_text="Zoë Zonder")
    check(second, "approval queue")
    with second.expect_navigation():
        card.get_by_role("button", name="Goedkeuren").click()
    grant.refresh_from_db()
    assert grant.status == Authorisation.Status.ACTIVE


def _tab_to(page, matches, limit=60):
    """Press Tab until the focused element satisfies `matches`; every element passed on the way must show focus."""
    passed = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_JS)
        assert focus is not None, f"the focus left the page after {passed}"
        assert focus["visible"], f"no visible focus on {focus}"
        passed.append(focus["text"] or focus["name"] or focus["href"])
        if matches(focus):
            assert focus["onscreen"], f"focused element off screen: {focus}"
            return focus
    raise AssertionError(f"not reached by Tab within {limit} steps: {passed}")


def test_the_handhaver_searches_by_keyboard_alone(page_as, live_server, screenshot):
    address = _addresses()[0]
    page = page_as("handhaver")
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    skip = page.evaluate(FOCUS_JS)
    assert skip["href"] == "#main" and skip["visible"] and skip["onscreen"], skip  # the skip link shows when focused

    _tab_to(page, lambda focus: focus["text"] == "Adres zoeken")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/signalen/zoeken/")
    _tab_to(page, lambda focus: focus["name"] == "q")
    page.keyboard.type(_query(address))
    _tab_to(page, lambda focus: focus["name"] == "purpose")
    page.keyboard.type(PURPOSE)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.locator("table.hit-table tbody tr").count() == 4
    phone = _tab_to(page, lambda focus: focus["href"].startswith("tel:"))
    assert re.fullmatch(r"0\d{2} \d{3} \d{4}", phone["text"]), phone
    screenshot(page)
