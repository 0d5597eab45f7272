"""Report helpers: HTML tables keep their captions, churn findings say what the numbers support."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kapta_research.churn as churn
from kapta_research import report


def test_table_html_keeps_the_caption_and_escapes_it():
    # Regression: captions were spliced into '<table border="0" ...>', which pandas 3 no longer
    # writes, so every caption of every PDF was silently lost.  A caption is now a paragraph in
    # one unbreakable block with its table (WeasyPrint broke pages between <caption> and rows).
    out = report.table_html(pd.DataFrame({"a": ["1"]}), caption="Churn <by> band", note="n = 3")
    assert out.startswith("<div class='kr-block'><p class='kr-caption'><strong>Churn &lt;by&gt; band</strong></p>"
                          '<table class="kr-table">')
    assert out.endswith("<p class='kr-note'>n = 3</p></div>") and out.count("<table") == 1


def test_table_html_of_an_empty_table_says_so():
    out = report.table_html(pd.DataFrame({"a": []}), caption="Segments", note="all below 5")
    assert "<table" not in out
    assert "<p class='kr-caption'><strong>Segments</strong></p>" in out and "Nothing to show: all below 5" in out


def _accounts(seed, n, lp):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"nps": rng.integers(-100, 101, n).astype(float),
                       "trust": rng.normal(4, 1, n), "value_for_money": rng.normal(4, 1, n),
                       "proactivity": rng.normal(4, 1, n)})
    df["churned"] = (rng.random(n) < 1 / (1 + np.exp(-lp(df)))).astype(int)
    return df


MODELS = {"NPS": ["nps"], "NPS + drivers": ["nps", "trust", "value_for_money", "proactivity"]}


def _findings(df, **kw):
    value = churn.predictive_value(df, models=MODELS, base="NPS", cv=3, random_state=0)
    return value, report.churn_findings(value=value, horizon_days=365, **kw)


def test_churn_findings_name_the_protective_drivers_with_their_intervals():
    # truth: trust and value for money protect (log OR -1 per point), proactivity does nothing
    df = _accounts(1, 2000, lambda d: -2 - (d["trust"] - 4) - (d["value_for_money"] - 4))
    value, text = _findings(df)
    assert len(text) == 3
    sentence = text[2]
    t = value.odds_ratios.set_index(["model", "predictor"]).loc["NPS + drivers"]
    for d, label in (("trust", "trust"), ("value_for_money", "value for money")):
        r = t.loc[d]
        assert r["ci_high"] < 1
        assert (f"{label} (odds ratio {r['odds_ratio']:.2f} per scale point, 95 % CI "
                f"{r['ci_low']:.2f} to {r['ci_high']:.2f})") in sentence
    assert sentence.startswith("Holding NPS and the other drivers fixed, the drivers most clearly")
    assert "proactivity" not in sentence
    assert "adds predictive value beyond NPS (likelihood-ratio test, p < 0.001)" in text[1]


def test_churn_findings_say_when_no_driver_is_clearly_linked():
    df = _accounts(2, 400, lambda d: -1.5 + 0 * d["nps"])  # churn independent of everything
    value, text = _findings(df)
    t = value.odds_ratios[value.odds_ratios["model"] == "NPS + drivers"]
    assert (t["ci_high"] >= 1).all()  # precondition of this seed
    assert ("Holding NPS and the other drivers fixed, no single driver is clearly associated with "
            "churn (every odds ratio's 95 % CI includes 1).") in text


def test_churn_findings_refuse_to_conclude_from_few_events():
    df = _accounts(3, 300, lambda d: -3.3 + 0 * d["nps"])
    value, text = _findings(df)
    assert value.n_events < 20
    assert len(text) == 1 and text[0].startswith(f"Only {value.n_events} churn events")
    assert "too few to tell" in text[0]


@pytest.mark.parametrize("x, shown", [(0.9994, "0.999"), (1.0004, "1.0004"), (1.0, "1.00"),
                                      (0.67, "0.67"), (1.34, "1.34")])
def test_odds_ratio_bounds_never_round_onto_one(x, shown):
    assert report._ratio(x) == shown


def test_tables_xlsx_captions_sheets_and_a_design_effect_below_one(tmp_path):
    import openpyxl
    ctx = report.StudyContext("x", output_dir=str(tmp_path))
    ctx.save_table(pd.DataFrame({"segment": ["A", "B"], "nps": [10.5, -3.0], "design_effect": [0.83, 1.7]}),
                   "nps_by_segment")
    ctx.save_table(pd.DataFrame({"a": [1]}), "a_table_with_a_rather_long_name_for_excel", caption="Custom <cap>")
    path = report.write_tables_xlsx(tmp_path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["a_table_with_a_rather_long_name", "nps_by_segment"]  # 31 characters at most
    assert wb["a_table_with_a_rather_long_name"]["A1"].value == "Custom <cap>"
    ws = wb["nps_by_segment"]
    assert ws["A1"].value == "NPS by segment" and [c.value for c in ws[3]] == ["segment", "nps", "design_effect"]
    assert [ws["C4"].value, ws["C5"].value] == ["<1, no clustering penalty", 1.7]
    assert ws["B4"].value == 10.5
    # the CSV keeps the number
    assert pd.read_csv(tmp_path / "tables" / "nps_by_segment.csv")["design_effect"].tolist() == [0.83, 1.7]
