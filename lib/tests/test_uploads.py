"""Tests for lib.uploads.

Every fixture is generated here with Pillow and pypdf; no binary files.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import struct
import unicodedata
import zlib
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageCms, ImageDraw
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfWriter
from pypdf.actions import JavaScript, PageTrigger
from pypdf.annotations import Link
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject

from lib.uploads import (
    DISPLAY_NAME_FALLBACK,
    DISPLAY_NAME_MAX,
    MSG_BAD_TYPE,
    MSG_EMPTY,
    MSG_IMAGE_CORRUPT,
    MSG_IMAGES_ONLY,
    MSG_PDF_ACTION,
    MSG_PDF_ATTACHMENT,
    MSG_PDF_CORRUPT,
    MSG_PDF_ENCRYPTED,
    MSG_PDF_NO_PAGES,
    MSG_PDF_SCRIPT,
    MSG_PHOTO_BACKGROUND,
    MSG_PHOTO_BLANK,
    MSG_SIGNATURE_COLOURED,
    MSG_SIGNATURE_NO_INK,
    MSG_SIGNATURE_PAPER,
    CheckedFile,
    UploadError,
    check_id_photo,
    check_signature,
    check_upload,
    download_name,
    extension_for,
    safe_display_name,
)

RGB = tuple[int, int, int]
WHITE: RGB = (255, 255, 255)
SCRIPT = b"<script>alert(1)</script>"


# --- fixtures built in code -------------------------------------------------------


def encode(img: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **params)
    return out.getvalue()


def noisy(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """Incompressible content, so a truncated file really misses pixel data."""
    raw = bytes((i * 7919 + (i >> 5) * 104729) % 251 for i in range(size[0] * size[1] * len(mode)))
    return Image.frombytes(mode, size, raw)


def portrait(size: tuple[int, int] = (295, 413), background: RGB = WHITE) -> Image.Image:
    """A synthetic 1-inch photo: head and shoulders centred, clear border."""
    w, h = size
    img = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(img)
    draw.ellipse((w * 0.08, h * 0.66, w * 0.92, h * 1.4), fill=(25, 30, 45))  # jacket
    draw.ellipse((w * 0.3, h * 0.14, w * 0.7, h * 0.62), fill=(40, 30, 25))  # hair
    draw.ellipse((w * 0.34, h * 0.24, w * 0.66, h * 0.64), fill=(215, 170, 140))  # face
    return img


def signature(ink: RGB = (20, 20, 20), paper: RGB = WHITE, size: tuple[int, int] = (600, 200)) -> Image.Image:
    img = Image.new("RGB", size, paper)
    draw = ImageDraw.Draw(img)
    w, h = size
    draw.line([(w * 0.2, h * 0.6), (w * 0.35, h * 0.3), (w * 0.45, h * 0.7), (w * 0.55, h * 0.35)], ink, 5)
    draw.arc((w * 0.5, h * 0.3, w * 0.8, h * 0.75), 0, 300, ink, 5)
    return img


def transparent_where_white(img: Image.Image) -> Image.Image:
    """RGBA copy whose pure-white pixels are fully transparent (black underneath)."""
    alpha = img.convert("L").point([0 if v == 255 else 255 for v in range(256)])
    rgba = Image.new("RGBA", img.size, (0, 0, 0, 0))
    rgba.paste(img, mask=alpha)
    return rgba


def checked(img: Image.Image, fmt: str = "JPEG") -> CheckedFile:
    return check_upload(encode(img, fmt), images_only=True)


def png_with_size(width: int, height: int) -> bytes:
    """A 1×1 PNG whose IHDR is patched to claim width×height (CRC fixed)."""
    data = bytearray(encode(Image.new("L", (1, 1)), "PNG"))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def pdf(build: Callable[[PdfWriter], object] | None = None, *, pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if build is not None:
        build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def raw_pdf(*objects: bytes) -> bytes:
    """A hand-written PDF (object 1 is the catalog) with a correct xref."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


RAW_PAGES = (
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
)


def refusal(data: bytes, *, images_only: bool = False, **kwargs: int) -> str:
    with pytest.raises(UploadError) as excinfo:
        check_upload(data, images_only=images_only, **kwargs)
    return str(excinfo.value)


# --- images pass and are re-encoded ----------------------------------------------------


def test_it_reencodes_a_jpeg_and_drops_exif_gps_and_comments() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretPhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (41.0, 48.0, 12.5)
    original = encode(noisy((64, 48)), exif=exif, comment=b"secret comment")
    assert b"SecretPhone" in original  # the fixture really carries metadata

    result = check_upload(original, images_only=True)

    assert result.content != original
    assert (result.extension, result.content_type) == ("jpg", "image/jpeg")
    assert (result.width, result.height) == (64, 48)
    for marker in (b"SecretPhone", b"secret", b"Exif", b"GPS"):
        assert marker not in result.content
    with Image.open(io.BytesIO(result.content)) as img:
        assert img.format == "JPEG"
        assert len(img.getexif()) == 0
        assert not img.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "comment" not in img.info and "exif" not in img.info


def test_it_reencodes_a_png_and_drops_text_and_icc() -> None:
    info = PngInfo()
    info.add_text("Comment", "secret text")
    info.add_itxt("Author", "秘密作者")
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = encode(noisy((30, 20)), "PNG", pnginfo=info, icc_profile=icc)

    result = check_upload(original, images_only=True)

    assert result.content != original
    assert (result.extension, result.content_type) == ("png", "image/png")
    assert (result.width, result.height) == (30, 20)
    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"iCCP", b"eXIf", b"secret"):
        assert chunk not in result.content
    with Image.open(io.BytesIO(result.content)) as img:
        assert img.mode == "RGB"
        assert img.tobytes() == noisy((30, 20)).tobytes()  # PNG stays lossless


def test_it_strips_a_script_appended_to_a_jpeg() -> None:
    polyglot = encode(noisy((40, 40))) + SCRIPT
    result = check_upload(polyglot, images_only=True)
    assert SCRIPT not in result.content
    assert b"<script" not in result.content
    assert result.content.endswith(b"\xff\xd9")


def test_it_strips_data_appended_to_a_png() -> None:
    result = check_upload(encode(noisy((16, 16)), "PNG") + SCRIPT, images_only=True)
    assert SCRIPT not in result.content
    assert result.content.endswith(b"IEND\xaeB`\x82")


def test_it_reports_the_hash_of_the_stored_content() -> None:
    result = check_upload(encode(noisy((20, 20))), images_only=True)
    assert result.sha256 == hashlib.sha256(result.content).hexdigest()


def test_it_applies_exif_orientation() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # rotate 90° clockwise to display
    result = check_upload(encode(noisy((40, 20)), exif=exif), images_only=True)
    assert (result.width, result.height) == (20, 40)
    with Image.open(io.BytesIO(result.content)) as img:
        assert img.size == (20, 40)
        assert ExifTags.Base.Orientation not in img.getexif()


@pytest.mark.parametrize(
    ("img", "fmt", "expected_mode"),
    [
        (Image.new("CMYK", (10, 10), (0, 255, 255, 0)), "JPEG", "RGB"),
        (Image.new("L", (10, 10), 128), "JPEG", "L"),
        (Image.new("P", (10, 10), 3), "PNG", "RGB"),
        (Image.new("LA", (10, 10), (0, 100)), "PNG", "RGBA"),
        (Image.new("RGBA", (10, 10), (0, 0, 0, 255)), "PNG", "RGB"),  # alpha unused
        (Image.new("1", (10, 10), 1), "PNG", "L"),
    ],
)
def test_it_converts_modes(img: Image.Image, fmt: str, expected_mode: str) -> None:
    result = check_upload(encode(img, fmt), images_only=True)
    with Image.open(io.BytesIO(result.content)) as out:
        assert out.mode == expected_mode


def test_it_keeps_palette_transparency_as_rgba() -> None:
    img = Image.new("P", (10, 10), 0)
    img.putpixel((0, 0), 1)
    result = check_upload(encode(img, "PNG", transparency=0), images_only=True)
    with Image.open(io.BytesIO(result.content)) as out:
        assert out.mode == "RGBA"
        assert out.getpixel((5, 5))[3] == 0  # type: ignore[index]
        assert out.getpixel((0, 0))[3] == 255  # type: ignore[index]


def test_it_scales_sixteen_bit_grey_instead_of_clipping() -> None:
    img = Image.new("I;16", (3, 1))
    for x, value in enumerate((65535, 32768, 0)):
        img.putpixel((x, 0), value)
    result = check_upload(encode(img, "PNG"), images_only=True)
    with Image.open(io.BytesIO(result.content)) as out:
        assert out.mode == "L"
        assert list(out.tobytes()) == [255, 128, 0]


# --- type sniffing ------------------------------------------------------------------------


def test_it_refuses_a_pdf_for_an_images_only_material() -> None:
    # The client's name ("证件照.jpg") never reaches check_upload: bytes decide.
    assert refusal(pdf(), images_only=True) == MSG_IMAGES_ONLY
    assert "只接受" in MSG_IMAGES_ONLY and "图片" in MSG_IMAGES_ONLY


@pytest.mark.parametrize(
    "data",
    [
        b"just some text\n",
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200,  # Windows EXE
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 100,  # ZIP / docx
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00;",
    ],
)
def test_it_refuses_other_file_types(data: bytes) -> None:
    assert refusal(data) == MSG_BAD_TYPE
    assert refusal(data, images_only=True) == MSG_IMAGES_ONLY


def test_it_refuses_a_gif_that_claims_to_be_an_image() -> None:
    assert refusal(encode(Image.new("P", (5, 5)), "GIF"), images_only=True) == MSG_IMAGES_ONLY


def test_it_refuses_empty_and_oversize_files() -> None:
    assert refusal(b"") == MSG_EMPTY
    big = 10 * 1024 * 1024 + 1
    assert refusal(b"%PDF" + b"\x00" * (big - 4)) == "文件过大，单个文件不能超过10MB"
    data = encode(noisy((30, 30)))
    assert refusal(data, max_bytes=len(data) - 1) == "文件过大，单个文件不能超过1KB"
    check_upload(data, images_only=True, max_bytes=len(data))  # exactly at the limit


def test_it_refuses_a_truncated_jpeg() -> None:
    data = encode(noisy((200, 200)), quality=95)
    assert refusal(data[: len(data) // 2], images_only=True) == MSG_IMAGE_CORRUPT


def test_it_refuses_a_jpeg_header_followed_by_garbage() -> None:
    assert refusal(b"\xff\xd8\xff\xe0" + b"garbage" * 50, images_only=True) == MSG_IMAGE_CORRUPT


def test_it_refuses_a_png_with_a_broken_chunk() -> None:
    data = bytearray(encode(noisy((50, 50)), "PNG"))
    data[40:60] = b"\x00" * 20  # inside IDAT: CRC and zlib stream break
    assert refusal(bytes(data), images_only=True) == MSG_IMAGE_CORRUPT


# --- decompression bombs ----------------------------------------------------------------------


def test_it_refuses_a_png_declaring_huge_dimensions() -> None:
    # 10^10 pixels: Pillow's own DecompressionBombError fires at open.
    assert refusal(png_with_size(100_000, 100_000), images_only=True).startswith("图片像素过多")


def test_it_refuses_beyond_its_own_pixel_budget_before_decoding() -> None:
    # 49 MP is under Pillow's global limit (~89 MP) but over ours (40 MP); the
    # IDAT is for 1×1, so a decode attempt would fail as "corrupt" instead.
    message = refusal(png_with_size(7000, 7000), images_only=True)
    assert message == "图片像素过多，请将图片缩小到不超过4000万像素后重新上传"


def test_it_honours_a_lower_pixel_limit() -> None:
    data = encode(noisy((100, 100)))
    assert refusal(data, images_only=True, max_pixels=5000).startswith("图片像素过多")
    assert check_upload(data, images_only=True, max_pixels=10_000).width == 100


# --- PDFs ------------------------------------------------------------------------------------------


def test_it_keeps_a_normal_pdf_unchanged() -> None:
    data = pdf(pages=2)
    result = check_upload(data, images_only=False)
    assert result.content == data
    assert (result.extension, result.content_type, result.width, result.height) == (
        "pdf",
        "application/pdf",
        None,
        None,
    )


def test_it_allows_an_open_action_that_only_shows_the_first_page() -> None:
    def go_to_first_page(writer: PdfWriter) -> None:
        writer.open_destination = writer.pages[0]

    data = pdf(go_to_first_page)
    assert b"/OpenAction" in data
    assert check_upload(data, images_only=False).content == data


@pytest.mark.parametrize("user_password", ["secret", ""])
def test_it_refuses_an_encrypted_pdf(user_password: str) -> None:
    # An empty user password opens without prompting, but is still encrypted.
    data = pdf(lambda writer: writer.encrypt(user_password, owner_password="owner"))
    assert refusal(data) == MSG_PDF_ENCRYPTED


def _js_open_action(writer: PdfWriter) -> None:
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert(1)"),
        }
    )


def _launch_open_action(writer: PdfWriter) -> None:
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/Launch"),
            NameObject("/F"): TextStringObject("cmd.exe"),
        }
    )
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(action)


def _document_javascript(writer: PdfWriter) -> None:
    writer.add_open_action(JavaScript("app.alert(1)"))  # the /Names /JavaScript tree


def _page_open_javascript(writer: PdfWriter) -> None:
    writer.pages[0].add_action(PageTrigger.OPEN, JavaScript("app.alert(1)"))  # page /AA


@pytest.mark.parametrize("build", [_js_open_action, _document_javascript, _page_open_javascript])
def test_it_refuses_a_pdf_with_scripts(build: Callable[[PdfWriter], None]) -> None:
    assert refusal(pdf(build)) == MSG_PDF_SCRIPT


# --- actions that leave the document: web links, other files, programs, form submission ----


def _action(kind: str, **entries: str) -> DictionaryObject:
    action = DictionaryObject({NameObject("/S"): NameObject(kind)})
    for key, value in entries.items():
        action[NameObject(f"/{key}")] = TextStringObject(value)
    return action


def _uri_link_annotation(writer: PdfWriter) -> None:
    writer.add_annotation(
        page_number=0, annotation=Link(rect=(50, 50, 200, 80), url="https://phish.example/")
    )


def _go_to_remote_open_action(writer: PdfWriter) -> None:
    action = _action("/GoToR", F="other.pdf")
    action[NameObject("/D")] = ArrayObject([FloatObject(0), NameObject("/Fit")])
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(action)


def _submit_form_outline(writer: PdfWriter) -> None:
    item = writer.add_outline_item(title="第一页", page_number=0).get_object()
    assert isinstance(item, DictionaryObject)
    item[NameObject("/A")] = writer._add_object(_action("/SubmitForm", F="https://collect.example/"))


def _uri_form_field(writer: PdfWriter) -> None:
    widget = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/FT"): NameObject("/Btn"),
            NameObject("/T"): TextStringObject("go"),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (10, 10, 60, 30)]),
            NameObject("/A"): _action("/URI", URI="https://phish.example/"),
        }
    )
    ref = writer._add_object(widget)
    writer.pages[0][NameObject("/Annots")] = ArrayObject([ref])
    writer.root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject([ref])}
    )


@pytest.mark.parametrize(
    "build",
    [
        _launch_open_action,
        _uri_link_annotation,
        _go_to_remote_open_action,
        _submit_form_outline,
        _uri_form_field,
    ],
    ids=["launch-open-action", "uri-annotation", "gotor-open-action", "submitform-outline", "uri-form-field"],
)
def test_it_refuses_a_pdf_with_actions_that_leave_the_document(build: Callable[[PdfWriter], None]) -> None:
    data = pdf(build)
    assert refusal(data) == MSG_PDF_ACTION
    assert "不能上传" in MSG_PDF_ACTION


def test_it_finds_a_web_link_behind_an_escaped_name() -> None:
    data = raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        *RAW_PAGES,
        b"<< /S /UR#49 /URI (https://phish.example/) >>",
    )
    assert b"/URI " not in data.replace(b"/URI (", b"")
    assert refusal(data) == MSG_PDF_ACTION


def test_it_allows_a_link_to_a_page_of_the_same_file() -> None:
    data = pdf(
        lambda w: w.add_annotation(page_number=0, annotation=Link(rect=(0, 0, 9, 9), target_page_index=1)),
        pages=2,
    )
    assert b"/Link" in data
    assert check_upload(data, images_only=False).content == data


# --- the stored extension follows the sniffed type ------------------------------------


def test_it_names_the_stored_extension_from_the_sniffed_type() -> None:
    png = check_upload(encode(noisy((40, 40)), "PNG"), images_only=False)
    assert (png.content_type, png.extension, extension_for(png.content_type)) == ("image/png", "png", "png")
    assert extension_for("application/pdf") == "pdf"
    assert extension_for("image/jpeg") == "jpg"
    assert extension_for("text/html") == "bin"  # never a type we accept: never served as one


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("身份证 正面.pdf", "application/pdf", "身份证 正面.pdf"),
        ("合同.exe", "application/pdf", "合同.pdf"),
        ("照片.html", "image/png", "照片.png"),
        ("扫描件", "image/jpeg", "扫描件.jpg"),
        ("v1.2 扫描件", "application/pdf", "v1.2 扫描件.pdf"),
        ("学历.证明", "image/jpeg", "学历.证明.jpg"),
    ],
)
def test_it_offers_a_download_under_its_real_extension(name: str, content_type: str, expected: str) -> None:
    assert download_name(name, content_type) == expected


def test_it_refuses_a_pdf_with_an_attachment() -> None:
    data = pdf(lambda writer: writer.add_attachment("payload.exe", b"MZ\x90\x00"))
    assert refusal(data) == MSG_PDF_ATTACHMENT


def test_it_finds_scripts_behind_escaped_names() -> None:
    # /J#61vaScript is /JavaScript; a byte search for "/JavaScript" misses it.
    data = raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        *RAW_PAGES,
        b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>",
    )
    assert b"/JavaScript" not in data
    assert refusal(data) == MSG_PDF_SCRIPT


def test_it_finds_scripts_in_annotations() -> None:
    data = raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>",
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 50 50] /A << /S /JavaScript /JS 5 0 R >> >>",
        b"(app.alert\\(1\\))",
    )
    assert refusal(data) == MSG_PDF_SCRIPT


def test_it_refuses_a_hand_written_pdf_with_a_uri_link_even_to_a_government_site() -> None:
    # Which address is harmless cannot be told from the file: every web link is refused.
    data = raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>",
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 50 50] /A << /S /URI /URI (https://www.gov.cn/) >> >>",
    )
    assert refusal(data) == MSG_PDF_ACTION


def test_it_refuses_a_pdf_without_pages() -> None:
    assert refusal(pdf(pages=0)) == MSG_PDF_NO_PAGES


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n",
        b"%PDF-1.4\n" + b"\x00garbage\xff" * 100,
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
    ],
)
def test_it_refuses_bytes_that_only_look_like_a_pdf(data: bytes) -> None:
    assert refusal(data) == MSG_PDF_CORRUPT


def test_it_refuses_a_truncated_pdf_it_cannot_read() -> None:
    data = pdf(pages=3)
    assert refusal(data[:20]) == MSG_PDF_CORRUPT


# --- robustness: hostile bytes only ever give UploadError ----------------------------------------

_SEEDS = {
    "jpeg": encode(noisy((24, 24))),
    "png": encode(noisy((24, 24)), "PNG"),
    "pdf": pdf(_js_open_action),
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(sorted(_SEEDS)),
    edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=8),
    cut=st.none() | st.integers(min_value=1),
)
def test_it_only_raises_upload_error_on_mutated_files(
    seed: str, edits: list[tuple[int, int]], cut: int | None
) -> None:
    data = bytearray(_SEEDS[seed])
    for position, value in edits:
        data[position % len(data)] = value
    if cut is not None:
        data = data[: cut % len(data) + 1]
    try:
        result = check_upload(bytes(data), images_only=False)
    except UploadError as error:
        assert str(error)
    else:
        assert result.extension in {"jpg", "png", "pdf"}
        if result.extension != "pdf":
            assert Image.open(io.BytesIO(result.content)).format in {"JPEG", "PNG"}


@settings(max_examples=100, deadline=None)
@given(
    prefix=st.sampled_from([b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"%PDF-1.5\n", b""]),
    body=st.binary(max_size=512),
)
def test_it_only_raises_upload_error_on_random_bytes(prefix: bytes, body: bytes) -> None:
    # Any other exception (or a hang) fails the test.
    with contextlib.suppress(UploadError):
        check_upload(prefix + body, images_only=False)


# --- 1-inch photo ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(295, 413), (413, 579), (390, 567), (330, 480), (250, 350)])
def test_it_accepts_white_background_one_inch_photos(size: tuple[int, int]) -> None:
    check_id_photo(checked(portrait(size)))


def test_it_accepts_an_off_white_scanned_background() -> None:
    check_id_photo(checked(portrait(background=(232, 230, 222))))


def test_it_accepts_a_transparent_png_background_as_white() -> None:
    img = transparent_where_white(portrait())
    check_id_photo(checked(img, "PNG"))


@pytest.mark.parametrize("size", [(400, 400), (358, 441), (300, 450), (413, 295), (295, 500)])
def test_it_refuses_photos_with_the_wrong_aspect_ratio(size: tuple[int, int]) -> None:
    with pytest.raises(UploadError, match=r"^照片尺寸不符合1寸照片要求（宽高比约25:35）"):
        check_id_photo(checked(portrait(size)))


def test_it_refuses_a_tiny_photo() -> None:
    with pytest.raises(UploadError, match=r"^照片像素过低（100×140）"):
        check_id_photo(checked(portrait((100, 140))))


def test_it_refuses_an_oversized_photo() -> None:
    with pytest.raises(UploadError, match=r"^照片像素过大（2100×2940）"):
        check_id_photo(checked(portrait((2100, 2940))))


@pytest.mark.parametrize(
    "background",
    [(67, 142, 219), (200, 220, 250), (210, 40, 40), (150, 150, 150)],
    ids=["blue", "pale-blue", "red", "grey"],
)
def test_it_refuses_a_coloured_background(background: RGB) -> None:
    with pytest.raises(UploadError) as excinfo:
        check_id_photo(checked(portrait(background=background)))
    assert str(excinfo.value) == MSG_PHOTO_BACKGROUND


def test_it_refuses_a_blank_photo() -> None:
    with pytest.raises(UploadError) as excinfo:
        check_id_photo(checked(Image.new("RGB", (295, 413), WHITE)))
    assert str(excinfo.value) == MSG_PHOTO_BLANK


def test_it_refuses_a_pdf_as_a_photo_or_signature() -> None:
    document = check_upload(pdf(), images_only=False)
    for check in (check_id_photo, check_signature):
        with pytest.raises(UploadError) as excinfo:
            check(document)
        assert str(excinfo.value) == MSG_IMAGES_ONLY


# --- signature ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ink", [(0, 0, 0), (20, 20, 20), (45, 40, 60)], ids=["black", "ink", "blue-black"])
def test_it_accepts_black_ink_on_white(ink: RGB) -> None:
    check_signature(checked(signature(ink)))
    check_signature(checked(signature(ink), "PNG"))


def test_it_accepts_a_phone_photo_of_slightly_grey_paper() -> None:
    check_signature(checked(signature(paper=(205, 200, 190))))


def test_it_accepts_a_transparent_png_signature() -> None:
    img = transparent_where_white(signature())
    check_signature(checked(img, "PNG"))


def test_it_refuses_a_blank_signature() -> None:
    with pytest.raises(UploadError) as excinfo:
        check_signature(checked(Image.new("RGB", (600, 200), WHITE)))
    assert str(excinfo.value) == MSG_SIGNATURE_NO_INK


@pytest.mark.parametrize("ink", [(200, 20, 20), (20, 40, 160)], ids=["red", "blue"])
def test_it_refuses_coloured_ink(ink: RGB) -> None:
    with pytest.raises(UploadError) as excinfo:
        check_signature(checked(signature(ink)))
    assert str(excinfo.value) == MSG_SIGNATURE_COLOURED


@pytest.mark.parametrize(
    "img",
    [
        Image.new("RGB", (600, 200), (200, 30, 30)),  # a photo of something red
        signature(paper=(250, 230, 80)),  # yellow sticky note
        signature(paper=(120, 120, 120)),  # dark grey
        noisy((120, 80)),
    ],
    ids=["red-thing", "yellow-paper", "grey-paper", "noise"],
)
def test_it_refuses_what_is_not_white_paper(img: Image.Image) -> None:
    with pytest.raises(UploadError) as excinfo:
        check_signature(checked(img))
    assert str(excinfo.value) == MSG_SIGNATURE_PAPER


# --- display names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\fake\\a.pdf", "a.pdf"),
        ("/home/张三/身份证 正面.jpg", "身份证 正面.jpg"),
        ("a\x00b\r\nc\x1b[31m.pdf", "ab c[31m.pdf"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),  # RTL override removed
        ('say "hi";<x>|?*.pdf', "say _hi_;_x____.pdf"),
        ("  ..hidden.pdf.. ", "hidden.pdf"),
        ("..", DISPLAY_NAME_FALLBACK),
        ("", DISPLAY_NAME_FALLBACK),
        ("dir/", DISPLAY_NAME_FALLBACK),
        ("tab\tand   spaces.png", "tab and spaces.png"),
        (unicodedata.normalize("NFD", "café.pdf"), "café.pdf"),
    ],
)
def test_it_makes_display_names_safe(name: str, expected: str) -> None:
    assert safe_display_name(name) == expected


def test_it_limits_length_keeping_the_extension() -> None:
    result = safe_display_name("劳动合同" * 50 + ".pdf")
    assert len(result) == DISPLAY_NAME_MAX
    assert result.endswith(".pdf")
    assert result.startswith("劳动合同")
    # An over-long "extension" is just part of the name.
    assert len(safe_display_name("a." + "b" * 200)) == DISPLAY_NAME_MAX


@given(st.text(max_size=300))
def test_it_always_gives_a_short_clean_name(name: str) -> None:
    result = safe_display_name(name)
    assert 0 < len(result) <= DISPLAY_NAME_MAX
    assert not any(ch in result for ch in '/\\"<>:|?*')
    assert not any(unicodedata.category(ch).startswith("C") for ch in result)
    assert result == result.strip(" .")
    assert safe_display_name(result) == result  # idempotent


def test_it_collapses_spaces_around_a_removed_control_character() -> None:
    # Found by hypothesis in CI: the escape between CR and NEL used to leave two spaces.
    assert safe_display_name("0\r\x1b\x850") == "0 0"


@given(st.from_regex(r"[A-Za-z0-9_\-\u4e00-\u9fa5（）]{1,40}\.(pdf|jpg|png)", fullmatch=True))
def test_it_leaves_ordinary_names_alone(name: str) -> None:
    assert safe_display_name(name) == name


def test_it_refuses_a_truncated_jpeg_even_when_pillow_is_told_to_accept_them() -> None:
    # WeasyPrint sets this global when imported; the check must not depend on it.
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        whole = encode(noisy((200, 200)), quality=95)
        with pytest.raises(UploadError):
            check_upload(whole[: len(whole) // 2], images_only=True)
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before
