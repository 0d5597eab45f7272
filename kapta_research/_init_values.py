"""How ``kapta-research init`` drafts the parts of a table's config that come from its answers.

Split from :mod:`kapta_research.init` (which assembles the draft): given a
:class:`~kapta_research.init.TableDraft` whose columns are mapped and the
column values read from the export, these fill ``values:`` (answer labels ->
numbers), ``churned:``, ``roles:`` and ``wave:``, and append the TODOs a
person must settle.  Every function changes the draft in place.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ._init_match import PRESETS, detect_scale, guess_churn_labels, guess_roles
from ._init_yaml import clip
from .io.formats import qualtrics_drops
from .schema import DRIVER_SCALE, DRIVERS, LTR_SCALE, ROLES

if TYPE_CHECKING:
    from .init import TableDraft

__all__ = ["scale_guesses", "draft_values", "draft_churn", "draft_roles", "draft_wave", "qualtrics_note"]

_QUARTER_LABEL = re.compile(r"^\s*(\d{4})\s*[-/ ]?\s*[qQ]([1-4])\s*$|^\s*[qQ]([1-4])\s*[-/ ]?\s*(\d{4})\s*$")
_WAVE_LABEL = re.compile(r"^\s*(\d{4})\s*[-/ ]?\s*[qQ]([1-4])\s*$|^\s*[qQ]([1-4])\s*[-/ ]?\s*(\d{4})\s*$|^\s*\d+\s*$")


def scale_guesses(values: dict[str, list[str]], columns: dict[str, str]) -> dict:
    """ScaleGuess per scored canonical column present (ltr on 0-10, drivers on the default scale)."""
    out = {}
    for canon, header in columns.items():
        if canon == "ltr":
            out[canon] = detect_scale(values.get(header, []), scale=LTR_SCALE)
        elif canon in DRIVERS:
            out[canon] = detect_scale(values.get(header, []), scale=DRIVER_SCALE)
    return out


def draft_values(td: TableDraft, scales: dict, todos: list) -> None:
    """Fill ``values:`` from the label guesses; a whole-drivers preset becomes ``drivers: <preset>``."""
    values, comments = {}, {}
    drivers = {c: g for c, g in scales.items() if c in DRIVERS}
    # the preset most drivers use becomes `drivers: <preset>`; the other labelled drivers get their own entry
    counts = {}
    for g in drivers.values():
        if g.kind in PRESETS:
            counts[g.kind] = counts.get(g.kind, 0) + 1
    if counts:
        name = max(sorted(counts), key=counts.get)
        values["drivers"] = name
        order = [k.casefold() for k in PRESETS[name]]
        seen = sorted({lab for g in drivers.values() if g.kind == name for lab in g.labels},
                      key=lambda x: order.index(x.casefold()))
        comments["drivers"] = f"guessed from the answers {clip(', '.join(seen), 60)}"
        drivers = {c: g for c, g in drivers.items() if g.kind != name}
    rest = ([("ltr", scales["ltr"])] if "ltr" in scales else []) + list(drivers.items())
    for canon, g in rest:
        if g.kind in PRESETS:
            values[canon] = g.kind
            comments[canon] = f"guessed from the answers {clip(', '.join(g.labels), 60)}"
        elif g.kind == "map":
            values[canon] = dict(sorted(g.mapping.items(), key=lambda kv: (kv[1] is None, kv[1] or 0)))
            unknown = [k for k, v in g.mapping.items() if v is None]
            if unknown:
                msg = (f"{td.table}: give a number to each answer of {canon} "
                       f"({', '.join(repr(u) for u in unknown[:8])}{' …' if len(unknown) > 8 else ''})")
                todos.append(msg)
                comments[canon] = "TODO: " + msg.split(": ", 1)[1]
            else:
                comments[canon] = f"guessed from {g.reason}"
    ltr = scales.get("ltr")
    if ltr is not None and ltr.low is not None and (ltr.low < LTR_SCALE[0] or ltr.high > LTR_SCALE[1]):
        todos.append(f"{td.table}: the recommend answers ({td.columns['ltr']!r}) run from {ltr.low:g} to "
                     f"{ltr.high:g}, outside the 0-10 scale NPS needs; check that this is the recommend question")
    if values:
        td.config["values"] = values
        td.comments["values"] = comments


def draft_churn(td: TableDraft, values: dict, todos: list) -> None:
    cols = td.config.get("columns", {})
    header = next((h for h, c in cols.items() if c == "churned"), None)
    if header is None:
        header = "churned" if "churned" in td.comments.get("_identity", []) else None
        if header is None:
            return
    vals = values.get(header, [])
    true, false, unknown = guess_churn_labels(vals)
    boolish = {"true", "false", "yes", "no", "1", "0", "y", "n", "t", "f", "1.0", "0.0"}
    if all(str(v).strip().casefold() in boolish for v in vals if str(v).strip()):
        return  # a true/false column maps directly
    cols.pop(header, None)
    if header in td.comments.get("_identity", []):
        td.comments["_identity"].remove(header)
    evidence = td.comments.get("columns", {}).pop(header, f'guessed from header "{header}"')
    td.config["churned"] = {"column": header, "true": true, "false": false}
    why = f"{evidence}; churned = {', '.join(true) or 'none seen'}"
    if unknown:
        msg = (f"{td.table}: say whether {', '.join(repr(u) for u in unknown)} in {header!r} means churned "
               f"(add it under churned: true: or false:)")
        todos.append(msg)
        why += "; TODO: " + msg.split(": ", 1)[1]
    td.comments["churned"] = why


def draft_roles(td: TableDraft, values: dict, todos: list) -> None:
    header = td.columns.get("role")
    if header is None:
        return
    roles = guess_roles(values.get(header, []))
    if not roles:
        return
    td.config["roles"] = roles
    unknown = [k for k, v in roles.items() if v is None]
    com = {k: ("guessed" if v else f"TODO: one of {', '.join(ROLES)}") for k, v in roles.items()}
    if unknown:
        todos.append(f"{td.table}: give each role label a canonical role ({', '.join(map(repr, unknown))}; "
                     f"one of {', '.join(ROLES)})")
    td.comments["roles"] = com


def draft_wave(td: TableDraft, values: dict, todos: list) -> None:
    if td.table not in ("responses", "invitations"):
        return
    cols = td.columns
    if "wave" in cols:
        bad = sorted({v for v in values.get(cols["wave"], []) if v and not _WAVE_LABEL.match(v)})
        if bad:
            msg = (f"{td.table}: the wave column {cols['wave']!r} holds values that are neither wave numbers nor "
                   f"labels like 2024-Q1 ({', '.join(map(repr, bad[:5]))}); map a column of wave numbers or use "
                   f"wave: {{from: <date column>, every: quarter}}")
            todos.append(msg)
            td.notes.append("TODO: " + msg.split(": ", 1)[1])
        return
    labelled = [h for h, v in values.items() if h not in td.comments.get("columns", {}) and h != cols.get("wave")
                and any(v) and all(_QUARTER_LABEL.match(x) for x in v if x)]
    if labelled:
        td.config.setdefault("columns", {})[labelled[0]] = "wave"
        td.comments["columns"][labelled[0]] = "guessed from its values, quarter labels such as " \
            f"{next(x for x in values[labelled[0]] if x)!r}"
        td.unused = [u for u in td.unused if u != labelled[0]]
        return
    date = "responded_at" if td.table == "responses" else "sent_at"
    if date in cols:
        td.config["wave"] = {"from": date, "every": "quarter"}
        td.comments["wave"] = f"guessed: no wave column, so waves are the quarters of {date} ({cols[date]!r})"
    else:
        msg = f"{td.table}: no wave column and no date to derive waves from; map one of the columns to wave"
        todos.append(msg)
        td.notes.append("TODO: " + msg.split(": ", 1)[1])


def qualtrics_note(td: TableDraft, values: dict) -> None:
    """Say how many preview / unfinished responses the loader will drop (by the loader's own rule)."""
    import pandas as pd
    cols = {c: [v or None for v in values[c]] for c in ("Status", "DistributionChannel", "Finished") if c in values}
    if not cols:
        return
    preview, test, unfinished = qualtrics_drops(pd.DataFrame(cols), keep_unfinished=False)
    if preview.any() or test.any() or unfinished.any():
        tests = f", {int(test.sum())} survey-test" if test.any() else ""
        td.notes.append(f"{int(preview.sum())} survey-preview{tests} and {int(unfinished.sum())} unfinished "
                        "responses are dropped on loading "
                        "(keep_unfinished: true keeps the unfinished ones)")
