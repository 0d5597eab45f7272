"""``tables.xlsx``: every saved table of a run as one formatted sheet, with its caption.

Written beside ``tables/*.csv`` by the runner, for readers who live in Excel.  The
CSV files stay the reproducible record; the workbook is a view of them.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

__all__ = ["TABLE_CAPTIONS", "table_caption", "write_tables_xlsx", "write_captioned_sheet"]

#: Caption of each table the studies save (others get their name in words).
TABLE_CAPTIONS = {
    "nps_overall": "NPS of all responses, with its interval and mix",
    "nps_by_wave": "NPS by wave",
    "wave_changes": "Change in NPS since the previous wave",
    "segment_changes_last_wave": "Last wave's change in NPS by group (Holm-adjusted p)",
    "segment_gaps": "NPS gap of every pair of groups (p adjusted for the number of pairs)",
    "mix_contrasts": "Score versus mix, pairs of groups",
    "response_rates": "Response counts and rates by wave",
    "response_rate_trend": "Trend of the response rate across waves",
    "relative_importance": "Relative importance of the drivers (share of R²)",
    "r2": "R² of the drivers' regression, with its account-bootstrap interval",
    "transition_drivers": "Drivers of the Detractor→Passive and Passive→Promoter steps",
    "transition_difference": "Does a driver's effect differ between the two steps?",
    "importance_performance": "Importance and performance of the drivers",
    "snapshots": "Account snapshots: features before each date, churn after it",
    "predictive_value": "How well each model predicts churn",
    "odds_ratios": "Churn odds ratios per point (adjusted for each other)",
    "auc_comparisons": "Differences in AUC between the models",
    "churn_by_nps_band": "Churn rate by NPS band",
    "churn_by_response_trend": "Churn rate by response-rate trend (difference vs stable)",
    "score_freshness": "AUC of the account NPS by the age of its wave",
    "kaplan_meier": "Kaplan–Meier survival by NPS band",
    "cox": "Cox model of time to churn (hazard ratios)",
}


def table_caption(name: str) -> str:
    """Caption of a saved table: from :data:`TABLE_CAPTIONS`, else ``nps_by_<col>`` -> "NPS by <col>".

    Examples
    --------
    >>> table_caption("nps_by_industry")
    'NPS by industry'
    """
    if name in TABLE_CAPTIONS:
        return TABLE_CAPTIONS[name]
    if name.startswith("nps_by_"):
        return "NPS by " + name[len("nps_by_"):].replace("_", " ")
    return name.replace("_", " ").capitalize()


def _sheet_names(names) -> list[str]:
    """Excel sheet names: at most 31 characters, unique."""
    out = []
    for n in names:
        s = n[:31]
        k = 2
        while s in out:
            s = f"{n[:28]}~{k}"
            k += 1
        out.append(s)
    return out


def write_tables_xlsx(run_dir, path=None) -> Path:
    """Write ``<run_dir>/tables.xlsx`` from ``<run_dir>/tables/*.csv``.

    Each sheet holds the caption (row 1, bold), the header (row 3, bold on
    grey, frozen) and the rows; columns are sized to their content.  A design
    effect below 1 reads "<1, no clustering penalty" (a value below 1 is
    sampling noise, not information; the CSV keeps the float).  Captions
    come from ``table_captions.json`` (written by
    :meth:`~kapta_research.report.StudyContext.save_table`) or
    :func:`table_caption`.

    Returns
    -------
    Path
        The workbook.
    """
    run_dir = Path(run_dir)
    path = Path(path) if path else run_dir / "tables.xlsx"
    files = sorted((run_dir / "tables").glob("*.csv"))
    cap_file = run_dir / "table_captions.json"
    captions = json.loads(cap_file.read_text()) if cap_file.is_file() else {}
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        if not files:
            pd.DataFrame({"note": ["This run saved no tables."]}).to_excel(xl, sheet_name="tables", index=False)
        for f, sheet in zip(files, _sheet_names([f.stem for f in files])):
            df = pd.read_csv(f, keep_default_na=False, na_values=[""])
            if "design_effect" in df:  # below 1 is sampling noise, not information (issue 8 §5)
                deff = df["design_effect"]
                df["design_effect"] = deff.astype(object).where(~(deff < 1), "<1, no clustering penalty")
            write_captioned_sheet(xl, sheet, df, captions.get(f.stem) or table_caption(f.stem))
    return path


def write_captioned_sheet(xl, sheet: str, df: pd.DataFrame, caption: str) -> None:
    """One sheet of a workbook in the house style: caption (row 1, bold), header (row 3, bold on grey,
    frozen), the rows, columns sized to their content (at most 40 characters).

    ``xl`` is an open ``pandas.ExcelWriter(..., engine="openpyxl")``.
    """
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    df.to_excel(xl, sheet_name=sheet, index=False, startrow=2)
    ws = xl.sheets[sheet]
    ws.cell(row=1, column=1, value=caption).font = Font(bold=True, size=12)
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF2F6")
    ws.freeze_panes = "A4"
    for i, col in enumerate(df.columns, start=1):
        width = max([len(str(col)), *(len(str(v)) for v in df[col].head(200))]) + 2
        ws.column_dimensions[get_column_letter(i)].width = min(max(width, 8), 40)
