"""Write constraints.txt and envs/selectivity.yaml from a resolved environment (`make lock`).

Usage: python scripts/write_lock.py PATH/TO/pip
"""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = """# Exact versions for every install of this project (pip install -c constraints.txt ...).
# torch 2.13.0: the CPU wheel on CPU machines, the CUDA build of the same version on GPU machines.
# Regenerate: make lock (keeps this file and envs/selectivity.yaml in agreement).
"""
ENV_HEADER = """# Conda environment of the workflow's rules (snakemake --software-deployment-method conda).
# Versions are those of constraints.txt (tests/test_environment.py checks they agree); the rules
# import the selectivity package from this checkout's src/ (PYTHONPATH set by the workflow).
# On a Linux GPU node, pip's torch==2.13.0 is the CUDA build of the same version.
name: selectivity
channels:
  - conda-forge
  - nodefaults
dependencies:
  - python=3.11
  - pip
  - pip:
"""


def main(pip: str) -> None:
    frozen = subprocess.run([pip, "freeze", "--exclude-editable"], capture_output=True, text=True, check=True).stdout
    pins = {}
    for line in frozen.splitlines():
        if "==" in line:
            name, version = line.split("==")
            pins[name] = version.split("+")[0]  # torch 2.13.0+cpu -> 2.13.0
    (ROOT / "constraints.txt").write_text(HEADER + "".join(f"{n}=={v}\n" for n, v in pins.items()))
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = [d.split(">")[0].split("=")[0].split("<")[0].strip() for d in deps]
    lookup = {n.lower().replace("_", "-"): (n, v) for n, v in pins.items()}
    lines = [f"      - {lookup[n.lower()][0]}=={lookup[n.lower()][1]}\n" for n in names]
    (ROOT / "envs/selectivity.yaml").write_text(ENV_HEADER + "".join(lines))


if __name__ == "__main__":
    main(sys.argv[1])
