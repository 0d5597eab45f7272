"""Sentiment of comments: VADER (offline lexicon) with a small B2B supplement.

Method
    VADER (Hutto & Gilbert 2014, package ``vaderSentiment==3.3.2``, pinned
    in the lock file) scores a comment from a lexicon shipped *inside* the
    package plus rules for negation, intensifiers and punctuation; nothing
    is downloaded.  Its ``compound`` score lies in [−1, 1]; the label is
    ``positive`` for ``compound >= 0.05``, ``negative`` for ``<= −0.05``
    and ``neutral`` in between (the thresholds of the VADER paper).
B2B supplement (``lexicon="b2b"``, the default)
    VADER was built on social-media text and misses the words B2B comments
    complain with ("expensive", "buggy", "outages", "bureaucratic", "slow")
    while scoring "support" -- a department's name in B2B -- as positive
    (likewise "credit" notes, "approval" steps and the "please" of "please fix").
    :data:`B2B_LEXICON` adds or overrides those words (valences on VADER's
    −4 ... +4 scale, set by us; "support" and "ticket" set to 0).
    ``lexicon="vader"`` uses the package's lexicon unchanged.  Both are
    checked against our hand-labelled comments in
    ``tests/data/comments/labelled.csv`` (Cohen's kappa in
    ``tests/test_text_sentiment.py``).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from .._validation import check_choice, check_columns, check_confidence, check_int
from ..errors import ParameterError
from ._prepare import check_rows_of, prepare_comments
from ..nps import _suppression, protect_groups
from .themes import share_interval

__all__ = ["B2B_LEXICON", "SENTIMENT_LABELS", "sentiment", "sentiment_by", "sentiment_label"]

SENTIMENT_LABELS = ("negative", "neutral", "positive")
#: Our additions to VADER's lexicon for B2B comments (word -> valence, −4 ... +4).
B2B_LEXICON = {
    "expensive": -1.5, "overpriced": -2.0, "pricey": -1.2, "overcharged": -2.0, "affordable": 1.5,
    "buggy": -2.0, "outage": -2.0, "outages": -2.0, "downtime": -1.5, "crashes": -1.7, "crashed": -1.7,
    "unreliable": -2.0, "reliable": 1.5, "outdated": -1.5, "obsolete": -1.5, "bureaucratic": -1.5,
    "bureaucracy": -1.5, "paperwork": -0.8, "slow": -1.2, "slower": -1.2, "chase": -1.0, "chasing": -1.0,
    "unresponsive": -2.0, "forever": -0.8, "escalate": -1.0, "delays": -1.3, "late": -0.8,
    "seamless": 1.8, "smooth": 1.2, "accurate": 1.2, "correct": 0.8, "simple": 0.8, "quickly": 0.6,
    "cheap": 0.5, "cold": -0.8, "stalled": -1.2, "support": 0.0, "supported": 0.0, "supports": 0.0,
    "ticket": 0.0, "tickets": 0.0, "issues": -1.0, "issue": -0.8, "bugs": -1.5, "defect": -1.5,
    # B2B nouns and politeness that VADER scores as praise: "credit notes", "approval steps", "please fix"
    "credit": 0.0, "approval": 0.0, "approvals": 0.0, "please": 0.0, "hello": 0.0,
}


@lru_cache(maxsize=2)
def _analyzer(lexicon: str):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    a = SentimentIntensityAnalyzer()
    if lexicon == "b2b":
        a.lexicon.update(B2B_LEXICON)
    return a


def sentiment_label(compound) -> np.ndarray:
    """``negative`` / ``neutral`` / ``positive`` of VADER compound scores (thresholds ±0.05).

    Examples
    --------
    >>> sentiment_label([-0.5, 0.0, 0.3]).tolist()
    ['negative', 'neutral', 'positive']
    """
    c = np.asarray(compound, dtype=float)
    return np.select([c <= -0.05, c >= 0.05], ["negative", "positive"], default="neutral").astype(object)


def sentiment(data, *, text="comment", lexicon="b2b") -> pd.DataFrame:
    """Sentiment of every in-scope comment (English, non-blank).

    Parameters
    ----------
    data : DataFrame
    text : str
        Column of comments.
    lexicon : {"b2b", "vader"}
        VADER's lexicon with (default) or without our B2B supplement.

    Returns
    -------
    DataFrame
        Indexed like the in-scope rows of ``data``: ``compound`` (−1 ... 1),
        ``negative``, ``neutral_share``, ``positive`` (VADER's proportions of
        the text) and ``label``.

    Examples
    --------
    >>> import pandas as pd
    >>> s = sentiment(pd.DataFrame({"comment": ["Far too expensive.", "Great support team!", None]}))
    >>> s["label"].tolist()
    ['negative', 'positive']
    """
    func = "sentiment"
    check_choice(lexicon, ("b2b", "vader"), name="lexicon", func=func)
    prep = prepare_comments(data, text=text, func=func)
    a = _analyzer(lexicon)
    scores = [a.polarity_scores(t) for t in prep.text]
    out = pd.DataFrame({"compound": [s["compound"] for s in scores], "negative": [s["neg"] for s in scores],
                        "neutral_share": [s["neu"] for s in scores], "positive": [s["pos"] for s in scores]},
                       index=prep.text.index, dtype=float)
    out["label"] = sentiment_label(out["compound"].to_numpy())
    return out


def sentiment_by(data, scores, *, by, cluster="account_id", confidence=0.95, min_n=5, min_accounts=3
                 ) -> pd.DataFrame:
    """Share of negative / neutral / positive comments per group, with cluster-robust intervals.

    Parameters
    ----------
    data : DataFrame
        The responses (holding ``by`` and ``cluster``).
    scores : DataFrame
        :func:`sentiment` of ``data``.
    by : str
        Group column (e.g. ``"segment"``).
    cluster : str or None
    confidence : float
    min_n, min_accounts : int
        Groups with fewer comments (or accounts) are suppressed: no numbers;
        so are the smallest others when the hidden ones could be derived
        (:func:`kapta_research.nps.protect_groups`).

    Returns
    -------
    DataFrame
        One row per group and label: ``by``, ``label``, ``n`` (comments of the
        group), ``n_clusters``, ``n_label``, ``share`` (0-1), ``ci_low``,
        ``ci_high``, ``suppressed``, ``suppressed_reason``.

    Examples
    --------
    >>> import kapta_research as kr
    >>> r = kr.load_sample().respondents()
    >>> t = sentiment_by(r, sentiment(r), by="segment")
    >>> sorted(t["label"].unique())
    ['negative', 'neutral', 'positive']
    """
    func = "sentiment_by"
    confidence = check_confidence(confidence, func=func)
    min_n = check_int(min_n, name="min_n", func=func, low=1)
    min_accounts = check_int(min_accounts, name="min_accounts", func=func, low=1)
    if not isinstance(by, str):
        raise ParameterError(f"The 'by' parameter of {func} must be a column name (str). Got {by!r} instead.")
    check_columns(data, [by] + ([cluster] if cluster else []), func=func)
    if not isinstance(scores, pd.DataFrame) or "label" not in scores:
        raise ParameterError(f"The 'scores' parameter of {func} must be the DataFrame returned by sentiment(). "
                             f"Got {type(scores).__name__} instead.")
    check_rows_of(data, scores, what="scores", source="scores", func=func)
    frame = data.loc[scores.index, [by] + ([cluster] if cluster else [])].copy()
    frame["_label"] = scores["label"].to_numpy()
    rows = []
    groups = list(frame.groupby(by, sort=True, dropna=False))
    subsets = [g.assign(_g=g[cluster].astype(str)) if cluster else g for _, g in groups]
    # the suppression rule of nps(), with complementary suppression (a hidden group cannot be derived)
    reasons = [_suppression(len(g), int(g["_g"].nunique()) if cluster else None, min_n=min_n,
                            min_accounts=min_accounts) for g in subsets]
    reasons = protect_groups(subsets, reasons, clustered=bool(cluster), min_n=min_n, min_accounts=min_accounts)
    for (key, g), reason in zip(groups, reasons):
        n = len(g)
        for label in SENTIMENT_LABELS:
            if reason:
                rows.append({by: key, "label": label, "suppressed": True, "suppressed_reason": reason})
                continue
            y = (g["_label"] == label).to_numpy(float)
            share, lo, hi, G = share_interval(y, cluster=g[cluster].astype(str).to_numpy() if cluster else None,
                                              confidence=confidence)
            rows.append({by: key, "label": label, "n": n, "n_clusters": G, "n_label": int(y.sum()), "share": share,
                         "ci_low": lo, "ci_high": hi, "suppressed": False, "suppressed_reason": None})
    out = pd.DataFrame(rows, columns=[by, "label", "n", "n_clusters", "n_label", "share", "ci_low", "ci_high",
                                      "suppressed", "suppressed_reason"])
    for c in ("n", "n_clusters", "n_label"):
        out[c] = out[c].astype("Int64")
    out["suppressed"] = out["suppressed"].astype(bool)
    return out
