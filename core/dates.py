"""Date fields for filters and periods that refuse dates no one means (issue 12, finding 9).

`since=0001-01-01` or `until=9999-12-31` on the audit pages passed Django's DateField and then overflowed: the start of
that day made time-zone aware, or the day after it, lies outside what Python's datetime can hold (a server error).
A date a person can mean lies between EARLIEST and LATEST; anything else is a form error with a clear message.
"""
import datetime as dt

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2999, 12, 31)


def validate_date_in_range(value):
    if value is not None and not EARLIEST <= value <= LATEST:
        raise ValidationError(date_range_message(), code="date_out_of_range")


class BoundedDateField(forms.DateField):
    default_validators = [validate_date_in_range]


class BoundedDateFilter(django_filters.DateFilter):
    field_class = BoundedDateField


def date_range_message() -> str:
    return _("Kies een datum tussen %(first)s en %(last)s.") % {
        "first": formats.date_format(EARLIEST), "last": formats.date_format(LATEST)}
