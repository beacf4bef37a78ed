"""The one-pass analysis of any model (analysis.one_pass) against the dump-then-analyze path."""

import numpy as np
import pytest
import torch
from torch import nn

from selectivity.analysis.one_pass import select_layers, unit_stats
from selectivity.analysis.unit_metrics import unit_table
from selectivity.files.activations import Activations
from selectivity.models import build_model
from selectivity.units import collect_activations


def batches(x, y, size):
    return [(x[i:i + size], y[i:i + size]) for i in range(0, len(x), size)]


def test_one_pass_equals_the_dump_based_unit_metrics_on_a_resnet20():
    torch.manual_seed(0)
    model = build_model("resnet20", 5, in_channels=3, width=0.25)
    x, y = torch.randn(120, 3, 16, 16), torch.arange(120) % 5
    acts, _ = collect_activations(model, x, batch_size=40)
    ref = unit_table(Activations({n: a.numpy() for n, a in acts.items()}, y.numpy(), 5), n_top=24,
                     null_permutations=0)
    got = unit_stats(model, batches(x, y, 40), 5, n_top=24)
    assert list(got["layer"].unique()) == list(acts) and len(got) == len(ref)
    np.testing.assert_allclose(got["si"], ref["si"], rtol=0, atol=1e-6)
    assert (got["preferred_class"].to_numpy() == ref["preferred_class"].to_numpy()).all()
    assert (got["dead"].to_numpy() == ref["dead"].to_numpy()).all()
    np.testing.assert_allclose(got["precision"], ref["precision_all"], rtol=0, atol=1e-12)
    first = next(iter(acts))
    means = np.stack([acts[first].numpy()[y.numpy() == c].mean(0) for c in range(5)])
    np.testing.assert_allclose(got.attrs["class_means"][first], means, atol=1e-6)
    assert got.attrs["images"] == 120 and set(got["reduction"]) == {"mean"}
    # the batches' size changes nothing but float32 rounding; no n_top: no precision
    again = unit_stats(model, batches(x, y, 7), 5)
    np.testing.assert_allclose(again["si"], got["si"], atol=1e-5)
    assert again["precision"].isna().all()


class Reused(nn.Module):
    """One ReLU called twice per forward pass (as torchvision's blocks do)."""

    def __init__(self):
        super().__init__()
        self.conv1, self.conv2, self.relu = nn.Conv2d(1, 4, 3), nn.Conv2d(4, 3, 3), nn.ReLU()
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        x = self.relu(self.conv2(self.relu(self.conv1(x))))
        return self.fc(x.mean((2, 3)))


def test_layers_by_type_glob_and_name_reused_modules_and_max_reduction():
    torch.manual_seed(1)
    model = Reused()
    x, y = torch.randn(30, 1, 8, 8), torch.arange(30) % 2
    by_type = unit_stats(model, batches(x, y, 10), 2, layers=nn.ReLU, reduction="max", n_top=5)
    assert list(by_type["layer"].unique()) == ["relu#1", "relu#2"]
    assert by_type.groupby("layer").size().to_dict() == {"relu#1": 4, "relu#2": 3}
    with torch.no_grad():
        first = model.relu(model.conv1(x)).amax((2, 3))  # [30, 4]
    means = torch.stack([first[y == c].mean(0) for c in (0, 1)]).double()
    hi, lo = means.max(0).values, means.min(0).values
    np.testing.assert_allclose(by_type.loc[by_type["layer"] == "relu#1", "si"], ((hi - lo) / (hi + lo + 1e-7)).numpy(),
                               atol=1e-6)
    assert select_layers(model, "conv*") == ["conv1", "conv2"] and select_layers(model, ["fc", nn.ReLU]) == ["fc", "relu"]
    with pytest.raises(ValueError, match="'block\\*' matches no module"):
        select_layers(model, "block*")
    with pytest.raises(ValueError, match="reduction must be one of"):
        unit_stats(model, batches(x, y, 10), 2, layers="relu", reduction="median")
    with pytest.raises(ValueError, match="at least 2 classes"):
        unit_stats(model, batches(x, torch.zeros(30, dtype=torch.long), 10), 2, layers="relu")


def test_the_analyze_command_on_a_model_of_ones_own(synthetic_npz, tmp_path):
    """`selectivity analyze`: a factory, its weights and a prepared dataset give the per-unit table
    (the in-process unit_stats numbers) and a per-layer figure with its numbers."""
    import json

    import pandas as pd

    from conftest import run_cli
    from selectivity.data import load_prepared
    from selectivity.data.augment import normalize

    data = load_prepared(synthetic_npz)
    kwargs = {"name": "resnet20", "num_classes": data.num_classes, "in_channels": data.image_shape[0], "width": 0.25}
    torch.manual_seed(2)
    model = build_model(**kwargs)
    torch.save(model.state_dict(), tmp_path / "weights.pt")
    out = run_cli("analyze", "--model", "selectivity.models:build_model", "--model-args", json.dumps(kwargs),
                  "--weights", tmp_path / "weights.pt", "--data", synthetic_npz, "--out", tmp_path / "units.csv",
                  "--figure", tmp_path / "layers.pdf", "--batch-size", 50).stdout
    assert "units in" in out
    table = pd.read_csv(tmp_path / "units.csv")
    mean, std = torch.tensor(data.mean), torch.tensor(data.std)
    x, y = data.test.images, data.test.labels
    ref = unit_stats(model, batches(x, y, 50), data.num_classes, n_top=max(1, round(len(y) / data.num_classes)),
                     transform=lambda b: normalize(b, mean, std))
    np.testing.assert_allclose(table["si"], ref["si"], atol=1e-9)
    np.testing.assert_allclose(table["precision"], ref["precision"], atol=1e-12)
    assert (tmp_path / "layers.pdf").read_bytes()[:5] == b"%PDF-"
    summary = pd.read_csv(tmp_path / "layers.csv")
    assert len(summary) == table["layer"].nunique()
    assert summary["mean_si"].to_numpy() == pytest.approx(table.groupby("layer_index")["si"].mean().to_numpy())
    bad = run_cli("analyze", "--model", "selectivity.models:nothing", "--weights", tmp_path / "weights.pt",
                  "--data", synthetic_npz, "--out", tmp_path / "u.csv", check=False)
    assert bad.returncode != 0 and "--model 'selectivity.models:nothing'" in bad.stderr


def _torchvision():
    """torchvision where it imports next to this torch (not with the CPU wheel: its compiled ops do
    not load), else None."""
    try:
        import torchvision

        torchvision.models.resnet18()
        return torchvision
    except Exception:  # ImportError, or RuntimeError "operator torchvision::nms does not exist"
        return None


@pytest.mark.skipif(_torchvision() is None, reason="torchvision does not import next to this torch (CPU wheel): "
                                                   "install a matching CUDA build of torch and torchvision")
def test_torchvisions_resnet18_has_the_units_of_the_projects_resnet18():
    """Every nn.ReLU call of torchvision's ResNet18 (its blocks reuse one ReLU: relu#1, relu#2) is a
    unit layer with the unit counts of the project's ResNet18 (stem imagenet), in the same order."""
    tv = _torchvision()
    torch.manual_seed(0)
    theirs = tv.models.resnet18(num_classes=10)
    ours = build_model("resnet18", 10, in_channels=3)
    x, y = torch.randn(20, 3, 64, 64), torch.arange(20) % 10
    a = unit_stats(theirs, batches(x, y, 10), 10, layers=nn.ReLU, n_top=2)
    b = unit_stats(ours, batches(x, y, 10), 10, n_top=2)
    assert a.groupby("layer_index").size().tolist() == b.groupby("layer_index").size().tolist()
    assert a["si"].between(0, 1).all() and len(a) == len(b)
