"""Account and portfolio figures: roll-up spread, revenue coverage, category shares, quadrant map.

Each function draws only from a table returned by :mod:`kapta_research.accounts`
(no statistics are recomputed) and returns the matplotlib Axes.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .churn import COLOURS, _ax, _require

__all__ = ["rollup_spread", "revenue_coverage_bars", "category_shares", "quadrant_map"]

CATEGORY_COLOURS = {"Ambassador": COLOURS[2], "Rational": COLOURS[0], "Ambivalent": COLOURS[4],
                    "Stalker": COLOURS[3], "Opponent": COLOURS[1]}


def rollup_spread(table: pd.DataFrame, ax=None, *, title="Portfolio NPS by roll-up method"):
    """Portfolio NPS with its interval under each method of :func:`~kapta_research.accounts.rollup_sensitivity`.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import kapta_research as kr
    >>> from kapta_research.accounts import rollup_sensitivity
    >>> ax = rollup_spread(rollup_sensitivity(kr.load_sample().respondents()))
    >>> len(ax.get_yticklabels())
    6
    """
    _require(table, ["label", "nps", "ci_low", "ci_high", "suppressed"], "rollup_spread")
    t = table[~table["suppressed"]].iloc[::-1]
    ax = _ax(ax, (6.5, 0.45 * len(t) + 1.2))
    y = np.arange(len(t))
    ax.errorbar(t["nps"], y, xerr=[t["nps"] - t["ci_low"], t["ci_high"] - t["nps"]], fmt="o",
                color=COLOURS[0], capsize=3)
    ax.set_yticks(y, t["label"])
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel("NPS (points)")
    ax.set_title(title)
    return ax


def revenue_coverage_bars(summary: pd.DataFrame, ax=None, *, by="segment", target=0.8,
                          title="Share of annual value heard from"):
    """Revenue coverage with its interval per group and the practice target (a dashed line).

    ``summary`` is ``voice_coverage(...).summary``; suppressed groups are left out.
    """
    _require(summary, [by, "revenue_coverage", "ci_low", "ci_high", "suppressed"], "revenue_coverage_bars")
    t = summary[~summary["suppressed"]]
    ax = _ax(ax, (6.5, 3.2))
    x = np.arange(len(t))
    ax.bar(x, 100 * t["revenue_coverage"], color=COLOURS[0], alpha=0.8)
    ax.errorbar(x, 100 * t["revenue_coverage"], yerr=[100 * (t["revenue_coverage"] - t["ci_low"]),
                                                       100 * (t["ci_high"] - t["revenue_coverage"])],
                fmt="none", color="black", capsize=3)
    ax.axhline(100 * target, color=COLOURS[1], ls="--", lw=1, label=f"target {100 * target:.0f} %")
    ax.set_xticks(x, t[by].astype(str), rotation=0)
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of annual value")
    ax.legend(loc="lower right", frameon=False)
    ax.set_title(title)
    return ax


def category_shares(shares: pd.DataFrame, ax=None, *, title="Account categories: share of the portfolio"):
    """Expected share of each category with its interval (``account_categories(...).shares``)."""
    _require(shares, ["category", "share", "ci_low", "ci_high"], "category_shares")
    t = shares[shares["category"].isin(list(CATEGORY_COLOURS))]
    ax = _ax(ax, (6.5, 3.0))
    x = np.arange(len(t))
    ax.bar(x, 100 * t["share"], color=[CATEGORY_COLOURS[c] for c in t["category"]])
    ax.errorbar(x, 100 * t["share"], yerr=[100 * (t["share"] - t["ci_low"]), 100 * (t["ci_high"] - t["share"])],
                fmt="none", color="black", capsize=3)
    ax.set_xticks(x, t["category"])
    ax.set_ylabel("% of accounts")
    ax.set_title(title)
    return ax


def quadrant_map(summary: pd.DataFrame, ax=None, *, loyalty="nps_shrunk", value="annual_value",
                 loyalty_cut=0.0, value_cut=None, categories=None, title="Loyalty × value"):
    """Accounts by value (log scale) and loyalty with interval whiskers; bubble = value, colour = category.

    Parameters
    ----------
    summary : DataFrame
        ``quadrants(...).summary`` (``loyalty``, ``ci_low``, ``ci_high``, ``value``).
    categories : Series, optional
        Category of each account (same order), e.g. ``account_categories(...).summary["category"]``.
    """
    _require(summary, [loyalty, "ci_low", "ci_high", value], "quadrant_map")
    ax = _ax(ax, (6.5, 4.6))
    v = summary[value].to_numpy(float)
    y = summary[loyalty].to_numpy(float)
    size = 15 + 185 * np.sqrt(v / v.max())
    cats = (pd.Series(categories).to_numpy() if categories is not None else np.full(len(v), "accounts"))
    ax.errorbar(v, y, yerr=[y - summary["ci_low"], summary["ci_high"] - y], fmt="none", color="grey",
                alpha=0.25, lw=0.7, zorder=1)
    for c in pd.unique(cats):
        sel = cats == c
        ax.scatter(v[sel], y[sel], s=size[sel], color=CATEGORY_COLOURS.get(c, COLOURS[0]), alpha=0.7,
                   edgecolor="white", lw=0.5, label=str(c), zorder=2)
    ax.set_xscale("log")
    ax.axhline(loyalty_cut, color="black", lw=0.8)
    if value_cut is not None:
        ax.axvline(value_cut, color="black", lw=0.8)
    for text, (xa, ya) in {"Q1 learn from them": (0.98, 0.97), "Q2 act now": (0.98, 0.03),
                           "Q3 consider the ROI": (0.02, 0.03), "Q4 up-sell": (0.02, 0.97)}.items():
        ax.text(xa, ya, text, transform=ax.transAxes, ha="right" if xa > 0.5 else "left",
                va="top" if ya > 0.5 else "bottom", fontsize=8, color="dimgrey")
    ax.set_xlabel(f"{value.replace('_', ' ')} (log scale)")
    ax.set_ylabel("account NPS, shrunk (points)")
    if categories is not None:
        ax.legend(fontsize=7, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.set_title(title)
    return ax
