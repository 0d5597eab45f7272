"""NPS figures: scores with intervals, promoter/passive/detractor mixes, response rates."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

__all__ = ["nps_by_group", "mix_bars", "response_rate_trend"]

#: Colours for detractors, passives, promoters (colour-blind safe).
MIX_COLOURS = {"detractors": "#d55e00", "passives": "#bbbbbb", "promoters": "#0072b2"}


def _ax(ax, size=(6.0, 2.6)):
    if ax is None:
        _, ax = plt.subplots(figsize=size, constrained_layout=True)
    return ax


def _labels(table: pd.DataFrame, by) -> list[str]:
    by = [by] if isinstance(by, str) else list(by)
    return [" / ".join(str(v) for v in row) for row in table[by].itertuples(index=False)]


def nps_by_group(table: pd.DataFrame, *, by, ax=None, title=None, overall=None):
    """Horizontal NPS points with confidence-interval bars and n.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`kapta_research.nps.nps` with ``by`` columns.
        Suppressed groups are not drawn.
    by : str or list of str
        Grouping columns of ``table``.
    ax : matplotlib Axes, optional
    title : str, optional
    overall : float, optional
        Overall NPS to draw as a reference line.

    Returns
    -------
    matplotlib Axes
    """
    t = table[~table["suppressed"].astype(bool)]
    labels = _labels(t, by)
    ax = _ax(ax, (6.0, 0.28 * len(t) + 1.1))
    y = np.arange(len(t))[::-1]
    ax.errorbar(t["nps"], y, xerr=[t["nps"] - t["ci_low"], t["ci_high"] - t["nps"]], fmt="o",
                color="#0072b2", ecolor="#555555", capsize=3)
    ax.set_yticks(y, [f"{lab}  (n={n})" for lab, n in zip(labels, t["n"])])
    ax.axvline(0, color="#999999", lw=0.8)
    if overall is not None:
        ax.axvline(overall, color="#0072b2", lw=0.8, ls="--", label="overall")
    ax.set_xlabel("NPS (points) with confidence interval")
    ax.set_xlim(max(-100, float(t["ci_low"].min()) - 10), min(100, float(t["ci_high"].max()) + 10))
    if title:
        ax.set_title(title, loc="left")
    return ax


def mix_bars(table: pd.DataFrame, *, by, ax=None, title=None):
    """Stacked bars of detractor / passive / promoter shares per group.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`kapta_research.nps.nps`; suppressed groups are skipped.
    by : str or list of str
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    t = table[~table["suppressed"].astype(bool)]
    labels = _labels(t, by) if (isinstance(by, str) or len(by)) else ["All"] * len(t)
    ax = _ax(ax, (6.0, 0.28 * len(t) + 1.1))
    y = np.arange(len(t))[::-1]
    left = np.zeros(len(t))
    for part in ("detractors", "passives", "promoters"):
        vals = t[f"pct_{part}"].to_numpy(float)
        ax.barh(y, vals, left=left, color=MIX_COLOURS[part], label=part.capitalize(), height=0.7)
        for yi, l0, v in zip(y, left, vals):
            if v >= 7:
                ax.text(l0 + v / 2, yi, f"{v:.0f}%", ha="center", va="center", fontsize=8,
                        color="white" if part != "passives" else "black")
        left += vals
    for yi, score in zip(y, t["nps"]):
        label = f"{score:+.0f}"
        ax.text(101, yi, "NPS " + ("0" if label in ("+0", "-0") else label.replace("-", "−")), va="center",
                fontsize=8)
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 115)
    ax.set_xlabel("share of respondents (%)")
    ax.legend(ncols=3, loc="lower center", bbox_to_anchor=(0.45, 1.01), frameon=False, fontsize=8)
    if title:
        ax.set_title(title, loc="left", pad=26)
    return ax


def response_rate_trend(table: pd.DataFrame, *, x="wave", ax=None, title=None):
    """Response rate per wave with its confidence band.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`kapta_research.metrics.response_rates` by ``x``.

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    ax.plot(table[x], 100 * table["rate"], marker="o", color="#0072b2")
    ax.fill_between(table[x], 100 * table["ci_low"], 100 * table["ci_high"], color="#0072b2", alpha=0.2)
    ax.set_ylabel("response rate (%)")
    ax.set_xlabel(x)
    ax.set_ylim(0, max(60, float(100 * table["ci_high"].max()) + 5))
    if title:
        ax.set_title(title, loc="left")
    return ax
