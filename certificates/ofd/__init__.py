"""Our OFD writer (GB/T 33190-2016): lxml for the XML, fontTools for the fonts, zipfile.

``from certificates.ofd import build_ofd, OfdPackage, zip_package, FontCoverageError``.
The names are resolved on first use: ``certificates.layout`` needs ``ofd.fonts`` to measure
text while ``ofd.writer`` needs the layout, so importing the writer here would be circular.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from certificates.ofd.fonts import FontCoverageError
    from certificates.ofd.writer import OfdPackage, build_ofd, zip_package

__all__ = ["FontCoverageError", "OfdPackage", "build_ofd", "zip_package"]


def __getattr__(name: str) -> Any:
    if name == "FontCoverageError":
        from certificates.ofd import fonts

        return fonts.FontCoverageError
    if name in ("OfdPackage", "build_ofd", "zip_package"):
        from certificates.ofd import writer

        return getattr(writer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
