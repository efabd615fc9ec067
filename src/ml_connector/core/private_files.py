"""The data directory is private: created 0700, and every file this process creates in it (the store and its
WAL and shm files, the DuckDB warehouse, dlt pipelines, the X12 archive, the key file) is 0600.

``private_umask`` sets the process umask to 077 once, at bootstrap, so files that SQLite, DuckDB and dlt create
on their own come out private too. An existing directory or file that others can read is not changed behind
the user's back: :func:`too_open` names it and the log warns with the command that fixes it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import structlog

log = structlog.get_logger("ml_connector.files")

PRIVATE_UMASK = 0o077
_MAX_LISTED = 5
_MAX_SCANNED = 2000


def private_umask() -> None:
    os.umask(PRIVATE_UMASK)


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) 0700; warn when an existing one is open to others."""
    if not path.exists():
        path.mkdir(mode=0o700, parents=True)
        path.chmod(0o700)  # mkdir's mode is filtered through the umask of whoever called before us
        return
    found = too_open(path)
    if found:
        shown = ", ".join(f"{p} ({m:o})" for p, m in found[:_MAX_LISTED])
        more = f" and {len(found) - _MAX_LISTED} more" if len(found) > _MAX_LISTED else ""
        log.warning(
            "files.readable_by_others",
            data_dir=str(path),
            found=f"{shown}{more}",
            fix=f"chmod -R go-rwx {path}",
        )


def too_open(path: Path) -> list[tuple[Path, int]]:
    """The data directory and files in it that group or others may read, write or enter: (path, mode)."""
    out: list[tuple[Path, int]] = []
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        out.append((path, mode))
    for scanned, (folder, dirs, files) in enumerate(os.walk(path)):
        if scanned > _MAX_SCANNED:
            break
        for name in [*dirs, *files]:
            entry = Path(folder) / name
            try:
                entry_mode = stat.S_IMODE(entry.lstat().st_mode)
            except OSError:
                continue
            if not stat.S_ISLNK(entry.lstat().st_mode) and entry_mode & 0o077:
                out.append((entry, entry_mode))
    return out
