"""Import sources (what a data steward looks after) and import runs (one delivered file each).

An ImportSource is the scope of the data-steward grant (access.roles DATA_STEWARD: object permission
`manage_importsource`). An ImportRun records one file: its hash, the counts, the status and the report; its rejected
lines are kept in RejectedRow for the downloadable CSV. Runs are written by ingest.services only.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from audit.models import AuditedQuerySet

MANAGE_PERM = "ingest.manage_importsource"

# The registry's format codes (ingest.formats); kept here as choices so that the model does not import the parsers.
FORMAT_CHOICES = [
    ("politie-bvh", _("Politie: incidenten (BVH-export)")),
    ("cbs-statline", _("CBS/Politie open data (StatLine 47018NED/47022NED)")),
    ("meldingen", _("Gemeentelijke meldingen")),
    ("hennep", _("Hennepruimingen")),
    ("cbs-gebieden", _("CBS buurten en wijken (GeoJSON)")),
    ("cbs-kerncijfers", _("CBS kerncijfers wijken en buurten")),
    ("bag-adressen", _("BAG-adressen")),
]


class ImportSourceQuerySet(AuditedQuerySet):
    def for_user(self, user):
        """Every rule of who sees which source, in one place: the data-steward permission on that source."""
        from access.permissions import objects_for_user

        return objects_for_user(user, MANAGE_PERM, self)


class ImportSource(models.Model):
    """Where deliveries come from and what they feed: a format, the dashboards.Source it loads facts into (blank for
    reference data such as geography and addresses), who owns it, how often it arrives, where its inbox is."""

    class Schedule(models.TextChoices):
        DAILY = "daily", _("dagelijks")
        WEEKLY = "weekly", _("wekelijks")
        YEARLY = "yearly", _("jaarlijks")
        MANUAL = "manual", _("handmatig")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("naam"), max_length=120)
    format = models.CharField(_("formaat"), max_length=40, choices=FORMAT_CHOICES)
    facts_source = models.CharField(
        _("bron in de dashboards"), max_length=40, blank=True,
        help_text=_("De code van de dashboardbron die deze aanlevering vult; leeg voor referentiegegevens."),
    )
    department = models.ForeignKey(
        "access.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("eigenaar (afdeling)"),
    )
    schedule = models.CharField(_("frequentie"), max_length=10, choices=Schedule.choices, default=Schedule.MANUAL)
    inbox = models.CharField(
        _("inbox-map"), max_length=200, blank=True,
        help_text=_("Map onder INGEST_INBOX_ROOT waarin bestanden automatisch worden opgepakt; leeg: geen inbox."),
    )
    reject_threshold = models.DecimalField(
        _("afkeurgrens (%)"), max_digits=5, decimal_places=2, default=1,
        help_text=_("Worden meer regels dan dit percentage afgekeurd, dan wordt de hele levering geweigerd."),
    )
    active = models.BooleanField(_("actief"), default=True)

    objects = ImportSourceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("gegevensbron")
        verbose_name_plural = _("gegevensbronnen")
        permissions = [("manage_importsource", _("Aanleveringen van deze bron inlezen en controleren"))]

    def __str__(self):
        return self.name


class ImportSourceUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(ImportSource, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False


class ImportRunQuerySet(models.QuerySet):
    def for_user(self, user):
        """Runs of the sources the user is data steward of."""
        return self.filter(source__in=ImportSource.objects.for_user(user))


class ImportRun(models.Model):
    """One delivered file and what became of it. Recorded in the audit trail by audit.services.import_run_record
    (one record per run with the file hash and the counts), so it is not registered with auditlog."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("in de wachtrij")
        RUNNING = "running", _("bezig")
        SUCCEEDED = "succeeded", _("ingelezen")
        REJECTED = "rejected", _("geweigerd")
        FAILED = "failed", _("mislukt")

    class Trigger(models.TextChoices):
        UPLOAD = "upload", _("upload")
        API = "api", _("API")
        COMMAND = "command", _("opdrachtregel")
        INBOX = "inbox", _("inbox")

    FINISHED = (Status.SUCCEEDED, Status.REJECTED, Status.FAILED)

    source = models.ForeignKey(ImportSource, on_delete=models.PROTECT, related_name="runs", verbose_name=_("bron"))
    file_name = models.CharField(_("bestandsnaam"), max_length=255)
    stored_path = models.CharField(_("opgeslagen als"), max_length=500, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("grootte (bytes)"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_read = models.PositiveIntegerField(_("regels gelezen"), default=0)
    inserted = models.PositiveIntegerField(_("nieuw"), default=0)
    updated = models.PositiveIntegerField(_("bijgewerkt"), default=0)
    unchanged = models.PositiveIntegerField(_("ongewijzigd"), default=0)
    rejected = models.PositiveIntegerField(_("afgekeurd"), default=0)
    created_at = models.DateTimeField(_("aangeleverd op"), auto_now_add=True)
    started_at = models.DateTimeField(_("gestart"), null=True, blank=True)
    finished_at = models.DateTimeField(_("klaar"), null=True, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("aangeleverd door"),
    )  # None: the schedule (inbox) or the command line without a user
    trigger = models.CharField(_("aanleiding"), max_length=10, choices=Trigger.choices, default=Trigger.UPLOAD)
    progress = models.PositiveSmallIntegerField(_("voortgang (%)"), default=0)
    message = models.TextField(_("melding"), blank=True)
    report = models.JSONField(_("verslag"), default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(_("pogingen"), default=0)

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("importrun")
        verbose_name_plural = _("importruns")
        indexes = [
            models.Index(fields=["source", "-created_at"], name="importrun_source_created"),
            models.Index(fields=["source", "sha256", "status"], name="importrun_source_sha"),
        ]

    def __str__(self):
        return f"{self.source_id}: {self.file_name} ({self.status})"

    @property
    def finished(self):
        return self.status in self.FINISHED


class RejectedRow(models.Model):
    """A line of a run that could not be used, with the reason (Dutch), for the report and its CSV download."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rejected_rows")
    line = models.PositiveIntegerField(_("regel"))
    reason = models.CharField(_("reden"), max_length=300)
    raw = models.CharField(_("inhoud (begin)"), max_length=300, blank=True)

    class Meta:
        ordering = ["run", "line", "pk"]
        verbose_name = _("afgekeurde regel")
        verbose_name_plural = _("afgekeurde regels")
        indexes = [models.Index(fields=["run", "line"], name="rejectedrow_run_line")]

    def __str__(self):
        return f"{self.run_id}:{self.line}"
