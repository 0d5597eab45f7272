"""Study parameters: parsed from the notebook's parameters cell, checked before any work."""
from __future__ import annotations

import pytest

from kapta_research.errors import ParameterError
from kapta_research.studies import check_parameters, get_study, list_studies, parse_cli_value


def test_parameters_are_read_from_the_notebook():
    st = get_study("nps-overview")
    assert st.number == "01" and get_study("01") == st
    p = st.parameters["confidence"]
    assert (p.type, p.default) == ("float", 0.95) and "confidence" in p.help
    assert st.parameters["segments"].type == "list[str]"
    assert [s.name for s in list_studies()][0] == "nps-overview"


def test_defaults_are_filled_and_ints_accepted_for_floats():
    out = check_parameters("nps-overview", {"min_n": 10})
    assert out["min_n"] == 10 and out["confidence"] == 0.95 and out["method"] == "score"


@pytest.mark.parametrize("values, message", [
    ({"confidence": "0.9"}, r"'confidence' parameter of study nps-overview must be float\. Got '0\.9' \(str\)"),
    ({"confidence": 1.5}, r"'confidence' parameter of study nps-overview must be in \(0, 1\)\. Got 1\.5"),
    ({"min_n": 2.5}, r"'min_n' parameter of study nps-overview must be int\. Got 2\.5 \(float\)"),
    ({"min_n": True}, r"'min_n' parameter of study nps-overview must be int\. Got True \(bool\)"),
    ({"min_n": 0}, r"'min_n' parameter of study nps-overview must be an int >= 1\. Got 0"),
    ({"segments": "segment"}, r"'segments' parameter of study nps-overview must be list\[str\]"),
    ({"waves": [1, "2"]}, r"'waves' parameter of study nps-overview must be list\[int\]"),
    ({"waves": [0]}, r"'waves' parameter of study nps-overview must be a list of wave numbers >= 1"),
    ({"method": "exact"}, r"'method' parameter of study nps-overview must be one of \{'wald', 'adjusted_wald', 'score', 'bootstrap'\}"),
    ({"colour": "blue"}, r"Unknown parameter\(s\) 'colour' for study nps-overview\. Its parameters: data, segments"),
])
def test_bad_values_are_refused_with_a_clear_message(values, message):
    with pytest.raises(ParameterError, match=message):
        check_parameters("nps-overview", values)


def test_namespace_mode_catches_injected_unknown_names():
    import math
    ns = {"confidence": 0.9, "In": [], "_private": 1, "math": math, "typo_param": 3}
    with pytest.raises(ParameterError, match="Unknown parameter.*'typo_param'"):
        check_parameters("nps-overview", ns, namespace=True)


def test_cli_values_are_parsed_to_declared_types():
    assert parse_cli_value("nps-overview", "segments", "segment,region") == ["segment", "region"]
    assert parse_cli_value("nps-overview", "waves", "[7, 8]") == [7, 8]
    assert parse_cli_value("nps-overview", "waves", "7,8") == [7, 8]
    assert parse_cli_value("nps-overview", "min_n", "10") == 10
    assert parse_cli_value("nps-overview", "title", "10") == "10"
    with pytest.raises(ParameterError, match="Unknown parameter 'x'"):
        parse_cli_value("nps-overview", "x", "1")


def test_a_bool_parameter_on_the_command_line_is_true_or_false_only():
    # new-user trial: `-p scrub_account_names yes` was read as true by YAML without a word
    from kapta_research.errors import ParameterError
    from kapta_research.studies import parse_cli_value
    assert parse_cli_value("what-customers-say", "scrub_account_names", "True") is True
    assert parse_cli_value("what-customers-say", "scrub_account_names", "false") is False
    with pytest.raises(ParameterError, match=r"The 'scrub_account_names' parameter of study what-customers-say must "
                                             r"be true or false\. Got 'yes' instead\."):
        parse_cli_value("what-customers-say", "scrub_account_names", "yes")
