"""Churn figures: Kaplan-Meier curves, model AUCs, churn rate by category.

Each function draws only from a table returned by :mod:`kapta_research.churn`
(no statistics are recomputed) and returns the matplotlib Axes.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

__all__ = ["km_curves", "auc_comparison", "churn_rate_bars"]

#: Colour-blind-safe cycle (Okabe-Ito).
COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#f0e442",
           "#000000")


def _ax(ax, size=(6.5, 3.6)):
    if ax is None:
        _, ax = plt.subplots(figsize=size, constrained_layout=True)
    return ax


def _require(table, columns, func):
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{func} needs a pandas DataFrame. Got {type(table).__name__} instead.")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{func}: the table lacks the column(s) {', '.join(map(repr, missing))}; "
                         f"pass the table returned by kapta_research.churn.")


def km_curves(summary: pd.DataFrame, ax=None, *, title=None, ci=True, xlabel="Time since start of follow-up"):
    """Kaplan-Meier step curves with pointwise confidence bands.

    Parameters
    ----------
    summary : DataFrame
        ``survival_curves(...).summary`` (columns group, time, survival,
        ci_low, ci_high; n_censored, when present, adds censoring ticks).
    ax : matplotlib Axes, optional
    title : str, optional
    ci : bool, default True
        Shade the confidence band.

    xlabel : str
        Label of the time axis (say the unit, e.g. "Days since the snapshot").

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> import kapta_research.churn as churn
    >>> from kapta_research.plots.churn import km_curves
    >>> accounts = pd.DataFrame({"months": [3, 5, 8, 12, 20, 24, 30, 36],
    ...                          "churned": [1, 1, 0, 1, 0, 1, 0, 0]})
    >>> ax = km_curves(churn.survival_curves(accounts, duration="months",
    ...                                      event="churned").summary)
    >>> ax.get_ylabel()
    'Still a customer (Kaplan-Meier)'
    """
    _require(summary, ["group", "time", "survival", "ci_low", "ci_high"], "km_curves")
    ax = _ax(ax)
    groups = list(dict.fromkeys(summary["group"]))
    for i, g in enumerate(groups):
        t = summary[summary["group"] == g].sort_values("time")
        colour = COLOURS[i % len(COLOURS)]
        start = min(0.0, float(t["time"].min()))
        x = np.concatenate([[start], t["time"].to_numpy(float)])
        s = np.concatenate([[1.0], t["survival"].to_numpy(float)])
        label = None if len(groups) == 1 and g == "all" else str(g)
        ax.step(x, s, where="post", color=colour, lw=1.6, label=label)
        if ci:
            lo = np.concatenate([[1.0], t["ci_low"].to_numpy(float)])
            hi = np.concatenate([[1.0], t["ci_high"].to_numpy(float)])
            ok = np.isfinite(lo) & np.isfinite(hi)
            ax.fill_between(x[ok], lo[ok], hi[ok], step="post", color=colour, alpha=0.15,
                            lw=0)
        if "n_censored" in t.columns:
            cens = t[t["n_censored"] > 0]
            ax.plot(cens["time"], cens["survival"], "|", color=colour, ms=7, mew=1.2)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=min(0.0, float(summary["time"].min())))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Still a customer (Kaplan-Meier)")
    if any(ln.get_label() and not ln.get_label().startswith("_") for ln in ax.get_lines()):
        ax.legend(frameon=False, loc="lower left")
    if title:
        ax.set_title(title, loc="left")
    return ax


def auc_comparison(summary: pd.DataFrame, ax=None, *, title=None):
    """Apparent AUC of each model with its interval, and the cross-validated AUC.

    Parameters
    ----------
    summary : DataFrame
        ``predictive_value(...).summary`` (columns model, auc, auc_ci_low,
        auc_ci_high; cv_auc drawn as an open marker when present).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from kapta_research.plots.churn import auc_comparison
    >>> table = pd.DataFrame({"model": ["nps", "nps+drivers"], "auc": [0.63, 0.69],
    ...                       "auc_ci_low": [0.55, 0.60], "auc_ci_high": [0.72, 0.77],
    ...                       "cv_auc": [0.62, 0.64]})
    >>> ax = auc_comparison(table)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['nps', 'nps+drivers']
    """
    _require(summary, ["model", "auc", "auc_ci_low", "auc_ci_high"], "auc_comparison")
    ax = _ax(ax, (6.5, 0.5 * len(summary) + 1.4))
    y = np.arange(len(summary))[::-1]
    auc = summary["auc"].to_numpy(float)
    ax.errorbar(auc, y, xerr=[auc - summary["auc_ci_low"].to_numpy(float),
                              summary["auc_ci_high"].to_numpy(float) - auc],
                fmt="o", color=COLOURS[0], ecolor="#555555", capsize=3, label="AUC (all data)")
    if "cv_auc" in summary.columns:
        ax.plot(summary["cv_auc"].to_numpy(float), y - 0.2, "D", mfc="none", color=COLOURS[1],
                label="cross-validated AUC")
    ax.set_yticks(y, [str(m) for m in summary["model"]])
    ax.axvline(0.5, color="#999999", lw=0.8, ls="--")
    low = float(np.nanmin(np.concatenate([summary["auc_ci_low"].to_numpy(float), [0.5]])))
    ax.set_xlim(max(0.0, low - 0.05), 1.0)
    ax.set_xlabel("Area under the ROC curve (0.5 = no better than chance)")
    ax.set_ylim(-0.6, len(summary) - 0.4)
    ax.legend(frameon=False, loc="best", fontsize="small")
    if title:
        ax.set_title(title, loc="left")
    return ax


def _bar_labels(table: pd.DataFrame) -> list[str]:
    if "level" in table.columns:
        return [str(v) for v in table["level"]]
    labels = []
    for lo, hi in zip(table["bin_low"], table["bin_high"]):
        labels.append(f"{lo:g}" if lo == hi else f"{lo:.3g}–{hi:.3g}")
    return labels


def churn_rate_bars(table: pd.DataFrame, ax=None, *, title=None):
    """Churn rate per category or bin with confidence-interval whiskers and n.

    Parameters
    ----------
    table : DataFrame
        ``churn_by_category(...)`` output (columns level or bin_low/bin_high,
        n, churn_rate, ci_low, ci_high).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> import kapta_research.churn as churn
    >>> from kapta_research.plots.churn import churn_rate_bars
    >>> accounts = pd.DataFrame({"category": ["detractor"] * 4 + ["promoter"] * 4,
    ...                          "churned": [1, 1, 0, 1, 0, 0, 1, 0]})
    >>> ax = churn_rate_bars(churn.churn_by_category(accounts, predictor="category"))
    >>> len(ax.patches)
    2
    """
    _require(table, ["n", "churn_rate", "ci_low", "ci_high"], "churn_rate_bars")
    if "level" not in table.columns:
        _require(table, ["bin_low", "bin_high"], "churn_rate_bars")
    ax = _ax(ax, (max(4.0, 0.6 * len(table) + 2), 3.4))
    x = np.arange(len(table))
    rate = table["churn_rate"].to_numpy(float)
    ax.bar(x, rate, color=COLOURS[0], alpha=0.8, width=0.7)
    ax.errorbar(x, rate, yerr=[rate - table["ci_low"].to_numpy(float),
                               table["ci_high"].to_numpy(float) - rate],
                fmt="none", ecolor="#333333", capsize=3)
    ax.set_xticks(x, [f"{lab}\nn={n}" for lab, n in zip(_bar_labels(table), table["n"])],
                  fontsize="small")
    top = float(np.nanmax(np.concatenate([table["ci_high"].to_numpy(float), [0.05]])))
    ax.set_ylim(0, min(1.0, top * 1.1))
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_ylabel("Churn rate")
    if title:
        ax.set_title(title, loc="left")
    return ax
