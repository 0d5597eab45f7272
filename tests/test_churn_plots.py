"""Churn figures draw only from result tables and return Axes."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import kapta_research.churn as churn  # noqa: E402
from kapta_research.plots.churn import auc_comparison, churn_rate_bars, km_curves  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def accounts():
    rng = np.random.default_rng(0)
    n = 240
    df = pd.DataFrame({"nps": rng.integers(0, 11, n).astype(float),
                       "trust": rng.normal(5, 1, n),
                       "segment": rng.choice(["smb", "mid", "enterprise"], n)})
    lp = -1.5 - 0.3 * (df["nps"] - 5)
    df["churned"] = (rng.random(n) < 1 / (1 + np.exp(-lp))).astype(int)
    months = rng.exponential(30 * np.exp(0.1 * (df["nps"] - 5)))
    df["months"] = np.minimum(months, 36.0)
    df["left"] = (months < 36).astype(int)
    return df


def test_km_curves_draws_one_step_line_per_group(accounts):
    summary = churn.survival_curves(accounts, duration="months", event="left",
                                    group="segment").summary
    ax = km_curves(summary, title="Retention")
    assert isinstance(ax, plt.Axes)
    labels = [ln.get_label() for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    assert labels == ["enterprise", "mid", "smb"]
    assert ax.get_title(loc="left") == "Retention"
    assert ax.get_ylim() == (0, 1.02)


def test_km_curves_draws_on_given_axes_without_groups(accounts):
    summary = churn.survival_curves(accounts, duration="months", event="left").summary
    fig, ax = plt.subplots()
    assert km_curves(summary, ax=ax, ci=False) is ax
    assert ax.get_legend() is None
    first = ax.get_lines()[0]
    assert first.get_xdata()[0] == 0 and first.get_ydata()[0] == 1


def test_auc_comparison(accounts):
    res = churn.predictive_value(accounts, models={"nps": ["nps"], "both": ["nps", "trust"]},
                                 base="nps", random_state=0)
    ax = auc_comparison(res.summary)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["nps", "both"]
    assert ax.get_xlim()[1] == 1.0


def test_churn_rate_bars_for_levels_and_bins(accounts):
    ax = churn_rate_bars(churn.churn_by_category(accounts, predictor="segment"))
    assert len(ax.patches) == 3
    assert ax.get_xticklabels()[0].get_text().startswith("enterprise\nn=")
    ax = churn_rate_bars(churn.churn_by_category(accounts, predictor="trust", bins=4))
    assert len(ax.patches) == 4
    assert "–" in ax.get_xticklabels()[0].get_text()


def test_plots_refuse_other_tables():
    with pytest.raises(ValueError, match="lacks the column"):
        km_curves(pd.DataFrame({"time": [1]}))
    with pytest.raises(TypeError, match="pandas DataFrame"):
        churn_rate_bars([1, 2])
