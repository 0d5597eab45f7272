"""Dictionary themes: a theme -> keywords/phrases mapping matched on stems, with negation.

Matching
    Comments and phrases are reduced to stems (:func:`._prepare.stem_text`);
    a theme is *mentioned* when any of its phrases occurs as a whole run of
    stems ("value for money" does not match "money" alone, "price" matches
    "prices" and "pricing").  The matching is a compiled regular expression
    per theme run over all comments at once (pandas ``str``), which keeps
    200 000 comments in seconds.
Negation
    A mention is *negated* when one of :data:`NEGATORS` stands at most two
    words before the phrase ("not expensive at all", "no billing problems",
    "never slow to respond").  A negated mention still counts as a mention
    of the theme -- "not expensive" is about pricing -- and ``negated``
    reports it, so a reader (or the sentiment) can tell praise from
    complaint; a theme whose every mention in a comment is negated has
    ``negated`` True.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ._prepare import stem, stem_text

__all__ = ["DEFAULT_DICTIONARY", "NEGATORS", "check_dictionary", "padded_stems", "match_dictionary", "top_terms"]

#: The shipped B2B dictionary: theme -> keywords and phrases (matched on stems).
DEFAULT_DICTIONARY: dict[str, tuple[str, ...]] = {
    "pricing": ("price", "pricing", "cost", "costs", "expensive", "overpriced", "cheap", "cheaper",
                "affordable", "value for money", "good value", "poor value", "fee", "fees", "discount",
                "worth the price", "worth the money", "price increase", "budget"),
    "process": ("process", "paperwork", "bureaucracy", "bureaucratic", "red tape", "approval", "approvals",
                "do business", "get anything done", "get things done", "ordering", "purchase order",
                "onboarding", "contract", "contracts", "administration", "procurement", "forms"),
    "billing": ("invoice", "invoices", "invoicing", "billing", "bill", "billed", "double charged",
                "overcharged", "charged", "credit note", "credit notes", "payment", "payments"),
    "responsiveness": ("responsive", "unresponsive", "respond", "response time", "reply", "replies",
                       "get back to us", "call back", "calls back", "chase", "chasing", "proactive",
                       "proactively", "reactive", "react", "escalate", "escalation", "follow up",
                       "come to us with ideas"),
    "product_quality": ("quality", "bug", "bugs", "buggy", "outage", "outages", "downtime", "crash", "crashes",
                        "reliable", "unreliable", "reliability", "defect", "defects", "stable", "stability",
                        "broken", "glitch", "glitches", "just works", "rock solid", "solid product", "platform"),
    "innovation": ("innovation", "innovative", "innovate", "roadmap", "new features", "feature", "features",
                   "outdated", "old fashioned", "ahead of the curve", "cutting edge", "leading edge",
                   "behind the competition", "modern", "legacy"),
    "relationship": ("account manager", "relationship", "partner", "partnership", "listen", "listens",
                     "feel valued", "value us", "just a number", "trust", "trusted", "personal touch",
                     "care about us"),
    "support": ("support", "helpdesk", "help desk", "service desk", "ticket", "tickets", "technical support",
                "customer service", "hotline"),
}

#: Words that negate a phrase standing at most two words after them.
NEGATORS = ("not", "no", "never", "without", "hardly", "nobody", "nothing", "none")
_NEG = "(?:" + "|".join(sorted({stem(w) for w in NEGATORS})) + r")(?: \S+){0,2} "


def check_dictionary(dictionary, *, func: str) -> dict[str, tuple[str, ...]]:
    """The default dictionary for None; else check a mapping of theme names to keyword lists."""
    if dictionary is None:
        return dict(DEFAULT_DICTIONARY)
    what = ("a mapping of theme names (str) to non-empty lists of keywords or phrases (str), "
            "e.g. {'pricing': ['price', 'expensive']}")
    if not isinstance(dictionary, Mapping) or not dictionary:
        raise ParameterError(f"The 'dictionary' parameter of {func} must be {what}. Got {dictionary!r} instead.")
    out = {}
    for theme, words in dictionary.items():
        if isinstance(words, str) or not isinstance(words, (list, tuple, set, frozenset)):
            raise ParameterError(f"The 'dictionary' parameter of {func} must be {what}. Theme {theme!r} has "
                                 f"{words!r} instead.")
        bad = [w for w in words if not isinstance(w, str) or not stem_text(w)]
        if not isinstance(theme, str) or not theme.strip() or bad or not words:
            detail = f"theme {theme!r}" if not isinstance(theme, str) or not theme.strip() else \
                f"theme {theme!r} has {bad[0]!r}" if bad else f"theme {theme!r} has no keyword"
            raise ParameterError(f"The 'dictionary' parameter of {func} must be {what}. Got {detail}.")
        out[theme] = tuple(words)
    return out


def _pattern(words) -> str:
    stems = sorted({stem_text(w) for w in words}, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(s) for s in stems) + ")"


def padded_stems(texts: pd.Series) -> pd.Series:
    """Each comment as its stems, space-separated and padded with a space at both ends."""
    return " " + texts.map(stem_text) + " "


def match_dictionary(stems, dictionary: dict, index=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Memberships and negation flags (bool frames, one column per theme) of padded stems.

    One regular-expression scan per theme: every match records whether a
    negator preceded it; a theme is mentioned when it has a match and negated
    when all its matches are.
    """
    idx = stems.index if index is None else index
    stems = list(stems)
    member, negated = {}, {}
    for theme, words in dictionary.items():
        pat = re.compile(f" (?:({_NEG[:-1]}) )?{_pattern(words)}(?= )")
        found = [pat.findall(s) for s in stems]
        member[theme] = np.array([bool(f) for f in found], dtype=bool)
        negated[theme] = np.array([bool(f) and all(f) for f in found], dtype=bool)
    return pd.DataFrame(member, index=idx), pd.DataFrame(negated, index=idx)


def top_terms(dictionary: dict, stems, memberships: pd.DataFrame, k: int = 5) -> dict[str, str]:
    """The ``k`` dictionary phrases found in most of each theme's comments (comma-separated)."""
    stems = list(stems)
    out = {}
    for theme, words in dictionary.items():
        by_stem = {}
        for w in words:
            by_stem.setdefault(stem_text(w), w)
        pat = re.compile(f" ({_pattern(words)})(?= )")
        counts = {}
        for s, m in zip(stems, memberships[theme].to_numpy(bool)):
            if m:
                for hit in set(pat.findall(s)):
                    counts[hit] = counts.get(hit, 0) + 1
        ranked = sorted(((c, by_stem[h]) for h, c in counts.items()), key=lambda t: (-t[0], t[1]))
        out[theme] = ", ".join(w for _, w in ranked[:k])
    return out
