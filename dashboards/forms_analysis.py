"""Forms of the analysis pages."""
import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from areas.models import Buurt, Wijk

from .models import Theme
from .selectors.analysis import CELL_SIZES, DEFAULT_CELL_SIZE


class AlertSubscriptionForm(forms.Form):
    theme = forms.ModelChoiceField(label=_("Thema"), queryset=Theme.objects.none())
    wijk = forms.ModelChoiceField(label=_("Wijk"), queryset=Wijk.objects.none(), required=False,
                                  empty_label=_("– hele gemeente –"))
    buurt = forms.ModelChoiceField(label=_("Buurt"), queryset=Buurt.objects.none(), required=False,
                                   empty_label=_("– geen, de wijk of de hele gemeente –"),
                                   help_text=_("Kies een wijk óf een buurt; laat beide leeg voor de hele gemeente."))
    by_email = forms.BooleanField(label=_("Ook per e-mail"), required=False, initial=True)

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = Theme.objects.order_by("name")
        self.fields["wijk"].queryset = Wijk.objects.filter(municipality=municipality).order_by("name")
        self.fields["buurt"].queryset = (Buurt.objects.filter(wijk__municipality=municipality)
                                         .select_related("wijk").order_by("name"))
        self.fields["buurt"].label_from_instance = lambda b: f"{b.name} ({b.wijk.name})"

    def clean(self):
        data = super().clean()
        if data.get("wijk") and data.get("buurt") and data["buurt"].wijk_id != data["wijk"].pk:
            raise forms.ValidationError(_("De gekozen buurt ligt niet in de gekozen wijk."))
        return data


class HotspotForm(forms.Form):
    """The hotspot page's own settings beside the figure filter (source, themes, from, to)."""

    cell = forms.TypedChoiceField(label=_("Celgrootte"), coerce=int, required=False,
                                  choices=[(size, _("%(size)s m") % {"size": size}) for size in CELL_SIZES])

    def cell_size(self):
        return self.cleaned_data.get("cell") or DEFAULT_CELL_SIZE


class DagrapportForm(forms.Form):
    datum = forms.DateField(label=_("Datum"), required=False, input_formats=["%Y-%m-%d"],
                            widget=forms.DateInput(attrs={"type": "date"}),
                            help_text=_("Leeg: de laatste 24 uur."))

    def clean_datum(self):
        day = self.cleaned_data.get("datum")
        if day and day > datetime.date.today() + datetime.timedelta(days=1):
            raise forms.ValidationError(_("Kies een datum die niet in de toekomst ligt."))
        return day
