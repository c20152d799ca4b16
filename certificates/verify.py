"""Our own verifier for sealed OFD files: what a standard reader checks, with a plain answer in
Chinese that names the file when one was changed.

For every signature listed in Doc_0/Signs/Signatures.xml: each referenced file's SM3; files in
the package that no signature covers (added afterwards); dataHash = SM3(Signature.xml); the
signer's SM2 signature over DER(TBS_Sign); the seal maker's SM2 signature over DER(SES_SealInfo);
the signer's certificate in the seal's list; both certificates chain to the configured CA; and
the signing time inside the certificate's and the seal's validity."""

from __future__ import annotations

import base64
import binascii
import io
import posixpath
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree  # type: ignore[import-untyped]  # no stubs installed

from certificates.crypto import (
    OID_SM2_WITH_SM3,
    OID_SM3,
    CryptoError,
    certificate_public_key,
    certificate_signed_by,
    certificate_subject,
    certificate_validity,
    sm2_verify,
    sm3,
)
from certificates.profiles import signing_usage_allowed
from certificates.ses import CERT_LIST_DIGESTS, ParsedSignature, SESFormatError, ses_signature_parse

MAX_ENTRIES = 5_000
MAX_TOTAL_BYTES = 200 * 1024 * 1024  # a certificate is well under 1 MB; this stops zip bombs
NOT_OFD = "文件不是有效的OFD文件"

# No DTDs, no entities, no network: the file comes from anyone on the internet.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@dataclass
class Verification:
    ok: bool
    problems: list[str] = field(default_factory=list)
    signer_subject: str = ""
    seal_name: str = ""
    signed_at: datetime | None = None
    signatures: int = 0


class _Invalid(Exception):
    """The package cannot be read far enough to check its signatures."""


def _read_package(data: bytes) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise _Invalid(f"{NOT_OFD}（无法作为ZIP压缩包打开）") from None
    with archive:
        entries = [info for info in archive.infolist() if not info.is_dir()]
        if len(entries) > MAX_ENTRIES or sum(info.file_size for info in entries) > MAX_TOTAL_BYTES:
            raise _Invalid(f"{NOT_OFD}（压缩包内容过大）")
        files: dict[str, bytes] = {}
        for info in entries:
            if info.filename in files:
                # Two entries with one name: a reader may show the one we did not check.
                raise _Invalid(f"{NOT_OFD}（压缩包中有两个名为 {info.filename} 的文件）")
            try:
                files[info.filename] = archive.read(info)
            # zlib.error: a changed byte inside a deflate stream; RuntimeError: a flipped
            # "encrypted" flag. Both are a damaged file, not a crash of the page.
            except (
                zipfile.BadZipFile,
                zlib.error,
                RuntimeError,
                ValueError,
                NotImplementedError,
                EOFError,
                OSError,
            ):
                raise _Invalid(f"文件 {info.filename} 已损坏，无法读取") from None
    return files


def _xml(files: dict[str, bytes], path: str, what: str) -> etree._Element:
    if path not in files:
        raise _Invalid(f"{what} {path} 缺失")
    try:
        return etree.fromstring(files[path], _PARSER)
    except etree.XMLSyntaxError:
        raise _Invalid(f"{what} {path} 无法解析") from None


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [
        child
        for child in element.iter()
        if isinstance(child.tag, str) and etree.QName(child).localname == name
    ]


def _text(element: etree._Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _resolve(location: str, *, base: str, files: dict[str, bytes]) -> str:
    """A package path for an ST_Loc: absolute from the package root, or relative to the
    folder of the file that holds it (falling back to the root, as some writers mean)."""
    location = location.strip().replace("\\", "/")
    if location.startswith("/"):
        return posixpath.normpath(location.lstrip("/"))
    relative = posixpath.normpath(posixpath.join(posixpath.dirname(base), location))
    if relative in files:
        return relative
    return posixpath.normpath(location)


_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_EOCD_SIZE = 22
# What `certificates.ofd.writer.zip_package` writes for every entry. The seal covers the
# contents of every file; these checks cover the container around them, so that a changed
# byte in a timestamp, a duplicate CRC or an attribute is found too.
_EXPECTED_ENTRY = {
    "create_system": 3,
    "create_version": 20,
    "extract_version": 20,
    "flag_bits": 0,
    "compress_type": zipfile.ZIP_DEFLATED,
    "external_attr": 0o644 << 16,
    "internal_attr": 0,
    "extra": b"",
    "comment": b"",
    "volume": 0,
}


def _dos_time(date_time: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    y, mo, d, h, mi, sec = date_time
    return (h << 11) | (mi << 5) | (sec // 2), ((y - 1980) << 9) | (mo << 5) | d


def _container_problems(data: bytes) -> list[str]:
    """Differences between the zip's records and what our writer produces: each local header
    must repeat its central directory entry, the entries must follow one another with nothing
    between or after them, and the archive must carry no comment."""
    from certificates.ofd.writer import ZIP_DATE_TIME

    problems: list[str] = []
    archive = zipfile.ZipFile(io.BytesIO(data))
    infos = sorted(archive.infolist(), key=lambda i: i.header_offset)
    expected_offset = 0
    for info in infos:
        changed = (
            any(getattr(info, k) != v for k, v in _EXPECTED_ENTRY.items()) or info.date_time != ZIP_DATE_TIME
        )
        header = data[info.header_offset : info.header_offset + _LOCAL_HEADER.size]
        if len(header) < _LOCAL_HEADER.size or info.header_offset != expected_offset:
            changed = True
        else:
            sig, version, flags, method, mtime, mdate, crc, csize, usize, nlen, xlen = _LOCAL_HEADER.unpack(
                header
            )
            name = data[
                info.header_offset + _LOCAL_HEADER.size : info.header_offset + _LOCAL_HEADER.size + nlen
            ]
            changed = changed or (
                sig != b"PK\x03\x04",
                version,
                flags,
                method,
                (mtime, mdate),
                crc,
                csize,
                usize,
                xlen,
                name,
            ) != (
                False,
                info.extract_version,
                info.flag_bits,
                info.compress_type,
                _dos_time(info.date_time),
                info.CRC,
                info.compress_size,
                info.file_size,
                0,
                info.orig_filename.encode(),
            )
            expected_offset = info.header_offset + _LOCAL_HEADER.size + nlen + xlen + info.compress_size
        if changed:
            problems.append(f"文件 {info.filename} 的压缩包记录已被改动（与签发时不一致）")
    start_dir = getattr(archive, "start_dir", expected_offset)
    if infos and start_dir != expected_offset:
        problems.append("OFD压缩包结构已被改动（文件之间有多余数据）")
    if data[start_dir:] != _central_directory(archive.infolist(), start_dir):
        problems.append("OFD压缩包结构已被改动（压缩包目录与签发时不一致）")
    return problems


_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")


def _central_directory(infos: list[zipfile.ZipInfo], start: int) -> bytes:
    """The central directory and end record our writer would have written for these entries:
    every field but the per-file CRC, sizes and offsets is a constant of ours, and those are
    checked against the local headers and the data."""
    out = io.BytesIO()
    for info in infos:
        name = info.orig_filename.encode()
        dos_time, dos_date = _dos_time(info.date_time)
        out.write(
            _CENTRAL.pack(
                b"PK\x01\x02",
                20,
                3,
                20,
                0,
                0,
                zipfile.ZIP_DEFLATED,
                dos_time,
                dos_date,
                info.CRC,
                info.compress_size,
                info.file_size,
                len(name),
                0,
                0,
                0,
                0,
                0o644 << 16,
                info.header_offset,
            )
        )
        out.write(name)
    size = out.tell()
    out.write(_END.pack(b"PK\x05\x06", 0, 0, len(infos), len(infos), size, start, 0))
    return out.getvalue()


def verify_ofd(data: bytes, *, ca_certificate_der: bytes | None = None) -> Verification:
    """Check a sealed OFD file. The CA defaults to settings.CERT_CA_CERT."""
    if ca_certificate_der is None:
        from certificates.keys import ca_certificate_der as configured_ca

        ca_certificate_der = configured_ca()
    result = Verification(ok=False)
    try:
        files = _read_package(data)
        result.problems.extend(_container_problems(data))
        if "OFD.xml" not in files:
            raise _Invalid(f"{NOT_OFD}（缺少 OFD.xml）")
        try:
            root = etree.fromstring(files["OFD.xml"], _PARSER)
        except etree.XMLSyntaxError:
            raise _Invalid(f"{NOT_OFD}（OFD.xml 无法解析）") from None
        signature_lists = [_text(e) for e in _children(root, "Signatures") if _text(e)]
        if not signature_lists:
            raise _Invalid("文件未加盖电子印章（OFD.xml 中没有签名列表）")
        covered: set[str] = set()
        exempt: set[str] = set()
        for location in signature_lists:
            list_path = _resolve(location, base="OFD.xml", files=files)
            exempt.add(list_path)
            signatures = _xml(files, list_path, "签名列表文件")
            entries = [e for e in _children(signatures, "Signature") if e.get("BaseLoc")]
            if not entries:
                raise _Invalid("文件未加盖电子印章（签名列表为空）")
            for entry in entries:
                signature_path = _resolve(entry.get("BaseLoc", ""), base=list_path, files=files)
                _check_signature(files, signature_path, ca_certificate_der, result, covered, exempt)
                result.signatures += 1
        for path in files:
            if path not in covered and path not in exempt:
                result.problems.append(f"文件 {path} 未受签名保护（签名后被添加）")
    except _Invalid as e:
        result.problems.append(str(e))
    result.ok = not result.problems and result.signatures > 0
    return result


def _check_signature(
    files: dict[str, bytes],
    signature_path: str,
    ca_der: bytes,
    result: Verification,
    covered: set[str],
    exempt: set[str],
) -> None:
    problems = result.problems
    exempt.add(signature_path)
    signature = _xml(files, signature_path, "签名文件")
    signed_value_elements = _children(signature, "SignedValue")
    if not signed_value_elements:
        raise _Invalid(f"签名文件 {signature_path} 没有签名值")
    value_path = _resolve(_text(signed_value_elements[0]), base=signature_path, files=files)
    exempt.add(value_path)
    for seal in _children(signature, "Seal"):
        for base_loc in _children(seal, "BaseLoc"):
            exempt.add(_resolve(_text(base_loc), base=signature_path, files=files))
    if value_path not in files:
        raise _Invalid(f"签名值文件 {value_path} 缺失")
    try:
        parsed = ses_signature_parse(files[value_path])
    except SESFormatError:
        raise _Invalid(f"签名值文件 {value_path} 不是有效的电子签章数据（GB/T 38540）") from None
    result.seal_name = result.seal_name or parsed.seal.name
    result.signed_at = result.signed_at or parsed.time

    # 1. Signature.xml is what the signature value protects. When it changed, its list of
    # files says nothing: name it alone rather than every file its forged list gets wrong.
    if parsed.data_hash == sm3(files[signature_path]):
        _check_references(files, signature, signature_path, problems, covered)
    else:
        problems.append(f"文件 {signature_path} 已被修改（与签名值中的杂凑值不符）")
        covered.update(files)

    # 2. The signer's signature, and whose it is.
    _check_signer(parsed, value_path, ca_der, result)

    # 3. The seal: made by a trusted maker, for this signer, valid when used.
    _check_seal(parsed, value_path, ca_der, problems)


def _check_references(
    files: dict[str, bytes],
    signature: etree._Element,
    signature_path: str,
    problems: list[str],
    covered: set[str],
) -> None:
    """Every file the signature lists, byte for byte."""
    references = _children(signature, "References")
    if not references:
        problems.append(f"签名文件 {signature_path} 没有文件摘要列表")
        return
    method = (references[0].get("CheckMethod") or "").strip()
    if method not in (OID_SM3, "SM3"):
        problems.append(f"签名文件 {signature_path} 使用了不支持的摘要算法 {method or '（未注明）'}")
        covered.update(files)
        return
    for reference in _children(references[0], "Reference"):
        path = _resolve(reference.get("FileRef", ""), base=signature_path, files=files)
        covered.add(path)
        if path not in files:
            problems.append(f"文件 {path} 缺失（签章时存在）")
            continue
        try:
            expected = base64.b64decode(_text(_children(reference, "CheckValue")[0]), validate=True)
        except (IndexError, binascii.Error):
            problems.append(f"签名文件 {signature_path} 中文件 {path} 的校验值格式错误")
            continue
        if sm3(files[path]) != expected:
            problems.append(f"文件 {path} 已被修改（SM3校验值不符）")


def _check_signer(parsed: ParsedSignature, value_path: str, ca_der: bytes, result: Verification) -> None:
    problems = result.problems
    if parsed.signature_alg_id != OID_SM2_WITH_SM3:
        problems.append(f"签名值文件 {value_path} 使用了不支持的签名算法 {parsed.signature_alg_id}")
        return
    try:
        public_key = certificate_public_key(parsed.signer_certificate_der)
        result.signer_subject = result.signer_subject or certificate_subject(parsed.signer_certificate_der)
        not_before, not_after = certificate_validity(parsed.signer_certificate_der)
    except (CryptoError, ValueError, TypeError, KeyError):
        problems.append(f"签名值文件 {value_path} 中的签名证书无法解析")
        return
    if not sm2_verify(public_key=public_key, data=parsed.tbs_der, signature=parsed.signature):
        problems.append(f"签名值无效（文件 {value_path}）")
    if not signing_usage_allowed(parsed.signer_certificate_der):
        problems.append(f"签名证书的密钥用法不允许数字签名（文件 {value_path}）")
    if not certificate_signed_by(certificate_der=parsed.signer_certificate_der, issuer_der=ca_der):
        problems.append(f"签名证书不是由受信任的机构签发（文件 {value_path}）")
    if not not_before <= parsed.time <= not_after:
        problems.append(f"签章时间不在签名证书有效期内（文件 {value_path}）")


def _check_seal(parsed: ParsedSignature, value_path: str, ca_der: bytes, problems: list[str]) -> None:
    seal = parsed.seal
    where = f"文件 {value_path} 中的电子印章“{seal.name}”"
    maker = seal.maker_certificate_der
    try:
        maker_key = certificate_public_key(maker)
    except CryptoError:
        problems.append(f"印章制作者证书无法解析（{where}）")
        return
    if seal.sign_alg_id != OID_SM2_WITH_SM3 or not sm2_verify(
        public_key=maker_key, data=seal.seal_info_der, signature=seal.signed_value
    ):
        problems.append(f"印章制作者签名无效（{where}）")
    # Seals made before the maker had a certificate of its own were signed by the CA itself:
    # certificates sealed with them carry them for good, and the CA's key is the root of all
    # trust here anyway, so they stay accepted (ADR 0017). Any other maker must be issued by
    # the CA and fit to sign.
    if maker != ca_der:
        if not certificate_signed_by(certificate_der=maker, issuer_der=ca_der):
            problems.append(f"印章制作者证书不是由受信任的机构签发（{where}）")
        if not signing_usage_allowed(maker):
            problems.append(f"印章制作者证书的密钥用法不允许数字签名（{where}）")
    signer = parsed.signer_certificate_der
    listed = sm3(signer) if seal.cert_list_type == CERT_LIST_DIGESTS else signer
    if listed not in seal.cert_list:
        problems.append(f"签名证书不属于该电子印章（{where}的签章者证书列表中没有它）")
    if not seal.valid_start <= parsed.time <= seal.valid_end:
        problems.append(f"签章时间不在电子印章的有效期内（{where}）")
