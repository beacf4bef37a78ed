import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from selectivity.stats import bootstrap_ci, compare_to_control, stars


def test_compare_to_control_matches_scipy_and_bonferroni():
    rng = np.random.default_rng(0)
    groups = {0.0: rng.normal(0.9, 0.01, 20), -1.0: rng.normal(0.89, 0.01, 20), -5.0: rng.normal(0.8, 0.02, 20)}
    df = pd.DataFrame([{"alpha": a, "acc": v} for a, vals in groups.items() for v in vals])
    out = compare_to_control(df, "acc", n_bootstrap=1000).set_index("alpha")
    assert list(out.index) == [-5.0, -1.0, 0.0]
    for a in (-1.0, -5.0):
        t, p = sps.ttest_ind(groups[a], groups[0.0])
        assert out.loc[a, "statistic"] == pytest.approx(t) and out.loc[a, "p"] == pytest.approx(p)
        assert out.loc[a, "p_corrected"] == pytest.approx(min(1.0, 2 * p))  # 2 comparisons
        assert out.loc[a, "mean"] == pytest.approx(groups[a].mean()) and out.loc[a, "n"] == 20
    assert np.isnan(out.loc[0.0, "p"])
    welch = compare_to_control(df, "acc", n_bootstrap=1000, equal_var=False).set_index("alpha")
    assert welch.loc[-5.0, "p"] == pytest.approx(sps.ttest_ind(groups[-5.0], groups[0.0], equal_var=False).pvalue)


def test_bootstrap_ci_brackets_the_mean_and_is_reproducible():
    x = np.random.default_rng(1).normal(5, 1, 30)
    lo, hi = bootstrap_ci(x, n_resamples=2000, seed=3)
    assert lo < x.mean() < hi
    assert (lo, hi) == bootstrap_ci(x, n_resamples=2000, seed=3)
    # roughly the normal-theory interval
    half = 1.96 * x.std(ddof=1) / np.sqrt(len(x))
    assert hi - lo == pytest.approx(2 * half, rel=0.25)
    narrow = bootstrap_ci(x, ci=0.5, n_resamples=2000, seed=3)
    assert narrow[1] - narrow[0] < hi - lo


def test_bootstrap_degenerate_inputs():
    assert bootstrap_ci([0.5, 0.5, 0.5]) == (0.5, 0.5)
    assert bootstrap_ci([0.7]) == (0.7, 0.7)
    assert all(np.isnan(bootstrap_ci([])))


def test_stars():
    levels = [(0.05, "*"), (5e-6, "**")]
    assert stars(0.2, levels) == "" and stars(0.01, levels) == "*" and stars(1e-7, levels) == "**"


def test_missing_control_is_an_error():
    with pytest.raises(ValueError, match="control"):
        compare_to_control(pd.DataFrame({"alpha": [1.0, 2.0], "acc": [0.1, 0.2]}), "acc")


def test_ranksum_and_sign_comparison_match_scipy():
    from selectivity.stats import compare_signs, paired_t

    rng = np.random.default_rng(5)
    rows = []
    samples = {}
    for a in (-2.0, -1.0, 0.0, 1.0, 2.0):
        vals = rng.normal(0.9 - 0.1 * max(a, 0), 0.01, 10)
        samples[a] = vals
        rows += [{"alpha": a, "acc": v} for v in vals]
    df = pd.DataFrame(rows)
    out = compare_signs(df, "acc", n_bootstrap=500).set_index("abs_alpha")
    assert list(out.index) == [1.0, 2.0]
    for mag in (1.0, 2.0):
        r = sps.ranksums(samples[-mag], samples[mag])
        assert out.loc[mag, "p"] == pytest.approx(r.pvalue)
        assert out.loc[mag, "p_corrected"] == pytest.approx(min(1, 2 * r.pvalue))
        assert out.loc[mag, "negative_mean"] == pytest.approx(samples[-mag].mean())
    ctrl = compare_to_control(df, "acc", n_bootstrap=500, test="ranksum").set_index("alpha")
    assert ctrl.loc[2.0, "p"] == pytest.approx(sps.ranksums(samples[2.0], samples[0.0]).pvalue)
    assert ctrl.loc[2.0, "p_corrected"] == pytest.approx(min(1, 4 * ctrl.loc[2.0, "p"]))
    t, p = paired_t([1, 2, 3, 4.5], [0.5, 1.0, 2.9, 4.0])
    r = sps.ttest_rel([1, 2, 3, 4.5], [0.5, 1.0, 2.9, 4.0])
    assert (t, p) == pytest.approx((r.statistic, r.pvalue))


def test_paired_t_interval_is_the_tests_own_interval_and_pairwise_tests_correct_over_pairs():
    import pandas as pd
    from scipy import stats as sps

    from selectivity.stats import paired_t, paired_t_interval, pairwise_tests

    a, b = np.array([0.25, 0.24, 0.27, 0.22]), np.array([0.24, 0.235, 0.25, 0.22])
    low, high = paired_t_interval(a - b, 0.95)
    d = a - b
    half = sps.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    assert (low, high) == pytest.approx((d.mean() - half, d.mean() + half))
    assert (low > 0) == (paired_t(a, b)[1] < 0.05)  # the interval excludes 0 exactly when the test rejects
    assert np.isnan(paired_t_interval([0.1], 0.95)).all()  # one pair: no interval
    df = pd.DataFrame({"g": ["x"] * 3 + ["y"] * 3 + ["z"] * 3, "v": [1, 1.1, 0.9, 2, 2.1, 1.9, 1, 1.2, 0.8]})
    pairs = pairwise_tests(df, "v", "g", ["x", "y", "z"]).set_index("g")
    assert list(pairs.index) == ["y vs x", "z vs x", "z vs y"]
    assert pairs.loc["y vs x", "statistic"] > 0 > pairs.loc["z vs y", "statistic"]
    assert pairs["p_corrected"].tolist() == pytest.approx(np.minimum(1, 3 * pairs["p"]).tolist())
