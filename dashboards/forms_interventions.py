"""Forms of the intervention and target pages: they only collect input; the services validate and write."""
import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from areas.models import Buurt
from core.fields import BoundedModelMultipleChoiceField

from .models import Category, Intervention, Source, Theme


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class BuurtChoiceField(BoundedModelMultipleChoiceField):
    def label_from_instance(self, buurt):
        return f"{buurt.name} ({buurt.code}, {buurt.wijk.name})"


class InterventionForm(forms.Form):
    name = forms.CharField(label=_("Naam"), max_length=160)
    kind = forms.ChoiceField(label=_("Soort maatregel"), choices=Intervention.Kind.choices)
    buurten = BuurtChoiceField(
        label=_("Buurten"), queryset=Buurt.objects.none(),
        help_text=_("De buurten waar de maatregel geldt. Houd Ctrl (of Cmd) ingedrukt om er meer te kiezen."),
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )
    start = forms.DateField(label=_("Start"), widget=DateInput())
    end = forms.DateField(label=_("Einde"), required=False, widget=DateInput(),
                          help_text=_("Leeg: loopt nog."))
    themes = BoundedModelMultipleChoiceField(
        label=_("Doelthema's"), queryset=Theme.objects.order_by("name"), required=False,
        widget=forms.CheckboxSelectMultiple)
    categories = BoundedModelMultipleChoiceField(
        label=_("Doelcategorieën"), required=False,
        queryset=Category.objects.filter(is_total=False).order_by("code"),
        help_text=_("Thema's en categorieën samen bepalen wat er wordt geteld; niets gekozen: alle soorten."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    description = forms.CharField(label=_("Omschrijving"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buurten"].queryset = (
            Buurt.objects.filter(wijk__municipality=municipality).select_related("wijk").order_by("name"))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("De einddatum ligt vóór de startdatum."))
        return data


def _year_choices():
    this_year = datetime.date.today().year
    return [(year, year) for year in range(this_year + 10, 2009, -1)]


class TargetForm(forms.Form):
    theme = forms.ModelChoiceField(label=_("Thema"), queryset=Theme.objects.order_by("name"))
    source = forms.ModelChoiceField(
        label=_("Bron"),
        queryset=Source.objects.filter(granularity=Source.Granularity.INCIDENT, address_level=False).order_by("code"))
    baseline_year = forms.TypedChoiceField(label=_("Basisjaar"), coerce=int, choices=_year_choices)
    target_year = forms.TypedChoiceField(label=_("Doeljaar"), coerce=int, choices=_year_choices)
    change_percent = forms.DecimalField(
        label=_("Verandering (%)"), max_digits=5, decimal_places=1, min_value=-100, max_value=1000,
        help_text=_("Negatief is een daling: -10 betekent 10% minder dan in het basisjaar."))
    note = forms.CharField(label=_("Toelichting"), required=False, max_length=300)
