"""Comment preparation shared by every text method: checks, blanks, language, tokens, stems.

Blank comments
    A comment is blank when it is missing, holds no letter, or is one of the
    "nothing to say" markers of :data:`BLANK_MARKERS` (``n/a``, ``none``,
    ``no comment`` ...), compared in lower case without punctuation.
Other languages (:func:`detect_language`)
    The methods are English-only.  A comment counts as *another language*
    when at least two of its words are common stop-words of German, French,
    Spanish, Dutch or Italian (:data:`FOREIGN_STOP_WORDS`, chosen without
    English homographs) and they outnumber its English stop-words
    (scikit-learn's ``ENGLISH_STOP_WORDS``).  Counting stop-words is cheap
    and needs no model; it misses very short comments (left as English)
    and mixed-language ones (judged by their majority).  Such comments are
    counted (``n_other_language``) and left out of themes and sentiment.
Tokens and stems (:func:`stem`)
    Lower-cased runs of letters (apostrophes dropped, ``n't`` read as
    ``not``).  A light suffix-stripping stemmer in the spirit of Porter
    (1980) but much simpler, applied alike to comments and dictionary
    phrases so that "invoice", "invoices" and "invoicing" meet: words of
    more than four letters lose one ending of ``ingly, edly, ing, ed, ies
    (→ y), es, s (not after s), ly, e``, keeping at least three letters.
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from .._validation import check_columns, check_dataframe, row_labels, source_of
from ..errors import DataError, ParameterError

__all__ = ["BLANK_MARKERS", "FOREIGN_STOP_WORDS", "stem", "tokens", "stem_text", "detect_language",
           "prepare_comments", "Prepared"]

BLANK_MARKERS = frozenset({"na", "n a", "none", "no comment", "no comments", "nothing", "nothing to add",
                           "nil", "null", "no", "not applicable"})
FOREIGN_STOP_WORDS = frozenset("""
der die und nicht ist sehr wir ein eine mit für das zu auch sind den dem wird oft viel
le les et est pas très nous avec pour une des du mais sont votre notre toujours trop
el los las muy pero por con una es y del lo estamos son tienen
het een niet zeer wij voor zijn jullie vaak duurt over
il di che sono molto per della
""".split())
_WORD = re.compile(r"[a-zà-öø-ÿ]+(?:'[a-z]+)?")
_SUFFIXES = ("ingly", "edly", "ing", "ed", "ies", "es", "s", "ly", "e")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Light stem of a lower-case word (see the module docstring).

    Examples
    --------
    >>> [stem(w) for w in ["invoice", "invoices", "invoicing", "process", "processes", "prices"]]
    ['invoic', 'invoic', 'invoic', 'process', 'process', 'pric']
    """
    if len(word) <= 4:
        return word
    for suf in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 3:
            if suf == "s" and word.endswith("ss"):
                continue
            return word[: -len(suf)] + ("y" if suf == "ies" else "")
    return word


def tokens(text: str) -> list[str]:
    """Lower-case word tokens; ``n't`` becomes ``not``.

    Examples
    --------
    >>> tokens("We don't pay THAT much.")
    ['we', 'do', 'not', 'pay', 'that', 'much']
    """
    text = text.lower().replace("’", "'").replace("n't", " not")
    return [w.replace("'", "") for w in _WORD.findall(text)]


def stem_text(text: str) -> str:
    """The comment as space-separated stems (what dictionary phrases are matched against)."""
    return " ".join(stem(w) for w in tokens(text))


def _is_blank(text) -> bool:
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return True
    words = tokens(str(text))
    return not words or " ".join(words) in BLANK_MARKERS


def detect_language(text: str) -> str:
    """``"en"`` or ``"other"`` by counting stop-words (see the module docstring).

    Examples
    --------
    >>> detect_language("Der Preis ist viel zu hoch."), detect_language("The price is too high.")
    ('other', 'en')
    """
    return _language(tokens(text))


def _language(words: list) -> str:
    foreign = sum(w in FOREIGN_STOP_WORDS for w in words)
    english = sum(w in ENGLISH_STOP_WORDS for w in words)
    return "other" if foreign >= 2 and foreign > english else "en"


class Prepared:
    """Comments of a frame split into blank, other-language and in-scope (English) rows.

    Attributes
    ----------
    text : Series of str
        The in-scope comments (index of ``data``).
    status : Series
        ``"blank"``, ``"other_language"`` or ``"english"`` for every row of ``data``.
    """

    def __init__(self, text: pd.Series, status: pd.Series, stems: list | None = None):
        self.text = text
        self.status = status
        self.stems = stems

    @property
    def n_blank(self) -> int:
        return int((self.status == "blank").sum())

    @property
    def n_other_language(self) -> int:
        return int((self.status == "other_language").sum())


def prepare_comments(data, *, text: str, func: str) -> Prepared:
    """Check ``data[text]`` and classify every row (blank / other language / English).

    Raises a :class:`~kapta_research.errors.DataError` when the column is
    missing, holds values that are not text (numbers, dates ...; their rows
    are named) or has no non-blank comment at all.
    """
    check_dataframe(data, func=func)
    if not isinstance(text, str):
        raise ParameterError(f"The 'text' parameter of {func} must be a column name (str). Got {text!r} instead.")
    check_columns(data, [text], func=func, name="text")
    col = data[text]
    present = col.notna().to_numpy()
    is_str = np.array([isinstance(v, str) for v in col], dtype=bool)
    bad = present & ~is_str
    if bad.any():
        raise DataError(f"{func}: comments must be text; found {int(bad.sum())} value(s) of another type",
                        file=source_of(data), column=text, rows=row_labels(data, bad),
                        values=list(col[bad]))
    # one tokenisation per comment serves the blank rule, the language rule and the stems
    toks = [tokens(v) if isinstance(v, str) else [] for v in col]
    blank = np.array([not t or " ".join(t) in BLANK_MARKERS for t in toks], dtype=bool)
    if blank.all():
        raise DataError(f"{func}: every comment is blank ({len(col)} rows): there is no text to analyse",
                        file=source_of(data), column=text)
    other = np.array([not b and _language(t) == "other" for t, b in zip(toks, blank)], dtype=bool)
    status = pd.Series("english", index=data.index, dtype=object)
    status[blank] = "blank"
    status[other] = "other_language"
    keep = ~blank & ~other
    stems = [" " + " ".join(stem(w) for w in t) + " " for t, k in zip(toks, keep) if k]
    return Prepared(col[keep].astype(str), status, stems)


def check_rows_of(data, result, *, what: str, source: str, func: str) -> None:
    """DataError when ``result`` (themes, sentiment scores) has rows that are not rows of ``data``.

    The text functions line a per-comment result up with the responses by
    index; a result computed on another frame would pair comments with the
    wrong scores.
    """
    missing = result.index.difference(data.index)
    if len(missing):
        raise DataError(f"{func}: {len(missing)} rows of the {what} are not rows of the data "
                        f"(e.g. {list(missing[:3])}); pass the frame the {source} were computed on.")
