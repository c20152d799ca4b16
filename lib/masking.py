"""Masking of personal data for display and logs."""

from __future__ import annotations


def _mask_middle(value: str, head: int, tail: int) -> str:
    """Keep up to head/tail chars, but always mask at least a third."""
    n = len(value)
    # Two chars or fewer cannot be partly shown without leaking half or more.
    if n <= 2:
        return "*" * n
    # Short or malformed input must never be echoed back in full, so the
    # visible part shrinks until at least ceil(n/3) characters are hidden.
    visible = n - (n + 2) // 3
    while head + tail > visible:
        if tail >= head:
            tail -= 1
        else:
            head -= 1
    return value[:head] + "*" * (n - head - tail) + value[n - tail :]


def mask_id_number(number: str) -> str:
    """'11010519491231002X' -> '1101**********002X'."""
    return _mask_middle(number, 4, 4)


def mask_mobile(number: str) -> str:
    """'13800000000' -> '138****0000'."""
    return _mask_middle(number, 3, 4)


def mask_name(name: str) -> str:
    """'张三' -> '张*', '王小明' -> '王*明', '欧阳建华' -> '欧**华'."""
    # Python str indexes code points, so astral chars like '𠮷' count as one.
    n = len(name)
    if n <= 1:
        return "*" * n
    if n == 2:
        return name[0] + "*"
    return name[0] + "*" * (n - 2) + name[-1]
