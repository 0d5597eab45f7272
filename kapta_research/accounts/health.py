"""Account health score: named components, administrator or learned weights, red/amber/green bands.

Key-account tools sell a health score made of weights an administrator picks
and never say whether it predicts anything.  :func:`health_score` builds such
a score from the point-in-time features of :func:`kapta_research.churn.snapshot`
(only data dated before the snapshot), and :func:`validate_health`
(:mod:`._health_validate`) tests it against later churn on the user's own
history.

Components and their 0-100 scaling
----------------------------------
Each component is a snapshot column put on a 0-100 scale, 100 the healthiest:

=======================  ==========================  ====================================================
component                snapshot column             0-100 scale
=======================  ==========================  ====================================================
``account_nps``          ``nps`` (points)            ``(nps + 100) / 2``: -100 -> 0, 0 -> 50, +100 -> 100
``response_rate_trend``  ``response_rate_trend``     ``50 + 250 * slope`` clipped to 0-100: a response rate
                         (slope per wave, 0-1 scale) falling 20 points a wave -> 0, flat -> 50, rising
                                                     20 points a wave -> 100
``days_since_response``  ``days_since_response``     ``100 * (1 - days / 365)`` clipped: answered today
                                                     -> 100, a year or more ago (or never) -> 0
``days_since_voc``       ``days_since_voc``          100 up to 120 days (practice: an interview every
                                                     90-120 days), then linear to 0 at 365 days; never
                                                     interviewed -> 0
``roles_heard``          ``n_roles``                 ``25 * n_roles`` (4 roles: decision maker,
                                                     influencer, user, executive sponsor), 4+ -> 100
``detractor_followup``   ``detractor_followup_7d``   ``100 * share`` of the lookback's detractors
                                                     followed up within 7 days (:mod:`kapta_research.rules`)
``driver_means``         the driver means            mean of the drivers answered, ``100 * (mean - low) /
                                                     (high - low)`` on the driver scale (default 1-7)
=======================  ==========================  ====================================================

Missing components
------------------
A component can be missing for an account (no response in the lookback: no
NPS and no driver means; fewer than two invited waves: no trend; no detractor
in the lookback: no follow-up share) or for every account (its optional
table was not given: contacts -> roles, invitations -> trend, followups,
voc_interviews).  The score is the weighted mean of the components the
account *has*: the weights of its missing components are dropped and the
rest re-normalised to sum to 1 (``weight_available`` says how much of the
weight was present).  Two "missing" values are data, not gaps: an account
that never answered gets ``days_since_response`` 0, and where the snapshot
has interviews at all, an account never interviewed gets ``days_since_voc``
0.  A component missing for every account is listed in
``HealthScore.missing_components``.

In a study (04)
---------------
::

    snaps = kr.churn.snapshots(programme, as_of=as_of)                 # past dates, with outcomes
    val = kr.accounts.validate_health(snaps, scores=kr.accounts.default_scores(weights),
                                      top_k=top_k, random_state=seed)
    ctx.save_table(val.summary, "health_validation")                   # worded by health_findings
    ctx.save_table(val.comparisons, "health_comparisons")
    ctx.save_table(val.reliability, "health_reliability")              # calibration_plot
    ctx.save_table(val.roc, "health_roc")                              # roc_curves
    ctx.save_account_table(val.top_k, "health_top_k")                  # single accounts: accounts/, not tables/
    kr.report.health_findings(val.summary, val.comparisons, confidence=confidence)
    lists = kr.accounts.action_lists(programme, as_of=today, weights="learned", history=snaps)
    kr.accounts.write_actions_xlsx(lists, ctx.output_dir)              # names contacts: run folder only
    ctx.save_table(kr.accounts.action_counts(lists), "action_counts")  # counts only, for the PDF
"""
from __future__ import annotations

import difflib
import numbers
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._result import Result
from .._validation import check_dataframe, check_number
from ..errors import DataError, ParameterError
from ..schema import DRIVERS, ROLES

__all__ = ["COMPONENTS", "DEFAULT_WEIGHTS", "DEFAULT_BANDS", "BANDS", "component_scores", "health_score",
           "HealthScore"]

#: Component -> the snapshot column(s) it is computed from.
COMPONENTS: dict[str, tuple[str, ...]] = {
    "account_nps": ("nps",),
    "response_rate_trend": ("response_rate_trend",),
    "days_since_response": ("days_since_response",),
    "days_since_voc": ("days_since_voc",),
    "roles_heard": ("n_roles",),
    "detractor_followup": ("detractor_followup_7d",),
    "driver_means": DRIVERS,
}

#: Administrator weights used when none are given (Kapta / Gainsight style: NPS and drivers lead).
DEFAULT_WEIGHTS: dict[str, float] = {
    "account_nps": 30, "driver_means": 20, "days_since_response": 15, "response_rate_trend": 10,
    "roles_heard": 10, "days_since_voc": 10, "detractor_followup": 5,
}

#: Health below the first cut is red, below the second amber, else green (administrator weights).
DEFAULT_BANDS = (40.0, 70.0)
#: Band labels, worst first; "not scored" when an account has none of the weighted components.
BANDS = ("red", "amber", "green", "not scored")

_VOC_FULL_DAYS, _YEAR = 120.0, 365.0
_TREND_FULL = 0.2  # response-rate slope per wave that reaches 0 or 100


def _clip100(x):
    return np.clip(x, 0.0, 100.0)


def component_scores(snapshot: pd.DataFrame, *, driver_scale=(1, 7)) -> pd.DataFrame:
    """Each health component of every snapshot row on its 0-100 scale (see the module notes).

    Parameters
    ----------
    snapshot : DataFrame
        Rows of :func:`kapta_research.churn.snapshot` (or
        :func:`~kapta_research.churn.snapshot_features`); a column that is
        absent counts as missing for every row.
    driver_scale : (low, high)
        Scale of the driver answers (the programme's ``driver_scale``).

    Returns
    -------
    DataFrame
        One column per component of :data:`COMPONENTS`, indexed like
        ``snapshot``; NaN where the component is missing.

    Examples
    --------
    >>> snap = pd.DataFrame({"nps": [-100.0, 0.0, 100.0], "days_since_response": [0.0, 182.5, np.nan]})
    >>> component_scores(snap)[["account_nps", "days_since_response"]].to_dict("list")
    {'account_nps': [0.0, 50.0, 100.0], 'days_since_response': [100.0, 50.0, 0.0]}
    """
    s = snapshot
    idx = s.index

    def col(name):
        return pd.to_numeric(s[name], errors="coerce").astype(float).to_numpy() if name in s \
            else np.full(len(s), np.nan)

    out = pd.DataFrame(index=idx)
    out["account_nps"] = (col("nps") + 100.0) / 2.0
    out["response_rate_trend"] = _clip100(50.0 + 50.0 * col("response_rate_trend") / _TREND_FULL)
    days = col("days_since_response")
    out["days_since_response"] = np.where(np.isnan(days), 0.0, _clip100(100.0 * (1 - days / _YEAR)))
    voc = col("days_since_voc")
    voc_score = _clip100(100.0 * (_YEAR - voc) / (_YEAR - _VOC_FULL_DAYS))
    # never interviewed is data where the snapshot has interviews at all; all-NaN = no voc table
    out["days_since_voc"] = np.where(np.isnan(voc), 0.0 if np.isfinite(voc).any() else np.nan, voc_score)
    out["roles_heard"] = _clip100(100.0 * col("n_roles") / len(ROLES))
    out["detractor_followup"] = 100.0 * col("detractor_followup_7d")
    lo, hi = (float(v) for v in driver_scale)
    drivers = [d for d in DRIVERS if d in s]
    if drivers:
        D = np.column_stack([col(d) for d in drivers])
        have = np.isfinite(D).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(have > 0, np.where(np.isfinite(D), D, 0.0).sum(axis=1) / np.maximum(have, 1), np.nan)
        out["driver_means"] = _clip100(100.0 * (means - lo) / (hi - lo))
    else:
        out["driver_means"] = np.nan
    return out


class HealthScore(Result):
    """Account health scores (see :func:`health_score`).

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per snapshot row (columns listed in :func:`health_score`).
    weights : dict
        Component -> weight (summing to 1) of an administrator score; for a
        learned score the standardised coefficients' share (see ``coefficients``).
    kind : str
        ``"administrator"`` or ``"learned"``.
    coefficients : pandas.DataFrame or None
        Learned score only: ``term`` (``intercept`` and each component),
        ``coef`` (log odds of churn per 10 points of the component),
        ``odds_ratio`` (per 10 points), ``std_coef`` (per standard deviation,
        what the penalty acts on), ``train_mean``, ``train_sd``, ``n_imputed``
        (training rows without the component, given its training mean).
    bands : tuple
        Health cut-offs between red/amber and amber/green.
    missing_components : list
        Weighted components missing for every row (their weight re-normalised away).
    n, n_by_band, learned_on, n_train, n_train_events, penalty
    """

    _title = "Account health score"
    _info = ("kind", "n", "n_by_band", "bands", "missing_components", "learned_on", "penalty")


def _check_weights(weights, *, func) -> dict:
    if not isinstance(weights, Mapping) or not weights:
        raise ParameterError(f"The 'weights' parameter of {func} must be None, 'learned' or a non-empty mapping of "
                             f"component -> weight ({', '.join(COMPONENTS)}). Got {weights!r} instead.")
    out = {}
    for name, w in weights.items():
        if name not in COMPONENTS:
            hint = difflib.get_close_matches(str(name), list(COMPONENTS), n=1)
            did = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ParameterError(f"The 'weights' parameter of {func} names an unknown component {name!r}{did}. "
                                 f"Components: {', '.join(COMPONENTS)}.")
        out[name] = float(check_number(w, name=f"weights[{name!r}]", func=func, low=0))
    if sum(out.values()) <= 0:
        raise ParameterError(f"The 'weights' parameter of {func} must give at least one component a positive "
                             f"weight. Got {weights!r} instead.")
    total = sum(out.values())
    return {k: v / total for k, v in out.items() if v > 0}


def _check_bands(bands, *, func):
    ok = (isinstance(bands, (tuple, list)) and len(bands) == 2
          and all(isinstance(b, numbers.Real) and not isinstance(b, bool) for b in bands)
          and 0 <= bands[0] <= bands[1] <= 100)
    if not ok:
        raise ParameterError(f"The 'bands' parameter of {func} must be two cut-offs (red/amber, amber/green) with "
                             f"0 <= first <= second <= 100. Got {bands!r} instead.")
    return float(bands[0]), float(bands[1])


def _band(health, cuts) -> pd.Categorical:
    h = np.asarray(health, float)
    labels = np.select([np.isnan(h), h < cuts[0], h < cuts[1]], ["not scored", "red", "amber"], default="green")
    return pd.Categorical(labels, categories=list(BANDS), ordered=True)


def _weighted(comp: pd.DataFrame, weights: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Health (weighted mean over available components), share of weight available, components used."""
    names = list(weights)
    S = comp[names].to_numpy(float)
    w = np.array([weights[n] for n in names])
    have = np.isfinite(S)
    wsum = (have * w).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        health = np.where(wsum > 0, (np.where(have, S, 0.0) * w).sum(axis=1) / np.where(wsum > 0, wsum, 1), np.nan)
    return health, wsum, have.sum(axis=1)


def _outcome(frame, *, func, name) -> np.ndarray:
    if "churned" not in frame:
        raise DataError(f"{func}: the {name} has no 'churned' column: learned weights need past snapshots with "
                        "their churn outcome (kapta_research.churn.snapshots)", column="churned")
    y = frame["churned"]
    if y.isna().any():
        raise DataError(f"{func}: the {name}'s 'churned' column has missing values", column="churned",
                        rows=list(frame.index[y.isna()]))
    return y.astype(bool).to_numpy(float)


def _learn(comp_train, y, *, penalty, func):
    """Penalised (L2) logistic regression of churn on the standardised component scores."""
    from sklearn.linear_model import LogisticRegression

    if y.sum() == 0 or y.sum() == len(y):
        what = "no account churned" if y.sum() == 0 else "every account churned"
        raise DataError(f"{func}: learned weights need churned and retained accounts in the history; {what} "
                        f"among its {len(y)} rows", column="churned")
    usable = [c for c in comp_train if np.isfinite(comp_train[c]).any() and np.nanstd(comp_train[c]) > 0]
    if not usable:
        raise DataError(f"{func}: no health component varies in the history, so no weights can be learned")
    X = comp_train[usable].to_numpy(float)
    mean = np.nanmean(X, axis=0)
    n_imp = (~np.isfinite(X)).sum(axis=0)
    X = np.where(np.isfinite(X), X, mean)
    sd = X.std(axis=0)
    model = LogisticRegression(C=penalty, solver="newton-cholesky", tol=1e-10, max_iter=1000)  # exact, fast
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit((X - mean) / sd, y)
    std_coef = model.coef_[0]
    coef = std_coef / sd  # per point
    intercept = float(model.intercept_[0] - (std_coef * mean / sd).sum())
    table = pd.DataFrame({"term": ["intercept", *usable], "coef": [intercept, *(10 * coef)],
                          "odds_ratio": [np.nan, *np.exp(10 * coef)], "std_coef": [np.nan, *std_coef],
                          "train_mean": [np.nan, *mean], "train_sd": [np.nan, *sd],
                          "n_imputed": [0, *n_imp.astype(int)]})
    return {"columns": usable, "mean": mean, "coef": coef, "intercept": intercept, "table": table,
            "base_rate": float(y.mean())}


def _predict(fit, comp) -> np.ndarray:
    X = comp[fit["columns"]].to_numpy(float)
    X = np.where(np.isfinite(X), X, fit["mean"])
    return 1.0 / (1.0 + np.exp(-(fit["intercept"] + X @ fit["coef"])))


def health_score(snapshot, *, weights=None, history=None, bands=None, driver_scale=(1, 7), penalty=1.0
                 ) -> HealthScore:
    """0-100 account health score and red/amber/green band from named components.

    Parameters
    ----------
    snapshot : DataFrame
        Accounts to score: rows of :func:`kapta_research.churn.snapshot`,
        :func:`~kapta_research.churn.snapshots` or
        :func:`~kapta_research.churn.snapshot_features` (features dated
        before each row's ``as_of``).
    weights : None, mapping or "learned"
        A mapping component -> weight (any non-negative numbers; they are
        normalised to sum to 1) is an administrator score, as in Kapta or
        Gainsight scorecards; components are those of :data:`COMPONENTS`, an
        unknown name is an error with a did-you-mean.  None uses
        :data:`DEFAULT_WEIGHTS`.  ``"learned"`` fits a penalised (L2)
        logistic regression of ``churned`` on the standardised component
        scores of ``history`` (scikit-learn ``LogisticRegression``, ``C =
        penalty``, Newton-Cholesky solver); the health is then ``100 * (1 - p)``, ``p`` the predicted
        churn probability, and the coefficients are in
        ``result.coefficients``.  A component missing for a row is given its
        training mean (counted in ``n_imputed``).
    history : DataFrame, optional
        Past snapshots with their ``churned`` outcome to learn from
        (``weights="learned"`` only).  Default: ``snapshot`` itself, which
        is then in-sample (``learned_on`` says so); to judge a learned score
        use :func:`validate_health`, which learns on earlier dates only.
    bands : (float, float), optional
        Health cut-offs: below the first red, below the second amber, else
        green.  Default :data:`DEFAULT_BANDS` (40, 70) for administrator
        weights; for learned weights the cuts where the predicted churn risk
        is twice and once the history's churn rate (red = at least twice the
        portfolio's risk).
    driver_scale : (low, high)
        Scale of the driver answers.
    penalty : float
        Inverse L2 penalty strength ``C`` of the learned model (default 1.0).

    Returns
    -------
    HealthScore
        ``summary`` columns: ``account_id`` and ``as_of`` (when in the
        snapshot), ``health`` (0-100, unrounded), ``band`` (:data:`BANDS`),
        ``p_churn`` (learned weights: predicted churn probability within the
        history's horizon; NaN for administrator weights),
        ``n_components`` (weighted components the row has),
        ``weight_available`` (share of the weight they carry; 1 = nothing
        missing), then one column per component with its 0-100 score
        (:func:`component_scores`).

    Raises
    ------
    ParameterError
        Unknown component in ``weights``, weights not non-negative numbers
        or all zero, bad ``bands``.
    DataError
        ``weights="learned"`` with a history without ``churned`` or with only
        one outcome.

    Examples
    --------
    >>> import kapta_research as kr
    >>> from kapta_research.accounts.health import health_score
    >>> snap = kr.churn.snapshot(kr.load_sample(), as_of="2025-01-01")
    >>> hs = health_score(snap, weights={"account_nps": 2, "days_since_response": 1})
    >>> hs.weights
    {'account_nps': 0.6666666666666666, 'days_since_response': 0.3333333333333333}
    >>> bool(hs.summary["health"].between(0, 100).all()), list(hs.summary["band"].cat.categories)
    (True, ['red', 'amber', 'green', 'not scored'])
    >>> learned = health_score(snap, weights="learned")
    >>> learned.learned_on
    'the scored snapshot itself (in-sample)'
    >>> list(learned.coefficients.columns)
    ['term', 'coef', 'odds_ratio', 'std_coef', 'train_mean', 'train_sd', 'n_imputed']
    """
    func = "health_score"
    snapshot = check_dataframe(snapshot, func=func, name="snapshot")
    learned = isinstance(weights, str) and weights == "learned"
    if isinstance(weights, str) and not learned:
        hint = " (did you mean 'learned'?)" if difflib.get_close_matches(weights, ["learned"], n=1) else ""
        raise ParameterError(f"The 'weights' parameter of {func} must be None, 'learned' or a mapping of component "
                             f"-> weight. Got {weights!r} instead{hint}.")
    if history is not None and not learned:
        raise ParameterError(f"The 'history' parameter of {func} is used only with weights='learned'. "
                             f"Got a history with weights={weights!r} instead.")
    lo, hi = (check_number(v, name="driver_scale", func=func) for v in driver_scale)
    if not hi > lo:
        raise ParameterError(f"The 'driver_scale' parameter of {func} must be (low, high) with low < high. "
                             f"Got {driver_scale!r} instead.")
    penalty = float(check_number(penalty, name="penalty", func=func, low=0, low_open=True))
    comp = component_scores(snapshot, driver_scale=(lo, hi))
    out = HealthScore()
    out.kind = "learned" if learned else "administrator"
    out.penalty = penalty if learned else None
    if learned:
        hist = snapshot if history is None else check_dataframe(history, func=func, name="history")
        out.learned_on = ("the scored snapshot itself (in-sample)" if history is None
                          else f"a history of {len(hist)} snapshot rows")
        y = _outcome(hist, func=func, name="history" if history is not None else "snapshot")
        hist_comp = comp if history is None else component_scores(hist, driver_scale=(lo, hi))
        fit = _learn(hist_comp, y, penalty=penalty, func=func)
        p = _predict(fit, comp)
        health = 100.0 * (1.0 - p)
        wsum = np.ones(len(comp))
        n_comp = np.isfinite(comp[fit["columns"]].to_numpy(float)).sum(axis=1)
        std = np.abs(fit["table"]["std_coef"].to_numpy()[1:])
        out.weights = dict(zip(fit["columns"], (std / std.sum()).tolist())) if std.sum() > 0 else {}
        out.coefficients = fit["table"]
        out.missing_components = [c for c in COMPONENTS if c not in fit["columns"]]
        base = fit["base_rate"]
        default_bands = (100.0 * (1 - min(1.0, 2 * base)), 100.0 * (1 - base))
        out.n_train, out.n_train_events = len(y), int(y.sum())
    else:
        w = _check_weights(DEFAULT_WEIGHTS if weights is None else weights, func=func)
        health, wsum, n_comp = _weighted(comp, w)
        p = np.full(len(comp), np.nan)
        out.weights, out.coefficients, out.learned_on = w, None, None
        out.missing_components = [c for c in w if not np.isfinite(comp[c]).any()]
        default_bands = DEFAULT_BANDS
        out.n_train = out.n_train_events = None
    out.bands = default_bands if bands is None else _check_bands(bands, func=func)
    summary = pd.DataFrame(index=snapshot.index)
    for c in ("account_id", "as_of"):
        if c in snapshot:
            summary[c] = snapshot[c].to_numpy()
    summary["health"] = health
    summary["band"] = _band(health, out.bands)
    summary["p_churn"] = p
    summary["n_components"] = np.asarray(n_comp, int)
    summary["weight_available"] = wsum
    out.summary = pd.concat([summary, comp], axis=1).reset_index(drop=True)
    out.n = len(summary)
    out.n_by_band = {b: int((summary["band"] == b).sum()) for b in BANDS}
    return out


# validate_health lives in its own module (this one would pass 600 lines) and is part of this API.
from ._health_validate import HealthValidation, default_scores, time_split, validate_health  # noqa: E402

__all__ += ["validate_health", "HealthValidation", "default_scores", "time_split"]
