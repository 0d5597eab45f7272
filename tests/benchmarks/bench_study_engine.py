"""Benchmark of study 01 on engine data (run: .venv/bin/python tests/benchmarks/bench_study_engine.py).

Issue 13: "Studies choose the engine path automatically for DuckDB/Parquet/Spark data".  A programme
folder is generated here: ``responses/part-*.parquet`` (10 000 000 responses by default,
``KR_BENCH_ROWS``; 200 000 accounts, 8 waves, dated, two drivers) and ``accounts.parquet`` (20
segments, 6 regions).  Each case runs in a fresh process, timed after imports (peak RSS = VmHWM):

1. ``engine`` — ``load_programme(folder)`` (responses kept in DuckDB, checked by queries) and the
   calls of ``notebooks/01-nps-overview.ipynb``: coverage plan, ``respondents(engine=True)``, NPS
   overall / by segment / by region / by wave, segment gaps, wave-on-wave changes, last wave's
   change by segment (Holm), the title page's scope;
2. ``inmemory`` — ``load_programme(folder, lazy=False)`` (every row read into pandas, parsed and
   checked as a CSV would be) and the same calls on the DataFrame: what the study needed before.

The tables of both cases must be equal (1e-9; asserted).  Printed: seconds, peak RSS, the ratio.
"""
from __future__ import annotations

import json
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

from _proc import peak_mb, spawn

ROOT = Path(__file__).resolve().parents[2]
N_ACCOUNTS = 200_000


def generate(folder: Path, n_rows: int, *, parts: int = 10, seed: int = 20261202) -> None:
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq
    rng = np.random.default_rng(seed)
    effect = rng.normal(0, 1.2, N_ACCOUNTS)
    ids = np.array([f"A{i:07d}" for i in range(N_ACCOUNTS)], dtype=object)
    (folder / "responses").mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"account_id": ids, "segment": [f"Segment {i % 20:02d}" for i in range(N_ACCOUNTS)],
                  "region": [f"Region {i % 6}" for i in range(N_ACCOUNTS)]}).to_parquet(
        folder / "accounts.parquet", index=False)
    per = -(-n_rows // parts)
    start = np.datetime64("2024-01-01T00:00:00", "s")
    for k in range(parts):
        n = min(per, n_rows - k * per)
        acc = rng.integers(0, N_ACCOUNTS, n)
        wave = rng.integers(1, 9, n)
        latent = 7.2 + effect[acc] + 0.05 * wave + rng.normal(0, 1.8, n)
        when = start + ((wave - 1) * 91 * 86400 + rng.integers(0, 60 * 86400, n)).astype("timedelta64[s]")
        cols = {"response_id": pa.array([f"R{k:02d}{i:08d}" for i in range(n)], pa.string()),
                "account_id": pa.array(ids[acc], pa.string()), "wave": pa.array(wave),
                "responded_at": pa.array(when.astype("datetime64[us]")),
                "ltr": pa.array(np.clip(np.rint(latent), 0, 10).astype(float))}
        for d in ("trust", "ease_of_doing_business"):
            cols[d] = pa.array(np.clip(np.rint(4 + 0.3 * (latent - 7) + rng.normal(0, 1.2, n)), 1, 7),
                               mask=rng.random(n) < 0.01)
        pq.write_table(pa.table(cols), folder / "responses" / f"part-{k:02d}.parquet", row_group_size=1_000_000)


def run_case(case: str, folder: str, out: str) -> None:
    sys.path.insert(0, str(ROOT))
    import kapta_research as kr
    from kapta_research.nps import compare, group_gaps, nps
    t0 = time.perf_counter()
    programme = kr.load_programme(folder, lazy=case == "engine")
    P = {"segments": ["segment", "region"], "cluster": "account_id", "confidence": 0.95}
    cov = kr.coverage.plan("nps-overview", programme, P)
    resp = programme.respondents(require=cov.segments, engine=True)
    opts = dict(cluster="account_id", confidence=0.95, min_n=5, min_accounts=3)
    res = {"overall": nps(resp, **opts), "wave": nps(resp, by="wave", **opts)}
    for s in cov.segments:
        res[s] = nps(resp, by=s, **opts)
    res["gaps"] = group_gaps(resp, by="segment", **opts)
    res["trend"] = compare(resp, group="wave", reference="previous", **opts)
    res["changes"] = compare(kr.studies.last_waves(resp, 2), group="wave", reference="previous", by="segment",
                             adjust="holm", **opts)
    res["scope"] = kr.report.scope_lines(programme, resp, P)
    seconds = time.perf_counter() - t0
    with open(out, "wb") as fh:
        pickle.dump({"tables": res, "in_engine": programme.in_engine}, fh)
    print(json.dumps({"case": case, "seconds": seconds, "peak_mb": peak_mb()}))


def _spawn(case: str, folder: Path, tmp: Path) -> dict:
    info, result = spawn(__file__, case, folder, tmp / f"{case}.pkl")
    info.update(result)
    return info


def main() -> None:
    import pandas as pd
    n_rows = int(os.environ.get("KR_BENCH_ROWS", 10_000_000))
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores shared)")
    with tempfile.TemporaryDirectory(prefix="kr-bench-study-") as tmpdir:
        tmp = Path(tmpdir)
        t0 = time.perf_counter()
        generate(tmp / "programme", n_rows)
        print(f"generated {n_rows:,} responses in {time.perf_counter() - t0:.0f} s")
        res = {c: _spawn(c, tmp / "programme", tmp) for c in ("engine", "inmemory")}
        eng, mem = res["engine"], res["inmemory"]
        assert eng["in_engine"] and not mem["in_engine"]
        for k, a in eng["tables"].items():
            b = mem["tables"][k]
            if isinstance(a, pd.DataFrame):
                pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-9)
            else:
                assert a == b, (k, a, b)
        print(f"\nstudy 01 calls on {n_rows:,} responses x {N_ACCOUNTS:,} accounts (fresh processes, after imports)")
        print(f"{'case':<10}{'seconds':>9}{'peak RSS MB':>13}")
        for c, info in res.items():
            print(f"{c:<10}{info['seconds']:>9.1f}{info['peak_mb']:>13.0f}")
        print(f"engine path: {mem['seconds'] / eng['seconds']:.1f}x faster, "
              f"{mem['peak_mb'] / eng['peak_mb']:.1f}x less memory; tables equal (1e-9); responses never read")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--case":
        run_case(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main()
