"""Data-quality report of a programme (``kapta-research validate``)."""
from __future__ import annotations

import pandas as pd

from .coverage import forecast
from .rules import DETRACTOR_MAX, FOLLOWUP_WINDOW, VOC_TARGET_DAYS, followed_up_within
from .io import Programme, load_programme

__all__ = ["quality_checks", "quality_report", "load_notes_lines"]


def quality_checks(programme: Programme) -> pd.DataFrame:
    """Counts and warnings that do not stop an analysis but deserve a look.

    Parameters
    ----------
    programme : Programme

    Returns
    -------
    DataFrame
        Columns ``check``, ``value`` (float), ``unit``, ``status``
        (``"ok"`` or ``"warning"``), ``detail``.

    Examples
    --------
    >>> import kapta_research as kr
    >>> q = quality_checks(kr.load_sample())
    >>> set(q["status"]) <= {"ok", "warning"}
    True
    """
    p = programme
    r = p.responses
    rows = []

    def add(check, value, unit, warn, detail=""):
        rows.append({"check": check, "value": float(value), "unit": unit,
                     "status": "warning" if warn else "ok", "detail": detail})

    from .init import DRAFT_NAME
    if p.name == DRAFT_NAME:
        add("programme name", float("nan"), "", True, f"still init's placeholder {DRAFT_NAME!r}: set name: in "
            "programme.yaml (it heads every PDF)")
    add("accounts", len(p.accounts), "rows", len(p.accounts) == 0)
    add("responses", len(r), "rows", len(r) == 0)
    add("responses without a score", r["ltr"].isna().sum(), "rows", r["ltr"].isna().any(),
        "excluded from NPS and counted as n_missing")
    for d in p.drivers:
        share = r[d].isna().mean() * 100 if len(r) else 0.0
        add(f"missing {d}", share, "%", share > 20, "driver analyses use complete rows")
    if len(p.invitations) and "invitation_id" in r and r["invitation_id"].notna().any():
        rate = r["invitation_id"].isin(set(p.invitations["invitation_id"])).sum() / len(p.invitations) * 100
        add("response rate", rate, "%", rate < 15)
    if len(p.accounts):
        silent = (~p.accounts["account_id"].isin(set(r["account_id"]))).sum()
        add("accounts with no response", silent, "accounts", silent > 0.3 * len(p.accounts),
            "their voice is missing from every score")
    if "contact_id" in r and r["contact_id"].notna().any():
        dup = r.duplicated(["contact_id", "wave"], keep=False).sum()
        add("repeat answers by one contact in one wave", dup, "rows", dup > 0)
    if len(p.contacts) and p.contacts["role"].notna().any():
        roles = p.contacts.groupby("account_id")["role"].nunique()
        one_voice = (roles == 1).sum()
        add("accounts with a single role on file", one_voice, "accounts", one_voice > 0.5 * len(roles),
            "an unbalanced mix of voices")
    if len(p.followups):
        det = r[r["ltr"] <= DETRACTOR_MAX]
        f = det.merge(p.followups, on="response_id", how="left")
        within = followed_up_within(f["responded_at"], f["followed_up_at"]).mean() * 100 if len(f) else 100.0
        add(f"detractors followed up within {FOLLOWUP_WINDOW.days} days", within, "%", within < 80,
            "closed loop within a week")
    if len(p.voc_interviews) and len(p.accounts) and p.accounts["churned"].notna().any():
        last = p.voc_interviews.groupby("account_id")["interview_date"].max()
        active = p.accounts[~p.accounts["churned"].fillna(False).astype(bool)]["account_id"]
        ref = r["responded_at"].max()
        gap = (ref - last.reindex(active)).dt.days
        overdue = (gap.isna() | (gap > VOC_TARGET_DAYS[1])).sum()
        add(f"active accounts without a VOC interview in {VOC_TARGET_DAYS[1]:.0f} days", overdue, "accounts",
            overdue > 0.25 * len(active), f"as of the latest response ({ref.date()})")
    return pd.DataFrame(rows, columns=["check", "value", "unit", "status", "detail"])


def quality_report(location) -> str:
    """Load, validate and summarise a programme as text, with each study's forecast.

    The forecast ("runs fully" / "runs without: ..." / "cannot run: ...") comes
    from :func:`kapta_research.coverage.plan`, the plan the notebooks follow.

    Raises :class:`~kapta_research.io.ProgrammeError` listing every problem
    if the data cannot be used.
    """
    p = load_programme(location)
    lines = [f"Programme: {p.name}  ({p.location})", f"data sha256: {p.data_hash}", "", "Tables:"]
    for t, src in p.sources.items():
        lines.append(f"  {t:<15} {len(p.table(t)):>7} rows   {src}")
    lines += load_notes_lines(p)
    lines += ["", "Checks:"]
    for row in quality_checks(p).itertuples(index=False):
        flag = "WARN" if row.status == "warning" else " ok "
        val = f"{row.value:.1f}" if row.unit == "%" else f"{row.value:.0f}"
        detail = f"  ({row.detail})" if row.detail else ""
        if row.value != row.value:  # no number: the check is its detail
            lines.append(f"  [{flag}] {row.check}: {row.detail}")
            continue
        lines.append(f"  [{flag}] {row.check}: {val} {row.unit}{detail}")
    lines += ["", "Studies (with their default parameters):"]
    lines += [f"  {name}: {pl.status}" for name, pl in forecast(p)]
    lines += ["", "No problems that stop an analysis."]
    return "\n".join(lines)


#: Plain words for :attr:`Programme.load_notes` counts.
_NOTE_WORDS = {
    "dropped_preview": "survey-preview responses dropped",
    "dropped_unfinished": "unfinished responses dropped",
    "dropped_test": "survey-test responses dropped",
    "dropped_footer_rows": "report footer rows dropped",
    "dropped_blank_rows": "blank rows dropped",
    "linked_to_invitations": "responses without an invitation id linked to an invitation by contact and wave",
    "not_linked": "responses without an invitation id that match no invitation",
    "ids_matched_15_to_18": "15-character account ids matched to their 18-character form",
}


def load_notes_lines(programme) -> list[str]:
    """``Loading:`` lines of the report: what loading did to each table's rows (empty list if nothing).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> load_notes_lines(SimpleNamespace(load_notes={"responses": {"dropped_preview": 2}}))
    ['', 'Loading:', '  responses: 2 survey-preview responses dropped']
    """
    notes = getattr(programme, "load_notes", None) or {}
    out = [f"  {table}: {n:,} {_NOTE_WORDS.get(key, key.replace('_', ' '))}"
           for table, counts in notes.items() for key, n in counts.items() if n]
    out += [f"    {t} row {r}: {x[:80]!r}" for t, d in getattr(programme, "dropped_rows", {}).items() for r, x in d]
    return ["", "Loading:", *out] if out else []
