"""Benchmark of kapta_research.drivers (run: .venv/bin/python tests/benchmarks/bench_drivers.py).

Same data for every comparison: n = 5 000 respondents in 300 accounts, driver
ratings correlated within respondent and within account.

1. LMG (``relative_importance``, end to end from the DataFrame) against
   ``pingouin.linear_regression(X, y, relimp=True)`` at p = 8, 12, 16.
   pingouin's ``relimp`` column is in R² units (it sums to R²), like our
   ``importance`` column; both must agree to 1e-9.  Target: ≥ 50× at p = 12, 16.
2. 1 000-replicate account (cluster) bootstrap at p = 8 and 12.
   Targets: < 2 s and < 15 s on 2 cores.
3. The same bootstrap with 10× the respondents per account (n = 50 000):
   target time ratio ≤ 1.5 (the bootstrap works on per-account sums).

Timing targets are printed (ok / MISSED), not asserted, as timings depend on
the machine; numerical agreement is asserted.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kapta_research import _lmg  # noqa: E402
from kapta_research.drivers import relative_importance  # noqa: E402

N_ACCOUNTS = 300
N = 5_000
SEED = 20261122


def make_data(p: int, n: int = N, n_accounts: int = N_ACCOUNTS, seed: int = SEED) -> pd.DataFrame:
    rng = np.random.default_rng(seed + p)
    account = np.sort(rng.integers(0, n_accounts, n))
    account[:n_accounts] = np.arange(n_accounts)        # every account present
    account.sort()
    acc_effect = rng.normal(0, 0.7, (n_accounts, 1))[account]
    resp_effect = rng.normal(0, 0.8, (n, 1))
    latent = 4.2 + acc_effect + resp_effect + rng.normal(0, 1, (n, p))
    X = np.clip(np.rint(latent), 1, 7)
    beta = np.linspace(0.6, 0.05, p)
    ltr = np.clip(np.rint(0.8 * (X - 4) @ beta / beta.sum() * 3 + 7 + rng.normal(0, 1.8, n)), 0, 10)
    df = pd.DataFrame(X, columns=[f"d{j:02d}" for j in range(p)])
    df.insert(0, "ltr", ltr)
    df.insert(0, "account_id", account)
    return df


def best_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    import pingouin as pg

    print(f"pingouin {pg.__version__}, numpy {np.__version__}, pandas {pd.__version__}")
    print(f"data: n = {N} respondents in {N_ACCOUNTS} accounts\n")
    rows = []

    print("1. LMG: relative_importance vs pingouin.linear_regression(relimp=True)")
    for p in (8, 12, 16):
        df = make_data(p)
        cols = [c for c in df.columns if c.startswith("d")]
        ours = relative_importance(df, outcome="ltr", drivers=cols)
        lm = pg.linear_regression(df[cols], df["ltr"], relimp=True)
        theirs = lm.set_index("names").loc[cols, "relimp"].to_numpy()
        diff = float(np.max(np.abs(ours.summary["importance"].to_numpy() - theirs)))
        assert diff < 1e-9, f"p={p}: LMG differs from pingouin by {diff:.3g}"
        assert abs(ours.r2 - lm["r2"].iloc[0]) < 1e-12
        t_ours = best_time(lambda: relative_importance(df, outcome="ltr", drivers=cols),
                           repeat=20)
        cov = np.cov(df[["ltr", *cols]].to_numpy(), rowvar=False)[None]
        t_engine = best_time(lambda: _lmg.importances(cov, "lmg"), repeat=20)
        t_pg = best_time(lambda: pg.linear_regression(df[cols], df["ltr"], relimp=True),
                         repeat=3 if p < 16 else 2)
        ratio = t_pg / t_ours
        target = "" if p == 8 else ("  ok (>= 50x)" if ratio >= 50 else "  MISSED (< 50x)")
        print(f"   p={p:2d}: ours {t_ours * 1e3:8.2f} ms (engine {t_engine * 1e3:6.2f} ms)   "
              f"pingouin {t_pg * 1e3:9.1f} ms   ratio {ratio:7.1f}x   max|diff| {diff:.1e}"
              f"{target}")
        rows.append((f"pingouin / ours, LMG p={p}", ratio, "-" if p == 8 else ">= 50"))

    print("\n2./3. 1000-replicate account bootstrap (relative_importance, n_boot=1000)")
    for p, limit in ((8, 2.0), (12, 15.0)):
        cols = [f"d{j:02d}" for j in range(p)]
        base = make_data(p)
        big = make_data(p, n=10 * N)
        kw = dict(outcome="ltr", drivers=cols, cluster="account_id", n_boot=1000, random_state=1)
        relative_importance(base.head(500), **{**kw, "n_boot": 10})   # warm-up
        t1 = best_time(lambda: relative_importance(base, **kw), repeat=3)
        t10 = best_time(lambda: relative_importance(big, **kw), repeat=3)
        res = relative_importance(base, **kw)
        assert res.n_boot_failed == 0 and res.summary["ci_low"].notna().all()
        ok = "ok" if t1 < limit else "MISSED"
        ok10 = "ok" if t10 / t1 <= 1.5 else "MISSED"
        print(f"   p={p:2d}: n={N:6d}: {t1:6.3f} s  ({ok}, target < {limit:g} s)   "
              f"n={10 * N:6d} (10x per account): {t10:6.3f} s   ratio {t10 / t1:4.2f} ({ok10}, "
              f"target <= 1.5)")
        rows.append((f"bootstrap seconds, p={p}", t1, f"< {limit:g}"))
        rows.append((f"bootstrap 10x respondents / 1x, p={p}", t10 / t1, "<= 1.5"))

    print("\nsummary")
    print(f"   {'measure':42s} {'value':>9s}  target")
    for name, value, target in rows:
        print(f"   {name:42s} {value:9.2f}  {target}")


if __name__ == "__main__":
    main()
