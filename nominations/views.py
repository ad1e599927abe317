import functools

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.replica import replica_reads, stream_from_replica

from . import challenge, downloads, selectors, services, throttle
from .client import client_info
from .exceptions import (
    AlreadyConfirmed,
    AlreadyVotedInCategory,
    ChallengeReplayed,
    NominationClosed,
    PortalError,
    UnknownCategory,
    VotingClosed,
)
from .forms import NominationForm, ReceiptForm, VoteForm
from .models import FraudRule


def _edition_or_404(slug):
    edition = selectors.get_edition(slug=slug)
    if edition is None:
        raise Http404(_("There is no such edition."))
    return edition


def home(request):
    context = {
        "editions": selectors.attach_nominees(selectors.current_editions()),
        "archive": selectors.released_editions(),
    }
    return render(request, "nominations/home.html", context)


def edition_detail(request, slug):
    edition = _edition_or_404(slug)
    selectors.attach_nominees([edition])
    return render(request, "nominations/edition.html", {"edition": edition})


def results_index(request):
    return render(request, "nominations/results_index.html", {"editions": selectors.all_editions()})


def methodology_current(request):
    edition = selectors.latest_edition()
    if edition is None:
        return redirect("nominations:home")
    return redirect("nominations:methodology", slug=edition.slug)


def _kept(request) -> dict[str, str]:
    """What was typed, to show again unvalidated on the 429 page of a form (nothing is lost)."""
    return {
        name: value
        for name, value in request.POST.items()
        if name not in ("csrfmiddlewaretoken", "homepage", "altcha", "form_opened")
    }


@require_http_methods(["GET", "POST"])
def nominate(request, slug):
    edition = _edition_or_404(slug)
    is_open = edition.is_nomination_open()
    wait = throttle.take(request, throttle.NOMINATE) if request.method == "POST" else None
    if wait is not None:
        form = NominationForm(edition=edition, initial=_kept(request))
        context = {"edition": edition, "form": form, "is_open": is_open, "retry_minutes": throttle.minutes(wait)}
        response = render(request, "nominations/nominate.html", context, status=429)
        return throttle.with_retry_after(response, wait)
    data = request.POST if request.method == "POST" else None  # an empty POST is still a submission
    form = NominationForm(data, edition=edition, initial={"category": request.GET.get("category")})
    status = 200
    if request.method == "POST" and not is_open:
        messages.error(request, NominationClosed.message)
        status = 409
    elif request.method == "POST" and not form.is_valid():
        status = 400
    elif request.method == "POST":
        if form.is_bot:
            return redirect("nominations:nominated", slug=edition.slug)
        data = services.NominationInput(
            firm_name=form.cleaned_data["firm_name"],
            city=form.cleaned_data["city"],
            website=form.cleaned_data["website"],
            registration_number=form.cleaned_data["registration_number"],
            channel=form.cleaned_data["channel"],
            ratings=form.ratings(),
            reason=form.cleaned_data["reason"],
            registration_country=form.registration_country,
        )
        try:
            services.nominate(
                edition=edition,
                category=form.cleaned_data["category"],
                data=data,
                client=client_info(request),
                proof=form.proof,
            )
        except PortalError as error:
            messages.error(request, error.message)
            status = 409 if isinstance(error, NominationClosed) else 400
        else:
            return redirect("nominations:nominated", slug=edition.slug)
    if request.method == "POST":
        throttle.give_back(request, throttle.NOMINATE)  # refused: costs nothing
    return render(
        request, "nominations/nominate.html", {"edition": edition, "form": form, "is_open": is_open}, status=status
    )


def nominated(request, slug):
    edition = _edition_or_404(slug)
    return render(request, "nominations/nominated.html", {"edition": edition})


@require_http_methods(["GET", "POST"])
def category_vote(request, slug, category_slug):
    if request.method == "POST":
        response = _vote_accepted(request, slug, category_slug)
        if response is not None:
            return response
    chosen = None
    wait = throttle.take(request, throttle.VOTE) if request.method == "POST" else None
    if wait is not None:
        return _vote_rate_limited(request, slug, category_slug, wait)
    if request.method == "POST":
        # The hot path: the chosen nominee with its category and edition, in one query.
        chosen = selectors.get_nominee_for_vote(
            edition_slug=slug, category_slug=category_slug, nominee_id=request.POST.get("nominee")
        )
    category = chosen.category if chosen else selectors.get_category(edition_slug=slug, slug=category_slug)
    if category is None:
        _edition_or_404(slug)
        raise Http404(str(UnknownCategory.message))
    edition = category.edition
    is_open = edition.is_voting_open()
    # A POST is checked against the chosen nominee alone: a nominee of another
    # category, or none, is an invalid choice with its own message.
    form = (
        VoteForm(request.POST, nominees=[chosen] if chosen else [], edition=edition)
        if request.method == "POST"
        else None
    )
    status = 200
    if form is not None:
        if not is_open:
            messages.error(request, VotingClosed.message)
            status = 409
        elif form.is_valid():
            if not form.is_bot:
                try:
                    services.cast_vote(
                        nominee=form.cleaned_data["nominee"],
                        email=form.cleaned_data["email"],
                        client=client_info(request),
                        language=get_language() or "en",
                        proof=form.proof,
                    )
                except PortalError as error:
                    throttle.give_back(request, throttle.VOTE)  # refused: costs nothing
                    messages.error(request, error.message)
                    return redirect(request.path)
            return redirect("nominations:vote_sent", slug=edition.slug)
        else:
            status = 400
        throttle.give_back(request, throttle.VOTE)  # refused: costs nothing
    if chosen is not None:
        # The page is shown again: the category and edition in full (the POST read only what it needed).
        category = selectors.get_category(edition_slug=slug, slug=category_slug)
        edition = category.edition
    nominees = selectors.nominees_for_vote(category=category)
    if form is None:
        form = VoteForm(nominees=nominees, edition=edition, initial={"nominee": request.GET.get("nominee")})
    else:
        form.show_nominees(nominees)
    context = {"edition": edition, "category": category, "nominees": nominees, "form": form, "is_open": is_open}
    return render(request, "nominations/category.html", context, status=status)


def _vote_accepted(request, slug, category_slug):
    """The vote POST's common case, a valid form while voting is open; None for any other, which the full path handles.

    One read (the chosen nominee), the form's checks without building the form, one Redis
    round trip (the rate limit and the proof of work's redemption together), one write.
    """
    chosen = selectors.get_nominee_for_vote(
        edition_slug=slug, category_slug=category_slug, nominee_id=request.POST.get("nominee")
    )
    if chosen is None or not chosen.edition.is_voting_open():
        return None
    vote = VoteForm.accepted(request.POST, nominee=chosen, edition=chosen.edition)
    if vote is None:
        return None
    if vote.is_bot:
        wait, proof = throttle.take(request, throttle.VOTE), None  # a bot's proof is not worth a redemption
    else:
        try:
            wait, proof = throttle.take_with_proof(request, throttle.VOTE, vote.proof)
        except ChallengeReplayed as error:  # its hit is given back already
            messages.error(request, error.message)
            return redirect(request.path)
    if wait is not None:
        return _vote_rate_limited(request, slug, category_slug, wait)
    if proof is not None:
        try:
            services.cast_vote(
                nominee=chosen,
                email=vote.email,
                client=client_info(request),
                language=get_language() or "en",
                proof=proof,
            )
        except PortalError as error:
            throttle.give_back(request, throttle.VOTE)  # refused: costs nothing
            messages.error(request, error.message)
            return redirect(request.path)
    return HttpResponseRedirect(_vote_sent_url(chosen.edition.slug, get_language(), get_script_prefix(), get_urlconf()))


@functools.lru_cache(maxsize=64)
def _vote_sent_url(slug: str, language: str | None, prefix: str, urlconf: str | None) -> str:
    """The page every vote POST ends on, reversed once per edition and language (and URL prefix and conf)."""
    return reverse("nominations:vote_sent", kwargs={"slug": slug}, urlconf=urlconf or settings.ROOT_URLCONF)


def _vote_rate_limited(request, slug, category_slug, wait: int):
    category = selectors.get_category(edition_slug=slug, slug=category_slug)
    if category is None:
        raise Http404(str(UnknownCategory.message))
    nominees = selectors.nominees_for_vote(category=category)
    context = {
        "edition": category.edition,
        "category": category,
        "nominees": nominees,
        "form": VoteForm(nominees=nominees, edition=category.edition, initial=_kept(request)),
        "is_open": category.edition.is_voting_open(),
        "retry_minutes": throttle.minutes(wait),
    }
    response = render(request, "nominations/category.html", context, status=429)
    return throttle.with_retry_after(response, wait)


@never_cache
@require_http_methods(["GET"])
@throttle.counted(throttle.CHALLENGE)
def challenge_for_form(request, slug):
    """A proof-of-work challenge for the edition's vote and nomination forms (the widget fetches it)."""
    edition = _edition_or_404(slug)
    return JsonResponse(challenge.issue_challenge(edition=edition))


def vote_sent(request, slug):
    edition = _edition_or_404(slug)
    return render(request, "nominations/vote_sent.html", {"edition": edition})


@require_http_methods(["GET", "POST"])
@throttle.counted(throttle.CONFIRM)
def confirm(request, token):
    """GET shows the vote and a button; only the POST counts it (mail scanners follow links with GET)."""
    context = {"token": token}
    if request.method == "GET":
        try:
            context["vote"] = services.vote_from_token(token)
        except PortalError as error:
            context["error"] = error.message
            return render(request, "nominations/confirm.html", context, status=400)
        if context["vote"].is_confirmed:
            context["already"] = True
        return render(request, "nominations/confirm.html", context)
    try:
        vote = services.confirm_vote(token=token)
    except AlreadyConfirmed as error:
        context.update(vote=error.vote, already=True)
        return render(request, "nominations/confirm.html", context)
    except AlreadyVotedInCategory as error:
        context.update(error=error.message, counted=error.vote)
        return render(request, "nominations/confirm.html", context, status=409)
    except PortalError as error:
        context["error"] = error.message
        return render(request, "nominations/confirm.html", context, status=400)
    return render(request, "nominations/confirmed.html", {"vote": vote})


@throttle.counted(throttle.RECEIPT)
def receipt(request):
    form = ReceiptForm(request.GET or None)
    vote = line = None
    looked_up = False
    if form.is_valid():
        looked_up = True
        vote = selectors.vote_by_receipt(code=form.cleaned_data["code"])
        line = selectors.ledger_line_for_vote(vote=vote) if vote else None
    status = 400 if form.errors else 200
    context = {"form": form, "vote": vote, "line": line, "looked_up": looked_up}
    return render(request, "nominations/receipt.html", context, status=status)


# The results pages read the edition (is it released?) on the primary, so a release shows at
# once, then the frozen figures and ledgers on the read replica when there is one (portal/replica.py).


def results(request, slug):
    edition = _edition_or_404(slug)
    context = {"edition": edition}
    if not edition.results_released:
        return render(request, "nominations/results.html", context)
    with replica_reads():
        # The frozen figures of a version (the latest unless ?version=N), never a live count.
        published = selectors.published_results(edition=edition, version=request.GET.get("version"))
        context.update(
            published=published, urls=downloads.ledger_urls(edition, published.results, latest=published.is_latest)
        )
        return render(request, "nominations/results.html", context)


def _released_or_404(slug):
    edition = _edition_or_404(slug)
    if not edition.results_released:
        raise Http404(_("The results of this edition are not published yet."))
    return edition


def results_json(request, slug):
    edition = _released_or_404(slug)
    with replica_reads():
        published = selectors.published_results(edition=edition, version=request.GET.get("version"))
        document = downloads.results_document(edition, published, request.build_absolute_uri)
    return JsonResponse(document, json_dumps_params={"ensure_ascii": False})


def _download(stream, content_type: str, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(stream_from_replica(stream), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def ledger_csv(request, slug, category_slug=None):
    """A category's published vote ledger, or the edition's (every category), exactly the bytes the digests are over."""
    edition = _released_or_404(slug)
    with replica_reads():
        version = selectors.released_version(edition=edition, version=request.GET.get("version"))
        categories = selectors.ledger_categories(results=version, category_slug=category_slug)
    name = downloads.filename(edition, version, category_slug, "csv")
    return _download(downloads.ledger_csv(categories), "text/csv; charset=utf-8", name)


def ledger_json(request, slug, category_slug=None):
    edition = _released_or_404(slug)
    with replica_reads():
        version = selectors.released_version(edition=edition, version=request.GET.get("version"))
        categories = selectors.ledger_categories(results=version, category_slug=category_slug)
    stream = downloads.ledger_json(edition, version, categories, one=category_slug is not None)
    return _download(stream, "application/json", downloads.filename(edition, version, category_slug, "json"))


def methodology(request, slug):
    edition = _edition_or_404(slug)
    context = {
        "edition": edition,
        "confirm_hours": int(settings.VOTE_CONFIRM_MAX_AGE.total_seconds() // 3600),
        "winners_per_category": settings.CERTIFICATES_PER_CATEGORY,
        "validity_days": settings.CERTIFICATE_VALIDITY_DAYS,
        "fraud_rules": FraudRule.choices,
    }
    return render(request, "nominations/methodology.html", context)
