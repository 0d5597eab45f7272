"""Plots of key-driver results (:mod:`kapta_research.drivers`).

Every function draws only what is in the result table it is given — no
statistic is recomputed — and returns the matplotlib Axes it drew on.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..schema import DRIVER_LABELS

__all__ = ["importance_bars", "transition_comparison", "importance_performance_map"]

_TRANSITION_LABELS = {
    "detractor_to_passive": "Detractor → passive",
    "passive_to_promoter": "Passive → promoter",
}

_QUADRANT_COLOURS = {
    "fix first": "#d62728",
    "maintain": "#2ca02c",
    "secondary": "#7f7f7f",
    "possible overkill": "#1f77b4",
    "uncertain": "#ff7f0e",
}


def _table(obj, *, name: str, func: str, required: tuple[str, ...]) -> pd.DataFrame:
    """Accept a DataFrame, or a result object carrying ``summary``."""
    table = getattr(obj, "summary", obj)
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(f"The '{name}' parameter of {func} must be a pandas DataFrame. "
                             f"Got {type(obj).__name__} instead.")
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise ParameterError(
            f"The '{name}' parameter of {func} must have the column(s) "
            f"{', '.join(repr(c) for c in required)}. Got a table without "
            f"{', '.join(repr(c) for c in missing)} instead.")
    if table.empty:
        raise ParameterError(f"The '{name}' parameter of {func} must not be empty. "
                             f"Got an empty table instead.")
    return table


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt
        _, ax = plt.subplots()
    return ax


def _label(driver) -> str:
    return DRIVER_LABELS.get(driver, str(driver))


def _xerr(point, low, high):
    """Error-bar half-lengths; percentile intervals need not contain the point."""
    return np.vstack([np.clip(point - low, 0, None), np.clip(high - point, 0, None)])


def importance_bars(summary, ax=None, *, sort=True):
    """Horizontal bars of the drivers' importance shares, with intervals.

    Parameters
    ----------
    summary : pandas.DataFrame or ImportanceResult
        ``summary`` of :func:`kapta_research.drivers.relative_importance`
        (columns ``driver``, ``share`` and, if present, ``ci_low`` /
        ``ci_high``).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made if omitted.
    sort : bool, default True
        Most important driver on top; else in the table's order.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import kapta_research as kr
    >>> from kapta_research.schema import DRIVERS
    >>> from kapta_research.plots.drivers import importance_bars
    >>> prog = kr.load_sample()
    >>> res = kr.drivers.relative_importance(
    ...     prog.responses, outcome="ltr", drivers=list(DRIVERS),
    ...     cluster="account_id", n_boot=200, random_state=1)
    >>> ax = importance_bars(res.summary)
    """
    from matplotlib.ticker import PercentFormatter

    table = _table(summary, name="summary", func="importance_bars", required=("driver", "share"))
    if "transition" in table.columns:
        raise ParameterError(
            "The 'summary' parameter of importance_bars must be the summary of "
            "relative_importance. Got a transition_drivers summary instead; use "
            "transition_comparison for it.")
    if sort:
        table = table.sort_values("share", ascending=True, kind="stable")
    ax = _axes(ax)
    ypos = np.arange(len(table))
    share = table["share"].to_numpy(dtype=float)
    xerr = None
    if {"ci_low", "ci_high"} <= set(table.columns):
        xerr = _xerr(share, table["ci_low"].to_numpy(dtype=float),
                     table["ci_high"].to_numpy(dtype=float))
    ax.barh(ypos, share, xerr=xerr, color="#4c72b0", ecolor="#333333", capsize=3)
    ax.set_yticks(ypos, [_label(d) for d in table["driver"]])
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("Share of explained variance (R²)")
    ax.axvline(0, color="black", linewidth=0.8)
    if xerr is not None:
        ax.set_title("Driver importance (bars: bootstrap interval)")
    else:
        ax.set_title("Driver importance")
    return ax


def transition_comparison(summary, ax=None, *, value="share"):
    """Compare drivers between the two NPS transitions.

    Parameters
    ----------
    summary : pandas.DataFrame or TransitionResult
        ``summary`` of :func:`kapta_research.drivers.transition_drivers`.
    ax : matplotlib.axes.Axes, optional
    value : {"share", "odds_ratio"}, default "share"
        Plot importance shares (with ``ci_low`` / ``ci_high`` if present) or
        odds ratios per scale point (log axis, with ``or_ci_low`` /
        ``or_ci_high`` and a reference line at 1).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import kapta_research as kr
    >>> from kapta_research.schema import DRIVERS
    >>> from kapta_research.plots.drivers import transition_comparison
    >>> prog = kr.load_sample()
    >>> res = kr.drivers.transition_drivers(
    ...     prog.responses, drivers=list(DRIVERS), cluster="account_id")
    >>> ax = transition_comparison(res.summary, value="odds_ratio")
    """
    from matplotlib.ticker import PercentFormatter

    if value not in ("share", "odds_ratio"):
        raise ParameterError("The 'value' parameter of transition_comparison must be one of "
                             f"{{'share', 'odds_ratio'}}. Got {value!r} instead.")
    table = _table(summary, name="summary", func="transition_comparison",
                   required=("transition", "driver", value))
    lo_col, hi_col = ("ci_low", "ci_high") if value == "share" else ("or_ci_low", "or_ci_high")
    has_ci = {lo_col, hi_col} <= set(table.columns)
    # order drivers by their average value over the transitions (largest on top)
    order = (table.groupby("driver", sort=False)[value].mean().sort_values(kind="stable").index)
    transitions = list(pd.unique(table["transition"]))
    ax = _axes(ax)
    height = 0.8 / max(len(transitions), 1)
    base = np.arange(len(order))
    colours = ["#dd8452", "#55a868", "#4c72b0", "#8172b3"]
    for i, t in enumerate(transitions):
        sub = table[table["transition"] == t].set_index("driver").reindex(order)
        v = sub[value].to_numpy(dtype=float)
        pos = base - 0.4 + height * (i + 0.5)
        xerr = (_xerr(v, sub[lo_col].to_numpy(dtype=float), sub[hi_col].to_numpy(dtype=float))
                if has_ci else None)
        label = _TRANSITION_LABELS.get(t, str(t))
        colour = colours[i % len(colours)]
        if value == "share":
            ax.barh(pos, v, height=height, xerr=xerr, color=colour, ecolor="#333333",
                    capsize=2, label=label)
        else:
            ax.errorbar(v, pos, xerr=xerr, fmt="o", color=colour, capsize=2, label=label)
    ax.set_yticks(base, [_label(d) for d in order])
    if value == "share":
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel("Share of importance within the transition")
        ax.axvline(0, color="black", linewidth=0.8)
    else:
        ax.set_xscale("log")
        ax.axvline(1, color="black", linewidth=0.8, linestyle="--")
        ax.set_xlabel("Odds ratio per scale point")
    ax.set_title("Drivers of NPS transitions")
    ax.legend(loc="lower right")
    return ax


def importance_performance_map(table, ax=None, *, annotate=True):
    """Importance × performance map (share of R² against mean rating).

    Parameters
    ----------
    table : pandas.DataFrame
        Result of :func:`kapta_research.drivers.importance_performance`, or
        its ``summary`` table (columns ``driver``, ``share``, ``mean``,
        ``quadrant`` and, if present, the ``*_ci_low`` / ``*_ci_high``
        intervals).  The threshold lines come from the result's
        ``importance_threshold`` and ``performance_threshold``; for a bare
        table, the defaults of
        :func:`~kapta_research.drivers.importance_performance` (an equal share,
        the mean of the driver means) are drawn.
    ax : matplotlib.axes.Axes, optional
    annotate : bool, default True
        Write each driver's label next to its point.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import kapta_research as kr
    >>> from kapta_research.schema import DRIVERS
    >>> from kapta_research.plots.drivers import importance_performance_map
    >>> prog = kr.load_sample()
    >>> table = kr.drivers.importance_performance(
    ...     prog.responses, drivers=list(DRIVERS), cluster="account_id", random_state=1)
    >>> ax = importance_performance_map(table)
    """
    from matplotlib.lines import Line2D
    from matplotlib.ticker import PercentFormatter

    result = table
    table = _table(table, name="table", func="importance_performance_map",
                   required=("driver", "share", "mean"))
    ax = _axes(ax)
    share = table["share"].to_numpy(dtype=float)
    mean = table["mean"].to_numpy(dtype=float)
    it = getattr(result, "importance_threshold", None)
    it = 1.0 / len(table) if it is None else float(it)
    pt = getattr(result, "performance_threshold", None)
    pt = float(np.mean(mean)) if pt is None else float(pt)
    quadrant = (table["quadrant"].astype(str).to_numpy() if "quadrant" in table.columns
                else np.full(len(table), "uncertain"))
    colours = [_QUADRANT_COLOURS.get(q, "#333333") for q in quadrant]
    xerr = yerr = None
    if {"share_ci_low", "share_ci_high"} <= set(table.columns):
        xerr = _xerr(share, table["share_ci_low"].to_numpy(dtype=float),
                     table["share_ci_high"].to_numpy(dtype=float))
        if np.isnan(xerr).all():
            xerr = None
    if {"mean_ci_low", "mean_ci_high"} <= set(table.columns):
        yerr = _xerr(mean, table["mean_ci_low"].to_numpy(dtype=float),
                     table["mean_ci_high"].to_numpy(dtype=float))
        if np.isnan(yerr).all():
            yerr = None
    if xerr is not None or yerr is not None:
        ax.errorbar(share, mean, xerr=xerr, yerr=yerr, fmt="none", ecolor="#999999",
                    elinewidth=0.8, capsize=2, zorder=1)
    ax.scatter(share, mean, c=colours, s=50, zorder=2, edgecolors="white")
    ax.axvline(it, color="#555555", linestyle="--", linewidth=0.8)
    ax.axhline(pt, color="#555555", linestyle="--", linewidth=0.8)
    if annotate:
        for d, x, y in zip(table["driver"], share, mean):
            ax.annotate(_label(d), (x, y), xytext=(4, 4), textcoords="offset points",
                        fontsize=8)
    present = [q for q in _QUADRANT_COLOURS if q in set(quadrant)]
    handles = [Line2D([], [], marker="o", linestyle="", color=_QUADRANT_COLOURS[q], label=q)
               for q in present]
    if handles:
        ax.legend(handles=handles, loc="best", fontsize=8)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("Importance (share of explained variance)")
    ax.set_ylabel("Performance (mean rating)")
    ax.set_title("Importance × performance")
    return ax
