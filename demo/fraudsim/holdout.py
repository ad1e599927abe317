"""A second, differently made edition for checking the fraud checks on data they were not tuned on.

Same labels (every campaign shape, every hard legitimate case) as the default
profile, but other parameters throughout: other mail providers and their
weights, other browsers, another daily rhythm and reading delays; each campaign a
variant of its shape (a drip from a /16 instead of a /24, proxies rotating
realistic agents, IPv6 rotation with another timing, other catch-all and
throw-away domains, other providers' alias schemes, other script delays and
night rates, a farm with several agents, ...) and harder legitimate cases (a
bigger office NAT, a bigger university voting for many nominees, a viral spike
twice as big running past midnight, a small firm's newsletter whose readers are
all new to the programme, bigger households, a carrier's CGNAT in two /24s,
dot-different people at more providers).

    .venv/bin/python bench/fraud_quality.py --votes 200000 --profile holdout
"""

from datetime import timedelta

import numpy as np

from .data import FIRST, LAST
from .generator import Generator

PROVIDERS = [
    ("gmail.com", 28),
    ("wp.pl", 9),
    ("o2.pl", 9),
    ("onet.pl", 10),
    ("interia.pl", 8),
    ("op.pl", 4),
    ("yahoo.com", 5),
    ("outlook.com", 6),
    ("hotmail.com", 2),
    ("icloud.com", 3),
    ("gazeta.pl", 2),
    ("vp.pl", 1),
    ("poczta.fm", 1),
    ("yahoo.ro", 3),
    ("yahoo.co.uk", 1),
    ("ymail.com", 1),
    ("rdslink.ro", 1),
    ("proton.me", 1),
    ("gmx.net", 1),
    ("onet.eu", 1),
    ("autograf.pl", 1),
    ("buziaczek.pl", 1),
    ("go2.pl", 1),
    ("live.com", 1),
]
AGENTS = [
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36",
        26,
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Mobile Safari/537.36",
        24,
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/{v}.0.0.0 Mobile Safari/537.36",
        6,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        14,
    ),
    ("Mozilla/5.0 (Android 14; Mobile; rv:132.0) Gecko/132.0 Firefox/132.0", 3),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0", 7),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36 Edg/{v}.0.0.0",
        9,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36 OPR/114.0.0.0",
        3,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
        5,
    ),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0", 2),
]
# Later evenings and a flatter day than the default profile.
RHYTHM = np.array(
    [3, 1.5, 0.8, 0.5, 0.4, 0.5, 1, 2.5, 3.5, 4.5, 5, 5, 5.5, 5.5, 5, 5, 5.5, 6, 7, 8.5, 9.5, 9.5, 7.5, 5]
)
# Full (unreduced) agents a bot framework rotates through: realistic, but not what today's browsers send.
ROTATING = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.6045.159 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.5993.111 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36 Edg/118.0.2088.76",
]


class HoldoutGenerator(Generator):
    # Campaigns without a timing of their own: spread evenly over the window, or (daytime=True)
    # at people's daily rhythm, so that their hour of day gives nothing away.
    daytime = False

    # Pieces ---------------------------------------------------------------
    def provider(self) -> str:
        names, weights = zip(*PROVIDERS, strict=True)
        return self.rng.choices(names, weights)[0]

    def agent(self) -> str:
        names, weights = zip(*AGENTS, strict=True)
        return self.rng.choices(names, weights)[0].format(v=self.rng.choice([128, 129, 130, 131, 132]))

    def name(self) -> str:
        r = self.rng
        first, last = r.choice(FIRST), r.choice(LAST)
        style = r.random()
        if style < 0.3:
            return f"{first}.{last}"
        if style < 0.45:
            return f"{first}_{last}"
        if style < 0.6:
            return f"{first}{last}{r.randint(1, 2005)}"
        if style < 0.75:
            return f"{last}.{first}"
        if style < 0.85:
            return f"{first[0]}.{last}"
        return f"{first}{r.randint(1970, 2008)}"

    def home_ip(self) -> str:
        r = self.rng
        if r.random() < 0.25:
            return (
                f"2a01:11{r.randint(0, 9)}:{r.randint(0, 0xFFFF):x}:{r.randint(0, 0xFFFF):x}::{r.randint(1, 0xFFFF):x}"
            )
        first = r.choice([5, 31, 37, 46, 77, 78, 79, 83, 89, 91, 93, 94, 95, 109, 176, 178, 188, 193, 195, 217])
        return f"{first}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(2, 254)}"

    def mobile_ip(self) -> str:
        # Two carriers: one CGNAT in two /24s, one on IPv6 with a shared /64 per cell.
        r = self.rng
        if r.random() < 0.6:
            return f"46.134.{r.choice([12, 13])}.{r.randint(2, 254)}"
        return f"2a00:f41:{r.randint(0x1800, 0x1810):x}:{r.randint(0, 40):x}::{r.randint(1, 0xFFFF):x}"

    def human_delay(self) -> float:
        delay = float(self.np.lognormal(np.log(70), 1.3))
        if self.rng.random() < 0.08:
            delay += self.rng.uniform(1800, 40 * 3600)
        return max(delay, 7.0 + self.rng.random() * 8)

    def day_time(self, day: int | None = None) -> float:
        day = self.rng.randrange(self.days) if day is None else day
        hour = self.rng.choices(range(24), RHYTHM)[0]
        return (self.start + timedelta(days=day, hours=hour - 1, seconds=self.rng.uniform(0, 3600))).timestamp()

    # Hard legitimate cases ------------------------------------------------------
    def viral_spike(self, category: int, nominee: int, size: int) -> None:
        """A late-night show: twice as many people, from 22 h local, running past midnight."""
        at = self.start.timestamp() + 86400 * (self.days // 2 + 1) + 21 * 3600
        for _i in range(size * 2):
            ip = self.mobile_ip() if self.rng.random() < 0.45 else self.home_ip()
            self.add(
                "viral_spike",
                category,
                nominee,
                self.email(),
                ip,
                self.agent(),
                at + float(self.np.gamma(1.5, 2400)),
                self.human_delay(),
            )

    def newsletter(self, category: int, nominee: int, size: int) -> None:
        """A small firm's newsletter: every reader new to the programme, most within the morning it went out."""
        small = self.sim.nominees[category][-1]  # the category's least popular nominee
        at = self.start.timestamp() + 86400 * 5 + 7 * 3600
        for _i in range(size // 2):
            ip = self.mobile_ip() if self.rng.random() < 0.4 else self.home_ip()
            self.add(
                "newsletter",
                category,
                small,
                self.email(),
                ip,
                self.agent(),
                at + float(self.np.exponential(2.5 * 3600)),
                self.human_delay(),
            )

    def office(self, label: str, category: int, nominee: int, staff: int, days: int, company: str) -> None:
        """A bigger office: more staff, five standard desktop images, some on the guest Wi-Fi's /24."""
        if label == "office_nat":
            staff, days = staff * 2 + 100, days + 4
        base = f"{self.rng.choice([80, 83, 212, 217])}.{self.rng.randint(0, 255)}.{self.rng.randint(0, 255)}"
        guest = f"{base.rsplit('.', 1)[0]}.{(int(base.rsplit('.', 1)[1]) + 1) % 256}"
        agents = [self.agent() for _i in range(5)]
        first_day = self.rng.randrange(max(1, self.days - days))
        for _i in range(staff):
            domain = company if self.rng.random() < 0.4 else self.provider()
            email = self.email(
                domain, f"{self.rng.choice(FIRST)}.{self.rng.choice(LAST)}{self.rng.choice(['', '', '2'])}"
            )
            agent = self.rng.choice(agents) if self.rng.random() < 0.75 else self.agent()
            day = first_day + self.rng.randrange(days)
            when = (self.start + timedelta(days=day, hours=self.rng.uniform(6.5, 17))).timestamp()
            net = base if self.rng.random() < 0.8 else guest
            self.add(
                label, category, nominee, email, f"{net}.{self.rng.randint(2, 40)}", agent, when, self.human_delay()
            )
            if self.rng.random() < 0.25:
                other = self.rng.randrange(self.sim.categories)
                self.add(
                    label, other, self.pick_nominee(other), email, f"{net}.7", agent, when + 300, self.human_delay()
                )

    def university(self, size: int) -> None:
        """A bigger campus (NAT in one /22, IPv6 in one /48) whose students vote for many nominees, often together."""
        for _i in range(int(size * 1.6)):
            ip = (
                f"149.156.{self.rng.randint(96, 99)}.{self.rng.randint(2, 254)}"
                if self.rng.random() < 0.55
                else f"2001:6d8:10:{self.rng.randint(0, 0x3F):x}::{self.rng.randint(1, 0xFFFF):x}"
            )
            domain = "student.agh.edu.pl" if self.rng.random() < 0.45 else self.provider()
            category = self.rng.randrange(self.sim.categories)
            # Students' favourites: a few nominees get most of the campus.
            nominee = self.sim.nominees[category][self.rng.choice([0, 0, 1, 2, 3])] if self.rng.random() < 0.5 else None
            self.add(
                "university",
                category,
                nominee if nominee is not None else self.pick_nominee(category),
                self.email(domain),
                ip,
                self.agent(),
                self.day_time(),
                self.human_delay(),
            )

    def households(self, count: int) -> None:
        """Bigger families on one line (IPv6 /64 or a home address), one evening, most for one local firm."""
        for _i in range(count):
            ip, when = self.home_ip(), self.day_time()
            category = self.rng.randrange(self.sim.categories)
            nominee = self.pick_nominee(category)
            last = self.rng.choice(LAST)
            agent = self.agent()
            for _j in range(self.rng.randint(2, 7)):
                chosen = nominee if self.rng.random() < 0.8 else self.pick_nominee(category)
                local = f"{self.rng.choice(FIRST)}{self.rng.choice(['.', '_', ''])}{last}{self.rng.choice(['', '7', '1990'])}"
                self.add(
                    "households",
                    category,
                    chosen,
                    self.email(None, local),
                    ip,
                    agent if self.rng.random() < 0.5 else self.agent(),
                    when + self.rng.uniform(0, 3 * 3600),
                    self.human_delay(),
                )

    def dot_different(self, pairs: int) -> None:
        """Different people a dot (or an underscore) apart, at providers where that is another inbox."""
        domains = ["onet.pl", "interia.pl", "o2.pl", "op.pl", "outlook.com", "yahoo.ro", "icloud.com", "gazeta.pl"]
        for _i in range(int(pairs * 1.5)):
            first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
            domain = self.rng.choice(domains)
            category = self.rng.randrange(self.sim.categories)
            nominee = self.pick_nominee(category)
            for local in (f"{first}.{last}", f"{first}{last}", f"{first}_{last}")[: self.rng.choice([2, 2, 3])]:
                self.add(
                    "dot_different",
                    category,
                    nominee if self.rng.random() < 0.5 else self.pick_nominee(category),
                    f"{local}@{domain}",
                    self.home_ip(),
                    self.agent(),
                    self.day_time(),
                    self.human_delay(),
                )

    # Campaigns ----------------------------------------------------------------
    def campaign(self, shape: str, category: int, nominee: int, size: int) -> None:
        r, start, span = self.rng, self.start.timestamp(), self.days * 86400
        proxy = self.home_ip
        rotating = lambda: r.choice(ROTATING)  # noqa: E731
        # A script's own reading delay: a wider, flatter band than people's.
        default_delay = lambda: float(self.np.uniform(10, 240))  # noqa: E731
        gap = span / max(size, 1)
        gen = {
            # One vote every ~gap seconds (jittered) from addresses all over one /16.
            "slow_drip": lambda i: dict(
                ip=f"93.179.{r.randint(0, 255)}.{r.randint(2, 254)}",
                at=start + gap * i + r.uniform(-0.4 * gap, 0.4 * gap),
                agent=rotating(),
            ),
            "proxy_headless": lambda i: dict(ip=proxy(), agent=rotating()),
            # One /48, a new /64 per vote, in evening sessions rather than round the clock.
            "ipv6_rotation": lambda i: dict(
                ip=f"2a10:c941:7:{r.randint(0, 0xFFFF):x}::{r.randint(1, 0xFFFF):x}",
                at=start + 86400 * r.randrange(self.days) + 3600 * r.uniform(17, 23),
                agent=rotating(),
            ),
            "catchall_random": lambda i: dict(
                ip=proxy(),
                email=f"{''.join(r.choices('abcdefghijklmnopqrstuvwxyz', k=r.randint(7, 12)))}{r.randint(0, 99)}@"
                f"{r.choice(['inbox-24h.online', 'pocztex-mail.site', 'mbox-pl.shop'])}",
            ),
            "catchall_names": lambda i: dict(
                ip=proxy(), email=self.email(r.choice(["kontakt-biuro.online", "mail-firma.store", "poczta365.life"]))
            ),
            "yahoo_hyphen": lambda i: dict(
                ip=proxy(),
                email=f"{self.yahoo_bases[i % len(self.yahoo_bases)]}-{r.choice(['glosy', 'vote', 'x', 'promo'])}{r.randint(1, 9999)}@"
                f"{r.choice(['yahoo.co.uk', 'ymail.com', 'yahoo.ro'])}",
            ),
            "scripted_delay": lambda i: dict(ip=proxy(), delay=r.uniform(8, 40)),
            "night_shift": lambda i: dict(
                ip=proxy(), at=start + 86400 * (i // 48) + 3600 * (1 + (i % 48) // 12) + r.uniform(0, 3600)
            ),
            "listed_disposable": lambda i: dict(
                ip=proxy(),
                email=self.email(r.choice(["sharklasers.com", "trashmail.com", "dispostable.com", "maildrop.cc"])),
            ),
            "lookalike_domain": lambda i: dict(
                ip=proxy(), email=self.email(r.choice(["gnail.com", "yahooo.com", "outlok.com", "gmail.co"]))
            ),
            "plus_tags": lambda i: dict(
                ip=proxy(),
                email=(
                    f"{self.plus_bases[i % len(self.plus_bases)]}+{r.choice(['a', 'konkurs', 'g'])}{i}@"
                    f"{r.choice(['gmail.com', 'icloud.com', 'live.com', 'o2.pl'])}"
                ),
            ),
            "instant_bot": lambda i: dict(ip=proxy(), delay=r.uniform(1, 4.5), agent=rotating()),
            "http_client": lambda i: dict(
                ip=proxy(),
                agent=r.choice(["okhttp/4.12.0", "axios/1.7.2", "node-fetch/1.0", "Java/17.0.9", "Wget/1.21.4"]),
            ),
            # A farm with several agents, over five days and nights.
            "farm_24": lambda i: dict(
                ip=f"194.87.118.{r.randint(2, 254)}",
                at=start + span * 0.5 + r.uniform(0, 5 * 86400),
                agent=self.farm_agents[i % len(self.farm_agents)],
            ),
            "wide_pool": lambda i: dict(ip=f"31.184.{r.randint(0, 255)}.{r.randint(2, 254)}", agent=rotating()),
            "proxy_burst": lambda i: dict(
                ip=proxy(),
                at=start + span * 0.35 + r.uniform(0, 5 * 3600),
                delay=r.uniform(20, 90),
                agent=r.choice(ROTATING[:2]),
            ),
        }[shape]
        made = i = 0
        while made < size and i < size * 3:
            spec = gen(i)
            i += 1
            at = spec.get("at", self.day_time() if self.daytime else start + r.uniform(0, span))
            delay = spec.get("delay", default_delay())
            email = spec.get("email") or self.email()
            agent = spec.get("agent") or self.agent()
            if self.add(shape, category, nominee, email, spec["ip"], agent, at, delay):
                made += 1

    def build(self, categories: int, campaign_size: int):
        self.farm_agents = [self.agent() for _i in range(5)]
        return super().build(categories, campaign_size)


class DaytimeHoldoutGenerator(HoldoutGenerator):
    """The holdout with every untimed campaign voting at people's hours."""

    daytime = True
