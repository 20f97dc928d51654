from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.text import visible_text

from . import selectors
from .models import Category

MAX_UPLOAD_BYTES = 2 * 1024 * 1024


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PurposeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Doel van de zoekvraag"))
        kwargs.setdefault("help_text", _("Zaaknummer of reden. Verplicht: elke zoekvraag wordt vastgelegd."))
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("min_length", 3)
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Vul het doel van deze zoekvraag in: een zaaknummer of de reden van uw zoekvraag."),
                "min_length": _("Vul het doel van deze zoekvraag in: een zaaknummer of de reden van uw zoekvraag."),
            },
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        """Counted and kept as a reader sees it: invisible characters do not make a purpose (core.text)."""
        return visible_text(super().to_python(value))


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Adres"),
        max_length=120,
        help_text=_("Postcode en huisnummer (5038 AB 12a) of straat en huisnummer, eventueel met plaats."),
        error_messages={"required": _("Vul een adres in.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "list": "address-suggestions", "data-suggest": "1", "spellcheck": "false"}
        ),
    )
    purpose = PurposeField()
    address_id = forms.IntegerField(required=False, widget=forms.HiddenInput)


class AddressField(forms.CharField):
    """A text field for one address; the form resolves it to exactly one BAG address."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Adres"))
        kwargs.setdefault("max_length", 120)
        kwargs.setdefault("help_text", _("Postcode en huisnummer, bijvoorbeeld 1311 AB 12a."))
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off", "list": "address-suggestions",
                                                           "data-suggest": "1"}))
        super().__init__(**kwargs)


class SignalForm(forms.Form):
    address = AddressField()
    category = forms.ModelChoiceField(label=_("Categorie"), queryset=Category.objects.none(),
                                      empty_label=_("Kies een categorie"))
    details = forms.CharField(
        label=_("Toelichting"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Alleen zichtbaar voor signaalfunctionarissen van uw afdeling."),
    )
    contact_officer = forms.ModelChoiceField(label=_("Contactpersoon"), queryset=None,
                                             empty_label=_("Kies een contactpersoon"))
    case_reference = forms.CharField(label=_("Zaaknummer"), required=False, max_length=80)
    contact_before_acting = forms.BooleanField(
        label=_("Andere afdelingen moeten eerst contact opnemen voordat zij actie ondernemen"), required=False
    )
    notify_on_search = forms.BooleanField(
        label=_("Stuur mij een melding als een andere afdeling dit adres zoekt"), required=False
    )
    valid_until = forms.DateField(
        label=_("Geldig tot en met"),
        widget=DateInput(),
        help_text=_("Standaard 12 maanden, ten hoogste %(max)s maanden.") % {"max": settings.SIGNAL_MAX_VALID_MONTHS},
    )

    def __init__(self, *args, department, include_address=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.department = department
        self.fields["category"].queryset = Category.objects.filter(department=department, active=True)
        self.fields["contact_officer"].queryset = selectors.department_officers(department=department)
        self.fields["contact_officer"].label_from_instance = lambda u: u.get_full_name() or u.username
        if not include_address:
            del self.fields["address"]
        self.resolved_address = None
        self.address_candidates = []

    def clean_address(self):
        from areas.selectors import address_search

        text = self.cleaned_data["address"]
        found = address_search(q=text, limit=10)
        if found.kind == "exact":
            self.resolved_address = found.addresses[0]
            return text
        self.address_candidates = found.addresses
        raise forms.ValidationError(found.message or _("Adres niet gevonden."))


class SignalEditForm(SignalForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, include_address=False, **kwargs)
        del self.fields["valid_until"]


class ExtendForm(forms.Form):
    valid_until = forms.DateField(label=_("Nieuwe einddatum"), widget=DateInput())


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden van beëindigen"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        error_messages={"required": _("Geef een reden voor het beëindigen van het signaal.")},
    )


class RegisterFilterForm(forms.Form):
    STATUS_CHOICES = [("active", _("Actief")), ("closed", _("Beëindigd")), ("expired", _("Verlopen")), ("all", _("Alle"))]
    SORT_CHOICES = [
        ("-valid_from", _("Nieuwste eerst")),
        ("valid_from", _("Oudste eerst")),
        ("valid_until", _("Eerst aflopend")),
        ("address", _("Adres")),
    ]
    SORT_FIELDS = {
        "-valid_from": ("-valid_from", "-id"),
        "valid_from": ("valid_from", "id"),
        "valid_until": ("valid_until", "id"),
        "address": ("address__street", "address__number", "address__letter", "address__addition", "id"),
    }
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    category = forms.ModelChoiceField(label=_("Categorie"), queryset=Category.objects.none(), required=False,
                                      empty_label=_("Alle categorieën"))
    q = forms.CharField(label=_("Zoek adres of zaaknummer"), required=False, max_length=120)
    sort = forms.ChoiceField(label=_("Sorteer"), choices=SORT_CHOICES, required=False)

    def __init__(self, *args, department, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this department's own catalogue: another department's category id is simply not a valid choice.
        self.fields["category"].queryset = Category.objects.filter(department=department)

    def ordering(self):
        key = self.cleaned_data.get("sort") if self.is_bound and self.is_valid() else None
        return self.SORT_FIELDS.get(key or "-valid_from")


HIT_REPORT_THRESHOLD_ERROR = _(
    "Vul %(limit_value)s of meer in: de uitdraai toont alleen adressen met signalen van meerdere afdelingen."
)


class HitReportForm(forms.Form):
    min_departments = forms.IntegerField(
        label=_("Minimaal aantal afdelingen"), min_value=selectors.HIT_REPORT_MIN_DEPARTMENTS, max_value=20,
        required=False, error_messages={"min_value": HIT_REPORT_THRESHOLD_ERROR},
    )
    wijk = forms.ChoiceField(label=_("Wijk"), required=False)
    buurt = forms.ChoiceField(label=_("Buurt"), required=False)

    def __init__(self, *args, **kwargs):
        from areas.models import Buurt, Wijk

        super().__init__(*args, **kwargs)
        self.fields["min_departments"].initial = selectors.hit_report_threshold()
        self.fields["wijk"].choices = [("", _("Alle wijken"))] + list(Wijk.objects.values_list("code", "name"))
        self.fields["buurt"].choices = [("", _("Alle buurten"))] + [
            (code, f"{name} ({wijk})") for code, name, wijk in Buurt.objects.values_list("code", "name", "wijk__name")
        ]

    def filters(self):
        """The filters to report with; only call on a valid (or unbound) form: an invalid one reports nothing."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "min_departments": selectors.hit_report_threshold(data.get("min_departments")),
            "wijk": data.get("wijk") or None,
            "buurt": data.get("buurt") or None,
        }


class BulkCheckForm(forms.Form):
    file = forms.FileField(
        label=_("CSV-bestand met adressen"),
        help_text=_(
            "Eén adres per regel (kolom ‘adres’), of kolommen ‘postcode’ en ‘huisnummer’ (en eventueel "
            "‘huisletter’, ‘toevoeging’). Ten hoogste %(max)s adressen."
        )
        % {"max": settings.SIGNAL_BULK_MAX_ROWS},
    )
    purpose = PurposeField(label=_("Doel van de controle"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Het bestand is te groot (ten hoogste 2 MB)."))
        raw = upload.read()
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise forms.ValidationError(_("Het bestand is geen leesbaar CSV-bestand."))
