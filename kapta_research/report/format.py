"""Number formatting for people: NPS points, intervals, percentages, p-values, labels.

The analysis functions return raw floats; every string a reader sees is made
here, so one number is always written the same way.
"""
from __future__ import annotations

import math

__all__ = ["fmt_points", "fmt_ci", "fmt_pct", "fmt_p", "driver_label", "caption"]


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


def significance_level(confidence) -> float:
    """The findings' one significance rule: alpha = 1 - confidence, so a verdict agrees with the printed interval.

    Examples
    --------
    >>> round(significance_level(0.9), 10)
    0.1
    """
    return 1 - confidence


def _n(n) -> str:
    return f"{int(n):,}"


def _share(x) -> str:
    return f"{100 * x:.0f} %"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _ratio(x) -> str:
    """Odds ratio with 2 decimals, or up to 4 where fewer would round an interval bound onto 1."""
    for digits in (2, 3, 4):
        text = f"{x:.{digits}f}"
        if float(text) != 1 or x == 1:
            break
    return text


def driver_label(name: str) -> str:
    """Human label of a driver column (``ease_of_doing_business`` -> ``ease of doing business``)."""
    from ..schema import DRIVER_LABELS
    return DRIVER_LABELS.get(name, name.replace("_", " ")).lower()


def _test_name(value) -> str:
    """Plain-words name of the test behind ``test_p_value`` of a predictive-value result."""
    method = getattr(value, "test_method", None) or "likelihood-ratio test"
    if method.startswith("wild cluster score bootstrap"):
        return "cluster score bootstrap over accounts"
    return method


_CAPTIONS = {"nps_by": "NPS by {}", "mix_by": "Mix by {}", "importance": "Relative importance ({})",
             "changes_by": "Last wave's change by {}"}


def caption(kind: str, name: str) -> str:
    """Caption or figure title of a study table, e.g. ``caption("nps_by", "annual_value")``.

    Examples
    --------
    >>> caption("nps_by", "account_manager")
    'NPS by account manager'
    """
    if kind not in _CAPTIONS:
        from ..errors import ParameterError
        raise ParameterError(f"The 'kind' parameter of caption must be one of {', '.join(_CAPTIONS)}. "
                             f"Got {kind!r} instead.")
    return _CAPTIONS[kind].format(str(name).replace("_", " "))
