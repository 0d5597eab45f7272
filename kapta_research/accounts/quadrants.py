"""Loyalty × value quadrants of the account portfolio, with the probability of each account's quadrant."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .._result import Result
from .._validation import check_confidence, check_int, check_random_state
from ..errors import DataError, ParameterError
from ._prior import dirichlet_mix_draws
from ._rollup import account_table

__all__ = ["QUADRANTS", "Quadrants", "quadrants", "choose_loyalty_cut", "LOYALTY_CUT_GRID", "parse_loyalty_cut"]

#: Quadrant → (meaning, suggested action).
QUADRANTS = {
    "Q1": ("high value, loyal", "learn from them: references, case studies, what works"),
    "Q2": ("high value, not loyal", "act now: executive attention and a recovery plan"),
    "Q3": ("low value, not loyal", "consider the return on effort before investing"),
    "Q4": ("low value, loyal", "up-sell and cross-sell"),
}
#: Candidate loyalty cuts (NPS points) of ``loyalty_cut="churn"``.
LOYALTY_CUT_GRID = np.arange(-90.0, 95.0, 5.0)


def parse_loyalty_cut(text, *, plan=None):
    """A study's ``loyalty_cut`` text as a number or ``"churn"``.

    ``"churn"`` stays ``"churn"`` only when ``plan`` (a coverage plan) lets
    its ``loyalty_cut`` section run; otherwise it becomes 0 (the plan's "Not
    covered" box says why).

    Examples
    --------
    >>> parse_loyalty_cut("10"), parse_loyalty_cut("churn")
    (10.0, 'churn')
    """
    text = str(text).strip()
    if text == "churn":
        if plan is not None and not any(s.name == "loyalty_cut" and s.runs for s in plan.sections):
            return 0.0
        return "churn"
    try:
        return float(text)
    except ValueError:
        raise ParameterError(f"The 'loyalty_cut' parameter must be NPS points (e.g. '0' or '-10') or 'churn'. "
                             f"Got {text!r} instead.") from None


class Quadrants(Result):
    """Result of :func:`quadrants`.

    Attributes
    ----------
    summary : DataFrame
        One row per account.
    counts : DataFrame
        Accounts and value per quadrant.
    loyalty_cut, value_cut : float
    cut_choice : DataFrame or None
        With ``loyalty_cut="churn"``: per cross-validation fold, the cut
        chosen on the training accounts and its Youden index on the held-out
        accounts (see :func:`choose_loyalty_cut`).
    """

    _title = "Loyalty × value quadrants"
    _info = ("loyalty", "value", "loyalty_cut", "value_cut", "cut_method", "n_accounts")

    def __init__(self, summary, counts, loyalty, value, loyalty_cut, value_cut, cut_method, cut_choice):
        self.summary, self.counts = summary, counts
        self.loyalty, self.value = loyalty, value
        self.loyalty_cut, self.value_cut = float(loyalty_cut), float(value_cut)
        self.cut_method, self.cut_choice = cut_method, cut_choice
        self.n_accounts = int(len(summary))


def _youden(score, event, cut):
    """Youden's J of "score below cut" as a churn flag, for each cut (vectorised)."""
    flag = score[:, None] < cut[None, :]
    pos, neg = event.sum(), (~event).sum()
    if pos == 0 or neg == 0:
        return np.full(len(cut), np.nan)
    return flag[event].sum(0) / pos - flag[~event].sum(0) / neg


def choose_loyalty_cut(snapshots, *, loyalty="nps", event="event", cluster="account_id", cv=5,
                       grid=LOYALTY_CUT_GRID, random_state=0):
    """The NPS cut that best separates later churners on past snapshots, by grouped cross-validation.

    The cut maximises Youden's J (true-positive rate − false-positive rate of
    "account NPS below the cut" as a churn flag) over ``grid``.  ``cv``
    folds of accounts (:class:`sklearn.model_selection.GroupKFold` over a
    seeded shuffle of the accounts, so an account's snapshots never sit on
    both sides): in each fold the cut is chosen on the training accounts and
    its J measured on the held-out ones, which says how well *choosing* a cut
    generalises.  The reported cut is the one chosen on all snapshots.

    Returns
    -------
    cut : float
    folds : DataFrame
        ``fold``, ``cut``, ``j_train``, ``j_test``, ``n_test``, ``events_test``.

    Examples
    --------
    >>> import kapta_research as kr
    >>> from kapta_research.churn import snapshots
    >>> snaps = snapshots(kr.load_sample(), as_of=["2024-07-01", "2024-10-01", "2025-01-01"])
    >>> cut, folds = choose_loyalty_cut(snaps)
    >>> cut, round(float(folds["j_test"].mean()), 2)
    (5.0, 0.2)
    """
    from sklearn.model_selection import GroupKFold
    func = "quadrants"
    missing = [c for c in (loyalty, event, cluster) if c not in snapshots]
    if missing:
        raise DataError(f"{func}: loyalty_cut='churn' needs snapshots with columns {', '.join(missing)} "
                        "(kapta_research.churn.snapshots).")
    s = snapshots.dropna(subset=[loyalty])
    score, ev = s[loyalty].to_numpy(float), s[event].astype(bool).to_numpy()
    groups = s[cluster].astype(str).to_numpy()
    if ev.sum() < cv or (~ev).sum() < cv or len(np.unique(groups)) < cv:
        raise DataError(f"{func}: loyalty_cut='churn' needs at least {cv} churned and {cv} retained "
                        f"accounts in the snapshots; they have {int(ev.sum())} churn events among "
                        f"{len(ev)} snapshots.")
    grid = np.asarray(grid, float)
    rng = check_random_state(random_state, func=func)
    uniq = np.unique(groups)
    shuffled = dict(zip(uniq, rng.permutation(len(uniq))))
    codes = np.array([shuffled[g] for g in groups])
    rows = []
    for k, (tr, te) in enumerate(GroupKFold(n_splits=cv).split(score, ev, codes)):
        j = _youden(score[tr], ev[tr], grid)
        best = int(np.nanargmax(j))
        j_te = _youden(score[te], ev[te], grid[best:best + 1])[0]
        rows.append({"fold": k + 1, "cut": grid[best], "j_train": j[best], "j_test": j_te,
                     "n_test": int(len(te)), "events_test": int(ev[te].sum())})
    cut = float(grid[int(np.nanargmax(_youden(score, ev, grid)))])
    return cut, pd.DataFrame(rows)


def quadrants(accounts, *, loyalty="nps_shrunk", value="annual_value", loyalty_cut=0, value_cut="median",
              snapshots=None, cv=5, n_draws=2000, confidence=0.95, random_state=0) -> Quadrants:
    """Place each account in a loyalty × value quadrant, with the probability that it belongs there.

    Q1 high value and loyal (learn from them), Q2 high value and not loyal
    (act now), Q3 low value and not loyal (consider the return on effort), Q4
    loyal and low value (up-sell and cross-sell): :data:`QUADRANTS`.
    "Loyal" means loyalty above ``loyalty_cut``; "high value" means value at or
    above ``value_cut``.  Value is known; loyalty is uncertain, so each
    account's ``probability`` is the posterior probability that its loyalty
    lies on the side of the cut it was placed on: from the account's Dirichlet
    posterior (seeded Monte Carlo) for ``loyalty="nps_shrunk"``, else from a
    normal approximation to its ``ci_low``/``ci_high`` interval.

    Parameters
    ----------
    accounts : AccountNPS or DataFrame
        :func:`~kapta_research.accounts.account_nps` (or its summary) with
        the ``value`` column (e.g. ``annual_value``, present when the
        responses were joined with accounts).
    loyalty : str
        Loyalty column (points).
    value : str
        Account value column.
    loyalty_cut : float or "churn"
        Cut in loyalty points, or ``"churn"``: chosen on past ``snapshots``
        as the cut that best separates later churners, by grouped
        cross-validation (:func:`choose_loyalty_cut`), and reported.
    value_cut : "median" or float
        Value threshold (default the portfolio median).
    snapshots : DataFrame, optional
        :func:`kapta_research.churn.snapshots` output (``loyalty_cut="churn"`` only).
    cv : int
        Folds of the cut's cross-validation.
    n_draws : int
        Monte Carlo draws of the probability.
    confidence : float
        Level of the ``ci_low``/``ci_high`` columns read for the normal approximation.
    random_state : None, int or numpy Generator

    Returns
    -------
    Quadrants
        ``summary``: ``account_id``, the account attributes present,
        ``loyalty`` column, ``ci_low``, ``ci_high``, ``value`` column,
        ``quadrant``, ``meaning``, ``action``, ``probability``.  ``counts``:
        ``quadrant``, ``meaning``, ``action``, ``n_accounts``, ``value_total``,
        ``value_share`` (0-1), ``mean_probability``.

    Examples
    --------
    >>> import kapta_research as kr
    >>> from kapta_research.accounts import account_nps
    >>> q = quadrants(account_nps(kr.load_sample().respondents()))
    >>> q.counts[["quadrant", "n_accounts", "mean_probability"]].round(2)
      quadrant  n_accounts  mean_probability
    0       Q1          78              0.87
    1       Q2          52              0.76
    2       Q3          48              0.73
    3       Q4          81              0.83
    """
    func = "quadrants"
    confidence = check_confidence(confidence, func=func)
    n_draws = check_int(n_draws, name="n_draws", func=func, low=200)
    rng = check_random_state(random_state, func=func)
    table = account_table(accounts, func=func)
    if loyalty not in table:
        raise DataError(f"{func}: no loyalty column {loyalty!r} in the accounts table.")
    if value not in table or table[value].isna().all():
        raise DataError(f"{func} needs the accounts' {value} (account value) for the value axis; the accounts "
                        f"table has {'no such column' if value not in table else 'no values in it'}. Join the "
                        "responses with an accounts table that has annual_value (Programme.respondents()).")
    if table[value].isna().any():
        bad = table.loc[table[value].isna(), "account_id"].astype(str).tolist()
        raise DataError(f"{func}: {len(bad)} account(s) have no {value}: {', '.join(bad[:5])}"
                        f"{' ...' if len(bad) > 5 else ''}. Give every account a value or leave them out.")
    cut_method, cut_choice = "given", None
    if isinstance(loyalty_cut, str):
        if loyalty_cut != "churn":
            raise ParameterError(f"The 'loyalty_cut' parameter of {func} must be a number or 'churn'. "
                                 f"Got {loyalty_cut!r} instead.")
        if snapshots is None:
            raise ParameterError(f"{func}: loyalty_cut='churn' needs past snapshots "
                                 "(snapshots=kapta_research.churn.snapshots(...)).")
        cv = check_int(cv, name="cv", func=func, low=2)
        loyalty_cut, cut_choice = choose_loyalty_cut(snapshots, cv=cv, random_state=rng)
        cut_method = "churn"
    elif isinstance(loyalty_cut, bool) or not isinstance(loyalty_cut, (int, float)):
        raise ParameterError(f"The 'loyalty_cut' parameter of {func} must be a number or 'churn'. "
                             f"Got {loyalty_cut!r} instead.")
    v = table[value].to_numpy(float)
    if isinstance(value_cut, str):
        if value_cut != "median":
            raise ParameterError(f"The 'value_cut' parameter of {func} must be 'median' or a number. "
                                 f"Got {value_cut!r} instead.")
        value_cut = float(np.median(v))
    high = v >= value_cut
    if high.all() or not high.any():
        raise DataError(f"{func}: every account falls on one side of the value cut {value_cut:g}; the value "
                        "axis cannot separate accounts (are all values equal?).")
    y = table[loyalty].to_numpy(float)
    loyal = y > loyalty_cut
    p_above = _prob_above(table, loyalty, loyalty_cut, confidence, n_draws, rng)
    quad = np.where(high, np.where(loyal, "Q1", "Q2"), np.where(loyal, "Q4", "Q3"))
    keep = [c for c in ("account_id", "account_name", "segment", "n", loyalty, "ci_low", "ci_high", value)
            if c in table]
    out = table[keep].reset_index(drop=True).copy()
    out["quadrant"] = quad
    out["meaning"] = [QUADRANTS[q][0] for q in quad]
    out["action"] = [QUADRANTS[q][1] for q in quad]
    out["probability"] = np.where(loyal, p_above, 1 - p_above)
    g = out.groupby("quadrant")
    counts = pd.DataFrame({"quadrant": list(QUADRANTS)})
    counts["meaning"] = [QUADRANTS[q][0] for q in QUADRANTS]
    counts["action"] = [QUADRANTS[q][1] for q in QUADRANTS]
    counts["n_accounts"] = g.size().reindex(list(QUADRANTS), fill_value=0).to_numpy()
    counts["value_total"] = g[value].sum().reindex(list(QUADRANTS), fill_value=0.0).to_numpy()
    counts["value_share"] = counts["value_total"] / v.sum()
    counts["mean_probability"] = g["probability"].mean().reindex(list(QUADRANTS)).to_numpy()
    return Quadrants(out, counts, loyalty, value, loyalty_cut, value_cut, cut_method, cut_choice)


def _prob_above(table, loyalty, cut, confidence, n_draws, rng) -> np.ndarray:
    """P(loyalty > cut) per account: Dirichlet posterior draws, else normal from the interval."""
    cols = ["alpha_detractor", "alpha_passive", "alpha_promoter"]
    if loyalty == "nps_shrunk" and set(cols) <= set(table):
        post = table[cols].to_numpy(float)
        uniq, inv = np.unique(post, axis=0, return_inverse=True)
        p = np.empty(len(uniq))
        for s in range(0, len(uniq), 512):
            mix = dirichlet_mix_draws(uniq[s:s + 512], n_draws, rng)
            d = 100 * (mix[..., 2] - mix[..., 0])
            p[s:s + 512] = (d > cut).mean(axis=1)
        return p[np.asarray(inv).reshape(-1)]
    if not {"ci_low", "ci_high"} <= set(table):
        return np.where(table[loyalty].to_numpy(float) > cut, 1.0, 0.0)
    z = stats.norm.ppf(0.5 + confidence / 2)
    sd = (table["ci_high"].to_numpy(float) - table["ci_low"].to_numpy(float)) / (2 * z)
    y = table[loyalty].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sd > 0, stats.norm.sf((cut - y) / sd), (y > cut).astype(float))
