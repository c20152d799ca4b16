"""The six Grade-2 注册专业 and their codes (set by national rules, not province policy)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models


class Specialty(models.TextChoices):
    BUILDING = "10401001", "建筑工程"
    HIGHWAY = "10401002", "公路工程"
    WATER = "10401005", "水利水电工程"
    MINING = "10401007", "矿业工程"
    MUNICIPAL = "10401010", "市政公用工程"
    MECHANICAL = "10401012", "机电工程"


def specialty_name(code: str) -> str:
    try:
        return Specialty(code).label
    except ValueError:
        return code


def specialty_names(codes: Iterable[str]) -> str:
    """建筑工程、市政公用工程: the names in the order given."""
    return "、".join(specialty_name(code) for code in codes)
