"""Benchmark of the health-score validation (run: .venv/bin/python tests/benchmarks/bench_health.py).

Issue 10, acceptance 2: ``validate_health`` with 1 000 bootstrap replicates on 3 stacked snapshot
dates of 30 000 accounts in under 30 s.

A simulated programme of 30 000 accounts (``kapta_research.simulate``, seed 20261122) and its
snapshots at the three dates of study 03 are built first (not timed).  Then, timed:
``validate_health(snaps, scores=default_scores(), n_boot=1000)`` — the four scores of study 04
(your weights, learned, NPS alone, tenure and value), the held-out time split, the account bootstrap
of every AUC and Brier score, calibration, reliability tables, ROC points and top-k lists; and
``health_score`` with learned weights on all rows.

Printed: rows, wall-clock and CPU seconds, peak traced Python/numpy memory of the timed step
(tracemalloc) and the process's peak resident memory, the machine's load average (on a shared
machine wall time grows with the other jobs, CPU time does not), and ok / MISSED against the target.
Not asserted: timings depend on the machine.  ``--accounts 3000`` runs a smaller programme.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

SEED = 20261122
AS_OF = ["2024-07-01", "2024-10-01", "2025-01-01"]
TARGET_S = 30.0
TABLES = ("accounts", "contacts", "invitations", "responses", "followups", "voc_interviews")


def _timed(fn):
    tracemalloc.start()
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    secs, cpu = time.perf_counter() - t, time.process_time() - c
    peak = tracemalloc.get_traced_memory()[1] / 2 ** 20
    tracemalloc.stop()
    return out, secs, cpu, peak


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=30_000)
    ap.add_argument("--n-boot", type=int, default=1000)
    args = ap.parse_args(argv)

    from kapta_research.accounts.health import default_scores, health_score, validate_health
    from kapta_research.churn import snapshots
    from kapta_research.io import Programme
    from kapta_research.simulate import simulate_programme

    t = time.perf_counter()
    tables, _ = simulate_programme(seed=SEED, n_accounts=args.accounts)
    snaps = snapshots(Programme(**{k: v for k, v in tables.items() if k in TABLES}), as_of=AS_OF)
    print(f"setup (not timed): {args.accounts:,} accounts simulated, {len(snaps):,} snapshot rows at "
          f"{len(AS_OF)} dates, {time.perf_counter() - t:.1f} s")
    # warm-up on a small slice: imports (statsmodels, scikit-learn) are not the validation's cost
    small = snaps[snaps["account_id"].isin(snaps["account_id"].unique()[:300])]
    validate_health(small, scores=default_scores(), n_boot=100, random_state=0)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        val, secs, cpu, peak = _timed(lambda: validate_health(snaps, scores=default_scores(), n_boot=args.n_boot,
                                                              random_state=0))
    verdict = "ok" if secs < TARGET_S else "MISSED"
    print(f"validate_health, {args.n_boot} replicates: {secs:.2f} s wall, {cpu:.2f} s CPU, peak traced "
          f"{peak:.0f} MB; target < {TARGET_S:.0f} s: {verdict}")
    print(f"  train {val.n_train:,} rows ({val.n_train_events:,} churned), test {val.n_test:,} accounts "
          f"({int(val.summary['n_events'].iloc[0]):,} churned), {val.n_boot_failed} failed replicates")
    for r in val.summary.itertuples():
        print(f"  {r.score:<17} AUC {r.auc:.3f} ({r.auc_ci_low:.3f}-{r.auc_ci_high:.3f}), Brier {r.brier:.4f}, "
              f"slope {r.calibration_slope:.2f}, precision@{r.top_k} {r.precision_top_k:.2f}")

    _, secs2, cpu2, peak2 = _timed(lambda: health_score(snaps, weights="learned"))
    print(f"health_score(weights='learned') on {len(snaps):,} rows: {secs2:.2f} s wall, {cpu2:.2f} s CPU, "
          f"peak traced {peak2:.0f} MB")
    print(f"peak resident memory of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
