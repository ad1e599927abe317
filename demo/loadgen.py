"""Realistic synthetic votes for `seed_demo --votes N`: the demo, the tests and the benchmarks.

Votes spread over the voting window with a daily rhythm, confirmation delays
of minutes to hours, and a share of each fraud pattern the checks look for.
Rows are built as tuples and written with COPY on PostgreSQL (executemany on
SQLite): a million votes take seconds, not hours.
"""

import csv
import io
import itertools
import math
import queue
import random
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import DatabaseError, connection, transaction

from nominations.client import keyed_hash
from nominations.emails import canonical_email, email_fingerprint

COLUMNS = (
    "edition_id",
    "category_id",
    "nominee_id",
    "email",
    "email_canonical",
    "email_fingerprint",
    "token_nonce",
    "receipt_code",
    "ip_hash",
    "network_hash",
    "wide_network_hash",
    "user_agent",
    "agent_hash",
    "language",
    "created_at",
    "email_requested_at",
    "email_sent_at",
    "email_send_count",
    "confirmed_at",
    "standing",
    "checked_at",
    "tallied_at",
)

USER_AGENTS = [
    f"Mozilla/5.0 ({os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36"
    for os in (
        "Windows NT 10.0; Win64; x64",
        "Macintosh; Intel Mac OS X 10_15_7",
        "X11; Linux x86_64",
        "Linux; Android 14",
    )
    for v in range(120, 132)
] + [f"Mozilla/5.0 (iPhone; CPU iPhone OS 17_{v} like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148" for v in range(6)]
DOMAINS = ["gmail.com", "wp.pl", "onet.pl", "o2.pl", "interia.pl", "yahoo.com", "outlook.com", "icloud.com"]
DISPOSABLE = ["mailinator.com", "guerrillamail.com", "10minutemail.com", "yopmail.com", "trashmail.com"]
ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
PATTERNS = ("disposable", "network", "burst", "fast", "cluster", "variant")


@dataclass(frozen=True)
class Target:
    edition_id: int
    category_id: int
    nominee_id: int


class VoteGenerator:
    def __init__(self, *, nominees: list[Target], start: datetime, end: datetime, seed: int = 2026):
        self.rng = random.Random(seed)
        self.nominees = nominees
        self.by_category: dict[int, list[Target]] = {}
        for target in nominees:
            self.by_category.setdefault(target.category_id, []).append(target)
        # Popularity: a few nominees get most votes, as in real programmes.
        # Cumulative once: random.choices would re-add 2,000 weights on every call.
        self.cum_weights = list(itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(nominees))))
        self.start, self.span = start, (end - start).total_seconds()
        self.serial = 0
        self._agents: dict[str, int] = {}

    def _code(self) -> str:
        bits = self.rng.getrandbits(60)
        raw = "".join(ALPHABET[(bits >> (5 * i)) % 30] for i in range(12))
        return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"

    def _moment(self) -> datetime:
        # More votes in the evening: accept a uniform moment with a daily-rhythm probability.
        while True:
            moment = self.start + timedelta(seconds=self.rng.random() * self.span)
            if self.rng.random() < 0.35 + 0.65 * math.sin(math.pi * ((moment.hour + 18) % 24) / 24) ** 2:
                return moment

    def _agent_hash(self, agent: str) -> int:
        if agent not in self._agents:
            self._agents[agent] = keyed_hash(agent)
        return self._agents[agent]

    def _row(self, target: Target, *, email: str, cast: datetime, network: int, agent: str, delay: float) -> tuple:
        self.serial += 1
        canonical = canonical_email(email)
        sent = cast + timedelta(seconds=self.rng.uniform(0.5, 20))
        confirmed = sent + timedelta(seconds=delay)
        return (
            target.edition_id,
            target.category_id,
            target.nominee_id,
            email,
            canonical,
            email_fingerprint(canonical),
            f"{self.rng.getrandbits(96):024x}",
            self._code(),
            network ^ (self.serial % 250),
            network,
            network,  # each made-up network is its own wider one (the /16 or /48 the rules group by)
            agent,
            self._agent_hash(agent),
            "pl",
            cast,
            cast,
            sent,
            1,
            confirmed,
            "counted",
        )

    def _delay(self) -> float:
        return min(self.rng.lognormvariate(math.log(600), 1.2), 40 * 3600) + 8  # minutes to hours, never instant

    def _network(self) -> int:
        return keyed_hash(f"net-{self.rng.randrange(400_000)}")

    def genuine(self) -> tuple:
        target = self.rng.choices(self.nominees, cum_weights=self.cum_weights)[0]
        email = f"{self.rng.choice(['anna', 'jan', 'maria', 'piotr', 'ioana', 'andrei'])}.{self.serial}@{self.rng.choice(DOMAINS)}"
        return self._row(
            target,
            email=email,
            cast=self._moment(),
            network=self._network(),
            agent=self.rng.choice(USER_AGENTS),
            delay=self._delay(),
        )

    def fraud(self, pattern: str) -> Iterator[tuple]:
        rng = self.rng
        target = rng.choice(self.nominees)
        cast = self._moment()
        if pattern == "disposable":
            yield self._row(
                target,
                email=f"x{self.serial}@{rng.choice(DISPOSABLE)}",
                cast=cast,
                network=self._network(),
                agent=rng.choice(USER_AGENTS),
                delay=self._delay(),
            )
        elif pattern == "network":
            network = self._network()  # a farm: more than FRAUD_FARM_MIN_VOTES, one nominee, like clockwork
            for i in range(14):
                yield self._row(
                    target,
                    email=f"n{self.serial}.{i}@{rng.choice(DOMAINS)}",
                    cast=cast + timedelta(minutes=4 * i),
                    network=network,
                    agent=rng.choice(USER_AGENTS),
                    delay=60,
                )
        elif pattern == "burst":
            for i in range(60):
                yield self._row(
                    target,
                    email=f"b{self.serial}x{i}@{rng.choice(DOMAINS)}",
                    cast=cast + timedelta(seconds=50 * i),
                    network=self._network(),
                    agent=rng.choice(USER_AGENTS),
                    delay=30,
                )
        elif pattern == "fast":
            yield self._row(
                target,
                email=f"f{self.serial}@{rng.choice(DOMAINS)}",
                cast=cast,
                network=self._network(),
                agent=rng.choice(USER_AGENTS),
                delay=rng.uniform(0.3, 2.5),
            )
        elif pattern == "cluster":
            network, agent = self._network(), "python-requests/2.31.0"
            for i in range(25):  # more than FRAUD_CLUSTER_MIN_VOTERS, for one nominee within the hour
                yield self._row(
                    target,
                    email=f"c{self.serial}.{i}@{rng.choice(DOMAINS)}",
                    cast=cast + timedelta(seconds=90 * i),
                    network=network,
                    agent=agent,
                    delay=90,
                )
        elif pattern == "variant":
            name = f"jan.kowal{self.serial}"
            yield self._row(
                target,
                email=f"{name}@yahoo.com",
                cast=cast,
                network=self._network(),
                agent=rng.choice(USER_AGENTS),
                delay=self._delay(),
            )
            other = rng.choice(self.by_category[target.category_id])
            yield self._row(
                other,
                email=f"{name}-alias@yahoo.com",  # Yahoo's disposable alias: the same inbox
                cast=cast + timedelta(hours=2),
                network=self._network(),
                agent=rng.choice(USER_AGENTS),
                delay=self._delay(),
            )

    def rows(self, total: int, fraud_share: float) -> Iterator[tuple]:
        """`total` votes, of which about `fraud_share` come from the fraud patterns, in turn."""
        produced = 0
        fraudulent = 0
        patterns = iter(lambda: PATTERNS[self.rng.randrange(len(PATTERNS))], None)
        while produced < total:
            if fraudulent < fraud_share * (produced + 1):
                for row in self.fraud(next(patterns)):
                    if produced >= total:
                        return
                    fraudulent += 1
                    produced += 1
                    yield row
            else:
                produced += 1
                yield self.genuine()


CHUNK = 20_000
_COPY = f"COPY nominations_vote ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv, NULL '')"


def write_votes(
    rows: Iterable[tuple], *, checked_at, tallied_at, progress: Callable[[int], object] = lambda _n: None
) -> None:
    """Insert every generated row, CHUNK at a time; progress(n) after each chunk.

    On PostgreSQL, in one transaction: the vote table's foreign keys are dropped, the chunks
    are COPYed while a thread generates and encodes the next ones (generation is Python,
    COPY is the server's work: on two cores they overlap), and the keys are added back
    exactly as they were, which checks every row in one join instead of three look-ups
    per row ("Populating a Database" in PostgreSQL's manual). If the role may not alter
    the table, the keys stay and are checked row by row. Nothing is visible, and nothing
    is left without its keys, until the transaction commits.
    """
    if connection.vendor != "postgresql":
        for chunk in _chunks(rows):
            write_rows(chunk, checked_at=checked_at, tallied_at=tallied_at)
            progress(len(chunk))
        return
    with transaction.atomic(), connection.cursor() as cursor:
        keys = _drop_foreign_keys(cursor)
        for buffer, count in _encoded_in_a_thread(_chunks(rows), checked_at, tallied_at):
            cursor.copy_expert(_COPY, buffer)
            progress(count)
        for name, definition in keys:
            cursor.execute(
                f"ALTER TABLE nominations_vote ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            )


def _chunks(rows: Iterable[tuple]) -> Iterator[list[tuple]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        yield chunk


def _drop_foreign_keys(cursor) -> list[tuple[str, str]]:
    """The vote table's own foreign keys (name, definition), dropped in a savepoint; none if the role may not."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = 'nominations_vote'::regclass AND contype = 'f' AND conparentid = 0 ORDER BY conname"
    )
    keys = cursor.fetchall()
    try:
        with transaction.atomic():
            for name, _definition in keys:
                cursor.execute(f"ALTER TABLE nominations_vote DROP CONSTRAINT {connection.ops.quote_name(name)}")
    except DatabaseError:  # not the table's owner: COPY with the keys in place
        return []
    return keys


def _csv(chunk: list[tuple], checked_at, tallied_at) -> io.StringIO:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in chunk:
        writer.writerow(["" if value is None else value for value in row + (checked_at, tallied_at)])
    buffer.seek(0)
    return buffer


def _encoded_in_a_thread(chunks: Iterator[list[tuple]], checked_at, tallied_at) -> Iterator[tuple[io.StringIO, int]]:
    """The chunks as CSV, generated and encoded one or two chunks ahead by a thread of their own."""
    ready: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for chunk in chunks:
                item = (_csv(chunk, checked_at, tallied_at), len(chunk))
                while not stop.is_set():
                    try:
                        ready.put(item, timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put(done)
        except BaseException as error:  # handed to the consumer, raised there
            ready.put(error)

    worker = threading.Thread(target=produce, name="seed-votes", daemon=True)
    worker.start()
    try:
        while (item := ready.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)


def write_rows(rows: list[tuple], *, checked_at, tallied_at) -> None:
    """Insert one chunk of generated rows with executemany (SQLite; PostgreSQL COPYs them, write_votes)."""
    full = [row + (checked_at, tallied_at) for row in rows]
    adapt = connection.ops.adapt_datetimefield_value
    prepared = [tuple(adapt(v) if isinstance(v, datetime) else v for v in row) for row in full]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO nominations_vote ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})",
            prepared,
        )
