"""The certificate fonts prepared once per host into a compact form (ADR 0035).

Opening a Noto CJK face with fontTools parses its whole character map and metrics into
Python objects and reads its 19 MB CFF table into memory: about 65 MB a face, 131 MB for the
two a worker needs, in every process that draws or previews a certificate (issue 14). What a
certificate needs of a face is far smaller: which glyph draws each character, each glyph's
advance, five small tables copied into every subset, and the outlines of the few hundred
glyphs a certificate uses, converted to TrueType.

So each face is read once with fontTools and kept in one SQLite file per host
(`CERTIFICATE_FONT_STORE`, under var/ by default): its character map and advances as packed
arrays (about 400 KB a face, held in memory as `array`s), its small tables as bytes, and a
table of converted glyphs that grows as certificates need them. A glyph missing from it is
converted from the source font, opened for that and let go of afterwards, and written to the
store, so each glyph is converted once per host; `manage.py certificate_fonts` converts the
characters a certificate commonly needs ahead (scripts/setup.sh runs it). A face's rows are
rebuilt when its source file changes (another fonts-noto-cjk version) or this format does.
"""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
import threading
from array import array
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# fontTools ships no type information.
from fontTools.pens.cu2quPen import Cu2QuPen  # type: ignore[import-untyped]
from fontTools.pens.ttGlyphPen import TTGlyphPen  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont, newTable  # type: ignore[import-untyped]

logger = logging.getLogger(__name__)

# Changes with anything that changes what the store holds: its rows are then rebuilt.
FORMAT = 1
# Largest distance (font units, 1000 per em) between a CFF curve and its quadratic
# approximation: invisible at certificate sizes, and keeps the subsets small.
CU2QU_MAX_ERR = 1.0
# The tables every subset copies from its source (fonts.subset_font).
TABLES = ("head", "hhea", "OS/2", "name", "post")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS face (
    key TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    units_per_em INTEGER NOT NULL,
    ascent INTEGER NOT NULL,
    descent INTEGER NOT NULL,
    code_points BLOB NOT NULL,
    glyph_ids BLOB NOT NULL,
    advances BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS face_table (
    face TEXT NOT NULL,
    tag TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (face, tag)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS glyph (
    face TEXT NOT NULL,
    gid INTEGER NOT NULL,
    data BLOB NOT NULL,
    x_min INTEGER NOT NULL,
    y_min INTEGER NOT NULL,
    x_max INTEGER NOT NULL,
    y_max INTEGER NOT NULL,
    points INTEGER NOT NULL,
    contours INTEGER NOT NULL,
    PRIMARY KEY (face, gid)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class TTGlyph:
    """One glyph converted to TrueType and compiled, with what the font tables need."""

    data: bytes
    bounds: tuple[int, int, int, int]  # xMin, yMin, xMax, yMax; zeros for an empty glyph
    points: int
    contours: int


@dataclass(frozen=True)
class FaceData:
    """A face's character map, advances and small tables, as the store keeps them."""

    units_per_em: int
    ascent: int
    descent: int  # positive: distance below the baseline
    code_points: array[int]  # sorted
    glyph_ids: array[int]  # the glyph of code_points[i]
    advances: array[int]  # by glyph id
    tables: dict[str, bytes]


def _source_identity(path: Path, index: int) -> str:
    """What the rows of a face were made from: a new font package means new rows."""
    stat = path.stat()
    return f"{path}|{index}|{stat.st_size}|{stat.st_mtime_ns}|format {FORMAT}|err {CU2QU_MAX_ERR}"


def _open_source(path: Path, index: int) -> Any:
    # lazy: tables (and each CFF charstring) are read only when first used.
    return TTFont(str(path), fontNumber=index, lazy=True)


def read_face(path: Path, index: int) -> FaceData:
    """Everything but the outlines, read from the source font (about a second)."""
    font = _open_source(path, index)
    try:
        cmap = sorted(font.getBestCmap().items())
        ids = {name: gid for gid, name in enumerate(font.getGlyphOrder())}
        advances = array("H", (0 for _ in ids))
        for name, (advance, _lsb) in font["hmtx"].metrics.items():
            advances[ids[name]] = advance
        hhea = font["hhea"]
        return FaceData(
            units_per_em=font["head"].unitsPerEm,
            ascent=hhea.ascent,
            descent=-hhea.descent,
            code_points=array("I", (cp for cp, _ in cmap)),
            glyph_ids=array("H", (ids[name] for _, name in cmap)),
            advances=advances,
            # As stored in the file: getTableData would recompile hhea, which reads every glyph.
            tables={tag: bytes(font.reader[tag]) for tag in TABLES},
        )
    finally:
        font.close()


def convert_glyphs(path: Path, index: int, gids: Iterable[int]) -> dict[int, TTGlyph]:
    """Convert glyphs of the source font (CFF, cubic) to TrueType (quadratic) outlines. Only
    the CFF table is read, and the font is let go of when done."""
    font = _open_source(path, index)
    try:
        order = font.getGlyphOrder()
        charstrings = font["CFF "].cff.topDictIndex[0].CharStrings
        converted = {}
        for gid in gids:
            pen = TTGlyphPen(None)
            # CFF contours run counter-clockwise, TrueType ones clockwise.
            charstrings[order[gid]].draw(Cu2QuPen(pen, CU2QU_MAX_ERR, reverse_direction=True))
            glyph = pen.glyph()
            data = glyph.compile(None)  # which sets the bounds read below
            if glyph.numberOfContours > 0:
                bounds = (glyph.xMin, glyph.yMin, glyph.xMax, glyph.yMax)
                points = len(glyph.coordinates)
            else:
                bounds, points = (0, 0, 0, 0), 0
            converted[gid] = TTGlyph(
                data=data, bounds=bounds, points=points, contours=max(0, glyph.numberOfContours)
            )
        return converted
    finally:
        font.close()


def decompile_table(tag: str, data: bytes) -> Any:
    table = newTable(tag)
    table.decompile(data, TTFont())
    return table


class FontStore:
    """The SQLite file: one connection per thread, opened when first used."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            # Readers never wait for the one process that adds glyphs.
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            self._local.db = db
        yield db

    def face(self, key: str, path: Path, index: int) -> FaceData:
        """The face's data. A store without it (or with that of another version of the file)
        has it prepared first, by a helper process (`helper_run`)."""
        identity = _source_identity(path, index)
        found = self._face_row(key, identity)
        if found is None:
            helper_run(self.path, key, path, index, [])
            found = self._face_row(key, identity)
        if found is None:
            raise RuntimeError(f"certificate font {key} not prepared in {self.path}")
        return found

    def _face_row(self, key: str, identity: str) -> FaceData | None:
        with self._db() as db:
            row = db.execute(
                "SELECT units_per_em, ascent, descent, code_points, glyph_ids, advances FROM face"
                " WHERE key = ? AND source = ?",
                (key, identity),
            ).fetchone()
            if row is None:
                return None
            tables = dict(db.execute("SELECT tag, data FROM face_table WHERE face = ?", (key,)).fetchall())
        return FaceData(
            units_per_em=row[0],
            ascent=row[1],
            descent=row[2],
            code_points=array("I", row[3]),
            glyph_ids=array("H", row[4]),
            advances=array("H", row[5]),
            tables=tables,
        )

    def face_prepare(self, key: str, path: Path, index: int) -> None:
        """Read the face from its source font and keep it, unless the store has it already."""
        identity = _source_identity(path, index)
        if self._face_row(key, identity) is not None:
            return
        data = read_face(path, index)
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                # Glyphs of another version of the file go with its face.
                db.execute("DELETE FROM face WHERE key = ?", (key,))
                db.execute("DELETE FROM face_table WHERE face = ?", (key,))
                db.execute("DELETE FROM glyph WHERE face = ?", (key,))
                db.execute(
                    "INSERT INTO face VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        key,
                        identity,
                        data.units_per_em,
                        data.ascent,
                        data.descent,
                        data.code_points.tobytes(),
                        data.glyph_ids.tobytes(),
                        data.advances.tobytes(),
                    ),
                )
                db.executemany(
                    "INSERT INTO face_table VALUES (?, ?, ?)", [(key, t, d) for t, d in data.tables.items()]
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        logger.info("certificate font %s prepared into %s", key, self.path)

    def glyphs_prepare(self, key: str, path: Path, index: int, gids: Iterable[int]) -> int:
        """Convert the glyphs the store lacks and keep them; returns how many were converted."""
        wanted = set(gids)
        absent = sorted(wanted - self.glyphs(key, wanted).keys())
        for start in range(0, len(absent), 500):
            self.glyphs_add(key, convert_glyphs(path, index, absent[start : start + 500]))
        return len(absent)

    def glyphs(self, key: str, gids: Iterable[int]) -> dict[int, TTGlyph]:
        wanted = sorted(set(gids))
        found: dict[int, TTGlyph] = {}
        with self._db() as db:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                columns = "gid, data, x_min, y_min, x_max, y_max, points, contours"
                query = f"SELECT {columns} FROM glyph WHERE face = ? AND gid IN ({marks})"  # noqa: S608 - placeholders
                for gid, data, x0, y0, x1, y1, points, contours in db.execute(query, (key, *chunk)):
                    found[gid] = TTGlyph(data=data, bounds=(x0, y0, x1, y1), points=points, contours=contours)
        return found

    def glyphs_add(self, key: str, glyphs: dict[int, TTGlyph]) -> None:
        with self._db() as db:
            db.executemany(
                "INSERT OR IGNORE INTO glyph VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(key, gid, g.data, *g.bounds, g.points, g.contours) for gid, g in glyphs.items()],
            )

    def glyph_count(self, key: str) -> int:
        with self._db() as db:
            count: int = db.execute("SELECT count(*) FROM glyph WHERE face = ?", (key,)).fetchone()[0]
            return count


def helper_run(store: Path, key: str, path: Path, index: int, gids: list[int]) -> None:
    """Prepare a face and convert glyphs in a short-lived process of its own: reading a CJK
    font with fontTools takes about 65 MB that Python does not give back to the system, which a
    web or task worker would then carry for the rest of its life."""
    subprocess.run(  # noqa: S603 - this module, with arguments we made
        [sys.executable, "-m", __name__, str(store), key, str(path), str(index), *map(str, gids)],
        cwd=Path(__file__).resolve().parents[2],
        check=True,
        timeout=600,
        capture_output=True,
    )


def main(argv: list[str]) -> None:
    store, key, path, index, *gids = argv
    target = FontStore(Path(store))
    target.face_prepare(key, Path(path), int(index))
    target.glyphs_prepare(key, Path(path), int(index), map(int, gids))


if __name__ == "__main__":
    main(sys.argv[1:])
