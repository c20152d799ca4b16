"""A small OpenID Connect provider on 127.0.0.1, started by the tests themselves: the
province's 统一身份认证 as the portal meets it, over real HTTP.

It serves discovery, JWKS, authorize (which signs in whoever the test put in `person`,
without a page), token (Authorization Code with PKCE S256 and HTTP Basic client
authentication, checked as a strict platform checks them) and userinfo; ID tokens are signed
RS256 with joserfc. `tamper` names what the next token gets wrong, for the refusal tests."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "lnzwfw-portal"
CLIENT_SECRET = "local-provider-secret"
KEY_ID = "platform-2026"


class LocalProvider:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": KEY_ID, "use": "sig", "alg": "RS256"})
        # Same key id, another key: what a forger without the platform's key can sign with.
        self.rogue_key = RSAKey.generate_key(2048, parameters={"kid": KEY_ID})
        self.person: dict[str, Any] = {}
        self.userinfo_only: set[str] = set()  # claims the ID token leaves to userinfo
        self.tamper: set[str] = set()
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.token_requests: list[dict[str, str]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> LocalProvider:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def settings(self) -> dict[str, Any]:
        """The portal's settings for this provider (the claim names are the defaults)."""
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_DISCOVERY_URL": f"{self.issuer}/.well-known/openid-configuration",
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        }

    # --- what the endpoints answer ------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return 400, {}, b"bad client or response type"
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return 400, {}, b"PKCE S256 required"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "redirect_uri": query["redirect_uri"],
            "challenge": query["code_challenge"],
            "nonce": query.get("nonce", ""),
            "person": dict(self.person),
        }
        answer = {"code": code, "state": query.get("state", "")}
        return 302, {"Location": f"{query['redirect_uri']}?{urlencode(answer)}"}, b""

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != f"Basic {expected}":
            return 401, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
        if challenge.decode() != grant["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verifier"}
        person = grant["person"]
        access_token = secrets.token_urlsafe(24)
        self.tokens[access_token] = person
        answer: dict[str, Any] = {"access_token": access_token, "token_type": "Bearer", "expires_in": 300}
        if "no_id_token" not in self.tamper:
            answer["id_token"] = self.id_token(person=person, nonce=grant["nonce"])
        return 200, answer

    def id_token(self, *, person: dict[str, Any], nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": "https://elsewhere.example" if "issuer" in self.tamper else self.issuer,
            "aud": "another-client" if "audience" in self.tamper else CLIENT_ID,
            "iat": now,
            "exp": now - 600 if "expired" in self.tamper else now + 300,
            "nonce": "not-the-nonce" if "nonce" in self.tamper else nonce,
            **{k: v for k, v in person.items() if k not in self.userinfo_only},
        }
        key = self.rogue_key if "signature" in self.tamper else self.key
        return jwt.encode({"alg": "RS256", "kid": KEY_ID}, claims, key)

    def userinfo(self, authorization: str) -> tuple[int, dict[str, Any]]:
        person = self.tokens.get(authorization.removeprefix("Bearer "))
        if person is None:
            return 401, {"error": "invalid_token"}
        if "userinfo_sub" in self.tamper:
            return 200, {**person, "sub": "someone-else"}
        return 200, dict(person)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet test output

            def answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                for name, value in (headers or {"Content-Type": "application/json"}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self.answer(200, provider.metadata())
                elif url.path == "/jwks":
                    self.answer(200, KeySet([provider.key]).as_dict(private=False))
                elif url.path == "/authorize":
                    status, headers, body = provider.authorize(query)
                    self.answer(status, body, headers)
                elif url.path == "/userinfo":
                    self.answer(*provider.userinfo(self.headers.get("Authorization", "")))
                else:
                    self.answer(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if urlsplit(self.path).path == "/token":
                    self.answer(*provider.token(form, self.headers.get("Authorization", "")))
                else:
                    self.answer(404, {"error": "not_found"})

        return Handler
