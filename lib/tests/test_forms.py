"""lib/forms.py: field messages that name the field and say what to do, and the summary."""

from __future__ import annotations

from django import forms
from django.test import SimpleTestCase

from lib.forms import PortalForm, SummaryItem, error_summary


class SampleForm(PortalForm):
    major = forms.CharField(label="所学专业", max_length=5)
    education = forms.ChoiceField(label="最高学历", choices=[("", "请选择"), ("本科", "本科")])
    specialties = forms.MultipleChoiceField(
        label="申请注册专业", choices=[("a", "建筑工程")], widget=forms.CheckboxSelectMultiple
    )
    hours = forms.IntegerField(label="继续教育学时", required=False, min_value=0, max_value=1000)
    on = forms.DateField(label="取得资格日期", required=False)
    consent = forms.BooleanField(label="我已阅读并同意告知书")
    nickname = forms.CharField(
        label="昵称", required=False, error_messages={"max_length": "不能超过2个字"}, max_length=2
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("major") == "土木":
            raise forms.ValidationError("该专业暂不受理")
        return cleaned


class PlainMessagesTestCase(SimpleTestCase):
    def test_it_asks_for_each_missing_field_by_its_label_and_kind(self):
        form = SampleForm(data={})
        self.assertFalse(form.is_valid())
        self.assertEqual(
            {name: list(errors) for name, errors in form.errors.items()},
            {
                "major": ["请填写所学专业"],
                "education": ["请选择最高学历"],
                "specialties": ["请选择申请注册专业"],
                "consent": ["请勾选“我已阅读并同意告知书”"],
            },
        )

    def test_it_says_what_is_wrong_with_a_value(self):
        form = SampleForm(
            data={
                "major": "土木工程学院",
                "education": "博士",
                "specialties": ["z"],
                "hours": "1.5",
                "on": "2024/13/01",
                "consent": "on",
                "nickname": "三个字",
            }
        )
        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors["major"], ["所学专业最多填写5个字（现为6个），请删减"])
        self.assertEqual(form.errors["education"], ["所选的最高学历“博士”不在可选范围内，请重新选择"])
        self.assertEqual(form.errors["specialties"], ["所选的申请注册专业“z”不在可选范围内，请重新选择"])
        self.assertEqual(form.errors["hours"], ["继续教育学时请填写整数，如 24"])
        self.assertEqual(form.errors["on"], ["取得资格日期请按“年-月-日”填写，如 2024-05-01"])
        # A message the form chose itself is kept.
        self.assertEqual(form.errors["nickname"], ["不能超过2个字"])

    def test_it_names_the_limits_of_a_number(self):
        form = SampleForm(data={"major": "土木", "education": "本科", "specialties": ["a"], "hours": "1001"})
        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors["hours"], ["继续教育学时不能大于1000，请核对"])

    def test_a_nul_is_refused_in_chinese_and_the_summary_names_the_field(self):
        # Django's own zh-hans text for it is garbled (「不允许是用空字符串。」).
        form = SampleForm(
            data={"major": "土\x00木", "education": "本科", "specialties": ["a"], "consent": "on"}
        )
        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors["major"], ["含有不可见的空字符（NUL），请删除后重新输入"])
        self.assertEqual(
            error_summary(form),
            [SummaryItem(text="所学专业：含有不可见的空字符（NUL），请删除后重新输入", href="#id_major")],
        )

    def test_it_leaves_the_class_fields_alone(self):
        SampleForm(data={}).is_valid()
        self.assertNotEqual(SampleForm.base_fields["major"].error_messages["required"], "请填写所学专业")


class ErrorSummaryTestCase(SimpleTestCase):
    def test_it_lists_the_form_message_then_each_field_linked_in_order(self):
        form = SampleForm(data={"major": "土木", "education": "", "specialties": ["a"], "consent": "on"})
        self.assertFalse(form.is_valid())
        self.assertEqual(
            error_summary(form),
            [
                SummaryItem(text="该专业暂不受理", href=""),
                SummaryItem(text="请选择最高学历", href="#id_education"),
            ],
        )

    def test_a_checkbox_group_links_to_its_first_box_and_a_foreign_message_gets_the_label(self):
        form = SampleForm(data={"major": "土", "education": "本科", "consent": "on", "nickname": "三个字"})
        self.assertFalse(form.is_valid())
        self.assertEqual(
            error_summary(form),
            [
                SummaryItem(text="请选择申请注册专业", href="#id_specialties_0"),
                SummaryItem(text="昵称：不能超过2个字", href="#id_nickname"),
            ],
        )

    def test_an_unbound_or_valid_form_has_no_summary(self):
        self.assertEqual(error_summary(SampleForm()), [])
        valid = SampleForm(data={"major": "土", "education": "本科", "specialties": ["a"], "consent": "on"})
        self.assertTrue(valid.is_valid())
        self.assertEqual(error_summary(valid), [])
