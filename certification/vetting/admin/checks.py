"""Checks in the admin: recording them through the service, their evidence files.

Admin classes only parse input and call services (vetting.services); the rules live there.
"""

from django import forms
from django.contrib import admin, messages
from django.http import FileResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from nominations.models import QUALITIES, NomineeState

from ...exceptions import VettingError
from ...models import Check, Evidence
from .. import scoring, selectors, services

SCORE_CHOICES = [("", "–")] + [(str(n), str(n)) for n in range(1, 6)]
CHARTER_FIELDS = [name for name, _label in scoring.CHARTER_ITEMS]
FIVE_AS_FIELDS = [name for name, _label in scoring.FIVE_AS]
QUALITY_FIELDS = [name for name, _label in QUALITIES]
INPUT_FIELDS = ["not_applicable", "active", *CHARTER_FIELDS, "sample_size", "satisfied", *FIVE_AS_FIELDS, *QUALITY_FIELDS]


class CheckFormBase(forms.ModelForm):
    """What the auditor found; the result and score are computed from it (certification.scoring)."""

    not_applicable = forms.BooleanField(label=_("not applicable to this firm"), required=False)
    active = forms.BooleanField(label=_("registered and active under its registration number"), required=False)
    sample_size = forms.IntegerField(label=_("sample size"), required=False, min_value=1, max_value=100000)
    satisfied = forms.IntegerField(label=_("satisfied customers (survey)"), required=False, min_value=0, max_value=100000)

    class Meta:
        model = Check
        fields = ("nominee", "kind", "channel", "notes")
        widgets = {"notes": forms.Textarea(attrs={"rows": 4, "maxlength": 2000})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "nominee" in self.fields:
            self.fields["nominee"].queryset = self.fields["nominee"].queryset.filter(state=NomineeState.UNDER_REVIEW)
        if self.instance.pk:
            for name, value in (self.instance.details or {}).items():
                if name in self.fields:
                    self.initial[name] = value

    def inputs(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in INPUT_FIELDS}

    def clean(self):
        data = super().clean()
        kind = data.get("kind") or self.instance.kind
        if kind:
            try:
                scoring.evaluate(kind=kind, inputs=self.inputs(), survey_threshold=100, pending_flags=0, settled_flags=0)
            except VettingError as error:
                raise forms.ValidationError(error.message) from None
        return data


# The charter items and the 1-5 grades, declared from the data in certification.scoring.
CheckForm = type(
    "CheckForm",
    (CheckFormBase,),
    {
        **{name: forms.BooleanField(label=label, required=False) for name, label in scoring.CHARTER_ITEMS},
        **{
            name: forms.TypedChoiceField(label=label, choices=SCORE_CHOICES, coerce=int, empty_value=None, required=False)
            for name, label in (*scoring.FIVE_AS, *QUALITIES)
        },
        "__module__": __name__,
    },
)


class EvidenceInline(admin.TabularInline):
    """Upload only; existing files are listed on the check with staff-only download links."""

    model = Evidence
    fk_name = "check_record"
    fields = ("file",)
    extra = 1
    can_delete = False
    verbose_name_plural = _("add evidence (PDF or image)")

    def get_queryset(self, request):
        return Evidence.objects.none()

    def has_add_permission(self, request, obj=None):
        own = obj is None or obj.recorded_by_id == request.user.pk
        return own and request.user.has_perm("certification.add_evidence")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Check)
class CheckAdmin(admin.ModelAdmin):
    form = CheckForm
    list_display = ("nominee", "kind", "channel", "result", "score", "recorded_by", "recorded_at")
    list_filter = ("kind", "result", "nominee__edition", "nominee__category")
    search_fields = ("nominee__firm__name", "nominee__firm__registration_number")
    list_select_related = ("nominee__firm", "nominee__category", "recorded_by")
    autocomplete_fields = ("nominee",)
    inlines = [EvidenceInline]
    readonly_fields = ("result", "score", "recorded_by", "recorded_at", "evidence_files")

    def get_fieldsets(self, request, obj=None):
        return [
            (None, {"fields": ["nominee", "kind", "channel", "not_applicable", "notes"]}),
            (_("Registration"), {"fields": ["active"]}),
            (_("Customer-service charter"), {"fields": CHARTER_FIELDS}),
            (_("Complaint handling: the five A's, 1 to 5, over the sample"), {"fields": ["sample_size", *FIVE_AS_FIELDS]}),
            (_("Mystery shopping on the channel: the five qualities, 1 to 5"), {"fields": QUALITY_FIELDS}),
            (_("Customer survey (uses the sample size)"), {"fields": ["satisfied"]}),
            (
                _("Outcome (computed; vote integrity is read from the fraud flags)"),
                {"fields": ["result", "score", "recorded_by", "recorded_at", "evidence_files"]},
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["nominee", "kind", "channel"]
        return fields

    def has_change_permission(self, request, obj=None):
        # Only the auditor who recorded a check may correct it (superusers included).
        if obj is not None and obj.recorded_by_id != request.user.pk:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("evidence"))
    def evidence_files(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a> ({}, {} B)',
            (
                (reverse("admin:certification_evidence_download", args=[e.pk]), e.original_name, e.content_type, e.size)
                for e in obj.evidence.all()
            ),
        )
        return links or "–"

    def save_model(self, request, obj, form, change):
        saved = services.record_check(
            nominee=obj.nominee,
            kind=obj.kind,
            channel=obj.channel,
            inputs=form.inputs(),
            notes=form.cleaned_data.get("notes", ""),
            actor=request.user,
        )
        # The admin goes on with `obj` (messages, redirect, inlines): make it the saved row.
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if not k.startswith("_")})
        obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        if formset.model is not Evidence:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            upload = inline_form.cleaned_data.get("file") if inline_form.has_changed() else None
            if upload:
                formset.new_objects.append(services.add_evidence(check=form.instance, file=upload, actor=request.user))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except VettingError as error:
            self.message_user(request, error.message, messages.ERROR)
            return self.response_post_save_change(request, None)

    def get_urls(self):
        download = path(
            "evidence/<int:evidence_id>/download/",
            self.admin_site.admin_view(self.download_evidence),
            name="certification_evidence_download",
        )
        return [download, *super().get_urls()]

    def download_evidence(self, request, evidence_id):
        evidence = selectors.get_evidence_for_download(user=request.user, evidence_id=evidence_id)
        response = FileResponse(
            evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox"
        return response
