"""Address syntax is email-validator's (no DNS); the messages are ours and Django's, as before."""

import pytest
from django.utils import translation

from nominations.emails import InvalidEmailAddress, canonical_email, parse_address
from nominations.models import Vote
from tests.nominations.helpers import vote


@pytest.fixture(autouse=True)
def no_dns(monkeypatch):
    """Fail loudly if a check ever asks a resolver: the tests and the vote form must work offline."""
    import email_validator.deliverability

    def refuse(*args, **kwargs):
        raise AssertionError("e-mail validation looked up DNS")

    monkeypatch.setattr(email_validator.deliverability, "validate_email_deliverability", refuse)


@pytest.mark.parametrize("address", ["anna@example.com", "Jan.Kowalski+vote@Gmail.com", "Ana@Ștefănești.ro", "x@wp.pl"])
def test_ordinary_addresses_pass_without_a_dns_look_up(address):
    assert parse_address(address).ascii_domain


@pytest.mark.parametrize(
    "address,code",
    [
        ("not-an-address", "invalid"),
        ("anna@example", "invalid"),
        ("józef@example.pl", "invalid"),  # no SMTPUTF8 local parts, as before
        ("anna@[192.0.2.1]", "invalid"),
        ("Anna <anna@example.com>", "invalid"),
        ("anna@example.com.", "invalid"),
        ("anna@localhost", "invalid"),  # reserved names cannot receive the confirmation
        ("anna@mail.test", "invalid"),
        ('"anna"@example.com', "quoted"),
        ("anna@example.com@mailinator.com", "quoted"),
        ("a" * 250 + "@example.com", "max_length"),
        ("anna@" + "b" * 64 + ".com", "max_length"),  # one label over 63
        ("anna@" + "ü" * 60 + ".com", "max_length"),  # over 63 once IDNA-encoded
        ("a" * 60 + "@" + ".".join(["ü" * 45] * 4) + ".com", "max_length"),  # 248 typed, 272 encoded
    ],
)
def test_each_bad_address_gets_its_reason(address, code):
    with pytest.raises(InvalidEmailAddress) as error:
        parse_address(address)
    assert error.value.code == code


def test_the_invalid_message_is_djangos_and_translated():
    with translation.override("pl"):
        with pytest.raises(InvalidEmailAddress) as error:
            parse_address("not-an-address")
        assert str(error.value.args[0]) == "Wprowadź poprawny adres email."


def test_domains_are_encoded_with_idna_2008():
    # IDNA 2003 (Python's "idna" codec) maps ß to ss, a different domain.
    assert canonical_email("anna@Straße.de") == "anna@xn--strae-oqa.de"


def test_the_canonical_form_is_only_made_of_a_valid_address():
    with pytest.raises(InvalidEmailAddress):
        canonical_email('"x@gmail.com"@mailinator.com')


@pytest.mark.django_db
def test_a_vote_from_a_reserved_domain_is_refused(client, nominee):
    response = vote(client, nominee, "anna@localhost")
    assert response.status_code == 400
    assert "valid email" in response.content.decode().lower()
    assert not Vote.objects.exists()


@pytest.mark.django_db
def test_the_stored_address_is_as_typed_in_nfc(client, nominee):
    vote(client, nominee, "Ana@S\u0326tefa\u0306nes\u0326ti.ro")
    saved = Vote.objects.get()
    assert saved.email == "Ana@Ștefănești.ro"
    assert saved.email_canonical == "ana@xn--tefneti-b4a21wga.ro"
