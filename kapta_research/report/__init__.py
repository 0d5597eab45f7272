"""Study outputs: saved tables and figures, key-finding sentences, the PDF.

Numbers are formatted here, for people; the analysis functions return raw
floats.  Every sentence that states an estimate carries its confidence
interval and n.

Submodules: :mod:`.format` (numbers as text), :mod:`.html` (tables, title,
findings, manifest), :mod:`.pdf` (notebook to PDF), :mod:`.context` (where a
run writes), :mod:`.findings` (per-study wording).  Everything is re-exported
here, so ``kr.report.<name>`` works as before.
"""
from .context import StudyContext
from .findings import (churn_findings, churn_scope_lines, driver_findings, driver_scope_lines, nps_findings,
                       nps_sentence, scope_lines)
from .format import _and, _conf, _n, _ratio, _share, caption, driver_label, fmt_ci, fmt_p, fmt_pct, fmt_points
from .html import (churn_rate_table_html, compare_table_html, cox_table_html, findings_html, freshness_table_html,
                   importance_table_html, ipa_table_html, logrank_html, manifest_html, mix_table_html,
                   not_covered_html, nps_table_html, odds_ratio_table_html, predictive_table_html, rates_table_html, show,
                   table_html, title_html, skipped_html, transition_table_html)
from .findings import leading_themes, text_findings, text_scope_lines
from .html_text import (comment_scope_html, nmf_table_html, quotes_html, sentiment_table_html, theme_impact_table_html,
                        themes_table_html)
from .pdf import PRINT_CSS, notebook_to_pdf
from .xlsx import table_caption, write_tables_xlsx
# issue 11 (ops): study 05
from .findings import operations_findings, operations_scope_lines
from .html_operations import (benchmark_table_html, cadence_table_html, enps_table_html, loop_effect_table_html,
                              median_table_html, plan_table_html, role_rates_table_html, sla_table_html)

__all__ = ["StudyContext", "mix_table_html", "rates_table_html", "scope_lines", "fmt_points", "fmt_ci", "fmt_pct",
           "fmt_p", "nps_sentence", "nps_findings", "table_html", "nps_table_html", "compare_table_html",
           "title_html", "findings_html", "manifest_html", "show", "notebook_to_pdf", "driver_label",
           "driver_findings", "driver_scope_lines", "importance_table_html", "transition_table_html",
           "ipa_table_html", "churn_findings", "churn_scope_lines", "odds_ratio_table_html",
           "predictive_table_html", "churn_rate_table_html", "cox_table_html", "freshness_table_html",
           "logrank_html", "not_covered_html", "skipped_html", "caption", "table_caption", "write_tables_xlsx"]
__all__ += ["operations_findings", "operations_scope_lines", "benchmark_table_html", "cadence_table_html",
            "enps_table_html", "loop_effect_table_html", "median_table_html", "plan_table_html",
            "role_rates_table_html", "sla_table_html"]
__all__ += ["text_findings", "text_scope_lines", "leading_themes", "comment_scope_html", "themes_table_html",
            "theme_impact_table_html", "sentiment_table_html", "quotes_html", "nmf_table_html"]
