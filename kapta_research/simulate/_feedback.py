"""Simulated open comments (component stream ``"comments"``).

Truth: about 35 % of responses carry a comment, chosen uniformly from a
few canned sentences of the response's NPS category.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["simulate_comments"]

_COMMENTS = {0: ("Too hard to get things done with you.", "Invoices and processes are a pain.",
                 "Not worth the price any more."),
             1: ("Solid service, nothing special.", "Fine overall; could be more proactive."),
             2: ("Great partner, always ahead of the curve.", "They really value us.")}


def simulate_comments(responses: pd.DataFrame, cat: np.ndarray, rng: np.random.Generator) -> list:
    """One comment (or ``None``) per response; ``cat`` is 0/1/2 = D/P/P."""
    m = len(responses)
    has_comment = rng.random(m) < 0.35
    pick = rng.integers(0, 6, m)
    return [_COMMENTS[ct][p % len(_COMMENTS[ct])] if h else None
            for ct, p, h in zip(cat, pick, has_comment)]
