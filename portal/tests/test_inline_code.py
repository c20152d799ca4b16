"""No template served as a page holds inline script or style: the Content-Security-Policy
(settings: CONTENT_SECURITY_POLICY) refuses them, so one would silently stop working.
templates/paperwork/ is rendered to PDF by WeasyPrint and never served: it may keep its CSS."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
PDF_ONLY = TEMPLATES / "paperwork"

INLINE = {
    "<script> without src": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE),
    "<style> block": re.compile(r"<style\b", re.IGNORECASE),
    "style= attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE),
    "on*= handler": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def inline_code(text: str) -> list[str]:
    return [kind for kind, pattern in INLINE.items() if pattern.search(text)]


def test_it_finds_no_inline_script_or_style_in_page_templates() -> None:
    pages = [p for p in TEMPLATES.rglob("*.html") if PDF_ONLY not in p.parents]
    assert len(pages) > 20  # the walk really reads the templates
    found = {str(p.relative_to(TEMPLATES)): inline_code(p.read_text("utf-8")) for p in pages}
    assert {name: kinds for name, kinds in found.items() if kinds} == {}


def test_it_recognises_each_kind_of_inline_code() -> None:
    assert inline_code("<script>alert(1)</script>") == ["<script> without src"]
    assert inline_code("<style>p{}</style>") == ["<style> block"]
    assert inline_code('<p class="x" style="color:red">') == ["style= attribute"]
    assert inline_code('<button type="button" onclick="go()">') == ["on*= handler"]
    assert inline_code('<a href="javascript:void(0)">') == ["javascript: URL"]


def test_it_accepts_external_scripts_and_data_attributes() -> None:
    assert inline_code("<script src=\"{% static 'js/cases.js' %}\"></script>") == []
    assert inline_code('<form data-once data-confirm="确定？" class="inline">') == []
    assert inline_code("<p>提示：请按 online 说明操作</p>") == []
