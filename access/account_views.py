"""A person's own account: 'Mijn account', changing one's own password, and the set-password page a one-time link
opens. Thin views over access.accounts, which ends sessions and API tokens and records the access events."""
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.rules import login_only

from . import accounts
from .models import User


@login_only
def my_account(request):
    return render(request, "access/my_account.html", {"person": request.user})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's page (the old password, then the new one twice, checked by AUTH_PASSWORD_VALIDATORS). Saving goes
    through the account service: the other sessions and the API token end; this session stays logged in."""

    access_rule = ("login",)
    template_name = "access/password_change.html"
    success_url = reverse_lazy("access:my_account")
    title = gettext_lazy("Wachtwoord wijzigen")

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST" and request.user.is_authenticated and accounts.password_change_blocked(
            user=request.user
        ):
            messages.error(request, _("Te veel pogingen met een onjuist huidig wachtwoord. Probeer het later opnieuw."))
            return HttpResponseRedirect(reverse_lazy("access:my_account"))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        accounts.password_change_by_self(
            user=form.user, password=form.cleaned_data["new_password1"], keep_session_key=self.request.session.session_key
        )
        form.user.refresh_from_db()
        update_session_auth_hash(self.request, form.user)  # this session goes on, under a new key
        messages.success(self.request, _("Uw wachtwoord is gewijzigd. U bent op andere apparaten uitgelogd en een "
                                         "eventueel API-token is ingetrokken."))
        return HttpResponseRedirect(self.get_success_url())

    def form_invalid(self, form):
        if form.has_error("old_password"):
            accounts.password_change_failed(user=form.user)
        return super().form_invalid(form)


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """The page a one-time link opens (no login). Django checks the link (SetPasswordLinkGenerator) and moves the
    token out of the address into the session before the form shows, so it never reaches a Referer header. A
    wrong, used or expired link shows a clear page, not an error."""

    access_rule = ("public",)
    template_name = "access/password_set.html"
    token_generator = accounts.set_password_link_tokens
    reset_url_token = "instellen"  # nosec B105  # a URL segment, not a password
    success_url = reverse_lazy("login")
    title = gettext_lazy("Wachtwoord instellen")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if isinstance(user, User) and user.is_active else None  # a deactivated account sets nothing

    def form_valid(self, form):
        accounts.password_set_by_link(
            user=form.user, password=form.cleaned_data["new_password1"], keep_session_key=self.request.session.session_key
        )
        self.request.session.pop(auth_views.INTERNAL_RESET_SESSION_TOKEN, None)
        messages.success(self.request, _("Uw wachtwoord is ingesteld. U kunt nu inloggen."))
        return HttpResponseRedirect(self.get_success_url())
