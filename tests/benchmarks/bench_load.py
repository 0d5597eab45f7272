"""Benchmark of loading a programme and of churn snapshots (run: .venv/bin/python tests/benchmarks/bench_load.py).

Simulated programmes (``kapta_research.simulate``, seed 20261122) of 300, 3 000
and 30 000 accounts are written as CSV into a temporary folder (not timed).
For each size, in a fresh interpreter so that peak memory is that step's own:

1. ``load_programme`` (read + map + validate every table);
2. ``kapta_research.churn.snapshots()`` of three dates (those of study 03)
   on the loaded programme.

Printed: rows, wall-clock seconds, CPU seconds of the process (all threads),
peak resident memory, the wall-time ratio per 10x accounts (1.0 = constant,
10.0 = linear) and the machine's load average, since on a shared machine the
wall time of a step grows with the other jobs while its CPU time does not.
Target (issue 8 §7): each step under 10 s at 30 000 accounts on the 2-core
machine.  Timings are printed (ok / MISSED), not asserted, as they depend on
the machine.

``--sizes 300 3000`` runs fewer sizes.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

SEED = 20261122
AS_OF = ["2024-07-01", "2024-10-01", "2025-01-01"]
TARGET_S = 10.0


def _one(folder: str, step: str) -> dict:
    """Run one step in this (fresh) process; return seconds and peak RSS."""
    import kapta_research as kr
    from kapta_research.churn import snapshots
    if step == "load":
        t, c = time.perf_counter(), time.process_time()
        prog = kr.load_programme(folder)
        secs, cpu = time.perf_counter() - t, time.process_time() - c
        rows = {"responses": len(prog.responses), "invitations": len(prog.invitations)}
    else:
        prog = kr.load_programme(folder)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t, c = time.perf_counter(), time.process_time()
        snap = snapshots(prog, as_of=AS_OF, horizon_days=365)
        secs, cpu = time.perf_counter() - t, time.process_time() - c
        rows = {"snapshot rows": len(snap), "rss before (MB)": round(before / 1024)}
    return {"seconds": secs, "cpu": cpu, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **rows}


def _write(n_accounts: int, dest: Path) -> None:
    from kapta_research.simulate import simulate_programme, write_programme
    tables, truth = simulate_programme(seed=SEED, n_accounts=n_accounts)
    write_programme(tables, truth, dest)


def main(sizes) -> None:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            folder = Path(tmp) / f"p{n}"
            _write(n, folder)
            for step in ("load", "snapshots"):
                out = subprocess.run([sys.executable, __file__, "--one", str(folder), step],
                                     capture_output=True, text=True, check=True)
                results[(n, step)] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"load average (1, 5, 15 min) at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} cores")
    print(f"{'accounts':>9} {'step':<10} {'seconds':>8} {'cpu s':>7} {'peak MB':>8} {'x per 10x':>9}  rows")
    for (n, step), r in results.items():
        prev = results.get((n // 10, step))
        ratio = f"{r['seconds'] / prev['seconds']:9.1f}" if prev else f"{'':9}"
        rows = ", ".join(f"{k} {v}" for k, v in r.items() if k not in ("seconds", "cpu", "peak_mb"))
        print(f"{n:>9} {step:<10} {r['seconds']:8.2f} {r['cpu']:7.2f} {r['peak_mb']:8.0f} {ratio}  {rows}")
    big = max(sizes)
    for step in ("load", "snapshots"):
        s, cpu = results[(big, step)]["seconds"], results[(big, step)]["cpu"]
        print(f"target: {step} under {TARGET_S:.0f} s at {big} accounts: {s:.2f} s wall ({cpu:.2f} s CPU) "
              f"{'ok' if s < TARGET_S else 'MISSED'}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--one", nargs=2, metavar=("FOLDER", "STEP"))
    ap.add_argument("--sizes", nargs="+", type=int, default=[300, 3_000, 30_000])
    args = ap.parse_args()
    if args.one:
        print(json.dumps(_one(*args.one)))
    else:
        main(args.sizes)
