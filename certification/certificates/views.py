"""Public verification and registry; the firm's account: invitation, dashboard, terms, downloads.

The credential addresses (JWKS, issuer, status list, credentials, live badge) are in `public_credentials`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from nominations.client import ratelimit_key
from portal.objects import ObjectUnavailable, open_stored
from portal.ratelimit import rate_limit
from portal.replica import reads_from_replica

from ..exceptions import CertificateError
from . import accounts, badge, checking, nominees, selectors, validity
from .forms import SerialForm, UploadForm

# What the firm's download buttons say, per download kind (selectors.DOWNLOADS).
DOWNLOAD_LABELS = {
    "pdf": gettext_lazy("Certificate (PDF)"),
    "svg": gettext_lazy("Logo (SVG, any size)"),
    "png-256": gettext_lazy("Logo (PNG, 256 px)"),
    "png-512": gettext_lazy("Logo (PNG, 512 px)"),
    "png-1024": gettext_lazy("Logo (PNG, 1024 px)"),
    "zip": gettext_lazy("Logo pack with the terms (ZIP)"),
}

# Verification answers: 200 only for a valid certificate.
HTTP_STATUS = {"valid": 200, "expired": 410, "revoked": 410, "unknown": 404}


def _no_cache(response: HttpResponse) -> HttpResponse:
    # A revocation must show at once: every answer is checked with the server.
    response["Cache-Control"] = "no-cache, must-revalidate"
    return response


@rate_limit(group="verify-upload", rate_setting="RATELIMIT_VERIFY_UPLOAD", key=ratelimit_key)
def verify_form(request):
    """GET: a serial. POST: an uploaded file or pasted credential, checked by `checking`."""
    if request.method == "POST":
        upload = UploadForm(request.POST, request.FILES)
        if upload.is_valid():
            try:
                verification = checking.verify_upload(upload.cleaned_data["data"])
            except checking.UnreadableFile as error:
                upload.add_error(None, error.message)
            else:
                return _verification_page(request, verification)
        response = render(request, "certification/verify_form.html", {"form": SerialForm(), "upload": upload})
        response.status_code = 400
        return response
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    form = SerialForm(request.GET or None)
    if form.is_valid():
        serial = selectors.normalise_serial(form.cleaned_data["serial"])
        if serial is None:  # cannot be a serial, nor a path segment ("AB/CD"): the plain "unknown" answer
            return _verification_page(request, selectors.verify_serial(form.cleaned_data["serial"]))
        return redirect("certification:verify", serial=serial)
    return render(request, "certification/verify_form.html", {"form": form, "upload": UploadForm()})


@require_GET
@reads_from_replica
def verify(request, serial: str):
    return _verification_page(request, selectors.verify_serial(serial))


def _verification_page(request, verification):
    response = render(
        request,
        "certification/verify.html",
        {
            "verification": verification,
            "certificate": verification.certificate,
            "form": SerialForm(),
            "upload": UploadForm(),
        },
        status=HTTP_STATUS[verification.status],
    )
    return _no_cache(response)


@require_GET
@reads_from_replica
def verify_json(request, serial: str):
    verification = selectors.verify_serial(serial)
    response = JsonResponse(verification.as_json(), status=HTTP_STATUS[verification.status])
    response["Access-Control-Allow-Origin"] = "*"  # anyone may check a certificate, from anywhere
    return _no_cache(response)


@require_GET
def nominee(request, slug: str, nominee_id: int):
    page = nominees.nominee_page(edition_slug=slug, nominee_id=nominee_id)
    return render(request, "certification/nominee.html", {"page": page, "edition": page.nominee.edition})


@require_GET
@reads_from_replica
def registry(request):
    return render(request, "certification/registry.html", {"editions": selectors.registry_editions()})


@require_GET
@reads_from_replica
def registry_edition(request, slug: str):
    edition, categories = selectors.registry_for_edition(slug=slug)
    return render(request, "certification/registry_edition.html", {"edition": edition, "categories": categories})


@never_cache
def invitation(request, token: str):
    """Set the firm account's password from the invitation link (works once)."""
    try:
        account = accounts.firm_account_for_invitation(token)
    except CertificateError as error:
        return render(request, "certification/invitation_invalid.html", {"message": error.message}, status=400)
    form = SetPasswordForm(account.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.accept_invitation(token=token, password=form.cleaned_data["new_password1"])
        except CertificateError as error:
            return render(request, "certification/invitation_invalid.html", {"message": error.message}, status=400)
        messages.success(
            request,
            _("Your password is set. Sign in with your user name %(username)s.")
            % {"username": account.user.get_username()},
        )
        return redirect("certification:firm_login")
    return render(request, "certification/invitation.html", {"form": form, "account": account})


def _account_or_404(request):
    account = selectors.firm_account_of(request.user)
    if account is None:
        raise Http404
    return account


@never_cache
@login_required
def dashboard(request):
    account = _account_or_404(request)
    certificates = selectors.firm_certificates(account=account)
    for certificate in certificates:
        # The badge snippet of a certificate the firm may show (a valid one), in the certificate's language.
        certificate.badge_snippet = badge.snippet(certificate) if certificate.status() == "valid" else ""
    context = {
        "account": account,
        "certificates": certificates,
        "terms_accepted": accounts.has_accepted_terms(user=request.user, firm_id=account.firm_id),
        "terms": validity.LOGO_TERMS,
        "downloads": [(kind, DOWNLOAD_LABELS.get(kind, kind)) for kind in selectors.DOWNLOADS],
    }
    return render(request, "certification/dashboard.html", context)


@require_POST
@login_required
def accept_terms(request):
    _account_or_404(request)
    if request.POST.get("accept") != "yes":
        messages.error(request, _("Tick the box to accept the logo usage terms."))
    else:
        accounts.accept_terms(user=request.user)
        messages.success(request, _("Thank you: the logo usage terms are accepted. You can download your files."))
    return redirect("certification:firm_dashboard")


@require_GET
@login_required
def download(request, download_key, kind: str):
    if kind not in selectors.DOWNLOADS:
        raise Http404
    certificate = selectors.get_certificate_for_download(user=request.user, download_key=download_key)
    refusal = selectors.download_refusal(certificate=certificate, user=request.user)
    if refusal is not None:
        status, message = refusal
        response = render(request, "certification/download_refused.html", {"message": message}, status=status)
    else:
        field, content_type, suffix = selectors.DOWNLOADS[kind]
        try:
            # Streamed from the object store through this view, after the checks above.
            stored = open_stored(getattr(certificate, field))
        except ObjectUnavailable:
            message = _("This file cannot be read at the moment. We have been told; try again later.")
            response = render(request, "certification/download_refused.html", {"message": message}, status=503)
            response["Retry-After"] = "300"
            response["Cache-Control"] = "private, no-store"
            return response
        response = FileResponse(
            stored,
            as_attachment=True,
            filename=f"{certificate.serial}-{suffix}",
            content_type=content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
