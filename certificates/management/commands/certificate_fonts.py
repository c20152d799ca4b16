"""`certificate_fonts`: prepare this host's certificate font store ahead (ADR 0035).

Every process would prepare what it lacks on first use; this does it once, at set-up
(scripts/setup.sh) or after fonts-noto-cjk is upgraded, so that no holder's 加注 and no preview
waits for a glyph to be converted: each face's character map and advances, and the glyphs of
a typical certificate's labels, the ASCII characters and, for the values' face, the 6,763
characters of GB 2312 with its punctuation. Rarer characters of a name are converted when a
certificate first needs them, and kept."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from certificates.layout import VALUE_FONT, typical_chars
from certificates.ofd import fonts


def gb2312_chars() -> set[str]:
    """The characters of GB 2312: its symbols, and the hanzi of its two levels."""
    chars = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def chars_to_prepare() -> dict[str, set[str]]:
    wanted = {key: set(map(chr, range(0x21, 0x7F))) for key in fonts.FACES}
    for key, chars in typical_chars().items():
        wanted[key] |= chars
    wanted[VALUE_FONT] |= gb2312_chars()
    return wanted


class Command(BaseCommand):
    help = "预先准备本机的证书字体库（字形映射、字宽与常用字的 TrueType 字形），供各进程共用"

    def handle(self, *args: Any, **options: Any) -> None:
        store = fonts.font_store()
        for key, chars in chars_to_prepare().items():
            face = fonts.FACES[key]
            store.face_prepare(key, face.path, face.index)
            source = fonts.source_font(key)
            gids = {source.glyph_id(char) for char in chars if source.covers(char)} | {0}
            converted = store.glyphs_prepare(key, face.path, face.index, gids)
            self.stdout.write(
                f"证书字体 {face.family}：常用字形 {len(gids)} 个，本次转换 {converted} 个；"
                f"字体库 {store.path}（共 {store.glyph_count(key)} 个字形）"
            )
