"""Benchmark of the engine path (run: .venv/bin/python tests/benchmarks/bench_engines.py).

Data (generated here, in a temporary folder, as 10 Parquet part files):
10 000 000 responses × 200 000 accounts × 1 000 segments, ltr 0–10 with an
account effect, 8 drivers 1–7 (1 % missing each), 8 waves.

Cases, each in a fresh subprocess (timed inside the process after imports;
peak RSS = the process's ``ru_maxrss``, imports included):

1. ``pandas_iid`` — ``pd.read_parquet`` + a groupby computing NPS and only the iid SE (the reference);
2. ``engine`` — ``nps(ibis.read_parquet(...), by="segment", cluster="account_id")`` on DuckDB;
3. ``inmemory`` — ``pd.read_parquet`` + ``nps(df, by="segment", cluster="account_id")``;
4. ``inmemory_before`` — the same with the code of ``KR_BENCH_BEFORE`` (a source tree of an older
   commit, e.g. ``git archive a6e7204 kapta_research | tar -x -C /tmp/kr_before``), if set;
5. ``drivers_engine`` — per-account cross-products of ltr and 8 drivers in DuckDB (p = 8);
6. ``drivers_inmemory`` — the same sums from ``pd.read_parquet`` + ``_lmg.cluster_stats``.

Cases 1–3 run ``KR_BENCH_REPEAT`` times (default 3) interleaved, and the median is
printed with min–max (the machine is shared).  ``KR_BENCH_100M=1`` adds the engine case
on 100 000 000 responses (about 1–2 min to generate, ~1 GB of Parquet; the in-memory
path is then only estimated from the 10 M run).  ``KR_BENCH_ROWS`` changes the 10 M.
Targets are printed (ok / MISSED), not asserted; equality with the in-memory path is
asserted.
"""
from __future__ import annotations

import json
import os
import pickle
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _proc import peak_mb, spawn

ROOT = Path(__file__).resolve().parents[2]
N_ACCOUNTS, N_SEGMENTS, P = 200_000, 1_000, 8
DRIVERS = [f"d{i}" for i in range(P)]


def generate(folder: Path, n_rows: int, *, parts: int = 10, seed: int = 20261202) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    rng = np.random.default_rng(seed)
    effect = rng.normal(0, 1.2, N_ACCOUNTS)
    ids = np.array([f"A{i:07d}" for i in range(N_ACCOUNTS)], dtype=object)
    segs = np.array([f"S{i:04d}" for i in range(N_SEGMENTS)], dtype=object)
    folder.mkdir(parents=True, exist_ok=True)
    per = -(-n_rows // parts)
    for k in range(parts):
        n = min(per, n_rows - k * per)
        acc = rng.integers(0, N_ACCOUNTS, n)
        latent = 7.2 + effect[acc] + rng.normal(0, 1.8, n)
        ltr = np.clip(np.rint(latent), 0, 10).astype(np.int64)
        cols = {"account_id": pa.array(ids[acc], pa.string()),
                "segment": pa.array(segs[acc % N_SEGMENTS], pa.string()),
                "wave": pa.array(rng.integers(1, 9, n)), "ltr": pa.array(ltr)}
        for j, d in enumerate(DRIVERS):
            v = np.clip(np.rint(4 + 0.3 * (latent - 7) + rng.normal(0, 1.2, n)), 1, 7)
            cols[d] = pa.array(v, mask=rng.random(n) < 0.01)
        pq.write_table(pa.table(cols), folder / f"part-{k:02d}.parquet", row_group_size=1_000_000)


def run_case(case: str, folder: str, out: str) -> None:
    """One case in this (fresh) process: prints JSON {case, seconds, peak_mb}."""
    before = os.environ.get("KR_BENCH_BEFORE")
    if case == "inmemory_before":
        sys.path.insert(0, before)
    else:
        sys.path.insert(0, str(ROOT))
    import numpy as np
    import pandas as pd
    import kapta_research as kr
    from kapta_research.nps import nps
    glob = str(Path(folder) / "*.parquet")
    if case.startswith("engine") or case == "drivers_engine":
        import ibis
        con = ibis.duckdb.connect()
    t0 = time.perf_counter()
    if case == "pandas_iid":
        df = pd.read_parquet(folder, columns=["segment", "ltr"])
        x = np.select([df["ltr"] <= 6, df["ltr"] <= 8], [-1.0, 0.0], 1.0)
        g = pd.DataFrame({"segment": df["segment"], "x": x, "x2": x * x}).groupby("segment", sort=True)
        res = g.agg(n=("x", "size"), m=("x", "mean"), m2=("x2", "mean"))
        res["se"] = np.sqrt((res["m2"] - res["m"] ** 2) / res["n"])
        res = res.reset_index()
    elif case in ("inmemory", "inmemory_before"):
        df = pd.read_parquet(folder, columns=["segment", "account_id", "ltr"])
        res = nps(df, by="segment", cluster="account_id")
    elif case == "engine":
        res = nps(con.read_parquet(glob), by="segment", cluster="account_id")
    elif case == "drivers_engine":
        cp = kr.engines.cross_products(con.read_parquet(glob), outcome="ltr", drivers=DRIVERS,
                                       cluster="account_id")
        res = (cp.sw, cp.s1, cp.s2)
    elif case == "drivers_inmemory":
        from kapta_research import _lmg
        df = pd.read_parquet(folder, columns=["account_id", "ltr", *DRIVERS]).dropna()
        codes, uniq = pd.factorize(df["account_id"], sort=True)
        res = _lmg.cluster_stats(df[["ltr", *DRIVERS]].to_numpy(float), None, codes, len(uniq))
    else:
        raise SystemExit(f"unknown case {case}")
    seconds = time.perf_counter() - t0
    with open(out, "wb") as fh:
        pickle.dump(res, fh)
    print(json.dumps({"case": case, "seconds": seconds, "peak_mb": peak_mb()}))


def _spawn(case: str, folder: Path, tmp: Path) -> dict:
    info, result = spawn(__file__, case, folder, tmp / f"{case}-{folder.name}.pkl")
    info["result"] = result
    return info


def _median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else 0.5 * (xs[len(xs) // 2 - 1] + xs[len(xs) // 2])


def main() -> None:
    import numpy as np
    import pandas as pd
    n_rows = int(os.environ.get("KR_BENCH_ROWS", 10_000_000))
    repeat = int(os.environ.get("KR_BENCH_REPEAT", 3))
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores shared; quote medians)")
    with tempfile.TemporaryDirectory(prefix="kr-bench-engines-") as tmpdir:
        tmp = Path(tmpdir)
        t0 = time.perf_counter()
        generate(tmp / "lake", n_rows)
        print(f"generated {n_rows:,} responses in {time.perf_counter() - t0:.0f} s")
        timed = ["pandas_iid", "engine", "inmemory"]   # interleaved, `repeat` times each
        once = ["drivers_engine", "drivers_inmemory"]
        if os.environ.get("KR_BENCH_BEFORE"):
            timed.append("inmemory_before")
        runs = {c: [] for c in timed + once}
        for _ in range(repeat):
            for c in timed:
                runs[c].append(_spawn(c, tmp / "lake", tmp))
        for c in once:
            runs[c].append(_spawn(c, tmp / "lake", tmp))
        res = {c: {"result": r[0]["result"], "seconds": _median([x["seconds"] for x in r]),
                   "lo": min(x["seconds"] for x in r), "hi": max(x["seconds"] for x in r),
                   "peak_mb": max(x["peak_mb"] for x in r), "n": len(r)} for c, r in runs.items()}
        eng, mem = res["engine"]["result"], res["inmemory"]["result"]
        pd.testing.assert_frame_equal(eng, mem, check_exact=False, rtol=1e-9, atol=1e-9)
        if "inmemory_before" in res:
            pd.testing.assert_frame_equal(res["inmemory_before"]["result"], mem, check_exact=False,
                                          rtol=1e-9, atol=1e-9)
        for a, b in zip(res["drivers_engine"]["result"], res["drivers_inmemory"]["result"]):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-6)
        ref = res["pandas_iid"]["seconds"]
        print(f"\n{n_rows:,} responses x {N_ACCOUNTS:,} accounts x {N_SEGMENTS:,} segments, median of "
              f"{repeat} fresh processes (timed after imports; peak RSS includes imports)")
        print(f"{'case':<18}{'median s':>10}{'min-max s':>14}{'speed*':>9}{'x pandas':>10}{'peak RSS MB':>13}")
        for c, info in res.items():
            print(f"{c:<18}{info['seconds']:>10.2f}{info['lo']:>7.2f}-{info['hi']:<6.2f}"
                  f"{ref / info['seconds']:>9.2f}{info['seconds'] / ref:>10.2f}{info['peak_mb']:>13.0f}")
        print("* speed = pandas read_parquet + groupby iid SE time / this case's time (>= 1: as fast or faster)")
        ratio_engine, ratio_mem = ref / res["engine"]["seconds"], res["inmemory"]["seconds"] / ref
        print(f"engine NPS + clustered SE vs pandas iid: speed {ratio_engine:.2f}  (target >= 1.0)")
        print(f"in-memory nps(cluster=) vs pandas iid:   {ratio_mem:.2f}x the time  (target <= 2.0)")
        print(f"driver cross-products p = {P}: engine {res['drivers_engine']['seconds']:.2f} s, "
              f"{res['drivers_engine']['peak_mb']:.0f} MB; in memory {res['drivers_inmemory']['seconds']:.2f} s, "
              f"{res['drivers_inmemory']['peak_mb']:.0f} MB")
        checks = [("engine NPS with clustered SE at least as fast as pandas iid (speed >= 1.0)", ratio_engine >= 1.0),
                  ("engine peak RSS <= 500 MB", res["engine"]["peak_mb"] <= 500),
                  ("in-memory nps(cluster=) <= 2x the pandas groupby", ratio_mem <= 2.0),
                  ("engine table equals the in-memory table (1e-9)", True)]
        if os.environ.get("KR_BENCH_100M"):
            big_rows = 10 * n_rows
            shutil.rmtree(tmp / "lake", ignore_errors=True)
            t0 = time.perf_counter()
            generate(tmp / "lake100", big_rows, parts=50)
            print(f"\ngenerated {big_rows:,} responses in {time.perf_counter() - t0:.0f} s")
            big = [_spawn("engine", tmp / "lake100", tmp) for _ in range(max(1, min(repeat, 2)))]
            secs, peak = _median([b["seconds"] for b in big]), max(b["peak_mb"] for b in big)
            print(f"engine at {big_rows:,} rows: {secs:.2f} s (median of {len(big)}), peak RSS {peak:.0f} MB")
            per_row = (res["inmemory"]["peak_mb"] - 200) / n_rows   # imports ~200 MB
            print(f"in-memory at {big_rows:,} rows: not run; from the {n_rows:,}-row run it needs about "
                  f"{(200 + per_row * big_rows) / 1024:.1f} GB peak RSS (read_parquet + nps) and "
                  f"~{10 * res['inmemory']['seconds']:.0f} s")
            checks += [("100 M engine under 15 s", secs <= 15),
                       ("100 M engine peak RSS <= 1 GB", peak <= 1024)]
        print(f"load average after: {os.getloadavg()[0]:.2f}")
        for label, ok in checks:
            print(f"  [{'ok' if ok else 'MISSED'}] {label}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--case":
        run_case(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main()
