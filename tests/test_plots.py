"""Every figure renders from small fake tables (no training), and writes the statistics it shows."""

import numpy as np
import pandas as pd
import pytest

from selectivity.plots import fig2, fig3
from selectivity.plots.panels import STAT_COLUMNS
from selectivity.plots.registry import FIGURES
from selectivity.plots.style import alpha_colors

ALPHAS = [-10.0, -1.0, -0.1, 0.0, 0.1, 1.0, 10.0]
ACC = {-10: 0.80, -1: 0.905, -0.1: 0.91, 0: 0.91, 0.1: 0.909, 1: 0.7, 10: 0.3}


def fake_tables(tmp_path, name, n_seeds=5, n_layers=4, alphas=ALPHAS):
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    runs, layers = [], []
    for a in alphas:
        for s in range(n_seeds):
            si = 0.22 + 0.05 * np.sign(a) * np.log1p(abs(a)) + rng.normal(0, 0.005)
            runs.append({"experiment": name, "alpha": a, "seed": s,
                         "test_accuracy": ACC[a] + rng.normal(0, 0.002), "test_mean_si": si, "mean_si": si,
                         "mean_si_alive": si + 0.01, "mean_precision": 0.3 + si / 2,
                         "dead_fraction": max(0.0, a) / 20, "units_mean_si": si + 0.01,
                         "units_mean_si_alive": si + 0.02, "units_mean_precision": 0.31 + si / 2})
            for layer in range(n_layers):
                layers.append({"experiment": name, "alpha": a, "seed": s, "layer_index": layer,
                               "layer": f"l{layer}", "n_units": 8, "mean_si": si + 0.02 * layer,
                               "mean_si_alive": si + 0.02 * layer + 0.01, "mean_precision": 0.3 + si / 2,
                               "dead_fraction": max(0.0, a) / 20 * rng.uniform()})
    runs, layers = pd.DataFrame(runs), pd.DataFrame(layers)
    paths = {}
    for subset, keep in (("all", runs.alpha == runs.alpha), ("penalize", runs.alpha <= 0), ("promote", runs.alpha >= 0)):
        paths[f"runs_{subset}"] = tmp_path / f"{name}_runs_{subset}.csv"
        runs[keep].to_csv(paths[f"runs_{subset}"], index=False)
        paths[f"layers_{subset}"] = tmp_path / f"{name}_layers_{subset}.csv"
        layers[layers.alpha.isin(runs[keep].alpha)].to_csv(paths[f"layers_{subset}"], index=False)
    return paths


def fake_pwcca(tmp_path, n_seeds=4, n_layers=4):
    rng = np.random.default_rng(0)
    paths = []
    for a in (-10.0, -1.0, 0.0):
        rows = []
        for layer in range(n_layers):
            for i in range(n_seeds):
                for j in range(i + 1, n_seeds):
                    rows.append({"experiment": "resnet20", "alpha": a, "layer_index": layer, "layer": f"l{layer}",
                                 "kind": "within", "seed_a": i, "seed_b": j, "distance": 0.1 + rng.normal(0, 0.01)})
                if a != 0:
                    for j in range(n_seeds):
                        rows.append({"experiment": "resnet20", "alpha": a, "layer_index": layer, "layer": f"l{layer}",
                                     "kind": "baseline", "seed_a": i, "seed_b": j,
                                     "distance": 0.1 + 0.02 * abs(a) + rng.normal(0, 0.01)})
        path = tmp_path / f"pwcca_{a}.csv"
        pd.DataFrame(rows).to_csv(path, index=False)
        paths.append(path)
    return paths


@pytest.mark.parametrize("fig", sorted(FIGURES))
def test_every_figure_renders_from_fake_tables(fig, tmp_path):
    import importlib

    needs = FIGURES[fig]
    names = ["a", "b"] if needs.get("multi") else ["resnet20"]
    tables = {n: fake_tables(tmp_path, n) for n in names}
    inputs = {key: [tables[n][f"{key}_{subset}"] for n in names] for key, subset in needs["tables"].items()}
    if needs.get("pwcca"):
        inputs["pwcca"] = fake_pwcca(tmp_path)
    module = importlib.import_module(f"selectivity.plots.{fig}")
    stats = module.make(inputs, tmp_path / f"{fig}.pdf", tmp_path / f"{fig}.csv", n_bootstrap=200)
    assert (tmp_path / f"{fig}.pdf").read_bytes()[:5] == b"%PDF-"
    table = pd.read_csv(tmp_path / f"{fig}.csv")
    assert list(table.columns) == STAT_COLUMNS and len(table) == len(stats) > 0
    assert (table["ci_low"] <= table["mean"] + 1e-12).all() and (table["mean"] <= table["ci_high"] + 1e-12).all()


def test_fig2_statistics_and_stars(tmp_path):
    paths = fake_tables(tmp_path, "resnet20")
    fig2.make({"runs": [paths["runs_penalize"]]}, tmp_path / "fig2.pdf", tmp_path / "fig2.csv", n_bootstrap=500)
    table = pd.read_csv(tmp_path / "fig2.csv")
    acc = table[(table.panel == "a")].set_index("alpha")
    assert list(acc.index) == [-10.0, -1.0, -0.1, 0.0]  # positive alphas are not in Figure 2
    assert acc.loc[-10.0, "stars"] == "**" and acc.loc[-10.0, "p_corrected"] < 5e-6 and acc.loc[-10.0, "n"] == 5
    assert acc.loc[-0.1, "p_corrected"] > 0.05 and pd.isna(acc.loc[-0.1, "stars"])
    assert acc.loc[0.0, "test"] == "control"
    assert set(table[table.panel == "c"]["quantity"]) == {"test_mean_si"}


def test_fig3_ratio_and_paired_test(tmp_path):
    stats = fig3.make({"pwcca": fake_pwcca(tmp_path)}, tmp_path / "f.pdf", tmp_path / "f.csv", n_bootstrap=200)
    ratio = stats[stats.quantity == "cca_distance_ratio"].set_index("alpha")
    assert list(ratio.index) == [-10.0, -1.0]
    assert ratio.loc[-10.0, "mean"] == pytest.approx(0.3 / 0.1, rel=0.1)  # (0.1 + 0.2) / 0.1
    assert ratio.loc[-10.0, "p"] < 1e-3 and ratio.loc[-10.0, "mean"] > ratio.loc[-1.0, "mean"]
    assert set(stats[stats.panel == "a"]["quantity"]) == {"pwcca_distance_within", "pwcca_distance_baseline"}
    per_layer = stats[(stats.quantity == "cca_distance_ratio_layer") & (stats.alpha == -10.0)]
    assert len(per_layer) == 4 and per_layer["mean"].mean() == pytest.approx(ratio.loc[-10.0, "mean"])


def test_figure_without_baseline_is_an_error(tmp_path):
    paths = fake_tables(tmp_path, "x", alphas=[-10.0, -1.0])
    with pytest.raises(ValueError, match="alpha = 0"):
        fig2.make({"runs": [paths["runs_penalize"]]}, tmp_path / "f.pdf", tmp_path / "f.csv")
    assert not (tmp_path / "f.pdf").exists()


def test_alpha_colours_blue_for_negative_red_for_positive():
    colors = alpha_colors([-10, -0.1, 0, 0.1, 10])
    r, g, b, _ = colors[-10]
    assert b > r
    r, g, b, _ = colors[10]
    assert r > b
    assert sum(colors[-10][:3]) < sum(colors[-0.1][:3])  # larger |alpha| is darker
