import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))


def run_cli(*args, check=True, **kw):
    """Run ``python -m selectivity ...`` from this checkout; returns the CompletedProcess."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-m", "selectivity", *map(str, args)], capture_output=True, text=True,
                          env=env, **kw)
    if check and proc.returncode != 0:
        raise AssertionError(f"selectivity {args} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def synthetic_npz(tmp_path_factory):
    """A prepared synthetic (CIFAR-10 format) dataset: 90 train / 10 val / 20 test images."""
    from selectivity.data import prepare_dataset

    out = tmp_path_factory.mktemp("data") / "synthetic.npz"
    prepare_dataset("synthetic", out)
    return out
