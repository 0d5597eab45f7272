"""Logistic regression: fitting with separation detection, CRV1 cluster variance, cluster tests.

One logistic fit for the package (churn models, NPS-transition drivers):
:func:`fit_logit` fits ``y ~ 1 + X`` with statsmodels (rows, or distinct rows with
frequency weights) and turns
separation and non-convergence into a clear :class:`~kapta_research.errors.ConvergenceError`
instead of infinite coefficients.  :func:`logit_cluster_cov` is the
cluster-robust (CRV1) covariance, :func:`stacked_logit_cluster_cov` that of several
fits on rows of shared clusters (stacked, weighted rows); :func:`wald_statistic`,
:func:`projected_cluster_scores`, :func:`score_statistic` and
:func:`score_bootstrap_p` test added coefficients when rows are clustered.

References
----------
Boos, D. D. (1992). On generalized score tests. The American Statistician 46, 327-333.

Kline, P. & Santos, A. (2012). A score based approach to wild bootstrap
inference. Journal of Econometric Methods 1, 23-41.

Cameron, A. C. & Miller, D. L. (2015). A practitioner's guide to
cluster-robust inference. Journal of Human Resources 50, 317-372.

Weesie, J. (1999). Seemingly unrelated estimation and the cluster-adjusted
sandwich estimator. Stata Technical Bulletin 52, sg121.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..errors import ConvergenceError
from .clustered import cluster_sums, crv1_factor

__all__ = ["fit_logit", "logit_cluster_cov", "stacked_logit_cluster_cov", "wald_statistic", "projected_cluster_scores",
           "score_statistic", "score_bootstrap_p"]


def fit_logit(y, X, *, func: str, what: str, between: str = "the two outcomes", file=None,
              groups=None, freq_weights=None):
    """Maximum-likelihood logistic regression of ``y`` on a constant and ``X``.

    Parameters
    ----------
    y : array of 0/1
    X : 2-D array
        Predictors (a constant is added).
    func, what, between : str
        For the error message: the calling function, the model ("model 'nps'
        (nps)") and the outcomes its predictors might separate.
    file : str, optional
        Source file named in the error.
    groups : array, optional
        Cluster labels: the fit then carries statsmodels' cluster-robust
        (CRV1) covariance, equal to :func:`logit_cluster_cov`.
    freq_weights : array, optional
        How many identical rows each row stands for (an engine's distinct
        rows, :func:`kapta_research.engines._drivers.distinct_rows`): the same maximum-likelihood
        fit as on the expanded rows (statsmodels ``GLM`` binomial with
        ``freq_weights``, Newton from 0 as ``Logit``), with its model-based
        covariance.  Not with ``groups`` (statsmodels' cluster correction
        would count the distinct rows): use :func:`stacked_logit_cluster_cov`.

    Returns
    -------
    statsmodels.discrete.discrete_model.BinaryResultsWrapper
        (a ``GLMResultsWrapper`` with ``freq_weights``: ``params``, ``bse``,
        ``pvalues`` as for ``Logit``).

    Raises
    ------
    ConvergenceError
        (a :class:`~kapta_research.errors.DataError`) The fit fails (singular information), statsmodels detects perfect
        separation, Newton's method does not converge in 100 steps, or a
        coefficient or standard error is not finite.
    """
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    exog = sm.add_constant(np.asarray(X, float), has_constant="add")
    kwargs = {"cov_type": "cluster", "cov_kwds": {"groups": groups}} if groups is not None else {}
    if freq_weights is not None and groups is not None:
        raise ValueError("fit_logit: give freq_weights or groups, not both")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if freq_weights is None:
                res = sm.Logit(np.asarray(y, float), exog).fit(disp=0, method="newton", maxiter=100,
                                                                **kwargs)
            else:
                res = _fit_weighted_logit(np.asarray(y, float), exog, np.asarray(freq_weights, float))
        except (np.linalg.LinAlgError, ValueError):  # singular Hessian and friends
            res = None
    separated = any(issubclass(w.category, PerfectSeparationWarning) for w in caught)
    stalled = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    if (res is None or separated or stalled or not res.mle_retvals.get("converged", True)
            or not np.all(np.isfinite(res.params)) or not np.all(np.isfinite(res.bse))):
        raise ConvergenceError(
            f"{func}: the logistic {what} did not converge to a finite estimate: its "
            f"predictors perfectly (or almost perfectly) separate {between}, or there are "
            f"too few of one outcome for them", file=file,
        )
    return res


def _fit_weighted_logit(y, exog, freq_weights):
    """Logistic ML fit with frequency weights: statsmodels ``GLM`` binomial, Newton's method from 0 and
    ``Logit``'s perfect-prediction check (on distinct rows it is the check on the expanded rows)."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    model = sm.GLM(y, exog, family=sm.families.Binomial(), freq_weights=freq_weights)

    def perfect_prediction(params, *args):
        if np.allclose(model.predict(params) - y, 0):
            warnings.warn("Perfect separation or prediction detected, parameter may not be identified",
                          PerfectSeparationWarning, stacklevel=2)
    return model.fit(start_params=np.zeros(exog.shape[1]), method="newton", maxiter=100, disp=0,
                     callback=perfect_prediction)


def stacked_logit_cluster_cov(exogs, endogs, params, codes, *, freq_weights=None, multiplicity=None
                              ) -> np.ndarray:
    """Cluster-robust (CRV1) covariance of logistic fits on rows of shared clusters, as one stacked model.

    The ``K`` models (exogenous matrices with their constant, 0/1 outcomes,
    fitted coefficients) are stacked with model-specific coefficients: their
    likelihoods are separate, so the stacked estimate is the separate fits and
    the bread is block-diagonal, ``B = diag(I_k⁻¹)`` with the information
    ``I_k = X_kᵀ diag(f p (1 − p)) X_k``; the meat sums the clusters' joint
    scores ``S_g = (Σ_{i∈g} f_i (y_i − p_i) x_i)_k`` over the union of the
    models' clusters — the covariance between the models' estimates ("seemingly
    unrelated estimation", Weesie 1999).  The factor is
    ``G / (G − 1) · (N − 1) / (N − K)`` (``G`` clusters, ``N`` stacked rows, ``K``
    coefficients), as statsmodels' ``Logit(...).fit(cov_type="cluster")`` on the
    stacked rows; with one model it is :func:`logit_cluster_cov`.

    Parameters
    ----------
    exogs, endogs, params : lists, one entry per model
    codes : list of int arrays
        Cluster code ``0..C-1`` of every row, one vocabulary across the models.
    freq_weights : list of arrays, optional
        How many identical rows each row stands for (default 1).
    multiplicity : array, optional
        How many identical clusters each code stands for (default 1): the
        distinct rows of an unclustered fit, every respondent its own cluster,
        are codes standing for ``f`` clusters each (meat ``Σ_g S_g S_gᵀ / m_g``).

    Returns
    -------
    ndarray, shape (ΣK_k, ΣK_k)
    """
    fw = freq_weights or [None] * len(exogs)
    n_codes = 1 + max(int(np.max(c)) for c in codes)
    blocks, scores, N = [], [], 0.0
    for X, y, b, f, c in zip(exogs, endogs, params, fw, codes):
        X, y = np.asarray(X, float), np.asarray(y, float)
        f = np.ones(len(y)) if f is None else np.asarray(f, float)
        p = 1 / (1 + np.exp(-(X @ np.asarray(b, float))))
        blocks.append(np.linalg.inv(X.T @ ((f * p * (1 - p))[:, None] * X)))
        scores.append(cluster_sums((f * (y - p))[:, None] * X, c, n_codes))
        N += f.sum()
    present = np.zeros(n_codes, dtype=bool)
    for c in codes:
        present[np.asarray(c)] = True
    S = np.hstack(scores)[present]
    m = np.ones(len(S)) if multiplicity is None else np.asarray(multiplicity, float)[present]
    G = m.sum()
    K = S.shape[1]
    bread = np.zeros((K, K))
    at = 0
    for B in blocks:
        bread[at:at + len(B), at:at + len(B)] = B
        at += len(B)
    factor = crv1_factor(G) * (N - 1) / (N - K)
    cov = factor * bread @ ((S / m[:, None]).T @ S) @ bread
    return (cov + cov.T) / 2


def logit_cluster_cov(res, codes: np.ndarray) -> np.ndarray:
    """Cluster-robust (CRV1) covariance of a fitted statsmodels ``Logit``.

    ``B M B`` with the bread ``B = (X' W X)^-1`` (``W = p (1 - p)``) and the
    meat ``M = sum_g s_g s_g'``, ``s_g`` the score ``sum_i (y_i - p_i) x_i``
    of cluster ``g``, times the small-sample factor
    ``G / (G - 1) * (N - 1) / (N - K)`` (``G`` clusters, ``N`` rows, ``K``
    coefficients with the constant).  This is what
    ``Logit(...).fit(cov_type="cluster", cov_kwds={"groups": codes})``
    returns by default (``use_correction=True``), and Stata's
    ``logit ..., vce(cluster)``; written out here so the tests can check it
    against statsmodels independently.
    """
    X = np.asarray(res.model.exog, float)
    y = np.asarray(res.model.endog, float)
    p = 1 / (1 + np.exp(-(X @ np.asarray(res.params, float))))
    bread = np.linalg.inv(X.T @ ((p * (1 - p))[:, None] * X))
    g = int(codes.max()) + 1
    scores = cluster_sums((y - p)[:, None] * X, codes, g)
    n, k = X.shape
    factor = crv1_factor(g) * (n - 1) / (n - k)
    cov = factor * bread @ (scores.T @ scores) @ bread
    return (cov + cov.T) / 2


def wald_statistic(params: np.ndarray, cov: np.ndarray, idx: list[int], n_clusters: int
          ) -> tuple[float, int]:
    """Wald statistic ``b' V^-1 b`` of the coefficients ``idx`` (NaN if ``V`` is singular).

    The cluster scores of a model with a constant sum to 0 at the estimate, so
    a cluster-robust covariance has rank at most ``G - 1``: testing ``G`` or
    more coefficients is impossible (the tiny non-zero eigenvalues left by the
    fit's convergence tolerance must not be inverted).
    """
    b = params[idx]
    v = cov[np.ix_(idx, idx)]
    eig = np.linalg.eigvalsh(v)
    if len(idx) >= n_clusters or not eig[0] > 1e-10 * eig[-1]:
        return float("nan"), len(idx)
    return float(b @ np.linalg.solve(v, b)), len(idx)


def projected_cluster_scores(y: np.ndarray, X: np.ndarray, p0: np.ndarray, codes: np.ndarray,
                              added: list[int]) -> np.ndarray:
    """Cluster sums of the efficient scores of the ``added`` columns of ``X`` under the null.

    ``p0`` are the fitted probabilities of the restricted model (the added
    coefficients fixed at 0), so the scores of the other columns sum to 0.
    The score of the added coefficients is projected off the nuisance
    parameters, ``s~_g = s_g2 - A_21 A_11^-1 s_g1`` with ``A = X' W X`` the
    information at the restricted estimate (Boos 1992, Am. Stat. 46:327), so
    that estimating the nuisance parameters is accounted for.
    Returns the ``(G, q)`` matrix of the ``s~_g``.
    """
    nuisance = [j for j in range(X.shape[1]) if j not in added]
    info = X.T @ ((p0 * (1 - p0))[:, None] * X)
    proj = np.linalg.solve(info[np.ix_(nuisance, nuisance)], info[np.ix_(nuisance, added)]).T
    sums = cluster_sums((y - p0)[:, None] * X, codes, int(codes.max()) + 1)
    return sums[:, added] - sums[:, nuisance] @ proj.T


def score_statistic(scores: np.ndarray) -> tuple[float, np.ndarray | None]:
    """Generalized (cluster-robust) score statistic ``S'1 (S'S)^-1 S'1`` of projected scores.

    Returns the statistic and ``(S'S)^-1``, or NaN and None when ``S'S`` is
    singular (no more clusters than tested coefficients).
    """
    g, q = scores.shape
    meat = scores.T @ scores
    eig = np.linalg.eigvalsh(meat)
    if q >= g or not eig[0] > 1e-10 * eig[-1]:
        return float("nan"), None
    inv = np.linalg.inv(meat)
    total = scores.sum(axis=0)
    return float(total @ inv @ total), inv


def score_bootstrap_p(scores: np.ndarray, inv: np.ndarray, stat: float, n_boot: int,
                       rng: np.random.Generator) -> float:
    """Wild cluster score bootstrap p-value with Rademacher weights (Kline & Santos 2012).

    Each resample flips the sign of whole clusters' projected scores.  The
    middle matrix ``S'S`` is unchanged by a flip, so the resampled statistic
    is ``w' S (S'S)^-1 S' w``.  With at most ``n_boot`` distinct sign patterns
    (``2 ** (G - 1)``, a pattern and its negative giving the same value) all
    are enumerated and the p-value is exact.
    """
    g = scores.shape[0]
    quad = scores @ inv @ scores.T
    if g <= 20 and 2 ** (g - 1) <= n_boot:
        patterns = ((np.arange(2 ** (g - 1))[:, None] >> np.arange(g)) & 1)
        w = 1.0 - 2.0 * patterns
        t = np.einsum("bi,ij,bj->b", w, quad, w)
        return float(np.mean(t >= stat * (1 - 1e-10)))
    w = rng.choice(np.array([-1.0, 1.0]), size=(n_boot, g))
    t = np.einsum("bi,ij,bj->b", w, quad, w)
    return float((1 + np.sum(t >= stat * (1 - 1e-10))) / (n_boot + 1))


