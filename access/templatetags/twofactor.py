"""{% load twofactor %}{% twofactor_admin_panel person %}: on an administrator's user page, whether the person has an
authenticator app, and the button to reset it (not for oneself)."""
from django import template

register = template.Library()


@register.inclusion_tag("access/twofactor_admin_panel.html", takes_context=True)
def twofactor_admin_panel(context, person):
    from access.twofactor import is_enrolled

    request = context.get("request")
    own = request is not None and request.user.pk == person.pk
    return {"person": person, "enrolled": is_enrolled(person), "own": own, "csrf_token": context.get("csrf_token")}
