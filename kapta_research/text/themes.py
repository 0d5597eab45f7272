"""Themes of open comments: a dictionary of B2B themes, or NMF topics with a stability score."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .._result import Result
from .._validation import check_choice, check_columns, check_confidence, check_int, check_random_state
from ..errors import DataError, ParameterError
from ..stats import proportion
from ._dictionary import check_dictionary, match_dictionary, top_terms
from ._nmf import STABLE_THEME, fit_nmf
from ._prepare import prepare_comments

__all__ = ["Themes", "themes", "share_interval", "THEME_METHODS"]

THEME_METHODS = ("dictionary", "nmf")


def share_interval(y, *, cluster=None, confidence=0.95) -> tuple[float, float, float, int]:
    """``(share, ci_low, ci_high, n_clusters)`` of 0/1 ``y``: :func:`kapta_research.stats.proportion.share_interval`.

    The cluster-robust Wilson interval on the effective n (the one rule for rates
    and shares); one cluster gives no interval.

    Examples
    --------
    >>> s, lo, hi, g = share_interval([1, 0, 0, 1, 0, 0], cluster=list("aabbcc"))
    >>> round(s, 3), g, bool(lo < s < hi)
    (0.333, 3, True)
    """
    r = proportion.share_interval(y, cluster=cluster, confidence=confidence)
    return r["estimate"], r["ci_low"], r["ci_high"], r["n_clusters"]


class Themes(Result):
    """Themes of a set of comments (see :func:`themes`).

    Attributes
    ----------
    summary : DataFrame
        One row per theme: ``theme``, ``top_terms``, ``n`` (comments that
        mention it), ``share`` (of the in-scope comments, 0-1), ``ci_low``,
        ``ci_high``, ``n_comments``, ``stability`` (NMF; NaN for a dictionary)
        and ``stable`` (NMF: stability >= ``STABLE_THEME`` = 0.7, the theme
        comes back across restarts; always True for a dictionary).
    memberships : DataFrame
        One bool column per theme, indexed like the in-scope rows of the data
        (English, non-blank comments).
    negated : DataFrame
        Like ``memberships``: every mention of the theme in the comment is
        negated ("not expensive"); all False for NMF.
    status : Series
        ``"english"``, ``"blank"`` or ``"other_language"`` for every row of the data.
    method : str
    n_comments, n_blank, n_other_language, n_excluded : int
        In-scope comments; rows left out as blank / in another language; their sum.
    stability : float
        Mean stability of the NMF themes (NaN for a dictionary).
    """

    _title = "Themes"
    _info = ("method", "n_comments", "n_blank", "n_other_language", "n_excluded", "stability")

    def __init__(self, summary, memberships, negated, status, method, stability):
        self.summary = summary
        self.memberships = memberships
        self.negated = negated
        self.status = status
        self.method = method
        self.n_comments = int(len(memberships))
        self.n_blank = int((status == "blank").sum())
        self.n_other_language = int((status == "other_language").sum())
        self.n_excluded = self.n_blank + self.n_other_language
        self.stability = stability

    @property
    def scope(self) -> pd.DataFrame:
        """Rows by comment status: ``status`` (English / other language / blank or none) and ``n``."""
        labels = {"english": "English comment (analysed)", "other_language": "other language (out of scope)",
                  "blank": "no comment or blank"}
        counts = self.status.value_counts()
        return pd.DataFrame({"status": list(labels.values()),
                             "n": [int(counts.get(k, 0)) for k in labels]})


def themes(data, *, text="comment", method="dictionary", dictionary=None, n_themes=8, random_state=None,
           cluster=None, confidence=0.95, n_seeds=10, stability_sample=20_000) -> Themes:
    """Themes of the comments in ``data[text]``: which comments mention what.

    Blank comments and comments in another language are counted and left out
    (:mod:`kapta_research.text._prepare` documents both rules); the methods
    are English-only.

    Parameters
    ----------
    data : DataFrame
        One row per response.
    text : str
        Column of comments (missing = no comment).
    method : {"dictionary", "nmf"}
        ``"dictionary"``: the ``dictionary`` mapping (default: the shipped B2B
        dictionary :data:`~kapta_research.text.DEFAULT_DICTIONARY`), matched on
        stems with negation flags (:mod:`kapta_research.text._dictionary`).
        ``"nmf"``: TF-IDF + NMF topics with a stability score over ``n_seeds``
        random restarts (:mod:`kapta_research.text._nmf`).
    dictionary : mapping of str to list of str, optional
        Theme -> keywords/phrases (``"dictionary"`` only).
    n_themes : int
        Number of NMF themes (``"nmf"`` only).
    random_state : None, int or numpy Generator
        Seeds of the NMF fits.
    cluster : str, optional
        Column of accounts: the shares' intervals are then cluster-robust.
    confidence : float
    n_seeds : int
        NMF restarts for the stability score (at least 10).
    stability_sample : int
        At most this many comments in each stability refit.

    Returns
    -------
    Themes
        ``summary`` (theme, top_terms, n, share, ci_low, ci_high, n_comments,
        stability, stable), ``memberships`` and ``negated`` (bool per theme, one row per
        in-scope comment), ``status`` and the counts of excluded rows.

    Examples
    --------
    >>> import kapta_research as kr
    >>> r = kr.load_sample().respondents()
    >>> th = themes(r, cluster="account_id")
    >>> list(th.summary.columns)
    ['theme', 'top_terms', 'n', 'share', 'ci_low', 'ci_high', 'n_comments', 'stability', 'stable']
    >>> th.n_comments + th.n_excluded == len(r), th.n_other_language > 0
    (True, True)
    """
    func = "themes"
    check_choice(method, THEME_METHODS, name="method", func=func)
    confidence = check_confidence(confidence, func=func)
    rng = check_random_state(random_state, func=func)
    if cluster is not None:
        if not isinstance(cluster, str):
            raise ParameterError(f"The 'cluster' parameter of {func} must be a column name (str) or None. "
                                 f"Got {cluster!r} instead.")
        check_columns(data, [cluster], func=func, name="cluster")
    if method == "nmf":
        n_themes = check_int(n_themes, name="n_themes", func=func, low=2, high=50)
        n_seeds = check_int(n_seeds, name="n_seeds", func=func, low=10)
        stability_sample = check_int(stability_sample, name="stability_sample", func=func, low=100)
        if dictionary is not None:
            raise ParameterError(f"The 'dictionary' parameter of {func} applies to method='dictionary' only. "
                                 "Got a dictionary with method='nmf'.")
    else:
        dictionary = check_dictionary(dictionary, func=func)
    prep = prepare_comments(data, text=text, func=func)
    if len(prep.text) == 0:
        raise DataError(f"{func}: no comment is in English ({prep.n_other_language} in other languages, "
                        f"{prep.n_blank} blank); the text methods are English-only.", column=text)
    idx = prep.text.index
    if method == "dictionary":
        stems = prep.stems
        member, negated = match_dictionary(stems, dictionary, index=idx)
        terms = top_terms(dictionary, stems, member)
        names = list(dictionary)
        stability = np.full(len(names), np.nan)
    else:
        m, tops, stability, _ = fit_nmf(prep.text, n_themes=n_themes, rng=rng, n_seeds=n_seeds,
                                        stability_sample=stability_sample, func=func)
        names = [f"theme {k + 1}" for k in range(n_themes)]
        member = pd.DataFrame(m, index=idx, columns=names)
        negated = pd.DataFrame(False, index=idx, columns=names)
        terms = dict(zip(names, tops))
    groups = data.loc[idx, cluster].astype(str).to_numpy() if cluster is not None else None
    rows = []
    for k, name in enumerate(names):
        y = member[name].to_numpy(float)
        share, lo, hi, _ = share_interval(y, cluster=groups, confidence=confidence)
        rows.append(dict(theme=name, top_terms=terms[name], n=int(y.sum()), share=share, ci_low=lo, ci_high=hi,
                         n_comments=len(idx), stability=float(stability[k])))
    summary = pd.DataFrame(rows, columns=["theme", "top_terms", "n", "share", "ci_low", "ci_high", "n_comments",
                                          "stability"])
    summary["stable"] = (summary["stability"] >= STABLE_THEME) if method == "nmf" else True
    overall = float(np.mean(stability)) if method == "nmf" else float("nan")
    return Themes(summary, member, negated, prep.status, method, overall)
