"""HTML tables of study 06 (what customers say): formatting only, from saved text tables."""
from __future__ import annotations

import html

import pandas as pd

from ..text._nmf import STABLE_THEME
from .format import _conf, _n, fmt_ci, fmt_p, fmt_pct, fmt_points
from .html import table_html

__all__ = ["themes_table_html", "theme_impact_table_html", "sentiment_table_html", "quotes_html",
           "nmf_table_html", "comment_scope_html"]


def _theme(t: str) -> str:
    return t.replace("_", " ").capitalize()


def _pct_ci(lo, hi) -> str:
    return "–" if pd.isna(lo) else f"{100 * lo:.0f}–{100 * hi:.0f} %"


def _compact(est, lo, hi, *, pct=False, digits=0) -> str:
    """``35 % (29–41)`` or ``−31 (−44 to −17)``: a table cell with its interval."""
    if pd.isna(est):
        return "–"
    if pct:
        return f"{100 * est:.{digits}f} ({100 * lo:.{digits}f}–{100 * hi:.{digits}f})"
    return f"{fmt_points(est, digits=digits)} ({fmt_ci(lo, hi, digits=digits)})"


def comment_scope_html(scope: pd.DataFrame) -> str:
    """Responses by comment status (``Themes.scope``)."""
    disp = pd.DataFrame({"Responses": scope["status"], "n": scope["n"].map(_n)})
    return table_html(disp, caption="Which comments were analysed",
                      note="The methods are English-only: comments in other languages are counted, not analysed.")


def themes_table_html(summary: pd.DataFrame, *, confidence=0.95) -> str:
    """Dictionary themes: share of comments with interval, top matched phrases."""
    s = summary.sort_values("share", ascending=False)
    disp = pd.DataFrame({"Theme": s["theme"].map(_theme), "Comments": s["n"].map(_n),
                         "Share": (100 * s["share"]).map(fmt_pct),
                         _conf(confidence): [_pct_ci(lo, hi) for lo, hi in zip(s["ci_low"], s["ci_high"])],
                         "Most frequent phrases": s["top_terms"]})
    n = int(summary["n_comments"].iloc[0]) if len(summary) else 0
    return table_html(disp, caption="Themes in the comments",
                      note=f"Share of the {_n(n)} analysed comments; a comment can raise several themes.")


def theme_impact_table_html(impact, *, confidence=0.95) -> str:
    """Per theme: share by category, NPS gap of mentioners, detractor points (from a ThemeImpact)."""
    sh = impact.shares.set_index(["theme", "category"])
    d = impact.difference.set_index("theme")
    p = impact.points.set_index("theme")
    rows = []
    for t in impact.summary.sort_values("points", ascending=False)["theme"]:
        def share(cat):
            r = sh.loc[(t, cat)]
            return "–" if r["suppressed"] else _compact(r["share"], r["ci_low"], r["ci_high"], pct=True)
        dt = d.loc[t]
        pt = p.loc[t]
        rows.append({"Theme": _theme(t), "% of detractors": share("detractor"), "% of passives": share("passive"),
                     "% of promoters": share("promoter"),
                     "NPS gap": "–" if dt["suppressed"] else _compact(dt["diff"], dt["ci_low"], dt["ci_high"]),
                     "p": "–" if dt["suppressed"] else fmt_p(dt["p_value"]).replace("p = ", "").replace("p < ", "<"),
                     "Detractor points": f"{pt['points']:.1f} ({pt['ci_low']:.1f}–{pt['ci_high']:.1f})",
                     "n": f"{_n(dt['n_mentioning'])} / {_n(dt['n_not_mentioning'])}"})
    return table_html(pd.DataFrame(rows), caption="What each theme weighs in NPS",
                      note=f"Share of each category's comments that raise the theme, in brackets its {_conf(confidence)}. NPS gap: "
                           "NPS of the comments that raise it minus that of the other comments. Detractor points: "
                           "how many NPS points the commenters' score would gain if the detractors raising the "
                           "theme were passives (account bootstrap interval); themes overlap, so the points do "
                           "not add up. n: comments raising / not raising the theme.")


def sentiment_table_html(table: pd.DataFrame, *, by="segment", confidence=0.95) -> str:
    """Sentiment shares per group (from :func:`~kapta_research.text.sentiment_by`)."""
    shown = table[~table["suppressed"].astype(bool)]
    rows = []
    for key, g in shown.groupby(by, sort=True):
        g = g.set_index("label")
        row = {by.replace("_", " ").capitalize(): str(key), "Comments": _n(g["n"].iloc[0])}
        for lab in ("negative", "neutral", "positive"):
            r = g.loc[lab]
            row[f"% {lab}"] = _compact(r["share"], r["ci_low"], r["ci_high"], pct=True)
        rows.append(row)
    hidden = int(table.drop_duplicates(by)["suppressed"].sum())
    note = f"Share of the group's comments, in brackets its {_conf(confidence)}. Sentiment: VADER lexicon with a B2B supplement."
    if hidden:
        note += f" {hidden} group(s) with too few comments or accounts are not shown."
    return table_html(pd.DataFrame(rows), caption=f"Sentiment by {by.replace('_', ' ')}", note=note)


def quotes_html(quotes: pd.DataFrame) -> str:
    """Quotes per theme and category as short lists (already scrubbed of personal data)."""
    if len(quotes) == 0:
        return ""
    parts = []
    for theme, g in quotes.groupby("theme", sort=False):
        items = "".join(f"<li><em>{html.escape(str(r['category']).capitalize())}:</em> "
                        f"“{html.escape(r['quote'])}”</li>" for _, r in g.iterrows())
        parts.append(f"<p class='kr-caption'><strong>{html.escape(_theme(theme))}</strong></p><ul>{items}</ul>")
    return ("<div class='kr-block'>" + "".join(parts) + "<p class='kr-note'>Scrubbing as stated on the title "
            "page (e-mails, phone numbers and known or cued person names replaced by placeholders).</p></div>")


def nmf_table_html(summary: pd.DataFrame, *, confidence=0.95) -> str:
    """NMF themes: top terms, share with interval, stability across restarts."""
    disp = pd.DataFrame({"Theme": summary["theme"], "Top terms": summary["top_terms"],
                         "Share": (100 * summary["share"]).map(fmt_pct),
                         _conf(confidence): [_pct_ci(lo, hi) for lo, hi in zip(summary["ci_low"], summary["ci_high"])],
                         "Stability": [f"{v:.2f}" + ("" if v >= STABLE_THEME else " (not reliable)")
                                       for v in summary["stability"]]})
    return table_html(disp, caption="Themes found without a dictionary (NMF)",
                      note="Stability: mean cosine similarity of the theme's terms with its best match over 10 "
                           f"random restarts (1 = found every time; below {STABLE_THEME:.1f} the theme is marked "
                           "not reliable: it does not come back across restarts).")
