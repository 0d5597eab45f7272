"""Accounts and portfolio (issue 10): account health score, its validation against churn, action lists."""
# --- health (issue 10 B): health score, validation, action lists ---
from .actions import action_counts, action_lists, write_actions_xlsx
from .health import COMPONENTS, DEFAULT_WEIGHTS, HealthScore, HealthValidation, health_score, validate_health

__all__ = ["health_score", "HealthScore", "validate_health", "HealthValidation", "COMPONENTS", "DEFAULT_WEIGHTS",
           "action_lists", "action_counts", "write_actions_xlsx"]
