"""The one assertion every tally test ends with: the tally equals a count straight from the votes."""

from django.db.models import Count, Q

from nominations.models import FraudDecision, FraudFlag, Nominee, Standing, Tally, Vote


def direct_counts() -> dict[int, tuple[int, int, int, int]]:
    rows = Vote.objects.values("nominee_id").annotate(
        counted=Count("id", filter=Q(confirmed_at__isnull=False, standing=Standing.COUNTED)),
        held=Count("id", filter=Q(confirmed_at__isnull=False, standing=Standing.HELD)),
        rejected=Count("id", filter=Q(confirmed_at__isnull=False, standing=Standing.REJECTED)),
        unconfirmed=Count("id", filter=Q(confirmed_at__isnull=True)),
    )
    counts = {pk: (0, 0, 0, 0) for pk in Nominee.objects.values_list("pk", flat=True)}
    counts.update({r["nominee_id"]: (r["counted"], r["held"], r["rejected"], r["unconfirmed"]) for r in rows})
    return counts


def direct_reasons() -> dict[int, dict[str, int]]:
    """Pending flags per nominee and rule, straight from the flags."""
    reasons: dict[int, dict[str, int]] = {pk: {} for pk in Nominee.objects.values_list("pk", flat=True)}
    for row in (
        FraudFlag.objects.filter(decision=FraudDecision.PENDING).values("nominee_id", "rule").annotate(n=Count("id"))
    ):
        reasons[row["nominee_id"]][row["rule"]] = row["n"]
    return reasons


def tallies() -> dict[int, tuple[int, int, int, int]]:
    return {t.nominee_id: (t.counted, t.held, t.rejected, t.unconfirmed) for t in Tally.objects.all()}


def assert_tally_exact():
    expected = direct_counts()
    actual = tallies()
    missing = {pk: c for pk, c in expected.items() if pk not in actual and c != (0, 0, 0, 0)}
    wrong = {pk: (actual[pk], c) for pk, c in expected.items() if pk in actual and actual[pk] != c}
    assert not missing and not wrong, f"missing tallies {missing}, wrong tallies (tally, votes) {wrong}"
    reasons = direct_reasons()
    stored = dict(Tally.objects.values_list("nominee_id", "held_reasons"))
    wrong_reasons = {pk: (stored[pk], r) for pk, r in reasons.items() if pk in stored and stored[pk] != r}
    assert not wrong_reasons, f"wrong held reasons (tally, flags) {wrong_reasons}"
