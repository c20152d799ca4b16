from __future__ import annotations

import io
import zipfile

from django.test import SimpleTestCase
from django.utils import timezone

from certificates.issuing import sealed_ofd
from certificates.tests.helpers import ensure_keys
from certificates.tests.ofd_samples import certificate_data
from certificates.verify import verify_ofd


class ContainerTestCase(SimpleTestCase):
    """Changing one byte anywhere in the file is found, not only inside the signed files."""

    sealed: bytes

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()
        cls.sealed = sealed_ofd(certificate_data(), when=timezone.now())

    def flipped(self, at: int) -> bytes:
        data = bytearray(self.sealed)
        data[at] ^= 0x01
        return bytes(data)

    def test_the_untouched_file_verifies(self) -> None:
        result = verify_ofd(self.sealed)
        self.assertTrue(result.ok, result.problems)

    def test_a_changed_timestamp_or_attribute_is_named(self) -> None:
        archive = zipfile.ZipFile(io.BytesIO(self.sealed))
        first = archive.infolist()[1]
        # The local header's modification time (offset 10) and the central record's attributes.
        for at in (first.header_offset + 10, first.header_offset + 14):
            result = verify_ofd(self.flipped(at))
            self.assertFalse(result.ok)
            self.assertTrue(any(first.filename in p for p in result.problems), result.problems)

    def test_trailing_bytes_are_found(self) -> None:
        result = verify_ofd(self.sealed + b"\x00")
        self.assertFalse(result.ok)

    def unpacked(self, data: bytes) -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {info.filename: archive.read(info) for info in archive.infolist()}

    def test_no_changed_byte_that_changes_anything_goes_unnoticed(self) -> None:
        original = self.unpacked(self.sealed)
        for at in range(0, len(self.sealed), 7):
            changed = self.flipped(at)
            if verify_ofd(changed).ok:
                # Only a deflate bit that no decoder reads can slip through: then every file
                # unpacks to exactly what was sealed, so nothing the reader shows has changed.
                self.assertEqual(self.unpacked(changed), original, f"byte {at}")
