from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from audit.models import AuditedQuerySet

VIEW_PERM = "dashboards.view_dashboard"
ADDRESS_LEVEL_PERM = "dashboards.view_address_level"


class DashboardQuerySet(AuditedQuerySet):
    def for_user(self, user):
        """Every rule of who sees which dashboard, in one place: the view permission on the dashboard, and for an
        address-level (restricted) dashboard also the address-level permission on that same dashboard. Holding only
        the ordinary permission on a restricted dashboard, however it came about, shows nothing."""
        from access.permissions import objects_for_user

        visible = objects_for_user(user, VIEW_PERM, self)
        address_level = objects_for_user(user, ADDRESS_LEVEL_PERM, Dashboard.objects.filter(address_level=True))
        return visible.filter(models.Q(address_level=False) | models.Q(pk__in=address_level.values("pk")))


class Dashboard(models.Model):
    """A dashboard is the scope of a dashboard-viewer grant; address-level ones are restricted (hennep)."""

    slug = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("naam"), max_length=120)
    description = models.TextField(_("omschrijving"), blank=True)
    address_level = models.BooleanField(
        _("gegevens op adresniveau"), default=False, help_text=_("Alleen met de rol 'Dashboard op adresniveau'.")
    )

    objects = DashboardQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("dashboard")
        verbose_name_plural = _("dashboards")
        permissions = [
            ("view_address_level", _("Gegevens op adresniveau bekijken")),
            ("edit_interventions", _("Maatregelen bewerken")),
        ]

    def __str__(self):
        return self.name


class DashboardUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Dashboard, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False


# -- Facts: what ingest stores and the dashboards read -----------------------------------------------------------
# Every figure keeps its source; figures of different sources are never added together. Incidents are the facts of
# sources that deliver single events (police BVH, meldingen, hennep clearings); AggregateCount holds the counts of
# sources that deliver only totals (CBS/Politie open data). MonthRollup, Rollup and WeekRollup are derived from
# Incident by dashboards.services.facts after every load and are the only thing the figure selectors read.


# The facts tables' foreign keys: no database constraint and no index of their own (see Incident).
_FACT_FK = {"db_constraint": False, "db_index": False}


class Dagdeel(models.IntegerChoices):
    NACHT = 0, _("nacht (0–6 uur)")
    OCHTEND = 1, _("ochtend (6–12 uur)")
    MIDDAG = 2, _("middag (12–18 uur)")
    AVOND = 3, _("avond (18–24 uur)")
    ONBEKEND = 4, _("onbekend")


class Source(models.Model):
    """Where figures come from (`politie-bvh`, `cbs-misdrijven`, `meldingen`, `hennep`). Its `attribution` is what
    every figure says ("Bron: Politie")."""

    class Granularity(models.TextChoices):
        INCIDENT = "incident", _("losse incidenten")
        MONTH = "month", _("aantallen per maand")
        YEAR = "year", _("aantallen per jaar")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("naam"), max_length=120)
    attribution = models.CharField(_("bronvermelding"), max_length=120)
    granularity = models.CharField(_("soort gegevens"), max_length=10, choices=Granularity.choices)
    address_level = models.BooleanField(
        _("gegevens op adresniveau"), default=False,
        help_text=_("Alleen te zien in een dashboard op adresniveau, nooit in de gewone dashboards."),
    )
    provisional_from = models.DateField(
        _("voorlopig vanaf"), null=True, blank=True,
        help_text=_("Cijfers vanaf deze datum zijn voorlopig (de bron kan ze nog wijzigen)."),
    )

    objects = AuditedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("bron")
        verbose_name_plural = _("bronnen")

    def __str__(self):
        return self.name


class Category(models.Model):
    """A crime type of the CBS/Politie catalogue (`1.1.1`; `0.0.0` is the total, never added up) or a municipal
    category (`meldingen/overlast-jeugd`, `hennep`). `police_codes` are the BVH incident codes it covers."""

    class Kind(models.TextChoices):
        CBS = "cbs", _("CBS/Politie soort misdrijf")
        MUNICIPAL = "municipal", _("gemeentelijke categorie")
        UNCLASSIFIED = "unclassified", _("niet ingedeeld")

    code = models.CharField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("naam"), max_length=160)
    kind = models.CharField(_("soort"), max_length=12, choices=Kind.choices)
    police_codes = models.JSONField(_("politiecodes"), default=list, blank=True)
    is_total = models.BooleanField(_("totaal van alle andere"), default=False)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("categorie")
        verbose_name_plural = _("categorieën")

    def __str__(self):
        return self.name


class Theme(models.Model):
    """An editable group of categories (WOS/High Impact Crime, vermogen, geweld, ...)."""

    slug = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("naam"), max_length=120)
    description = models.TextField(_("omschrijving"), blank=True)
    categories = models.ManyToManyField(Category, related_name="themes", verbose_name=_("categorieën"))

    objects = AuditedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("thema")
        verbose_name_plural = _("thema's")

    def __str__(self):
        return self.name


class Incident(models.Model):
    """One incident as a source delivered it, upserted by (source, external_id).

    The facts tables (Incident, AggregateCount and the rollups) carry no database-level foreign-key constraints: a
    load of millions of rows would otherwise check every reference of every row at commit. The facts service checks
    the references of a whole load in one set-based query instead, and Django still applies on_delete (PROTECT,
    SET_NULL, CASCADE) when geography or a catalogue entry is deleted through the ORM.

    Every index costs every insert of a load, so there are only the ones a query needs: the key (source,
    external_id), (source, occurred_on) for the loads' months and the hennep list, (municipality, occurred_on) for
    the hotspots and the daily report, (buurt, occurred_on) for the buurt page (and Django's PROTECT check when a
    buurt is deleted) and address where one is set (Django's SET_NULL when an address is deleted); no plain
    foreign-key indexes. A source or category is only deleted when it has no incidents (PROTECT): that check may
    scan, it is rare."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="incidents", **_FACT_FK)
    external_id = models.CharField(_("id bij de bron"), max_length=64)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="incidents", **_FACT_FK)
    occurred_on = models.DateField(_("datum"))
    occurred_time = models.TimeField(_("tijd"), null=True, blank=True)
    dagdeel = models.PositiveSmallIntegerField(_("dagdeel"), choices=Dagdeel.choices)
    weekday = models.PositiveSmallIntegerField(_("weekdag"))  # 0 = maandag
    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.PROTECT, related_name="+", **_FACT_FK,
    )
    buurt = models.ForeignKey("areas.Buurt", on_delete=models.PROTECT, related_name="incidents", **_FACT_FK)
    address = models.ForeignKey(
        "areas.Address", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", **_FACT_FK,
    )
    lon = models.FloatField(_("lengtegraad"), null=True, blank=True)
    lat = models.FloatField(_("breedtegraad"), null=True, blank=True)
    modus_operandi = models.CharField(_("werkwijze"), max_length=200, blank=True)
    loot = models.CharField(_("buit"), max_length=200, blank=True)
    property_type = models.CharField(_("soort pand"), max_length=60, blank=True)
    quantity = models.PositiveIntegerField(_("aantal (bijv. planten)"), null=True, blank=True)
    provisional = models.BooleanField(_("voorlopig"), default=False)
    import_run = models.PositiveBigIntegerField(_("importrun"), null=True, blank=True)  # ingest.ImportRun id

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidenten")
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="incident_source_external_id")]
        indexes = [
            models.Index(fields=["source", "occurred_on"], name="incident_src_date"),
            models.Index(fields=["municipality", "occurred_on"], name="incident_mun_date"),
            models.Index(fields=["buurt", "occurred_on"], name="incident_buurt_date"),
            models.Index(fields=["address"], name="incident_address", condition=models.Q(address__isnull=False)),
        ]

    def __str__(self):
        return f"{self.source_id}:{self.external_id}"


class AggregateCount(models.Model):
    """A count a source delivered as a total per area × category × year (month 0) or month (1–12); None = suppressed.
    `area_code` is the CBS code (GM/WK/BU); the matching geography is linked where it is loaded."""

    class Level(models.TextChoices):
        MUNICIPALITY = "gemeente", _("gemeente")
        WIJK = "wijk", _("wijk")
        BUURT = "buurt", _("buurt")

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="aggregate_counts", **_FACT_FK)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+", **_FACT_FK)
    area_code = models.CharField(_("gebiedscode"), max_length=10)
    level = models.CharField(_("niveau"), max_length=8, choices=Level.choices)
    municipality = models.ForeignKey(
        "areas.Municipality", null=True, on_delete=models.PROTECT, related_name="+", **_FACT_FK,
    )
    wijk = models.ForeignKey(
        "areas.Wijk", null=True, blank=True, on_delete=models.PROTECT, related_name="+", **_FACT_FK,
    )
    buurt = models.ForeignKey(
        "areas.Buurt", null=True, blank=True, on_delete=models.PROTECT, related_name="+", **_FACT_FK,
    )
    year = models.PositiveSmallIntegerField(_("jaar"))
    month = models.PositiveSmallIntegerField(_("maand"), default=0)  # 0 = the whole year
    count = models.PositiveIntegerField(_("aantal"), null=True, blank=True)
    provisional = models.BooleanField(_("voorlopig"), default=False)
    import_run = models.PositiveBigIntegerField(_("importrun"), null=True, blank=True)

    class Meta:
        verbose_name = _("aantal")
        verbose_name_plural = _("aantallen")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "category", "area_code", "year", "month"], name="aggregate_source_cat_area_period"
            )
        ]
        indexes = [models.Index(fields=["source", "municipality", "level", "year"], name="aggregate_src_mun_lvl_yr")]

    def __str__(self):
        return f"{self.source_id} {self.area_code} {self.year}-{self.month}: {self.count}"


class Rollup(models.Model):
    """Incidents counted per source × buurt × category × month × dagdeel × weekday (derived, never edited)."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="+", **_FACT_FK)
    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="+", **_FACT_FK,
    )
    wijk = models.ForeignKey("areas.Wijk", on_delete=models.CASCADE, related_name="+", **_FACT_FK)
    buurt = models.ForeignKey("areas.Buurt", on_delete=models.CASCADE, related_name="+", **_FACT_FK)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+", **_FACT_FK)
    month = models.DateField()  # first day of the month
    dagdeel = models.PositiveSmallIntegerField(choices=Dagdeel.choices)
    weekday = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "buurt", "category", "month", "dagdeel", "weekday"], name="rollup_unique_cell"
            )
        ]
        # covering: a figure reads one municipality's rows from the index alone (on PostgreSQL; SQLite ignores the
        # INCLUDE), not from table pages spread over the whole country's months
        indexes = [models.Index(fields=["source", "municipality", "month"], name="rollup_src_mun_cover",
                                include=["category", "buurt", "wijk", "dagdeel", "weekday", "count"])]

    def __str__(self):
        return f"{self.buurt_id} {self.month} {self.dagdeel}/{self.weekday}: {self.count}"


class MonthRollup(models.Model):
    """Incidents counted per source × buurt × category × month (derived, never edited): the map, the table and the
    monthly trend read this one; Rollup (also per dagdeel × weekday, almost a row per incident on a large source)
    only serves the dagdeel grid."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="+", **_FACT_FK)
    municipality = models.ForeignKey("areas.Municipality", on_delete=models.CASCADE, related_name="+", **_FACT_FK)
    wijk = models.ForeignKey("areas.Wijk", on_delete=models.CASCADE, related_name="+", **_FACT_FK)
    buurt = models.ForeignKey("areas.Buurt", on_delete=models.CASCADE, related_name="+", **_FACT_FK)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+", **_FACT_FK)
    month = models.DateField()  # first day of the month
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "buurt", "category", "month"], name="monthrollup_unique_cell")
        ]
        # covering, as Rollup's
        indexes = [models.Index(fields=["source", "municipality", "month"], name="monthrollup_src_mun_cover",
                                include=["category", "buurt", "wijk", "count"])]

    def __str__(self):
        return f"{self.buurt_id} {self.month}: {self.count}"


class WeekRollup(models.Model):
    """Incidents counted per source × buurt × category × ISO week (Monday), for weekly trends and Opvallend."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="+", **_FACT_FK)
    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="+", **_FACT_FK,
    )
    wijk = models.ForeignKey("areas.Wijk", on_delete=models.CASCADE, related_name="+", **_FACT_FK)
    buurt = models.ForeignKey("areas.Buurt", on_delete=models.CASCADE, related_name="+", **_FACT_FK)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+", **_FACT_FK)
    week = models.DateField()  # the Monday of the ISO week
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "buurt", "category", "week"], name="weekrollup_unique_cell")
        ]
        indexes = [models.Index(fields=["source", "municipality", "week"], name="weekrollup_src_mun_week")]

    def __str__(self):
        return f"{self.buurt_id} {self.week}: {self.count}"


# -- Interventions, targets and alerts -----------------------------------------------------------------------------


class Intervention(models.Model):
    """A measure taken in some buurten (camera, straatcoaches, ...), whose effect the effect page estimates."""

    class Kind(models.TextChoices):
        CAMERA = "camera", _("cameratoezicht")
        STRAATCOACHES = "straatcoaches", _("straatcoaches")
        SURVEILLANCE = "surveillance", _("extra surveillance")
        VERLICHTING = "verlichting", _("verlichting")
        CAMPAGNE = "campagne", _("preventiecampagne")
        HENNEP = "hennep", _("hennepaanpak")
        OVERIG = "overig", _("overig")

    name = models.CharField(_("naam"), max_length=160)
    kind = models.CharField(_("soort maatregel"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("omschrijving"), blank=True)
    municipality = models.ForeignKey("areas.Municipality", on_delete=models.PROTECT, related_name="+")
    buurten = models.ManyToManyField("areas.Buurt", related_name="interventions", verbose_name=_("buurten"))
    categories = models.ManyToManyField(Category, blank=True, related_name="+", verbose_name=_("doelcategorieën"))
    themes = models.ManyToManyField(Theme, blank=True, related_name="+", verbose_name=_("doelthema's"))
    start = models.DateField(_("start"))
    end = models.DateField(_("einde"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("aangemaakt door")
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        ordering = ["-start", "name"]
        verbose_name = _("maatregel")
        verbose_name_plural = _("maatregelen")

    def __str__(self):
        return self.name


class Target(models.Model):
    """A goal per theme (Eindhoven's indicator monitoring): e.g. 10% fewer HIC in 2027 than in 2024."""

    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="targets", verbose_name=_("thema"))
    municipality = models.ForeignKey("areas.Municipality", on_delete=models.PROTECT, related_name="+")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="+", verbose_name=_("bron"))
    baseline_year = models.PositiveSmallIntegerField(_("basisjaar"))
    target_year = models.PositiveSmallIntegerField(_("doeljaar"))
    change_percent = models.DecimalField(
        _("verandering (%)"), max_digits=5, decimal_places=1, help_text=_("Negatief is een daling, bijv. -10.")
    )
    note = models.CharField(_("toelichting"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        ordering = ["theme", "target_year"]
        verbose_name = _("doelstelling")
        verbose_name_plural = _("doelstellingen")
        constraints = [
            models.UniqueConstraint(
                fields=["theme", "municipality", "source", "target_year"], name="target_theme_mun_src_year"
            )
        ]

    def __str__(self):
        return f"{self.theme} {self.target_year}: {self.change_percent}%"


class AlertSubscription(models.Model):
    """A user's wish to hear of unusual rises (Opvallend) for a theme in a wijk or buurt (both empty: everywhere)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_subscriptions")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="+", verbose_name=_("thema"))
    municipality = models.ForeignKey("areas.Municipality", on_delete=models.CASCADE, related_name="+")
    wijk = models.ForeignKey("areas.Wijk", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    buurt = models.ForeignKey("areas.Buurt", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    by_email = models.BooleanField(_("ook per e-mail"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendering")
        verbose_name_plural = _("attenderingen")

    def __str__(self):
        return f"{self.user_id}: {self.theme_id}"


class Alert(models.Model):
    """One unusual rise found for a subscription; shown in-app and e-mailed once."""

    subscription = models.ForeignKey(AlertSubscription, on_delete=models.CASCADE, related_name="alerts")
    buurt = models.ForeignKey("areas.Buurt", on_delete=models.CASCADE, related_name="+")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="+")
    period_end = models.DateField()
    current = models.PositiveIntegerField()
    expected = models.FloatField()
    z = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "buurt", "theme", "period_end"], name="alert_once")
        ]

    def __str__(self):
        return f"{self.buurt_id} {self.theme_id} z={self.z:.1f}"
