import numpy as np
import pytest
import torch

from selectivity.files.activations import Activations, load_activations, save_activations
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
    assert network_summary(units)["mean_si"] == pytest.approx(training.mean().item(), abs=1e-6)
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


def test_dead_units_are_left_out_of_precision():
    """A dead unit's "top N images" are ties broken by test-set order: its precision is undefined
    (NaN) and left out of the layer's and the network's mean precision."""
    acts = fake_acts()
    units = unit_table(acts, n_top=40)
    dead = units[units["dead"]]
    assert len(dead) == 1 and dead["precision"].isna().all()
    live = units[(units.layer == "l0") & ~units["dead"]]
    layers = layer_summary(units).set_index("layer")
    assert layers.loc["l0", "mean_precision"] == pytest.approx(live["precision"].mean())
    net = network_summary(units)
    assert net["units_mean_precision"] == pytest.approx(units.loc[~units["dead"], "precision"].mean())
    assert net["mean_precision"] == pytest.approx(layers["mean_precision"].mean())


def test_si_outside_unit_interval_is_counted_and_a_median_is_given():
    """With leaky ReLUs activations go negative and Eq. 1 can leave [0, 1]; the summaries count
    those units and give the median beside the mean."""
    labels = np.arange(100) % 2
    a = np.stack([
        np.where(labels == 0, 1.0, 0.5),              # ordinary unit: SI = 1/3
        np.where(labels == 0, 1.0, -0.9),             # mu_max + mu_rest ~ 0.1: SI = 19
        np.where(labels == 0, -0.2, -1.0),            # both negative: SI = -0.8 / -1.2 < 0
        np.where(labels == 0, 2.0, 1.0),              # SI = 1/3
    ], axis=1)
    units = unit_table(Activations({"leaky": a}, labels, 2), n_top=50)
    assert units["si"].to_numpy() == pytest.approx([1 / 3, 19.0, -2 / 3, 1 / 3], rel=1e-5)
    outside = ((units["si"] < 0) | (units["si"] > 1)).sum()
    assert outside == 2
    layer = layer_summary(units).iloc[0]
    assert layer["n_si_outside"] == 2 and layer["median_si"] == pytest.approx(np.median(units["si"]))
    net = network_summary(units)
    assert net["n_si_outside"] == 2 and net["n_units"] == 4
    assert net["units_median_si"] == pytest.approx(np.median(units["si"])) and abs(net["units_median_si"]) < 1


def test_a_truncated_activation_dump_names_the_file(tmp_path):
    from selectivity.errors import InputError

    path = tmp_path / "activations.npz"
    save_activations(path, fake_acts())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"activations.npz: unreadable, the file is truncated or corrupt.*"
                                         r"dump_activations. job rebuilds it"):
        load_activations(path)
    # complete file, but one layer's rows do not match the labels
    acts = fake_acts()
    acts.layers["l1"] = acts.layers["l1"][:-3]
    save_activations(path, acts)
    with pytest.raises(InputError, match=r"layer 'l1' has shape \(197, 3\), expected \[200, units\]"):
        load_activations(path)
