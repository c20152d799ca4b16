"""An HSM (密码机) or a USB key through its vendor's PKCS#11 module:
`CERT_SIGNER=certificates.signers.pkcs11.pkcs11_signer` (PyKCS11, pinned in requirements.txt).

PKCS#11 names no SM2 mechanism, so each vendor has its own number (CERT_PKCS11_MECHANISM) and
its own idea of what it signs: e = SM3(Z ‖ M) computed by us ("digest", the usual raw SM2
mechanism) or the message, hashed with Z by the token ("message", an SM3-with-SM2 mechanism);
and its own output, r ‖ s ("raw", as PKCS#11 EC mechanisms return) or DER ("der"). The private
key is found by CKA_LABEL (CERT_PKCS11_KEY_LABEL) on the token labelled
CERT_PKCS11_TOKEN_LABEL, after a login with CERT_PKCS11_PIN; the certificate is the token's
certificate object of the same label, or the CERT_SIGNING_CERT file when the token has none.

As with the signing service, the certificate is checked against the CA and the seal once and
every signature is verified before use; an error (wrong PIN, token absent, mechanism refused)
raises SignerError with a Chinese reason and the next attempt opens a new session."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import PyKCS11  # type: ignore[import-untyped]  # no type information shipped
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from certificates.crypto import (
    CryptoError,
    SignerError,
    certificate_load,
    certificate_public_key,
    signature_from_raw,
    sm2_digest,
)
from certificates.signers.trust import signature_checked, signer_certificate_checked

SOURCE = "密码机"
MECHANISM_INPUTS = ("digest", "message")
SIGNATURE_FORMATS = ("raw", "der")

# PKCS#11 return values we explain in Chinese (PKCS#11 v2.40 §5.1); others are shown by name.
_REASONS = {
    0xA0: "密码机口令错误（CERT_PKCS11_PIN）",  # CKR_PIN_INCORRECT
    0xA4: "密码机口令已被锁定，请由管理员解锁",  # CKR_PIN_LOCKED
    0xA2: "密码机口令已过期，请由管理员更换",  # CKR_PIN_EXPIRED
    0x70: "密码机不支持配置的签名机制（CERT_PKCS11_MECHANISM），请按厂商文档设置 SM2 签名机制号",
    0x71: "密码机不接受该签名机制的参数",  # CKR_MECHANISM_PARAM_INVALID
    0x68: "密码机的私钥不能用于该签名机制（CERT_PKCS11_MECHANISM）",  # CKR_KEY_TYPE_INCONSISTENT
    0x30: "密码机设备错误",  # CKR_DEVICE_ERROR
    0x32: "密码机设备已移除",  # CKR_DEVICE_REMOVED
    0xE0: "密码机令牌不在位",  # CKR_TOKEN_NOT_PRESENT
    0xB3: "与密码机的会话已失效",  # CKR_SESSION_HANDLE_INVALID
    0xB0: "与密码机的会话已关闭",  # CKR_SESSION_CLOSED
}


def _library_default(module: str) -> Any:
    return PyKCS11.PyKCS11Lib().load(module)


class Pkcs11Signer:
    """The authority's key inside a PKCS#11 token; `library(module)` returns a loaded
    PyKCS11Lib (a test replaces it at that boundary)."""

    def __init__(
        self,
        *,
        module: str,
        token_label: str,
        pin: str,
        key_label: str,
        mechanism: int,
        mechanism_input: str = "digest",
        signature_format: str = "raw",
        certificate_file: Path | None = None,
        library: Callable[[str], Any] = _library_default,
    ) -> None:
        if mechanism_input not in MECHANISM_INPUTS:
            raise ImproperlyConfigured(f"CERT_PKCS11_MECHANISM_INPUT 应为 {' 或 '.join(MECHANISM_INPUTS)}")
        if signature_format not in SIGNATURE_FORMATS:
            raise ImproperlyConfigured(f"CERT_PKCS11_SIGNATURE_FORMAT 应为 {' 或 '.join(SIGNATURE_FORMATS)}")
        self._module, self._token_label, self._pin, self._key_label = module, token_label, pin, key_label
        self._mechanism, self._input, self._format = mechanism, mechanism_input, signature_format
        self._certificate_file, self._library = certificate_file, library
        self._lock = threading.RLock()
        self._lib: Any = None
        self._session: Any = None
        self._certificate: bytes | None = None

    # --- the Signer protocol ----------------------------------------------------------------

    @property
    def certificate_der(self) -> bytes:
        with self._lock:
            if self._certificate is None:
                self._certificate = signer_certificate_checked(self._read_certificate(), source=SOURCE)
            return self._certificate

    def sign(self, data: bytes) -> bytes:
        certificate = self.certificate_der
        with self._lock:
            to_sign = data
            if self._input == "digest":
                to_sign = sm2_digest(public_key=certificate_public_key(certificate), data=data)
            try:
                session = self._open()
                key = self._private_key(session)
                output = bytes(session.sign(key, to_sign, PyKCS11.Mechanism(self._mechanism, None)))
            except PyKCS11.PyKCS11Error as e:
                self._close()
                raise SignerError(_reason(e)) from None
        try:
            signature = signature_from_raw(output) if self._format == "raw" else output
        except CryptoError as e:
            raise SignerError(
                f"{SOURCE}返回的签名值格式不对（CERT_PKCS11_SIGNATURE_FORMAT={self._format}）：{e}"
            ) from None
        return signature_checked(certificate_der=certificate, data=data, signature=signature, source=SOURCE)

    # --- the token --------------------------------------------------------------------------

    def _open(self) -> Any:
        """The logged-in session, opened on first use or after an error."""
        if self._session is not None:
            return self._session
        if self._lib is None:
            try:
                self._lib = self._library(self._module)
            except PyKCS11.PyKCS11Error:
                raise SignerError(f"无法加载 PKCS#11 模块 {self._module}（CERT_PKCS11_MODULE）") from None
        labels = []
        for slot in self._lib.getSlotList(tokenPresent=True):
            label = self._lib.getTokenInfo(slot).label.strip()
            labels.append(label)
            if label == self._token_label:
                break
        else:
            present = "、".join(labels) or "无"
            raise SignerError(
                f"找不到标签为「{self._token_label}」的密码机令牌（CERT_PKCS11_TOKEN_LABEL；在位的令牌：{present}）"
            )
        session = self._lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION)
        try:
            session.login(self._pin)
        except PyKCS11.PyKCS11Error as e:
            if e.value != 0x100:  # CKR_USER_ALREADY_LOGGED_IN: another session of this process did
                session.closeSession()
                raise
        self._session = session
        return session

    def _close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            with contextlib.suppress(Exception):  # a session that is already gone
                session.closeSession()

    def _objects(self, session: Any, object_class: int) -> list[Any]:
        found: list[Any] = session.findObjects(
            [(PyKCS11.CKA_CLASS, object_class), (PyKCS11.CKA_LABEL, self._key_label)]
        )
        return found

    def _private_key(self, session: Any) -> Any:
        keys = self._objects(session, PyKCS11.CKO_PRIVATE_KEY)
        if len(keys) != 1:
            what = "没有" if not keys else f"有{len(keys)}个"
            raise SignerError(
                f"密码机令牌「{self._token_label}」上{what}标签为「{self._key_label}」的私钥（CERT_PKCS11_KEY_LABEL）"
            )
        return keys[0]

    def _read_certificate(self) -> bytes:
        try:
            session = self._open()
            self._private_key(session)  # the key must be there before its certificate is any use
            objects = self._objects(session, PyKCS11.CKO_CERTIFICATE)
            value = (
                bytes(session.getAttributeValue(objects[0], [PyKCS11.CKA_VALUE], True)[0]) if objects else b""
            )
        except PyKCS11.PyKCS11Error as e:
            self._close()
            raise SignerError(_reason(e)) from None
        if not value:
            if self._certificate_file is None or not self._certificate_file.is_file():
                raise SignerError(
                    f"密码机令牌上没有标签为「{self._key_label}」的证书，CERT_SIGNING_CERT 也没有指向证书文件"
                )
            value = self._certificate_file.read_bytes()
        try:
            return certificate_load(value)
        except CryptoError as e:
            raise SignerError(f"{SOURCE}的签章者证书无法读取：{e}") from None


def _reason(error: Any) -> str:
    code = getattr(error, "value", None)
    if isinstance(code, int) and code in _REASONS:
        return _REASONS[code]
    return f"密码机返回错误：{error}"


def mechanism_number(text: str) -> int:
    """CERT_PKCS11_MECHANISM as written: decimal or 0x… hexadecimal."""
    try:
        return int(text, 0)
    except ValueError:
        raise ImproperlyConfigured(
            "CERT_PKCS11_MECHANISM 应为厂商文档给出的 SM2 签名机制号"
            f"（十进制或 0x 开头的十六进制），不是 {text!r}"
        ) from None


def pkcs11_signer() -> Pkcs11Signer:
    """The CERT_SIGNER factory for an HSM (settings CERT_PKCS11_*)."""
    missing = [
        name
        for name in (
            "CERT_PKCS11_MODULE",
            "CERT_PKCS11_TOKEN_LABEL",
            "CERT_PKCS11_PIN",
            "CERT_PKCS11_KEY_LABEL",
            "CERT_PKCS11_MECHANISM",
        )
        if not getattr(settings, name)
    ]
    if missing:
        raise ImproperlyConfigured(f"使用密码机签名需要设置：{'、'.join(missing)}")
    return Pkcs11Signer(
        module=settings.CERT_PKCS11_MODULE,
        token_label=settings.CERT_PKCS11_TOKEN_LABEL,
        pin=settings.CERT_PKCS11_PIN,
        key_label=settings.CERT_PKCS11_KEY_LABEL,
        mechanism=mechanism_number(settings.CERT_PKCS11_MECHANISM),
        mechanism_input=settings.CERT_PKCS11_MECHANISM_INPUT,
        signature_format=settings.CERT_PKCS11_SIGNATURE_FORMAT,
        certificate_file=Path(settings.CERT_SIGNING_CERT),
    )
