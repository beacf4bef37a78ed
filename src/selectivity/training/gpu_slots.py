"""Spread concurrent training processes over the visible GPUs (several runs per GPU).

Snakemake bounds how many training jobs run at once (``--resources gpu=N``); this module decides
which GPU each one uses: the one that fewest live processes of this package hold. A process holds
a GPU through an exclusive ``flock`` on a file ``gpu<i>.<slot>`` in the lock directory; the kernel
drops the lock when the process ends, however it ends, so no stale claims survive a crash.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path

_HELD: list = []  # lock files held for the life of this process


def default_lock_dir() -> Path:
    """$SELECTIVITY_GPU_LOCK_DIR, else a per-user folder in the temp directory."""
    env = os.environ.get("SELECTIVITY_GPU_LOCK_DIR")
    return Path(env) if env else Path(tempfile.gettempdir()) / f"selectivity-gpu-locks-{os.getuid()}"


def _try_lock(path: Path):
    f = open(path, "a+")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.close()
        return None
    return f


def holders(path_dir: Path, device: int) -> int:
    """How many live processes hold device ``device`` (locks that cannot be taken)."""
    count = 0
    for path in path_dir.glob(f"gpu{device}.*"):
        f = _try_lock(path)
        if f is None:
            count += 1
        else:
            f.close()
    return count


def acquire_gpu(n_devices: int, lock_dir: str | Path | None = None) -> int:
    """Claim the least-used of ``n_devices`` GPUs for this process; returns its index.

    The claim lasts until the process exits (or ``release_all``). Choosing and claiming happen under
    one directory-wide lock, so processes started together still spread out.
    """
    if n_devices <= 1:
        return 0
    lock_dir = Path(lock_dir) if lock_dir is not None else default_lock_dir()
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / "choose.lock", "a+") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        load = [holders(lock_dir, d) for d in range(n_devices)]
        device = min(range(n_devices), key=lambda d: (load[d], d))
        slot = 0
        while True:
            f = _try_lock(lock_dir / f"gpu{device}.{slot}")
            if f is not None:
                _HELD.append(f)
                return device
            slot += 1


def release_all() -> None:
    """Give up every claim of this process (tests; a process's claims also end with it)."""
    while _HELD:
        _HELD.pop().close()
