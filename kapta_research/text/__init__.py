"""What customers say: themes, sentiment, theme impact and anonymised quotes -- offline.

* :func:`themes` -- a B2B dictionary (:data:`DEFAULT_DICTIONARY`, stems and
  negation) or TF-IDF + NMF topics with a stability score;
* :func:`sentiment` / :func:`sentiment_by` -- VADER with a B2B supplement
  (the lexicon ships inside the pinned ``vaderSentiment`` package);
* :func:`theme_impact` -- shares by NPS category with cluster intervals, NPS of
  mentioners vs non-mentioners with a clustered difference interval, and the
  NPS points the theme's detractor mentions account for (account bootstrap);
* :func:`quotes` / :func:`scrub_pii` -- representative comments with e-mails,
  phone numbers and the programme's names replaced by placeholders.

Everything runs without network access.  Blank comments and comments in other
languages are counted and left out (the methods are English-only); see
:mod:`kapta_research.text._prepare`.
"""
from ._dictionary import DEFAULT_DICTIONARY, NEGATORS
from ._prepare import detect_language, stem
from .impact import ThemeImpact, theme_impact
from .quotes import quotes, scrub_pii
from .sentiment import B2B_LEXICON, sentiment, sentiment_by, sentiment_label
from .themes import Themes, share_interval, themes

__all__ = ["themes", "Themes", "DEFAULT_DICTIONARY", "NEGATORS", "sentiment", "sentiment_by", "sentiment_label",
           "B2B_LEXICON", "theme_impact", "ThemeImpact", "quotes", "scrub_pii", "detect_language", "stem",
           "share_interval"]
