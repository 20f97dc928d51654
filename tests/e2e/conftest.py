"""Browser journeys: Playwright driving Debian's chromium (Playwright's own browser download is not used) against
pytest-django's live server with the demo municipality. Skipped where chromium is not installed; CI installs it."""
import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"  # git-ignored: the final page of each journey, for a reviewer to look at
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # npm devDependency, installed by `make install` (npm ci)


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
    """page_as("analist") -> a Playwright page logged in as that demo user, past the second factor where the user
    has one: the demo's sensitive accounts have an authenticator app (access.demo), whose code is typed in as a
    person would (second_factor_pass). A user without an app stops at the enrolment page."""
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
        if "/inloggen/tweede-factor/" in page.url and "/instellen/" not in page.url:
            second_factor_pass(page, username)
        return page

    yield open_as
    for context in pages:
        context.close()


def second_factor_pass(page, username):
    """On the second-factor page: type the code the user's authenticator app shows now (tests.factories.totp_code,
    which lets the same person log in twice within one 30-second step) and submit."""
    from access.models import User
    from tests.factories import totp_code

    page.get_by_label("Code", exact=True).fill(totp_code(User.objects.get(username=username)))
    with page.expect_navigation():
        page.get_by_role("button", name="Controleren").click()
    page.wait_for_load_state()
    assert "/inloggen/" not in page.url, page.url


@pytest.fixture
def screenshot(request):
    """screenshot(page) -> the path of a full-page PNG of `page` under test-artifacts/e2e/, named after the test."""

    def save(page, name=""):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name + (f"-{name}" if name else ""))
        path = ARTIFACTS / f"{stem}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture
def axe():
    """axe(page, disable={"rule-id": "why"}) -> axe-core's violations on the page as it is now (every impact).

    axe-core is injected from node_modules: the platform's Content-Security-Policy refuses inline scripts, so the
    script is evaluated through the DevTools protocol (page.evaluate), which a page's CSP does not govern. Rules are
    disabled only with a written reason, which the failure message repeats."""
    if not AXE_JS.exists():
        pytest.skip("axe-core is not installed (run `npm ci`, as `make install` does)")
    source = AXE_JS.read_text(encoding="utf-8")

    def run(page, disable=None):
        disable = dict(disable or {})
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(f"() => {{ {source}\n }}")
        options = {"resultTypes": ["violations"], "rules": {rule: {"enabled": False} for rule in disable}}
        result = page.evaluate("options => window.axe.run(document, options)", options)
        return [
            {"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [" ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"])
                       for n in v["nodes"]][:5]}
            for v in result["violations"]
        ]

    return run
