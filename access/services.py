"""Writes for access: authorisation lifecycle and the permission sync. Each in one transaction, each audited."""
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.utils import get_user_obj_perms_model

from audit.models import AccessEvent
from audit.services import access_event_record
from core.text import visible_text

from .models import Authorisation, User, new_permissions_version
from .roles import ROLES

MAX_GRANT_DAYS = 366  # "at most 12 months ahead"


def _today():
    return timezone.localdate()


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _max_until(start: date) -> date:
    try:
        return start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        return start + timedelta(days=365)


def role_needs_second_approval(role) -> bool:
    from django.conf import settings

    return role.sensitive or settings.AUTHORISATION_FOUR_EYES_FOR_ALL


def _check_period(valid_from: date, valid_until: date):
    today = _today()
    if valid_until < valid_from:
        raise ValidationError({"valid_until": _("De einddatum ligt voor de begindatum.")})
    if valid_from < today:
        raise ValidationError({"valid_from": _("De begindatum kan niet in het verleden liggen.")})
    if valid_until > _max_until(today):
        raise ValidationError({"valid_until": _("Een autorisatie geldt ten hoogste 12 maanden vooruit.")})


def _check_separation_of_duties(*, user: User, role_code: str, exclude_pk=None):
    role = ROLES[role_code]
    if not role.excludes:
        return
    clash = Authorisation.objects.open().filter(user=user, role__in=role.excludes)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    clash = clash.first()
    if clash:
        raise ValidationError(
            _("%(user)s heeft al de rol %(other)s; die gaat niet samen met %(role)s (functiescheiding).")
            % {"user": user, "other": clash.get_role_display(), "role": role.label}
        )


def _check_scope(role, scope):
    model = role.scope_model()
    if not role.available:
        raise ValidationError(_("Deze rol is nog niet beschikbaar."))
    if model is None:
        if scope is not None:
            raise ValidationError({"scope": _("Deze rol geldt voor het hele platform en neemt geen reikwijdte.")})
        return
    if scope is None or not isinstance(scope, model):
        raise ValidationError({"scope": _("Kies een %(scope)s voor deze rol.") % {"scope": model._meta.verbose_name}})
    if not role.accepts(scope):
        raise ValidationError({"scope": _("De rol ‘%(role)s’ kan niet worden toegekend op ‘%(scope)s’. %(why)s") % {
            "role": role.label, "scope": scope, "why": role.scope_refusal}})


@transaction.atomic
def authorisation_request(
    *, requested_by: User, user: User, role: str, purpose: str, valid_until: date, valid_from: date | None = None,
    scope=None, renewal_of: Authorisation | None = None,
) -> Authorisation:
    """An administrator asks to grant `role` to `user`. Active at once only where no second approval is needed."""
    if role not in ROLES:
        raise ValidationError({"role": _("Onbekende rol.")})
    role_def = ROLES[role]
    if requested_by.pk == user.pk:
        raise ValidationError(_("U kunt geen autorisatie aan uzelf toekennen."))
    purpose = visible_text(purpose)
    if not purpose:
        raise ValidationError({"purpose": _("Vul het doel en de grondslag in.")})
    valid_from = valid_from or _today()
    _check_period(valid_from, valid_until)
    _check_scope(role_def, scope)
    _check_separation_of_duties(user=user, role_code=role)

    grant = Authorisation(
        user=user,
        role=role,
        purpose=purpose.strip(),
        valid_from=valid_from,
        valid_until=valid_until,
        requested_by=requested_by,
        renewal_of=renewal_of,
    )
    if scope is not None:
        grant.scope_type = ContentType.objects.get_for_model(scope)
        grant.scope_id = scope.pk
        grant.scope_label = str(scope)[:200]
    if not role_needs_second_approval(role_def):
        grant.status = Authorisation.Status.ACTIVE
        grant.approved_by = requested_by
        grant.approved_at = timezone.now()
    grant.full_clean(exclude=["user", "requested_by"])
    grant.save()
    access_event_record(
        action=AccessEvent.Action.GRANT_REQUEST, actor=requested_by, obj=grant, purpose=grant.purpose
    )
    if grant.status == Authorisation.Status.ACTIVE:
        authorisation_sync_permissions(user=user)
    return grant


@transaction.atomic
def authorisation_approve(*, grant: Authorisation, approved_by: User, note: str = "") -> Authorisation:
    grant = Authorisation.objects.select_for_update().get(pk=grant.pk)
    if grant.status != Authorisation.Status.REQUESTED:
        raise ValidationError(_("Alleen een aangevraagde autorisatie kan worden goedgekeurd."))
    if approved_by.pk == grant.user_id:
        raise ValidationError(_("U kunt geen autorisatie voor uzelf goedkeuren."))
    if approved_by.pk == grant.requested_by_id:
        raise ValidationError(_("Goedkeuren moet een tweede beheerder doen, niet de aanvrager (vier ogen)."))
    if grant.valid_until < _today():
        raise ValidationError(_("Deze aanvraag is al verlopen; vraag een nieuwe aan."))
    _check_scope(ROLES[grant.role], grant.scope)  # the scope may have changed since the request (or predate the rule)
    _check_separation_of_duties(user=grant.user, role_code=grant.role, exclude_pk=grant.pk)
    grant.status = Authorisation.Status.ACTIVE
    grant.approved_by = approved_by
    grant.approved_at = timezone.now()
    grant.decision_note = note
    grant.save()
    access_event_record(action=AccessEvent.Action.GRANT_APPROVE, actor=approved_by, obj=grant)
    authorisation_sync_permissions(user=grant.user)
    return grant


@transaction.atomic
def authorisation_reject(*, grant: Authorisation, rejected_by: User, note: str) -> Authorisation:
    grant = Authorisation.objects.select_for_update().get(pk=grant.pk)
    if grant.status != Authorisation.Status.REQUESTED:
        raise ValidationError(_("Alleen een aangevraagde autorisatie kan worden afgewezen."))
    if rejected_by.pk == grant.user_id:
        raise ValidationError(_("U kunt niet over uw eigen autorisatie beslissen."))
    if not (note or "").strip():
        raise ValidationError({"note": _("Geef een reden voor de afwijzing.")})
    grant.status = Authorisation.Status.REJECTED
    grant.approved_by = rejected_by
    grant.approved_at = timezone.now()
    grant.decision_note = note.strip()
    grant.save()
    access_event_record(action=AccessEvent.Action.GRANT_REJECT, actor=rejected_by, obj=grant)
    return grant


@transaction.atomic
def authorisation_revoke(*, grant: Authorisation, revoked_by: User, reason: str) -> Authorisation:
    grant = Authorisation.objects.select_for_update().get(pk=grant.pk)
    if grant.status not in (Authorisation.Status.ACTIVE, Authorisation.Status.REQUESTED):
        raise ValidationError(_("Deze autorisatie is niet meer actief."))
    if revoked_by.pk == grant.user_id:
        raise ValidationError(_("U kunt niet over uw eigen autorisatie beslissen."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Geef een reden voor de intrekking.")})
    grant.status = Authorisation.Status.REVOKED
    grant.revoked_at = timezone.now()
    grant.revoked_by = revoked_by
    grant.revoke_reason = reason.strip()
    grant.save()
    access_event_record(
        action=AccessEvent.Action.GRANT_REVOKE, actor=revoked_by, obj=grant, purpose=grant.revoke_reason
    )
    authorisation_sync_permissions(user=grant.user)
    return grant


def authorisation_renew(
    *, grant: Authorisation, requested_by: User, valid_until: date, purpose: str | None = None
) -> Authorisation:
    """Renewal is a new request for the same role and scope; the old grant runs on until it ends or is replaced."""
    if grant.status != Authorisation.Status.ACTIVE:
        raise ValidationError(_("Alleen een actieve autorisatie kan worden verlengd."))
    if valid_until <= grant.valid_until:
        raise ValidationError({"valid_until": _("De nieuwe einddatum moet na de huidige einddatum liggen.")})
    # The renewal takes over the day after the current grant ends, so there is no gap and no double count.
    start = max(grant.valid_until + timedelta(days=1), _today())
    return authorisation_request(
        requested_by=requested_by,
        user=grant.user,
        role=grant.role,
        purpose=purpose or grant.purpose,
        valid_from=start,
        valid_until=valid_until,
        scope=grant.scope,
        renewal_of=grant,
    )


def authorisation_expire_due(*, today: date | None = None, user: User | None = None) -> int:
    """Mark grants past their end date as expired and resync the people concerned. Run daily by Celery beat,
    and for one user by the permission middleware when that user's recheck moment has passed."""
    today = today or _today()
    expired = 0
    due = Authorisation.objects.filter(
        status__in=[Authorisation.Status.ACTIVE, Authorisation.Status.REQUESTED], valid_until__lt=today
    )
    if user is not None:
        due = due.filter(user=user)
    due = list(due.values_list("pk", flat=True))
    for pk in due:
        with transaction.atomic():
            grant = Authorisation.objects.select_for_update().get(pk=pk)
            if grant.valid_until >= today or grant.status not in (
                Authorisation.Status.ACTIVE,
                Authorisation.Status.REQUESTED,
            ):
                continue
            grant.status = Authorisation.Status.EXPIRED
            grant.save(update_fields=["status"])
            access_event_record(action=AccessEvent.Action.GRANT_EXPIRE, actor=None, obj=grant)
            authorisation_sync_permissions(user=grant.user)
            expired += 1
    # Grants that started since the last sync need their holders' permissions switched on.
    starting = User.objects.filter(permissions_recheck_at__lte=timezone.now())
    if user is not None:
        starting = starting.filter(pk=user.pk)
    for person in starting:
        authorisation_sync_permissions(user=person)
    return expired


def _desired_permissions(user: User, today: date):
    """From the user's effective grants: the set of global Permission ids and (model, perm id, object id) triples."""
    grants = list(Authorisation.objects.effective_on(today).filter(user=user))
    wanted_global: set[str] = set()
    wanted_object: set[tuple[type, str, int]] = set()
    for grant in grants:
        role = ROLES.get(grant.role)
        if role is None:
            continue
        wanted_global.update(role.model_perms)
        model = role.scope_model()
        if model is not None and grant.scope_id is not None:
            for codename in role.object_perms:
                wanted_object.add((model, codename, grant.scope_id))
    return grants, wanted_global, wanted_object


def _permission_ids(perms: set[str]) -> dict[str, int]:
    result = {}
    for perm in perms:
        app_label, codename = perm.split(".", 1)
        pk = (
            Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            .values_list("pk", flat=True)
            .first()
        )
        if pk is None:
            raise LookupError(f"Permission {perm} named in the role catalogue does not exist")
        result[perm] = pk
    return result


def _next_recheck(user: User, today: date):
    """The next moment the effective set changes: a grant that starts later, or the day after one ends."""
    moments = []
    for valid_from, valid_until in Authorisation.objects.filter(
        user=user, status=Authorisation.Status.ACTIVE, valid_until__gte=today
    ).values_list("valid_from", "valid_until"):
        if valid_from > today:
            moments.append(_local_midnight(valid_from))
        moments.append(_local_midnight(valid_until + timedelta(days=1)))
    return min(moments) if moments else None


@transaction.atomic
def authorisation_sync_permissions(*, user: User) -> None:
    """Recompute the user's guardian model and object permissions from all effective grants; apply the difference.

    Permissions are a pure function of the grants, so overlapping grants never cancel each other: a revoked
    grant only removes what no other effective grant still implies.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    today = _today()
    _, wanted_global, wanted_object = _desired_permissions(user, today)

    wanted_global_ids = set(_permission_ids(wanted_global).values())
    current_global_ids = set(user.user_permissions.values_list("pk", flat=True))
    if current_global_ids - wanted_global_ids:
        user.user_permissions.remove(*(current_global_ids - wanted_global_ids))
    if wanted_global_ids - current_global_ids:
        user.user_permissions.add(*(wanted_global_ids - current_global_ids))

    # Object permissions, per scope model, through guardian's direct foreign-key tables.
    scope_models = {role.scope_model() for role in ROLES.values()} - {None}
    for model in scope_models:
        perm_model = get_user_obj_perms_model(model)
        ct = ContentType.objects.get_for_model(model)
        codename_to_id = dict(Permission.objects.filter(content_type=ct).values_list("codename", "pk"))
        wanted = {(codename_to_id[codename], obj_id) for (m, codename, obj_id) in wanted_object if m is model}
        rows = perm_model.objects.filter(user=user, permission__content_type=ct)
        direct = perm_model.objects.is_generic() is False
        obj_field = "content_object_id" if direct else "object_pk"
        current = {(perm_id, int(obj_id)): pk for pk, perm_id, obj_id in rows.values_list("pk", "permission_id", obj_field)}
        stale = [pk for key, pk in current.items() if key not in wanted]
        if stale:
            perm_model.objects.filter(pk__in=stale).delete()
        missing = [key for key in wanted if key not in current]
        if missing:
            new_rows = []
            for perm_id, obj_id in missing:
                row = perm_model(user=user, permission_id=perm_id)
                if direct:
                    row.content_object_id = obj_id
                else:
                    row.content_type = ct
                    row.object_pk = str(obj_id)
                new_rows.append(row)
            perm_model.objects.bulk_create(new_rows)

    user.permissions_recheck_at = _next_recheck(user, today)
    # A new permissions_version: every process's next request reads the permissions afresh (access.permissions).
    user.permissions_version = new_permissions_version()
    user.save(update_fields=["permissions_recheck_at", "permissions_version"])


@transaction.atomic
def authorisation_bootstrap(*, user: User, role: str, purpose: str, valid_until: date) -> Authorisation:
    """The first administrators' grants, from the command line only (there is nobody yet to ask or approve)."""
    role_def = ROLES[role]
    if not role_def.available or role_def.scope:
        raise ValidationError(_("Alleen platformbrede rollen kunnen bij de inrichting worden toegekend."))
    _check_period(_today(), valid_until)
    _check_separation_of_duties(user=user, role_code=role)
    grant = Authorisation.objects.create(
        user=user,
        role=role,
        purpose=purpose,
        valid_from=_today(),
        valid_until=valid_until,
        status=Authorisation.Status.ACTIVE,
        approved_at=timezone.now(),
        decision_note="bootstrap",
    )
    access_event_record(action=AccessEvent.Action.GRANT_APPROVE, actor=None, obj=grant, purpose=purpose)
    authorisation_sync_permissions(user=user)
    return grant


# People, passwords, sessions and API tokens: access.accounts (an administrator never chooses a password there).
