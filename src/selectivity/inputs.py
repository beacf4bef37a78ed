"""Checked reading of the files a stage reads. A missing, unreadable (truncated, corrupt) or
incomplete file raises ``InputError`` with its path, what is wrong, and how to rebuild it (see
``selectivity.layout.rebuild_hint``) instead of a raw traceback (``BadZipFile``, ``Expecting
value``, ``PytorchStreamReader failed``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

import numpy as np

from .errors import InputError
from .layout import rebuild_hint


def input_error(path: str | Path, problem: str) -> InputError:
    return InputError(f"{path}: {problem}; {rebuild_hint(path)}")


def _exists(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: not found; {rebuild_hint(path, missing=True)}")


def _unreadable(path: Path, e: BaseException) -> InputError:
    detail = (str(e).splitlines() or [""])[0][:200]
    return input_error(path, f"unreadable, the file is truncated or corrupt ({type(e).__name__}: {detail})")


def _with_keys(path: Path, obj: dict, required: Iterable[str], what: str) -> dict:
    """``obj``, if it has every ``required`` key; else an InputError naming the missing ones."""
    missing = [k for k in required if k not in obj]
    if missing:
        raise input_error(path, f"lacks the {what} {missing} (written by an older version, or damaged)")
    return obj


def read_json(path: str | Path, required: Iterable[str] = ()) -> dict:
    """A JSON object with at least the ``required`` keys."""
    path = Path(path)
    _exists(path)
    try:
        obj = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise _unreadable(path, e) from e
    if not isinstance(obj, dict):
        raise input_error(path, f"holds a JSON {type(obj).__name__}, not an object")
    return _with_keys(path, obj, required, "keys")


def torch_load(path: str | Path, map_location="cpu", required: Iterable[str] = ()) -> dict:
    """A checkpoint dict (``torch.load(weights_only=True)``) with at least the ``required`` keys."""
    import torch

    path = Path(path)
    _exists(path)
    try:
        obj = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # noqa: BLE001 -- torch raises RuntimeError, OSError, EOFError, UnpicklingError, ...
        raise _unreadable(path, e) from e
    if not isinstance(obj, dict):
        raise input_error(path, f"holds a {type(obj).__name__}, not a checkpoint dict")
    return _with_keys(path, obj, required, "entries")


def load_npz(path: str | Path, required: Iterable[str] = ()) -> dict[str, np.ndarray]:
    """Every array of an .npz (read eagerly, so a truncated member fails here), with at least the
    ``required`` names."""
    path = Path(path)
    _exists(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {name: z[name] for name in z.files}
    except Exception as e:  # noqa: BLE001 -- BadZipFile, EOFError, zlib.error, ValueError, OSError, ...
        raise _unreadable(path, e) from e
    missing = [k for k in required if k not in arrays]
    if missing:
        raise input_error(path, f"lacks the arrays {missing}")
    return arrays


def read_csv(path: str | Path, columns: Iterable[str] = ()):
    """A CSV as a DataFrame with at least ``columns`` and at least one row."""
    import pandas as pd

    path = Path(path)
    _exists(path)
    try:
        df = pd.read_csv(path)
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise _unreadable(path, e) from e
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise input_error(path, f"lacks the columns {missing}")
    if df.empty:
        raise input_error(path, "has no rows")
    return df


def require(condition: bool, path: str | Path, problem: str) -> None:
    """Raise the InputError of ``path`` with ``problem`` unless ``condition`` holds."""
    if not condition:
        raise input_error(path, problem)
