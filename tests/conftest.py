"""Small, generic, seeded fixtures shared by the test files.

Module-specific fixtures live in their own test file.  Nothing here writes to
``data/sample``: tests that need to edit a programme get a copy in ``tmp_path``.
"""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from kapta_research.config import SAMPLE_DIR

#: Seed of every test's random generator (same as the sample programme's).
TEST_SEED = 20261122


@pytest.fixture
def rng() -> np.random.Generator:
    """A freshly seeded generator: each test sees the same stream on every run."""
    return np.random.default_rng(TEST_SEED)


@pytest.fixture(scope="session")
def sample():
    """The bundled sample programme, loaded once per session (treat as read-only)."""
    import kapta_research as kr
    return kr.load_sample()


@pytest.fixture
def respondents(sample):
    """Sample responses joined with segment and role (a fresh frame per test)."""
    return sample.respondents()


@pytest.fixture(scope="session")
def plain_respondents(sample):
    """Sample responses joined with segment and role, without DataFrame.attrs (what an engine table holds).

    Shared by the engine tests (read-only): the engine and in-memory paths are compared on this frame.
    """
    r = sample.respondents()
    r.attrs = {}
    return r


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    """One local Spark session for the whole test run (``local[1]``, 2 shuffle partitions, UI off, UTC).

    Skips where PySpark is not installed; tests using it carry ``@pytest.mark.spark``
    (deselect with ``-m "not spark"``).
    """
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession
    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    session = (SparkSession.builder.master("local[1]").appName("kapta-research-tests")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.session.timeZone", "UTC").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.warehouse.dir", str(warehouse))
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={warehouse}")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture
def programme_copy(tmp_path):
    """A writable copy of ``data/sample`` in ``tmp_path`` (edit this, never the original)."""
    dest = tmp_path / "programme"
    shutil.copytree(SAMPLE_DIR, dest)
    return dest


#: Seconds each slow test file took run alone (``pytest -n 0``, this 2-core machine, 2026-12-02,
#: other work running).  Only the order of the run depends on them: ``make test`` hands whole files
#: to two workers (``--dist loadfile --no-loadscope-reorder``) in collection order, and
#: :func:`pytest_collection_modifyitems` puts the longest files first, so the run does not end with
#: one long file on one worker while the other is idle (longest-processing-time-first scheduling).
#: Files not listed (a few seconds each) follow in their usual order.  Re-measure with
#: ``pytest --durations=20 -n 0 FILE`` when a file grows.
FILE_SECONDS = {
    "tests/test_study_coverage.py": 105,
    "tests/test_study_coverage_runs.py": 95,
    "tests/test_study_comments.py": 83,
    "tests/test_io_exports_study.py": 80,
    "tests/test_churn_simulation.py": 60,
    "tests/test_study_programme_health.py": 57,
    "tests/test_study_accounts.py": 56,
    "tests/test_study_nps_overview.py": 55,
    "tests/test_accounts_sim.py": 51,
    "tests/test_engines_study.py": 49,
    "tests/test_engines_spark.py": 40,
    "tests/test_health_sim.py": 39,
    "tests/test_study_key_drivers.py": 35,
    "tests/test_study_churn.py": 28,
    "tests/test_drivers_sim.py": 22,
    "tests/test_text_simulation.py": 13,
    # long files with many tests that would otherwise be left for the end of the run: test_init (90-115 s)
    # and test_text (74 s) measured alone on 2026-12-02 at load 3-4; the others estimated from combined runs
    "tests/test_init.py": 95,
    "tests/test_text.py": 70,
    "tests/test_operations.py": 60,
    "tests/test_health.py": 45,
    "tests/test_engines_push.py": 40,
    "tests/test_cli.py": 40,
    "tests/test_engines_drivers.py": 20,
    "tests/test_engines_lazy.py": 12,
}


def pytest_collection_modifyitems(config, items):
    """Run the longest files first (stable sort: tests keep their order within a file)."""
    items.sort(key=lambda item: -FILE_SECONDS.get(item.nodeid.split("::", 1)[0], 0))


#: test time per marker, summed over setup, call and teardown (reports reach the controlling process
#: under pytest-xdist too); printed at the end of every run so CI's log shows what the Spark tests cost
_MARKED_SECONDS: dict = {}
_SUMMARY_MARKERS = ("spark", "slow", "study")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Carry the test's markers on its report (``user_properties`` reach the controller under xdist;
    ``report.keywords`` would also match a parameter id such as ``spark``)."""
    if not any(k == "summary_markers" for k, _ in item.user_properties):   # before the setup report is made
        marks = sorted({m.name for m in item.iter_markers()} & set(_SUMMARY_MARKERS))
        item.user_properties.append(("summary_markers", marks))
    return (yield)


def pytest_runtest_logreport(report):
    marks = next((v for k, v in report.user_properties if k == "summary_markers"), ())
    for mark in marks:
        n, seconds = _MARKED_SECONDS.get(mark, (0, 0.0))
        _MARKED_SECONDS[mark] = (n + (report.when == "call"), seconds + report.duration)


def pytest_terminal_summary(terminalreporter):
    if not _MARKED_SECONDS:
        return
    terminalreporter.section("time by marker (setup + call + teardown, summed over workers)")
    for mark in _SUMMARY_MARKERS:
        if mark in _MARKED_SECONDS:
            n, seconds = _MARKED_SECONDS[mark]
            terminalreporter.write_line(f"{mark:>6}: {n} tests, {seconds:.1f} s")
