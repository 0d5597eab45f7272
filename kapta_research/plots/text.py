"""Comment figures: theme shares by NPS category, NPS gap of theme mentioners.

Each function draws only from a table returned by :mod:`kapta_research.text`
(no statistics are recomputed) and returns the matplotlib Axes.  Suppressed
rows are not drawn.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .churn import COLOURS, _ax, _require

__all__ = ["theme_shares", "theme_nps_gap"]

_CAT_COLOURS = {"detractor": COLOURS[1], "passive": "#999999", "promoter": COLOURS[0]}


def _label(theme: str) -> str:
    return theme.replace("_", " ").capitalize()


def theme_shares(shares: pd.DataFrame, ax=None, *, title="Share of comments that raise each theme"):
    """Grouped horizontal bars: share of each category's comments mentioning each theme, with intervals.

    Parameters
    ----------
    shares : DataFrame
        ``theme_impact(...).shares`` (theme, category, share, ci_low, ci_high, suppressed).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> t = pd.DataFrame({"theme": ["pricing"] * 3, "category": ["detractor", "passive", "promoter"],
    ...                   "share": [0.3, 0.2, 0.1], "ci_low": [0.2, 0.1, 0.05], "ci_high": [0.4, 0.3, 0.2],
    ...                   "suppressed": [False] * 3})
    >>> len(theme_shares(t).patches)
    3
    """
    _require(shares, ["theme", "category", "share", "ci_low", "ci_high", "suppressed"], "theme_shares")
    s = shares[~shares["suppressed"].astype(bool)]
    themes = list(dict.fromkeys(shares["theme"]))
    ax = _ax(ax, size=(6.5, 0.45 * len(themes) + 1.2))
    cats = [c for c in _CAT_COLOURS if c in set(s["category"])]
    h = 0.8 / max(len(cats), 1)
    for j, cat in enumerate(cats):
        sub = s[s["category"] == cat].set_index("theme").reindex(themes)
        y = np.arange(len(themes)) + (j - (len(cats) - 1) / 2) * h
        ok = sub["share"].notna().to_numpy()
        ax.barh(y[ok], 100 * sub["share"][ok], height=h, color=_CAT_COLOURS[cat], label=cat.capitalize() + "s")
        ax.errorbar(100 * sub["share"][ok], y[ok],
                    xerr=[100 * (sub["share"] - sub["ci_low"])[ok], 100 * (sub["ci_high"] - sub["share"])[ok]],
                    fmt="none", ecolor="black", elinewidth=0.8, capsize=2)
    ax.set_yticks(np.arange(len(themes)), [_label(t) for t in themes])
    ax.invert_yaxis()
    ax.set_xlabel("% of the category's comments (bars: confidence interval)")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return ax


def theme_nps_gap(difference: pd.DataFrame, ax=None, *, title="NPS of comments that raise a theme, minus the rest"):
    """Dot-and-interval plot of the NPS difference between mentioners and the other commenters.

    Parameters
    ----------
    difference : DataFrame
        ``theme_impact(...).difference`` (theme, diff, ci_low, ci_high, suppressed).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> d = pd.DataFrame({"theme": ["pricing", "support"], "diff": [-20.0, 5.0], "ci_low": [-30.0, -5.0],
    ...                   "ci_high": [-10.0, 15.0], "suppressed": [False, False]})
    >>> len(theme_nps_gap(d).get_yticklabels())
    2
    """
    _require(difference, ["theme", "diff", "ci_low", "ci_high", "suppressed"], "theme_nps_gap")
    d = difference[~difference["suppressed"].astype(bool)].sort_values("diff")
    ax = _ax(ax, size=(6.5, 0.4 * len(d) + 1.2))
    y = np.arange(len(d))
    colours = [COLOURS[1] if hi < 0 else COLOURS[0] if lo > 0 else "#777777"
               for lo, hi in zip(d["ci_low"], d["ci_high"])]
    ax.hlines(y, d["ci_low"], d["ci_high"], color=colours, linewidth=2)
    ax.scatter(d["diff"], y, color=colours, zorder=3)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, [_label(t) for t in d["theme"]])
    ax.set_xlabel("NPS points (lines: confidence interval)")
    ax.set_title(title)
    return ax
