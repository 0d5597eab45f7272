# kapta-research: every target sets up its own environment from the lock file.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < requirements.lock | cut -d' ' -f1)
# Extra pytest options, e.g. `make test PYTEST_ARGS="-m 'not slow'"`.
PYTEST_ARGS ?=

.PHONY: help env study test test-fast bench lab sample lock clean

help:
	@echo "make study   run every study on data/sample, write PDFs under reports/"
	@echo "make test    run the test suite (incl. slow simulations and notebook runs)"
	@echo "make bench   run the benchmarks in tests/benchmarks/ (prints ratios)"
	@echo "make lab     open JupyterLab with the project kernel"
	@echo "make sample  regenerate data/sample from its seed"

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name kapta-research --display-name "kapta-research" >/dev/null
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

env: $(STAMP)

study: $(STAMP)
	$(BIN)/kapta-research run-all --data data/sample

# --no-loadscope-reorder keeps the longest-file-first order of tests/conftest.py (two workers stay busy)
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder -m "not slow and not study" $(PYTEST_ARGS)

bench: $(STAMP)
	@for f in tests/benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

lab: $(STAMP)  # JupyterLab and the project kernel come from the lock (make env)
	$(BIN)/jupyter lab notebooks/

sample: $(STAMP)
	$(BIN)/kapta-research simulate

lock: $(STAMP)
	( echo "# Pinned environment for reproducible studies and tests (Python 3.11)."; \
	  echo "# Regenerate with \`make lock\` after changing dependencies in pyproject.toml."; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v -i '^kapta' ) > requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
