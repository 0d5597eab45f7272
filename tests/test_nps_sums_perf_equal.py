"""The fast paths of nps (issue 13, performance) give the same numbers as the plain definitions.

References: the score interval's bounds are the roots of its score statistic
(Tango 1998, the paired-proportions algebra; solved here with scipy's ``brentq``
on a statistic written out in this file); the cluster sum of squares
``Σ_g (d_g − m W_g)²`` computed with exact fractions; text order of labels as
Python's ``sorted``; the engine's per-group query against the in-memory path
(itself checked against R ``survey`` in tests/test_nps.py).  Equality, not timing.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from kapta_research import _nps_sums
from kapta_research.errors import DataError
from kapta_research import nps as N
from kapta_research.nps import nps
from kapta_research.stats import intervals


def _score_bounds(pro, pas, det, confidence):
    """Reference: the score statistic written out, its roots by brentq (no library code)."""
    n = pro + pas + det
    est = (pro - det) / n
    z2 = stats.norm.ppf(0.5 + confidence / 2) ** 2

    def excess(d):
        b = pro * (1 - d) + det * (1 - 3 * d) - 2 * pas * d
        q = (b + np.sqrt(max(b * b + 8 * n * det * d * (1 - d), 0.0))) / (4 * n)
        q = min(max(q, max(0.0, -d)), (1 - d) / 2)
        var = (2 * q + d) - d * d
        if var <= 0:
            return np.inf if abs(est - d) > 1e-12 else -z2
        return (est - d) ** 2 * n / var - z2

    e = 1e-10
    lo = optimize.brentq(excess, -1 + e, est, xtol=1e-14) if est > -1 + e and excess(-1 + e) > 0 else -1.0
    hi = optimize.brentq(excess, est, 1 - e, xtol=1e-14) if est < 1 - e and excess(1 - e) > 0 else 1.0
    return lo, hi


def test_vectorised_score_interval_equals_the_roots_of_the_score_statistic():
    rng = np.random.default_rng(13)
    counts = [rng.multinomial(n, rng.dirichlet([0.6] * 3)).astype(float) * rng.choice([1.0, 0.37])
              for n in (1, 2, 5, 20, 100, 5000) for _ in range(40)]
    counts += [np.array(c, float) for c in [(20, 0, 0), (0, 0, 20), (0, 7, 0), (1, 0, 0), (5, 0, 5), (3, 0, 1e-9)]]
    C = np.array([c for c in counts if c.sum() > 0])
    for confidence in (0.8, 0.95, 0.999):
        lo, hi = intervals.nps_score_interval(C[:, 0], C[:, 1], C[:, 2], confidence=confidence)
        ref = np.array([_score_bounds(*c, confidence) for c in C])
        np.testing.assert_allclose(lo, ref[:, 0], rtol=0, atol=1e-11)
        np.testing.assert_allclose(hi, ref[:, 1], rtol=0, atol=1e-11)
        one = np.array([intervals.nps_score_interval(*c, confidence=confidence) for c in C])
        np.testing.assert_allclose(one[:, 0], lo, rtol=0, atol=1e-12)   # scalar and vector paths agree
        np.testing.assert_allclose(one[:, 1], hi, rtol=0, atol=1e-12)


def test_critical_value_of_an_array_of_df_is_the_scalar_one():
    df = np.array([1, 4, 30, np.inf])
    got = intervals.critical_value(0.9, df=df)
    assert got.tolist() == [stats.t.ppf(0.95, 1), stats.t.ppf(0.95, 4), stats.t.ppf(0.95, 30), stats.norm.ppf(0.95)]


def test_exact_cluster_sum_of_squares_equals_exact_fractions():
    rng = np.random.default_rng(5)
    for _ in range(20):
        G = int(rng.integers(1, 60))
        k = rng.integers(0, 40, (G, 3))
        d, W = k[:, 2] - k[:, 0], k.sum(axis=1)
        D, N = int(d.sum()), int(W.sum())
        if N == 0:
            continue
        m = Fraction(D, N)
        ref = float(sum((Fraction(int(a)) - m * int(b)) ** 2 for a, b in zip(d, W)))
        got = _nps_sums.exact_cluster_ss([D], [N], [int((d * d).sum())], [int((d * W).sum())],
                                         [int((W * W).sum())])
        assert got[0] == ref


def test_sorted_codes_are_text_order_ranks_or_none():
    rng = np.random.default_rng(2)
    for w in (1, 3, 8):
        vals = ["".join(rng.choice(list("aZ09b"), w)) for _ in range(500)]
        codes, labels = _nps_sums.sorted_codes(pd.Series(vals, dtype="str"))
        assert labels == sorted(set(vals)) and [labels[c] for c in codes] == vals
    assert _nps_sums.sorted_codes(pd.Series(["é", "ab"], dtype="str"))[1] == ["ab", "é"]   # 2 bytes each
    # several widths (é is 2 bytes, a 1), missing values, numbers, 9 bytes: the general path
    for s in (pd.Series(["é", "a"], dtype="str"), pd.Series(["a", None], dtype="str"),
              pd.Series([1, 2]), pd.Series(["abcdefghi"], dtype="str"), pd.Series(["a", "b"], dtype=object)):
        assert _nps_sums.sorted_codes(s) is None


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(11)
    n, g = 4_000, 300
    acc = rng.integers(0, g, n)
    ltr = np.clip(np.rint(7 + rng.normal(0, 1.5, g)[acc] + rng.normal(0, 2, n)), 0, 10)
    ltr[rng.random(n) < 0.03] = np.nan
    seg = np.array([f"S{i:02d}" for i in range(12)])[acc % 12]
    seg[acc < 4] = "S99"                      # a segment of 4 accounts (suppressed at min_accounts=5)
    df = pd.DataFrame({"ltr": ltr, "account_id": [f"A{a:04d}" for a in acc], "segment": seg,
                       "wave": rng.integers(1, 4, n), "w": rng.gamma(2.0, 0.5, n)})
    df.loc[(acc >= 290) & (rng.random(n) < 0.5), "wave"] = 4   # a wave of 10 accounts, all also in others
    df.loc[rng.random(n) < 0.02, "w"] = 0.0
    return df


@pytest.mark.parametrize("kw", [dict(by="segment", cluster="account_id", min_accounts=5),
                                dict(by="wave", cluster="account_id", min_accounts=20),   # accounts shared
                                dict(by=["segment", "wave"], cluster="account_id", weights="w"),
                                dict(by="segment", cluster="account_id", weights="w", method="adjusted_wald"),
                                dict(by="segment", method="wald", weights="w"),
                                dict(cluster="account_id", method="bootstrap", n_boot=200, random_state=4)],
                         ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_engine_group_query_equals_in_memory(frame, kw):
    ibis = pytest.importorskip("ibis")
    t = ibis.duckdb.connect().create_table("r", frame)
    a, b = nps(t, **kw), nps(frame, **kw)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-9)
    if kw.get("min_accounts") == 20:   # wave 4 hidden, and one more so it cannot be derived
        assert a["suppressed"].sum() == 2 and (a["suppressed_reason"] == N.COMPLEMENTARY_REASON).sum() == 1


def test_engine_checks_folded_into_the_query_still_name_the_values(frame):
    ibis = pytest.importorskip("ibis")
    con = ibis.duckdb.connect()
    bad = frame.assign(ltr=frame["ltr"].where(frame.index != 3, 7.5))
    with pytest.raises(DataError, match=r"values must be between 0 and 10 and whole numbers.*7\.5"):
        nps(con.create_table("b1", bad), by="segment", cluster="account_id")
    big = frame.assign(ltr=frame["ltr"].fillna(5).astype("int64").where(frame.index != 8, 12))
    with pytest.raises(DataError, match=r"values must be between 0 and 10.*12"):
        nps(con.create_table("b2", big), by="segment")
    neg = frame.assign(w=frame["w"].where(frame.index != 2, -1.0))
    with pytest.raises(DataError, match=r"weights must be finite and non-negative.*-1"):
        nps(con.create_table("b3", neg), cluster="account_id", weights="w")
    nog = frame.assign(account_id=frame["account_id"].where(frame.index != 1, None))
    with pytest.raises(DataError, match="cluster ids are missing"):
        nps(con.create_table("b4", nog), by="segment", cluster="account_id")
    with pytest.raises(DataError, match="cluster ids are missing"):
        nps(con.create_table("b5", nog), by="segment", cluster="account_id", method="bootstrap", n_boot=100)
