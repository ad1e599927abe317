"""The labelled votes themselves (in memory): genuine traffic, its hard cases and the campaigns."""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from nominations.emails import canonical_email

from .data import AGENTS, CAMPAIGNS, FIRST, LAST, PROVIDERS, RHYTHM


@dataclass
class Row:
    label: str
    category: int
    nominee: int
    email: str
    ip: str
    agent: str
    confirmed: float  # epoch seconds
    delay: float  # seconds from the first link to the click


@dataclass
class Simulation:
    rows: list = field(default_factory=list)
    categories: int = 0
    nominees: dict = field(default_factory=dict)  # category -> list of nominee indexes
    targets: dict = field(default_factory=dict)  # campaign -> (category, nominee)


class Generator:
    def __init__(self, *, votes: int, seed: int, start: datetime, days: int):
        self.rng = random.Random(seed)
        self.np = np.random.default_rng(seed)
        self.votes, self.start, self.days = votes, start, days
        self.sim = Simulation()
        self.used: set[tuple[int, str]] = set()
        self.seq = 0

    # Pieces ---------------------------------------------------------------
    def name(self) -> str:
        r = self.rng
        first, last = r.choice(FIRST), r.choice(LAST)
        style = r.random()
        if style < 0.4:
            local = f"{first}.{last}"
        elif style < 0.6:
            local = f"{first}{last}"
        elif style < 0.8:
            local = f"{first}.{last}{r.randint(60, 99)}"
        elif style < 0.9:
            local = f"{first[0]}{last}{r.randint(1, 999)}"
        else:
            local = f"{last}_{first}"
        return local

    def provider(self) -> str:
        names, weights = zip(*PROVIDERS, strict=True)
        return self.rng.choices(names, weights)[0]

    def agent(self) -> str:
        names, weights = zip(*AGENTS, strict=True)
        return self.rng.choices(names, weights)[0].format(v=self.rng.choice([126, 127, 128, 129, 130, 131]))

    def home_ip(self) -> str:
        r = self.rng
        if r.random() < 0.15:
            return (
                f"2a02:a31{r.randint(0, 9)}:{r.randint(0, 0xFFFF):x}:{r.randint(0, 0xFF):x}00::{r.randint(1, 0xFFFF):x}"
            )
        return f"{r.choice([31, 37, 46, 78, 79, 83, 89, 91, 94, 188, 5, 86])}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(2, 254)}"

    def mobile_ip(self) -> str:
        # Carrier-grade NAT: a few /24s shared by a whole country's phones.
        return f"{self.rng.choice([37, 188, 176])}.{self.rng.choice([46, 47, 48])}.{self.rng.randint(0, 3)}.{self.rng.randint(2, 254)}"

    def human_delay(self) -> float:
        delay = float(self.np.lognormal(np.log(100), 1.1))
        if self.rng.random() < 0.05:
            delay += self.rng.uniform(3600, 30 * 3600)  # read the mail later
        return max(delay, 9.0 + self.rng.random() * 6)

    def day_time(self, day: int | None = None) -> float:
        day = self.rng.randrange(self.days) if day is None else day
        hour = self.rng.choices(range(24), RHYTHM)[0]
        # Local time in Warsaw (UTC+1 in winter): the rhythm is local.
        return (self.start + timedelta(days=day, hours=hour - 1, seconds=self.rng.uniform(0, 3600))).timestamp()

    def email(self, domain: str | None = None, local: str | None = None) -> str:
        return f"{local or self.name()}@{domain or self.provider()}"

    def add(self, label, category, nominee, email, ip, agent, confirmed, delay) -> bool:
        try:
            canonical = canonical_email(email)
        except ValueError:
            return False
        if (category, canonical) in self.used:
            return False
        self.used.add((category, canonical))
        self.sim.rows.append(Row(label, category, nominee, email, ip, agent, confirmed, delay))
        return True

    def pick_nominee(self, category: int) -> int:
        nominees = self.sim.nominees[category]
        weights = [1 / (i + 1) ** 1.1 for i in range(len(nominees))]
        return self.rng.choices(nominees, weights)[0]

    # Traffic ----------------------------------------------------------------
    def genuine(self, count: int) -> None:
        """People voting in one to four categories, from home, phone or work, at the day's rhythm."""
        made = 0
        while made < count:
            email, agent = self.email(), self.agent()
            mobile = self.rng.random() < 0.3
            ip = self.mobile_ip() if mobile else self.home_ip()
            label = "mobile_nat" if mobile else "genuine"
            when = self.day_time()
            for _i in range(min(4, int(self.np.geometric(0.55)))):
                category = self.rng.randrange(self.sim.categories)
                if self.add(label, category, self.pick_nominee(category), email, ip, agent, when, self.human_delay()):
                    made += 1
                when += self.rng.uniform(20, 300)

    def viral_spike(self, category: int, nominee: int, size: int) -> None:
        """A TV mention: people from everywhere within two hours."""
        at = self.start.timestamp() + 86400 * (self.days // 2) + 19 * 3600
        for _i in range(size):
            ip = self.mobile_ip() if self.rng.random() < 0.35 else self.home_ip()
            self.add(
                "viral_spike",
                category,
                nominee,
                self.email(),
                ip,
                self.agent(),
                at + float(self.np.gamma(2, 1800)),
                self.human_delay(),
            )

    def newsletter(self, category: int, nominee: int, size: int) -> None:
        """A firm's newsletter: subscribers over the following day, most in the first hours."""
        at = self.start.timestamp() + 86400 * 3 + 9 * 3600
        for _i in range(size):
            ip = self.mobile_ip() if self.rng.random() < 0.3 else self.home_ip()
            self.add(
                "newsletter",
                category,
                nominee,
                self.email(),
                ip,
                self.agent(),
                at + float(self.np.exponential(4 * 3600)),
                self.human_delay(),
            )

    def office(self, label: str, category: int, nominee: int, staff: int, days: int, company: str) -> None:
        """Colleagues behind one NAT voting for their employer in working hours; some vote elsewhere too."""
        ip_base = f"{self.rng.choice([80, 81, 212, 213])}.{self.rng.randint(0, 255)}.{self.rng.randint(0, 255)}"
        agents = [self.agent() for _i in range(3)]
        first_day = self.rng.randrange(max(1, self.days - days))
        for _i in range(staff):
            domain = company if self.rng.random() < 0.55 else self.provider()
            email = self.email(domain, f"{self.rng.choice(FIRST)}.{self.rng.choice(LAST)}")
            agent = self.rng.choice(agents) if self.rng.random() < 0.7 else self.agent()
            day = first_day + self.rng.randrange(days)
            when = (self.start + timedelta(days=day, hours=self.rng.uniform(7, 16))).timestamp()
            self.add(
                label, category, nominee, email, f"{ip_base}.{self.rng.randint(2, 20)}", agent, when, self.human_delay()
            )
            if self.rng.random() < 0.3:
                other = self.rng.randrange(self.sim.categories)
                self.add(
                    label, other, self.pick_nominee(other), email, f"{ip_base}.9", agent, when + 120, self.human_delay()
                )

    def university(self, size: int) -> None:
        """Students behind the campus NAT and its IPv6 /48, voting across the board."""
        for _i in range(size):
            ip = (
                f"156.17.{self.rng.randint(40, 41)}.{self.rng.randint(2, 254)}"
                if self.rng.random() < 0.6
                else (f"2001:67c:1b08:{self.rng.randint(0, 0xFF):x}::{self.rng.randint(1, 0xFFFF):x}")
            )
            domain = "student.pwr.edu.pl" if self.rng.random() < 0.5 else self.provider()
            category = self.rng.randrange(self.sim.categories)
            self.add(
                "university",
                category,
                self.pick_nominee(category),
                self.email(domain),
                ip,
                self.agent(),
                self.day_time(),
                self.human_delay(),
            )

    def households(self, count: int) -> None:
        """Two to five people at one address, often for the same local firm, within an evening."""
        for _i in range(count):
            ip, when = self.home_ip(), self.day_time()
            category = self.rng.randrange(self.sim.categories)
            nominee = self.pick_nominee(category)
            last = self.rng.choice(LAST)
            for _j in range(self.rng.randint(2, 5)):
                chosen = nominee if self.rng.random() < 0.7 else self.pick_nominee(category)
                email = self.email(None, f"{self.rng.choice(FIRST)}.{last}{self.rng.choice(['', '1', '77'])}")
                self.add(
                    "households",
                    category,
                    chosen,
                    email,
                    ip,
                    self.agent(),
                    when + self.rng.uniform(0, 7200),
                    self.human_delay(),
                )

    def dot_different(self, pairs: int) -> None:
        """Different people whose addresses differ by a dot, on providers where a dot is another inbox."""
        for _i in range(pairs):
            first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
            domain = self.rng.choice(["wp.pl", "o2.pl", "onet.pl", "interia.pl", "yahoo.com"])
            category = self.rng.randrange(self.sim.categories)
            for local in (f"{first}.{last}", f"{first}{last}"):
                self.add(
                    "dot_different",
                    category,
                    self.pick_nominee(category),
                    f"{local}@{domain}",
                    self.home_ip(),
                    self.agent(),
                    self.day_time(),
                    self.human_delay(),
                )

    # Campaigns ----------------------------------------------------------------
    def campaign(self, shape: str, category: int, nominee: int, size: int) -> None:
        r, start, span = self.rng, self.start.timestamp(), self.days * 86400
        proxy = self.home_ip  # residential proxies: ordinary home addresses, one per vote
        # Campaign voters: bought or made-up identities, mostly name-like.
        gen = {
            "slow_drip": lambda i: dict(
                ip=f"91.227.14.{r.randint(2, 254)}", at=start + 2100 * i + r.uniform(-300, 300)
            ),
            "proxy_headless": lambda i: dict(
                ip=proxy(),
                agent="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36",
            ),
            "ipv6_rotation": lambda i: dict(
                ip=f"2a0e:97c0:3e1:{r.randint(0, 0xFFFF):x}::{r.randint(1, 0xFFFF):x}", agent=r.choice(self.bot_agents)
            ),
            "catchall_random": lambda i: dict(
                ip=proxy(),
                email=f"{''.join(r.choices('abcdefghijklmnopqrstuvwxyz0123456789', k=10))}@{r.choice(['mailbox-pl.xyz', 'skrzynka24.top'])}",
            ),
            "catchall_names": lambda i: dict(
                ip=proxy(), email=self.email("poczta-firmowa.click"), agent=r.choice(self.bot_agents)
            ),
            "yahoo_hyphen": lambda i: dict(
                ip=proxy(), email=f"{self.yahoo_bases[i % len(self.yahoo_bases)]}-{r.randint(100, 99999)}@yahoo.com"
            ),
            "scripted_delay": lambda i: dict(ip=proxy(), delay=r.uniform(6, 25)),
            "night_shift": lambda i: dict(
                ip=proxy(), at=start + 86400 * (i // 150) + 3600 * (-1 + (i % 150) // 25) + r.uniform(0, 3600)
            ),
            "listed_disposable": lambda i: dict(
                ip=proxy(),
                email=self.email(r.choice(["mailinator.com", "guerrillamail.com", "yopmail.com", "10minutemail.com"])),
            ),
            "lookalike_domain": lambda i: dict(
                ip=proxy(), email=self.email(r.choice(["gmial.com", "gmai.com", "hotmial.com"]))
            ),
            "plus_tags": lambda i: dict(
                ip=proxy(),
                email=f"{self.plus_bases[i % len(self.plus_bases)]}+v{i}@{r.choice(['outlook.com', 'hotmail.com'])}",
            ),
            "instant_bot": lambda i: dict(ip=proxy(), delay=r.uniform(0.5, 4)),
            "http_client": lambda i: dict(
                ip=proxy(), agent=r.choice(["python-requests/2.32.3", "curl/8.5.0", "Go-http-client/2.0"])
            ),
            "farm_24": lambda i: dict(
                ip=f"185.244.31.{r.randint(2, 254)}", at=start + span * 0.3 + r.uniform(0, 3 * 86400)
            ),
            "wide_pool": lambda i: dict(
                ip=f"45.134.{r.randint(0, 255)}.{r.randint(2, 254)}", agent=r.choice(self.bot_agents)
            ),
            "proxy_burst": lambda i: dict(
                ip=proxy(),
                at=start + span * 0.6 + r.uniform(0, 3 * 3600),
                delay=r.uniform(30, 60),
                agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            ),
        }[shape]
        made = i = 0
        while made < size and i < size * 3:
            spec = gen(i)
            i += 1
            at = spec.get("at", start + r.uniform(0, span))
            delay = spec.get("delay", float(self.np.uniform(15, 150)))
            email = spec.get("email") or self.email()
            agent = spec.get("agent") or self.agent()
            if self.add(shape, category, nominee, email, spec["ip"], agent, at, delay):
                made += 1

    def build(self, categories: int, campaign_size: int) -> Simulation:
        sim = self.sim
        sim.categories = categories
        for c in range(categories):
            sim.nominees[c] = [self.seq + i for i in range(self.rng.randint(6, 12))]
            self.seq += len(sim.nominees[c])
        self.bot_agents = [self.agent() for _i in range(3)]
        self.yahoo_bases = [self.name().replace(".", "") for _i in range(8)]
        self.plus_bases = [self.name() for _i in range(8)]
        scale = self.votes / 200_000
        hard = int(scale * 1)
        self.genuine(int(self.votes * 0.82))
        spare = [c for c in range(categories) if c >= len(CAMPAIGNS)] or list(range(categories))
        self.viral_spike(spare[0 % len(spare)], sim.nominees[spare[0 % len(spare)]][3], max(40, 2000 * hard))
        self.newsletter(spare[1 % len(spare)], sim.nominees[spare[1 % len(spare)]][2], max(40, 1500 * hard))
        self.office(
            "office_nat",
            spare[2 % len(spare)],
            sim.nominees[spare[2 % len(spare)]][4],
            max(30, 350 * hard),
            6,
            "firma-abc.pl",
        )
        for k in range(5):
            c = spare[(3 + k) % len(spare)]
            self.office("small_office", c, sim.nominees[c][5], 15, 3, f"biuro{k}.pl")
        self.university(max(60, int(1500 * scale)))
        self.households(max(40, int(3000 * scale)))
        self.dot_different(max(20, int(300 * scale)))
        # Each campaign lifts the runner-up of its own category past the leader.
        for c, shape in enumerate(CAMPAIGNS):
            counts: dict[int, int] = {}
            for row in sim.rows:
                if row.category == c:
                    counts[row.nominee] = counts.get(row.nominee, 0) + 1
            ranked = sorted(counts, key=counts.get, reverse=True)
            runner = ranked[1]
            size = max(campaign_size, int((counts[ranked[0]] - counts[runner]) * 1.3) + 10)
            sim.targets[shape] = (c, runner)
            self.campaign(shape, c, runner, size)
        return sim


def generate(
    *,
    votes: int = 200_000,
    seed: int = 7,
    start: datetime | None = None,
    days: int = 14,
    categories: int = 24,
    campaign_size: int = 300,
    profile: str = "default",
) -> Simulation:
    """A labelled edition; profile "holdout" is the differently made one (demo/fraudsim/holdout.py),
    "holdout-daytime" the same with its untimed campaigns at people's hours of the day."""
    start = start or datetime(2026, 2, 2, tzinfo=UTC)
    if profile in ("holdout", "holdout-daytime"):
        from .holdout import DaytimeHoldoutGenerator, HoldoutGenerator

        maker: type[Generator] = HoldoutGenerator if profile == "holdout" else DaytimeHoldoutGenerator
    elif profile == "default":
        maker = Generator
    else:
        raise ValueError(f"unknown profile {profile!r}")
    return maker(votes=votes, seed=seed, start=start, days=days).build(categories, campaign_size)
