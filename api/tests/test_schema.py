"""Schemathesis against /api/v1/openapi.json, in process (the WSGI app, no network): for every
operation, generated requests (valid ones, and invalid ones that must be refused with a 4xx)
never get a server error, and every answer matches what the description says of its status,
content type and body. The partner endpoints get every request signed (a WSGI wrapper signs
whatever Schemathesis sends), the applicant's carry a session, so that the generated data
reaches the endpoints rather than stopping at the door. Examples are few: it runs in `make test`."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable
from typing import Any

import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from api.signing import signature_of, string_to_sign
from api.tests.helpers import ApiTestCase
from certificates.models import Certificate
from certificates.tests.helpers import ensure_keys
from registry.models import Registration
from registry.tests.builders import registration_granted

EXAMPLES = 8
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

StartResponse = Callable[..., Any]


class SigningApp:
    """The portal's WSGI app, signing /partner/ requests as the test's party and giving /me/
    requests the applicant's session."""

    def __init__(self, *, app_key: str, secret: str, session_cookie: str) -> None:
        self.app = WSGIHandler()
        self.app_key, self.secret, self.session_cookie = app_key, secret, session_cookie
        self.count = 0

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # WSGI carries the path as Latin-1 text of its bytes; Django reads them as UTF-8.
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
        # Credentials are replaced where the request carries some (the security schemes name
        # X-Api-Key and the session cookie), never added: a request sent without them must be
        # refused.
        if path.startswith("/api/v1/partner/") and "HTTP_X_API_KEY" in environ:
            self.count += 1
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            timestamp, nonce = str(int(time.time())), f"schemathesis{self.count:020d}"
            text = string_to_sign(
                method=environ["REQUEST_METHOD"],
                path=path,
                query_string=environ.get("QUERY_STRING", ""),
                app_key=self.app_key,
                timestamp=timestamp,
                nonce=nonce,
                body=body,
            )
            environ |= {
                "HTTP_X_API_KEY": self.app_key,
                "HTTP_X_API_TIMESTAMP": timestamp,
                "HTTP_X_API_NONCE": nonce,
                "HTTP_X_API_SIGNATURE": signature_of(secret=self.secret, text=text),
            }
        if path.startswith("/api/v1/me/") and "sessionid=" in environ.get("HTTP_COOKIE", ""):
            environ["HTTP_COOKIE"] = self.session_cookie
        return self.app(environ, start_response)


def generated_requests_run(operation: Any, mode: GenerationMode) -> None:
    """`EXAMPLES` requests of `operation` in `mode`, each checked (invalid ones must be refused)."""
    checks = CHECKS + ([negative_data_rejection] if mode is GenerationMode.NEGATIVE else [])

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        case.call_and_validate(checks=checks)

    run()


class SchemaTest(ApiTestCase):
    registration: Registration

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()  # the file check reads the CA certificate

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.party.per_minute = cls.party.per_day = 1_000_000
        cls.party.save(update_fields=["per_minute", "per_day"])
        cls.registration = registration_granted(cls)

    def setUp(self) -> None:
        super().setUp()
        # As Django's test client does: a request's end must not close the test's connection.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        self.addCleanup(request_started.connect, close_old_connections)
        self.addCleanup(request_finished.connect, close_old_connections)
        client = Client()
        client.force_login(self.applicant)
        self.app = SigningApp(
            app_key=self.party.app_key,
            secret=self.secret,
            session_cookie=f"sessionid={client.cookies['sessionid'].value}",
        )
        self.schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", self.app)

    def operations(self) -> list[Any]:
        return [result.ok() for result in self.schema.get_all_operations()]  # type: ignore[union-attr]

    def test_generated_requests_get_no_server_error_and_answers_match_the_schema(self):
        operations = self.operations()
        self.assertEqual(len(operations), 11)
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                with self.subTest(operation=operation.label, mode=mode.value):
                    generated_requests_run(operation, mode)

    def test_real_answers_match_the_schema(self):
        # Generated data rarely names a real registration: these do, so the 200 bodies are checked.
        certificate = Certificate.objects.get(registration=self.registration)
        by_id = {operation.definition.raw.get("operationId"): operation for operation in self.operations()}
        query = {"name": "张伟", "number": self.registration.number}
        license_id = {"license_id": certificate.license_id}
        signed = {"X-Api-Key": "replaced by SigningApp"}
        session = {"sessionid": "replaced by SigningApp"}
        cases = [
            by_id["public_register_query"].Case(body=query, media_type="application/json"),
            by_id["partner_register_query"].Case(body=query, media_type="application/json", headers=signed),
            by_id["public_certificate_by_license_id"].Case(path_parameters=license_id),
            by_id["partner_certificate_by_license_id"].Case(path_parameters=license_id, headers=signed),
            by_id["me_cases"].Case(cookies=session),
            by_id["me_certificates"].Case(cookies=session),
        ]
        for case in cases:
            with self.subTest(case.operation.label):
                response = case.call_and_validate(checks=CHECKS)
                self.assertEqual(response.status_code, 200, response.text)
