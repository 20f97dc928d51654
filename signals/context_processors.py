"""Optional: the number of unread notifications for the header ("Meldingen (2)").

Add "signals.context_processors.notifications" to TEMPLATES' context_processors and use
`{{ signal_unread_notifications }}` in base.html. Lazy: the count query runs only on pages that print it.
"""
from django.utils.functional import SimpleLazyObject


def notifications(request):
    from .selectors import notification_unread_count

    user = getattr(request, "user", None)
    return {"signal_unread_notifications": SimpleLazyObject(lambda: notification_unread_count(user=user))}
