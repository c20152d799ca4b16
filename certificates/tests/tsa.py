"""A time-stamping service for tests: Debian's `openssl ts -reply` behind a small HTTP server
on loopback, with its own test root and TSA certificate (made with the openssl CLI)."""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from certificates.tests.test_crypto import OPENSSL

TSA_CONFIG = """
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha256, sm3
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""

TSA_EXTENSIONS = """extendedKeyUsage = critical,timeStamping
keyUsage = critical,digitalSignature
basicConstraints = CA:FALSE
"""


def _run(*args: str, cwd: Path) -> None:
    # The arguments are the test's own, never user input.
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True, timeout=30)  # noqa: S603


class LoopbackTsa:
    """The service's files in `directory`: root.pem (the anchor for CERT_TSA_CA), tsa.pem."""

    def __init__(self, directory: Path, *, key: str = "ec", eku: bool = True) -> None:
        self.directory = directory
        d = directory
        _run(
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "root.key", "-out", "root.pem", "-subj", "/CN=Test TSA Root", "-days", "3650",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            cwd=d,
        )  # fmt: skip
        if key == "rsa":
            new_key = ["-newkey", "rsa:2048"]
        else:
            new_key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
        subject = "/CN=测试时间戳服务"
        _run(
            "req", *new_key, "-nodes", "-utf8", "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", subject,
            cwd=d,
        )  # fmt: skip
        (d / "ext.cnf").write_text(TSA_EXTENSIONS if eku else "basicConstraints = CA:FALSE\n")
        _run(
            "x509", "-req", "-in", "tsa.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial",
            "-out", "tsa.pem", "-days", "3650", "-extfile", "ext.cnf",
            cwd=d,
        )  # fmt: skip
        (d / "serial").write_text("01\n")
        (d / "tsa.cnf").write_text(TSA_CONFIG.format(dir=d))
        self.requests = 0
        self.down = False

    @property
    def anchor(self) -> Path:
        return self.directory / "root.pem"

    def reply(self, query: bytes) -> bytes:
        with tempfile.TemporaryDirectory() as work:
            (Path(work) / "q.tsq").write_bytes(query)
            _run(
                "ts", "-reply", "-config", str(self.directory / "tsa.cnf"),
                "-queryfile", "q.tsq", "-out", "r.tsr",
                cwd=Path(work),
            )  # fmt: skip
            return (Path(work) / "r.tsr").read_bytes()

    @contextmanager
    def serving(self) -> Iterator[str]:
        """The service's address while the block runs."""
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                tsa.requests += 1
                if tsa.down or self.headers.get("Content-Type") != "application/timestamp-query":
                    self.send_response(503)
                    self.end_headers()
                    return
                answer = tsa.reply(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/tsr"
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
