"""The catalogue of sources, categories and themes every installation starts with (a data migration and seed_demo
call `catalogue_sync`; themes stay editable afterwards, the sync only adds what is missing)."""
import csv
import re
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
TOTAL_CODE = "0.0.0"
UNCLASSIFIED_CODE = "niet-ingedeeld"

SOURCES = [
    # code, name, attribution, granularity, address_level
    ("politie-bvh", "Politie: incidenten (BVH)", "Politie", "incident", False),
    ("cbs-misdrijven", "CBS/Politie: geregistreerde misdrijven", "CBS, Politie", "year", False),
    ("cbs-misdrijven-maand", "CBS/Politie: geregistreerde misdrijven per maand", "CBS, Politie", "month", False),
    ("meldingen", "Gemeente: meldingen openbare ruimte", "Gemeente", "incident", False),
    ("hennep", "Hennepruimingen", "Politie, gemeente", "incident", True),
]

MUNICIPAL_CATEGORIES = [
    ("meldingen/overlast-jeugd", "Overlast jeugd"),
    ("meldingen/overlast-personen", "Overlast personen (verward, dronken, drugs)"),
    ("meldingen/geluidsoverlast", "Geluidsoverlast"),
    ("meldingen/afval", "Zwerfafval en dumpingen"),
    ("meldingen/vernieling", "Vernieling openbare ruimte"),
    ("meldingen/verlichting", "Kapotte straatverlichting"),
    ("meldingen/overig", "Overige meldingen"),
    ("hennep", "Hennepkwekerij geruimd"),
]

THEMES = [
    ("wos-hic", "WOS / High Impact Crime", "Woninginbraak, overval en straatroof.", ["1.1.1", "1.4.7", "1.4.6"]),
    ("vermogen", "Vermogen", "Diefstal, inbraak en zakkenrollerij.",
     ["1.1.1", "1.1.2", "1.2.1", "1.2.2", "1.2.3", "1.2.4", "1.2.5", "1.5.2", "1.6.2", "2.5.1", "2.5.2"]),
    ("geweld", "Geweld", "Zeden, moord en doodslag, openlijk geweld, bedreiging, mishandeling, straatroof, overval.",
     ["1.4.1", "1.4.2", "1.4.3", "1.4.4", "1.4.5", "1.4.6", "1.4.7"]),
    ("overlast-vernieling", "Overlast en vernieling", "Drugs- en drankoverlast, vernieling, burengerucht, "
     "huisvredebreuk, openbare orde en de meldingen over overlast en vernieling.",
     ["2.1.1", "2.2.1", "2.4.1", "2.4.2", "2.7.3", "3.6.4", "meldingen/overlast-jeugd",
      "meldingen/overlast-personen", "meldingen/geluidsoverlast", "meldingen/vernieling"]),
    ("ondermijning", "Ondermijning", "Drugshandel, mensenhandel en -smokkel, wapenhandel, fraude en hennep.",
     ["3.1.1", "3.1.2", "3.1.3", "1.6.3", "3.9.1", "3.9.2", "3.9.3", "hennep"]),
]

_POLICE_CODE = re.compile(r"^([A-Z]\d+[A-Z]?)\s")


def cbs_categories():
    """(code, name, police codes) of every CBS/Politie crime type, from SoortMisdrijf.csv."""
    with (DATA / "SoortMisdrijf.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["Key"].strip()
            name = re.sub(rf"^{re.escape(code)}\s+", "", row["Title"].strip())
            codes = [m.group(1) for line in (row["Description"] or "").splitlines() if (m := _POLICE_CODE.match(line))]
            yield code, name, codes


def catalogue_sync(*, Source, Category, Theme):
    """Add the missing sources, categories and themes (model classes passed in, so a migration can use it)."""
    for code, name, attribution, granularity, address_level in SOURCES:
        Source.objects.get_or_create(code=code, defaults={
            "name": name, "attribution": attribution, "granularity": granularity, "address_level": address_level})
    for code, name, police_codes in cbs_categories():
        Category.objects.update_or_create(code=code, defaults={
            "name": name, "kind": "cbs", "police_codes": police_codes, "is_total": code == TOTAL_CODE})
    for code, name in MUNICIPAL_CATEGORIES:
        Category.objects.get_or_create(code=code, defaults={"name": name, "kind": "municipal"})
    Category.objects.get_or_create(code=UNCLASSIFIED_CODE, defaults={"name": "Niet ingedeeld", "kind": "unclassified"})
    for slug, name, description, codes in THEMES:
        theme, created = Theme.objects.get_or_create(slug=slug, defaults={"name": name, "description": description})
        if created:
            theme.categories.set(Category.objects.filter(code__in=codes))
