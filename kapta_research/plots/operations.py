"""Figures of the programme-health study (05), drawn from its saved tables (no statistics recomputed)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..rules import VOC_TARGET_DAYS
from .churn import COLOURS, _ax

__all__ = ["followup_curve", "sla_bars", "cadence_timeline", "benchmark_dots"]


def followup_curve(curve: pd.DataFrame, ax=None, *, sla_days=(2, 7), max_days=30):
    """Share of detractors followed up by each day: 1 − the Kaplan–Meier "still open" curve, with its band.

    Parameters
    ----------
    curve : DataFrame
        ``closed_loop(...).curve`` (level, time, still_open, ci_low, ci_high).
    sla_days : tuple of float
        Windows drawn as vertical lines.
    max_days : float
        Right end of the time axis.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import kapta_research as kr
    >>> from kapta_research.operations import closed_loop
    >>> ax = followup_curve(closed_loop(kr.load_sample()).curve)
    >>> ax.get_ylabel()
    'Followed up (share of detractors)'
    """
    ax = _ax(ax)
    for i, (lvl, c) in enumerate(curve.groupby("level", sort=False)):
        t = np.r_[0.0, c["time"].to_numpy()]
        done = 1 - np.r_[1.0, c["still_open"].to_numpy()]
        colour = COLOURS[i % len(COLOURS)]
        ax.step(t, done, where="post", color=colour, label="All detractors" if lvl == "all" else str(lvl))
        lo = 1 - np.r_[1.0, c["ci_high"].to_numpy()]
        hi = 1 - np.r_[1.0, c["ci_low"].fillna(0).to_numpy()]
        ax.fill_between(t, lo, hi, step="post", color=colour, alpha=0.2, linewidth=0)
    for d in sla_days:
        ax.axvline(d, color="grey", linestyle=":", linewidth=1)
        ax.text(d, 1.0, f" {24 * d:g} h" if d <= 2 else f" {d:g} d", va="top", fontsize=8, color="grey")
    ax.set_xlim(0, max_days)
    ax.set_ylim(0, 1)
    ax.set_xlabel("Days since the response")
    ax.set_ylabel("Followed up (share of detractors)")
    ax.set_title("Time to first follow-up (Kaplan–Meier, open cases censored)")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return ax


def sla_bars(summary: pd.DataFrame, ax=None, *, group="all"):
    """Share followed up within each window, with interval whiskers (suppressed rows never drawn).

    ``summary`` is ``closed_loop(...).summary``; ``group`` picks the rows
    (``"all"``, or the ``by`` column, one bar per level and window).
    """
    t = summary[(summary["group"] == group) & ~summary["suppressed"].astype(bool)]
    levels = list(dict.fromkeys(t["level"]))
    windows = sorted(t["sla_days"].unique())
    ax = _ax(ax, (6.5, max(2.2, 0.35 * len(levels) * len(windows) + 1)))
    h = 0.8 / max(len(windows), 1)
    for j, w in enumerate(windows):
        sub = t[t["sla_days"] == w].set_index("level").reindex(levels)
        y = np.arange(len(levels)) + j * h
        err = np.vstack([sub["share"] - sub["ci_low"], sub["ci_high"] - sub["share"]])
        ax.barh(y, sub["share"], height=h, color=COLOURS[j % len(COLOURS)], xerr=err, capsize=2,
                label=f"within {24 * w:g} hours" if w <= 2 else f"within {w:g} days")
    ax.set_yticks(np.arange(len(levels)) + h * (len(windows) - 1) / 2)
    ax.set_yticklabels(["All detractors" if lv == "all" else str(lv) for lv in levels])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("Share of detractors followed up (interval whiskers)")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.set_title("Closing the loop: share followed up in time")
    return ax


def cadence_timeline(accounts: pd.DataFrame, ax=None, *, target_days=VOC_TARGET_DAYS, by="segment"):
    """Days since each account's last VOC interview, accounts sorted within ``by``; target lines drawn.

    ``accounts`` is ``voc_cadence(...).accounts``; never-interviewed accounts
    are drawn as crosses at the right edge.
    """
    t = accounts.sort_values([by, "days_since_last"], na_position="last") if by in accounts else \
        accounts.sort_values("days_since_last", na_position="last")
    ax = _ax(ax, (6.5, 3.8))
    right = float(np.nanmax([t["days_since_last"].max(), target_days[1] * 2])) * 1.05
    x = np.arange(len(t))
    d = t["days_since_last"].to_numpy(float)
    status_col = {"within cadence": COLOURS[2], "due": COLOURS[4], "overdue": COLOURS[1]}
    for s, colour in status_col.items():
        sel = (t["status"] == s).to_numpy()
        ax.bar(x[sel], d[sel], width=1.0, color=colour, label=s)
    never = (t["status"] == "never interviewed").to_numpy()
    ax.scatter(x[never], np.full(never.sum(), right * 0.97), marker="x", s=12, color="black",
               label="never interviewed")
    for v in target_days:
        ax.axhline(v, color="grey", linestyle=":", linewidth=1)
    if by in t:
        starts = t.reset_index(drop=True).groupby(by, sort=False).apply(lambda g: g.index.min(), include_groups=False)
        for name, pos in starts.items():
            ax.axvline(pos - 0.5, color="black", linewidth=0.5)
            ax.text(pos + 1, right * 0.9, str(name), fontsize=7)
    ax.set_ylim(0, right)
    ax.set_xlim(-0.5, len(t) - 0.5)
    ax.set_xticks([])
    ax.set_xlabel(f"Accounts (by {by.replace('_', ' ')})" if by in t else "Accounts")
    ax.set_ylabel("Days since the last VOC interview")
    ax.set_title(f"VOC cadence (targets {target_days[0]:g} and {target_days[1]:g} days)")
    ax.legend(frameon=False, fontsize=7, ncol=4, loc="upper left", bbox_to_anchor=(0, -0.12))
    return ax


def benchmark_dots(bench: pd.DataFrame, ax=None):
    """The programme's NPS (with its interval) beside each benchmark, as a dot plot.

    ``bench`` is :func:`kapta_research.operations.benchmark`'s table.
    """
    ax = _ax(ax, (6.5, max(2.0, 0.45 * (len(bench) + 1) + 1)))
    labels = [f"{s.split(',')[0]} {int(y)}" for s, y in zip(bench["source"], bench["year"])]
    y = np.arange(len(bench))
    ax.scatter(bench["benchmark_nps"], y, color=COLOURS[1], zorder=3, label="benchmark")
    if len(bench):
        r = bench.iloc[0]
        lo, hi = r["programme_nps"] - (r["difference"] - r["ci_low"]), r["programme_nps"] + (r["ci_high"] - r["difference"])
        ax.axvspan(lo, hi, color=COLOURS[0], alpha=0.15, label="programme NPS interval")
        ax.axvline(r["programme_nps"], color=COLOURS[0], label="programme NPS")
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("NPS (points)")
    ax.set_title("Programme NPS against the supplied benchmarks")
    ax.legend(frameon=False, fontsize=7, ncol=3, loc="upper left", bbox_to_anchor=(0, -0.18))
    return ax
