"""A registration type's code is spelled in one place, `catalog/registration_types.py`
(STYLE.md 15, ADR 10): every other module and template names it through the enums."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

from catalog.registration_types import ChangeKind, RegistrationType

ROOT = Path(settings.BASE_DIR)
THE_HOME = ROOT / "catalog" / "registration_types.py"
SCANNED = ("*.py", "*.html", "*.txt")
SKIPPED_DIRS = {".venv", ".git", "var", "migrations", "node_modules", "__pycache__"}
CODE = re.compile(r"""(["'])(initial|addition|reregister|change|cancel|renewal|reissue|lapse)\1""")
# Quoted words that are not a type: the approval event's stored key for the change's summary.
NOT_A_TYPE = {
    ("review/services.py", '"change": change.summary'),
    # the test builder writes the same event data as the approval above
    ("registry/tests/builders.py", '"change": change.summary'),
    # the decision of a 撤销/强制注销 proceeding keeps the history summary with its event (ADR 27)
    ("revocation/services.py", 'data["change"] = change.summary'),
    # Django's permission actions (view_x, add_x, change_x, delete_x), in the role table
    ("accounts/roles.py", '= "view", "add", "change", "delete"'),
}


def files() -> list[Path]:
    found = [p for pattern in SCANNED for p in ROOT.rglob(pattern)]
    return sorted(
        p
        for p in found
        if not SKIPPED_DIRS & set(p.relative_to(ROOT).parts) and p not in (THE_HOME, Path(__file__))
    )


class TypeCodesTestCase(SimpleTestCase):
    def test_no_module_or_template_spells_a_type_code(self) -> None:
        places = []
        for path in files():
            name = path.relative_to(ROOT).as_posix()
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if CODE.search(line) and not any(
                    name == allowed and text in line for allowed, text in NOT_A_TYPE
                ):
                    places.append(f"{name}:{number}: {line.strip()}")
        self.assertEqual(places, [], "use catalog.registration_types instead of:\n" + "\n".join(places))

    def test_it_scans_the_templates_and_the_modules(self) -> None:
        names = {p.relative_to(ROOT).as_posix() for p in files()}
        self.assertIn("templates/cases/_record.html", names)
        self.assertIn("registry/services.py", names)
        self.assertNotIn("catalog/registration_types.py", names)
        self.assertFalse(any("/migrations/" in n for n in names))

    def test_the_stored_codes_never_change(self) -> None:
        # 办理项 codes and history kinds are in the database: the enums must keep these values.
        self.assertEqual(
            RegistrationType.choices,
            [
                ("initial", "初始注册"),
                ("addition", "增项注册"),
                ("reregister", "重新注册"),
                ("change", "变更注册"),
                ("cancel", "注销注册"),
                ("renewal", "延续注册"),
                ("reissue", "遗失补办"),
            ],
        )
        self.assertEqual(
            [k.value for k in ChangeKind], [*RegistrationType.values, "lapse", "revoke", "forced_cancel"]
        )
        self.assertEqual(ChangeKind.LAPSE.label, "注册失效")
