"""Races that used to end in a 500: two issuances creating one firm's user, a double "accept the terms"."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError

from certification.certificates import accounts
from certification.models import FirmAccount, TermsAcceptance
from tests.factories import FirmFactory

pytestmark = pytest.mark.django_db


def test_a_firm_account_created_meanwhile_by_another_issuance_is_used(monkeypatch):
    firm = FirmFactory(contact_email="biuro@example.com")
    User = get_user_model()
    # The other issuance committed its user and account after our first look and before our insert.
    theirs = FirmAccount.objects.create(user=User.objects.create_user(username="biuro@example.com"), firm=firm)
    lookups = iter([FirmAccount.objects.none(), FirmAccount.objects.all()])
    real_filter = FirmAccount.objects.filter
    monkeypatch.setattr(FirmAccount.objects, "filter", lambda **kw: next(lookups).filter(**kw) if kw else real_filter())
    monkeypatch.setattr(User.objects, "filter", lambda **kw: User.objects.none())

    def losing_insert(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(User.objects, "create_user", losing_insert)
    account, problem = accounts.ensure_firm_account(firm=firm)
    assert problem == "" and account == theirs


def test_accepting_the_terms_twice_at_once_records_one_acceptance(monkeypatch):
    firm = FirmFactory(contact_email="biuro@example.com")
    user = get_user_model().objects.create_user(username="biuro@example.com", email="biuro@example.com")
    FirmAccount.objects.create(user=user, firm=firm)
    accounts.accept_terms(user=user)  # the other click's row, committed between our read and our insert

    def losing_insert(**lookup):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(TermsAcceptance.objects, "get_or_create", losing_insert)
    acceptance = accounts.accept_terms(user=user)
    assert TermsAcceptance.objects.filter(user=user).count() == 1 and acceptance.pk is not None
