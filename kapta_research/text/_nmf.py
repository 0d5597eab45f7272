"""NMF themes: TF-IDF + non-negative matrix factorisation (scikit-learn), with a stability score.

Model
    Comments become sublinear TF-IDF vectors of English words of three or
    more letters (scikit-learn's English stop-words removed, words in more
    than half the comments dropped).  ``NMF(n_components=n_themes,
    init="nndsvda")`` factorises them into comment weights ``W`` and theme
    term weights ``H``.  A comment belongs to every theme whose weight is at
    least half of its largest weight (so a comment can have several themes;
    one without any known word has none).  Themes are numbered by size.
Stability (Greene, O'Callaghan & Cunningham 2014, "How many topics?")
    The factorisation is refitted ``n_seeds`` (>= 10) times from random
    starts (``init="random"``, seeds drawn from ``random_state``).  Each
    refit's themes are matched one-to-one to the reported ones by the
    Hungarian algorithm on the cosine similarity of their term vectors
    (rows of ``H``); a theme's *stability* is its mean matched cosine over
    the refits, in [0, 1] (1: every start finds the same theme).  Refits
    use at most ``stability_sample`` comments (a random subset, same
    vocabulary) so that the score costs seconds on large programmes.
    Every fit stops after 400 iterations (scikit-learn's convergence warning
    is silenced; a theme that has not settled shows a low stability).
"""
from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer

from ..errors import DataError

__all__ = ["fit_nmf", "match_topics"]


def _normalise(h: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(h, axis=1, keepdims=True)
    return h / np.where(norm > 0, norm, 1.0)


def match_topics(h_ref: np.ndarray, h_other: np.ndarray) -> np.ndarray:
    """Cosine of each reference theme with its one-to-one best match in ``h_other`` (Hungarian)."""
    sim = _normalise(h_ref) @ _normalise(h_other).T
    rows, cols = linear_sum_assignment(-sim)
    out = np.zeros(len(h_ref))
    out[rows] = sim[rows, cols]
    return out


#: Below this stability an NMF theme is flagged as not reliable (``Themes.summary["stable"]``, the PDF).
STABLE_THEME = 0.7


def fit_nmf(texts, *, n_themes: int, rng: np.random.Generator, n_seeds: int = 10, top_n: int = 6,
            stability_sample: int = 20_000, func: str = "themes"):
    """Fit NMF themes; return ``(memberships bool array, top terms list, stability array, H)``."""
    docs = list(texts)
    vec = TfidfVectorizer(stop_words="english", token_pattern=r"(?u)\b[^\W\d_]{3,}\b", sublinear_tf=True,
                          max_df=0.5, min_df=2 if len(docs) >= 50 else 1, max_features=20_000)
    try:
        X = vec.fit_transform(docs)
    except ValueError as exc:  # empty vocabulary
        raise DataError(f"{func}: the comments have no words for NMF themes ({exc}).") from None
    terms = np.asarray(vec.get_feature_names_out())
    if X.shape[1] < n_themes or X.shape[0] <= n_themes:
        raise DataError(f"{func}: NMF with n_themes={n_themes} needs more comments and words than themes; "
                        f"the comments have {X.shape[0]} rows and {X.shape[1]} distinct words.")
    seeds = rng.integers(0, 2 ** 31 - 1, n_seeds + 1)
    with warnings.catch_warnings():  # 400 iterations at most; the stability score shows what that costs
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _fit(X, terms, n_themes, seeds, rng, top_n, stability_sample)


def _fit(X, terms, n_themes, seeds, rng, top_n, stability_sample):
    model = NMF(n_components=n_themes, init="nndsvda", random_state=int(seeds[0]), max_iter=400)
    W = model.fit_transform(X)
    H = model.components_
    order = np.argsort(-(W > 0).sum(axis=0), kind="stable")
    W, H = W[:, order], H[order]
    top = W.max(axis=1, keepdims=True)
    member = (W > 0) & (W >= 0.5 * top)
    sub = X
    if X.shape[0] > stability_sample:
        sub = X[np.sort(rng.choice(X.shape[0], stability_sample, replace=False))]
    matched = np.empty((len(seeds) - 1, n_themes))
    for i, s in enumerate(seeds[1:]):
        refit = NMF(n_components=n_themes, init="random", random_state=int(s), max_iter=400).fit(sub)
        matched[i] = match_topics(H, refit.components_)
    tops = [", ".join(terms[np.argsort(-h, kind="stable")[:top_n]]) for h in H]
    return member, tops, matched.mean(axis=0), H
