"""Command line: ``kapta-research list | run | run-all | validate | simulate | init``."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .errors import KaptaError

__all__ = ["main"]


def _cmd_list(args) -> int:
    from .studies import list_studies
    for s in list_studies():
        print(f"{s.number}  {s.name}    ({s.notebook.relative_to(s.notebook.parent.parent)})")
        for p in s.parameters.values():
            print(f"      {p.name}: {p.type} = {p.default!r}    # {p.help}")
    return 0


def _cmd_run(args) -> int:
    from .runner import StudyFailed, run_study
    from .studies import get_study, parse_cli_value
    study = get_study(args.study)
    params = {}
    for name, value in args.p or []:
        params[name] = parse_cli_value(study, name, value)
    t0 = time.perf_counter()
    try:
        out = run_study(study.name, parameters=params, data=args.data, output_root=args.output,
                        pdf=not args.no_pdf)
    except StudyFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{study.name}: {out}  ({time.perf_counter() - t0:.1f} s)")
    if not args.no_pdf:
        print(f"  PDF: {out / 'findings.pdf'}")
    return 0


def _shared_parameters(studies, pairs) -> dict:
    """``-p NAME VALUE`` pairs of run-all -> {study name: {parameter: value}}.

    A parameter goes to every study that declares it (parsed to that study's
    type) and is skipped for the others; a name no study declares is an error
    with a did-you-mean.
    """
    import difflib

    from .errors import ParameterError
    from .studies import parse_cli_value
    known = sorted({n for s in studies for n in s.parameters if n != "output_dir"})
    out = {s.name: {} for s in studies}
    for name, value in pairs:
        takers = [s for s in studies if name in s.parameters and name != "output_dir"]
        if not takers:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ParameterError(f"Unknown parameter {name!r}: no study has it.{hint} "
                                 f"Parameters of the studies: {', '.join(known)}.")
        for s in takers:
            out[s.name][name] = parse_cli_value(s, name, value)
    return out


def _cmd_run_all(args) -> int:
    import os

    from tqdm.auto import tqdm

    from .runner import run_study
    from .studies import list_studies
    studies = list_studies()
    shared = _shared_parameters(studies, args.p or [])  # refuses unknown names before any work
    t0 = time.perf_counter()
    rows = []
    bar = tqdm(studies, desc="run-all", unit="study", disable=os.environ.get("CI", "").lower() == "true")
    for s in bar:
        bar.set_postfix_str(s.name)
        t1 = time.perf_counter()
        try:
            out = run_study(s.name, parameters=shared[s.name], data=args.data, output_root=args.output)
            rows.append((s.name, "ok", time.perf_counter() - t1, str(out / "findings.pdf"), ""))
        except Exception as exc:  # noqa: BLE001 - one failing study must not stop the others
            first = next((ln for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
            rows.append((s.name, "FAILED", time.perf_counter() - t1, "", f"{type(exc).__name__}: {first}"))
    bar.close()
    failed = [r for r in rows if r[1] != "ok"]
    width = max(len(r[0]) for r in rows)
    print(f"\n{'study':<{width}}  status  seconds  PDF / first error line")
    for name, status, secs, pdf, err in rows:
        print(f"{name:<{width}}  {status:<6}  {secs:7.1f}  {pdf or err}")
    print(f"\n{len(rows) - len(failed)} of {len(rows)} studies ok in {time.perf_counter() - t0:.1f} s."
          + (f" Failed: {', '.join(r[0] for r in failed)}." if failed else ""))
    return 1 if failed else 0


def _cmd_validate(args) -> int:
    from .quality import quality_report
    try:
        text = quality_report(args.data)
    except KaptaError as exc:  # data problems, an unreadable config, a missing file: exit 1 alike
        what = "the programme's configuration" if getattr(exc, "file", None) and str(exc.file).endswith(
            (".yaml", ".yml", ".toml")) else "the data"
        print(f"{args.data}: {what} {'has' if what != 'the data' else 'have'} problems.\n{exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - a preflight never shows a traceback
        print(f"{args.data}: validate could not finish ({type(exc).__name__}: {exc}). This is a bug in "
              "kapta-research, not in your data; please report it with this line.", file=sys.stderr)
        return 1
    print(text)
    return 0


def _cmd_simulate(args) -> int:
    from .config import SAMPLE_DIR, SAMPLE_SEED
    from .simulate import simulate_programme, write_programme
    out = Path(args.out or SAMPLE_DIR)
    tables, truth = simulate_programme(seed=SAMPLE_SEED if args.seed is None else args.seed,
                                       n_accounts=args.accounts)
    for p in write_programme(tables, truth, out):
        print(p)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kapta-research",
        description="Honest statistics for B2B customer-feedback programmes: run studies, validate data.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("list", help="list the studies and their parameters",
                       description="List the study notebooks and their parameters (type, default, meaning).")
    p.set_defaults(func=_cmd_list)
    p = sub.add_parser("run", help="run one study into reports/<study>/<run-id>/",
                       description="Run a study notebook with papermill; write the executed notebook, "
                                   "tables, figures, manifest.json and findings.pdf.")
    p.add_argument("study", help="study name (e.g. nps-overview) or number (01)")
    p.add_argument("-p", nargs=2, action="append", metavar=("NAME", "VALUE"),
                   help="set a parameter (repeatable); lists as a,b,c")
    p.add_argument("--data", help="programme folder, programme.yaml, .duckdb file, or engine data: a Parquet "
                                  "file or glob, spark:, an Ibis URL (see README, Engines)")
    p.add_argument("--output", help="reports folder (default: reports/)")
    p.add_argument("--no-pdf", action="store_true", help="skip the PDF")
    p.set_defaults(func=_cmd_run)
    p = sub.add_parser("run-all", help="run every study (what `make study` does)",
                       description="Run every study on one programme, continuing past a failure; print a "
                                   "summary (study, status, seconds, PDF or first error line). Exit status 1 "
                                   "if any study failed.")
    p.add_argument("-p", nargs=2, action="append", metavar=("NAME", "VALUE"),
                   help="set a parameter for every study that has it (repeatable), e.g. -p confidence 0.9")
    p.add_argument("--data", default="data/sample", help="programme location (default data/sample)")
    p.add_argument("--output", help="reports folder (default: reports/)")
    p.set_defaults(func=_cmd_run_all)
    p = sub.add_parser("validate", help="check a programme's data and print the data-quality report",
                       description="Load and validate a programme; print the data-quality report. "
                                   "Exit status 1 if the data cannot be used (every problem is listed).")
    p.add_argument("--data", required=True, help="programme folder, programme.yaml or .duckdb file")
    p.set_defaults(func=_cmd_validate)
    p = sub.add_parser("simulate", help="regenerate the synthetic sample programme",
                       description="Simulate a programme with a documented truth. With no options it "
                                   "regenerates data/sample byte-identically.")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the sample's)")
    p.add_argument("--accounts", type=int, default=300, help="number of accounts (default 300)")
    p.add_argument("--out", help="output folder (default data/sample)")
    p.set_defaults(func=_cmd_simulate)
    from .init import add_parser as _add_init_parser  # `init`: drafts programme.yaml (kapta_research/init.py)
    _add_init_parser(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KaptaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
