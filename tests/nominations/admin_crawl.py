"""Building an edition with hidden figures and crawling every admin URL an auditor can open."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import models
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from nominations import tally, tasks
from nominations.models import Category, Edition, Firm, FraudDecision, FraudFlag, Nominee, Tally, Vote
from nominations.services import flags
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, UserFactory, VoteFactory

pytestmark = pytest.mark.django_db

HIDDEN_FIRM = "Hidden Count SA"


def make_auditor():
    return UserFactory(username="auditor-vis", groups=["Auditor"])


def closing_edition(**extra):
    now = timezone.now()
    return EditionFactory(
        voting_opens_at=now - timedelta(days=5),
        voting_closes_at=now + timedelta(days=1),
        min_counted_votes=3,
        min_voter_networks=1,
        max_flagged_share=Decimal("0.5"),
        **extra,
    )


def cast(nominee, n, *, prefix, email=None):
    confirmed = timezone.now() - timedelta(hours=2)
    for i in range(n):
        VoteFactory(
            nominee=nominee,
            confirmed_at=confirmed,
            network=f"{prefix}-{i}",
            **({"email": email.format(i=i)} if email else {}),
        )


def build_world(auditor, django_capture_on_commit_callbacks):
    """An unreleased edition with counted, held and unconfirmed votes, its final tally and qualification; a released one beside it."""
    hidden = closing_edition()
    banking = CategoryFactory(edition=hidden, slug="banking", name_en="Banking")
    a = NomineeFactory(category=banking, firm__name=HIDDEN_FIRM)
    b = NomineeFactory(category=banking, firm__name="Other Hidden SA")
    cast(a, 7, prefix="a")
    cast(a, 3, prefix="ah", email="held{i}@mailinator.com")  # a disposable domain: flagged, held
    cast(b, 4, prefix="b")
    VoteFactory(nominee=a)  # never confirmed
    released = closing_edition()
    c = NomineeFactory(category=CategoryFactory(edition=released), firm__name="Public Count SA")
    cast(c, 5, prefix="c")
    tally.process_all_pending_votes()
    Edition.objects.filter(pk__in=[hidden.pk, released.pk]).update(
        voting_closes_at=timezone.now() - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.finalise_closed_editions()  # the final tally, then qualification (measures in the audit log)
    with django_capture_on_commit_callbacks(execute=True):
        flags.settle_flags(
            flag_ids=[FraudFlag.objects.filter(nominee=a).order_by("pk").first().pk],
            decision=FraudDecision.GENUINE,
            by=auditor,
        )
    Edition.objects.filter(pk=released.pk).update(results_released_at=timezone.now())
    assert Tally.objects.get(nominee=a).counted == 8 and Tally.objects.get(nominee=a).held == 2
    assert AuditEntry.objects.filter(object_id=str(a.pk), after__has_key="counted").exists()
    return {"hidden": hidden, "a": a, "b": b, "c": c, "released": released}


def add_hidden_votes(world):
    """What must not show: more counted votes for the unreleased edition's nominees, so other counts and shares."""
    now = timezone.now()
    for nominee, n in ((world["a"], 5), (world["b"], 2)):
        for i in range(n):
            VoteFactory(
                nominee=nominee,
                confirmed_at=now - timedelta(hours=1),
                checked_at=now,
                tallied_at=now,
                network=f"late-{nominee.pk}-{i}",
            )
    tally.recount_edition(world["hidden"])


# The URLs ------------------------------------------------------------------------------


def viewable_admins(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model_admin.has_view_permission(request)
    ]


def sample_pk(model, world):
    """The object a hand-typed filter aims at: the unreleased edition's nominee and what hangs off it."""
    a = world["a"]
    targets = {
        Nominee: a.pk,
        Edition: a.edition_id,
        Category: a.category_id,
        Firm: a.firm_id,
        Tally: a.pk,
        Vote: Vote.objects.filter(nominee=a, flags__isnull=True, confirmed_at__isnull=False).first().pk,
        FraudFlag: FraudFlag.objects.filter(nominee=a).first().pk,
    }
    for known, pk in targets.items():
        if issubclass(model, known):
            return pk
    first = model._default_manager.order_by("pk").first()
    return first.pk if first else 1


def figure_lookups(path):
    """Filters that read a nominee's figures at the end of `path` (a relation to the votes or the tallies)."""
    return [
        {f"{path}__pk__exact": "1"},
        {f"{path}__isnull": "False"},
        {f"{path}__counted__gt": "5"},
        {f"{path}__standing__exact": "counted"},
        {f"{path}__nominee__id__exact": "1"},
    ]


def local_lookups(field, world):
    """Filters on one field of the model; on a relation, also on each path from it to the votes or tallies."""
    name = field.name
    if field.is_relation:
        found = [{f"{name}__id__exact": sample_pk(field.related_model, world)}, {f"{name}__isnull": "False"}]
        if issubclass(field.related_model, (Vote, Tally)):
            found += figure_lookups(name)
        for inner in field.related_model._meta.get_fields():
            if inner.is_relation and inner.related_model is not None and issubclass(inner.related_model, (Vote, Tally)):
                found += figure_lookups(f"{name}__{inner.name}")
        return found
    found = [{f"{name}__isnull": "False"}]
    found += [{f"{name}__exact": value} for value, _label in field.flatchoices or ()]
    if isinstance(field, (models.IntegerField, models.FloatField, models.DecimalField)):
        found.append({f"{name}__gt": "5"})
    if isinstance(field, models.DateTimeField):
        found.append({f"{name}__gte": "2000-01-01T00:00:00+00:00"})
    if isinstance(field, (models.CharField, models.TextField)):
        found.append({f"{name}__icontains": "h"})
    if isinstance(field, models.JSONField):
        found += [{f"{name}__counted__gt": "5"}, {f"{name}__has_key": "counted"}]
    return found


def hand_typed(model, model_admin, world):
    """Every field and every relation of the model (one level further too), the bug report's filters, sorting, search."""
    a = world["a"]
    params = [
        {"nominee__id__exact": a.pk, "standing__exact": "counted"},
        {"nominee__id__exact": a.pk},
        {"standing__exact": "held"},
        {"tally__counted__gt": "5"},
        {"tally__counted__lt": "5"},
        {"share__gt": "0.25"},
        {"share__lt": "0.25"},
        {"counted_votes__gt": "5"},
        {"flagged": "high"},
        {"flagged": "none"},
        {"q": HIDDEN_FIRM},
        {"q": "mailinator"},
        {"q": Vote.objects.filter(nominee=a).first().receipt_code},
        {"_facets": "True"},
        {"edition__id__exact": a.edition_id, "_facets": "True"},
    ]
    for field in model._meta.get_fields():
        if getattr(field, "name", None):
            params += local_lookups(field, world)
    columns = len(model_admin.list_display) + 2
    params += [{"o": f"{sign}{i}"} for i in range(columns) for sign in ("", "-")]
    unique = {tuple(sorted(p.items())): p for p in params}
    return list(unique.values())


LINK = re.compile(r'href="(\?[^"#]*)"')


def crawl(client, url, *, depth=1):
    """The changelist and every "?..." link it offers (filters, sorting, date hierarchy, facets), `depth` clicks deep."""
    seen, frontier = {url}, [url]
    for _click in range(depth):
        following = []
        for page in frontier:
            response = client.get(page)
            if response.status_code != 200:
                continue
            for query in LINK.findall(response.content.decode()):
                link = url + html.unescape(query)
                if link not in seen:
                    seen.add(link)
                    following.append(link)
        frontier = following
    return sorted(seen)


def requests_for(client, world, user, *, only=None):
    """(method, url, data) for everything the user can open in the admin (of the models labelled in `only`, if given)."""
    found = [("get", reverse("admin:index"), None)]
    for model, model_admin in viewable_admins(user):
        if only is not None and model._meta.label not in only:
            continue
        info = (model._meta.app_label, model._meta.model_name)
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        found += [("get", url, None) for url in crawl(client, changelist)]
        found += [
            ("get", changelist, tuple(sorted(params.items()))) for params in hand_typed(model, model_admin, world)
        ]
        found += [
            ("get", reverse("admin:{}_{}_change".format(*info), args=[pk]), None)
            for pk in model._default_manager.order_by("pk").values_list("pk", flat=True)
        ]
    vetting = reverse("admin:certification_nomineevetting_changelist")
    everyone = tuple(str(pk) for pk in Nominee.objects.values_list("pk", flat=True))
    found.append(("post", vetting, (("action", "export_csv"), ("_selected_action", everyone))))
    found.append(
        (
            "post",
            vetting,
            (("action", "export_csv"), ("index", "0"), ("select_across", "1"), ("_selected_action", everyone)),
        )
    )
    autocomplete = {"app_label": "certification", "model_name": "check", "field_name": "nominee", "term": "Hidden"}
    found.append(("get", reverse("admin:autocomplete"), tuple(sorted(autocomplete.items()))))
    return found


CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*"|(csrftoken=)[^;"]*')


def answers(client, requests):
    """Each request's status, redirect and body, with what changes on every request (the CSRF token) left out."""
    out = {}
    for method, url, data in requests:
        params = {}
        for key, value in data or ():
            params[key] = list(value) if isinstance(value, tuple) else value
        response = getattr(client, method)(url, params)
        body = b"".join(response) if response.streaming else response.content
        out[(method, url, data)] = (response.status_code, response.get("Location"), CSRF.sub(r"\1\2", body.decode()))
    return out


def differences(before, after):
    return [key for key in before if before[key] != after[key]]


# The rule --------------------------------------------------------------------------------
