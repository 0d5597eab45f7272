"""Benchmark of kapta_research.text themes (run: .venv/bin/python tests/benchmarks/bench_text.py).

200 000 simulated comments (the simulator's comment generator on 530 000
synthetic responses in 5 000 accounts: themes tied to random driver ratings,
typos, negations, fillers, blank and foreign comments).  Times themes with the
shipped dictionary and with NMF (8 themes, 10 stability restarts on at most
20 000 comments), each from the DataFrame, with clustered share intervals;
prints seconds, comments per second and the process's peak resident memory
so far (``ru_maxrss``; it includes the 200 000 generated comments).  Target (issue 12): each under 60 s.  Timing targets
are printed (ok / MISSED), not asserted.
"""
from __future__ import annotations

import sys
import time
import resource
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kapta_research.schema import DRIVERS  # noqa: E402
from kapta_research.simulate import component_rng  # noqa: E402
from kapta_research.simulate._feedback import simulate_comments  # noqa: E402
from kapta_research.text import themes  # noqa: E402

N_COMMENTS = 200_000
TARGET_S = 60.0


def make_data(seed: int = 20261122) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    m = int(N_COMMENTS / 0.38 * 1.01)
    resp = pd.DataFrame({"response_id": [f"R{i:07d}" for i in range(m)],
                         "contact_id": [f"C{i:07d}" for i in range(m)],
                         "account_id": [f"A{a:05d}" for a in rng.integers(0, 5000, m)]})
    for d in DRIVERS:
        resp[d] = np.clip(np.round(rng.normal(4, 1.5, m)), 1, 7)
    comments, _ = simulate_comments(resp, np.zeros(m, int), component_rng(seed, "comments"))
    resp["comment"] = comments
    return resp[resp["comment"].notna()].head(N_COMMENTS).reset_index(drop=True)


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux


def timed(label, fn):
    t0 = time.perf_counter()
    out = fn()
    secs = time.perf_counter() - t0
    peak = _rss_mib()
    status = "ok" if secs < TARGET_S else "MISSED"
    print(f"{label:<28} {secs:7.1f} s  {N_COMMENTS / secs:9,.0f} comments/s  peak {peak:7.0f} MiB  "
          f"target < {TARGET_S:.0f} s: {status}")
    return out


def main():
    t0 = time.perf_counter()
    data = make_data()
    print(f"{len(data):,} comments generated in {time.perf_counter() - t0:.1f} s")
    d = timed("themes(method='dictionary')", lambda: themes(data, cluster="account_id"))
    print(d.summary[["theme", "n", "share"]].to_string(index=False))
    n = timed("themes(method='nmf')", lambda: themes(data, method="nmf", n_themes=8, random_state=1,
                                                     cluster="account_id"))
    print(n.summary[["theme", "top_terms", "share", "stability"]].to_string(index=False))


if __name__ == "__main__":
    main()
