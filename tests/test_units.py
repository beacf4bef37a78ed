"""UnitRecorder: every call of a recorded module, clear errors for layers that cannot be recorded."""

import pytest
import torch
from torch import nn

from selectivity.metrics import mean_selectivity
from selectivity.units import UnitRecorder, collect_activations


class BasicBlock(nn.Module):
    """torchvision's BasicBlock: one ``self.relu`` called after bn1 and after the residual addition."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        return self.relu(out)


class TinyResNet(nn.Module):
    """torchvision-style: stem conv-bn-relu (a shared ReLU called once), 2 BasicBlocks, fc."""

    def __init__(self, width: int = 6, num_classes: int = 4):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = nn.Sequential(BasicBlock(width), BasicBlock(width))
        self.fc = nn.Linear(width, num_classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer1(x)
        return self.fc(x.mean((2, 3)))


RELUS = ["relu", "layer1.0.relu", "layer1.1.relu"]
EXPECTED = ["relu", "layer1.0.relu#1", "layer1.0.relu#2", "layer1.1.relu#1", "layer1.1.relu#2"]


def _model():
    torch.manual_seed(0)
    return TinyResNet()


def test_reused_relu_records_every_call_with_manual_values():
    model = _model().eval()
    assert [n for n, m in model.named_modules() if isinstance(m, nn.ReLU)] == RELUS
    x = torch.randn(5, 3, 8, 8)
    with UnitRecorder(model, layers=RELUS) as rec, torch.no_grad():
        logits = model(x)
    assert list(rec.activations) == EXPECTED
    assert all(a.shape == (5, 6) for a in rec.activations.values())
    with torch.no_grad():  # the same network by hand, without in-place ops
        h = torch.relu(model.bn1(model.conv1(x)))
        expected = {"relu": h}
        for i, block in enumerate(model.layer1):
            inner = torch.relu(block.bn1(block.conv1(h)))
            h = torch.relu(block.bn2(block.conv2(inner)) + h)
            expected[f"layer1.{i}.relu#1"], expected[f"layer1.{i}.relu#2"] = inner, h
        assert torch.allclose(model.fc(h.mean((2, 3))), logits, atol=1e-6)
    for name, t in expected.items():
        assert torch.allclose(rec.activations[name], t.mean((2, 3)), atol=1e-6), name


def test_selectivity_is_differentiable_through_repeated_calls():
    model = _model().train()
    x, y = torch.randn(16, 3, 8, 8), torch.arange(16) % 4
    with UnitRecorder(model, layers=RELUS, detach=False) as rec:
        model(x)
    assert all(a.requires_grad for a in rec.activations.values())
    mean_selectivity(rec.activations, y, 4).backward()
    for block in model.layer1:
        assert block.conv1.weight.grad is not None and block.conv1.weight.grad.abs().sum() > 0
    model.zero_grad()  # the first call of a block's relu alone reaches its conv1
    with UnitRecorder(model, layers=RELUS, detach=False) as rec:
        model(x)
    rec.activations["layer1.1.relu#1"].sum().backward()
    assert model.layer1[1].conv1.weight.grad.abs().sum() > 0


def test_repeated_forwards_keep_order_and_drop_stale_layers():
    model = _model()
    with UnitRecorder(model, layers=RELUS) as rec, torch.no_grad():
        for n in (3, 2, 4):
            model(torch.randn(n, 3, 8, 8))
            assert list(rec.activations) == EXPECTED
            assert all(a.shape[0] == n for a in rec.activations.values())
        with torch.autocast("cpu", dtype=torch.bfloat16):
            model(torch.randn(2, 3, 8, 8))
        assert list(rec.activations) == EXPECTED
        assert all(a.dtype == torch.float32 for a in rec.activations.values())
    acts, logits = collect_activations(model, torch.randn(7, 3, 8, 8), batch_size=3, layers=RELUS)
    assert list(acts) == EXPECTED and all(a.shape == (7, 6) for a in acts.values())
    assert logits.shape == (7, 4)


class Unused(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 4)
        self.fc2 = nn.Linear(4, 3)  # defined, never called

    def forward(self, x):
        return self.fc1(x)


def test_layer_that_never_runs_is_an_error():
    model = Unused()
    with UnitRecorder(model, layers=["fc1", "fc2"]) as rec:
        with pytest.raises(ValueError, match=r"layer 'fc2' did not run during the forward pass of Unused"):
            model(torch.randn(2, 4))
    assert "fc2" not in rec.activations


def test_single_string_layer_is_one_name():
    model = _model()
    with UnitRecorder(model, layers="fc") as rec:
        model(torch.randn(3, 3, 8, 8))
    assert list(rec.activations) == ["fc"] and rec.activations["fc"].shape == (3, 4)


def test_unknown_or_no_layer_names_are_clear_errors():
    model = _model()
    with pytest.raises(ValueError, match=r"no module 'layer1.0.relu2'.*'layer1.0.relu'"):
        UnitRecorder(model, layers=["relu", "layer1.0.relu2"])
    with pytest.raises(ValueError, match="layers is empty"):
        UnitRecorder(model, layers=[])


def test_resnet20_unit_layer_names_unchanged():
    from selectivity.models import build_model

    model = build_model("resnet20", 10, 3, width=0.25)
    with UnitRecorder(model, layers=None) as rec, torch.no_grad():
        model(torch.randn(2, 3, 8, 8))
    names = list(rec.activations)
    expected = ["act1"] + [f"layer{s}.{b}.act{k}" for s in (1, 2, 3) for b in range(3) for k in (1, 2)]
    assert names == expected and len(names) == 19
    assert not any("#" in n for n in names)  # each Unit runs once: plain names
    with UnitRecorder(model, layers="layer3.2.act2") as one, torch.no_grad():
        model(torch.randn(2, 3, 8, 8))
    assert list(one.activations) == ["layer3.2.act2"] and one.activations["layer3.2.act2"].shape == (2, 16)
