"""Fresh-process helpers shared by the benchmarks that time one case per process.

A benchmark script re-runs itself as ``python SCRIPT --case CASE FOLDER OUT``; the
child prints one JSON line ``{case, seconds, peak_mb}`` last and pickles its result
to OUT, which :func:`spawn` reads back so the parent can check the cases agree.
"""
from __future__ import annotations

import json
import pickle
import resource
import subprocess
import sys
from pathlib import Path


def peak_mb() -> float:
    """Peak resident memory of this process's address space (MB).

    ``VmHWM`` from /proc (Linux), not ``ru_maxrss``: getrusage's maximum is kept
    across ``execve`` and starts from the forking parent's size, so a case spawned
    by a benchmark after it generated 100 M rows reported the parent's ~1 GB.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def spawn(script: str, case: str, folder: Path, out: Path) -> tuple[dict, object]:
    """Run ``script --case case folder out`` in a fresh interpreter.

    Returns the child's JSON line as a dict and the object it pickled to ``out``.
    Exits with the child's stderr tail if it failed.
    """
    proc = subprocess.run([sys.executable, script, "--case", case, str(folder), str(out)],
                          capture_output=True, text=True, check=False)
    if proc.returncode:
        raise SystemExit(f"{case} failed:\n{proc.stderr[-3000:]}")
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    with open(out, "rb") as fh:
        return info, pickle.load(fh)
