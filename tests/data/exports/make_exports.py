"""Write vendor-shaped exports of the sample programme (``data/sample``) into this folder.

Each sub-folder is one programme whose ``programme.yaml`` loads it without code,
and whose tables equal the sample's (ids aside):

``qualtrics_numeric/``
    responses as a Qualtrics "numeric values" CSV: three header rows (ids,
    question texts, ``{"ImportId": ...}``), a UTF-8 BOM, metadata and personal
    columns, survey-preview and unfinished rows (dropped on load), no
    invitation id (linked by contact and wave), waves from ``RecordedDate``.
``qualtrics_labels/``
    the same as a "choice text" export (CRLF line ends): drivers as
    "Strongly disagree" ... "Strongly agree", proactivity on a frequency scale,
    the recommend question's ends labelled "0 - Not at all likely" / "10 - Extremely likely".
``surveymonkey/``
    responses as a SurveyMonkey CSV: two header rows, a matrix question whose
    sub-columns pandas reads as ``Unnamed: n``, "Response" sub-labels,
    US dates with AM/PM, waves as "2024-Q1" labels in a custom-data column.
``salesforce/``
    accounts as a Salesforce report CSV: every field quoted, 18-character ids,
    "$1,200,000.00" amounts, US dates, churn as renewal stage "Closed Lost" /
    "Closed Won", and the "Grand Totals" / "Confidential Information" /
    "Copyright" footer; contacts carry the 15-character form of the ids.
``excel/``
    accounts and contacts in one workbook (sheets "Accounts" and "Contacts"),
    each with a title row above its header.

Tables a fixture does not re-shape are read from ``data/sample`` through a
relative path in its ``programme.yaml``.  Regenerate with
``.venv/bin/python tests/data/exports/make_exports.py``; the output is
byte-identical on every run (fixed seed, fixed workbook timestamps).
"""
from __future__ import annotations

import csv
import io
import json
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SAMPLE = ROOT / "data" / "sample"
REL_SAMPLE = "../../../../data/sample"
SEED = 20261122
DRIVERS = ["trust", "commitment", "satisfaction", "feel_valued", "leading_edge", "value_for_money",
           "ease_of_doing_business", "proactivity"]
STATEMENTS = ["Trust", "Commitment", "Satisfaction", "Feeling valued", "Leading edge", "Value for money",
              "Ease of doing business", "Proactivity"]
LTR_TEXT = "How likely are you to recommend Acme to a friend or colleague?"
MATRIX_TEXT = "Please rate Acme on the following"
COMMENT_TEXT = "Is there anything else you would like to tell us?"
AGREE7 = ["Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree",
          "Somewhat agree", "Agree", "Strongly agree"]
FREQUENCY7 = ["Never", "Rarely", "Occasionally", "Sometimes", "Often", "Usually", "Always"]
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#: The other tables of a survey-export fixture: the sample's, and followups with the export's response ids.
SURVEY_ONLY_REST = "".join(f"  {t}: {REL_SAMPLE}/{t}.csv\n" for t in ("accounts", "contacts", "invitations")) + \
    f"  followups: followups.csv\n  voc_interviews: {REL_SAMPLE}/voc_interviews.csv\n" + \
    f"  employees: {REL_SAMPLE}/employees.csv\n"


def read(table: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE / f"{table}.csv", dtype=str, keep_default_na=False)


def write_csv(path: Path, rows: list[list[str]], *, bom=False, crlf=False, quote_all=False) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n" if crlf else "\n",
                   quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    w.writerows(rows)
    path.write_bytes(("\ufeff" if bom else "").encode() + buf.getvalue().encode("utf-8"))


def frame_rows(df: pd.DataFrame) -> list[list[str]]:
    return [list(map(str, r)) for r in df.itertuples(index=False, name=None)]


def sf_id(rng: np.random.Generator, prefix: str = "001") -> tuple[str, str]:
    """A random 15-character Salesforce id and its 18-character form (the case-checksum suffix)."""
    body = prefix + "".join(rng.choice(list(ALNUM), 12))
    suffix = ""
    for chunk in (body[0:5], body[5:10], body[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if ch.isupper())
        suffix += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits]
    return body, body + suffix


def qualtrics_id(rng) -> str:
    return "R_" + "".join(rng.choice(list(ALNUM), 15))


def us_datetime(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s).dt.strftime("%m/%d/%Y %I:%M:%S %p")


def us_date(s: pd.Series) -> pd.Series:
    d = pd.to_datetime(s.replace("", None))
    return d.dt.strftime("%-m/%-d/%Y").fillna("")


def new_followups(folder: Path, id_map: dict) -> None:
    f = read("followups")
    f["response_id"] = f["response_id"].map(id_map)
    f.to_csv(folder / "followups.csv", index=False, lineterminator="\n")


def programme_yaml(folder: Path, text: str) -> None:
    (folder / "programme.yaml").write_text(text)


# --------------------------------------------------------------------------------------------
# Qualtrics
# --------------------------------------------------------------------------------------------
Q_META = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
          "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
          "ExternalReference", "LocationLatitude", "LocationLongitude", "DistributionChannel", "UserLanguage"]
Q_META_TEXT = ["Start Date", "End Date", "Response Type", "IP Address", "Progress", "Duration (in seconds)",
               "Finished", "Recorded Date", "Response ID", "Recipient Last Name", "Recipient First Name",
               "Recipient Email", "External Data Reference", "Location Latitude", "Location Longitude",
               "Distribution Channel", "User Language"]
Q_IMPORT = ["startDate", "endDate", "status", "ipAddress", "progress", "duration", "finished", "recordedDate",
            "_recordId", "recipientLastName", "recipientFirstName", "recipientEmail", "externalDataReference",
            "locationLatitude", "locationLongitude", "distributionChannel", "userLanguage"]


def qualtrics(folder: Path, *, labels: bool) -> dict:
    rng = np.random.default_rng(SEED + labels)
    r = read("responses")
    contacts = read("contacts").set_index("contact_id")
    ids = [qualtrics_id(rng) for _ in range(len(r))]
    end = pd.to_datetime(r["responded_at"])
    dur = rng.integers(60, 900, len(r))
    out = pd.DataFrame({
        "StartDate": (end - pd.to_timedelta(dur, unit="s")).dt.strftime("%Y-%m-%d %H:%M:%S"),
        "EndDate": end.dt.strftime("%Y-%m-%d %H:%M:%S"),
        "Status": "IP Address" if labels else "0",
        "IPAddress": [f"203.0.113.{i % 250 + 1}" for i in range(len(r))],
        "Progress": "100", "Duration (in seconds)": dur.astype(str),
        "Finished": "True" if labels else "1",
        "RecordedDate": end.dt.strftime("%Y-%m-%d %H:%M:%S"),
        "ResponseId": ids,
        "RecipientLastName": [contacts.loc[c, "name"].split()[-1] for c in r["contact_id"]],
        "RecipientFirstName": "Contact",
        "RecipientEmail": [contacts.loc[c, "email"] for c in r["contact_id"]],
        "ExternalReference": r["contact_id"],
        "LocationLatitude": "51.5074", "LocationLongitude": "-0.1278",
        "DistributionChannel": "email", "UserLanguage": "EN",
    })
    ltr = r["ltr"].copy()
    if labels:
        ltr = ltr.replace({"0": "0 - Not at all likely", "10": "10 - Extremely likely"})
    out["Q1"] = ltr
    for k, d in enumerate(DRIVERS, start=1):
        v = r[d]
        if labels:
            scale = FREQUENCY7 if d == "proactivity" else AGREE7
            v = v.map(lambda x, s=scale: s[int(x) - 1] if x else "")
        out[f"Q2_{k}"] = v
    out["Q3"] = r["comment"]
    out["AccountID"] = r["account_id"]
    # rows a real export also holds: survey previews (by the author) and unfinished responses
    extra = []
    for i in range(3):
        row = out.iloc[10 * i + 5].copy()
        row["ResponseId"] = qualtrics_id(rng)
        row["Status"] = "Survey Preview" if labels else "1"
        row["DistributionChannel"] = "preview"
        row[["RecipientLastName", "RecipientFirstName", "RecipientEmail", "ExternalReference", "AccountID"]] = ""
        extra.append((10 * i + 5, row))
    for i in range(4):
        row = out.iloc[200 * i + 50].copy()
        row["ResponseId"] = qualtrics_id(rng)
        row["Progress"], row["Finished"] = "38", "False" if labels else "0"
        row[[f"Q2_{k}" for k in range(3, 9)] + ["Q3"]] = ""
        extra.append((200 * i + 50, row))
    rows = [out.iloc[i] for i in range(len(out))]
    for pos, row in sorted(extra, key=lambda t: t[0], reverse=True):
        rows.insert(pos, row)
    body = pd.DataFrame(rows)
    header = list(out.columns)
    texts = Q_META_TEXT + [LTR_TEXT] + [f"{MATRIX_TEXT} - {s}" for s in STATEMENTS] + [COMMENT_TEXT, "AccountID"]
    imports = [json.dumps({"ImportId": x}, separators=(",", ":")) for x in Q_IMPORT]
    imports[0] = imports[1] = imports[7] = None  # dates carry their time zone
    for j, key in ((0, "startDate"), (1, "endDate"), (7, "recordedDate")):
        imports[j] = json.dumps({"ImportId": key, "timeZone": "Europe/London"}, separators=(",", ":"))
    imports += [json.dumps({"ImportId": q}, separators=(",", ":"))
                for q in ["QID1", *[f"QID2_{k}" for k in range(1, 9)], "QID3_TEXT", "AccountID"]]
    write_csv(folder / "qualtrics_export.csv", [header, texts, imports, *frame_rows(body)], bom=True, crlf=labels)
    id_map = dict(zip(r["response_id"], ids))
    new_followups(folder, id_map)
    values = ("    values:\n      ltr: likely11\n      drivers: agree7\n"
              "      proactivity: {Never: 1, Rarely: 2, Occasionally: 3, Sometimes: 4, Often: 5, Usually: 6,"
              " Always: 7}\n") if labels else ""
    programme_yaml(folder, f"""# Qualtrics {'choice-text' if labels else 'numeric'} export of the sample programme
name: Sample B2B programme (synthetic)
tables:
  responses:
    file: qualtrics_export.csv
    format: qualtrics
    columns:
      ResponseId: response_id
      ExternalReference: contact_id
      AccountID: account_id
      RecordedDate: responded_at
      "{LTR_TEXT}": ltr
{''.join(f'      "{MATRIX_TEXT} - {s}": {d}' + chr(10) for s, d in zip(STATEMENTS, DRIVERS))}      Q3: comment
{values}    wave: {{from: responded_at, every: quarter}}
{SURVEY_ONLY_REST}""")
    return id_map


# --------------------------------------------------------------------------------------------
# SurveyMonkey
# --------------------------------------------------------------------------------------------
def surveymonkey(folder: Path) -> dict:
    rng = np.random.default_rng(SEED + 7)
    r = read("responses")
    contacts = read("contacts").set_index("contact_id")
    ids = [str(x) for x in rng.choice(np.arange(114_200_000_000, 114_300_000_000), len(r), replace=False)]
    end = pd.to_datetime(r["responded_at"])
    start = end - pd.to_timedelta(rng.integers(60, 900, len(r)), unit="s")
    quarter = end.dt.to_period("Q")
    top = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
           "First Name", "Last Name", "Custom Data 1", "Custom Data 2", "Custom Data 3", LTR_TEXT,
           MATRIX_TEXT] + [""] * 7 + [COMMENT_TEXT]
    sub = [""] * 11 + ["Response"] + STATEMENTS + ["Open-Ended Response"]
    body = pd.DataFrame({
        "rid": ids, "cid": "431562789",
        "start": start.dt.strftime("%m/%d/%Y %I:%M:%S %p"), "end": end.dt.strftime("%m/%d/%Y %I:%M:%S %p"),
        "ip": [f"198.51.100.{i % 250 + 1}" for i in range(len(r))],
        "email": [contacts.loc[c, "email"] for c in r["contact_id"]],
        "first": "Contact", "last": [contacts.loc[c, "name"].split()[-1] for c in r["contact_id"]],
        "c1": r["contact_id"], "c2": r["account_id"], "c3": [f"{q.year}-Q{q.quarter}" for q in quarter],
        "ltr": r["ltr"], **{d: r[d] for d in DRIVERS}, "comment": r["comment"]})
    write_csv(folder / "surveymonkey_export.csv", [top, sub, *frame_rows(body)])
    id_map = dict(zip(r["response_id"], ids))
    new_followups(folder, id_map)
    programme_yaml(folder, f"""# SurveyMonkey export ("actual answer text") of the sample programme
name: Sample B2B programme (synthetic)
tables:
  responses:
    file: surveymonkey_export.csv
    format: surveymonkey
    columns:
      Respondent ID: response_id
      End Date: responded_at
      Custom Data 1: contact_id
      Custom Data 2: account_id
      Custom Data 3: wave
      "{LTR_TEXT}": ltr
{''.join(f'      "{MATRIX_TEXT} - {s}": {d}' + chr(10) for s, d in zip(STATEMENTS, DRIVERS))}      "{COMMENT_TEXT}": comment
{SURVEY_ONLY_REST}""")
    return id_map


# --------------------------------------------------------------------------------------------
# Salesforce report
# --------------------------------------------------------------------------------------------
SF_ACCOUNT_COLUMNS = {"account_id": "Account ID", "account_name": "Account Name", "segment": "Segment",
                      "region": "Billing Region", "industry": "Industry", "annual_value": "Annual Contract Value",
                      "account_manager": "Account Owner", "customer_since": "Customer Since",
                      "renewal_date": "Renewal Date", "churned": "Renewal Stage", "churn_date": "Churn Date"}


def salesforce(folder: Path) -> dict:
    rng = np.random.default_rng(SEED + 11)
    a = read("accounts")
    pairs = [sf_id(rng) for _ in range(len(a))]
    id18 = dict(zip(a["account_id"], (p[1] for p in pairs)))
    id15 = dict(zip(a["account_id"], (p[0] for p in pairs)))
    out = a.copy()
    out["account_id"] = out["account_id"].map(id18)
    out["annual_value"] = out["annual_value"].map(lambda v: f"${float(v):,.2f}")
    for c in ("customer_since", "renewal_date", "churn_date"):
        out[c] = us_date(out[c])
    out["churned"] = out["churned"].map({"True": "Closed Lost", "False": "Closed Won"})
    out = out.rename(columns=SF_ACCOUNT_COLUMNS)
    footer = [[""], [f"Grand Totals ({len(a)} records)"], [""], ["Confidential Information - Do Not Distribute"],
              ["Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."]]
    write_csv(folder / "sf_accounts.csv", [list(out.columns), *frame_rows(out), *footer], quote_all=True)
    for t, ids in (("contacts", id15), ("invitations", id18), ("responses", id18), ("voc_interviews", id18)):
        df = read(t)
        df["account_id"] = df["account_id"].map(ids)
        df.to_csv(folder / f"{t}.csv", index=False, lineterminator="\n")
    cols = "".join(f'      "{v}": {k}\n' for k, v in SF_ACCOUNT_COLUMNS.items() if k != "churned")
    programme_yaml(folder, f"""# Salesforce accounts report (with its footer) of the sample programme
name: Sample B2B programme (synthetic)
tables:
  accounts:
    file: sf_accounts.csv
    format: salesforce_report
    columns:
{cols}    churned: {{column: "Renewal Stage", true: ["Closed Lost"], false: ["Closed Won"]}}
  contacts: contacts.csv
  invitations: invitations.csv
  responses: responses.csv
  followups: {REL_SAMPLE}/followups.csv
  voc_interviews: voc_interviews.csv
  employees: {REL_SAMPLE}/employees.csv
""")
    return id18


# --------------------------------------------------------------------------------------------
# Excel workbook
# --------------------------------------------------------------------------------------------
def _fix_zip_times(path: Path) -> None:
    """Rewrite an .xlsx with fixed member timestamps and properties, so that it is byte-reproducible."""
    with zipfile.ZipFile(path) as z:
        members = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            if name == "docProps/core.xml":
                import re
                data = re.sub(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>",
                              lambda m: m.group(0).split(b">")[0] + b">2026-11-22T00:00:00Z</dcterms:"
                              + m.group(1) + b">", data)
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 22, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)


def excel(folder: Path) -> None:
    a, c = read("accounts"), read("contacts")
    path = folder / "crm_export.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for sheet, df, title in (("Accounts", a, "Key accounts - CRM export 2026-11-22"),
                                 ("Contacts", c, "Contacts - CRM export 2026-11-22")):
            typed = df.copy()
            if sheet == "Accounts":
                typed["annual_value"] = typed["annual_value"].astype(float)
            pd.DataFrame([[title]]).to_excel(xw, sheet_name=sheet, header=False, index=False)
            typed.to_excel(xw, sheet_name=sheet, startrow=1, index=False)
        xw.book.properties.creator = "kapta-research make_exports.py"
    _fix_zip_times(path)
    programme_yaml(folder, f"""# Accounts and contacts from one workbook, each sheet with a title row above its header
name: Sample B2B programme (synthetic)
tables:
  accounts: {{file: crm_export.xlsx, sheet: Accounts, skip_rows: 1}}
  contacts: {{file: crm_export.xlsx, sheet: Contacts, skip_rows: 1}}
  invitations: {REL_SAMPLE}/invitations.csv
  responses: {REL_SAMPLE}/responses.csv
  followups: {REL_SAMPLE}/followups.csv
  voc_interviews: {REL_SAMPLE}/voc_interviews.csv
  employees: {REL_SAMPLE}/employees.csv
""")


def main(dest: Path = HERE) -> None:
    for name in ("qualtrics_numeric", "qualtrics_labels", "surveymonkey", "salesforce", "excel"):
        (dest / name).mkdir(parents=True, exist_ok=True)
    qualtrics(dest / "qualtrics_numeric", labels=False)
    qualtrics(dest / "qualtrics_labels", labels=True)
    surveymonkey(dest / "surveymonkey")
    salesforce(dest / "salesforce")
    excel(dest / "excel")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
