"""Form fields that refuse ids no database column can hold (issue 12, finding 9): a model choice of
99999999999999999999999 reached the query and SQLite raised OverflowError (PostgreSQL: integer out of range)."""
from django import forms

BIGINT_MAX = 2**63 - 1


def _fits(value) -> bool:
    text = str(value).strip()
    return text.isdigit() and int(text) <= BIGINT_MAX


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """ModelMultipleChoiceField for integer keys: a value that is not an id the database can hold is an invalid
    choice, before any query."""

    def clean(self, value):
        values = self.prepare_value(value)
        if isinstance(values, (list, tuple)):
            for pk in values:
                if pk not in self.empty_values and not _fits(pk):
                    raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                                params={"pk": str(pk)[:40]})
        return super().clean(value)
