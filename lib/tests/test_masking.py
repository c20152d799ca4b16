"""Tests for lib.masking."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lib.masking import mask_id_number, mask_mobile, mask_name

digits = st.text(alphabet="0123456789", min_size=0, max_size=30)


def test_it_masks_known_examples() -> None:
    assert mask_id_number("21010119900101123X") == "2101**********123X"
    assert mask_mobile("13800000000") == "138****0000"
    assert mask_name("张") == "*"
    assert mask_name("张三") == "张*"
    assert mask_name("王小明") == "王*明"
    assert mask_name("欧阳建华") == "欧**华"


def test_it_masks_short_values_safely() -> None:
    assert mask_id_number("") == ""
    assert mask_id_number("1") == "*"
    assert mask_id_number("12") == "**"
    assert mask_id_number("123") == "1*3"
    assert mask_mobile("1234") == "1**4"


def test_it_treats_astral_characters_as_one() -> None:
    assert mask_name("𠮷") == "*"
    assert mask_name("𠮷明") == "𠮷*"
    assert mask_name("王𠮷明") == "王*明"
    assert mask_name("𠮷一二𠮷") == "𠮷**𠮷"


@given(st.text(alphabet="0123456789", min_size=18, max_size=18))
def test_it_hides_id_middle(number: str) -> None:
    masked = mask_id_number(number)
    assert len(masked) == 18
    assert masked == number[:4] + "*" * 10 + number[-4:]
    # Check positions, not substrings: kept digits may repeat the middle ones.
    assert all(masked[i] == "*" for i in range(4, 14))


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_it_hides_mobile_middle(number: str) -> None:
    masked = mask_mobile(number)
    assert len(masked) == 11
    assert masked == number[:3] + "****" + number[-4:]
    assert all(masked[i] == "*" for i in range(3, 7))


@given(digits)
def test_it_keeps_length_and_never_leaks_full_value(value: str) -> None:
    for mask in (mask_id_number, mask_mobile):
        masked = mask(value)
        assert len(masked) == len(value)
        if len(value) > 2:
            # At least a third of the characters are always hidden.
            assert masked.count("*") * 3 >= len(value)
            assert masked != value
        else:
            assert masked == "*" * len(value)


@given(st.text(min_size=0, max_size=10))
def test_it_masks_names_keeping_length(name: str) -> None:
    masked = mask_name(name)
    assert len(masked) == len(name)
    if len(name) >= 2:
        assert masked[0] == name[0]
        assert set(masked[1:-1]) <= {"*"}
    if len(name) >= 3:
        assert masked[-1] == name[-1]
