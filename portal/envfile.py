"""`var/portal.env` for commands typed by hand.

`make run` keeps the demo's SECRET_KEY (and anything else an operator adds) in
`$VAR_DIR/portal.env`, which the scripts source before starting a process. `manage.py` reads
the same file, so that a command from the README (`manage.py verify_certificate 文件.ofd`)
works in a fresh shell. A variable already in the environment wins: production sets its own
(systemd `EnvironmentFile=`), and the WSGI entry point never reads this file.

The format is the subset that both `sh` (`set -a; . var/portal.env`) and systemd read alike:
`NAME=value` lines, `#` comments, blank lines, an optional `export `, and a value optionally
wrapped in one pair of single or double quotes. Nothing is expanded.
"""

from __future__ import annotations

import os
import re
from collections.abc import MutableMapping
from pathlib import Path

_LINE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def parse(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(f"line {number} is not NAME=value: {raw!r}")
        name, value = match.group(1), match.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    return values


def default_path(environ: MutableMapping[str, str]) -> Path:
    var_dir = environ.get("VAR_DIR") or str(Path(__file__).resolve().parent.parent / "var")
    return Path(var_dir) / "portal.env"


def load(environ: MutableMapping[str, str] | None = None, path: Path | None = None) -> Path | None:
    """Sets each variable of the file that the environment does not have yet; returns the file
    read, or None when there is none."""
    environ = os.environ if environ is None else environ
    path = default_path(environ) if path is None else path
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return None
    try:
        values = parse(text)
    except ValueError as e:
        raise SystemExit(f"{path}: {e}") from None
    for name, value in values.items():
        environ.setdefault(name, value)
    return path
