"""Accounts and portfolio (issue 10): account health score, its validation against churn, action lists."""
# --- health (issue 10 B): health score, validation, action lists ---
from .actions import ACTION_LISTS, ActionLists, action_counts, action_lists, write_actions_xlsx
from .health import (COMPONENTS, DEFAULT_WEIGHTS, HealthScore, HealthValidation, component_scores, default_scores,
                     health_score, validate_health)

__all__ = ["health_score", "HealthScore", "component_scores", "validate_health", "HealthValidation",
           "default_scores", "COMPONENTS", "DEFAULT_WEIGHTS", "action_lists", "ActionLists", "ACTION_LISTS",
           "action_counts", "write_actions_xlsx"]
