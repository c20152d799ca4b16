"""docs/operations.md「备份与恢复」 on PostgreSQL: the same daily lines (backup_create runs
`pg_dump -Fc`) and the same restore lines into a new, empty database (`pg_restore`), then the
same data read through Django. Runs only when DATABASE_URL points at PostgreSQL and pg_dump is
installed; it makes two databases of its own on that server and drops them afterwards."""

from __future__ import annotations

import os
import secrets
import shutil
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from portal.tests.test_backup import chain, demo_build, doc_block, environment, keys, manage, read, run, shell

DATABASE_URL = os.environ.get("DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
    not DATABASE_URL.startswith(("postgres://", "postgresql://")) or shutil.which("pg_dump") is None,
    reason="needs DATABASE_URL pointing at PostgreSQL, and pg_dump",
)


def url_for(database: str) -> str:
    parts = urllib.parse.urlsplit(DATABASE_URL)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{database}"))


@pytest.fixture
def databases() -> Iterator[tuple[str, str]]:
    import psycopg

    names = [f"portal_backup_{which}_{secrets.token_hex(4)}" for which in ("source", "target")]
    server = psycopg.connect(DATABASE_URL.replace("postgres://", "postgresql://", 1), autocommit=True)
    try:
        for name in names:
            server.execute(f'CREATE DATABASE "{name}"')
        yield url_for(names[0]), url_for(names[1])
    finally:
        for name in names:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.close()


def test_the_manuals_lines_round_trip_a_postgresql_database(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    source_url, target_url = databases
    source, backup_root, offsite, target = (tmp_path / n for n in ("source", "backups", "offsite", "target"))
    for folder in (source, backup_root, offsite, target):
        folder.mkdir()
    env = environment(source, **keys(), DATABASE_URL=source_url)
    demo_build(env)
    manage(env, "shell", "--no-imports", "-c", _ONE_AUDIT_ROW)
    before = read(env)

    run(["deploy/backup.sh"], {**env, "BACKUP_ROOT": str(backup_root), "OFFSITE": f"{offsite}/"})
    (backup,) = backup_root.iterdir()
    names = sorted(p.name for p in backup.iterdir())
    assert names == ["SHA256SUMS", "manifest.json", "media.tar", "portal.dump"]

    (target / "portal.env").write_text("".join(f"{k}={v}\n" for k, v in keys().items()))
    shutil.copytree(source / "keys", target / "keys")
    script = doc_block("restore")
    restore_env = environment(target, BACKUP_ROOT=str(backup_root), DATABASE_URL=target_url)
    output = shell(restore_env, script)
    assert "数据检查通过" in output.stdout

    assert read(restore_env) == before
    found = chain(restore_env)
    assert (found["fault"], found["head"]) == (None, True)
    # Restoring again would overwrite: refused.
    again = manage(restore_env, "backup_restore", "--from", str(backup), check=False)
    assert again.returncode != 0 and "已有表" in again.stderr


_ONE_AUDIT_ROW = """
from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
audit_record(action=AuditAction.CASE_VIEW, actor=User.objects.get(username="shenpi"), label="备份测试")
"""
