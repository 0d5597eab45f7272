"""Tests of kapta_research.drivers (fast part; the simulation studies are in
test_drivers_sim.py, marked slow).

Reference values
----------------
* swiss (tests/data/swiss.csv, R ``datasets::swiss``): relaimpo metrics from
  U. Grömping (2006), "Relative Importance for Linear Regression in R: The
  Package relaimpo", Journal of Statistical Software 17(1), and the relaimpo
  1.0 vignette (Fertility ~ Agriculture + Examination + Education + Catholic +
  Infant.Mortality, R² = 0.7067350).
* mtcars (R ``datasets::mtcars``, Henderson & Velleman 1981, embedded below):
  Johnson relative weights published in the documentation of the R package
  ``rwa`` (M. Chan), article "Regression methods":
  ``rwa_multiregress(mtcars, "mpg", c("cyl", "disp", "hp", "wt"))``.
"""
from __future__ import annotations

import itertools
import re
from math import factorial
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import statsmodels.api as sm  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from kapta_research import _lmg  # noqa: E402
from kapta_research import drivers as kd  # noqa: E402
from kapta_research.errors import DataError, KaptaError, ParameterError  # noqa: E402
from kapta_research.plots import drivers as kplot  # noqa: E402
from kapta_research.schema import DRIVER_LABELS, DRIVERS  # noqa: E402

DATA = Path(__file__).parent / "data"

SWISS_X = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]
# Grömping (2006), JSS 17(1), relaimpo: shares of R², not normalised.
SWISS_REF = {
    "lmg": [0.05709122, 0.17117303, 0.26013468, 0.10557015, 0.11276592],
    "first": [0.1246649, 0.4171645, 0.4406156, 0.2150035, 0.1735189],
    "last": [0.042869607, 0.007387419, 0.161962693, 0.062372626, 0.056945259],
    "betasq": [0.09791973, 0.02715186, 0.44943721, 0.12082578, 0.06306928],
    "pratt": [-0.1104860, 0.1064274, 0.4450046, 0.1611768, 0.1046122],
}
SWISS_R2 = 0.7067350

MTCARS = pd.DataFrame({
    "mpg": [21, 21, 22.8, 21.4, 18.7, 18.1, 14.3, 24.4, 22.8, 19.2, 17.8, 16.4, 17.3, 15.2, 10.4,
            10.4, 14.7, 32.4, 30.4, 33.9, 21.5, 15.5, 15.2, 13.3, 19.2, 27.3, 26, 30.4, 15.8, 19.7,
            15, 21.4],
    "cyl": [6, 6, 4, 6, 8, 6, 8, 4, 4, 6, 6, 8, 8, 8, 8, 8, 8, 4, 4, 4, 4, 8, 8, 8, 8, 4, 4, 4, 8,
            6, 8, 4],
    "disp": [160, 160, 108, 258, 360, 225, 360, 146.7, 140.8, 167.6, 167.6, 275.8, 275.8, 275.8,
             472, 460, 440, 78.7, 75.7, 71.1, 120.1, 318, 304, 350, 400, 79, 120.3, 95.1, 351, 145,
             301, 121],
    "hp": [110, 110, 93, 110, 175, 105, 245, 62, 95, 123, 123, 180, 180, 180, 205, 215, 230, 66,
           52, 65, 97, 150, 150, 245, 175, 66, 91, 113, 264, 175, 335, 109],
    "wt": [2.62, 2.875, 2.32, 3.215, 3.44, 3.46, 3.57, 3.19, 3.15, 3.44, 3.44, 4.07, 3.73, 3.78,
           5.25, 5.424, 5.345, 2.2, 1.615, 1.835, 2.465, 3.52, 3.435, 3.84, 3.845, 1.935, 2.14,
           1.513, 3.17, 2.77, 3.57, 2.78],
})
# rwa package documentation (Raw.RelWeight): Johnson (2000) relative weights.
MTCARS_RWA = [0.2096904, 0.1883043, 0.1799590, 0.2706812]


@pytest.fixture(scope="module")
def swiss():
    return pd.read_csv(DATA / "swiss.csv")


def random_data(rng, n=60, p=4, rho=0.5, noise=1.0):
    """Correlated drivers and a linear outcome."""
    common = rng.normal(size=(n, 1))
    X = np.sqrt(rho) * common + np.sqrt(1 - rho) * rng.normal(size=(n, p))
    beta = rng.uniform(-1, 1, p)
    y = X @ beta + noise * rng.normal(size=n)
    df = pd.DataFrame(X, columns=[f"x{j}" for j in range(p)])
    df.insert(0, "y", y)
    return df


def programme(rng, n_accounts=120, per_account=3, p=len(DRIVERS)):
    """A small synthetic feedback programme (ltr 0-10, drivers 1-7, accounts)."""
    names = list(DRIVERS)[:p]
    sizes = rng.poisson(per_account - 1, n_accounts) + 1
    acc = np.repeat(np.arange(n_accounts), sizes)
    n = len(acc)
    a = rng.normal(0, 0.6, n_accounts)[acc]
    f = rng.normal(0, 0.8, n)
    X = np.clip(np.rint(4.3 + a[:, None] + f[:, None] + rng.normal(0, 1, (n, p))), 1, 7)
    beta1 = np.full(p, 0.1)
    beta2 = np.full(p, 0.1)
    beta1[min(6, p - 1)] = 0.8
    beta2[min(4, p - 1)] = 0.8
    e1 = 0.3 + (X - 4) @ beta1
    e2 = -0.3 + (X - 4) @ beta2
    logits = np.column_stack([np.zeros(n), e1, e1 + e2])
    pr = np.exp(logits - logits.max(1, keepdims=True))
    pr /= pr.sum(1, keepdims=True)
    cat = (rng.random(n)[:, None] > np.cumsum(pr, 1)).sum(1)
    ltr = np.where(cat == 0, rng.integers(0, 7, n),
                   np.where(cat == 1, rng.integers(7, 9, n), rng.integers(9, 11, n)))
    df = pd.DataFrame(X.astype(int), columns=names)
    df.insert(0, "ltr", ltr)
    df.insert(0, "account_id", [f"A{g:04d}" for g in acc])
    return df


# ---------------------------------------------------------------------------
# published reference values
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", list(SWISS_REF))
def test_swiss_matches_relaimpo(swiss, method):
    res = kd.relative_importance(swiss, outcome="Fertility", drivers=SWISS_X, method=method)
    assert res.r2 == pytest.approx(SWISS_R2, abs=1e-7)
    np.testing.assert_allclose(res.summary["importance"], SWISS_REF[method], rtol=0, atol=1e-7)
    np.testing.assert_allclose(res.summary["share"], res.summary["importance"] / res.r2,
                               rtol=1e-14)
    assert list(res.summary["driver"]) == SWISS_X
    assert res.n == 47 and res.n_dropped_missing == 0 and res.n_clusters is None


def test_swiss_ranks_and_dominance(swiss):
    lmg = kd.relative_importance(swiss, outcome="Fertility", drivers=SWISS_X)
    assert list(lmg.summary.sort_values("rank")["driver"]) == [
        "Education", "Examination", "Infant.Mortality", "Catholic", "Agriculture"]
    dom = kd.relative_importance(swiss, outcome="Fertility", drivers=SWISS_X, method="dominance")
    np.testing.assert_allclose(dom.summary["importance"], lmg.summary["importance"], atol=1e-14)
    # general dominance = row means of conditional dominance = LMG
    wide = dom.conditional.pivot(index="driver", columns="k", values="increment")
    np.testing.assert_allclose(wide.loc[SWISS_X].mean(axis=1), SWISS_REF["lmg"], atol=1e-7)
    # k = 0 column is "first", k = p-1 column is "last"
    np.testing.assert_allclose(wide.loc[SWISS_X, 0], SWISS_REF["first"], atol=1e-7)
    np.testing.assert_allclose(wide.loc[SWISS_X, 4], SWISS_REF["last"], atol=1e-7)
    assert len(dom.complete) == 10
    assert set(dom.complete.columns) == {"driver_a", "driver_b", "complete", "conditional",
                                         "general"}
    assert set(dom.complete["complete"]) <= {"a_dominates_b", "b_dominates_a", "undetermined"}


def test_mtcars_johnson_matches_rwa():
    res = kd.relative_importance(MTCARS, outcome="mpg", drivers=["cyl", "disp", "hp", "wt"],
                                 method="johnson")
    np.testing.assert_allclose(res.summary["importance"], MTCARS_RWA, atol=1e-7)
    assert res.summary["importance"].sum() == pytest.approx(res.r2, abs=1e-12)


def johnson_from_rows(y, X):
    """Johnson (2000) from the rows: orthonormal Z closest to the standardised X (SVD)."""
    Xs = (X - X.mean(0)) / X.std(0)
    ys = (y - y.mean()) / y.std()
    P, _, Qt = np.linalg.svd(Xs, full_matrices=False)
    Z = P @ Qt * np.sqrt(len(y))             # columns: mean 0, variance 1, uncorrelated
    beta = np.linalg.lstsq(Z, ys, rcond=None)[0]
    lam = np.linalg.lstsq(Z, Xs, rcond=None)[0]  # regressions of X on Z: Lambda (k, j)
    return (lam.T ** 2) @ (beta ** 2)


@pytest.mark.parametrize("seed", range(5))
def test_johnson_matches_independent_implementation(seed):
    rng = np.random.default_rng(seed)
    df = random_data(rng, n=80, p=5, rho=0.6)
    cols = [c for c in df if c != "y"]
    res = kd.relative_importance(df, outcome="y", drivers=cols, method="johnson")
    ref = johnson_from_rows(df["y"].to_numpy(), df[cols].to_numpy())
    np.testing.assert_allclose(res.summary["importance"], ref, atol=1e-10)


def test_lmg_matches_pingouin():
    pg = pytest.importorskip("pingouin")
    rng = np.random.default_rng(11)
    df = random_data(rng, n=300, p=6)
    cols = [c for c in df if c != "y"]
    lm = pg.linear_regression(df[cols], df["y"], relimp=True)
    res = kd.relative_importance(df, outcome="y", drivers=cols)
    np.testing.assert_allclose(res.summary["importance"], lm["relimp"].to_numpy()[1:], atol=1e-9)


# ---------------------------------------------------------------------------
# brute force
# ---------------------------------------------------------------------------

def r2_refit(y, X, cols):
    A = np.column_stack([np.ones(len(y))] + [X[:, c] for c in cols])
    beta = np.linalg.lstsq(A, y, rcond=None)[0]
    r = y - A @ beta
    yc = y - y.mean()
    return 1 - r @ r / (yc @ yc)


def lmg_orderings(y, X):
    """LMG by definition: average over all p! orderings, refitting OLS at each step."""
    p = X.shape[1]
    imp = np.zeros(p)
    for perm in itertools.permutations(range(p)):
        cols, prev = [], 0.0
        for j in perm:
            cols.append(j)
            r = r2_refit(y, X, cols)
            imp[j] += r - prev
            prev = r
    return imp / factorial(p)


def lmg_subsets(y, X):
    """LMG from 2**p OLS refits and Shapley weights."""
    p = X.shape[1]
    r2 = {(): 0.0}
    for k in range(1, p + 1):
        for s in itertools.combinations(range(p), k):
            r2[s] = r2_refit(y, X, list(s))
    imp = np.zeros(p)
    for j in range(p):
        others = [i for i in range(p) if i != j]
        for k in range(p):
            w = factorial(k) * factorial(p - k - 1) / factorial(p)
            for s in itertools.combinations(others, k):
                imp[j] += w * (r2[tuple(sorted(s + (j,)))] - r2[s])
    return imp


@pytest.mark.parametrize("p", [2, 3, 4, 5, 6])
def test_engine_equals_brute_force_orderings(p):
    rng = np.random.default_rng(100 + p)
    df = random_data(rng, n=40, p=p, rho=0.5)
    cols = [c for c in df if c != "y"]
    res = kd.relative_importance(df, outcome="y", drivers=cols)
    ref = lmg_orderings(df["y"].to_numpy(), df[cols].to_numpy())
    np.testing.assert_allclose(res.summary["importance"], ref, rtol=0, atol=1e-9)
    if p <= 5:
        np.testing.assert_allclose(lmg_subsets(df["y"].to_numpy(), df[cols].to_numpy()), ref,
                                   atol=1e-12)


@pytest.mark.parametrize("p", [7, 8])
def test_engine_equals_brute_force_subsets(p):
    rng = np.random.default_rng(200 + p)
    df = random_data(rng, n=50, p=p, rho=0.4)
    cols = [c for c in df if c != "y"]
    res = kd.relative_importance(df, outcome="y", drivers=cols)
    ref = lmg_subsets(df["y"].to_numpy(), df[cols].to_numpy())
    np.testing.assert_allclose(res.summary["importance"], ref, rtol=0, atol=1e-9)


def test_all_subset_r2_equals_refits():
    rng = np.random.default_rng(5)
    df = random_data(rng, n=30, p=5)
    y, X = df["y"].to_numpy(), df.iloc[:, 1:].to_numpy()
    r2 = _lmg.subset_r2(np.cov(df.to_numpy(), rowvar=False))
    for mask in range(32):
        cols = [j for j in range(5) if mask >> j & 1]
        assert r2[mask] == pytest.approx(r2_refit(y, X, cols) if cols else 0.0, abs=1e-12)


@pytest.mark.parametrize("method", ["first", "last", "betasq", "pratt"])
def test_simple_metrics_by_refit(method):
    rng = np.random.default_rng(9)
    df = random_data(rng, n=50, p=4)
    cols = [c for c in df if c != "y"]
    y, X = df["y"].to_numpy(), df[cols].to_numpy()
    full = r2_refit(y, X, range(4))
    Xs = (X - X.mean(0)) / X.std(0)
    ys = (y - y.mean()) / y.std()
    beta = np.linalg.lstsq(Xs, ys, rcond=None)[0]
    r = np.array([np.corrcoef(y, X[:, j])[0, 1] for j in range(4)])
    ref = {"first": r ** 2,
           "last": [full - r2_refit(y, X, [i for i in range(4) if i != j]) for j in range(4)],
           "betasq": beta ** 2, "pratt": beta * r}[method]
    res = kd.relative_importance(df, outcome="y", drivers=cols, method=method)
    np.testing.assert_allclose(res.summary["importance"], ref, atol=1e-12)


# ---------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------

# database=None: no example database written into the working tree
PROPS = settings(max_examples=25, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(seed=st.integers(0, 2 ** 32 - 1), p=st.integers(1, 7), rho=st.floats(0, 0.9),
       method=st.sampled_from(["lmg", "dominance", "johnson", "pratt"]))
def test_importances_sum_to_r2(seed, p, rho, method):
    df = random_data(np.random.default_rng(seed), n=40, p=p, rho=rho)
    res = kd.relative_importance(df, outcome="y", drivers=list(df.columns[1:]), method=method)
    assert res.summary["importance"].sum() == pytest.approx(res.r2, abs=1e-10)
    assert res.summary["share"].sum() == pytest.approx(1.0, abs=1e-8)
    assert res.r2 == pytest.approx(r2_refit(df["y"].to_numpy(), df.iloc[:, 1:].to_numpy(),
                                            range(p)), abs=1e-10)
    if method != "pratt":
        assert (res.summary["importance"] >= -1e-12).all()


@PROPS
@given(seed=st.integers(0, 2 ** 32 - 1), p=st.integers(2, 7),
       method=st.sampled_from(["lmg", "johnson", "first", "last", "betasq", "pratt"]),
       data=st.data())
def test_invariant_to_driver_order(seed, p, method, data):
    df = random_data(np.random.default_rng(seed), n=40, p=p)
    cols = list(df.columns[1:])
    perm = data.draw(st.permutations(cols))
    a = kd.relative_importance(df, outcome="y", drivers=cols, method=method).summary
    b = kd.relative_importance(df, outcome="y", drivers=list(perm), method=method).summary
    assert list(b["driver"]) == list(perm)
    b = b.set_index("driver").loc[cols]
    np.testing.assert_allclose(a["importance"], b["importance"], atol=1e-12)
    np.testing.assert_array_equal(a["rank"], b["rank"])


@PROPS
@given(seed=st.integers(0, 2 ** 32 - 1), p=st.integers(1, 6),
       scale=st.floats(0.01, 1000) | st.floats(-1000, -0.01), shift=st.floats(-1e4, 1e4),
       method=st.sampled_from(["lmg", "johnson", "first", "last", "betasq", "pratt"]))
def test_invariant_to_rescaling_a_driver(seed, p, scale, shift, method):
    df = random_data(np.random.default_rng(seed), n=40, p=p)
    cols = list(df.columns[1:])
    moved = df.copy()
    moved["x0"] = scale * moved["x0"] + shift
    moved["y"] = 3.0 * moved["y"] - 7.0
    a = kd.relative_importance(df, outcome="y", drivers=cols, method=method)
    b = kd.relative_importance(moved, outcome="y", drivers=cols, method=method)
    np.testing.assert_allclose(a.summary["importance"], b.summary["importance"], atol=1e-9)
    assert a.r2 == pytest.approx(b.r2, abs=1e-9)


@settings(max_examples=10, deadline=None, database=None)
@given(seed=st.integers(0, 2 ** 32 - 1), method=st.sampled_from(["lmg", "johnson"]))
def test_independent_driver_gets_about_nothing(seed, method):
    rng = np.random.default_rng(seed)
    df = random_data(rng, n=4000, p=4, rho=0.5, noise=0.8)
    df["noise"] = rng.normal(size=len(df))
    res = kd.relative_importance(df, outcome="y", drivers=list(df.columns[1:]), method=method)
    row = res.summary.set_index("driver").loc["noise"]
    assert row["importance"] < 0.005
    assert row["rank"] == 5 or row["share"] < 0.01


def test_weights_are_frequency_weights():
    rng = np.random.default_rng(3)
    df = random_data(rng, n=50, p=4)
    cols = list(df.columns[1:])
    df["w"] = rng.integers(0, 4, len(df))
    expanded = df.loc[df.index.repeat(df["w"])]
    for method in ("lmg", "johnson", "last"):
        a = kd.relative_importance(df, outcome="y", drivers=cols, weights="w", method=method)
        b = kd.relative_importance(expanded, outcome="y", drivers=cols, method=method)
        np.testing.assert_allclose(a.summary["importance"], b.summary["importance"], atol=1e-12)
        assert a.r2 == pytest.approx(b.r2, abs=1e-12)


def test_missing_values_listwise_deletion():
    rng = np.random.default_rng(4)
    df = random_data(rng, n=60, p=3)
    df["acc"] = np.arange(60) // 3
    df.loc[[1, 5], "x1"] = np.nan
    df.loc[7, "y"] = np.nan
    df.loc[9, "acc"] = None
    res = kd.relative_importance(df, outcome="y", drivers=["x0", "x1", "x2"], cluster="acc")
    ref = kd.relative_importance(df.dropna(), outcome="y", drivers=["x0", "x1", "x2"])
    assert res.n_dropped_missing == 4 and res.n == 56
    assert (res.summary["n"] == 56).all()
    np.testing.assert_allclose(res.summary["importance"], ref.summary["importance"], atol=1e-14)
    assert "n_dropped_missing: 4" in repr(res)
    assert "n_dropped_missing" in res._repr_html_()


# ---------------------------------------------------------------------------
# bootstrap
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("n", [12, 90, 400])   # singletons, small and large clusters
def test_sufficient_statistics_equal_resampled_rows(n):
    rng = np.random.default_rng(8)
    df = random_data(rng, n=n, p=3)
    codes = rng.integers(0, 12, n)
    codes[:12] = np.arange(12)
    w = rng.uniform(0.5, 2, n)
    Z = df.to_numpy()
    centre = w @ Z / w.sum()
    sw, s1, s2 = _lmg.cluster_stats(Z - centre, w, codes, 12)
    counts = rng.multinomial(12, np.full(12, 1 / 12), size=5)
    cov, mean, W = _lmg.resampled_covariances(counts, sw, s1, s2)
    for b in range(5):
        rows = np.concatenate([np.flatnonzero(codes == g).repeat(1)
                               for g in range(12) for _ in range(counts[b, g])])
        zr, wr = Z[rows], w[rows]
        ref = np.cov(zr, rowvar=False, aweights=wr, bias=True)
        np.testing.assert_allclose(cov[b], ref, atol=1e-10)
        np.testing.assert_allclose(mean[b] + centre, wr @ zr / wr.sum(), atol=1e-12)


def test_cluster_bootstrap_columns_and_determinism():
    df = programme(np.random.default_rng(1), n_accounts=80)
    kw = dict(outcome="ltr", drivers=list(DRIVERS), cluster="account_id", n_boot=300,
              confidence=0.9)
    a = kd.relative_importance(df, random_state=7, **kw)
    b = kd.relative_importance(df, random_state=7, **kw)
    c = kd.relative_importance(df, random_state=8, **kw)
    s = a.summary
    assert list(s.columns) == ["driver", "importance", "share", "rank", "ci_low", "ci_high",
                               "rank_ci_low", "rank_ci_high", "n"]
    pd.testing.assert_frame_equal(s, b.summary)
    assert not np.allclose(s["ci_low"], c.summary["ci_low"])
    assert (s["ci_low"] <= s["ci_high"]).all()
    assert (s["rank_ci_low"] <= s["rank"]).all() and (s["rank"] <= s["rank_ci_high"]).all()
    assert s["rank_ci_low"].between(1, 8).all() and s["rank_ci_high"].between(1, 8).all()
    assert a.n_clusters == 80 and a.n_boot == 300 and a.replicates.shape == (300, 8)
    # the interval is that of the replicates' shares
    shares = a.replicates.to_numpy() / a.replicates.to_numpy().sum(1, keepdims=True)
    np.testing.assert_allclose(s["ci_low"], np.quantile(shares, 0.05, axis=0), atol=1e-12)


def test_bootstrap_of_each_method_runs():
    df = programme(np.random.default_rng(2), n_accounts=60, p=5)
    for method in kd.METHODS:
        res = kd.relative_importance(df, outcome="ltr", drivers=list(DRIVERS)[:5],
                                     method=method, cluster="account_id", n_boot=50,
                                     random_state=0)
        assert res.summary[["ci_low", "ci_high"]].notna().all().all()


def test_row_bootstrap_without_cluster_is_reproducible():
    df = random_data(np.random.default_rng(6), n=100, p=3)
    a = kd.relative_importance(df, outcome="y", drivers=["x0", "x1", "x2"], n_boot=200,
                               random_state=np.random.default_rng(3))
    b = kd.relative_importance(df, outcome="y", drivers=["x0", "x1", "x2"], n_boot=200,
                               random_state=np.random.default_rng(3))
    pd.testing.assert_frame_equal(a.summary, b.summary)
    assert a.n_clusters is None


def test_weighted_cluster_bootstrap():
    df = programme(np.random.default_rng(12), n_accounts=60, p=4)
    df["w"] = np.random.default_rng(0).uniform(0.2, 3, len(df))
    kw = dict(outcome="ltr", drivers=list(DRIVERS)[:4], weights="w", cluster="account_id",
              n_boot=200, random_state=5)
    a = kd.relative_importance(df, **kw)
    pd.testing.assert_frame_equal(a.summary, kd.relative_importance(df, **kw).summary)
    unweighted = kd.relative_importance(df, **{**kw, "weights": None})
    assert not np.allclose(a.summary["importance"], unweighted.summary["importance"])
    assert a.summary["ci_low"].notna().all()


def test_degenerate_replicates_are_dropped_with_a_warning():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"acc": np.repeat([0, 1, 2], 20), "x0": rng.normal(size=60)})
    df["x1"] = np.where(df["acc"] == 0, rng.integers(1, 8, 60), 4.0)  # varies in account 0 only
    df["y"] = df["x0"] + 0.3 * df["x1"] + rng.normal(size=60)
    with pytest.warns(RuntimeWarning, match=r"bootstrap replicates were dropped because a "
                                            r"driver was constant"):
        res = kd.relative_importance(df, outcome="y", drivers=["x0", "x1"], cluster="acc",
                                     n_boot=200, random_state=0)
    assert 0 < res.n_boot_failed < 200
    assert len(res.replicates) == 200 - res.n_boot_failed


def test_dominance_with_one_driver():
    df = random_data(np.random.default_rng(2), n=30, p=1)
    res = kd.relative_importance(df, outcome="y", drivers=["x0"], method="dominance")
    assert res.complete.empty and list(res.conditional["k"]) == [0]
    assert res.summary["share"].iloc[0] == pytest.approx(1.0)


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------

@pytest.fixture
def small():
    return random_data(np.random.default_rng(0), n=30, p=3)


def test_error_constant_driver(small):
    small["x1"] = 4.0
    with pytest.raises(DataError, match=r"column 'x1': driver is constant"):
        kd.relative_importance(small, outcome="y", drivers=["x0", "x1", "x2"])


def test_error_constant_outcome(small):
    small["y"] = 1.0
    with pytest.raises(DataError, match=r"column 'y': the outcome is constant"):
        kd.relative_importance(small, outcome="y", drivers=["x0", "x1", "x2"])


def test_error_identical_drivers(small):
    small["copy"] = 2 * small["x0"] + 1
    with pytest.raises(DataError, match=r"drivers 'x0' and 'copy' are perfectly collinear"):
        kd.relative_importance(small, outcome="y", drivers=["x0", "x1", "copy"])


def test_error_collinear_combination(small):
    small["sum"] = small["x0"] + small["x1"]
    with pytest.raises(DataError, match=r"drivers 'x0', 'x1', 'sum' are perfectly collinear"):
        kd.relative_importance(small, outcome="y", drivers=["x0", "x1", "x2", "sum"])


def test_error_too_few_rows(small):
    with pytest.raises(DataError, match=r"too few rows for 3 drivers: 4 complete rows, "
                                        r"at least 5 needed"):
        kd.relative_importance(small.head(4), outcome="y", drivers=["x0", "x1", "x2"])


def test_error_non_numeric_driver(small):
    small["x2"] = small["x2"].astype(object)
    small.loc[3, "x2"] = "n/a"
    small.loc[8, "x2"] = "high"
    with pytest.raises(DataError, match=r"column 'x2': values are not numbers "
                                        r"\(2 rows: 3, 8; values: 'n/a', 'high'\)") as err:
        kd.relative_importance(small, outcome="y", drivers=["x0", "x1", "x2"])
    assert err.value.column == "x2" and err.value.rows == [3, 8]


def test_error_infinite_value(small):
    small.loc[2, "x0"] = np.inf
    with pytest.raises(DataError, match=r"column 'x0': values are infinite \(1 row: 2"):
        kd.relative_importance(small, outcome="y", drivers=["x0", "x1", "x2"])


def test_error_date_driver(small):
    small["when"] = pd.date_range("2026-01-01", periods=len(small))
    with pytest.raises(DataError, match=r"column 'when': values are dates or times, not numbers"):
        kd.relative_importance(small, outcome="y", drivers=["x0", "when"])


def test_error_unknown_driver(small):
    with pytest.raises(DataError, match=r"no column named 'trust'"):
        kd.relative_importance(small, outcome="y", drivers=["x0", "trust"])


def test_error_missing_outcome(small):
    with pytest.raises(DataError, match=r"no column named 'ltr'"):
        kd.relative_importance(small, outcome="ltr", drivers=["x0", "x1"])


def test_error_negative_weights(small):
    small["w"] = 1.0
    small.loc[[4, 6], "w"] = [-1.0, -0.5]
    with pytest.raises(DataError, match=r"column 'w': weights must not be negative "
                                        r"\(2 rows: 4, 6; values: -1.0, -0.5\)"):
        kd.relative_importance(small, outcome="y", drivers=["x0", "x1"], weights="w")


def test_error_negative_n_boot(small):
    with pytest.raises(ParameterError, match=r"The 'n_boot' parameter of relative_importance "
                                             r"must be an int >= 0. Got -1 instead."):
        kd.relative_importance(small, outcome="y", drivers=["x0"], n_boot=-1)


@pytest.mark.parametrize("bad, what", [(95, "in"), (0, "in"), (1, "in"), (-0.1, "in"), ("0.9", "a float in"),
                                       (True, "a float in")])
def test_error_confidence(small, bad, what):
    with pytest.raises(ParameterError, match=r"The 'confidence' parameter of "
                                             r"relative_importance must be " + what + r" \(0, 1\). Got "
                                             + re.escape(repr(bad)) + " instead."):
        kd.relative_importance(small, outcome="y", drivers=["x0"], confidence=bad)


def test_error_unknown_method(small):
    with pytest.raises(ParameterError, match=r"The 'method' parameter of relative_importance "
                                             r"must be one of \{'lmg', .*\}. Got 'shapley' "
                                             r"instead."):
        kd.relative_importance(small, outcome="y", drivers=["x0"], method="shapley")


def test_error_too_many_drivers_for_lmg():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(200, 22)), columns=[f"x{j}" for j in range(22)])
    df["y"] = df.sum(axis=1) + rng.normal(size=200)
    cols = [f"x{j}" for j in range(21)]
    for method in ("lmg", "dominance"):
        with pytest.raises(ParameterError, match=r"at most 20 drivers .* Got 21 instead; "
                                                 r"use method='johnson'"):
            kd.relative_importance(df, outcome="y", drivers=cols, method=method)
    res = kd.relative_importance(df, outcome="y", drivers=cols, method="johnson")
    assert res.summary["importance"].sum() == pytest.approx(res.r2)


def test_error_bad_parameters(small):
    with pytest.raises(ParameterError, match=r"'drivers' parameter .* non-empty list"):
        kd.relative_importance(small, outcome="y", drivers=[])
    with pytest.raises(ParameterError, match=r"must not repeat a column. Got 'x0'"):
        kd.relative_importance(small, outcome="y", drivers=["x0", "x0"])
    with pytest.raises(ParameterError, match=r"'outcome' parameter .* must not also be a driver"):
        kd.relative_importance(small, outcome="y", drivers=["y", "x0"])
    with pytest.raises(ParameterError, match=r"'random_state' parameter"):
        kd.relative_importance(small, outcome="y", drivers=["x0"], random_state="seed")
    with pytest.raises(ParameterError, match=r"'data' parameter of relative_importance must be "
                                             r"a pandas DataFrame. Got ndarray instead"):
        kd.relative_importance(small.to_numpy(), outcome="y", drivers=["x0"])
    with pytest.raises(DataError, match=r"no column named 'acct'"):
        kd.relative_importance(small, outcome="y", drivers=["x0"], cluster="acct")


def test_error_bootstrap_needs_two_clusters(small):
    small["acc"] = "A"
    with pytest.raises(DataError, match=r"at least 2 clusters"):
        kd.relative_importance(small, outcome="y", drivers=["x0"], cluster="acc", n_boot=10)


def test_errors_are_value_errors(small):
    small["x1"] = 1
    with pytest.raises(ValueError):
        kd.relative_importance(small, outcome="y", drivers=["x0", "x1"])
    assert issubclass(DataError, KaptaError) and issubclass(ParameterError, KaptaError)


# ---------------------------------------------------------------------------
# transition drivers
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def prog_df():
    return programme(np.random.default_rng(42), n_accounts=150)


def test_transition_summary_matches_statsmodels(prog_df):
    res = kd.transition_drivers(prog_df, drivers=list(DRIVERS), cluster="account_id")
    s = res.summary
    assert list(s.columns) == ["transition", "driver", "n", "n_events", "odds_ratio",
                               "or_ci_low", "or_ci_high", "p_value", "share", "rank"]
    assert list(s["transition"].unique()) == list(kd.TRANSITIONS)
    ltr = prog_df["ltr"]
    for t, mask, event in [("detractor_to_passive", ltr <= 8, ltr >= 7),
                           ("passive_to_promoter", ltr >= 7, ltr >= 9)]:
        sub = prog_df[mask]
        X = sm.add_constant(sub[list(DRIVERS)].astype(float))
        fit = sm.Logit(event[mask].astype(float), X).fit(
            disp=0, cov_type="cluster", cov_kwds={"groups": pd.factorize(sub["account_id"])[0]})
        rows = s[s["transition"] == t]
        np.testing.assert_allclose(rows["odds_ratio"], np.exp(fit.params[1:]), rtol=1e-6)
        ci = np.exp(fit.conf_int().to_numpy()[1:])
        np.testing.assert_allclose(rows["or_ci_low"], ci[:, 0], rtol=1e-6)
        np.testing.assert_allclose(rows["or_ci_high"], ci[:, 1], rtol=1e-6)
        np.testing.assert_allclose(rows["p_value"], fit.pvalues[1:], rtol=1e-5, atol=1e-12)
        assert (rows["n"] == mask.sum()).all() and (rows["n_events"] == (event & mask).sum()).all()
        # importance share = LMG of the linear probability model
        lpm = sub.assign(event=event[mask].astype(float))
        ri = kd.relative_importance(lpm, outcome="event", drivers=list(DRIVERS))
        np.testing.assert_allclose(rows["share"], ri.summary["share"], atol=1e-12)
        np.testing.assert_array_equal(rows["rank"], ri.summary["rank"])
    top = s[s["rank"] == 1].set_index("transition")["driver"]
    assert top["detractor_to_passive"] == "ease_of_doing_business"
    assert top["passive_to_promoter"] == "leading_edge"


def test_transition_difference_uses_joint_covariance(prog_df):
    """The stacked model's covariance equals a hand-made sandwich of the two fits."""
    res = kd.transition_drivers(prog_df, drivers=list(DRIVERS), cluster="account_id")
    d = res.difference
    assert list(d.columns) == ["driver", "log_or_diff", "se", "ci_low", "ci_high", "p_value"]
    ltr = prog_df["ltr"].to_numpy()
    groups = pd.factorize(prog_df["account_id"], sort=True)[0]
    G = groups.max() + 1
    X = sm.add_constant(prog_df[list(DRIVERS)].to_numpy(float))
    parts = []
    for mask, event in [(ltr <= 8, ltr >= 7), (ltr >= 7, ltr >= 9)]:
        model = sm.Logit(event[mask].astype(float), X[mask])
        fit = model.fit(disp=0)
        scores = np.zeros((G, X.shape[1]))
        np.add.at(scores, groups[mask], model.score_obs(fit.params))
        parts.append((fit.params, np.linalg.inv(-model.hessian(fit.params)), scores))
    (b1, h1, s1), (b2, h2, s2) = parts
    n_rows = (ltr <= 8).sum() + (ltr >= 7).sum()
    k = 2 * X.shape[1]
    corr = G / (G - 1) * (n_rows - 1) / (n_rows - k)   # statsmodels' small-sample factor
    v11 = corr * h1 @ s1.T @ s1 @ h1
    v22 = corr * h2 @ s2.T @ s2 @ h2
    v12 = corr * h1 @ s1.T @ s2 @ h2
    diff = (b2 - b1)[1:]
    se = np.sqrt(np.diag(v11 + v22 - v12 - v12.T))[1:]
    np.testing.assert_allclose(d["log_or_diff"], diff, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(d["se"], se, rtol=1e-5)
    # the passives are shared: the transitions' estimates are correlated
    assert np.abs(np.diag(v12)[1:]).max() > 0
    assert d.set_index("driver").loc["leading_edge", "log_or_diff"] > 0
    assert d.set_index("driver").loc["ease_of_doing_business", "log_or_diff"] < 0


def test_transition_bootstrap(prog_df):
    res = kd.transition_drivers(prog_df, drivers=list(DRIVERS), cluster="account_id",
                                n_boot=100, random_state=3, confidence=0.9)
    s = res.summary
    for c in ("ci_low", "ci_high", "rank_ci_low", "rank_ci_high"):
        assert s[c].notna().all()
    assert (s["ci_low"] <= s["ci_high"]).all()
    again = kd.transition_drivers(prog_df, drivers=list(DRIVERS), cluster="account_id",
                                  n_boot=100, random_state=3, confidence=0.9)
    pd.testing.assert_frame_equal(s, again.summary)
    assert "difference between transitions" in repr(res)
    assert res.n_clusters == 150 and res.n == len(prog_df)


def test_transition_without_cluster_and_missing(prog_df):
    df = prog_df.copy()
    df.loc[[0, 3], "trust"] = np.nan
    res = kd.transition_drivers(df, drivers=list(DRIVERS))
    assert res.n_dropped_missing == 2 and res.n_clusters is None
    assert res.difference["se"].gt(0).all()


@pytest.mark.parametrize("keep, missing", [
    (lambda s: s >= 7, "detractors"),
    (lambda s: (s <= 6) | (s >= 9), "passives"),
    (lambda s: s <= 8, "promoters"),
])
def test_transition_error_missing_category(prog_df, keep, missing):
    df = prog_df[keep(prog_df["ltr"])]
    with pytest.raises(DataError, match=rf"column 'ltr': transition_drivers: there are no "
                                        rf"{missing} \(score"):
        kd.transition_drivers(df, drivers=list(DRIVERS))


def test_transition_error_score_out_of_range(prog_df):
    df = prog_df.copy()
    df.loc[5, "ltr"] = 11
    with pytest.raises(DataError, match=r"column 'ltr': values must be between 0 and 10 "
                                        r"\(1 row: 5; values: 11\)"):
        kd.transition_drivers(df, drivers=list(DRIVERS))


def test_transition_error_separation():
    rng = np.random.default_rng(0)
    n = 200
    x = rng.integers(1, 8, n).astype(float)
    ltr = np.where(x >= 5, 9, np.where(x >= 3, 7, 3))   # x separates the categories
    df = pd.DataFrame({"ltr": ltr, "a": x, "b": rng.normal(size=n)})
    with pytest.raises(DataError, match=r"did not converge|could not be fitted"):
        kd.transition_drivers(df, drivers=["a", "b"])


def test_transition_separation_goes_through_the_one_logistic_fit():
    """transition_drivers fits with kapta_research.stats.logistic.fit_logit: its
    ConvergenceError names the transition and the categories the driver separates."""
    from kapta_research.errors import ConvergenceError
    rng = np.random.default_rng(0)
    n = 200
    x = rng.integers(1, 8, n).astype(float)
    ltr = np.where(x >= 5, 9, np.where(x >= 3, 7, 3))
    df = pd.DataFrame({"ltr": ltr, "a": x, "b": rng.normal(size=n)})
    with pytest.raises(ConvergenceError, match=r"transition_drivers: the logistic regression for the "
                                               r"detractor_to_passive transition did not converge .* "
                                               r"separate detractors from passives"):
        kd.transition_drivers(df, drivers=["a", "b"])


# ---------------------------------------------------------------------------
# importance x performance
# ---------------------------------------------------------------------------

def test_importance_performance_table(prog_df):
    t = kd.importance_performance(prog_df, drivers=list(DRIVERS), cluster="account_id",
                                  n_boot=100, random_state=1)
    assert list(t.columns) == ["driver", "share", "share_ci_low", "share_ci_high", "mean",
                               "mean_ci_low", "mean_ci_high", "gap", "gap_ci_low",
                               "gap_ci_high", "top_box_pct",
                               "top_box_pct_ci_low", "top_box_pct_ci_high", "quadrant"]
    np.testing.assert_allclose(t["mean"], prog_df[list(DRIVERS)].mean(), atol=1e-12)
    np.testing.assert_allclose(t["top_box_pct"], 100 * (prog_df[list(DRIVERS)] >= 6).mean(),
                               atol=1e-12)
    ri = kd.relative_importance(prog_df, outcome="ltr", drivers=list(DRIVERS))
    np.testing.assert_allclose(t["share"], ri.summary["share"], atol=1e-12)
    assert t.importance_threshold == pytest.approx(1 / 8)
    assert t.performance_threshold == pytest.approx(t["mean"].mean())
    assert t.top_box == 6
    with pytest.warns(DeprecationWarning, match=r"importance_performance\(\.\.\.\)\.attrs is deprecated"):
        assert t.attrs["top_box"] == 6
    assert set(t["quadrant"].astype(str)) <= set(kd.QUADRANTS)
    for col in ("share", "mean", "gap", "top_box_pct"):
        assert (t[f"{col}_ci_low"] <= t[f"{col}_ci_high"]).all()
    np.testing.assert_allclose(t["gap"], t["mean"] - t["mean"].mean(), atol=1e-12)
    # the gap to the average driver is known more precisely than the mean itself
    assert ((t["gap_ci_high"] - t["gap_ci_low"]) < (t["mean_ci_high"] - t["mean_ci_low"])).all()


def test_importance_performance_quadrants():
    t = kd.importance_performance(programme(np.random.default_rng(5), n_accounts=200),
                                  drivers=list(DRIVERS), n_boot=0,
                                  importance_threshold=0.1, performance_threshold=4.0)
    it, pt = 0.1, 4.0
    for _, r in t.iterrows():
        assert r["gap_ci_low"] == pytest.approx(r["mean_ci_low"] - pt)
        straddle = r["mean_ci_low"] < pt < r["mean_ci_high"]
        if straddle:
            assert r["quadrant"] == "uncertain"
            continue
        expected = {(True, False): "fix first", (True, True): "maintain",
                    (False, False): "secondary", (False, True): "possible overkill"}
        assert r["quadrant"] == expected[(r["share"] > it, r["mean"] > pt)]
    assert t["share_ci_low"].isna().all()   # no bootstrap: no share interval


def test_importance_performance_cluster_se():
    """Without bootstrap, mean CIs use a cluster-robust SE (wider under clustering)."""
    df = programme(np.random.default_rng(6), n_accounts=100, per_account=5)
    a = kd.importance_performance(df, drivers=list(DRIVERS), n_boot=0)
    b = kd.importance_performance(df, drivers=list(DRIVERS), n_boot=0, cluster="account_id")
    wa = a["mean_ci_high"] - a["mean_ci_low"]
    wb = b["mean_ci_high"] - b["mean_ci_low"]
    assert (wb > wa).all()
    # without clusters: the usual SE of a mean (divisor n, factor n/(n-1))
    n = len(df)
    se = df[list(DRIVERS)].std(ddof=1) / np.sqrt(n)
    np.testing.assert_allclose(wa / 2 / 1.959963984540054, se, rtol=1e-9)


def test_importance_performance_errors(prog_df):
    with pytest.raises(ParameterError, match=r"The 'importance_threshold' parameter of "
                                             r"importance_performance must be <= 1. Got 5"):
        kd.importance_performance(prog_df, drivers=list(DRIVERS), importance_threshold=5)
    with pytest.raises(ParameterError, match=r"'n_boot' parameter of importance_performance"):
        kd.importance_performance(prog_df, drivers=list(DRIVERS), n_boot=1.5)
    with pytest.raises(ParameterError, match=r"'top_box' parameter"):
        kd.importance_performance(prog_df, drivers=list(DRIVERS), top_box="6")


# ---------------------------------------------------------------------------
# plots
# ---------------------------------------------------------------------------

def test_plots_return_axes(prog_df):
    ri = kd.relative_importance(prog_df, outcome="ltr", drivers=list(DRIVERS),
                                cluster="account_id", n_boot=50, random_state=0)
    ax = kplot.importance_bars(ri.summary)
    assert isinstance(ax, plt.Axes) and len(ax.patches) == 8
    top = ri.summary.loc[ri.summary["rank"] == 1, "driver"].iloc[0]
    assert ax.get_yticklabels()[-1].get_text() == DRIVER_LABELS[top]
    tr = kd.transition_drivers(prog_df, drivers=list(DRIVERS), cluster="account_id")
    fig, axes = plt.subplots(1, 2)
    assert kplot.transition_comparison(tr.summary, ax=axes[0]) is axes[0]
    assert kplot.transition_comparison(tr, ax=axes[1], value="odds_ratio") is axes[1]
    ip = kd.importance_performance(prog_df, drivers=list(DRIVERS), n_boot=30, random_state=0)
    ax = kplot.importance_performance_map(ip)
    assert isinstance(ax, plt.Axes)
    it = ip.importance_threshold
    assert any(np.allclose(line.get_xdata(), it) for line in ax.lines)
    plt.close("all")


def test_plot_errors(prog_df):
    tr = kd.transition_drivers(prog_df, drivers=list(DRIVERS))
    with pytest.raises(ParameterError, match=r"use transition_comparison"):
        kplot.importance_bars(tr.summary)
    with pytest.raises(ParameterError, match=r"must have the column\(s\) 'driver', 'share'"):
        kplot.importance_bars(pd.DataFrame({"driver": ["a"]}))
    with pytest.raises(ParameterError, match=r"'value' parameter of transition_comparison"):
        kplot.transition_comparison(tr, value="beta")
    plt.close("all")
