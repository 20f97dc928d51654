"""Interface language: Dutch is the source and the default, English is a complete translation the user can choose.

The language is only what the user chose in the footer (POST /taal/, stored in the language cookie); the browser's
Accept-Language is ignored (core.locale.PreferredLanguageMiddleware). The English catalogue is committed as
both locale/en/LC_MESSAGES/django.po and the compiled django.mo; the last tests keep the two complete and in step.
"""

import ast
import gettext
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import login, make_user

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"


def english(client=None):
    client = client or Client()
    response = client.post("/taal/", {"language": "en", "next": "/inloggen/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    return client


@pytest.mark.django_db
def test_login_page_is_english_after_choosing_english():
    client = english()
    response = client.get("/inloggen/")
    body = response.content.decode()
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in body
    assert "<h1>Log in</h1>" in body
    assert "Log in with your username and password. Your use of the platform is recorded." in body
    assert "Username" in body and "Password" in body
    assert "Inloggen" not in body and "Gebruikersnaam" not in body and "Wachtwoord" not in body
    # the footer's language selector names the languages in the chosen language
    assert "Language" in body and "English" in body


@pytest.mark.django_db
def test_home_page_is_english_for_a_logged_in_user():
    user = make_user("ana", first_name="Ana")
    client = login(english(), user)
    body = client.get("/").content.decode()
    assert "Welcome, Ana" in body
    assert "You currently have no active authorisations, and therefore see no sections." in body
    assert "My authorisations" in body and "Log out" in body
    assert "Welkom" not in body and "Uitloggen" not in body and "Mijn autorisaties" not in body


@pytest.mark.django_db
def test_the_choice_survives_logging_in_and_can_be_switched_back():
    user = make_user("ana", first_name="Ana")
    client = login(english(), user)
    assert "Welcome, Ana" in client.get("/").content.decode()
    client.post("/taal/", {"language": "nl", "next": "/"})
    body = client.get("/").content.decode()
    assert "Welkom, Ana" in body and "Welcome" not in body


@pytest.mark.django_db
def test_not_found_page_is_english():
    client = login(english(), make_user("ana"))
    response = client.get("/bestaat-niet/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Not found" in body and "To the home page" in body
    assert "Niet gevonden" not in body


@pytest.mark.django_db
def test_without_a_choice_the_interface_is_dutch_even_for_an_english_browser():
    client = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    response = client.get("/inloggen/")
    body = response.content.decode()
    assert response["Content-Language"] == "nl"
    assert '<html lang="nl">' in body
    assert "<h1>Inloggen</h1>" in body and "Gebruikersnaam" in body
    assert "Log in with your username" not in body

    client = login(client, make_user("ana", first_name="Ana"))
    body = client.get("/").content.decode()
    assert "Welkom, Ana" in body and "Welcome" not in body


@pytest.mark.django_db
def test_an_unsupported_language_cookie_falls_back_to_dutch():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    response = client.get("/inloggen/")
    assert response["Content-Language"] == "nl"
    assert "<h1>Inloggen</h1>" in response.content.decode()


# -- the committed catalogue ------------------------------------------------------------------------------------


def _po_entries(path):
    """(msgctxt, msgid, msgid_plural, {index: msgstr}, flags) for every entry of a .po file but the header.

    A deliberately small parser, enough for the files `makemessages` writes: entries are separated by blank lines;
    obsolete entries (#~) are skipped.
    """
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields, flags, field = {}, set(), None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                fields[field] += ast.literal_eval(line)
            else:
                field, _, rest = line.partition(" ")
                fields[field] = ast.literal_eval(rest)
        if fields.get("msgid"):
            msgstrs = {int(key[7:-1]): value for key, value in fields.items() if key.startswith("msgstr[")}
            if "msgstr" in fields:
                msgstrs[0] = fields["msgstr"]
            entries.append((fields.get("msgctxt"), fields["msgid"], fields.get("msgid_plural"), msgstrs, flags))
    return entries


def test_the_po_parser_reads_the_header_away_and_sees_plurals():
    entries = _po_entries(PO_FILE)
    assert entries, "no entries in the English catalogue"
    assert all(msgid for _ctx, msgid, _plural, _strs, _flags in entries)
    assert any(plural for _ctx, _msgid, plural, _strs, _flags in entries)


def test_every_message_in_the_committed_english_catalogue_is_translated():
    untranslated, fuzzy = [], []
    for _ctx, msgid, plural, msgstrs, flags in _po_entries(PO_FILE):
        wanted = 2 if plural else 1
        if len(msgstrs) < wanted or not all(msgstrs.values()):
            untranslated.append(msgid)
        if "fuzzy" in flags:
            fuzzy.append(msgid)
    assert not untranslated, f"untranslated in {PO_FILE.relative_to(settings.BASE_DIR)}: {untranslated}"
    assert not fuzzy, f"fuzzy (unchecked) translations: {fuzzy}"


def test_the_committed_mo_file_is_compiled_from_the_po_file():
    """Catches a .po that was edited without running compilemessages (the app reads only the .mo)."""
    with MO_FILE.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    stale = []
    for ctx, msgid, plural, msgstrs, _flags in _po_entries(PO_FILE):
        if plural:
            got = [
                catalog.npgettext(ctx, msgid, plural, n) if ctx else catalog.ngettext(msgid, plural, n) for n in (1, 2)
            ]
            expected = [msgstrs[0], msgstrs[1]]
        else:
            got = [catalog.pgettext(ctx, msgid) if ctx else catalog.gettext(msgid)]
            expected = [msgstrs[0]]
        if got != expected:
            stale.append(msgid)
    assert not stale, f"django.mo is out of date for: {stale[:10]} (run manage.py compilemessages)"


@pytest.mark.skipif(shutil.which("xgettext") is None or shutil.which("msgmerge") is None,
                    reason="GNU gettext (xgettext, msgmerge) is not installed")
def test_every_dutch_string_in_the_code_is_in_the_english_catalogue(tmp_path, monkeypatch):
    """Runs makemessages over a copy of the sources against a copy of the catalogue: a string added to the code or
    templates without an English translation shows up as new, untranslated or fuzzy."""
    from django.core.management import call_command

    base = Path(settings.BASE_DIR)
    skip = shutil.ignore_patterns("__pycache__", "migrations", "*.pyc", "data", "*.geojson", "*.csv")
    for name in ("access", "areas", "audit", "core", "dashboards", "ingest", "signals", "veiligheid", "templates"):
        if (base / name).is_dir():
            shutil.copytree(base / name, tmp_path / name, ignore=skip)
    (tmp_path / "locale" / "en" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(PO_FILE, tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po")
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["en"], no_obsolete=True, verbosity=0)
    regenerated = tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po"
    missing = [msgid for _ctx, msgid, plural, msgstrs, flags in _po_entries(regenerated)
               if "fuzzy" in flags or len(msgstrs) < (2 if plural else 1) or not all(msgstrs.values())]
    assert not missing, f"not (well) translated in locale/en (run `make messages` and translate): {missing[:10]}"
