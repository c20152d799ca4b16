"""Tests for lib.mobile."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.mobile import MobileError, normalize_mobile, validate_mobile

NON_ASCII_DIGITS = "０１２３４５６７８９٠١٢٣٤٥٦٧٨٩"

mobiles = st.builds(
    lambda second, rest: "1" + second + rest,
    st.sampled_from("3456789"),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
)


@given(mobiles)
def test_it_accepts_valid_numbers(number: str) -> None:
    assert validate_mobile(number) == number


@given(mobiles, st.sampled_from(["", "+86", "86", "+86 ", "86-"]))
def test_it_strips_country_prefix(number: str, prefix: str) -> None:
    assert validate_mobile(prefix + number) == number


@given(mobiles)
def test_it_strips_spaces_and_dashes(number: str) -> None:
    spaced = f" {number[:3]} {number[3:7]}-{number[7:]} "
    assert normalize_mobile(spaced) == number
    assert validate_mobile(f"+86 {number[:3]}-{number[3:7]}-{number[7:]}") == number


@given(mobiles, st.integers(min_value=0, max_value=10), st.sampled_from(NON_ASCII_DIGITS))
def test_it_rejects_non_ascii_digits(number: str, pos: int, digit: str) -> None:
    bad = number[:pos] + digit + number[pos + 1 :]
    assert normalize_mobile(bad) == bad
    with pytest.raises(MobileError):
        validate_mobile(bad)


def test_it_keeps_86_prefix_when_not_followed_by_11_digits() -> None:
    assert normalize_mobile("8613800") == "8613800"
    assert normalize_mobile("+86138001380001") == "+86138001380001"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "请输入11位手机号码"),
        ("1380013800", "请输入11位手机号码"),
        ("138001380001", "请输入11位手机号码"),
        ("1380013800a", "请输入11位手机号码"),
        ("+8612345", "请输入11位手机号码"),
        ("12800138000", "手机号码格式不正确，请核对后重新输入"),
        ("23800138000", "手机号码格式不正确，请核对后重新输入"),
    ],
)
def test_it_reports_chinese_messages(raw: str, message: str) -> None:
    with pytest.raises(MobileError) as info:
        validate_mobile(raw)
    assert str(info.value) == message
    assert info.value.message == message
