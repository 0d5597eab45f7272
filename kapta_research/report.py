"""Study outputs: saved tables and figures, key-finding sentences, the PDF.

Numbers are formatted here, for people; the analysis functions return raw
floats.  Every sentence that states an estimate carries its confidence
interval and n.
"""
from __future__ import annotations

import html
import math
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from .config import REPORTS_DIR

__all__ = ["StudyContext", "mix_table_html", "rates_table_html", "scope_lines", "fmt_points", "fmt_ci", "fmt_pct", "fmt_p", "nps_sentence",
           "nps_findings", "table_html", "nps_table_html", "compare_table_html", "title_html",
           "findings_html", "manifest_html", "show", "notebook_to_pdf"]


# --------------------------------------------------------------------------
# number formatting
# --------------------------------------------------------------------------
def fmt_points(x, *, signed=True, digits=0) -> str:
    """``+32`` (NPS points); ``−`` as a true minus sign."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    s = f"{x:+.{digits}f}" if signed else f"{x:.{digits}f}"
    if s in ("+0", "-0", "+0.0", "-0.0"):
        s = s[1:]
    return s.replace("-", "−")


def fmt_ci(lo, hi, *, signed=True, digits=0, pct=False) -> str:
    """``+24 to +40``."""
    f = (lambda v: fmt_pct(v, digits=digits)) if pct else (lambda v: fmt_points(v, signed=signed, digits=digits))
    return f"{f(lo)} to {f(hi)}"


def fmt_pct(x, *, digits=0) -> str:
    """A share in 0-1 or a percentage in 0-100?  Here: a percentage value -> ``44 %``."""
    return f"{x:.{digits}f} %"


def fmt_p(p) -> str:
    """``p = 0.03`` / ``p < 0.001``."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "p not available"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def _conf(confidence) -> str:
    return f"{100 * confidence:g} % CI"


def _n(n) -> str:
    return f"{int(n):,}"


# --------------------------------------------------------------------------
# sentences
# --------------------------------------------------------------------------
def nps_sentence(row, *, confidence, subject="NPS", accounts=True) -> str:
    """``NPS is +20 (95 % CI +13 to +26), n = 2,611 responses from 300 accounts.``"""
    s = (f"{subject} is {fmt_points(row['nps'])} ({_conf(confidence)} {fmt_ci(row['ci_low'], row['ci_high'])}), "
         f"n = {_n(row['n'])} responses")
    if accounts and "n_clusters" in row and row["n_clusters"] != row["n"]:
        s += f" from {_n(row['n_clusters'])} accounts"
    return s + "."


def nps_findings(*, overall, by_segment=None, segment=None, trend=None, segment_changes=None, mix=None,
                 rates=None, rate_trend=None, confidence=0.95, min_n=5, alpha=0.05) -> list[str]:
    """Key-finding sentences for the NPS overview study.

    Parameters
    ----------
    overall : DataFrame
        One-row output of :func:`kapta_research.nps.nps`.
    by_segment : DataFrame, optional
        :func:`~kapta_research.nps.nps` by ``segment`` (an account-level
        column, so segments are independent samples of accounts).
    segment : str, optional
        The segment column's name (for wording).
    trend : DataFrame, optional
        :func:`~kapta_research.nps.compare` of waves with ``reference="previous"``.
    segment_changes : DataFrame, optional
        :func:`~kapta_research.nps.compare` of the last two waves with
        ``by=segment``; significance is judged after Holm's adjustment over
        the segments.
    mix : DataFrame, optional
        :func:`~kapta_research.nps.mix_contrasts` of the segments.
    rates : DataFrame, optional
        :func:`~kapta_research.metrics.response_rates` by wave.
    rate_trend : DataFrame, optional
        :func:`~kapta_research.metrics.response_rate_trend`; judges whether
        the response rate is rising or falling.
    confidence, min_n, alpha : float, int, float

    Returns
    -------
    list of str
        3-6 sentences, each stating its numbers with intervals and n.
    """
    out = []
    row = overall.iloc[0]
    if bool(row["suppressed"]):
        return [f"Fewer than {min_n} responses: no NPS is reported."]
    out.append(nps_sentence(row, confidence=confidence) +
               f" That is {fmt_pct(row['pct_promoters'])} promoters, {fmt_pct(row['pct_passives'])} passives "
               f"and {fmt_pct(row['pct_detractors'])} detractors.")
    if by_segment is not None and segment:
        shown = by_segment[~by_segment["suppressed"]]
        hidden = int(by_segment["suppressed"].sum())
        if len(shown) >= 2:
            hi_row = shown.loc[shown["nps"].idxmax()]
            lo_row = shown.loc[shown["nps"].idxmin()]
            gap = hi_row["nps"] - lo_row["nps"]
            se = math.hypot(hi_row["se"], lo_row["se"])
            from scipy import stats
            p = float(2 * stats.norm.sf(abs(gap) / se)) if se > 0 else float("nan")
            verdict = ("a statistically significant gap" if p < alpha else
                       "a gap the data cannot distinguish from chance")
            out.append(
                f"By {segment.replace('_', ' ')}, {hi_row[segment]} scores highest "
                f"({fmt_points(hi_row['nps'])}, {_conf(confidence)} {fmt_ci(hi_row['ci_low'], hi_row['ci_high'])}, "
                f"n = {_n(hi_row['n'])}) and {lo_row[segment]} lowest ({fmt_points(lo_row['nps'])}, "
                f"{_conf(confidence)} {fmt_ci(lo_row['ci_low'], lo_row['ci_high'])}, n = {_n(lo_row['n'])}): "
                f"{verdict} (gap {fmt_points(gap, signed=False, digits=1)} points, two-sample test {fmt_p(p)}).")
        if hidden:
            out.append(f"{hidden} {segment.replace('_', ' ')} group(s) with fewer than {min_n} responses "
                       "are not shown.")
    if trend is not None and len(trend):
        last = trend.iloc[-1]
        if bool(last["suppressed"]):
            out.append(f"The change from wave {last['reference']} to wave {last['group']} is not shown: one of the "
                       f"waves has fewer than {min_n} responses.")
        else:
            sig = last["p_value"] < alpha
            out.append(
                f"From wave {last['reference']} to wave {last['group']} NPS moved from "
                f"{fmt_points(last['nps_reference'], digits=1)} to {fmt_points(last['nps'], digits=1)} (change "
                f"{fmt_points(last['diff'], digits=1)}, {_conf(confidence)} "
                f"{fmt_ci(last['ci_low'], last['ci_high'], digits=1)}, {fmt_p(last['p_value'])}, "
                f"n = {_n(last['n_reference'])} and {_n(last['n'])}): "
                + ("a statistically significant change." if sig else "not a statistically significant change."))
    if segment_changes is not None and segment and len(segment_changes):
        sc = segment_changes[~segment_changes["suppressed"]].copy()
        if len(sc):
            from statsmodels.stats.multitest import multipletests
            sc["p_holm"] = multipletests(sc["p_value"].to_numpy(), method="holm")[1]
            sig = sc[sc["p_holm"] < alpha]
            label = segment.replace("_", " ")
            if len(sig):
                parts = [f"{r[segment]} {fmt_points(r['diff'])} ({_conf(confidence)} {fmt_ci(r['ci_low'], r['ci_high'])}, "
                         f"n = {_n(r['n'])}, Holm-adjusted {fmt_p(r['p_holm'])})" for _, r in sig.iterrows()]
                out.append(f"Significant changes by {label} in the last wave: " + "; ".join(parts) + ".")
            else:
                widest = sc.loc[sc["diff"].abs().idxmax()]
                out.append(f"No {label} changed significantly in the last wave (largest move: {widest[segment]} "
                           f"{fmt_points(widest['diff'])}, {_conf(confidence)} "
                           f"{fmt_ci(widest['ci_low'], widest['ci_high'])}, n = {_n(widest['n'])}; "
                           "Holm-adjusted across segments).")
    if mix is not None and len(mix) and mix["same_score_different_mix"].any():
        m = mix[mix["same_score_different_mix"]].sort_values("mix_distance", ascending=False).iloc[0]
        out.append(
            f"Same score, different customers: {m['group_a']} ({fmt_points(m['nps_a'])}) and {m['group_b']} "
            f"({fmt_points(m['nps_b'])}) score alike, but their mixes differ by {m['mix_distance']:.0f} points "
            f"(passives {fmt_pct(m['pct_passives_a'])} vs {fmt_pct(m['pct_passives_b'])}, "
            f"{fmt_p(m['p_value_mix'])}); they need different actions.")
    if rates is not None and len(rates) >= 2:
        r = rates[~rates["suppressed"]]
        first, last = r.iloc[0], r.iloc[-1]
        txt = (f"The response rate was {fmt_pct(100 * first['rate'])} ({_conf(confidence)} "
               f"{fmt_ci(100 * first['ci_low'], 100 * first['ci_high'], pct=True)}, {_n(first['n_invited'])} "
               f"invitations) in wave {first['wave']} and {fmt_pct(100 * last['rate'])} "
               f"({fmt_ci(100 * last['ci_low'], 100 * last['ci_high'], pct=True)}, {_n(last['n_invited'])} "
               f"invitations) in wave {last['wave']}")
        if rate_trend is not None and len(rate_trend):
            t = rate_trend.iloc[0]
            slope = (f"{fmt_points(100 * t['slope'], digits=1)} points per wave "
                     f"({fmt_ci(100 * t['ci_low'], 100 * t['ci_high'], digits=1)}, {fmt_p(t['p_value'])})")
            if t["p_value"] < alpha and t["slope"] < 0:
                txt += (f": a significant decline of {slope}. Falling response rates are an early warning of "
                        "disengagement in their own right.")
            elif t["p_value"] < alpha:
                txt += f": a significant rise of {slope}."
            else:
                txt += f"; the trend, {slope}, is not statistically significant."
        else:
            txt += "."
        out.append(txt)
    return out[:6]


# --------------------------------------------------------------------------
# HTML pieces
# --------------------------------------------------------------------------
def show(*parts: str):
    """Display HTML parts in a notebook (no-op outside IPython)."""
    try:
        from IPython.display import HTML, display
    except ImportError:  # pragma: no cover
        return
    display(HTML("\n".join(parts)))


def table_html(df: pd.DataFrame, *, caption: str | None = None, note: str | None = None) -> str:
    """A plain HTML table (strings already formatted) with optional caption and note.

    An empty table is replaced by its caption and a sentence saying so.
    """
    cap = f"<p class='kr-caption'><strong>{html.escape(caption)}</strong></p>" if caption else ""  # bold in Lab too
    if len(df) == 0:
        return (f"<div class='kr-block'>{cap}<p class='kr-note'>Nothing to show"
                f"{': ' + html.escape(note) if note else '.'}</p></div>")
    body = df.to_html(index=False, escape=True, border=0, classes="kr-table")
    # one class whatever pandas writes (pandas 3 dropped border="0" from the opening tag)
    body = re.sub(r"<table\b[^>]*>", '<table class="kr-table">', body, count=1)
    foot = f"<p class='kr-note'>{html.escape(note)}</p>" if note else ""
    # a block, not <caption>: WeasyPrint can break a page between a caption and its table
    return f"<div class='kr-block'>{cap}{body}{foot}</div>"


def nps_table_html(table: pd.DataFrame, *, by=None, confidence=0.95, min_n=5, caption=None) -> str:
    """NPS table for people: suppressed groups removed and counted in a note."""
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    shown = table[~table["suppressed"]]
    disp = pd.DataFrame({b.replace("_", " ").capitalize(): shown[b].astype(str) for b in by})
    disp["n"] = shown["n"].map(_n)
    if "n_clusters" in shown and (shown["n_clusters"] != shown["n"]).any():
        disp["Accounts"] = shown["n_clusters"].map(_n)
    disp["Promoters"] = shown["pct_promoters"].map(fmt_pct)
    disp["Passives"] = shown["pct_passives"].map(fmt_pct)
    disp["Detractors"] = shown["pct_detractors"].map(fmt_pct)
    disp["NPS"] = shown["nps"].map(fmt_points)
    disp[_conf(confidence)] = [fmt_ci(lo, hi) for lo, hi in zip(shown["ci_low"], shown["ci_high"])]
    hidden = int(table["suppressed"].sum())
    note = (f"{hidden} group(s) with fewer than {min_n} responses suppressed." if hidden else None)
    return table_html(disp, caption=caption, note=note)


def compare_table_html(cmp: pd.DataFrame, *, confidence=0.95, caption=None, label="Group") -> str:
    """Comparisons from :func:`kapta_research.nps.compare`, suppressed rows removed."""
    shown = cmp[~cmp["suppressed"]]
    by = list(cmp.columns[:list(cmp.columns).index("group")])
    disp = pd.DataFrame({b.replace("_", " ").capitalize(): shown[b].astype(str) for b in by})
    disp = disp.assign(**{
        label: shown["group"].astype(str), "vs": shown["reference"].astype(str),
        "NPS": shown["nps"].map(lambda v: fmt_points(v, digits=1)),
        "NPS (vs)": shown["nps_reference"].map(lambda v: fmt_points(v, digits=1)),
        "Change": shown["diff"].map(lambda v: fmt_points(v, digits=1)),
        _conf(confidence): [fmt_ci(lo, hi, digits=1) for lo, hi in zip(shown["ci_low"], shown["ci_high"])],
        "p": shown["p_value"].map(lambda p: fmt_p(p).replace("p = ", "").replace("p ", "")),
        "n": [f"{_n(a)} / {_n(b)}" for a, b in zip(shown["n"], shown["n_reference"])],
    })
    hidden = int(cmp["suppressed"].sum())
    return table_html(disp, caption=caption,
                      note=f"{hidden} comparison(s) suppressed (too few responses)." if hidden else None)


def mix_table_html(mix: pd.DataFrame) -> str:
    """Pairs of groups from :func:`kapta_research.nps.mix_contrasts`, flagged pairs first."""
    if len(mix) == 0:
        return "<p class='kr-note'>Fewer than two groups large enough to compare mixes.</p>"
    m = mix.sort_values(["same_score_different_mix", "mix_distance"], ascending=[False, False])
    disp = pd.DataFrame({
        "Group A": m["group_a"].astype(str), "Group B": m["group_b"].astype(str),
        "NPS A": m["nps_a"].map(fmt_points), "NPS B": m["nps_b"].map(fmt_points),
        "Passives A": m["pct_passives_a"].map(fmt_pct), "Passives B": m["pct_passives_b"].map(fmt_pct),
        "Mix distance": m["mix_distance"].map(lambda v: f"{v:.0f} pt" + ("" if round(v) == 1 else "s")),
        "p (mix)": m["p_value_mix"].map(lambda p: fmt_p(p).replace("p = ", "").replace("p ", "")),
        "Same score, different mix": m["same_score_different_mix"].map({True: "yes", False: "no"}),
    })
    return table_html(disp, caption="Score versus mix, pairs of groups",
                      note="Flagged: NPS within 5 points but mixes at least 10 points apart. p (mix): chi-square "
                           "test of equal mixes with respondents taken as independent (optimistic when "
                           "respondents cluster in accounts).")


def rates_table_html(rates: pd.DataFrame, *, confidence=0.95) -> str:
    """Response rates from :func:`kapta_research.metrics.response_rates`."""
    shown = rates[~rates["suppressed"]]
    by = list(rates.columns[:list(rates.columns).index("n_invited")])
    disp = pd.DataFrame({b.replace("_", " ").capitalize(): shown[b].astype(str) for b in by})
    disp = disp.assign(**{
        "Invited": shown["n_invited"].map(_n), "Responded": shown["n_responded"].map(_n),
        "Rate": (100 * shown["rate"]).map(fmt_pct),
        _conf(confidence): [fmt_ci(100 * lo, 100 * hi, pct=True) for lo, hi in zip(shown["ci_low"], shown["ci_high"])],
    })
    hidden = int(rates["suppressed"].sum())
    return table_html(disp, caption="Response counts and rates",
                      note=f"{hidden} group(s) suppressed (too few invitations)." if hidden else None)


def scope_lines(programme, responses: pd.DataFrame, parameters: dict) -> list[str]:
    """Scope of a study for its title page (no personal data)."""
    waves = sorted(responses["wave"].unique())
    first = responses["responded_at"].min()
    last = responses["responded_at"].max()
    method = parameters.get("method", "")
    cl = parameters.get("cluster")
    return [
        f"Programme: {programme.name}",
        f"Waves {waves[0]}–{waves[-1]} ({first:%d %b %Y} to {last:%d %b %Y}): {_n(len(responses))} responses "
        f"from {_n(responses['account_id'].nunique())} accounts",
        f"Intervals: {100 * parameters.get('confidence', 0.95):g} % "
        + (f"{method.replace('_', ' ')} intervals" if method else "intervals")
        + (", respondents clustered by account" if cl else ", respondents taken as independent"),
        f"Groups with fewer than {parameters.get('min_n', 5)} responses are suppressed",
    ]


def title_html(title: str, *, scope: list[str], run_date: str | None = None) -> str:
    items = "".join(f"<li>{html.escape(s)}</li>" for s in scope)
    return (f"<div class='kr-title'><h1>{html.escape(title)}</h1>"
            f"<p class='kr-date'>{html.escape(run_date or date.today().isoformat())}</p>"
            f"<ul class='kr-scope'>{items}</ul></div>")


def findings_html(sentences: list[str]) -> str:
    items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
    return f"<div class='kr-findings'><h2>Key findings</h2><ol>{items}</ol></div>"


def manifest_html(manifest: dict) -> str:
    def plain(x):
        if isinstance(x, (list, tuple)):
            return ", ".join(map(str, x)) if x else "(none)"
        return "(empty)" if x == "" else str(x)

    def render(v):
        if isinstance(v, dict):
            return "<br>".join(f"{html.escape(str(k))}: {html.escape(plain(x))}" for k, x in v.items())
        return html.escape(plain(v))
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{render(v)}</td></tr>" for k, v in manifest.items())
    return (f"<div class='kr-manifest'><h2>Run manifest</h2>"
            f"<p>Everything needed to reproduce this report.</p><table class='kr-table'>{rows}</table></div>")


# --------------------------------------------------------------------------
# study context: where outputs go
# --------------------------------------------------------------------------
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

    def save_table(self, df: pd.DataFrame, name: str) -> pd.DataFrame:
        """Write ``tables/<name>.csv`` (deterministic formatting) and return ``df``."""
        df.to_csv(self.output_dir / "tables" / f"{name}.csv", index=False, lineterminator="\n",
                  float_format="%.10g")
        return df

    def save_figure(self, ax, name: str) -> None:
        """Write ``figures/<name>.png`` (Jupyter's inline backend shows the figure at the end of the cell)."""
        fig = ax.figure if hasattr(ax, "figure") else ax
        fig.savefig(self.output_dir / "figures" / f"{name}.png", dpi=150, bbox_inches="tight")


# --------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------
PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
        @bottom-right { content: "page " counter(page) " of " counter(pages); font-size: 8pt; color: #666; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 9.5pt; line-height: 1.35; color: #111; }
h1 { font-size: 20pt; margin: 0 0 4pt 0; } h2 { font-size: 13pt; margin: 14pt 0 4pt 0; }
h3 { font-size: 11pt; }
.kr-title { border-bottom: 2px solid #0072b2; margin-bottom: 8pt; }
.kr-date { color: #555; margin: 0; } .kr-scope { color: #333; }
.kr-findings { background: #f3f7fb; padding: 4pt 10pt; border-left: 4px solid #0072b2; page-break-after: always; }
.kr-findings li { margin: 4pt 0; }
table { border-collapse: collapse; font-size: 8pt; max-width: 100%; table-layout: auto; margin: 6pt 0; }
th, td { border-bottom: 1px solid #ddd; padding: 2pt 5pt; text-align: right; word-wrap: break-word; }
th { background: #eef2f6; } td:first-child, th:first-child { text-align: left; }
.kr-caption { font-weight: bold; margin: 6pt 0 0 0; page-break-after: avoid; }
.kr-block { page-break-inside: avoid; }  /* keep a caption with its rows; taller than a page still splits */
h2, h3, .text_cell { page-break-after: avoid; }  /* a section's heading and text stay with its first output */
.kr-note { font-size: 8pt; color: #555; margin-top: 0; }
img { max-width: 100%; page-break-inside: avoid; }
.kr-manifest { page-break-before: always; } .kr-manifest td { text-align: left; font-family: "DejaVu Sans Mono", monospace; font-size: 7pt; }
pre { white-space: pre-wrap; font-size: 7.5pt; }
.anchor-link { display: none; }
"""


def notebook_to_pdf(notebook_path, pdf_path, *, manifest: dict | None = None, title: str = "Findings") -> Path:
    """Render an executed notebook to a PDF without code (nbconvert + WeasyPrint).

    Input cells, prompts, stderr streams and cells tagged ``no-pdf`` are
    dropped; the manifest is appended as the last page.
    """
    import nbformat
    from nbconvert import HTMLExporter
    from weasyprint import HTML

    nb = nbformat.read(str(notebook_path), as_version=4)
    cells = []
    for cell in nb.cells:
        if "no-pdf" in cell.get("metadata", {}).get("tags", []) or "parameters" in cell.get("metadata", {}).get("tags", []) \
                or "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                            and o.get("output_type") != "error"]
        cells.append(cell)
    nb.cells = cells
    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    doc = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
           f"<style>{PRINT_CSS}</style></head><body>{body}"
           f"{manifest_html(manifest) if manifest else ''}</body></html>")
    pdf_path = Path(pdf_path)
    HTML(string=doc, base_url=str(Path(notebook_path).parent)).write_pdf(str(pdf_path))
    return pdf_path


# --------------------------------------------------------------------------
# key drivers (study 02)
# --------------------------------------------------------------------------
_STEP = {"detractor_to_passive": "turn detractors into passives",
         "passive_to_promoter": "turn passives into promoters"}


def driver_label(name: str) -> str:
    """Human label of a driver column (``ease_of_doing_business`` -> ``ease of doing business``)."""
    from .schema import DRIVER_LABELS
    return DRIVER_LABELS.get(name, name.replace("_", " ")).lower()


def _share(x) -> str:
    return f"{100 * x:.0f} %"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def driver_findings(*, importance, transitions, ipa=None, confidence=0.95, alpha=0.05) -> list[str]:
    """Key-finding sentences for the key-driver study.

    A transition's driver is named only when the bootstrap supports it (its
    rank interval is 1 to 1, or 1 to 2 for a pair), and the two steps are
    called different only when the between-transition test rejects.

    Parameters
    ----------
    importance : ImportanceResult
        :func:`kapta_research.drivers.relative_importance` with ``n_boot > 0``.
    transitions : TransitionResult
        :func:`kapta_research.drivers.transition_drivers` with ``n_boot > 0``.
    ipa : DataFrame, optional
        :func:`kapta_research.drivers.importance_performance`.
    confidence, alpha : float

    Returns
    -------
    list of str
    """
    out = []
    s = importance.summary.sort_values("rank")
    has_ci = "ci_low" in s
    top = s.iloc[0]
    r2_ci = ""
    reps = getattr(importance, "replicates", None)
    if reps is not None and len(reps):
        lo, hi = np.quantile(reps.sum(axis=1), [(1 - confidence) / 2, (1 + confidence) / 2])
        r2_ci = f", {_conf(confidence)} {lo:.2f} to {hi:.2f}"
    txt = (f"The {len(s)} drivers explain R² = {importance.r2:.2f} of the variation in likelihood to recommend "
           f"({r2_ci.lstrip(', ') + '; ' if r2_ci else ''}n = {_n(importance.n)} responses" +
           (f" from {_n(importance.n_clusters)} accounts" if getattr(importance, "n_clusters", None) else "") + "). ")
    if has_ci:
        txt += (f"The strongest driver is {driver_label(top['driver'])}, with {_share(top['share'])} of the explained "
                f"variation ({_conf(confidence)} {_share(top['ci_low'])} to {_share(top['ci_high'])}; rank "
                f"{int(top['rank_ci_low'])} to {int(top['rank_ci_high'])} across bootstrap resamples of accounts).")
        second = s.iloc[1]
        txt += (f" Next is {driver_label(second['driver'])} ({_share(second['share'])}, "
                f"{_share(second['ci_low'])} to {_share(second['ci_high'])}).")
    else:
        txt += (f"The strongest driver is {driver_label(top['driver'])} ({_share(top['share'])} of the explained "
                "variation); run with n_boot > 0 for intervals before acting on it.")
    out.append(txt)
    t = transitions.summary
    diff = transitions.difference.set_index("driver")
    named = {}
    for step in ("detractor_to_passive", "passive_to_promoter"):
        st = t[t["transition"] == step].sort_values("rank")
        first = st.iloc[0]
        n, ev = int(first["n"]), int(first["n_events"])
        if "rank_ci_high" not in st:
            out.append(f"To {_STEP[step]}: no bootstrap was run, so no driver can be named with confidence.")
            continue
        if first["rank_ci_high"] == 1:
            named[step] = [first["driver"]]
            out.append(
                f"To {_STEP[step]}, focus on {driver_label(first['driver'])}: it carries {_share(first['share'])} of "
                f"the explained variation in that step ({_conf(confidence)} {_share(first['ci_low'])} to "
                f"{_share(first['ci_high'])}; rank interval 1 to 1), and each point "
                f"multiplies the odds of moving up by {first['odds_ratio']:.2f} ({first['or_ci_low']:.2f} to "
                f"{first['or_ci_high']:.2f}; n = {_n(n)} respondents).")
        elif first["rank_ci_high"] == 2 and st.iloc[1]["rank_ci_low"] == 1:
            pair = [first["driver"], st.iloc[1]["driver"]]
            named[step] = pair
            out.append(
                f"To {_STEP[step]}, focus on {driver_label(pair[0])} or {driver_label(pair[1])}: together they "
                f"lead the step ({_share(first['share'])} and {_share(st.iloc[1]['share'])} of the explained "
                f"variation), but the data cannot order them (n = {_n(n)} respondents).")
        else:
            out.append(
                f"The data cannot single out a driver to {_STEP[step]}: the leading candidate, "
                f"{driver_label(first['driver'])} ({_share(first['share'])}, {_share(first['ci_low'])} to "
                f"{_share(first['ci_high'])}), ranks anywhere from {int(first['rank_ci_low'])} to "
                f"{int(first['rank_ci_high'])} (n = {_n(n)} respondents, {_n(ev)} moved up).")
    if len(named) == 2 and set(named["detractor_to_passive"]) != set(named["passive_to_promoter"]):
        parts, supported = [], True
        for step, other in (("detractor_to_passive", "passive_to_promoter"),
                            ("passive_to_promoter", "detractor_to_passive")):
            d = named[step][0]
            row = diff.loc[d]
            ors = t[t["driver"] == d].set_index("transition")["odds_ratio"]
            supported &= bool(row["p_value"] < alpha)
            parts.append(f"{driver_label(d)} matters more for the step to {_STEP[step].split()[-1]} "
                         f"(odds ratios {ors[step]:.2f} vs {ors[other]:.2f}; difference {fmt_p(row['p_value'])})")
        if supported:
            out.append("The two steps need different levers: " + "; ".join(parts) + ".")
        else:
            out.append("The data cannot show that the two steps need different levers: " + "; ".join(parts) + ".")
    elif len(named) == 2:
        out.append("The same driver leads both steps.")
    if ipa is not None and len(ipa) and ipa["share_ci_low"].isna().any():
        out.append("Importance versus performance needs bootstrap intervals (n_boot > 0) before any driver can be "
                   "called 'fix first'.")
    elif ipa is not None and len(ipa):
        fix = ipa[ipa["quadrant"].astype(str) == "fix first"]
        if len(fix):
            items = [f"{driver_label(r.driver)} ({_share(r.share)} of the explained variation, "
                     f"{_conf(confidence)} {_share(r.share_ci_low)} to {_share(r.share_ci_high)}; mean rating "
                     f"{r.mean:.1f}, {fmt_points(r.gap, digits=2)} vs the average driver, "
                     f"{fmt_ci(r.gap_ci_low, r.gap_ci_high, digits=2)})"
                     for r in fix.itertuples()]
            out.append("Fix first — important and under-performing: " + _and(items) + ".")
        else:
            out.append("No driver is both clearly important and clearly under-performing ('fix first'); "
                       f"{int((ipa['quadrant'].astype(str) == 'uncertain').sum())} of {len(ipa)} drivers are "
                       "uncertain on one axis.")
    return out[:6]


def importance_table_html(summary: pd.DataFrame, *, confidence=0.95, caption=None) -> str:
    """Relative importance table for people (shares in %, intervals, ranks)."""
    s = summary.sort_values("rank")
    disp = pd.DataFrame({"Driver": s["driver"].map(driver_label).str.capitalize(),
                         "Share of R²": s["share"].map(_share)})
    if "ci_low" in s:
        disp[_conf(confidence)] = [f"{_share(a)} to {_share(b)}" for a, b in zip(s["ci_low"], s["ci_high"])]
        disp["Rank"] = s["rank"].astype(int).astype(str)
        disp["Rank interval"] = [f"{int(a)}–{int(b)}" for a, b in zip(s["rank_ci_low"], s["rank_ci_high"])]
    else:
        disp["Rank"] = s["rank"].astype(int).astype(str)
    return table_html(disp, caption=caption)


def transition_table_html(summary: pd.DataFrame, difference: pd.DataFrame, *, confidence=0.95) -> str:
    """Side-by-side odds ratios and shares of the two transitions, with the difference test."""
    parts = []
    wide = {}
    for step in ("detractor_to_passive", "passive_to_promoter"):
        st = summary[summary["transition"] == step].set_index("driver")
        wide[step] = st
    drivers = list(wide["detractor_to_passive"].index)
    diff = difference.set_index("driver")
    rows = []
    for d in drivers:
        a, b = wide["detractor_to_passive"].loc[d], wide["passive_to_promoter"].loc[d]
        rows.append({
            "Driver": driver_label(d).capitalize(),
            "D→P odds ratio": f"{a['odds_ratio']:.2f} ({a['or_ci_low']:.2f}–{a['or_ci_high']:.2f})",
            "D→P share": _share(a["share"]) + (f" ({_share(a['ci_low'])}–{_share(a['ci_high'])})" if "ci_low" in a else ""),
            "P→P odds ratio": f"{b['odds_ratio']:.2f} ({b['or_ci_low']:.2f}–{b['or_ci_high']:.2f})",
            "P→P share": _share(b["share"]) + (f" ({_share(b['ci_low'])}–{_share(b['ci_high'])})" if "ci_low" in b else ""),
            "Differs? (p)": fmt_p(diff.loc[d, "p_value"]).replace("p = ", "").replace("p ", ""),
        })
    n1 = int(wide["detractor_to_passive"]["n"].iloc[0])
    n2 = int(wide["passive_to_promoter"]["n"].iloc[0])
    parts.append(table_html(pd.DataFrame(rows), caption="Drivers of each step (odds ratio per scale point, "
                                                          f"share of explained variation; {_conf(confidence)})",
                            note=f"D→P: passives vs detractors, n = {_n(n1)}; P→P: promoters vs passives, "
                                 f"n = {_n(n2)}. 'Differs?': test that the driver's effect is the same in both steps."))
    return "\n".join(parts)


def ipa_table_html(ipa: pd.DataFrame, *, confidence=0.95) -> str:
    """Importance–performance table with quadrants."""
    disp = pd.DataFrame({
        "Driver": ipa["driver"].map(driver_label).str.capitalize(),
        "Importance": [_share(s) + ("" if pd.isna(a) else f" ({_share(a)}–{_share(b)})") for s, a, b in
                       zip(ipa["share"], ipa["share_ci_low"], ipa["share_ci_high"])],
        "Mean rating": [f"{m:.2f} ({a:.2f}–{b:.2f})" for m, a, b in zip(ipa["mean"], ipa["mean_ci_low"], ipa["mean_ci_high"])],
        "Top box": [f"{t:.0f} %" for t in ipa["top_box_pct"]],
        "Quadrant": ipa["quadrant"].astype(str),
    })
    return table_html(disp, caption=f"Importance and performance ({_conf(confidence)} in brackets)",
                      note="'Uncertain': an interval straddles the importance or performance threshold.")


def driver_scope_lines(programme, responses: pd.DataFrame, parameters: dict, importance) -> list[str]:
    """Scope of the key-driver study for its title page."""
    seg = parameters.get("segment_filter") or []
    return [
        f"Programme: {programme.name}",
        f"{_n(len(responses))} responses from {_n(responses['account_id'].nunique())} accounts"
        + (f" in {', '.join(seg)}" if seg else ", all segments")
        + f"; {_n(importance.n)} with every driver rated ({_n(importance.n_dropped_missing)} with a missing rating "
          "left out)",
        f"Drivers: {', '.join(driver_label(d) for d in parameters.get('drivers', []))}",
        f"Intervals: {100 * parameters.get('confidence', 0.95):g} %, {parameters.get('n_boot')} bootstrap "
        "resamples of accounts" if parameters.get("cluster") else
        f"Intervals: {100 * parameters.get('confidence', 0.95):g} %, respondents taken as independent",
    ]


# --------------------------------------------------------------------------
# churn (study 03)
# --------------------------------------------------------------------------
def _auc_text(row, confidence) -> str:
    return (f"AUC {row['auc']:.2f} ({_conf(confidence)} {row['auc_ci_low']:.2f} to {row['auc_ci_high']:.2f}; "
            f"cross-validated {row['cv_auc']:.2f})")


def _protective_drivers_text(value, model, base, confidence) -> str | None:
    """Sentence naming the predictors whose adjusted odds ratio is below 1 with its whole CI."""
    table = getattr(value, "odds_ratios", None)
    if table is None or not len(table):
        return None
    extra = [c for c in value.predictors[model] if c not in value.predictors.get(base, [])]
    t = table[(table["model"] == model) & table["predictor"].isin(extra)]
    if not len(t):
        return None
    held = "NPS and the other drivers" if value.predictors.get(base) else "the other drivers"
    protective = t[t["ci_high"] < 1].sort_values("z").head(3)
    if not len(protective):
        return (f"Holding {held} fixed, no single driver is clearly associated with churn "
                f"(every odds ratio's {_conf(confidence)} includes 1).")
    items = [f"{driver_label(r.predictor)} (odds ratio {_ratio(r.odds_ratio)} per scale point, {_conf(confidence)} "
             f"{_ratio(r.ci_low)} to {_ratio(r.ci_high)})" for r in protective.itertuples()]
    if len(items) == 1:
        return (f"Holding {held} fixed, the driver most clearly linked to lower churn is {items[0]}; the drivers "
                f"are correlated, so this ranking is tentative.")
    listed = ", ".join(items[:-1]) + " and " + items[-1]
    return (f"Holding {held} fixed, the drivers most clearly linked to lower churn are {listed}; the drivers are "
            f"correlated, so their order is tentative.")


def _ratio(x) -> str:
    """Odds ratio with 2 decimals, or up to 4 where fewer would round an interval bound onto 1."""
    for digits in (2, 3, 4):
        text = f"{x:.{digits}f}"
        if float(text) != 1 or x == 1:
            break
    return text


def odds_ratio_table_html(value, *, model, confidence=0.95) -> str:
    """Adjusted odds ratios of churn per scale point of each predictor of one model."""
    t = value.odds_ratios[value.odds_ratios["model"] == model]
    disp = pd.DataFrame({
        "Predictor": t["predictor"].map(lambda c: "NPS" if c.lower() == "nps" else driver_label(c).capitalize()),
        "Odds ratio": t["odds_ratio"].map(lambda v: f"{v:.2f}"),
        _conf(confidence): [f"{_ratio(a)} to {_ratio(b)}" for a, b in zip(t["ci_low"], t["ci_high"])],
        "p": t["p_value"].map(fmt_p),
    })
    clustered = " Standard errors allow for an account appearing at several dates." if value.cluster else ""
    return table_html(disp, caption=f"Churn odds per point, {model} model (adjusted for each other)",
                      note="Below 1: higher ratings, less churn. Among correlated drivers an odds ratio above 1 "
                           "often reflects their overlap (suppression) rather than a harmful effect." + clustered)


def _rate(row, confidence, show_conf=True) -> str:
    ci = f"{_conf(confidence)} " if show_conf else ""
    return (f"{100 * row['churn_rate']:.0f} % ({ci}{100 * row['ci_low']:.0f} % to {100 * row['ci_high']:.0f} %, "
            f"n = {_n(row['n'])})")


def _rate_gap_p(a, b, confidence) -> float:
    """Two-sided p of a difference between two churn rates from their (cluster-adjusted) intervals.

    Each rate's standard error is read off its Wilson interval (half-width / z),
    so a design effect built into the intervals carries over.
    """
    from scipy import stats
    z = stats.norm.ppf(0.5 + confidence / 2)
    se = math.hypot((a["ci_high"] - a["ci_low"]) / (2 * z), (b["ci_high"] - b["ci_low"]) / (2 * z))
    return float(2 * stats.norm.sf(abs(a["churn_rate"] - b["churn_rate"]) / se)) if se > 0 else float("nan")


def churn_findings(*, value, horizon_days, by_nps=None, by_trend=None, freshness=None, base="NPS",
                   confidence=0.95, alpha=0.05, min_events=20) -> list[str]:
    """Key-finding sentences for the churn-correlation study.

    Parameters
    ----------
    value : PredictiveValueResult
        :func:`kapta_research.churn.predictive_value`; its first model is NPS.
    horizon_days : int
    by_nps, by_trend : DataFrame, optional
        :func:`kapta_research.churn.churn_by_category` of ``nps_band`` and
        ``response_trend_band``.
    freshness : DataFrame, optional
        :func:`kapta_research.churn.score_freshness`.
    base : str
        Name of the NPS-only model.
    confidence, alpha : float
    min_events : int
        Below this many churn events the study says the data cannot tell.

    Returns
    -------
    list of str
    """
    out = []
    s = value.summary.set_index("model")
    b = s.loc[base]
    events = int(b["n_events"])
    if events < min_events:
        return [f"Only {events} churn events among {_n(b['n'])} account snapshots within {horizon_days} days: too few "
                "to tell whether NPS or the drivers predict churn here. Collect more history before acting on "
                "any churn model."]
    out.append(f"Accounts' NPS predicts churn within {horizon_days} days with {_auc_text(b, confidence)}, "
               f"n = {_n(b['n'])} account snapshots of which {events} churned (0.5 = no better than chance).")
    others = [m for m in s.index if m != base]
    if others:
        r = s.loc[others[0]]
        txt = f"The {others[0]} model reaches {_auc_text(r, confidence)}"
        p_added = r.get("test_p_value", float("nan"))
        if pd.notna(p_added):
            txt += (" and adds predictive value beyond NPS" if p_added < alpha
                    else " and does not add significant predictive value beyond NPS")
            txt += f" ({_test_name(value)}, {fmt_p(p_added)})"
        for m in others[1:]:
            r2 = s.loc[m]
            txt += (f"; the {m} model reaches AUC {r2['auc']:.2f} ({r2['auc_ci_low']:.2f} to {r2['auc_ci_high']:.2f}; "
                    f"cross-validated {r2['cv_auc']:.2f})")
        out.append(txt + ".")
        drivers_text = _protective_drivers_text(value, others[0], base, confidence)
        if drivers_text:
            out.append(drivers_text)
    if by_nps is not None and len(by_nps):
        t = by_nps.set_index("level")
        lo, hi = "NPS below 0", "NPS 50 or more"
        silent = "no response" in t.index and t.loc["no response", "n"] > 0
        if lo in t.index and hi in t.index and t.loc[lo, "n"] > 0 and t.loc[hi, "n"] > 0:
            txt = (f"Accounts with an NPS below 0 churned at {_rate(t.loc[lo], confidence)}, against "
                   f"{_rate(t.loc[hi], confidence, False)} for accounts at +50 or more")
            if silent:
                txt += (f"; silent accounts (no response in the lookback) at "
                        f"{_rate(t.loc['no response'], confidence, False)}")
            out.append(txt + ".")
        elif silent:
            out.append(f"Silent accounts (no response in the lookback) churned at "
                       f"{_rate(t.loc['no response'], confidence)}.")
    if by_trend is not None and len(by_trend):
        t = by_trend.set_index("level")
        if "falling" in t.index and "stable" in t.index and t.loc["falling", "n"] > 0 and t.loc["stable", "n"] > 0:
            p = _rate_gap_p(t.loc["falling"], t.loc["stable"], confidence)
            verdict = ("a significant difference" if p < alpha else "a difference the data cannot confirm")
            out.append(f"Where the response rate was falling, accounts churned at {_rate(t.loc['falling'], confidence)}; "
                       f"where it was stable, at {_rate(t.loc['stable'], confidence, False)}: {verdict} ({fmt_p(p)}).")
    if freshness is not None and len(freshness.dropna(subset=["auc"])) >= 2:
        f = freshness.dropna(subset=["auc"])
        a, z = f.iloc[0], f.iloc[-1]
        overlap = not (a["ci_low"] > z["ci_high"] or z["ci_low"] > a["ci_high"])
        fresh = (f"Freshness: the latest wave's score (median {a['median_age_days']:.0f} days old) predicts churn "
                 f"with AUC {a['auc']:.2f} ({a['ci_low']:.2f} to {a['ci_high']:.2f}, n = {_n(a['n'])}); the score "
                 f"from {int(z['lag_waves'])} waves earlier (median {z['median_age_days']:.0f} days old) with "
                 f"{z['auc']:.2f} ({z['ci_low']:.2f} to {z['ci_high']:.2f}, n = {_n(z['n'])})")
        fresh += ("; the intervals overlap, so the data cannot show that older scores predict worse." if overlap
                  else ": older scores predict worse.")
        out.insert(min(2, len(out)), fresh) if len(out) > 5 else out.append(fresh)
    return out[:6]


def _test_name(value) -> str:
    """Plain-words name of the test behind ``test_p_value`` of a predictive-value result."""
    method = getattr(value, "test_method", None) or "likelihood-ratio test"
    if method.startswith("wild cluster score bootstrap"):
        return "cluster score bootstrap over accounts"
    return method


def predictive_table_html(value, *, confidence=0.95) -> str:
    """Model comparison table (AUC with CI, cross-validated AUC, Brier, calibration, test of added value)."""
    s = value.summary
    disp = pd.DataFrame({
        "Model": s["model"], "Predictors": s["n_predictors"].astype(str),
        "AUC": s["auc"].map(lambda v: f"{v:.2f}"),
        _conf(confidence): [f"{a:.2f} to {b:.2f}" for a, b in zip(s["auc_ci_low"], s["auc_ci_high"])],
        "CV AUC": s["cv_auc"].map(lambda v: f"{v:.2f}"), "Brier": s["brier"].map(lambda v: f"{v:.3f}"),
        "Calibration slope": s["calibration_slope"].map(lambda v: f"{v:.2f}"),
        f"Adds to {value.base or 'base'}": s["test_p_value"].map(lambda p: "–" if pd.isna(p) else fmt_p(p)),
    })
    return table_html(disp, caption="How well each model predicts churn",
                      note=f"n = {_n(s['n'].iloc[0])} account snapshots, {_n(s['n_events'].iloc[0])} churned. "
                           "AUC 0.5 = chance; cross-validated AUC is the honest out-of-sample figure. "
                           f"'Adds to {value.base or 'base'}': p-value that the model's extra predictors add "
                           f"nothing ({_test_name(value)}).")


def churn_rate_table_html(table: pd.DataFrame, *, label: str, confidence=0.95) -> str:
    """Churn rate by category with Wilson intervals."""
    key = "level" if "level" in table else "bin"
    disp = pd.DataFrame({
        label: table[key].astype(str), "Accounts": table["n"].map(_n), "Churned": table["n_events"].map(_n),
        "Churn rate": (100 * table["churn_rate"]).map(fmt_pct),
        _conf(confidence): [fmt_ci(100 * a, 100 * b, pct=True) for a, b in zip(table["ci_low"], table["ci_high"])],
    })
    lead = label if label[:2].isupper() else label[:1].lower() + label[1:]  # keep "NPS", lower "Response"
    return table_html(disp, caption=f"Churn rate by {lead}")


def cox_table_html(summary: pd.DataFrame, *, confidence=0.95, n=None, n_events=None) -> str:
    """Cox hazard ratios for people."""
    disp = pd.DataFrame({
        "Covariate": summary["covariate"].map(lambda c: driver_label(c).capitalize() if c != "nps"
                                              else "NPS (per point)"),
        "Hazard ratio": summary["hazard_ratio"].map(lambda v: f"{v:.3f}"),
        _conf(confidence): [f"{a:.3f} to {b:.3f}" for a, b in zip(summary["ci_low"], summary["ci_high"])],
        "p": summary["p_value"].map(lambda p: fmt_p(p).replace("p = ", "").replace("p ", "")),
    })
    note = (f"n = {_n(n)} accounts, {_n(n_events)} churned; a hazard ratio below 1 means a lower churn risk "
            "per point." if n is not None else None)
    return table_html(disp, caption="Cox model of time to churn (hazard ratio per point)", note=note)


def freshness_table_html(table: pd.DataFrame, *, confidence=0.95) -> str:
    disp = pd.DataFrame({
        "Score from": ["latest wave" if k == 0 else f"{k} wave{'s' if k > 1 else ''} earlier" for k in table["lag_waves"]],
        "Median age": table["median_age_days"].map(lambda v: "–" if pd.isna(v) else f"{v:.0f} days"),
        "Snapshots": table["n"].map(_n), "Churned": table["n_events"].map(_n),
        "AUC": table["auc"].map(lambda v: "–" if pd.isna(v) else f"{v:.2f}"),
        _conf(confidence): ["–" if pd.isna(a) else f"{a:.2f} to {b:.2f}" for a, b in zip(table["ci_low"], table["ci_high"])],
    })
    return table_html(disp, caption="Does a score go stale? AUC of the account NPS by the age of the wave it comes from",
                      note="Each row measures the account NPS from a single wave before the snapshot.")


def churn_scope_lines(programme, snaps: pd.DataFrame, parameters: dict, value=None) -> list[str]:
    """Scope of the churn study for its title page."""
    modelled = ""
    if value is not None:
        n_mod = int(value.summary["n"].iloc[0])
        modelled = (f"; {_n(n_mod)} with an NPS and every tested driver enter the models, "
                    f"{_n(len(snaps) - n_mod)} without (mostly silent accounts) are shown separately")
    return [
        f"Programme: {programme.name}",
        f"Snapshots at {', '.join(parameters.get('as_of', []))}: {_n(len(snaps))} account snapshots "
        f"({_n(snaps['account_id'].nunique())} accounts, {_n(int(snaps['churned'].sum()))} churned within "
        f"{parameters.get('horizon_days')} days){modelled}",
        f"Features use only data before each snapshot (last {parameters.get('lookback_waves')} waves)",
        f"Intervals: {100 * parameters.get('confidence', 0.95):g} %, accounts resampled as clusters",
    ]


def logrank_html(km) -> str:
    """One sentence for the log-rank test of a :class:`~kapta_research.churn.SurvivalResult`."""
    if km.logrank is None or len(km.logrank) == 0:
        return ""
    r = km.logrank.iloc[0]
    return (f"<p>Log-rank test of equal survival across the {len(km.groups)} groups: χ² = {r['statistic']:.1f} "
            f"on {int(r['df'])} df, {fmt_p(r['p_value'])} (n = {_n(km.n)} accounts, {_n(km.n_events)} churned).</p>")
