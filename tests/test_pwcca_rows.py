"""PWCCA datapoints: the two readings of a convolutional layer, and the shared row draw."""

import numpy as np
import pytest
import torch
from torch import nn

from selectivity.analysis.pwcca_pairs import pairs_table
from selectivity.analysis.pwcca_rows import layer_rows, row_indices
from selectivity.cca import pwcca_distance
from selectivity.units import Unit, collect_activations

N, H, W = 200, 8, 8


class Lambda(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


class Net(nn.Module):
    """A fixed conv + tanh unit layer (its maps optionally transformed), then a linear unit layer."""

    def __init__(self, maps=lambda h: h):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.act = Unit(nn.Sequential(nn.Tanh(), Lambda(maps)))
        self.fc = nn.Linear(6, 4)
        self.fc_act = Unit(nn.ReLU())

    def forward(self, x):
        h = self.act(self.conv(x))
        return self.fc_act(self.fc(h.mean(dim=(2, 3))))


def images(n=N):
    return torch.randn(n, 3, H, W, generator=torch.Generator().manual_seed(1))


def spatial_shuffle(h):
    """Every channel's map permuted over positions by its own fixed permutation: spatial means kept."""
    g = torch.Generator().manual_seed(2)
    flat = h.reshape(h.shape[0], h.shape[1], -1)
    perms = [torch.randperm(flat.shape[2], generator=g) for _ in range(h.shape[1])]
    return torch.stack([flat[:, c, p] for c, p in enumerate(perms)], dim=1).reshape(h.shape)


def channel_rotation(h):
    """The same orthogonal rotation of the channel vector at every position."""
    q, _ = torch.linalg.qr(torch.randn(h.shape[1], h.shape[1], generator=torch.Generator().manual_seed(3)))
    return torch.einsum("uv,nvhw->nuhw", q, h)


def distance(a, b, reading, layer="act"):
    rows = [layer_rows(net, images(), "synthetic", reading, rows=3000) for net in (a, b)]
    return pwcca_distance(rows[0][layer].T, rows[1][layer].T)


def test_the_readings_disagree_when_spatial_means_match_but_positions_differ():
    a, b = Net(), Net(spatial_shuffle)
    assert distance(a, b, "images") < 1e-6  # identical spatial means
    assert distance(a, b, "positions") > 0.3  # the per-position patterns are unrelated


def test_a_channel_rotation_at_every_position_is_invisible_to_both_readings():
    a, b = Net(), Net(channel_rotation)
    assert distance(a, b, "images") < 1e-6
    assert distance(a, b, "positions") < 1e-6
    assert distance(a, Net(spatial_shuffle), "positions") > 0.3  # not a trivially zero distance


def test_rows_are_the_drawn_image_positions_and_the_same_for_every_network():
    """A layer that shows its input, whose channels hold the image index and the position index:
    the rows returned are exactly the drawn (image, position) pairs, whatever the weights."""
    n = 50
    index = torch.arange(n, dtype=torch.float32)[:, None, None].expand(n, H, W)
    position = torch.arange(H * W, dtype=torch.float32).reshape(1, H, W).expand(n, H, W)
    x = torch.stack([index, position, torch.zeros(n, H, W)], dim=1)

    class Show(nn.Module):
        def __init__(self, seed):
            super().__init__()
            torch.manual_seed(seed)
            self.fc = nn.Linear(3, 2)  # other weights, other networks
            self.act = Unit(nn.Identity())

        def forward(self, x):
            return self.fc(self.act(x).mean(dim=(2, 3)))

    picks = row_indices("synthetic", n, (3, H, W), 700)
    for seed in (0, 1):
        rows = layer_rows(Show(seed), x, "synthetic", "positions", rows=700, batch_size=7)["act"]
        assert rows.shape == (700, 3)
        np.testing.assert_array_equal(rows[:, 0], picks // (H * W))
        np.testing.assert_array_equal(rows[:, 1], picks % (H * W))


def test_the_row_draw_is_reproducible_and_tied_to_dataset_and_shape_only():
    first = row_indices("cifar10", 10_000, (16, 32, 32), 5000)
    assert np.array_equal(first, row_indices("cifar10", 10_000, (16, 32, 32), 5000))
    assert len(np.unique(first)) == 5000 and np.all(np.diff(first) > 0) and first.max() < 10_000 * 1024
    assert not np.array_equal(first, row_indices("fashion_mnist", 10_000, (16, 32, 32), 5000))
    assert not np.array_equal(first, row_indices("cifar10", 10_000, (32, 16, 16), 5000))
    assert np.array_equal(row_indices("digits", 3, (4, 2, 2), 100), np.arange(12))  # fewer pairs than rows: all


def test_images_reading_is_the_unit_activations_and_fc_layers_have_one_row_per_image():
    net, x = Net(), images()
    means, _ = collect_activations(net, x, batch_size=64)
    for reading in ("images", "positions"):
        rows = layer_rows(net, x, "synthetic", reading, rows=1000, batch_size=64)
        np.testing.assert_allclose(rows["fc_act"], means["fc_act"].numpy(), atol=1e-6)
        assert rows["fc_act"].shape == (N, 4)
    np.testing.assert_allclose(layer_rows(net, x, "synthetic", "images")["act"], means["act"].numpy(), atol=1e-6)
    assert layer_rows(net, x, "synthetic", "positions", rows=1000)["act"].shape == (1000, 6)
    with pytest.raises(ValueError, match="reading"):
        layer_rows(net, x, "synthetic", "pixels")


def test_pairs_refuse_networks_with_other_datapoints():
    rng = np.random.default_rng(0)
    runs = {s: {"act": rng.normal(size=(300, 6))} for s in (0, 1)}
    table = pairs_table(runs, {7: {"act": rng.normal(size=(300, 6))}}, "positions")
    assert list(table["kind"]) == ["within", "baseline", "baseline"] and set(table["rows"]) == {300}
    assert set(table["reading"]) == {"positions"}
    runs[1] = {"act": rng.normal(size=(299, 6))}
    with pytest.raises(ValueError, match="datapoints"):
        pairs_table(runs)
