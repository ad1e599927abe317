"""Demo data: `make run`'s small demo, or `--votes N` realistic votes (with fraud) for tests and benchmarks."""

import random
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from certification.certificates import accounts
from certification.certificates.services import issue_certificates
from certification.models import Certificate, CheckKind, FirmAccount
from certification.vetting import services as vetting
from certification.vetting.qualification import qualify_finalised_editions
from nominations.client import keyed_hash
from nominations.emails import canonical_email, email_fingerprint
from nominations.fraud.rules import RULES
from nominations.fraud.scan import scan_edition
from nominations.models import (
    Category,
    Channel,
    Edition,
    Firm,
    Nomination,
    Nominee,
    NomineeState,
    Vote,
)
from nominations.registration import cui_from_body, nip_from_body
from nominations.services import finalise_closed_editions, release_results
from nominations.tally import process_all_pending_votes, recount_edition

from ...loadgen import Target, VoteGenerator, write_votes

CATEGORIES = [
    ("banking", "Banking", "Bankowość", "Bănci"),
    ("insurance", "Insurance", "Ubezpieczenia", "Asigurări"),
    ("retail", "Retail", "Handel detaliczny", "Comerț cu amănuntul"),
    ("telecom", "Telecom", "Telekomunikacja", "Telecomunicații"),
    ("energy", "Energy", "Energia", "Energie"),
]

FIRMS = {
    "PL": [
        ("banking", "Bank Spółdzielczy w Żywcu", "Żywiec"),
        ("banking", "Gdański Bank Ludowy", "Gdańsk"),
        ("insurance", "Towarzystwo Ubezpieczeń Wzajemnych „Pewność”", "Kraków"),
        ("retail", "Łódź Spółdzielnia Mleczarska", "Łódź"),
        ("retail", "Sklepy Źródło", "Poznań"),
        ("telecom", "Sieć Światłowodowa Mazowsze", "Warszawa"),
        ("energy", "Energia Śląska", "Katowice"),
    ],
    "RO": [
        ("banking", "Banca Comercială Ștefănești", "Ștefănești"),
        ("insurance", "Asigurări Țara Bârsei", "Brașov"),
        ("retail", "Magazinele Bucureștene", "București"),
        ("telecom", "Rețeaua Digitală Iași", "Iași"),
        ("energy", "Energia Câmpulung", "Câmpulung"),
    ],
}

RULE_NAMES = [rule.__name__ for rule in RULES]
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "customers-friend-demo"
AUDITORS = ("anna.auditor", "piotr.auditor")
MANAGER = "ewa.manager"
FIRM_LOGIN = "biuro@bs-zywiec.example"


class Command(BaseCommand):
    help = (
        "Without --votes: a demo edition per country with categories, firms, nominees and votes (idempotent). "
        "With --votes N: N realistic votes over time, a share of them from each fraud pattern, in a load edition."
    )

    def add_arguments(self, parser):
        parser.add_argument("--votes", type=int, default=0, help="generate this many votes in the load edition")
        parser.add_argument("--fraud-share", type=float, default=0.05, help="share of votes from fraud patterns (0..1)")
        parser.add_argument("--categories", type=int, default=20)
        parser.add_argument("--nominees", type=int, default=2000, help="nominees in all, spread over the categories")
        parser.add_argument("--edition", default="load-pl-2026", help="slug of the load edition (created if missing)")
        parser.add_argument(
            "--no-process", action="store_true", help="leave the fraud checks and tallies to the workers"
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG off (creates users with a known password)"
        )

    def handle(self, *args, **options):
        if not (settings.DEBUG or getattr(settings, "TESTING", False) or options["force"]):
            raise CommandError(
                "seed_demo creates users with a known password and is for development only: "
                "run it with DEBUG=1, or pass --force if you really mean it."
            )
        if options["votes"]:
            return self._load(options)
        rng = random.Random(2026)
        now = timezone.now()
        with transaction.atomic():
            for country, label in (("PL", "2026/2027"), ("RO", "2026/2027")):
                self._edition(rng, now, country, label)
            self._admin()
            past = self._past_edition(rng, now)
        # Fraud-check and tally the demo votes now (no worker is needed in the demo).
        process_all_pending_votes()
        if past is not None:
            self._vet(past)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(
            f"Admin: {settings.SITE_URL}/admin/  user {ADMIN_USERNAME!r}, password {ADMIN_PASSWORD!r} (demo only)."
        )
        certificate = (
            getattr(self, "certificate", None) or Certificate.objects.filter(firm__contact_email=FIRM_LOGIN).first()
        )
        if certificate is not None:
            self.stdout.write(
                f"Firm: {settings.SITE_URL}/en/firm/login/  user {FIRM_LOGIN!r}, same password; "
                f"its certificate: {settings.SITE_URL}/en/verify/{certificate.serial}/"
            )
        self.stdout.write(
            f"Staff with roles, same password: auditors {AUDITORS[0]!r} and {AUDITORS[1]!r} (four eyes), "
            f"programme manager {MANAGER!r}."
        )

    def _edition(self, rng, now, country, label):
        slug = f"{country.lower()}-{label.replace('/', '-')}"
        edition, created = Edition.objects.get_or_create(
            slug=slug,
            defaults={
                "country": country,
                "label": label,
                "nomination_opens_at": now - timedelta(days=30),
                "nomination_closes_at": now + timedelta(days=60),
                "voting_opens_at": now - timedelta(days=20),
                "voting_closes_at": now + timedelta(days=90),
                "results_date": (now + timedelta(days=100)).date(),
            },
        )
        if not created:
            return
        categories = {}
        for position, (cat_slug, en, pl, ro) in enumerate(CATEGORIES):
            categories[cat_slug] = Category.objects.create(
                edition=edition, slug=cat_slug, position=position, name_en=en, name_pl=pl, name_ro=ro
            )
        for index, (cat_slug, name, city) in enumerate(FIRMS[country]):
            firm = Firm.objects.create(
                country=country, registration_number=self._registration(country, index), name=name
            )
            nominee = Nominee.objects.create(edition=edition, category=categories[cat_slug], firm=firm)
            Nomination.objects.create(
                nominee=nominee,
                submitted_name=name,
                city=city,
                channel=rng.choice(Channel.values),
                rating_fast=rng.randint(3, 5),
                rating_personalised=rng.randint(3, 5),
                rating_competent=rng.randint(3, 5),
                rating_friendly=rng.randint(3, 5),
                rating_helpful=rng.randint(3, 5),
                reason="Solved my problem at the first contact and followed up a week later.",
                ip_hash=keyed_hash(f"demo-{index}"),
                network_hash=keyed_hash(f"demo-net-{index}"),
            )
            self._votes(rng, now, edition, nominee, count=rng.randint(3, 12))

    def _load(self, options):
        if not 0 <= options["fraud_share"] <= 1:
            raise CommandError("--fraud-share is a share between 0 and 1.")
        if options["votes"] < 0 or options["categories"] < 1 or options["nominees"] < options["categories"]:
            raise CommandError("Need at least one category and one nominee per category.")
        edition = self._load_edition(options)
        targets = [
            Target(e, c, n)
            for n, e, c in Nominee.objects.filter(edition=edition).values_list("pk", "edition_id", "category_id")
        ]
        generator = VoteGenerator(
            nominees=targets,
            start=edition.voting_opens_at,
            end=min(edition.voting_closes_at, timezone.now()),
            seed=options["seed"],
        )
        process = not options["no_process"]
        now = timezone.now()
        with tqdm(total=options["votes"], desc="votes", unit="vote", disable=options["verbosity"] == 0) as bar:
            write_votes(
                generator.rows(options["votes"], options["fraud_share"]),
                checked_at=now if process else None,
                tallied_at=now if process else None,
                progress=bar.update,
            )
        if process:
            with tqdm(
                total=len(RULE_NAMES) + 1, desc="fraud checks and tally", disable=options["verbosity"] == 0
            ) as bar:
                scan_edition(edition, progress=lambda _name: bar.update(1))
                recount_edition(edition)
                process_all_pending_votes()  # marks the votes the scan flagged as tallied (bounded batches)
                bar.update(1)
        self.stdout.write(self.style.SUCCESS(f"{options['votes']} votes in {edition.slug}."))

    def _load_edition(self, options):
        now = timezone.now()
        edition, created = Edition.objects.get_or_create(
            slug=options["edition"],
            defaults={
                "country": "PL",
                "label": f"load {options['edition']}"[:20],
                "nomination_opens_at": now - timedelta(days=120),
                "nomination_closes_at": now - timedelta(days=91),
                "voting_opens_at": now - timedelta(days=90),
                "voting_closes_at": now + timedelta(days=30),
                "results_date": (now + timedelta(days=40)).date(),
            },
        )
        if not created:
            return edition
        categories = Category.objects.bulk_create(
            [
                Category(edition=edition, slug=f"category-{i}", position=i, name_en=f"Category {i + 1}")
                for i in range(options["categories"])
            ]
        )
        firms = Firm.objects.bulk_create(
            [
                Firm(
                    country="PL",
                    registration_number=self._registration("PL", 10_000 + i),
                    name=f"Firma {i + 1} Sp. z o.o.",
                )
                for i in range(options["nominees"])
            ],
            ignore_conflicts=True,
        )
        firms = list(Firm.objects.filter(country="PL", registration_number__in=[f.registration_number for f in firms]))
        Nominee.objects.bulk_create(
            [
                Nominee(edition=edition, category=categories[i % len(categories)], firm=firm)
                for i, firm in enumerate(firms)
            ]
        )
        return edition

    @staticmethod
    def _registration(country, index):
        if country == "RO":
            return cui_from_body(f"1{index:06d}")
        body = 100000000 + 10 * index  # ten bodies per index: one of them has a valid check digit
        while (nip := nip_from_body(str(body))) is None:
            body += 1
        return nip

    @staticmethod
    def _votes(rng, now, edition, nominee, count):
        votes = []
        for i in range(count):
            email = f"demo.voter{nominee.pk}-{i}@example.com"
            cast = now - timedelta(days=rng.uniform(1, 19))
            votes.append(
                Vote(
                    edition=edition,
                    category_id=nominee.category_id,
                    nominee=nominee,
                    email=email,
                    email_canonical=canonical_email(email),
                    email_fingerprint=email_fingerprint(canonical_email(email)),
                    ip_hash=keyed_hash(f"198.51.{nominee.pk}.{i}"),
                    network_hash=keyed_hash(f"198.51.{nominee.pk}.{i}/24"),
                    user_agent="Mozilla/5.0 (demo)",
                    agent_hash=keyed_hash("Mozilla/5.0 (demo)"),
                    standing="counted",
                    created_at=cast,
                    email_requested_at=cast,
                    email_sent_at=cast,
                    confirmed_at=cast + timedelta(minutes=rng.uniform(2, 600)),
                )
            )
        Vote.objects.bulk_create(votes)

    def _past_edition(self, rng, now):
        """A finished edition (Poland 2025/2026): voting closed two months ago, every nominee with enough votes."""
        slug = "pl-2025-2026"
        if Edition.objects.filter(slug=slug).exists():
            return None
        closed = now - timedelta(days=60)
        edition = Edition.objects.create(
            country="PL",
            label="2025/2026",
            slug=slug,
            nomination_opens_at=closed - timedelta(days=150),
            nomination_closes_at=closed - timedelta(days=60),
            voting_opens_at=closed - timedelta(days=120),
            voting_closes_at=closed,
            results_date=(closed + timedelta(days=14)).date(),
            min_counted_votes=10,
            min_voter_networks=5,
        )
        categories = {
            cat_slug: Category.objects.create(
                edition=edition, slug=cat_slug, position=position, name_en=en, name_pl=pl, name_ro=ro
            )
            for position, (cat_slug, en, pl, ro) in enumerate(CATEGORIES)
        }
        for index, (cat_slug, name, _city) in enumerate(FIRMS["PL"]):
            firm, _created = Firm.objects.get_or_create(
                country="PL", registration_number=self._registration("PL", index), defaults={"name": name}
            )
            nominee = Nominee.objects.create(edition=edition, category=categories[cat_slug], firm=firm)
            self._votes(rng, closed, edition, nominee, count=rng.randint(12, 30))
        return edition

    def _vet(self, edition):
        """The final tally, qualification, and vetting under way: one nominee approved, one waiting for a decision."""
        finalise_closed_editions()  # the final tally, as beat would
        qualify_finalised_editions()  # and qualification (queued on commit; run here in case the demo has no broker)
        User = get_user_model()
        first, second = (User.objects.get(username=name) for name in AUDITORS)
        manager = User.objects.get(username=MANAGER)
        release_results(edition=Edition.objects.get(pk=edition.pk), by=manager)
        good = {name: 5 for name in ("fast", "personalised", "competent", "friendly", "helpful")}
        checks = [
            (CheckKind.REGISTRATION, "", {"active": True}),
            (
                CheckKind.CHARTER,
                "",
                {"published": True, "expectations": True, "standards": True, "complaint_procedure": True},
            ),
            (
                CheckKind.COMPLAINTS,
                "",
                {"sample_size": 20, "acknowledge": 5, "apologise": 4, "assess": 4, "act": 5, "follow_up": 4},
            ),
            (CheckKind.MYSTERY_SHOPPING, "phone", {**good, "personalised": 4}),
            (CheckKind.MYSTERY_SHOPPING, "office", good),
            (CheckKind.SURVEY, "", {"sample_size": 200, "satisfied": 178}),
            (CheckKind.VOTE_INTEGRITY, "", {}),
        ]
        qualified = list(
            Nominee.objects.filter(
                edition=edition, state=NomineeState.QUALIFIED, category__slug__in=["banking", "retail"]
            )
            .select_related("category")
            .order_by("category__position", "pk")
        )
        for position, nominee in enumerate(qualified):
            vetting.start_review(nominee=nominee, actor=first)
            for kind, channel, inputs in checks:
                vetting.record_check(nominee=nominee, kind=kind, channel=channel, inputs=inputs, actor=first)
            if position == 0:
                vetting.approve(nominee=Nominee.objects.get(pk=nominee.pk), actor=second)
        self._certify(edition, manager)

    def _certify(self, edition, manager):
        """The programme manager issues the approved winner's certificate; the firm's account is ready to sign in."""
        edition = Edition.objects.get(pk=edition.pk)  # with its final tally
        winner = Nominee.objects.filter(edition=edition, state=NomineeState.APPROVED).select_related("firm").first()
        if winner is None:
            return
        Firm.objects.filter(pk=winner.firm_id).update(contact_email=FIRM_LOGIN)
        issue_certificates(edition=edition, nominee_ids=[winner.pk], actor=manager)
        account = FirmAccount.objects.get(firm_id=winner.firm_id)
        # Instead of following the printed invitation link: the demo firm gets the demo password.
        accounts.accept_invitation(token=accounts.invitation_token(account), password=ADMIN_PASSWORD)
        self.certificate = Certificate.objects.get(nominee=winner)

    @staticmethod
    def _admin():
        User = get_user_model()
        if not User.objects.filter(username=ADMIN_USERNAME).exists():
            User.objects.create_superuser(ADMIN_USERNAME, "admin@example.com", ADMIN_PASSWORD)
        for username, group in ((AUDITORS[0], "Auditor"), (AUDITORS[1], "Auditor"), (MANAGER, "Programme manager")):
            if not User.objects.filter(username=username).exists():
                user = User.objects.create_user(username, f"{username}@example.com", ADMIN_PASSWORD, is_staff=True)
                user.groups.add(Group.objects.get(name=group))
