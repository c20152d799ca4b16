"""The certificate layout: where everything goes, for the OFD and the preview alike."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import segno
import zxingcpp
from PIL import Image, ImageDraw

from certificates import layout
from certificates.document import SpecialtyLine
from certificates.layout import FIELDS, SEAL_BOUNDARY_MM, ImageItem, PathItem, TextItem, TextLine, compose
from certificates.ofd import fonts
from certificates.tests.ofd_samples import certificate_data


def texts(sheet: layout.Sheet) -> dict[str, TextItem]:
    return {
        "".join(line.text for line in item.lines): item for item in sheet.items if isinstance(item, TextItem)
    }


def tagged(sheet: layout.Sheet, tag: str) -> list[Any]:
    return [item for item in sheet.items if item.tag == tag]


def overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def inside(inner: tuple[float, float, float, float], outer: tuple[float, float, float, float]) -> bool:
    return (
        inner[0] >= outer[0]
        and inner[1] >= outer[1]
        and inner[0] + inner[2] <= outer[0] + outer[2]
        and inner[1] + inner[3] <= outer[1] + outer[3]
    )


def test_every_field_is_on_the_page_with_its_label():
    sheet = compose(certificate_data())
    shown = texts(sheet)

    for label in ("姓名：", "性别：", "出生日期：", "身份证件号码：", "聘用企业：", "注册编号："):
        assert label in shown
    for value in ("王𠮷堃", "男", "1985年03月07日", "21010219850307123X", "辽宁省赟达建筑工程集团有限公司"):
        assert value in shown
    for value in ("中华人民共和国二级建造师注册证书", "注册专业", "有效期", "本人签名：", "扫码核验"):
        assert value in shown
    assert shown["2024年10月28日"].tag == "使用有效期"
    assert shown["1.2.156.3005.2.11210000.11210000MB0123456X.000001.001.K"].tag == "电子证照标识"
    assert {item.tag for item in sheet.items if isinstance(item, ImageItem)} == {"照片", "本人签名"}


def test_the_title_is_centred_in_hei_and_the_values_in_song():
    shown = texts(compose(certificate_data()))
    title = shown["中华人民共和国二级建造师注册证书"]
    line = title.lines[0]

    assert title.font == "hei"
    assert line.x + line.width / 2 == pytest.approx(layout.PAGE_WIDTH / 2)
    assert shown["王𠮷堃"].font == "song"


def test_advances_are_the_fonts_real_ones():
    name = texts(compose(certificate_data()))["王𠮷堃"]
    source = fonts.source_font("song")

    assert name.lines[0].advances == source.advances_mm("王𠮷堃", name.size)


def test_the_usage_period_is_at_the_top_right_only_on_copies():
    copy = compose(certificate_data(usage_valid_until=date(2024, 10, 28)))
    original = compose(certificate_data(usage_valid_until=None, copy_serial=""))

    (usage,) = tagged(copy, "使用有效期")
    x, y, w, _ = usage.bounds
    assert x + w == pytest.approx(layout.USAGE_RIGHT)
    assert y < layout.TITLE_BASELINE - layout.TITLE_SIZE
    assert tagged(original, "使用有效期") == []
    assert "使用有效期至：" not in texts(original)
    assert tagged(original, "副本编号") == []


def test_the_seal_area_is_a_40_mm_square_over_the_authority_and_date():
    sheet = compose(certificate_data())
    x, y, w, h = SEAL_BOUNDARY_MM
    (authority,) = tagged(sheet, "发证机关")
    (issued,) = tagged(sheet, "签发日期")

    assert w == h == 40  # the size the seal declares (SES_ESPictrueInfo), so readers never stretch it
    centre_x, centre_y = x + w / 2, y + h / 2
    assert authority.lines[0].y < centre_y < issued.lines[0].y + 3
    authority_label = texts(sheet)["发证机关："]
    left = authority_label.lines[0].x
    right = authority.lines[0].x + authority.lines[0].width
    assert left < centre_x < right
    for item in tagged(sheet, "二维码") + tagged(sheet, "本人签名") + tagged(sheet, "照片"):
        assert not overlaps(item.bounds, SEAL_BOUNDARY_MM)


def test_everything_stays_inside_the_frame_and_off_the_photo():
    long = certificate_data(
        name="阿依古丽·买买提艾力",
        employer="中国建筑第八工程局有限公司辽宁分公司沈阳市浑南区第三项目管理部（沈阳市某某某某某某工程项目）",
        authority="辽宁省住房和城乡建设厅（辽宁省建设工程执业资格注册中心）",
        specialties=tuple(
            SpecialtyLine(name, date(2024, 5, 1), date(2027, 4, 30))
            for name in ("建筑工程", "公路工程", "水利水电工程", "市政公用工程", "矿业工程", "机电工程")
        ),
    )
    for data in (certificate_data(), long):
        sheet = compose(data)
        frame_items = sheet.items[:3]
        for item in sheet.items[3:]:
            assert inside(item.bounds, layout.FRAME_INNER), item
            if item.tag != "照片" and not (isinstance(item, PathItem) and item.stroke == layout.GREY):
                assert not overlaps(item.bounds, layout.PHOTO_BOX), item
        assert all(isinstance(item, PathItem) for item in frame_items)


def test_a_long_employer_wraps_over_two_lines_inside_the_row():
    employer = "中国建筑第八工程局有限公司辽宁分公司沈阳市浑南区第三项目管理部（沈阳市某某某某某某工程项目）"
    (item,) = tagged(compose(certificate_data(employer=employer)), "聘用企业")

    assert len(item.lines) == 2
    assert "".join(line.text for line in item.lines) == employer
    assert all(line.x + line.width <= layout.CONTENT_RIGHT + 1e-9 for line in item.lines)
    next_row = next(f for f in FIELDS if f.tag == "注册编号")
    assert item.bounds[1] + item.bounds[3] < next_row.baseline - layout.LABEL_SIZE


def test_a_short_value_keeps_the_full_size():
    (item,) = tagged(compose(certificate_data()), "聘用企业")
    assert item.size == layout.VALUE_SIZE
    assert len(item.lines) == 1


def test_more_specialties_than_the_table_holds_are_refused():
    too_many = tuple(SpecialtyLine(f"专业{i}", date(2024, 5, 1), date(2027, 4, 30)) for i in range(7))
    with pytest.raises(ValueError, match="最多"):
        compose(certificate_data(specialties=too_many))


def test_the_table_has_a_row_per_specialty():
    sheet = compose(certificate_data())
    periods = [item.lines[0].text for item in tagged(sheet, "有效期")]
    assert periods == ["2024年05月01日 至 2027年04月30日", "2024年06月01日 至 2027年05月31日"]
    rows = [item.lines[0].y for item in tagged(sheet, "注册专业")]
    assert rows[1] - rows[0] == pytest.approx(layout.TABLE_ROW_HEIGHT)


def test_the_qr_code_encodes_the_verification_url():
    data = certificate_data()
    (qr,) = tagged(compose(data), "二维码")
    code = segno.make_qr(data.verify_url, error="m", mask=layout.QR_MASK)
    # The same version and error level as segno's own choice of mask: only the mask is fixed.
    chosen = segno.make_qr(data.verify_url, error="m")
    assert (code.version, code.error) == (chosen.version, chosen.error)
    assert code.mask == layout.QR_MASK  # a valid QR mask pattern (0–7), the one drawn
    matrix = [list(row) for row in code.matrix_iter(scale=1, border=0)]
    x0, y0, size, _ = layout.QR_BOX
    module = size / len(matrix)

    def dark(r: int, c: int) -> bool:
        px, py = x0 + (c + 0.5) * module, y0 + (r + 0.5) * module
        return any(sub[0][0] <= px <= sub[2][0] and sub[0][1] <= py <= sub[2][1] for sub in qr.subpaths)

    assert [[int(dark(r, c)) for c in range(len(matrix))] for r in range(len(matrix))] == matrix
    assert qr.bounds[2] == pytest.approx(size)


def test_a_reader_decodes_the_drawn_qr_code():
    """The rectangles drawn on the certificate, rasterised with a quiet zone, read back as
    the verification address (zxing-cpp, the reader many phones' scanners are built on)."""
    data = certificate_data()
    (qr,) = tagged(compose(data), "二维码")
    x0, y0, size, _ = layout.QR_BOX
    modules = segno.make_qr(data.verify_url, error="m", mask=layout.QR_MASK).symbol_size(scale=1, border=0)[0]
    px_per_mm, quiet = 4 * modules / size, 16  # 4 pixels a module, 4 modules of quiet zone
    side = round(size * px_per_mm) + 2 * quiet
    image = Image.new("L", (side, side), 255)
    draw = ImageDraw.Draw(image)
    for sub in qr.subpaths:
        (left, top), (right, bottom) = sub[0], sub[2]
        draw.rectangle(
            (
                round((left - x0) * px_per_mm) + quiet,
                round((top - y0) * px_per_mm) + quiet,
                round((right - x0) * px_per_mm) + quiet - 1,
                round((bottom - y0) * px_per_mm) + quiet - 1,
            ),
            fill=0,
        )
    (barcode,) = zxingcpp.read_barcodes(image)
    assert barcode.format == zxingcpp.BarcodeFormat.QRCode
    assert barcode.text == data.verify_url


def test_field_tags_are_unique():
    tags = [field.tag for field in FIELDS]
    assert len(tags) == len(set(tags))


def test_a_line_runs_a_character_beyond_the_bmp_on_its_own():
    line = TextLine(x=10.0, y=20.0, text="王𠮷堃", advances=(4.0, 4.5, 4.0))
    plain = TextLine(x=10.0, y=20.0, text="张伟", advances=(4.0, 4.0))

    runs = line.runs()

    assert [(r.x, r.text, r.advances) for r in runs] == [
        (10.0, "王", (4.0,)),
        (14.0, "𠮷", (4.5,)),
        (18.5, "堃", (4.0,)),
    ]
    assert {r.y for r in runs} == {20.0}
    assert [r.beyond_bmp for r in runs] == [False, True, False]
    assert plain.runs() == (plain,)
    assert not plain.beyond_bmp
