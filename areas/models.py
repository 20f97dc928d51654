"""Reference geography: CBS municipality, wijk and buurt codes with WGS84 GeoJSON, population, BAG addresses."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Municipality(models.Model):
    code = models.CharField(_("CBS-code"), max_length=6, unique=True)  # GM0034
    name = models.CharField(_("naam"), max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name = _("gemeente")
        verbose_name_plural = _("gemeenten")

    def __str__(self):
        return self.name


class Wijk(models.Model):
    code = models.CharField(_("CBS-code"), max_length=8, unique=True)  # WK003401
    name = models.CharField(_("naam"), max_length=120)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="wijken")
    geometry = models.JSONField(_("geometrie (GeoJSON, WGS84)"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("wijk")
        verbose_name_plural = _("wijken")

    def __str__(self):
        return self.name


class Buurt(models.Model):
    code = models.CharField(_("CBS-code"), max_length=10, unique=True)  # BU00340101
    name = models.CharField(_("naam"), max_length=120)
    wijk = models.ForeignKey(Wijk, on_delete=models.PROTECT, related_name="buurten")
    geometry = models.JSONField(_("geometrie (GeoJSON, WGS84)"), null=True, blank=True)
    indeling_jaar = models.PositiveSmallIntegerField(_("indelingsjaar"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("buurt")
        verbose_name_plural = _("buurten")

    def __str__(self):
        return self.name


class Population(models.Model):
    buurt = models.ForeignKey(Buurt, on_delete=models.CASCADE, related_name="population")
    year = models.PositiveSmallIntegerField(_("jaar"))
    inhabitants = models.PositiveIntegerField(_("inwoners"), null=True, blank=True)  # blank: not published by CBS

    class Meta:
        ordering = ["buurt", "year"]
        verbose_name = _("bevolking")
        verbose_name_plural = _("bevolking")
        constraints = [models.UniqueConstraint(fields=["buurt", "year"], name="population_buurt_year")]

    def __str__(self):
        return f"{self.buurt} {self.year}: {self.inhabitants}"


class Address(models.Model):
    """A BAG address (nummeraanduiding). `search_key` is the normalised "POSTCODE NUMBER[LETTER][-ADDITION]"."""

    bag_id = models.CharField(_("nummeraanduiding-id"), max_length=16, unique=True)
    street = models.CharField(_("straat"), max_length=120)
    number = models.PositiveIntegerField(_("huisnummer"))
    letter = models.CharField(_("huisletter"), max_length=1, blank=True)
    addition = models.CharField(_("toevoeging"), max_length=4, blank=True)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True)
    city = models.CharField(_("woonplaats"), max_length=80)
    buurt = models.ForeignKey(Buurt, null=True, blank=True, on_delete=models.PROTECT, related_name="addresses")
    lon = models.FloatField(_("lengtegraad"), null=True, blank=True)
    lat = models.FloatField(_("breedtegraad"), null=True, blank=True)
    search_key = models.CharField(max_length=24, db_index=True, editable=False)
    street_key = models.CharField(max_length=140, db_index=True, editable=False)

    class Meta:
        ordering = ["street", "number", "letter", "addition"]
        verbose_name = _("adres")
        verbose_name_plural = _("adressen")
        indexes = [models.Index(fields=["postcode", "number"])]

    def __str__(self):
        return self.label

    def save(self, *args, **kwargs):
        from .normalize import address_search_key, street_search_key

        self.search_key = address_search_key(self.postcode, self.number, self.letter, self.addition)
        self.street_key = street_search_key(self.street, self.number, self.letter, self.addition)
        super().save(*args, **kwargs)

    @property
    def house_number(self):
        text = f"{self.number}{self.letter}"
        return f"{text}-{self.addition}" if self.addition else text

    @property
    def label(self):
        pc = f"{self.postcode[:4]} {self.postcode[4:]}" if self.postcode else ""
        return f"{self.street} {self.house_number}, {pc} {self.city}".replace(",  ", ", ").strip()


class AreaIndicator(models.Model):
    """A context figure per buurt per year from CBS kerncijfers (households, density, average WOZ value, ...)."""

    buurt = models.ForeignKey(Buurt, on_delete=models.CASCADE, related_name="indicators")
    year = models.PositiveSmallIntegerField(_("jaar"))
    code = models.CharField(_("kenmerk"), max_length=60)  # e.g. huishoudens, bevolkingsdichtheid, woz_gemiddeld
    value = models.FloatField(_("waarde"), null=True, blank=True)  # blank: not published

    class Meta:
        ordering = ["buurt", "year", "code"]
        verbose_name = _("kerncijfer")
        verbose_name_plural = _("kerncijfers")
        constraints = [models.UniqueConstraint(fields=["buurt", "year", "code"], name="indicator_buurt_year_code")]

    def __str__(self):
        return f"{self.buurt_id} {self.year} {self.code}: {self.value}"


class BuurtBoundary(models.Model):
    """The geometry of a buurt in one CBS indeling (boundary year). `Buurt.geometry` is the newest indeling loaded;
    older boundaries stay here, so data of earlier years can be placed on the buurten of its own year."""

    buurt = models.ForeignKey(Buurt, on_delete=models.CASCADE, related_name="boundaries")
    year = models.PositiveSmallIntegerField(_("indelingsjaar"))
    geometry = models.JSONField(_("geometrie (GeoJSON, WGS84)"))

    class Meta:
        ordering = ["buurt", "year"]
        verbose_name = _("buurtgrens")
        verbose_name_plural = _("buurtgrenzen")
        constraints = [models.UniqueConstraint(fields=["buurt", "year"], name="buurtboundary_buurt_year")]

    def __str__(self):
        return f"{self.buurt_id} {self.year}"


class WijkBoundary(models.Model):
    """The geometry of a wijk in one CBS indeling; `Wijk.geometry` is the newest loaded."""

    wijk = models.ForeignKey(Wijk, on_delete=models.CASCADE, related_name="boundaries")
    year = models.PositiveSmallIntegerField(_("indelingsjaar"))
    geometry = models.JSONField(_("geometrie (GeoJSON, WGS84)"))

    class Meta:
        ordering = ["wijk", "year"]
        verbose_name = _("wijkgrens")
        verbose_name_plural = _("wijkgrenzen")
        constraints = [models.UniqueConstraint(fields=["wijk", "year"], name="wijkboundary_wijk_year")]

    def __str__(self):
        return f"{self.wijk_id} {self.year}"
