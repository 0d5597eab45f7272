"""Contact names in comments of exports without a contacts table (Qualtrics / SurveyMonkey shaped).

The export fixtures (tests/data/exports, made by make_exports.py from the simulator) carry
planted names in their comments ("Thanks to Contact 00128 for the help.", "Regards, Contact
00008", "Say hello to <manager>"); the contacts named are often not respondents, so the
export's own recipient-name columns alone do not cover them.
"""
import re
import shutil
from pathlib import Path

import pytest

import kapta_research as kr
import kapta_research.text as kt
from kapta_research.report.findings.text import text_scope_lines
from kapta_research.text.quotes import scrub_description

EXPORTS = Path(__file__).parent / "data" / "exports"
_OTHER_TABLES = re.compile(r"^  (contacts|accounts|invitations|voc_interviews|employees|followups):")


def _responses_only(tmp_path, fixture, export):
    """The fixture's config with only its responses export (what `init` on one export gives)."""
    dest = tmp_path / fixture
    dest.mkdir()
    shutil.copy(EXPORTS / fixture / export, dest / export)
    cfg = [ln for ln in (EXPORTS / fixture / "programme.yaml").read_text().splitlines() if not _OTHER_TABLES.match(ln)]
    (dest / "programme.yaml").write_text("\n".join(cfg) + "\n")
    return kr.load_programme(dest / "programme.yaml")


@pytest.mark.parametrize("fixture, export", [("qualtrics_labels", "qualtrics_export.csv"),
                                             ("surveymonkey", "surveymonkey_export.csv")])
def test_no_planted_name_survives_without_contacts_table(tmp_path, fixture, export):
    prog = _responses_only(tmp_path, fixture, export)
    assert not prog.contacts["name"].notna().any()
    assert "Contact 00008" in prog.person_names          # from the export's name columns
    sample = kr.load_sample()
    planted = set(sample.contacts["name"]) | set(sample.accounts["account_manager"].dropna())
    raw = prog.responses["comment"].dropna()
    assert raw.str.contains(r"Contact \d{5}").sum() > 20   # the fixture does carry planted names
    scrubbed = kt.scrub_pii(raw, programme=prog)
    leaked = [t for t in scrubbed if any(n in t for n in planted) or re.search(r"Contact \d", t)]
    assert leaked == []
    assert scrubbed.str.contains(r"Thanks to \[name\] for the help").any()
    th = kt.themes(prog.responses.assign(comment=kt.scrub_pii(prog.responses["comment"], programme=prog)))
    q = kt.quotes(prog.responses.assign(comment=kt.scrub_pii(prog.responses["comment"], programme=prog)), th,
                  programme=prog)
    assert len(q) and not q["quote"].str.contains(r"Contact \d").any()
    assert not q.to_csv().count("Contact 0")
    # page 1 says exactly what was done
    said = " ".join(text_scope_lines(prog, prog.responses, {"confidence": 0.95}))
    assert "names of respondents (from the export's name columns)" in said
    assert "after cues such as 'Thanks to'" in said
    assert "no contacts table with names" in said


def test_scrub_description_with_contacts_names():
    assert scrub_description(kr.load_sample(), account_names=True) == (
        "e-mails, phone numbers and the names of contacts and account managers, and account names "
        "replaced by placeholders")


def test_person_cue_pattern():
    s = kt.scrub_pii(["Thanks to Mary Jones for the help.", "Regards, Contact 00123", "Contact 00042 rang.",
                      "We spoke with Ann about Pricing."], programme=kr.Programme(
        **{t: getattr(kr.load_sample(), t).iloc[:0] for t in
           ("accounts", "contacts", "invitations", "responses", "followups", "voc_interviews")}))
    assert s.tolist() == ["Thanks to [name] for the help.", "Regards, [name]", "[name] rang.",
                          "We spoke with [name] about Pricing."]
