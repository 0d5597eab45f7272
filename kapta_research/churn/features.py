"""Point-in-time account snapshots for churn analyses.

Only data dated strictly before ``as_of`` enter a feature; the outcome looks
forward from ``as_of``.  Adding later responses, follow-ups or interviews
therefore changes no feature (tested).  When the programme's responses are held
in an engine (``Programme.engine_tables``: DuckDB, Parquet, Spark), the
response, invitation and follow-up features are engine queries with the
``as_of`` filter applied in the engine (:mod:`kapta_research.engines`); the same
numbers, and the same leakage test.

Each feature family is a function of its own, taking the whole programme
(or its tables) and ``as_of`` and filtering by date itself, so that each can
be tested for leakage alone: :func:`survey_features`,
:func:`response_rate_features`, :func:`recency_features`,
:func:`voc_features`, :func:`followup_features`, :func:`value_features`;
:func:`churn_outcome` builds the outcome.

Optional tables
---------------
Only responses and accounts are needed.  A feature whose table was not
given is NaN for every account: ``n_roles`` and ``has_decision_maker``
without contacts, ``response_rate`` and ``response_rate_trend`` without
invitations, ``days_since_voc`` without voc_interviews,
``detractor_followup_7d`` without followups.  When the loader records which
tables were given (``Programme.provided``), a table given with a header only
is data ("no follow-ups yet"): ``detractor_followup_7d`` is then 0 for
accounts with detractors; without that record an empty table counts as not
given.  ``days_since_voc`` is NaN for an account without an interview either way.
Without churn dates in accounts there is no outcome and :func:`snapshot`
raises a :class:`~kapta_research.errors.DataError` saying so.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._validation import check_int
from ..errors import DataError, ParameterError
from ..rules import NPS_BANDS, category_codes, followed_up_within, nps_band, nps_from_counts
from ..stats.auc import delong
from ..stats.resample import DEFAULT_N_BOOT

__all__ = ["snapshot", "snapshots", "score_freshness", "observed_until", "SNAPSHOT_FEATURES", "NPS_BANDS",
           "TREND_BANDS", "survey_features", "response_rate_features", "recency_features", "voc_features",
           "followup_features", "value_features", "tenure_features", "churn_outcome", "account_mix",
           "snapshot_features"]

#: Feature columns of a snapshot besides the drivers.
SNAPSHOT_FEATURES = ("nps", "pct_promoters", "pct_passives", "pct_detractors", "n_responses", "n_respondents",
                     "n_roles", "has_decision_maker", "response_rate", "response_rate_trend",
                     "days_since_response", "latest_nps", "days_since_voc", "detractor_followup_7d",
                     "annual_value", "log_value", "tenure_days")

#: Response-rate trend bands (``response_trend_band``): slope per wave beyond ±TREND_THRESHOLD.
TREND_BANDS = ("falling", "stable", "rising", "not enough waves")
TREND_THRESHOLD = 0.05


def _provided(programme, table: str, column: str | None = None) -> bool:
    """Whether the user gave ``table`` (and ``column``): the loader's record, else "has rows".

    The loader's record (``Programme.provided``) exists for programmes read
    from files; a programme built in code (``Programme(**tables)``, e.g. from
    :func:`kapta_research.simulate.simulate_programme`) has none, and then a
    table counts as given when it has rows (a column when it has a value).
    """
    provided = getattr(programme, "provided", None)
    if callable(provided) and getattr(programme, "supplied", None):
        return bool(provided(table, column))
    frame = getattr(programme, table)
    if column is None:
        return len(frame) > 0
    return column in frame and bool(frame[column].notna().any())


def observed_until(programme) -> pd.Timestamp:
    """Latest date the programme's data cover (responses, invitations, follow-ups, interviews, churn)."""
    dates = [programme.responses.get("responded_at"), programme.invitations.get("sent_at"),
             programme.followups.get("followed_up_at"), programme.voc_interviews.get("interview_date"),
             programme.accounts.get("churn_date")]
    found = [pd.Series(d).max() for d in dates if d is not None and len(d) and pd.Series(d).notna().any()]
    if not found:
        raise DataError("the programme has no dated records")
    return max(found)


def _as_timestamp(value, name, func):
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        ts = pd.NaT
    if pd.isna(ts):
        raise ParameterError(f"The '{name}' parameter of {func} must be a date (e.g. '2025-01-01'). "
                             f"Got {value!r} instead.")
    return ts


def account_mix(responses: pd.DataFrame) -> pd.DataFrame:
    """Account NPS (points) and promoter/passive/detractor shares (%) over scored responses.

    Computed from integer counts, ``100 · (n_promoters − n_detractors) / n``
    (:func:`kapta_research.rules.nps_from_counts`), so equal mixes give
    bit-identical scores and an account at exactly +50 is in the "50 or more"
    band.  Accounts without a scored response are absent.
    """
    scored = responses.dropna(subset=["ltr"])
    codes = category_codes(scored["ltr"].to_numpy(float))
    counts = pd.DataFrame({"pro": codes == 1, "pas": codes == 0, "det": codes == -1},
                          index=scored.index).groupby(scored["account_id"]).sum()
    n = counts.sum(axis=1).to_numpy(float)
    pro, pas, det = (counts[c].to_numpy(float) for c in ("pro", "pas", "det"))
    return pd.DataFrame({"nps": nps_from_counts(pro, det, n), "pct_promoters": 100.0 * pro / n,
                         "pct_passives": 100.0 * pas / n, "pct_detractors": 100.0 * det / n},
                        index=counts.index)


def _engine(programme) -> dict:
    """Tables of the programme held in an engine (DuckDB, Parquet, Spark): the features are then
    engine queries with the ``as_of`` filter applied in the engine (:mod:`kapta_research.engines`)."""
    eng = getattr(programme, "engine_tables", None)
    if not eng or "responses" not in eng:
        return {}
    from ..engines._churn import engine_tables
    return engine_tables(programme)


def _lookback_waves(programme, as_of, lookback_waves) -> set:
    eng = _engine(programme)
    if eng:
        from ..engines._churn import lookback_waves as on_engine
        return on_engine(eng, programme, as_of=as_of, lookback_waves=lookback_waves)
    inv = programme.invitations
    inv = inv[inv["sent_at"] < as_of]
    resp = programme.responses[programme.responses["responded_at"] < as_of]
    waves_seen = sorted(inv["wave"].unique()) if len(inv) else sorted(resp["wave"].unique())
    return set(waves_seen[-lookback_waves:])


def survey_features(programme, *, as_of, waves) -> pd.DataFrame:
    """NPS mix, response and respondent counts, roles and driver means over the lookback ``waves``.

    One row per account that answered in ``waves`` before ``as_of`` (also
    when none of its answers has an LTR score).  ``n_roles`` and
    ``has_decision_maker`` are NaN without a contacts table.
    """
    eng = _engine(programme)
    if eng:
        from ..engines._churn import survey_features as on_engine
        return on_engine(eng, programme, as_of=as_of, waves=waves, with_roles=_provided(programme, "contacts"))
    resp = programme.responses
    r = resp[(resp["responded_at"] < as_of) & resp["wave"].isin(waves)]
    g = r.groupby("account_id")
    feats = account_mix(r).reindex(g.size().index)
    feats["n_responses"] = g.size()
    if "contact_id" in r and r["contact_id"].notna().any():
        feats["n_respondents"] = g["contact_id"].nunique()
        if _provided(programme, "contacts"):
            rr = r.merge(programme.contacts[["contact_id", "role"]], on="contact_id", how="left")
            feats["n_roles"] = rr.groupby("account_id")["role"].nunique()
            feats["has_decision_maker"] = (rr["role"] == "decision_maker").groupby(rr["account_id"]).any()
    for d in programme.drivers:
        feats[d] = g[d].mean()
    return feats


def response_rate_features(programme, *, as_of, waves) -> pd.DataFrame:
    """Response rate (0-1) over the lookback ``waves`` and its least-squares trend per wave.

    One row per invited account; empty (so NaN features) without invitations.
    """
    cols = ["response_rate", "response_rate_trend"]
    eng = _engine(programme)
    counts = None
    if eng:
        from ..engines._churn import response_counts
        counts = response_counts(eng, programme, as_of=as_of, waves=waves)
    if counts is None:
        inv = programme.invitations
        inv = inv[(inv["sent_at"] < as_of) & inv["wave"].isin(waves)]
        resp = programme.responses[programme.responses["responded_at"] < as_of]
        if len(inv) and eng:   # invitations in memory, responses in the engine
            from ..engines._churn import _before
            r = _before(eng["responses"], "responded_at", as_of)
            answered = set(r.select(r["invitation_id"].cast("string").name("i")).distinct().execute()["i"].dropna())
        else:
            answered = set(resp["invitation_id"].dropna())
        i = inv.assign(responded=inv["invitation_id"].isin(answered))
        counts = i.groupby(["account_id", "wave"])["responded"].agg(n="size", k="sum").reset_index()
    if not len(counts):
        return pd.DataFrame(columns=cols, dtype=float)
    return _rates_from_counts(counts)


def _rates_from_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """Response rate and its per-wave trend from invitation (``n``) and response (``k``) counts per
    (``account_id``, ``wave``): the one computation of the in-memory and the engine path."""
    counts = counts.sort_values(["account_id", "wave"], kind="stable").reset_index(drop=True)
    per = counts.assign(rate=counts["k"].astype(float) / counts["n"].astype(float))[["account_id", "wave", "rate"]]
    tot = counts.groupby("account_id")[["k", "n"]].sum()
    rate = (tot["k"].astype(float) / tot["n"].astype(float)).rename("response_rate")
    # least-squares slope per account: cov(wave, rate) / var(wave), NaN with fewer than 2 waves
    gw = per.groupby("account_id")
    xc = per["wave"] - gw["wave"].transform("mean")
    yc = per["rate"] - gw["rate"].transform("mean")
    sxx = (xc * xc).groupby(per["account_id"]).sum()
    sxy = (xc * yc).groupby(per["account_id"]).sum()
    trend = (sxy / sxx.where(sxx > 0)).rename("response_rate_trend")
    return pd.concat([rate, trend], axis=1)


def recency_features(programme, *, as_of) -> pd.DataFrame:
    """Days since the account's latest response, and its latest wave's NPS (all responses before ``as_of``)."""
    eng = _engine(programme)
    if eng:
        from ..engines._churn import recency_counts
        res = recency_counts(eng, as_of=as_of)
        last = pd.to_datetime(res["last"])
        out = pd.DataFrame({"days_since_response": (as_of - last).dt.days.astype(float)})
        n = res["k_n"].to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["latest_nps"] = np.where(n > 0, nps_from_counts(res["k_pro"].to_numpy(float),
                                                                res["k_det"].to_numpy(float), n), np.nan)
        return out
    resp = programme.responses[programme.responses["responded_at"] < as_of]
    last = resp.groupby("account_id")["responded_at"].max()
    out = pd.DataFrame({"days_since_response": (as_of - last).dt.days.astype(float)})
    latest_wave = resp.groupby("account_id")["wave"].max()
    lw = resp[resp["wave"] == resp["account_id"].map(latest_wave)]
    out["latest_nps"] = account_mix(lw)["nps"]
    return out


def voc_features(programme, *, as_of) -> pd.DataFrame:
    """Days since the account's latest voice-of-customer interview before ``as_of`` (NaN without one)."""
    voc = programme.voc_interviews
    voc = voc[voc["interview_date"].notna() & (voc["interview_date"] < as_of)]
    last = pd.to_datetime(voc.groupby("account_id")["interview_date"].max())
    return pd.DataFrame({"days_since_voc": (as_of - last).dt.days.astype(float)})


def followup_features(programme, *, as_of, waves) -> pd.DataFrame:
    """Share of the lookback's detractors followed up within the window of :mod:`kapta_research.rules`.

    Only follow-ups dated before ``as_of`` count.  Empty (NaN feature)
    without a followups table.
    """
    if not _provided(programme, "followups"):
        return pd.DataFrame(columns=["detractor_followup_7d"], dtype=float)
    eng = _engine(programme)
    if eng:
        from ..engines._churn import followup_shares
        return pd.DataFrame({"detractor_followup_7d": followup_shares(eng, programme, as_of=as_of, waves=waves)})
    resp = programme.responses
    r = resp[(resp["responded_at"] < as_of) & resp["wave"].isin(waves)]
    det = r[category_codes(r["ltr"].to_numpy(float)) == -1][["response_id", "account_id", "responded_at"]]
    fu = programme.followups
    fu = fu[fu["followed_up_at"] < as_of][["response_id", "followed_up_at"]]
    det = det.merge(fu, on="response_id", how="left")
    ok = pd.Series(followed_up_within(det["responded_at"], det["followed_up_at"]), index=det.index)
    return pd.DataFrame({"detractor_followup_7d": ok.groupby(det["account_id"]).mean()})


def value_features(accounts: pd.DataFrame) -> pd.DataFrame:
    """Annual value and its natural log (NaN where not positive), indexed like ``accounts``."""
    value = accounts["annual_value"].astype(float) if "annual_value" in accounts \
        else pd.Series(np.nan, index=accounts.index)
    return pd.DataFrame({"annual_value": value.to_numpy(float),
                         "log_value": np.log(value.where(value > 0)).to_numpy(float)}, index=accounts.index)


def tenure_features(accounts: pd.DataFrame, *, as_of) -> pd.DataFrame:
    """Days a customer at ``as_of`` (``as_of - customer_since``; NaN without ``customer_since``).

    ``customer_since`` is an account attribute fixed before ``as_of`` for every
    account active at ``as_of`` (the snapshot keeps only accounts with
    ``customer_since < as_of``), so tenure uses nothing dated after the snapshot.
    """
    since = pd.to_datetime(accounts["customer_since"]) if "customer_since" in accounts \
        else pd.Series(pd.NaT, index=accounts.index, dtype="datetime64[ns]")
    days = (pd.Timestamp(as_of) - since).dt.days.astype(float)
    return pd.DataFrame({"tenure_days": days.where(since < pd.Timestamp(as_of)).to_numpy(float)},
                        index=accounts.index)


def _check_churn_columns(programme, *, func) -> None:
    """Refuse a programme whose accounts carry no churn outcome (not the same as "no churn events")."""
    acc = programme.accounts
    if not _provided(programme, "accounts", "churn_date"):
        has_flag = _provided(programme, "accounts", "churned") and "churned" in acc and \
            bool(acc["churned"].fillna(False).astype(bool).any())
        if has_flag or not _provided(programme, "accounts", "churned"):
            what = ("marks churned accounts but has no churn dates (churn_date)" if has_flag
                    else "has no churn columns (churned, churn_date)")
            raise DataError(
                f"{func}: churn outcomes are missing: the accounts table {what}, so churn after a "
                f"snapshot date cannot be known. Add churned and churn_date to the accounts table",
                column="churn_date")
    if "churned" in acc and "churn_date" in acc:
        undated = acc["churned"].fillna(False).astype(bool) & acc["churn_date"].isna()
        if undated.any():
            from .._validation import row_labels, source_of
            raise DataError(f"{func}: churned accounts need a churn date (churn_date is empty)",
                            file=source_of(acc), column="churn_date", rows=row_labels(acc, undated),
                            values=list(acc.loc[undated, "account_id"]))


def churn_outcome(accounts: pd.DataFrame, account_ids: pd.Series, *, as_of, horizon_days, until) -> pd.DataFrame:
    """``churned`` (within ``horizon_days`` after ``as_of``), ``event`` (by ``until``) and ``days_to_event``."""
    cd = account_ids.map(accounts.set_index("account_id")["churn_date"]) if "churn_date" in accounts \
        else pd.Series(pd.NaT, index=account_ids.index, dtype="datetime64[ns]")
    horizon_end = as_of + pd.Timedelta(days=horizon_days)
    event = (cd.notna() & (cd <= until)).to_numpy()
    return pd.DataFrame({
        "churned": (cd.notna() & (cd <= horizon_end)).to_numpy(),
        "event": event,
        "days_to_event": np.where(event, (cd - as_of).dt.days, (until - as_of).days).astype(float),
    }, index=account_ids.index)


def _check_programme(programme, *, func) -> None:
    """Refuse anything but a Programme (a DataFrame passed by mistake gets a plain message)."""
    from ..io import Programme
    if not isinstance(programme, Programme):
        raise ParameterError(f"The 'programme' parameter of {func} must be a Programme (from kr.load_programme or "
                             f"kr.load_sample). Got {type(programme).__name__} instead.")


def _check_snapshot_args(programme, *, as_of, horizon_days, lookback_waves, until, func):
    _check_programme(programme, func=func)
    as_of = _as_timestamp(as_of, "as_of", func)
    horizon_days = check_int(horizon_days, name="horizon_days", func=func, low=1)
    lookback_waves = check_int(lookback_waves, name="lookback_waves", func=func, low=1)
    end = observed_until(programme) if until is None else _as_timestamp(until, "until", func)
    p = programme
    first = min(x for x in (p.responses["responded_at"].min(), p.invitations["sent_at"].min() if len(p.invitations)
                            else pd.NaT) if pd.notna(x))
    if as_of <= first:
        raise ParameterError(f"The 'as_of' parameter of {func} must be after the first survey data "
                             f"({first.date()}). Got {as_of.date()} instead.")
    if as_of + pd.Timedelta(days=horizon_days) > end:
        raise ParameterError(
            f"The outcome window of {func} ({as_of.date()} + {horizon_days} days = "
            f"{(as_of + pd.Timedelta(days=horizon_days)).date()}) runs past the end of the data ({end.date()}), "
            "so churn would be unknown for survivors: choose an earlier 'as_of' or a shorter 'horizon_days'.")
    return as_of, horizon_days, lookback_waves, end


def _active_accounts(programme, as_of) -> pd.DataFrame:
    """Accounts that are customers at ``as_of``: joined before it and not churned by it."""
    acc = programme.accounts
    churn_date = acc["churn_date"] if "churn_date" in acc else pd.Series(pd.NaT, index=acc.index)
    since = acc["customer_since"] if "customer_since" in acc else pd.Series(pd.NaT, index=acc.index)
    active = (churn_date.isna() | (churn_date > as_of)) & (since.isna() | (since < as_of))
    return acc[active].reset_index(drop=True)


def _features(p, *, as_of, lookback_waves) -> pd.DataFrame:
    """The feature columns of :func:`snapshot` (no outcome), one row per account active at ``as_of``."""
    acc = _active_accounts(p, as_of)
    if len(acc) == 0:
        raise DataError(f"no account is active at {as_of.date()}")
    out = pd.DataFrame({"account_id": acc["account_id"], "as_of": as_of})
    for c in ("segment", "region"):
        if c in acc:
            out[c] = acc[c].to_numpy()

    look = _lookback_waves(p, as_of, lookback_waves)
    feats = survey_features(p, as_of=as_of, waves=look)
    out = out.merge(feats, left_on="account_id", right_index=True, how="left")
    for c in ("n_responses", "n_respondents"):
        if c in out:
            out[c] = out[c].fillna(0).astype(int)
    if "n_roles" in out:
        out["n_roles"] = out["n_roles"].fillna(0).astype(int)
        out["has_decision_maker"] = out["has_decision_maker"].astype("boolean").fillna(False).astype(bool)
    else:  # no contacts table: roles unknown
        at = out.columns.get_loc("n_respondents") + 1 if "n_respondents" in out else len(out.columns)
        out.insert(at, "n_roles", np.nan)
        out.insert(at + 1, "has_decision_maker", np.nan)

    ids = out["account_id"]
    rates = response_rate_features(p, as_of=as_of, waves=look)
    for c in rates.columns:
        out[c] = ids.map(rates[c]).astype(float)
    recency = recency_features(p, as_of=as_of)
    out["days_since_response"] = ids.map(recency["days_since_response"]).astype(float)
    if len(recency):
        out["latest_nps"] = ids.map(recency["latest_nps"])
    out["days_since_voc"] = ids.map(voc_features(p, as_of=as_of)["days_since_voc"]).astype(float)
    out["detractor_followup_7d"] = ids.map(followup_features(p, as_of=as_of, waves=look)["detractor_followup_7d"]
                                           ).astype(float)
    values = value_features(acc)
    out["annual_value"] = values["annual_value"].to_numpy()
    out["log_value"] = values["log_value"].to_numpy()
    out["tenure_days"] = tenure_features(acc, as_of=as_of)["tenure_days"].to_numpy()

    out["nps_band"] = nps_band(out["nps"].to_numpy(float))
    trend = out["response_rate_trend"]
    out["response_trend_band"] = pd.Categorical(
        np.select([trend.isna(), trend <= -TREND_THRESHOLD, trend >= TREND_THRESHOLD],
                  ["not enough waves", "falling", "rising"], default="stable"),
        categories=TREND_BANDS, ordered=True)
    return out


def snapshot(programme, *, as_of, horizon_days=365, lookback_waves=4, until=None) -> pd.DataFrame:
    """One row per account active at ``as_of``: survey features and the churn outcome.

    Parameters
    ----------
    programme : Programme
    as_of : str or Timestamp
        The snapshot date.  Features use only records dated before it.
    horizon_days : int
        Outcome window: ``churned`` is True when the account churns within
        ``horizon_days`` after ``as_of``.
    lookback_waves : int
        Survey features use the latest ``lookback_waves`` waves invited
        before ``as_of``.
    until : str or Timestamp, optional
        End of observation (default: :func:`observed_until`).  The horizon
        must end by then, else ``churned`` would be unknown for survivors.

    Returns
    -------
    DataFrame
        ``account_id``, ``as_of``, ``segment``, ``region`` (when present),
        the features in :data:`SNAPSHOT_FEATURES` — account NPS (points, from
        integer counts) and P/P/D shares (%) over the lookback,
        ``n_responses``, ``n_respondents``, ``n_roles``,
        ``has_decision_maker``, ``response_rate`` (0-1) and
        ``response_rate_trend`` (least-squares slope of the per-wave rate,
        per wave), ``days_since_response``, ``latest_nps`` (the latest wave's
        account NPS), ``days_since_voc``, ``detractor_followup_7d`` (share of
        the lookback's detractors followed up within 7 days), ``annual_value``,
        ``log_value``, ``tenure_days`` (days a customer, from
        ``customer_since``; NaN without it) — the mean of every driver over the lookback,
        ``nps_band`` (:data:`NPS_BANDS`), ``response_trend_band``
        (:data:`TREND_BANDS`: a slope of the response rate beyond ±5 points
        per wave counts as falling / rising), and the
        outcome: ``churned`` (bool), ``days_to_event`` and ``event`` (churn
        observed by ``until``; for survival models).  Accounts without
        responses in the lookback have NaN survey features; features of an
        optional table that was not given are NaN (see the module notes).
        ``n_roles`` and ``has_decision_maker`` are NaN without contacts.

    Raises
    ------
    DataError
        Accounts without churn dates ("churn outcomes are missing"), or no
        account active at ``as_of``.

    Examples
    --------
    >>> import kapta_research as kr
    >>> snap = kr.churn.snapshot(kr.load_sample(), as_of="2025-01-01")
    >>> int(snap["churned"].sum()) > 0, bool((snap["days_to_event"] > 0).all())
    (True, True)
    """
    func = "snapshot"
    as_of, horizon_days, lookback_waves, end = _check_snapshot_args(
        programme, as_of=as_of, horizon_days=horizon_days, lookback_waves=lookback_waves, until=until, func=func)
    p = programme
    _check_churn_columns(p, func=func)
    out = _features(p, as_of=as_of, lookback_waves=lookback_waves)
    ids = out["account_id"]
    outcome = churn_outcome(p.accounts, ids, as_of=as_of, horizon_days=horizon_days, until=end)
    for c in outcome.columns:
        out[c] = outcome[c].to_numpy()
    return out


def snapshot_features(programme, *, as_of, lookback_waves=4) -> pd.DataFrame:
    """The features of :func:`snapshot` without the churn outcome: for scoring accounts today.

    A snapshot needs its outcome window to lie inside the data; scoring the
    accounts active *now* (health score, action lists) needs only the
    features, which use records dated before ``as_of`` exactly as in
    :func:`snapshot` (same columns, without ``churned``, ``days_to_event``
    and ``event``; no churn columns are required).

    Parameters
    ----------
    programme : Programme
    as_of : str or Timestamp
        After the first survey data; may be the end of the data or later.
    lookback_waves : int

    Returns
    -------
    DataFrame
        One row per account active at ``as_of`` (joined before it, not
        churned by it); the feature columns listed in :func:`snapshot`.

    Examples
    --------
    >>> import kapta_research as kr
    >>> now = kr.churn.snapshot_features(kr.load_sample(), as_of="2026-01-12")
    >>> "churned" in now, bool(now["tenure_days"].gt(0).all())
    (False, True)
    """
    func = "snapshot_features"
    _check_programme(programme, func=func)
    as_of = _as_timestamp(as_of, "as_of", func)
    lookback_waves = check_int(lookback_waves, name="lookback_waves", func=func, low=1)
    first = programme.responses["responded_at"].min()
    if pd.isna(first) or as_of <= first:
        raise ParameterError(f"The 'as_of' parameter of {func} must be after the first survey data "
                             f"({getattr(first, 'date', lambda: first)()}). Got {as_of.date()} instead.")
    return _features(programme, as_of=as_of, lookback_waves=lookback_waves)


def snapshots(programme, *, as_of, horizon_days=365, lookback_waves=4, until=None) -> pd.DataFrame:
    """Stack :func:`snapshot` over several dates (more events; cluster by ``account_id``).

    Parameters
    ----------
    as_of : list of dates
    horizon_days, lookback_waves, until : as in :func:`snapshot`

    Returns
    -------
    DataFrame
        The snapshot columns, one row per (account, as_of).
    """
    if isinstance(as_of, (str, pd.Timestamp)) or not hasattr(as_of, "__iter__"):
        as_of = [as_of]
    as_of = list(as_of)
    if not as_of:
        raise ParameterError("The 'as_of' parameter of snapshots must list at least one date. Got [] instead.")
    frames = [snapshot(programme, as_of=a, horizon_days=horizon_days, lookback_waves=lookback_waves, until=until)
              for a in as_of]
    return pd.concat(frames, ignore_index=True)


def _check_freshness_cluster(cluster, *, func):
    """``cluster``: a snapshot column name or None; the old booleans map onto them with a warning."""
    if isinstance(cluster, bool):
        new = "account_id" if cluster else None
        warnings.warn(f"The 'cluster' parameter of {func} takes a column name or None; "
                      f"cluster={cluster} is deprecated, use cluster={new!r}.", DeprecationWarning, stacklevel=3)
        return new
    if cluster is not None and not isinstance(cluster, str):
        raise ParameterError(f"The 'cluster' parameter of {func} must be a column name of the snapshot (str) "
                             f"or None. Got {cluster!r} instead.")
    return cluster


def _freshness_scores(programme, *, dates, horizon_days, lags) -> pd.DataFrame:
    """Per (snapshot date, lag): each account's one-wave NPS, its age and the churn outcome."""
    parts = []
    for a in dates:
        snap = snapshot(programme, as_of=a, horizon_days=horizon_days, lookback_waves=1)
        ts = snap["as_of"].iloc[0]
        resp = programme.responses[programme.responses["responded_at"] < ts]
        waves = sorted(resp["wave"].unique())
        for k in lags:
            if k >= len(waves):
                continue
            w = waves[-1 - k]
            rw = resp[resp["wave"] == w]
            score = account_mix(rw)["nps"]
            age = (ts - rw.groupby("account_id")["responded_at"].max()).dt.days
            part = snap.assign(lag_waves=k, score=snap["account_id"].map(score),
                               age=snap["account_id"].map(age))
            parts.append(part.dropna(subset=["score"]))
    if not parts:
        return pd.DataFrame(columns=["account_id", "churned", "lag_waves", "score", "age"])
    return pd.concat(parts, ignore_index=True)


def _freshness_row(sub, *, cluster, confidence, n_boot, rng, func) -> dict:
    """AUC of lower NPS for churn with its cluster-bootstrap percentile interval (one lag)."""
    from ..stats.auc import cluster_bootstrap_aucs
    y = sub["churned"].astype(bool).to_numpy()
    nan = float("nan")
    if y.sum() == 0 or (~y).sum() == 0:
        return {"auc": nan, "ci_low": nan, "ci_high": nan, "n_boot_failed": 0}
    s = -sub["score"].to_numpy(float)
    auc = float(delong(y.astype(float), s[None, :])[0][0])
    codes = (pd.factorize(sub[cluster].to_numpy())[0] if cluster is not None else np.arange(len(sub)))
    try:
        boot = cluster_bootstrap_aucs(y.astype(float), s[None, :], codes, n_boot=n_boot, random_state=rng,
                                      func=func)
    except DataError:  # every replicate drew one class only (or a single cluster): no interval
        return {"auc": auc, "ci_low": nan, "ci_high": nan, "n_boot_failed": n_boot}
    lo, hi = boot.interval(confidence)
    return {"auc": auc, "ci_low": float(lo[0]), "ci_high": float(hi[0]), "n_boot_failed": boot.n_failed}


def score_freshness(programme, *, as_of, horizon_days=365, lags=(0, 1, 2, 3), cluster="account_id",
                    confidence=0.95, n_boot=DEFAULT_N_BOOT, random_state=None) -> pd.DataFrame:
    """How well an account's NPS predicts churn as the score ages.

    Tests "NPS scores go bad quickly" on your own data.  At each snapshot
    date the account NPS is measured from one wave only: the latest wave
    before ``as_of`` (lag 0), the wave before it (lag 1), and so on.  Each
    lag's AUC for churn within ``horizon_days`` is computed on the accounts
    that answered in that wave, with a bootstrap CI that resamples clusters
    (accounts by default).  A falling AUC with the lag means the score goes
    stale.

    Parameters
    ----------
    programme : Programme
    as_of : str or list of str
        Snapshot date(s); several dates are stacked (more events).
    horizon_days : int
    lags : sequence of int
        Waves back from the latest wave before each snapshot.
    cluster : str or None, default "account_id"
        Snapshot column whose values are resampled whole in the bootstrap;
        None resamples snapshot rows.  The default clusters by account
        because one account appears at every snapshot date and lag (rows of
        one account are not independent).  ``True`` / ``False`` (the old
        booleans) still work for one release with a ``DeprecationWarning``.
    confidence : float
    n_boot : int, default 2000
        Bootstrap replicates (:data:`kapta_research.stats.resample.DEFAULT_N_BOOT`); at least 100.
    random_state : None, int or Generator

    Returns
    -------
    DataFrame
        ``lag_waves``, ``median_age_days`` (median age of the scores at the
        snapshot), ``n`` (account snapshots with a score in that wave),
        ``n_events``, ``auc`` (of lower NPS for churn; 0.5 = chance),
        ``ci_low``, ``ci_high`` (percentile interval of the cluster
        bootstrap, :mod:`kapta_research.stats.resample`), ``n_boot_failed``
        (replicates that drew only churned or only retained rows and so have
        no AUC; counted, not silently dropped).  AUC is NaN where a lag has
        no events or no non-events.

    Examples
    --------
    >>> import kapta_research as kr
    >>> fr = kr.churn.score_freshness(kr.load_sample(), as_of=["2024-10-01", "2025-01-01"], lags=(0, 2),
    ...                               n_boot=200, random_state=0)
    >>> list(fr.columns)
    ['lag_waves', 'median_age_days', 'n', 'n_events', 'auc', 'ci_low', 'ci_high', 'n_boot_failed']
    """
    from .._validation import check_confidence, check_random_state
    func = "score_freshness"
    cluster = _check_freshness_cluster(cluster, func=func)
    confidence = check_confidence(confidence, func=func)
    n_boot = check_int(n_boot, name="n_boot", func=func, low=100)
    rng = check_random_state(random_state, func=func)
    lags = [check_int(k, name="lags", func=func, low=0) for k in lags]
    if not lags:
        raise ParameterError(f"The 'lags' parameter of {func} must list at least one lag. Got [] instead.")
    dates = [as_of] if isinstance(as_of, (str, pd.Timestamp)) else list(as_of)
    d = _freshness_scores(programme, dates=dates, horizon_days=horizon_days, lags=lags)
    if cluster is not None and len(d) and cluster not in d:
        raise ParameterError(f"The 'cluster' parameter of {func} must be a column of the snapshot "
                             f"({', '.join(map(repr, d.columns[:4]))}, ...) or None. Got {cluster!r} instead.")
    rows = []
    for k in lags:
        sub = d[d["lag_waves"] == k]
        row = {"lag_waves": k, "median_age_days": float(sub["age"].median()) if len(sub) else np.nan,
               "n": len(sub), "n_events": int(sub["churned"].astype(bool).sum())}
        rows.append({**row, **_freshness_row(sub, cluster=cluster, confidence=confidence, n_boot=n_boot,
                                             rng=rng, func=func)})
    return pd.DataFrame(rows, columns=["lag_waves", "median_age_days", "n", "n_events", "auc", "ci_low",
                                       "ci_high", "n_boot_failed"])
