"""The GPU check: one command that, on one GPU and within a hard time budget (8 minutes), records
the device, checks the CUDA paths against the CPU, measures the trainer against the standard
baseline, profiles an epoch and prints the paper sweep's GPU-hours. When a session has a GPU,
this is the first thing it runs; its results go under docs/performance/gpu/<device name>/.

    PYTHONPATH=src python3 benchmarks/gpu_check.py                     # one GPU: <= 480 s in all
    PYTHONPATH=src python3 benchmarks/gpu_check.py --out-root "$OUT"   # the device machine ($OUT/<device>/)
    PYTHONPATH=src python3 benchmarks/gpu_check.py --cpu-quick         # every section at toy sizes on the CPU (CI)
    make gpu-check [GPU_CHECK_ARGS=...]                                # the same, with .venv's python if there is one

Sections, the most valuable numbers first (a session may have less time than planned):

  device       device name, memory, torch / CUDA / cuDNN / Python versions (this process, first)
  checks       a few training steps on CUDA against the CPU (``step_agreement.py``): float64 on both
               devices (the device, channels-last, a stack of K seeds against its single runs:
               equal up to float64 rounding), TF32 (PyTorch's default for float32
               convolutions), float32 without TF32, and bf16 autocast against float64, each within
               a tolerance derived from its rounding unit (docs/performance.md, "CUDA against CPU")
  throughput   the trainer against train_throughput.py's standard baseline, ResNet20 and VGG16 at
               CIFAR-10 shape: alpha = 0 and alpha != 0, fp32 and bf16
  concurrency  1, 2, 4, 8 trainer processes sharing the GPU (aggregate)
  stacks       K = 1, 2, 4, 8, 16 seeds as one stack (``pack_seeds``)
  profile      one epoch under torch.profiler: the top items by GPU time, kernel launches per step
  compile      torch.compile of the training step (mode ``--compile-mode``): the compiled step in
               float64 against the eager one (a row of checks.csv), then its speed

Budget: the sections share ``--budget`` seconds (480; the planned seconds of each are in
SECTION_SECONDS, scaled to the budget). Each section ends at its planned time, counted from the
start of the first section, so time an earlier section leaves unused goes to the later ones,
never the other way. The sections run in a worker process; an item that would not fit in what is
left of its section (estimated from the last item of its kind) is skipped, a training run stops
at the end of an epoch past the section's end, and a worker still busy a few seconds after it is
killed, its item recorded as stopped and the next section started in a fresh worker. Every item
ends as done, skipped, stopped or failed, with the reason, in sections.csv; all files are
rewritten after every item, so what was measured is on disk whenever the check ends.

Outputs (one folder; default docs/performance/gpu/<device name, filesystem-safe>/, with --cpu-quick
results/gpu_check/<cpu>-quick/): device.csv, checks.csv, throughput.csv, profile.csv, sweep.csv,
sections.csv, summary.md (the README-ready tables) and log.txt. Exit status 1 if a check failed or
an item raised an error, else 0. Needs only torch, numpy, pandas and PyYAML (no snakemake, no
jsonschema: a bare GPU machine has neither).
"""

from __future__ import annotations

import time

STARTED = time.time()  # the budget counts from here, before the imports of torch and pandas

import argparse
import gc
import json
import math
import os
import platform
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import step_agreement as sa  # noqa: E402
import train_throughput as tt  # noqa: E402
from selectivity.training.speed import use_channels_last  # noqa: E402
from selectivity.io import write_text  # noqa: E402
from selectivity.models import build_model  # noqa: E402
from selectivity.training.config import RunConfig  # noqa: E402
from selectivity.training.loop import epoch_batches, prepare_run, train_steps  # noqa: E402
from selectivity.training.networks import SingleModel  # noqa: E402
from selectivity.training.speed import Speed, speed_settings  # noqa: E402

SECTIONS = ("checks", "throughput", "concurrency", "stacks", "profile", "compile")
# planned seconds of every section at the default budget, and the seconds kept for the device
# section, worker start-ups, the grace before a kill and the last write
SECTION_SECONDS = {
    "gpu": {"checks": 90, "throughput": 105, "concurrency": 75, "stacks": 60, "profile": 25, "compile": 85},
    "cpu-quick": {"checks": 60, "throughput": 60, "concurrency": 45, "stacks": 30, "profile": 20, "compile": 5},
}
RESERVE_SECONDS = {"gpu": 40, "cpu-quick": 20}
GRACE_SECONDS = {"gpu": 5, "cpu-quick": 3}  # a busy worker is killed this long after its section's end
ALPHA = 1.0  # the alpha != 0 of the regularized rows and of the checks
MODELS = ("resnet20", "vgg16")
OUTPUT_FILES = ("device.csv", "checks.csv", "throughput.csv", "profile.csv", "sweep.csv", "sections.csv",
                "summary.md", "log.txt")
EVENT = "@@gpu_check "  # prefix of the worker's event lines on its stdout
TEST_STALL = "GPU_CHECK_TEST_STALL"  # tests only: an item id the worker sleeps in (the kill path)

# sizes: train_throughput's presets (full: CIFAR-10's 45,000 / 5,000 images; smoke: toy)
TRAIN_SIZES = {"gpu": dict(tt.PRESETS["full"], epochs=3), "cpu-quick": dict(tt.PRESETS["smoke"])}
STACK_SIZES = {"gpu": dict(TRAIN_SIZES["gpu"], images=11520, val_images=1280),  # 45 steps, train:val 9:1
               "cpu-quick": dict(TRAIN_SIZES["cpu-quick"])}
CHECK_SIZES = {  # model -> (width, batch size, steps) of the step checks
    "gpu": {"resnet20": (1.0, 128, 3), "vgg16": (1.0, 64, 2)},
    "cpu-quick": {"resnet20": (0.25, 16, 2), "vgg16": (0.25, 16, 2)},
}
CONCURRENCY = (1, 2, 4, 8)
STACKS = (1, 2, 4, 8, 16)


class BudgetStop(Exception):
    """The section's time is up: the item stops cleanly."""


# ------------------------------------------------------------------------------------------------
# the plan: every item of every section, in order


def _item(section: str, model: str, what: str, kind: str, **params) -> dict:
    return {"id": f"{section}: {model} {what}", "section": section, "kind": kind, "model": model, **params}


def build_plan(mode: str, compile_mode: str) -> list[dict]:
    """Every item of the check, in order. Items the mode cannot run carry ``skip`` (the reason)."""
    cuda = mode == "gpu"
    items = []
    for model in MODELS:  # checks: ResNet20 in full, then VGG16, then compile (slow to compile)
        c = dict(zip(("width", "batch_size", "steps"), CHECK_SIZES[mode][model]))
        items += [
            _item("checks", model, "reference: CPU float64", "check_reference", **c),
            _item("checks", model, f"{'CUDA' if cuda else 'CPU'} float64 channels-last against CPU float64",
                  "check_device64", channels_last=True, **c),
        ]
        if model == "resnet20":
            items.append(_item("checks", model, f"stack of {4 if cuda else 2} seeds against its single runs (float64)",
                               "check_stack64", stack=4 if cuda else 2, channels_last=True, **c))
        items += [_item("checks", model, "TF32 convolutions (the trainer's fp32 on CUDA, PyTorch's default)",
                        "check_precision", arithmetic="tf32", channels_last=True,
                        skip=None if cuda else "needs CUDA (TF32 is cuDNN's float32 arithmetic)", **c),
                  _item("checks", model, "bf16 autocast", "check_precision", arithmetic="bf16", channels_last=cuda, **c)]
        if model == "resnet20":
            items += [_item("checks", model, "float32 without TF32, channels-last", "check_precision",
                            arithmetic="fp32", channels_last=True, **c),
                      _item("checks", model, "float32 without TF32, NCHW", "check_precision", arithmetic="fp32",
                            channels_last=False, **c)]

    sizes, stack_sizes = TRAIN_SIZES[mode], STACK_SIZES[mode]

    def trainer(section, model, alpha, precision="fp32", compile="none", stack=1, processes=1, s=sizes, skip=None):
        what = f"trainer alpha={alpha:g} {precision}" + (f" compile {compile}" if compile != "none" else "")
        what += f", stack of {stack}" if stack > 1 or section == "stacks" else ""
        what += f", {processes} processes" if section == "concurrency" else ""
        return _item(section, model, what, "concurrent" if section == "concurrency" else "trainer", alpha=alpha,
                     precision=precision, compile=compile, stack=stack, processes=processes, sizes=s, skip=skip)

    quick = not cuda  # the quick mode runs every kind of item once or twice, for seconds each
    subset = "CPU quick mode: a subset (every kind of item, at least once)"
    for model in MODELS:  # the main settings first: baseline and the paper's fp32 trainer, both models
        items += [_item("throughput", model, "baseline (DataLoader, fp32, NCHW)", "baseline", sizes=sizes),
                  trainer("throughput", model, ALPHA)]
    for model in MODELS:
        items.append(trainer("throughput", model, 0.0, skip=subset if quick and model == "vgg16" else None))
    for alpha in (ALPHA, 0.0):
        for model in MODELS:
            items.append(trainer("throughput", model, alpha, "bf16",
                                 skip=subset if quick and (model == "vgg16" or alpha == 0) else None))
    for model in MODELS:
        for k in CONCURRENCY:
            items.append(trainer("concurrency", model, ALPHA, processes=k,
                                 skip=subset if quick and (k != 2 or model == "vgg16") else None))
    for model in MODELS:
        for k in STACKS:
            items.append(trainer("stacks", model, ALPHA, stack=k, s=stack_sizes,
                                 skip=subset if quick and (k > 2 or model == "vgg16") else None))
    for model in MODELS:
        items.append(_item("profile", model, f"trainer alpha={ALPHA:g} fp32, one epoch", "profile", alpha=ALPHA,
                           sizes=stack_sizes, skip=subset if quick and model == "vgg16" else None))
    # compile: first its check (the compiled step in float64 against the eager one; its row goes to
    # checks.csv), then its speed; last, as compiling takes the longest and changes no result
    slow = None if cuda else "CPU quick mode: inductor's CPU code generation takes minutes"
    c = dict(zip(("width", "batch_size", "steps"), CHECK_SIZES[mode]["resnet20"]))
    items.append(_item("compile", "resnet20", f"torch.compile({compile_mode!r}) float64 against eager",
                       "check_compile64", channels_last=True, compile=compile_mode, skip=slow, **c))
    for alpha, precision in ((ALPHA, "fp32"), (ALPHA, "bf16"), (0.0, "fp32")):
        for model in MODELS:
            items.append(trainer("compile", model, alpha, precision, compile=compile_mode, skip=slow))
    ids = [i["id"] for i in items]
    assert len(set(ids)) == len(ids), "item ids must be unique"
    return items


def item_cost(item: dict) -> float:
    """Relative cost of an item within its kind and model (for the estimate that skips an item)."""
    if item["kind"].startswith("check"):
        return item["batch_size"] * item["steps"] * item.get("stack", 1)
    s = item.get("sizes", {})
    return s.get("images", 1) * s.get("epochs", 1) * item.get("stack", 1) * item.get("processes", 1)


# ------------------------------------------------------------------------------------------------
# the worker: runs items, reports events on stdout


def emit(**event) -> None:
    print(EVENT + json.dumps(event), flush=True)


class Worker:
    def __init__(self, mode: str):
        self.mode = mode
        self.device = torch.device("cuda" if mode == "gpu" else "cpu")
        self.cache: dict = {}  # check runs: (what, model) -> Steps; gains
        self.last: dict = {}  # (section, kind, model) -> (seconds, cost) of the last finished item

    # --- budget -----------------------------------------------------------------------------------
    def estimate(self, item: dict) -> tuple[float, str] | None:
        last = self.last.get((item["section"], item["kind"], item["model"]))
        if last is None:
            return None
        seconds, cost, name = last
        return seconds * item_cost(item) / cost, name

    def run(self, items: list[dict], deadlines: dict[str, float]) -> None:
        for item in items:
            deadline = deadlines[item["section"]]
            left = deadline - time.time()
            if left <= 0:
                emit(event="end", item=item["id"], status="skipped", seconds=0.0,
                     reason="the section's time was spent before this item")
                continue
            guess = self.estimate(item)
            if guess and guess[0] > left:
                emit(event="end", item=item["id"], status="skipped", seconds=0.0,
                     reason=f"needs about {guess[0]:.0f} s (scaled from {guess[1]!r}), {left:.0f} s left in the section")
                continue
            emit(event="start", item=item["id"])
            t0 = time.time()
            status, reason = "done", ""
            try:
                if os.environ.get(TEST_STALL) == item["id"]:
                    time.sleep(3600)
                rows, reason = RUNNERS[item["kind"]](self, item, deadline)
                for table, row in rows:
                    emit(event="row", table=table, row=dict(row, section=item["section"], item=item["id"]))
            except BudgetStop as e:
                status, reason = "stopped", str(e)
            except Exception as e:  # noqa: BLE001 -- one item's error must not end the check
                traceback.print_exc()
                status, reason = "failed", f"{type(e).__name__}: {(str(e).splitlines() or [''])[0][:300]}"
            seconds = time.time() - t0
            if status == "done":
                self.last[(item["section"], item["kind"], item["model"])] = (seconds, item_cost(item), item["id"])
            emit(event="end", item=item["id"], status=status, seconds=seconds, reason=reason)
            gc.collect()
            if self.device.type == "cuda":
                torch.cuda.empty_cache()

    def stop_after(self, deadline: float):
        def check(*_):
            if time.time() > deadline:
                raise BudgetStop("the section's time ran out during this item (stopped at the end of an epoch)")
        return check

    # --- checks ----------------------------------------------------------------------------------
    def check_data(self, item: dict):
        key = ("data", item["batch_size"], item["steps"])
        if key not in self.cache:
            self.cache[key] = tt.cifar_shaped(item["batch_size"] * item["steps"], item["batch_size"])
        return self.cache[key]

    def check_cfg(self, item: dict, seed: int = 0, **kw) -> RunConfig:
        return RunConfig(model=item["model"], dataset="cifar10", alpha=ALPHA, seed=seed, batch_size=item["batch_size"],
                         model_options={"width": item["width"]}, lr_milestones=(10_000,), **kw)

    def steps(self, item: dict, device: torch.device, channels_last: bool, precision="fp32", compile="none",
              seeds=(0,), steps: int | None = None, **kw) -> list:
        """``steps`` (default: the item's) steps of the item's run(s) on its data (``step_agreement``)."""
        speed = Speed(device, channels_last, precision, compile)
        return sa.train_steps_of([self.check_cfg(item, s, compile=compile) for s in seeds], self.check_data(item),
                                 speed, steps or item["steps"], **kw)

    def cpu_reference(self, item: dict):
        key = ("cpu64", item["model"])
        if key not in self.cache:
            self.cache[key] = self.steps(item, torch.device("cpu"), False, arithmetic="fp64", double=True,
                                         record_decisions=True)[0]
        return self.cache[key]

    def device_reference(self, item: dict):
        """The device's float64 run (channels-last) and the gain of its S steps."""
        key = ("device64", item["model"])
        if key not in self.cache:
            ref = self.steps(item, self.device, True, arithmetic="fp64", double=True, record_decisions=True)[0]
            nudged = self.steps(item, self.device, True, arithmetic="fp64", double=True,
                                perturb_gradient=sa.GAIN_PERTURBATION)[0]
            self.cache[key] = ref
            self.cache[("gain", item["model"])] = sa.gain(ref, nudged)
        return self.cache[key], self.cache[("gain", item["model"])]

    def check_row(self, item: dict, check: str, reference: str, diffs: dict, arithmetic: str, pair: bool,
                  gain: float | None, warnings=(), flips=float("nan")) -> dict:
        """A checks.csv row: the differences, the tolerances, pass or FAIL. ``pair``: both sides
        computed in the same arithmetic (each within the bound of the exact result: twice the bound);
        ``gain`` given: the S-step update is checked too (float64 only)."""
        model = build_model(item["model"], 10, 3, width=item["width"])
        tol = sa.tolerances(model, arithmetic, item["batch_size"], 32, diffs["input_rel_diff"])
        factor = 2.0 if pair else 1.0
        tol_fwd, tol_grad = factor * tol["forward"], factor * tol["gradient"]
        tol_steps = (factor * sa.steps_tolerance(tol["gradient"], gain, item["steps"], diffs["weight_over_update"])
                     if gain is not None else float("nan"))
        fractions = [diffs["ce_rel_diff_step1"] / tol_fwd, diffs["si_abs_diff_step1"] / tol_fwd,
                     diffs["grad_rel_diff_step1"] / tol_grad]
        if gain is not None:
            fractions.append(diffs["update_rel_diff"] / tol_steps)
        inputs_ok = diffs["labels_equal"] and diffs["input_rel_diff"] <= 2 * sa.UNIT_ROUNDOFF["fp32"]
        passed = inputs_ok and all(f <= 1 for f in fractions)  # False for NaN
        return {"model": item["model"], "check": check, "device": self.device.type if check != "reference" else "cpu",
                "arithmetic": arithmetic, "channels_last": item.get("channels_last", False),
                "compile": item.get("compile", "none"), "stack": item.get("stack", 1), "width": item["width"],
                "batch_size": item["batch_size"], "steps": item["steps"], "alpha": ALPHA, "reference": reference,
                **{k: v for k, v in diffs.items() if k != "weight_over_update"},
                "forward_tolerance": tol_fwd, "gradient_tolerance": tol_grad, "decision_flip_fraction": flips,
                "steps_tolerance": tol_steps, "gain": gain if gain is not None else float("nan"),
                "worst_fraction_of_tolerance": float("nan") if any(map(math.isnan, fractions)) else max(fractions),
                "result": "pass" if passed else "FAIL",
                "warnings": " | ".join(warnings)}


def run_check_reference(w: Worker, item: dict, deadline: float):
    ref = w.cpu_reference(item)
    row = {"model": item["model"], "check": "reference: CPU float64", "device": "cpu", "arithmetic": "fp64",
           "channels_last": False, "compile": "none", "stack": 1, "width": item["width"],
           "batch_size": item["batch_size"], "steps": item["steps"], "alpha": ALPHA, "reference": "",
           "ce_step1": float(ref.losses[0, 1]), "si_step1": float(ref.losses[0, 2]), "result": "reference"}
    return [("checks", row)], ""


def run_check_device64(w: Worker, item: dict, deadline: float):
    ref = w.cpu_reference(item)
    dev, gain = w.device_reference(item)
    diffs = sa.compare(ref, dev)
    row = w.check_row(item, item["id"].split(" ", 2)[2], "CPU float64, NCHW", diffs, "fp64", True, gain,
                      flips=sa.decision_flips(ref, dev))
    return [("checks", row)], ""


def run_check_stack64(w: Worker, item: dict, deadline: float):
    _, gain = w.device_reference(item)
    seeds = tuple(range(item["stack"]))
    singles = [w.steps(item, w.device, True, arithmetic="fp64", double=True, seeds=(s,))[0] for s in seeds]
    stacked = w.steps(item, w.device, True, arithmetic="fp64", double=True, seeds=seeds)
    rows = [w.check_row(item, item["id"].split(" ", 2)[2], f"the single run of seed {s} (the stack's worst seed)",
                        sa.compare(a, b), "fp64", True, gain) for s, a, b in zip(seeds, singles, stacked)]
    worst = max(rows, key=lambda r: (r["result"] == "FAIL", r["worst_fraction_of_tolerance"]))  # a FAIL first
    return [("checks", worst)], ""


def run_check_precision(w: Worker, item: dict, deadline: float):
    ref, _ = w.device_reference(item)
    a = item["arithmetic"]
    got = w.steps(item, w.device, item["channels_last"], "bf16" if a == "bf16" else "fp32", arithmetic=a,
                  record_decisions=True)[0]
    same_decisions = w.steps(item, w.device, item["channels_last"], steps=1, arithmetic="fp64", double=True,
                         decisions=got.decisions)[0]  # step 1 in float64, got's decisions
    diffs = sa.compare(ref, got, same_decisions)
    diffs["grad_rel_diff_step1_ref_decisions"] = sa.compare(ref, got)["grad_rel_diff_step1"]  # for contrast
    row = w.check_row(item, item["id"].split(" ", 2)[2], f"{w.device.type} float64 (gradient: same ReLU / max-pool decisions)",
                      diffs, a, False, None, got.warnings, sa.decision_flips(ref, got))
    return [("checks", row)], ""


def run_check_compile64(w: Worker, item: dict, deadline: float):
    ref, gain = w.device_reference(item)
    got = w.steps(item, w.device, True, compile=item["compile"], arithmetic="fp64", double=True)[0]
    row = w.check_row(item, item["id"].split(" ", 2)[2], f"{w.device.type} float64, eager", sa.compare(ref, got),
                      "fp64", True, gain, got.warnings)
    fallbacks = [m for m in got.warnings if "torch.compile" in m]
    if fallbacks:  # the eager step ran: nothing about compiled code was checked
        row["result"] = "not checked: compile fell back to eager"
    return [("checks", row)], "torch.compile fell back to eager: " + fallbacks[0] if fallbacks else ""


# --- throughput items ------------------------------------------------------------------------------

def throughput_args(w: Worker, item: dict, precision="fp32", compile="none"):
    s = item["sizes"]
    return tt.parse_args(["--models", item["model"], "--images", str(s["images"]), "--val-images", str(s["val_images"]),
                          "--batch-size", str(s["batch_size"]), "--epochs", str(s["epochs"]), "--width", str(s["width"]),
                          "--workers", str(s["workers"]), "--alpha", str(item.get("alpha", ALPHA)),
                          "--precision", precision, "--compile", compile, "--device", w.device.type])


def throughput_data(w: Worker, sizes: dict):
    key = ("train data", sizes["images"], sizes["val_images"])
    if key not in w.cache:
        w.cache[key] = tt.cifar_shaped(sizes["images"], sizes["val_images"])
    return w.cache[key]


def throughput_row(w: Worker, item: dict, pipeline: str, result: dict, peak) -> dict:
    s = item["sizes"]
    return {"model": item["model"], "pipeline": pipeline, "alpha": item.get("alpha", 0.0),
            "precision": item.get("precision", "fp32"), "compile": item.get("compile", "none"),
            "channels_last": item["kind"] != "baseline" and use_channels_last(None, w.device),
            "processes": item.get("processes", 1), "stack": item.get("stack", 1), "images": s["images"],
            "val_images": s["val_images"], "batch_size": s["batch_size"], "epochs": s["epochs"], "width": s["width"],
            "images_per_s": result["images_per_s"], "epoch_seconds": result["epoch_seconds"],
            "first_epoch_seconds": result["first_epoch_seconds"], "peak_gpu_memory_gib": peak,
            "compile_fallback": result.get("compile_fallback", ""), "device": w.device.type,
            "regularized": item["kind"] != "baseline" and item.get("alpha", 0.0) != 0.0}


def _peak_memory(w: Worker, fn):
    if w.device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    result = fn()
    peak = torch.cuda.max_memory_allocated() / 2**30 if w.device.type == "cuda" else float("nan")
    return result, peak


def run_baseline(w: Worker, item: dict, deadline: float):
    args = throughput_args(w, item)
    r, peak = _peak_memory(w, lambda: tt.run_baseline(args, item["model"], throughput_data(w, item["sizes"]),
                                                      on_epoch=w.stop_after(deadline)))
    return [("throughput", throughput_row(w, item, "baseline (DataLoader, fp32, NCHW)", r, peak))], ""


def pipeline_name(item: dict) -> str:
    name = f"trainer alpha={item['alpha']:g}, {item['precision']}"
    if item["compile"] != "none":
        name += f", compile {item['compile']}"
    if item["kind"] == "concurrent":
        name += f", {item['processes']} processes (aggregate)"
    if item["section"] == "stacks":
        name += f", stack of {item['stack']}"
    return name


def run_trainer_item(w: Worker, item: dict, deadline: float):
    args = throughput_args(w, item, item["precision"], item["compile"])
    r, peak = _peak_memory(w, lambda: tt.run_trainer(args, item["model"], item["alpha"],
                                                     throughput_data(w, item["sizes"]), stack=item["stack"],
                                                     on_epoch=w.stop_after(deadline)))
    note = f"torch.compile fell back to eager: {r['compile_fallback']}" if r["compile_fallback"] else ""
    return [("throughput", throughput_row(w, item, pipeline_name(item), r, peak))], note


def run_concurrent_item(w: Worker, item: dict, deadline: float):
    args = throughput_args(w, item, item["precision"], item["compile"])
    try:
        r = tt.run_concurrent(args, item["model"], item["processes"], deadline=deadline)
    except TimeoutError as e:
        raise BudgetStop(f"the section's time ran out: {e}") from None
    return [("throughput", throughput_row(w, item, pipeline_name(item), r, float("nan")))], ""


# --- profile --------------------------------------------------------------------------------------

LAUNCHES = ("cudaLaunchKernel", "cudaLaunchKernelExC", "cuLaunchKernel", "cuLaunchKernelEx")
PROFILE_TOP = 25


def run_profile(w: Worker, item: dict, deadline: float):
    """One warm-up epoch, then one epoch of the trainer's minibatch steps under torch.profiler."""
    s = item["sizes"]
    data = throughput_data(w, s)
    cfg = RunConfig(model=item["model"], dataset=data.name, alpha=item["alpha"], seed=0, batch_size=s["batch_size"],
                    model_options={"width": s["width"]}, lr_milestones=(10_000,), device=w.device.type)
    speed = speed_settings(cfg)
    with tempfile.TemporaryDirectory() as tmp:
        run = prepare_run(cfg, data, tmp, speed, print)
    net = SingleModel(run, speed, print)
    activities = [torch.profiler.ProfilerActivity.CPU]
    if w.device.type == "cuda":
        activities.append(torch.profiler.ProfilerActivity.CUDA)
    with net.recorder:
        train_steps(net.step, net.optimizer, epoch_batches(run, 0))  # warm-up: cuDNN's autotuning, caches
        if time.time() > deadline:
            raise BudgetStop("the section's time ran out after the warm-up epoch")
        with torch.profiler.profile(activities=activities) as prof:
            t0 = time.perf_counter()
            sums, n, _ = train_steps(net.step, net.optimizer, epoch_batches(run, 1))
            sums.sum().item()  # the GPU's work of the epoch is done
            wall = time.perf_counter() - t0
    steps = math.ceil(n / s["batch_size"])
    events = prof.key_averages()
    device_total = sum(e.self_device_time_total for e in events)
    launches = sum(e.count for e in events if e.key in LAUNCHES)
    sort = "self_device_time_total" if w.device.type == "cuda" else "self_cpu_time_total"
    top = sorted(events, key=lambda e: getattr(e, sort), reverse=True)[:PROFILE_TOP]
    rows = [("profile", {"model": item["model"], "rank": rank + 1, "name": e.key, "calls": e.count,
                         "calls_per_step": e.count / steps,
                         "self_device_ms": e.self_device_time_total / 1e3, "device_total_ms": e.device_time_total / 1e3,
                         "self_cpu_ms": e.self_cpu_time_total / 1e3, "cpu_total_ms": e.cpu_time_total / 1e3,
                         "share_of_device_time": e.self_device_time_total / device_total if device_total else float("nan"),
                         "sorted_by": sort, "epoch_seconds": wall, "steps": steps, "batch_size": s["batch_size"],
                         "device_busy_fraction": device_total / 1e6 / wall if device_total else float("nan"),
                         "kernel_launches_per_step": launches / steps if w.device.type == "cuda" else float("nan"),
                         "device": w.device.type})
            for rank, e in enumerate(top)]
    return rows, ""


RUNNERS = {"check_reference": run_check_reference, "check_device64": run_check_device64,
           "check_stack64": run_check_stack64, "check_precision": run_check_precision,
           "check_compile64": run_check_compile64, "baseline": run_baseline, "trainer": run_trainer_item,
           "concurrent": run_concurrent_item, "profile": run_profile}


def worker_main(spec: dict) -> None:
    if spec.get("threads"):
        torch.set_num_threads(spec["threads"])
    Worker(spec["mode"]).run(spec["items"], spec["deadlines"])


# ------------------------------------------------------------------------------------------------
# the parent: device info, budgets, workers, outputs


def device_info(mode: str, budget: float, argv: list[str]) -> dict:
    info = {"device_name": "", "mode": mode, "torch": torch.__version__, "cuda": torch.version.cuda or "",
            "cudnn": torch.backends.cudnn.version() or "", "python": platform.python_version(),
            "platform": platform.platform(), "cpu_count": os.cpu_count(), "cpu": _cpu_name(),
            "cudnn_tf32": torch.backends.cudnn.allow_tf32, "matmul_tf32": torch.backends.cuda.matmul.allow_tf32,
            "float32_matmul_precision": torch.get_float32_matmul_precision(),
            "budget_s": budget, "started_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
            "command": " ".join(["python3", "benchmarks/gpu_check.py", *argv])}
    if mode == "gpu":
        props = torch.cuda.get_device_properties(0)
        free, total = torch.cuda.mem_get_info(0)
        info.update(device_name=torch.cuda.get_device_name(0), device_count=torch.cuda.device_count(),
                    compute_capability=f"{props.major}.{props.minor}", multiprocessors=props.multi_processor_count,
                    memory_total_gib=total / 2**30, memory_free_gib=free / 2**30, driver=_driver_version())
    else:
        info["device_name"] = f"cpu {info['cpu']}".strip()
    return info


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _driver_version() -> str:
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip().splitlines()[0] if out.returncode == 0 and out.stdout.strip() else ""
    except (OSError, subprocess.TimeoutExpired):
        return ""


def safe_name(name: str) -> str:
    """A folder name of letters, digits, '.', '_' and '-' ("NVIDIA H200" -> "NVIDIA_H200")."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "device"


def section_budgets(mode: str, budget: float, overrides: dict[str, float]) -> dict[str, float]:
    planned = SECTION_SECONDS[mode]
    room = budget - RESERVE_SECONDS[mode]
    if room <= 0:
        raise SystemExit(f"--budget {budget:g} leaves no time for the sections: give more than "
                         f"{RESERVE_SECONDS[mode]} s (kept for start-up, grace and the last write)")
    scale = room / sum(planned.values())
    budgets = {name: seconds * scale for name, seconds in planned.items()}
    budgets.update(overrides)
    return budgets


class Check:
    """The parent's record: rows of every table, every item's status, the log; writes the folder."""

    def __init__(self, args, mode: str, info: dict, plan: list[dict], budgets: dict, out: Path, t0: float):
        self.args, self.mode, self.info, self.plan, self.budgets, self.out, self.t0 = \
            args, mode, info, plan, budgets, out, t0
        self.tables: dict[str, list[dict]] = {"checks": [], "throughput": [], "profile": []}
        self.status: dict[str, dict] = {}
        self.log_lines: list[str] = []
        self.started: dict[str, float] = {}
        self.sweep = pd.DataFrame()
        self.sweep_note = ""
        self.swept_rows = 0  # throughput rows the sweep was computed from

    def say(self, line: str) -> None:
        print(line, flush=True)
        self.log_lines.append(line)

    def end_item(self, item_id: str, status: str, reason: str = "", seconds: float = 0.0) -> None:
        self.status[item_id] = {"status": status, "reason": reason, "seconds": seconds}
        if status != "done" or reason:
            self.say(f"  {status}: {item_id}" + (f" ({reason})" if reason else ""))

    # --- running the sections ----------------------------------------------------------------------
    def run(self, items: list[dict], deadlines: dict[str, float], hard_end: float) -> None:
        pending = [i for i in items if i["id"] not in self.status]
        while pending:
            section = pending[0]["section"]
            if time.time() >= min(deadlines[section], hard_end):
                for i in [i for i in pending if i["section"] == section]:
                    self.end_item(i["id"], "skipped", "the section's time was spent before it started")
                pending = [i for i in pending if i["section"] != section]
                continue
            pending = self.run_worker(pending, deadlines, hard_end)

    def run_worker(self, items: list[dict], deadlines: dict, hard_end: float) -> list[dict]:
        """One worker for ``items``; returns the items left to run when it ended (none: all reported)."""
        spec = {"mode": self.mode, "items": items, "deadlines": deadlines, "threads": self.args.threads}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(spec, f)
        proc = subprocess.Popen([sys.executable, __file__, "--worker", f.name], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, bufsize=1, start_new_session=True)
        lines: queue.Queue = queue.Queue()

        def read() -> None:
            for line in proc.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=read, daemon=True).start()
        by_id = {i["id"]: i for i in items}
        current = None
        killed = None
        progressed = False
        try:
            while True:
                upcoming = current or next((i["id"] for i in items if i["id"] not in self.status), None)
                section = by_id[upcoming]["section"] if upcoming else items[-1]["section"]
                kill_at = min(deadlines[section] + GRACE_SECONDS[self.mode], hard_end)
                try:
                    line = lines.get(timeout=max(0.0, kill_at - time.time()))
                except queue.Empty:
                    killed = section
                    break
                if line is None:
                    break
                if not line.startswith(EVENT):
                    self.log_lines.append(line.rstrip("\n"))
                    print(line, end="", file=sys.stderr, flush=True)
                    continue
                event = json.loads(line[len(EVENT):])
                if event["event"] == "start":
                    current = event["item"]
                    self.started[current] = time.time()
                    self.say(f"[{time.time() - self.t0:5.0f} s] {current}")
                elif event["event"] == "row":
                    self.tables[event["table"]].append(event["row"])
                    self.say("    " + summarize_row(event["table"], event["row"]))
                elif event["event"] == "end":
                    self.end_item(event["item"], event["status"], event["reason"], event["seconds"])
                    current = None
                    progressed = True
                    self.write()
        except KeyboardInterrupt:
            if current:
                self.end_item(current, "stopped", "the check was interrupted",
                              time.time() - self.started.get(current, time.time()))
            raise
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            os.unlink(f.name)
        left = [i for i in items if i["id"] not in self.status]
        if killed is not None:
            if current:
                self.end_item(current, "stopped", f"still running {GRACE_SECONDS[self.mode]} s after the "
                              f"{killed} section's time ran out: the worker was killed",
                              time.time() - self.started.get(current, time.time()))
            for i in [i for i in left if i["section"] == killed and i["id"] != current]:
                self.end_item(i["id"], "skipped", "not reached: the section's time ran out")
        elif left:  # the worker died without a kill of ours
            if current:
                self.end_item(current, "failed", f"the worker process ended (exit status {proc.returncode}) "
                              "during this item; see log.txt")
            elif not progressed:  # it could not even start: another one would not either
                for i in left:
                    self.end_item(i["id"], "failed", f"the worker process ended (exit status {proc.returncode}) "
                                  "before its first item; see log.txt")
        self.write()
        return [i for i in items if i["id"] not in self.status]

    # --- outputs -------------------------------------------------------------------------------
    def throughput_table(self) -> pd.DataFrame:
        df = pd.DataFrame(self.tables["throughput"])
        if df.empty:
            return df
        base = df[df["pipeline"].str.startswith("baseline")].set_index("model")["images_per_s"]
        df["vs_baseline"] = [r.images_per_s / base[r.model] if r.model in base.index and not r.pipeline.startswith(
            "baseline") else (1.0 if r.pipeline.startswith("baseline") else float("nan")) for r in df.itertuples()]
        keys = ["model", "precision", "compile", "processes", "stack", "images"]
        trainer = df[~df["pipeline"].str.startswith("baseline")]
        plain = trainer[trainer["alpha"] == 0].groupby(keys)["images_per_s"].first()
        df["vs_alpha0"] = [r["images_per_s"] / plain[tuple(r[k] for k in keys)]
                           if not r["pipeline"].startswith("baseline") and tuple(r[k] for k in keys) in plain.index
                           else float("nan") for _, r in df.iterrows()]
        return df

    def sections_table(self) -> pd.DataFrame:
        rows = []
        for item in self.plan:
            s = self.status.get(item["id"], {"status": "skipped", "reason": "not reached", "seconds": 0.0})
            rows.append({"section": item["section"], "item": item["id"], "status": s["status"], "reason": s["reason"],
                         "seconds": s["seconds"], "section_budget_s": self.budgets.get(item["section"], float("nan"))})
        return pd.DataFrame(rows)

    def compute_sweep(self) -> None:
        df = self.throughput_table()
        if df.empty:
            return
        ok = df[df["regularized"] & (df["compile_fallback"].fillna("") == "")]
        settings = {
            "as configured: fp32, no compile, one run per GPU":
                ok[(ok["precision"] == "fp32") & (ok["compile"] == "none") & (ok["processes"] == 1)
                   & (ok["stack"] == 1) & (ok["section"] == "throughput")],
            "fastest fp32 measured (concurrent processes, stacks, compile)": ok[ok["precision"] == "fp32"],
            "fastest measured, bf16 included": ok,
        }
        try:
            tables = [tt.sweep_cost(self.args.sweep, rows.to_dict("records")).assign(setting=name)
                      for name, rows in settings.items() if not rows.empty]
            self.sweep_note = tt.sweep_experiments(self.args.sweep)[1]
        except Exception as e:  # noqa: BLE001 -- the sweep is a summary; its failure is reported, not fatal
            self.sweep, self.sweep_note = pd.DataFrame(), f"sweep not computed: {type(e).__name__}: {e}"
            return
        self.sweep = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()

    def write(self) -> None:
        """Rewrite every output file (atomically) from what was measured so far."""
        if len(self.tables["throughput"]) != self.swept_rows:
            self.compute_sweep()
            self.swept_rows = len(self.tables["throughput"])
        self.out.mkdir(parents=True, exist_ok=True)
        info = dict(self.info, elapsed_s=time.time() - self.t0)
        frames = {"device.csv": pd.DataFrame([info]), "checks.csv": pd.DataFrame(self.tables["checks"]),
                  "throughput.csv": self.throughput_table(), "profile.csv": pd.DataFrame(self.tables["profile"]),
                  "sweep.csv": self.sweep, "sections.csv": self.sections_table()}
        for name, df in frames.items():
            write_text(self.out / name, df.to_csv(index=False))
        write_text(self.out / "summary.md", self.summary())
        write_text(self.out / "log.txt", "\n".join(self.log_lines) + "\n")

    def summary(self) -> str:
        return summary_markdown(self.info, self.tables["checks"], self.throughput_table(), self.tables["profile"],
                                self.sweep, self.sweep_note, self.sections_table(), self.budgets,
                                time.time() - self.t0, self.args.sweep)


# ------------------------------------------------------------------------------------------------
# printing and the markdown summary


def _g(v, digits=3) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, (bool, str)):
        return str(v)
    return f"{v:.{digits}g}"


def summarize_row(table: str, row: dict) -> str:
    if table == "checks":
        if row.get("result") == "reference":
            return f"reference: step-1 CE {row['ce_step1']:.6f}, mean SI {row['si_step1']:.6f}"
        return (f"{row['result']}: CE {_g(row['ce_rel_diff_step1'])}, SI {_g(row['si_abs_diff_step1'])} "
                f"(tol. {_g(row['forward_tolerance'])}); gradient {_g(row['grad_rel_diff_step1'])} "
                f"(tol. {_g(row['gradient_tolerance'])}); after {row['steps']} steps: weights max "
                f"{_g(row['weight_max_abs_diff'])}, update {_g(row['update_rel_diff'])}"
                + (f" (tol. {_g(row['steps_tolerance'])})" if not math.isnan(row["steps_tolerance"]) else ""))
    if table == "throughput":
        return f"{row['images_per_s']:,.0f} train images/s, {row['epoch_seconds']:.2f} s/epoch"
    return f"{row['rank']:2d}. {row['name'][:60]}"


def _md(df: pd.DataFrame, columns: dict[str, str], formats: dict | None = None) -> str:
    formats = formats or {}
    lines = ["| " + " | ".join(columns.values()) + " |", "| " + " | ".join("---" for _ in columns) + " |"]
    for _, r in df.iterrows():
        lines.append("| " + " | ".join(formats.get(c, _g)(r[c]) if c in r else "" for c in columns) + " |")
    return "\n".join(lines)


def summary_markdown(info, checks, throughput, profile, sweep, sweep_note, sections, budgets, elapsed,
                     sweep_config) -> str:
    unit = "GPU" if info["mode"] == "gpu" else "device (CPU)"
    out = [f"# GPU check: {info['device_name']}", "",
           f"`PYTHONPATH=src {info['command']}` ({info['mode']}, budget {info['budget_s']:g} s, "
           f"{elapsed:.0f} s used), started {info['started_utc']} UTC.", ""]
    facts = [f"torch {info['torch']}", f"CUDA {info['cuda'] or '-'}", f"cuDNN {info['cudnn'] or '-'}",
             f"Python {info['python']}",
             f"float32 convolutions in {'TF32' if info['cudnn_tf32'] else 'float32'} (cuDNN), float32 matmuls in "
             f"{'TF32' if info['matmul_tf32'] else 'float32'} (PyTorch's defaults: TF32, float32)"]
    if info["mode"] == "gpu":
        facts = [f"compute capability {info['compute_capability']}", f"{info['memory_total_gib']:.1f} GiB "
                 f"({info['memory_free_gib']:.1f} free)", f"{info['multiprocessors']} SMs",
                 f"driver {info['driver'] or '-'}"] + facts
    out += ["Device: " + "; ".join(facts) + f"; host {info['cpu']}, {info['cpu_count']} CPUs.", ""]

    out += ["## Correctness: a few training steps against float64", ""]
    c = pd.DataFrame(checks)
    if c.empty:
        out += ["(none ran)", ""]
    else:
        c = c[c["result"] != "reference"]
        out += [_md(c, {"model": "model", "check": "check", "ce_rel_diff_step1": "step-1 CE (rel.)",
                        "si_abs_diff_step1": "step-1 SI (abs.)", "forward_tolerance": "tol.",
                        "grad_rel_diff_step1": "step-1 gradient (rel.)", "gradient_tolerance": "tol.",
                        "decision_flip_fraction": "flipped decisions", "weight_max_abs_diff": "weights after S steps (max abs.)",
                        "update_rel_diff": "update (rel.)", "steps_tolerance": "tol.", "result": "result"},
                    {"check": str, "result": str, "model": str}), "",
                "Against a float64 run of the same steps (same weights, same minibatches). Float64 rows: the "
                "device, layout, stack or compile must not change the computation, so they are checked up to "
                "float64 rounding, also after S steps; reduced-precision rows: step 1 within the bound of their "
                "rounding unit (the gradient with the variant's own ReLU and max-pool decisions); their weights after S steps "
                "are reported, not bounded (decisions flip in later steps and differences grow). docs/performance.md "
                "derives the tolerances.", ""]

    out += ["## Training throughput", ""]
    if throughput.empty:
        out += ["(none ran)", ""]
    else:
        t = throughput.sort_values(["section"], key=lambda s: s.map(SECTIONS.index), kind="stable")
        out += [_md(t, {"model": "model", "pipeline": "pipeline", "images_per_s": "train images/s",
                        "epoch_seconds": "s/epoch (val. incl.)", "vs_baseline": "vs baseline",
                        "vs_alpha0": "vs α = 0", "peak_gpu_memory_gib": "peak GPU GiB", "images": "images/epoch"},
                    {"model": str, "pipeline": str, "images_per_s": lambda v: f"{v:,.0f}",
                     "epoch_seconds": lambda v: f"{v:.2f}", "vs_baseline": lambda v: _g(v, 3) + ("×" if _g(v) else ""),
                     "vs_alpha0": lambda v: _g(v, 3) + ("×" if _g(v) else ""), "peak_gpu_memory_gib": lambda v: _g(v, 3),
                     "images": lambda v: f"{int(v):,}"}), "",
                "Train images/s: the median of the epochs after the first (warm-up, compilation), all seeds of "
                "a stack and all processes counted; the baseline is train_throughput.py's standard pipeline "
                "(DataLoader workers, per-sample augmentation, fp32, NCHW) measured in this run; random "
                "CIFAR-10-shaped data. vs α = 0: the same setting without the selectivity term.", ""]
        fallback = throughput[throughput["compile_fallback"].fillna("") != ""]
        if not fallback.empty:
            out += ["Compile fell back to eager (those rows measured eager code): "
                    + "; ".join(sorted(set(fallback["pipeline"]))), ""]

    out += [f"## Paper sweep ({sweep_config}) at the measured speed", ""]
    if sweep.empty:
        out += [sweep_note or "(no regularized trainer row was measured)", ""]
    else:
        settings = list(dict.fromkeys(sweep["setting"]))
        wide = sweep.pivot_table(index=["experiment", "runs", "epochs"], columns="setting", values="device_hours",
                                 sort=False).reset_index()
        out += [_md(wide, {"experiment": "experiment", "runs": "runs", "epochs": "epochs",
                           **{name: f"{unit}-hours, {name}" for name in settings}},
                    {"experiment": str, "runs": lambda v: str(int(v)), "epochs": lambda v: str(int(v)),
                     **{name: lambda v: f"{v:,.1f}" for name in settings}}), ""]
        for setting in settings:
            rows = sweep[sweep["setting"] == setting]
            used = "; ".join(f"{m}: {w}" for m, w in rows.groupby("model", sort=False)["measured_with"].first().items())
            out.append(f"- {setting}: {int(rows['runs'].sum())} runs, **{rows['device_hours'].sum():,.1f} "
                       f"{unit}-hours** (measured with {used})")
        out += ["", f"Runs x epochs x the measured seconds per run-epoch (validation included; a stack's or "
                f"concurrent processes' share), at 45,000 training images. Config {sweep_note}. Experiments of "
                "models not measured here (ResNet18/50 on Tiny ImageNet) are not in the table.", ""]

    out += ["## Profile: one epoch of the trainer", ""]
    p = pd.DataFrame(profile)
    if p.empty:
        out += ["(none ran)", ""]
    else:
        for model, rows in p.groupby("model", sort=False):
            r0 = rows.iloc[0]
            gpu = (f"; the GPU busy {r0['device_busy_fraction']:.0%} of the wall time; "
                   f"{r0['kernel_launches_per_step']:.0f} kernel launches per step" if r0["device"] == "cuda" else "")
            out += [f"{model}: {r0['steps']} steps of {r0['batch_size']} in {r0['epoch_seconds']:.3f} s{gpu} "
                    f"(sorted by {r0['sorted_by']}).", "",
                    _md(rows.head(15), {"rank": "#", "name": "item", "calls_per_step": "calls/step",
                                        "self_device_ms": "self GPU ms", "share_of_device_time": "share",
                                        "self_cpu_ms": "self CPU ms"},
                        {"rank": lambda v: str(int(v)), "name": lambda v: "`" + str(v)[:70].replace("|", "/") + "`"}),
                    ""]

    out += ["## What ran", ""]
    rows = []
    for section in SECTIONS:
        s = sections[sections["section"] == section]
        if s.empty:
            continue
        counts = s["status"].value_counts()
        rows.append({"section": section, "budget": budgets.get(section, float("nan")), "used": s["seconds"].sum(),
                     **{k: int(counts.get(k, 0)) for k in ("done", "skipped", "stopped", "failed")}})
    out += [_md(pd.DataFrame(rows), {"section": "section", "budget": "budget s", "used": "used s", "done": "done",
                                      "skipped": "skipped", "stopped": "stopped", "failed": "failed"},
                {"section": str, "budget": lambda v: f"{v:.0f}", "used": lambda v: f"{v:.0f}"}), ""]
    not_done = sections[(sections["status"] != "done") | (sections["reason"] != "")]
    if not not_done.empty:
        out += ["Not done, or done with a note:", ""]
        out += [f"- {r.status}: {r.item} — {r.reason}" for r in not_done.itertuples()]
        out.append("")
    return "\n".join(out)


# ------------------------------------------------------------------------------------------------


def print_tolerances() -> None:
    """The step-1 tolerances of the GPU mode's checks (docs/performance.md quotes them)."""
    print("model     arithmetic  L   n     batch  forward     gradient")
    for model in MODELS:
        width, batch, _ = CHECK_SIZES["gpu"][model]
        net = build_model(model, 10, 3, width=width)
        depth, n = sa.network_depth(net)
        for arithmetic in ("fp64", "fp32", "tf32", "bf16"):
            tol = sa.tolerances(net, arithmetic, batch, 32)
            print(f"{model:9s} {arithmetic:10s} {depth:2d}  {n:5d} {batch:5d}  {tol['forward']:.3g}  {tol['gradient']:.3g}")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cpu-quick", action="store_true", help="every section at toy sizes on the CPU (seconds; CI runs it)")
    p.add_argument("--budget", type=float, default=None, help="total seconds (default: 480 on a GPU, 240 quick)")
    p.add_argument("--section-budget", nargs="*", default=[], metavar="SECTION=SECONDS",
                   help="planned seconds of a section instead of its share of the budget")
    p.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated subset of {','.join(SECTIONS)}")
    p.add_argument("--compile-mode", default="default", help="torch.compile mode of the compile items")
    p.add_argument("--out", default=None, help="output folder (default: <out-root>/<device name>)")
    p.add_argument("--out-root", default=None,
                   help="folder for the device's folder (default: docs/performance/gpu; quick: results/gpu_check)")
    p.add_argument("--sweep", default=str(ROOT / "config.yaml"), help="the workflow config whose sweep is costed")
    p.add_argument("--threads", type=int, default=None,
                   help="torch CPU threads of the worker (default: torch's; 1 with --cpu-quick, steady on a busy machine)")
    p.add_argument("--tolerances", action="store_true", help="print the checks' tolerances and exit")
    p.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    unknown = set(args.sections.split(",")) - set(SECTIONS)
    if unknown:
        p.error(f"unknown sections {sorted(unknown)}: choose from {','.join(SECTIONS)}")
    return args


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.worker:
        worker_main(json.loads(Path(args.worker).read_text()))
        return 0
    if args.tolerances:
        print_tolerances()
        return 0
    t0 = STARTED
    mode = "cpu-quick" if args.cpu_quick else "gpu"
    if mode == "cpu-quick" and args.threads is None:
        args.threads = 1
    if mode == "gpu" and not torch.cuda.is_available():
        raise SystemExit("gpu_check: no CUDA device visible (torch.cuda.is_available() is False); "
                         "on a machine without a GPU run it with --cpu-quick")
    budget = args.budget or {"gpu": 480.0, "cpu-quick": 240.0}[mode]
    overrides = {}
    for spec in args.section_budget:
        name, _, seconds = spec.partition("=")
        if name not in SECTIONS or not seconds:
            raise SystemExit(f"--section-budget {spec!r}: give SECTION=SECONDS with SECTION one of {SECTIONS}")
        overrides[name] = float(seconds)
    budgets = section_budgets(mode, budget, overrides)
    info = device_info(mode, budget, argv)
    root = Path(args.out_root) if args.out_root else ROOT / ("docs/performance/gpu" if mode == "gpu" else "results/gpu_check")
    out = Path(args.out) if args.out else root / (safe_name(info["device_name"]) + ("" if mode == "gpu" else "-quick"))
    chosen = args.sections.split(",")
    plan = [i for i in build_plan(mode, args.compile_mode) if i["section"] in chosen]
    check = Check(args, mode, info, plan, budgets, out, t0)
    check.say(f"# gpu_check ({mode}): {info['device_name']}; torch {info['torch']}, CUDA {info['cuda'] or '-'}, "
              f"cuDNN {info['cudnn'] or '-'}, Python {info['python']}"
              + (f"; {info['memory_total_gib']:.1f} GiB, compute capability {info['compute_capability']}"
                 if mode == "gpu" else ""))
    check.say(f"# budget {budget:g} s; sections: " + ", ".join(f"{s} {budgets[s]:.0f} s" for s in SECTIONS if s in chosen)
              + f"; writing {out}")

    def interrupted(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, interrupted)
    start = time.time()
    deadlines, end = {}, start
    hard_end = t0 + budget - 2
    for section in SECTIONS:
        if section in chosen:
            end += budgets[section]
            deadlines[section] = min(end, hard_end - GRACE_SECONDS[mode])
    for item in plan:
        if item.get("skip"):
            check.end_item(item["id"], "skipped", item["skip"])
    check.write()
    try:
        check.run(plan, deadlines, hard_end)
    except KeyboardInterrupt as e:
        check.say(f"# interrupted ({e or 'SIGINT'}): writing what was measured")
    check.write()
    checks = pd.DataFrame(check.tables["checks"])
    failed_checks = checks[checks["result"] == "FAIL"]["check"].tolist() if not checks.empty else []
    failed_items = [i for i, s in check.status.items() if s["status"] == "failed"]
    if not check.sweep.empty:
        check.say("\n# paper sweep at the measured speed (" + check.sweep_note + "):")
        for setting, rows in check.sweep.groupby("setting", sort=False):
            check.say(f"  {setting}: {int(rows['runs'].sum())} runs, {rows['device_hours'].sum():,.1f} "
                      f"{'GPU' if mode == 'gpu' else 'CPU'}-hours")
    counts = check.sections_table()["status"].value_counts().to_dict()
    check.say(f"# {time.time() - t0:.0f} s of {budget:g}; items: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    if failed_checks or failed_items:
        check.say("# FAILED: " + "; ".join([f"check {c}" for c in failed_checks] + [f"item {i}" for i in failed_items]))
    else:
        check.say("# every check that ran passed")
    check.say(f"# wrote {out}/: " + ", ".join(OUTPUT_FILES))
    check.write()
    return 1 if failed_checks or failed_items else 0


if __name__ == "__main__":
    sys.exit(main())
