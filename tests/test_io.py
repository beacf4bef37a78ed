"""selectivity.io: atomic writes, and a clear ENOSPC error when the disk fills up during one."""

import errno
import gc
import os
import shutil
import subprocess
import sys
import types

import pytest

from selectivity import io

TORCH_POS_ERROR = "[enforce fail at inline_container.cc:664] . unexpected pos 42270 vs 42208"


def _leftover_tmp(directory, name):
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(f".{name}.") and p.name.endswith(".tmp"))


def _assert_disk_full(exc, directory, target):
    assert isinstance(exc, OSError) and exc.errno == errno.ENOSPC, repr(exc)
    msg = str(exc)
    assert f"no space left on {directory}" in msg
    assert str(target) in msg
    assert exc.__cause__ is not None  # chained to the original failure


@pytest.fixture
def tiny_fs(tmp_path):
    """A 64 KiB tmpfs mounted on a fresh directory (a real filesystem that fills up); skipped if we cannot mount."""
    if not sys.platform.startswith("linux"):
        pytest.skip("tmpfs mounting needs Linux")
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount, umount = shutil.which("mount"), shutil.which("umount")
    if not mount or not umount:
        pytest.skip("no mount/umount binary")
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    proc = subprocess.run([mount, "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {proc.stderr.strip() or proc.returncode}")
    try:
        yield mnt
    finally:
        gc.collect()  # torch's failed writer keeps its file open until the exception's frames are collected
        if subprocess.run([umount, str(mnt)]).returncode != 0:
            subprocess.run([umount, "-l", str(mnt)], check=True)


# --- a real full disk ------------------------------------------------------------------------------

def test_torch_save_on_full_disk_raises_enospc_and_leaves_nothing(tiny_fs):
    torch = pytest.importorskip("torch")
    target = tiny_fs / "state.pt"
    with pytest.raises(OSError) as info:
        io.torch_save(target, {"w": torch.zeros(100_000)})
    _assert_disk_full(info.value, tiny_fs, target)
    assert not target.exists()
    assert _leftover_tmp(tiny_fs, "state.pt") == []


def test_failed_overwrite_on_full_disk_keeps_existing_target(tiny_fs):
    torch = pytest.importorskip("torch")
    target = tiny_fs / "state.pt"
    target.write_bytes(b"previous checkpoint")
    with pytest.raises(OSError) as info:
        io.torch_save(target, {"w": torch.zeros(100_000)})
    _assert_disk_full(info.value, tiny_fs, target)
    assert target.read_bytes() == b"previous checkpoint"
    assert _leftover_tmp(tiny_fs, "state.pt") == []


def test_write_text_on_full_disk_raises_enospc(tiny_fs):
    target = tiny_fs / "big.txt"
    with pytest.raises(OSError) as info:
        io.write_text(target, "x" * 1_000_000)
    _assert_disk_full(info.value, tiny_fs, target)
    assert not target.exists()
    assert _leftover_tmp(tiny_fs, "big.txt") == []


# --- simulated failures (always run) ---------------------------------------------------------------

def _fake_statvfs(monkeypatch, directory, free_bytes):
    real = os.statvfs

    def statvfs(p):
        if os.path.realpath(p) == os.path.realpath(directory):
            return types.SimpleNamespace(f_bavail=free_bytes // 4096, f_frsize=4096)
        return real(p)

    monkeypatch.setattr(os, "statvfs", statvfs)


def _torch_like_failure(target):
    with io.atomic_path(target) as tmp:
        tmp.write_bytes(b"partial")
        raise RuntimeError(TORCH_POS_ERROR)


def test_errno_less_error_with_no_free_space_becomes_enospc(tmp_path, monkeypatch):
    _fake_statvfs(monkeypatch, tmp_path, 0)
    target = tmp_path / "state.pt"
    with pytest.raises(OSError) as info:
        _torch_like_failure(target)
    _assert_disk_full(info.value, tmp_path, target)
    assert isinstance(info.value.__cause__, RuntimeError) and TORCH_POS_ERROR in str(info.value.__cause__)
    assert "0 bytes free" in str(info.value)
    assert not target.exists() and _leftover_tmp(tmp_path, "state.pt") == []


def test_errno_less_error_with_free_space_keeps_type_and_names_path(tmp_path, monkeypatch):
    _fake_statvfs(monkeypatch, tmp_path, 100 << 30)
    target = tmp_path / "state.pt"
    with pytest.raises(RuntimeError) as info:
        _torch_like_failure(target)
    assert type(info.value) is RuntimeError
    assert TORCH_POS_ERROR in str(info.value)
    described = "\n".join([str(info.value), *getattr(info.value, "__notes__", [])])
    assert str(target) in described
    assert not target.exists() and _leftover_tmp(tmp_path, "state.pt") == []


def test_enospc_oserror_from_body_becomes_clear_message(tmp_path):
    target = tmp_path / "table.csv"
    original = OSError(errno.ENOSPC, "No space left on device")
    with pytest.raises(OSError) as info:
        with io.atomic_path(target) as tmp:
            tmp.write_text("a,b\n")
            raise original
    _assert_disk_full(info.value, tmp_path, target)
    assert info.value.__cause__ is original
    assert not target.exists() and _leftover_tmp(tmp_path, "table.csv") == []


def test_enospc_deeper_in_exception_chain_is_detected(tmp_path):
    target = tmp_path / "fig.png"
    with pytest.raises(OSError) as info:
        with io.atomic_path(target):
            try:
                raise OSError(errno.EDQUOT, "Disk quota exceeded")
            except OSError as e:
                raise ValueError("could not write figure") from e
    _assert_disk_full(info.value, tmp_path, target)
    assert isinstance(info.value.__cause__, ValueError)


def test_enospc_from_rename_becomes_clear_message(tmp_path, monkeypatch):
    target = tmp_path / "out.json"
    target.write_text("old\n")

    def replace(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError) as info:
        io.write_json(target, {"a": 1})
    _assert_disk_full(info.value, tmp_path, target)
    assert target.read_text() == "old\n"
    assert _leftover_tmp(tmp_path, "out.json") == []


def test_remove_stale_temporaries_deletes_only_leftovers_of_the_named_outputs(tmp_path):
    # what a SIGKILL during atomic_path leaves: ".<name>.<random>.tmp" next to the target
    left = [tmp_path / ".model.pt.abc123.tmp", tmp_path / ".log.csv.x_y.tmp"]
    kept = [tmp_path / "model.pt", tmp_path / ".other.csv.abc.tmp", tmp_path / "model.pt.tmp",
            tmp_path / ".model.ptx.abc.tmp"]
    for p in left + kept:
        p.write_text("x")
    removed = io.remove_stale_temporaries(tmp_path, ["model.pt", "log.csv", "summary.json"])
    assert sorted(removed) == sorted(left)
    assert not any(p.exists() for p in left) and all(p.exists() for p in kept)
