"""Accounts and portfolio (issue 10): account NPS with honest small-n intervals, voices, categories, quadrants,
the account health score, its validation against churn, and action lists.

* :func:`account_nps` — four roll-ups of an account's voices, empirical-Bayes shrinkage;
* :func:`rollup_sensitivity` — the portfolio NPS under each roll-up, account-clustered CIs;
* :func:`voice_coverage` — who was heard per account, balance, revenue coverage;
* :func:`account_categories` — Ambassador / Rational / Ambivalent / Stalker / Opponent with probabilities;
* :func:`quadrants` — loyalty × value quadrants with the probability of each account's quadrant;
* :func:`health_score`, :func:`validate_health`, :func:`action_lists` — the health score (issue 10 B).
"""
from ._prior import DirichletPrior, fit_dirichlet_prior
from ._rollup import (DEFAULT_ROLE_WEIGHTS, ROLLUPS, WATERFALL, AccountNPS, account_nps, parse_weights)
from .sensitivity import METHOD_LABELS, rollup_sensitivity
from .voices import REVENUE_COVERAGE_TARGET, VoiceCoverage, period_end, voice_coverage
from .categories import CATEGORY_NAMES, DEFAULT_RULE, AccountCategories, account_categories
from .quadrants import QUADRANTS, Quadrants, choose_loyalty_cut, parse_loyalty_cut, quadrants
# --- health (issue 10 B): health score, validation, action lists ---
from .actions import ACTION_LISTS, ActionLists, action_counts, action_lists, write_actions_xlsx
from .health import (COMPONENTS, DEFAULT_WEIGHTS, HealthScore, HealthValidation, component_scores, default_scores,
                     health_score, validate_health)

__all__ = ["account_nps", "AccountNPS", "rollup_sensitivity", "METHOD_LABELS", "voice_coverage", "VoiceCoverage",
           "REVENUE_COVERAGE_TARGET", "account_categories", "AccountCategories", "CATEGORY_NAMES", "DEFAULT_RULE",
           "quadrants", "Quadrants", "QUADRANTS", "choose_loyalty_cut", "parse_loyalty_cut", "DirichletPrior",
           "fit_dirichlet_prior", "ROLLUPS", "WATERFALL", "DEFAULT_ROLE_WEIGHTS", "parse_weights", "period_end",
           "health_score", "HealthScore", "component_scores", "validate_health", "HealthValidation",
           "default_scores", "COMPONENTS", "DEFAULT_WEIGHTS", "action_lists", "ActionLists", "ACTION_LISTS",
           "action_counts", "write_actions_xlsx"]
