"""Tests for lib.uscc."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.uscc import ALPHABET, UsccError, normalize_uscc, uscc_check_char, validate_uscc

DIGITS = "0123456789"
NON_ASCII_DIGITS = "０１２３４５６７８９٠١٢٣٤٥٦٧٨٩"


@st.composite
def uscc_bodies(draw: st.DrawFn) -> str:
    """17 characters that are valid apart from the check character."""
    head = draw(st.text(alphabet=ALPHABET, min_size=2, max_size=2))
    division = draw(st.text(alphabet=DIGITS, min_size=6, max_size=6))
    rest = draw(st.text(alphabet=ALPHABET, min_size=9, max_size=9))
    return head + division + rest


def test_it_accepts_known_example() -> None:
    # Real-format code for a Fuzhou (350100) enterprise; its check char
    # computes to '3', matching the published value.
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert validate_uscc("91350100M000100Y43") == "91350100M000100Y43"


def test_it_normalizes_case_and_whitespace() -> None:
    assert normalize_uscc(" 91350100m000100y43\t") == "91350100M000100Y43"
    assert validate_uscc("91350100m000100y43") == "91350100M000100Y43"


def test_it_uppercases_ascii_only() -> None:
    # str.upper() would turn 'ß' into 'SS' and change the length.
    assert normalize_uscc("ß") == "ß"
    assert normalize_uscc("ａ") == "ａ"


def test_it_has_weights_nonzero_mod_31() -> None:
    # Reasoning behind the single-substitution guarantee below: the weights
    # are 3**i mod 31, all non-zero mod the prime 31.
    assert all(pow(3, i, 31) != 0 for i in range(17))


@given(uscc_bodies())
def test_it_validates_and_round_trips_generated_codes(body: str) -> None:
    code = body + uscc_check_char(body)
    assert validate_uscc(code) == code
    assert validate_uscc(code.lower()) == code
    assert validate_uscc(validate_uscc(code)) == code


@given(uscc_bodies(), st.integers(min_value=0, max_value=17), st.integers(1, 30))
def test_it_rejects_any_single_substitution(body: str, pos: int, delta: int) -> None:
    code = body + uscc_check_char(body)
    replacement = ALPHABET[(ALPHABET.index(code[pos]) + delta) % 31]
    mutated = code[:pos] + replacement + code[pos + 1 :]
    assert mutated != code
    with pytest.raises(UsccError):
        validate_uscc(mutated)


@given(uscc_bodies(), st.integers(min_value=0, max_value=17), st.integers(1, 30))
def test_it_detects_substitution_by_check_char_alone(body: str, pos: int, delta: int) -> None:
    # Independent of the shape rules: the MOD 31 check itself must change.
    code = body + uscc_check_char(body)
    replacement = ALPHABET[(ALPHABET.index(code[pos]) + delta) % 31]
    mutated = code[:pos] + replacement + code[pos + 1 :]
    assert uscc_check_char(mutated[:17]) != mutated[17]


@given(
    uscc_bodies(),
    st.integers(min_value=0, max_value=17),
    st.sampled_from(NON_ASCII_DIGITS),
)
def test_it_rejects_non_ascii_digits(body: str, pos: int, digit: str) -> None:
    code = body + uscc_check_char(body)
    bad = code[:pos] + digit + code[pos + 1 :]
    assert normalize_uscc(bad) == bad
    with pytest.raises(UsccError, match="无效字符"):
        validate_uscc(bad)


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_it_rejects_excluded_letters(letter: str) -> None:
    with pytest.raises(UsccError, match="无效字符"):
        validate_uscc("91350100M00010" + letter + "Y43")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "统一社会信用代码应为18位"),
        ("91350100M000100Y4", "统一社会信用代码应为18位"),
        ("91350100M000100Y431", "统一社会信用代码应为18位"),
        ("91350100M000100I43", "统一社会信用代码含有无效字符"),
        ("913501A0M000100Y43", "统一社会信用代码含有无效字符"),
        ("91350100M000100Y4-", "统一社会信用代码含有无效字符"),
        ("91350100M000100Y44", "统一社会信用代码校验位错误，请核对后重新输入"),
    ],
)
def test_it_reports_chinese_messages(raw: str, message: str) -> None:
    with pytest.raises(UsccError) as info:
        validate_uscc(raw)
    assert str(info.value) == message
    assert info.value.message == message


def test_it_rejects_invalid_chars_in_check_char_helper() -> None:
    with pytest.raises(UsccError):
        uscc_check_char("91350100M000100I4")
