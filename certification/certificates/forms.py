from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from portal.forms import ErrorSummaryMixin
from portal.text import TextField

from ..models import SERIAL_MAX_LENGTH


class SerialForm(ErrorSummaryMixin, forms.Form):
    serial = forms.CharField(
        label=_("Certificate serial"),
        max_length=SERIAL_MAX_LENGTH,
        help_text=_("As printed on the certificate, like CF-PL26-ABCD-EFGH-JKLM-NPQR."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_serial(self):
        return self.cleaned_data["serial"].strip().upper()


class RevocationForm(forms.Form):
    # Published on the verification page and in its JSON: no markup, no hidden characters.
    reason = TextField(
        multiline=True,
        label=_("reason for revocation"),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
        max_length=2000,
    )


class FirmLoginForm(ErrorSummaryMixin, AuthenticationForm):
    """A firm signs in with its contact e-mail, which its account stores in lower case."""

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()
