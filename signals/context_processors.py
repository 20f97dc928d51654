"""The number of unread notifications, shown as a badge on the "Meldingen" link in the header (base.html).

Lazy: the count query runs only on pages that print it, i.e. for users who hold the notifications tool.
"""
from django.utils.functional import SimpleLazyObject


def notifications(request):
    from .selectors import notification_unread_count

    user = getattr(request, "user", None)
    return {"signal_unread_notifications": SimpleLazyObject(lambda: notification_unread_count(user=user))}
