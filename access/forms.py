from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Department, User
from .roles import ROLES


class GrantForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Gebruiker"), queryset=User.objects.filter(is_active=True))
    role = forms.ChoiceField(label=_("Rol"))
    scope = forms.ChoiceField(
        label=_("Reikwijdte"), required=False, help_text=_("Voor rollen die gelden voor één afdeling of één dashboard.")
    )
    purpose = forms.CharField(
        label=_("Doel en grondslag"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Waarvoor heeft deze persoon dit nodig, en op grond waarvan (doelbinding)?"),
    )
    valid_from = forms.DateField(label=_("Geldig vanaf"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(
        label=_("Geldig tot en met"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Ten hoogste 12 maanden vooruit."),
    )

    def __init__(self, *args, requested_by=None, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["valid_from"].initial = today
        self.fields["valid_until"].initial = today + timedelta(days=180)
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


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Toelichting"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reden van intrekking"), widget=forms.Textarea(attrs={"rows": 3}))


class RenewForm(forms.Form):
    valid_until = forms.DateField(
        label=_("Nieuwe einddatum"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Ten hoogste 12 maanden vooruit."),
    )
    purpose = forms.CharField(
        label=_("Doel en grondslag"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
        help_text=_("Leeg laten om het huidige doel over te nemen."),
    )


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("Zoek op naam of gebruikersnaam"), required=False)
    department = forms.ModelChoiceField(label=_("Afdeling"), queryset=Department.objects.all(), required=False)


class UserForm(forms.ModelForm):
    password = forms.CharField(
        label=_("Wachtwoord"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Alleen invullen om een (nieuw) wachtwoord in te stellen; minimaal 12 tekens."),
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "department", "job_title", "phone", "is_active"]
