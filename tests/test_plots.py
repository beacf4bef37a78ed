"""Every figure renders from small fake tables (no training) through its spec, and writes the
statistics it shows; the statistics are the paper's (per-network Fig. 3, split Fig. 5a, the
configured network mean, dead units out of precision, SI outside [0, 1] counted)."""

import copy

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import ROOT
from selectivity.analysis.unit_metrics import LAYER_COLUMNS
from selectivity.config import figure_params, validate_config
from selectivity.errors import InputError
from selectivity.plots.panels import STAT_COLUMNS
from selectivity.plots.render import FigureData, load_figure_data, render
from selectivity.plots.specs import FIGURES, KINDS
from selectivity.plots.style import alpha_colors
from selectivity.robustness.params import CORRUPTIONS
from selectivity.stats import bootstrap_ci, paired_t
from selectivity.files.runs import RUNS_TABLE_COLUMNS

SCHEMA = ROOT / "workflow/schemas/config.schema.yaml"
ALPHAS = [-10.0, -1.0, -0.1, 0.0, 0.1, 1.0, 10.0]
ACC = {-10: 0.80, -1: 0.905, -0.1: 0.91, 0: 0.91, 0.1: 0.909, 1: 0.7, 10: 0.3}
N_SEEDS, N_LAYERS = 5, 4


def fake_config(network_mean="layers", **figures):
    """config.yaml with 5 seeds and the fake tables' alphas (leaky experiments: alpha >= 0)."""
    c = yaml.safe_load((ROOT / "config.yaml").read_text())
    for name in ("dynamics", "dynamics_early", "dynamics_late"):  # config/dynamics.yaml's (not the paper's)
        c["experiments"][name] = copy.deepcopy(c["experiments"]["resnet20"])
    for name, exp in c["experiments"].items():
        exp["seeds"] = N_SEEDS
        exp["alphas"] = [a for a in ALPHAS if a >= 0] if "leaky" in name else list(ALPHAS)
    c.setdefault("analysis", {})["network_mean"] = network_mean
    c["stats"]["n_bootstrap"] = 200
    c["figures"].update(figures)
    return validate_config(c, SCHEMA)


def fake_runs(name, alphas=ALPHAS, n_seeds=N_SEEDS):
    rng = np.random.default_rng(sum(map(ord, name)))
    runs, layers = [], []
    for a in alphas:
        for s in range(n_seeds):
            si = 0.22 + 0.05 * np.sign(a) * np.log1p(abs(a)) + rng.normal(0, 0.005)
            row = {c: 0 for c in RUNS_TABLE_COLUMNS}
            row.update({"experiment": name, "dataset": "cifar10", "model": "resnet20", "alpha": a, "seed": s,
                        "test_accuracy": ACC[a] + rng.normal(0, 0.002), "test_mean_si": si, "mean_si": si,
                        "median_si": si - 0.02, "mean_si_alive": si + 0.01, "mean_precision": 0.3 + si / 2,
                        "dead_fraction": max(0.0, a) / 20, "units_mean_si": si + 0.05,
                        "units_median_si": si + 0.03, "units_mean_si_alive": si + 0.06,
                        "units_mean_precision": 0.31 + si / 2, "units_dead_fraction": max(0.0, a) / 25,
                        "n_units": 40, "n_si_outside": int(a == 10.0) * 2, "best_epoch": 3, "epochs": 4,
                        "mean_si_null": 0.08, "units_mean_si_null": 0.09, "mean_precision_all": 0.3 + si / 2,
                        "units_mean_precision_all": 0.31 + si / 2,
                        "config_hash": "h", "best_val_accuracy": 0.9, "last_epoch": 4, "last_val_accuracy": 0.89,
                        "last_test_mean_si": si + 0.003})
            row["last_test_accuracy"] = row["test_accuracy"] - 0.004
            runs.append(row)
            for layer in range(N_LAYERS):
                layers.append({**dict.fromkeys(LAYER_COLUMNS, 0.0),  # a quantity added later: 0
                               "experiment": name, "alpha": a, "seed": s, "layer_index": layer, "layer": f"l{layer}",
                               "n_units": 10, "mean_si": si + 0.02 * layer, "median_si": si + 0.01 * layer,
                               "mean_si_alive": si + 0.02 * layer + 0.01, "mean_precision": 0.3 + si / 2,
                               "dead_fraction": max(0.0, a) / 20 * rng.uniform(), "n_si_outside": 0,
                               "mean_si_null": 0.07 + 0.005 * layer, "mean_precision_all": 0.3 + si / 2})
    return pd.DataFrame(runs)[RUNS_TABLE_COLUMNS], pd.DataFrame(layers)[["experiment", "alpha", "seed"] + LAYER_COLUMNS]


MEASURES = ("pwcca", "cka", "procrustes")
READINGS = ("positions", "images")


def fake_similarity(tmp_path, alphas=(-10.0, -1.0, -0.1, 0.0), n_seeds=N_SEEDS, n_layers=N_LAYERS, gap=0.02,
                    rng_seed=0, gaps=None, measures=MEASURES, readings=READINGS, rows_per_neuron=64, min_rows=1024):
    """Similarity tables: within distances ~0.1, distances to alpha = 0 ~0.1 + gap * |alpha|, where
    gap is gaps[(measure, reading)] if given; layers of 16 neurons (rows: the rule's)."""
    rng = np.random.default_rng(rng_seed)
    wanted = max(min_rows, rows_per_neuron * 16)
    paths = []
    for a in alphas:
        rows = []
        for measure in measures:
            for reading in readings:
                g = (gaps or {}).get((measure, reading), gap)
                for layer in range(n_layers):
                    run = {"experiment": "resnet20", "alpha": a, "reading": reading, "measure": measure,
                           "layer_index": layer, "layer": f"l{layer}", "neurons": 16, "rows": wanted,
                           "rows_wanted": wanted}
                    for i in range(n_seeds):
                        for j in range(i + 1, n_seeds):
                            rows.append({**run, "kind": "within", "seed_a": i, "seed_b": j,
                                         "distance": 0.1 + rng.normal(0, 0.01)})
                        if a != 0:
                            for j in range(n_seeds):
                                rows.append({**run, "kind": "baseline", "seed_a": i, "seed_b": j,
                                             "distance": 0.1 + g * abs(a) + rng.normal(0, 0.01)})
        path = tmp_path / f"similarity_{a}.csv"
        pd.DataFrame(rows).to_csv(path, index=False)
        paths.append(path)
    return paths


def fake_robustness(name, alphas=ALPHAS, n_seeds=N_SEEDS, n_layers=N_LAYERS):
    """A robustness_all.csv: lower selectivity (alpha < 0) more robust to corruptions, less to PGD."""
    rng = np.random.default_rng(sum(map(ord, name)) + 1)
    rows = []
    for a in alphas:
        for s in range(n_seeds):
            run = {"experiment": name, "alpha": a, "seed": s, "layer": ""}
            clean = 0.9 + rng.normal(0, 0.002)  # the same clean accuracy: only robustness differs
            rows.append({**run, "kind": "corruption", "name": "none", "level": 0, "measure": "accuracy", "value": clean})
            for c in CORRUPTIONS:  # all 19: every corruption set is there
                for sev in (1, 3, 5):
                    drop = 0.05 * sev * (1 + 0.02 * a) + rng.normal(0, 0.005)
                    rows.append({**run, "kind": "corruption", "name": c, "level": sev, "measure": "accuracy",
                                 "value": max(0.0, clean - drop)})
            rows.append({**run, "kind": "attack", "name": "none", "level": 0, "measure": "accuracy", "value": clean})
            for attack, k in (("fgsm", 0.04), ("pgd", 0.06)):
                for eps in (1, 2, 4, 8):
                    rows.append({**run, "kind": "attack", "name": attack, "level": eps, "measure": "accuracy",
                                 "value": max(0.0, clean - k * eps * (1 - 0.02 * a) + rng.normal(0, 0.005))})
            for layer in range(n_layers):
                for pert, level in (("clean", 0), ("gaussian_noise", 3), ("pgd", 2)):
                    pr = 3 + layer - 0.05 * a + (pert != "clean") + rng.normal(0, 0.1)
                    for measure, value in (("participation_ratio", pr), ("components_90", round(2 * pr))):
                        rows.append({**run, "layer": f"l{layer}", "kind": "dimensionality", "name": pert,
                                     "level": level, "measure": measure, "value": value})
                rows.append({**run, "layer": f"l{layer}", "kind": "dimensionality", "name": "clean", "level": 0,
                             "measure": "units", "value": 10})
    return pd.DataFrame(rows)


def fake_epochs(name, alphas=ALPHAS, n_seeds=N_SEEDS, epochs=6):
    """A per-epoch table: network SI rising to epoch 2, then declining (alpha shifts it)."""
    from selectivity.files.epochs import epoch_rows

    rng = np.random.default_rng(sum(map(ord, name)) + 2)
    rows = []
    for a in alphas:
        for s in range(n_seeds):
            for e in range(epochs + 1):
                si = [0.2 + 0.1 * min(e, 2) - 0.02 * max(0, e - 2) + 0.01 * a + 0.01 * layer + rng.normal(0, 0.005)
                      for layer in range(N_LAYERS)]
                pairs = [(f"l{i}", v) for i, v in enumerate(si)] + [("network", float(np.mean(si)))]
                rows += epoch_rows(name, a, s, e, a if e else 0.0, pairs, 0.5 + 0.05 * e, 100)
    return pd.DataFrame(rows)


def figure_inputs(tmp_path, params):
    """Fake input tables of a figure, as its rule would pass them."""
    kind = KINDS[params["kind"]]
    inputs = {t: [] for t in kind.tables}
    for e in params["experiments"]:
        alphas = params["expected"][e]["alphas"]
        runs, layers = fake_runs(e, alphas)
        for t, df in (("runs", runs), ("layers", layers)):
            if t in kind.tables:
                path = tmp_path / f"{e}_{t}_{params['subset']}.csv"
                df.to_csv(path, index=False)
                inputs[t].append(path)
        if "epochs" in kind.tables:
            path = tmp_path / f"{e}_epochs_all.csv"
            fake_epochs(e, alphas).to_csv(path, index=False)
            inputs["epochs"].append(path)
        if "robustness" in kind.tables:
            path = tmp_path / f"{e}_robustness_all.csv"
            fake_robustness(e, alphas).to_csv(path, index=False)
            inputs["robustness"].append(path)
    if kind.similarity:
        inputs["similarity"] = fake_similarity(tmp_path)
    return inputs


@pytest.mark.parametrize("fig", sorted(FIGURES))
def test_every_figure_renders_from_its_spec(fig, tmp_path):
    params = figure_params(fake_config(), fig)
    stats = render(params, figure_inputs(tmp_path, params), tmp_path / f"{fig}.pdf", tmp_path / f"{fig}.csv")
    assert (tmp_path / f"{fig}.pdf").read_bytes()[:5] == b"%PDF-"
    table = pd.read_csv(tmp_path / f"{fig}.csv")
    extra = {"similarity": ["measure", "reading", "rows", "rows_wanted"]}.get(FIGURES[fig].kind, [])
    extra = ["name", "level"] if FIGURES[fig].kind.startswith("robust_") else extra
    extra = extra + ["subset"] if FIGURES[fig].kind in ("robust_si", "robust_dimensionality") else extra
    extra = {"si_dynamics": ["epoch"], "schedules": ["schedule"]}.get(FIGURES[fig].kind, extra)
    assert list(table.columns) == STAT_COLUMNS + extra and len(table) == len(stats) > 0
    if FIGURES[fig].kind == "schedules":  # its test rows (one per pair of schedules) hold no mean
        table = table[table["mean"].notna()]
    assert (table["ci_low"] <= table["mean"] + 1e-12).all() and (table["mean"] <= table["ci_high"] + 1e-12).all()


def test_titles_name_the_experiments_model(tmp_path):
    c = fake_config()
    c["experiments"]["resnet20"]["model"] = "vgg16"
    assert figure_params(c, "fig2")["title"] == "Effects of reducing class selectivity on test accuracy (VGG16)"
    c["experiments"]["resnet20"].update(model="resnet20", model_options={"activation": "leaky_relu", "negative_slope": 0.5})
    assert "(ResNet20 (leaky ReLU, b = 0.5))" in figure_params(c, "fig1")["title"]
    assert figure_params(c, "figA12")["title"].endswith("(ResNet20, VGG16)")


def test_fig2_statistics_and_stars(tmp_path):
    params = figure_params(fake_config(), "fig2")
    render(params, figure_inputs(tmp_path, params), tmp_path / "fig2.pdf", tmp_path / "fig2.csv")
    table = pd.read_csv(tmp_path / "fig2.csv")
    acc = table[(table.panel == "a")].set_index("alpha")
    assert list(acc.index) == [-10.0, -1.0, -0.1, 0.0]  # positive alphas are not in Figure 2
    assert acc.loc[-10.0, "stars"] == "**" and acc.loc[-10.0, "p_corrected"] < 5e-6 and acc.loc[-10.0, "n"] == 5
    assert acc.loc[-0.1, "p_corrected"] > 0.05 and pd.isna(acc.loc[-0.1, "stars"])
    assert acc.loc[0.0, "test"] == "control"
    zoom = table[table.panel == "b"].set_index("alpha")  # the zoomed panel's numbers: |alpha| <= 1
    assert list(zoom.index) == [-1.0, -0.1, 0.0] and (zoom["mean"] == acc.loc[zoom.index, "mean"]).all()


@pytest.mark.parametrize("reading, column, label", [("layers", "mean_si", "mean of layer means"),
                                                    ("units", "units_mean_si", "mean over all units")])
def test_one_network_mean_for_every_figure(tmp_path, reading, column, label):
    """Fig. 1b and Fig. 2c show the same network SI (the paper quotes one number for both), in the
    configured reading, and their axes say which one."""
    c = fake_config(network_mean=reading)
    shown = {}
    for fig, panel in (("fig1", "b"), ("fig2", "c"), ("fig5", "b"), ("figA12", "b")):
        params = figure_params(c, fig)
        data = load_figure_data(params, figure_inputs(tmp_path, params))
        kind = KINDS[params["kind"]]
        import importlib

        figure, axes, stats = getattr(importlib.import_module(f"selectivity.plots.{kind.module}"), kind.function)(data)
        rows = stats[(stats.panel == panel) & (stats.quantity == column)]
        assert len(rows), (fig, stats.quantity.unique())
        runs = data.runs[0]
        expected = runs[runs.experiment == data.params["experiments"][0]].groupby("alpha")[column].mean()
        got = rows[rows.experiment == data.params["experiments"][0]].set_index("alpha")["mean"]
        assert np.allclose(got.sort_index(), expected.loc[got.index].sort_index())
        labels = [ax.get_xlabel() + "|" + ax.get_ylabel() for ax in axes]
        assert any(f"class selectivity index ({label})" in t for t in labels), (fig, labels)
        shown[fig] = got.loc[0.0]
    assert len({round(v, 12) for v in shown.values()}) == 1  # the same value at alpha = 0 everywhere


def test_fig3_tests_networks_not_layers(tmp_path):
    """n = seeds, the CI bootstraps networks' ratios, the paired t-test pairs each network's mean
    distance to alpha = 0 with its mean distance to its replicates; per measure and reading."""
    params = figure_params(fake_config(), "fig3")
    gaps = {("pwcca", "positions"): 0.02, ("pwcca", "images"): 0.0, ("cka", "positions"): 0.005}
    paths = fake_similarity(tmp_path, gaps=gaps, gap=0.01)
    stats = render(params, {"similarity": paths}, tmp_path / "f.pdf", tmp_path / "f.csv")
    assert set(zip(stats["measure"], stats["reading"])) == {(m, r) for m in MEASURES for r in READINGS}
    ratios = stats[stats.quantity == "distance_ratio"]
    assert len(ratios) == 3 * len(MEASURES) * len(READINGS)
    ratio = ratios[(ratios.measure == "pwcca") & (ratios.reading == "positions")].set_index("alpha")
    assert list(ratio.index) == [-10.0, -1.0, -0.1] and (ratio["n"] == N_SEEDS).all()
    pairs = pd.read_csv(paths[0])  # alpha = -10, by hand
    pairs = pairs[(pairs.measure == "pwcca") & (pairs.reading == "positions")]
    per_net = []
    for i in range(N_SEEDS):
        w = pairs[(pairs.kind == "within") & ((pairs.seed_a == i) | (pairs.seed_b == i))].groupby("layer_index")["distance"].mean()
        b = pairs[(pairs.kind == "baseline") & (pairs.seed_a == i)].groupby("layer_index")["distance"].mean()
        per_net.append(((b / w).mean(), b.mean(), w.mean()))
    r, b, w = map(np.array, zip(*per_net))
    assert ratio.loc[-10.0, "mean"] == pytest.approx(r.mean())
    assert (ratio.loc[-10.0, "ci_low"], ratio.loc[-10.0, "ci_high"]) == pytest.approx(bootstrap_ci(r, 0.95, 200, 0))
    assert ratio.loc[-10.0, "statistic"] == pytest.approx(paired_t(b, w)[0])
    assert ratio.loc[-10.0, "mean"] == pytest.approx(0.3 / 0.1, rel=0.1) and ratio.loc[-10.0, "stars"] == "*"
    # each (measure, reading) from its own pairs: no effect under PWCCA over images, a small one under CKA
    by = ratios[ratios.alpha == -10.0].set_index(["measure", "reading"])["mean"]
    assert by["pwcca", "images"] == pytest.approx(1.0, abs=0.05)
    assert by["cka", "positions"] == pytest.approx(0.15 / 0.1, rel=0.1)
    assert by["procrustes", "images"] == pytest.approx(0.2 / 0.1, rel=0.1)
    panel_a = stats[stats.panel == "a"]
    assert set(panel_a["quantity"]) == {"distance_within", "distance_between"}
    assert (panel_a["n"] == N_SEEDS).all()  # bands over networks, not over pairs
    per_layer = stats[(stats.panel == "c") & (stats.alpha == -10.0) & (stats.measure == "cka")
                      & (stats.reading == "images")]
    assert len(per_layer) == N_LAYERS and set(per_layer["rows"]) == {1024}


def test_fig3_names_its_readings_and_rule_and_refuses_tables_of_others(tmp_path):
    params = figure_params(fake_config(), "fig3")
    assert params["similarity"] == {"readings": ["positions", "images"], "measures": list(MEASURES),
                                    "rows_per_neuron": 64, "min_rows": 1024}
    assert "max(1,024, 64 × its neurons)" in params["caption"]
    assert "(test image, position) rows" in params["caption"] and "spatial mean" in params["caption"]
    paths = fake_similarity(tmp_path)
    render(params, {"similarity": paths}, tmp_path / "f.pdf", tmp_path / "f.csv")
    for key, value, match in (("similarity_readings", ["images"], "readings \\['images', 'positions'\\], the "
                                                                  "config asks for \\['images'\\]"),
                              ("similarity_measures", ["pwcca"], "measures \\['cka', 'procrustes', 'pwcca'\\]"),
                              ("rows_per_neuron", 128, "another row rule than the config's")):
        c = fake_config()
        c["analysis"][key] = value
        with pytest.raises(InputError, match=match):
            render(figure_params(c, "fig3"), {"similarity": paths}, tmp_path / "f.pdf", tmp_path / "f.csv")
    c = fake_config()
    c["analysis"]["similarity_readings"] = ["images"]
    assert "(image, position)" not in figure_params(c, "fig3")["caption"]
    assert "similarity" not in figure_params(c, "fig2")  # other figures do not rerun when these keys change


def test_fig3_refuses_a_layer_whose_pairs_saw_different_datapoints(tmp_path):
    paths = fake_similarity(tmp_path)
    df = pd.read_csv(paths[1])
    df.loc[df.index[0], "rows"] -= 1
    df.to_csv(paths[1], index=False)
    with pytest.raises(InputError, match="different numbers of datapoints"):
        render(figure_params(fake_config(), "fig3"), {"similarity": paths}, tmp_path / "f.pdf", tmp_path / "f.csv")


def test_fig3_without_an_effect_is_not_starred(tmp_path):
    params = figure_params(fake_config(), "fig3")
    stats = render(params, {"similarity": fake_similarity(tmp_path, gap=0.0)}, tmp_path / "f.pdf", tmp_path / "f.csv")
    ratio = stats[stats.quantity == "distance_ratio"]
    assert ratio["mean"].between(0.9, 1.1).all() and (ratio["stars"].fillna("") == "").all()


def test_titles_describe_and_captions_attribute_the_papers_findings():
    """A figure drawn from a user's runs must not assert a finding its runs may not show."""
    c = fake_config()
    assertions = ("suppressed", "not rotated", "harms", "stabilizes", "does not rescue", "deleterious")
    for name in FIGURES:
        if not all(e in c["experiments"] for e in figure_params(c, name)["experiments"]):
            continue
        params = figure_params(c, name)
        assert not any(a in params["title"].lower() for a in assertions), (name, params["title"])
        if FIGURES[name].finding:
            where, words = FIGURES[name].finding
            assert f"The paper reports ({where}): “{words}.”" in params["caption"]
    assert figure_params(c, "fig3")["title"].startswith("Using representational similarity to check whether class "
                                                        "selectivity is rotated off-axis")


def test_fig5a_draws_split_distributions_with_mean_and_quartiles(tmp_path):
    from matplotlib.collections import LineCollection, PolyCollection

    from selectivity.plots.signs import sign_distributions_figure

    params = figure_params(fake_config(), "fig5")
    data = load_figure_data(params, figure_inputs(tmp_path, params))
    fig, axes, stats = sign_distributions_figure(data)
    ax, runs = axes[0], data.runs[0]
    halves = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(halves) == 2 * 3  # |alpha| in {0.1, 1, 10}, one half per sign
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    solid = {round(seg[0][1], 9) for c in lines if c.get_linestyle()[0][1] is None for seg in c.get_segments()}
    dashed = {round(seg[0][1], 9) for c in lines if c.get_linestyle()[0][1] is not None for seg in c.get_segments()}
    for a in (-10.0, -1.0, -0.1, 0.1, 1.0, 10.0):
        vals = runs.loc[runs.alpha == a, "test_accuracy"]
        assert round(vals.mean(), 9) in solid
        assert {round(q, 9) for q in np.quantile(vals, [0.25, 0.75])} <= dashed
    ranks = stats[stats.panel == "a"]
    assert ranks["test"].str.contains("rank-sum").all()


@pytest.mark.parametrize("name", ["fig5", "figA6"])
def test_the_sign_figures_use_their_specs_test(tmp_path, name):
    from selectivity.plots.signs import sign_distributions_figure, sign_lines_figure
    from selectivity.stats import compare_signs

    draw = sign_distributions_figure if name == "fig5" else sign_lines_figure
    params = figure_params(fake_config(), name)
    data = load_figure_data(params, figure_inputs(tmp_path, params))
    assert params["test"] == "ranksum"  # the paper's
    for test, words in (("ranksum", "rank-sum"), ("t", "t-test")):
        data.params = {**params, "test": test}
        stats = draw(data)[2]
        a = stats[stats.panel == "a"].sort_values("alpha")
        assert a["test"].str.contains(words).all()
        want = compare_signs(data.runs[0], "test_accuracy", test=test, **data.opts)
        assert np.allclose(sorted(a["p"].unique()), sorted(want["p"].unique()))


def test_figure_options_are_checked_per_kind():
    from selectivity.config import ConfigError

    with pytest.raises(ConfigError, match="figures.fig1: Additional properties are not allowed .'zoom_max_abs_alpha'"):
        fake_config(fig1={"experiment": "resnet20", "zoom_max_abs_alpha": 2})
    with pytest.raises(ConfigError, match="figures.fig2.*example_alpha"):
        fake_config(fig2={"example_alpha": -1})
    with pytest.raises(ConfigError, match="figures.figA12.labels: 1 labels for 2 experiments"):
        fake_config(figA12={"experiments": ["resnet20", "vgg16"], "labels": ["one"]})
    with pytest.raises(ConfigError, match="figures: Additional properties"):
        fake_config(fig99={"experiment": "resnet20"})
    assert fake_config(fig2={"zoom_max_abs_alpha": 2})["figures"]["fig2"] == {"zoom_max_abs_alpha": 2,
                                                                              "experiment": "resnet20"}


def test_captions_render_without_docutils_warnings():
    import io

    from docutils.core import publish_parts

    for reading in ("layers", "units"):
        c = fake_config(network_mean=reading)
        for fig in FIGURES:
            caption = figure_params(c, fig)["caption"]
            warnings = io.StringIO()
            html = publish_parts(caption, writer="html",
                                 settings_overrides={"warning_stream": warnings, "report_level": 1})["body"]
            assert warnings.getvalue() == "", (fig, warnings.getvalue())
            assert "System Message" not in html and "<ol" not in html, fig  # "(a)" is text, not a list
            assert "., " not in caption and "{" not in caption, fig
            if fig in ("fig2", "figA1"):
                assert "<p>(a)" in html, fig
            if fig == "fig2":
                assert "|α| ≤ 1;" in html and "* p &lt; 0.05, ** p &lt; 5e-06" in html
    c = fake_config(fig2={"experiment": "resnet20", "zoom_max_abs_alpha": 2})
    assert "≤ 2;" in figure_params(c, "fig2")["caption"]


def test_figure_checks_its_runs(tmp_path):
    """A runs table lacking a configured run (or holding one twice) is an error naming it."""
    from selectivity.errors import InputError

    params = figure_params(fake_config(), "fig2")
    inputs = figure_inputs(tmp_path, params)
    runs = pd.read_csv(inputs["runs"][0])
    runs[~((runs.alpha == -1.0) & (runs.seed == 3))].to_csv(inputs["runs"][0], index=False)
    with pytest.raises(InputError, match=r"resnet20_runs_penalize.csv: does not hold the configured runs.*missing \[\(-1.0, 3\)\]"):
        render(params, inputs, tmp_path / "f.pdf", tmp_path / "f.csv")
    pd.concat([runs, runs.iloc[:1]]).to_csv(inputs["runs"][0], index=False)
    with pytest.raises(InputError, match="holds runs more than once"):
        render(params, inputs, tmp_path / "f.pdf", tmp_path / "f.csv")
    assert not (tmp_path / "f.pdf").exists()


def test_figure_without_baseline_is_an_error(tmp_path):
    params = copy.deepcopy(figure_params(fake_config(), "fig2"))
    runs, _ = fake_runs("resnet20", [-10.0, -1.0])
    runs.to_csv(tmp_path / "r.csv", index=False)
    params["expected"] = {}
    with pytest.raises(ValueError, match="alpha = 0"):
        render(params, {"runs": [tmp_path / "r.csv"]}, tmp_path / "f.pdf", tmp_path / "f.csv")
    assert not (tmp_path / "f.pdf").exists()


def test_alpha_colours_blue_for_negative_red_for_positive():
    colors = alpha_colors([-10, -0.1, 0, 0.1, 10])
    r, g, b, _ = colors[-10]
    assert b > r
    r, g, b, _ = colors[10]
    assert r > b
    assert sum(colors[-10][:3]) < sum(colors[-0.1][:3])  # larger |alpha| is darker


def test_figure_data_reading_column():
    assert FigureData({"network_mean": "units"}).column("precision") == "units_mean_precision"
    assert FigureData({"network_mean": "layers"}).column("si_alive") == "mean_si_alive"


def test_robustness_figures_show_the_fake_effects(tmp_path):
    """The fake tables make alpha < 0 more robust to corruptions and less to PGD: the figures'
    statistics show it, with tests against alpha = 0 and the regression over networks."""
    c = fake_config()
    out = {}
    for fig in ("robust_corruptions", "robust_attacks", "robust_si", "robust_dimensionality"):
        params = figure_params(c, fig)
        assert params["title"].endswith("(ResNet20)")
        out[fig] = render(params, figure_inputs(tmp_path, params), tmp_path / f"{fig}.pdf", tmp_path / f"{fig}.csv")
    corr = out["robust_corruptions"]
    assert set(corr["name"]) == {"benchmark", "noise", "blur", "weather", "digital"}  # the set, its families
    assert set(corr["quantity"]) == {"corrupted_accuracy", "relative_drop", "mce", "relative_mce"}
    sev5 = corr[(corr["name"] == "benchmark") & (corr["level"] == 5)]
    acc5 = sev5[sev5["quantity"] == "corrupted_accuracy"].set_index("alpha")
    assert acc5.loc[-10.0, "mean"] > acc5.loc[0.0, "mean"] and acc5.loc[-10.0, "stars"] != ""
    assert acc5.loc[0.0, "test"] == "control" and acc5["p_corrected"].notna().sum() == len(ALPHAS) - 1
    drop5 = sev5[sev5["quantity"] == "relative_drop"].set_index("alpha")
    assert drop5.loc[-10.0, "mean"] < drop5.loc[0.0, "mean"] < drop5.loc[10.0, "mean"]
    mce = corr[corr["quantity"] == "mce"].set_index("alpha")
    assert mce.loc[0.0, "mean"] == pytest.approx(1, abs=0.01) and mce.loc[-10.0, "mean"] < 0.95 < 1.05 < mce.loc[10.0, "mean"]
    att = out["robust_attacks"]
    pgd8 = att[(att["name"] == "pgd") & (att["level"] == 8)]
    assert set(pgd8["quantity"]) == {"adversarial_accuracy", "relative_drop"}
    acc8 = pgd8[pgd8["quantity"] == "adversarial_accuracy"].set_index("alpha")
    drop8 = pgd8[pgd8["quantity"] == "relative_drop"].set_index("alpha")
    assert acc8.loc[-10.0, "mean"] < acc8.loc[0.0, "mean"] and drop8.loc[-10.0, "mean"] > drop8.loc[0.0, "mean"]
    si = out["robust_si"]
    fits = si[si["subset"] != ""].set_index(["panel", "subset", "quantity"])
    for subset in ("penalize", "promote", "all"):
        assert fits.loc[("a", subset, "slope"), "mean"] > 0  # corruption drop grows with selectivity
        assert fits.loc[("c", subset, "slope"), "mean"] < 0  # corruption accuracy falls
        assert fits.loc[("b", subset, "slope"), "mean"] < 0  # PGD drop falls (less selective: less robust)
        assert fits.loc[("a", subset, "r"), "p"] < 0.05 and fits.loc[("b", subset, "partial_r"), "p"] < 0.05
    assert fits.loc[("a", "penalize", "r"), "n"] == 4 * N_SEEDS and fits.loc[("a", "all", "r"), "n"] == 7 * N_SEEDS
    assert set(si.loc[si["panel"] == "b", "level"].dropna()) == {2.0}  # the middle of the eps grid
    dims = out["robust_dimensionality"]
    assert set(dims["name"]) == {"clean", "gaussian_noise", "pgd"}
    assert set(dims["quantity"]) == {"participation_ratio", "layer_mean_participation_ratio", "layer_slope", "layer_r"}
    assert dims.loc[dims["quantity"] == "participation_ratio", "layer_index"].nunique() == N_LAYERS
    layer_r = dims[(dims["quantity"] == "layer_r") & (dims["subset"] == "all")]
    assert len(layer_r) == N_LAYERS and (layer_r["mean"] < -0.5).all()  # fake: dimensionality falls with SI


def test_the_covariate_fit_removes_what_clean_accuracy_explains():
    """A measure that follows clean accuracy only: the plain fit on SI finds it, the fit at equal
    clean accuracy does not; a measure that follows SI at fixed clean accuracy keeps its partial r."""
    from selectivity.plots.robust_si import covariate_fit, regression

    rng = np.random.default_rng(0)
    si = np.linspace(0.1, 0.6, 40)
    clean = 0.9 - 0.5 * si + rng.normal(0, 0.02, 40)
    values = pd.DataFrame({"experiment": "e", "si": si, "clean": clean,
                           "value": 2 * clean + rng.normal(0, 0.005, 40)})
    plain = regression(values, "si", "value", "a", 0.95).set_index("quantity")
    partial = covariate_fit(values, "si", "value", "clean", "a", 0.95, "value").set_index("quantity")
    assert plain.loc["r", "p"] < 1e-6 and partial.loc["partial_r", "p"] > 0.01
    assert abs(partial.loc["partial_slope", "mean"]) < 0.1 * abs(plain.loc["slope", "mean"])
    values["value"] = 0.3 * si + 2 * clean + rng.normal(0, 0.005, 40)
    partial = covariate_fit(values, "si", "value", "clean", "a", 0.95, "value").set_index("quantity")
    assert partial.loc["partial_slope", "mean"] == pytest.approx(0.3, abs=0.05) and partial.loc["partial_r", "p"] < 1e-6


def test_robustness_statistics_name_their_experiment(tmp_path):
    c = fake_config()
    for fig in ("robust_si", "robust_dimensionality", "robust_corruptions"):
        params = figure_params(c, fig)
        stats = render(params, figure_inputs(tmp_path, params), tmp_path / f"{fig}.pdf", tmp_path / f"{fig}.csv")
        assert set(stats["experiment"]) == {"resnet20"}, fig


def test_similarity_ratios_prints_each_measure_and_readings_ratio_from_the_figure_csv(tmp_path):
    from selectivity.report import similarity_ratios

    gaps = {("pwcca", "images"): 0.0}
    render(figure_params(fake_config(), "fig3"), {"similarity": fake_similarity(tmp_path, gaps=gaps)},
           tmp_path / "f.pdf", tmp_path / "fig3.csv")
    stats = pd.read_csv(tmp_path / "fig3.csv")
    text = similarity_ratios(tmp_path / "fig3.csv")
    lines = {tuple(line.split()[:4]): line.split() for line in text.splitlines()[2:]}
    assert len(lines) == 3 * len(MEASURES) * len(READINGS)
    for measure, reading, alpha in (("pwcca", "positions", -10.0), ("pwcca", "images", -10.0), ("cka", "images", -1.0)):
        row = stats[(stats.quantity == "distance_ratio") & (stats.measure == measure) & (stats.reading == reading)
                    & (stats.alpha == alpha)].iloc[0]
        line = lines[(measure, reading, "1,024-1,024", f"{alpha:g}")]
        assert line[5] == f"{row['mean']:.2f}" and line[-2] == f"{row['p']:.2g}"
        assert line[8] == f"{N_LAYERS}/{N_LAYERS}" if row["mean"] > 1.2 else True


def test_selectivity_figures_draw_the_si_null(tmp_path):
    """Figs. 1 / A1: the shuffled-label null per layer (panel a, mean over runs) and per alpha (b)."""
    from selectivity.config import figure_params
    from selectivity.plots.render import render

    runs, layers = fake_runs("resnet20")
    runs.to_csv(tmp_path / "runs.csv", index=False)
    layers.to_csv(tmp_path / "layers.csv", index=False)
    params = figure_params(fake_config(), "fig1")
    params["expected"] = {}
    stats = render(params, {"runs": [str(tmp_path / "runs.csv")], "layers": [str(tmp_path / "layers.csv")]},
                   tmp_path / "fig1.pdf", tmp_path / "fig1.csv")
    null = stats[stats["quantity"] == "si_null"]
    assert set(null["panel"]) == {"a", "b"}
    a = null[null["panel"] == "a"]
    assert len(a) == len(set(runs["alpha"])) * N_LAYERS  # one null line per alpha
    assert a.groupby("layer_index")["mean"].mean().to_dict() == pytest.approx({i: 0.07 + 0.005 * i for i in range(N_LAYERS)})
    assert null[null["panel"] == "b"]["mean"].to_numpy() == pytest.approx(0.08)


def test_the_si_dynamics_figure_shows_the_distance_to_the_final_network_as_an_option(tmp_path):
    """similarity_to_final: panel d from the epoch tables, one point per (alpha, epoch): the mean over
    networks of each network's mean over layers; refused where the experiment saves no epochs."""
    from selectivity.files.similarity import write_epoch_pairs
    from selectivity.similarity import rows_wanted

    with pytest.raises(ValueError, match="figures.dynamics_si.similarity_to_final: experiment 'dynamics' saves no"):
        fake_config(dynamics_si={"experiment": "dynamics", "similarity_to_final": True})  # a config error
    c = fake_config()
    c["experiments"]["dynamics"]["training"]["save_epochs"] = [2, 4]
    c["figures"]["dynamics_si"] = {"experiment": "dynamics", "similarity_to_final": True}
    params = figure_params(validate_config(c, SCHEMA), "dynamics_si")
    inputs = figure_inputs(tmp_path, params)
    rng = np.random.default_rng(0)
    settings = params["similarity"]
    wanted = rows_wanted(8, settings["rows_per_neuron"], settings["min_rows"])
    inputs["to_final"] = []
    for a in ALPHAS:
        rows = [{"seed": s, "epoch": k, "reading": r, "measure": m, "layer_index": i, "layer": f"l{i}", "neurons": 8,
                 "rows": wanted, "rows_wanted": wanted,
                 "distance": 0.1 * (6 - k) / 6 + 0.01 * i + rng.normal(0, 0.002)}
                for s in range(N_SEEDS) for k in (2, 4) for r in settings["readings"] for m in settings["measures"]
                for i in range(N_LAYERS)]
        path = tmp_path / f"to_final_alpha_{a:g}.csv"
        write_epoch_pairs(pd.DataFrame(rows), "dynamics", a, path)
        inputs["to_final"].append(path)
    stats = render(params, inputs, tmp_path / "d.pdf", tmp_path / "d.csv")
    d = stats[stats["panel"] == "d"]
    first = f"{settings['measures'][0]} distance to the run's model ({settings['readings'][0]} reading), mean over layers"
    assert len(d) == len(ALPHAS) * 2 * len(settings["measures"]) * len(settings["readings"])
    table = pd.concat(pd.read_csv(p) for p in inputs["to_final"])
    one = table[(table["alpha"] == 0) & (table["epoch"] == 2) & (table["measure"] == settings["measures"][0])
                & (table["reading"] == settings["readings"][0])]
    row = d[(d["alpha"] == 0) & (d["epoch"] == 2) & (d["quantity"] == first)]
    assert row["mean"].iloc[0] == pytest.approx(one.groupby("seed")["distance"].mean().mean())
    assert row["n"].iloc[0] == N_SEEDS
    inputs["to_final"] = inputs["to_final"][:-1]
    with pytest.raises(Exception, match="alphas"):
        render(params, inputs, tmp_path / "e.pdf", tmp_path / "e.csv")
