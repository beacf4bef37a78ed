"""Measures that separate robustness from clean accuracy (selectivity.robustness.measures): drops,
relative drops, Hendrycks & Dietterich's CE / mCE with the alpha = 0 networks as the baseline."""

import numpy as np
import pandas as pd
import pytest

from conftest import run_cli
from selectivity.robustness.measures import corruption_errors, level_measures, measures_table, network_summary


def table(rows):
    out = []
    for alpha, seed, clean, fog, snow, pgd in rows:
        run = {"experiment": "e", "alpha": alpha, "seed": seed, "layer": ""}
        out.append({**run, "kind": "corruption", "name": "none", "level": 0, "measure": "accuracy", "value": clean})
        for name, accs in (("fog", fog), ("snow", snow)):
            for level, v in zip((1, 2), accs):
                out.append({**run, "kind": "corruption", "name": name, "level": level, "measure": "accuracy", "value": v})
        out.append({**run, "kind": "attack", "name": "none", "level": 0, "measure": "accuracy", "value": clean})
        out.append({**run, "kind": "attack", "name": "pgd", "level": 2, "measure": "accuracy", "value": pgd})
    return pd.DataFrame(out)


ROWS = [(0.0, 0, 0.9, (0.8, 0.6), (0.9, 0.9), 0.45), (0.0, 1, 0.8, (0.6, 0.6), (0.8, 0.8), 0.4),
        (-1.0, 0, 0.5, (0.45, 0.3), (0.5, 0.5), 0.1), (-1.0, 1, 0.5, (0.5, 0.5), (0.5, 0.5), 0.5)]


def test_drops_are_relative_to_each_networks_own_clean_accuracy():
    lv = level_measures(table(ROWS), "corruption").set_index(["alpha", "seed", "name", "level"])
    assert lv.loc[(0.0, 0, "fog", 2), "drop"] == pytest.approx(0.3)
    assert lv.loc[(0.0, 0, "fog", 2), "relative_drop"] == pytest.approx(0.3 / 0.9)
    assert lv.loc[(-1.0, 0, "fog", 2), "relative_drop"] == pytest.approx(0.4)  # same drop, lower clean
    assert lv.loc[(-1.0, 0, "fog", 2), "error"] == pytest.approx(0.7)
    att = level_measures(table(ROWS), "attack").set_index(["alpha", "seed"])
    assert att.loc[(0.0, 0), "relative_drop"] == pytest.approx(0.5) and att.loc[(-1.0, 1), "drop"] == 0


def test_corruption_errors_take_the_alpha_zero_networks_as_the_baseline():
    lv = level_measures(table(ROWS), "corruption")
    ce = corruption_errors(lv).set_index(["alpha", "seed", "name"])
    base_fog = (0.2 + 0.4) / 2 + (0.4 + 0.4) / 2  # sum over severities of the alpha = 0 mean error
    assert ce.loc[(-1.0, 0, "fog"), "ce"] == pytest.approx((0.55 + 0.7) / base_fog)
    assert ce.xs(0.0, level="alpha")["ce"].groupby("name").mean().to_numpy() == pytest.approx([1, 1])
    # relative CE: (sum E - sum E_clean) / (sum B - sum B_clean); the baseline does not degrade under snow
    b_degradation = base_fog - 2 * (0.1 + 0.2) / 2
    assert ce.loc[(-1.0, 0, "fog"), "relative_ce"] == pytest.approx((0.55 + 0.7 - 2 * 0.5) / b_degradation)
    assert np.isnan(ce.loc[(-1.0, 0, "snow"), "relative_ce"]) and not np.isnan(ce.loc[(-1.0, 0, "snow"), "ce"])
    summary = network_summary(lv, corruption_errors(lv), ["fog", "snow"]).set_index(["alpha", "seed"])
    assert summary.loc[(-1.0, 0), "relative_ce_defined"] == 1  # snow's is undefined: left out of the mean
    assert summary.loc[(-1.0, 0), "relative_mce"] == pytest.approx(ce.loc[(-1.0, 0, "fog"), "relative_ce"])
    with pytest.raises(ValueError, match="lacks the corruptions \\['frost'\\]"):
        network_summary(lv, corruption_errors(lv), ["fog", "frost"])
    with pytest.raises(ValueError, match="no networks with alpha = 0"):
        corruption_errors(lv[lv["alpha"] != 0])


def test_the_measures_table_and_its_command(tmp_path):
    rob = table(ROWS)
    m = measures_table(rob, {"two": ("fog", "snow"), "benchmark": ("fog", "frost")})
    assert set(m.loc[m["kind"] == "corruption_set", "name"]) == {"two"}  # a set the table lacks is left out
    assert set(m["measure"]) == {"accuracy", "error", "drop", "relative_drop", "ce", "relative_ce", "mce",
                                 "relative_mce"}
    path = tmp_path / "robustness_all.csv"
    rob.assign(experiment="resnet20").to_csv(path, index=False)
    run_cli("robustness-measures", path, "--out", tmp_path / "m.csv")
    out = pd.read_csv(tmp_path / "m.csv")
    assert len(out[["alpha", "seed"]].drop_duplicates()) == 4 and (out["kind"] == "attack").sum() == 4 * 3
