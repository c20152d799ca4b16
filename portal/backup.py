"""Backups and restores of one installation (docs/operations.md「备份与恢复」).

A backup is a folder: the database (SQLite: a copy made by SQLite's online backup API, which
reads one consistent snapshot while the portal goes on writing in WAL mode; PostgreSQL: a
`pg_dump -Fc` archive), the local files of MEDIA_ROOT as one tar (attachments, certificate
copies, audit archives; a bucket is backed up with the bucket's own tools), and a manifest
with the size, SHA-256 and SM3 of each file, so that a damaged copy is refused before it
replaces anything.

What is never in it: the keys (SECRET_KEY, AUDIT_KEY, the data keys, CERT_KEY_DIR). A backup
that carries its keys protects nothing, so they are kept apart and brought back separately.

The database is copied before the files: a file is always written before the row that names
it, so every row in the copy finds its file in the tar (a file newer than the copy is an
orphan, which the daily sweep removes)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, models
from django.utils import timezone

from lib.sm3 import sm3_chunks

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"  # the same digests in the form `sha256sum -c` reads, for hosts without the portal
SQLITE_FILE = "portal.sqlite3"
POSTGRES_FILE = "portal.dump"
MEDIA_FILE = "media.tar"
FORMAT = 1
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message, in Chinese, says why and what to do."""


@dataclass(frozen=True)
class BackupFile:
    name: str
    size: int
    sha256: str
    sm3: str


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持的数据库：{vendor}")
    return vendor


def _digests(path: Path) -> BackupFile:
    sha, size = hashlib.sha256(), 0

    def chunks() -> Iterator[bytes]:
        nonlocal size
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                sha.update(chunk)
                size += len(chunk)
                yield chunk

    digest = sm3_chunks(chunks()).hex()  # one read of the file for both digests
    return BackupFile(path.name, size, sha.hexdigest(), digest)


def _sqlite_path() -> Path:
    return Path(settings.DATABASES["default"]["NAME"])


def _pg_environment() -> dict[str, str]:
    """libpq's variables for the configured database: the password never on a command line,
    where `ps` would show it to every user of the host."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for variable, value in (
        ("PGHOST", db.get("HOST")),
        ("PGPORT", db.get("PORT")),
        ("PGUSER", db.get("USER")),
        ("PGPASSWORD", db.get("PASSWORD")),
        ("PGDATABASE", db.get("NAME")),
        ("PGSSLMODE", db.get("OPTIONS", {}).get("sslmode")),
        ("PGCONNECT_TIMEOUT", db.get("OPTIONS", {}).get("connect_timeout")),
    ):
        if value:
            env[variable] = str(value)
    return env


def _run(command: list[str], *, env: dict[str, str]) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(
            f"找不到 {command[0]}：请安装与数据库服务器主版本相同的 PostgreSQL 客户端（postgresql-client）"
        ) from None
    if result.returncode != 0:
        raise BackupError(f"{command[0]} 失败（退出码 {result.returncode}）：{result.stderr.strip()}")


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"数据库文件不存在：{source}")
    src = sqlite3.connect(source, timeout=20)
    try:
        dst = sqlite3.connect(target)
        try:
            # One step (pages=-1) under one read transaction: a consistent snapshot, and in WAL
            # mode the web and worker processes keep writing meanwhile.
            src.backup(dst)
            # The copy is one self-contained file, with no -wal beside it to forget.
            dst.execute("PRAGMA journal_mode=DELETE")
            verdict = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst.close()
    finally:
        src.close()
    if verdict != "ok":
        raise BackupError(f"备份副本未通过完整性检查：{verdict}")


def _media_files(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            yield Path(folder) / name


def _media_tar(root: Path, target: Path) -> int:
    count = 0
    with tarfile.open(target, "w") as tar:
        for path in _media_files(root):
            try:
                tar.add(path, arcname=str(path.relative_to(root)), recursive=False)
            except FileNotFoundError:
                continue  # removed since the walk listed it (a deleted draft's file): not needed
            count += 1
    return count


def _write_manifest(folder: Path, manifest: dict[str, Any], files: list[BackupFile]) -> None:
    manifest["files"] = [vars(f) for f in files]
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")
    (folder / SUMS).write_text("".join(f"{f.sha256}  {f.name}\n" for f in files), "utf-8")
    for name in (MANIFEST, SUMS):
        (folder / name).chmod(0o600)


def backup_create(*, to: Path) -> dict[str, Any]:
    """Back up the database and the local files into the new folder `to`; returns the
    manifest. Refuses a folder that exists and is not empty (an older backup is never mixed
    with a newer one)."""
    engine = _engine()
    if to.exists() and any(to.iterdir()):
        raise BackupError(f"目标目录不是空的：{to}（每次备份用一个新目录）")
    # Personal data: only the owner may read the copy.
    to.mkdir(mode=0o700, parents=True, exist_ok=True)
    to.chmod(0o700)
    old_umask = os.umask(0o077)
    try:
        if engine == "sqlite":
            _sqlite_backup(_sqlite_path(), to / SQLITE_FILE)
            database = SQLITE_FILE
        else:
            _run(["pg_dump", "-Fc", "--file", str(to / POSTGRES_FILE)], env=_pg_environment())
            database = POSTGRES_FILE
        names = [database]
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": timezone.localtime().isoformat(timespec="seconds"),
            "engine": engine,
            "database": database,
        }
        if settings.S3_BUCKET:
            manifest["bucket"] = settings.S3_BUCKET  # backed up by the bucket's own tools
        else:
            manifest["media_files"] = _media_tar(Path(settings.MEDIA_ROOT), to / MEDIA_FILE)
            names.append(MEDIA_FILE)
        _write_manifest(to, manifest, [_digests(to / name) for name in names])
    finally:
        os.umask(old_umask)
    return manifest


def manifest_check(source: Path) -> dict[str, Any]:
    """The manifest of the backup in `source`, once every file it lists is there with its
    size, SHA-256 and SM3; BackupError naming the first file that is missing or differs."""
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{source} 中没有 {MANIFEST}：不是 backup_create 做的备份，或复制不完整") from None
    except ValueError:
        raise BackupError(f"{source / MANIFEST} 已损坏（不是有效的 JSON）") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"备份格式 {manifest.get('format')!r} 不是本版本能恢复的（{FORMAT}）")
    for listed in manifest["files"]:
        path = source / listed["name"]
        if not path.is_file():
            raise BackupError(f"备份缺少文件：{listed['name']}")
        found = _digests(path)
        if (found.size, found.sha256, found.sm3) != (listed["size"], listed["sha256"], listed["sm3"]):
            raise BackupError(f"文件 {listed['name']} 与清单不符（已损坏或被改动），不能用于恢复")
    return manifest


def _sqlite_is_empty(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return True
    db = sqlite3.connect(path, timeout=20)
    try:
        return bool(db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0)
    except sqlite3.DatabaseError:
        return False  # not a database we can read: not ours to replace
    finally:
        db.close()


def _check_target_empty(manifest: dict[str, Any], engine: str) -> None:
    if manifest["engine"] != engine:
        raise BackupError(
            f"这是 {manifest['engine']} 数据库的备份，而当前配置的是 {engine}："
            "请按备份时的配置设置 DATABASE_URL"
        )
    if engine == "sqlite":
        path = _sqlite_path()
        if not _sqlite_is_empty(path):
            raise BackupError(f"数据库 {path} 不是空的：恢复只写入新的空数据库，不覆盖现有数据")
    elif connection.introspection.table_names():
        raise BackupError("数据库中已有表：恢复只写入新建的空数据库（createdb），不覆盖现有数据")
    if MEDIA_FILE in {f["name"] for f in manifest["files"]}:
        if settings.S3_BUCKET:
            raise BackupError(
                "备份中的文件是本机文件（media.tar），而当前设置了 S3_BUCKET：请去掉 S3_BUCKET 后恢复，"
                "或把文件上传到桶中（见 docs/operations.md）"
            )
        media = Path(settings.MEDIA_ROOT)
        if media.exists() and any(media.iterdir()):
            raise BackupError(f"文件目录 {media} 不是空的：恢复只写入空目录")


def backup_restore(*, source: Path) -> dict[str, Any]:
    """Restore the backup in `source` into this installation's empty database and MEDIA_ROOT;
    returns its manifest. Everything is checked (manifest, emptiness) before anything is
    written."""
    manifest = manifest_check(source)
    engine = _engine()
    _check_target_empty(manifest, engine)
    if engine == "sqlite":
        path = _sqlite_path()
        connection.close()
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)  # an empty file (checked above) and its sidecars
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".restoring")
        shutil.copyfile(source / SQLITE_FILE, partial)
        partial.chmod(0o600)
        partial.replace(path)  # whole or not at all
    else:
        env = _pg_environment()
        command = ["pg_restore", "--exit-on-error", "--no-owner", "--single-transaction"]
        _run([*command, "--dbname", env.get("PGDATABASE", ""), str(source / POSTGRES_FILE)], env=env)
    if MEDIA_FILE in {f["name"] for f in manifest["files"]}:
        media = Path(settings.MEDIA_ROOT)
        media.mkdir(parents=True, exist_ok=True)
        with tarfile.open(source / MEDIA_FILE) as tar:
            # The "data" filter refuses absolute names, `..`, links out of the folder and devices.
            tar.extractall(media, filter="data")
    return manifest


@dataclass(frozen=True)
class ReadCheck:
    rows: int
    tables: int
    files: int
    missing_files: list[str]
    unreadable: list[str]


def database_read_check() -> ReadCheck:
    """Load every row of every model through Django, and look for every file a row names.

    Loading a row decrypts its encrypted fields, so a database restored under the wrong data
    key fails here, table by table; a restore that lost files shows them by name."""
    rows = tables = files = 0
    missing: list[str] = []
    unreadable: list[str] = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        file_fields = [f.attname for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        tables += 1
        try:
            for row in model._base_manager.order_by("pk").iterator(chunk_size=1000):
                rows += 1
                for name in file_fields:
                    value = getattr(row, name)
                    if value:
                        files += 1
                        if not default_storage.exists(str(value)):
                            missing.append(str(value))
        except Exception as e:  # whatever a field's decoding raises: report, go on with the next table
            unreadable.append(f"{model._meta.label}：{type(e).__name__}: {str(e)[:200]}")
    return ReadCheck(rows, tables, files, missing, unreadable)
