"""How many cluster submissions a config makes, with and without packing.

Runs ``snakemake -n`` on the config (every target, nothing built yet) with ``pack_seeds`` set to
each K for every experiment, and counts from its job table:

  jobs          every job of the DAG (the local rule ``all`` left out)
  one_per_job   submissions when every job is its own sbatch (no job groups)
  submissions   submissions with the workflow's group "run": a training job together with the
                activation dumps, unit metrics and robustness of its runs is one sbatch

    python benchmarks/cluster_jobs.py --config config.yaml --pack 1 2 4 8
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
GROUPED = ("dump_activations", "unit_metrics", "robustness")  # rules that join their run's training job
LOCAL = ("all",)


def job_table(config: Path, workdir: Path) -> dict[str, int]:
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--snakefile", str(ROOT / "Snakefile"),
                           "--configfile", str(config), "--replace-workflow-config", "--quiet", "rules"],
                          cwd=workdir, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stdout[-3000:] + proc.stderr[-3000:])
    text = proc.stdout + proc.stderr
    table = text[text.index("Job stats:"):]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\S+)\s+(\d+)$", table, re.M) if m.group(1) != "total"}


def counts(table: dict[str, int]) -> dict[str, int]:
    jobs = sum(n for rule, n in table.items() if rule not in LOCAL)
    training = sum(n for rule, n in table.items() if rule == "train" or rule.startswith("train_"))
    grouped = sum(n for rule, n in table.items() if rule in GROUPED)
    return {"jobs": jobs, "training_jobs": training, "one_per_job": jobs, "submissions": jobs - grouped}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", default=str(ROOT / "config.yaml"))
    p.add_argument("--pack", type=int, nargs="+", default=[1, 4])
    args = p.parse_args(argv)
    config = yaml.safe_load(Path(args.config).read_text())
    print(f"{args.config}: every target, nothing built")
    print(f"{'pack_seeds':>10} {'jobs':>7} {'training jobs':>14} {'sbatch, one per job':>20} {'sbatch, grouped':>16}")
    with tempfile.TemporaryDirectory() as tmp:
        for k in args.pack:
            for exp in config["experiments"].values():
                exp["pack_seeds"] = k
            path = Path(tmp) / f"pack{k}.yaml"
            path.write_text(yaml.safe_dump(config))
            c = counts(job_table(path, Path(tmp)))
            print(f"{k:>10} {c['jobs']:>7} {c['training_jobs']:>14} {c['one_per_job']:>20} {c['submissions']:>16}")


if __name__ == "__main__":
    main()
