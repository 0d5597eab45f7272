"""Benchmark of ``kapta-research init`` (run: .venv/bin/python tests/benchmarks/bench_init.py).

A Qualtrics choice-text export (three header rows, agree7 labels) of the
sample's responses, repeated 1x, 10x and 100x with fresh response ids
(2 605, 26 050 and 260 500 responses), drafted together with the sample's
accounts.csv.  Each size runs in its own process, so that the peak resident
memory printed is that of one draft.  Printed: seconds, peak MB, the ratio
per 10x responses, and the ratio to ``pandas.read_csv`` of the same file
(the least any reader must spend).  Target: under 30 s and 1 GB at 260 500
responses on this 2-core machine.  Timings are printed, not asserted.
"""
from __future__ import annotations

import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SIZES = (1, 10, 100)
AGREE7 = ["Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree",
          "Somewhat agree", "Agree", "Strongly agree"]


def write_export(path: Path, times: int) -> int:
    import pandas as pd
    from kapta_research.schema import DRIVER_LABELS, DRIVERS
    r = pd.read_csv(ROOT / "data" / "sample" / "responses.csv", dtype=str, keep_default_na=False)
    head = ["StartDate", "EndDate", "Status", "Finished", "RecordedDate", "ResponseId", "ExternalReference",
            "DistributionChannel", "Q1", *[f"Q2_{i}" for i in range(1, 9)], "Q3", "AccountID"]
    texts = ["Start Date", "End Date", "Response Type", "Finished", "Recorded Date", "Response ID",
             "External Data Reference", "Distribution Channel",
             "How likely are you to recommend Acme to a friend or colleague?",
             *[f"Please rate Acme on the following - {DRIVER_LABELS[d]}" for d in DRIVERS],
             "What is the main reason for your score?", "AccountID"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerows([head, texts, [json.dumps({"ImportId": h}) for h in head]])
        n = 0
        for k in range(times):
            for row in r.itertuples(index=False):
                d = row._asdict()
                n += 1
                w.writerow([d["responded_at"], d["responded_at"], "IP Address", "True", d["responded_at"],
                            f"R_{n:012d}", d["contact_id"], "email", d["ltr"],
                            *[AGREE7[int(d[x]) - 1] if d[x] else "" for x in DRIVERS], d["comment"],
                            d["account_id"]])
    return n


def one(what: str, path: str) -> None:
    """Child process: time the draft, or pandas' read of the same file; print JSON with the peak memory."""
    import pandas as pd
    from kapta_research.init import draft_programme
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # after the imports
    t0 = time.perf_counter()
    if what == "init":
        d = draft_programme([path, ROOT / "data" / "sample" / "accounts.csv"], output=Path(path).parent / "p.yaml")
        todos = len(d.todos)
    else:
        pd.read_csv(path, dtype=str, skiprows=[1, 2])
        todos = 0
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "import_mb": base, "todos": todos}))


def child(what: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, f"--{what}", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for times in SIZES:
            path = Path(tmp) / f"qualtrics_{times}.csv"
            n = write_export(path, times)
            res, peer = child("init", path), child("read_csv", path)
            rows.append((n, res))
            print(f"{n:>8,} responses: init {res['seconds']:6.2f} s, peak {res['peak_mb']:5.0f} MB "
                  f"(imports {res['import_mb']:.0f} MB); pandas.read_csv alone {peer['seconds']:5.2f} s, "
                  f"peak {peer['peak_mb']:5.0f} MB; time ratio {res['seconds'] / peer['seconds']:4.1f}; "
                  f"TODOs {res['todos']}", flush=True)
    for (n0, a), (n1, b) in zip(rows, rows[1:]):
        print(f"x{n1 / n0:.0f} responses: time x{b['seconds'] / a['seconds']:.1f}, "
              f"peak memory x{b['peak_mb'] / a['peak_mb']:.1f}")
    n, last = rows[-1]
    ok = last["seconds"] < 30 and last["peak_mb"] < 1024
    print(f"target (< 30 s, < 1 GB at {n:,} responses): {'ok' if ok else 'MISSED'}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] in ("--init", "--read_csv"):
        one(sys.argv[1][2:], sys.argv[2])
    else:
        main()
