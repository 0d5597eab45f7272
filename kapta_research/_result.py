"""Base class of model-style results (like lifelines / statsmodels)."""
from __future__ import annotations

import html

import pandas as pd


class Result:
    """A fitted analysis: a tidy ``summary`` DataFrame plus attributes.

    Subclasses set ``summary`` and may add fields listed in ``_info``;
    ``_repr_html_`` renders both in Jupyter.
    """

    summary: pd.DataFrame
    _title: str = "Result"
    _info: tuple[str, ...] = ()

    def _info_items(self) -> list[tuple[str, object]]:
        return [(name, getattr(self, name)) for name in self._info]

    def __repr__(self) -> str:
        lines = [f"<{type(self).__name__}: {self._title}>"]
        for key, value in self._info_items():
            lines.append(f"  {key}: {value!r}" if not isinstance(value, float) else f"  {key}: {value:.6g}")
        lines.append(self.summary.to_string())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
            f"<td>{html.escape(f'{v:.6g}' if isinstance(v, float) else str(v))}</td></tr>"
            for k, v in self._info_items()
        )
        head = f"<p><strong>{html.escape(self._title)}</strong></p>"
        info = f"<table>{rows}</table>" if rows else ""
        return head + info + self.summary.to_html(float_format=lambda x: f"{x:.4g}")
