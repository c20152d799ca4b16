"""The verifier judges the signed content, not the zip around it (issue 15, ADR 0017).

A mail system or an archive tool that packs the file again (other compression, other order,
new timestamps or attributes, a comment, bytes after the end) changes nothing a reader shows:
the file stays 「有效」 with a note. A file the seal does not cover is named 「不在签章保护范围内」,
harmless where no reader would show it, a problem where one might. Any change to a signed file,
a signed file missing, and whatever could let another reader see other content than the one
checked, stay invalid."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterable
from typing import Any
from unittest import mock

from django.core.management import CommandError, call_command
from django.test import SimpleTestCase
from django.utils import timezone

from certificates.issuing import sealed_ofd
from certificates.ofd.writer import zip_package
from certificates.signing import SIGNATURE_PATH
from certificates.tests.helpers import ensure_keys
from certificates.tests.ofd_samples import certificate_data
from certificates.verify import REPACKED_NOTE, Verification, verify_ofd

CONTENT = "Doc_0/Pages/Page_0/Content.xml"
ATTACHMENT = "Doc_0/Attachments/certificate.json"


def rezipped(
    files: Iterable[tuple[str, bytes]],
    *,
    compression: int = zipfile.ZIP_DEFLATED,
    date_time: tuple[int, int, int, int, int, int] = (2026, 3, 2, 17, 30, 4),
    comment: bytes = b"",
    directories: bool = False,
) -> bytes:
    """What another zip tool makes of the same files."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.comment = comment
        made: set[str] = set()
        for path, data in files:
            folder = path.rpartition("/")[0]
            if directories and folder and folder not in made:
                archive.writestr(zipfile.ZipInfo(folder + "/", date_time=date_time), b"")
                made.add(folder)
            info = zipfile.ZipInfo(path, date_time=date_time)
            info.compress_type = compression
            info.external_attr = 0o600 << 16
            archive.writestr(info, data)
    return out.getvalue()


class _Unseekable(io.RawIOBase):
    """A pipe: zipfile then writes data descriptors, as streaming zip writers do."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.buffer += data
        return len(data)


class ContainerTestCase(SimpleTestCase):
    sealed: bytes
    files: dict[str, bytes]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()
        cls.sealed = sealed_ofd(certificate_data(), when=timezone.now())
        cls.files = cls.unpacked(cls.sealed)

    @staticmethod
    def unpacked(data: bytes) -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}

    def flipped(self, at: int, data: bytes | None = None) -> bytes:
        changed = bytearray(self.sealed if data is None else data)
        changed[at] ^= 0x01
        return bytes(changed)

    def assertValidWithNotes(self, result: Verification, *notes: str) -> None:
        self.assertEqual(result.problems, [])
        self.assertTrue(result.ok)
        self.assertEqual(result.notes, list(notes))

    def assertInvalid(self, result: Verification, *fragments: str) -> None:
        self.assertFalse(result.ok)
        text = "\n".join(result.problems)
        for fragment in fragments:
            self.assertIn(fragment, text)


class RepackedTestCase(ContainerTestCase):
    """Container-only changes: 「有效」 with the note."""

    def test_the_file_as_issued_is_valid_without_a_note(self):
        self.assertValidWithNotes(verify_ofd(self.sealed))

    def test_the_same_files_packed_by_our_writer_need_no_note(self):
        repacked = zip_package(self.files)
        self.assertEqual(repacked, self.sealed)
        self.assertValidWithNotes(verify_ofd(repacked))

    def test_the_signed_value_and_images_are_stored_not_deflated(self):
        with zipfile.ZipFile(io.BytesIO(self.sealed)) as archive:
            stored = {i.filename for i in archive.infolist() if i.compress_type == zipfile.ZIP_STORED}
        self.assertEqual(stored, {p for p in self.files if p.endswith((".png", ".jpg", "SignedValue.dat"))})
        self.assertIn("Doc_0/Signs/Sign_0/SignedValue.dat", stored)

    def test_a_copy_issued_before_images_were_stored_needs_no_note(self):
        """Until 2026-12 the writer deflated every file: those copies are still its own."""
        with mock.patch("certificates.ofd.writer.zip_method", return_value=zipfile.ZIP_DEFLATED):
            everything_deflated = zip_package(self.files)
        self.assertNotEqual(everything_deflated, self.sealed)
        self.assertValidWithNotes(verify_ofd(everything_deflated))

    def test_images_stored_but_the_rest_not_as_the_writer_packs_them_is_a_note(self):
        with mock.patch("certificates.ofd.writer.zip_method", return_value=zipfile.ZIP_STORED):
            everything_stored = zip_package(self.files)
        self.assertValidWithNotes(verify_ofd(everything_stored), REPACKED_NOTE)

    def test_other_compression_is_a_note(self):
        for compression in (zipfile.ZIP_STORED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
            with self.subTest(compression=compression):
                result = verify_ofd(rezipped(self.files.items(), compression=compression))
                self.assertValidWithNotes(result, REPACKED_NOTE)

    def test_another_order_is_a_note(self):
        result = verify_ofd(rezipped(reversed(list(self.files.items()))))
        self.assertValidWithNotes(result, REPACKED_NOTE)

    def test_folder_entries_an_archive_tool_adds_are_a_note(self):
        result = verify_ofd(rezipped(self.files.items(), directories=True))
        self.assertValidWithNotes(result, REPACKED_NOTE)

    def test_a_stream_written_zip_with_data_descriptors_is_a_note(self):
        pipe = _Unseekable()
        with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, data in self.files.items():
                archive.writestr(path, data)
        with zipfile.ZipFile(io.BytesIO(bytes(pipe.buffer))) as check:
            self.assertTrue(all(info.flag_bits & 0x08 for info in check.infolist()))
        self.assertValidWithNotes(verify_ofd(bytes(pipe.buffer)), REPACKED_NOTE)

    def test_zip64_headers_are_a_note(self):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, data in self.files.items():
                with archive.open(path, "w", force_zip64=True) as entry:
                    entry.write(data)
        self.assertValidWithNotes(verify_ofd(out.getvalue()), REPACKED_NOTE)

    def test_a_zip_comment_is_a_note(self):
        comment = "由邮件系统转发".encode()
        # The end record's last field is the comment's length; the comment follows it.
        data = self.sealed[:-2] + struct.pack("<H", len(comment)) + comment
        self.assertEqual(zipfile.ZipFile(io.BytesIO(data)).comment, comment)
        self.assertValidWithNotes(verify_ofd(data), REPACKED_NOTE)

    def test_trailing_bytes_are_a_note(self):
        self.assertValidWithNotes(verify_ofd(self.sealed + b"\x00" * 17), REPACKED_NOTE)

    def test_bytes_before_the_zip_are_a_note(self):
        self.assertValidWithNotes(verify_ofd(b"MZ" + b"\x00" * 62 + self.sealed), REPACKED_NOTE)

    def test_a_changed_timestamp_or_attribute_is_a_note(self):
        archive = zipfile.ZipFile(io.BytesIO(self.sealed))
        first, second = archive.infolist()[:2]
        # The directory's record of the second entry follows the first one's (46 bytes + name).
        central = archive.start_dir + 46 + len(first.filename.encode())
        self.assertEqual(self.sealed[central : central + 4], b"PK\x01\x02")
        # Its local header's modification time and date; its directory record's time and
        # external attributes.
        for at in (second.header_offset + 10, second.header_offset + 12, central + 12, central + 38):
            with self.subTest(at=at):
                self.assertValidWithNotes(verify_ofd(self.flipped(at)), REPACKED_NOTE)

    def test_the_command_says_valid_and_gives_the_note(self):
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "证书.ofd"
            path.write_bytes(rezipped(self.files.items(), compression=zipfile.ZIP_STORED))
            out = io.StringIO()
            call_command("verify_certificate", str(path), stdout=out)
        self.assertIn("验证通过", out.getvalue())
        self.assertIn(f"说明：{REPACKED_NOTE}", out.getvalue())


class UncoveredFilesTestCase(ContainerTestCase):
    """Files added after sealing: named, and judged by whether a reader would show them."""

    def with_extra(self, path: str, data: bytes = b"added") -> bytes:
        return rezipped([*self.files.items(), (path, data)])

    def test_a_file_beside_the_document_is_named_and_the_seal_stays_valid(self):
        for path in ("readme.txt", "__MACOSX/._OFD.xml", "META-INF/manifest.xml"):
            with self.subTest(path=path):
                result = verify_ofd(self.with_extra(path))
                self.assertValidWithNotes(
                    result,
                    f"文件 {path} 不在签章保护范围内（签章后被添加）；"
                    "阅读器不会把它显示为文件内容，签章所覆盖的内容未变",
                    REPACKED_NOTE,
                )

    def test_a_file_inside_the_document_folder_makes_it_invalid(self):
        path = "Doc_0/Annots/Page_0/Annotation.xml"
        result = verify_ofd(self.with_extra(path, b"<ofd:PageAnnot/>"))
        self.assertEqual(
            result.problems,
            [f"文件 {path} 不在签章保护范围内（签章后被添加），且阅读器可能把它显示为文件内容"],
        )
        self.assertFalse(result.ok)

    def test_a_file_at_a_path_a_signed_file_names_makes_it_invalid(self):
        # Document.xml names Pages/Page_0/Content.xml; a reader that resolves it from the root
        # would show this page instead of the sealed one.
        result = verify_ofd(self.with_extra("Pages/Page_0/Content.xml", self.files[CONTENT]))
        self.assertInvalid(result, "文件 Pages/Page_0/Content.xml 不在签章保护范围内")

    def test_a_file_that_differs_from_a_signed_one_only_in_case_makes_it_invalid(self):
        result = verify_ofd(self.with_extra("ofd.xml", self.files["OFD.xml"]))
        self.assertInvalid(result, "文件 ofd.xml 不在签章保护范围内", "可能把它显示为文件内容")


class SignedContentTestCase(ContainerTestCase):
    """Whatever the container, a change to what the seal covers is found and named."""

    def test_a_changed_signed_file_in_a_repacked_container_is_named(self):
        changed = {**self.files, ATTACHMENT: self.files[ATTACHMENT].replace(b"2027", b"2037")}
        self.assertNotEqual(changed[ATTACHMENT], self.files[ATTACHMENT])
        result = verify_ofd(rezipped(changed.items(), compression=zipfile.ZIP_STORED))
        self.assertInvalid(result, f"文件 {ATTACHMENT} 已被修改（SM3校验值不符）")

    def test_a_missing_signed_file_in_a_repacked_container_is_named(self):
        files = {p: d for p, d in self.files.items() if p != CONTENT}
        self.assertInvalid(verify_ofd(rezipped(files.items())), f"文件 {CONTENT} 缺失（签章时存在）")

    def test_a_changed_signature_file_is_named(self):
        changed = self.files[SIGNATURE_PATH].replace(b"<ofd:SignedInfo>", b"<ofd:SignedInfo> ")
        self.assertNotEqual(changed, self.files[SIGNATURE_PATH])
        files = {**self.files, SIGNATURE_PATH: changed}
        self.assertInvalid(verify_ofd(rezipped(files.items())), f"文件 {SIGNATURE_PATH} 已被修改")

    def test_a_local_header_that_contradicts_the_directory_is_refused(self):
        # A streaming reader trusts the local header: stored where the directory says deflated
        # would give it other bytes than the ones checked.
        archive = zipfile.ZipFile(io.BytesIO(self.sealed))
        info = archive.getinfo(CONTENT)
        data = bytearray(self.sealed)
        data[info.header_offset + 8 : info.header_offset + 10] = struct.pack("<H", zipfile.ZIP_STORED)
        self.assertInvalid(verify_ofd(bytes(data)), f"文件 {CONTENT} 的压缩包记录前后不一致")

    def hidden_entry(self) -> bytes:
        """A complete local entry for a forged page, listed nowhere in the directory."""
        forged = rezipped([(CONTENT, self.files[CONTENT].replace("张".encode(), "李".encode()))])
        info = zipfile.ZipFile(io.BytesIO(forged)).infolist()[0]
        return forged[: info.header_offset + 30 + len(CONTENT) + info.compress_size]

    def test_an_entry_hidden_before_the_directory_is_refused(self):
        hidden = self.hidden_entry()
        start_dir = zipfile.ZipFile(io.BytesIO(self.sealed)).start_dir
        end = self.sealed[start_dir:]
        # The end record's offset of the directory (bytes 16–20 of it) moves by the insertion.
        record = len(end) - 22
        offset = struct.unpack("<L", end[record + 16 : record + 20])[0] + len(hidden)
        end = end[: record + 16] + struct.pack("<L", offset) + end[record + 20 :]
        data = self.sealed[:start_dir] + hidden + end
        self.assertEqual(self.unpacked(data), self.files)  # the directory still shows the sealed page
        self.assertInvalid(verify_ofd(data), "未列入目录的隐藏文件")

    def test_an_entry_hidden_before_the_first_is_refused(self):
        data = self.hidden_entry() + self.sealed
        self.assertEqual(self.unpacked(data), self.files)
        self.assertInvalid(verify_ofd(data), "未列入目录的隐藏文件")

    def test_no_changed_byte_that_changes_anything_goes_unnoticed(self):
        valid_with_note = 0
        for at in range(0, len(self.sealed), 7):
            changed = self.flipped(at)
            result = verify_ofd(changed)
            if result.ok:
                # Only the container may have changed (a timestamp, an attribute, a deflate bit
                # that no decoder reads): every file unpacks to exactly what was sealed, so
                # nothing the reader shows has changed.
                self.assertEqual(self.unpacked(changed), self.files, f"byte {at}")
                valid_with_note += result.notes == [REPACKED_NOTE]
        self.assertGreater(valid_with_note, 0)  # the tolerance is exercised, not only refusals


class CommandTestCase(ContainerTestCase):
    def test_the_command_names_an_uncovered_file_and_fails_on_a_changed_one(self):
        import tempfile
        from pathlib import Path

        changed = {**self.files, CONTENT: self.files[CONTENT] + b" "}
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "证书.ofd"
            path.write_bytes(rezipped(changed.items()))
            out = io.StringIO()
            with self.assertRaises(CommandError):
                call_command("verify_certificate", str(path), stdout=out)
        self.assertIn(f"- 文件 {CONTENT} 已被修改（SM3校验值不符）", out.getvalue())
