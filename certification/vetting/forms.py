"""The admin's forms for recording a check and adding evidence: input parsing only.

The result and score are computed, and every rule applied, by services.record_check
and services.add_evidence; their messages are shown on the form.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from nominations.models import QUALITIES, Channel

from ..models import Check, CheckKind
from . import scoring

SCORE_CHOICES = [("", "–")] + [(str(n), str(n)) for n in range(1, 6)]
CHARTER_FIELDS = [name for name, _label in scoring.CHARTER_ITEMS]
FIVE_AS_FIELDS = [name for name, _label in scoring.FIVE_AS]
QUALITY_FIELDS = [name for name, _label in QUALITIES]
INPUT_FIELDS = [
    "not_applicable",
    "active",
    *CHARTER_FIELDS,
    "sample_size",
    "satisfied",
    *FIVE_AS_FIELDS,
    *QUALITY_FIELDS,
]

# The record page's sections, one per kind of check; only the one for the chosen kind is read.
FIELDSETS = [
    (None, {"fields": ["kind", "channel", "not_applicable", "notes"]}),
    (_("Registration"), {"fields": ["active"]}),
    (_("Customer-service charter"), {"fields": CHARTER_FIELDS}),
    (_("Complaint handling: the five A's, 1 to 5, over the sample"), {"fields": ["sample_size", *FIVE_AS_FIELDS]}),
    (_("Mystery shopping on the channel: the five qualities, 1 to 5"), {"fields": QUALITY_FIELDS}),
    (_("Customer survey (uses the sample size)"), {"fields": ["satisfied"]}),
]


class CheckFormBase(forms.Form):
    """What the auditor found; the result and score are computed from it (vetting.scoring)."""

    kind = forms.ChoiceField(
        label=_("check"),
        choices=[("", "–"), *CheckKind.choices],
        help_text=_("Fill in the section of this check; the other sections are ignored."),
    )
    channel = forms.ChoiceField(label=_("channel"), choices=[("", "–"), *Channel.choices], required=False)
    not_applicable = forms.BooleanField(label=_("not applicable to this firm"), required=False)
    notes = forms.CharField(
        label=_("notes"),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
        max_length=Check._meta.get_field("notes").max_length,
        required=False,
    )
    active = forms.BooleanField(label=_("registered and active under its registration number"), required=False)
    sample_size = forms.IntegerField(label=_("sample size"), required=False, min_value=1, max_value=100000)
    satisfied = forms.IntegerField(
        label=_("satisfied customers (survey)"), required=False, min_value=0, max_value=100000
    )

    @classmethod
    def initial_from(cls, check: Check) -> dict:
        """The form as the check was recorded, for a correction."""
        return {"kind": check.kind, "channel": check.channel, "notes": check.notes, **(check.details or {})}

    def inputs(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in INPUT_FIELDS}


# The charter items and the 1-5 grades, declared from the data in vetting.scoring.
CheckForm = type(
    "CheckForm",
    (CheckFormBase,),
    {
        **{name: forms.BooleanField(label=label, required=False) for name, label in scoring.CHARTER_ITEMS},
        **{
            name: forms.TypedChoiceField(
                label=label, choices=SCORE_CHOICES, coerce=int, empty_value=None, required=False
            )
            for name, label in (*scoring.FIVE_AS, *QUALITIES)
        },
        "__module__": __name__,
    },
)


class EvidenceForm(forms.Form):
    """One file; its type, size and content are checked by services.add_evidence."""

    file = forms.FileField(label=_("file (PDF or image)"))
