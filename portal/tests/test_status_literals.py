"""No module and no template compares a status with a bare string (STYLE.md 15): Python uses
the enums, templates the enums the `statuses` context processor puts in every page's
context. The literals are the values of every `...Status` TextChoices of the project,
collected from the enums when the test runs, so a new status or a new enum is covered."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import models
from django.template import engines

ROOT = Path(settings.BASE_DIR)
SKIPPED_DIRS = {".venv", ".git", "migrations", "node_modules", "var", "__pycache__", "static"}


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def status_enums() -> list[type[models.TextChoices]]:
    """Every TextChoices named `...Status` defined in the project (not in a library)."""
    ours = {p.name for p in ROOT.iterdir() if (p / "apps.py").exists() or (p / "__init__.py").exists()}
    return [
        e
        for e in _subclasses(models.TextChoices)
        if e.__name__.endswith("Status") and e.__module__.split(".")[0] in ours
    ]


def literal_patterns(values: set[str]) -> list[re.Pattern[str]]:
    quoted = r"""(['"])(?:%s)\1""" % "|".join(map(re.escape, sorted(values)))  # noqa: UP031
    return [
        re.compile(rf"(?:==|!=)\s*{quoted}"),  # x == "draft", {% if x.status == "draft" %}
        re.compile(rf"{quoted}\s*(?:==|!=)"),  # "draft" == x
        # x in ("draft", ...), x not in ["draft"], {% if x in "draft pending" %} is not used
        re.compile(rf"\bin\s*[(\[{{][^)\]}}]*{quoted}"),
    ]


def _is_loop(line: str, match: re.Match[str]) -> bool:
    # `for action in ("accept", ...)` walks a list, it compares nothing.
    return bool(re.search(r"\bfor\b[^=]*$", line[: match.start()]))


def comparisons(text: str, patterns: list[re.Pattern[str]]) -> list[tuple[int, str]]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if any(m and not _is_loop(line, m) for m in (p.search(line) for p in patterns)):
            found.append((number, line.strip()))
    return found


def project_files() -> list[Path]:
    return [
        p
        for p in ROOT.rglob("*")
        if p.suffix in (".py", ".html", ".txt")
        and p.is_file()
        and not SKIPPED_DIRS.intersection(p.relative_to(ROOT).parts)
        and p != Path(__file__).resolve()  # its examples are literals on purpose
    ]


def test_it_collects_the_status_enums_of_every_app() -> None:
    names = {e.__name__ for e in status_enums()}
    # SmsStatus is the outbox's OutboxStatus (notifications/outbox.py), shared with the rating push.
    assert {"CaseStatus", "RegistrationStatus", "CertificateStatus", "CopyStatus", "OutboxStatus"} <= names


def test_no_module_or_template_compares_a_status_with_a_literal() -> None:
    values = {v for e in status_enums() for v in e.values}
    patterns = literal_patterns(values)
    files = project_files()
    assert len([f for f in files if f.suffix == ".html"]) > 20  # the walk really reads templates
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line}"
        for path in files
        for number, line in comparisons(path.read_text("utf-8"), patterns)
    ]
    assert found == [], "statuses compared with a bare string; use the enum:\n" + "\n".join(found)


def test_it_recognises_each_kind_of_comparison() -> None:
    patterns = literal_patterns({"draft", "valid", "ready"})
    lines = [
        '{% if case.status == "draft" %}',
        "{% if case.status != 'draft' %}",
        'return self.status == "valid"',
        'if "ready" == copy.status:',
        'if status in ("valid", "lapsed"):',
        "if status not in ['ready']:",
        "if status in {'draft'}:",
        # Not comparisons with a status literal:
        "{% if case.status == CaseStatus.DRAFT %}",
        'for action in ("draft", "submit"):',
        'if kind == "drafting":',
        'name = "draft"',
    ]
    assert [n for n, _ in comparisons("\n".join(lines), patterns)] == [1, 2, 3, 4, 5, 6, 7]


def test_every_page_has_the_enums_to_compare_with(rf) -> None:
    page = engines["django"].from_string(
        "{% if case.status == CaseStatus.CORRECTION %}补正材料{% endif %}"
        "{% if copy.status == CopyStatus.READY %}下载{% endif %}"
        "{% if entry.status == RegistrationStatus.CANCELLED %}已注销{% endif %}"
    )
    context = {"case": {"status": "correction"}, "copy": {"status": "ready"}, "entry": {"status": "valid"}}

    assert page.render(context, request=rf.get("/")) == "补正材料下载"
    # Without the context processor (no request) nothing would match: the enums come from it.
    assert page.render(context) == ""
