import pytest
import torch

from selectivity.metrics import class_conditional_means, class_selectivity, layer_selectivity, mean_selectivity


def reference_si(acts, labels, eps=1e-7):
    """Eq. 1 written with plain loops over units and present classes."""
    out = []
    classes = sorted(set(labels.tolist()))
    for u in range(acts.shape[1]):
        means = [acts[labels == c, u].mean().item() for c in classes]
        mu_max = max(means)
        rest = list(means)
        rest.remove(mu_max)
        mu_rest = sum(rest) / len(rest)
        out.append((mu_max - mu_rest) / (mu_max + mu_rest + eps))
    return torch.tensor(out, dtype=acts.dtype)


def test_equal_class_means_give_zero():
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    acts = torch.tensor([[1.0, 5.0], [3.0, 5.0], [2.0, 5.0], [2.0, 5.0], [0.5, 5.0], [3.5, 5.0]])
    assert torch.allclose(class_selectivity(acts, labels, 3), torch.zeros(2), atol=1e-6)


def test_one_responding_class_gives_one():
    labels = torch.tensor([0, 1, 2, 3, 0, 1, 2, 3])
    acts = torch.tensor([[0.0], [0.0], [4.0], [0.0], [0.0], [0.0], [2.0], [0.0]])
    si = class_selectivity(acts, labels, 4, eps=0.0)
    assert si.item() == pytest.approx(1.0)


def test_hand_computed_value():
    # class means 1, 2, 3: mu_max = 3, mu_-max = 1.5, SI = 1.5 / 4.5 = 1/3
    labels = torch.tensor([0, 1, 2])
    acts = torch.tensor([[1.0], [2.0], [3.0]])
    assert class_selectivity(acts, labels, 3, eps=0.0).item() == pytest.approx(1 / 3)


def test_absent_classes_are_ignored():
    # only classes 2, 5, 7 of 10 appear: same as a 3-class problem with those samples
    torch.manual_seed(0)
    acts = torch.rand(30, 6)
    labels = torch.tensor([2, 5, 7] * 10)
    dense = torch.tensor([0, 1, 2] * 10)
    assert torch.allclose(class_selectivity(acts, labels, 10), class_selectivity(acts, dense, 3))
    # an absent class with a would-be mean of 0 must not count as a class with mean 0
    assert torch.allclose(class_selectivity(acts, labels, 10), reference_si(acts, labels))


def test_matches_reference_loop_on_random_data():
    torch.manual_seed(1)
    acts = torch.rand(200, 17, dtype=torch.float64) * 3
    labels = torch.randint(0, 8, (200,))
    assert torch.allclose(class_selectivity(acts, labels, 10), reference_si(acts, labels), atol=1e-10)


def test_fewer_than_two_classes_is_an_error():
    with pytest.raises(ValueError, match="at least 2 classes"):
        class_selectivity(torch.rand(4, 3), torch.tensor([1, 1, 1, 1]), 10)


def test_class_conditional_means():
    acts = torch.tensor([[1.0, 0.0], [3.0, 2.0], [5.0, 4.0]])
    means, counts = class_conditional_means(acts, torch.tensor([0, 0, 2]), 3)
    assert counts.tolist() == [2, 0, 1]
    assert means.tolist() == [[2.0, 1.0], [0.0, 0.0], [5.0, 4.0]]


def test_gradient_matches_finite_differences():
    torch.manual_seed(2)
    acts = (torch.rand(24, 5, dtype=torch.float64) + 0.1).requires_grad_()
    labels = torch.arange(24) % 4
    assert torch.autograd.gradcheck(lambda a: class_selectivity(a, labels, 4), (acts,))


def test_eq3_is_mean_over_layers_of_mean_over_units():
    torch.manual_seed(3)
    labels = torch.arange(40) % 4
    layers = {"a": torch.rand(40, 2), "b": torch.rand(40, 10)}
    per_layer = torch.stack([class_selectivity(v, labels, 4).mean() for v in layers.values()])
    assert torch.allclose(layer_selectivity(layers, labels, 4), per_layer)
    mu = mean_selectivity(layers, labels, 4)
    assert torch.allclose(mu, per_layer.mean())
    # and not the mean over all units of the network (which weights the wide layer 5x more)
    all_units = class_selectivity(torch.cat(list(layers.values()), 1), labels, 4).mean()
    assert not torch.allclose(mu, all_units)


@pytest.mark.parametrize("alpha", [-50.0, 50.0])
def test_gradient_step_moves_selectivity_with_the_sign_of_alpha(alpha):
    import torch.nn.functional as F

    from selectivity.models import build_model
    from selectivity.units import UnitRecorder

    torch.manual_seed(0)
    model = build_model("resnet20", 10, 3, width=0.5)
    x = torch.randn(64, 3, 16, 16)
    y = torch.arange(64) % 10
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)

    def mu_si():
        with UnitRecorder(model) as rec:
            logits = model(x)
        return logits, mean_selectivity(rec.activations, y, 10)

    logits, before = mu_si()
    loss = F.cross_entropy(logits, y) - alpha * before
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        _, after = mu_si()
    if alpha < 0:
        assert after < before - 1e-4
    else:
        assert after > before + 1e-4


def test_200_classes_in_a_minibatch_of_256_follow_eq1_over_the_present_classes():
    """Tiny ImageNet: most of 200 classes are absent from a minibatch of 256 or have one sample.
    Eq. 1 is over the classes present: the 200-way SI equals the SI of the same samples relabelled
    densely over only the classes present, and a reference loop over present classes."""
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 200, (256,), generator=g)
    acts = torch.rand(256, 12, generator=g, dtype=torch.float64).requires_grad_()
    present = labels.unique()
    assert 100 < len(present) < 200 and (torch.bincount(labels, minlength=200) == 1).sum() > 50
    dense = torch.searchsorted(present, labels)
    si = class_selectivity(acts, labels, 200)
    assert torch.allclose(si, class_selectivity(acts, dense, len(present)), atol=1e-12)
    assert torch.allclose(si, reference_si(acts.detach(), labels), atol=1e-10)
    si.sum().backward()
    assert torch.isfinite(acts.grad).all() and acts.grad.abs().sum() > 0
