"""FGSM and L-infinity PGD in [0, 1] pixel space, on a small model trained for a second on a
separable synthetic problem."""

import pytest
import torch
from torch import nn

from selectivity.robustness import accuracy_under_attack, fgsm, normalizer, pgd
from selectivity.units import Unit

EPS = [0, 2 / 255, 4 / 255, 8 / 255, 16 / 255]


@pytest.fixture(scope="module")
def problem():
    """(model, test images float [200, 3, 8, 8] in [0, 1], labels): 4 classes, one noisy template each."""
    g = torch.Generator().manual_seed(0)
    templates = 0.4 + 0.2 * torch.rand(4, 3, 8, 8, generator=g)
    y = torch.arange(600) % 4
    x = (templates[y] + 0.15 * torch.randn(600, 3, 8, 8, generator=g)).clamp(0, 1)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(192, 32), Unit(nn.ReLU()), nn.Linear(32, 4))
    opt = torch.optim.Adam(model.parameters(), 3e-2)
    for _ in range(25):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x[:400]), y[:400]).backward()
        opt.step()
    model.zero_grad(set_to_none=True)
    return model.eval(), x[400:], y[400:]


def test_eps_zero_changes_nothing(problem):
    model, x, y = problem
    assert torch.equal(fgsm(model, x, y, 0.0), x)
    assert torch.equal(pgd(model, x, y, 0.0), x)


@pytest.mark.parametrize("attack", ["fgsm", "pgd"])
def test_perturbation_within_eps_and_valid_pixels(problem, attack):
    model, x, y = problem
    for eps in (1 / 255, 8 / 255):
        adv = fgsm(model, x, y, eps) if attack == "fgsm" else pgd(model, x, y, eps, steps=5)
        assert (adv - x).abs().max() <= eps + 1e-6 and adv.min() >= 0 and adv.max() <= 1
        assert (adv - x).abs().max() > eps / 2  # it moved
    assert all(p.grad is None for p in model.parameters())  # only input gradients


def test_accuracy_falls_monotonically_with_eps_and_pgd_is_at_least_as_strong(problem):
    model, x, y = problem
    acc = {"fgsm": [accuracy_under_attack(model, x, y, "fgsm", eps) for eps in EPS],
           "pgd": [accuracy_under_attack(model, x, y, "pgd", eps, steps=10) for eps in EPS]}
    for a in acc.values():
        assert a[0] >= 0.95 and a[-1] <= 0.3
        assert all(later <= earlier for earlier, later in zip(a, a[1:])), a
    assert all(p <= f for p, f in zip(acc["pgd"], acc["fgsm"])), acc


def test_model_mode_is_kept_and_attacks_run_in_eval_mode():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), Unit(nn.ReLU()), nn.Dropout(0.5),
                          nn.Flatten(), nn.Linear(4 * 6 * 6, 3))
    x, y = torch.rand(16, 3, 8, 8), torch.arange(16) % 3
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    adv = pgd(model, x, y, 4 / 255, steps=3)
    adv_f = fgsm(model, x, y, 4 / 255)
    assert model.training
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # BN statistics untouched
    model.eval()
    assert torch.equal(adv, pgd(model, x, y, 4 / 255, steps=3)) and torch.equal(adv_f, fgsm(model, x, y, 4 / 255))
    assert not model.training


def test_normalize_is_applied_after_the_attack_in_pixel_space(problem):
    model, x, y = problem
    mean, std = [0.5, 0.4, 0.3], [0.2, 0.25, 0.3]
    norm = normalizer(mean, std)
    wrapped = nn.Sequential(nn.Identity(), model)
    wrapped[0].forward = norm
    for eps in (2 / 255, 8 / 255):
        torch.testing.assert_close(fgsm(model, x, y, eps, normalize=norm), fgsm(wrapped, x, y, eps))
        torch.testing.assert_close(pgd(model, x, y, eps, steps=3, normalize=norm), pgd(wrapped, x, y, eps, steps=3))


def test_accuracy_under_attack_takes_uint8_nhwc_and_batches(problem):
    model, x, y = problem
    u8 = (x * 255).round().to(torch.uint8)
    as_float = u8.float() / 255
    whole = accuracy_under_attack(model, as_float, y, "fgsm", 8 / 255, batch_size=1000)
    assert accuracy_under_attack(model, u8.permute(0, 2, 3, 1), y, "fgsm", 8 / 255, batch_size=64) == whole
    with pytest.raises(ValueError, match="unknown attack 'cw'"):
        accuracy_under_attack(model, x, y, "cw", 8 / 255)
