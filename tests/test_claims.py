"""The claims table: every decision rule says holds, fails and inconclusive on synthetic statistics
where the verdict is known; the SI null; the table's format, printing and the README's blocks."""

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, run_cli
from selectivity.claims import rules
from selectivity.claims.registry import CLAIMS
from selectivity.stats import compare_signs, compare_to_control

OPTS = {"ci": 0.95, "n_bootstrap": 500, "seed": 0, "equal_var": True}


def runs_frame(means: dict, sd: float = 0.01, n: int = 5, column: str = "value", seed: int = 0) -> pd.DataFrame:
    """n networks per alpha, values = mean + sd * fixed standard-normal draws."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame([{"alpha": a, "seed": s, column: m + sd * rng.standard_normal()}
                         for a, m in means.items() for s in range(n)])


def stats(means, sd=0.01, n=5, test="t"):
    return compare_to_control(runs_frame(means, sd, n), "value", test=test, **OPTS)


# ---------------------------------------------------------------- direction (1a, 3a, 3b, 8a, 8c, 8d)

@pytest.mark.parametrize("means, verdict", [
    ({-2: 0.1, -1: 0.2, 0: 0.3}, "holds"),             # every alpha < 0 lower, the extreme significantly
    ({-2: 0.29, -1: 0.295, 0: 0.3}, "inconclusive"),   # lower, within noise
    ({-2: 0.1, -1: 0.5, 0: 0.3}, "fails"),             # one alpha < 0 significantly higher
    ({-2: 0.1, -1: 0.305, 0: 0.3}, "inconclusive"),    # not every alpha lower, none significantly higher
])
def test_direction(means, verdict):
    v = rules.direction(stats(means), -1, -1, 0.05, "p_corrected", "mean SI")
    assert v.verdict == verdict, v
    assert v.value == pytest.approx(stats(means).set_index("alpha").loc[-2, "mean"])


def test_direction_upwards_and_missing_side():
    assert rules.direction(stats({0: 0.3, 1: 0.5, 2: 0.7}), 1, 1, 0.05, "p", "SI").verdict == "holds"
    assert rules.direction(stats({0: 0.3, 1: 0.5, 2: 0.1}), 1, 1, 0.05, "p", "SI").verdict == "fails"
    assert rules.direction(stats({-1: 0.2, 0: 0.3}), 1, 1, 0.05, "p", "SI").verdict == "not configured"


def test_correction_can_change_the_verdict():
    # 3 networks each: p ~ 0.02 uncorrected, > 0.05 after Bonferroni over 3 alphas
    s = stats({-3: 0.299, -2: 0.2995, -1: 0.2985, 0: 0.3}, sd=0.0004, n=3)
    extreme = s.set_index("alpha").loc[-3]
    assert extreme["p"] < 0.05 < extreme["p_corrected"]
    assert rules.direction(s, -1, -1, 0.05, "p", "SI").verdict == "holds"
    assert rules.direction(s, -1, -1, 0.05, "p_corrected", "SI").verdict == "inconclusive"


# ---------------------------------------------------------------- 1b

def ratio_rows(pairs):
    return pd.DataFrame([{"alpha": a, "ratio": r, "ci_low": lo, "ci_high": hi, "n": 5} for a, (r, lo, hi) in pairs.items()])


def test_reduction_at_no_cost():
    acc_same = stats({-2: 0.9, -1: 0.9, 0: 0.9})
    acc_drop = stats({-2: 0.5, -1: 0.5, 0: 0.9})
    big, small, wide = (4.0, 3.0, 5.0), (1.5, 1.2, 1.8), (2.6, 1.5, 4.0)
    hold = rules.reduction_at_no_cost(acc_same, ratio_rows({-2: big, -1: small}), 2.5, 0.05, "p_corrected")
    assert hold.verdict == "holds" and hold.value == 4.0 and "−2" in hold.statistic
    # the big cut costs accuracy at every alpha: fails
    assert rules.reduction_at_no_cost(acc_drop, ratio_rows({-2: big, -1: big}), 2.5, 0.05,
                                      "p_corrected").verdict == "fails"
    # no alpha cuts that far: inconclusive (a stronger alpha could); a CI spanning the factor: inconclusive
    assert rules.reduction_at_no_cost(acc_same, ratio_rows({-2: small}), 2.5, 0.05, "p").verdict == "inconclusive"
    assert rules.reduction_at_no_cost(acc_same, ratio_rows({-2: wide}), 2.5, 0.05, "p").verdict == "inconclusive"
    # the alpha that reaches the factor costs accuracy, the one that does not is free: fails
    # the equivalence reading: undecided costs neither hold nor fail
    assert rules.reduction_at_no_cost(acc_same, ratio_rows({-2: big}), 2.5, 0.05, "p",
                                      {-2: None}).verdict == "inconclusive"
    assert rules.reduction_at_no_cost(acc_same, ratio_rows({-2: big}), 2.5, 0.05, "p", {-2: True}).verdict == "fails"
    assert rules.reduction_at_no_cost(acc_same, ratio_rows({-2: big}), 2.5, 0.05, "p", {-2: False}).verdict == "holds"
    acc_mixed = stats({-2: 0.5, -1: 0.9, 0: 0.9})
    assert rules.reduction_at_no_cost(acc_mixed, ratio_rows({-2: big, -1: small}), 2.5, 0.05,
                                      "p_corrected").verdict == "fails"


# ---------------------------------------------------------------- 2a, 2b

def test_not_above_null():
    above = np.array([0.2, 0.21, 0.19])
    assert rules.not_above_null(above, (0.19, 0.21), 0.001, -10, 0.05, costs_accuracy=True).verdict == "fails"
    # above the null at an alpha that costs nothing yet: a stronger alpha may reach it
    assert rules.not_above_null(above, (0.19, 0.21), 0.001, -10, 0.05).verdict == "inconclusive"
    assert rules.not_above_null(np.array([-0.02, 0.0, 0.01]), (-0.03, 0.02), 0.6, -10, 0.05).verdict == "holds"
    assert rules.not_above_null(np.array([0.01, 0.0, 0.03]), (-0.02, 0.05), 0.2, -10, 0.05).verdict == "inconclusive"
    assert rules.not_above_null(np.array([0.1]), (0.1, 0.1), np.nan, -10, 0.05).verdict == "inconclusive"


def test_small_cost():
    assert rules.small_cost(1.0, (0.2, 1.8), 0.1, 5, -10, 2.5).verdict == "holds"
    assert rules.small_cost(8.0, (6.0, 10.0), 1e-4, 5, -10, 2.5).verdict == "fails"
    assert rules.small_cost(2.0, (0.5, 3.5), 0.01, 5, -10, 2.5).verdict == "inconclusive"


# ---------------------------------------------------------------- 4

def signs_table(neg, pos, n=5, sd=0.005, test="ranksum"):
    means = {**{-a: m for a, m in neg.items()}, **{a: m for a, m in pos.items()}, 0: 0.9}
    return compare_signs(runs_frame(means, sd, n), "value", 0.95, 200, 0, test=test)


def test_promoting_costs_more():
    assert rules.promoting_costs_more(signs_table({1: 0.9, 2: 0.9}, {1: 0.85, 2: 0.5}), 0.05,
                                      "p_corrected").verdict == "holds"
    assert rules.promoting_costs_more(signs_table({1: 0.5, 2: 0.9}, {1: 0.9, 2: 0.5}), 0.05,
                                      "p_corrected").verdict == "fails"
    assert rules.promoting_costs_more(signs_table({1: 0.9, 2: 0.9}, {1: 0.9, 2: 0.899}), 0.05,
                                      "p_corrected").verdict == "inconclusive"
    # 3 vs 3 networks: the rank-sum's smallest p is ~0.05; a t-test reaches significance
    few = dict(neg={2: 0.9}, pos={2: 0.5}, n=3)
    assert rules.promoting_costs_more(signs_table(**few), 0.05, "p").verdict == "holds"  # p = 0.0495
    assert rules.promoting_costs_more(signs_table(**few, test="t"), 0.05, "p").verdict == "holds"
    assert rules.promoting_costs_more(signs_table(**few), 0.01, "p").verdict == "inconclusive"
    assert rules.promoting_costs_more(signs_table(**few, test="t"), 0.01, "p").verdict == "holds"


# ---------------------------------------------------------------- 5

def ratios(rows):
    return pd.DataFrame([{"alpha": a, "mean": m, "ci_low": m - 0.1, "ci_high": m + 0.1, "statistic": t, "p": p,
                          "p_corrected": min(1, 3 * p), "n": 5} for a, (m, t, p) in rows.items()])


def test_ratio_above_one():
    assert rules.ratio_above_one(ratios({-2: (1.3, 5, 1e-4), -1: (1.2, 4, 1e-3)}), 0.05, "p").verdict == "holds"
    assert rules.ratio_above_one(ratios({-2: (1.3, 5, 1e-4), -1: (0.9, -4, 1e-3)}), 0.05, "p").verdict == "fails"
    weak = rules.ratio_above_one(ratios({-2: (1.3, 5, 1e-4), -1: (1.02, 1, 0.3)}), 0.05, "p")
    assert weak.verdict == "inconclusive" and weak.value == 1.02
    # significant uncorrected (p = 0.02), not after the correction (0.06)
    close = ratios({-2: (1.3, 5, 1e-4), -1: (1.1, 3, 0.02)})
    assert rules.ratio_above_one(close, 0.05, "p").verdict == "holds"
    assert rules.ratio_above_one(close, 0.05, "p_corrected").verdict == "inconclusive"


# ---------------------------------------------------------------- 6, 7, 8

def test_slope_interval_zero_gain_and_combine():
    assert rules.slope_sign(0.5, (0.2, 0.8), 0.001, 9, 1, 0.05, "s").verdict == "holds"
    assert rules.slope_sign(-0.5, (-0.8, -0.2), 0.001, 9, 1, 0.05, "s").verdict == "fails"
    assert rules.slope_sign(0.1, (-0.2, 0.4), 0.4, 9, 1, 0.05, "s").verdict == "inconclusive"
    assert rules.interval_sign(0.3, (0.1, 0.5), 9, "d").verdict == "holds"
    assert rules.interval_sign(-0.3, (-0.5, -0.1), 9, "d").verdict == "fails"
    assert rules.interval_sign(0.0, (-0.1, 0.1), 9, "d").verdict == "inconclusive"
    assert rules.all_zero(np.zeros(6), "dead").verdict == "holds"
    assert rules.all_zero(np.array([0, 0, 0.01]), "dead").verdict == "fails"
    assert rules.gain(stats({-1: 0.62, 0: 0.60}), 0.05, "p").verdict == "holds"
    assert rules.gain(stats({-1: 0.50, -2: 0.4, 0: 0.60}), 0.05, "p").verdict == "fails"
    assert rules.gain(stats({-1: 0.601, 0: 0.60}), 0.05, "p").verdict == "inconclusive"
    assert rules.combine(["holds", "holds", "not configured"]) == "holds"
    assert rules.combine(["holds", "fails", "inconclusive"]) == "fails"
    assert rules.combine(["holds", "inconclusive"]) == "inconclusive"
    assert rules.combine(["not configured"]) == "not configured"


def test_every_claim_has_words_source_figures_and_rule():
    from selectivity.plots.specs import FIGURES

    for c in CLAIMS.values():
        # the seed files, or the follow-up the dynamics issue cites (claims 9a, 9b)
        assert c.words and (c.source[:3] in ("000", "002", "003") or c.source.startswith("Ranadive et al. 2023")) \
            and c.rule, c.id
        assert all(f in FIGURES for f in c.figures), (c.id, c.figures)


# ---------------------------------------------------------------- the SI null

def test_si_null_is_the_level_of_units_without_class_information():
    import torch

    from selectivity.analysis.si_null import label_permutations, shuffled_label_si
    from selectivity.metrics import class_selectivity

    gen = torch.Generator().manual_seed(0)
    n, classes = 2000, 10
    labels = torch.arange(n) % classes
    noise = torch.rand(n, 32, generator=gen, dtype=torch.float64)  # no class information
    perms = label_permutations(n, 20, 0)
    null = shuffled_label_si(noise, labels, classes, perms, 1e-7)
    # units without class information: their SI is at the null's level (and well above 0)
    observed = class_selectivity(noise, labels, classes)
    assert 0.02 < float(null.mean()) < 0.2
    assert float(observed.mean()) == pytest.approx(float(null.mean()), rel=0.15)
    # a unit that fires for one class only: SI ~ 1, its null far below
    coded = (labels == 3).double().unsqueeze(1) + 0.01 * noise[:, :1]
    assert float(class_selectivity(coded, labels, classes)[0]) > 0.9
    assert float(shuffled_label_si(coded, labels, classes, perms, 1e-7)[0]) < 0.5
    # the null shrinks with more images per class (a finite-sample effect)
    few = shuffled_label_si(noise[:200], labels[:200], classes, label_permutations(200, 20, 0), 1e-7)
    assert float(few.mean()) > 2 * float(null.mean())
    # the same permutations for every call with the same (n, count, seed); another seed differs
    assert torch.equal(label_permutations(n, 5, 0), perms[:5])
    assert not torch.equal(label_permutations(n, 5, 1), perms[:5])
    assert torch.isnan(shuffled_label_si(noise, labels, classes, label_permutations(n, 0, 0), 1e-7)).all()


def test_units_table_carries_the_null_and_precision_of_all_units():
    from selectivity.files.activations import Activations
    from selectivity.analysis.unit_metrics import layer_summary, network_summary, unit_table

    rng = np.random.default_rng(0)
    labels = np.arange(300) % 3
    a = rng.random((300, 4)).astype(np.float32)
    a[:, 0] = 0  # dead
    units = unit_table(Activations({"l": a}, labels, 3), n_top=100, null_permutations=10)
    assert np.isnan(units.loc[0, "precision"]) and np.isfinite(units.loc[0, "precision_all"])
    assert units.loc[0, "si_null"] == 0  # a dead unit has SI 0 under any labels
    assert (units.loc[1:, "si_null"] > 0).all()
    layer = layer_summary(units).iloc[0]
    assert layer["mean_si_null"] == pytest.approx(units["si_null"].mean())
    net = network_summary(units)
    assert net["mean_precision_all"] == pytest.approx(units["precision_all"].mean())
    assert unit_table(Activations({"l": a}, labels, 3), n_top=100, null_permutations=0)["si_null"].isna().all()


# ---------------------------------------------------------------- the whole table

def fake_runs(experiment="resnet20", si=None, acc=None, n=4, seed=0):
    """A runs table (RUNS_TABLE_COLUMNS) with the given per-alpha mean SI and accuracy."""
    from selectivity.files.runs import RUNS_TABLE_COLUMNS

    si = si or {-10: 0.02, -2: 0.08, 0: 0.3, 2: 0.6, 10: 0.7}
    acc = acc or {-10: 0.90, -2: 0.91, 0: 0.91, 2: 0.80, 10: 0.30}
    rng = np.random.default_rng(seed)
    rows = []
    for a in si:
        for s in range(n):
            row = dict.fromkeys(RUNS_TABLE_COLUMNS, 0.0)
            e = rng.standard_normal(4)
            row.update(experiment=experiment, alpha=float(a), seed=s, test_accuracy=acc[a] + 0.005 * e[0],
                       mean_si=si[a] + 0.005 * e[1], units_mean_si=si[a] + 0.005 * e[1],
                       mean_si_alive=si[a] * (1 + 0.1 * (a > 0)) + 0.005 * e[2],
                       mean_si_null=0.05 + 0.002 * e[3], units_mean_si_null=0.05 + 0.002 * e[3],
                       mean_precision=0.3 + si[a] / 2, units_mean_precision=0.3 + si[a] / 2,
                       mean_precision_all=0.3 + si[a] / 2, units_mean_precision_all=0.3 + si[a] / 2,
                       dead_fraction=max(0.0, a) / 40 + 0.001 * abs(e[0]),
                       units_dead_fraction=max(0.0, a) / 40 + 0.001 * abs(e[0]))
            rows.append(row)
    return pd.DataFrame(rows)


def params(experiments):
    return {"experiments": {e: {"model": "resnet20", "dataset": "synthetic", "leaky": "leaky" in e,
                                "alphas": [-10.0, -2.0, 0.0, 2.0, 10.0], "seeds": [0, 1, 2, 3]} for e in experiments},
            "similarity": {}, "similarity_settings": {}, "robustness": {}, "network_mean": "layers",
            "dynamics": {}, "schedules": {},
            "stats": {"ci": 0.95, "n_bootstrap": 300, "bootstrap_seed": 0, "equal_var": True},
            "claims": {"level": 0.05, "selectivity_factor": 2.5, "small_drop": 2.5}}


def verdicts(df):
    conf = df[df["configured"]]
    return dict(zip(conf["claim"] + ":" + conf["experiment"], conf["verdict"]))


def test_claims_table_decides_each_claim_from_the_runs():
    from selectivity.claims.evaluate import claims_table
    from selectivity.claims.table import COLUMNS

    df = claims_table(params(["resnet20"]), {"resnet20": fake_runs()}, {}, {})
    assert list(df.columns) == COLUMNS
    v = verdicts(df)
    assert v["1a:resnet20"] == v["1b:resnet20"] == v["3a:resnet20"] == v["3b:resnet20"] == "holds"
    assert v["2a:resnet20"] == "holds"  # SI at alpha = -10 (0.02) is below the null (0.05)
    assert v["2b:resnet20"] == "holds" and v["4:resnet20"] == "holds" and v["8a:resnet20"] == "holds"
    assert v["5:"] == v["7a:"] == v["8e:"] == "not configured"
    assert v["6:VGG16"] == "not configured"


def test_claims_table_says_fails_when_the_data_disagree():
    from selectivity.claims.evaluate import claims_table

    bad = fake_runs(si={-10: 0.5, -2: 0.4, 0: 0.3, 2: 0.2, 10: 0.1}, acc={-10: 0.5, -2: 0.6, 0: 0.9, 2: 0.95, 10: 0.97})
    v = verdicts(claims_table(params(["resnet20"]), {"resnet20": bad}, {}, {}))
    assert v["1a:resnet20"] == v["3a:resnet20"] == v["3b:resnet20"] == "fails"
    assert v["2a:resnet20"] == v["2b:resnet20"] == v["4:resnet20"] == "fails"  # 2a: above the null at a cost
    assert v["1b:resnet20"] == "inconclusive"  # no alpha cuts SI at all: a stronger one might
    costly = fake_runs(acc={-10: 0.5, -2: 0.6, 0: 0.91, 2: 0.80, 10: 0.30})  # the cuts cost accuracy
    assert verdicts(claims_table(params(["resnet20"]), {"resnet20": costly}, {}, {}))["1b:resnet20"] == "fails"


# ---------------------------------------------------------------- the follow-up's claims (9a, 9b)

def test_rise_then_decline_can_say_each_verdict():
    up, down, flat = ({"mean": m, "ci_low": m - 0.01, "ci_high": m + 0.01, "p": p, "n": 4}
                      for m, p in ((0.1, 1e-4), (-0.02, 1e-3), (0.001, 0.6)))
    assert rules.rise_then_decline(up, down, 0.05, "s").verdict == "holds"
    assert rules.rise_then_decline(up, up, 0.05, "s").verdict == "fails"  # still rising after the peak
    assert rules.rise_then_decline(down, down, 0.05, "s").verdict == "fails"  # falls from the start
    assert rules.rise_then_decline(up, flat, 0.05, "s").verdict == "inconclusive"
    v = rules.rise_then_decline(up, down, 0.05, "s")
    assert v.value == -0.02 and v.n == 4 and "rise 0.1" in v.detail


def fake_epochs(curve, experiment="dyn", n=4, seed=0):
    """A per-epoch table (EPOCH_COLUMNS) at alpha 0 and -10: network SI ``curve[k]`` after epoch k
    at alpha 0 (plus noise), a falling curve at alpha -10; two unit layers per network."""
    from selectivity.files.epochs import EPOCH_COLUMNS, NETWORK

    rng = np.random.default_rng(seed)
    rows = []
    for alpha in (-10.0, 0.0):
        for s in range(n):
            for k, si in enumerate(curve if alpha == 0 else np.linspace(curve[0], 0.02, len(curve))):
                value = si + rng.normal(0, 0.003)
                for i, layer in enumerate(("l0", "l1", NETWORK)):
                    rows.append({**dict.fromkeys(EPOCH_COLUMNS, 0.0), "experiment": experiment, "alpha": alpha,
                                 "seed": s, "epoch": k, "epoch_alpha": 0.0 if k == 0 else alpha, "layer": layer,
                                 "layer_index": -1 if layer == NETWORK else i, "mean_si": value,
                                 "probe_accuracy": 0.5, "probe_size": 100})
    return pd.DataFrame(rows)[EPOCH_COLUMNS]


def schedule_params(labels=("always", "early", "late")):
    p = params(["dyn"])
    p["experiments"]["dyn"]["alphas"] = [-10.0, 0.0]
    p["dynamics"] = {"dyn": {"alphas": [-10.0, 0.0], "seeds": [0, 1, 2, 3], "early_epoch": 2}}
    p["schedules"] = {"dynamics_schedules": {"experiments": ["dyn", "dyn_early", "dyn_late"], "labels": list(labels),
                                             "alpha": None, "test": "t", "expected": {}}}
    return p


def schedule_tables(early, late, last_late=None):
    runs = {"dyn": fake_runs("dyn", si={-10: 0.05, 0: 0.3}, acc={-10: 0.88, 0: 0.9})}
    for name, acc in (("dyn_early", early), ("dyn_late", late)):
        runs[name] = fake_runs(name, si={-10: 0.05}, acc={-10: acc}, seed=len(name))
    for t in runs.values():
        t["last_test_accuracy"] = t["test_accuracy"] - 0.001
    if last_late is not None:
        runs["dyn_late"]["last_test_accuracy"] = last_late
    return runs


def test_the_follow_ups_claims_are_decided_from_the_epochs_and_schedules_tables():
    from selectivity.claims.evaluate import claims_table

    rise_fall = [0.13, 0.26, 0.27, 0.25, 0.24, 0.23, 0.22, 0.22, 0.21]
    df = claims_table(schedule_params(), schedule_tables(0.80, 0.89), {}, {}, {"dyn": fake_epochs(rise_fall)})
    v = verdicts(df)
    assert v["9a:dyn"] == "holds" and v["9b:dynamics_schedules"] == "holds"
    rows = df[df["claim"] == "9a"].set_index("variant")
    assert set(rows.index) == {"peak=fixed epoch 2", "peak=peak of the mean curve"}
    assert rows.loc["peak=fixed epoch 2", "configured"] and not rows.loc["peak=peak of the mean curve", "configured"]
    b = df[df["claim"] == "9b"].set_index("variant")
    assert b.loc["epoch_reading=best-validation epoch", "configured"]
    assert b.loc["epoch_reading=best-validation epoch", "value"] == pytest.approx(9.0, abs=1.0)  # points, late − early
    # SI still rising at the end: the fixed reading fails (the mean-curve peak is the last epoch: no decline)
    rising = list(np.linspace(0.13, 0.3, 9))
    v = verdicts(claims_table(schedule_params(), schedule_tables(0.89, 0.80), {}, {}, {"dyn": fake_epochs(rising)}))
    assert v["9a:dyn"] == "fails" and v["9b:dynamics_schedules"] == "fails"
    # the late schedule collapses only in its last epoch: the readings disagree
    df = claims_table(schedule_params(), schedule_tables(0.80, 0.89, last_late=0.5), {}, {},
                      {"dyn": fake_epochs(rise_fall)})
    b = df[df["claim"] == "9b"].set_index("variant")["verdict"]
    assert b["epoch_reading=best-validation epoch"] == "holds" and b["epoch_reading=last epoch"] == "fails"
    df = claims_table(schedule_params(), schedule_tables(0.80, 0.89, last_late=np.nan), {}, {},
                      {"dyn": fake_epochs(rise_fall)})
    assert df[df["claim"] == "9b"].set_index("variant")["verdict"]["epoch_reading=last epoch"] == "not configured"
    v = verdicts(claims_table(schedule_params(("a", "b", "c")), schedule_tables(0.8, 0.89), {}, {},
                              {"dyn": fake_epochs(rise_fall)}))
    assert v["9b:dynamics_schedules"] == "not configured"
    v = verdicts(claims_table(params(["resnet20"]), {"resnet20": fake_runs()}, {}, {}))
    assert v["9a:"] == v["9b:"] == "not configured"


@pytest.mark.parametrize("side", [-1, 1])
def test_an_experiment_with_alphas_on_one_side_only_has_a_row_for_every_claim(side):
    """Each claim of the runs table gets a row, "not configured" where its side of alpha is missing
    (config/dynamics.yaml's experiment has alpha <= 0 only)."""
    from selectivity.claims.evaluate import claims_table

    runs = fake_runs()
    runs = runs[np.sign(runs["alpha"]) * side >= 0]
    p = params(["resnet20"])
    p["experiments"]["resnet20"]["alphas"] = sorted(set(runs["alpha"]))
    df = claims_table(p, {"resnet20": runs}, {}, {})
    assert set(CLAIMS) == set(df["claim"])
    v = verdicts(df)
    missing = ["3a", "3b", "8a", "8b", "8d"] if side < 0 else ["1a", "1b", "2a", "2b", "8c"]
    assert all(v[f"{c}:resnet20"] == "not configured" for c in missing)
    assert v[f"{'1a' if side < 0 else '3a'}:resnet20"] == "holds"


def test_readme_blocks_are_rewritten_and_checked(tmp_path):
    from selectivity.claims.evaluate import claims_table
    from selectivity.claims.table import BEGIN, END, read_claims, update_readme, write_claims

    write_claims(claims_table(params(["resnet20"]), {"resnet20": fake_runs()}, {}, {}), tmp_path / "demo.csv")
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{BEGIN.format(preset='demo')}\nstale\n{END.format(preset='demo')}\nrest\n")
    assert update_readme(readme, {"demo": tmp_path / "demo.csv"}, check=True) == ["demo"]
    assert "stale" in readme.read_text()  # --check changes nothing
    run_cli("claims-readme", tmp_path / "demo.csv", "--readme", readme)
    text = readme.read_text()
    assert "stale" not in text and text.startswith("intro\n") and text.endswith("rest\n")
    assert "| 1a |" in text and "**holds**" in text
    assert update_readme(readme, {"demo": tmp_path / "demo.csv"}, check=True) == []
    assert run_cli("claims-readme", tmp_path / "demo.csv", "--readme", readme, "--check").returncode == 0
    df = read_claims(tmp_path / "demo.csv")
    df.loc[df["claim"] == "1a", "verdict"] = "fails"
    write_claims(df, tmp_path / "demo.csv")
    proc = run_cli("claims-readme", tmp_path / "demo.csv", "--readme", readme, "--check", check=False)
    assert proc.returncode != 0 and "differ from their snapshots" in proc.stderr
    printed = run_cli("claims", tmp_path / "demo.csv").stdout
    assert "FAILS" in printed and "verdict changes between variants" in printed


def test_a_bad_claims_table_names_the_file(tmp_path):
    from selectivity.claims.table import read_claims
    from selectivity.errors import InputError

    (tmp_path / "claims.csv").write_text("claim,verdict\n1a,holds\n")
    with pytest.raises(InputError, match="claims.csv"):
        read_claims(tmp_path / "claims.csv")


def test_si_null_equals_the_selectivity_index_of_shuffled_labels():
    import torch

    from selectivity.analysis.si_null import label_permutations, shuffled_label_si
    from selectivity.metrics import class_selectivity

    gen = torch.Generator().manual_seed(1)
    acts = torch.rand(90, 7, generator=gen, dtype=torch.float64)
    labels = torch.tensor([0, 2, 3] * 30)  # classes 1 and 4 absent: left out, as Eq. 1's analysis does
    perms = label_permutations(90, 3, 5)
    expected = torch.stack([class_selectivity(acts, labels[p], 5) for p in perms]).mean(0)
    assert torch.allclose(shuffled_label_si(acts, labels, 5, perms, 1e-7), expected, rtol=1e-12, atol=1e-12)


def fake_pairs(between: float, within: float, seeds=range(4), alphas=(-10.0, -2.0), seed=0):
    """Similarity rows (measure, reading, alpha, layer_index, kind, seed_a, seed_b, distance)."""
    from itertools import combinations

    rng = np.random.default_rng(seed)
    rows = []
    for measure in ("pwcca", "cka"):
        for reading in ("positions", "images"):
            for a in alphas:
                for layer in range(3):
                    for i, j in combinations(seeds, 2):
                        rows.append((measure, reading, a, layer, "within", i, j, within + 0.01 * rng.random()))
                    for i in seeds:
                        for j in seeds:
                            rows.append((measure, reading, a, layer, "baseline", i, j, between + 0.01 * rng.random()))
    return pd.DataFrame(rows, columns=["measure", "reading", "alpha", "layer_index", "kind", "seed_a", "seed_b",
                                       "distance"])


def fake_robustness(runs, drop_per_si: float):
    """A robustness table whose corruption relative drop is 0.2 + drop_per_si * mean SI (and PGD's the
    opposite), clean accuracy 0.9 for every network."""
    rows = []
    for r in runs.itertuples():
        for kind, name, level, slope in (("corruption", "gaussian_noise", 3, drop_per_si), ("attack", "pgd", 4,
                                                                                             -drop_per_si)):
            for n in ((name,) if kind == "attack" else ("gaussian_noise", "shot_noise", "impulse_noise",
                                                        "defocus_blur", "glass_blur", "motion_blur", "zoom_blur",
                                                        "snow", "frost", "fog", "brightness", "contrast",
                                                        "elastic_transform", "pixelate", "jpeg_compression")):
                rows.append((r.experiment, r.alpha, r.seed, kind, "none", 0, "", "accuracy", 0.9))
                acc = 0.9 * (1 - (0.3 + slope * r.mean_si))
                rows.append((r.experiment, r.alpha, r.seed, kind, n, level, "", "accuracy", acc))
    df = pd.DataFrame(rows, columns=["experiment", "alpha", "seed", "kind", "name", "level", "layer", "measure",
                                     "value"])
    return df.drop_duplicates(["alpha", "seed", "kind", "name", "level"])


def test_similarity_and_robustness_claims():
    from selectivity.claims.evaluate import claims_table

    runs = fake_runs()
    p = params(["resnet20"])
    p["similarity"] = {"resnet20": {"alphas": [-10.0, -2.0, 0.0], "seeds": [0, 1, 2, 3]}}
    p["robustness"] = {"resnet20": {"attack": "pgd", "eps": None, "corruptions": "benchmark"}}
    for between, within, robust, verdict in ((0.5, 0.2, 0.5, "holds"), (0.2, 0.5, -0.5, "fails")):
        df = claims_table(p, {"resnet20": runs}, {"resnet20": fake_pairs(between, within)},
                          {"resnet20": fake_robustness(runs, robust)})
        five = df[df["claim"] == "5"]
        assert len(five) == 2 * 2 * 2 and set(five["verdict"]) == {verdict}
        for claim in ("7a", "7b"):
            conf = df[(df["claim"] == claim) & df["configured"]]
            assert len(conf) == 2 and set(conf["verdict"]) == {verdict}, conf  # relative drop and accuracy


@pytest.mark.parametrize("preset", sorted(p.stem for p in (ROOT / "docs/claims").glob("*.csv")))
def test_the_presets_claims_snapshots_match_their_configs(preset):
    """docs/claims/<preset>.csv (what the README's blocks show) is a claims table of that preset: every
    claim, a configured variant each, "not configured" exactly where the preset lacks the experiments."""
    import yaml

    from selectivity.claims.params import claims_params
    from selectivity.claims.table import VERDICTS, read_claims
    from selectivity.config import validate_config

    df = read_claims(ROOT / "docs/claims" / f"{preset}.csv")
    config = validate_config(yaml.safe_load((ROOT / "config" / f"{preset}.yaml").read_text()),
                             ROOT / "workflow/schemas/config.schema.yaml")
    p = claims_params(config)
    assert set(df["claim"]) == set(CLAIMS) and set(df["verdict"]) <= set(VERDICTS)
    assert df.groupby(["claim", "experiment"])["configured"].any().all()
    relu = {e for e, x in p["experiments"].items() if not x["leaky"]}
    assert set(df.loc[df["claim"] == "1a", "experiment"]) == relu
    five = df[df["claim"] == "5"]
    assert (five["verdict"] == "not configured").all() == (not p["similarity"])
    seven = df[df["claim"].isin(["7a", "7b"])]
    assert (seven["verdict"] == "not configured").all() == (not p["robustness"])
    models = {x["model"] for x in p["experiments"].values()}
    six = df[df["claim"] == "6"].set_index("experiment")["verdict"]
    assert (six.loc["VGG16"] == "not configured") if "vgg16" not in models else "VGG16" not in six.index
