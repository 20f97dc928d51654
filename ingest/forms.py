from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .formats import format_for


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Bestand"))

    def __init__(self, *args, source, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source
        fmt = format_for(source.format)
        self.extensions = tuple(fmt.accept_extensions)
        self.fields["file"].help_text = _(
            "Formaat: %(format)s. Bestandstypen: %(types)s. Ten hoogste %(mb)s MB."
        ) % {"format": source.get_format_display(), "types": ", ".join(self.extensions),
             "mb": settings.INGEST_MAX_UPLOAD_BYTES // (1024 * 1024)}
        self.fields["file"].widget.attrs["accept"] = ",".join(self.extensions)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.INGEST_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("Het bestand is groter dan de toegestane %(mb)s MB.")
                % {"mb": settings.INGEST_MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("Het bestand is leeg."))
        if not upload.name.lower().endswith(self.extensions):
            raise forms.ValidationError(
                _("Dit bestandstype wordt niet aangenomen; kies een bestand van het type %(types)s.")
                % {"types": ", ".join(self.extensions)}
            )
        return upload
