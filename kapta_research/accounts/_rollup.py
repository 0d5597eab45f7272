"""Account-level NPS: four roll-ups of an account's voices, empirical-Bayes shrinkage, sensitivity.

Roll-ups (``rollup``)
---------------------
``"pooled"``
    Every response of the account counts once (all waves in ``data``).
``"respondent_mean"``
    Each contact's latest answer (latest ``responded_at``, else highest
    ``wave``) counts once, so a contact who answers every wave does not
    outweigh one who answered once.
``"role_weighted"``
    Each contact's latest answer, weighted by its role (``role_weights``,
    default :data:`DEFAULT_ROLE_WEIGHTS`; roles not named weigh 1).  The
    weighted counts are scaled to the Kish effective size
    ``(Σw)² / Σw²`` of the account, so weighting never manufactures
    precision.
``"decision_maker"``
    The "waterfall" of B2B practice: the latest answer(s) of the account's
    decision maker(s); an account without one is represented by the next
    role heard in :data:`WATERFALL` (executive sponsor, then influencer, then
    user).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import rules
from .._result import Result
from .._validation import (check_bool, check_choice, check_columns, check_confidence, check_dataframe,
                           check_numeric, row_labels, source_of)
from ..errors import DataError, ParameterError
from ..schema import DRIVERS, ROLES
from ._prior import DirichletPrior, fit_dirichlet_prior, posterior_nps_interval

__all__ = ["ROLLUPS", "WATERFALL", "DEFAULT_ROLE_WEIGHTS", "AccountNPS", "account_nps", "rollup_rows",
           "parse_weights", "check_role_weights"]

ROLLUPS = ("pooled", "respondent_mean", "role_weighted", "decision_maker")
#: Order in which roles stand in for a missing decision maker (``rollup="decision_maker"``).
WATERFALL = ("decision_maker", "executive_sponsor", "influencer", "user")
#: Role weights of ``rollup="role_weighted"`` when none are given.
DEFAULT_ROLE_WEIGHTS = {"decision_maker": 2.0, "executive_sponsor": 2.0, "influencer": 1.0, "user": 1.0}
ACCOUNT_ATTRIBUTES = ("account_name", "segment", "region", "industry", "annual_value")


def parse_weights(text, *, name: str, func: str) -> dict:
    """A weights mapping from ``"a=2,b=1"``, a list ``["a=2", "b=1"]`` or a mapping (``""``/None: None).

    Examples
    --------
    >>> parse_weights("decision_maker=2, user=1", name="role_weights", func="f")
    {'decision_maker': 2.0, 'user': 1.0}
    """
    if text is None or isinstance(text, dict):
        return None if text is None else {str(k): v for k, v in text.items()}
    if isinstance(text, str) and not text.strip():
        return None  # an empty study parameter: the defaults
    items = text.split(",") if isinstance(text, str) else list(text)
    out = {}
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise ParameterError(f"The '{name}' parameter of {func} must be name=number pairs such as "
                                 f"'decision_maker=2,user=1'. Got {item!r} instead.")
    return out


def check_role_weights(weights, *, func: str) -> dict:
    """Role weights as floats; unknown roles and negative or all-zero weights are errors."""
    from ..io.config import did_you_mean
    weights = parse_weights(weights, name="role_weights", func=func)
    weights = dict(DEFAULT_ROLE_WEIGHTS) if weights is None else weights
    for role, w in weights.items():
        if role not in ROLES:
            raise ParameterError(f"The 'role_weights' parameter of {func} names an unknown role {role!r}"
                                 f"{did_you_mean(role, ROLES)}; roles are {', '.join(ROLES)}.")
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not np.isfinite(w) or w < 0:
            raise ParameterError(f"The 'role_weights' parameter of {func} must map roles to non-negative "
                                 f"numbers. Got {role}={w!r} instead.")
    if not any(w > 0 for w in weights.values()):
        raise ParameterError(f"The 'role_weights' parameter of {func} gives every role weight 0.")
    return {r: float(w) for r, w in weights.items()}


def _latest_per_contact(frame: pd.DataFrame) -> pd.DataFrame:
    order = [c for c in ("responded_at", "wave") if c in frame]
    f = frame.assign(_row=np.arange(len(frame)))
    f = f.sort_values([*order, "_row"], kind="mergesort")
    return f.drop_duplicates("_contact", keep="last").sort_values("_row", kind="mergesort").drop(columns="_row")


def rollup_rows(data: pd.DataFrame, *, outcome: str, account: str, rollup: str, role_weights=None,
                func: str = "account_nps") -> pd.DataFrame:
    """The responses a roll-up uses, with their category code ``_x`` and weight ``_w``.

    Returns the used rows of ``data`` (original columns kept) plus ``_x``
    (−1/0/+1), ``_w`` (1, or the role weight) and ``_account`` (str).
    """
    check_choice(rollup, ROLLUPS, name="rollup", func=func)
    needs = [outcome, account]
    if rollup != "pooled":
        needs.append("contact_id")
    if rollup in ("role_weighted", "decision_maker"):
        needs.append("role")
    check_columns(data, needs, func=func)
    scores = check_numeric(data, outcome, func=func, low=0, high=10, integer=True)
    if data[account].isna().any():
        miss = data[account].isna()
        raise DataError("account ids are missing", file=source_of(data), column=account,
                        rows=row_labels(data, miss))
    f = data.assign(_x=rules.category_codes(scores.to_numpy()), _w=1.0, _account=data[account].astype(str))
    f = f[f["_x"].notna()]
    if rollup == "pooled":
        return f
    f = f.assign(_contact=f["contact_id"].astype(str))
    f = _latest_per_contact(f)
    if rollup == "respondent_mean":
        return f
    if rollup == "role_weighted":
        weights = check_role_weights(role_weights, func=func)
        f = f.assign(_w=f["role"].map(weights).fillna(1.0).astype(float))
        return f[f["_w"] > 0]
    rank = f["role"].map({r: i for i, r in enumerate(WATERFALL)}).fillna(len(WATERFALL))
    best = rank.groupby(f["_account"]).transform("min")
    return f[rank == best]


#: Driver profiles of :func:`account_nps` used by the category rule: (name, driver(s)).
GAPS = (("value_gap", ("value_for_money",)),
        ("relationship_gap", ("trust", "commitment", "feel_valued")),
        ("leading_edge_gap", ("leading_edge",)))


def _driver_gaps(vals: pd.DataFrame, codes: np.ndarray, A: int) -> pd.DataFrame:
    """Per account: mean of (driver(s) − the response's other drivers), centred on the portfolio, and its SE.

    A gap of −1 means the account rates value for money (say) one scale
    point further below its other drivers than the portfolio does.  The SE
    is the pooled within-account SD of the per-response gap over the square
    root of the account's rated responses.
    """
    out = {}
    for name, cols in GAPS:
        if not set(cols) <= set(vals.columns) or len(vals.columns) <= len(cols):
            continue
        others = [c for c in vals.columns if c not in cols]
        gap = (vals[list(cols)].mean(axis=1) - vals[others].mean(axis=1)).to_numpy()
        ok = np.isfinite(gap)
        k = np.bincount(codes[ok], minlength=A).astype(float)
        tot = np.bincount(codes[ok], weights=gap[ok], minlength=A)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = tot / k
            dev = gap[ok] - mean[codes[ok]]
            dof = ok.sum() - (k > 0).sum()
            sd = np.sqrt((dev ** 2).sum() / dof) if dof > 0 else np.nan
            out[name] = mean - np.nanmean(gap)
            out[f"{name}_se"] = sd / np.sqrt(k)
    return pd.DataFrame(out)


def account_table(accounts, *, func: str) -> pd.DataFrame:
    """The per-account table of an :class:`AccountNPS` (or a DataFrame given as is); else a clear error."""
    table = accounts.summary if isinstance(accounts, Result) else accounts
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(f"The 'accounts' parameter of {func} must be the result of account_nps or its "
                             f"summary DataFrame. Got {type(accounts).__name__} instead.")
    return table


class AccountNPS(Result):
    """Account NPS with empirical-Bayes shrinkage (see :func:`account_nps`).

    Attributes
    ----------
    summary : DataFrame
        One row per account (columns in :func:`account_nps`).
    prior : DirichletPrior or None
        The fitted portfolio prior (None with ``shrink=False``).
    rollup : str
    confidence : float
    n_accounts : int
    n_excluded : int
        Responses without a score (or weight 0) left out.
    """

    _title = "Account NPS"
    _info = ("rollup", "confidence", "n_accounts", "n_excluded", "prior_concentration", "prior_mix")

    def __init__(self, summary, prior, rollup, confidence, n_excluded):
        self.summary = summary
        self.prior = prior
        self.rollup = rollup
        self.confidence = confidence
        self.n_accounts = int(len(summary))
        self.n_excluded = int(n_excluded)

    @property
    def prior_concentration(self) -> float:
        return float("nan") if self.prior is None else float(self.prior.concentration)

    def overview(self) -> pd.DataFrame:
        """One row: roll-up, accounts, answers, the prior (α0 and mix) and how many accounts are thin.

        Columns ``rollup``, ``n_accounts``, ``n``, ``concentration`` (α0, in
        answers), ``prior_pct_detractors``/``_passives``/``_promoters``
        (0-100), ``prior_nps`` (points), ``n_thin`` (accounts with at most 2
        answers used), ``median_reliability``, ``at_bound``.
        """
        s = self.summary
        mix = self.prior.mean if self.prior is not None else np.full(3, np.nan)
        return pd.DataFrame([{
            "rollup": self.rollup, "n_accounts": self.n_accounts, "n": int(s["n"].sum()),
            "concentration": self.prior_concentration, "prior_pct_detractors": 100 * mix[0],
            "prior_pct_passives": 100 * mix[1], "prior_pct_promoters": 100 * mix[2],
            "prior_nps": 100 * (mix[2] - mix[0]), "n_thin": int((s["n"] <= 2).sum()),
            "median_reliability": float(s["reliability"].median()),
            "at_bound": bool(self.prior.at_bound) if self.prior is not None else False}])

    @property
    def prior_mix(self) -> dict:
        if self.prior is None:
            return {}
        return dict(zip(rules.CATEGORIES, (float(v) for v in self.prior.mean)))


def account_nps(data, *, outcome="ltr", account="account_id", rollup="pooled", role_weights=None,
                shrink=True, confidence=0.95) -> AccountNPS:
    """NPS of every account under a roll-up, shrunk towards the portfolio (empirical Bayes).

    An account heard from once is not +100: its answers are combined with a
    Dirichlet prior on the account's mix of detractors, passives and
    promoters, fitted to the whole portfolio by maximum marginal likelihood
    (:mod:`kapta_research.accounts._prior`: mean = the portfolio mix,
    concentration α0 fitted), and the interval is the posterior interval.

    Parameters
    ----------
    data : DataFrame
        One row per response (e.g. ``Programme.respondents()``), with
        ``outcome`` and ``account``; ``contact_id`` for every roll-up but
        ``"pooled"``, ``role`` for ``"role_weighted"`` and ``"decision_maker"``.
    outcome : str
        0-10 likelihood-to-recommend column.
    account : str
        Account id column.
    rollup : {"pooled", "respondent_mean", "role_weighted", "decision_maker"}
        Which answers count and how much (module docstring of
        :mod:`kapta_research.accounts._rollup`).
    role_weights : mapping, str or list, optional
        ``{"decision_maker": 2, "user": 1}`` or ``"decision_maker=2,user=1"``
        (``rollup="role_weighted"`` only); unknown roles are errors.
    shrink : bool
        With False, ``nps_shrunk`` equals the raw NPS, the interval is the
        score interval of the account's own answers
        (:func:`kapta_research.stats.intervals.nps_score_interval`) and
        ``reliability`` is NaN.
    confidence : float
        Level of the posterior (or score) interval.

    Returns
    -------
    AccountNPS
        ``summary``: one row per account, sorted by account, with
        ``account_id``, the account attributes found in ``data``
        (``account_name``, ``segment``, ``region``, ``industry``,
        ``annual_value``), ``n`` (answers used), ``n_effective`` (their
        weighted size; = n unless role-weighted), ``n_roles`` and ``roles``
        (roles among the answers used), ``has_decision_maker`` (a decision
        maker among them), ``promoters``, ``passives``, ``detractors``
        (counts of answers used), ``nps`` (raw, points), ``nps_shrunk``
        (posterior mean, points), ``ci_low``, ``ci_high`` (posterior interval,
        points), ``reliability`` (``n_effective / (n_effective + α0)``),
        ``alpha_detractor``, ``alpha_passive``, ``alpha_promoter`` (the
        account's Dirichlet posterior), the mean rating of each driver
        column present (named as the driver) and the driver profiles of the
        category rule (:data:`GAPS`: ``value_gap``, ``relationship_gap``,
        ``leading_edge_gap`` and their ``_se``; see :func:`_driver_gaps`).

    Examples
    --------
    >>> import kapta_research as kr
    >>> res = account_nps(kr.load_sample().respondents())
    >>> round(res.prior_concentration, 2), res.n_accounts
    (5.4, 259)

    An account heard from once, by a detractor: raw −100, shrunk to about −7
    with a posterior interval that says how little one answer tells.

    >>> one = res.summary[res.summary["n"] == 1].iloc[0]
    >>> one[["n", "nps", "nps_shrunk", "ci_low", "ci_high", "reliability"]].astype(float).round(1).tolist()
    [1.0, -100.0, -6.7, -64.1, 53.4, 0.2]
    """
    func = "account_nps"
    check_dataframe(data, func=func)
    confidence = check_confidence(confidence, func=func)
    shrink = check_bool(shrink, name="shrink", func=func)
    if role_weights is not None and rollup != "role_weighted":
        raise ParameterError(f"The 'role_weights' parameter of {func} applies to rollup='role_weighted' only. "
                             f"Got rollup={rollup!r}.")
    used = rollup_rows(data, outcome=outcome, account=account, rollup=rollup, role_weights=role_weights,
                       func=func)
    if used.empty:
        raise DataError(f"{func}: no response has a score in column {outcome!r}.", file=source_of(data))
    n_excluded = len(data) - len(used)
    x = used["_x"].to_numpy()
    w = used["_w"].to_numpy(float)
    codes, accounts = pd.factorize(used["_account"], sort=True)
    A = len(accounts)
    raw = np.column_stack([np.bincount(codes, weights=(x == k).astype(float), minlength=A) for k in (-1, 0, 1)])
    wsum = np.column_stack([np.bincount(codes, weights=w * (x == k), minlength=A) for k in (-1, 0, 1)])
    n = raw.sum(axis=1)
    sw, sw2 = wsum.sum(axis=1), np.bincount(codes, weights=w ** 2, minlength=A)
    n_eff = sw ** 2 / sw2
    counts = wsum / sw[:, None] * n_eff[:, None]  # weighted counts scaled to the Kish effective size
    out = pd.DataFrame({"account_id": accounts.astype(str)})
    attrs = [c for c in ACCOUNT_ATTRIBUTES if c in used]
    if attrs:
        first = used.groupby("_account", sort=True)[attrs].first().reset_index().rename(
            columns={"_account": "account_id"})
        out = out.merge(first, on="account_id", how="left")
    # roles heard among the answers used: an accounts x roles presence matrix (no per-group Python)
    role_code = (pd.Categorical(used["role"], categories=list(ROLES)).codes if "role" in used
                 else np.full(len(used), -1))
    present = np.column_stack([np.bincount(codes, weights=(role_code == j).astype(float), minlength=A) > 0
                               for j in range(len(ROLES))])
    names = np.array(ROLES, dtype=object)
    out["n"] = n.astype(int)
    out["n_effective"] = n_eff
    out["n_roles"] = present.sum(axis=1)
    bits = present @ (1 << np.arange(len(ROLES)))  # 16 possible role sets: join each once
    labels = np.array([", ".join(names[[(b >> j) & 1 == 1 for j in range(len(ROLES))]])
                       for b in range(2 ** len(ROLES))], dtype=object)
    out["roles"] = labels[bits]
    out["has_decision_maker"] = present[:, ROLES.index("decision_maker")]
    out["promoters"], out["passives"], out["detractors"] = (raw[:, 2].astype(int), raw[:, 1].astype(int),
                                                            raw[:, 0].astype(int))
    out["nps"] = 100 * (counts[:, 2] - counts[:, 0]) / n_eff
    if shrink:
        prior = fit_dirichlet_prior(counts)
        post = prior.alpha[None, :] + counts
        lo, hi = posterior_nps_interval(post, confidence=confidence)
        out["nps_shrunk"] = 100 * (post[:, 2] - post[:, 0]) / post.sum(axis=1)
        out["ci_low"], out["ci_high"] = 100 * lo, 100 * hi
        out["reliability"] = n_eff / (n_eff + prior.concentration)
    else:
        from ..stats.intervals import nps_score_interval
        prior, post = None, counts
        ci = np.array([nps_score_interval(*c, confidence=confidence) for c in counts[:, [2, 1, 0]]])
        out["nps_shrunk"] = out["nps"]
        out["ci_low"], out["ci_high"] = 100 * ci[:, 0], 100 * ci[:, 1]
        out["reliability"] = np.nan
    out["alpha_detractor"], out["alpha_passive"], out["alpha_promoter"] = post[:, 0], post[:, 1], post[:, 2]
    drivers = [d for d in DRIVERS if d in used]
    if drivers:
        vals = used[drivers].apply(pd.to_numeric, errors="coerce").astype(float)
        means = vals.groupby(codes).mean().reindex(range(A)).reset_index(drop=True)
        out = pd.concat([out, means, _driver_gaps(vals, codes, A)], axis=1)
    return AccountNPS(out, prior, rollup, confidence, n_excluded)
