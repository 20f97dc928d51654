"""'Mijn API-token': a logged-in user issues, rotates or revokes their own API token. The secret is shown once."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from core.rules import login_only

from .api import api_token_revoke, api_token_rotate, token_max_age


@login_only
@never_cache
@require_http_methods(["GET", "POST"])
def api_token(request):
    new_token = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if api_token_revoke(user=request.user, actor=request.user):
                messages.success(request, _("Uw API-token is ingetrokken."))
            return redirect("access:api_token")
        new_token = api_token_rotate(user=request.user, actor=request.user)
    token = Token.objects.filter(user=request.user).first()
    expires = token.created + token_max_age() if token else None
    return render(
        request,
        "access/api_token.html",
        {"token": token, "expires": expires, "new_token": new_token, "max_age_days": token_max_age().days},
    )
