"""manage.py verify_results: recomputes everything from the votes and names the first place that no longer matches."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from nominations import ledger, services
from nominations.models import LedgerLine, Vote

pytestmark = pytest.mark.django_db


def run(slug):
    """The exit code manage.py would give (a CommandError exits with its returncode) and what was printed."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_results", edition=slug, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def test_a_released_edition_verifies(released):
    code, output = run(released["edition"].slug)
    assert code == 0, output
    assert f"OK {released['edition'].slug}: version 1 matches the votes" in output


def test_a_vote_changed_by_hand_in_sql_fails_and_names_the_line_and_the_vote(released):
    vote = Vote.objects.filter(nominee=released["lodz"]).order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE nominations_vote SET nominee_id = %s WHERE id = %s", [released["banca"].pk, vote.pk])
    code, output = run(released["edition"].slug)
    assert code == 1
    line = LedgerLine.objects.get(
        ledger__results=released["results"],
        receipt_hash=ledger.receipt_hash(key=released["results"].ledger_key, receipt_code=vote.receipt_code),
    )
    first = next(text for text in output.splitlines() if text.startswith("MISMATCH"))
    assert first.startswith(f"MISMATCH {released['edition'].slug}: version 1: ledger banking, line {line.line} ")
    assert f"vote {vote.pk} now says nominee {released['banca'].pk}" in first


def test_a_vote_whose_standing_was_changed_by_hand_fails(released):
    vote = Vote.objects.filter(nominee=released["sklep"]).first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE nominations_vote SET standing = 'rejected' WHERE id = %s", [vote.pk])
    with pytest.raises(CommandError, match="ledger retail, line"):
        call_command("verify_results", edition=released["edition"].slug, stderr=io.StringIO())


def test_a_vote_confirmed_by_hand_after_release_fails_as_missing_from_the_ledger(released):
    vote = Vote.objects.filter(nominee=released["lodz"]).first()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO nominations_vote (edition_id, category_id, nominee_id, email, email_canonical, token_nonce, receipt_code,"
            " ip_hash, network_hash, wide_network_hash, user_agent, agent_hash, language, created_at, email_send_count,"
            " confirmed_at,"
            " email_fingerprint, standing, checked_at, tallied_at)"
            " SELECT edition_id, category_id, nominee_id, 'x@example.com', 'x@example.com', token_nonce, 'ZZZZ-ZZZZ-ZZZZ',"
            " ip_hash, network_hash, wide_network_hash, user_agent, agent_hash, language, created_at, email_send_count,"
            " confirmed_at,"
            " 'x@example.com', 'counted', checked_at, tallied_at FROM nominations_vote WHERE id = %s",
            [vote.pk],
        )
    with pytest.raises(CommandError, match="is not in the published ledger"):
        call_command("verify_results", edition=released["edition"].slug, stderr=io.StringIO())


def test_a_published_ledger_line_deleted_by_hand_fails_on_its_digest(released):
    line = LedgerLine.objects.filter(ledger__results=released["results"], ledger__category=released["retail"]).first()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM nominations_ledgerline WHERE id = %s", [line.pk])
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_results", edition=released["edition"].slug, stderr=err)
    assert "version 1: ledger retail hashes to" in err.getvalue()


def test_after_an_amendment_the_amended_edition_verifies_again(released, manager):
    Vote.objects.filter(pk=Vote.objects.filter(nominee=released["lodz"]).first().pk).update(standing="rejected")
    assert run(released["edition"].slug)[0] == 1
    services.amend_results(edition=released["edition"], by=manager, reason="A vote from the firm's staff.")
    code, output = run(released["edition"].slug)
    assert code == 0, output
    assert "version 2 matches the votes" in output


def test_an_unreleased_edition_has_nothing_to_verify(contest):
    with pytest.raises(CommandError, match="not released"):
        call_command("verify_results", edition=contest["edition"].slug)
