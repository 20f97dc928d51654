"""Browser journeys: Playwright driving Debian's chromium (Playwright's own browser download is not used) against
pytest-django's live server with the demo municipality. Skipped where chromium is not installed; CI installs it."""
import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM:
        pytest.skip("chromium is not installed (apt install chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture
def demo(transactional_db):
    """The demo municipality (seed_demo), in the live server's database."""
    from django.core.management import call_command

    call_command("seed_demo", stdout=open(os.devnull, "w"))


@pytest.fixture
def page_as(browser, live_server, demo):
    """page_as("analist") -> a Playwright page logged in as that demo user."""
    pages = []

    def open_as(username, password="Veilig-demo-2026"):
        context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{live_server.url}/inloggen/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit], input[type=submit]")
        page.wait_for_load_state()
        pages.append(context)
        return page

    yield open_as
    for context in pages:
        context.close()
