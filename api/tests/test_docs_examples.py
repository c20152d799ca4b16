"""docs/api.md's signed-request examples, run as written: the Python one with urllib's
urlopen answered by the test client, the shell one with bash and the real openssl, its curl
command replayed through the test client. A change to the signature that the manual does
not follow fails here."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import urllib.error
from email.message import Message
from pathlib import Path
from typing import Any
from unittest import mock

from django.conf import settings

from api.models import RelyingParty
from api.tests.helpers import ApiTestCase
from audit.models import AuditAction, AuditEvent, AuditResult
from portal.demo import DEMO_API_SECRET, DEMO_APP_KEY
from registry.models import Registration
from registry.tests.builders import registration_granted

DOC = Path(settings.BASE_DIR) / "docs" / "api.md"
BASH = shutil.which("bash") or "/bin/bash"


def block(language: str) -> str:
    found = re.search(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert found, f"docs/api.md has no {language} block"
    return found.group(1)


class FakeAnswer:
    def __init__(self, status: int, content: bytes) -> None:
        self.status, self._content = status, content

    def read(self, *args: Any) -> bytes:
        return self._content

    def __enter__(self) -> FakeAnswer:
        return self

    def __exit__(self, *args: Any) -> None:
        return None


class DocsExamplesTest(ApiTestCase):
    registration: Registration

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.registration = registration_granted(cls)
        # The demo's relying party, with the published key and secret the examples carry.
        cls.party.app_key, cls.party.secret = DEMO_APP_KEY, DEMO_API_SECRET
        cls.party.save(update_fields=["app_key", "secret"])

    def send(self, *, method: str, url: str, headers: dict[str, str], body: bytes) -> Any:
        path = url.removeprefix("http://127.0.0.1:8000")
        named = {k.lower(): k for k in headers}
        content_type = headers.pop(named.get("content-type", ""), "application/octet-stream")
        return self.client.generic(method, path, data=body, content_type=content_type, headers=headers)

    def test_the_python_example_signs_as_the_server_checks(self):
        def urlopen(request: Any, timeout: float = 0) -> FakeAnswer:
            headers = dict(request.header_items())  # urllib writes them as "X-api-key"
            r = self.send(
                method=request.get_method(), url=request.full_url, headers=headers, body=request.data or b""
            )
            if r.status_code >= 400:
                raise urllib.error.HTTPError(
                    request.full_url, r.status_code, "", Message(), io.BytesIO(r.content)
                )
            return FakeAnswer(r.status_code, r.content)

        namespace: dict[str, Any] = {"__name__": "docs_api_example"}
        exec(compile(block("python"), "docs/api.md", "exec"), namespace)  # noqa: S102  # our own manual
        with mock.patch("urllib.request.urlopen", urlopen):
            status, answer = namespace["call"](
                "POST",
                "/api/v1/partner/register/query",
                payload={"name": "张伟", "number": self.registration.number},
            )
            self.assertEqual(status, 200, answer)
            self.assertEqual(answer["registration_number"], self.registration.number)
            # A query string is signed too (the endpoint ignores it, the signature does not).
            status, answer = namespace["call"](
                "GET",
                "/api/v1/partner/certificates/by-token/5b0e6f7c-0000-4000-8000-000000000000",
                query={"b": "2 x", "a": "证"},
            )
            self.assertEqual((status, answer["code"]), (404, "not_found"))
        results = list(
            AuditEvent.objects.filter(
                action__in=[AuditAction.API_REGISTER_QUERY, AuditAction.API_CERTIFICATE_VERIFY]
            ).values_list("action", "result")
        )
        self.assertEqual(
            results,
            [
                (AuditAction.API_REGISTER_QUERY, AuditResult.SUCCESS),
                (AuditAction.API_CERTIFICATE_VERIFY, AuditResult.FAILURE),
            ],
        )

    def test_the_curl_example_signs_as_the_server_checks(self):
        body = json.dumps(
            {"name": "张伟", "number": self.registration.number}, ensure_ascii=False, separators=(",", ":")
        )
        script = re.sub(r"^BODY=.*$", f"BODY='{body}'", block("sh"), count=1, flags=re.MULTILINE)
        # curl replaced by a function that writes its arguments, one per NUL-terminated item.
        fake = 'curl() { printf "%s\\0" "$@"; }\n'
        # The manual's own lines, run as a reader would run them.
        out = subprocess.run(  # noqa: S603
            [BASH, "-e", "-c", fake + script], capture_output=True, check=True, timeout=30
        ).stdout
        args = out.split(b"\0")[:-1]
        headers: dict[str, str] = {}
        method, url, data = "GET", "", b""
        i = 0
        while i < len(args):
            arg = args[i].decode()
            if arg in ("-H", "-X", "--data-binary"):
                value = args[i + 1]
                if arg == "-H":
                    name, _, text = value.decode().partition(": ")
                    headers[name] = text
                elif arg == "-X":
                    method = value.decode()
                else:
                    data = value
                i += 2
                continue
            if arg.startswith("http"):
                url = arg
            i += 1
        self.assertEqual(data, body.encode())
        r = self.send(method=method, url=url, headers=headers, body=data)
        self.assertEqual(r.status_code, 200, r.content)
        self.assertEqual(r.json()["holder_name"], "张*")
        self.assertTrue(RelyingParty.objects.filter(app_key=DEMO_APP_KEY).exists())
