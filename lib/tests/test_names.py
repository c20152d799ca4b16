"""lib/names.py: what may be typed as a name, and in free text."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from lib.names import FreeTextValidator, NameValidator, TextRefused, check_free_text, check_name


@pytest.mark.parametrize(
    "name",
    [
        "张伟",
        "买买提·艾力",
        "O'Neill Smith",
        "辽宁宏建建设集团有限公司",
        "（辽宁）建设有限公司",
        "Jean-Luc",
        "\ue000伟",
    ],
)
def test_it_accepts_real_names(name: str) -> None:
    assert check_name(name, label="姓名") == name


def test_it_composes_decomposed_names() -> None:
    assert check_name("Jose\u0301", label="姓名") == "José"


@pytest.mark.parametrize("name", ["<b>张伟</b>", "张伟>", "A&B公司", '张"伟', "张`伟", "张\\伟"])
def test_it_refuses_markup_in_a_name(name: str) -> None:
    with pytest.raises(TextRefused) as e:
        check_name(name, label="单位名称")
    assert str(e.value).startswith("单位名称不能包含 <")


@pytest.mark.parametrize("name", ["张\n伟", "张\t伟", "张\x00伟", "王\u202e五", "王\u200b五", "王\u2028五"])
def test_it_refuses_control_and_invisible_characters_in_a_name(name: str) -> None:
    with pytest.raises(TextRefused) as e:
        check_name(name, label="姓名")
    assert str(e.value) == "姓名中含有换行、制表符等控制字符或不可见字符，请重新输入"


def test_it_lets_free_text_quote_markup_and_break_lines() -> None:
    text = "材料第2页 <签字> 不清晰 & 盖章缺失；\r\n请重新上传。\t谢谢"
    assert check_free_text(text, label="审查意见") == text


@pytest.mark.parametrize("text", ["意见\x00", "意见\x1b[31m", "意见\u202e反转"])
def test_it_refuses_control_characters_in_free_text(text: str) -> None:
    with pytest.raises(TextRefused) as e:
        check_free_text(text, label="审查意见")
    assert str(e.value) == "审查意见中含有控制字符或不可见的方向控制字符，请删除后重新输入"


def test_its_validators_raise_the_same_messages_for_forms() -> None:
    with pytest.raises(ValidationError) as e:
        NameValidator("变更后姓名")("<script>")
    assert e.value.messages == ['变更后姓名不能包含 < > & " ` \\ 等符号，请按证件上的名称填写']
    with pytest.raises(ValidationError):
        FreeTextValidator("变更原因")("原因\x07")
    NameValidator("姓名")("张伟")
    FreeTextValidator("变更原因")("a < b")
