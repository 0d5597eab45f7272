"""Run a study notebook with papermill into a reproducible run folder.

``reports/<study>/<run-id>/`` receives the executed notebook, ``tables/*.csv`` and
``tables.xlsx`` (the same tables, one captioned sheet each),
``figures/*.png``, ``manifest.json`` and ``findings.pdf``.  A failing cell
stops the run: the executed notebook is kept for debugging, no PDF is made,
and :class:`StudyFailed` is raised (the CLI exits non-zero).
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .config import PROJECT_DIR, REPORTS_DIR
from .io import load_programme
from .studies import check_columns, check_parameters, get_study

__all__ = ["run_study", "StudyFailed", "build_manifest", "PACKAGES"]

#: Packages whose versions go into every manifest.
PACKAGES = ("kapta-research", "numpy", "pandas", "scipy", "statsmodels", "scikit-learn", "matplotlib",
            "seaborn", "pandera", "duckdb", "ibis-framework", "pyspark", "papermill", "nbconvert", "weasyprint")


class StudyFailed(RuntimeError):
    """A study notebook raised; ``notebook`` is the executed copy with the traceback."""

    def __init__(self, message: str, notebook: Path):
        super().__init__(message)
        self.notebook = notebook


def _git_revision() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_DIR, capture_output=True,
                             text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_DIR,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return (rev or "unknown") + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _versions() -> dict:
    out = {"python": platform.python_version()}
    for p in PACKAGES:
        try:
            out[p] = version(p)
        except PackageNotFoundError:
            out[p] = "not installed"
    return out


def build_manifest(study, parameters: dict, programme, run_id: str) -> dict:
    """The run manifest: parameters, data hash, package versions, git revision, seed."""
    return {
        "study": study.name,
        "notebook": study.notebook.name,
        "run_id": run_id,
        "parameters": parameters,
        "seed": parameters.get("seed", "none (study uses no randomness)"),
        "data": programme.location,
        "data_sha256": programme.data_hash,
        "engine": getattr(programme, "engine", "") or f"pandas {version('pandas')}",
        "git_revision": _git_revision(),
        "packages": _versions(),
        "platform": platform.platform(),
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def run_study(name: str, *, parameters: dict | None = None, data: str | None = None,
              output_root: str | os.PathLike | None = None, pdf: bool = True,
              run_id: str | None = None) -> Path:
    """Run one study; return its run folder.

    Parameters
    ----------
    name : str
        Study name (``nps-overview``) or number (``01``).
    parameters : dict, optional
        Parameter values (validated against the notebook's parameters cell
        before anything runs).
    data : str, optional
        Programme location; overrides ``parameters['data']``.
    output_root : path, optional
        Default ``reports/``.
    pdf : bool
        Render ``findings.pdf``.
    run_id : str, optional
        Default: UTC timestamp plus a hash of parameters and data.

    Returns
    -------
    Path
        ``<output_root>/<study>/<run-id>``.
    """
    import papermill as pm

    from .report import notebook_to_pdf

    study = get_study(name)
    params = dict(parameters or {})
    if data is not None:
        params["data"] = str(data)
    params.pop("output_dir", None)
    params = check_parameters(study, params)  # also resolves a relative data path (see resolve_data)
    programme = load_programme(params["data"])  # fails fast, before a kernel starts
    check_columns(study, params, programme.respondents(engine=True).columns)
    key = hashlib.sha256(json.dumps({k: v for k, v in params.items() if k != "data"}, sort_keys=True,
                                    default=str).encode() + programme.data_hash.encode()).hexdigest()[:8]
    run_id = run_id or datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + key
    out_dir = Path(output_root or REPORTS_DIR) / study.name / run_id
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = build_manifest(study, params, programme, run_id)
    params["output_dir"] = str(out_dir.resolve())
    executed = out_dir / study.notebook.name
    env_path = os.environ.get("PATH", "")
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env_path
    t0 = time.perf_counter()
    # The kernel inherits our stderr and logs transport notices and shutdown chatter there; keep them in
    # the run folder (kernel.log) instead of alarming the user.
    sys.stderr.flush()
    saved_fd = os.dup(2)
    log = open(out_dir / "kernel.log", "wb")
    os.dup2(log.fileno(), 2)
    try:
        pm.execute_notebook(str(study.notebook), str(executed), parameters=params, kernel_name="python3",
                            cwd=str(PROJECT_DIR), progress_bar=False, log_output=False)
    except pm.PapermillExecutionError as exc:
        manifest["status"] = "failed"
        manifest["error"] = f"{exc.ename}: {exc.evalue}"
        (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
        raise StudyFailed(f"study {study.name} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}\n"
                          f"executed notebook kept at {executed}", executed) from None
    finally:
        os.environ["PATH"] = env_path
        os.dup2(saved_fd, 2)
        os.close(saved_fd)
        log.close()
    from .report import write_tables_xlsx
    write_tables_xlsx(out_dir)  # tables.xlsx beside tables/*.csv: one formatted sheet per table
    manifest["status"] = "ok"
    manifest["notebook_seconds"] = round(time.perf_counter() - t0, 1)
    manifest["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    if pdf:
        notebook_to_pdf(executed, out_dir / "findings.pdf", manifest=manifest, title=params.get("title", study.name))
    return out_dir
