"""docs/operations.md「备份与恢复」 with the files in a bucket: the manual's AWS command lines
(versioning, the daily copy to the backup disk, the copy back into a new bucket) run as written
against moto's S3 server on loopback, around the same backup and restore lines as on one host.
Skipped where the AWS command line is not installed (the portal itself does not need it)."""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from portal.cluster import VENV_BIN, s3_client
from portal.tests.servers import free_port
from portal.tests.test_backup import demo_build, doc_block, environment, keys, read, run, shell

pytestmark = pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS command line is not installed")

BUCKET, NEW_BUCKET = "portal-files", "portal-files-restored"
# moto's, on loopback: any key is accepted.
AWS = {
    "AWS_ACCESS_KEY_ID": "backup-test",
    "AWS_SECRET_ACCESS_KEY": "backup-test",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture
def s3_endpoint(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(endpoint, timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


def bucket_settings(endpoint: str, bucket: str) -> dict[str, str]:
    return {
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": AWS["AWS_ACCESS_KEY_ID"],
        "S3_SECRET_ACCESS_KEY": AWS["AWS_SECRET_ACCESS_KEY"],
    }


def keys_in(client: Any, bucket: str) -> list[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def test_the_manuals_bucket_lines_back_up_and_bring_back_the_files(s3_endpoint: str, tmp_path: Path) -> None:
    client = s3_client(s3_endpoint)
    client.create_bucket(Bucket=BUCKET)
    source, backup_root, offsite, target = (tmp_path / n for n in ("source", "backups", "offsite", "target"))
    for folder in (source, backup_root, offsite, target):
        folder.mkdir()
    env = environment(source, **keys(), **bucket_settings(s3_endpoint, BUCKET))
    daily = {**env, **AWS, "BACKUP_ROOT": str(backup_root), "OFFSITE": f"{offsite}/"}

    shell(daily, doc_block("bucket-versioning"))
    assert client.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"

    demo_build(env)
    before = read(env)
    in_bucket = keys_in(client, BUCKET)
    assert any(key.startswith("cases/") for key in in_bucket)

    run(["deploy/backup.sh"], daily)
    (backup,) = (p for p in backup_root.iterdir() if p.name.startswith("2"))
    # The database only: the files are the bucket's, copied by its own tool beside it.
    assert sorted(p.name for p in backup.iterdir()) == ["SHA256SUMS", "manifest.json", "portal.sqlite3"]
    files = backup_root / "files"
    assert sorted(str(p.relative_to(files)) for p in files.rglob("*") if p.is_file()) == in_bucket
    assert (offsite / "files").is_dir()

    # The bucket is lost: a new one, filled back from the backup disk, then the host restored.
    client.create_bucket(Bucket=NEW_BUCKET)
    (target / "portal.env").write_text("".join(f"{k}={v}\n" for k, v in keys().items()))
    shutil.copytree(source / "keys", target / "keys")
    restore_env = {
        **environment(target, **bucket_settings(s3_endpoint, NEW_BUCKET)),
        **AWS,
        "BACKUP_ROOT": str(backup_root),
    }
    shell(restore_env, doc_block("bucket-restore"))
    assert keys_in(client, NEW_BUCKET) == in_bucket
    script = doc_block("restore")
    output = shell(restore_env, script)
    assert "数据检查通过" in output.stdout
    assert read(restore_env) == before
