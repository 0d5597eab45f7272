"""Empirical-Bayes Dirichlet–multinomial prior for the account mix of promoters, passives, detractors.

Model
-----
Account ``a`` has a true mix ``p_a = (p_det, p_pas, p_pro)``; its ``n_a``
(possibly weighted, see ``n_effective``) answers are multinomial given
``p_a``.  Across the portfolio ``p_a ~ Dirichlet(α)`` with ``α = α0 · m``:
``m`` the portfolio mix and ``α0`` the concentration ("prior sample size").
The whole vector ``α`` is fitted jointly by maximising the
Dirichlet–multinomial marginal likelihood over the accounts

    ℓ(α) = Σ_a [ lnΓ(α0) − lnΓ(n_a + α0) + Σ_k lnΓ(x_ak + α_k) − lnΓ(α_k) ]

(Minka 2000, "Estimating a Dirichlet distribution", §3; the multinomial
coefficient does not depend on ``α``) with L-BFGS-B on ``log α`` and the
analytic (digamma) gradient, started from the moment mix.  The mix is *not*
held at the response-weighted pooled shares: when big accounts score
differently from thin ones, the pooled shares are dominated by the big
accounts, while the joint fit weighs every account by the information it
carries.  Fractional (weighted) counts are allowed.  When the accounts vary
no more than multinomial sampling implies, the likelihood keeps rising with
``α0``: the fit stops at the upper bound (``at_bound=True``) and every
account is pulled to the portfolio mix.

Posterior
---------
``p_a | x_a ~ Dirichlet(α + x_a)``, so the shrunk account NPS (posterior
mean of ``p_pro − p_det``) is ``(α_pro + x_pro − α_det − x_det) /
(α0 + n_a)`` and ``reliability = n_a / (n_a + α0)`` is the weight of the
account's own answers in it (Bühlmann credibility; 0 = all prior, 1 = all
data).  The interval is the equal-tailed posterior interval of
``p_pro − p_det``, computed exactly (:func:`nps_posterior_quantiles`: a
Gauss–Jacobi rule over the stick-breaking form and Newton's method, accurate
to ~1e-9; :func:`nps_posterior_cdf` is the slower adaptive-quadrature
reference the tests compare it with).

Limitations
-----------
The intervals treat the fitted prior as known: the uncertainty in ``α``
(estimated from the portfolio's own accounts) is ignored, so with few
accounts they are a little too narrow.  The prior is the same for every
account: if account size is linked to the score (big accounts happier than
thin ones), thin accounts are shrunk toward a mix partly set by big accounts
and their intervals under-cover (see ``tests/test_accounts_sim.py``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize, special

__all__ = ["DirichletPrior", "fit_dirichlet_prior", "posterior_nps_interval", "dirichlet_mix_draws", "nps_posterior_cdf",
           "nps_posterior_quantiles", "ALPHA_BOUNDS"]

#: Search range of the concentration α0.
ALPHA_BOUNDS = (1e-3, 1e6)


@dataclass(frozen=True)
class DirichletPrior:
    """A fitted Dirichlet prior ``Dirichlet(concentration · mean)``.

    Attributes
    ----------
    mean : numpy.ndarray
        Portfolio mix (detractor, passive, promoter shares; sums to 1).
    concentration : float
        α0, the prior's weight in answers.
    log_likelihood : float
        Marginal log-likelihood at the fit (without the multinomial coefficient).
    n_accounts : int
        Accounts in the fit.
    at_bound : bool
        Whether α0 hit the upper search bound (no detectable heterogeneity).
    """

    mean: np.ndarray
    concentration: float
    log_likelihood: float
    n_accounts: int
    at_bound: bool

    @property
    def alpha(self) -> np.ndarray:
        """The Dirichlet parameters ``α0 · m``."""
        return self.concentration * self.mean


def dm_log_likelihood(alpha0, counts: np.ndarray, mean=None, weight=None) -> float:
    """ℓ(α) of the module docstring for counts of shape ``(A, 3)`` (``weight``: multiplicity of each row).

    ``dm_log_likelihood(α0, counts, m)`` evaluates it at ``α = α0 · m``;
    ``dm_log_likelihood(α, counts)`` with a length-3 ``α`` at ``α`` itself.
    """
    a = np.asarray(alpha0, dtype=float) * (1.0 if mean is None else np.asarray(mean, dtype=float))
    a0 = a.sum()
    n = counts.sum(axis=1)
    w = np.ones(len(counts)) if weight is None else np.asarray(weight, float)
    return float(w.sum() * special.gammaln(a0) - (w * special.gammaln(n + a0)).sum()
                 + (w[:, None] * (special.gammaln(counts + a) - special.gammaln(a))).sum())


def _dm_gradient(a, counts, weight):
    """dℓ/dα_k (digamma form of the derivative of ℓ)."""
    a0 = a.sum()
    n = counts.sum(axis=1)
    common = weight.sum() * special.digamma(a0) - (weight * special.digamma(n + a0)).sum()
    return common + (weight[:, None] * (special.digamma(counts + a) - special.digamma(a))).sum(axis=0)


def fit_dirichlet_prior(counts) -> DirichletPrior:
    """Fit the empirical-Bayes prior (all of ``α`` jointly) to per-account counts (detractors, passives, promoters).

    Parameters
    ----------
    counts : array-like, shape (A, 3)
        Non-negative (possibly fractional) counts per account.

    Returns
    -------
    DirichletPrior

    Examples
    --------
    >>> import numpy as np
    >>> prior = fit_dirichlet_prior(np.array([[3, 0, 0], [0, 0, 3], [1, 1, 1], [0, 3, 0]]))
    >>> [round(float(v), 4) for v in prior.mean], round(prior.concentration, 3)
    ([0.3333, 0.3333, 0.3333], 0.853)
    """
    x = np.asarray(counts, dtype=float)
    x = x[x.sum(axis=1) > 0]
    ux, mult = np.unique(x, axis=0, return_counts=True)  # accounts share count patterns: sum each once
    mult = mult.astype(float)
    # start: the pooled mix with its best concentration (the one-parameter fit); a category nobody
    # gave gets a tiny positive share so lnΓ stays finite
    m0 = np.maximum(x.sum(axis=0) / x.sum(), 1e-9)
    m0 = m0 / m0.sum()
    lo, hi = np.log(ALPHA_BOUNDS[0]), np.log(ALPHA_BOUNDS[1])
    r0 = optimize.minimize_scalar(lambda t: -dm_log_likelihood(np.exp(t), ux, m0, mult), bounds=(lo, hi),
                                  method="bounded", options={"xatol": 1e-8})
    t0 = float(r0.x)
    if -dm_log_likelihood(np.exp(hi), ux, m0, mult) <= r0.fun + 1e-9:
        t0 = hi
    lower = np.log(1e-9)
    start = np.clip(t0 + np.log(m0), lower, hi)

    def objective(t):
        a = np.exp(t)
        return -dm_log_likelihood(a, ux, None, mult), -_dm_gradient(a, ux, mult) * a

    res = optimize.minimize(objective, start, jac=True, method="L-BFGS-B", bounds=[(lower, hi)] * 3,
                            options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000})
    t = res.x if res.fun <= objective(start)[0] else start
    alpha = np.exp(t)
    at_bound = bool(np.max(t) >= hi - 1e-2 or alpha.sum() >= ALPHA_BOUNDS[1] * (1 - 1e-3))
    return DirichletPrior(alpha / alpha.sum(), float(alpha.sum()), dm_log_likelihood(alpha, ux, None, mult),
                          int(len(x)), at_bound)


def dirichlet_mix_draws(alpha, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """``n_draws`` mixes (detractor, passive, promoter) from ``Dirichlet(alpha)`` per row of ``alpha`` (A, 3).

    Normalised independent gamma variates, single precision: shape ``(A, n_draws, 3)``.  The one
    Monte Carlo engine of account NPS intervals, category probabilities and quadrant probabilities.
    """
    a = np.asarray(alpha, dtype=float)
    g = rng.standard_gamma(np.broadcast_to(a[:, None, :], (len(a), n_draws, 3)).astype(np.float32),
                           dtype=np.float32)
    return g / g.sum(axis=2, keepdims=True)


def nps_posterior_cdf(t: float, alpha) -> float:
    """P(p_pro − p_det ≤ t) for ``(p_det, p_pas, p_pro) ~ Dirichlet(alpha)`` (alpha = (a_det, a_pas, a_pro)).

    ``p_pro ~ Beta(a_pro, a_pas + a_det)`` and, given ``p_pro = p``,
    ``p_det = (1 − p)·B`` with ``B ~ Beta(a_det, a_pas)`` independent of ``p_pro``
    (the Dirichlet's stick-breaking form), so
    ``P(D ≤ t) = F_P(t⁺) + ∫ S_B((p − t)/(1 − p)) dF_P(p)`` over ``t⁺ < p < (1 + t)/2``.
    The integral is taken in ``u = F_P(p)`` (bounded integrand, no density
    singularity) with :func:`scipy.integrate.quad`.
    """
    a_det, a_pas, a_pro = (float(v) for v in alpha)
    b_p = a_pas + a_det
    lo_p, hi_p = max(t, 0.0), (1.0 + t) / 2.0
    u_lo, u_hi = special.betainc(a_pro, b_p, lo_p), special.betainc(a_pro, b_p, hi_p)
    if u_hi <= u_lo:
        return float(u_lo)

    def integrand(u):
        p = special.betaincinv(a_pro, b_p, u)
        z = min(max((p - t) / (1.0 - p), 0.0), 1.0) if p < 1.0 else 1.0
        return 1.0 - special.betainc(a_det, a_pas, z)

    val, _ = integrate.quad(integrand, u_lo, u_hi, epsabs=1e-8, epsrel=1e-8, limit=100)
    return float(min(max(u_lo + val, 0.0), 1.0))


#: Gauss–Jacobi nodes per distinct posterior in :func:`nps_posterior_quantiles` (12 already reach 2e-9).
QUADRATURE_NODES = 16


def _beta_gauss_rule(a, b, k: int):
    """Nodes on (0, 1) and weights (summing to 1) of the k-point Gauss rule for each ``Beta(a, b)`` weight.

    Golub & Welsch (1969): the nodes are the eigenvalues of the Jacobi matrix of
    the monic Jacobi polynomials for the weight ``(1 − y)^α (1 + y)^β`` on
    (−1, 1) with ``α = b − 1``, ``β = a − 1``, mapped by ``x = (1 + y) / 2``; the
    weights are the squared first components of the eigenvectors.  Written out
    (rather than :func:`scipy.special.roots_jacobi`) because that routine
    overflows for ``a + b`` above ~1 000 (a prior at its upper bound), takes one
    pair at a time, and the normalised rule needs no total mass.  ``a`` and
    ``b`` are arrays of the same length (one rule per element); shapes ``(m, k)``.
    """
    al = np.asarray(b, dtype=float)[:, None] - 1.0
    be = np.asarray(a, dtype=float)[:, None] - 1.0
    n = np.arange(1, k, dtype=float)[None, :]
    s = 2 * n + al + be
    diag = np.empty((al.shape[0], k))
    diag[:, :1] = (be - al) / (al + be + 2.0)
    diag[:, 1:] = (be ** 2 - al ** 2) / (s * (s + 2.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        off2 = 4 * n * (n + al) * (n + be) * (n + al + be) / (s ** 2 * (s + 1.0) * (s - 1.0))
    if k > 1:   # n = 1 with the factor (1 + α + β) cancelled (it is 0 for α + β = −1, e.g. a = b = 1/2)
        off2[:, 0] = (4 * (1 + al) * (1 + be) / ((2 + al + be) ** 2 * (3 + al + be)))[:, 0]
    jac = np.zeros((al.shape[0], k, k))
    idx = np.arange(k)
    jac[:, idx, idx] = diag
    off = np.sqrt(off2)
    jac[:, idx[:-1], idx[1:]] = off
    jac[:, idx[1:], idx[:-1]] = off
    y, vec = np.linalg.eigh(jac)
    w = vec[:, 0, :] ** 2
    return (1.0 + y) / 2.0, w / w.sum(axis=1, keepdims=True)


def _jacobi_rule(a, b, k):
    """:func:`_beta_gauss_rule` for each row's ``Beta(a, b)``, computed once per distinct ``(a, b)`` pair.

    The rule integrates ``E g(B)`` exactly for polynomial ``g`` of degree < 2k, so
    it converges geometrically for smooth ``g`` whatever the endpoint
    behaviour of the Beta density.
    """
    pairs, inv = np.unique(np.column_stack([a, b]), axis=0, return_inverse=True)
    nodes, weights = _beta_gauss_rule(pairs[:, 0], pairs[:, 1], k)
    inv = np.asarray(inv).reshape(-1)
    return nodes[inv], weights[inv]


def nps_posterior_quantiles(post_alpha, q, *, nodes: int = QUADRATURE_NODES, tol: float = 1e-11,
                            max_iter: int = 100) -> np.ndarray:
    """Exact quantile(s) ``q`` of ``p_pro − p_det`` for each Dirichlet posterior (proportion scale, −1 … 1).

    ``q`` a number gives shape ``(A,)``; a sequence of levels gives ``(len(q), A)``
    (the quadrature rules are then built once for all levels).

    ``post_alpha`` has shape ``(A, 3)`` (detractor, passive, promoter).  With
    ``P = p_pro ~ Beta(a_pro, a_det + a_pas)`` and ``B = p_det / (1 − p_pro) ~
    Beta(a_det, a_pas)`` independent (stick breaking), ``D = P − (1 − P) B ≤ t``
    iff ``P ≤ (t + B) / (1 + B)``, so for ``t ≥ 0``

        F_D(t) = E_B[ F_P((t + B) / (1 + B)) ],   f_D(t) = E_B[ f_P((t + B) / (1 + B)) / (1 + B) ]

    with a smooth integrand on all of (0, 1) (no kink: the argument stays in
    ``[t, 1]``).  For ``t < 0`` the same formula is applied to ``−D`` (promoters
    and detractors swapped): ``F_D(t) = 1 − F_{−D}(−t)``.  The expectation over
    ``B`` is a Gauss–Jacobi rule of ``nodes`` points for the Beta weight
    (:func:`_jacobi_rule`), and the quantile is found by Newton's method kept
    inside a shrinking bracket (bisection when a step would leave it), started
    from the normal approximation with the exact posterior mean and variance.
    Accuracy against :func:`nps_posterior_cdf` (adaptive quadrature + root
    finding): 2e-9 on every tested posterior, except quantiles within 0.01 of
    zero when every α is below 1 (≤ 3e-4; real posteriors have a count ≥ 1).
    Identical rows are solved once.  Deterministic: no random numbers.
    """
    post = np.asarray(post_alpha, dtype=float)
    levels = np.atleast_1d(np.asarray(q, dtype=float))
    uniq, inverse = np.unique(post, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    a_det, a_pas, a_pro = uniq.T
    a0 = uniq.sum(axis=1)
    b_pos, w_pos = _jacobi_rule(a_det, a_pas, nodes)   # B for t >= 0
    b_neg, w_neg = _jacobi_rule(a_pro, a_pas, nodes)   # p_pro / (1 − p_det) for t < 0
    mean = (a_pro - a_det) / a0
    var = (a_pro * (a0 - a_pro) + a_det * (a0 - a_det) + 2 * a_pro * a_det) / (a0 ** 2 * (a0 + 1))
    out = np.empty((len(levels), len(post)))
    for i, level in enumerate(levels):
        out[i] = _newton_quantile(level, a_det, a_pro, a0, mean, var, (b_pos, w_pos), (b_neg, w_neg),
                                  tol=tol, max_iter=max_iter)[inverse]
    return out if np.ndim(q) else out[0]


def _newton_quantile(q, a_det, a_pro, a0, mean, var, rule_pos, rule_neg, *, tol, max_iter):
    """Bracketed Newton iterations of :func:`nps_posterior_quantiles` for one level ``q``."""
    (b_pos, w_pos), (b_neg, w_neg) = rule_pos, rule_neg
    t = np.clip(mean + special.ndtri(q) * np.sqrt(var), -1 + 1e-9, 1 - 1e-9)
    lo, hi = np.full(len(t), -1.0), np.full(len(t), 1.0)
    todo = np.arange(len(t))
    for _ in range(max_iter):
        tt = t[todo]
        pos = tt >= 0
        b = np.where(pos[:, None], b_pos[todo], b_neg[todo])
        w = np.where(pos[:, None], w_pos[todo], w_neg[todo])
        a1 = np.where(pos, a_pro[todo], a_det[todo])[:, None]
        b1 = a0[todo][:, None] - a1
        x = (np.abs(tt)[:, None] + b) / (1.0 + b)
        cdf = (special.betainc(a1, b1, x) * w).sum(axis=1)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            log_pdf = special.xlogy(a1 - 1, x) + special.xlog1py(b1 - 1, -x) - special.betaln(a1, b1)
            pdf = (np.exp(log_pdf) / (1.0 + b) * w).sum(axis=1)
            g = np.where(pos, cdf, 1.0 - cdf) - q
            lo[todo] = np.where(g < 0, tt, lo[todo])
            hi[todo] = np.where(g >= 0, tt, hi[todo])
            step = tt - g / pdf
        low, high = lo[todo], hi[todo]
        step = np.where(~np.isfinite(step) | (step <= low) | (step >= high), (low + high) / 2, step)
        t[todo] = step
        todo = todo[(np.abs(step - tt) >= tol) & (high - low >= tol)]
        if not len(todo):
            break
    return t


def posterior_nps_interval(post_alpha, *, confidence: float):
    """Equal-tailed posterior interval of ``p_pro − p_det`` for Dirichlet posteriors (proportion scale).

    ``post_alpha`` has shape ``(A, 3)`` (detractor, passive, promoter); the
    bounds are the exact ``(1 ∓ confidence) / 2`` quantiles of
    :func:`nps_posterior_quantiles` (no Monte Carlo error, no seed).

    Examples
    --------
    >>> import numpy as np
    >>> lo, hi = posterior_nps_interval(np.array([[2.0, 1e-12, 5.0]]), confidence=0.9)
    >>> from scipy import stats   # no passives: p_pro − p_det = 2 p_pro − 1, p_pro ~ Beta(5, 2)
    >>> bool(np.allclose([lo[0], hi[0]], 2 * stats.beta.ppf([0.05, 0.95], 5.0, 2.0) - 1, atol=1e-8))
    True
    """
    lo, hi = nps_posterior_quantiles(post_alpha, [(1 - confidence) / 2, (1 + confidence) / 2])
    return lo, hi
