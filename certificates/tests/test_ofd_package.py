"""The OFD package: files, zip, XML conventions, IDs, schema order, tags and attachment."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from io import BytesIO

import pytest
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # no stubs
from lxml import etree  # type: ignore[import-untyped]  # no stubs installed

from certificates.document import from_record
from certificates.ofd import OfdPackage, build_ofd, zip_package
from certificates.ofd.writer import TAG_NS
from certificates.tests.ofd_samples import certificate_data, photo_bytes

NS = "http://www.ofdspec.org/2016"
CREATED = datetime(2024, 11, 5, 9, 30, 15)


def q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def local(element: etree._Element) -> str:
    name: str = etree.QName(element).localname
    return name


@pytest.fixture(scope="module")
def data():
    return certificate_data()


@pytest.fixture(scope="module")
def package(data) -> OfdPackage:
    return build_ofd(data, doc_id="5f0c6a1e9d2b4c3a8e7f6a5b4c3d2e1f", created=CREATED)


def xml(package: OfdPackage, path: str) -> etree._Element:
    return etree.fromstring(package.files[path])


def resolve(base_file: str, loc: str) -> str:
    """An ST_Loc as readers resolve it: absolute from the package root, else relative to
    the directory of the file that names it."""
    if loc.startswith("/"):
        return loc[1:]
    directory = base_file.rsplit("/", 1)[0] if "/" in base_file else ""
    return f"{directory}/{loc}" if directory else loc


def assert_in_schema_order(parent: etree._Element, order: list[str]) -> None:
    names = [local(child) for child in parent]
    assert set(names) <= set(order), names
    positions = [order.index(name) for name in names]
    assert positions == sorted(positions), names


def test_it_writes_the_expected_files(package):
    assert set(package.files) == {
        "OFD.xml",
        "Doc_0/Document.xml",
        "Doc_0/PublicRes.xml",
        "Doc_0/DocumentRes.xml",
        "Doc_0/Pages/Page_0/Content.xml",
        "Doc_0/Res/font_0.ttf",
        "Doc_0/Res/font_1.ttf",
        "Doc_0/Res/photo.png",
        "Doc_0/Res/signature.png",
        "Doc_0/Tags/CustomTags.xml",
        "Doc_0/Tags/CustomTag.xml",
        "Doc_0/Attachments/Attachments.xml",
        "Doc_0/Attachments/certificate.json",
    }


def test_it_zips_one_plain_archive_storing_what_is_already_compressed(package):
    content = zip_package(package.files)

    with zipfile.ZipFile(BytesIO(content)) as archive:
        assert archive.testzip() is None
        infos = archive.infolist()
        assert infos[0].filename == "OFD.xml"
        assert sorted(info.filename for info in infos) == sorted(package.files)
        stored = {info.filename for info in infos if info.compress_type == zipfile.ZIP_STORED}
        assert stored == {path for path in package.files if path.endswith((".png", ".jpg"))}
        assert all(
            info.compress_type == zipfile.ZIP_DEFLATED for info in infos if info.filename not in stored
        )
        assert not any(info.filename.endswith("/") or info.filename.startswith("/") for info in infos)
        assert all(archive.read(path) == package.files[path] for path in package.files)
    assert zip_package(package.files) == content  # same files, same bytes


def test_every_xml_parses_with_the_namespace_on_elements_only(package):
    xml_paths = [path for path in package.files if path.endswith(".xml")]
    assert len(xml_paths) == 8
    for path in xml_paths:
        assert package.files[path].startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
        root = etree.fromstring(package.files[path])
        for element in root.iter():
            namespace = etree.QName(element).namespace
            assert namespace == NS or (path.endswith("CustomTag.xml") and namespace == TAG_NS), (
                path,
                element.tag,
            )
            assert not any(key.startswith("{") for key in element.attrib), (path, element.tag, element.attrib)


def numeric_ids(package: OfdPackage) -> list[int]:
    ids = []
    for path in (
        "Doc_0/Document.xml",
        "Doc_0/PublicRes.xml",
        "Doc_0/DocumentRes.xml",
        "Doc_0/Pages/Page_0/Content.xml",
    ):
        ids += [
            int(element.get("ID")) for element in xml(package, path).iter() if element.get("ID") is not None
        ]
    return ids


def test_ids_are_unique_and_max_unit_id_counts_them(package):
    ids = numeric_ids(package)
    max_unit_id = int(xml(package, "Doc_0/Document.xml").findtext(f"{q('CommonData')}/{q('MaxUnitID')}"))

    assert len(ids) == len(set(ids))
    assert max_unit_id == package.max_unit_id
    assert max_unit_id >= max(ids)
    # The stamp annotation's ID is counted but left free for the signer.
    assert package.stamp_annot_id not in ids
    assert package.stamp_annot_id <= max_unit_id
    page = xml(package, "Doc_0/Document.xml").find(f"{q('Pages')}/{q('Page')}")
    assert int(page.get("ID")) == package.page_id


def test_elements_follow_the_schema_order(package):
    ofd = xml(package, "OFD.xml")
    body = ofd.find(q("DocBody"))
    assert_in_schema_order(body, ["DocInfo", "DocRoot", "Versions", "Signatures"])
    doc_info_order = [
        "DocID",
        "Title",
        "Author",
        "Subject",
        "Abstract",
        "CreationDate",
        "ModDate",
        "DocUsage",
    ]
    doc_info_order += ["Cover", "Keywords", "Creator", "CreatorVersion", "CustomDatas"]
    assert_in_schema_order(body.find(q("DocInfo")), doc_info_order)

    document = xml(package, "Doc_0/Document.xml")
    document_order = [
        "CommonData",
        "Pages",
        "Outlines",
        "Permissions",
        "Actions",
        "VPreferences",
        "Bookmarks",
    ]
    document_order += ["Annotations", "CustomTags", "Attachments", "Extensions"]
    assert_in_schema_order(document, document_order)
    common_order = ["MaxUnitID", "PageArea", "PublicRes", "DocumentRes", "TemplatePage", "DefaultCS"]
    assert_in_schema_order(document.find(q("CommonData")), common_order)

    page = xml(package, "Doc_0/Pages/Page_0/Content.xml")
    assert_in_schema_order(page, ["Template", "PageRes", "Area", "Content", "Actions"])
    objects = list(page.find(q("Content")).find(q("Layer")))
    assert {local(o) for o in objects} == {"TextObject", "PathObject", "ImageObject"}
    for obj in objects:
        if local(obj) == "TextObject":
            names = [local(child) for child in obj]
            assert names[0] == "FillColor"
            assert set(names[1:]) <= {"CGTransform", "TextCode"}
            # CT_Text: (CGTransform*, TextCode)+, so every transform precedes a TextCode
            assert names[-1] == "TextCode"
        elif local(obj) == "PathObject":
            assert_in_schema_order(obj, ["Actions", "Clips", "StrokeColor", "FillColor", "AbbreviatedData"])
            assert local(obj[-1]) == "AbbreviatedData"


def test_ofd_xml_points_at_the_signatures_and_describes_the_document(package, data):
    body = xml(package, "OFD.xml").find(q("DocBody"))
    info = body.find(q("DocInfo"))

    assert body.findtext(q("DocRoot")) == "Doc_0/Document.xml"
    assert body.findtext(q("Signatures")) == "Doc_0/Signs/Signatures.xml"
    assert info.findtext(q("DocID")) == "5f0c6a1e9d2b4c3a8e7f6a5b4c3d2e1f"
    assert info.findtext(q("Title")) == "中华人民共和国二级建造师注册证书"
    assert info.findtext(q("CreationDate")) == "2024-11-05"
    assert info.findtext(q("Creator"))
    custom = {c.get("Name"): c.text for c in info.find(q("CustomDatas"))}
    assert custom == {"电子证照标识": data.license_id, "注册编号": data.registration_number}


def test_a_random_doc_id_is_a_uuid_in_hex():
    package = build_ofd(certificate_data())
    doc_id = xml(package, "OFD.xml").findtext(f"{q('DocBody')}/{q('DocInfo')}/{q('DocID')}")
    assert len(doc_id) == 32
    int(doc_id, 16)


def test_resources_name_the_embedded_fonts_by_their_own_names_and_embed_their_files(package):
    document = xml(package, "Doc_0/Document.xml")
    common = document.find(q("CommonData"))
    public_path = resolve("Doc_0/Document.xml", common.findtext(q("PublicRes")))
    media_path = resolve("Doc_0/Document.xml", common.findtext(q("DocumentRes")))
    public = xml(package, public_path)
    media = xml(package, media_path)

    fonts = public.find(q("Fonts"))
    families = set()
    for font in fonts:
        font_file = resolve(public_path, f"{public.get('BaseLoc')}/{font.findtext(q('FontFile'))}")
        assert package.files[font_file][:4] == b"\x00\x01\x00\x00"  # a TrueType sfnt
        # named as what is embedded (not 宋体/黑体, which a reader would take from the system)
        names = TTFont(BytesIO(package.files[font_file]))["name"]
        assert font.get("FontName") == names.getDebugName(6)
        assert font.get("FamilyName") == names.getDebugName(1)
        families.add(font.get("FamilyName").split("+", 1)[1])
    assert families == {"Noto Serif CJK SC", "Noto Sans CJK SC Bold"}
    for item in media.find(q("MultiMedias")):
        assert item.get("Type") == "Image"
        assert item.get("Format") == "PNG"
        assert resolve(media_path, f"{media.get('BaseLoc')}/{item.findtext(q('MediaFile'))}") in package.files

    font_ids = {f.get("ID") for f in fonts}
    media_ids = {m.get("ID") for m in media.find(q("MultiMedias"))}
    layer = xml(package, "Doc_0/Pages/Page_0/Content.xml").find(f"{q('Content')}/{q('Layer')}")
    assert {t.get("Font") for t in layer.iter(q("TextObject"))} == font_ids
    assert {i.get("ResourceID") for i in layer.iter(q("ImageObject"))} == media_ids


def test_images_have_a_ctm_scaling_them_to_their_boundary(package):
    layer = xml(package, "Doc_0/Pages/Page_0/Content.xml").find(f"{q('Content')}/{q('Layer')}")
    images = list(layer.iter(q("ImageObject")))

    assert len(images) == 2
    for image in images:
        _, _, width, height = (float(v) for v in image.get("Boundary").split())
        a, b, c, d, e, f = (float(v) for v in image.get("CTM").split())
        assert (a, b, c, d, e, f) == pytest.approx((width, 0, 0, height, 0, 0), abs=0.001)


def test_a_jpeg_photo_is_embedded_as_jpeg():
    package = build_ofd(certificate_data(photo=photo_bytes("JPEG")))

    assert package.files["Doc_0/Res/photo.jpg"][:2] == b"\xff\xd8"
    formats = {
        m.findtext(q("MediaFile")): m.get("Format")
        for m in xml(package, "Doc_0/DocumentRes.xml").iter(q("MultiMedia"))
    }
    assert formats == {"photo.jpg": "JPEG", "signature.png": "PNG"}


def tag_fields(package: OfdPackage) -> dict[str, list[tuple[str, str]]]:
    custom_tags = xml(package, "Doc_0/Tags/CustomTags.xml")
    tag = custom_tags.find(q("CustomTag"))
    assert tag.get("NameSpace") == TAG_NS
    tag_file = resolve("Doc_0/Tags/CustomTags.xml", tag.findtext(q("FileLoc")))
    fields: dict[str, list[tuple[str, str]]] = {}
    for field in xml(package, tag_file):
        fields[field.get("Name")] = [(ref.get("PageRef"), ref.text) for ref in field.iter(q("ObjectRef"))]
    return fields


def test_custom_tags_bind_each_field_to_its_objects(package, data):
    document = xml(package, "Doc_0/Document.xml")
    assert document.findtext(q("CustomTags")) == "Tags/CustomTags.xml"
    layer = xml(package, "Doc_0/Pages/Page_0/Content.xml").find(f"{q('Content')}/{q('Layer')}")
    objects = {o.get("ID"): o for o in layer}

    fields = tag_fields(package)

    for label in ("姓名", "性别", "出生日期", "身份证件号码", "聘用企业", "注册编号", "注册专业", "有效期"):
        assert label in fields
    for label in ("签发日期", "发证机关", "照片", "本人签名", "二维码", "电子证照标识", "使用有效期"):
        assert label in fields
    for refs in fields.values():
        for page_ref, object_id in refs:
            assert page_ref == str(package.page_id)
            assert object_id in objects

    def text_of(label: str) -> list[str]:
        return ["".join(c.text for c in objects[oid].iter(q("TextCode"))) for _, oid in fields[label]]

    assert "".join(text_of("姓名")) == data.name  # 王 / 𠮷 / 堃: see test_ofd_glyphs
    assert text_of("注册编号") == [data.registration_number]
    assert text_of("注册专业") == ["建筑工程", "市政公用工程"]
    assert text_of("有效期") == ["2024年05月01日 至 2027年04月30日", "2024年06月01日 至 2027年05月31日"]
    assert text_of("签发日期") == ["2024年05月01日"]
    assert text_of("使用有效期") == ["2024年10月28日"]
    assert text_of("电子证照标识") == [data.license_id]
    assert local(objects[fields["照片"][0][1]]) == "ImageObject"
    assert local(objects[fields["二维码"][0][1]]) == "PathObject"


def test_the_attachment_round_trips_the_data(package, data):
    document = xml(package, "Doc_0/Document.xml")
    attachments_path = resolve("Doc_0/Document.xml", document.findtext(q("Attachments")))
    attachment = xml(package, attachments_path).find(q("Attachment"))
    json_path = resolve(attachments_path, attachment.findtext(q("FileLoc")))

    record = json.loads(package.files[json_path].decode("utf-8"))

    assert attachment.get("Format") == "json"
    assert attachment.get("CreationDate") == "2024-11-05T09:30:15"
    assert float(attachment.get("Size")) == pytest.approx(len(package.files[json_path]) / 1024, abs=0.001)
    assert record["name"] == "王𠮷堃"
    assert from_record(record, photo=data.photo, signature=data.signature) == data


def test_an_original_without_usage_period_or_copy_number_leaves_them_out():
    package = build_ofd(certificate_data(usage_valid_until=None, copy_serial=""))

    fields = tag_fields(package)
    record = json.loads(package.files["Doc_0/Attachments/certificate.json"])

    assert "使用有效期" not in fields
    assert "副本编号" not in fields
    assert record["usage_valid_until"] is None
    assert "使用有效期" not in package.files["Doc_0/Pages/Page_0/Content.xml"].decode()


def test_an_empty_value_writes_no_empty_text_object():
    package = build_ofd(certificate_data(employer=""))
    layer = xml(package, "Doc_0/Pages/Page_0/Content.xml").find(f"{q('Content')}/{q('Layer')}")

    for text in layer.iter(q("TextObject")):
        assert len(text.findall(q("TextCode"))) >= 1
    assert "聘用企业" not in tag_fields(package)
