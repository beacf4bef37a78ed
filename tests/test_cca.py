"""PWCCA: invariances, analytic values, and agreement with a literal transcription of the
reference algorithm (google/svcca pwcca.compute_pwcca, second-branch bug fixed)."""

import numpy as np
import pytest

from pwcca_reference import reference_pwcca
from selectivity.cca import prepare, pwcca_distance, pwcca_prepared


def orthogonal_signals(n, m, seed=0):
    """n zero-mean, mutually orthogonal signals of unit sample variance (ddof 1) over m points."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(np.column_stack([np.ones(m), rng.normal(size=(m, n))]))
    return q[:, 1:].T * np.sqrt(m - 1)


@pytest.fixture
def acts():
    rng = np.random.default_rng(0)
    return rng.normal(size=(12, 400)) @ np.diag(rng.uniform(0.5, 2, 400)) + rng.normal(size=(12, 1))


def test_identical_scaled_and_shifted_inputs_give_zero(acts):
    assert pwcca_distance(acts, acts) == pytest.approx(0, abs=1e-8)
    assert pwcca_distance(acts, 3.7 * acts) == pytest.approx(0, abs=1e-8)
    assert pwcca_distance(acts, acts + 5.0) == pytest.approx(0, abs=1e-8)


def test_rotation_gives_zero_but_changes_weights(acts):
    rng = np.random.default_rng(1)
    rot, _ = np.linalg.qr(rng.normal(size=(12, 12)))
    assert pwcca_distance(acts, rot @ acts) == pytest.approx(0, abs=1e-9)
    other = rng.normal(size=(12, 400))
    # the distance to a third representation depends on the neuron basis (weights use raw neurons)
    assert pwcca_distance(acts, other) != pytest.approx(pwcca_distance(rot @ acts, other), abs=1e-6)


def test_analytic_value_first_branch():
    # X = [z1; 2 z2], Y = [z1; z3]: canonical correlations (1, 0); the weights are |z1| : 2|z2| = 1 : 2,
    # so similarity = 1/3 * 1 + 2/3 * 0 and the distance is 2/3.
    z = orthogonal_signals(3, 200)
    x, y = np.stack([z[0], 2 * z[1]]), np.stack([z[0], z[2]])
    assert pwcca_distance(x, y) == pytest.approx(2 / 3, abs=1e-9)
    assert pwcca_distance(np.stack([2 * z[0], z[1]]), y) == pytest.approx(1 / 3, abs=1e-9)


def test_analytic_value_second_branch_uses_acts2():
    # 3 neurons vs 2: the smaller side (acts2 = [z1; 3 z4]) supplies weights 1 : 3 -> distance 3/4.
    z = orthogonal_signals(4, 200, seed=1)
    x, y = np.stack([z[0], z[1], z[2]]), np.stack([z[0], 3 * z[3]])
    assert pwcca_distance(x, y) == pytest.approx(3 / 4, abs=1e-9)
    assert pwcca_distance(y, x) == pytest.approx(3 / 4, abs=1e-9)  # same side supplies the weights


@pytest.mark.parametrize("shapes", [(10, 10), (8, 15), (15, 8)])
def test_matches_reference_transcription(shapes):
    rng = np.random.default_rng(sum(shapes))
    base = np.maximum(rng.normal(size=(20, 300)), 0)  # ReLU-like, correlated representations
    a = np.maximum(rng.normal(size=(shapes[0], 20)) @ base + 0.3 * rng.normal(size=(shapes[0], 300)), 0)
    b = np.maximum(rng.normal(size=(shapes[1], 20)) @ base + 0.3 * rng.normal(size=(shapes[1], 300)), 0)
    d = pwcca_distance(a, b)
    assert 0 < d < 1
    assert d == pytest.approx(reference_pwcca(a, b), abs=1e-9)


def test_dead_neurons_are_dropped():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(6, 100))
    dead = np.vstack([a, np.zeros((2, 100))])
    assert pwcca_distance(dead, dead) == pytest.approx(0, abs=1e-8)
    assert prepare(dead).kept.tolist() == [True] * 6 + [False] * 2
    assert pwcca_distance(dead, a) == pytest.approx(reference_pwcca(dead, a), abs=1e-9)


def test_prepared_sides_are_reusable_and_input_checked(acts):
    rng = np.random.default_rng(4)
    others = [rng.normal(size=(9, 400)) for _ in range(3)]
    p = prepare(acts)
    for o in others:
        assert pwcca_prepared(p, prepare(o)) == pytest.approx(pwcca_distance(acts, o), abs=1e-12)
    with pytest.raises(ValueError, match="neurons < datapoints"):
        prepare(rng.normal(size=(50, 40)))


def test_fast_weights_equal_the_explicit_qr():
    from selectivity.cca import _weights_cholesky, _weights_qr

    rng = np.random.default_rng(6)
    p = prepare(np.maximum(rng.normal(size=(20, 500)), 0) + 0.1)
    coef, _ = np.linalg.qr(rng.normal(size=(20, 20)))
    assert _weights_cholesky(p, coef) == pytest.approx(_weights_qr(p, coef), abs=1e-12)


def test_benchmark_script_runs():
    import subprocess
    import sys

    from conftest import ROOT

    out = subprocess.run([sys.executable, str(ROOT / "benchmarks/pwcca_stage.py"), "--images", "300", "--seeds", "2",
                          "--reference-pairs", "1"], capture_output=True, text=True, check=True).stdout
    assert "speed-up" in out and "max |difference| on sampled pairs" in out
