"""Checks on uploaded application materials (申请材料).

The type of an upload is decided from its bytes only: the client's file name
and Content-Type are chosen by the sender and prove nothing. The sniffed type
must be on a short allow-list, and the file must then really open in the
library for that type. Images are decoded and re-encoded, so what we store is
pixels we produced ourselves: a JPEG with a script or a ZIP appended after its
end marker passes every sniffer and every decoder, and re-encoding is the only
step that drops it (together with EXIF/GPS, comments and ICC profiles). PDFs
cannot be rebuilt without changing them, so they are kept as uploaded, but
only after pypdf has parsed them and found no scripts, no actions that leave
the document (web links, other files, programs, form submission) and no
embedded files.

``str(UploadError)`` is a user-facing Simplified Chinese message.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import filetype
from PIL import Image, ImageChops, ImageOps, ImageStat

from lib.errors import ApplicationError

if TYPE_CHECKING:
    from pypdf.generic import PdfObject

DEFAULT_MAX_BYTES: Final = 10 * 1024 * 1024
# Pixel budget checked from the header before anything is decoded. 40 MP
# covers 24 MP cameras and 12/48 MP phones; a decoded RGBA image of that size
# already needs 160 MB, and re-encoding holds about two copies at once.
# Pillow's own global limit (MAX_IMAGE_PIXELS, ~89 MP) is left alone: it is
# process-wide and other code (PDF rendering) shares it.
DEFAULT_MAX_PIXELS: Final = 40_000_000

MSG_EMPTY: Final = "文件为空，请重新选择文件"
MSG_IMAGES_ONLY: Final = "该材料只接受JPG或PNG格式的图片"
MSG_BAD_TYPE: Final = "文件内容与格式不符，请上传真实的JPG、PNG或PDF文件"
MSG_IMAGE_CORRUPT: Final = "图片无法打开，文件可能已损坏"
MSG_PDF_CORRUPT: Final = "PDF文件无法打开，文件可能已损坏"
MSG_PDF_ENCRYPTED: Final = "PDF文件已加密，请上传未加密的文件"
MSG_PDF_NO_PAGES: Final = "PDF文件没有页面"
MSG_PDF_SCRIPT: Final = "PDF文件含有脚本，不能上传"
MSG_PDF_ACTION: Final = (
    "PDF文件含有打开网址、外部文件或程序、提交表单等动作，不能上传，请打印或另存为普通PDF后重新上传"
)
MSG_PDF_ATTACHMENT: Final = "PDF文件含有嵌入的附件，不能上传"
MSG_PDF_TOO_COMPLEX: Final = "PDF文件结构过于复杂，请另存或打印为普通PDF后重新上传"
MSG_PHOTO_BACKGROUND: Final = "照片背景应为白色，请上传白底照片"
MSG_PHOTO_BLANK: Final = "照片中几乎没有内容，请上传本人正面免冠白底照片"
MSG_SIGNATURE_PAPER: Final = "签名图片应为白纸黑字，请在白纸上签名后拍照或扫描上传"
MSG_SIGNATURE_NO_INK: Final = "签名图片中未检测到签名笔迹，请在白纸上用黑色笔签名后上传"
MSG_SIGNATURE_COLOURED: Final = "签名图片应为白纸黑字，请使用黑色笔签名，不要使用红色、蓝色等彩色笔"


# The stored file's extension for each type we accept: always from the sniffed
# type, never from the name the sender gave.
EXTENSIONS: Final[dict[str, str]] = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


def extension_for(content_type: str) -> str:
    """The extension to store a checked file under; "bin" for a type we never accept, so
    such a file can never be served or opened as something it was merely named."""
    return EXTENSIONS.get(content_type, "bin")


class UploadError(ApplicationError, ValueError):
    """Refused upload; `message` (and ``str(error)``) is a user-facing Chinese sentence."""


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed ``check_upload``; ``content`` is what to store."""

    content: bytes
    extension: str  # "jpg", "png" or "pdf"
    content_type: str
    width: int | None  # pixels after EXIF rotation; None for PDFs
    height: int | None
    sha256: str  # of ``content`` (the re-encoded bytes for images)


# Sniffed MIME type -> (stored extension, Pillow format). Pillow is told the
# format explicitly so it cannot fall back to some other plugin for the bytes.
_IMAGE_TYPES: Final[dict[str, tuple[str, str]]] = {
    "image/jpeg": ("jpg", "JPEG"),
    "image/png": ("png", "PNG"),
}
_PDF_TYPE: Final = "application/pdf"

_JPEG_QUALITY: Final = 90

_MiB: Final = 1024 * 1024


def _format_size(n: int) -> str:
    if n >= _MiB:
        return f"{n // _MiB}MB" if n % _MiB == 0 else f"{n / _MiB:.1f}MB"
    return f"{max(1, n // 1024)}KB"


def msg_too_big(max_bytes: int) -> str:
    """The refusal of a file over the size limit; the browser-side check says the same."""
    return f"文件过大，单个文件不能超过{_format_size(max_bytes)}"


def msg_wrong_type(*, images_only: bool) -> str:
    """The refusal of a file of a type the material does not take."""
    return MSG_IMAGES_ONLY if images_only else MSG_BAD_TYPE


# What the file chooser offers and the browser-side check lets through before sending: a
# first filter for the applicant's sake only, the bytes are checked here after upload.
ACCEPT_IMAGES: Final = ".jpg,.jpeg,.png,image/jpeg,image/png"
ACCEPT_ANY: Final = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def _too_many_pixels(max_pixels: int) -> UploadError:
    return UploadError(f"图片像素过多，请将图片缩小到不超过{max_pixels // 10_000}万像素后重新上传")


def check_upload(
    data: bytes,
    *,
    images_only: bool,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> CheckedFile:
    """Sniff, open and (for images) re-encode an upload, or raise UploadError."""
    if not data:
        raise UploadError(MSG_EMPTY)
    if len(data) > max_bytes:
        raise UploadError(msg_too_big(max_bytes))
    kind = filetype.guess(data)
    mime: str | None = kind.mime if kind is not None else None
    if mime in _IMAGE_TYPES:
        return _reencode_image(data, mime, max_pixels)
    if images_only:
        raise UploadError(MSG_IMAGES_ONLY)
    if mime == _PDF_TYPE:
        return _check_pdf(data)
    raise UploadError(MSG_BAD_TYPE)


# --- images -----------------------------------------------------------------

_SIXTEEN_BIT_GREY: Final = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N"})
_ALPHA_MODES: Final = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})


def _normalise_mode(img: Image.Image, *, png: bool) -> Image.Image:
    """Convert to L, RGB or (PNG only) RGBA: modes every viewer and encoder handles."""
    mode = img.mode
    if mode in _SIXTEEN_BIT_GREY:
        # 16-bit greyscale PNG scans: convert("L") would clip every value
        # above 255 to white, so scale down to 8 bits first.
        return img.convert("I").point(lambda v: v / 256).convert("L")
    if mode == "1":
        return img.convert("L")
    if png and (mode in _ALPHA_MODES or "transparency" in img.info):
        rgba = img.convert("RGBA")
        # Palette and greyscale PNGs often carry an unused tRNS entry; keep the
        # alpha channel only when some pixel is actually transparent.
        opaque = rgba.getchannel("A").histogram()[255]
        return rgba.convert("RGB") if opaque == rgba.width * rgba.height else rgba
    if mode in ("L", "RGB"):
        return img
    # CMYK/YCbCr JPEGs, opaque palette PNGs. A plain CMYK->RGB conversion
    # ignores the ICC profile; colours may shift slightly, which is acceptable
    # for scanned documents and photos that are only displayed and printed.
    return img.convert("RGB")


def _flatten_on_white(img: Image.Image) -> Image.Image:
    """RGB copy of ``img`` with any transparency composited onto white paper."""
    if img.mode in _ALPHA_MODES or "transparency" in img.info:
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB")


def _refuse_truncated(data: bytes, mime: str) -> None:
    """A cut-off upload is refused whatever Pillow is told: WeasyPrint sets Pillow's global
    LOAD_TRUNCATED_IMAGES when it is imported, and then Pillow pads a truncated image with grey
    instead of failing. A whole JPEG has its end-of-image marker (an appended script may
    follow it; re-encoding drops that); a whole PNG has its IEND chunk."""
    if mime == "image/jpeg" and b"\xff\xd9" not in data[2:]:
        raise UploadError(MSG_IMAGE_CORRUPT)
    if mime == "image/png" and b"IEND" not in data[8:]:
        raise UploadError(MSG_IMAGE_CORRUPT)


def _reencode_image(data: bytes, mime: str, max_pixels: int) -> CheckedFile:
    extension, pil_format = _IMAGE_TYPES[mime]
    _refuse_truncated(data, mime)
    try:
        with Image.open(io.BytesIO(data), formats=[pil_format]) as opened:
            width, height = opened.size
            # The header alone gives the size: refuse before decoding, since
            # a few KB of PNG can declare gigabytes of pixels.
            if width * height > max_pixels:
                raise _too_many_pixels(max_pixels)
            opened.load()
            try:
                upright = ImageOps.exif_transpose(opened)
            except Exception:
                # Broken EXIF on an otherwise fine phone photo should not cost
                # the applicant the upload; the EXIF is discarded anyway.
                upright = opened.copy()
        converted = _normalise_mode(upright, png=extension == "png")
        # Savers read metadata from im.info (JPEG comment, PNG ICC profile
        # and tRNS), so the pixels go into a fresh image with an empty info
        # and nothing but pixels reaches the encoder.
        clean = Image.new(converted.mode, converted.size)
        clean.paste(converted)
        del upright, converted
        out = io.BytesIO()
        if extension == "jpg":
            clean.save(out, "JPEG", quality=_JPEG_QUALITY, optimize=True)
        else:
            clean.save(out, "PNG", optimize=True)
    except UploadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard fires (at open) before ours for absurd sizes;
        # the warning only arrives as an exception if warnings are errors.
        raise _too_many_pixels(max_pixels) from None
    except Exception:
        # Decoders fail on hostile input in many ways (OSError for truncation,
        # SyntaxError, ValueError, struct.error, EOFError...). Any failure to
        # decode means the file is not the image it claims to be.
        raise UploadError(MSG_IMAGE_CORRUPT) from None
    content = out.getvalue()
    return CheckedFile(
        content=content,
        extension=extension,
        content_type=mime,
        width=clean.width,
        height=clean.height,
        sha256=hashlib.sha256(content).hexdigest(),
    )


# --- PDFs ---------------------------------------------------------------------

# Dictionary keys that only exist to run code or carry other files.
# /AA: additional actions (on page open, field focus...); /JS and /JavaScript:
# script bodies and the document-level script name tree; /XFA: XML forms
# with their own scripting.
_PDF_SCRIPT_KEYS: Final = frozenset({"/JS", "/JavaScript", "/AA", "/XFA"})
# /EmbeddedFiles: the attachment name tree; /EF: a file specification's
# embedded stream (file-attachment annotations); /RichMedia: Flash/3D content.
_PDF_ATTACHMENT_KEYS: Final = frozenset({"/EmbeddedFiles", "/EF", "/RichMedia"})
# Action types (/S) that run code.
_PDF_SCRIPT_ACTIONS: Final = frozenset({"/JavaScript", "/ImportData", "/RichMediaExecute", "/GoToE"})
# Action types that leave the document: open a web address (/URI, which can carry
# a tracking or phishing link to the reviewer), another file (/GoToR), a program
# (/Launch), or send the form's data somewhere (/SubmitForm). Materials are scans
# and certificates: none needs them, and "print to PDF" drops them. Only /GoTo
# (a page of the same file, e.g. an /OpenAction of [page /Fit]) stays allowed.
_PDF_OUTSIDE_ACTIONS: Final = frozenset({"/URI", "/GoToR", "/Launch", "/SubmitForm"})
# Walking is linear in the file, but a hostile 10 MB PDF could still hold
# millions of tiny arrays; refuse rather than spend unbounded time.
_PDF_MAX_CONTAINERS: Final = 200_000


def _check_pdf(data: bytes) -> CheckedFile:
    # pypdf (with the fontTools it brings, some 25 MB) is loaded by the first PDF a worker
    # checks, not by every web worker at start (ISSUE 14's memory goal).
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UploadError(MSG_PDF_ENCRYPTED)
        if len(reader.pages) == 0:
            raise UploadError(MSG_PDF_NO_PAGES)
        _refuse_active_content(reader.trailer.get("/Root"))
    except UploadError:
        raise
    except Exception:
        # pypdf raises PdfReadError, but also KeyError/ValueError/
        # RecursionError on malformed object trees: all mean "unreadable".
        raise UploadError(MSG_PDF_CORRUPT) from None
    return CheckedFile(
        content=data,
        extension="pdf",
        content_type=_PDF_TYPE,
        width=None,
        height=None,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _resolve(obj: PdfObject | None) -> PdfObject | None:
    from pypdf.generic import IndirectObject

    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _children(obj: PdfObject) -> Iterator[PdfObject]:
    from pypdf.generic import ArrayObject, DictionaryObject

    if isinstance(obj, DictionaryObject):
        yield from obj.values()
    elif isinstance(obj, ArrayObject):
        yield from obj


def _refuse_active_content(root: PdfObject | None) -> None:
    """Walk every object reachable from the catalog looking for scripts/files.

    A whole-tree walk rather than a few known places: scripts hide in
    annotations, form fields, outlines and name trees, and pypdf has already
    decoded name escapes (/J#61vaScript) and object streams for us, which a
    byte search of the raw file would miss. Objects that nothing references
    are never run by a reader and are not visited.
    """
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    seen: set[tuple[int, int]] = set()
    stack: list[PdfObject] = [root] if root is not None else []
    containers = 0
    while stack:
        popped = stack.pop()
        item: PdfObject | None = popped
        if isinstance(popped, IndirectObject):
            ref = (popped.idnum, popped.generation)
            if ref in seen:  # /Parent and /P links make the graph cyclic
                continue
            seen.add(ref)
            item = popped.get_object()
        if not isinstance(item, (DictionaryObject, ArrayObject)):
            continue
        containers += 1
        if containers > _PDF_MAX_CONTAINERS:
            raise UploadError(MSG_PDF_TOO_COMPLEX)
        if isinstance(item, DictionaryObject):
            keys = set(item.keys())
            if keys & _PDF_SCRIPT_KEYS:
                raise UploadError(MSG_PDF_SCRIPT)
            if keys & _PDF_ATTACHMENT_KEYS:
                raise UploadError(MSG_PDF_ATTACHMENT)
            action = _resolve(item.get("/S"))
            if isinstance(action, NameObject) and action in _PDF_SCRIPT_ACTIONS:
                raise UploadError(MSG_PDF_SCRIPT)
            if isinstance(action, NameObject) and action in _PDF_OUTSIDE_ACTIONS:
                raise UploadError(MSG_PDF_ACTION)
        for child in _children(item):
            if isinstance(child, (DictionaryObject, ArrayObject, IndirectObject)):
                stack.append(child)


# --- image content rules --------------------------------------------------------

# 1-inch photo (1寸) is 25×35 mm, ratio 0.714. ±0.04 accepts 295×413 and
# 413×579 (300/420 dpi), 390×567 (2寸, same ratio), 33×48 mm passport/小二寸
# (0.6875) and hand-cropped scans a few per cent off; it refuses 2:3 prints
# (0.667), 358×441 (0.81, 35×45 mm), squares and landscape images. 3:4 phone
# crops (0.75) still pass: squeezed into the 25×35 box they distort by 5%.
PHOTO_RATIO: Final = 25 / 35
PHOTO_RATIO_TOLERANCE: Final = 0.04
PHOTO_MIN_SIZE: Final = (250, 350)  # below this the printed certificate looks blurred
PHOTO_MAX_SIZE: Final = (2000, 2800)  # ~2000 dpi; larger is an unresized camera original
# Background is judged on a border band that is background in any correctly
# framed 1-inch photo: the top 8% of rows (the head starts ~10% down) and the
# outer 8% columns of the upper half (shoulders fill the lower corners).
_PHOTO_BAND: Final = 0.08
# A band pixel is "white" when luminance >= 190 and chroma (max-min of RGB)
# <= 40: this allows the grey/cream cast of scans and indoor phone photos,
# and refuses the usual blue (67,142,219) and red ID backgrounds and pale
# blue (200,220,250). The band must average >= 200 luminance with >= 85%
# white pixels, leaving room for stray hair reaching the edge.
_WHITE_MIN_LUMA: Final = 190
_WHITE_MAX_CHROMA: Final = 40
_PHOTO_MIN_MEAN_LUMA: Final = 200
_PHOTO_MIN_WHITE_SHARE: Final = 0.85
# The centre (x 20-80%, y 25-100%) holds face, hair and clothes; if under
# 10% of it differs from the background, the picture is blank or washed out.
_PHOTO_MIN_SUBJECT_SHARE: Final = 0.10

# Signature: paper pixels are luminance >= 160, chroma <= 50 (phone photos of
# paper are greyer than scans); ink pixels are luminance < 128. We require
# >= 70% paper (so coloured paper or a photo of an object fails), >= 0.3% ink
# (a 600×200 image with a thin signature has ~2%; a blank page has none) and
# a mean ink chroma <= 60: black ink is ~10-30 even with JPEG colour
# fringes, blue ballpoint ~100-140, red ink ~160+.
_PAPER_MIN_LUMA: Final = 160
_PAPER_MAX_CHROMA: Final = 50
_INK_MAX_LUMA: Final = 128
_SIGNATURE_MIN_PAPER_SHARE: Final = 0.70
_SIGNATURE_MIN_INK_SHARE: Final = 0.003
_SIGNATURE_MAX_INK_CHROMA: Final = 60


def _open_checked_image(checked: CheckedFile) -> Image.Image:
    """Decode a CheckedFile's image as RGB on white, refusing PDFs."""
    if checked.extension not in ("jpg", "png"):
        raise UploadError(MSG_IMAGES_ONLY)
    # content comes from check_upload, but CheckedFile can be built by anyone,
    # so keep the same pixel guard.
    try:
        with Image.open(io.BytesIO(checked.content), formats=["JPEG", "PNG"]) as img:
            if img.width * img.height > DEFAULT_MAX_PIXELS:
                raise _too_many_pixels(DEFAULT_MAX_PIXELS)
            img.load()
            return _flatten_on_white(img)
    except UploadError:
        raise
    except Exception:
        raise UploadError(MSG_IMAGE_CORRUPT) from None


def _threshold(img: Image.Image, *, at_least: int | None = None, at_most: int | None = None) -> Image.Image:
    """An L-mode mask: 255 where the 8-bit channel value is in range, else 0."""
    lo = 0 if at_least is None else at_least
    hi = 255 if at_most is None else at_most
    return img.point([255 if lo <= v <= hi else 0 for v in range(256)])


def _chroma(rgb: Image.Image) -> Image.Image:
    """max(R,G,B) - min(R,G,B) per pixel.

    Unlike HSV saturation this is not divided by brightness, so near-black
    ink with a little sensor noise does not look "saturated".
    """
    r, g, b = rgb.split()
    high = ImageChops.lighter(ImageChops.lighter(r, g), b)
    low = ImageChops.darker(ImageChops.darker(r, g), b)
    return ImageChops.subtract(high, low)


def _count(mask: Image.Image) -> int:
    return mask.histogram()[255]


def _white_mask(rgb: Image.Image, *, min_luma: int, max_chroma: int) -> Image.Image:
    light = _threshold(rgb.convert("L"), at_least=min_luma)
    neutral = _threshold(_chroma(rgb), at_most=max_chroma)
    return ImageChops.multiply(light, neutral)  # 255*255/255: logical AND


def check_id_photo(checked: CheckedFile) -> None:
    """Refuse an image that is not a white-background 1-inch photo (白底1寸照片)."""
    img = _open_checked_image(checked)
    w, h = img.size
    if abs(w / h - PHOTO_RATIO) > PHOTO_RATIO_TOLERANCE:
        raise UploadError(
            f"照片尺寸不符合1寸照片要求（宽高比约25:35），当前为{w}×{h}像素，"
            "请裁剪为1寸照片（如295×413像素）后上传"
        )
    min_w, min_h = PHOTO_MIN_SIZE
    if w < min_w or h < min_h:
        raise UploadError(f"照片像素过低（{w}×{h}），1寸照片应不小于{min_w}×{min_h}像素")
    max_w, max_h = PHOTO_MAX_SIZE
    if w > max_w or h > max_h:
        raise UploadError(f"照片像素过大（{w}×{h}），请缩小到不超过{max_w}×{max_h}像素后上传")

    band_h = max(1, round(h * _PHOTO_BAND))
    band_w = max(1, round(w * _PHOTO_BAND))
    regions = (
        img.crop((0, 0, w, band_h)),
        img.crop((0, band_h, band_w, h // 2)),
        img.crop((w - band_w, band_h, w, h // 2)),
    )
    total = white = 0
    luma_sum = 0.0
    for region in regions:
        total += region.width * region.height
        luma_sum += ImageStat.Stat(region.convert("L")).sum[0]
        white += _count(_white_mask(region, min_luma=_WHITE_MIN_LUMA, max_chroma=_WHITE_MAX_CHROMA))
    if luma_sum / total < _PHOTO_MIN_MEAN_LUMA or white / total < _PHOTO_MIN_WHITE_SHARE:
        raise UploadError(MSG_PHOTO_BACKGROUND)

    centre = img.crop((round(w * 0.2), round(h * 0.25), round(w * 0.8), h))
    centre_white = _count(_white_mask(centre, min_luma=_WHITE_MIN_LUMA, max_chroma=_WHITE_MAX_CHROMA))
    centre_total = centre.width * centre.height
    if 1 - centre_white / centre_total < _PHOTO_MIN_SUBJECT_SHARE:
        raise UploadError(MSG_PHOTO_BLANK)


def check_signature(checked: CheckedFile) -> None:
    """Refuse an image that is not black handwriting on white paper (手写签名)."""
    img = _open_checked_image(checked)
    total = img.width * img.height
    paper = _count(_white_mask(img, min_luma=_PAPER_MIN_LUMA, max_chroma=_PAPER_MAX_CHROMA))
    if paper / total < _SIGNATURE_MIN_PAPER_SHARE:
        raise UploadError(MSG_SIGNATURE_PAPER)
    ink_mask = _threshold(img.convert("L"), at_most=_INK_MAX_LUMA - 1)
    ink = _count(ink_mask)
    if ink / total < _SIGNATURE_MIN_INK_SHARE:
        raise UploadError(MSG_SIGNATURE_NO_INK)
    ink_chroma = ImageStat.Stat(_chroma(img), mask=ink_mask).mean[0]
    if ink_chroma > _SIGNATURE_MAX_INK_CHROMA:
        raise UploadError(MSG_SIGNATURE_COLOURED)


# --- display names ------------------------------------------------------------------

DISPLAY_NAME_MAX: Final = 100
DISPLAY_NAME_FALLBACK: Final = "未命名文件"
# Quotes and backslashes would need escaping in Content-Disposition; the rest
# are reserved on Windows, where the applicant or reviewer saves the file.
_UNSAFE_NAME_CHARS: Final = re.compile(r'[\\/"<>:|?*]')
_WHITESPACE_RUN: Final = re.compile(r"\s+")
_MAX_EXTENSION: Final = 10


def safe_display_name(name: str) -> str:
    """The applicant's file name, made safe to show and to send back.

    Only for display and Content-Disposition: stored files always get a
    generated name elsewhere.
    """
    # Browsers on Windows (old IE/Edge) send the full client path; either
    # separator may appear whatever the server OS.
    base = re.split(r"[\\/]", name)[-1]
    # macOS sends decomposed (NFD) names; compose so 的 etc. display and
    # compare as typed.
    base = unicodedata.normalize("NFC", base)
    # Category C covers control chars (Cc), format chars such as U+202E
    # RIGHT-TO-LEFT OVERRIDE that disguise "gpj.exe" as "exe.jpg" (Cf), and lone
    # surrogates/unassigned code points that break encoders. They go first, so
    # that the whitespace around one of them collapses into a single space.
    base = "".join(ch for ch in base if ch.isspace() or not unicodedata.category(ch).startswith("C"))
    # Tabs and newlines become spaces (header injection needs CR/LF; "a\tb"
    # should still read as two words), and runs collapse.
    base = _WHITESPACE_RUN.sub(" ", base)
    base = _UNSAFE_NAME_CHARS.sub("_", base)
    # Leading dots hide files on Unix and Windows drops trailing ones; "." and
    # ".." are not names at all.
    base = base.strip(" .")
    if not base:
        return DISPLAY_NAME_FALLBACK
    if len(base) <= DISPLAY_NAME_MAX:
        return base
    dot = base.rfind(".")
    extension = base[dot:] if dot > 0 and len(base) - dot - 1 <= _MAX_EXTENSION else ""
    stem = base[: DISPLAY_NAME_MAX - len(extension)].rstrip(" .")
    return (stem or DISPLAY_NAME_FALLBACK) + extension


def download_name(display_name: str, content_type: str) -> str:
    """The name a stored file is offered under: the applicant's name with the extension of
    what the file really is ("合同.exe" holding a PDF is offered as "合同.pdf"), so that the
    reviewer's computer opens it with the program for its real type."""
    extension = extension_for(content_type)
    dot = display_name.rfind(".")
    suffix = display_name[dot + 1 :] if dot > 0 else ""
    has_suffix = suffix.isascii() and suffix.isalnum() and len(suffix) <= _MAX_EXTENSION
    stem = display_name[:dot] if has_suffix else display_name
    return f"{stem}.{extension}"
