"""Study notebooks and their parameters.

A study is a notebook ``notebooks/NN-topic.ipynb``; its name is ``topic``.
Its cell tagged ``parameters`` holds only annotated literals with a comment::

    data: str = "data/sample"        # programme folder, config or .duckdb file
    confidence: float = 0.95         # confidence level of every interval

The annotation is the declared type.  Papermill injects values without any
check, so :func:`check_parameters` runs before any work: in the runner
(before a kernel starts) and again in the notebook's second cell, refusing
unknown names and wrong types with a clear message.
"""
from __future__ import annotations

import ast
import json
import re
import types
from dataclasses import dataclass
from pathlib import Path

import yaml

from .config import NOTEBOOKS_DIR, PROJECT_DIR
from .errors import ParameterError

__all__ = ["Study", "Parameter", "list_studies", "get_study", "check_parameters",
           "parse_cli_value", "last_waves", "resolve_data"]

_NAME = re.compile(r"^(\d\d)-([a-z0-9-]+)\.ipynb$")
#: Names present in a kernel namespace that are not parameters.
_KERNEL_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str          # "str", "int", "float", "bool", "list[str]", "list[int]", "list[float]"
    default: object
    help: str


@dataclass(frozen=True)
class Study:
    name: str
    number: str
    notebook: Path
    parameters: dict

    @property
    def title(self) -> str:
        p = self.parameters.get("title")
        return p.default if p else self.name


def _parameters_cell(nb: dict, path: Path) -> str:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            src = cell["source"]
            return "".join(src) if isinstance(src, list) else src
    raise ParameterError(f"The notebook {path} has no cell tagged 'parameters'.")


def _parse_parameters(source: str, path: Path) -> dict[str, Parameter]:
    tree = ast.parse(source)
    lines = source.splitlines()
    params = {}
    for node in tree.body:
        if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name) or node.value is None:
            raise ParameterError(
                f"{path}: the parameters cell may hold only annotated literals like "
                f"`confidence: float = 0.95  # comment` (line {node.lineno}).")
        name = node.target.id
        typ = ast.unparse(node.annotation)
        if typ not in ("str", "int", "float", "bool", "list[str]", "list[int]", "list[float]"):
            raise ParameterError(f"{path}: parameter {name!r} has unsupported type {typ!r}.")
        default = ast.literal_eval(node.value)
        comment = lines[node.lineno - 1].partition("#")[2].strip()
        params[name] = Parameter(name, typ, default, comment)
    return params


def list_studies(folder: Path | None = None) -> list[Study]:
    """All study notebooks, in number order.

    Examples
    --------
    >>> [s.name for s in list_studies()][:1]
    ['nps-overview']
    """
    folder = Path(folder or NOTEBOOKS_DIR)
    out = []
    for path in sorted(folder.glob("*.ipynb")):
        m = _NAME.match(path.name)
        if not m:
            continue
        nb = json.loads(path.read_text(encoding="utf-8"))
        out.append(Study(m.group(2), m.group(1), path, _parse_parameters(_parameters_cell(nb, path), path)))
    return out


def get_study(name: str, folder: Path | None = None) -> Study:
    """The study called ``name`` (``"nps-overview"``, ``"01"`` or the file name)."""
    studies = list_studies(folder)
    for s in studies:
        if name in (s.name, s.number, s.notebook.name, s.notebook.stem):
            return s
    raise ParameterError(f"No study named {name!r}. Known studies: {', '.join(s.name for s in studies)}.")


def _type_ok(value, typ: str) -> bool:
    base = {"str": str, "int": int, "float": (int, float), "bool": bool}
    if typ.startswith("list["):
        inner = typ[5:-1]
        return isinstance(value, list) and all(_type_ok(v, inner) for v in value)
    if typ in ("int", "float") and isinstance(value, bool):
        return False
    return isinstance(value, base[typ])


def check_parameters(study: str | Study, values: dict, *, namespace: bool = False) -> dict:
    """Check parameter values against a study's declared parameters.

    Parameters
    ----------
    study : str or Study
    values : dict
        Name -> value.  With ``namespace=True`` it is a kernel namespace
        (``globals()``) and every non-private, non-module name in it is taken
        as a parameter, so that names papermill injected but the notebook
        does not declare are caught.

    Returns
    -------
    dict
        The declared parameters with defaults filled in, in declaration order.
        ``cluster`` is a column name or None: an empty string (independent
        respondents) becomes None, the analysis functions' spelling.
        ``data`` is an absolute path: a relative one is resolved against the
        working directory if it exists there, else against the project root
        (so a notebook opened from ``notebooks/`` finds ``data/sample``).

    Raises
    ------
    ParameterError
        Unknown names or values of the wrong type.

    Examples
    --------
    >>> check_parameters("nps-overview", {"confidence": 0.9})["confidence"]
    0.9
    >>> check_parameters("nps-overview", {"confidence": "high"})
    Traceback (most recent call last):
    ...
    kapta_research.errors.ParameterError: The 'confidence' parameter of study nps-overview must be float. Got 'high' (str) instead.
    """
    st = study if isinstance(study, Study) else get_study(study)
    if namespace:
        values = {k: v for k, v in values.items()
                  if not k.startswith("_") and k not in _KERNEL_NAMES
                  and not isinstance(v, (types.ModuleType, types.FunctionType, type))}
    unknown = [k for k in values if k not in st.parameters]
    if unknown:
        raise ParameterError(
            f"Unknown parameter(s) {', '.join(repr(u) for u in unknown)} for study {st.name}. "
            f"Its parameters: {', '.join(st.parameters)}.")
    out = {}
    for name, p in st.parameters.items():
        v = values.get(name, p.default)
        if name == "cluster" and not v:  # "" (or None, as returned here and injected back): independent
            out[name] = None
            continue
        if not _type_ok(v, p.type):
            raise ParameterError(f"The '{name}' parameter of study {st.name} must be {p.type}. "
                                 f"Got {v!r} ({type(v).__name__}) instead.")
        out[name] = float(v) if p.type == "float" else v
        choices = _choices(p.help)
        if choices and not (out[name] in choices if not isinstance(out[name], list)
                            else all(x in choices for x in out[name])):
            raise ParameterError(f"The '{name}' parameter of study {st.name} must be one of "
                                 f"{{{', '.join(map(repr, choices))}}}. Got {v!r} instead.")
        low = _at_least(p.help)
        if low is not None and p.type in ("int", "float") and out[name] < low:
            raise ParameterError(f"The '{name}' parameter of study {st.name} must be at least {low:g}. "
                                 f"Got {v!r} instead.")
        check = _VALUE_CHECKS.get(name)
        if check is not None and not check[0](out[name]):
            raise ParameterError(f"The '{name}' parameter of study {st.name} must be {check[1]}. "
                                 f"Got {v!r} instead.")
        if name == "data":
            out[name] = resolve_data(out[name])
    return out


def resolve_data(path: str) -> str:
    """A programme location as an absolute path: relative to the working directory if it exists there,
    else to the project root.

    Examples
    --------
    >>> from kapta_research.config import SAMPLE_DIR
    >>> resolve_data("data/sample") == str(SAMPLE_DIR)
    True
    """
    if str(path).startswith("spark:") or "://" in str(path):
        return str(path)   # an engine location (kapta_research.engines), not a path
    p = Path(path).expanduser()
    if not p.is_absolute():
        p = (Path.cwd() / p) if (Path.cwd() / p).exists() else PROJECT_DIR / p
    return str(p.resolve())


def last_waves(responses, n: int = 2):
    """The responses of the last ``n`` waves in the data (e.g. the last wave and the one before it).

    ``responses`` may be an engine table (the result is then an engine table too).

    Examples
    --------
    >>> import kapta_research as kr
    >>> sorted(int(w) for w in last_waves(kr.load_sample().respondents(), 2)["wave"].unique())
    [7, 8]
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ParameterError(f"The 'n' parameter of last_waves must be an int >= 1. Got {n!r} instead.")
    from ._engine_hook import is_engine_table
    if is_engine_table(responses):   # an engine table stays one: the filter runs in the engine
        from .engines import to_ibis
        t = to_ibis(responses)
        waves = t.filter(t.wave.notnull()).select("wave").distinct().execute()["wave"]
        keep = sorted(int(w) for w in waves)[-n:]
        return t.filter(t.wave.isin(keep))
    keep = sorted(responses["wave"].unique())[-n:]
    return responses[responses["wave"].isin(keep)]


def response_scope(responses) -> dict:
    """Counts for a study's title page: responses, accounts, waves and the first and last date.

    ``responses`` may be an engine table (one aggregate query and one distinct query; no row is read).

    Returns
    -------
    dict
        ``n`` (responses), ``n_accounts`` (distinct accounts), ``waves`` (sorted list of int),
        ``first`` and ``last`` (earliest and latest ``responded_at``, NaT when undated).

    Examples
    --------
    >>> import kapta_research as kr
    >>> s = response_scope(kr.load_sample().respondents())
    >>> s["n"], s["n_accounts"], s["waves"][-1]
    (2625, 259, 8)
    """
    import pandas as pd

    from ._engine_hook import is_engine_table
    if is_engine_table(responses):
        from .engines import to_ibis
        t = to_ibis(responses)
        waves = t.filter(t.wave.notnull()).select("wave").distinct().execute()["wave"]
        dated = "responded_at" in t.columns
        agg = t.aggregate(n=t.count(), k=t.account_id.nunique(),
                          **({"first": t.responded_at.min(), "last": t.responded_at.max()} if dated else {})
                          ).execute().iloc[0]
        return {"n": int(agg["n"]), "n_accounts": int(agg["k"]), "waves": sorted(int(w) for w in waves),
                "first": agg["first"] if dated else pd.NaT, "last": agg["last"] if dated else pd.NaT}
    dated = "responded_at" in responses
    return {"n": len(responses), "n_accounts": int(responses["account_id"].nunique()),
            "waves": sorted(int(w) for w in responses["wave"].dropna().unique()),
            "first": responses["responded_at"].min() if dated else pd.NaT,
            "last": responses["responded_at"].max() if dated else pd.NaT}


#: Value rules for parameter names shared by the studies.
_VALUE_CHECKS = {
    "confidence": (lambda v: 0 < v < 1, "in (0, 1)"),
    "min_n": (lambda v: v >= 1, "an int >= 1"),
    "n_boot": (lambda v: v >= 0, "an int >= 0"),
    "seed": (lambda v: v >= 0, "an int >= 0"),
    "horizon_days": (lambda v: v > 0, "an int > 0"),
    "waves": (lambda v: all(w >= 1 for w in v), "a list of wave numbers >= 1"),
    "data": (lambda v: len(v.strip()) > 0, "a non-empty path"),
}


def _choices(help_text: str) -> list[str]:
    """Choices declared in a parameter comment as ``one of: a, b, c``."""
    m = re.search(r"one of:\s*([^;()]+)", help_text)
    return [c.strip() for c in m.group(1).split(",") if c.strip()] if m else []


def _at_least(help_text: str) -> float | None:
    """Lower bound declared in a parameter comment as ``(at least N)``."""
    m = re.search(r"at least (-?\d+(?:\.\d+)?)", help_text)
    return float(m.group(1)) if m else None


#: Parameters that name columns of the responses (checked against the data before a run).
COLUMN_PARAMETERS = ("segments", "drivers", "outcome", "segment_column", "cluster")


def check_columns(study: str | Study, parameters: dict, columns) -> None:
    """Check that column-naming parameters name columns of the data (before a run starts).

    Raises
    ------
    ParameterError
        Naming the parameter, the unknown column(s) and the columns available.
    """
    st = study if isinstance(study, Study) else get_study(study)
    available = list(columns)
    for name in COLUMN_PARAMETERS:
        if name not in st.parameters or name not in parameters:
            continue
        value = parameters[name]
        names = value if isinstance(value, list) else ([value] if value else [])
        unknown = [c for c in names if c not in available]
        if unknown:
            raise ParameterError(
                f"The '{name}' parameter of study {st.name} names column(s) {', '.join(map(repr, unknown))} "
                f"that the data do not have. Available: {', '.join(map(str, available))}.")


def parse_cli_value(study: str | Study, name: str, text: str):
    """Turn a ``-p NAME VALUE`` string into the parameter's declared type.

    Lists may be given as ``a,b,c`` or as YAML/JSON (``[1, 2]``).

    Examples
    --------
    >>> parse_cli_value("nps-overview", "confidence", "0.9")
    0.9
    """
    st = study if isinstance(study, Study) else get_study(study)
    if name not in st.parameters:
        raise ParameterError(f"Unknown parameter {name!r} for study {st.name}. "
                             f"Its parameters: {', '.join(st.parameters)}.")
    typ = st.parameters[name].type
    if typ == "str":
        return text
    if typ == "bool":  # YAML would also read yes/no/on/off; a study switch is only true or false
        word = text.strip().lower()
        if word not in ("true", "false"):
            raise ParameterError(f"The {name!r} parameter of study {st.name} must be true or false. "
                                 f"Got {text!r} instead.")
        return word == "true"
    if typ.startswith("list[") and not text.strip().startswith("["):
        items = [t.strip() for t in text.split(",") if t.strip()]
        inner = typ[5:-1]
        return [i if inner == "str" else _scalar(i) for i in items]
    return _scalar(text)


def _scalar(text: str):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text
