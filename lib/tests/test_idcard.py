"""Tests for lib.idcard."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.idcard import (
    PROVINCE_CODES,
    IdNumberError,
    id_number_birth_date,
    id_number_check_char,
    id_number_sex,
    normalize_id_number,
    validate_id_number,
)

# Fixed reference day keeps generated birth dates deterministic.
TODAY = date(2025, 1, 1)
CHECK_CHARS = "0123456789X"
# Digits outside ASCII that str.isdigit()/int() would happily accept.
NON_ASCII_DIGITS = "０１２３４５６７８９٠١٢٣٤٥٦٧٨٩۰۵०५০৫"


@st.composite
def id_bodies(draw: st.DrawFn) -> tuple[str, date]:
    """17 body digits with a valid region and birth date, plus that date."""
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    county = draw(st.from_regex(r"\A[0-9]{4}\Z", fullmatch=True).filter(lambda s: s != "0000"))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    seq = draw(st.from_regex(r"\A[0-9]{3}\Z", fullmatch=True))
    return f"{province}{county}{born:%Y%m%d}{seq}", born


def valid_number(body: str) -> str:
    return body + id_number_check_char(body)


def test_it_accepts_known_example() -> None:
    assert validate_id_number("11010519491231002X") == "11010519491231002X"
    assert id_number_check_char("11010519491231002") == "X"
    assert id_number_birth_date("11010519491231002X") == date(1949, 12, 31)
    assert id_number_sex("11010519491231002X") == "女"


def test_it_accepts_residence_permit_regions() -> None:
    # 港澳台居民居住证 use 810000/820000/830000 as the whole address code.
    for region in ("810000", "820000", "830000"):
        number = valid_number(region + "19900101001")
        assert validate_id_number(number, today=TODAY) == number


def test_it_reports_sex_from_17th_digit() -> None:
    male = valid_number("11010519800101001")
    female = valid_number("11010519800101002")
    assert id_number_sex(male) == "男"
    assert id_number_sex(female) == "女"


def test_it_normalizes_whitespace_and_lowercase_x() -> None:
    assert normalize_id_number(" \t11010519491231002x\n") == "11010519491231002X"
    assert validate_id_number(" 11010519491231002x ") == "11010519491231002X"


@given(id_bodies())
def test_it_validates_and_round_trips_generated_numbers(case: tuple[str, date]) -> None:
    body, born = case
    number = valid_number(body)
    assert validate_id_number(number, today=TODAY) == number
    assert validate_id_number(validate_id_number(number, today=TODAY), today=TODAY) == number
    assert id_number_birth_date(number) == born
    assert id_number_sex(number) == ("男" if int(number[16]) % 2 else "女")


@given(id_bodies(), st.sampled_from(CHECK_CHARS))
def test_it_rejects_any_wrong_check_char(case: tuple[str, date], wrong: str) -> None:
    body, _ = case
    right = id_number_check_char(body)
    if wrong == right:
        wrong = CHECK_CHARS[(CHECK_CHARS.index(right) + 1) % len(CHECK_CHARS)]
    with pytest.raises(IdNumberError, match="校验位错误"):
        validate_id_number(body + wrong, today=TODAY)


@given(id_bodies(), st.integers(min_value=0, max_value=16), st.integers(1, 9))
def test_it_rejects_any_single_digit_change(case: tuple[str, date], pos: int, delta: int) -> None:
    # MOD 11-2 weights are non-zero mod 11, so one changed digit is always
    # caught (by the check char if not already by the region or date rules).
    body, _ = case
    number = valid_number(body)
    changed = str((int(number[pos]) + delta) % 10)
    with pytest.raises(IdNumberError):
        validate_id_number(number[:pos] + changed + number[pos + 1 :], today=TODAY)


@given(
    id_bodies(),
    st.integers(min_value=0, max_value=17),
    st.sampled_from(NON_ASCII_DIGITS),
)
def test_it_rejects_non_ascii_digits(case: tuple[str, date], pos: int, digit: str) -> None:
    body, _ = case
    number = valid_number(body)
    bad = number[:pos] + digit + number[pos + 1 :]
    assert normalize_id_number(bad) == bad
    with pytest.raises(IdNumberError, match="只能包含数字"):
        validate_id_number(bad, today=TODAY)


@given(st.text(alphabet=NON_ASCII_DIGITS, min_size=18, max_size=18))
def test_it_rejects_all_unicode_digit_strings(text: str) -> None:
    with pytest.raises(IdNumberError):
        validate_id_number(text, today=TODAY)


@given(id_bodies())
def test_it_accepts_lowercase_x(case: tuple[str, date]) -> None:
    body, _ = case
    # Force an X check char by searching the sequence digits.
    for seq in range(1000):
        candidate = f"{body[:14]}{seq:03d}"
        if id_number_check_char(candidate) == "X":
            lower = candidate + "x"
            assert normalize_id_number(lower) == candidate + "X"
            assert validate_id_number(lower, today=TODAY) == candidate + "X"
            return
    pytest.fail("no sequence yields check char X")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "身份证号码应为18位"),
        ("1101051949123100", "身份证号码应为18位"),
        ("11010519491231002X1", "身份证号码应为18位"),
        ("1101051949123100XX", "身份证号码只能包含数字，最后一位可以是X"),
        ("11010519491231002Y", "身份证号码只能包含数字，最后一位可以是X"),
        ("１1010519491231002X", "身份证号码只能包含数字，最后一位可以是X"),
        ("99010519491231002X", "身份证号码中的地区代码无效"),
        ("110000194912310020", "身份证号码中的地区代码无效"),
        ("830100194912310020", "身份证号码中的地区代码无效"),
        ("110105194902300020", "身份证号码中的出生日期无效"),
        ("110105189912310020", "身份证号码中的出生日期无效"),
        ("110105202501020020", "身份证号码中的出生日期无效"),
        ("110105194912310021", "身份证号码校验位错误，请核对后重新输入"),
    ],
)
def test_it_reports_chinese_messages(raw: str, message: str) -> None:
    with pytest.raises(IdNumberError) as info:
        validate_id_number(raw, today=TODAY)
    assert str(info.value) == message
    assert info.value.message == message


def test_it_rejects_future_birth_date_but_accepts_today() -> None:
    number = valid_number("11010520250101001")
    assert validate_id_number(number, today=TODAY) == number
    with pytest.raises(IdNumberError, match="出生日期无效"):
        validate_id_number(number, today=date(2024, 12, 31))


def test_it_rejects_non_ascii_body_in_check_char_helper() -> None:
    with pytest.raises(IdNumberError):
        id_number_check_char("１1010519491231002")


def test_it_is_a_value_error() -> None:
    assert issubclass(IdNumberError, ValueError)
