"""Thin views: forms in, services for writes, selectors for reads."""
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.rules import login_only, public, require_perm

from . import accounts, selectors, services
from .forms import DecisionForm, GrantForm, RenewForm, RevokeForm, UserFilterForm, UserForm
from .models import Authorisation, User
from .roles import ROLES

ADMIN_PERM = "access.administer_authorisations"


class LoginView(auth_views.LoginView):
    """The password step. Whoever must pass a second factor (access.twofactor.second_factor_due) goes on to it
    (or to enrolment) straight away; until then the session opens nothing (access.middleware.SecondFactorMiddleware).
    With OpenID Connect configured, the page also offers the municipality's own login (access.oidc)."""

    access_rule = ("public",)
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_form_class(self):
        from .forms import LoginForm  # the username's length is checked before django-axes records an attempt

        return LoginForm

    def form_valid(self, form):
        from urllib.parse import urlencode

        from django.urls import reverse

        from . import twofactor

        twofactor.login_prepare(self.request)
        response = super().form_valid(form)
        twofactor.login_record(self.request, form.get_user())
        if twofactor.second_factor_due(self.request):
            step = "twofactor_verify" if twofactor.is_enrolled(form.get_user()) else "twofactor_enrol"
            return redirect(reverse(step) + "?" + urlencode({"next": self.get_success_url()}))
        return response

    def get_context_data(self, **kwargs):
        from .oidc import oidc_enabled, oidc_provider_name

        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = oidc_enabled()
        context["oidc_provider"] = oidc_provider_name()
        return context


class LogoutView(auth_views.LogoutView):
    access_rule = ("public",)


@public
@never_cache
def healthz(request):
    from django.conf import settings

    status = {"database": "ok", "broker": "eager" if settings.CELERY_TASK_ALWAYS_EAGER else "ok"}
    code = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        status["database"] = "error"
        code = 503
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        try:
            from veiligheid.celery import app

            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
        except Exception:  # noqa: BLE001
            status["broker"] = "error"
            code = 503
    if settings.CELERY_TASK_ALWAYS_EAGER:
        status["audit_sealing"] = "on demand"  # no Celery beat: verify_audit and the integrity page seal
    elif status["database"] == "ok":
        status["audit_sealing"] = _audit_sealing()
    status["status"] = "ok" if code == 200 else "error"
    return JsonResponse(status, status=code)


def _audit_sealing() -> str:
    """"behind" when an access event has waited longer than AUDIT_SEAL_MAX_LAG_SECONDS to be sealed (Celery beat not
    running?). Not a reason to take this web process out of service, so the status code stays."""
    import logging
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from audit.chain import unsealed_since

    oldest = unsealed_since()
    if oldest is None or timezone.now() - oldest <= timedelta(seconds=settings.AUDIT_SEAL_MAX_LAG_SECONDS):
        return "ok"
    logging.getLogger("audit.integrity").warning("Audit sealing is behind: unsealed events since %s", oldest)
    return "behind"


@login_only
def home(request):
    return render(request, "home.html")


@login_only
def my_authorisations(request):
    grants = selectors.authorisation_list_for_user(user=request.user)
    return render(request, "access/my_authorisations.html", {"grants": grants, "roles": ROLES})


@require_perm(ADMIN_PERM)
def admin_index(request):
    return render(
        request,
        "access/admin_index.html",
        {
            "pending": selectors.authorisation_pending()[:10],
            "pending_count": selectors.authorisation_pending().count(),
            "expiring": selectors.authorisation_expiring(days=30)[:10],
            "expiring_count": selectors.authorisation_expiring(days=30).count(),
        },
    )


@require_perm(ADMIN_PERM)
def user_list(request):
    form = UserFilterForm(request.GET or None)
    q, department = "", None
    if form.is_valid():
        q = form.cleaned_data["q"]
        department = form.cleaned_data["department"]
    page = Paginator(selectors.user_list_with_grants(q=q, department=department), 50).get_page(request.GET.get("page"))
    return render(request, "access/user_list.html", {"form": form, "page": page})


@require_perm(ADMIN_PERM)
def user_detail(request, username):
    person = get_object_or_404(User.objects.select_related("department"), username=username)
    return render(
        request,
        "access/user_detail.html",
        {
            "person": person,
            "visibility": selectors.user_visibility(user=person),
            "grants": selectors.authorisation_list_for_user(user=person),
            "link_refusal": accounts.password_link_refusal(user=person, sent_by=request.user),
            "link_valid_hours": int(accounts.link_valid_for().total_seconds() // 3600),
        },
    )


def _form_errors_from(exc: ValidationError, form):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@require_perm(ADMIN_PERM)
@require_http_methods(["GET", "POST"])
def grant_create(request):
    initial = {}
    if request.GET.get("user"):
        initial["user"] = User.objects.filter(username=request.GET["user"]).first()
    form = GrantForm(request.POST or None, requested_by=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant = services.authorisation_request(
                requested_by=request.user,
                user=data["user"],
                role=data["role"],
                scope=data["scope"],
                purpose=data["purpose"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
            )
        except ValidationError as exc:
            _form_errors_from(exc, form)
        else:
            if grant.status == Authorisation.Status.REQUESTED:
                messages.success(request, _("Aangevraagd. Een tweede beheerder moet deze autorisatie goedkeuren."))
            else:
                messages.success(request, _("Autorisatie toegekend."))
            return redirect("access:user_detail", username=grant.user.username)
    return render(request, "access/grant_form.html", {"form": form, "roles": ROLES})


@require_perm(ADMIN_PERM)
def approval_queue(request):
    return render(
        request, "access/approval_queue.html", {"pending": selectors.authorisation_pending(), "form": DecisionForm()}
    )


@require_perm(ADMIN_PERM)
@require_POST
def grant_decide(request, pk):
    grant = get_object_or_404(Authorisation, pk=pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    note = form.cleaned_data.get("note", "")
    try:
        if request.POST.get("decision") == "reject":
            services.authorisation_reject(grant=grant, rejected_by=request.user, note=note)
            messages.success(request, _("Aanvraag afgewezen."))
        else:
            services.authorisation_approve(grant=grant, approved_by=request.user, note=note)
            messages.success(request, _("Autorisatie goedgekeurd en actief."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("access:approval_queue")


@require_perm(ADMIN_PERM)
@require_http_methods(["GET", "POST"])
def grant_revoke(request, pk):
    grant = get_object_or_404(Authorisation.objects.select_related("user"), pk=pk)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.authorisation_revoke(
                grant=grant, revoked_by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _form_errors_from(exc, form)
        else:
            messages.success(request, _("Autorisatie ingetrokken. Dit geldt vanaf het eerstvolgende verzoek."))
            return redirect("access:user_detail", username=grant.user.username)
    return render(request, "access/grant_revoke.html", {"grant": grant, "form": form})


@require_perm(ADMIN_PERM)
@require_http_methods(["GET", "POST"])
def grant_renew(request, pk):
    grant = get_object_or_404(Authorisation.objects.select_related("user"), pk=pk)
    form = RenewForm(request.POST or None, grant=grant)
    if request.method == "POST" and form.is_valid():
        try:
            services.authorisation_renew(
                grant=grant,
                requested_by=request.user,
                valid_until=form.cleaned_data["valid_until"],
                purpose=form.cleaned_data["purpose"] or None,
            )
        except ValidationError as exc:
            _form_errors_from(exc, form)
        else:
            messages.success(request, _("Verlenging aangevraagd."))
            return redirect("access:user_detail", username=grant.user.username)
    return render(request, "access/grant_renew.html", {"grant": grant, "form": form})


@require_perm(ADMIN_PERM)
def expiring(request):
    return render(request, "access/expiring.html", {"grants": selectors.authorisation_expiring(days=30)})


@require_perm(ADMIN_PERM)
@require_http_methods(["GET", "POST"])
def user_edit(request, username=None):
    """A person's details; never their password (access.accounts). A new account gets its set-password link by
    e-mail at once."""
    person = get_object_or_404(User, username=username) if username else None
    own = person is not None and person.pk == request.user.pk
    form = UserForm(request.POST or None, instance=person)
    if request.method == "POST" and not own and form.is_valid():
        data = {field: form.cleaned_data[field] for field in form.Meta.fields}
        try:
            if person is None:
                saved = accounts.account_create(
                    created_by=request.user, data=data, site_url=request.build_absolute_uri("/")
                )
            else:
                saved = accounts.account_update(changed_by=request.user, user=person, data=data)
        except ValidationError as exc:
            _form_errors_from(exc, form)
        else:
            messages.success(request, _("Gebruiker opgeslagen."))
            if person is None and saved.is_active:
                messages.info(request, _("%(name)s krijgt per e-mail een link om een eigen wachtwoord in te stellen.")
                              % {"name": saved})
            return redirect("access:user_detail", username=saved.username)
    refusal = _("U kunt uw eigen account hier niet wijzigen; dat doet een andere beheerder.") if own else ""
    return render(request, "access/user_form.html", {"form": form, "person": person, "refusal": refusal})


@require_perm(ADMIN_PERM)
@require_POST
def user_password_link(request, username):
    """"Wachtwoordlink sturen": the person's password stops working, their sessions and API token end, and they get a
    one-time link at their own address. The administrator never sees the link."""
    person = get_object_or_404(User, username=username)
    try:
        accounts.password_link_send(sent_by=request.user, user=person, site_url=request.build_absolute_uri("/"))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _(
            "%(name)s krijgt per e-mail een link om een nieuw wachtwoord in te stellen. Het oude wachtwoord werkt niet "
            "meer; alle sessies en het API-token van deze persoon zijn beëindigd."
        ) % {"name": person})
    return redirect("access:user_detail", username=person.username)
