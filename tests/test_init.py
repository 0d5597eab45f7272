"""`kapta-research init`: drafting programme.yaml from vendor exports.

The vendor-shaped exports here are built from the sample programme by the
``_write_*`` helpers below (shapes as the vendors document them: Qualtrics'
three header rows with ``{"ImportId": …}``, SurveyMonkey's two header rows with
"Response" and matrix sub-labels, a Salesforce report's footer, currency and
18-character ids, a workbook with a title row and a second sheet).  The
end-to-end tests check that the draft loads with :func:`load_programme` and
gives the same tables as the sample.
"""
from __future__ import annotations

import csv
import hashlib
import json
import re

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import kapta_research as kr
from kapta_research import cli
from kapta_research._init_match import (PRESETS, detect_scale, guess_churn_labels, guess_roles,
                                        match_columns, normalize, score_tables)
from kapta_research.config import SAMPLE_DIR
from kapta_research.errors import DataError
from kapta_research.init import detect_format, draft_programme, read_grid, write_draft
from kapta_research.schema import DRIVER_LABELS, DRIVERS

# --------------------------------------------------------------------------
# vendor-shaped exports built from the sample
# --------------------------------------------------------------------------
QUALTRICS_META = [  # (column id, question text, ImportId) as Qualtrics writes them
    ("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"Europe/London"}'),
    ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"Europe/London"}'),
    ("Status", "Response Type", '{"ImportId":"status"}'),
    ("IPAddress", "IP Address", '{"ImportId":"ipAddress"}'),
    ("Progress", "Progress", '{"ImportId":"progress"}'),
    ("Duration (in seconds)", "Duration (in seconds)", '{"ImportId":"duration"}'),
    ("Finished", "Finished", '{"ImportId":"finished"}'),
    ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate","timeZone":"Europe/London"}'),
    ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
    ("RecipientLastName", "Recipient Last Name", '{"ImportId":"recipientLastName"}'),
    ("RecipientFirstName", "Recipient First Name", '{"ImportId":"recipientFirstName"}'),
    ("RecipientEmail", "Recipient Email", '{"ImportId":"recipientEmail"}'),
    ("ExternalReference", "External Data Reference", '{"ImportId":"externalDataReference"}'),
    ("DistributionChannel", "Distribution Channel", '{"ImportId":"distributionChannel"}'),
    ("UserLanguage", "User Language", '{"ImportId":"userLanguage"}'),
]
LTR_TEXT = "How likely are you to recommend Acme to a friend or colleague?"
MATRIX = "Please rate Acme on the following"
AGREE7 = list(PRESETS["agree7"])


def _sf_id(account_id: str, n: int = 18) -> str:
    """A Salesforce-shaped account id: key prefix 001, 15 characters, 3 more for the 18-char form."""
    base = f"001Dn{int(account_id[1:]):010d}"
    return base + "AAE"[: n - 15]


def _sample():
    return {t: pd.read_csv(SAMPLE_DIR / f"{t}.csv", dtype=str, keep_default_na=False)
            for t in ("accounts", "contacts", "invitations", "responses")}


def _write_qualtrics(path, responses, *, labels: bool):
    cols = list(QUALTRICS_META) + [("Q1", LTR_TEXT, '{"ImportId":"QID1"}')]
    cols += [(f"Q2_{i}", f"{MATRIX} - {DRIVER_LABELS[d]}", f'{{"ImportId":"QID2_{i}"}}')
             for i, d in enumerate(DRIVERS, 1)]
    cols += [("Q3", "What is the main reason for your score?", '{"ImportId":"QID3_TEXT"}'),
             ("AccountID", "AccountID", '{"ImportId":"AccountID"}'),
             ("ContactID", "ContactID", '{"ImportId":"ContactID"}'),
             ("Wave", "Wave", '{"ImportId":"Wave"}')]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        for k in range(3):
            w.writerow([c[k] for c in cols])
        for _, r in responses.iterrows():
            drivers = [(AGREE7[int(r[d]) - 1] if labels and r[d] else r[d]) for d in DRIVERS]
            w.writerow([r["responded_at"], r["responded_at"], "IP Address", "10.0.0.1", "100", "120", "True",
                        r["responded_at"], r["response_id"], "Doe", "Jane", "jane@example.com", "", "email",
                        "EN", r["ltr"], *drivers, r["comment"], _sf_id(r["account_id"]), r["contact_id"],
                        r["wave"]])


def _write_surveymonkey(path, responses):
    top = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
           "First Name", "Last Name", "Account ID", "Contact ID",
           "How likely is it that you would recommend Acme to a friend or colleague?", MATRIX,
           *[""] * (len(DRIVERS) - 1), "What is the main reason for your score?"]
    sub = ["", "", "", "", "", "", "", "", "", "", "Response", *[DRIVER_LABELS[d] for d in DRIVERS],
           "Open-Ended Response"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(top)
        w.writerow(sub)
        for _, r in responses.iterrows():
            prot = r["proactivity"]
            word = {"1": "Never", "7": "Always"}.get(prot, "Sometimes")
            drivers = [r[d] for d in DRIVERS[:-1]] + [f"{prot} - {word}" if prot else ""]
            w.writerow([r["response_id"], "400123", r["responded_at"], r["responded_at"], "10.0.0.1", "",
                        "", "", _sf_id(r["account_id"]), r["contact_id"], r["ltr"], *drivers, r["comment"]])


SF_HEADER = ["Account ID", "Account Name", "Segment", "Billing Region", "Industry", "Annual Revenue",
             "Account Owner", "Customer Since", "Renewal Date", "Renewal Stage", "Churn Date"]


def _sf_rows(accounts):
    for _, a in accounts.iterrows():
        yield [_sf_id(a["account_id"]), a["account_name"], a["segment"], a["region"], a["industry"],
               f"${int(a['annual_value']):,}.00", a["account_manager"], a["customer_since"], a["renewal_date"],
               "Closed Lost" if a["churned"] == "True" else "Closed Won", a["churn_date"]]


def _write_salesforce_csv(path, accounts):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL)
        w.writerow(SF_HEADER)
        w.writerows(_sf_rows(accounts))
        fh.write('\n"Grand Totals (%d records)"\n\n"Confidential Information - Do Not Distribute"\n'
                 '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."\n' % len(accounts))


def _write_accounts_xlsx(path, accounts):
    body = [[_sf_id(a["account_id"]), a["account_name"], a["segment"], a["region"], a["industry"],
             float(a["annual_value"]), a["account_manager"], a["customer_since"], a["renewal_date"],
             a["churned"] == "True", a["churn_date"] or None] for _, a in accounts.iterrows()]
    header = ["Account ID", "Account Name", "Segment", "Region", "Industry", "Annual Value",
              "Account Manager", "Customer Since", "Renewal Date", "Churned", "Churn Date"]
    with pd.ExcelWriter(path) as xw:
        title = ["Key accounts – exported 2026-11-30"] + [None] * (len(header) - 1)
        pd.DataFrame([title, header, *body]).to_excel(
            xw, sheet_name="Accounts", header=False, index=False)
        pd.DataFrame([["About this export", None], ["Owner: Sales Ops", None]]).to_excel(
            xw, sheet_name="About", header=False, index=False)


def _write_contacts(path, contacts):
    label = {"decision_maker": "CFO", "influencer": "Procurement", "user": "End User",
             "executive_sponsor": "Executive Sponsor"}
    out = pd.DataFrame({"Contact ID": contacts["contact_id"], "Account ID": contacts["account_id"].map(_sf_id),
                        "Contact Role": contacts["role"].map(label), "Full Name": contacts["name"],
                        "Email": contacts["email"]})
    out.to_csv(path, index=False)


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """Vendor-shaped exports of the whole sample, written once per module."""
    d = tmp_path_factory.mktemp("exports")
    s = _sample()
    _write_qualtrics(d / "qualtrics_numeric.csv", s["responses"], labels=False)
    _write_qualtrics(d / "qualtrics_labels.csv", s["responses"], labels=True)
    _write_surveymonkey(d / "surveymonkey.csv", s["responses"])
    _write_salesforce_csv(d / "sf_accounts.csv", s["accounts"])
    _write_accounts_xlsx(d / "accounts.xlsx", s["accounts"])
    _write_contacts(d / "contacts.csv", s["contacts"])
    return d


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


# --------------------------------------------------------------------------
# header matching
# --------------------------------------------------------------------------
@pytest.mark.parametrize("header, text, table, expected", [
    ("Account ID", None, "accounts", "account_id"),
    ("AccountID", None, "responses", "account_id"),
    ("ResponseId", None, "responses", "response_id"),
    ("Respondent ID", None, "responses", "response_id"),
    ("RecordedDate", None, "responses", "responded_at"),
    ("Q1", LTR_TEXT, "responses", "ltr"),
    ("How likely is it that you would recommend Acme to a friend or colleague?", None, "responses", "ltr"),
    ("Q2_1", f"{MATRIX} - Trust", "responses", "trust"),
    ("Q2_7", f"{MATRIX} - Ease of doing business", "responses", "ease_of_doing_business"),
    ("Q2_4", f"{MATRIX} - Feeling valued", "responses", "feel_valued"),
    ("Trust", None, "responses", "trust"),
    ("Annual Revenue", None, "accounts", "annual_value"),
    ("Account Owner", None, "accounts", "account_manager"),
    ("Renewal Stage", None, "accounts", "churned"),
    ("Billing Region", None, "accounts", "region"),
    ("E-mail", None, "contacts", "email"),
    ("Contact Role", None, "contacts", "role"),
    ("Interview Date", None, "voc_interviews", "interview_date"),
    ("Follow-up date", None, "followups", "followed_up_at"),
    ("Date Sent", None, "invitations", "sent_at"),
])
def test_header_matching(header, text, table, expected):
    guesses = match_columns([header], {header: [text]} if text else None, table)
    assert [(g.header, g.column) for g in guesses] == [(header, expected)]


def test_matching_prefers_the_better_header_and_maps_each_once():
    # RecordedDate beats StartDate for responded_at; a header is used for one column only
    got = match_columns(["StartDate", "RecordedDate", "Trust", "trust"], None, "responses")
    assert {g.column: g.header for g in got} == {"responded_at": "RecordedDate", "trust": "Trust"}


def test_unrelated_headers_are_not_guessed():
    assert match_columns(["Favourite colour", "Q7", "Collector ID"], {"Q7": ["Which city?"]}, "responses") == []


@settings(max_examples=60, deadline=None)
@given(header=st.sampled_from(["Account ID", "Renewal Date", "Annual Revenue", "Segment", "Account Owner",
                               "Customer Since", "Churn Date"]),
       flips=st.lists(st.booleans(), min_size=20, max_size=20),
       left=st.text(" \t", max_size=3), right=st.text(" \t", max_size=3))
def test_matching_ignores_case_and_surrounding_space(header, flips, left, right):
    varied = left + "".join(c.upper() if f else c.lower() for c, f in zip(header, flips + [False] * 20)) + right
    plain = match_columns([header], None, "accounts")[0].column
    assert [g.column for g in match_columns([varied], None, "accounts")] == [plain]


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=0, max_size=30))
def test_normalize_is_idempotent_and_clean(text):
    n = normalize(text)
    assert normalize(n) == n and n == n.strip() and "  " not in n


def test_table_scores_tell_tables_apart():
    cases = {
        "accounts": SF_HEADER,
        "contacts": ["Contact ID", "Account ID", "Contact Role", "Full Name", "Email"],
        "invitations": ["Invitation ID", "Contact ID", "Account ID", "Wave", "Date Sent"],
        "responses": ["Response ID", "Account ID", "Wave", LTR_TEXT, "Trust"],
        "followups": ["Response ID", "Follow-up date", "Owner", "Outcome"],
        "voc_interviews": ["Account ID", "Interview Date", "Interviewer"],
        "employees": ["Employee ID", "Team", "Wave", "How likely are you to recommend us as a place to work?"],
    }
    for table, headers in cases.items():
        scores = score_tables(headers)
        assert max(scores, key=scores.get) == table, (table, scores)


# --------------------------------------------------------------------------
# answer scales, roles, churn labels
# --------------------------------------------------------------------------
def test_label_scales():
    assert detect_scale(["Strongly agree", " agree", "SOMEWHAT disagree", ""], scale=(1, 7)).kind == "agree7"
    assert detect_scale(["Strongly agree", "Disagree", "Neither agree nor disagree"], scale=(1, 7)).kind == "agree5"
    g = detect_scale(["2", "7", "", None, "3"], scale=(1, 7))
    assert (g.kind, g.low, g.high) == ("numeric", 2.0, 7.0)
    assert detect_scale(["", None], scale=(1, 7)).kind == "empty"
    # ordered words spread over the declared scale where they land on whole numbers
    assert detect_scale(["Never", "Always", "Sometimes"], scale=(1, 7)).mapping == {
        "Never": 1, "Always": 7, "Sometimes": 4}
    # a 7-word frequency scale on a 7-point scale lands on 1..7; on a 5-point scale "Occasionally" has no number
    assert detect_scale(["Never", "Rarely", "Usually"], scale=(1, 7)).mapping == {"Never": 1, "Rarely": 2, "Usually": 6}
    odd = detect_scale(["Never", "Occasionally"], scale=(1, 5))
    assert odd.mapping == {"Never": 1, "Occasionally": None} and not odd.complete
    # "7 - Strongly agree": the leading number is the value
    assert detect_scale(["1 - Not at all", "7 - Completely", "4"], scale=(1, 7)).mapping == {
        "1 - Not at all": 1, "7 - Completely": 7}
    unknown = detect_scale(["Meh", "Great", "Meh"], scale=(1, 7))
    assert unknown.kind == "map" and unknown.mapping == {"Meh": None, "Great": None}


def test_roles_and_churn_labels():
    # "Executive Sponsor" and "decision maker" already read as canonical roles (case and spaces aside)
    assert guess_roles(["End User", "CFO", "Procurement", "Executive Sponsor", "decision maker", "Head of IT",
                        "Mascot"]) == {
        "End User": "user", "CFO": "decision_maker", "Procurement": "influencer", "Head of IT": "decision_maker",
        "Mascot": None}
    assert guess_churn_labels(["Closed Won", "Closed Lost", "Churned", "Renewed", "Negotiation"]) == (
        ["Closed Lost", "Churned"], ["Closed Won", "Renewed"], ["Negotiation"])


# --------------------------------------------------------------------------
# format detection per vendor
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name, sheet, fmt, skip, header_rows", [
    ("qualtrics_numeric.csv", "", "qualtrics", 0, 3),
    ("qualtrics_labels.csv", "", "qualtrics", 0, 3),
    ("surveymonkey.csv", "", "surveymonkey", 0, 2),
    ("sf_accounts.csv", "", "salesforce_report", 0, 1),
    ("accounts.xlsx", "Accounts", "plain", 1, 1),
    ("contacts.csv", "", "plain", 0, 1),
])
def test_format_detection(exports, name, sheet, fmt, skip, header_rows):
    geo = detect_format(read_grid(exports / name)[sheet])
    assert (geo["format"], geo["skip_rows"], geo["header_rows"]) == (fmt, skip, header_rows)


def test_salesforce_european_numbers_and_title_rows():
    grid = [["Accounts report"], ["as of 2026-11-30"], ["Account ID", "Account Name", "Annual Revenue"],
            ["001Dn0000000001AAE", "Acme GmbH", "1.200.000,00 €"], ["001Dn0000000002AAE", "Beta AG", "15.300,50 €"],
            [""], ["Grand Totals (2 records)"]]
    geo = detect_format(grid)
    assert (geo["format"], geo["skip_rows"], geo["decimal"]) == ("salesforce_report", 2, ",")
    assert "Grand Totals" in geo["reason"]


def test_a_bom_and_crlf_export_reads_like_any_other(tmp_path, exports):
    raw = (exports / "contacts.csv").read_text(encoding="utf-8")
    p = tmp_path / "contacts.csv"
    p.write_bytes(b"\xef\xbb\xbf" + raw.replace("\n", "\r\n").encode("utf-8"))
    assert read_grid(p)[""][:3] == read_grid(exports / "contacts.csv")[""][:3]
    p16 = tmp_path / "contacts16.csv"
    p16.write_bytes(raw.encode("utf-16"))
    assert read_grid(p16)[""][0] == ["Contact ID", "Account ID", "Contact Role", "Full Name", "Email"]


# --------------------------------------------------------------------------
# the drafts of the vendor exports
# --------------------------------------------------------------------------
def test_qualtrics_label_draft(exports):
    d = draft_programme([exports / "qualtrics_labels.csv"], output=exports / "programme.yaml")
    r = d.config["tables"]["responses"]
    assert r["format"] == "qualtrics" and r["file"] == "qualtrics_labels.csv"
    assert r["columns"] == {"RecordedDate": "responded_at", "ResponseId": "response_id", "Q1": "ltr",
                            **{f"Q2_{i}": dr for i, dr in enumerate(DRIVERS, 1)}, "Q3": "comment",
                            "AccountID": "account_id", "ContactID": "contact_id", "Wave": "wave"}
    assert r["values"] == {"drivers": "agree7"}
    assert d.config["scales"] == {"ltr": [0, 10], "drivers": [1, 7]}
    # Qualtrics' own columns and personal data are not proposed; the empty ExternalReference is not a guess
    assert "RecipientEmail" in d.tables["responses"].unused and "ExternalReference (empty)" in d.tables["responses"].unused
    # every guess says what it came from
    assert '"Q2_1": trust' in d.text and 'guessed from its question text "Please rate Acme on the following - Trust"' in d.text
    assert d.todos == [] and any("no accounts table" in n for n in d.notes)


def test_qualtrics_numeric_draft_has_no_values(exports):
    d = draft_programme([exports / "qualtrics_numeric.csv"], output=exports / "programme.yaml")
    assert "values" not in d.config["tables"]["responses"] and d.todos == []


def test_surveymonkey_draft(exports):
    d = draft_programme([exports / "surveymonkey.csv"], output=exports / "programme.yaml")
    r = d.config["tables"]["responses"]
    assert r["format"] == "surveymonkey"
    assert r["columns"][f"{MATRIX} - Ease of doing business"] == "ease_of_doing_business"
    assert r["columns"]["Respondent ID"] == "response_id" and r["columns"]["End Date"] == "responded_at"
    assert r["wave"] == {"from": "responded_at", "every": "quarter"}  # no wave column in the export
    assert r["values"] == {"proactivity": {"1 - Never": 1, "2 - Sometimes": 2, "3 - Sometimes": 3,
                                           "4 - Sometimes": 4, "5 - Sometimes": 5, "6 - Sometimes": 6,
                                           "7 - Always": 7}}
    assert "Email Address (empty)" in d.tables["responses"].unused


def test_salesforce_report_draft(exports):
    d = draft_programme([exports / "sf_accounts.csv"], output=exports / "programme.yaml")
    a = d.config["tables"]["accounts"]
    assert a["format"] == "salesforce_report"
    assert a["churned"] == {"column": "Renewal Stage", "true": ["Closed Lost"], "false": ["Closed Won"]}
    assert "Renewal Stage" not in a["columns"]
    assert a["columns"]["Annual Revenue"] == "annual_value" and a["columns"]["Billing Region"] == "region"
    assert d.todos == ["no file looks like survey responses (a column for likelihood to recommend); "
                       "add the survey export"]


def test_workbook_draft_picks_the_sheet_and_skips_the_title(exports):
    d = draft_programme([exports / "accounts.xlsx"], output=exports / "programme.yaml")
    a = d.config["tables"]["accounts"]
    assert (a["sheet"], a["skip_rows"], a.get("format", "plain")) == ("Accounts", 1, "plain")
    assert a["columns"]["Churned"] == "churned" and "churned" not in d.config["tables"]["accounts"].get("churned", {})
    assert any("'About'" in n and "not used" in n for n in d.notes)


def test_contacts_draft_maps_role_labels(exports):
    d = draft_programme([exports / "contacts.csv"], output=exports / "programme.yaml")
    assert d.config["tables"]["contacts"]["roles"] == {"CFO": "decision_maker", "End User": "user",
                                                       "Procurement": "influencer"}


def test_what_cannot_be_mapped_is_a_todo(tmp_path):
    p = tmp_path / "survey.csv"
    p.write_text("Respondent ID,Custom Data 1,How likely are you to recommend us?,How proactive are we?,Quarter\n"
                 "1,A0001,9,Meh,Spring\n2,A0002,7,Great,Autumn\n", encoding="utf-8")
    d = draft_programme([p], output=tmp_path / "programme.yaml")
    assert d.config["tables"]["responses"]["values"] == {"proactivity": {"Great": None, "Meh": None}}
    assert len(d.todos) == 3, d.todos
    assert any("give a number to each answer of proactivity ('Meh', 'Great')" in t for t in d.todos)
    assert any("wave column 'Quarter'" in t and "'Autumn'" in t for t in d.todos)
    assert any("no column found for account_id" in t for t in d.todos)
    # the TODOs are listed at the top and marked where they belong
    assert "# TODO: 3 thing(s) to decide" in d.text
    assert '"Meh": null' in d.text and "TODO: its number" in d.text


def test_churn_labels_it_cannot_place_are_a_todo(tmp_path):
    p = tmp_path / "accounts.csv"
    p.write_text("Account ID,Segment,Stage\nA1,SMB,Closed Won\nA2,SMB,Closed Lost\nA3,SMB,Negotiation\n",
                 encoding="utf-8")
    d = draft_programme([p], output=tmp_path / "programme.yaml")
    assert d.config["tables"]["accounts"]["churned"] == {"column": "Stage", "true": ["Closed Lost"],
                                                        "false": ["Closed Won"]}
    assert any("'Negotiation' in 'Stage' means churned" in t for t in d.todos)


@pytest.mark.parametrize("names", [["qualtrics_labels.csv", "sf_accounts.csv", "contacts.csv"],
                                   ["surveymonkey.csv", "accounts.xlsx"], ["qualtrics_numeric.csv"]])
def test_yaml_round_trip(exports, names):
    d = draft_programme([exports / n for n in names], output=exports / "programme.yaml")
    assert yaml.safe_load(d.text) == d.config


def test_yaml_round_trip_of_awkward_headers(tmp_path):
    headers = ['Account "ID"', "Segment: #1", "Région – naïve", "Industry\\Sector", "Annual value ($)", "key: value"]
    p = tmp_path / "accounts.csv"
    with open(p, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        w.writerow(["A1", "SMB", "EMEA", "Tech", "1000", "x"])
    d = draft_programme([p], output=tmp_path / "programme.yaml")
    assert yaml.safe_load(d.text) == d.config
    assert d.config["tables"]["accounts"]["columns"]['Account "ID"'] == "account_id"


def test_when_two_files_hold_the_same_table_the_better_fit_is_used(exports):
    d = draft_programme([exports / "accounts.xlsx", exports / "sf_accounts.csv"], output=exports / "programme.yaml")
    assert list(d.tables) == ["accounts"]
    assert any("also looks like the accounts table" in n for n in d.notes)


# --------------------------------------------------------------------------
# end to end: draft -> load_programme -> the sample's tables
# --------------------------------------------------------------------------
CRM_NAMES = {  # plain exports with everyday headers (no vendor format), one per table
    "accounts": {"account_id": "Account ID", "account_name": "Account Name", "segment": "Customer Segment",
                 "region": "Region", "industry": "Industry", "annual_value": "ARR",
                 "account_manager": "Account Manager", "customer_since": "Customer Since",
                 "renewal_date": "Renewal Date", "churned": "Churned", "churn_date": "Churn Date"},
    "contacts": {"contact_id": "Contact ID", "account_id": "Account ID", "role": "Role", "name": "Name",
                 "email": "E-mail"},
    "invitations": {"invitation_id": "Invitation ID", "contact_id": "Contact ID", "account_id": "Account ID",
                    "wave": "Wave", "sent_at": "Date Sent"},
    "responses": {"response_id": "Response ID", "invitation_id": "Invitation ID", "contact_id": "Contact ID",
                  "account_id": "Account ID", "wave": "Survey wave", "responded_at": "Date Submitted",
                  "ltr": LTR_TEXT, **{d: DRIVER_LABELS[d] for d in DRIVERS},
                  "comment": "Anything else you would like to tell us?"},
    "followups": {"response_id": "Response ID", "followed_up_at": "Follow-up Date", "owner": "Owner",
                  "outcome": "Outcome"},
    "voc_interviews": {"account_id": "Account ID", "interview_date": "Interview Date",
                       "interviewer": "Interviewer"},
    "employees": {"employee_id": "Employee ID", "team": "Team", "wave": "Wave", "ltr": "eNPS"},
}


def _assert_same_tables(got, want, tables, id_map=None):
    for t in tables:
        a, b = getattr(got, t).reset_index(drop=True), getattr(want, t).reset_index(drop=True)
        if id_map and "account_id" in a:
            a = a.assign(account_id=a["account_id"].map(id_map))
        pd.testing.assert_frame_equal(a[list(b.columns)], b, check_dtype=False, obj=t)


def test_plain_exports_draft_loads_to_the_sample(tmp_path, sample):
    for t, names in CRM_NAMES.items():
        pd.read_csv(SAMPLE_DIR / f"{t}.csv", dtype=str, keep_default_na=False).rename(columns=names).to_csv(
            tmp_path / f"crm_{t}.csv", index=False)
    before = _digest(tmp_path)
    d = write_draft(sorted(tmp_path.glob("crm_*.csv")), tmp_path / "programme.yaml")
    assert d.todos == [] and list(d.tables) == list(CRM_NAMES)
    for t, names in CRM_NAMES.items():
        assert d.tables[t].columns == {c: h for c, h in names.items()}, t
    prog = kr.load_programme(tmp_path / "programme.yaml")  # untouched draft
    _assert_same_tables(prog, sample, CRM_NAMES)
    after = _digest(tmp_path)
    assert {k: v for k, v in after.items() if k != "programme.yaml"} == before  # inputs only read


# --------------------------------------------------------------------------
# errors and the command line
# --------------------------------------------------------------------------
def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"file .*nope\.csv: file not found"):
        draft_programme([tmp_path / "nope.csv"], output=tmp_path / "programme.yaml")


def test_unreadable_files(tmp_path):
    binary = tmp_path / "export.csv"
    binary.write_bytes(b"PK\x03\x04\x00\x00binary\x00junk" * 50)
    with pytest.raises(DataError, match=r"file .*export\.csv: is not a text table \(it holds binary data\)"):
        draft_programme([binary], output=tmp_path / "programme.yaml")
    fake = tmp_path / "export.xlsx"
    fake.write_text("not really a workbook", encoding="utf-8")
    with pytest.raises(DataError, match=r"file .*export\.xlsx: cannot read the file"):
        draft_programme([fake], output=tmp_path / "programme.yaml")
    odd = tmp_path / "export.sav"
    odd.write_bytes(b"$FL2")
    with pytest.raises(DataError, match=r"file .*export\.sav: cannot read files ending in '\.sav'"):
        draft_programme([odd], output=tmp_path / "programme.yaml")
    (tmp_path / "sub").mkdir()
    with pytest.raises(DataError, match=r"file .*sub: the folder holds no export files \(\.csv, \.tsv"):
        draft_programme([tmp_path / "sub"], output=tmp_path / "programme.yaml")


def test_a_folder_stands_for_its_exports(tmp_path, exports):
    for n in ("qualtrics_numeric.csv", "sf_accounts.csv"):
        (tmp_path / n).write_bytes((exports / n).read_bytes())
    (tmp_path / "programme.yaml").write_text("name: old\n", encoding="utf-8")
    d = draft_programme([tmp_path], output=tmp_path / "draft.yaml")
    assert {t: td.path for t, td in d.tables.items()} == {"accounts": "sf_accounts.csv",
                                                         "responses": "qualtrics_numeric.csv"}


def test_files_that_are_not_tables(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"file .*empty\.csv: the file is empty: it holds no table"):
        draft_programme([empty], output=tmp_path / "programme.yaml")
    prose = tmp_path / "notes.txt"
    prose.write_text("Dear team,\nplease find the export attached.\nRegards\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"file .*notes\.txt: no header row found in the first 20 rows"):
        draft_programme([prose], output=tmp_path / "programme.yaml")
    wb = tmp_path / "book.xlsx"
    with pd.ExcelWriter(wb) as xw:
        pd.DataFrame([["just a title", None]]).to_excel(xw, sheet_name="A", header=False, index=False)
        pd.DataFrame([["another", None]]).to_excel(xw, sheet_name="B", header=False, index=False)
    with pytest.raises(DataError, match=r"file .*book\.xlsx: no sheet of the workbook looks like a table .*"
                                        r"\(sheets: A, B\)"):
        draft_programme([wb], output=tmp_path / "programme.yaml")


def test_a_table_of_no_known_kind_is_noted_not_guessed(tmp_path):
    p = tmp_path / "colours.csv"
    p.write_text("Colour,Hex\nred,#f00\nblue,#00f\n", encoding="utf-8")
    d = draft_programme([p], output=tmp_path / "programme.yaml")
    assert d.tables == {} and any("headers match no table (Colour, Hex)" in n for n in d.notes)
    assert yaml.safe_load(d.text) == d.config


def test_never_overwrites_without_force(tmp_path, exports):
    out = tmp_path / "programme.yaml"
    out.write_text("name: mine\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"programme\.yaml: already exists: init does not overwrite it; pass --force"):
        write_draft([exports / "contacts.csv"], out)
    assert out.read_text(encoding="utf-8") == "name: mine\n"
    write_draft([exports / "contacts.csv"], out, force=True)
    assert "contacts:" in out.read_text(encoding="utf-8")
    with pytest.raises(DataError, match=r"contacts\.csv: is one of the export files"):
        write_draft([exports / "contacts.csv"], exports / "contacts.csv", force=True)
    write_draft([exports / "contacts.csv"], tmp_path / "raw" / "acme" / "programme.yaml")  # a new folder is made
    assert (tmp_path / "raw" / "acme" / "programme.yaml").is_file()
    with pytest.raises(DataError, match=r"cannot write there: .*contacts\.csv is a file, not a folder"):
        write_draft([exports / "sf_accounts.csv"], exports / "contacts.csv" / "programme.yaml")


def test_cli_exit_codes_and_summary(tmp_path, exports, capsys):
    out = tmp_path / "programme.yaml"
    assert cli.main(["init", str(exports / "qualtrics_numeric.csv"), str(exports / "sf_accounts.csv"),
                     "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "qualtrics_numeric.csv -> responses (qualtrics; 2625 rows" in text
    assert f"Then run: kapta-research validate --data {out}" in text
    # TODOs left: exit 1, and they are printed
    assert cli.main(["init", str(exports / "sf_accounts.csv"), "-o", str(out), "--force"]) == 1
    assert "1 TODO(s) to resolve" in capsys.readouterr().out
    # nothing written: exit 2 with the reason
    assert cli.main(["init", str(exports / "sf_accounts.csv"), "-o", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert cli.main(["init", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "x.yaml")]) == 2
    assert "missing.csv: file not found" in capsys.readouterr().err
    assert not (tmp_path / "x.yaml").exists()


def test_cli_help_documents_exit_codes(capsys):
    with pytest.raises(SystemExit):
        cli.main(["init", "--help"])
    text = capsys.readouterr().out
    assert "exit status:" in text and "2  nothing written" in text and "--force" in text


def test_qualtrics_draft_counts_the_rows_the_loader_drops(tmp_path, exports):
    rows = list(csv.reader(open(exports / "qualtrics_numeric.csv", encoding="utf-8", newline="")))
    rows[3][2] = "Survey Preview"   # Status
    rows[4][13] = "preview"         # DistributionChannel
    rows[5][6] = "False"            # Finished
    p = tmp_path / "qualtrics.csv"
    with open(p, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    d = draft_programme([p], output=tmp_path / "programme.yaml")
    assert d.tables["responses"].notes == [
        "2 survey-preview and 1 unfinished responses are dropped on loading "
        "(keep_unfinished: true keeps the unfinished ones)"]
    assert "# 2 survey-preview and 1 unfinished" in d.text



RESPONSE_COLUMNS = ["response_id", "contact_id", "account_id", "wave", "responded_at", "ltr", *DRIVERS, "comment"]
VENDOR_SETS = {  # exports drafted together -> tables compared with the sample
    "qualtrics-labels + salesforce + contacts": (["qualtrics_labels.csv", "sf_accounts.csv", "contacts.csv"],
                                                 ["responses", "accounts", "contacts"]),
    "qualtrics-numeric + workbook": (["qualtrics_numeric.csv", "accounts.xlsx"], ["responses", "accounts"]),
    "surveymonkey + salesforce": (["surveymonkey.csv", "sf_accounts.csv"], ["responses", "accounts"]),
}


@pytest.mark.parametrize("case", list(VENDOR_SETS))
def test_vendor_drafts_load_untouched_to_the_sample(tmp_path, exports, sample, case):
    names, tables = VENDOR_SETS[case]
    d = write_draft([exports / n for n in names], tmp_path / "programme.yaml")
    assert d.todos == []
    before = _digest(exports)
    prog = kr.load_programme(tmp_path / "programme.yaml")
    assert _digest(exports) == before
    back = {_sf_id(a): a for a in sample.accounts["account_id"]}
    for t in tables:
        got, want = getattr(prog, t), getattr(sample, t)
        cols = RESPONSE_COLUMNS if t == "responses" else list(want.columns)
        got = got.assign(account_id=got["account_id"].map(back))
        pd.testing.assert_frame_equal(got[cols].reset_index(drop=True), want[cols].reset_index(drop=True),
                                      check_dtype=False, obj=f"{case}: {t}")


def test_unlabelled_columns_are_named_by_their_values(tmp_path, exports):
    """SurveyMonkey's "Custom Data n" columns: ids of the contacts / accounts given alongside, and quarter labels."""
    s = _sample()
    r = s["responses"].head(300)
    p = tmp_path / "sm.csv"
    with open(p, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Respondent ID", "End Date", "Custom Data 1", "Custom Data 2", "Custom Data 3", LTR_TEXT])
        w.writerow(["", "", "", "", "", "Response"])
        for _, x in r.iterrows():
            q = pd.Timestamp(x["responded_at"]).to_period("Q")
            w.writerow([x["response_id"], x["responded_at"], x["contact_id"], _sf_id(x["account_id"], 15),
                        f"{q.year}-Q{q.quarter}", x["ltr"]])
    d = draft_programme([p, exports / "sf_accounts.csv", exports / "contacts.csv"], output=tmp_path / "p.yaml")
    cols = d.config["tables"]["responses"]["columns"]
    assert (cols["Custom Data 1"], cols["Custom Data 2"], cols["Custom Data 3"]) == ("contact_id", "account_id", "wave")
    assert "guessed from its values: 100% of them are account_ids of" in d.text  # 15-char ids match 18-char ones
    assert "wave" not in d.config["tables"]["responses"]  # the labels are the waves, not the dates' quarters
    assert d.todos == []


def test_a_draft_with_todos_validates_after_exactly_the_listed_edits(tmp_path, sample):
    r = pd.read_csv(SAMPLE_DIR / "responses.csv", dtype=str, keep_default_na=False)
    words = {"1": "Meh", "2": "Meh", "3": "Meh", "4": "Fine", "5": "Fine", "6": "Great", "7": "Great"}
    r = r.assign(proactivity=r["proactivity"].map(lambda v: words.get(v, "")))
    r.to_csv(tmp_path / "responses.csv", index=False)
    d = write_draft([tmp_path / "responses.csv", SAMPLE_DIR / "accounts.csv"], tmp_path / "programme.yaml")
    assert d.todos == ["responses: give a number to each answer of proactivity ('Meh', 'Fine', 'Great')"]
    with pytest.raises(DataError, match=r"values: proactivity must be a preset .* or a mapping of labels to numbers"):
        kr.load_programme(tmp_path / "programme.yaml")
    # the edit the TODO asks for, and nothing else
    text = d.text
    for label, number in (("Meh", 2), ("Fine", 4), ("Great", 6)):
        text = text.replace(f'"{label}": null', f'"{label}": {number}')
    (tmp_path / "programme.yaml").write_text(text, encoding="utf-8")
    prog = kr.load_programme(tmp_path / "programme.yaml")
    assert prog.responses["proactivity"].dropna().isin([2.0, 4.0, 6.0]).all()
    pd.testing.assert_series_equal(prog.responses["ltr"], sample.responses["ltr"])


# --------------------------------------------------------------------------
# the export fixtures of tests/data/exports (made by its make_exports.py)
# --------------------------------------------------------------------------
EXPORTS = SAMPLE_DIR.parents[1] / "tests" / "data" / "exports"
FIXTURES = ("qualtrics_numeric", "qualtrics_labels", "surveymonkey", "salesforce", "excel")


def _fixture_files(name):
    """The files a fixture's hand-written programme.yaml reads: what a user would pass to init."""
    folder = EXPORTS / name
    cfg = yaml.safe_load((folder / "programme.yaml").read_text(encoding="utf-8"))
    files = []
    for spec in cfg["tables"].values():
        f = (folder / (spec if isinstance(spec, str) else spec["file"])).resolve()
        if f not in files:
            files.append(f)
    return files


@pytest.mark.parametrize("name", FIXTURES)
def test_draft_of_each_export_fixture_loads_untouched_like_its_programme_yaml(tmp_path, name):
    files = _fixture_files(name)
    before = _digest(EXPORTS / name)
    d = write_draft(files, tmp_path / "programme.yaml")
    assert d.todos == [], d.todos          # nothing for the user to edit
    got = kr.load_programme(tmp_path / "programme.yaml")
    want = kr.load_programme(EXPORTS / name / "programme.yaml")
    for t in ("accounts", "contacts", "invitations", "responses", "followups", "voc_interviews"):
        pd.testing.assert_frame_equal(getattr(got, t).reset_index(drop=True),
                                      getattr(want, t).reset_index(drop=True), obj=f"{name}: {t}")
    assert got.load_notes == want.load_notes
    assert _digest(EXPORTS / name) == before  # the exports were only read


def test_fixture_drafts_propose_what_the_hand_written_configs_say():
    d = draft_programme(_fixture_files("qualtrics_labels"), output=EXPORTS / "qualtrics_labels" / "programme.yaml")
    r = d.config["tables"]["responses"]
    assert r["values"] == {"drivers": "agree7", "ltr": "likely11", "proactivity": {
        "Never": 1, "Rarely": 2, "Occasionally": 3, "Sometimes": 4, "Often": 5, "Usually": 6, "Always": 7}}
    assert r["columns"]["ExternalReference"] == "contact_id" and r["wave"] == {"from": "responded_at",
                                                                             "every": "quarter"}
    assert d.tables["responses"].notes[0].startswith("3 survey-preview and 4 unfinished responses are dropped")
    sf = draft_programme(_fixture_files("salesforce"), output=EXPORTS / "salesforce" / "programme.yaml")
    assert sf.config["tables"]["accounts"]["churned"] == {"column": "Renewal Stage", "true": ["Closed Lost"],
                                                          "false": ["Closed Won"]}
    xl = draft_programme(_fixture_files("excel"), output=EXPORTS / "excel" / "programme.yaml")
    assert {t: (c.get("sheet"), c.get("skip_rows")) for t, c in xl.config["tables"].items()
            if t in ("accounts", "contacts")} == {"accounts": ("Accounts", 1), "contacts": ("Contacts", 1)}


def test_long_exports_are_judged_on_their_first_rows(tmp_path, exports):
    grid = read_grid(exports / "qualtrics_numeric.csv", max_rows=1000)[""]
    assert len(grid) == 1050 and grid.omitted == 3 + 2625 - 1050  # 3 header rows + 2625 responses in all
    full = read_grid(exports / "qualtrics_numeric.csv", max_rows=None)[""]
    assert grid[-50:] == full[-50:] and grid[:1000] == full[:1000]
    from kapta_research import _init_read
    orig = _init_read.read_grid
    try:
        _init_read.read_grid = lambda p, **k: orig(p, max_rows=1000)
        import kapta_research.init as init_mod
        init_mod.read_grid = _init_read.read_grid
        d = draft_programme([exports / "qualtrics_numeric.csv"], output=tmp_path / "p.yaml")
    finally:
        _init_read.read_grid = init_mod.read_grid = orig
    assert d.tables["responses"].n_rows == 2625
    assert "answers judged on the first 1,000 rows and the last 50 of 2,628" in d.text


def test_mapped_id_columns_are_checked_against_the_table_they_name(tmp_path, exports):
    d = draft_programme([exports / "qualtrics_numeric.csv", exports / "contacts.csv"], output=tmp_path / "p.yaml")
    assert re.search(r'"ContactID": contact_id +# guessed from header "ContactID"; 100% of its values are '
                     r'contact_ids of \S*contacts\.csv', d.text)
    # a column whose header says "account id" but whose values are something else
    p = tmp_path / "responses.csv"
    p.write_text("Response ID,Account ID,Contact ID,Wave,Likelihood to recommend\n"
                 "R1,X-1,C00001,1,9\nR2,X-2,C00002,1,7\n", encoding="utf-8")
    d = draft_programme([p, exports / "contacts.csv", exports / "sf_accounts.csv"], output=tmp_path / "p.yaml")
    assert d.todos == ["responses: only 0% of the values of 'Account ID' (mapped to account_id) are account_ids of "
                       f"{d.tables['accounts'].label} (e.g. 'X-1', 'X-2'); map the column that holds them"]


@settings(max_examples=40, deadline=None)
@given(extra=st.lists(st.text(min_size=1, max_size=25).filter(lambda x: x.strip()), min_size=1, max_size=4,
                      unique_by=lambda x: x.strip()),
       value=st.text(max_size=15))
def test_yaml_round_trip_of_any_header_and_value(tmp_path_factory, extra, value):
    """Whatever the export's headers and cells hold, the draft is YAML that reads back as its config."""
    folder = tmp_path_factory.mktemp("rt")
    p = folder / "accounts.csv"
    headers = ["Account ID", "Segment", "Renewal Stage", *extra]
    if len({h.strip() for h in headers}) < len(headers):
        return
    with open(p, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        w.writerow(["A1", "SMB", value or "Closed Won", *[value] * len(extra)])
        w.writerow(["A2", "SMB", "Closed Lost", *[value] * len(extra)])
    try:
        d = draft_programme([p], output=folder / "programme.yaml")
    except DataError:
        return  # e.g. headers that no longer read as a header row: a clear error, not a broken draft
    assert yaml.safe_load(d.text) == d.config


def test_cli_init_then_validate_on_a_fixture(tmp_path, capsys):
    out = tmp_path / "programme.yaml"
    files = [str(f) for f in _fixture_files("surveymonkey")]
    assert cli.main(["init", *files, "-o", str(out)]) == 0
    capsys.readouterr()
    assert cli.main(["validate", "--data", str(out)]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("answers, scale", [
    (["1", "3", "5"], [1, 5]), (["1", "4", "7"], [1, 7]), (["0", "5", "10"], [0, 10]), (["1", "9", "10"], [1, 10]),
    (["Agree", "Disagree", "Strongly agree"], [1, 5]),                       # agree5
    (["Agree", "Somewhat agree", "Strongly disagree"], [1, 7]),              # agree7
])
def test_driver_scale_is_proposed_from_the_answers(tmp_path, answers, scale):
    p = tmp_path / "r.csv"
    p.write_text("Response ID,Account ID,Wave,Likelihood to recommend,Trust\n" + "".join(
        f"R{i},A1,1,9,{a}\n" for i, a in enumerate(answers)), encoding="utf-8")
    d = draft_programme([p], output=tmp_path / "p.yaml")
    assert d.config["scales"] == {"ltr": [0, 10], "drivers": scale}


@pytest.mark.parametrize("path, sheet, fmt, skip", [
    ("qualtrics_numeric/qualtrics_export.csv", "", "qualtrics", 0),
    ("qualtrics_labels/qualtrics_export.csv", "", "qualtrics", 0),     # UTF-8 BOM and CRLF line ends
    ("surveymonkey/surveymonkey_export.csv", "", "surveymonkey", 0),
    ("salesforce/sf_accounts.csv", "", "salesforce_report", 0),
    ("excel/crm_export.xlsx", "Accounts", "plain", 1),
    ("excel/crm_export.xlsx", "Contacts", "plain", 1),
])
def test_format_detection_of_the_export_fixtures(path, sheet, fmt, skip):
    geo = detect_format(read_grid(EXPORTS / path)[sheet])
    assert (geo["format"], geo["skip_rows"]) == (fmt, skip)


def test_qualtrics_nps_group_column_is_not_the_score(tmp_path):
    p = tmp_path / "q.csv"
    with open(p, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerows([["ResponseId", "Q1_NPS_GROUP", "Q1", "AccountID"], ["Response ID", LTR_TEXT, LTR_TEXT, "AccountID"],
                     ['{"ImportId":"_recordId"}', '{"ImportId":"QID1_NPS_GROUP"}', '{"ImportId":"QID1"}',
                      '{"ImportId":"AccountID"}'], ["R_1", "3", "9", "A1"], ["R_2", "1", "4", "A2"]])
    d = draft_programme([p], output=tmp_path / "p.yaml")
    assert d.config["tables"]["responses"]["columns"]["Q1"] == "ltr"
    assert "Q1_NPS_GROUP" not in d.config["tables"]["responses"]["columns"]
    assert repr(d) == f"<Draft {tmp_path / 'p.yaml'}: responses <- q.csv; 1 TODO(s)>"
    assert d.todos == ["responses: no wave column and no date to derive waves from; map one of the columns to wave"]


def test_european_salesforce_report_loads_from_its_draft(tmp_path, sample):
    a = pd.read_csv(SAMPLE_DIR / "accounts.csv", dtype=str, keep_default_na=False)
    p = tmp_path / "accounts_eu.csv"
    with open(p, "w", newline="", encoding="cp1252") as fh:
        w = csv.writer(fh, delimiter=";", quoting=csv.QUOTE_ALL)
        w.writerow(["Account ID", "Account Name", "Segment", "Annual Revenue", "Renewal Stage"])
        for _, x in a.iterrows():
            euros = f"{int(x['annual_value']):,}".replace(",", ".") + ",00 €"
            w.writerow([x["account_id"], x["account_name"], x["segment"], euros,
                        "Closed Lost" if x["churned"] == "True" else "Closed Won"])
        fh.write('\n"Grand Totals (300 records)"\n"Confidential Information - Do Not Distribute"\n')
    d = write_draft([p, SAMPLE_DIR / "responses.csv"], tmp_path / "programme.yaml")
    acc = d.config["tables"]["accounts"]
    assert (acc["format"], acc["decimal"]) == ("salesforce_report", ",") and d.todos == []
    prog = kr.load_programme(tmp_path / "programme.yaml")
    pd.testing.assert_series_equal(prog.accounts["annual_value"], sample.accounts["annual_value"])
    assert prog.accounts["churned"].astype(bool).tolist() == sample.accounts["churned"].astype(bool).tolist()


@pytest.mark.parametrize("total, note", [("Gesamtsummen (300 Datensätze)", "Vertrauliche Informationen"),
                                         ("Totaux généraux (300 enregistrements)", "Informations confidentielles")])
def test_a_footer_in_another_language_is_read_as_a_report_footer(tmp_path, exports, total, note):
    text = (exports / "sf_accounts.csv").read_text(encoding="utf-8").replace("Grand Totals (300 records)", total)
    text = text.replace("Confidential Information - Do Not Distribute", note)
    (tmp_path / "sf.csv").write_text(text, encoding="utf-8")
    d = write_draft([tmp_path / "sf.csv", exports / "qualtrics_numeric.csv"], tmp_path / "p.yaml")
    assert d.config["tables"]["accounts"]["format"] == "salesforce_report"
    assert not [t for t in d.todos if "single cell" in t]
    prog = kr.load_programme(tmp_path / "p.yaml")
    assert len(prog.accounts) == 300
    assert [t for _, t in prog.dropped_rows["accounts"]][:2] == [total, note]


def test_recommend_answers_off_the_0_to_10_scale_are_a_todo(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("Response ID,Account ID,Wave,Likelihood to recommend\nR1,A1,1,12\nR2,A1,1,3\n", encoding="utf-8")
    d = draft_programme([p], output=tmp_path / "p.yaml")
    assert d.todos == ["responses: the recommend answers ('Likelihood to recommend') run from 3 to 12, outside "
                       "the 0-10 scale NPS needs; check that this is the recommend question"]


def test_a_missing_account_id_lists_the_columns_that_look_like_ids(tmp_path):
    # a SurveyMonkey export alone: the account id sits in "Custom Data 2" and nothing in its header says so;
    # the TODO names the id-like columns (fewest distinct values first), not IPs, names or the mapped wave
    from pathlib import Path
    fixture = Path(__file__).parent / "data" / "exports" / "surveymonkey" / "surveymonkey_export.csv"
    (tmp_path / "sm.csv").write_bytes(fixture.read_bytes())
    d = draft_programme([tmp_path / "sm.csv"], output=tmp_path / "programme.yaml")
    todo = [t for t in d.todos if "no column found for account_id" in t]
    assert len(todo) == 1
    assert ("columns that look like ids: 'Custom Data 2' (259 distinct values, e.g. 'A0003'); 'Custom Data 1' "
            "(872 distinct values, e.g. 'C00008')") in todo[0]
    assert "IP Address" not in todo[0] and "Last Name" not in todo[0] and "Custom Data 3" not in todo[0]
