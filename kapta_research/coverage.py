"""What each study can run on a programme: one source of truth for notebooks, PDF and ``validate``.

A programme needs only responses (with ``ltr``); accounts are needed for
anything broken down by an account attribute; every other table is
optional.  :func:`plan` lists a study's sections and, for each, whether the
data allow it and, if not, why -- in plain words, as the PDF's "Not covered"
box and ``kapta-research validate`` print it.  The notebooks run exactly the
sections the plan marks as runnable, so the preflight and the study agree by
construction.

Examples
--------
>>> import kapta_research as kr
>>> p = plan("nps-overview", kr.load_sample(), {})
>>> p.status
'runs fully'
>>> [s.name for s in p.sections][:3]
['overall', 'by_segment', 'by_region']
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Section", "Plan", "plan", "forecast"]


@dataclass(frozen=True)
class Section:
    """One section of a study.

    Attributes
    ----------
    name : str
        Identifier used by the notebook (``"response_rates"``).
    title : str
        Heading as the PDF shows it.
    runs : bool
        Whether the data allow it.
    reason : str
        Why not, in plain words (empty when it runs).
    """

    name: str
    title: str
    runs: bool
    reason: str = ""


@dataclass(frozen=True)
class Plan:
    """A study's sections on one programme (see :func:`plan`).

    Attributes
    ----------
    study : str
    sections : list of Section
    segments : list of str
        The ``segments`` parameter's columns that the data hold (study 01).
    drivers : list of str
        The ``drivers`` parameter's columns that the data hold (studies 02, 03).
    models : dict of str to list of str
        Churn models whose predictors the data hold (study 03).
    """

    study: str
    sections: list
    segments: list = field(default_factory=list)
    drivers: list = field(default_factory=list)
    models: dict = field(default_factory=dict)

    def runs(self, name: str) -> bool:
        """Whether section ``name`` runs (an unknown name is an error)."""
        return self._get(name).runs

    def reason(self, name: str) -> str:
        return self._get(name).reason

    def _get(self, name: str) -> Section:
        for s in self.sections:
            if s.name == name:
                return s
        from .errors import ParameterError
        raise ParameterError(f"The 'name' parameter of Plan.runs must be a section of study {self.study}: "
                             f"{', '.join(s.name for s in self.sections)}. Got {name!r} instead.")

    @property
    def skipped(self) -> list:
        """Sections that cannot run."""
        return [s for s in self.sections if not s.runs]

    @property
    def status(self) -> str:
        """``"runs fully"``, ``"runs without: …"`` or ``"cannot run: …"`` (what ``validate`` prints)."""
        skipped = self.skipped
        if not skipped:
            return "runs fully"
        reasons = " ".join(_unique(s.reason for s in skipped))
        if len(skipped) == len(self.sections):
            return "cannot run: " + reasons
        return "runs without: " + "; ".join(s.title for s in skipped) + ". " + reasons


def _unique(items) -> list:
    out = []
    for i in items:
        if i not in out:
            out.append(i)
    return out


def _table_reason(programme, table: str, column: str | None, what: str, human: str) -> str:
    """Empty when ``table.column`` was given; else ``"<what> need(s) <human>; none was given."``."""
    if not programme.provided(table):
        return f"{what} the {table.replace('_', ' ')} table; none was given."
    if column is not None and not programme.provided(table, column):
        return f"{what} {human}; the {table.replace('_', ' ')} table has no {column} column."
    return ""


def _waves(programme, waves) -> int:
    return len(programme.response_waves(waves))


def _nps_overview(programme, params) -> Plan:
    segments = list(params.get("segments", ["segment", "region"]))
    sections = [Section("overall", "NPS overall", True)]
    usable = []
    for s in segments:
        label = s.replace("_", " ")
        why = ("Breakdowns by account attribute need the accounts table; none was given."
               if not programme.provided("accounts") else
               _table_reason(programme, "accounts", s, f"NPS by {label} needs", f"the accounts' {label}"))
        sections.append(Section(f"by_{s}", f"NPS by {label}", not why, why))
        if not why:
            usable.append(s)
    if usable:
        no_group = ""
    elif segments:
        no_group = sections[1].reason
    else:
        no_group = "No group column was chosen (the 'segments' parameter is empty)."
    sections.append(Section("mix", "Same score, different customers", not no_group, no_group))
    n_waves = _waves(programme, params.get("waves"))
    few = "" if n_waves >= 2 else f"A trend needs at least two waves; the responses cover {n_waves}."
    sections.append(Section("trend", "Trend by wave", not few, few))
    changes = few or no_group
    sections.append(Section("segment_changes", "Last wave's change by group", not changes, changes))
    rates = _table_reason(programme, "invitations", None, "Response rates need", "")
    if not rates and not programme.has_values("responses", "invitation_id"):
        rates = ("Response rates need responses linked to invitations (an invitation_id, or a contact_id "
                 "and wave that match an invitation); none could be linked.")
    sections.append(Section("response_rates", "Response counts and rates", not rates, rates))
    return Plan("nps-overview", sections, segments=usable)


def _driver_columns(programme, drivers) -> tuple[list, list]:
    have = [d for d in drivers if programme.provided("responses", d) and programme.has_values("responses", d)]
    return have, [d for d in drivers if d not in have]


def _key_drivers(programme, params) -> Plan:
    drivers = list(params.get("drivers", programme.drivers))
    outcome = params.get("outcome", "ltr")
    have, missing = _driver_columns(programme, drivers)
    why = ""
    if not programme.provided("responses", outcome):
        why = f"The key-driver analysis needs the outcome column {outcome}; the responses have none."
    elif len(have) < 2:
        why = ("The key-driver analysis needs at least two driver ratings in the responses; "
               + (f"found {len(have)} of {', '.join(drivers)}." if drivers else "none was chosen."))
    seg_col = params.get("segment_column", "segment")
    if not why and params.get("segment_filter"):
        why = _table_reason(programme, "accounts", seg_col, "A segment filter needs",
                            f"the accounts' {seg_col.replace('_', ' ')}")
    sections = [Section("importance", "Which drivers matter", not why, why),
                Section("transitions", "Detractor→Passive versus Passive→Promoter", not why, why),
                Section("ipa", "Where to act: importance versus performance", not why, why)]
    if missing and not why:
        sections.append(Section("all_drivers", "Drivers " + ", ".join(m.replace("_", " ") for m in missing), False,
                                f"{'These drivers are' if len(missing) > 1 else 'This driver is'} not rated in "
                                "the responses."))
    return Plan("key-drivers", sections, drivers=have)


def _churn(programme, params) -> Plan:
    drivers = list(params.get("drivers", ["trust", "value_for_money", "ease_of_doing_business"]))
    signals = list(params.get("signals", ["response_rate_trend", "days_since_response"]))
    have, missing = _driver_columns(programme, drivers)
    if not programme.provided("accounts"):
        churn = "Churn outcomes are missing: no accounts table was given."
    elif not programme.provided("accounts", "churn_date"):
        churn = "Churn outcomes are missing: the accounts table has no churn_date column."
    else:
        churn = ""
    invit = _table_reason(programme, "invitations", None, "The response-rate trend needs", "")
    usable_signals = [s for s in signals if not (s == "response_rate_trend" and invit)]
    models = {"NPS": ["nps"]}
    if have:
        models["NPS + drivers"] = ["nps", *have]
    if have and usable_signals:
        models["NPS + drivers + engagement"] = ["nps", *have, *usable_signals]
    no_drivers = "" if have else (f"The driver models need driver ratings ({', '.join(drivers)}); the responses "
                                  "have none." if drivers else "No driver was chosen.")
    sections = [
        Section("prediction", "How well does each model predict churn?", not churn, churn),
        Section("driver_models", "Churn odds per point of each driver", not (churn or no_drivers),
                churn or no_drivers),
        Section("churn_by_nps_band", "Churn rate by NPS band", not churn, churn),
        Section("churn_by_response_trend", "Churn rate by response-rate trend", not (churn or invit),
                churn or invit),
        Section("survival", "Time to churn", not churn, churn),
        Section("freshness", "Do scores go stale?", not churn, churn),
    ]
    if not churn and invit and "response_rate_trend" in signals:
        sections.append(Section("engagement_trend", "Response-rate trend as a churn signal", False, invit))
    if not churn and missing and have:
        sections.append(Section("all_drivers", "Drivers " + ", ".join(m.replace("_", " ") for m in missing), False,
                                "Not rated in the responses."))
    return Plan("churn-correlation", sections, drivers=have, models=models if not churn else {})


def _accounts(programme, params) -> Plan:
    """Study 04 (accounts): roll-ups, voices, categories, quadrants (issue 10)."""
    no_acc = _table_reason(programme, "accounts", None, "This section needs", "")
    no_value = no_acc or _table_reason(programme, "accounts", "annual_value", "This section needs",
                                       "the accounts' annual value")
    no_roles = _table_reason(programme, "contacts", "role", "Roll-ups by role need", "the contacts' roles")
    drivers, _ = _driver_columns(programme, programme.drivers)
    sections = [Section("rollups", "Portfolio NPS under each roll-up", True),
                Section("role_rollups", "Role-weighted and decision-maker roll-ups", not no_roles, no_roles),
                Section("revenue_rollup", "Revenue-weighted portfolio NPS", not no_value,
                        no_value.replace("This section needs", "The revenue-weighted NPS needs")),
                Section("account_nps", "Account NPS with small-sample shrinkage", True),
                Section("voices", "Voices and revenue coverage", not no_value,
                        no_value.replace("This section needs", "Voices and revenue coverage need")),
                Section("categories", "Account categories", True),
                Section("category_drivers", "Stalkers and the Ambassadors' relationship test", bool(drivers),
                        "" if drivers else "They need driver ratings (value for money, trust, ...); the "
                                           "responses have none."),
                Section("quadrants", "Loyalty × value quadrants", not no_value,
                        no_value.replace("This section needs", "The quadrants need"))]
    churn = no_acc or ("" if programme.provided("accounts", "churn_date") else
                       "The health-score validation needs churn dates; the accounts table has no churn_date column.")
    if not churn and len(params.get("as_of", [])) < 2:
        churn = ("The health-score validation learns on earlier snapshot dates and tests on the latest; the "
                 "'as_of' parameter gives fewer than two dates.")
    sections.append(Section("health_validation", "Does the health score predict churn?", not churn,
                            churn.replace("This section needs", "The health-score validation needs")))
    sections.append(Section("actions", "Action lists for the account teams", not no_acc,
                            no_acc.replace("This section needs", "The action lists need")))
    if str(params.get("loyalty_cut", "0")).strip() == "churn":
        why = no_value or ("" if programme.provided("accounts", "churn_date") else
                           "Choosing the loyalty cut from churn needs churn dates; the accounts table has no "
                           "churn_date column (the cut 0 is used).")
        sections.append(Section("loyalty_cut", "Loyalty cut chosen from churn", not why, why))
    return Plan("accounts", sections, drivers=drivers)


def _check_programme_health(programme, params) -> None:
    """Study 05's own parameters, checked before any work, with the study's names (the kernel's functions
    would name their internal arguments, e.g. target_days for voc_target_days)."""
    from .operations._common import as_timestamp, check_sla
    from .operations.loop import _check_categories
    from .errors import ParameterError
    study = "study programme-health"
    if "as_of" in params and str(params["as_of"]).strip():
        as_timestamp(params["as_of"], name="as_of", func=study)
    if "sla_days" in params:
        check_sla(params["sla_days"], name="sla_days", func=study)
    if "categories" in params:
        _check_categories(params["categories"], study)
    if "voc_target_days" in params:
        t = params["voc_target_days"]
        ok = not isinstance(t, str) and len(t) == 2 and check_sla(t, name="voc_target_days", func=study) \
            and float(t[0]) <= float(t[1])
        if not ok:
            raise ParameterError(f"The 'voc_target_days' parameter of {study} must be two days, lower then upper "
                                 f"(lower <= upper), e.g. [90, 120]. Got {t!r} instead.")
    if "margin" in params:
        from ._validation import check_number
        check_number(params["margin"], name="margin", func=study, low=0, high=200, low_open=True)
    _check_explicit_names(programme, params, study)


def _check_explicit_names(programme, params, study) -> None:
    """A benchmark file or segment column the user *gave* must exist (a default may degrade to Not covered);
    a benchmark file is read and checked now, so its errors come before any work and quote the file."""
    import difflib
    from pathlib import Path

    from .errors import ParameterError
    from .studies import get_study, resolve_data
    declared = get_study("programme-health").parameters
    given = {k: params[k] for k in ("benchmarks", "segment")
             if k in params and k in declared and params[k] != declared[k].default}
    bench = str(params.get("benchmarks", "") or "").strip()
    if bench:
        path = Path(resolve_data(bench))
        if path.is_file():
            from .operations.benchmarks import read_benchmarks
            read_benchmarks(path)
        elif "benchmarks" in given:
            near = difflib.get_close_matches(path.name, [f.name for f in path.parent.glob("*.csv")], n=1) \
                if path.parent.is_dir() else []
            hint = f" Did you mean {str(path.parent / near[0])!r}?" if near else ""
            raise ParameterError(f"The 'benchmarks' parameter of {study} must be an existing CSV file. "
                                 f"Got {bench!r} instead: no such file ({path}).{hint}")
    seg = params.get("segment")
    if "segment" in given and seg and programme.provided("accounts") and seg not in programme.accounts.columns:
        cols = [str(c) for c in programme.accounts.columns]
        near = difflib.get_close_matches(seg, cols, n=1) or [c for c in cols if c.lower() == str(seg).lower()]
        hint = f" Did you mean {near[0]!r}?" if near else ""
        raise ParameterError(f"The 'segment' parameter of {study} must be a column of the accounts table. "
                             f"Got {seg!r} instead.{hint} Columns: {', '.join(cols)}.")


def _programme_health(programme, params) -> Plan:
    """Study 05: every section rests on an optional table (issue 11)."""
    _check_programme_health(programme, params)
    loop = _table_reason(programme, "followups", None, "Closing the loop needs", "")
    if not loop and not programme.provided("responses", "responded_at"):
        loop = "Closing the loop needs the responses' dates (responded_at); the responses have none."
    owners = loop or ("" if programme.provided("followups", "owner") or programme.provided(
        "accounts", "account_manager") else "Follow-up by owner needs the follow-ups' owner or the accounts' "
                                             "account manager; neither was given.")
    seg = params.get("segment", "segment")
    by_seg = ("Breakdowns by account attribute need the accounts table; none was given."
              if not programme.provided("accounts") else
              _table_reason(programme, "accounts", seg, f"A breakdown by {seg.replace('_', ' ')} needs",
                            f"the accounts' {seg.replace('_', ' ')}"))
    voc = _table_reason(programme, "voc_interviews", None, "The VOC cadence needs", "")
    roles = _table_reason(programme, "invitations", None, "Response rates by role need", "")
    if not roles:
        roles = _table_reason(programme, "contacts", "role", "Response rates by role need", "the contacts' roles")
    if not roles and not programme.has_values("responses", "invitation_id"):
        roles = "Response rates by role need responses linked to invitations; none could be linked."
    bench = "" if str(params.get("benchmarks", "")).strip() else \
        "No benchmark file was given (the 'benchmarks' parameter is empty)."
    if not bench:
        from pathlib import Path

        from .studies import resolve_data
        if not Path(resolve_data(params["benchmarks"])).is_file():
            bench = f"The benchmark file {params['benchmarks']} was not found."
    emp = _table_reason(programme, "employees", None, "Employee NPS needs", "")
    link = emp or ("" if programme.provided("employees", "account_ids") or programme.provided(
        "accounts", "account_manager") else "Linking teams to accounts needs the employees' account_ids or the "
                                            "accounts' account manager; neither was given.")
    sections = [
        Section("closed_loop", "Closing the loop with detractors", not loop, loop),
        Section("loop_by_owner", "Follow-up by owner", not owners, owners),
        Section("loop_by_segment", f"Follow-up by {seg.replace('_', ' ')}", not (loop or by_seg), loop or by_seg),
        Section("loop_effect", "Follow-up in time and the next wave's score", not loop, loop),
        Section("voc_cadence", "VOC interview cadence", not voc, voc),
        Section("response_rates_by_role", "Who answers: response rates by role", not roles, roles),
        Section("benchmark", "NPS against benchmarks", not bench, bench),
        Section("sample_size", "Responses needed next wave", True),
        Section("sample_size_by_segment", f"Responses needed next wave, by {seg.replace('_', ' ')}", not by_seg,
                by_seg),
        Section("employee_nps", "Employee NPS", not emp, emp),
        Section("enps_link", "Team eNPS and customer NPS", not link, link),
    ]
    return Plan("programme-health", sections, segments=[] if by_seg else [seg])


def _comments(programme, params) -> Plan:
    """Study 06: every section needs English comments; sentiment by segment also the accounts' segment."""
    why = ""
    if not programme.provided("responses", "comment"):
        why = "The comment sections need a comment column in the responses; none was given."
    else:
        from .text._prepare import _is_blank, detect_language
        texts = [t for t in programme.responses["comment"] if isinstance(t, str) and not _is_blank(t)]
        if not texts:
            why = "Every comment is blank: there is no text to analyse."
        elif all(detect_language(t) == "other" for t in texts):
            why = "No comment is in English; the text methods are English-only."
    seg = params.get("segment", "segment")
    seg_why = why or _table_reason(programme, "accounts", seg, "Sentiment by segment needs",
                                   f"the accounts' {seg.replace('_', ' ')}")
    sections = [Section("themes", "Themes in the comments", not why, why),
                Section("impact", "What each theme weighs in NPS", not why, why),
                Section("sentiment", f"Sentiment by {seg.replace('_', ' ')}", not seg_why, seg_why),
                Section("quotes", "In their own words", not why, why),
                Section("nmf", "Themes found without a dictionary", not why, why)]
    return Plan("what-customers-say", sections)


_PLANNERS = {"nps-overview": _nps_overview, "key-drivers": _key_drivers, "churn-correlation": _churn}
_PLANNERS["programme-health"] = _programme_health  # issue 11 (ops)
_PLANNERS["what-customers-say"] = _comments  # issue 12 (text)
_PLANNERS["accounts"] = _accounts  # issue 10 (accounts)


def plan(study, programme, parameters: dict | None = None) -> Plan:
    """The sections of ``study`` that ``programme`` allows, with the reason for each one it does not.

    Parameters
    ----------
    study : str or Study
        Study name (``"nps-overview"``) or number (``"01"``).
    programme : Programme
    parameters : dict, optional
        The study's parameters (defaults filled in when missing).

    Returns
    -------
    Plan
        ``sections`` (name, title, runs, reason), ``status`` and the usable
        columns of list parameters.

    Examples
    --------
    >>> import kapta_research as kr
    >>> plan("churn-correlation", kr.load_sample(), {}).models["NPS + drivers"][:2]
    ['nps', 'trust']
    """
    from .studies import Study, check_parameters, get_study
    st = study if isinstance(study, Study) else get_study(study)
    params = check_parameters(st, dict(parameters or {}))
    if st.name not in _PLANNERS:  # a study without a plan runs whole
        return Plan(st.name, [Section("study", st.title, True)])
    return _PLANNERS[st.name](programme, params)


def forecast(programme, parameters: dict | None = None) -> list[tuple[str, Plan]]:
    """:func:`plan` of every study with its default parameters (``validate``'s forecast)."""
    from .studies import list_studies
    out = []
    for s in list_studies():
        shared = {k: v for k, v in (parameters or {}).items() if k in s.parameters}
        out.append((s.name, plan(s, programme, shared)))
    return out
