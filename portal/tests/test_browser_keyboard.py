"""The manual's section 2.1 with the keyboard alone (Tab, Shift+Tab, Enter, Space, arrows):
search → 办事指南 → 开始申请 → 填写申请表 → fill the form → 保存信息 and the 提交方式 window. At
every stop the focused element is on the screen and not under the sticky 保存/打印/提交 bar
(WCAG 2.4.11), and the focus ring stands out (≥ 3:1) from white and from the blue header."""

from __future__ import annotations

import re
from typing import Any

import pytest

from cases.models import Case
from portal.browser import DESKTOP, BrowserTestCase
from portal.test import PASSWORD, catalog_seeded, person_create

MATTER = "二级注册建造师执业资格认定"

# What the focused element looks like, and whether a person can see it: its centre is inside
# the window and the element found there is the element (or its label, for the file inputs
# and boxes that their label draws).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return {name: "body", visible: false, tag: "BODY"}; }
  const r = el.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const inside = x >= 0 && y >= 0 && x < window.innerWidth && y < window.innerHeight;
  const hit = inside ? document.elementFromPoint(x, y) : null;
  const labels = el.labels ? Array.from(el.labels) : [];
  const visible = !!hit && (hit === el || el.contains(hit) || labels.some((l) => l.contains(hit)));
  const label = labels.length
    ? labels[0].textContent : (el.getAttribute("aria-label") || el.textContent || "");
  return {
    tag: el.tagName, type: el.type || "", field: el.name || "", value: el.value || "",
    name: label.replace(/\\s+/g, " ").trim().slice(0, 40), visible: visible,
    covering: hit && hit !== el ? (hit.className || hit.tagName) : "",
  };
}"""

RING = """(el) => {
  const s = getComputedStyle(el);
  return {color: s.outlineColor, width: parseFloat(s.outlineWidth), style: s.outlineStyle};
}"""


def luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.browser
class KeyboardTestCase(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        catalog_seeded()
        self.applicant = person_create(name="张伟", first17="21010219900307001", mobile="13800000001")
        self.stops: list[dict[str, Any]] = []
        page = self.page
        page.set_viewport_size(DESKTOP)
        page.goto(self.url("/accounts/login/?kind=person"))
        page.get_by_label(re.compile(r"^\*?账号$")).fill(self.applicant.mobile)
        page.get_by_label(re.compile(r"^\*?密码$")).fill(PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        page.wait_for_load_state()

    def press(self, key: str) -> dict[str, Any]:
        """One key, then the focused element, which must be visible."""
        self.page.keyboard.press(key)
        focused: dict[str, Any] = self.page.evaluate(FOCUSED)
        self.stops.append(focused)
        self.assertTrue(focused["visible"], f"按 {key} 后焦点看不见：{focused}")
        return focused

    def tab_to(self, name: str, *, limit: int = 60) -> dict[str, Any]:
        for _ in range(limit):
            focused = self.press("Tab")
            if focused["name"] == name:
                return focused
        self.fail(f"按 Tab {limit} 次没有到达“{name}”：{[s['name'] for s in self.stops[-limit:]]}")

    def test_it_walks_section_2_1_with_the_keyboard_and_the_focus_stays_in_sight(self) -> None:
        page = self.page
        page.goto(self.url("/"))
        # The first stop is the skip link, shown when focused.
        self.assertEqual(self.press("Tab")["name"], "跳到主要内容")

        # (1) the header's search box, then the matter's name among the results.
        self.tab_to("搜索事项")
        page.keyboard.type(MATTER)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile("/catalog/search/"))
        self.tab_to(MATTER)
        page.keyboard.press("Enter")
        page.get_by_role("heading", name=MATTER, exact=True).wait_for()

        # (2) 开始申请 in the guide (the skip link leads past the header's twenty stops), then
        # the 初始注册 form.
        self.assertEqual(self.press("Tab")["name"], "跳到主要内容")
        page.keyboard.press("Enter")
        self.assertEqual(page.evaluate("document.activeElement.id"), "main")
        self.tab_to("开始申请", limit=8)
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="请选择办理项").wait_for()
        self.tab_to("填写申请表")
        page.keyboard.press("Enter")
        page.locator("#apply-form").wait_for()

        # (3) every stop of the form, typed into or ticked, until 保存信息.
        typed = {
            "major": "土木工程",
            "qualification_number": "LN2024000168",
            "employer_name": "辽宁宏建建设集团有限公司",
            "employer_contact": "赵敏",
            "employer_phone": "024-23447766",
        }
        for _ in range(80):
            focused = self.press("Tab")
            if focused["name"] == "保存信息":
                break
            if focused["field"] in typed:
                page.keyboard.type(typed[focused["field"]])
            elif focused["field"] == "education":
                page.keyboard.press("ArrowDown")  # the first real choice
            elif focused["type"] == "checkbox" and focused["value"] == "10401001":
                page.keyboard.press("Space")
        else:
            self.fail("按 Tab 没有到达“保存信息”")
        fields = {s["field"] for s in self.stops}
        # (The date box is passed over: the order of its parts follows the browser's language.)
        self.assertLessEqual(set(typed) | {"education", "qualification_date", "specialties"}, fields)
        # At this width the bar sticks to the bottom of the window: every stop above was
        # checked against it.
        self.assertEqual(
            page.evaluate("getComputedStyle(document.querySelector('.form-actions')).position"), "sticky"
        )

        # 保存信息 opens the 提交方式 window; Escape closes it and the focus is back on the button.
        page.keyboard.press("Enter")
        dialog = page.locator("#submit-method-dialog")
        dialog.wait_for()
        self.assertTrue(
            page.evaluate("document.getElementById('submit-method-dialog').contains(document.activeElement)")
        )
        page.keyboard.press("Escape")
        self.assertEqual(page.evaluate(FOCUSED)["name"], "保存信息")
        page.keyboard.press("Enter")
        dialog.wait_for()
        # Tab and Shift+Tab go round inside the open window (it traps the focus).
        inside = "document.getElementById('submit-method-dialog').contains(document.activeElement)"
        names = []
        for key in ("Tab",) * 5 + ("Shift+Tab",) * 5:
            names.append(self.press(key)["name"])
            self.assertTrue(page.evaluate(inside), names)
        self.assertIn("确定", names)
        self.assertIn("取消", names)
        focused = self.press("Tab")
        while focused["type"] != "radio":
            focused = self.press("Tab")
        page.keyboard.press("Space")
        self.tab_to("确定")
        page.keyboard.press("Enter")
        page.get_by_text("保存成功").wait_for()

        case = Case.objects.get(applicant=self.applicant)
        for name, value in typed.items():
            self.assertEqual(case.form_data[name], value)
        self.assertEqual(case.form_data["specialties"], ["10401001"])
        self.assertTrue(case.form_data["education"])
        self.assertTrue(case.submit_method)

    def test_it_draws_a_focus_ring_that_stands_out_from_white_and_from_the_header(self) -> None:
        page = self.page
        page.goto(self.url("/"))
        header = page.evaluate("getComputedStyle(document.querySelector('.topbar')).backgroundColor")
        self.press("Tab")  # the skip link, over the header
        page.keyboard.press("Tab")  # the brand, in the header
        ring = page.evaluate(RING, page.evaluate_handle("document.activeElement"))
        self.assertEqual(ring["style"], "solid")
        self.assertGreaterEqual(ring["width"], 2)
        self.assertGreaterEqual(contrast(ring["color"], header), 3)

        # A field on the white page: 姓名 in 注册人员查询.
        page.goto(self.url("/registry/query/"))
        name = page.get_by_label(re.compile(r"^\*?姓名$"))
        name.focus()
        ring = name.evaluate(RING)
        self.assertEqual(ring["style"], "solid")
        self.assertGreaterEqual(ring["width"], 2)
        self.assertGreaterEqual(contrast(ring["color"], "rgb(255, 255, 255)"), 3)
