import numpy as np
import pytest
import torch

from selectivity.analysis.activations import Activations, load_activations, save_activations
from selectivity.analysis.dead import dead_units
from selectivity.analysis.precision import default_n_top, precision
from selectivity.analysis.unit_metrics import layer_summary, network_summary, unit_table
from selectivity.metrics import layer_selectivity


def test_precision_by_hand():
    labels = np.array([0, 0, 1, 1, 2, 2])
    acts = np.array([
        [9.0, 1.0, 0.0],
        [8.0, 2.0, 0.0],
        [7.0, 9.0, 0.0],
        [1.0, 8.0, 0.0],
        [0.0, 7.0, 0.0],
        [0.0, 0.0, 0.0],
    ])
    # unit 0: top-3 images 0, 1, 2 -> classes 0, 0, 1 -> 2/3; unit 1: images 2, 3, 4 -> 1, 1, 2 -> 2/3
    # unit 2 (dead): ties keep the earliest images 0, 1, 2 -> 2/3
    assert precision(acts, labels, 3, 3).tolist() == pytest.approx([2 / 3, 2 / 3, 2 / 3])
    assert precision(acts, labels, 3, 2).tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert precision(acts, labels, 3, 6).tolist() == pytest.approx([1 / 3] * 3)
    with pytest.raises(ValueError):
        precision(acts, labels, 3, 0)


def test_paper_example_74_of_200():
    labels = np.array([0] * 74 + [1] * 66 + [2] * 60 + [3] * 100)
    acts = np.concatenate([np.linspace(10, 5, 200), np.zeros(100)])[:, None]
    assert precision(acts, labels, 4, 200)[0] == pytest.approx(0.37)  # 74 / 200


def test_default_n_is_images_per_class():
    assert default_n_top(np.arange(10000) % 10, 10) == 1000
    assert default_n_top(np.arange(359) % 10, 10) == 36


def test_dead_units_by_hand():
    acts = np.array([[0.0, 0.1, 0.0], [0.0, 0.0, -0.0], [0.0, 0.0, 0.0]])
    assert dead_units(acts).tolist() == [True, False, True]


def fake_acts(seed=0):
    rng = np.random.default_rng(seed)
    labels = np.arange(200) % 5
    a = np.maximum(rng.normal(size=(200, 6)) + (labels[:, None] == np.arange(6) % 5) * 2, 0)
    a[:, 4] = 0.0  # one dead unit
    b = np.maximum(rng.normal(size=(200, 3)), 0)
    return Activations({"l0": a, "l1": b}, labels, 5)


def test_unit_table_uses_the_training_definition_of_si():
    acts = fake_acts()
    units = unit_table(acts, n_top=40)
    assert len(units) == 9 and units["dead"].sum() == 1
    layers = layer_summary(units)
    labels = torch.from_numpy(acts.labels)
    training = layer_selectivity({k: torch.from_numpy(v) for k, v in acts.layers.items()}, labels, 5)
    assert layers["mean_si"].to_numpy() == pytest.approx(training.numpy(), abs=1e-6)
    assert network_summary(layers)["mean_si"] == pytest.approx(training.mean().item(), abs=1e-6)
    # without the dead unit (SI 0) the first layer's mean SI rises
    l0 = layers.set_index("layer").loc["l0"]
    assert l0["mean_si_alive"] > l0["mean_si"] and l0["dead_fraction"] == pytest.approx(1 / 6)
    assert units.loc[units["dead"], "si_alive"].isna().all()
    assert set(units["preferred_class"]) <= set(range(5))


def test_activations_round_trip(tmp_path):
    acts = fake_acts()
    save_activations(tmp_path / "a.npz", acts)
    back = load_activations(tmp_path / "a.npz")
    assert list(back.layers) == ["l0", "l1"] and back.num_classes == 5
    assert all(np.array_equal(acts.layers[k], back.layers[k]) for k in acts.layers)
