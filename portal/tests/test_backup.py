"""docs/operations.md「备份与恢复」, run as written: the demo database built as `make run` builds
it is backed up by the manual's daily lines while a writer is busy, restored on a "new host"
(an empty folder, keys brought back separately) by the manual's restore lines, and read back
through Django; under another audit or data key the restore is found out.

Every step is a subprocess with its own VAR_DIR, as an operator would run it: the test's own
database is not involved."""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from lib.idcard import id_number_check_char
from lib.masking import mask_id_number

ROOT = Path(settings.BASE_DIR)
DOC = ROOT / "docs" / "operations.md"
# Whatever keys this version reads; the test's fixed ones come from portal/testenv.py.
KEY_NAMES = ("SECRET_KEY", "AUDIT_KEY", "DATA_KEY", "BLIND_INDEX_KEY")


def doc_block(name: str) -> str:
    """The shell block the manual marks `<!-- 测试运行：name -->` in its backup section."""
    text = DOC.read_text("utf-8")
    section = text[text.index("## 备份与恢复\n") : text.index("## 多台主机\n")]
    match = re.search(rf"<!-- 测试运行：{name} -->\n```sh\n(.*?)```", section, re.DOTALL)
    assert match is not None, f"docs/operations.md「备份与恢复」: block {name!r} is missing"
    return match.group(1)


def keys() -> dict[str, str]:
    return {name: os.environ[name] for name in KEY_NAMES if os.environ.get(name)}


def environment(var_dir: Path, **extra: str) -> dict[str, str]:
    """What an operator's shell has: the venv's python first on PATH (the manual's `python`),
    this host's VAR_DIR, no PostgreSQL, bucket or Redis."""
    return {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": os.environ.get("HOME", str(var_dir)),
        "VAR_DIR": str(var_dir),
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def run(command: list[str], env: dict[str, str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # noqa: S603 - our own commands and the manual's
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if check:
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


def manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "manage.py", *args], env, check=check)


def shell(env: dict[str, str], script: str, *, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run(["bash", "-euo", "pipefail", "-c", script], env, check=check)


# Read through Django, as a page would: a demo holder's name, masked ID number, cases, a field
# of the filled form and an attachment's bytes (checked against the digest taken at upload).
READ = """
import hashlib, json
from accounts.models import User
from cases.models import Attachment
from lib.masking import mask_id_number
person = User.objects.get(kind="person", name="王强")
attachment = Attachment.objects.filter(case__applicant=person).order_by("pk").first()
data = attachment.file.read()
print(json.dumps({
    "name": person.name,
    "id_number": mask_id_number(person.id_number),
    "mobile": person.mobile,
    "cases": person.cases.count(),
    "major": person.cases.get().form_data["major"],
    "attachment": attachment.display_name,
    "bytes_match": hashlib.sha256(data).hexdigest() == attachment.sha256,
    "magic": data[:4].hex(),
}, ensure_ascii=False))
"""

# The audit chain, checked from its start against its head, with the counts audit_verify does
# not print: how many of the writer's rows the backup caught.
CHAIN = """
import json
from audit.chain import GENESIS, chain_check
from audit.models import AuditEvent, AuditHead
head = AuditHead.objects.get()
fault, last, count = chain_check(AuditEvent.objects.order_by("id").values().iterator(), start_mac=GENESIS)
print(json.dumps({"fault": str(fault) if fault else None, "count": count,
                  "head": last == head.last_mac and count == head.count,
                  "written": AuditEvent.objects.filter(object_label="备份测试").count()}))
"""

# Joins the audit chain as fast as it can until told to stop: the chain's rows and its head
# row are written in one transaction, so a backup torn between them would not check.
WRITER = """
import os, pathlib
from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
stop = pathlib.Path(os.environ["WRITER_STOP"])
actor = User.objects.get(username="shenpi")
n = 0
while not stop.exists():
    audit_record(action=AuditAction.CASE_VIEW, actor=actor, label="备份测试", detail={"n": n})
    n += 1
    if n == 50:
        print("writing", flush=True)
print(n, flush=True)
"""


# scripts/setup.sh's steps (make run), in one process: each start of manage.py costs seconds.
DEMO = """
from django.core.management import call_command
call_command("migrate", "--noinput", verbosity=0)
call_command("certificate_keys", "--create")
call_command("seed_catalog")
call_command("seed_demo")
"""


def demo_build(env: dict[str, str]) -> None:
    manage(env, "shell", "--no-imports", "-c", DEMO)


def read(env: dict[str, str]) -> dict[str, object]:
    result: dict[str, object] = json.loads(manage(env, "shell", "--no-imports", "-c", READ).stdout)
    return result


def chain(env: dict[str, str]) -> dict[str, object]:
    result: dict[str, object] = json.loads(manage(env, "shell", "--no-imports", "-c", CHAIN).stdout)
    return result


def other_key(value: str) -> str:
    """The same key id with other bytes of the same length: a key that looks right and is not."""
    key_id, _, encoded = value.split(",")[0].partition(":")
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(len(base64.b64decode(encoded)))).decode()}"


@dataclass
class RoundTrip:
    source: Path
    backup_root: Path
    offsite: Path
    backup: Path
    target: Path
    source_read: dict[str, object]
    written: int
    restore_output: str


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> RoundTrip:
    base = tmp_path_factory.mktemp("backup")
    source, backup_root, offsite, target = (base / n for n in ("source", "backups", "offsite", "target"))
    for folder in (source, backup_root, offsite, target):
        folder.mkdir()
    # The demo, as scripts/setup.sh (make run) makes it.
    env = environment(source, **keys())
    demo_build(env)
    source_read = read(env)

    # The manual's daily backup (deploy/backup.sh, which cron runs) while a writer is busy.
    stop = base / "stop-writing"
    writer = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", WRITER],
        cwd=ROOT,
        env={**env, "WRITER_STOP": str(stop)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "writing", writer.stderr.read() if writer.stderr else ""
        daily = environment(source, **keys(), BACKUP_ROOT=str(backup_root), OFFSITE=f"{offsite}/")
        run(["deploy/backup.sh"], daily)
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    written = int(out.split()[-1])
    (backup,) = backup_root.iterdir()

    # A new host: the keys come back from their keeper (portal.env and the certificate keys),
    # the backup from the backup disk, and the manual's restore lines run as written.
    (target / "portal.env").write_text("".join(f"{k}={v}\n" for k, v in keys().items()))
    shutil.copytree(source / "keys", target / "keys")
    script = doc_block("restore")
    restored = shell(environment(target, BACKUP_ROOT=str(backup_root)), script)
    return RoundTrip(
        source, backup_root, offsite, backup, target, source_read, written, restored.stdout + restored.stderr
    )


def test_the_daily_script_runs_the_manuals_lines_in_their_order() -> None:
    script = [line.strip() for line in (ROOT / "deploy" / "backup.sh").read_text("utf-8").splitlines()]
    create, prune, offsite = doc_block("backup").splitlines()
    (bucket,) = doc_block("bucket-backup").splitlines()
    # The database first, then the bucket's files (a file is written before the row naming it),
    # and only then the old backups pruned and the whole copied away.
    at = [script.index(line) for line in (create, bucket, prune, offsite)]
    assert at == sorted(at)


def test_every_shell_block_of_the_section_is_run_by_a_test() -> None:
    text = DOC.read_text("utf-8")
    section = text[text.index("## 备份与恢复\n") : text.index("## 多台主机\n")]
    blocks = re.findall(r"(<!-- 测试运行：[\w-]+ -->\n)?```sh\n", section)
    assert blocks and all(blocks), "an ```sh block in「备份与恢复」 that no test runs"
    tested = set(re.findall(r"<!-- 测试运行：([\w-]+) -->", section))
    mine = Path(__file__).read_text("utf-8") + Path(__file__).with_name("test_backup_s3.py").read_text(
        "utf-8"
    )
    assert {name for name in tested if f'doc_block("{name}")' not in mine} == set()


def test_the_backup_holds_the_database_the_files_and_a_manifest_and_no_key(round_trip: RoundTrip) -> None:
    names = sorted(p.name for p in round_trip.backup.iterdir())
    assert names == ["SHA256SUMS", "manifest.json", "media.tar", "portal.sqlite3"]
    manifest = json.loads((round_trip.backup / "manifest.json").read_text("utf-8"))
    assert manifest["engine"] == "sqlite"
    assert [f["name"] for f in manifest["files"]] == ["portal.sqlite3", "media.tar"]
    assert all(len(f["sha256"]) == len(f["sm3"]) == 64 for f in manifest["files"])
    assert oct(round_trip.backup.stat().st_mode & 0o777) == "0o700"
    with tarfile.open(round_trip.backup / "media.tar") as tar:
        members = tar.getnames()
    # Every file of MEDIA_ROOT (the demo's materials), and nothing else of VAR_DIR.
    media = round_trip.source / "media"
    assert sorted(members) == sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())
    assert len([m for m in members if m.startswith("cases/")]) >= 25
    # No key in any file of the backup, in any form the settings hold it.
    secrets_held = [value.encode() for value in keys().values()]
    # The key material of each `<key id>:<base64>` item; BLIND_INDEX_KEY has no key id, and its
    # "" after a missing ":" would be found in every file.
    secrets_held += [
        entry.partition(":")[2].encode()
        for k, v in keys().items()
        if k != "SECRET_KEY"
        for entry in v.split(",")
        if entry.partition(":")[2]  # BLIND_INDEX_KEY is a bare key, no `<keyid>:`
    ]
    # (A throwaway value such as SECRET_KEY=x in a developer's shell is no key to look for.)
    secrets_held = [secret for secret in secrets_held if len(secret) >= 16]
    for path in round_trip.backup.iterdir():
        data = path.read_bytes()
        assert not any(secret in data for secret in secrets_held), path.name
    # The manual's off-site copy and monitoring line.
    assert (round_trip.offsite / round_trip.backup.name / "manifest.json").is_file()
    shell(environment(round_trip.source, BACKUP_ROOT=str(round_trip.backup_root)), doc_block("monitor"))


def test_the_restore_reads_the_same_data_through_django(round_trip: RoundTrip) -> None:
    assert "清单核对无误" in round_trip.restore_output
    assert "审计记录完整" in round_trip.restore_output
    assert "数据检查通过" in round_trip.restore_output
    env = environment(round_trip.target)  # keys from the restored host's portal.env
    restored = read(env)
    assert restored == round_trip.source_read
    holder_id = "21010519800920003" + id_number_check_char("21010519800920003")
    assert restored == {
        "name": "王强",
        "id_number": mask_id_number(holder_id),
        "mobile": "13800138003",
        "cases": 1,
        "major": "土木工程",
        "attachment": restored["attachment"],
        "bytes_match": True,
        "magic": restored["magic"],
    }
    assert restored["magic"] in ("25504446", "89504e47")  # %PDF or PNG


def test_the_backup_is_one_consistent_moment_of_a_busy_database(round_trip: RoundTrip) -> None:
    found = chain(environment(round_trip.target))
    assert found["fault"] is None
    assert found["head"] is True  # the last row and the head row, from the same moment
    written = found["written"]
    assert isinstance(written, int)
    # The writer had begun before the backup and went on after it.
    assert 50 <= written < round_trip.written


def restored_copy(round_trip: RoundTrip, tmp_path: Path) -> Path:
    """A copy of the restored host, for a check that writes (audit_verify records its run)."""
    copy = tmp_path / "copy"
    shutil.copytree(round_trip.target, copy)
    return copy


def test_a_restore_under_another_audit_key_is_found_out(round_trip: RoundTrip, tmp_path: Path) -> None:
    env = environment(restored_copy(round_trip, tmp_path), AUDIT_KEY=other_key(os.environ["AUDIT_KEY"]))
    found = chain(env)
    assert found["fault"] is not None and "内容被修改" in str(found["fault"])
    result = manage(env, "audit_verify", check=False)
    assert result.returncode != 0
    assert "审计记录校验失败" in result.stderr


@pytest.mark.skipif(not os.environ.get("DATA_KEY"), reason="DATA_KEY arrives with encryption at rest")
def test_a_restore_under_another_data_key_is_found_out(round_trip: RoundTrip, tmp_path: Path) -> None:
    env = environment(restored_copy(round_trip, tmp_path), DATA_KEY=other_key(os.environ["DATA_KEY"]))
    result = manage(env, "backup_restore", "--check", check=False)
    assert result.returncode != 0
    assert "数据检查未通过" in result.stderr


def test_a_restore_never_overwrites_a_database(round_trip: RoundTrip) -> None:
    database = round_trip.target / "portal.sqlite3"
    before = database.read_bytes()
    env = environment(round_trip.target)
    result = manage(env, "backup_restore", "--from", str(round_trip.backup), check=False)
    assert result.returncode != 0
    assert "不是空的" in result.stderr
    assert database.read_bytes() == before


def test_a_damaged_backup_is_refused_before_anything_is_written(
    round_trip: RoundTrip, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(round_trip.backup, damaged)
    with (damaged / "media.tar").open("r+b") as f:
        f.seek(5000)
        byte = f.read(1)
        f.seek(5000)
        f.write(bytes([byte[0] ^ 1]))
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    result = manage(environment(fresh, **keys()), "backup_restore", "--from", str(damaged), check=False)
    assert result.returncode != 0
    assert "media.tar 与清单不符" in result.stderr
    assert sorted(p.name for p in fresh.iterdir()) == []
    # And the copy tools without the portal see it too.
    assert shell(environment(fresh), f"cd {damaged} && sha256sum -c SHA256SUMS", check=False).returncode != 0


def test_a_backup_goes_only_into_a_new_folder(round_trip: RoundTrip) -> None:
    result = manage(
        environment(round_trip.source, **keys()), "backup_create", "--to", str(round_trip.backup), check=False
    )
    assert result.returncode != 0
    assert "目标目录不是空的" in result.stderr
