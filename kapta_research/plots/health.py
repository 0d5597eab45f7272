"""Health-score figures: ROC curves and the calibration (reliability) plot.

Each function draws only from a table of :func:`kapta_research.accounts.validate_health`
(``roc``, ``reliability``, ``summary``) and returns the matplotlib Axes.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .churn import COLOURS, _ax, _require

__all__ = ["roc_curves", "calibration_plot"]


def _label(name, summary):
    from ..report.findings.health import _cap, health_score_label
    text = _cap(health_score_label(name))
    if summary is not None and name in set(summary["score"]):
        r = summary.set_index("score").loc[name]
        text += f" (AUC {r['auc']:.2f}, {r['auc_ci_low']:.2f}–{r['auc_ci_high']:.2f})"
    return text


def roc_curves(roc: pd.DataFrame, ax=None, *, summary: pd.DataFrame | None = None, title=None):
    """ROC curve of each score in the test period; the diagonal is chance.

    Parameters
    ----------
    roc : DataFrame
        ``HealthValidation.roc`` (columns score, fpr, tpr).
    summary : DataFrame, optional
        ``HealthValidation.summary``: adds each score's AUC and interval to the legend.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> roc = pd.DataFrame({"score": ["learned"] * 3, "fpr": [0, 0.3, 1], "tpr": [0, 0.7, 1]})
    >>> ax = roc_curves(roc)
    >>> ax.get_xlabel()
    'Stayers flagged (false-positive rate)'
    """
    _require(roc, ["score", "fpr", "tpr"], "roc_curves")
    ax = _ax(ax, (5.2, 4.6))
    for i, name in enumerate(dict.fromkeys(roc["score"])):
        t = roc[roc["score"] == name]
        ax.plot(t["fpr"], t["tpr"], color=COLOURS[i % len(COLOURS)], lw=1.6, label=_label(name, summary))
    ax.plot([0, 1], [0, 1], color="#999999", lw=0.8, ls="--")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_aspect("equal")
    ax.set_xlabel("Stayers flagged (false-positive rate)")
    ax.set_ylabel("Churners flagged (true-positive rate)")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(0, -0.14), fontsize="small")
    if title:
        ax.set_title(title, loc="left")
    return ax


def calibration_plot(reliability: pd.DataFrame, ax=None, *, scores=None, title=None):
    """Observed churn rate (with its interval) against the predicted churn probability, per bin.

    Parameters
    ----------
    reliability : DataFrame
        ``HealthValidation.reliability`` (columns score, mean_predicted, observed_rate, ci_low, ci_high).
    scores : list of str, optional
        Scores to draw (default all).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> rel = pd.DataFrame({"score": ["learned"] * 2, "mean_predicted": [0.1, 0.3], "observed_rate": [0.08, 0.35],
    ...                     "ci_low": [0.02, 0.2], "ci_high": [0.2, 0.5], "n": [25, 25]})
    >>> ax = calibration_plot(rel)
    >>> ax.get_ylabel()
    'Observed churn rate'
    """
    _require(reliability, ["score", "mean_predicted", "observed_rate", "ci_low", "ci_high"], "calibration_plot")
    ax = _ax(ax, (5.2, 4.6))
    names = list(dict.fromkeys(reliability["score"])) if scores is None else list(scores)
    top = 0.05
    for i, name in enumerate(names):
        t = reliability[reliability["score"] == name]
        x, y = t["mean_predicted"].to_numpy(float), t["observed_rate"].to_numpy(float)
        off = (i - (len(names) - 1) / 2) * 0.004  # keep whiskers of different scores apart
        ax.errorbar(x + off, y, yerr=[y - t["ci_low"].to_numpy(float), t["ci_high"].to_numpy(float) - y],
                    fmt="o-", ms=4, lw=1.0, capsize=2, color=COLOURS[i % len(COLOURS)], label=_label(name, None))
        top = max(top, float(np.nanmax(x)), float(np.nanmax(y)))
    lim = min(1.0, top * 1.1)
    ax.plot([0, lim], [0, lim], color="#999999", lw=0.8, ls="--", label="perfect calibration")
    ax.set_xlim(0, lim)
    ax.set_ylim(0, min(1.0, max(lim, float(reliability["ci_high"].max()) * 1.05)))
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel("Predicted churn probability (bin mean)")
    ax.set_ylabel("Observed churn rate")
    ax.legend(frameon=False, loc="upper left", fontsize="small")
    if title:
        ax.set_title(title, loc="left")
    return ax
