"""What every public form shares: field-specific "required" messages and an error summary.

After a failed submit the page opens with a summary (templates/_error_summary.html) that
takes focus and links to each field with its problem, so a long form does not read as a
column of identical "This field is required." (GOV.UK's error summary pattern).
"""

from dataclasses import dataclass

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

CHOICE_WIDGETS = (forms.RadioSelect, forms.Select, forms.CheckboxSelectMultiple)
LIST_WIDGETS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


@dataclass(frozen=True)
class SummaryError:
    anchor: str  # the id of the element to focus: the input, or a group's first option
    label: str
    message: str


def required_message(field: forms.Field):
    """The message for an empty required field, naming it."""
    if isinstance(field, forms.BooleanField):
        return _("Tick this box to continue.")
    if isinstance(field.widget, CHOICE_WIDGETS):
        return format_lazy(_("Choose an answer for “{field}”."), field=field.label)
    return format_lazy(_("Fill in “{field}”."), field=field.label)


class ErrorSummaryMixin:
    """Mix into a Form: names each field in its "required" message and lists errors for the summary."""

    def full_clean(self) -> None:
        # Here rather than in __init__: forms add fields (the ratings) after their super().__init__.
        for field in self.fields.values():  # type: ignore[attr-defined]
            field.error_messages["required"] = required_message(field)
        super().full_clean()  # type: ignore[misc]

    def summary_errors(self) -> list[SummaryError]:
        form: forms.Form = self  # type: ignore[assignment]
        errors = [SummaryError("", "", str(message)) for message in form.non_field_errors()]
        for bound in form:
            if not bound.errors:
                continue
            anchor = "" if bound.is_hidden else bound.auto_id  # a hidden field (the robot check): no link
            if anchor and isinstance(bound.field.widget, LIST_WIDGETS):
                anchor = f"{anchor}_0"
            errors.extend(SummaryError(anchor, str(bound.label), str(message)) for message in bound.errors)
        return errors
