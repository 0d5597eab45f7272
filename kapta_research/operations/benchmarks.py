"""The programme's NPS against published or supplied benchmarks -- with the caveats they need.

A benchmark row has ``industry``, ``source``, ``year``, ``nps`` and, when
known, ``n`` (respondents) or a ``p10`` / ``p50`` / ``p90`` distribution of
company scores, plus ``survey_type`` (relationship / transactional) and
``audience`` (b2b / consumer).  ``data/benchmarks/example.csv`` holds a few
published B2B figures, each citing its source; read its README first.

Difference and interval
-----------------------
``difference = programme NPS − benchmark NPS`` (points).

* With the benchmark's ``n`` the interval is two-sample: Newcombe's MOVER
  (:func:`kapta_research.stats.intervals.mover_difference`) from the
  programme's interval (as ``table`` gives it) and the benchmark's Wald
  interval ``b ± z·sqrt((1 − b²)/n)`` (proportion scale).  The benchmark's
  mix is not published, so its variance is taken at its largest for that
  NPS, ``1 − b²`` (no passives): conservative.
* Without ``n`` the benchmark is treated as a fixed number: the interval is
  the programme's interval minus ``b`` and reflects only the programme's
  uncertainty (said so in ``interval``).

Percentile position
-------------------
With ``p10``, ``p50`` and ``p90`` the programme's NPS is placed on the
benchmark's distribution by linear interpolation between (p10, 10),
(p50, 50), (p90, 90); outside that range it is "below the 10th percentile"
or "above the 90th percentile" (no extrapolation).
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .._validation import check_confidence, check_dataframe, row_labels, source_of
from ..errors import DataError, KaptaWarning, ParameterError
from ..nps import NPS_COLUMNS as _NPS_TABLE_COLUMNS
from ..stats.intervals import critical_value, mover_difference

__all__ = ["benchmark", "read_benchmarks", "BENCHMARK_CAVEAT", "EXAMPLE_BENCHMARKS"]

#: The bundled example file (published B2B figures, each with its source).
EXAMPLE_BENCHMARKS = Path(__file__).resolve().parents[2] / "data" / "benchmarks" / "example.csv"

#: Printed with every benchmark comparison.
BENCHMARK_CAVEAT = ("Benchmarks are rarely comparable: other respondents (often not key-account decision "
                    "makers), other sampling, question wording, countries and years. Treat the difference as "
                    "orientation, not as a verdict.")

BENCHMARK_COLUMNS = ["industry", "source", "year", "nps", "n", "p10", "p50", "p90", "survey_type", "audience"]


def read_benchmarks(benchmarks) -> pd.DataFrame:
    """Benchmark rows from a DataFrame or a CSV file, checked (NPS within ±100, n > 0, p10 <= p50 <= p90).

    Errors name the file, column, spreadsheet rows (header = row 1) and values.

    Examples
    --------
    >>> b = read_benchmarks(EXAMPLE_BENCHMARKS)
    >>> bool(b["nps"].between(-100, 100).all()), bool(b["source"].notna().all())
    (True, True)
    """
    if isinstance(benchmarks, (str, Path)):
        path = Path(benchmarks)
        if not path.is_file():
            raise DataError(f"benchmark file not found: {path}", file=str(path))
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        df.attrs = {"source": str(path), "file_rows": dict(zip(df.index, df.index + 2))}
    elif isinstance(benchmarks, pd.DataFrame):
        df = check_dataframe(benchmarks, func="benchmark", name="benchmarks").copy()
        df.attrs = dict(benchmarks.attrs)
    else:
        raise ParameterError("The 'benchmarks' parameter of benchmark must be a DataFrame or a CSV file path. "
                             f"Got {type(benchmarks).__name__} instead.")
    src = source_of(df)
    missing = [c for c in ("source", "year", "nps") if c not in df.columns]
    if missing:
        raise DataError(f"benchmarks need the column(s) {', '.join(map(repr, missing))} (each row cites its "
                        f"source and year). Columns: {', '.join(map(str, df.columns))}", file=src, column=missing[0])
    for c in BENCHMARK_COLUMNS:
        if c not in df.columns:
            df[c] = np.nan
    for c, lo, hi in (("nps", -100, 100), ("n", 1, np.inf), ("p10", -100, 100), ("p50", -100, 100),
                      ("p90", -100, 100), ("year", 1900, 2100)):
        raw = df[c]
        vals = pd.to_numeric(raw, errors="coerce")
        bad = (raw.notna() & vals.isna()) | (vals < lo) | (vals > hi)
        if c in ("nps", "year"):
            bad |= raw.isna()
        if bad.any():
            what = {"nps": "NPS must be a number between -100 and 100",
                    "n": "n (respondents) must be a number >= 1",
                    "year": "every benchmark needs its year (1900-2100)"}.get(c, f"{c} must be between -100 and 100")
            raise DataError(what, file=src, column=c, rows=row_labels(df, bad), values=list(raw[bad]))
        df[c] = vals.astype(float)
    if df["source"].isna().any() or (df["source"].astype(str).str.strip() == "").any():
        bad = df["source"].isna() | (df["source"].astype(str).str.strip() == "")
        raise DataError("every benchmark must cite its source", file=src, column="source", rows=row_labels(df, bad))
    p = df[["p10", "p50", "p90"]]
    bad = p.notna().all(axis=1) & ~((p["p10"] <= p["p50"]) & (p["p50"] <= p["p90"]))
    if bad.any():
        raise DataError("percentiles must satisfy p10 <= p50 <= p90", file=src, column="p50",
                        rows=row_labels(df, bad), values=[f"{a:g}/{b:g}/{c:g}" for a, b, c in p[bad].to_numpy()])
    return df


def _position(value, p10, p50, p90):
    if not (np.isfinite(p10) and np.isfinite(p50) and np.isfinite(p90)):
        return np.nan, ""
    if value < p10:
        return np.nan, "below the 10th percentile"
    if value > p90:
        return np.nan, "above the 90th percentile"
    pct = float(np.interp(value, [p10, p50, p90], [10.0, 50.0, 90.0]))
    return pct, f"around the {pct:.0f}th percentile"


def benchmark(table, *, benchmarks, confidence=0.95) -> pd.DataFrame:
    """The programme's NPS against benchmark rows: difference with CI, percentile position, caveats.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`kapta_research.nps.nps` (one row, or one per group);
        suppressed rows are skipped.
    benchmarks : DataFrame or path
        Benchmark rows (see the module docstring), e.g.
        :data:`EXAMPLE_BENCHMARKS`.
    confidence : float
        The level of ``table``'s intervals (used for the benchmark's own interval).

    Returns
    -------
    DataFrame
        One row per (table row, benchmark): the table's group columns,
        ``industry``, ``source``, ``year``, ``programme_nps``, ``n``
        (programme responses), ``benchmark_nps``, ``benchmark_n``,
        ``difference``, ``ci_low``, ``ci_high`` (points), ``interval``
        (``"two-sample"`` or ``"benchmark treated as fixed"``),
        ``percentile`` (NaN outside p10-p90 or without a distribution),
        ``position``, ``caveat``.

    Warns
    -----
    KaptaWarning
        When a benchmark is a transactional or a consumer survey.

    Examples
    --------
    >>> import kapta_research as kr
    >>> t = kr.nps.nps(kr.load_sample().respondents(), cluster="account_id")
    >>> b = benchmark(t, benchmarks=EXAMPLE_BENCHMARKS)
    >>> b["interval"].unique().tolist()
    ['benchmark treated as fixed']
    """
    func = "benchmark"
    confidence = check_confidence(confidence, func=func)
    table = check_dataframe(table, func=func, name="table")
    need = [c for c in ("nps", "ci_low", "ci_high", "n") if c not in table.columns]
    if need:
        raise ParameterError(f"The 'table' parameter of {func} must be a table of nps() (columns nps, ci_low, "
                             f"ci_high, n). Missing: {', '.join(need)}.")
    bench = read_benchmarks(benchmarks)
    odd = bench["survey_type"].astype(str).str.lower().eq("transactional") | \
        bench["audience"].astype(str).str.lower().eq("consumer")
    if odd.any():
        warnings.warn("benchmark rows from transactional or consumer surveys are not comparable with a B2B "
                      "relationship programme: " + "; ".join(f"{s} ({int(y)})" for s, y in
                                                            zip(bench["source"][odd], bench["year"][odd])),
                      KaptaWarning, stacklevel=2)
    keys = [c for c in table.columns if c not in set(_NPS_TABLE_COLUMNS)]
    shown = table[~table.get("suppressed", pd.Series(False, index=table.index)).astype(bool)]
    z = critical_value(confidence)
    rows = []
    for _, t in shown.iterrows():
        a, la, ua = t["nps"] / 100, t["ci_low"] / 100, t["ci_high"] / 100
        for i, b in bench.iterrows():
            bv = b["nps"] / 100
            if np.isfinite(b["n"]):
                half = z * np.sqrt(max(1 - bv ** 2, 0.0) / b["n"])
                lo, hi = mover_difference(a, (la, ua), bv, (max(bv - half, -1.0), min(bv + half, 1.0)))
                kind = "two-sample"
            else:
                lo, hi = la - bv, ua - bv
                kind = "benchmark treated as fixed"
            pct, pos = _position(t["nps"], b["p10"], b["p50"], b["p90"])
            caveat = BENCHMARK_CAVEAT
            if bool(odd.loc[i]):
                caveat = "Not comparable: a transactional or consumer survey. " + caveat
            rows.append({**{k: t[k] for k in keys}, "industry": b["industry"], "source": b["source"],
                         "year": int(b["year"]), "programme_nps": float(t["nps"]), "n": int(t["n"]),
                         "benchmark_nps": float(b["nps"]), "benchmark_n": b["n"],
                         "difference": float(t["nps"] - b["nps"]), "ci_low": 100 * float(lo),
                         "ci_high": 100 * float(hi), "interval": kind, "percentile": pct, "position": pos,
                         "caveat": caveat})
    cols = [*keys, "industry", "source", "year", "programme_nps", "n", "benchmark_nps", "benchmark_n",
            "difference", "ci_low", "ci_high", "interval", "percentile", "position", "caveat"]
    return pd.DataFrame(rows, columns=cols)

