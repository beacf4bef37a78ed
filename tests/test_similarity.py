"""Representational similarity (selectivity.similarity): PWCCA against a literal transcription of
the reference algorithm (google/svcca pwcca.compute_pwcca, second-branch bug fixed), linear CKA
against Kornblith et al.'s Gram-matrix form (biased and U-centred), orthogonal Procrustes against an
explicit solution of the Procrustes problem; and the invariances that define each measure."""

import numpy as np
import pytest
from scipy.linalg import orthogonal_procrustes

from pwcca_reference import reference_pwcca
from selectivity.similarity import (MEASURES, cka_distance, distances, linear_cka, prepare, procrustes_distance,
                                    pwcca_distance)
from selectivity.similarity.pwcca import _weights_cholesky, _weights_qr


def orthogonal_signals(n, m, seed=0):
    """n zero-mean, mutually orthogonal signals of unit sample variance (ddof 1) over m points, [m, n]."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(np.column_stack([np.ones(m), rng.normal(size=(m, n))]))
    return q[:, 1:] * np.sqrt(m - 1)


def correlated(p, q, m=300, seed=0, shift=0.0):
    """Two ReLU-like representations [m, p], [m, q] of one latent signal (nonzero means)."""
    rng = np.random.default_rng(seed)
    base = np.maximum(rng.normal(size=(m, 20)), 0)
    a = np.maximum(base @ rng.normal(size=(20, p)) + 0.3 * rng.normal(size=(m, p)), 0) + shift
    b = np.maximum(base @ rng.normal(size=(20, q)) + 0.3 * rng.normal(size=(m, q)), 0) + shift
    return a, b


@pytest.fixture
def acts():
    rng = np.random.default_rng(0)
    return (rng.normal(size=(12, 400)) @ np.diag(rng.uniform(0.5, 2, 400)) + rng.normal(size=(12, 1))).T


def rotation(n, seed=1):
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(n, n)))
    return q


# ---------- references, written from the published formulas ----------

def gram_cka(x, y):
    """Kornblith et al. (2019), Gram-matrix form: HSIC(K, L) = tr(K H L H), K = X X^T (uncentred X)."""
    m = len(x)
    h = np.eye(m) - np.ones((m, m)) / m
    k, l_ = x @ x.T, y @ y.T

    def hsic(a, b):
        return np.trace(a @ h @ b @ h)

    return hsic(k, l_) / np.sqrt(hsic(k, k) * hsic(l_, l_))


def u_centred(k):
    """Székely & Rizzo's U-centring of a Gram matrix (diagonal zeroed first, as Kornblith's code)."""
    m = len(k)
    k = k.copy()
    np.fill_diagonal(k, 0)
    u = k - k.sum(0)[None, :] / (m - 2) - k.sum(1)[:, None] / (m - 2) + k.sum() / ((m - 1) * (m - 2))
    np.fill_diagonal(u, 0)
    return u


def debiased_gram_cka(x, y):
    k, l_ = u_centred(x @ x.T), u_centred(y @ y.T)
    return np.sum(k * l_) / np.sqrt(np.sum(k * k) * np.sum(l_ * l_))


def song_hsic(k, l_):
    """Song et al. (2012) unbiased HSIC, literally (Gram form)."""
    m = len(k)
    k, l_ = k.copy(), l_.copy()
    np.fill_diagonal(k, 0)
    np.fill_diagonal(l_, 0)
    one = np.ones(m)
    return (np.trace(k @ l_) + (one @ k @ one) * (one @ l_ @ one) / ((m - 1) * (m - 2))
            - 2 / (m - 2) * one @ k @ l_ @ one) / (m * (m - 3))


def explicit_procrustes(x, y):
    """min_R ||X R - Y||_F^2 over orthogonal R, solved by scipy, after centring, unit Frobenius norm and
    padding the narrower side with zero neurons."""
    def norm(a):
        a = a - a.mean(0)
        return a / np.linalg.norm(a)

    x, y = norm(x), norm(y)
    width = max(x.shape[1], y.shape[1])
    x, y = (np.pad(a, ((0, 0), (0, width - a.shape[1]))) for a in (x, y))
    r, _ = orthogonal_procrustes(x, y)
    return float(np.sum((x @ r - y) ** 2))


# ---------- PWCCA ----------

def test_pwcca_identical_scaled_shifted_and_rotated_inputs_give_zero(acts):
    assert pwcca_distance(acts, acts) == pytest.approx(0, abs=1e-8)
    assert pwcca_distance(acts, 3.7 * acts) == pytest.approx(0, abs=1e-8)
    assert pwcca_distance(acts, acts + 5.0) == pytest.approx(0, abs=1e-8)
    assert pwcca_distance(acts, acts @ rotation(12)) == pytest.approx(0, abs=1e-9)


def test_pwcca_is_invariant_to_an_invertible_linear_map_but_its_weights_use_raw_neurons(acts):
    rng = np.random.default_rng(1)
    mixing = rng.normal(size=(12, 12)) + 3 * np.eye(12)  # invertible, not orthogonal
    assert pwcca_distance(acts, acts @ mixing) == pytest.approx(0, abs=1e-8)
    other = rng.normal(size=(400, 12))
    # the distance to a third representation depends on the neuron basis (weights use raw neurons)
    assert pwcca_distance(acts, other) != pytest.approx(pwcca_distance(acts @ rotation(12), other), abs=1e-6)


def test_pwcca_analytic_value_first_branch():
    # X = [z1, 2 z2], Y = [z1, z3]: canonical correlations (1, 0); the weights are |z1| : 2|z2| = 1 : 2,
    # so similarity = 1/3 * 1 + 2/3 * 0 and the distance is 2/3.
    z = orthogonal_signals(3, 200)
    x, y = np.column_stack([z[:, 0], 2 * z[:, 1]]), np.column_stack([z[:, 0], z[:, 2]])
    assert pwcca_distance(x, y) == pytest.approx(2 / 3, abs=1e-9)
    assert pwcca_distance(np.column_stack([2 * z[:, 0], z[:, 1]]), y) == pytest.approx(1 / 3, abs=1e-9)


def test_pwcca_analytic_value_second_branch_uses_acts2():
    # 3 neurons vs 2: the smaller side (acts2 = [z1, 3 z4]) supplies weights 1 : 3 -> distance 3/4.
    z = orthogonal_signals(4, 200, seed=1)
    x, y = z[:, :3], np.column_stack([z[:, 0], 3 * z[:, 3]])
    assert pwcca_distance(x, y) == pytest.approx(3 / 4, abs=1e-9)
    assert pwcca_distance(y, x) == pytest.approx(3 / 4, abs=1e-9)  # same side supplies the weights


@pytest.mark.parametrize("shapes", [(10, 10), (8, 15), (15, 8)])
def test_pwcca_matches_reference_transcription(shapes):
    a, b = correlated(*shapes, seed=sum(shapes))
    d = pwcca_distance(a, b)
    assert 0 < d < 1
    assert d == pytest.approx(reference_pwcca(a.T, b.T), abs=1e-9)


def test_pwcca_drops_dead_neurons():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(100, 6))
    dead = np.hstack([a, np.zeros((100, 2))])
    assert pwcca_distance(dead, dead) == pytest.approx(0, abs=1e-8)
    assert prepare(dead).pwcca.kept.tolist() == [True] * 6 + [False] * 2
    assert pwcca_distance(dead, a) == pytest.approx(reference_pwcca(dead.T, a.T), abs=1e-9)


def test_pwcca_refuses_fewer_datapoints_than_neurons():
    with pytest.raises(ValueError, match="fewer neurons than datapoints, got 50 neurons and 40 datapoints"):
        prepare(np.random.default_rng(4).normal(size=(40, 50)))
    prepare(np.random.default_rng(4).normal(size=(40, 50)), ("cka", "procrustes"))  # the others are defined


def test_pwcca_fast_weights_equal_the_explicit_qr():
    rng = np.random.default_rng(6)
    p = prepare(np.maximum(rng.normal(size=(500, 20)), 0) + 0.1).pwcca
    coef, _ = np.linalg.qr(rng.normal(size=(20, 20)))
    assert _weights_cholesky(p, coef) == pytest.approx(_weights_qr(p, coef), abs=1e-12)


# ---------- CKA ----------

@pytest.mark.parametrize("shapes", [(10, 10), (8, 15), (40, 5)])
def test_cka_matches_the_gram_matrix_form(shapes):
    a, b = correlated(*shapes, m=120, seed=sum(shapes), shift=2.0)  # nonzero means: centring matters
    assert linear_cka(a, b) == pytest.approx(gram_cka(a, b), abs=1e-8)
    assert 0 < linear_cka(a, b) < 1
    assert linear_cka(a, b) != pytest.approx(np.sum((a.T @ b) ** 2) / (np.linalg.norm(a.T @ a) * np.linalg.norm(b.T @ b)),
                                             abs=1e-3)  # what CKA without centring would give


@pytest.mark.parametrize("shapes", [(10, 10), (8, 15), (40, 5)])
def test_debiased_cka_matches_u_centred_grams_and_song_et_al(shapes):
    a, b = correlated(*shapes, m=60, seed=sum(shapes), shift=2.0)
    got = linear_cka(a, b, debiased=True)
    assert got == pytest.approx(debiased_gram_cka(a, b), abs=1e-8)
    ka, kb = a @ a.T, b @ b.T
    assert got == pytest.approx(song_hsic(ka, kb) / np.sqrt(song_hsic(ka, ka) * song_hsic(kb, kb)), abs=1e-8)
    assert got < linear_cka(a, b)  # the biased estimator is inflated at 60 datapoints


def test_cka_invariances(acts):
    other = correlated(12, 7, m=400, seed=9)[1]
    d = cka_distance(acts, other)
    for debiased in (False, True):
        ref = cka_distance(acts, other, debiased)
        assert cka_distance(acts @ rotation(12), other, debiased) == pytest.approx(ref, abs=1e-10)
        assert cka_distance(3.7 * acts + 5.0, other, debiased) == pytest.approx(ref, abs=1e-10)
        assert cka_distance(acts, acts @ rotation(12), debiased) == pytest.approx(0, abs=1e-10)
    mixing = np.random.default_rng(1).normal(size=(12, 12)) + 3 * np.eye(12)
    assert cka_distance(acts @ mixing, other) != pytest.approx(d, abs=1e-4)  # not invariant to any linear map
    assert cka_distance(acts, acts @ mixing) > 1e-3


# ---------- Procrustes ----------

@pytest.mark.parametrize("shapes", [(10, 10), (8, 15), (15, 8)])
def test_procrustes_matches_the_explicit_solution(shapes):
    a, b = correlated(*shapes, seed=sum(shapes), shift=1.0)
    b = 25.0 * b  # other scales: without normalization the distance would not be the reference's
    d = procrustes_distance(a, b)
    assert d == pytest.approx(explicit_procrustes(a, b), abs=1e-8)
    assert 0 < d < 2
    nuclear = 1 - d / 2
    assert procrustes_distance(a, b, angular=True) == pytest.approx(np.arccos(nuclear), abs=1e-10)


def test_procrustes_invariances(acts):
    assert procrustes_distance(acts, acts @ rotation(12)) == pytest.approx(0, abs=1e-10)
    assert procrustes_distance(acts, 3.7 * acts @ rotation(12) + 5.0) == pytest.approx(0, abs=1e-10)
    mixing = np.random.default_rng(1).normal(size=(12, 12)) + 3 * np.eye(12)
    assert procrustes_distance(acts, acts @ mixing) > 1e-3  # an invertible non-orthogonal map moves it


# ---------- prepared sides, many pairs ----------

def test_prepared_sides_give_the_plain_functions_values_for_every_measure(acts):
    rng = np.random.default_rng(4)
    others = [np.maximum(rng.normal(size=(400, 9)), 0) for _ in range(3)]
    side = prepare(acts, tuple(MEASURES))
    for o in others:
        got = distances(side, prepare(o, tuple(MEASURES)), tuple(MEASURES))
        assert got["pwcca"] == pytest.approx(pwcca_distance(acts, o), abs=1e-12)
        assert got["cka"] == pytest.approx(cka_distance(acts, o), abs=1e-12)
        assert got["cka_debiased"] == pytest.approx(cka_distance(acts, o, debiased=True), abs=1e-12)
        assert got["procrustes"] == pytest.approx(procrustes_distance(acts, o), abs=1e-12)
    with pytest.raises(ValueError, match="different datapoints"):
        distances(side, prepare(others[0][:399]))
    with pytest.raises(ValueError, match="unknown similarity measures"):
        prepare(acts, ("svcca",))


def test_a_side_without_variance_has_no_cka_or_procrustes_distance():
    flat = np.ones((50, 3))
    other = np.random.default_rng(0).normal(size=(50, 3))
    got = distances(prepare(flat), prepare(other))
    assert got["pwcca"] == 1.0  # the reference's convention: zero coefficients
    assert np.isnan(got["cka"]) and np.isnan(got["procrustes"])


def test_benchmark_script_runs():
    import subprocess
    import sys

    from conftest import ROOT

    out = subprocess.run([sys.executable, str(ROOT / "benchmarks/similarity_stage.py"), "--images", "300", "--seeds", "2",
                          "--reference-pairs", "1"], capture_output=True, text=True, check=True).stdout
    assert "speed-up" in out and "max |difference| on sampled pairs" in out


def test_minibatch_cka_is_the_debiased_cka_in_one_batch_and_estimates_it_from_many():
    """Nguyen et al. 2021's minibatch CKA: one batch of every datapoint is the full-data debiased
    CKA exactly; 20 batches of 250 estimate it; the unbiased HSIC of a batch does not depend on
    centring (the Gram-matrix form of Song et al. on raw features gives the same value)."""
    from selectivity.similarity.cka import hsic_unbiased, minibatch_cka

    rng = np.random.default_rng(3)
    z = rng.normal(size=(5000, 6))
    x = z @ rng.normal(size=(6, 12)) + 0.5 * rng.normal(size=(5000, 12)) + 3.0
    y = z[:, :4] @ rng.normal(size=(4, 9)) + rng.normal(size=(5000, 9)) - 1.0
    full = linear_cka(x, y, debiased=True)
    assert minibatch_cka([(x, y)]) == pytest.approx(full, rel=1e-9)
    many = minibatch_cka((x[i:i + 250], y[i:i + 250]) for i in range(0, 5000, 250))
    assert many == pytest.approx(full, abs=0.02) and abs(many - linear_cka(x, y)) < 0.05
    # Song et al.'s estimator from m x m Gram matrices of the raw (uncentred) batch
    xb, yb = x[:50], y[:50]
    k, l = xb @ xb.T, yb @ yb.T
    np.fill_diagonal(k, 0)
    np.fill_diagonal(l, 0)
    m, one = len(xb), np.ones(len(xb))
    song = (np.trace(k @ l) + one @ k @ one * (one @ l @ one) / ((m - 1) * (m - 2))
            - 2 / (m - 2) * one @ k @ l @ one) / (m * (m - 3))
    xc, yc = xb - xb.mean(0), yb - yb.mean(0)
    ours = hsic_unbiased(float(np.sum((xc.T @ yc) ** 2)), (xc ** 2).sum(1), (yc ** 2).sum(1))
    assert ours == pytest.approx(song, rel=1e-9)
    with pytest.raises(ValueError, match="at least one batch"):
        minibatch_cka([])
