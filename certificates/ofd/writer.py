"""Writing the certificate as an OFD package (GB/T 33190-2016).

``build_ofd`` lays the certificate out (``certificates.layout``) and writes the package's
files; ``zip_package`` zips them. The signer adds ``Doc_0/Signs/…`` to ``files`` before
zipping, which is why the package is handed over as a dict and ``OFD.xml`` already points
at ``Doc_0/Signs/Signatures.xml``.

Layout of the package::

    OFD.xml
    Doc_0/Document.xml            CommonData, the page, CustomTags, Attachments
    Doc_0/PublicRes.xml           fonts (embedded subset TrueType files, by their own names)
    Doc_0/DocumentRes.xml         images (photo, signature)
    Doc_0/Pages/Page_0/Content.xml
    Doc_0/Res/font_N.ttf, photo.*, signature.*
    Doc_0/Tags/CustomTags.xml, Doc_0/Tags/CustomTag.xml
    Doc_0/Attachments/Attachments.xml, Doc_0/Attachments/certificate.json

Elements follow the order of the standard's schemas; every ID is unique in the document
and ``MaxUnitID`` is the largest.
"""

from __future__ import annotations

import json
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from io import BytesIO
from typing import Any, Final

from lxml import etree  # type: ignore[import-untyped]  # no stubs installed

from certificates.document import CertificateData, to_record
from certificates.layout import ImageItem, Item, PathItem, Sheet, TextItem, TextLine, compose
from certificates.ofd import fonts
from certificates.ofd.xml import OFD_NS, num, nums, root, serialize, sub

DOC: Final = "Doc_0"
OFD_XML: Final = "OFD.xml"
DOCUMENT_XML: Final = f"{DOC}/Document.xml"
PUBLIC_RES_XML: Final = f"{DOC}/PublicRes.xml"
DOCUMENT_RES_XML: Final = f"{DOC}/DocumentRes.xml"
PAGE_XML: Final = f"{DOC}/Pages/Page_0/Content.xml"
RES_DIR: Final = "Res"
CUSTOM_TAGS_XML: Final = f"{DOC}/Tags/CustomTags.xml"
CUSTOM_TAG_XML: Final = f"{DOC}/Tags/CustomTag.xml"
ATTACHMENTS_XML: Final = f"{DOC}/Attachments/Attachments.xml"
ATTACHMENT_JSON: Final = f"{DOC}/Attachments/certificate.json"
SIGNATURES_XML: Final = f"{DOC}/Signs/Signatures.xml"

CREATOR: Final = "辽宁政务服务网"
CREATOR_VERSION: Final = "1.0"
# Our namespace for the CustomTags file; the field names inside are the printed labels.
TAG_NS: Final = "urn:lnzwfw:ejjzs-certificate:tags:1"
ATTACHMENT_ID: Final = "certificate_data"  # xs:ID in the schema, so a name, not a number

# Glyph boxes may reach a little past a character's advance (Latin letters, punctuation);
# the text's Boundary is widened by this much on each side so readers that clip to the
# Boundary never cut a stroke.
TEXT_PAD: Final = 0.5
# Zip entries get a fixed time: it means nothing to a reader, and the same package then
# zips to the same bytes.
ZIP_DATE_TIME: Final = (2000, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class DocumentMeta:
    """What an OFD document says about itself besides its pages: DocInfo, the CustomTags
    namespace and root, and the machine-readable record attached as JSON. The certificate's is
    `certificate_meta`; a sealed notice has its own (`certificates.notice_layout`)."""

    title: str
    author: str
    custom_datas: tuple[tuple[str, str], ...]  # (Name, value) in DocInfo/CustomDatas
    record: dict[str, Any]
    attachment_file: str = ATTACHMENT_JSON.rsplit("/", 1)[1]
    attachment_id: str = ATTACHMENT_ID
    attachment_name: str = "证书数据"
    tag_ns: str = TAG_NS
    tag_root: str = "Certificate"


def certificate_meta(data: CertificateData) -> DocumentMeta:
    return DocumentMeta(
        title=data.title,
        author=data.authority,
        custom_datas=(("电子证照标识", data.license_id), ("注册编号", data.registration_number)),
        record=to_record(data),
    )


@dataclass(frozen=True)
class OfdPackage:
    """The files of one certificate, before signing and zipping.

    ``page_id`` is the ID of the page the seal goes on, the last one (its StampAnnot PageRef);
    ``stamp_annot_id`` an ID no object uses, kept for the seal's StampAnnot: Document.xml
    is signed, so its MaxUnitID must already count the stamp when the signer comes;
    ``max_unit_id`` is the document's MaxUnitID, the largest ID (IDs above it are free).
    """

    files: dict[str, bytes]
    page_id: int
    stamp_annot_id: int
    max_unit_id: int


class _Ids:
    def __init__(self) -> None:
        self.last = 0

    def next(self) -> int:
        self.last += 1
        return self.last


def _color(parent: etree._Element, tag: str, rgb: tuple[int, int, int]) -> None:
    sub(parent, tag, Value=" ".join(str(c) for c in rgb))


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _pieces(item: TextItem) -> list[TextItem]:
    """The item as the text objects it is written as: a character beyond the BMP gets a
    TextObject of its own, the text before and after it (across lines too) stays together.

    Its glyph mapping (CGTransform) then has CodePosition 0 in every reading of the
    standard: ofdrw counts CodePosition across all TextCodes of the object, other readers
    within the TextCode that follows, and here the two are the same. The pieces keep the
    item's tag, so the field still names all of them, in reading order."""
    if not any(line.beyond_bmp for line in item.lines):
        return [item]  # the common case, as it was: no new objects on every copy
    pieces: list[TextItem] = []
    runs: list[TextLine] = []

    def flush() -> None:
        if runs:
            pieces.append(replace(item, lines=tuple(runs)))
            runs.clear()

    for line in item.lines:
        for run in line.runs():
            if run.beyond_bmp:
                flush()
                pieces.append(replace(item, lines=(run,)))
            else:
                runs.append(run)
    flush()
    return pieces


def _cg_transforms(text: str, subset: fonts.SubsetFont) -> list[tuple[int, int, int]]:
    """(CodePosition, CodeCount, glyph index) for each character of ``text`` beyond the BMP.

    Positions and counts are in UTF-16 code units, as ofdrw (Java strings) and other readers
    walk a TextCode: 𠮷 is two units drawn as one glyph of the embedded subset."""
    transforms = []
    position = 0
    for char in text:
        units = _utf16_length(char)
        if units > 1:
            transforms.append((position, units, subset.glyph_index(char)))
        position += units
    return transforms


def _text_object(
    layer: etree._Element, item: TextItem, object_id: int, font_id: int, subset: fonts.SubsetFont
) -> None:
    x, y, w, h = item.bounds
    left, top = x - TEXT_PAD, y
    element = sub(
        layer,
        "TextObject",
        ID=str(object_id),
        Boundary=nums((left, top, w + 2 * TEXT_PAD, h)),
        Font=str(font_id),
        Size=num(item.size),
    )
    _color(element, "FillColor", item.color)
    for line in item.lines:
        # Schema order: a TextCode's CGTransforms come right before it. A character beyond
        # the BMP stands alone in its TextObject (_pieces), so its position is 0 both
        # within the TextCode and within the object.
        for position, count, glyph in _cg_transforms(line.text, subset) if line.beyond_bmp else ():
            transform = sub(
                element,
                "CGTransform",
                CodePosition=str(position),
                CodeCount=str(count),
                GlyphCount="1",
            )
            sub(transform, "Glyphs", str(glyph))
        code = sub(element, "TextCode", line.text, X=num(line.x - left), Y=num(line.y - top))
        if len(line.text) > 1:
            # DeltaX[i] moves the pen from character i to i+1: the real advance widths,
            # so every reader places each character where the layout (and the
            # preview) put it, whatever font it ends up drawing with.
            code.set("DeltaX", nums(line.advances[:-1]))


def _path_object(layer: etree._Element, item: PathItem, object_id: int) -> None:
    x, y, w, h = item.bounds
    commands: list[str] = []
    for subpath in item.subpaths:
        (x0, y0), *rest = subpath
        commands.append(f"M {num(x0 - x)} {num(y0 - y)}")
        commands.extend(f"L {num(px - x)} {num(py - y)}" for px, py in rest)
        if item.closed:
            commands.append("C")
    attrs = {"ID": str(object_id), "Boundary": nums((x, y, w, h))}
    if item.stroke is not None:
        attrs["LineWidth"] = num(item.line_width)
    attrs["Stroke"] = "true" if item.stroke is not None else "false"
    attrs["Fill"] = "true" if item.fill is not None else "false"
    element = sub(layer, "PathObject", **attrs)
    if item.stroke is not None:
        _color(element, "StrokeColor", item.stroke)
    if item.fill is not None:
        _color(element, "FillColor", item.fill)
    sub(element, "AbbreviatedData", " ".join(commands))


def _image_object(layer: etree._Element, item: ImageItem, object_id: int, resource_id: int) -> None:
    # The CTM maps the image's unit square onto the Boundary; without it readers draw
    # the image 1×1 mm or not at all.
    sub(
        layer,
        "ImageObject",
        ID=str(object_id),
        Boundary=nums(item.bounds),
        CTM=f"{num(item.width)} 0 0 {num(item.height)} 0 0",
        ResourceID=str(resource_id),
    )


def _inside_page(sheet: Sheet, item: Item) -> None:
    x, y, w, h = item.bounds
    if x < 0 or y < 0 or x + w > sheet.width or y + h > sheet.height:
        raise ValueError(f"证书版式错误：对象超出页面 {item.bounds}")


def build_ofd(
    data: CertificateData,
    *,
    doc_id: str | None = None,
    created: datetime | None = None,
) -> OfdPackage:
    """The certificate's OFD files (unsigned, unzipped).

    Raises FontCoverageError (before anything is built) when a character of the data
    cannot be drawn with the certificate's fonts.
    """
    return build_document([compose(data)], certificate_meta(data), doc_id=doc_id, created=created)


def page_path(index: int) -> str:
    return f"{DOC}/Pages/Page_{index}/Content.xml"


def build_document(
    sheets: Sequence[Sheet],
    meta: DocumentMeta,
    *,
    doc_id: str | None = None,
    created: datetime | None = None,
) -> OfdPackage:
    """An OFD document of one page per sheet (unsigned, unzipped), the seal's page the last.
    IDs are given out in the order a one-page certificate always had them: fonts, images,
    then each page (page, layer, its objects), then the stamp's."""
    if not sheets:
        raise ValueError("an OFD document needs at least one page")
    created = created or datetime.now()
    ids = _Ids()
    files: dict[str, bytes] = {}

    used: dict[str, set[str]] = {}
    for sheet in sheets:
        for key, chars in sheet.chars_by_font().items():
            used.setdefault(key, set()).update(chars)

    # Resources first: their IDs are referenced by the pages.
    font_ids: dict[str, int] = {}
    subsets: dict[str, fonts.SubsetFont] = {}
    public_res = root("Res", BaseLoc=RES_DIR)
    fonts_element = sub(public_res, "Fonts")
    font_files: dict[str, bytes] = {}
    for index, (key, chars) in enumerate(sorted(used.items())):
        subset = subsets[key] = fonts.subset_font(key, chars)
        font_ids[key] = ids.next()
        file_name = f"font_{index}.ttf"
        font = sub(
            fonts_element,
            "Font",
            ID=str(font_ids[key]),
            # The embedded subset's own names (its name table's IDs 6 and 1), not 宋体/黑体:
            # a reader that looked the name up among system fonts would draw 宋体, which
            # lacks 𠮷 and 𡈽. Bold is left unset: the file is already bold, and some
            # readers would embolden it again.
            FontName=subset.font_name,
            FamilyName=subset.family_name,
        )
        if subset.face.serif:
            font.set("Serif", "true")
        sub(font, "FontFile", file_name)
        font_files[f"{DOC}/{RES_DIR}/{file_name}"] = subset.data

    document_res = root("Res", BaseLoc=RES_DIR)
    media_element = sub(document_res, "MultiMedias")
    media_ids: dict[int, int] = {}  # id(ImageItem) -> MultiMedia ID
    image_files: dict[str, bytes] = {}
    image_names = {"照片": "photo", "本人签名": "signature"}
    images = [i for sheet in sheets for i in sheet.items if isinstance(i, ImageItem)]
    for index, image in enumerate(images):
        media_id = ids.next()
        media_ids[id(image)] = media_id
        stem = image_names.get(image.tag or "", f"image_{index}")
        file_name = f"{stem}.{'png' if image.format == 'PNG' else 'jpg'}"
        media = sub(media_element, "MultiMedia", ID=str(media_id), Type="Image", Format=image.format)
        sub(media, "MediaFile", file_name)
        image_files[f"{DOC}/{RES_DIR}/{file_name}"] = image.data

    page_ids: list[int] = []
    page_files: dict[str, bytes] = {}
    tags: dict[str, list[tuple[int, int]]] = {}  # field -> (page ID, object ID)
    for number, sheet in enumerate(sheets):
        page_id = ids.next()
        page_ids.append(page_id)
        page = root("Page")
        area = sub(page, "Area")
        sub(area, "PhysicalBox", nums((0, 0, sheet.width, sheet.height)))
        content = sub(page, "Content")
        layer = sub(content, "Layer", ID=str(ids.next()), Type="Body")
        for item in sheet.items:
            _inside_page(sheet, item)
            object_ids: list[int] = []
            if isinstance(item, TextItem):
                for piece in _pieces(item):
                    object_ids.append(ids.next())
                    _text_object(layer, piece, object_ids[-1], font_ids[item.font], subsets[item.font])
            elif isinstance(item, PathItem):
                object_ids.append(ids.next())
                _path_object(layer, item, object_ids[-1])
            else:
                object_ids.append(ids.next())
                _image_object(layer, item, object_ids[-1], media_ids[id(item)])
            if item.tag:
                tags.setdefault(item.tag, []).extend((page_id, o) for o in object_ids)
        page_files[page_path(number)] = serialize(page)
    stamp_annot_id = ids.next()
    max_unit_id = ids.last

    attachment = json.dumps(meta.record, ensure_ascii=False, indent=2).encode("utf-8")

    files[OFD_XML] = serialize(_ofd_xml(meta, doc_id or uuid.uuid4().hex, created))
    files[DOCUMENT_XML] = serialize(_document_xml(sheets[0], page_ids, max_unit_id))
    files[PUBLIC_RES_XML] = serialize(public_res)
    files[DOCUMENT_RES_XML] = serialize(document_res)
    files.update(page_files)
    files.update(font_files)
    files.update(image_files)
    files[CUSTOM_TAGS_XML] = serialize(_custom_tags_xml(meta))
    files[CUSTOM_TAG_XML] = serialize(_custom_tag_xml(meta, tags))
    files[ATTACHMENTS_XML] = serialize(_attachments_xml(meta, len(attachment), created))
    files[f"{DOC}/Attachments/{meta.attachment_file}"] = attachment
    return OfdPackage(
        files=files, page_id=page_ids[-1], stamp_annot_id=stamp_annot_id, max_unit_id=max_unit_id
    )


def _ofd_xml(meta: DocumentMeta, doc_id: str, created: datetime) -> etree._Element:
    ofd = root("OFD", Version="1.0", DocType="OFD")
    body = sub(ofd, "DocBody")
    info = sub(body, "DocInfo")
    sub(info, "DocID", doc_id)
    sub(info, "Title", meta.title)
    sub(info, "Author", meta.author)
    sub(info, "CreationDate", created.date().isoformat())
    sub(info, "Creator", CREATOR)
    sub(info, "CreatorVersion", CREATOR_VERSION)
    custom = sub(info, "CustomDatas")
    for name, value in meta.custom_datas:
        sub(custom, "CustomData", value, Name=name)
    sub(body, "DocRoot", DOCUMENT_XML)
    # Always present: the signer adds the file; an unsigned copy is never handed out.
    sub(body, "Signatures", SIGNATURES_XML)
    return ofd


def _document_xml(sheet: Sheet, page_ids: list[int], max_unit_id: int) -> etree._Element:
    document = root("Document")
    common = sub(document, "CommonData")
    sub(common, "MaxUnitID", str(max_unit_id))
    page_area = sub(common, "PageArea")
    sub(page_area, "PhysicalBox", nums((0, 0, sheet.width, sheet.height)))
    sub(common, "PublicRes", PUBLIC_RES_XML.removeprefix(f"{DOC}/"))
    sub(common, "DocumentRes", DOCUMENT_RES_XML.removeprefix(f"{DOC}/"))
    pages = sub(document, "Pages")
    for number, page_id in enumerate(page_ids):
        sub(pages, "Page", ID=str(page_id), BaseLoc=page_path(number).removeprefix(f"{DOC}/"))
    # Schema order: … Annotations, CustomTags, Attachments, Extensions.
    sub(document, "CustomTags", CUSTOM_TAGS_XML.removeprefix(f"{DOC}/"))
    sub(document, "Attachments", ATTACHMENTS_XML.removeprefix(f"{DOC}/"))
    return document


def _custom_tags_xml(meta: DocumentMeta) -> etree._Element:
    custom_tags = root("CustomTags")
    tag = sub(custom_tags, "CustomTag", NameSpace=meta.tag_ns)
    sub(tag, "FileLoc", CUSTOM_TAG_XML.rsplit("/", 1)[1])
    return custom_tags


def _custom_tag_xml(meta: DocumentMeta, tags: dict[str, list[tuple[int, int]]]) -> etree._Element:
    """One ``Field`` per printed field, named by its label, pointing at its objects."""
    ns = meta.tag_ns
    document = etree.Element(f"{{{ns}}}{meta.tag_root}", nsmap={"zs": ns, "ofd": OFD_NS})
    for name, refs in tags.items():
        field = etree.SubElement(document, f"{{{ns}}}Field", {"Name": name})
        for page_id, object_id in refs:
            ref = etree.SubElement(field, f"{{{OFD_NS}}}ObjectRef", {"PageRef": str(page_id)})
            ref.text = str(object_id)
    return document


def _attachments_xml(meta: DocumentMeta, size: int, created: datetime) -> etree._Element:
    attachments = root("Attachments")
    attachment = sub(
        attachments,
        "Attachment",
        ID=meta.attachment_id,
        Name=meta.attachment_name,
        Format="json",
        CreationDate=created.strftime("%Y-%m-%dT%H:%M:%S"),
        Size=num(size / 1024),  # the schema's Size is in KB
        Visible="true",
        Usage="none",
    )
    sub(attachment, "FileLoc", meta.attachment_file)
    return attachments


# Already compressed, or random to zlib: deflating them gained a tenth of their size for a
# tenth of a copy's instructions (issue 14). Stored as they are: images and SignedValue.dat.
STORED_SUFFIXES: Final = (".png", ".jpg", ".jpeg", ".dat")


def zip_method(path: str) -> int:
    """How `zip_package` packs the file at `path` (the verifier expects the same)."""
    return zipfile.ZIP_STORED if path.lower().endswith(STORED_SUFFIXES) else zipfile.ZIP_DEFLATED


def zip_package(files: dict[str, bytes]) -> bytes:
    """The OFD file: one plain zip, OFD.xml first, no directory entries; every file deflated
    but those already compressed (`zip_method`)."""
    out = BytesIO()
    ordered = sorted(files, key=lambda path: path != OFD_XML)  # stable: keeps the rest in order
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in ordered:
            info = zipfile.ZipInfo(path, date_time=ZIP_DATE_TIME)
            info.compress_type = zip_method(path)
            info.external_attr = 0o644 << 16  # rw-r--r-- when someone unzips it
            archive.writestr(info, files[path])
    return out.getvalue()


__all__ = ["DocumentMeta", "OfdPackage", "build_document", "build_ofd", "zip_method", "zip_package"]
