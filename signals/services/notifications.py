"""Notifications: in-platform notices (co-occurrence, "your address was searched") and their e-mail, queued on commit."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access.models import Department
from access.permissions import has_perm

from ..models import Notification, Signal
from ._common import OFFICER_PERM


def _mail_on_commit(notifications):
    """The e-mail copy of each notification is sent by a Celery task, queued only once the transaction commits:
    never inside the request's transaction, nothing at all when it rolls back, and a mail outage (or a broker
    outage, logged by robust on_commit) never undoes or blocks the signal itself."""
    from ..tasks import notification_mail_send

    for pk in [note.pk for note in notifications]:
        transaction.on_commit(lambda pk=pk: notification_mail_send.delay(pk), robust=True)


def notification_mail_send(*, notification_id) -> bool:
    """Send the e-mail copy of one notification to its recipient (the Celery task's service). False when there is
    nothing to send: the notification is gone, or the recipient is inactive or has no e-mail address."""
    note = Notification.objects.filter(pk=notification_id).select_related("recipient").first()
    if note is None or not note.recipient.is_active or not note.recipient.email:
        return False
    send_mail(note.subject, note.text, settings.DEFAULT_FROM_EMAIL, [note.recipient.email], fail_silently=False)
    return True


def _notify(users, *, kind: str, subject: str, text: str):
    """In-platform notifications plus their e-mail (queued after commit). Texts never contain category or details."""
    users = {user.pk: user for user in users if user is not None and user.is_active}
    if not users:
        return []
    # One by one, so auditlog records each (a bulk_create would pass the audit by): a notice has few recipients.
    created = [Notification.objects.create(recipient=user, kind=kind, subject=subject[:200], text=text)
               for user in users.values()]
    _mail_on_commit(created)
    return created


def _notify_searched(*, user, address, rows):
    """Tell the contact officers of departments that asked for it that someone of another department searched."""
    from access.models import User

    officer_ids = set()
    for row in rows:
        if not row["notify_on_search"]:
            continue
        department = Department(pk=row["department_id"])
        if has_perm(user, OFFICER_PERM, department):
            continue  # own department's searches are not news
        officer_ids.add(row["contact_officer_id"])
    if not officer_ids:
        return
    searcher = user.get_full_name() or user.username
    searcher_department = str(user.department) if user.department_id else _("onbekende afdeling")
    subject = _("Uw gesignaleerde adres is gezocht: %(address)s") % {"address": address.label}
    text = _(
        "Het adres %(address)s, waarop uw afdeling een signaal heeft, is zojuist gezocht door %(who)s "
        "(%(department)s). Deze medewerker ziet dat uw afdeling een signaal heeft en wie de contactpersoon is."
    ) % {"address": address.label, "who": searcher, "department": searcher_department}
    _notify(User.objects.filter(pk__in=officer_ids), kind=Notification.Kind.SEARCHED, subject=subject, text=text)


def _notify_bulk_searched(*, user, address_ids):
    """Notify-on-search for a bulk check: one notification per contact officer, listing their addresses."""
    from access.models import User

    if not address_ids:
        return
    rows = (
        Signal.objects.active()
        .filter(address_id__in=address_ids, notify_on_search=True)
        .values_list("contact_officer_id", "department_id", "address_id")
        .distinct()
    )
    per_officer: dict[int, set[int]] = {}
    own = {}
    for officer_id, department_id, address_id in rows:
        if department_id not in own:
            own[department_id] = has_perm(user, OFFICER_PERM, Department(pk=department_id))
        if not own[department_id]:
            per_officer.setdefault(officer_id, set()).add(address_id)
    if not per_officer:
        return
    from areas.models import Address

    labels = {a.pk: a.label for a in Address.objects.filter(pk__in=set().union(*per_officer.values()))}
    searcher = user.get_full_name() or user.username
    searcher_department = str(user.department) if user.department_id else _("onbekende afdeling")
    for officer in User.objects.filter(pk__in=per_officer, is_active=True):
        listed = sorted(labels[pk] for pk in per_officer[officer.pk])
        subject = _("Uw gesignaleerde adressen zijn gecontroleerd (%(n)s)") % {"n": len(listed)}
        text = _(
            "%(who)s (%(department)s) heeft in een bulkcontrole deze adressen gecontroleerd, waarop uw afdeling een "
            "signaal heeft: %(addresses)s."
        ) % {"who": searcher, "department": searcher_department, "addresses": "; ".join(listed)}
        _notify([officer], kind=Notification.Kind.SEARCHED, subject=subject, text=text)


def notification_mark_read(*, user, notification_id) -> int:
    """Mark one (or, with notification_id None, all) of the user's own notifications read."""
    now = timezone.now()
    changed = 0
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        queryset = queryset.filter(pk=notification_id)
    for note in queryset:
        note.read_at = now
        note.save(update_fields=["read_at"])
        changed += 1
    return changed
