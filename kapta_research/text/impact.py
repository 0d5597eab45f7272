"""How much each theme weighs in the score: shares by category, NPS gap, detractor points.

All three statistics are computed on the responses with an in-scope
comment (English, non-blank: the rows of the memberships) and a score.

Share by category
    Share of the detractors' (passives', promoters') comments that mention
    the theme, with the cluster-robust Wilson interval of
    :func:`kapta_research.text.themes.share_interval`.
NPS of mentioners vs non-mentioners
    :func:`kapta_research.nps.compare` of the two groups of commenters:
    the difference with Newcombe's MOVER interval from the groups' score
    intervals, with their correlation through shared accounts, and the
    p-value that inverts it; the groups' own NPS and intervals come from
    :func:`kapta_research.nps.nps`.
Detractor points (``points``)
    The NPS points that the theme's detractor mentions account for:
    ``100 · D_t / n``, where ``D_t`` is the number of commenting detractors
    who mention theme ``t`` and ``n`` the commenters.  It is how much the
    commenters' NPS would rise if those detractors were passives instead
    (each detractor counts −1 in NPS and 0 as a passive).  A detractor who
    raises two themes counts fully for each: unlike the "equal split" of
    B2B dashboards (each reason gets 1/k of the detractor), the points of
    different themes overlap and do not add up to the detractor share; they
    are a per-theme what-if, not a partition.  The interval is the
    percentile interval of the account (cluster) bootstrap of
    :func:`kapta_research.stats.resample.cluster_bootstrap`, all themes in
    one vectorised resample.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import rules
from .._compare import compare
from .._result import Result
from .._validation import check_columns, check_confidence, check_dataframe, check_int, check_numeric
from ..errors import DataError, ParameterError
from ..nps import _suppression, nps, protect_groups
from ..stats import clustered, resample
from ._prepare import check_rows_of
from .themes import Themes, share_interval

__all__ = ["ThemeImpact", "theme_impact"]

_MENTION, _NO = "mentions", "does not mention"


class ThemeImpact(Result):
    """Theme impact (see :func:`theme_impact`).

    Attributes
    ----------
    summary : DataFrame
        Per theme: ``theme``, ``n`` (commenters with a score), ``n_mentions``,
        ``share_detractors``, ``share_passives``, ``share_promoters``,
        ``nps_diff``, ``nps_diff_ci_low``, ``nps_diff_ci_high``, ``points``,
        ``points_ci_low``, ``points_ci_high``.
    shares : DataFrame
        Per theme and category: ``theme``, ``category``, ``n``, ``n_clusters``,
        ``n_mentions``, ``share`` (0-1), ``ci_low``, ``ci_high``, ``suppressed``,
        ``suppressed_reason``.
    difference : DataFrame
        Per theme: ``theme``, ``n_mentioning``, ``nps_mentioning``,
        ``nps_mentioning_ci_low``, ``nps_mentioning_ci_high``, ``n_not_mentioning``,
        ``nps_not_mentioning``, ``nps_not_mentioning_ci_low``,
        ``nps_not_mentioning_ci_high``, ``diff`` (points), ``ci_low``, ``ci_high``,
        ``p_value``, ``suppressed``, ``suppressed_reason``.
    points : DataFrame
        Per theme: ``theme``, ``n``, ``n_detractor_mentions``, ``points``,
        ``ci_low``, ``ci_high``, ``n_boot``, ``n_failed``.
    n_excluded : int
        In-scope comments without a score.
    """

    _title = "Theme impact"
    _info = ("n", "n_clusters", "n_excluded", "confidence")


def _check_memberships(data, memberships, *, func):
    if isinstance(memberships, Themes):
        memberships = memberships.memberships
    if not isinstance(memberships, pd.DataFrame) or memberships.shape[1] == 0:
        raise ParameterError(f"The 'memberships' parameter of {func} must be a Themes result or a DataFrame of "
                             f"bool theme columns. Got {type(memberships).__name__} instead.")
    bad = [c for c in memberships.columns if not pd.api.types.is_bool_dtype(memberships[c])]
    if bad:
        raise ParameterError(f"The 'memberships' parameter of {func} must hold bool theme columns; column "
                             f"{bad[0]!r} is {memberships[bad[0]].dtype}.")
    check_rows_of(data, memberships, what="memberships", source="themes", func=func)
    return memberships


def theme_impact(data, memberships, *, outcome="ltr", cluster="account_id", confidence=0.95, min_n=5,
                 min_accounts=3, n_boot=resample.DEFAULT_N_BOOT, random_state=None) -> ThemeImpact:
    """Weight of each theme in the score: shares by category, NPS gap of mentioners, detractor points.

    Parameters
    ----------
    data : DataFrame
        The responses the themes were computed on.
    memberships : Themes or DataFrame
        :func:`~kapta_research.text.themes` result (or its ``memberships``).
    outcome : str
        Column of 0-10 scores.
    cluster : str or None
        Account column; every interval is then cluster-robust.
    confidence : float
    min_n, min_accounts : int
        Suppression rule of :func:`~kapta_research.nps.nps` for each share and
        each side of a comparison.
    n_boot : int
        Account-bootstrap replicates of the detractor points.
    random_state : None, int or numpy Generator

    Returns
    -------
    ThemeImpact
        ``summary``, ``shares``, ``difference`` and ``points`` tables (see
        :class:`ThemeImpact`; definitions in the module docstring).

    Examples
    --------
    >>> import kapta_research as kr
    >>> from kapta_research.text import themes
    >>> r = kr.load_sample().respondents()
    >>> imp = theme_impact(r, themes(r), n_boot=200, random_state=1)
    >>> row = imp.summary.set_index("theme").loc["pricing"]
    >>> bool(row["share_detractors"] > row["share_promoters"]), bool(row["nps_diff"] < 0)
    (True, True)
    """
    func = "theme_impact"
    check_dataframe(data, func=func)
    confidence = check_confidence(confidence, func=func)
    min_n = check_int(min_n, name="min_n", func=func, low=1)
    min_accounts = check_int(min_accounts, name="min_accounts", func=func, low=1)
    n_boot = check_int(n_boot, name="n_boot", func=func, low=100)
    if cluster is not None and not isinstance(cluster, str):
        raise ParameterError(f"The 'cluster' parameter of {func} must be a column name (str) or None. "
                             f"Got {cluster!r} instead.")
    check_columns(data, [outcome] + ([cluster] if cluster else []), func=func)
    mem = _check_memberships(data, memberships, func=func)
    score = check_numeric(data.loc[mem.index], outcome, func=func, low=0, high=10, integer=True)
    keep = score.notna().to_numpy()
    if not keep.any():
        raise DataError(f"{func}: none of the commented responses has a score", column=outcome)
    mem = mem[keep]
    frame = data.loc[mem.index].copy()
    code = rules.category_codes(frame[outcome].to_numpy(float))
    groups = frame[cluster].astype(str).to_numpy() if cluster else None
    opts = dict(cluster=cluster, confidence=confidence, min_n=min_n, min_accounts=min_accounts)
    shares, diffs = [], []
    for theme in mem.columns:
        y = mem[theme].to_numpy(bool)
        shares += _shares(theme, y, code, groups, confidence=confidence, min_n=min_n, min_accounts=min_accounts)
        diffs.append(_difference(theme, frame, y, outcome, opts))
    points = _points(mem, code, groups, n_boot=n_boot, random_state=random_state, confidence=confidence)
    res = ThemeImpact()
    res.shares = pd.DataFrame(shares, columns=["theme", "category", "n", "n_clusters", "n_mentions", "share",
                                               "ci_low", "ci_high", "suppressed", "suppressed_reason"])
    for c in ("n", "n_clusters", "n_mentions"):
        res.shares[c] = res.shares[c].astype("Int64")
    res.difference = pd.DataFrame(diffs)
    res.points = points
    wide = res.shares.pivot(index="theme", columns="category", values="share")
    summ = pd.DataFrame({"theme": list(mem.columns), "n": len(mem),
                         "n_mentions": [int(mem[t].sum()) for t in mem.columns]})
    for cat in rules.CATEGORIES:
        summ[f"share_{cat}s"] = wide.reindex(summ["theme"])[cat].to_numpy(float)
    d = res.difference.set_index("theme").reindex(summ["theme"])
    summ["nps_diff"], summ["nps_diff_ci_low"], summ["nps_diff_ci_high"] = (
        d["diff"].to_numpy(float), d["ci_low"].to_numpy(float), d["ci_high"].to_numpy(float))
    p = points.set_index("theme").reindex(summ["theme"])
    summ["points"], summ["points_ci_low"], summ["points_ci_high"] = (
        p["points"].to_numpy(float), p["ci_low"].to_numpy(float), p["ci_high"].to_numpy(float))
    res.summary = summ
    res.n = int(len(mem))
    res.n_clusters = int(pd.unique(groups).size) if cluster else res.n
    res.n_excluded = int((~keep).sum())
    res.confidence = confidence
    return res


def _shares(theme, y, code, groups, *, confidence, min_n, min_accounts) -> list[dict]:
    """Share per category; the suppression rule of nps() with complementary suppression (nps.protect_groups)."""
    out = []
    sels = [code == value for value in (-1.0, 0.0, 1.0)]
    subsets = [pd.DataFrame({"_g": groups[sel] if groups is not None else np.arange(int(sel.sum()))})
               for sel in sels]
    reasons = [_suppression(len(sub), int(sub["_g"].nunique()) if groups is not None else None, min_n=min_n,
                            min_accounts=min_accounts) for sub in subsets]
    reasons = protect_groups(subsets, reasons, clustered=groups is not None, min_n=min_n, min_accounts=min_accounts)
    for cat, sel, reason in zip(rules.CATEGORIES, sels, reasons):
        n = int(sel.sum())
        g = groups[sel] if groups is not None else None
        if reason:
            out.append(dict(theme=theme, category=cat, suppressed=True, suppressed_reason=reason))
            continue
        share, lo, hi, G = share_interval(y[sel].astype(float), cluster=g, confidence=confidence)
        out.append(dict(theme=theme, category=cat, n=n, n_clusters=G, n_mentions=int(y[sel].sum()), share=share,
                        ci_low=lo, ci_high=hi, suppressed=False, suppressed_reason=None))
    return out


def _difference(theme, frame, y, outcome, opts) -> dict:
    f = frame[[outcome] + ([opts["cluster"]] if opts["cluster"] else [])].copy()
    f["_mention"] = np.where(y, _MENTION, _NO)
    row = dict(theme=theme, n_mentioning=int(y.sum()), n_not_mentioning=int((~y).sum()))
    if y.all() or not y.any():
        return {**row, "suppressed": True, "suppressed_reason": "every comment or none mentions it"}
    cmp = compare(f, group="_mention", outcome=outcome, reference=_NO, **opts).iloc[0]
    side = nps(f, outcome=outcome, by="_mention", **opts).set_index("_mention")
    for label, key in ((_MENTION, "mentioning"), (_NO, "not_mentioning")):
        s = side.loc[label]
        row.update({f"nps_{key}": s["nps"], f"nps_{key}_ci_low": s["ci_low"], f"nps_{key}_ci_high": s["ci_high"]})
    row.update(diff=cmp["diff"], ci_low=cmp["ci_low"], ci_high=cmp["ci_high"], p_value=cmp["p_value"],
               suppressed=bool(cmp["suppressed"]), suppressed_reason=cmp["suppressed_reason"])
    if row["suppressed"]:
        for k in list(row):
            if k.startswith("nps_") or k in ("diff", "ci_low", "ci_high", "p_value"):
                row[k] = np.nan
    return row


def _points(mem, code, groups, *, n_boot, random_state, confidence) -> pd.DataFrame:
    det = (code == -1)[:, None] & mem.to_numpy(bool)
    n = len(mem)
    est = 100 * det.sum(axis=0) / n
    if groups is not None:
        codes, G = clustered.cluster_codes(groups)
    else:
        codes, G = np.arange(n), n
    num = clustered.cluster_sums(det.astype(float), codes, G)
    den = clustered.cluster_sums(np.ones(n), codes, G)
    boot = resample.cluster_bootstrap(
        lambda counts: (100 * (counts @ num) / (counts @ den)[:, None], np.ones(len(counts), dtype=bool)),
        np.arange(G), G, n_boot=n_boot, random_state=random_state, vectorized=True, func="theme_impact")
    lo, hi = boot.interval(confidence)
    return pd.DataFrame({"theme": list(mem.columns), "n": n, "n_detractor_mentions": det.sum(axis=0).astype(int),
                         "points": est, "ci_low": np.asarray(lo, float), "ci_high": np.asarray(hi, float),
                         "n_boot": n_boot, "n_failed": boot.n_failed})
