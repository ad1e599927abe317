import pytest

from nominations.emails import canonical_email


@pytest.mark.parametrize(
    "spelling",
    [
        "jan.kowalski@gmail.com",
        "JanKowalski@Gmail.com",
        "jan.kowalski+vote@googlemail.com",
        "j.a.n.kowalski+x+y@GMAIL.COM",
    ],
)
def test_gmail_spellings_share_one_canonical_form(spelling):
    assert canonical_email(spelling) == "jankowalski@gmail.com"


def test_other_domains_keep_dots_and_tags():
    assert canonical_email("Jan.Kowalski+a@Example.PL") == "jan.kowalski+a@example.pl"


def test_unicode_domain_is_idna_encoded():
    assert canonical_email("Ana@Ștefănești.ro") == "ana@xn--tefneti-b4a21wga.ro"
