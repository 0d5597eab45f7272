"""Per-study findings wording: sentences built only from saved analysis tables."""
from .churn import churn_findings, churn_scope_lines
from .drivers import driver_findings, driver_scope_lines
from .nps import nps_findings, nps_sentence, scope_lines
from .text import leading_themes, text_findings, text_scope_lines
from .operations import operations_findings, operations_scope_lines  # issue 11 (ops)

__all__ = ["nps_findings", "nps_sentence", "scope_lines", "driver_findings", "driver_scope_lines",
           "churn_findings", "churn_scope_lines"]
__all__ += ["operations_findings", "operations_scope_lines"]
__all__ += ["text_findings", "text_scope_lines", "leading_themes"]
