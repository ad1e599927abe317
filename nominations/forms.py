"""Input validation only: lengths, content and formats. Rules live in services."""

import unicodedata
from dataclasses import dataclass

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from portal.forms import ErrorSummaryMixin
from portal.text import TextField, clean_text

from . import challenge, registration
from .emails import InvalidEmailAddress, parse_address
from .models import QUALITIES, Category, Channel, Edition

RATING_CHOICES = [(i, str(i)) for i in range(1, 6)]


def validate_email_address(value: str) -> None:
    try:
        parse_address(value)
    except InvalidEmailAddress as error:
        raise ValidationError(error.args[0], code=error.code) from None


class EmailAddressField(forms.CharField):
    """An e-mail address as typed (in NFC), its syntax checked by email-validator (nominations.emails)."""

    widget = forms.EmailInput
    default_validators = [validate_email_address]

    def to_python(self, value):
        return unicodedata.normalize("NFC", super().to_python(value))


class HoneypotMixin(forms.Form):
    # Hidden from people by CSS; a bot that fills every field fills this one too.
    # Out of the Tab order and never autofilled: its wrapper is aria-hidden, and a focusable
    # element inside aria-hidden would be a silent Tab stop for screen-reader users.
    homepage = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("homepage"))


class ChallengeMixin(forms.Form):
    """The proof of work (nominations.challenge) and the signed time the form was shown.

    The widget writes its own hidden `altcha` input; the field here only carries the
    error, under a label a person understands. `proof` is set once the form is valid.
    """

    altcha = forms.CharField(required=False, label=_("Check that you are not a robot"), widget=forms.HiddenInput)
    form_opened = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, edition: Edition, **kwargs):
        super().__init__(*args, **kwargs)
        self.edition = edition
        self.proof: challenge.Proof | None = None

    @property
    def opened_stamp(self) -> str:
        """The stamp to render: the posted one while it is valid (the form stays open), else a new one."""
        posted = self.data.get("form_opened") if self.is_bound else None
        try:
            challenge.form_seconds(posted)
        except challenge.ChallengeRefused:
            return challenge.form_stamp()
        return str(posted)

    def clean(self):
        cleaned = super().clean()
        try:
            self.proof = challenge.check(
                payload=self.data.get("altcha"), stamp=self.data.get("form_opened"), edition=self.edition
            )
        except challenge.ChallengeRefused as refused:
            self.add_error("altcha", ValidationError(refused.message, code="challenge"))
        return cleaned


class NominationForm(ErrorSummaryMixin, ChallengeMixin, HoneypotMixin, forms.Form):
    category = forms.ModelChoiceField(queryset=Category.objects.none(), label=_("Category"), empty_label=None)
    # autocomplete="off" on the firm's details: they describe the firm, not the person typing.
    firm_name = TextField(
        label=_("Firm name"), min_length=2, max_length=160, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    city = TextField(
        label=_("City or branch"), min_length=2, max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    website = forms.URLField(
        label=_("Website"),
        required=False,
        max_length=200,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        widget=forms.URLInput(attrs={"autocomplete": "off"}),
    )
    registration_number = forms.CharField(
        label=_("Registration number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    channel = forms.ChoiceField(label=_("How did you contact them?"), choices=Channel.choices, widget=forms.RadioSelect)
    reason = TextField(
        label=_("Why do they deserve it?"),
        min_length=10,
        max_length=1000,
        multiline=True,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 1000, "autocomplete": "off"}),
    )

    def __init__(self, *args, edition: Edition, **kwargs):
        super().__init__(*args, edition=edition, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(edition=edition)
        self.fields["registration_number"].help_text = registration.help_text(edition.country)
        self.registration_country = edition.country
        for quality, label in QUALITIES:
            self.fields[f"rating_{quality}"] = forms.TypedChoiceField(
                label=label, choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect(attrs={"class": "rating"})
            )
        self.order_fields(
            ["category", "firm_name", "city", "website", "registration_number", "channel"]
            + [f"rating_{q}" for q, _label in QUALITIES]
            + ["reason", "homepage", "altcha", "form_opened"]
        )
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_registration_number(self) -> str:
        try:
            self.registration_country, number = registration.identify(
                self.cleaned_data["registration_number"], edition_country=self.edition.country
            )
            return number
        except registration.InvalidRegistrationNumber as error:
            raise ValidationError(error.args[0], code="registration") from None

    def ratings(self) -> dict[str, int]:
        return {q: self.cleaned_data[f"rating_{q}"] for q, _label in QUALITIES}


@dataclass(frozen=True)
class VoteInput:
    """A valid vote form's cleaned values (VoteForm.accepted)."""

    email: str
    proof: challenge.Proof
    is_bot: bool


class VoteForm(ErrorSummaryMixin, ChallengeMixin, HoneypotMixin, forms.Form):
    nominee = forms.ChoiceField(
        label=_("Your choice"),
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("This nominee does not exist in this category.")},
    )
    email = EmailAddressField(
        label=_("Your e-mail address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    consent = forms.BooleanField(
        label=_("I agree that my e-mail address is used to confirm this vote and to send me its receipt."),
        required=True,
    )

    def __init__(self, *args, nominees, edition: Edition, **kwargs):
        """nominees: those a vote may be for; a POST needs only the chosen one (see show_nominees)."""
        super().__init__(*args, edition=edition, **kwargs)
        self.show_nominees(nominees)
        self.order_fields(["nominee", "email", "consent", "homepage", "altcha", "form_opened"])
        self.helper = FormHelper()
        self.helper.form_tag = False

    @classmethod
    def accepted(cls, data, *, nominee, edition: Edition) -> VoteInput | None:
        """What the form, offering this one nominee, would accept from `data`; None whenever it would not.

        The vote POST's hot path: the same fields' own cleaning and the same proof-of-work
        check, without building a form (copying its fields and widgets) for a submission that
        is valid. On None the caller builds the form, which finds and words the errors.
        """
        if data.get("nominee") != str(nominee.pk):  # the choice field's one valid value
            return None
        fields = {name: field for name, field in cls.base_fields.items() if name != "nominee"}
        try:
            cleaned = {
                name: field.clean(field.widget.value_from_datadict(data, {}, name)) for name, field in fields.items()
            }
            proof = challenge.check(payload=data.get("altcha"), stamp=data.get("form_opened"), edition=edition)
        except (ValidationError, challenge.ChallengeRefused):
            return None
        return VoteInput(email=cleaned["email"], proof=proof, is_bot=bool(data.get("homepage")))

    def show_nominees(self, nominees) -> None:
        """Offer these nominees; after validation, only changes what the form shows."""
        self._nominees = {str(n.pk): n for n in nominees}
        self.fields["nominee"].choices = [(str(n.pk), n.firm.name) for n in nominees]

    def clean_nominee(self):
        return self._nominees[self.cleaned_data["nominee"]]


class ReceiptForm(ErrorSummaryMixin, forms.Form):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=20,
        min_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_code(self) -> str:
        code = clean_text(self.cleaned_data["code"], max_length=20).upper()
        if not all(c.isascii() and (c.isalnum() or c in "- ") for c in code):
            raise ValidationError(_("A receipt code has letters, digits and dashes only."), code="invalid")
        return code


class AmendmentForm(forms.Form):
    # Published on the results page ("amended on … because …"): no markup, no hidden characters.
    reason = TextField(
        multiline=True,
        label=_("reason for the amendment (published)"),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
        max_length=2000,
    )
