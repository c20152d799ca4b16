"""docs/exchange.md is the contract the receivers build to: every field, event and code the
portal sends is in it, so the document and `exchange/contracts.py` cannot drift apart."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_type_hints

from django.conf import settings
from django.test import SimpleTestCase

from accounts.models import IdType
from cases.models import CaseAction, CaseStatus
from exchange.contracts import (
    CaseRecord,
    CaseRecordEvent,
    Channel,
    Envelope,
    LicenceEvent,
    LicenceIssued,
    LicenceStatus,
    LicenceStatusChanged,
)
from exchange.gateways import REFUSED_STATUSES, request_signature, signed_text

DOC = (Path(settings.BASE_DIR) / "docs" / "exchange.md").read_text("utf-8")


class ContractDocumentTestCase(SimpleTestCase):
    def assert_documented(self, codes: object) -> None:
        for code in codes:  # type: ignore[attr-defined]
            with self.subTest(code=code):
                self.assertIn(f"`{code}`", DOC)

    def test_every_field_is_documented(self):
        for shape in (Envelope, LicenceIssued, LicenceStatusChanged, CaseRecord):
            self.assert_documented(get_type_hints(shape))

    def test_every_channel_event_and_status_is_documented(self):
        self.assert_documented(Channel.values)
        self.assert_documented(LicenceEvent.values)
        self.assert_documented(CaseRecordEvent.values)
        self.assert_documented(LicenceStatus.values)
        self.assert_documented(CaseStatus.values)
        self.assert_documented(CaseAction.values)
        self.assert_documented(IdType.values)

    def test_the_final_refusals_are_the_documented_ones(self):
        (row,) = [line for line in DOC.splitlines() if "记录本身被拒绝" in line]
        self.assertEqual(row.split("|")[1].strip(), "、".join(str(s) for s in sorted(REFUSED_STATUSES)))

    def test_the_documented_python_check_accepts_our_signature_and_nothing_else(self):
        (code,) = re.findall(r"```python\n(.*?)```", DOC, re.DOTALL)
        namespace: dict[str, Any] = {}
        exec(code, namespace)  # noqa: S102 - the document's own example
        secret, body = "s" * 40, b'{"record_id":"k"}'
        headers = {"X-Timestamp": "1772589600", "X-Nonce": "n" * 32, "Idempotency-Key": "k"}
        text = signed_text(
            method="POST",
            path="/api/records",
            query="v=1",
            timestamp="1772589600",
            nonce="n" * 32,
            idempotency_key="k",
            body=body,
        )
        headers["X-Signature"] = request_signature(secret=secret, text=text)

        check = namespace["signature_ok"]
        self.assertTrue(check(secret, "POST", "/api/records", "v=1", headers, body))
        self.assertFalse(check(secret, "POST", "/api/records", "v=1", headers, body + b" "))
        self.assertFalse(check("t" * 40, "POST", "/api/records", "v=1", headers, body))
