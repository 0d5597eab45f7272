"""Where a study run writes its tables and figures."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..config import REPORTS_DIR
from .xlsx import table_caption

__all__ = ["StudyContext"]


class StudyContext:
    """Where a study run writes its tables and figures.

    Parameters
    ----------
    study : str
        Study name.
    output_dir : str
        The run folder (set by the runner); empty in an interactive session,
        which then writes to ``reports/<study>/interactive``.
    """

    def __init__(self, study: str, *, output_dir: str = ""):
        self.study = study
        self.output_dir = Path(output_dir) if output_dir else REPORTS_DIR / study / "interactive"
        (self.output_dir / "tables").mkdir(parents=True, exist_ok=True)
        (self.output_dir / "figures").mkdir(parents=True, exist_ok=True)

    def save_table(self, df: pd.DataFrame, name: str, *, caption: str | None = None) -> pd.DataFrame:
        """Write ``tables/<name>.csv`` (deterministic formatting) and return ``df``.

        ``caption`` (default: :func:`~kapta_research.report.xlsx.table_caption`) heads the
        table's sheet in ``tables.xlsx``; it is kept in ``table_captions.json`` of the run folder.
        """
        df.to_csv(self.output_dir / "tables" / f"{name}.csv", index=False, lineterminator="\n",
                  float_format="%.10g")
        path = self.output_dir / "table_captions.json"
        captions = json.loads(path.read_text()) if path.is_file() else {}
        captions[name] = caption or table_caption(name)
        path.write_text(json.dumps(captions, indent=1, sort_keys=True) + "\n")
        return df

    def save_account_table(self, df: pd.DataFrame, name: str) -> pd.DataFrame:
        """Write account-level working data to ``accounts/<name>.csv`` and return ``df``.

        Rows of single accounts (an account's NPS from one respondent is that
        person's answer) are for the account team, not for circulation: they are
        kept out of ``tables/``, ``tables.xlsx`` and the PDF, which print only
        groups that meet the suppression rule.
        """
        folder = self.output_dir / "accounts"
        folder.mkdir(parents=True, exist_ok=True)
        df.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n", float_format="%.10g")
        return df

    def save_figure(self, ax, name: str) -> None:
        """Write ``figures/<name>.png`` (Jupyter's inline backend shows the figure at the end of the cell)."""
        fig = ax.figure if hasattr(ax, "figure") else ax
        fig.savefig(self.output_dir / "figures" / f"{name}.png", dpi=150, bbox_inches="tight")
