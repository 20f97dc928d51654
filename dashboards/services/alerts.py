"""Alerts of unusual rises (Opvallend): subscriptions, finding new alerts, the in-app list and the e-mail.

    alert_subscription_create(user=, theme=, municipality=, wijk=, buurt=, by_email=)
    alert_subscription_delete(user=, subscription=)
    alerts_find(today=)          -> new Alert rows (once per subscription × buurt × theme × period end)
    alerts_mail_send()           -> e-mails the alerts not yet e-mailed (emailed_at), one message per user
    alerts_mark_read(user=, alert_ids=)

Only users who still hold an active grant on an ordinary dashboard get alerts, in-app or by e-mail (checked through
Dashboard.objects.for_user, i.e. access.permissions); a lost grant silences the subscription without deleting it.
"""
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import Alert, AlertSubscription, Dashboard, Source
from ..selectors import analysis
from ..selectors.filters import DEFAULT_SOURCE


def alert_user_may_receive(user) -> bool:
    """Does the user still hold the view grant on an ordinary (not address-level) dashboard?"""
    if not user.is_active:
        return False
    return Dashboard.objects.for_user(user).filter(address_level=False).exists()


@transaction.atomic
def alert_subscription_create(*, user, theme, municipality, wijk=None, buurt=None, by_email=True):
    """Subscribe `user` to unusual rises of `theme` in a buurt, a wijk or (both empty) the whole municipality."""
    if not alert_user_may_receive(user):
        raise ValidationError(_("U heeft geen autorisatie voor de dashboards."))
    if buurt is not None:
        wijk = None  # the buurt says it all
        if buurt.wijk.municipality_id != municipality.pk:
            raise ValidationError({"buurt": _("Deze buurt ligt niet in de gemeente.")})
    if wijk is not None and wijk.municipality_id != municipality.pk:
        raise ValidationError({"wijk": _("Deze wijk ligt niet in de gemeente.")})
    duplicate = AlertSubscription.objects.filter(user=user, theme=theme, municipality=municipality, wijk=wijk,
                                                 buurt=buurt)
    if duplicate.exists():
        raise ValidationError(_("U heeft al een attendering voor dit thema en gebied."))
    return AlertSubscription.objects.create(user=user, theme=theme, municipality=municipality, wijk=wijk,
                                            buurt=buurt, by_email=by_email)


@transaction.atomic
def alert_subscription_delete(*, user, subscription):
    """Remove one of the user's own subscriptions (and its alerts)."""
    if subscription.user_id != user.pk:
        raise ValidationError(_("Dit is niet uw attendering."))
    subscription.delete()


def _matches(subscription, row):
    if subscription.theme_id != row.theme_id:
        return False
    if subscription.buurt_id is not None:
        return subscription.buurt_id == row.buurt_id
    if subscription.wijk_id is not None:
        return subscription.wijk_id == row.wijk_id
    return True


@transaction.atomic
def alerts_find(*, today=None, source=None):
    """Create the alerts of the current Opvallend rows for every subscription whose user may still receive them.
    Idempotent: an alert exists once per subscription × buurt × theme × period end. Returns the new alerts' count."""
    source = source or Source.objects.filter(code=DEFAULT_SOURCE).first()
    if source is None:
        return 0
    by_municipality = defaultdict(list)
    allowed = {}
    for subscription in analysis.alert_subscriptions_active():
        user = subscription.user
        if user.pk not in allowed:
            allowed[user.pk] = alert_user_may_receive(user)
        if allowed[user.pk]:
            by_municipality[subscription.municipality].append(subscription)
    candidates = []
    for municipality, subscriptions in by_municipality.items():
        found = analysis.opvallend(source=source, municipality=municipality, today=today)
        for row in found.rows:
            for subscription in subscriptions:
                if _matches(subscription, row):
                    candidates.append(Alert(subscription=subscription, buurt_id=row.buurt_id, theme_id=row.theme_id,
                                            period_end=found.period.current_to, current=row.current,
                                            expected=row.expected, z=row.z))
    if not candidates:
        return 0
    before = Alert.objects.count()
    # Alert is derived data (exempt from the change log); the unique constraint makes a second run a no-op.
    Alert.objects.bulk_create(candidates, ignore_conflicts=True)
    return Alert.objects.count() - before


def _mail_text(user, alerts):
    lines = [
        _("Beste %(name)s,") % {"name": user.get_full_name() or user.username},
        "",
        ngettext(
            "Het veiligheidsdashboard ziet %(count)s opvallende stijging in de gebieden en thema's waarvoor u een "
            "attendering heeft:",
            "Het veiligheidsdashboard ziet %(count)s opvallende stijgingen in de gebieden en thema's waarvoor u een "
            "attendering heeft:",
            len(alerts),
        ) % {"count": len(alerts)},
        "",
    ]
    for alert in alerts:
        lines.append(_("- %(buurt)s, %(theme)s: %(current)s incidenten in de 4 weken tot en met %(end)s, verwacht "
                       "%(expected)s (z = %(z)s)") % {
            "buurt": alert.buurt.name, "theme": alert.theme.name, "current": alert.current,
            "end": alert.period_end.strftime("%d-%m-%Y"), "expected": f"{alert.expected:.1f}".replace(".", ","),
            "z": f"{alert.z:.1f}".replace(".", ",")})
    lines += ["", _("Bekijk de cijfers en beheer uw attenderingen in het veiligheidsplatform onder Dashboards > "
                    "Opvallend.")]
    return "\n".join(lines)


def alerts_mail_send():
    """E-mail every alert not yet e-mailed, one message per user; each user's batch in its own transaction, with its
    rows locked, so two workers never send the same alert and a failed send leaves the alerts for the next run.
    Returns the number of messages sent."""
    pending = (Alert.objects.filter(emailed_at__isnull=True, subscription__by_email=True)
               .values_list("subscription__user_id", flat=True).distinct())
    sent = 0
    for user_id in sorted(set(pending)):
        with transaction.atomic():
            alerts = list(
                Alert.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(emailed_at__isnull=True, subscription__by_email=True, subscription__user_id=user_id)
                .select_related("subscription__user", "buurt", "theme").order_by("-z")
            )
            if not alerts:
                continue
            user = alerts[0].subscription.user
            now = timezone.now()
            if user.email and alert_user_may_receive(user):
                subject = ngettext("Opvallende stijging in uw gebied", "Opvallende stijgingen in uw gebieden",
                                   len(alerts))
                send_mail(subject, _mail_text(user, alerts), settings.DEFAULT_FROM_EMAIL, [user.email],
                          fail_silently=False)
                sent += 1
            # no address or no grant any more: never e-mailed later either
            Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(emailed_at=now)
    return sent


@transaction.atomic
def alerts_mark_read(*, user, alert_ids=None):
    """Mark the user's alerts as read (all unread ones, or those of `alert_ids`); returns how many."""
    alerts = Alert.objects.filter(subscription__user=user, read_at__isnull=True)
    if alert_ids is not None:
        alerts = alerts.filter(pk__in=list(alert_ids))
    return alerts.update(read_at=timezone.now())
