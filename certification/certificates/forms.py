from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.template.defaultfilters import filesizeformat
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


class UploadForm(forms.Form):
    """A file to verify (certificate PDF, logo PNG or SVG, credential JSON or JWT), or a credential pasted as text."""

    file = forms.FileField(
        label=_("Certificate file"),
        required=False,
        help_text=_("The certificate PDF, a logo from the logo pack (PNG or SVG), or a credential (JSON or JWT)."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.png,.svg,.json,.jwt,application/pdf,image/png,image/svg+xml,application/json"}
        ),
    )
    credential = forms.CharField(
        label=_("Or paste a credential"),
        required=False,
        help_text=_("The credential as JSON, or as a JWT (it starts with eyJ)."),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"}),
    )

    @property
    def limit(self) -> int:
        return settings.VERIFY_UPLOAD_MAX_BYTES

    def clean(self):
        cleaned = super().clean()
        upload, pasted = cleaned.get("file"), (cleaned.get("credential") or "").strip()
        limit = settings.VERIFY_UPLOAD_MAX_BYTES
        if upload is not None:
            if upload.size > limit:
                raise forms.ValidationError(
                    _("This file is %(size)s; the largest we check is %(limit)s.")
                    % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
                )
            cleaned["data"] = upload.read(limit + 1)
        elif pasted:
            if len(pasted.encode()) > limit:
                raise forms.ValidationError(_("The pasted text is too long to be a credential."))
            cleaned["data"] = pasted.encode()
        else:
            raise forms.ValidationError(_("Choose a file, or paste a credential."))
        if not cleaned["data"]:
            raise forms.ValidationError(_("The file is empty."))
        return cleaned


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
