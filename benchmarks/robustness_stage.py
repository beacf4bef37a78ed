"""Cost of one robustness job under two corruption settings, in one process, interleaved: the
demo's earlier 7 corruptions (gaussian_noise, impulse_noise, gaussian_blur, defocus_blur,
brightness, contrast, pixelate) against the benchmark's 15 (config/demo.yaml now), with the rest of
the demo's robustness settings (severities 1, 3, 5; attacks on 200 images; the dimensionality).

    python benchmarks/robustness_stage.py --model results/demo/resnet20/alpha_0/seed_0/model.pt \\
        --data data/demo/digits.npz --config config/demo.yaml --repeats 3

Prints each setting's median CPU seconds per job (one thread: wall time on a machine shared with
other work measures the others too) and wall seconds, their ratio, and the time of the demo's 21
jobs on 2 free cores that follows (jobs of equal cost, two at a time; Python's start-up not
included).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import torch  # noqa: E402
import yaml  # noqa: E402

from selectivity.config import robustness_settings, validate_config  # noqa: E402
from selectivity.robustness.evaluate import robustness_table  # noqa: E402

BEFORE = ["gaussian_noise", "impulse_noise", "gaussian_blur", "defocus_blur", "brightness", "contrast", "pixelate"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--config", default=str(ROOT / "config/demo.yaml"))
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--jobs", type=int, default=21, help="robustness jobs of the stage (the demo: 21)")
    p.add_argument("--cores", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(1)  # as a job of a 2-core run beside another job
    config = validate_config(yaml.safe_load(Path(args.config).read_text()),
                             ROOT / "workflow/schemas/config.schema.yaml")
    settings = robustness_settings(config)
    variants = {"7 corruptions (before)": {**settings, "corruptions": BEFORE},
                f"{settings['corruptions']} (now)": settings}
    cpu, wall = ({k: [] for k in variants} for _ in range(2))
    for _ in range(args.repeats):
        for name, s in variants.items():
            c0, t0 = time.process_time(), time.perf_counter()
            robustness_table(args.model, args.data, s)
            cpu[name].append(time.process_time() - c0)
            wall[name].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in cpu.items()}
    (a, ta), (b, tb) = med.items()
    for name, t in med.items():
        print(f"{name}: {t:.2f} CPU s per job ({statistics.median(wall[name]):.2f} s wall; medians of "
              f"{args.repeats}); the stage's {args.jobs} jobs on {args.cores} free cores: {t * args.jobs / args.cores:.0f} s")
    print(f"ratio {b} / {a}: {tb / ta:.2f}; added to the stage: {(tb - ta) * args.jobs / args.cores:.0f} s")


if __name__ == "__main__":
    main()
