"""What a refused form says: field messages in plain Chinese that say what to do, and the
error summary shown at the top of the form.

Django's own messages (「这个字段是必填项。」, 「选择一个有效的选项。」) name no field and tell
nobody what to do. `plain_error_messages` is the one home of the wording: every portal form
derives from `PortalForm`, which applies it before cleaning, from each field's label and
widget. A message a form sets itself (error_messages={...}) is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms


def _django_defaults(field: forms.Field) -> dict[str, str]:
    defaults: dict[str, str] = {}
    for cls in reversed(type(field).__mro__):
        defaults.update({k: str(v) for k, v in getattr(cls, "default_error_messages", {}).items()})
    return defaults


def _chooses(field: forms.Field) -> bool:
    widget = field.widget
    return isinstance(field, forms.ChoiceField | forms.ModelChoiceField) or isinstance(
        widget, forms.Select | forms.RadioSelect | forms.CheckboxSelectMultiple
    )


def plain_messages_for(field: forms.Field, label: str) -> dict[str, str]:
    """The messages for one field, by its kind. `%(limit_value)s` and friends are filled in
    by Django from the validator's parameters."""
    label = label.replace("%", "%%")
    if isinstance(field, forms.BooleanField):
        required = f"请勾选“{label}”"
    elif isinstance(field, forms.FileField):
        required = f"请选择要上传的{label}"
    elif _chooses(field):
        required = f"请选择{label}"
    else:
        required = f"请填写{label}"
    messages = {
        "required": required,
        "invalid_choice": f"所选的{label}“%(value)s”不在可选范围内，请重新选择",
        "invalid_list": f"{label}的选择有误，请重新选择",
        "max_length": f"{label}最多填写%(limit_value)d个字（现为%(show_value)d个），请删减",
        "min_length": f"{label}至少填写%(limit_value)d个字（现为%(show_value)d个）",
        "max_value": f"{label}不能大于%(limit_value)s，请核对",
        "min_value": f"{label}不能小于%(limit_value)s，请核对",
        # Django's zh-hans wording for this one is garbled (「不允许是用空字符串。」). Without the
        # label: the summary adds it, and two fields refused alike read as one sentence.
        "null_characters_not_allowed": "含有不可见的空字符（NUL），请删除后重新输入",
    }
    # FloatField and DecimalField derive from IntegerField: they are asked first.
    if isinstance(field, forms.FloatField | forms.DecimalField):
        messages["invalid"] = f"{label}请填写数字，如 2.5"
    elif isinstance(field, forms.IntegerField):
        messages["invalid"] = f"{label}请填写整数，如 24"
    elif isinstance(field, forms.DateField):
        messages["invalid"] = f"{label}请按“年-月-日”填写，如 2024-05-01"
    elif isinstance(field, forms.FileField):
        messages["invalid"] = f"所选的{label}无法读取，请重新选择文件"
        messages["empty"] = f"所选的{label}是空文件，请重新选择"
    return messages


def plain_error_messages(form: forms.BaseForm) -> None:
    """Replace Django's generic messages on the form's fields (its own copies) with ones
    that name the field and say what to do; messages the form chose itself stay."""
    for field in form.fields.values():
        label = str(field.label or "")
        if not label or field.widget.is_hidden:
            continue
        defaults = _django_defaults(field)
        for code, text in plain_messages_for(field, label).items():
            current = field.error_messages.get(code)
            if current is None or str(current) == defaults.get(code):
                field.error_messages[code] = text


class PortalForm(forms.Form):
    """The portal's forms: plain Chinese field messages (see the module docstring)."""

    def full_clean(self) -> None:
        # Here rather than in __init__: some forms add fields after their own __init__.
        plain_error_messages(self)
        super().full_clean()


@dataclass(frozen=True)
class SummaryItem:
    text: str
    href: str  # "#id_field", or "" for a message about the whole form


def error_summary(form: forms.BaseForm) -> list[SummaryItem]:
    """What the summary at the top of a refused form lists: the form's own messages, then
    one line per field in the form's order, linking to the field."""
    if not form.is_bound or not form.errors:
        return []
    items = [SummaryItem(text=str(e), href="") for e in form.non_field_errors()]
    for bound in form:
        if bound.errors and not bound.is_hidden:
            target = bound.auto_id
            if target and isinstance(bound.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                target = f"{target}_0"  # the group's first box: the focus can go there
            text = "；".join(str(e) for e in bound.errors)
            # A message that does not name its field gets the label, so the line stands
            # alone; a tick box's label is a whole sentence, and its message says it already.
            label = str(bound.label or "")
            if label and label not in text and not isinstance(bound.field, forms.BooleanField):
                text = f"{label}：{text}"
            items.append(SummaryItem(text=text, href=f"#{target}" if target else ""))
    for name in form.errors:
        if name in form.fields and form[name].is_hidden:
            items += [SummaryItem(text=str(e), href="") for e in form.errors[name]]
    return items
