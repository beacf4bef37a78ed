"""PCA dimensionality of representations and of perturbation-induced changes, on analytic cases."""

import pytest
import torch
from torch import nn

from selectivity.robustness import layer_dimensionality, n_components, participation_ratio, pca_variances
from selectivity.units import Unit


def with_variances(variances, n=500, units=6, seed=0):
    """[n, units] data whose covariance has exactly the eigenvalues ``variances`` (then zeros)."""
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, len(variances), generator=g, dtype=torch.float64)
    z = torch.linalg.qr(z - z.mean(0))[0] * (n - 1) ** 0.5  # centered, orthogonal, unit variance
    rotation = torch.linalg.qr(torch.randn(units, units, generator=g, dtype=torch.float64))[0]
    return (z * torch.tensor(variances, dtype=torch.float64).sqrt()) @ rotation[: len(variances)] + 3.0


def test_isotropic_k_dimensional_data_has_participation_ratio_k():
    g = torch.Generator().manual_seed(1)
    for k in (1, 3, 8):
        basis = torch.linalg.qr(torch.randn(20, 20, generator=g))[0][:k]
        x = torch.randn(5000, k, generator=g) @ basis
        assert participation_ratio(x) == pytest.approx(k, rel=0.03)
        assert n_components(x, 0.9) == k and n_components(x, 0.99) == k


def test_rank_one_is_one_dimensional():
    x = torch.randn(100, 1) * torch.randn(1, 12) + torch.randn(1, 12)
    assert participation_ratio(x) == pytest.approx(1.0)
    assert n_components(x, 0.5) == 1 and n_components(x, 1.0) == 1


def test_components_count_the_variance_fraction():
    x = with_variances([4, 3, 2, 1])  # explained: 0.4, 0.7, 0.9, 1.0
    torch.testing.assert_close(pca_variances(x)[:5], torch.tensor([4, 3, 2, 1, 0], dtype=torch.float64))
    counts = {f: n_components(x, f) for f in (0.3, 0.4, 0.41, 0.7, 0.75, 0.9, 0.91, 1.0)}
    assert counts == {0.3: 1, 0.4: 1, 0.41: 2, 0.7: 2, 0.75: 3, 0.9: 3, 0.91: 4, 1.0: 4}
    assert participation_ratio(x) == pytest.approx(100 / 30)
    assert n_components(x.float(), 0.85) == 3 and participation_ratio(x.float()) == pytest.approx(100 / 30, rel=1e-5)


def test_no_variance_is_zero_dimensional_and_bad_input_raises():
    x = torch.full((50, 4), 0.7)
    assert participation_ratio(x) == 0.0 and n_components(x) == 0
    with pytest.raises(ValueError, match="fraction must be in"):
        n_components(with_variances([1, 1]), 0.0)
    with pytest.raises(ValueError, match=r"\[N, U\] with N >= 2"):
        participation_ratio(torch.ones(1, 4))


def test_layer_table_of_clean_and_change_dimensionality():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 6), Unit(nn.Identity()), nn.Linear(6, 5), Unit(nn.ReLU()), nn.Linear(5, 3))
    model.train()
    clean = torch.randn(300, 10)
    direction = torch.randn(1, 10)
    perturbed = clean + torch.randn(300, 1) * direction  # a rank-one change of the input
    table = layer_dimensionality(model, clean, perturbed, fraction=0.95, batch_size=128)
    assert model.training
    assert list(table.columns) == ["layer", "measure", "value"]
    value = table.set_index(["layer", "measure"])["value"]
    assert set(table["layer"]) == {"1", "3"}
    assert set(table["measure"]) == {"units", "clean_participation_ratio", "clean_components_95",
                                     "change_participation_ratio", "change_components_95"}
    assert value["1", "units"] == 6 and value["3", "units"] == 5
    assert value["1", "change_participation_ratio"] == pytest.approx(1.0) and value["1", "change_components_95"] == 1
    with torch.no_grad():
        first = model[0](clean)
    assert value["1", "clean_components_95"] == n_components(first, 0.95)
    assert value["1", "clean_participation_ratio"] == pytest.approx(participation_ratio(first), rel=1e-5)
    only_clean = layer_dimensionality(model, clean)
    assert not only_clean["measure"].str.startswith("change").any() and len(only_clean) == 6
    with pytest.raises(ValueError, match="perturbed"):
        layer_dimensionality(model, clean, perturbed[:10])
