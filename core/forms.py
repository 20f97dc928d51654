"""The form renderer: Django's own widget templates in their Jinja2 version, with the Django template engine as
fallback for widget templates that exist only there (the admin's).

Every form field on every page is rendered through these templates; the Jinja2 versions, which Django ships
for exactly this, render the same HTML several times faster (the three fields of the address search took more
than a millisecond with the Django template versions).
"""
from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class FormRenderer(BaseRenderer):
    def __init__(self):
        self.jinja2 = Jinja2()
        self.django = DjangoTemplates()

    def get_template(self, template_name):
        try:
            return self.jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return self.django.get_template(template_name)
