"""programme.yaml keys, vendor formats and bad input (issue 8 §1): each message is checked.

Small programmes are written into tmp_path; row numbers in messages are the rows of the
file as a spreadsheet shows it (header rows and skipped rows counted).
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from kapta_research.errors import DataError
from kapta_research.io import ProgrammeError, load_programme, read_table

RESPONSES = ("response_id,account_id,wave,ltr,trust\n"
             "R1,A1,1,9,6\nR2,A1,1,7,5\nR3,A2,2,3,2\nR4,A2,2,10,7\n")
ACCOUNTS = "account_id,segment\nA1,Enterprise\nA2,SMB\n"


def programme(tmp_path: Path, yaml: str, **files: str | bytes) -> Path:
    for name, text in files.items():
        p = tmp_path / name.replace("__", ".")
        p.write_bytes(text if isinstance(text, bytes) else text.encode())
    (tmp_path / "programme.yaml").write_text(yaml)
    return tmp_path


# ---------------------------------------------------------------------------
# the config itself
# ---------------------------------------------------------------------------
def test_unknown_per_table_key_suggests_the_right_one(tmp_path):
    p = programme(tmp_path, "tables:\n  responses:\n    file: r.csv\n    colums: {Score: ltr}\n", r__csv=RESPONSES)
    with pytest.raises(DataError, match=r"programme\.yaml: unknown key 'colums' for the responses table \(did you "
                                        r"mean 'columns'\?\)\. Allowed keys: file, table, sheet, format, columns"):
        load_programme(p)


@pytest.mark.parametrize("key, hint", [("skiprows", "skip_rows"), ("header_row", "header_rows"),
                                       ("keep_unfinshed", "keep_unfinished")])
def test_misspelt_option_keys_are_errors_not_ignored(tmp_path, key, hint):
    p = programme(tmp_path, f"tables:\n  responses: {{file: r.csv, {key}: 1}}\n", r__csv=RESPONSES)
    with pytest.raises(DataError, match=rf"unknown key '{key}' for the responses table \(did you mean '{hint}'\?\)"):
        load_programme(p)


def test_unknown_top_level_key_suggests_the_right_one(tmp_path):
    p = programme(tmp_path, "name: x\ntabels:\n  responses: r.csv\n", r__csv=RESPONSES)
    with pytest.raises(DataError, match=r"unknown keys in the programme config: tabels \(did you mean 'tables'\?\) "
                                        r"\(allowed: name, scales, tables, database, engine\)"):
        load_programme(p)


@pytest.mark.parametrize("entry, message", [
    ("{file: r.csv, format: qualtrix}", r"tables: responses: format must be one of plain, qualtrics, surveymonkey, "
                                        r"salesforce_report; got 'qualtrix' \(did you mean 'qualtrics'\?\)"),
    ("{file: r.csv, skip_rows: -1}", r"tables: responses: skip_rows must be a whole number >= 0; got -1"),
    ("{file: r.csv, header_rows: 0}", r"tables: responses: header_rows must be a whole number >= 1; got 0"),
    ("{file: r.csv, decimal: ';'}", r"tables: responses: decimal must be '\.' or ','; got ';'"),
    ("{file: r.csv, columns: {Score: lrt}}", r"tables: responses: columns: 'Score' maps to 'lrt', which is not a "
                                             r"column of the responses table \(did you mean 'ltr'\?\)"),
    ("{file: r.csv, values: {drivers: agree6}}", r"tables: responses: values: drivers: unknown preset 'agree6' "
                                                 r"\(did you mean 'agree7'\?\) \(presets: agree5, agree7"),
    ("{file: r.csv, wave: {from: responded_at, every: fortnight}}",
     r"tables: responses: wave: every must be one of quarter, month, year; got 'fortnight'"),
    ("{file: r.csv, churned: {column: Stage, true: [Lost]}}", r"tables: responses: churned belongs to the accounts"),
])
def test_bad_option_values_are_named(tmp_path, entry, message):
    p = programme(tmp_path, f"tables:\n  responses: {entry}\n", r__csv=RESPONSES)
    with pytest.raises(DataError, match=r"programme\.yaml: " + message):
        load_programme(p)


# ---------------------------------------------------------------------------
# labels
# ---------------------------------------------------------------------------
def test_labels_map_case_and_space_insensitively_and_a_columns_own_map_wins(tmp_path):
    text = ("response_id,account_id,wave,ltr,trust,proactivity\n"
            "R1,A1,1,9,Strongly agree,Always\nR2,A1,1,7,  agree ,Never\nR3,A2,2,3,STRONGLY DISAGREE,Sometimes\n"
            "R4,A2,2,10,6,\n")
    p = programme(tmp_path, "tables:\n  responses:\n    file: r.csv\n    values:\n      drivers: agree7\n"
                  "      proactivity: {never: 1, sometimes: 4, always: 7}\n", r__csv=text)
    r = load_programme(p).responses
    assert r["trust"].tolist() == [7.0, 6.0, 1.0, 6.0]  # numbers pass through a label map
    assert r["proactivity"].tolist()[:3] == [7.0, 1.0, 4.0] and pd.isna(r["proactivity"][3])


def test_unmapped_labels_are_all_listed_with_the_column(tmp_path):
    text = ("response_id,account_id,wave,ltr,trust\nR1,A1,1,9,Strongly agree\nR2,A1,1,7,Agreed\n"
            "R3,A2,2,3,Meh\nR4,A2,2,10,Meh\nR5,A2,2,10,Disagree\n")
    p = programme(tmp_path, "tables:\n  responses: {file: r.csv, values: {drivers: agree5}}\n", r__csv=text)
    with pytest.raises(ProgrammeError, match=r"r\.csv, column 'trust': 2 labels not in agree5 \('Agreed', 'Meh'\): "
                                             r"add them under values: trust: in programme\.yaml, "
                                             r"e\.g\. trust: \{preset: agree5, 'Agreed': <number>\} "
                                             r"\(or 'Agreed': missing for an answer that means no answer\) "
                                             r"\(3 rows: 3, 4, 5; values: 'Agreed', 'Meh', 'Meh'\)"):
        load_programme(p)


def test_a_column_map_can_extend_a_preset_and_mark_labels_missing(tmp_path):
    # New-user trial: following the advice with a plain map replaced agree7 and broke the column,
    # and "Don't know" could not be declared missing.
    text = ("response_id,account_id,wave,ltr,trust\nR1,A1,1,9,Strongly agree\nR2,A1,1,7,Slightly agree\n"
            "R3,A2,2,3,Don't know\nR4,A2,2,10,disagree\n")
    p = programme(tmp_path, "tables:\n  responses:\n    file: r.csv\n    values:\n      drivers: agree7\n"
                  "      trust: {preset: agree7, Slightly agree: 5, \"Don't know\": missing}\n", r__csv=text)
    r = load_programme(p).responses
    assert r["trust"].tolist()[:2] == [7.0, 5.0] and pd.isna(r["trust"][2]) and r["trust"][3] == 2.0
    (tmp_path / "b").mkdir()
    bad = programme(tmp_path / "b", "tables:\n  responses:\n    file: r.csv\n    values:\n"
                    "      trust: {preset: agree77}\n", r__csv=text)
    with pytest.raises(DataError, match=r"values: trust: unknown preset 'agree77' \(did you mean 'agree7'\?\)"):
        load_programme(bad)


def test_roles_and_churn_labels_are_mapped(tmp_path):
    p = programme(tmp_path, "tables:\n  responses: r.csv\n  accounts:\n    file: a.csv\n"
                  "    churned: {column: Renewal Stage, true: [Closed Lost], false: [Closed Won]}\n"
                  "  contacts: {file: c.csv, roles: {End User: user, CFO: decision_maker}}\n",
                  r__csv=RESPONSES, a__csv="account_id,segment,Renewal Stage\nA1,E,closed lost\nA2,S,Closed Won \n",
                  c__csv="contact_id,account_id,role\nC1,A1,end user\nC2,A2,CFO\nC3,A2,influencer\n")
    prog = load_programme(p)
    assert prog.accounts["churned"].tolist() == [True, False]
    assert prog.contacts["role"].tolist() == ["user", "decision_maker", "influencer"]


def test_churn_labels_in_neither_list_are_an_error(tmp_path):
    p = programme(tmp_path, "tables:\n  responses: r.csv\n  accounts:\n    file: a.csv\n"
                  "    churned: {column: Stage, true: [Closed Lost], false: [Closed Won]}\n",
                  r__csv=RESPONSES, a__csv="account_id,segment,Stage\nA1,E,Closed Lost\nA2,S,Negotiation\n")
    with pytest.raises(ProgrammeError, match=r"a\.csv, column 'Stage': 1 label of 'Stage' in neither churned: true "
                                             r"nor false \('Negotiation'\).*\(1 row: 3; values: 'Negotiation'\)"):
        load_programme(p)


def test_a_typo_inside_churned_gets_a_did_you_mean(tmp_path):
    p = programme(tmp_path, "tables:\n  responses: r.csv\n  accounts:\n    file: a.csv\n"
                  "    churned: {colum: Stage, true: [Closed Lost]}\n",
                  r__csv=RESPONSES, a__csv="account_id,segment,Stage\nA1,E,Closed Lost\nA2,S,Closed Won\n")
    with pytest.raises(DataError, match=r"churned must be \{column: <export column>, true: \[labels\], "
                                        r"false: \[labels\]\}; got .*\(did you mean 'column'\?\)"):
        load_programme(p)


# ---------------------------------------------------------------------------
# rows that are not data, header and title rows
# ---------------------------------------------------------------------------
def test_a_footer_row_in_a_plain_file_is_an_error(tmp_path):
    p = programme(tmp_path, "tables:\n  responses: r.csv\n  accounts: a.csv\n", r__csv=RESPONSES,
                  a__csv=ACCOUNTS + "\nGrand Totals (2 records),\n")
    with pytest.raises(ProgrammeError, match=r"a\.csv: rows are a report footer, not data: remove them, or declare "
                                             r"format: salesforce_report .*\(1 row: 5; values: 'Grand Totals "
                                             r"\(2 records\)'\)"):
        load_programme(p)


FOOTERS = {"de": ["Gesamtsummen (2 Datensätze)", "Vertrauliche Informationen"],
           "fr": ["Totaux généraux (2 enregistrements)", "Informations confidentielles"],
           "es": ["Totales generales (2 registros)", "Información confidencial"],
           "nl": ["Eindtotalen (2 records)", "Vertrouwelijke informatie"],
           # no footer word at all: a one-cell row below the last data row is still not an account
           "any": ["Stand: 01.12.2026", "Exportiert aus CRM"]}


def _accounts_with_footer(footer: list[str]) -> pd.DataFrame:
    rows = [["A1", "Enterprise", "EU"], ["A2", "SMB", "EU"], [None, None, None]] + [[t, None, None] for t in footer]
    return pd.DataFrame(rows, columns=["account_id", "segment", "region"])


def _write(tmp_path: Path, frame: pd.DataFrame, suffix: str, fmt: str) -> Path:
    if suffix == ".csv":
        frame.to_csv(tmp_path / "a.csv", index=False)
    else:  # a title row above the header, as a report exported to Excel has
        with pd.ExcelWriter(tmp_path / "a.xlsx") as xl:
            pd.DataFrame([["Accounts report"]]).to_excel(xl, header=False, index=False)
            frame.to_excel(xl, startrow=1, index=False)
    skip = ", skip_rows: 1" if suffix == ".xlsx" else ""
    return programme(tmp_path, f"tables:\n  responses: r.csv\n  accounts: {{file: a{suffix}, format: {fmt}{skip}}}\n",
                     r__csv=RESPONSES)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("lang", sorted(FOOTERS))
def test_salesforce_footers_in_other_languages_are_dropped_and_shown(tmp_path, lang, suffix):
    prog = load_programme(_write(tmp_path, _accounts_with_footer(FOOTERS[lang]), suffix, "salesforce_report"))
    assert prog.accounts["account_id"].tolist() == ["A1", "A2"]  # not 3 or 4 accounts
    assert prog.load_notes == {"accounts": {"dropped_blank_rows": 1, "dropped_footer_rows": 2}}
    first = 5 if suffix == ".csv" else 6  # header row 1 (csv) or 2 (below the title), A1, A2, blank line
    assert prog.dropped_rows == {"accounts": [(first, FOOTERS[lang][0]), (first + 1, FOOTERS[lang][1])]}
    from kapta_research.quality import load_notes_lines
    assert load_notes_lines(prog)[-3:] == ["  accounts: 2 report footer rows dropped",
                                           f"    accounts row {first}: {FOOTERS[lang][0]!r}",
                                           f"    accounts row {first + 1}: {FOOTERS[lang][1]!r}"]


@pytest.mark.parametrize("suffix, rows", [(".csv", "5, 6"), (".xlsx", "6, 7")])
@pytest.mark.parametrize("lang", ["de", "any"])
def test_a_footer_in_another_language_in_a_plain_file_is_an_error(tmp_path, lang, suffix, rows):
    p = _write(tmp_path, _accounts_with_footer(FOOTERS[lang]), suffix, "plain")
    with pytest.raises(ProgrammeError, match=rf"a\{suffix}: rows are a report footer, not data: remove them, or "
                                             rf"declare format: salesforce_report .*\(2 rows: {rows}; values: "
                                             rf"'{re.escape(FOOTERS[lang][0])}', '{re.escape(FOOTERS[lang][1])}'\)"):
        load_programme(p)


def test_a_one_cell_row_among_the_data_without_a_footer_word_stays_data(tmp_path):
    text = "account_id,segment,region\nA1,Enterprise,EU\nA3,,\nA2,SMB,EU\n"
    p = programme(tmp_path, "tables:\n  responses: r.csv\n  accounts: {file: a.csv, format: salesforce_report}\n",
                  r__csv=RESPONSES, a__csv=text)
    prog = load_programme(p)
    assert prog.accounts["account_id"].tolist() == ["A1", "A3", "A2"]
    assert prog.load_notes == {} and prog.dropped_rows == {}


def test_a_repeated_header_row_is_an_error(tmp_path):
    p = programme(tmp_path, "tables:\n  responses: r.csv\n", r__csv=RESPONSES + "response_id,account_id,wave,ltr,trust\n"
                  "R5,A1,2,8,4\n")
    with pytest.raises(ProgrammeError, match=r"r\.csv: rows repeat the header: they are not data; remove them "
                                             r"\(1 row: 6; values: 'response_id'\)"):
        load_programme(p)


def test_salesforce_report_footer_currency_and_european_decimals(tmp_path):
    report = ('"Account ID","Segment","Annual Revenue"\n"A1","E","$1,200,000.00"\n"A2","S","USD 950.50"\n'
              '""\n"Grand Totals (2 records)"\n""\n"Confidential Information - Do Not Distribute"\n'
              '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."\n')
    euro = "account_id;segment;annual_value\nA1;E;1.200.000,00 €\nA2;S;950,5\n"
    for accounts, extra in ((report, "format: salesforce_report, columns: {Account ID: account_id, "
                                     "Segment: segment, Annual Revenue: annual_value}"),
                            (euro, "decimal: ','")):
        p = programme(tmp_path, f"tables:\n  responses: r.csv\n  accounts: {{file: a.csv, {extra}}}\n",
                      r__csv=RESPONSES, a__csv=accounts)
        prog = load_programme(p)
        assert prog.accounts["annual_value"].tolist() == [1_200_000.0, 950.5]
        assert len(prog.accounts) == 2
    assert load_programme(p).load_notes == {}


def test_a_salesforce_footer_split_over_cells_is_still_a_footer(tmp_path):
    # new-user trial: a re-saved report whose copyright line lost its quotes became an account
    # "Copyright (c) 2000-2026 salesforce.com" named "inc. All rights reserved."
    report = ('"Account ID","Segment","Annual Revenue"\n"A1","E","$1,200,000.00"\n"A2","S","USD 950.50"\n'
              '"Grand Totals (2 records)"\n'
              'Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.\n')
    p = programme(tmp_path, "tables:\n  responses: r.csv\n  accounts: {file: a.csv, format: salesforce_report, "
                  "columns: {Account ID: account_id, Segment: segment, Annual Revenue: annual_value}}\n",
                  r__csv=RESPONSES, a__csv=report)
    prog = load_programme(p)
    assert prog.accounts["account_id"].tolist() == ["A1", "A2"]
    (tmp_path / "plain").mkdir()
    plain = programme(tmp_path / "plain", "tables:\n  responses: r.csv\n  accounts: a.csv\n", r__csv=RESPONSES,
                      a__csv=ACCOUNTS + "\nCopyright (c) 2026 Example, inc. All rights reserved.\n")
    with pytest.raises(ProgrammeError, match=r"a\.csv: rows are a report footer, not data"):
        load_programme(plain)


def test_a_bad_amount_is_reported_as_written(tmp_path):
    report = '"Account ID","Segment","Annual Revenue"\n"A1","E","$1,200,000.00"\n"A2","S","about a million"\n'
    p = programme(tmp_path, "tables:\n  responses: r.csv\n  accounts: {file: a.csv, format: salesforce_report, "
                  "columns: {Account ID: account_id, Segment: segment, Annual Revenue: annual_value}}\n",
                  r__csv=RESPONSES, a__csv=report)
    with pytest.raises(ProgrammeError, match=r"column 'Annual Revenue' \(annual_value\): values are not numbers \(1 row: 3; values: "
                                             r"'about a million'\)"):
        load_programme(p)


def test_skip_rows_and_header_rows_count_in_error_rows(tmp_path):
    text = "Survey export 2026\nexported by ops\n" + RESPONSES.replace("R3,A2,2,3,2", "R3,A2,2,3,9")
    p = programme(tmp_path, "tables:\n  responses: {file: r.csv, skip_rows: 2}\n", r__csv=text)
    with pytest.raises(ProgrammeError, match=r"column 'trust': values must be between 1 and 7 and whole numbers "
                                             r"\(1 row: 6; values: '9'\)"):
        load_programme(p)


def test_header_rows_too_large(tmp_path):
    p = programme(tmp_path, "tables:\n  responses: {file: r.csv, header_rows: 9}\n", r__csv=RESPONSES)
    with pytest.raises(DataError, match=r"r\.csv: header_rows is 9 \(format plain\) but the file has only 5 rows "
                                        r"after skip_rows: 0; check header_rows and skip_rows"):
        load_programme(p)


def test_a_header_that_eats_data_rows_is_explained(tmp_path):
    p = programme(tmp_path, "tables:\n  responses: {file: r.csv, header_rows: 2, columns: {ltr: ltr}}\n",
                  r__csv=RESPONSES)
    with pytest.raises(DataError, match=r"the config maps column\(s\) 'ltr' that the file does not have\. Its "
                                        r"columns: response_id - R1, .*\(header_rows: 2, skip_rows: 0: the header "
                                        r"is rows 1-2\)"):
        load_programme(p)


def test_surveymonkey_headers_are_merged_and_bom_crlf_load(tmp_path):
    export = ("Respondent ID,Custom Data 1,Custom Data 2,How likely are you to recommend us?,"
              "Please rate us on the following,,Comments\r\n"
              ",,,Response,Trust,Commitment,Open-Ended Response\r\n"
              "101,A1,2024-Q1,9,6,7,great\r\n102,A2,2024-Q2,3,2,1,\r\n")
    cfg = ("tables:\n  responses:\n    file: sm.csv\n    format: surveymonkey\n    columns:\n"
           "      Respondent ID: response_id\n      custom data 1: account_id\n      Custom Data 2: wave\n"
           '      "How likely are you to recommend us?": ltr\n'
           '      "Please rate us on the following - Trust": trust\n      Commitment: commitment\n')
    p = programme(tmp_path, cfg, sm__csv=b"\xef\xbb\xbf" + export.encode())
    prog = load_programme(p)
    r = prog.responses
    assert r["response_id"].tolist() == ["101", "102"] and r["wave"].tolist() == [1, 2]
    assert r["trust"].tolist() == [6.0, 2.0] and r["commitment"].tolist() == [7.0, 1.0]
    assert prog.wave_labels == {1: "2024-Q1", 2: "2024-Q2"}
    with pytest.raises(DataError, match=r"sm\.csv: column 6 has data but no header \(header_rows: 1, skip_rows: 0: "
                                        r"the header is row 1\); for a second header row .* declare header_rows: 2 "
                                        r"or format: surveymonkey"):
        read_table(tmp_path / "sm.csv")  # read as a plain file, the matrix sub-columns have no name


def test_bom_and_crlf_load_fine(tmp_path):
    text = RESPONSES.replace("\n", "\r\n").replace("R2,A1,1,7,5", "R2,A1,1,7,12")
    p = programme(tmp_path, "tables:\n  responses: r.csv\n", r__csv=b"\xef\xbb\xbf" + text.encode())
    with pytest.raises(ProgrammeError, match=r"r\.csv, column 'trust': .*\(1 row: 3; values: '12'\)"):
        load_programme(p)  # the BOM is not part of the first header and CRLF adds no rows
    (tmp_path / "r.csv").write_bytes(b"\xef\xbb\xbf" + RESPONSES.replace("\n", "\r\n").encode())
    r = load_programme(p).responses
    assert list(r.columns[:4]) == ["response_id", "invitation_id", "contact_id", "account_id"]
    assert r["response_id"].tolist() == ["R1", "R2", "R3", "R4"] and r["trust"].tolist() == [6.0, 5.0, 2.0, 7.0]


def test_qualtrics_keep_unfinished(tmp_path):
    head = ('Status,Finished,ResponseId,AccountID,Q1\nResponse Type,Finished,Response ID,AccountID,How likely?\n'
            '{"ImportId":"status"},{"ImportId":"finished"},{"ImportId":"_recordId"},{"ImportId":"AccountID"},'
            '{"ImportId":"QID1"}\n')
    rows = "IP Address,True,R_1,A1,9\nSurvey Preview,True,R_2,,10\nIP Address,False,R_3,A2,4\n"
    cfg = ("tables:\n  responses:\n    file: q.csv\n    format: qualtrics\n{keep}    columns: {{ResponseId: "
           "response_id, AccountID: account_id, 'How likely?': ltr}}\n    wave: {{from: responded_at}}\n")
    p = programme(tmp_path, cfg.format(keep=""), q__csv=head + rows)
    with pytest.raises(ProgrammeError, match=r"wave: from: 'responded_at' but the responses table has no such "
                                             r"column"):
        load_programme(p)
    cfg = cfg.replace("    wave: {{from: responded_at}}\n", "")
    rows = rows.replace("R_1,A1,9", "R_1,A1,9").replace("\n", ",1\n")
    head = head.replace("Q1\n", "Q1,Wave\n").replace("How likely?\n", "How likely?,Wave\n").replace(
        '"QID1"}\n', '"QID1"},{"ImportId":"wave"}\n')
    cfg = cfg.replace("'How likely?': ltr}}", "'How likely?': ltr, Wave: wave}}")
    prog = load_programme(programme(tmp_path, cfg.format(keep=""), q__csv=head + rows))
    assert prog.responses["response_id"].tolist() == ["R_1"]
    assert prog.load_notes == {"responses": {"dropped_preview": 1, "dropped_unfinished": 1}}
    prog = load_programme(programme(tmp_path, cfg.format(keep="    keep_unfinished: true\n"), q__csv=head + rows))
    assert prog.responses["response_id"].tolist() == ["R_1", "R_3"]
    assert prog.load_notes == {"responses": {"dropped_preview": 1}}


def test_qualtrics_without_the_importid_row_says_what_to_declare(tmp_path):
    text = "ResponseId,AccountID,Q1\nResponse ID,AccountID,How likely?\nR_1,A1,9\n"
    p = programme(tmp_path, "tables:\n  responses: {file: q.csv, format: qualtrics}\n", q__csv=text)
    with pytest.raises(DataError, match=r"q\.csv: format qualtrics expects three header rows .* but row 3 starts "
                                        r"with 'R_1'; declare header_rows: 2"):
        load_programme(p)


# ---------------------------------------------------------------------------
# ids
# ---------------------------------------------------------------------------
def test_blank_account_id_is_an_error(tmp_path):
    p = programme(tmp_path, "tables:\n  responses: r.csv\n", r__csv=RESPONSES.replace("R3,A2", "R3,"))
    with pytest.raises(ProgrammeError, match=r"r\.csv, column 'account_id': account ids are missing \(and cannot be "
                                             r"taken from the response's contact or invitation\).*\(1 row: 4\)"):
        load_programme(p)


def test_15_character_salesforce_ids_match_their_18_character_form(tmp_path):
    acc = "account_id,segment\n001Dn00000AbCdEFGH,E\n001Dn00000XyZwVAAA,S\n"
    resp = RESPONSES.replace("A1", "001Dn00000AbCdE").replace("A2", "001Dn00000XyZwV")
    prog = load_programme(programme(tmp_path, "tables:\n  responses: r.csv\n  accounts: a.csv\n",
                                    r__csv=resp, a__csv=acc))
    assert prog.responses["account_id"].tolist() == ["001Dn00000AbCdEFGH"] * 2 + ["001Dn00000XyZwVAAA"] * 2
    assert prog.load_notes == {"responses": {"ids_matched_15_to_18": 4}}


def test_ids_of_another_kind_say_how_many_matched_with_examples(tmp_path):
    acc = "account_id,segment\n" + "".join(f"A{i},E\n" for i in range(1, 11))
    resp = "response_id,account_id,wave,ltr\n" + "".join(
        f"R{i},{'A1' if i == 0 else f'Account {i}'},1,8\n" for i in range(6))
    p = programme(tmp_path, "tables:\n  responses: r.csv\n  accounts: a.csv\n", r__csv=resp, a__csv=acc)
    with pytest.raises(ProgrammeError, match=r"r\.csv, column 'account_id': only 1 of 6 distinct account ids match "
                                             r"an account of the accounts table \(\S*a\.csv\): e\.g\. 'Account 1', "
                                             r"'Account 2', 'Account 3' here, 'A1', 'A2', 'A3' there\.") as info:
        load_programme(p)
    assert len(info.value.problems) == 1  # not one "accounts not found" per row besides


# ---------------------------------------------------------------------------
# Excel
# ---------------------------------------------------------------------------
def test_wrong_sheet_lists_the_sheets(tmp_path):
    with pd.ExcelWriter(tmp_path / "crm.xlsx") as xw:
        pd.DataFrame({"account_id": ["A1", "A2"], "segment": ["E", "S"]}).to_excel(xw, sheet_name="Accounts",
                                                                                  index=False)
        pd.DataFrame({"x": [1]}).to_excel(xw, sheet_name="Notes", index=False)
    p = programme(tmp_path, "tables:\n  responses: r.csv\n  accounts: {file: crm.xlsx, sheet: Acounts}\n",
                  r__csv=RESPONSES)
    with pytest.raises(DataError, match=r"crm\.xlsx: no sheet 'Acounts' in the workbook \(did you mean 'Accounts'\?\); "
                                        r"its sheets: 'Accounts', 'Notes'"):
        load_programme(p)
    p = programme(tmp_path, "tables:\n  responses: r.csv\n  accounts: {file: crm.xlsx, sheet: Accounts}\n",
                  r__csv=RESPONSES)
    assert load_programme(p).accounts["segment"].tolist() == ["E", "S"]


def test_title_row_in_excel_counts_in_error_rows(tmp_path):
    with pd.ExcelWriter(tmp_path / "crm.xlsx") as xw:
        pd.DataFrame([["Accounts report"]]).to_excel(xw, sheet_name="Accounts", header=False, index=False)
        pd.DataFrame({"account_id": ["A1", "A2"], "segment": ["E", "S"], "annual_value": ["5", "lots"]}).to_excel(
            xw, sheet_name="Accounts", startrow=2, index=False)  # a blank row between title and header
    p = programme(tmp_path, "tables:\n  responses: r.csv\n  accounts: {file: crm.xlsx, skip_rows: 2}\n",
                  r__csv=RESPONSES)
    with pytest.raises(ProgrammeError, match=r"crm\.xlsx, column 'annual_value': values are not numbers "
                                             r"\(1 row: 5; values: 'lots'\)"):
        load_programme(p)


# ---------------------------------------------------------------------------
# input that would otherwise become a wrong number without a word (fix-io review)
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("status, channel", [("Survey Test", "anonymous"), ("IP Address", "test"),
                                             ("2", "anonymous"), (" survey test ", "email")])
def test_qualtrics_test_responses_are_dropped_and_counted(tmp_path, status, channel):
    head = ('Status,DistributionChannel,Finished,ResponseId,AccountID,Q1,Wave\n'
            'Response Type,Distribution Channel,Finished,Response ID,AccountID,How likely?,Wave\n'
            '{"ImportId":"status"},{"ImportId":"distributionChannel"},{"ImportId":"finished"},'
            '{"ImportId":"_recordId"},{"ImportId":"AccountID"},{"ImportId":"QID1"},{"ImportId":"wave"}\n')
    rows = (f"IP Address,anonymous,True,R_1,A1,9,1\n{status},{channel},True,R_2,A1,0,1\n"
            "Offline Survey Preview,anonymous,True,R_3,A2,0,1\n")
    p = programme(tmp_path, "tables:\n  responses:\n    file: q.csv\n    format: qualtrics\n    columns: "
                  "{ResponseId: response_id, AccountID: account_id, 'How likely?': ltr, Wave: wave}\n"
                  "  accounts: a.csv\n", q__csv=head + rows, a__csv=ACCOUNTS)
    prog = load_programme(p)
    assert prog.responses["response_id"].tolist() == ["R_1"]
    assert prog.load_notes == {"responses": {"dropped_preview": 1, "dropped_test": 1}}


def _scored(scores) -> str:
    return "response_id,account_id,wave,ltr\n" + "".join(f"R{i},A{1 + i % 2},1,{s}\n" for i, s in enumerate(scores))


@pytest.mark.parametrize("low", [0, 1])
def test_a_recommend_question_on_a_0_to_5_scale_is_an_error(tmp_path, low):
    scores = [low + i % (6 - low) for i in range(30)]
    p = programme(tmp_path, "tables:\n  responses: r.csv\n  accounts: a.csv\n", r__csv=_scored(scores),
                  a__csv=ACCOUNTS)
    with pytest.raises(ProgrammeError, match=rf"r\.csv, column 'ltr': all 30 recommend answers are between {low} "
                                             rf"and 5: this looks like a {low}-5 scale, not the 0-10 question NPS "
                                             r"needs .*declare scales: \{ltr: \[0, 10\]\} in programme\.yaml "
                                             r"\(values: '" + str(low) + "', "):
        load_programme(p)
    # declaring the scale confirms it; and a few low answers (under 30) are no evidence of another scale
    cfg = "scales: {ltr: [0, 10]}\ntables:\n  responses: r.csv\n  accounts: a.csv\n"
    assert len(load_programme(programme(tmp_path, cfg, r__csv=_scored(scores), a__csv=ACCOUNTS)).responses) == 30
    few = programme(tmp_path, "tables:\n  responses: r.csv\n  accounts: a.csv\n", r__csv=_scored(scores[:29]),
                    a__csv=ACCOUNTS)
    assert len(load_programme(few).responses) == 29
