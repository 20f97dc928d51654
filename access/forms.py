from datetime import timedelta

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.text import visible_text

from .models import Department, User
from .roles import ROLES

# A purpose must say something: the same minimum as the purpose of an address search (signals.forms.PurposeField).
PURPOSE_MIN_LENGTH = 3
PURPOSE_ERROR = _("Beschrijf het doel en de grondslag: waarvoor deze persoon dit nodig heeft en op grond waarvan.")


class ISODateInput(forms.DateInput):
    """<input type="date"> shows and sends only ISO dates (YYYY-MM-DD), whatever the interface's date format; a
    value in the localised format (01-12-2026) would leave the field empty in the browser."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def one_year_ahead(day):
    """The last end date a grant may have when asked for on `day` (the services' rule: at most 12 months)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day + timedelta(days=365)


def date_bounds(field, *, first, last):
    """Let the browser's date picker offer only the dates the service would accept."""
    field.widget.attrs.update({"min": first.isoformat(), "max": last.isoformat()})


class VisiblePurposeField(forms.CharField):
    def to_python(self, value):
        """Counted and kept as a reader sees it: invisible characters do not make a purpose (core.text)."""
        return visible_text(super().to_python(value))


def purpose_field(**kwargs):
    return VisiblePurposeField(
        label=_("Doel en grondslag"),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=PURPOSE_MIN_LENGTH,
        error_messages={"required": PURPOSE_ERROR, "min_length": PURPOSE_ERROR},
        **kwargs,
    )


class GrantForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Gebruiker"), queryset=User.objects.filter(is_active=True))
    role = forms.ChoiceField(label=_("Rol"))
    scope = forms.ChoiceField(
        label=_("Reikwijdte"), required=False, help_text=_("Voor rollen die gelden voor één afdeling of één dashboard.")
    )
    purpose = purpose_field(help_text=_("Waarvoor heeft deze persoon dit nodig, en op grond waarvan (doelbinding)?"))
    valid_from = forms.DateField(label=_("Geldig vanaf"), widget=ISODateInput())
    valid_until = forms.DateField(
        label=_("Geldig tot en met"), widget=ISODateInput(), help_text=_("Ten hoogste 12 maanden vooruit.")
    )

    def __init__(self, *args, requested_by=None, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        last = one_year_ahead(today)
        self.fields["valid_from"].initial = today
        self.fields["valid_until"].initial = min(today + timedelta(days=180), last)
        date_bounds(self.fields["valid_from"], first=today, last=last)
        date_bounds(self.fields["valid_until"], first=today, last=last)
        if requested_by is not None:
            self.fields["user"].queryset = User.objects.filter(is_active=True).exclude(pk=requested_by.pk)
        self.fields["role"].choices = [("", "---------")] + [
            (role.code, role.label) for role in ROLES.values() if role.available
        ]
        choices = [("", "---------")]
        for role in ROLES.values():
            model = role.scope_model()
            if model is None:
                continue
            label = model._meta.verbose_name_plural.capitalize()
            if any(group == label for group, _opts in choices[1:]):
                continue
            choices.append((label, [(f"{model._meta.label}:{obj.pk}", str(obj)) for obj in model._default_manager.all()]))
        self.fields["scope"].choices = choices

    def clean_scope(self):
        value = self.cleaned_data.get("scope")
        if not value:
            return None
        label, _sep, pk = value.rpartition(":")
        for role in ROLES.values():
            model = role.scope_model()
            if model is not None and model._meta.label == label:
                obj = model._default_manager.filter(pk=pk).first()
                if obj is not None:
                    return obj
        raise forms.ValidationError(_("Onbekende reikwijdte."))


class LoginForm(AuthenticationForm):
    """The login form, with the username's length checked before anything is authenticated: Django's form does not,
    and django-axes then recorded the failed attempt of a 300-character name, which PostgreSQL refused (a server
    error; issue 12, finding 9)."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        limit = self.fields["username"].max_length
        if limit and len(username) > limit:  # shown as the form's own error, as the login page shows errors
            raise forms.ValidationError(
                _("Een gebruikersnaam heeft ten hoogste %(limit)d tekens.") % {"limit": limit}, code="too_long"
            )
        return super().clean()


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Toelichting"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reden van intrekking"), widget=forms.Textarea(attrs={"rows": 3}))


class RenewForm(forms.Form):
    valid_until = forms.DateField(
        label=_("Nieuwe einddatum"), widget=ISODateInput(), help_text=_("Ten hoogste 12 maanden vooruit.")
    )
    purpose = purpose_field(required=False, help_text=_("Leeg laten om het huidige doel over te nemen."))

    def __init__(self, *args, grant, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        last = one_year_ahead(today)
        # The new end date lies after the current one; proposed: the furthest date allowed.
        self.fields["valid_until"].initial = last
        date_bounds(self.fields["valid_until"], first=max(grant.valid_until + timedelta(days=1), today), last=last)


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("Zoek op naam of gebruikersnaam"), required=False)
    department = forms.ModelChoiceField(label=_("Afdeling"), queryset=Department.objects.all(), required=False)


class UserForm(forms.ModelForm):
    """A person's details. No password field: an administrator never chooses another person's password; the person
    sets it through a one-time link at their own e-mail address (access.accounts)."""

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "department", "job_title", "phone", "is_active"]
        help_texts = {
            "email": _("Het eigen, zakelijke adres van deze persoon: daar gaat de link om een wachtwoord in te stellen "
                       "naartoe. Bij een wijziging krijgt het oude adres bericht."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
