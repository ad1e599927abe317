"""Text people type: normalised to NFC, with markup and invisible characters refused, in every form."""

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _


def clean_text(value: str, *, multiline: bool = False, max_length: int | None = None) -> str:
    """Normalise to NFC (so "Ș" is one letter however it was typed) and refuse markup and hidden characters.

    NFC can lengthen a value (U+0958 becomes two code points), so max_length is
    checked again here, after the field's own check on the raw input.
    """
    value = unicodedata.normalize("NFC", value).strip()
    if max_length is not None:
        MaxLengthValidator(max_length)(value)
    if "<" in value or ">" in value:
        raise ValidationError(_("Please leave out < and > (no HTML or script)."), code="markup")
    allowed_controls = {"\n", "\r", "\t"} if multiline else set()
    for char in value:
        if char in allowed_controls:
            continue
        # Cc: control characters; Cf: invisible formatting such as bidi overrides and zero-width joiners.
        if unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"}:
            raise ValidationError(_("Please remove invisible or control characters."), code="control")
    return value


class TextField(forms.CharField):
    def __init__(self, *args, multiline=False, **kwargs):
        self.multiline = multiline
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return clean_text(value, multiline=self.multiline, max_length=self.max_length) if value else value
