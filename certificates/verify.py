"""Our own verifier for sealed OFD files: what a standard reader checks, with a plain answer in
Chinese that names the file when one was changed.

It judges the signed content, not the zip around it. For every signature listed in
Doc_0/Signs/Signatures.xml: each referenced file's SM3; dataHash = SM3(Signature.xml); the
signer's SM2 signature over DER(TBS_Sign); the seal maker's SM2 signature over DER(SES_SealInfo);
the signer's certificate in the seal's list; both certificates chain to the configured CA and
may sign (key usage); and the signing time inside the certificate's and the seal's validity.

Trusted time and revocation (ADR 0032): a time-stamp token in SES_Signature.timeStamp is
checked (`certificates.timestamps`) and its time, the trusted sealing time, is reported; a
token that does not prove this signature makes the file invalid. The signer's and the seal
maker's certificates are looked up in the CA's revocation list (`certificates.crl`): revoked
at R, a file stamped before R stays valid with a note, any other is invalid. A signer
certificate expired by now leaves a file valid (its signing time was inside the validity),
with a note that says whether a trusted time proves it.

Around that content (ADR 0017):
- a container that differs from what our writer wrote (re-zipped by a mail system or an archive
  tool: other compression, order, timestamps, attributes, a comment, trailing bytes) leaves the
  file valid, with the note REPACKED_NOTE;
- a file no signature covers is named 「不在签章保护范围内」: a note when no reader would show it
  as part of the document, a problem when one might (inside the document's folder, or at a path
  some signed file names);
- what could make another reader see other content than the one we checked stays a problem:
  two entries with one name, a local header that contradicts the zip's directory, a zip entry
  hidden between the listed ones."""

from __future__ import annotations

import base64
import binascii
import io
import posixpath
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone
from lxml import etree  # type: ignore[import-untyped]  # no stubs installed

from certificates.crl import Revocation, RevocationState, crl_state
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
from certificates.timestamps import timestamp_check, tsa_anchors

REPACKED_NOTE = "文件容器已被重新打包，签章所覆盖的内容未变"
MAX_ENTRIES = 5_000
MAX_TOTAL_BYTES = 200 * 1024 * 1024  # a certificate is well under 1 MB; this stops zip bombs
NOT_OFD = "文件不是有效的OFD文件"

# No DTDs, no entities, no network: the file comes from anyone on the internet.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@dataclass
class Verification:
    ok: bool
    problems: list[str] = field(default_factory=list)  # any one makes the file invalid
    notes: list[str] = field(default_factory=list)  # what a valid file's reader should know
    signer_subject: str = ""
    seal_name: str = ""
    signed_at: datetime | None = None
    signatures: int = 0
    stamped_at: datetime | None = None  # the trusted time of a checked time-stamp token
    tsa_name: str = ""
    revoked_at: datetime | None = None  # when the CA revoked the signer's (or maker's) certificate


@dataclass(frozen=True)
class _Context:
    """What every signature of one file is checked against."""

    ca_der: bytes
    now: datetime
    tsa_anchors: list[bytes]
    revocations: RevocationState


def moment(value: datetime) -> str:
    """A time as the pages and notes show it: local, to the second."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


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
_LOCAL_SIGNATURE = b"PK\x03\x04"
_DATA_DESCRIPTOR_FLAG = 0x08  # CRC and sizes follow the data instead of sitting in the header
_ZIP64_SIZE = 0xFFFFFFFF


def _local_headers(data: bytes, infos: list[zipfile.ZipInfo]) -> dict[str, tuple[int, ...] | None]:
    """Each entry's local header fields, None where there is no local header at its offset."""
    headers: dict[str, tuple[int, ...] | None] = {}
    for info in infos:
        header = data[info.header_offset : info.header_offset + _LOCAL_HEADER.size]
        fields = _LOCAL_HEADER.unpack(header) if len(header) == _LOCAL_HEADER.size else None
        headers[info.filename] = fields[1:] if fields and fields[0] == _LOCAL_SIGNATURE else None
    return headers


def _hidden_content_problems(data: bytes) -> list[str]:
    """What could make a reader that walks the local headers (a streaming unzipper) see other
    content than the zip's directory shows us: a local header that names another method, CRC
    or size than the directory, and a local header hidden in the bytes between the listed
    entries. Timestamps, attributes and the like may differ: they change no content."""
    problems: list[str] = []
    archive = zipfile.ZipFile(io.BytesIO(data))
    infos = sorted(archive.infolist(), key=lambda i: i.header_offset)
    headers = _local_headers(data, infos)
    position = 0
    for info in infos:
        fields = headers[info.filename]
        if fields is None:
            problems.append(f"文件 {info.filename} 的压缩包记录已损坏（缺少本地文件头）")
            continue
        _version, flags, method, _time, _date, crc, csize, usize, nlen, xlen = fields
        if csize == _ZIP64_SIZE or usize == _ZIP64_SIZE:
            # The sizes sit in a ZIP64 extra field (archive tools write one for any size): the
            # method and the CRC still must agree, and the data is read by the directory's sizes.
            csize, usize = info.compress_size, info.file_size
        agrees = method == info.compress_type and (
            flags & _DATA_DESCRIPTOR_FLAG
            or (crc, csize, usize) == (info.CRC, info.compress_size, info.file_size)
        )
        if not agrees:
            problems.append(
                f"文件 {info.filename} 的压缩包记录前后不一致（本地文件头与目录不符），"
                "不同的阅读器可能读出不同的内容"
            )
        if _LOCAL_SIGNATURE in data[position : info.header_offset]:
            problems.append("OFD压缩包中有未列入目录的隐藏文件，不同的阅读器可能读出不同的内容")
        position = max(position, info.header_offset + _LOCAL_HEADER.size + nlen + xlen + info.compress_size)
    start_dir = getattr(archive, "start_dir", position)
    if _LOCAL_SIGNATURE in data[position:start_dir]:
        problems.append("OFD压缩包中有未列入目录的隐藏文件，不同的阅读器可能读出不同的内容")
    return list(dict.fromkeys(problems))


# What `certificates.ofd.writer.zip_package` writes for every entry: a container with anything
# else was packed again after sealing (REPACKED_NOTE).
_EXPECTED_ENTRY = {
    "create_system": 3,
    "create_version": 20,
    "extract_version": 20,
    "flag_bits": 0,
    "external_attr": 0o644 << 16,
    "internal_attr": 0,
    "extra": b"",
    "comment": b"",
    "volume": 0,
}


def _dos_time(date_time: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    y, mo, d, h, mi, sec = date_time
    return (h << 11) | (mi << 5) | (sec // 2), ((y - 1980) << 9) | (mo << 5) | d


def _repacked(data: bytes, *, written_order: list[str]) -> bool:
    """Whether the zip differs from what our writer produced for these files: the entries in
    the order it writes them, each local header repeating its directory entry with our
    constants, one after another with nothing between, before or after them, and the
    directory byte for byte ours. The compressed bytes are not compared: another zlib may
    compress the same content differently, and the content itself is checked by SM3.

    Each file packed as the writer packs it now (`zip_method`: images and SignedValue.dat
    stored), or every file deflated, as it packed them before 2026-12."""
    from certificates.ofd.writer import zip_method

    methods = {info.filename: info.compress_type for info in zipfile.ZipFile(io.BytesIO(data)).infolist()}
    if methods != {path: zip_method(path) for path in methods} and set(methods.values()) != {
        zipfile.ZIP_DEFLATED
    }:
        return True
    return _packed_otherwise(data, written_order=written_order)


def _packed_otherwise(data: bytes, *, written_order: list[str]) -> bool:
    from certificates.ofd.writer import ZIP_DATE_TIME

    archive = zipfile.ZipFile(io.BytesIO(data))
    infos = sorted(archive.infolist(), key=lambda i: i.header_offset)
    if [info.filename for info in infos] != written_order:
        return True
    headers = _local_headers(data, infos)
    expected_offset = 0
    for info in infos:
        fields = headers[info.filename]
        if (
            fields is None
            or info.header_offset != expected_offset
            or any(getattr(info, k) != v for k, v in _EXPECTED_ENTRY.items())
            or info.date_time != ZIP_DATE_TIME
        ):
            return True
        version, flags, method, mtime, mdate, crc, csize, usize, nlen, xlen = fields
        name = data[info.header_offset + _LOCAL_HEADER.size : info.header_offset + _LOCAL_HEADER.size + nlen]
        if (version, flags, method, (mtime, mdate), crc, csize, usize, xlen, name) != (
            info.extract_version,
            info.flag_bits,
            info.compress_type,
            _dos_time(info.date_time),
            info.CRC,
            info.compress_size,
            info.file_size,
            0,
            info.orig_filename.encode(),
        ):
            return True
        expected_offset = info.header_offset + _LOCAL_HEADER.size + nlen + xlen + info.compress_size
    start_dir = getattr(archive, "start_dir", expected_offset)
    return start_dir != expected_offset or data[start_dir:] != _central_directory(
        archive.infolist(), start_dir
    )


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
                info.compress_type,
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


def verify_ofd(
    data: bytes,
    *,
    ca_certificate_der: bytes | None = None,
    now: datetime | None = None,
) -> Verification:
    """Check a sealed OFD file, as of `now` (default: now). The CA defaults to
    settings.CERT_CA_CERT, the time-stamping anchors to CERT_TSA_CA, the revocation list to
    CERT_CRL_FILE."""
    if ca_certificate_der is None:
        from certificates.keys import ca_certificate_der as configured_ca

        ca_certificate_der = configured_ca()
    now = now or timezone.now()
    context = _Context(
        ca_der=ca_certificate_der,
        now=now,
        tsa_anchors=tsa_anchors(),
        revocations=crl_state(ca_der=ca_certificate_der, now=now),
    )
    result = Verification(ok=False)
    try:
        files = _read_package(data)
        result.problems.extend(_hidden_content_problems(data))
        if "OFD.xml" not in files:
            raise _Invalid(f"{NOT_OFD}（缺少 OFD.xml）")
        try:
            root = etree.fromstring(files["OFD.xml"], _PARSER)
        except etree.XMLSyntaxError:
            raise _Invalid(f"{NOT_OFD}（OFD.xml 无法解析）") from None
        signature_lists = [_text(e) for e in _children(root, "Signatures") if _text(e)]
        if not signature_lists:
            raise _Invalid("文件未加盖电子印章（OFD.xml 中没有签名列表）")
        # Ordered sets (dicts): the order the signer listed the files is the order our writer
        # zipped them, which tells a repacked container from ours.
        covered: dict[str, None] = {}
        exempt: dict[str, None] = {}
        for location in signature_lists:
            list_path = _resolve(location, base="OFD.xml", files=files)
            exempt[list_path] = None
            signatures = _xml(files, list_path, "签名列表文件")
            entries = [e for e in _children(signatures, "Signature") if e.get("BaseLoc")]
            if not entries:
                raise _Invalid("文件未加盖电子印章（签名列表为空）")
            for entry in entries:
                signature_path = _resolve(entry.get("BaseLoc", ""), base=list_path, files=files)
                _check_signature(files, signature_path, context, result, covered, exempt)
                result.signatures += 1
        _judge_uncovered_files(files, root=root, covered=covered, exempt=exempt, result=result)
        written_order = ["OFD.xml", *(p for p in {**covered, **exempt} if p != "OFD.xml" and p in files)]
        if _repacked(data, written_order=written_order):
            result.notes.append(REPACKED_NOTE)
    except _Invalid as e:
        result.problems.append(str(e))
    if context.revocations.note and result.signatures:
        result.notes.append(context.revocations.note)
    result.notes = list(dict.fromkeys(result.notes))
    result.ok = not result.problems and result.signatures > 0
    return result


def _judge_uncovered_files(
    files: dict[str, bytes],
    *,
    root: etree._Element,
    covered: dict[str, None],
    exempt: dict[str, None],
    result: Verification,
) -> None:
    """Name every file no signature covers. Harmless (a note) when no reader would show it as
    part of the document; a problem when one might: inside a document's folder (Doc_0/), where
    readers find pages, resources and annotations, at a path some signed file names (ST_Loc are
    resolved differently by different readers, so any folder ending in that name counts), or
    at a path that differs from a signed file's only in case."""
    uncovered = [path for path in files if path not in covered and path not in exempt]
    if not uncovered:
        return
    document_dirs = tuple(
        posixpath.dirname(_resolve(_text(e), base="OFD.xml", files=files)).lower() + "/"
        for e in _children(root, "DocRoot")
        if _text(e)
    )
    named: set[str] = set()
    for path in (*covered, *exempt):
        if path.lower().endswith(".xml") and path in files:
            try:
                tree = etree.fromstring(files[path], _PARSER)
            except etree.XMLSyntaxError:
                continue
            for element in tree.iter():
                for value in (element.text, *element.attrib.values()):
                    token = (value or "").strip().replace("\\", "/").lstrip("/").lower()
                    if token and not any(c.isspace() for c in token):
                        named.add(posixpath.normpath(token))
    signed = {path.lower() for path in (*covered, *exempt)}
    for path in uncovered:
        lowered = path.lower()
        parts = lowered.split("/")
        suffixes = {"/".join(parts[i:]) for i in range(len(parts))}
        if lowered.startswith(document_dirs) or lowered in signed or suffixes & named:
            result.problems.append(
                f"文件 {path} 不在签章保护范围内（签章后被添加），且阅读器可能把它显示为文件内容"
            )
        else:
            result.notes.append(
                f"文件 {path} 不在签章保护范围内（签章后被添加）；阅读器不会把它显示为文件内容，"
                "签章所覆盖的内容未变"
            )


def _check_signature(
    files: dict[str, bytes],
    signature_path: str,
    context: _Context,
    result: Verification,
    covered: dict[str, None],
    exempt: dict[str, None],
) -> None:
    problems = result.problems
    ca_der = context.ca_der
    exempt[signature_path] = None
    signature = _xml(files, signature_path, "签名文件")
    signed_value_elements = _children(signature, "SignedValue")
    if not signed_value_elements:
        raise _Invalid(f"签名文件 {signature_path} 没有签名值")
    value_path = _resolve(_text(signed_value_elements[0]), base=signature_path, files=files)
    exempt[value_path] = None
    for seal in _children(signature, "Seal"):
        for base_loc in _children(seal, "BaseLoc"):
            exempt[_resolve(_text(base_loc), base=signature_path, files=files)] = None
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
        covered.update(dict.fromkeys(files))

    # 2. The signer's signature, and whose it is.
    _check_signer(parsed, value_path, ca_der, result)

    # 3. The seal: made by a trusted maker, for this signer, valid when used.
    _check_seal(parsed, value_path, ca_der, problems)

    # 4. When it was sealed, by a trusted clock, and whether the certificates were good then.
    trusted = _check_time_stamp(parsed, value_path, context, result)
    _check_revocation_and_expiry(parsed, trusted, context, result)


# A signer's clock and the TSA's may disagree a little; a claimed signing time later than the
# trusted time by more than this is not what happened.
CLOCK_SKEW = timedelta(minutes=10)


def _check_time_stamp(
    parsed: ParsedSignature, value_path: str, context: _Context, result: Verification
) -> datetime | None:
    """The trusted time of the signature's token, None when it has none (or one that could not
    be judged, which a note says); a token that does not prove this signature is a problem."""
    if parsed.time_stamp is None:
        return None
    check = timestamp_check(parsed.time_stamp, signature=parsed.signature, anchors=context.tsa_anchors)
    result.problems.extend(f"{problem}（文件 {value_path}）" for problem in check.problems)
    result.notes.extend(check.notes)
    if check.time is None:
        return None
    try:
        not_before, not_after = certificate_validity(parsed.signer_certificate_der)
    except (ValueError, TypeError, KeyError):
        return None  # the signer's check has said so
    if not not_before <= check.time <= not_after:
        result.problems.append(f"可信时间 {moment(check.time)} 不在签名证书有效期内（文件 {value_path}）")
        return None
    if parsed.time > check.time + CLOCK_SKEW:
        result.problems.append(
            f"签章时间 {moment(parsed.time)} 晚于时间戳证明的可信时间 {moment(check.time)}"
            f"（文件 {value_path}）"
        )
        return None
    result.stamped_at = result.stamped_at or check.time
    result.tsa_name = result.tsa_name or check.tsa_name
    return check.time


def revocation_judged(*, what: str, revocation: Revocation, trusted: datetime | None) -> tuple[bool, str]:
    """The one rule for a revoked certificate (`what`: 签章证书 or 印章制作者证书): a seal whose
    trusted time is before the revocation stays valid; one stamped after it, or not stamped at
    all (its own signing time proves nothing), is not. Whether it is valid, and what to say."""
    revoked = f"{what}已于 {moment(revocation.revoked_at)} 吊销（{revocation.reason_label}）"
    if trusted is not None and trusted < revocation.revoked_at:
        return True, f"{revoked}；盖章时{what}有效（可信时间 {moment(trusted)}）"
    if trusted is not None:
        return False, f"{revoked}，时间戳证明的盖章时间 {moment(trusted)} 在吊销之后"
    return False, f"{revoked}，该文件没有可信时间戳，不能证明盖章在吊销之前"


def _check_revocation_and_expiry(
    parsed: ParsedSignature, trusted: datetime | None, context: _Context, result: Verification
) -> None:
    maker = parsed.seal.maker_certificate_der
    certificates = [("签章证书", parsed.signer_certificate_der)]
    if maker != context.ca_der:
        certificates.append(("印章制作者证书", maker))
    for what, certificate in certificates:
        revocation = context.revocations.revocation(certificate)
        if revocation is None:
            continue
        result.revoked_at = result.revoked_at or revocation.revoked_at
        valid, text = revocation_judged(what=what, revocation=revocation, trusted=trusted)
        (result.notes if valid else result.problems).append(text)
    try:
        _, not_after = certificate_validity(parsed.signer_certificate_der)
    except (ValueError, TypeError, KeyError):
        return
    if not_after < context.now:
        expired = f"签章证书已于 {moment(not_after)} 过期"
        if trusted is not None:
            result.notes.append(f"{expired}；盖章时签章证书有效（可信时间 {moment(trusted)}）")
        else:
            result.notes.append(
                f"{expired}；该文件没有可信时间戳，签章时间 {moment(parsed.time)} 为签章者自行记录"
            )


def _check_references(
    files: dict[str, bytes],
    signature: etree._Element,
    signature_path: str,
    problems: list[str],
    covered: dict[str, None],
) -> None:
    """Every file the signature lists, byte for byte."""
    references = _children(signature, "References")
    if not references:
        problems.append(f"签名文件 {signature_path} 没有文件摘要列表")
        return
    method = (references[0].get("CheckMethod") or "").strip()
    if method not in (OID_SM3, "SM3"):
        problems.append(f"签名文件 {signature_path} 使用了不支持的摘要算法 {method or '（未注明）'}")
        covered.update(dict.fromkeys(files))
        return
    for reference in _children(references[0], "Reference"):
        path = _resolve(reference.get("FileRef", ""), base=signature_path, files=files)
        covered[path] = None
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
