import pytest
from django.utils import translation

from nominations.registration import InvalidRegistrationNumber, cui_from_body, normalize


@pytest.mark.parametrize(
    "spelling", ["5261040828", "526-104-08-28", "PL 526 104 08 28", "pl5261040828", "526.104.08.28"]
)
def test_usual_nip_spellings_normalise_to_digits(spelling):
    assert normalize(spelling, country="PL") == "5261040828"


def test_nip_with_wrong_check_digit_is_refused():
    with pytest.raises(InvalidRegistrationNumber, match="checksum"):
        normalize("5261040827", country="PL")


@pytest.mark.parametrize("last", range(10))
def test_nip_whose_remainder_is_ten_is_never_valid(last):
    # 123456789x: 1*6+2*5+3*7+4*2+5*3+6*4+7*5+8*6+9*7 = 230, 230 % 11 = 10.
    with pytest.raises(InvalidRegistrationNumber, match="checksum"):
        normalize(f"123456789{last}", country="PL")


@pytest.mark.parametrize(
    "raw", ["52610408", "52610408281", "", "PLPL5261040828", "５２６１０４０８２８", "526<b>1040828"]
)
def test_malformed_nip_is_refused(raw):
    with pytest.raises(InvalidRegistrationNumber):
        normalize(raw, country="PL")


@pytest.mark.parametrize("spelling", ["RO18547290", "ro 18547290", "18547290", "18-547-290"])
def test_usual_cui_spellings_normalise_to_digits(spelling):
    assert normalize(spelling, country="RO") == "18547290"


def test_cui_with_wrong_control_digit_is_refused():
    with pytest.raises(InvalidRegistrationNumber, match="checksum"):
        normalize("RO18547291", country="RO")


def test_cui_control_of_ten_reads_as_zero():
    bodies = [str(b) for b in range(10, 2000)]
    zero_controls = [b for b in bodies if cui_from_body(b).endswith("0")]
    assert zero_controls and all(normalize(cui_from_body(b), country="RO") == cui_from_body(b) for b in zero_controls)


@pytest.mark.parametrize("raw", ["1", "12345678901", "RO"])
def test_cui_length_is_two_to_ten_digits(raw):
    with pytest.raises(InvalidRegistrationNumber):
        normalize(raw, country="RO")


@pytest.mark.parametrize("raw", ["018547290", "RO 0018547290", "00"])
def test_cui_with_a_leading_zero_is_refused(raw):
    # Its checksum passes (the key is right-aligned), but no CUI is issued so, and it
    # would register 18547290 a second time under another number.
    with pytest.raises(InvalidRegistrationNumber, match="does not start with 0"):
        normalize(raw, country="RO")


@pytest.mark.parametrize("language,message", [("pl", "nie zaczyna się od zera"), ("ro", "nu începe cu cifra 0")])
def test_the_leading_zero_reason_is_translated(language, message):
    with translation.override(language):
        with pytest.raises(InvalidRegistrationNumber) as error:
            normalize("018547290", country="RO")
        assert message in str(error.value.args[0])


@pytest.mark.parametrize(
    "country,raw,message",
    [
        ("PL", "526104082", "10 digits"),
        ("PL", "5261040827", "NIP fails its checksum"),
        ("PL", "PL 52610408x8", "digits only"),
        ("RO", "1", "2 to 10 digits"),
        ("RO", "18547291", "CUI fails its checksum"),
        ("RO", "RO１８５４７２９０", "digits only"),
    ],
)
def test_each_mistake_gets_its_own_reason(country, raw, message):
    with pytest.raises(InvalidRegistrationNumber, match=message):
        normalize(raw, country=country)


def test_overlong_input_is_refused_before_parsing():
    with pytest.raises(InvalidRegistrationNumber, match="too long"):
        normalize("5" * 41, country="PL")
