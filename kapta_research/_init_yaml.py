"""Writing the draft of ``kapta-research init`` as commented YAML (see :mod:`kapta_research.init`).

Strings are written double-quoted (JSON escapes are valid YAML) with every
non-printable character escaped, in values and in comments alike, so that
``yaml.safe_load(text)`` gives back exactly the draft's config whatever the
export's headers hold.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ._init_match import PRESETS
from .schema import DRIVER_SCALE, DRIVERS, LTR_SCALE, ROLES

__all__ = ["render", "clip"]


def _printable(text: str) -> str:
    """Non-printable characters as \\uXXXX escapes: YAML reads U+2028, U+0085 … as line breaks and refuses
    control characters, in comments as in quoted strings."""
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}"
                   for c in text)


def clip(text, n: int = 70) -> str:
    """One line of comment text: whitespace runs as one space, escaped, at most ``n`` characters."""
    text = _printable(" ".join(str(text).split()))
    return text if len(text) <= n else text[: n - 1] + "…"


def _q(value) -> str:
    """A YAML scalar: strings double-quoted (JSON escapes are valid YAML), numbers and None plain."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return _printable(json.dumps(str(value), ensure_ascii=False))


def _flow(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_q(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _q(value)


def _line(indent: int, key: str, value: str | None, comment: str | None = None) -> str:
    text = " " * indent + (f"{key}: {value}" if value is not None else f"{key}:")
    if comment:
        comment = _printable(" ".join(str(comment).split()))
        text = f"{text.ljust(44)}  # {comment}" if len(text) < 44 else f"{text}  # {comment}"
    return text


def _table_lines(td: TableDraft) -> list[str]:
    c, com = td.config, td.comments
    out = [_line(2, td.table, None, f"{td.n_rows} data rows")]
    out.append(_line(4, "file", _q(c["file"])))
    for key in ("sheet", "format", "skip_rows", "header_rows", "decimal"):
        if key in c:
            out.append(_line(4, key, _q(c[key]) if key != "format" else c[key], com.get(key)))
    if c.get("columns"):
        out.append(_line(4, "columns", None, "export column -> canonical name"))
        for h, canon in c["columns"].items():
            out.append(_line(6, _q(h), canon, com["columns"].get(h)))
    if com.get("_identity"):
        out.append("    # columns already named canonically: " + ", ".join(com["_identity"]))
    if "values" in c:
        out.append(_line(4, "values", None, "answer labels -> numbers"))
        for k, v in c["values"].items():
            note = com["values"].get(k)
            if isinstance(v, dict) and any(x is None for x in v.values()):
                out.append(_line(6, k, None, note))
                for lab, num in v.items():
                    out.append(_line(8, _q(lab), _q(num), None if num is not None else "TODO: its number"))
            else:
                out.append(_line(6, k, _flow(v), note))
    if "churned" in c:
        out.append(_line(4, "churned", _flow(c["churned"]), com.get("churned")))
    if "roles" in c:
        out.append(_line(4, "roles", None, "role labels -> " + ", ".join(ROLES)))
        for lab, role in c["roles"].items():
            out.append(_line(6, _q(lab), role if role else "null", com["roles"][lab]))
    if "wave" in c:
        out.append(_line(4, "wave", _flow(c["wave"]), com.get("wave")))
    for n in td.notes:
        out.append(f"    # {clip(n, 1000)}")
    if td.unused:
        out.append("    # not used: " + clip(", ".join(td.unused), 400))
    return out


def _scales(tables: dict) -> tuple[dict, dict]:
    """Declared scales and their comments, from the driver answers as they will read (numbers, presets, maps)."""
    scales = {"ltr": list(LTR_SCALE), "drivers": list(DRIVER_SCALE)}
    comments = {}
    r = tables.get("responses")
    if r is None:
        return scales, comments
    guesses = r.comments.get("_scales", {})
    values = r.config.get("values", {})
    seen = []
    for col, g in guesses.items():
        if col not in DRIVERS:
            continue
        if g.low is not None:
            seen += [g.low, g.high]
        own = values.get(col, values.get("drivers") if g.kind != "numeric" else None)
        mapping = PRESETS.get(own) if isinstance(own, str) else own
        seen += [v for v in (mapping or {}).values() if v is not None]
    if seen:
        lo, hi = min(seen), max(seen)
        if lo >= 1 and hi <= 5:
            scales["drivers"] = [1, 5]
        elif lo >= 0 and hi > 7:
            scales["drivers"] = [0 if lo < 1 else 1, max(10, int(np.ceil(hi)))]
        elif lo < 1:
            scales["drivers"] = [int(np.floor(lo)), max(7, int(np.ceil(hi)))]
        comments["drivers"] = f"guessed from the driver answers seen ({lo:g} to {hi:g})"
    ltr = guesses.get("ltr")
    if ltr is not None and ltr.low is not None:
        comments["ltr"] = f"answers seen {ltr.low:g} to {ltr.high:g}"
    return scales, comments


def render(tables: dict, todos: list, notes: list, output: Path, name: str) -> tuple[dict, str]:
    scales, scale_com = _scales(tables)
    config = {"name": name, "scales": scales,
              "tables": {t: {k: v for k, v in td.config.items()} for t, td in tables.items()}}
    head = [f"# Programme config drafted by `kapta-research init` from {sum(1 for _ in tables)} table(s):"]
    head += [f"#   {clip(td.label, 300)} -> {t} ({td.geometry['format']})" for t, td in tables.items()]
    head += [f"#   {clip(n, 1000)}" for n in notes]
    head.append('# Every proposal is marked "guessed …": check them against your exports.')
    if todos:
        head.append(f"# TODO: {len(todos)} thing(s) to decide before the data validate "
                    "(each is marked TODO where it belongs):")
        head += [f"#   {i}. {clip(t, 300)}" for i, t in enumerate(todos, 1)]
    else:
        head.append("# Nothing was left undecided.")
    head.append(f"# Then run: kapta-research validate --data {output.name}")
    body = [f"name: {_q(name)}", "scales:",
            _line(2, "ltr", _flow(scales["ltr"]), scale_com.get("ltr")),
            _line(2, "drivers", _flow(scales["drivers"]), scale_com.get("drivers")),
            "tables:"]
    for td in tables.values():
        body += _table_lines(td)
    if not tables:
        config["tables"] = {}
        body[-1] = "tables: {}"
    return config, "\n".join(head + body) + "\n"
