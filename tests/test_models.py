import pytest
import torch
from torch import nn

from selectivity.models import build_model, count_parameters
from selectivity.units import Unit, UnitRecorder, collect_activations, unit_layers


def test_resnet20_size_and_units():
    model = build_model("resnet20", 10, 3)
    assert count_parameters(model) == 269_722  # the 0.27 M of He et al. 2016, Table 6
    assert len(unit_layers(model)) == 19
    assert sum(isinstance(m, nn.Conv2d) for m in model.modules()) == 19
    widths = [m.out_channels for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert widths == [16] * 7 + [32] * 6 + [64] * 6


def test_resnet20_shortcuts_are_parameter_free():
    model = build_model("resnet20", 10, 3)
    for block in [*model.layer1, *model.layer2, *model.layer3]:
        assert sum(p.numel() for p in block.shortcut.parameters()) == 0


def test_vgg16_is_paper_variant():
    model = build_model("vgg16", 10, 3)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert len(convs) == 13 and len(unit_layers(model)) == 13
    assert sum(isinstance(m, nn.BatchNorm2d) for m in model.modules()) == 13
    assert [(m.in_features, m.out_features) for m in linears] == [(512, 512), (512, 10)]


@pytest.mark.parametrize("name", ["resnet20", "vgg16"])
@pytest.mark.parametrize("shape", [(3, 32, 32), (1, 28, 28), (1, 8, 8)])
def test_models_run_on_every_dataset_shape(name, shape):
    model = build_model(name, 7, shape[0], width=0.25)
    with UnitRecorder(model) as rec:
        out = model(torch.randn(2, *shape))
    assert out.shape == (2, 7)
    assert all(a.shape[0] == 2 and a.dim() == 2 for a in rec.activations.values())


def test_leaky_relu_option():
    model = build_model("resnet20", 10, 3, activation="leaky_relu", negative_slope=0.5)
    acts = [u.activation for u in unit_layers(model).values()]
    assert all(isinstance(a, nn.LeakyReLU) and a.negative_slope == 0.5 for a in acts)
    with pytest.raises(ValueError, match="unknown activation"):
        build_model("resnet20", 10, 3, activation="tanh")
    with pytest.raises(ValueError, match="unknown model"):
        build_model("resnet21", 10)


def test_block_units_are_after_addition_and_nonlinearity():
    torch.manual_seed(0)
    model = build_model("resnet20", 10, 3, width=0.5).eval()
    x = torch.randn(3, 3, 16, 16)
    with UnitRecorder(model) as rec:
        model(x)
    block = model.layer1[0]
    stem = model.act1(model.bn1(model.conv1(x)))
    inner = torch.relu(block.bn1(block.conv1(stem)))
    out = torch.relu(block.bn2(block.conv2(inner)) + stem)
    assert torch.allclose(rec.activations["act1"], stem.mean((2, 3)))
    assert torch.allclose(rec.activations["layer1.0.act1"], inner.mean((2, 3)))
    assert torch.allclose(rec.activations["layer1.0.act2"], out.mean((2, 3)), atol=1e-6)


def test_recorder_on_a_users_own_model_by_module_name():
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Conv2d(4, 2, 3), nn.ReLU())
    x = torch.randn(5, 1, 8, 8)
    with UnitRecorder(model, layers=["1", "3"]) as rec:
        model(x)
    assert torch.allclose(rec.activations["3"], model(x).mean((2, 3)))
    with pytest.raises(ValueError, match="no Unit-marked layers"):
        UnitRecorder(model)
    # hooks are removed on exit
    assert not model[1]._forward_hooks


def test_collect_activations_batches_and_restores_mode():
    model = build_model("resnet20", 10, 1, width=0.25)
    model.train()
    x = torch.randn(7, 1, 8, 8)
    acts, logits = collect_activations(model, x, batch_size=3)
    assert model.training
    assert logits.shape == (7, 10) and len(acts) == 19
    model.eval()
    with UnitRecorder(model) as rec, torch.no_grad():
        model(x)
    for name in acts:
        assert torch.allclose(acts[name], rec.activations[name], atol=1e-5)
    assert all(isinstance(m, Unit) for m in unit_layers(model).values())


@pytest.mark.parametrize("name, params, layers", [("resnet18", 11_279_112, 17), ("resnet50", 23_917_832, 49)])
def test_imagenet_resnets_match_torchvisions_counts_and_units(name, params, layers):
    """torchvision's resnet18 / resnet50 with a 200-way head have exactly these parameter counts."""
    model = build_model(name, 200)
    assert count_parameters(model) == params
    units = unit_layers(model)
    assert len(units) == layers
    acts, logits = collect_activations(model, torch.randn(2, 3, 64, 64), batch_size=2)
    assert logits.shape == (2, 200) and len(acts) == layers
    last = 512 * (4 if name == "resnet50" else 1)
    assert acts[list(acts)[-1]].shape == (2, last)  # the last block's output after the addition
    # a block's last unit layer is the nonlinearity after the residual addition
    block = model.layer2[0]
    last = "act3" if name == "resnet50" else "act2"
    with UnitRecorder(model, detach=True, reduce=None) as rec:
        model(torch.randn(2, 3, 64, 64))
        x = rec.activations[f"layer2.0.{last}"]
    assert list(units)[-1] == (f"layer4.1.{last}" if name == "resnet18" else f"layer4.2.{last}")
    assert x.min() >= 0 and x.shape[2:] == (8, 8) and isinstance(block.shortcut, nn.Sequential)


def test_imagenet_resnet_stems():
    x = torch.randn(2, 3, 64, 64)
    with UnitRecorder(build_model("resnet18", 200), reduce=None, detach=True) as rec:
        rec.model(x)
        assert rec.activations["act1"].shape == (2, 64, 32, 32) and rec.activations["layer1.0.act2"].shape[2:] == (16, 16)
    small = build_model("resnet18", 200, stem="cifar")
    with UnitRecorder(small, reduce=None, detach=True) as rec:
        small(x)
        assert rec.activations["act1"].shape == (2, 64, 64, 64) and rec.activations["layer4.1.act2"].shape[2:] == (8, 8)
    assert count_parameters(small) == 11_279_112 - 64 * 3 * (49 - 9)
    with pytest.raises(ValueError, match="stem"):
        build_model("resnet50", 200, stem="tiny")
