"""Atomic file output: every file is written to a temporary sibling and renamed into place,
so a killed process never leaves a half-written file at an output path."""

from __future__ import annotations

import contextlib
import errno
import glob
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator


# A failure while writing is reported as a full disk (ENOSPC) when the filesystem of the target has
# less than this many bytes available afterwards. Exceptions that carry no errno (torch.save's
# "RuntimeError: [enforce fail at inline_container.cc:...] unexpected pos ...") are only recognisable
# this way; a write that fails for lack of space fills the filesystem up to the block, so what is left
# is far below 1 MiB, while an unrelated failure on a disk with room to spare is not misreported.
DISK_FULL_BYTES = 1 << 20
_DISK_FULL_ERRNOS = frozenset(e for e in (errno.ENOSPC, getattr(errno, "EDQUOT", None)) if e is not None)


def _free_bytes(directory: Path) -> int | None:
    """Bytes available to unprivileged users on the filesystem holding ``directory`` (None if unknown)."""
    try:
        st = os.statvfs(directory)
    except (OSError, AttributeError):  # AttributeError: no os.statvfs (Windows)
        return None
    return st.f_bavail * st.f_frsize


def _has_disk_full_errno(exc: BaseException) -> bool:
    """True if ENOSPC/EDQUOT appears anywhere in ``exc``'s __cause__/__context__ chain."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, OSError) and e.errno in _DISK_FULL_ERRNOS:
            return True
        todo += [e.__cause__, e.__context__]
    return False


def _disk_full_error(exc: BaseException, path: Path) -> OSError | None:
    """The ENOSPC error to raise instead of ``exc`` if it was caused by a full disk, else None.

    Must be called before the partial temporary file is deleted (deleting it frees the space)."""
    free = _free_bytes(path.parent)
    if not (_has_disk_full_errno(exc) or (free is not None and free < DISK_FULL_BYTES)):
        return None
    return OSError(errno.ENOSPC,
                   f"no space left on {path.parent}: writing {path} failed "
                   f"({free if free is not None else 'an unknown number of'} bytes free on that filesystem); "
                   f"free some space and run the command again (nothing was written to {path})")


def _name_path(exc: BaseException, path: Path) -> None:
    """Mention ``path`` in ``exc`` without changing its type (a note; Python 3.11+, else unchanged)."""
    if hasattr(exc, "add_note"):
        note = f"while writing {path}"
        if note not in getattr(exc, "__notes__", ()):
            exc.add_note(note)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success rename it to ``path``, else delete it.

    ``path`` itself is only ever replaced whole (an existing file stays untouched on failure). A
    failure caused by a full disk (ENOSPC/EDQUOT in the exception chain, or -- for errors without an
    errno such as torch.save's RuntimeError -- less than ``DISK_FULL_BYTES`` left on the target's
    filesystem) is raised as ``OSError(ENOSPC, "no space left on <dir>: writing <path> failed ...")``
    chained to the original; any other exception keeps its type and gets a note naming ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:  # e.g. no inode left for the temporary file
        if _has_disk_full_errno(e):
            raise _disk_full_error(e, path) from e
        raise
    os.close(fd)
    tmp = Path(tmp)
    try:
        os.chmod(tmp, 0o644)  # mkstemp makes files private; outputs are ordinary files
        yield tmp
        with open(tmp, "rb") as f:  # make the bytes durable before the rename publishes them
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except Exception as e:  # not BaseException: KeyboardInterrupt, GeneratorExit, ... pass through untouched
        full = _disk_full_error(e, path)  # before the finally below deletes the partial file
        if full is not None:
            raise full from e
        _name_path(e, path)
        raise
    finally:
        tmp.unlink(missing_ok=True)


def remove_stale_temporaries(directory: str | os.PathLike, names: Iterable[str]) -> list[Path]:
    """Delete the temporary files that ``atomic_path`` left for ``names`` in ``directory`` when its
    process was killed (SIGKILL, OOM, node loss) before it could clean up; returns the deleted paths.
    Call it only where one process owns ``directory`` (a run's own output folder)."""
    directory = Path(directory)
    stale = [p for name in names for p in directory.glob(f".{glob.escape(name)}.*.tmp")]
    for p in stale:
        p.unlink(missing_ok=True)
    return stale


def write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_json(path: str | os.PathLike, obj: Any) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def torch_save(path: str | os.PathLike, obj: Any) -> None:
    import torch

    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def file_digest(path: str | os.PathLike, algorithm: str = "md5", chunk: int = 1 << 20) -> str:
    """Hex digest of a file's bytes."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def write_csv(df, path: str | Path) -> None:
    """A pandas table as CSV without its index, written atomically."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False)
