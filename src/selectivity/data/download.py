"""Fetching a source file from its canonical URL, verified by checksum before it is kept."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from ..io import atomic_path, file_digest
from .errors import DatasetError


def verify_md5(path: Path, expected: str, what: str, fix: str) -> None:
    actual = file_digest(path, "md5")
    if actual != expected:
        raise DatasetError(
            f"{path}: MD5 {actual} does not match the expected {expected} for {what}: the file is "
            f"truncated, corrupt or not the official one. {fix}"
        )


def download(url: str, dest: Path, md5: str) -> Path:
    """Download ``url`` to ``dest`` unless a copy with the right MD5 is already there."""
    if dest.exists():
        verify_md5(dest, md5, url, f"Delete {dest} to download it again.")
        return dest
    try:
        with atomic_path(dest) as tmp:
            urllib.request.urlretrieve(url, tmp)
            verify_md5(tmp, md5, url, "The download was damaged; run again.")
    except OSError as e:
        raise DatasetError(
            f"could not download {url} to {dest} ({e}). Without internet access, copy the file there "
            f"by hand or point the dataset's `source` key in the config at a local copy."
        ) from e
    return dest
