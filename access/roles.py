"""The role catalogue: the only roles that can be granted, in code, not free-form groups.

Each role names the permissions it gives and the kind of scope it takes, and which scope objects of that kind it
accepts (`scope_filter`, checked by `accepts`): the ordinary dashboard role only ordinary dashboards, the
address-level role only the restricted (address-level) ones. Model permissions ("app_label.codename") apply
platform-wide; object permissions (codenames) apply only to the scope object of the grant (a Department, a
Dashboard, an ImportSource).
"""
from dataclasses import dataclass, field

from django.apps import apps
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Role:
    code: str
    label: str
    description: str
    scope: str | None = None  # model label of the scope object, e.g. "access.Department"
    model_perms: tuple[str, ...] = ()
    object_perms: tuple[str, ...] = ()
    sensitive: bool = False
    excludes: tuple[str, ...] = field(default=())  # roles one person may not hold at the same time
    # Field lookups a scope object must match to be accepted, e.g. (("address_level", False),); () accepts all.
    scope_filter: tuple[tuple[str, object], ...] = ()
    # Why a scope object that does not match is refused, and what to grant instead (Dutch, shown to administrators).
    scope_refusal: str = ""

    def scope_model(self):
        """The scope model class, or None when the role takes no scope or its app is not installed."""
        if not self.scope:
            return None
        try:
            return apps.get_model(self.scope)
        except LookupError:
            return None

    def scope_queryset(self):
        """The scope objects this role can be granted on (None for a role without scope)."""
        model = self.scope_model()
        if model is None:
            return None
        return model._default_manager.filter(**dict(self.scope_filter))

    def accepts(self, scope) -> bool:
        """May this role be granted on `scope`? No scope for a platform-wide role; else an object of the scope model
        that matches scope_filter (read from the database, not from a possibly stale instance)."""
        model = self.scope_model()
        if model is None:
            return self.scope is None and scope is None
        if not isinstance(scope, model) or scope.pk is None:
            return False
        if not self.scope_filter:
            return True
        return self.scope_queryset().filter(pk=scope.pk).exists()

    @property
    def available(self):
        """A role whose feature has not landed (scope model or permission app missing) cannot be granted."""
        if self.scope is not None and self.scope_model() is None:
            return False
        return all(apps.is_installed(perm.split(".", 1)[0]) for perm in self.model_perms)

    @property
    def scope_label(self):
        model = self.scope_model()
        return model._meta.verbose_name if model else ""


SIGNAL_SEARCH = "signal_search"
SIGNAL_OFFICER = "signal_officer"
BULK_CHECK = "bulk_check"
HIT_REPORT_COORDINATOR = "hit_report_coordinator"
DASHBOARD_VIEWER = "dashboard_viewer"
ADDRESS_LEVEL_VIEWER = "address_level_viewer"
INTERVENTION_EDITOR = "intervention_editor"
DATA_STEWARD = "data_steward"
AUTHORISATION_ADMIN = "authorisation_admin"
AUDITOR = "auditor"
# The roles that see or place signals: an auditor judges their use, so one person never holds both (issue 12 #10).
SIGNAL_ROLES = (SIGNAL_SEARCH, BULK_CHECK, SIGNAL_OFFICER, HIT_REPORT_COORDINATOR)

ROLES: dict[str, Role] = {
    role.code: role
    for role in [
        Role(
            SIGNAL_SEARCH,
            _("Signalen zoeken"),
            _("Een adres zoeken en zien welke afdelingen een signaal hebben en wie te bellen, zonder details."),
            model_perms=("signals.search_address",),
            sensitive=True,
            excludes=(AUDITOR,),
        ),
        Role(
            BULK_CHECK,
            _("Bulkcontrole"),
            _("Een lijst adressen tegelijk controleren (bijvoorbeeld voor een actiedag): per adres welke afdelingen "
              "een signaal hebben, met een eigen dagbudget aan adressen."),
            model_perms=("signals.bulk_check",),
            sensitive=True,
            excludes=(AUDITOR,),
        ),
        Role(
            SIGNAL_OFFICER,
            _("Signaalfunctionaris afdeling"),
            _("Signalen van één afdeling plaatsen, inzien, wijzigen en beëindigen."),
            scope="access.Department",
            object_perms=("manage_department_signals",),
            sensitive=True,
            excludes=(AUDITOR,),
        ),
        Role(
            HIT_REPORT_COORDINATOR,
            _("Coördinator uitdraai"),
            _("Overzicht van adressen met signalen van meerdere afdelingen (alleen aantallen en afdelingen)."),
            model_perms=("signals.view_hit_report",),
            sensitive=True,
            excludes=(AUDITOR,),
        ),
        Role(
            DASHBOARD_VIEWER,
            _("Dashboardgebruiker"),
            _("Eén dashboard met cijfers per buurt bekijken."),
            scope="dashboards.Dashboard",
            object_perms=("view_dashboard",),
            scope_filter=(("address_level", False),),
            scope_refusal=_(
                "Dit dashboard bevat gegevens op adresniveau. Daarvoor is de rol ‘Dashboard op adresniveau’ nodig, "
                "niet ‘Dashboardgebruiker’."
            ),
        ),
        Role(
            ADDRESS_LEVEL_VIEWER,
            _("Dashboard op adresniveau"),
            _("Het beperkte dashboard met gegevens op adresniveau (hennep) bekijken."),
            scope="dashboards.Dashboard",
            object_perms=("view_dashboard", "view_address_level"),
            sensitive=True,
            scope_filter=(("address_level", True),),
            scope_refusal=_(
                "Dit dashboard bevat geen gegevens op adresniveau. Ken daarvoor de rol ‘Dashboardgebruiker’ toe."
            ),
        ),
        Role(
            INTERVENTION_EDITOR,
            _("Maatregelen bewerken"),
            _("Maatregelen (camera, straatcoach, campagne) vastleggen voor effectmeting."),
            model_perms=("dashboards.edit_interventions",),
        ),
        Role(
            DATA_STEWARD,
            _("Gegevensbeheerder"),
            _("Aanleveringen van één bron inlezen en controleren."),
            scope="ingest.ImportSource",
            object_perms=("manage_importsource",),
        ),
        Role(
            AUTHORISATION_ADMIN,
            _("Autorisatiebeheerder"),
            _("Autorisaties aanvragen, goedkeuren, verlengen en intrekken; gebruikers en afdelingen beheren."),
            model_perms=("access.administer_authorisations",),
            sensitive=True,
            excludes=(AUDITOR,),
        ),
        Role(
            AUDITOR,
            _("Auditor"),
            _("De audittrail inzien: wie heeft wat wanneer en waarom geraadpleegd."),
            model_perms=("audit.review_audit",),
            sensitive=True,
            excludes=(AUTHORISATION_ADMIN, *SIGNAL_ROLES),
        ),
    ]
}


def get_role(code):
    return ROLES[code]


def role_choices():
    return [(role.code, role.label) for role in ROLES.values()]
