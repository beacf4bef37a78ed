import csv
import subprocess
import sys

import pytest
import torch

from conftest import ROOT
from selectivity.training import gpu_slots
from selectivity.training.speed import autocast, compiled_step, match_parameter_layout, resolve_device, sgd, use_channels_last


def test_gpus_are_shared_out_least_used_first(tmp_path):
    try:
        picks = [gpu_slots.acquire_gpu(3, tmp_path) for _ in range(7)]
        assert picks == [0, 1, 2, 0, 1, 2, 0]
        assert [gpu_slots.holders(tmp_path, d) for d in range(3)] == [3, 2, 2]
    finally:
        gpu_slots.release_all()
    assert [gpu_slots.holders(tmp_path, d) for d in range(3)] == [0, 0, 0]  # released claims count no more


def test_claims_end_with_their_process(tmp_path):
    code = ("import sys, time; sys.path.insert(0, sys.argv[2]); from selectivity.training.gpu_slots import acquire_gpu; "
            "print(acquire_gpu(2, sys.argv[1]), flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path), str(ROOT / "src")], stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "0"
        assert gpu_slots.holders(tmp_path, 0) == 1
        assert gpu_slots.acquire_gpu(2, tmp_path) == 1  # GPU 0 is taken by the other process
    finally:
        proc.kill()
        proc.wait()
        gpu_slots.release_all()
    assert gpu_slots.holders(tmp_path, 0) == 0  # killed: its claim is gone


def test_single_device_needs_no_lock(tmp_path):
    assert gpu_slots.acquire_gpu(1, tmp_path / "never") == 0
    assert not (tmp_path / "never").exists()


def test_device_and_memory_format_resolution():
    assert resolve_device("cpu") == torch.device("cpu")
    if not torch.cuda.is_available():
        assert resolve_device("auto") == torch.device("cpu")
    assert use_channels_last(None, torch.device("cpu")) is False
    assert use_channels_last(None, torch.device("cuda")) is True
    assert use_channels_last(True, torch.device("cpu")) is True


def test_autocast_precisions():
    w = torch.randn(4, 4)
    with autocast(torch.device("cpu"), "bf16"):
        assert (w @ w).dtype == torch.bfloat16
    with autocast(torch.device("cpu"), "fp32"):
        assert (w @ w).dtype == torch.float32
    with pytest.raises(ValueError, match="unknown precision 'fp8'"):
        autocast(torch.device("cpu"), "fp8")


def _make_step(forward):
    def step(x):
        return forward(x) + 1

    return step


def test_failed_compilation_falls_back_to_eager_at_any_call(monkeypatch):
    calls = {"n": 0}

    def compile_that_breaks_at_the_second_call(fn, mode, dynamic):
        assert dynamic is False  # one static graph per batch shape

        def compiled_fn(x):
            calls["n"] += 1
            if calls["n"] == 2:  # e.g. a recompilation for a new batch shape fails
                raise RuntimeError("backend exploded")
            return fn(x)

        return compiled_fn

    monkeypatch.setattr(torch, "compile", compile_that_breaks_at_the_second_call)
    warnings = []
    step = compiled_step(_make_step, lambda x: x * 2, "default", warnings.append)
    assert [step(torch.tensor(v)).item() for v in (1.0, 2.0, 3.0)] == [3.0, 5.0, 7.0]
    assert calls["n"] == 2  # after the failure the eager step is used
    assert len(warnings) == 1 and "backend exploded" in warnings[0] and "eagerly" in warnings[0]


def test_compiled_step_lets_passthrough_errors_through(monkeypatch):
    class Stop(RuntimeError):
        pass

    def forward(x):
        raise Stop("preempted")

    monkeypatch.setattr(torch, "compile", lambda fn, mode, dynamic: fn)
    warnings = []
    step = compiled_step(_make_step, forward, "default", warnings.append, passthrough=(Stop,))
    with pytest.raises(Stop):
        step(torch.tensor(1.0))
    assert warnings == []
    with pytest.raises(ValueError, match="unknown compile mode"):
        compiled_step(_make_step, forward, "fastest", warnings.append)


def test_momentum_buffers_take_the_parameter_layout():
    p = torch.nn.Parameter(torch.randn(4, 3, 2, 2).contiguous(memory_format=torch.channels_last))
    opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    buf = torch.randn(4, 3, 2, 2)  # saved by an NCHW run
    opt.state[p]["momentum_buffer"] = buf
    match_parameter_layout(opt)
    new = opt.state[p]["momentum_buffer"]
    assert new.stride() == p.stride() and torch.equal(new, buf)


def test_sgd_on_cpu_is_the_standard_optimizer():
    p = torch.nn.Parameter(torch.ones(3))
    opt = sgd((q for q in [p]), 0.1, 0.9, 1e-4, torch.device("cpu"))
    assert opt.param_groups[0]["params"][0] is p and opt.defaults["momentum"] == 0.9


@pytest.mark.slow
def test_throughput_benchmark_smoke(tmp_path):
    out = tmp_path / "bench.csv"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "train_throughput.py"), "--preset", "smoke",
                           "--models", "resnet20", "--threads", "1", "--concurrent", "2", "--out", str(out),
                           "--sweep", str(ROOT / "config.yaml")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(out.open()))
    assert [r["pipeline"] for r in rows] == ["trainer alpha=0", "trainer alpha=1", "baseline (DataLoader, fp32, NCHW)",
                                             "trainer alpha=1, 2 processes (aggregate)"]
    assert all(float(r["images_per_s"]) > 0 and float(r["epoch_seconds"]) > 0 for r in rows)
    assert float(rows[2]["vs_baseline"]) == pytest.approx(1.0)
    assert "regularizer overhead" in proc.stdout
    # only ResNet20 was measured: the sweep cost covers the five ResNet20 experiments of the paper config
    assert "total: 1420 runs" in proc.stdout and "vgg16" not in proc.stdout.split("device-hours")[0].split("#")[-1]
