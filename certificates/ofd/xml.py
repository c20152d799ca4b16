"""Building OFD XML with lxml: the ofd namespace on elements, plain attributes, mm numbers."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Final

from lxml import etree  # type: ignore[import-untyped]  # no stubs installed

OFD_NS: Final = "http://www.ofdspec.org/2016"
NSMAP: Final = {"ofd": OFD_NS}


def q(tag: str) -> str:
    """The qualified name of an OFD element."""
    return f"{{{OFD_NS}}}{tag}"


# Memoised: a page repeats the same coordinates (the QR code's grid) thousands of times.
@functools.lru_cache(maxsize=8192)
def num(value: float) -> str:
    """A length in mm: at most 3 decimals (1 µm), no trailing zeros, never "-0"."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def nums(values: Iterable[float]) -> str:
    return " ".join(num(v) for v in values)


def root(tag: str, nsmap: dict[str | None, str] | None = None, **attrib: str) -> etree._Element:
    # Attributes stay unqualified: readers look them up without a namespace, and the
    # schema says attributeFormDefault="unqualified".
    return etree.Element(q(tag), attrib, nsmap=nsmap or NSMAP)


def sub(parent: etree._Element, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
    element = etree.SubElement(parent, q(tag), attrib)
    if text is not None:
        element.text = text
    return element


def serialize(element: etree._Element) -> bytes:
    data: bytes = etree.tostring(element, xml_declaration=True, encoding="UTF-8")
    return data
