"""Similarity datapoints: the two readings of a convolutional layer, the row rule, the shared row
draw, and the pairs table (every measure over the same rows; PWCCA refused on too few rows)."""

import numpy as np
import pytest
import torch
from torch import nn

from selectivity.analysis.similarity_pairs import pairs_table
from selectivity.analysis.similarity_rows import layer_rows, row_indices
from selectivity.similarity import pwcca_distance, rows_wanted
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


def rows_of(net, x, reading, rows=3000, **kw):
    """One reading's rows of every layer, the rule asking ``rows`` for every layer."""
    return layer_rows(net, x, "synthetic", (reading,), rows_per_neuron=1, min_rows=rows, **kw)[reading]


def distance(a, b, reading, layer="act"):
    rows = [rows_of(net, images(), reading) for net in (a, b)]
    return pwcca_distance(rows[0][layer], rows[1][layer])


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
        rows = rows_of(Show(seed), x, "positions", rows=700, batch_size=7)["act"]
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
    both = layer_rows(net, x, "synthetic", rows_per_neuron=1, min_rows=1000, batch_size=64)  # one pass, both readings
    for reading in ("images", "positions"):
        np.testing.assert_allclose(both[reading]["fc_act"], means["fc_act"].numpy(), atol=1e-6)
        assert both[reading]["fc_act"].shape == (N, 4)  # fewer images than the rule asks: all of them
    np.testing.assert_allclose(both["images"]["act"], means["act"].numpy(), atol=1e-6)
    assert both["positions"]["act"].shape == (1000, 6)
    with pytest.raises(ValueError, match="reading"):
        layer_rows(net, x, "synthetic", ("pixels",))


def test_the_row_rule_scales_with_the_layer_and_applies_to_both_readings():
    assert rows_wanted(16, 64, 1024) == 1024 and rows_wanted(64, 64, 1024) == 4096 and rows_wanted(512, 8, 1024) == 4096
    net, x = Net(), images()
    rows = layer_rows(net, x, "synthetic", rows_per_neuron=20, min_rows=50)  # 6 channels: 120 rows; fc 4: 80
    assert rows["positions"]["act"].shape == (120, 6) and rows["images"]["act"].shape == (120, 6)
    assert rows["positions"]["fc_act"].shape == (80, 4) and rows["images"]["fc_act"].shape == (80, 4)
    means, _ = collect_activations(net, x, batch_size=64)  # the images reading draws test images
    picks = row_indices("synthetic", N, (6, H, W), 120, "images")
    np.testing.assert_allclose(rows["images"]["act"], means["act"].numpy()[picks], atol=1e-6)
    # a one-position layer under "positions" is the images reading (the same images)
    np.testing.assert_allclose(rows["positions"]["fc_act"], rows["images"]["fc_act"])


def test_pairs_hold_every_measure_over_the_same_rows_and_refuse_networks_with_other_datapoints():
    rng = np.random.default_rng(0)
    runs = {s: {"positions": {"act": rng.normal(size=(300, 6))}} for s in (0, 1)}
    table = pairs_table(runs, {7: {"positions": {"act": rng.normal(size=(300, 6))}}}, rows_per_neuron=100, min_rows=10)
    assert list(table["kind"].unique()) == ["within", "baseline"] and len(table) == 3 * 3
    assert set(table["measure"]) == {"pwcca", "cka", "procrustes"} and set(table["rows"]) == {300}
    assert set(table["rows_wanted"]) == {600} and set(table["neurons"]) == {6}  # fewer rows than asked: said so
    assert set(table["reading"]) == {"positions"}
    within = table[table["kind"] == "within"].set_index("measure")["distance"]
    a, b = runs[0]["positions"]["act"], runs[1]["positions"]["act"]
    assert within["pwcca"] == pytest.approx(pwcca_distance(a, b), abs=1e-12)
    runs[1] = {"positions": {"act": rng.normal(size=(299, 6))}}
    with pytest.raises(ValueError, match="datapoints"):
        pairs_table(runs)


def test_pwcca_on_fewer_datapoints_than_neurons_is_refused_and_the_others_are_computed():
    rng = np.random.default_rng(0)
    runs = {s: {"images": {"wide": rng.normal(size=(40, 50))}} for s in (0, 1)}
    with pytest.raises(ValueError, match="layer 'wide' has 40 datapoints for 50 neurons under the 'images' reading: "
                                         "PWCCA needs more datapoints than neurons"):
        pairs_table(runs)
    assert len(pairs_table(runs, measures=("cka", "procrustes"))) == 2


def test_similarity_to_final_pairs_each_epoch_network_with_its_own_runs_final_one(tmp_path):
    """epoch_pairs_table compares (seed, epoch k) with that seed's final network only; a network
    identical to its final one is at distance 0; the epoch table's reader checks every (seed, epoch)."""
    from selectivity.analysis.similarity_pairs import epoch_pairs_table
    from selectivity.errors import InputError
    from selectivity.files.similarity import read_epoch_pairs, write_epoch_pairs

    rng = np.random.default_rng(1)
    final = {s: {"positions": {"act": rng.normal(size=(200, 5))}} for s in (0, 1)}
    at_epoch = {(0, 2): final[0], (1, 2): {"positions": {"act": rng.normal(size=(200, 5))}},
                (0, 4): {"positions": {"act": final[0]["positions"]["act"] @ rng.normal(size=(5, 5))}},
                (1, 4): {"positions": {"act": rng.normal(size=(200, 5))}}}
    table = epoch_pairs_table(final, at_epoch, rows_per_neuron=40, min_rows=10)
    assert len(table) == 4 * 3 and set(zip(table["seed"], table["epoch"])) == {(0, 2), (1, 2), (0, 4), (1, 4)}
    d = table.set_index(["seed", "epoch", "measure"])["distance"]
    assert d[(0, 2, "pwcca")] == pytest.approx(0, abs=1e-9) and d[(0, 2, "cka")] == pytest.approx(0, abs=1e-9)
    assert d[(0, 4, "pwcca")] == pytest.approx(0, abs=1e-6)  # PWCCA is invariant to an invertible linear map
    assert d[(1, 2, "pwcca")] == pytest.approx(pwcca_distance(at_epoch[(1, 2)]["positions"]["act"],
                                                              final[1]["positions"]["act"]), abs=1e-12)
    with pytest.raises(ValueError, match="seeds \\[3\\] have none"):
        epoch_pairs_table(final, {(3, 2): final[0]})
    path = tmp_path / "to_final_alpha_-1.csv"
    write_epoch_pairs(table, "dyn", -1, path)
    settings = {"readings": ["positions"], "measures": ["pwcca", "cka", "procrustes"], "rows_per_neuron": 40,
                "min_rows": 10}
    assert len(read_epoch_pairs([path], [-1], [0, 1], [2, 4], settings)) == 12
    with pytest.raises(InputError, match="does not hold every \\(seed, epoch\\)"):
        read_epoch_pairs([path], [-1], [0, 1], [2, 4, 6], settings)
    with pytest.raises(InputError, match="another row rule"):
        read_epoch_pairs([path], [-1], None, None, {**settings, "rows_per_neuron": 10})
    with pytest.raises(InputError, match="the config asks for"):
        read_epoch_pairs([path], [-1], None, None, {**settings, "measures": ["cka"]})
