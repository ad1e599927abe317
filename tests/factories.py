import itertools
from datetime import timedelta

import factory
from django.utils import timezone

from nominations.client import keyed_hash
from nominations.emails import canonical_email, email_fingerprint
from nominations.models import Category, Edition, Firm, Nominee, Vote
from nominations.registration import nip_from_body

_nip_bodies = itertools.count(123456000)


def next_nip() -> str:
    while True:
        nip = nip_from_body(str(next(_nip_bodies)))
        if nip:
            return nip


class EditionFactory(factory.django.DjangoModelFactory):
    """An edition whose nomination and voting windows are both open now."""

    class Meta:
        model = Edition

    country = "PL"
    label = factory.Sequence(lambda n: f"{2000 + n}/{2001 + n}")
    slug = factory.Sequence(lambda n: f"pl-edition-{n}")
    nomination_opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    nomination_closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    voting_opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=5))
    voting_closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=20))
    results_date = factory.LazyFunction(lambda: (timezone.now() + timedelta(days=30)).date())
    # The easiest proof of work, so tests solve the forms' challenges in a millisecond.
    pow_max_number = 1_000


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    edition = factory.SubFactory(EditionFactory)
    slug = factory.Sequence(lambda n: f"category-{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")
    name_pl = factory.Sequence(lambda n: f"Kategoria {n}")
    name_ro = factory.Sequence(lambda n: f"Categoria {n}")


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firm

    country = "PL"
    registration_number = factory.LazyFunction(next_nip)
    name = factory.Sequence(lambda n: f"Firma {n} Sp. z o.o.")


class NomineeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Nominee

    category = factory.SubFactory(CategoryFactory)
    edition = factory.SelfAttribute("category.edition")
    firm = factory.SubFactory(FirmFactory)


class VoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vote

    nominee = factory.SubFactory(NomineeFactory)
    category = factory.SelfAttribute("nominee.category")
    edition = factory.SelfAttribute("nominee.edition")
    email = factory.Sequence(lambda n: f"voter{n}@example.com")
    email_canonical = factory.LazyAttribute(lambda o: canonical_email(o.email))
    email_fingerprint = factory.LazyAttribute(lambda o: email_fingerprint(o.email_canonical))

    class Params:
        network = "203.0.113.0/24"  # named in tests; only its keyed hash is stored

    ip_hash = factory.LazyFunction(lambda: keyed_hash("203.0.113.7"))
    network_hash = factory.LazyAttribute(lambda o: keyed_hash(o.network))
    user_agent = "pytest"
    agent_hash = factory.LazyAttribute(lambda o: keyed_hash(o.user_agent))
    standing = factory.LazyAttribute(lambda o: "unconfirmed" if o.confirmed_at is None else "counted")
    confirmed_at = None


class UserFactory(factory.django.DjangoModelFactory):
    """A staff user; pass `groups=["Auditor"]` for a role (the groups come from a migration)."""

    class Meta:
        model = "auth.User"
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    is_staff = True

    @factory.post_generation
    def groups(self, create, names, **kwargs):
        from django.contrib.auth.models import Group

        from tests import roles

        if create and names:
            roles.restore(names)  # gone after an earlier test's flush
            self.groups.add(*Group.objects.filter(name__in=names))


class CheckFactory(factory.django.DjangoModelFactory):
    """A recorded check, written directly (services.record_check is what the product uses)."""

    class Meta:
        model = "certification.Check"

    nominee = factory.SubFactory(NomineeFactory, state="under_review")
    kind = "registration"
    channel = ""
    result = "pass"
    score = None
    recorded_by = factory.SubFactory(UserFactory, groups=["Auditor"])


def publish_figures(nominee, *, counted: int, held: int = 0, rejected: int = 0):
    """Released figures written by hand into version 1 of the nominee's edition, for tests of what reads them
    (winners, certificates); services.release_results computes them from the votes instead."""
    from django.contrib.auth import get_user_model

    from nominations.models import ReleasedCategory, ReleasedFigure, ReleasedResults

    releaser, _created = get_user_model().objects.get_or_create(username="results-releaser")
    results, _created = ReleasedResults.objects.get_or_create(
        edition=nominee.edition,
        version=1,
        defaults={"released_at": timezone.now(), "released_by": releaser, "digest": "", "ledger_key": "00" * 32},
    )
    ReleasedCategory.objects.get_or_create(
        results=results, category=nominee.category, defaults={"digest": "", "lines": 0}
    )
    return ReleasedFigure.objects.create(
        results=results, category=nominee.category, nominee=nominee, counted=counted, held=held, rejected=rejected
    )
