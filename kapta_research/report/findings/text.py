"""Key-finding sentences and title-page scope of study 06 (what customers say).

Every number comes from a saved table: ``comment_scope``, ``themes``,
``theme_shares_by_category``, ``theme_nps_difference``,
``theme_detractor_points`` and ``sentiment_by_segment``.
"""
from __future__ import annotations

import pandas as pd

from ..format import _conf, _n, fmt_ci, fmt_p, fmt_pct, fmt_points, significance_level

__all__ = ["text_findings", "text_scope_lines", "leading_themes"]


def _theme(t: str) -> str:
    return t.replace("_", " ")


def _pct(x) -> str:
    return fmt_pct(100 * x)


def _pci(lo, hi) -> str:
    return fmt_ci(100 * lo, 100 * hi, pct=True)


def leading_themes(points: pd.DataFrame, k: int = 3) -> list[str]:
    """The ``k`` themes whose detractor mentions account for the most NPS points (table order on ties)."""
    return points.sort_values("points", ascending=False, kind="stable")["theme"].head(k).tolist()


def _theme_sentence(theme, shares, diff, points, *, confidence) -> str | None:
    sh = shares[shares["theme"] == theme].set_index("category")
    if sh.loc[["detractor", "promoter"], "suppressed"].any():
        return None
    det, pro = sh.loc["detractor"], sh.loc["promoter"]
    d = diff.set_index("theme").loc[theme]
    p = points.set_index("theme").loc[theme]
    s = (f"{_theme(theme).capitalize()} is raised in {_pct(det['share'])} of detractors' comments "
         f"({_conf(confidence)} {_pci(det['ci_low'], det['ci_high'])}, n = {_n(det['n'])}) against "
         f"{_pct(pro['share'])} of promoters' ({_pci(pro['ci_low'], pro['ci_high'])}, n = {_n(pro['n'])})")
    if not d["suppressed"]:
        alpha = significance_level(confidence)
        direction = "lower" if d["diff"] < 0 else "higher"
        verdict = "" if d["p_value"] < alpha else "; the data cannot tell this from no difference"
        s += (f"; comments that raise it come with an NPS {fmt_points(abs(d['diff']), signed=False)} points "
              f"{direction} than the others ({fmt_points(d['nps_mentioning'])} vs {fmt_points(d['nps_not_mentioning'])}, "
              f"difference {_conf(confidence)} {fmt_ci(d['ci_low'], d['ci_high'])}, {fmt_p(d['p_value'])}, "
              f"n = {_n(d['n_mentioning'])} vs {_n(d['n_not_mentioning'])}{verdict})")
    s += (f"; NPS among commenters would be {p['points']:.1f} points higher if the detractors who raise it "
          f"were passives ({_conf(confidence)} {p['ci_low']:.1f} to {p['ci_high']:.1f}; a what-if, not an effect).")
    return s


def text_findings(*, scope, themes=None, shares=None, difference=None, points=None, sentiment=None,
                  segment="segment", confidence=0.95, n_leading=2) -> list[str]:
    """Key-finding sentences of the comments study.

    Parameters
    ----------
    scope : DataFrame
        ``Themes.scope`` (status, n).
    themes : DataFrame, optional
        ``Themes.summary`` of the dictionary themes.
    shares, difference, points : DataFrame, optional
        ``ThemeImpact.shares`` / ``.difference`` / ``.points``.
    sentiment : DataFrame, optional
        :func:`~kapta_research.text.sentiment_by` by ``segment``.
    confidence : float
        Also the significance rule (p below ``1 - confidence``).
    n_leading : int
        Themes worded in full (those with the most detractor points).

    Returns
    -------
    list of str
    """
    out = []
    counts = dict(zip(scope["status"], scope["n"]))
    n_en = counts.get("English comment (analysed)", 0)
    n_other = counts.get("other language (out of scope)", 0)
    if points is not None and shares is not None and difference is not None:
        for t in leading_themes(points, n_leading):
            s = _theme_sentence(t, shares, difference, points, confidence=confidence)
            if s:
                out.append(s)
    if themes is not None and len(themes):
        top = themes.sort_values("share", ascending=False).iloc[0]
        out.append(f"The most frequent theme is {_theme(top['theme'])}, raised in {_pct(top['share'])} of the "
                   f"{_n(top['n_comments'])} analysed comments ({_conf(confidence)} {_pci(top['ci_low'], top['ci_high'])}).")
    if sentiment is not None:
        neg = sentiment[(sentiment["label"] == "negative") & ~sentiment["suppressed"].astype(bool)]
        if len(neg) >= 2:
            hi, lo = neg.loc[neg["share"].idxmax()], neg.loc[neg["share"].idxmin()]
            out.append(f"Negative comments are most common in {hi[segment]} ({_pct(hi['share'])}, {_conf(confidence)} "
                       f"{_pci(hi['ci_low'], hi['ci_high'])}, n = {_n(hi['n'])}) and least in {lo[segment]} "
                       f"({_pct(lo['share'])}, {_pci(lo['ci_low'], lo['ci_high'])}, n = {_n(lo['n'])})"
                       + ("; the two intervals overlap, so this ranking is not established by the data."
                          if hi["ci_low"] <= lo["ci_high"] else "."))
    if not out:   # nothing to word: say what was analysed (the title page gives the scope otherwise)
        out.append(f"{_n(n_en)} English comments were analysed; no theme or segment result could be worded.")
    return out


def _scrubbed(programme, parameters) -> str:
    from ...text.quotes import scrub_description
    return scrub_description(programme, account_names=bool(parameters.get("scrub_account_names", False)))


def text_scope_lines(programme, responses: pd.DataFrame, parameters: dict, scope=None) -> list[str]:
    """Scope of the comments study for its title page (no personal data)."""
    lines = [f"Programme: {programme.name}",
             f"{_n(len(responses))} responses from {_n(responses['account_id'].nunique())} accounts"]
    if scope is not None:
        counts = dict(zip(scope["status"], scope["n"]))
        n_other = counts.get("other language (out of scope)", 0)
        other = (f"{_n(n_other)} comment{'s' if n_other != 1 else ''} in other languages "
                 f"{'were' if n_other != 1 else 'was'} counted and left out: the methods are English-only"
                 if n_other else "no comment in another language")
        lines.append(f"{_n(counts.get('English comment (analysed)', 0))} English comments analysed; {other}; "
                     f"{_n(counts.get('no comment or blank', 0))} responses without a comment")
    lines.append(f"Intervals: {100 * parameters.get('confidence', 0.95):g} %, respondents clustered by account; "
                 f"groups with fewer than {parameters.get('min_n', 5)} comments or "
                 f"{parameters.get('min_accounts', 3)} accounts suppressed")
    lines.append("Themes: shipped B2B dictionary (stems, negation); sentiment: VADER with a B2B supplement; "
                 + _scrubbed(programme, parameters) + " before any analysis")
    return lines
