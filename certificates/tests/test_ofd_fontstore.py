"""The certificate fonts' store (certificates/ofd/fontstore.py, ADR 0035): what a process
holds of the two CJK faces is small and bounded, the store gives back what the source font
has, and it is made again when the font package changes (issue 14's memory goals)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path

import pytest
from django.conf import settings

from certificates.ofd import fonts, fontstore
from certificates.ofd.fontstore import FontStore

SONG = fonts.FACES["song"]

# What a process gains by opening both faces and building a certificate's subsets: about 260 MB
# when each face was parsed whole by fontTools, a few MB from the store.
MEASURE = """
import django
django.setup()

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024

from certificates.ofd import fonts
before = rss()
fonts.preload()
fonts.subset_font("song", "王𠮷堃张伟辽宁省沈阳市")
print(rss() - before)
"""


def test_a_process_holds_the_fonts_in_a_few_megabytes() -> None:
    done = subprocess.run(  # noqa: S603 - our own code, fixed arguments
        [sys.executable, "-c", MEASURE],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) < 30, done.stdout


def test_the_character_map_and_advances_are_packed_arrays() -> None:
    font = fonts.source_font("song")

    assert font.covers("𠮷") and not font.covers("\ue000")
    # Three arrays of machine integers, not dicts of Python objects.
    packed = sum(a.itemsize * len(a) for a in (font._code_points, font._glyph_ids, font._advances))
    assert packed < 1_000_000
    assert font.advance("国") == font.glyph_advance(font.glyph_name("国"))


def test_the_glyphs_a_process_keeps_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "GLYPH_CACHE_SIZE", 8)
    font = fonts.source_font("song")
    # Earlier tests in this process may have drawn every one of these characters already:
    # the bound applies as glyphs come in, so start from none.
    monkeypatch.setattr(font, "_glyphs", OrderedDict())

    font.tt_glyphs(font.glyph_name(char) for char in "中华人民共和国二级建造师注册证书")

    assert len(font._glyphs) <= 8


def test_a_stored_glyph_is_the_one_converted_from_the_source(tmp_path: Path) -> None:
    store = FontStore(tmp_path / "fonts.sqlite3")
    store.face_prepare("song", SONG.path, SONG.index)
    face = store.face("song", SONG.path, SONG.index)
    gid = face.glyph_ids[list(face.code_points).index(ord("𠮷"))]

    assert store.glyphs_prepare("song", SONG.path, SONG.index, [gid]) == 1
    assert store.glyphs_prepare("song", SONG.path, SONG.index, [gid]) == 0  # kept: not again

    (stored,) = store.glyphs("song", [gid]).values()
    assert stored == fontstore.convert_glyphs(SONG.path, SONG.index, [gid])[gid]
    assert stored.contours > 0 and stored.bounds != (0, 0, 0, 0)


def test_another_version_of_the_font_file_makes_the_face_again(tmp_path: Path) -> None:
    store = FontStore(tmp_path / "fonts.sqlite3")
    store.face_prepare("song", SONG.path, SONG.index)
    store.glyphs_prepare("song", SONG.path, SONG.index, [0, 1])
    with store._db() as db:  # as if fonts-noto-cjk had been upgraded since
        db.execute("UPDATE face SET source = 'an older file' WHERE key = 'song'")

    face = store.face("song", SONG.path, SONG.index)  # prepared again by the helper process

    assert len(face.code_points) > 30_000
    assert store.glyph_count("song") == 0  # the old file's glyphs went with it
